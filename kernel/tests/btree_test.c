// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the copy-on-write B-tree (btree.c).  Random inserts, replaces
 * and removes are checked against a model of the contents, in trees deep
 * enough to split and collapse internal nodes; snapshots share trees by
 * one root increment, and after every step each block's reference count
 * must equal what an independent walk of all the trees computes (the
 * invariant `hactl pool check` enforces), down to zero once every tree is
 * dropped.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "fixture.h"
#include "../btree.h"
#include "../meta.h"
#include "../spacemap.h"
#include "../vol.h"

#define BT_RAM		1
#define BT_BLOCKS	((64ULL << 20) / HASTOR_BLOCK_SIZE - \
			 HASTOR_RESERVED_BLOCKS)
#define BT_TREES	4

/* Plain trees: values are opaque, nothing is counted but nodes. */
#define HS_PLAIN_MAPPING	(HASTOR_TREE_MAPPING | HS_REFCHECK_OPAQUE)

static const struct hs_btree_info map_plain = {
	.type = HASTOR_TREE_MAPPING,
	.value_size = sizeof(__le64),
};

static const struct hs_btree_info voltab_plain = {
	.type = HASTOR_TREE_VOLTAB,
	.value_size = sizeof(struct hastor_vol_record),
};

struct bt_fix {
	struct block_device *bdev;
	struct hs_pool *pool;
	struct hs_model m[BT_TREES];
	u64 root[BT_TREES];
	u64 seed;
};

static int bt_init(struct kunit *test)
{
	struct bt_fix *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	if (!f)
		return -ENOMEM;
	test->priv = f;
	for (i = 0; i < BT_TREES; i++)
		f->root[i] = HASTOR_NO_BLOCK;
	f->seed = 0x9e3779b97f4a7c15ULL;
	f->bdev = hs_test_bdev_get(test, BT_RAM);
	if (!f->bdev)
		return -ENODEV;
	f->pool = hs_test_pool_new(test, f->bdev, BT_BLOCKS, 64);
	return f->pool ? 0 : -ENOMEM;
}

static void bt_exit(struct kunit *test)
{
	struct bt_fix *f = test->priv;
	int i;

	if (!f)
		return;
	for (i = 0; i < BT_TREES; i++)
		hs_model_free(&f->m[i]);
	hs_test_pool_free(f->pool);
	hs_test_bdev_put(f->bdev);
}

/* ---- locked wrappers ---- */

static int t_create(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root)
{
	int err;

	down_write(&pool->meta_lock);
	err = hs_btree_create(pool, info, root);
	up_write(&pool->meta_lock);
	return err;
}

static int t_insert(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root, u64 key, const void *value, void *old,
		    bool *replaced)
{
	int err;

	down_write(&pool->meta_lock);
	err = hs_btree_insert(pool, info, root, key, value, old, replaced);
	up_write(&pool->meta_lock);
	return err;
}

static int t_remove(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root, u64 key, void *old)
{
	int err;

	down_write(&pool->meta_lock);
	err = hs_btree_remove(pool, info, root, key, old);
	up_write(&pool->meta_lock);
	return err;
}

static int t_lookup(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 root, u64 key, void *value)
{
	int err;

	down_read(&pool->meta_lock);
	err = hs_btree_lookup(pool, info, root, key, value);
	up_read(&pool->meta_lock);
	return err;
}

static void t_drop(struct hs_pool *pool, const struct hs_btree_info *info,
		   u64 root)
{
	down_write(&pool->meta_lock);
	hs_btree_drop(pool, info, root);
	up_write(&pool->meta_lock);
}

/* Level and entries of a node, read the way the checker reads it. */
static int t_node(struct hs_pool *pool, u64 pvbn, u32 *level, u32 *nr)
{
	struct hastor_btree_node *n;
	struct hs_mblock mb;
	int err;

	down_read(&pool->meta_lock);
	err = hs_meta_read(pool, pvbn, HASTOR_BTREE_MAGIC, &mb);
	if (!err) {
		n = mb.data;
		*level = le32_to_cpu(n->level);
		*nr = le32_to_cpu(n->nr_entries);
		hs_meta_release(&mb);
	}
	up_read(&pool->meta_lock);
	return err;
}

/* Reference counts of the trees (with multiplicity) and held blocks. */
static int t_refcheck(struct kunit *test, struct hs_pool *pool,
		      const u64 *roots, int n, u32 type)
{
	struct hs_refcheck rc;
	int i, bad;

	if (hs_refcheck_init(&rc, pool)) {
		KUNIT_FAIL(test, "out of memory");
		return 1;
	}
	down_read(&pool->meta_lock);
	for (i = 0; i < n; i++)
		hs_refcheck_tree(&rc, roots[i], type);
	up_read(&pool->meta_lock);
	bad = hs_refcheck_compare(test, &rc);
	hs_refcheck_free(&rc);
	return bad;
}

/* Nodes of the tree at root that the allocator could hand out. */
static int t_all_busy(struct kunit *test, struct hs_pool *pool, u64 root)
{
	struct hs_refcheck rc;
	u64 b;
	int bad = 0;

	if (hs_refcheck_init(&rc, pool)) {
		KUNIT_FAIL(test, "out of memory");
		return 1;
	}
	down_read(&pool->meta_lock);
	hs_refcheck_tree(&rc, root, HS_PLAIN_MAPPING);
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, rc.err, 0);
	for (b = 0; b < pool->sm.nr_blocks; b++)
		if (test_bit(b, rc.seen) && !test_bit(b, pool->sm.busy) &&
		    !bad++)
			KUNIT_FAIL(test, "committed node %llu is free", b);
	hs_refcheck_free(&rc);
	return bad;
}

/* ---- plain trees against a model ---- */

static u64 model_seed(u64 *seed)
{
	return hs_test_rand(seed) >> 2;	/* never HS_MODEL_NONE */
}

/* Insert or replace key index i with a new value; check what it says. */
static int m_put(struct kunit *test, struct bt_fix *f,
		 const struct hs_btree_info *info, int t, u64 i)
{
	struct hs_model *m = &f->m[t];
	u8 val[256], old[256], want[256];
	u64 seed = model_seed(&f->seed), prev;
	bool replaced;
	int err;

	hs_model_value(m, seed, val);
	err = t_insert(f->pool, info, &f->root[t], i * m->stride, val, old,
		       &replaced);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	prev = hs_model_set(m, i, seed);
	KUNIT_EXPECT_EQ(test, replaced, prev != HS_MODEL_NONE);
	if (replaced && prev != HS_MODEL_NONE) {
		hs_model_value(m, prev, want);
		KUNIT_EXPECT_EQ(test, memcmp(old, want, m->value_size), 0);
	}
	return 0;
}

struct run_seen {
	struct kunit *test;
	struct hs_model *m;
	u64 first;		/* model index of the run's first key */
	u64 next;		/* the run index fn should hear of next */
	u64 replaced;
	int bad;
};

/* A run insert reports every key once, in order, with what it replaced. */
static void run_seen_fn(void *ctx, u64 i, const void *old)
{
	struct run_seen *rs = ctx;
	u64 prev = rs->m->v[rs->first + i];
	u8 want[256];

	if (i != rs->next++)
		rs->bad++;
	if (!old != (prev == HS_MODEL_NONE)) {
		rs->bad++;
		return;
	}
	if (!old)
		return;
	rs->replaced++;
	hs_model_value(rs->m, prev, want);
	if (memcmp(old, want, rs->m->value_size))
		rs->bad++;
}

/* Insert or replace indexes i .. i + n - 1 (stride 1) in one run. */
static int m_put_run(struct kunit *test, struct bt_fix *f,
		     const struct hs_btree_info *info, int t, u64 i, u64 n)
{
	struct hs_model *m = &f->m[t];
	struct run_seen rs = { .test = test, .m = m, .first = i };
	u64 *seeds, k;
	u8 *vals;
	int err;

	seeds = kunit_kmalloc_array(test, n, sizeof(u64), GFP_KERNEL);
	vals = kunit_kmalloc_array(test, n, m->value_size, GFP_KERNEL);
	if (!seeds || !vals)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		seeds[k] = model_seed(&f->seed);
		hs_model_value(m, seeds[k], vals + k * m->value_size);
	}
	down_write(&f->pool->meta_lock);
	err = hs_btree_insert_run(f->pool, info, &f->root[t], i, n, vals,
				  run_seen_fn, &rs);
	up_write(&f->pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, rs.bad, 0);
	KUNIT_EXPECT_EQ(test, rs.next, n);
	for (k = 0; k < n; k++)
		hs_model_set(m, i + k, seeds[k]);
	kunit_kfree(test, seeds);
	kunit_kfree(test, vals);
	return err ? err : (rs.bad ? -EINVAL : 0);
}

/* A run of random length (up to past two leaves) from a random index. */
static int m_put_random_run(struct kunit *test, struct bt_fix *f,
			    const struct hs_btree_info *info, int t)
{
	u64 nr = f->m[t].nr, i = hs_test_rand(&f->seed) % nr;
	u64 n = 1 + hs_test_rand(&f->seed) % 600;

	return m_put_run(test, f, info, t, i, min(n, nr - i));
}

static int m_del(struct kunit *test, struct bt_fix *f,
		 const struct hs_btree_info *info, int t, u64 i)
{
	struct hs_model *m = &f->m[t];
	u8 old[256], want[256];
	u64 prev = m->v[i];
	int err;

	err = t_remove(f->pool, info, &f->root[t], i * m->stride, old);
	if (prev == HS_MODEL_NONE) {
		KUNIT_EXPECT_EQ(test, err, -ENODATA);
		return err == -ENODATA ? 0 : -EINVAL;
	}
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	hs_model_set(m, i, HS_MODEL_NONE);
	hs_model_value(m, prev, want);
	KUNIT_EXPECT_EQ(test, memcmp(old, want, m->value_size), 0);
	return 0;
}

static int m_get(struct kunit *test, struct bt_fix *f,
		 const struct hs_btree_info *info, int t, u64 i)
{
	struct hs_model *m = &f->m[t];
	u8 val[256], want[256];
	int err;

	err = t_lookup(f->pool, info, f->root[t], i * m->stride, val);
	if (m->v[i] == HS_MODEL_NONE) {
		KUNIT_EXPECT_EQ(test, err, -ENODATA);
		return err == -ENODATA ? 0 : -EINVAL;
	}
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	hs_model_value(m, m->v[i], want);
	KUNIT_EXPECT_EQ(test, memcmp(val, want, m->value_size), 0);
	return memcmp(val, want, m->value_size) ? -EINVAL : 0;
}

/*
 * The whole life of one tree: filled past three levels, changed at
 * random, verified, emptied in random order (the root must collapse back
 * to one empty leaf), dropped with nothing left behind.
 */
static void model_run(struct kunit *test, const struct hs_btree_info *info,
		      u64 nr, u64 stride, u64 fill, bool ascending,
		      u64 random_ops, bool runs)
{
	struct bt_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	struct hs_model *m = &f->m[0];
	u64 i, k, entries, *order;
	u32 level, nodes;
	int err = 0;

	KUNIT_ASSERT_EQ(test, hs_model_init(m, nr, stride, info->value_size),
			0);
	KUNIT_ASSERT_EQ(test, t_create(pool, info, &f->root[0]), 0);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 1ULL);

	for (k = 0; k < fill && !err; k++) {
		i = ascending ? k : hs_test_rand(&f->seed) % nr;
		if (runs && !ascending)
			err = m_put_random_run(test, f, info, 0);
		else
			err = m_put(test, f, info, 0, i);
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, t_node(pool, f->root[0], &level, &nodes), 0);
	KUNIT_EXPECT_GE_MSG(test, level, 2U, "tree of %llu entries",
			    m->count);
	KUNIT_ASSERT_EQ(test, hs_model_compare(test, pool, info, f->root[0],
					       m), 0);

	for (k = 0; k < random_ops && !err; k++) {
		i = hs_test_rand(&f->seed) % nr;
		switch (hs_test_rand(&f->seed) % 4) {
		case 0:
			if (runs) {
				err = m_put_random_run(test, f, info, 0);
				break;
			}
			fallthrough;
		case 1:
			err = m_put(test, f, info, 0, i);
			break;
		case 2:
			err = m_del(test, f, info, 0, i);
			break;
		default:
			err = m_get(test, f, info, 0, i);
		}
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, hs_model_compare(test, pool, info, f->root[0],
					       m), 0);
	for (i = 0; i < nr && !err; i++)
		err = m_get(test, f, info, 0, i);
	KUNIT_EXPECT_EQ(test, err, 0);
	down_read(&pool->meta_lock);
	err = hs_btree_check(pool, info, f->root[0], &entries);
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, entries, m->count);
	/* Every node is referenced once; nothing else is allocated. */
	KUNIT_EXPECT_EQ(test, t_refcheck(test, pool, &f->root[0], 1,
					 info->type | HS_REFCHECK_OPAQUE), 0);

	/* Empty it in random order, trying absent keys on the way. */
	order = kunit_kmalloc_array(test, nr, sizeof(u64), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, order);
	for (i = 0; i < nr; i++)
		order[i] = i;
	for (i = nr - 1; i > 0; i--) {
		k = hs_test_rand(&f->seed) % (i + 1);
		swap(order[i], order[k]);
	}
	for (i = 0; i < nr && !err; i++)
		err = m_del(test, f, info, 0, order[i]);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, m->count, 0ULL);
	KUNIT_ASSERT_EQ(test, t_node(pool, f->root[0], &level, &nodes), 0);
	KUNIT_EXPECT_EQ(test, level, 0U);
	KUNIT_EXPECT_EQ(test, nodes, 0U);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 1ULL);
	KUNIT_EXPECT_EQ(test, t_refcheck(test, pool, &f->root[0], 1,
					 info->type | HS_REFCHECK_OPAQUE), 0);

	t_drop(pool, info, f->root[0]);
	f->root[0] = HASTOR_NO_BLOCK;
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_meta, 0ULL);
	hs_sm_txn_end(pool);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), pool->sm.nr_blocks);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/*
 * 8-byte values, 250 per node: ascending fill to three levels (which
 * takes over 250 leaves: in-order inserts leave them full).
 */
static void hs_btree_model_mapping_test(struct kunit *test)
{
	model_run(test, &map_plain, 70000, 65537, 66000, true, 20000, false);
}

/*
 * Run inserts (stride 1): random runs of up to 600 keys, across leaf
 * boundaries, over holes and present keys, mixed with single changes.
 */
static void hs_btree_model_run_test(struct kunit *test)
{
	model_run(test, &map_plain, 80000, 1, 800, false, 3000, true);
}

/* 192-byte values, 20 per leaf: random fill to three levels. */
static void hs_btree_model_voltab_test(struct kunit *test)
{
	model_run(test, &voltab_plain, 8000, 3, 7000, false, 6000, false);
}

/* Empty trees, extreme keys, keys below every bound. */
static void hs_btree_edges_test(struct kunit *test)
{
	struct bt_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	u64 root = HASTOR_NO_BLOCK, i, entries;
	__le64 v = cpu_to_le64(42), out;
	bool replaced;

	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 1, &out),
			-ENODATA);
	down_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, hs_btree_check(pool, &map_plain, root,
					     &entries), 0);
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, entries, 0ULL);
	KUNIT_EXPECT_EQ(test, t_remove(pool, &map_plain, &root, 1, NULL),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, root, HASTOR_NO_BLOCK);
	t_drop(pool, &map_plain, root);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);

	/* The first insert into "no tree" creates it. */
	KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &root, 7, &v, NULL,
				       &replaced), 0);
	KUNIT_EXPECT_NE(test, root, HASTOR_NO_BLOCK);
	KUNIT_EXPECT_FALSE(test, replaced);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 7, &out), 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(out), 42ULL);
	KUNIT_EXPECT_EQ(test, t_remove(pool, &map_plain, &root, 8, NULL),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, t_remove(pool, &map_plain, &root, 7, NULL), 0);
	KUNIT_EXPECT_EQ(test, t_remove(pool, &map_plain, &root, 7, NULL),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 7, &out),
			-ENODATA);

	/* Two levels above key 1000, then keys below the lowest bound. */
	for (i = 0; i < 600; i++) {
		v = cpu_to_le64(i);
		KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &root,
					       1000 + i, &v, NULL, &replaced),
				0);
	}
	v = cpu_to_le64(U64_MAX);
	KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &root, U64_MAX, &v,
				       NULL, &replaced), 0);
	KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &root, 5, &v, NULL,
				       &replaced), 0);
	KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &root, 0, &v, NULL,
				       &replaced), 0);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 0, &out), 0);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 5, &out), 0);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 4, &out),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, U64_MAX, &out),
			0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(out), U64_MAX);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, U64_MAX - 1,
				       &out), -ENODATA);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 1599, &out),
			0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(out), 599ULL);
	down_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, hs_btree_check(pool, &map_plain, root,
					     &entries), 0);
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, entries, 603ULL);
	KUNIT_EXPECT_EQ(test, t_refcheck(test, pool, &root, 1,
					 HS_PLAIN_MAPPING), 0);
	/* Remove the low keys again: the tree must stay searchable. */
	KUNIT_EXPECT_EQ(test, t_remove(pool, &map_plain, &root, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, t_remove(pool, &map_plain, &root, 5, NULL), 0);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, root, 1000, &out),
			0);
	KUNIT_EXPECT_EQ(test, t_refcheck(test, pool, &root, 1,
					 HS_PLAIN_MAPPING), 0);
	t_drop(pool, &map_plain, root);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/*
 * The committed state is never written: after a simulated CP, a tree
 * changed at random still reads, from its old root, exactly as before.
 */
static void hs_btree_cow_test(struct kunit *test)
{
	struct bt_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	u64 k, i, nodes_before;
	int err = 0;

	KUNIT_ASSERT_EQ(test, hs_model_init(&f->m[0], 6000, 1, 8), 0);
	KUNIT_ASSERT_EQ(test, t_create(pool, &map_plain, &f->root[0]), 0);
	for (k = 0; k < 4000 && !err; k++)
		err = m_put(test, f, &map_plain, 0,
			    hs_test_rand(&f->seed) % 6000);
	KUNIT_ASSERT_EQ(test, err, 0);
	hs_sm_txn_end(pool);
	nodes_before = pool->sm.nr_used;
	KUNIT_ASSERT_EQ(test, hs_model_copy(&f->m[1], &f->m[0]), 0);
	f->root[1] = f->root[0];

	for (k = 0; k < 3000 && !err; k++) {
		i = hs_test_rand(&f->seed) % 6000;
		if (hs_test_rand(&f->seed) % 3)
			err = m_put(test, f, &map_plain, 0, i);
		else
			err = m_del(test, f, &map_plain, 0, i);
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_NE(test, f->root[0], f->root[1]);
	/* The old root and everything under it: freed, not reused. */
	KUNIT_EXPECT_EQ(test, hs_sm_count(pool, f->root[1]), 0);
	KUNIT_EXPECT_EQ(test, hs_model_compare(test, pool, &map_plain,
					       f->root[1], &f->m[1]), 0);
	KUNIT_EXPECT_EQ(test, hs_model_compare(test, pool, &map_plain,
					       f->root[0], &f->m[0]), 0);
	KUNIT_EXPECT_EQ(test, t_refcheck(test, pool, &f->root[0], 1,
					 HS_PLAIN_MAPPING), 0);
	/* Every node of the committed tree is still busy: not reusable. */
	KUNIT_EXPECT_EQ(test, t_all_busy(test, pool, f->root[1]), 0);
	KUNIT_EXPECT_GT(test, nodes_before, 0ULL);
	t_drop(pool, &map_plain, f->root[0]);
	f->root[0] = HASTOR_NO_BLOCK;
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	hs_sm_txn_end(pool);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), pool->sm.nr_blocks);
}

/*
 * Out of space at every point of an insert or a remove: the operation
 * fails whole or succeeds whole, and nothing leaks.
 */
static void hs_btree_enospc_test(struct kunit *test)
{
	struct bt_fix *f = test->priv;
	struct hs_pool *pool;
	u8 val[8], old[8];
	bool replaced;
	int k, err, fails = 0;
	u64 i;

	/* A small pool: 40 nodes at most. */
	hs_test_pool_free(f->pool);
	f->pool = hs_test_pool_new(test, f->bdev, 40, 0);
	KUNIT_ASSERT_NOT_NULL(test, f->pool);
	pool = f->pool;
	KUNIT_ASSERT_EQ(test, hs_model_init(&f->m[0], 20000, 1, 8), 0);
	KUNIT_ASSERT_EQ(test, t_create(pool, &map_plain, &f->root[0]), 0);

	for (k = 0; k < 30000; k++) {
		i = hs_test_rand(&f->seed) % 20000;
		if (hs_test_rand(&f->seed) % 4) {
			u64 seed = model_seed(&f->seed);

			hs_model_value(&f->m[0], seed, val);
			err = t_insert(pool, &map_plain, &f->root[0], i, val,
				       old, &replaced);
			if (!err)
				hs_model_set(&f->m[0], i, seed);
		} else {
			err = t_remove(pool, &map_plain, &f->root[0], i, old);
			if (!err)
				hs_model_set(&f->m[0], i, HS_MODEL_NONE);
			else if (err == -ENODATA &&
				 f->m[0].v[i] == HS_MODEL_NONE)
				err = 0;
		}
		if (err == -ENOSPC) {
			fails++;
		} else if (err) {
			KUNIT_FAIL(test, "op %d on key %llu: %d", k, i, err);
			break;
		}
		/* Now and then a CP: committed nodes must be copied. */
		if (k % 1000 == 999) {
			if (hs_model_compare(test, pool, &map_plain,
					     f->root[0], &f->m[0]) ||
			    t_refcheck(test, pool, &f->root[0], 1,
				       HS_PLAIN_MAPPING))
				break;
			hs_sm_txn_end(pool);
		}
	}
	KUNIT_EXPECT_GT(test, fails, 100);
	KUNIT_EXPECT_EQ(test, hs_model_compare(test, pool, &map_plain,
					       f->root[0], &f->m[0]), 0);
	KUNIT_EXPECT_EQ(test, t_refcheck(test, pool, &f->root[0], 1,
					 HS_PLAIN_MAPPING), 0);
	t_drop(pool, &map_plain, f->root[0]);
	f->root[0] = HASTOR_NO_BLOCK;
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/* The fast path finds cached nodes only, and finds them right. */
static void hs_btree_cached_test(struct kunit *test)
{
	struct bt_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	__le64 v, out;
	bool replaced;
	u64 i, b;
	int err;

	KUNIT_ASSERT_EQ(test, t_create(pool, &map_plain, &f->root[0]), 0);
	for (i = 0; i < 2000; i++) {
		v = cpu_to_le64(i * 3);
		KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &f->root[0],
					       i * 2, &v, NULL, &replaced), 0);
	}
	down_read(&pool->meta_lock);
	err = hs_btree_lookup_cached(pool, &map_plain, f->root[0], 1000,
				     &out);
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(out), 1500ULL);

	/* Written out and evicted: the fast path must not read. */
	KUNIT_ASSERT_EQ(test, hs_meta_write_all(pool), 0);
	for (b = 0; b < pool->sm.nr_blocks; b++)
		if (hs_sm_count(pool, b))
			hs_meta_forget(pool, b);
	down_read(&pool->meta_lock);
	err = hs_btree_lookup_cached(pool, &map_plain, f->root[0], 1000,
				     &out);
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, -EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, f->root[0], 1000,
				       &out), 0);
	down_read(&pool->meta_lock);
	err = hs_btree_lookup_cached(pool, &map_plain, f->root[0], 1000,
				     &out);
	if (!err)
		err = hs_btree_lookup_cached(pool, &map_plain, f->root[0],
					     1001, &out) == -ENODATA ? 0 : -1;
	up_read(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(out), 1500ULL);
	t_drop(pool, &map_plain, f->root[0]);
	f->root[0] = HASTOR_NO_BLOCK;
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
}

struct scan_seen {
	u64 next_key;		/* the key the scan should visit next */
	u64 seen;
	u64 stop_after;
	int bad;
};

static bool scan_seen_fn(void *ctx, u64 key, const void *value)
{
	struct scan_seen *ss = ctx;

	if (key != ss->next_key || le64_to_cpu(*(const __le64 *)value) !=
	    key / 2 * 3)
		ss->bad++;
	ss->next_key = key + 2;
	return ++ss->seen < ss->stop_after;
}

static int t_scan(struct hs_pool *pool, u64 root, u64 key, u64 n,
		  struct scan_seen *ss)
{
	int err;

	down_read(&pool->meta_lock);
	err = hs_btree_scan_cached(pool, &map_plain, root, key, n,
				   scan_seen_fn, ss);
	up_read(&pool->meta_lock);
	return err;
}

/* Range scans cross leaves, keep order, stop when told, never read. */
static void hs_btree_scan_test(struct kunit *test)
{
	struct bt_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	struct scan_seen ss;
	__le64 v, out;
	bool replaced;
	u64 i, b;

	KUNIT_ASSERT_EQ(test, t_create(pool, &map_plain, &f->root[0]), 0);
	ss = (struct scan_seen){ .stop_after = U64_MAX };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 0, 100, &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.seen, 0ULL);
	/* Even keys 0 .. 3998: 2000 entries over many leaves. */
	for (i = 0; i < 2000; i++) {
		v = cpu_to_le64(i * 3);
		KUNIT_ASSERT_EQ(test, t_insert(pool, &map_plain, &f->root[0],
					       i * 2, &v, NULL, &replaced), 0);
	}
	ss = (struct scan_seen){ .next_key = 1000, .stop_after = U64_MAX };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 999, 1001, &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.seen, 500ULL);
	KUNIT_EXPECT_EQ(test, ss.bad, 0);
	ss = (struct scan_seen){ .next_key = 0, .stop_after = U64_MAX };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 0, 1000000, &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.seen, 2000ULL);
	KUNIT_EXPECT_EQ(test, ss.bad, 0);
	ss = (struct scan_seen){ .next_key = 10, .stop_after = 7 };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 10, 3000, &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.seen, 7ULL);
	KUNIT_EXPECT_EQ(test, ss.bad, 0);
	ss = (struct scan_seen){ .stop_after = U64_MAX };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 4000, 100, &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.seen, 0ULL);

	/* Written out and evicted: the scan must not read. */
	KUNIT_ASSERT_EQ(test, hs_meta_write_all(pool), 0);
	for (b = 0; b < pool->sm.nr_blocks; b++)
		if (hs_sm_count(pool, b))
			hs_meta_forget(pool, b);
	ss = (struct scan_seen){ .next_key = 1000, .stop_after = U64_MAX };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 1000, 10, &ss),
			-EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, t_lookup(pool, &map_plain, f->root[0], 1000,
				       &out), 0);
	ss = (struct scan_seen){ .next_key = 1000, .stop_after = U64_MAX };
	KUNIT_EXPECT_EQ(test, t_scan(pool, f->root[0], 1000, 10, &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.seen, 5ULL);
	KUNIT_EXPECT_EQ(test, ss.bad, 0);
	t_drop(pool, &map_plain, f->root[0]);
	f->root[0] = HASTOR_NO_BLOCK;
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
}

/* ---- shared trees over counted data blocks ---- */

/* A data block for a new value, as a completed write records it. */
static int d_write(struct kunit *test, struct bt_fix *f, int t, u64 i)
{
	struct hs_pool *pool = f->pool;
	const struct hs_btree_info *info = hs_mapping_info();
	struct hs_model *m = &f->m[t];
	__le64 val, old;
	bool replaced;
	u64 pvbn, prev;
	int err;

	down_write(&pool->meta_lock);
	err = hs_sm_reserve_data(pool, &pvbn);
	if (err)
		goto out;
	val = cpu_to_le64(hs_map_make(pvbn, 0));
	err = hs_btree_insert(pool, info, &f->root[t], i, &val, &old,
			      &replaced);
	if (err) {
		hs_sm_cancel_data(pool, pvbn);
		goto out;
	}
	hs_sm_commit_data(pool, pvbn);
	if (replaced)
		info->dec(pool, &old);
out:
	up_write(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	prev = hs_model_set(m, i, hs_map_make(pvbn, 0));
	KUNIT_EXPECT_EQ(test, replaced, prev != HS_MODEL_NONE);
	if (replaced)
		KUNIT_EXPECT_EQ(test, le64_to_cpu(old), prev);
	return 0;
}

struct d_run {
	struct hs_pool *pool;
	struct hs_model *m;
	const __le64 *vals;
	u64 first;
	u64 next;
	int bad;
};

static void d_run_fn(void *ctx, u64 i, const void *old)
{
	struct d_run *r = ctx;
	u64 prev = r->m->v[r->first + i];

	if (i != r->next++ ||
	    (old ? le64_to_cpu(*(const __le64 *)old) != prev :
		   prev != HS_MODEL_NONE))
		r->bad++;
	hs_sm_commit_data(r->pool, hs_map_pvbn(le64_to_cpu(r->vals[i])));
	if (old)
		hs_mapping_info()->dec(r->pool, old);
}

/* New data blocks for indexes i .. i + n - 1, recorded in one run. */
static int d_write_run(struct kunit *test, struct bt_fix *f, int t, u64 i,
		       u64 n)
{
	struct hs_pool *pool = f->pool;
	struct hs_model *m = &f->m[t];
	struct d_run r = { .pool = pool, .m = m, .first = i };
	__le64 *vals;
	u64 k, pvbn;
	int err = 0;

	vals = kunit_kmalloc_array(test, n, sizeof(*vals), GFP_KERNEL);
	if (!vals)
		return -ENOMEM;
	r.vals = vals;
	down_write(&pool->meta_lock);
	for (k = 0; k < n && !err; k++) {
		err = hs_sm_reserve_data(pool, &pvbn);
		vals[k] = cpu_to_le64(hs_map_make(pvbn, 0));
	}
	if (!err)
		err = hs_btree_insert_run(pool, hs_mapping_info(), &f->root[t],
					  i, n, vals, d_run_fn, &r);
	up_write(&pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, r.bad, 0);
	KUNIT_EXPECT_EQ(test, r.next, n);
	for (k = 0; k < r.next; k++)
		hs_model_set(m, i + k, le64_to_cpu(vals[k]));
	kunit_kfree(test, vals);
	return err ? err : (r.bad ? -EINVAL : 0);
}

/* Unmap, as a discard does. */
static int d_discard(struct kunit *test, struct bt_fix *f, int t, u64 i)
{
	struct hs_pool *pool = f->pool;
	const struct hs_btree_info *info = hs_mapping_info();
	struct hs_model *m = &f->m[t];
	__le64 old;
	int err;

	down_write(&pool->meta_lock);
	err = hs_btree_remove(pool, info, &f->root[t], i, &old);
	if (!err)
		info->dec(pool, &old);
	up_write(&pool->meta_lock);
	if (m->v[i] == HS_MODEL_NONE) {
		KUNIT_EXPECT_EQ(test, err, -ENODATA);
		return err == -ENODATA ? 0 : -EINVAL;
	}
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	KUNIT_EXPECT_EQ(test, le64_to_cpu(old), m->v[i]);
	hs_model_set(m, i, HS_MODEL_NONE);
	return 0;
}

/* Snapshot tree s into tree d: one more reference to the root. */
static int d_snapshot(struct kunit *test, struct bt_fix *f, int s, int d)
{
	int err;

	down_write(&f->pool->meta_lock);
	err = hs_sm_inc(f->pool, f->root[s]);
	up_write(&f->pool->meta_lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	f->root[d] = f->root[s];
	return hs_model_copy(&f->m[d], &f->m[s]);
}

static int d_random(struct kunit *test, struct bt_fix *f, int t, int ops)
{
	int k, err = 0;

	for (k = 0; k < ops && !err; k++) {
		u64 i = hs_test_rand(&f->seed) % f->m[t].nr;
		u64 n = 1 + hs_test_rand(&f->seed) % 32;

		switch (hs_test_rand(&f->seed) % 32) {
		case 0:
			/* Runs copy shared leaves and drop what they replace. */
			err = d_write_run(test, f, t, i,
					  min(n, f->m[t].nr - i));
			break;
		case 1 ... 8:
			err = d_discard(test, f, t, i);
			break;
		default:
			err = d_write(test, f, t, i);
		}
	}
	return err;
}

/* Every tree as modelled, every count as the trees say. */
static void d_verify(struct kunit *test, struct bt_fix *f, const int *live,
		     int n)
{
	u64 roots[BT_TREES];
	int i;

	for (i = 0; i < n; i++) {
		roots[i] = f->root[live[i]];
		KUNIT_EXPECT_EQ_MSG(test, hs_model_compare(test, f->pool,
							   hs_mapping_info(),
							   roots[i],
							   &f->m[live[i]]),
				    0, "tree %d", live[i]);
	}
	KUNIT_EXPECT_EQ(test, t_refcheck(test, f->pool, roots, n,
					 HASTOR_TREE_MAPPING), 0);
	KUNIT_EXPECT_EQ(test, f->pool->state, HASTOR_POOL_ACTIVE);
}

struct share_case {
	const char *desc;
	bool cp;		/* simulate CPs between the steps */
	int drop[3];		/* order in which trees are dropped */
	int ops;		/* changes per step, in units of 10 */
};

/*
 * Many changes copy nearly every shared node; few leave most of them
 * shared when the trees are dropped.
 */
static const struct share_case share_cases[] = {
	{ "drop origin first", false, { 0, 1, 2 }, 50 },
	{ "drop snapshots first", false, { 2, 1, 0 }, 50 },
	{ "with CPs, drop origin first", true, { 0, 2, 1 }, 50 },
	{ "with CPs, drop snapshots first", true, { 1, 2, 0 }, 50 },
	{ "mostly shared, drop origin first", false, { 0, 1, 2 }, 1 },
	{ "mostly shared, drop snapshots first", true, { 2, 1, 0 }, 1 },
};

static void share_case_desc(const struct share_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(share, share_cases, share_case_desc);

static void hs_btree_share_test(struct kunit *test)
{
	const struct share_case *c = test->param_value;
	struct bt_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	int live[3] = { 0, 1, 2 }, nlive, i, j, err = 0;
	u64 k;

	KUNIT_ASSERT_EQ(test, hs_model_init(&f->m[0], 9000, 1, 8), 0);
	/* Tree 0: 6000 ascending blocks, two levels, 48 leaves. */
	for (k = 0; k < 6000 && !err; k++)
		err = d_write(test, f, 0, k);
	KUNIT_ASSERT_EQ(test, err, 0);
	d_verify(test, f, live, 1);
	if (c->cp)
		hs_sm_txn_end(pool);

	/* Tree 1 = snapshot of 0; then 0 changes. */
	KUNIT_ASSERT_EQ(test, d_snapshot(test, f, 0, 1), 0);
	d_verify(test, f, live, 2);
	KUNIT_ASSERT_EQ(test, d_random(test, f, 0, c->ops * 30), 0);
	d_verify(test, f, live, 2);
	if (c->cp)
		hs_sm_txn_end(pool);

	/* Tree 2 = snapshot of 0; both change, and so does 1. */
	KUNIT_ASSERT_EQ(test, d_snapshot(test, f, 0, 2), 0);
	KUNIT_ASSERT_EQ(test, d_random(test, f, 2, c->ops * 14), 0);
	KUNIT_ASSERT_EQ(test, d_random(test, f, 0, c->ops * 14), 0);
	KUNIT_ASSERT_EQ(test, d_random(test, f, 1, c->ops * 6), 0);
	d_verify(test, f, live, 3);
	if (c->cp)
		hs_sm_txn_end(pool);

	/* Drop one at a time: the others are untouched, counts exact. */
	for (nlive = 3, i = 0; i < 3; i++) {
		int t = c->drop[i];

		t_drop(pool, hs_mapping_info(), f->root[t]);
		f->root[t] = HASTOR_NO_BLOCK;
		for (j = 0; j < nlive; j++)
			if (live[j] == t)
				live[j] = live[--nlive];
		d_verify(test, f, live, nlive);
	}
	KUNIT_EXPECT_EQ(test, pool->sm.nr_used, 0ULL);
	KUNIT_EXPECT_EQ(test, pool->sm.nr_meta, 0ULL);
	hs_sm_txn_end(pool);
	KUNIT_EXPECT_EQ(test, hs_sm_free_blocks(pool), pool->sm.nr_blocks);
}

static struct kunit_case hastor_btree_cases[] = {
	KUNIT_CASE(hs_btree_edges_test),
	KUNIT_CASE(hs_btree_model_mapping_test),
	KUNIT_CASE(hs_btree_model_voltab_test),
	KUNIT_CASE(hs_btree_model_run_test),
	KUNIT_CASE(hs_btree_cow_test),
	KUNIT_CASE(hs_btree_enospc_test),
	KUNIT_CASE(hs_btree_cached_test),
	KUNIT_CASE(hs_btree_scan_test),
	KUNIT_CASE_PARAM(hs_btree_share_test, share_gen_params),
	{}
};

static struct kunit_suite hastor_btree_suite = {
	.name = "hastor-btree",
	.init = bt_init,
	.exit = bt_exit,
	.test_cases = hastor_btree_cases,
};

kunit_test_suite(hastor_btree_suite);
