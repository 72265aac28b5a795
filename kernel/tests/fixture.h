/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the engine's KUnit suites: a pool over a RAM disk, raw block
 * access that bypasses the engine, and a reference-count checker that
 * recomputes every count from the trees the way `hactl pool check` does.
 */
#ifndef _HASTOR_TEST_FIXTURE_H
#define _HASTOR_TEST_FIXTURE_H

#include <kunit/test.h>

#include "../pool.h"

/* A RAM disk of the test kernel (brd, /dev/ramN). */
struct block_device *hs_test_bdev_get(struct kunit *test, int ram);
void hs_test_bdev_put(struct block_device *bdev);

/*
 * A pool with one member over an open RAM disk, as hs_pool_open would
 * set it up, but with no metadata on the disk: generation 0, a fresh
 * space map of data_blocks blocks, no trees.
 */
struct hs_pool *hs_test_pool_new(struct kunit *test,
				 struct block_device *bdev, u64 data_blocks,
				 u64 meta_reserve);
void hs_test_pool_free(struct hs_pool *pool);

/* Raw access to disk blocks, without checksum sealing or checks. */
int hs_test_raw_read(struct block_device *bdev, sector_t block, void *buf);
int hs_test_raw_write(struct block_device *bdev, sector_t block,
		      const void *buf);
int hs_test_raw_flip(struct block_device *bdev, sector_t block,
		     unsigned int byte);
int hs_test_raw_zero(struct block_device *bdev, sector_t first,
		     unsigned int count);

/*
 * Expected reference counts, recomputed from roots: each root reference
 * counts one, each distinct node is visited once and counts one for each
 * of its children (internal nodes) or its values (MAPPING leaves: data
 * blocks; REFMAP leaves: refcount blocks).
 */
struct hs_refcheck {
	struct hs_pool *pool;
	u32 *expect;			/* per PVBN */
	unsigned long *meta;		/* metadata blocks seen */
	unsigned long *seen;		/* nodes visited */
	bool opaque;
	int err;
	const char *why;		/* first problem found */
	u64 why_pvbn;
};

int hs_refcheck_init(struct hs_refcheck *rc, struct hs_pool *pool);
void hs_refcheck_free(struct hs_refcheck *rc);
/*
 * Count one reference to root and everything under it (meta_lock held).
 * type | HS_REFCHECK_OPAQUE: leaf values are not block references.
 */
#define HS_REFCHECK_OPAQUE	0x100
void hs_refcheck_tree(struct hs_refcheck *rc, u64 root, u32 type);
/* A block the test holds a reference to outside of any tree. */
void hs_refcheck_extra(struct hs_refcheck *rc, u64 pvbn, bool meta);
/*
 * Compare with the space map: every count, nr_used and nr_meta.  Returns
 * the number of mismatches, reporting the first few through test.
 */
int hs_refcheck_compare(struct kunit *test, struct hs_refcheck *rc);

/*
 * Convenience: check a pool's whole state (refmap, voltab, every volume's
 * mapping tree as held in memory); takes meta_lock for reading.
 */
int hs_refcheck_pool(struct kunit *test, struct hs_pool *pool);

/*
 * A model of a tree's contents: key index i (key i * stride) maps to a
 * u64 "value seed", HS_MODEL_NONE when absent.  Values of 8 bytes are the
 * seed itself (little-endian); longer ones are derived from it.
 */
#define HS_MODEL_NONE	(~0ULL)

struct hs_model {
	u64 nr;
	u64 stride;
	u32 value_size;
	u64 count;		/* present keys */
	u64 *v;
};

struct hs_btree_info;

int hs_model_init(struct hs_model *m, u64 nr, u64 stride, u32 value_size);
int hs_model_copy(struct hs_model *dst, const struct hs_model *src);
void hs_model_free(struct hs_model *m);
void hs_model_value(const struct hs_model *m, u64 seed, void *buf);
/* Set (seed != HS_MODEL_NONE) or clear index i; returns the old seed. */
u64 hs_model_set(struct hs_model *m, u64 i, u64 seed);
/*
 * Walk the tree and compare it with the model: every key in order, every
 * value, nothing more.  Takes meta_lock for reading.  Returns the number
 * of differences (reported through test).
 */
int hs_model_compare(struct kunit *test, struct hs_pool *pool,
		     const struct hs_btree_info *info, u64 root,
		     const struct hs_model *m);

/* xorshift64*: reproducible pseudo-random numbers. */
static inline u64 hs_test_rand(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif /* _HASTOR_TEST_FIXTURE_H */
