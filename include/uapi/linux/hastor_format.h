/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * hastor on-disk format, shared by hastor.ko and the offline tools.
 * Documentation/ondisk-format.md is the reference; this header is the
 * authority on sizes and offsets.  All integers are little-endian.
 *
 * Every member disk of a pool starts with a reserved area of
 * HASTOR_RESERVED_BLOCKS blocks:
 *
 *   block 0, 1   label, two copies (the newer valid one wins)
 *   block 2, 3   superblock slots A and B, used on member 0 only: a
 *                consistency point (CP) with generation g writes slot g % 2
 *   4 .. 255     reserved for ownership, disk heartbeat and coredump
 *                attributes
 *
 * and contributes the rest to the pool's physical block space: PVBNs
 * number the data areas of the members one after the other, in member
 * order.  Pool metadata (B-tree nodes, reference-count blocks) and volume
 * data are both allocated from that one space.
 *
 * Every block that is not volume data starts with struct
 * hastor_block_header: a crc32c of the rest of the block, a magic naming
 * its kind, the address it was written to (so a block read from the wrong
 * place is caught), the generation that wrote it and the pool's uuid (so a
 * stale block of another pool is caught).
 */
#ifndef _UAPI_LINUX_HASTOR_FORMAT_H
#define _UAPI_LINUX_HASTOR_FORMAT_H

#include <linux/types.h>

#define HASTOR_BLOCK_SHIFT	12
#define HASTOR_BLOCK_SIZE	(1U << HASTOR_BLOCK_SHIFT)
#define HASTOR_SECTORS_PER_BLOCK (HASTOR_BLOCK_SIZE >> 9)

#define HASTOR_FORMAT_VERSION	1
#define HASTOR_RESERVED_BLOCKS	256	/* 1 MiB at the start of each disk */
#define HASTOR_LABEL_BLOCK	0	/* and HASTOR_LABEL_BLOCK + 1 */
#define HASTOR_SUPER_BLOCK	2	/* and HASTOR_SUPER_BLOCK + 1 */
#define HASTOR_MAX_MEMBERS	64
#define HASTOR_POOL_NAME_LEN	64	/* NUL-padded, at most 63 chars */
#define HASTOR_VOL_NAME_LEN	128	/* "vol" or "vol@snap", NUL-padded */

/* Seed of every checksum: crc32c(HASTOR_CSUM_SEED, bytes 4..4095). */
#define HASTOR_CSUM_SEED	0xffffffffU
#define HASTOR_CSUM_XOR		0x4853746fU	/* "HSto", after the crc */

#define HASTOR_LABEL_MAGIC	0x4c425348U	/* "HSBL" */
#define HASTOR_SUPER_MAGIC	0x50555348U	/* "HSUP" */
#define HASTOR_BTREE_MAGIC	0x45525448U	/* "HTRE" */
#define HASTOR_REFCNT_MAGIC	0x46455248U	/* "HREF" */
#define HASTOR_DISKHB_MAGIC	0x42485348U	/* "HSHB" */

/* A PVBN that points nowhere (an empty tree, an unused slot). */
#define HASTOR_NO_BLOCK		(~0ULL)

struct hastor_block_header {
	__le32 csum;
	__le32 magic;
	__le64 blocknr;		/* PVBN; for labels and superblocks the
				 * block number on the disk */
	__le64 generation;	/* CP (or label) generation that wrote it */
	__u8 pool_uuid[16];
	__u8 pad[24];
};				/* 64 bytes */

/* Incompatible features: a reader that does not know one must refuse. */
#define HASTOR_INCOMPAT_ABSENT	(1U << 0)	/* mappings may be absent */
/*
 * Superblock only: a takeover's replay is running, and tko_uuid/tko_seq
 * name the log that holds the writes acknowledged since (see struct
 * hastor_super).  A reader that knows nothing of it would import the
 * pool without them.
 */
#define HASTOR_INCOMPAT_TAKEOVER	(1U << 2)
/* What a superblock, and what a label, may carry. */
#define HASTOR_INCOMPAT_KNOWN	(HASTOR_INCOMPAT_ABSENT | \
				 HASTOR_INCOMPAT_TAKEOVER)
#define HASTOR_INCOMPAT_LABEL_KNOWN	(HASTOR_INCOMPAT_ABSENT)
/*
 * A spare label (HASTOR_CMD_DISK_LABEL): the disk is in no pool, only
 * owned.  member_count 0, no pool uuid or name; owner_node, home_node,
 * cluster_id, disk_uuid and disk_blocks are set.  Deliberately not in
 * HASTOR_INCOMPAT_LABEL_KNOWN: a pool import refuses the disk, and a reader
 * that knows nothing of spares refuses it as an unknown feature.
 */
#define HASTOR_INCOMPAT_SPARE	(1U << 1)

struct hastor_label {
	struct hastor_block_header hdr;
	__le32 version;
	__le32 incompat;
	__le32 compat;
	__le32 member_index;
	__le32 member_count;
	__le32 cluster_id;
	__le32 owner_node;	/* node serving the pool now */
	__le32 home_node;	/* node the pool belongs to */
	__u8 disk_uuid[16];
	char pool_name[HASTOR_POOL_NAME_LEN];
	__le64 disk_blocks;	/* size of this disk at labelling */
	__le64 data_start;	/* first block of the data area */
	__le64 data_blocks;	/* blocks of the data area */
	__le64 pvbn_start;	/* PVBN of the data area's first block */
	__le64 ctime;		/* pool creation, seconds since the epoch */
	__u8 members[HASTOR_MAX_MEMBERS][16];	/* disk uuids, member order */
};

/*
 * The superblock: the root of one committed state.  Import reads both
 * slots, takes the valid one with the higher generation, and never
 * writes the other slot until the next CP, so the last committed state
 * survives a crash at any moment.
 */
struct hastor_super {
	struct hastor_block_header hdr;
	__le32 version;
	__le32 incompat;
	__le32 compat;
	__le32 member_count;
	__le64 total_blocks;	/* PVBNs in the pool */
	__le64 meta_reserve;	/* blocks data allocation must leave free */
	__le64 used_blocks;	/* PVBNs with a non-zero reference count */
	__le64 meta_blocks;	/* of those, metadata blocks */
	__le64 refmap_root;	/* B-tree: chunk index -> refcount block */
	__le64 voltab_root;	/* B-tree: volume id -> hastor_vol_record */
	__le64 next_vol_id;
	__le64 cp_time_ns;	/* wall clock at commit */
	__le64 wlog_seq;	/* last write-log entry this CP covers */
	__le32 snap_time;	/* pool time: bumped by each snapshot */
	__le32 nr_volumes;
	__u8 wlog_uuid[16];	/* the log wlog_seq counts in; zero: none */
	/*
	 * With HASTOR_INCOMPAT_TAKEOVER: the pool was taken over from the
	 * log wlog_uuid names (the partner's, replayed from a mirror of it)
	 * and the replay has not ended.  Writes acknowledged since are in
	 * the log tko_uuid names, after its entry tko_seq; an import applies
	 * them after the mirror's.  Zero otherwise.
	 */
	__le64 tko_seq;
	__u8 tko_uuid[16];
};

/*
 * B-tree node.  Keys are u64, values have a fixed size per tree.  Internal
 * nodes hold child PVBNs as values; key[i] is the smallest key under
 * child i.  Nodes are copy-on-write: a node referenced by the last
 * committed state is never modified, only copied ("shadowed").  Sharing is
 * counted lazily, as in dm-persistent-data: a node's reference count is
 * the number of parents (and volume records) pointing at it, and the
 * counts of its children are raised only when a shared node is copied.
 */
#define HASTOR_BTREE_LEAF	(1U << 0)

struct hastor_btree_node {
	struct hastor_block_header hdr;
	__le32 flags;
	__le32 nr_entries;
	__le32 max_entries;
	__le32 value_size;
	__le32 tree_type;	/* enum hastor_tree_type */
	__le32 level;		/* 0 for leaves */
	__u8 pad[8];
	__le64 keys[];		/* then values, max_entries of each */
};

enum hastor_tree_type {
	HASTOR_TREE_MAPPING = 1,	/* volume block -> mapping value */
	HASTOR_TREE_VOLTAB = 2,		/* volume id -> hastor_vol_record */
	HASTOR_TREE_REFMAP = 3,		/* chunk index -> refcount block */
};

#define HASTOR_BTREE_HEADER	96
#define HASTOR_BTREE_MAX(value_size) \
	((HASTOR_BLOCK_SIZE - HASTOR_BTREE_HEADER) / (8 + (value_size)))

/*
 * Mapping value: where a volume block lives.
 *   bits  0..39  PVBN
 *   bit  40      ABSENT: the block is not in the pool yet; it still lives
 *                at the same offset of the volume's source device (online
 *                conversion of a plain device)
 *   bits 41..43  reserved, zero
 *   bits 44..63  pool snapshot time when the mapping was written; a
 *                mapping older than its volume's snap_time may be shared
 */
#define HASTOR_MAP_PVBN_BITS	40
#define HASTOR_MAP_PVBN_MASK	((1ULL << HASTOR_MAP_PVBN_BITS) - 1)
#define HASTOR_MAP_ABSENT	(1ULL << 40)
#define HASTOR_MAP_RESERVED	(7ULL << 41)
#define HASTOR_MAP_TIME_SHIFT	44
#define HASTOR_MAP_TIME_MAX	((1U << 20) - 1)

/* Volume record: the value of the volume table. */
#define HASTOR_VOL_SNAPSHOT	(1U << 0)	/* read-only point in time */
#define HASTOR_VOL_CLONE	(1U << 1)	/* writable, backed by a snapshot */
#define HASTOR_VOL_KNOWN	(HASTOR_VOL_SNAPSHOT | HASTOR_VOL_CLONE)

struct hastor_vol_record {
	__le64 id;
	__le64 size_blocks;	/* virtual size */
	__le64 mapping_root;	/* HASTOR_NO_BLOCK: nothing mapped */
	__le64 mapped_blocks;
	__le64 parent_id;	/* snapshot: its volume; clone: its snapshot */
	__le64 ctime_ns;
	__le32 flags;
	__le32 snap_time;	/* pool time of the last snapshot taken */
	__u8 pad[8];
	char name[HASTOR_VOL_NAME_LEN];
};				/* 192 bytes */

/*
 * Reference-count block: the counts of HASTOR_REFCNT_PER_BLOCK
 * consecutive PVBNs, chunk c covering PVBNs [c * N, (c + 1) * N).  A
 * chunk with no block is all zero.
 */
#define HASTOR_REFCNT_HEADER	64
#define HASTOR_REFCNT_PER_BLOCK	((HASTOR_BLOCK_SIZE - HASTOR_REFCNT_HEADER) / 2)

struct hastor_refcnt_block {
	struct hastor_block_header hdr;
	__le16 counts[HASTOR_REFCNT_PER_BLOCK];
};

/*
 * Disk heartbeat: block HASTOR_DISKHB_BLOCK of every member of an
 * imported pool, rewritten by the node serving it every interval and at
 * once when its write log's mirror state changes.  The partner reads it
 * to tell a dead node (heartbeat stopped) from a cut interconnect
 * (heartbeat going on), and whether the dead node's log was mirrored in
 * full when it stopped (wlog_sync).  Header magic HASTOR_DISKHB_MAGIC,
 * blocknr HASTOR_DISKHB_BLOCK, generation the counter.
 */
#define HASTOR_DISKHB_BLOCK	4

struct hastor_diskhb {
	struct hastor_block_header hdr;
	__le32 node_id;		/* the node writing it */
	__le32 cluster_id;
	__le64 boot_id;		/* changes on every boot of the node */
	__le64 counter;		/* +1 per write */
	__le64 time_ns;		/* wall clock at the write */
	__le32 interval_ms;	/* of the writes */
	__le32 wlog_sync;	/* enum hastor_wlog_sync at the write */
	__u8 wlog_uuid[16];	/* the log the node serves the pool with */
	__le64 flags;		/* HASTOR_DISKHB_* */
};

#define HASTOR_DISKHB_STOPPED	(1ULL << 0)	/* pool exported cleanly */

/*
 * Coredump disk (Documentation/coredump.md).  A spare disk (spare label,
 * no pool) receives a failed node's memory dump:
 *
 *   block 0, 1     the spare label, untouched by a dump
 *   block 8, 9     dump attributes, two slots: update n writes slot
 *                  n % 2 (hdr.generation = n), so a torn update leaves
 *                  the other slot valid; the valid slot with the higher
 *                  generation wins
 *   block 16..255  the per-chunk checksum table
 *   block 256..    the dump itself, from data_start, dump_bytes long
 *
 * A spare set aside for dumps carries HASTOR_COMPAT_DUMP_DISK in its
 * label's compat flags: a reader that does not know it may ignore it.
 */
#define HASTOR_DUMP_MAGIC	0x50444853U	/* "HSDP" */
#define HASTOR_DUMPSUM_MAGIC	0x43444853U	/* "HSDC" */
#define HASTOR_COMPAT_DUMP_DISK	(1U << 0)	/* spare label only */

#define HASTOR_DUMP_ATTR_BLOCK	8	/* and HASTOR_DUMP_ATTR_BLOCK + 1 */
#define HASTOR_DUMP_CSUM_BLOCK	16
#define HASTOR_DUMP_CSUM_BLOCKS	(HASTOR_RESERVED_BLOCKS - HASTOR_DUMP_CSUM_BLOCK)
#define HASTOR_DUMP_VERSION	1
/* A chunk is 2^chunk_shift bytes, one crc32c each. */
#define HASTOR_DUMP_CHUNK_SHIFT_MIN	20
#define HASTOR_DUMP_CHUNK_SHIFT_MAX	30

enum hastor_dump_state {
	HASTOR_DUMP_WRITING = 1,	/* torn if the writer stopped */
	HASTOR_DUMP_COMPLETE = 2,
	HASTOR_DUMP_CLEARED = 3,	/* saved or given up: the disk is free */
};

enum hastor_dump_compression {
	HASTOR_DUMP_RAW = 0,		/* the capture source byte for byte */
};

/*
 * Header magic HASTOR_DUMP_MAGIC, blocknr the slot's block, generation
 * the update count, pool_uuid zero.
 */
struct hastor_dump_attr {
	struct hastor_block_header hdr;
	__le32 version;		/* HASTOR_DUMP_VERSION */
	__le32 state;		/* enum hastor_dump_state */
	__le32 node_id;		/* the node whose memory this is */
	__le32 cluster_id;
	__le64 dump_id;		/* random, never 0; names the dump */
	__le64 start_ns;	/* wall clock when the dump began */
	__le64 update_ns;	/* wall clock at this update */
	__le64 disk_blocks;	/* disk size when the dump began */
	__le64 data_start;	/* disk block of the dump's first byte */
	__le64 dump_bytes;	/* length of the whole dump */
	__le64 written_bytes;	/* durable and in the checksum table */
	__le64 csum_start;	/* first block of the checksum table */
	__le32 csum_blocks;	/* blocks of the table */
	__le32 chunk_shift;
	__le32 compression;	/* enum hastor_dump_compression */
	__le32 interval_ms;	/* between progress updates while writing */
	__le64 flags;		/* none defined: a reader refuses any */
	char node_name[64];	/* NUL-padded, informational */
	char source[64];	/* what was dumped ("/proc/vmcore") */
};

/*
 * Checksum table block csum_start + k: the crc32c of chunks
 * [k * N, k * N + nr) of the dump named in hdr.generation (so a block
 * left by an earlier dump is not taken), N = HASTOR_DUMPSUM_PER_BLOCK.
 * A chunk's crc is crc32c(HASTOR_CSUM_SEED ^ chunk index, its bytes),
 * the last chunk covering only the dump's remaining bytes.
 */
#define HASTOR_DUMPSUM_HEADER	80
#define HASTOR_DUMPSUM_PER_BLOCK ((HASTOR_BLOCK_SIZE - HASTOR_DUMPSUM_HEADER) / 4)

struct hastor_dump_csums {
	struct hastor_block_header hdr;
	__le64 first_chunk;
	__le32 nr;		/* valid entries, from the first */
	__le32 pad;
	__le32 crc[HASTOR_DUMPSUM_PER_BLOCK];
};

#endif /* _UAPI_LINUX_HASTOR_FORMAT_H */
