/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace helpers for hastor's on-disk format (see
 * Documentation/ondisk-format.md): checksums, header and label checks,
 * PVBN placement and block I/O.  Shared by "hactl pool check", "hactl pool
 * import" and the test image builder, so nothing here prints or exits:
 * problems come back as an enum hastor_err plus a reason string.
 */
#ifndef HACTL_FORMAT_H
#define HACTL_FORMAT_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/hastor_format.h>

/*
 * What is wrong.  hastor_err_name() gives the short name that "hactl pool
 * check" prints as the failed check, so it is part of the interface.
 */
enum hastor_err {
	HASTOR_OK = 0,
	HASTOR_E_IO,		/* the block could not be read */
	HASTOR_E_CSUM,
	HASTOR_E_MAGIC,
	HASTOR_E_BLOCKNR,
	HASTOR_E_UUID,		/* pool uuid of the block */
	HASTOR_E_GENERATION,	/* above the superblock's */
	HASTOR_E_VERSION,
	HASTOR_E_INCOMPAT,
	HASTOR_E_MEMBERS,	/* member_count, member_index, disk_uuid */
	HASTOR_E_NAME,		/* pool name */
	HASTOR_E_DATA_AREA,	/* data_start, data area beyond the disk */
	HASTOR_E__COUNT
};

const char *hastor_err_name(int err);

/* Called once per problem found; why is a complete phrase. */
typedef void (*hastor_report_fn)(void *arg, int err, const char *why);

/* Checksums */

/* crc32c(seed ~0, bytes 4..4095) ^ HASTOR_CSUM_XOR, no final inversion. */
uint32_t hastor_csum(const void *block);
/* Stores hastor_csum() in the block's header; the last step of a write. */
void hastor_seal_block(void *block);

/* Block I/O; blocknr is a disk block, not a PVBN. */

/* 0, or -errno; a block past the end of the disk is -ENXIO. */
int hastor_read_block(int fd, uint64_t blocknr, void *buf);
int hastor_write_block(int fd, uint64_t blocknr, const void *buf);
/* Size of a regular file or block device in whole blocks; 0 or -errno. */
int hastor_disk_blocks(int fd, uint64_t *blocks);

bool hastor_block_is_zero(const void *block);

/*
 * Header checks, in this order: magic (is it a block of the kind wanted
 * at all?), checksum, blocknr, pool uuid, generation.  The first failure
 * is returned and described in why.  uuid NULL skips the uuid check;
 * max_gen UINT64_MAX skips the generation check (labels have their own
 * generation).  HASTOR_E_MAGIC means the content is not of that kind; any
 * later failure leaves a block whose layout may still be worth reading.
 */
int hastor_check_header(const void *block, uint32_t magic, uint64_t blocknr,
			const uint8_t *uuid, uint64_t max_gen,
			char *why, size_t whylen);

/* Labels */

struct hastor_label_copies {
	int err[2];			/* header check of block 0 and 1 */
	char why[2][128];
	struct hastor_label copy[2];
	int best;			/* valid copy of higher generation, or -1 */
};

/*
 * Reads both label copies and picks the valid one with the higher
 * generation (copy 0 on a tie, it is written first).  Only the header
 * decides validity; the fields are hastor_check_label()'s business.
 * Returns best.
 */
int hastor_read_label_copies(int fd, struct hastor_label_copies *lc);

/*
 * Checks a label's own fields: version, incompat, member_count and
 * member_index, disk_uuid == members[member_index], pool name, data_start
 * and that the data area lies within disk_blocks.  Reports every problem
 * through report (may be NULL); returns the number found.
 */
int hastor_check_label(const struct hastor_label *l, hastor_report_fn report,
		       void *arg);

/*
 * The label an importer should use: the newer valid copy, whose fields
 * must pass hastor_check_label().  Returns HASTOR_OK, or the first
 * problem with a reason in why.
 */
int hastor_read_label(int fd, struct hastor_label *out, char *why,
		      size_t whylen);

/*
 * 1..max-1 characters of A-Z a-z 0-9 . _ - (plus any in extra), then NUL
 * up to max: the pool name rule, reused for volume names.
 */
bool hastor_valid_name(const char *s, size_t max, const char *extra);

/* PVBN placement */

struct hastor_layout {
	unsigned int nr_members;
	uint64_t total_blocks;
	struct hastor_extent {
		uint64_t pvbn_start;
		uint64_t data_start;	/* disk block of pvbn_start */
		uint64_t data_blocks;
	} m[HASTOR_MAX_MEMBERS];
};

/*
 * From labels[i] = the label of member i, i < n.  pvbn_start is the
 * running sum of data_blocks, as the format defines it, whatever the
 * labels say (the checker compares them).  0, or -EINVAL / -EOVERFLOW.
 */
int hastor_layout_init(struct hastor_layout *lay,
		       const struct hastor_label *const *labels, unsigned int n);
/* 0 with the member and its disk block, or -ERANGE. */
int hastor_pvbn_map(const struct hastor_layout *lay, uint64_t pvbn,
		    unsigned int *member, uint64_t *disk_block);

/* B-tree nodes */

/* Value size of a node of this tree type and level; 0 for a bad type. */
unsigned int hastor_btree_value_size(uint32_t tree_type, uint32_t level);

/*
 * Key and value slots.  Only valid once max_entries has been checked
 * against HASTOR_BTREE_MAX(value_size): these trust the header.
 */
static inline __le64 *hastor_btree_key(const struct hastor_btree_node *n,
				       unsigned int i)
{
	return (__le64 *)((char *)n + HASTOR_BTREE_HEADER) + i;
}

static inline void *hastor_btree_value(const struct hastor_btree_node *n,
				       unsigned int i)
{
	uint32_t max = le32toh(n->max_entries);
	uint32_t vs = le32toh(n->value_size);

	return (char *)n + HASTOR_BTREE_HEADER + 8 * (size_t)max +
	       (size_t)i * vs;
}

static inline uint64_t hastor_btree_key_get(const struct hastor_btree_node *n,
					    unsigned int i)
{
	return le64toh(*hastor_btree_key(n, i));
}

/* An 8-byte value: a child PVBN, a mapping value or a refcount block. */
static inline uint64_t hastor_btree_u64(const struct hastor_btree_node *n,
					unsigned int i)
{
	__le64 v;

	/* memcpy: the value area is 8-aligned only for 8-byte values. */
	__builtin_memcpy(&v, hastor_btree_value(n, i), sizeof(v));
	return le64toh(v);
}

/* Chunks of reference counts a pool of total_blocks PVBNs has. */
static inline uint64_t hastor_refcnt_chunks(uint64_t total_blocks)
{
	return total_blocks / HASTOR_REFCNT_PER_BLOCK +
	       !!(total_blocks % HASTOR_REFCNT_PER_BLOCK);
}

#endif
