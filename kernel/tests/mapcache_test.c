// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the fast path's mapping cache (mapcache.c).  What it answers
 * must be what the tree says, or nothing: runs of consecutive present
 * PVBNs within one segment, writable ones only for writes, and after a
 * change (of a block, or of every block's sharing) neither an old token
 * nor a new lookup may use what it held before.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "fixture.h"
#include "../btree.h"
#include "../mapcache.h"
#include "../vol.h"

#define MC_RAM		1
#define MC_BLOCKS	((64ULL << 20) / HASTOR_BLOCK_SIZE - \
			 HASTOR_RESERVED_BLOCKS)

struct mc_fix {
	struct block_device *bdev;
	struct hs_pool *pool;
	struct hs_vol *vol;
};

static int mc_init(struct kunit *test)
{
	struct mc_fix *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	test->priv = f;
	f->bdev = hs_test_bdev_get(test, MC_RAM);
	if (!f->bdev)
		return -ENODEV;
	f->pool = hs_test_pool_new(test, f->bdev, MC_BLOCKS, 64);
	f->vol = kunit_kzalloc(test, sizeof(*f->vol), GFP_KERNEL);
	if (!f->pool || !f->vol)
		return -ENOMEM;
	f->vol->root = HASTOR_NO_BLOCK;
	f->vol->size_blocks = 4096;
	f->vol->mc = hs_mc_alloc(f->vol->size_blocks);
	return f->vol->mc ? 0 : -ENOMEM;
}

static void mc_exit(struct kunit *test)
{
	struct mc_fix *f = test->priv;

	if (!f)
		return;
	/* The tree goes with the pool: its data blocks were never counted. */
	if (f->vol)
		hs_mc_free(f->vol->mc);
	if (f->pool)
		hs_test_pool_free(f->pool);
	if (f->bdev)
		hs_test_bdev_put(f->bdev);
}

/* Map block b to v (a whole mapping value), as a completed write does. */
static int mc_map(struct mc_fix *f, u64 b, u64 v)
{
	__le64 val = cpu_to_le64(v);
	bool replaced;
	int err;

	down_write(&f->pool->meta_lock);
	hs_mc_invalidate(f->vol, b, 1);
	err = hs_btree_insert(f->pool, hs_mapping_info(), &f->vol->root, b,
			      &val, NULL, &replaced);
	up_write(&f->pool->meta_lock);
	return err;
}

static void mc_fill(struct mc_fix *f, u64 b)
{
	down_read(&f->pool->meta_lock);
	hs_mc_fill(f->pool, f->vol, b, 1);
	up_read(&f->pool->meta_lock);
}

/* The PVBN the cache gives for n blocks from b, or ~0 for none. */
static u64 mc_get(struct mc_fix *f, u64 b, u64 n, bool write, u64 *token)
{
	u64 pvbn, t;

	if (!hs_mc_lookup(f->pool, f->vol, b, n, write, &pvbn, token ?: &t))
		return ~0ULL;
	return pvbn;
}

/*
 * Blocks 0..127 at PVBNs 1000.., written at time 0, except: 5 elsewhere,
 * 7 unmapped, 9 absent (not in the pool yet).
 */
static void mc_setup(struct kunit *test, struct mc_fix *f)
{
	u64 b;

	for (b = 0; b < 128; b++) {
		u64 v = hs_map_make(1000 + b, 0);

		if (b == 7)
			continue;
		if (b == 5)
			v = hs_map_make(3000, 0);
		if (b == 9)
			v = HASTOR_MAP_ABSENT;
		KUNIT_ASSERT_EQ(test, mc_map(f, b, v), 0);
	}
}

static void hs_mc_lookup_test(struct kunit *test)
{
	struct mc_fix *f = test->priv;

	mc_setup(test, f);
	/* Nothing before a fill. */
	KUNIT_EXPECT_EQ(test, mc_get(f, 0, 1, false, NULL), ~0ULL);
	mc_fill(f, 0);
	KUNIT_EXPECT_EQ(test, mc_get(f, 0, 5, false, NULL), 1000ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 0, 5, true, NULL), 1000ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 5, 1, false, NULL), 3000ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 10, 54, false, NULL), 1010ULL);
	/* Not consecutive, unmapped, absent. */
	KUNIT_EXPECT_EQ(test, mc_get(f, 4, 2, false, NULL), ~0ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 7, 1, false, NULL), ~0ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 9, 1, false, NULL), ~0ULL);
	/* Across a segment, or in one not filled. */
	KUNIT_EXPECT_EQ(test, mc_get(f, 60, 8, false, NULL), ~0ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 64, 1, false, NULL), ~0ULL);
	mc_fill(f, 100);
	KUNIT_EXPECT_EQ(test, mc_get(f, 64, 64, false, NULL), 1064ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 127, 1, false, NULL), 1127ULL);
	/* Past the last mapping: unmapped. */
	mc_fill(f, 130);
	KUNIT_EXPECT_EQ(test, mc_get(f, 130, 1, false, NULL), ~0ULL);
	/* Written before the volume's last snapshot: reads only. */
	f->vol->snap_time = 1;
	KUNIT_EXPECT_EQ(test, mc_get(f, 0, 1, true, NULL), ~0ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 0, 1, false, NULL), 1000ULL);
}

static void hs_mc_invalidate_test(struct kunit *test)
{
	struct mc_fix *f = test->priv;
	u64 t0, t64;

	mc_setup(test, f);
	mc_fill(f, 0);
	mc_fill(f, 64);
	KUNIT_ASSERT_EQ(test, mc_get(f, 2, 1, true, &t0), 1002ULL);
	KUNIT_ASSERT_EQ(test, mc_get(f, 70, 1, true, &t64), 1070ULL);
	KUNIT_EXPECT_TRUE(test, hs_mc_valid(f->vol, 2, t0));

	/* A change in one segment: its tokens and lookups fail, not others'. */
	KUNIT_ASSERT_EQ(test, mc_map(f, 3, hs_map_make(4000, 0)), 0);
	KUNIT_EXPECT_FALSE(test, hs_mc_valid(f->vol, 2, t0));
	KUNIT_EXPECT_TRUE(test, hs_mc_valid(f->vol, 70, t64));
	KUNIT_EXPECT_EQ(test, mc_get(f, 2, 1, true, NULL), ~0ULL);
	mc_fill(f, 2);
	KUNIT_EXPECT_EQ(test, mc_get(f, 3, 1, true, NULL), 4000ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 2, 2, true, NULL), ~0ULL);

	/* A snapshot: every slot goes. */
	KUNIT_ASSERT_EQ(test, mc_get(f, 2, 1, true, &t0), 1002ULL);
	down_write(&f->pool->meta_lock);
	hs_mc_invalidate_all(f->vol);
	up_write(&f->pool->meta_lock);
	KUNIT_EXPECT_FALSE(test, hs_mc_valid(f->vol, 2, t0));
	KUNIT_EXPECT_FALSE(test, hs_mc_valid(f->vol, 70, t64));
	KUNIT_EXPECT_EQ(test, mc_get(f, 2, 1, false, NULL), ~0ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 70, 1, false, NULL), ~0ULL);
	mc_fill(f, 70);
	KUNIT_EXPECT_EQ(test, mc_get(f, 70, 1, false, NULL), 1070ULL);
}

/* Segments that share a slot replace each other; neither answers wrong. */
static void hs_mc_collision_test(struct kunit *test)
{
	struct mc_fix *f = test->priv;
	/* 4096 blocks: 64 slots of 64 blocks; segment 64 shares slot 0. */
	u64 far = 64 * 64;

	f->vol->size_blocks = 2 * far;
	mc_setup(test, f);
	KUNIT_ASSERT_EQ(test, mc_map(f, far, hs_map_make(9000, 0)), 0);
	mc_fill(f, 0);
	KUNIT_EXPECT_EQ(test, mc_get(f, 1, 1, false, NULL), 1001ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, far, 1, false, NULL), ~0ULL);
	mc_fill(f, far);
	KUNIT_EXPECT_EQ(test, mc_get(f, far, 1, false, NULL), 9000ULL);
	KUNIT_EXPECT_EQ(test, mc_get(f, 1, 1, false, NULL), ~0ULL);
}

static struct kunit_case hastor_mapcache_cases[] = {
	KUNIT_CASE(hs_mc_lookup_test),
	KUNIT_CASE(hs_mc_invalidate_test),
	KUNIT_CASE(hs_mc_collision_test),
	{}
};

static struct kunit_suite hastor_mapcache_suite = {
	.name = "hastor-mapcache",
	.init = mc_init,
	.exit = mc_exit,
	.test_cases = hastor_mapcache_cases,
};

kunit_test_suite(hastor_mapcache_suite);
