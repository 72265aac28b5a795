/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * hastor write log ("NVRAM"): the layout of a node's log device.
 * Documentation/wlog-format.md is the reference; this header is the
 * authority on sizes and offsets.  All integers are little-endian;
 * addresses and lengths are in 512-byte sectors.
 *
 *   block 0, 1          log superblock, two copies (the newer valid one
 *                       wins); written at format and whenever the CP
 *                       marker covered_seq moves
 *   local_start         the local log: two halves of half_sectors each
 *   mirror_start        the partner's log, mirrored: the same two halves,
 *                       byte for byte at the same offsets as on the partner
 *
 * A half starts with a half header (one 4 KiB block) naming its epoch and
 * the sequence number of its first entry; entries follow back to back,
 * each padded to the device's logical block size.  An entry is one group
 * commit: a header listing its records, then the data of its write
 * records in record order.  Its checksum covers the header and the data,
 * so a torn entry is detected; the log writes one entry at a time, after
 * the previous one is durable, so nothing valid ever follows a torn one.
 *
 * Reading a half: take its header, then entries from the start while the
 * magic and uuid match, the checksum is right, seq is the previous one's
 * plus one (the half's first_seq for the first), and epoch is at least
 * the previous one's (and the half's).  The epoch rises on every half
 * switch and every time the log is attached, so entries a crash left
 * behind beyond the end of the log are never taken for new ones.
 */
#ifndef _UAPI_LINUX_HASTOR_WLOG_H
#define _UAPI_LINUX_HASTOR_WLOG_H

#include <linux/types.h>

#define HASTOR_WLOG_VERSION	1
#define HASTOR_WLOG_SUPER_MAGIC	0x4c575348U	/* "HSWL" */
#define HASTOR_WLOG_HALF_MAGIC	0x48575348U	/* "HSWH" */
#define HASTOR_WLOG_ENTRY_MAGIC	0x45575348U	/* "HSWE" */

#define HASTOR_WLOG_SUPER_SECTOR	0	/* and 8: the second copy */
#define HASTOR_WLOG_HALF_HDR_SECTORS	8	/* one 4 KiB block */

/* Smallest log device: 2 superblocks + 2 local + 2 mirror halves. */
#define HASTOR_WLOG_MIN_HALF_SECTORS	2048	/* 1 MiB */
#define HASTOR_WLOG_REGIONS_START	2048	/* 1 MiB, aligned */
#define HASTOR_WLOG_MIN_SECTORS \
	(HASTOR_WLOG_REGIONS_START + 4 * HASTOR_WLOG_MIN_HALF_SECTORS)

/* Limits of one entry. */
#define HASTOR_WLOG_MAX_RECORDS		128
#define HASTOR_WLOG_MAX_DATA_SECTORS	8192	/* 4 MiB */

struct hastor_wlog_super {
	__le32 csum;		/* as pool blocks: crc32c of bytes 4..4095 */
	__le32 magic;
	__le64 generation;	/* the newer valid copy wins */
	__le32 version;
	__le32 block_shift;	/* log2 of the device's logical block size */
	__le32 cluster_id;
	__le32 node_id;		/* the node whose log this is */
	__u8 log_uuid[16];
	__le64 device_sectors;	/* at format */
	__le64 local_start;
	__le64 mirror_start;
	__le64 half_sectors;	/* of every half, local and mirror */
	__le64 format_time;	/* seconds since the epoch */
	__le32 partner_node;	/* whose log the mirror holds, 0: none */
	__le32 pad;
	__u8 partner_log_uuid[16];
	__le64 covered_seq;	/* every entry up to this one is in the
				 * pools: a half ending at or below it is
				 * free */
	__le64 partner_covered_seq;	/* the same, of the mirrored log */
};

struct hastor_wlog_half {
	__le32 csum;		/* crc32c of bytes 4..4095 */
	__le32 magic;
	__u8 log_uuid[16];
	__le64 epoch;
	__le64 first_seq;	/* of the half's first entry */
	__le32 index;		/* 0 or 1 */
	__le32 pad;
	__le64 open_time_ns;
};

enum hastor_wlog_op {
	HASTOR_WLOG_OP_WRITE = 1,	/* data follows in the entry */
	HASTOR_WLOG_OP_DISCARD = 2,	/* no data */
};

struct hastor_wlog_record {
	__u8 pool_uuid[16];
	__le64 vol_id;
	__le64 sector;		/* in the volume */
	__le32 nr_sectors;
	__le16 op;		/* enum hastor_wlog_op */
	__le16 flags;		/* zero */
};				/* 40 bytes */

struct hastor_wlog_entry {
	__le32 csum;		/* crc32c of the header from byte 4 to
				 * hdr_sectors, then of the data */
	__le32 magic;
	__u8 log_uuid[16];
	__le64 seq;
	__le64 epoch;
	__le32 hdr_sectors;	/* header incl. records, padded */
	__le32 data_sectors;	/* sum of the write records' sectors */
	__le32 nr_records;
	__le32 flags;		/* zero */
	__le64 time_ns;		/* wall clock when the entry was sealed */
	struct hastor_wlog_record records[];
};				/* 64 bytes before the records */

#endif /* _UAPI_LINUX_HASTOR_WLOG_H */
