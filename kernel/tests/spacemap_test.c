// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the space map (spacemap.c).  Counts, the busy/pending/new
 * bitmaps and the free-space arithmetic are checked against a model of
 * every block after random sequences; the refcount blocks written at a
 * CP are read back into a fresh space map and compared count by count.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "fixture.h"
#include "../btree.h"
#include "../meta.h"
#include "../spacemap.h"

#define SM_RAM		0
#define SM_BLOCKS	512
#define SM_RESERVE	32
/* The whole RAM disk: 16128 blocks, 8 refcount chunks. */
#define SM_DISK_BLOCKS	((64ULL << 20) / HASTOR_BLOCK_SIZE - \
			 HASTOR_RESERVED_BLOCKS)

struct sm_fix {
	struct block_device *bdev;
	struct hs_pool *pool;
};

static int sm_init(struct kunit *test)
{
	struct sm_fix *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	test->priv = f;
	f->bdev = hs_test_bdev_get(test, SM_RAM);
	if (!f->bdev)
		return -ENODEV;
	f->pool = hs_test_pool_new(test, f->bdev, SM_BLOCKS, SM_RESERVE);
	return f->pool ? 0 : -ENOMEM;
}

static void sm_exit(struct kunit *test)
{
	struct sm_fix *f = test->priv;

	if (!f)
		return;
	hs_test_pool_free(f->pool);
	hs_test_bdev_put(f->bdev);
}

static bool busy(struct hs_pool *pool, u64 b)
{
	return test_bit(b, pool->sm.busy);
}

static void hs_sm_alloc_meta_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;
	u64 b, free = hs_sm_free_blocks(pool);

	KUNIT_EXPECT_EQ(test, free, (u64)SM_BLOCKS);
	KUNIT_ASSERT_EQ(test, hs_sm_alloc_meta(pool, &b), 0);
	KUNIT_EXPECT_LT(test, b, (u64)SM_BLOCKS);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), 1);
	KUNIT_EXPECT_TRUE(test, hs_sm_is_new(pool, b));
	KUNIT_EXPECT_TRUE(test, busy(pool, b));
	KUNIT_EXPECT_TRUE(test, pool->txn_dirty);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), free - 1);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 1ULL);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_meta, 1ULL);
	/* Committed: still counted, no longer new. */
	hs_sm_txn_end(pool);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), 1);
	KUNIT_EXPECT_FALSE(test, hs_sm_is_new(pool, b));
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), free - 1);
	/* Out of range reads as free, never as new. */
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, SM_BLOCKS), 0);
	KUNIT_EXPECT_FALSE(test, hs_sm_is_new(pool, SM_BLOCKS));
}

/* A freed block is not reused until the CP that frees it has ended. */
static void hs_sm_pending_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;
	u64 b, x, freed;
	int n = 0;

	KUNIT_ASSERT_EQ(test, hs_sm_alloc_meta(pool, &freed), 0);
	hs_sm_dec_meta(pool, freed);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, freed), 0);
	KUNIT_EXPECT_FALSE(test, hs_sm_is_new(pool, freed));
	KUNIT_EXPECT_TRUE(test, test_bit(freed, pool->sm.pending));
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_meta, 0ULL);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), (u64)SM_BLOCKS - 1);

	/* Take everything else (as a CP may): the freed block never comes
	 * back.
	 */
	pool->in_cp = true;
	while (!hs_sm_alloc_meta(pool, &b)) {
		KUNIT_EXPECT_NE(test, b, freed);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, SM_BLOCKS - 1);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), 0ULL);
	KUNIT_EXPECT_EQ(test, hs_sm_alloc_meta(pool, &b), -ENOSPC);

	hs_sm_txn_end(pool);
	KUNIT_EXPECT_FALSE(test, test_bit(freed, pool->sm.pending));
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), 1ULL);
	KUNIT_ASSERT_EQ(test, hs_sm_alloc_meta(pool, &x), 0);
	pool->in_cp = false;
	KUNIT_EXPECT_EQ(test, x, freed);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, (u64)SM_BLOCKS);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/* Data allocation leaves meta_reserve blocks to metadata. */
static void hs_sm_reserve_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;
	int data = 0, meta = 0;
	u64 b;

	while (!hs_sm_reserve_data(pool, &b)) {
		KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), 0);
		KUNIT_EXPECT_TRUE(test, busy(pool, b));
		data++;
	}
	KUNIT_EXPECT_EQ(test, data, SM_BLOCKS - SM_RESERVE);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), (u64)SM_RESERVE);
	KUNIT_EXPECT_EQ(test, hs_sm_reserve_data(pool, &b), -ENOSPC);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	/* Outside a CP, metadata leaves half the reserve to the CP ... */
	while (!hs_sm_alloc_meta(pool, &b))
		meta++;
	KUNIT_EXPECT_EQ(test, meta, SM_RESERVE - SM_RESERVE / 2);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), (u64)SM_RESERVE / 2);
	/* ... which may take it all. */
	pool->in_cp = true;
	while (!hs_sm_alloc_meta(pool, &b))
		meta++;
	pool->in_cp = false;
	KUNIT_EXPECT_EQ(test, meta, SM_RESERVE);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), 0ULL);
}

static void hs_sm_data_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;
	u64 a, c, b;

	KUNIT_ASSERT_EQ(test, hs_sm_reserve_data(pool, &a), 0);
	KUNIT_ASSERT_EQ(test, hs_sm_reserve_data(pool, &c), 0);
	KUNIT_EXPECT_NE(test, a, c);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), (u64)SM_BLOCKS - 2);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);

	hs_sm_commit_data(pool, a);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, a), 1);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 1ULL);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_meta, 0ULL);
	KUNIT_EXPECT_FALSE(test, hs_sm_is_new(pool, a));
	KUNIT_EXPECT_TRUE(test, pool->txn_dirty);

	/* Cancelled: its write may still be queued, so busy until a CP. */
	hs_sm_cancel_data(pool, c);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, c), 0);
	KUNIT_EXPECT_TRUE(test, busy(pool, c));
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), (u64)SM_BLOCKS - 2);

	/* Shared, then released by both. */
	KUNIT_EXPECT_EQ(test, hs_sm_inc(pool, a), 0);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, a), 2);
	hs_sm_dec(pool, a);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 1ULL);
	hs_sm_dec(pool, a);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_TRUE(test, busy(pool, a));

	/* A block in flight survives a CP; the released ones do not. */
	KUNIT_ASSERT_EQ(test, hs_sm_reserve_data(pool, &b), 0);
	hs_sm_txn_end(pool);
	KUNIT_EXPECT_FALSE(test, busy(pool, a));
	KUNIT_EXPECT_FALSE(test, busy(pool, c));
	KUNIT_EXPECT_TRUE(test, busy(pool, b));
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), (u64)SM_BLOCKS - 1);
	hs_sm_commit_data(pool, b);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), 1);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

static void hs_sm_overflow_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;
	u64 b;
	u32 i;

	KUNIT_ASSERT_EQ(test, hs_sm_alloc_meta(pool, &b), 0);
	for (i = 1; i < U16_MAX; i++)
		if (hs_sm_inc(pool, b))
			break;
	KUNIT_EXPECT_EQ(test, i, (u32)U16_MAX);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), U16_MAX);
	KUNIT_EXPECT_EQ(test, hs_sm_inc(pool, b), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), U16_MAX);
	/* Overflow is refused, not a corruption. */
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 1ULL);
	for (i = 0; i < U16_MAX; i++)
		hs_sm_dec_meta(pool, b);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, b), 0);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_meta, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/* References to free or nonexistent blocks fail the pool. */
static void hs_sm_corrupt_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;

	KUNIT_EXPECT_EQ(test, hs_sm_inc(pool, 3), -EILSEQ);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_FAILED);
	pool->state = HASTOR_POOL_ACTIVE;
	KUNIT_EXPECT_EQ(test, hs_sm_inc(pool, SM_BLOCKS), -EILSEQ);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_FAILED);
	pool->state = HASTOR_POOL_ACTIVE;
	hs_sm_dec(pool, 3);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_FAILED);
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, 3), 0);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
}

/* ---- random sequences against a model ---- */

enum { M_FREE, M_META, M_DATA, M_FLIGHT };

struct sm_model {
	u32 count[SM_BLOCKS];
	u8 kind[SM_BLOCKS];
	bool pending[SM_BLOCKS];
	bool new[SM_BLOCKS];
};

static bool m_busy(struct sm_model *m, u64 b)
{
	return m->count[b] || m->pending[b] || m->kind[b] == M_FLIGHT;
}

static u64 m_free(struct sm_model *m)
{
	u64 b, n = 0;

	for (b = 0; b < SM_BLOCKS; b++)
		n += !m_busy(m, b);
	return n;
}

/* A random block for which ok() holds, or SM_BLOCKS. */
static u64 m_pick(struct sm_model *m, u64 *seed,
		  bool (*ok)(struct sm_model *m, u64 b))
{
	u64 start = hs_test_rand(seed) % SM_BLOCKS, i;

	for (i = 0; i < SM_BLOCKS; i++) {
		u64 b = (start + i) % SM_BLOCKS;

		if (ok(m, b))
			return b;
	}
	return SM_BLOCKS;
}

static bool is_flight(struct sm_model *m, u64 b)
{
	return m->kind[b] == M_FLIGHT;
}

static bool is_counted(struct sm_model *m, u64 b)
{
	return m->count[b] && m->count[b] < 40;
}

static void m_release(struct sm_model *m, u64 b)
{
	if (--m->count[b])
		return;
	m->pending[b] = true;
	m->new[b] = false;
	m->kind[b] = M_FREE;
}

static int m_check(struct kunit *test, struct hs_pool *pool,
		   struct sm_model *m, bool full)
{
	u64 b, used = 0, meta = 0;
	int bad = 0;

	for (b = 0; b < SM_BLOCKS; b++) {
		used += !!m->count[b];
		meta += m->count[b] && m->kind[b] == M_META;
		if (!full)
			continue;
		if (hs_sm_count(pool, b) != m->count[b] ||
		    busy(pool, b) != m_busy(m, b) ||
		    hs_sm_is_new(pool, b) != m->new[b]) {
			if (!bad++)
				KUNIT_FAIL(test, "block %llu: count %u busy %d new %d, model %u %d %d",
					   b, hs_sm_count(pool, b),
					   busy(pool, b),
					   hs_sm_is_new(pool, b), m->count[b],
					   m_busy(m, b), m->new[b]);
		}
	}
	if (pool->sm.nr_used != used || pool->sm.nr_meta != meta ||
	    hs_sm_free_blocks(pool) != m_free(m)) {
		KUNIT_FAIL(test, "used %llu meta %llu free %llu, model %llu %llu %llu",
			   pool->sm.nr_used, pool->sm.nr_meta,
			   hs_sm_free_blocks(pool), used, meta, m_free(m));
		bad++;
	}
	return bad;
}

static void hs_sm_model_test(struct kunit *test)
{
	struct hs_pool *pool = ((struct sm_fix *)test->priv)->pool;
	struct sm_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	u64 seed = 0x5eed1234abcdULL, b;
	int i, err, op;

	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < 20000; i++) {
		op = hs_test_rand(&seed) % 100;
		if (op < 25) {
			bool room = m_free(m) > SM_RESERVE / 2;

			err = hs_sm_alloc_meta(pool, &b);
			KUNIT_ASSERT_EQ(test, err, room ? 0 : -ENOSPC);
			if (err)
				continue;
			KUNIT_ASSERT_FALSE_MSG(test, m_busy(m, b),
					       "allocated busy block %llu", b);
			m->count[b] = 1;
			m->kind[b] = M_META;
			m->new[b] = true;
		} else if (op < 45) {
			bool room = m_free(m) > SM_RESERVE;

			err = hs_sm_reserve_data(pool, &b);
			KUNIT_ASSERT_EQ(test, err, room ? 0 : -ENOSPC);
			if (err)
				continue;
			KUNIT_ASSERT_FALSE_MSG(test, m_busy(m, b),
					       "reserved busy block %llu", b);
			m->kind[b] = M_FLIGHT;
		} else if (op < 57) {
			b = m_pick(m, &seed, is_flight);
			if (b == SM_BLOCKS)
				continue;
			if (op < 54) {
				hs_sm_commit_data(pool, b);
				m->count[b] = 1;
				m->kind[b] = M_DATA;
			} else {
				hs_sm_cancel_data(pool, b);
				m->kind[b] = M_FREE;
				m->pending[b] = true;
			}
		} else if (op < 72) {
			b = m_pick(m, &seed, is_counted);
			if (b == SM_BLOCKS)
				continue;
			KUNIT_ASSERT_EQ(test, hs_sm_inc(pool, b), 0);
			m->count[b]++;
		} else if (op < 98) {
			b = m_pick(m, &seed, is_counted);
			if (b == SM_BLOCKS)
				continue;
			if (m->kind[b] == M_META)
				hs_sm_dec_meta(pool, b);
			else
				hs_sm_dec(pool, b);
			m_release(m, b);
		} else {
			hs_sm_txn_end(pool);
			memset(m->pending, 0, sizeof(m->pending));
			memset(m->new, 0, sizeof(m->new));
		}
		if (m_check(test, pool, m, !(i % 500)))
			break;
	}
	m_check(test, pool, m, true);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/* ---- persistence: refcount blocks written, read back ---- */

static int sm_disk_init(struct kunit *test)
{
	struct sm_fix *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	test->priv = f;
	f->bdev = hs_test_bdev_get(test, SM_RAM);
	if (!f->bdev)
		return -ENODEV;
	f->pool = hs_test_pool_new(test, f->bdev, SM_DISK_BLOCKS, 64);
	return f->pool ? 0 : -ENOMEM;
}

/*
 * Persist under meta_lock, write, then load the counts into a new space
 * map through a new buffer cache and compare every count.
 */
static void persist_and_reload(struct kunit *test, struct sm_fix *f,
			       const u32 *held)
{
	struct hs_pool *pool = f->pool;
	struct hs_refcheck rc;
	u16 *saved;
	u64 b, used, meta, *chunks, nr = pool->sm.nr_blocks;
	u64 reserve = pool->sm.meta_reserve;
	int err, diff = 0;

	down_write(&pool->meta_lock);
	err = hs_sm_persist(pool);
	up_write(&pool->meta_lock);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(pool->sm.dirty,
					     pool->sm.nr_chunks));
	KUNIT_ASSERT_EQ(test, hs_meta_write_all(pool), 0);

	/* Every count is what the trees and the held blocks say. */
	KUNIT_ASSERT_EQ(test, hs_refcheck_init(&rc, pool), 0);
	down_read(&pool->meta_lock);
	hs_refcheck_tree(&rc, pool->refmap_root, HASTOR_TREE_REFMAP);
	up_read(&pool->meta_lock);
	for (b = 0; b < pool->sm.nr_blocks; b++) {
		u32 k;

		for (k = 0; k < held[b]; k++)
			hs_refcheck_extra(&rc, b, false);
	}
	hs_refcheck_compare(test, &rc);
	hs_refcheck_free(&rc);
	/* Every chunk with a non-zero count has a block. */
	for (b = 0; b < pool->sm.nr_blocks; b++)
		if (hs_sm_count(pool, b) &&
		    pool->sm.chunk_block[b / HASTOR_REFCNT_PER_BLOCK] ==
		    HASTOR_NO_BLOCK && !diff++)
			KUNIT_FAIL(test, "block %llu counted in no chunk", b);

	saved = kunit_kmalloc_array(test, pool->sm.nr_blocks, sizeof(u16),
				    GFP_KERNEL);
	chunks = kunit_kmalloc_array(test, pool->sm.nr_chunks, sizeof(u64),
				     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	KUNIT_ASSERT_NOT_NULL(test, chunks);
	memcpy(saved, pool->sm.counts, pool->sm.nr_blocks * sizeof(u16));
	memcpy(chunks, pool->sm.chunk_block, pool->sm.nr_chunks * sizeof(u64));
	used = pool->sm.nr_used;
	meta = pool->sm.nr_meta;

	hs_pool_members_teardown(pool);
	err = hs_pool_members_setup(pool, &f->bdev, 1);
	if (err)
		pool->nr_members = 0;
	KUNIT_ASSERT_EQ(test, err, 0);
	hs_sm_destroy(&pool->sm);
	err = hs_sm_init(&pool->sm, nr, reserve);
	KUNIT_ASSERT_EQ(test, err, 0);
	pool->sm.nr_meta = meta;
	down_write(&pool->meta_lock);
	err = hs_sm_load(pool);
	up_write(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	for (b = 0; b < pool->sm.nr_blocks; b++)
		if (pool->sm.counts[b] != saved[b] && !diff++)
			KUNIT_FAIL(test, "block %llu: loaded %u, had %u", b,
				   pool->sm.counts[b], saved[b]);
	for (b = 0; b < pool->sm.nr_chunks; b++)
		if (pool->sm.chunk_block[b] != chunks[b] && !diff++)
			KUNIT_FAIL(test, "chunk %llu: block %llu, had %llu", b,
				   pool->sm.chunk_block[b], chunks[b]);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, used);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool),
			pool->sm.nr_blocks - used);
	KUNIT_EXPECT_EQ(test, diff, 0);
}

static void hs_sm_persist_test(struct kunit *test)
{
	struct sm_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	u64 seed = 0xfeedULL, b, nr = pool->sm.nr_blocks;
	u32 *held;
	int i, round, err;

	held = kunit_kcalloc(test, nr, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	down_write(&pool->meta_lock);
	err = hs_btree_create(pool, hs_refmap_info(), &pool->refmap_root);
	up_write(&pool->meta_lock);
	KUNIT_ASSERT_EQ(test, err, 0);

	for (round = 0; round < 4; round++) {
		/* Data blocks across every chunk, some shared, some freed. */
		for (i = 0; i < 4000; i++) {
			if (hs_sm_reserve_data(pool, &b))
				break;
			hs_sm_commit_data(pool, b);
			held[b] = 1;
		}
		for (i = 0; i < 3000; i++) {
			b = hs_test_rand(&seed) % nr;
			if (!held[b])
				continue;
			if (hs_test_rand(&seed) & 1) {
				KUNIT_ASSERT_EQ(test, hs_sm_inc(pool, b), 0);
				held[b]++;
			} else {
				hs_sm_dec(pool, b);
				held[b]--;
			}
		}
		persist_and_reload(test, f, held);
		/* The CP ended: what it freed is free, nothing is new. */
		hs_sm_txn_end(pool);
		KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
	}
}

static struct kunit_case hastor_sm_cases[] = {
	KUNIT_CASE(hs_sm_alloc_meta_test),
	KUNIT_CASE(hs_sm_pending_test),
	KUNIT_CASE(hs_sm_reserve_test),
	KUNIT_CASE(hs_sm_data_test),
	KUNIT_CASE(hs_sm_overflow_test),
	KUNIT_CASE(hs_sm_corrupt_test),
	KUNIT_CASE(hs_sm_model_test),
	{}
};

static struct kunit_suite hastor_sm_suite = {
	.name = "hastor-spacemap",
	.init = sm_init,
	.exit = sm_exit,
	.test_cases = hastor_sm_cases,
};

/*
 * A pool wider than the disk, so that the refcount index outgrows one
 * node: one data block counted in each of 300 chunks, the metadata kept
 * at the low PVBNs that exist.
 */
#define SM_WIDE_CHUNKS	300

static void hs_sm_persist_wide_test(struct kunit *test)
{
	struct sm_fix *f = test->priv;
	struct hs_pool *pool;
	u64 nr = SM_WIDE_CHUNKS * HASTOR_REFCNT_PER_BLOCK, b, c;
	u32 *held;
	int round, err;

	hs_test_pool_free(f->pool);
	f->pool = hs_test_pool_new(test, f->bdev, nr, 64);
	KUNIT_ASSERT_NOT_NULL(test, f->pool);
	pool = f->pool;
	held = kunit_kcalloc(test, nr, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	down_write(&pool->meta_lock);
	err = hs_btree_create(pool, hs_refmap_info(), &pool->refmap_root);
	up_write(&pool->meta_lock);
	KUNIT_ASSERT_EQ(test, err, 0);

	for (round = 0; round < 2; round++) {
		for (c = round; c < SM_WIDE_CHUNKS; c++) {
			pool->sm.cursor = c * HASTOR_REFCNT_PER_BLOCK + 1000 +
					  round;
			KUNIT_ASSERT_EQ(test, hs_sm_reserve_data(pool, &b), 0);
			hs_sm_commit_data(pool, b);
			held[b]++;
		}
		pool->sm.cursor = 0;
		persist_and_reload(test, f, held);
		KUNIT_EXPECT_EQ(test, pool->sm.nr_used - pool->sm.nr_meta,
				round ? 2ULL * SM_WIDE_CHUNKS - 1 :
				SM_WIDE_CHUNKS);
		hs_sm_txn_end(pool);
	}
	/* The index has two levels: its root is not a leaf. */
	{
		struct hs_mblock mb;
		u32 level = 0;

		down_read(&pool->meta_lock);
		err = hs_meta_read(pool, pool->refmap_root,
				   HASTOR_BTREE_MAGIC, &mb);
		if (!err) {
			level = le32_to_cpu(((struct hastor_btree_node *)
					     mb.data)->level);
			hs_meta_release(&mb);
		}
		up_read(&pool->meta_lock);
		KUNIT_EXPECT_EQ(test, err, 0);
		KUNIT_EXPECT_EQ(test, level, 1U);
	}
}

static struct kunit_case hastor_sm_disk_cases[] = {
	KUNIT_CASE(hs_sm_persist_test),
	KUNIT_CASE(hs_sm_persist_wide_test),
	{}
};

static struct kunit_suite hastor_sm_disk_suite = {
	.name = "hastor-spacemap-persist",
	.init = sm_disk_init,
	.exit = sm_exit,
	.test_cases = hastor_sm_disk_cases,
};

kunit_test_suites(&hastor_sm_suite, &hastor_sm_disk_suite);
