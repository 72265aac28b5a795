// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: pools on disk (pool.c, vol.c).  Format, import, consistency
 * points and export, with volumes, snapshots and mappings written the way
 * the I/O path records them; after every reopen the volumes must read as
 * modelled and every reference count must be what the trees say.  Then
 * the disk is damaged: a lost newest superblock falls back to the CP
 * before it, intact; damage anywhere else refuses the import, saying why.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "fixture.h"
#include "../btree.h"
#include "../meta.h"
#include "../node.h"
#include "../spacemap.h"
#include "../vol.h"

#define POOL_RAM	2
#define POOL_NAME	"kunit-pool"
#define VOL_BLOCKS	4000
#define BIG_BLOCKS	20000

/* The volumes the cases use, by index. */
enum { V1, S1, V2, C1, TMP, BIG, POOL_VOLS };

static const struct {
	const char *name;
	u64 blocks;
} vols[POOL_VOLS] = {
	[V1] = { "v1", VOL_BLOCKS },
	[S1] = { "v1@s1", VOL_BLOCKS },
	[V2] = { "v2", VOL_BLOCKS },
	[C1] = { "c1", VOL_BLOCKS },
	[TMP] = { "tmp", VOL_BLOCKS },
	[BIG] = { "big", BIG_BLOCKS },
};

struct vmodel {
	const char *name;
	struct hs_model m;
};

struct pool_fix {
	struct block_device *bdev[2];
	int nr_bdevs;
	struct hs_pool *pool;
	struct vmodel v[POOL_VOLS];
	struct hs_model saved;
	u64 seed;
};

/* Formatting stamps the node identity into the labels. */
static int node_configure(void)
{
	struct hastor_node_update upd = { .id = 1, .cluster_id = 1 };
	struct hastor_node_info info;
	bool changed;

	hastor_node_get(&info);
	if (info.state != HASTOR_NODE_UNCONFIGURED)
		return 0;
	return hastor_node_update(&upd, &info, &changed, NULL);
}

static int pool_init(struct kunit *test)
{
	struct pool_fix *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i, err;

	if (!f)
		return -ENOMEM;
	test->priv = f;
	f->seed = 0x1234567887654321ULL;
	for (i = 0; i < POOL_VOLS; i++) {
		f->v[i].name = vols[i].name;
		err = hs_model_init(&f->v[i].m, vols[i].blocks, 1, 8);
		if (err)
			return err;
	}
	f->nr_bdevs = 1;
	f->bdev[0] = hs_test_bdev_get(test, POOL_RAM);
	if (!f->bdev[0])
		return -ENODEV;
	/* No label, no superblock: the disk of an earlier case is gone. */
	return hs_test_raw_zero(f->bdev[0], 0, HASTOR_SUPER_BLOCK + 2);
}

static void pool_exit(struct kunit *test)
{
	struct pool_fix *f = test->priv;
	int i;

	if (!f)
		return;
	if (f->pool)
		hs_pool_close(f->pool);
	for (i = 0; i < POOL_VOLS; i++)
		hs_model_free(&f->v[i].m);
	hs_model_free(&f->saved);
	hs_test_bdev_put(f->bdev[0]);
	hs_test_bdev_put(f->bdev[1]);
}

static int p_format(struct kunit *test, struct pool_fix *f)
{
	const char *why = NULL;
	u8 uuid[16];
	u64 size;
	int bad, err;

	err = node_configure();
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		return err;
	err = hs_pool_format(POOL_NAME, f->bdev, f->nr_bdevs, uuid, &size,
			     &why, &bad);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "format: %s", why ?: "");
	if (!err)
		KUNIT_EXPECT_EQ(test, size, hs_blocks_to_bytes(f->nr_bdevs *
				(bdev_nr_sectors(f->bdev[0]) / 8 -
				 HASTOR_RESERVED_BLOCKS)));
	return err;
}

static int p_open(struct kunit *test, struct pool_fix *f)
{
	const char *why = NULL;
	struct hs_pool *pool;
	int bad;

	pool = hs_pool_open(f->bdev, f->nr_bdevs, MKDEV(0, 0), 0, &why, &bad);
	if (IS_ERR(pool)) {
		KUNIT_FAIL(test, "open: %ld: %s", PTR_ERR(pool), why ?: "");
		return PTR_ERR(pool);
	}
	f->pool = pool;
	return 0;
}

/* Open must fail with -EILSEQ, giving a reason that names want. */
static void p_open_fails(struct kunit *test, struct pool_fix *f,
			 struct block_device **bdevs, int n, const char *want)
{
	const char *why = NULL;
	struct hs_pool *pool;
	int bad;

	pool = hs_pool_open(bdevs, n, MKDEV(0, 0), 0, &why, &bad);
	if (!IS_ERR(pool)) {
		KUNIT_FAIL(test, "damaged pool imported");
		f->pool = pool;
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(pool), (long)-EILSEQ);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, want),
				  "reason \"%s\", expected \"%s\"", why,
				  want);
}

static void p_close(struct pool_fix *f)
{
	hs_pool_close(f->pool);
	f->pool = NULL;
}

static int p_commit(struct kunit *test, struct pool_fix *f)
{
	u64 gen = f->pool->generation;
	bool dirty = f->pool->txn_dirty;
	int err;

	mutex_lock(&f->pool->mutex);
	err = hs_pool_commit(f->pool);
	mutex_unlock(&f->pool->mutex);
	KUNIT_EXPECT_EQ(test, err, 0);
	/* A CP only when something changed (a delete commits itself). */
	KUNIT_EXPECT_EQ(test, f->pool->generation, gen + dirty);
	return err;
}

static struct hs_vol *p_vol(struct pool_fix *f, int v)
{
	return hs_vol_find(f->pool, f->v[v].name);
}

/*
 * A write of vblock i that got a new data block, recorded as
 * complete_new_block() records it.  pool->mutex held.
 */
static int p_write(struct pool_fix *f, int v, u64 i)
{
	const struct hs_btree_info *info = hs_mapping_info();
	struct hs_pool *pool = f->pool;
	struct hs_vol *vol = p_vol(f, v);
	__le64 val, old;
	bool replaced;
	u64 pvbn, m;
	int err;

	if (!vol)
		return -ENOENT;
	down_write(&pool->meta_lock);
	err = hs_sm_reserve_data(pool, &pvbn);
	if (err)
		goto out;
	m = hs_map_make(pvbn, pool->snap_time);
	val = cpu_to_le64(m);
	err = hs_btree_insert(pool, info, &vol->root, i, &val, &old,
			      &replaced);
	if (err) {
		hs_sm_cancel_data(pool, pvbn);
		goto out;
	}
	hs_sm_commit_data(pool, pvbn);
	if (replaced)
		info->dec(pool, &old);
	else
		vol->mapped++;
	vol->dirty = true;
	/* What it replaced is what the model had. */
	if (hs_model_set(&f->v[v].m, i, m) !=
	    (replaced ? le64_to_cpu(old) : HS_MODEL_NONE))
		err = -EINVAL;
out:
	up_write(&pool->meta_lock);
	return err;
}

/*
 * A write of vblock i as process_bio() handles it: a mapping older than
 * the volume's last snapshot is first stamped with the current time
 * (which copies the shared tree path); the block itself is written in
 * place unless it is still shared, when it gets a new one.
 */
static int p_write_io(struct pool_fix *f, int v, u64 i)
{
	const struct hs_btree_info *info = hs_mapping_info();
	struct hs_pool *pool = f->pool;
	struct hs_vol *vol = p_vol(f, v);
	bool replaced, shared = false;
	__le64 val;
	u64 m;
	int err;

	if (!vol)
		return -ENOENT;
	down_write(&pool->meta_lock);
	err = hs_btree_lookup(pool, info, vol->root, i, &val);
	if (err == -ENODATA) {
		up_write(&pool->meta_lock);
		return p_write(f, v, i);
	}
	if (err)
		goto out;
	m = le64_to_cpu(val);
	if (m != f->v[v].m.v[i]) {
		err = -EINVAL;
		goto out;
	}
	if (hs_map_time(m) < vol->snap_time) {
		m = hs_map_make(hs_map_pvbn(m), pool->snap_time);
		val = cpu_to_le64(m);
		err = hs_btree_insert(pool, info, &vol->root, i, &val, NULL,
				      &replaced);
		if (err)
			goto out;
		if (!replaced)
			err = -EINVAL;
		vol->dirty = true;
		hs_model_set(&f->v[v].m, i, m);
		shared = hs_sm_count(pool, hs_map_pvbn(m)) > 1;
	}
out:
	up_write(&pool->meta_lock);
	/* Ours alone: written in place, no metadata changes. */
	return err ? err : shared ? p_write(f, v, i) : 0;
}

/* A discard of vblock i, as process_discard() does it. */
static int p_discard(struct pool_fix *f, int v, u64 i)
{
	const struct hs_btree_info *info = hs_mapping_info();
	struct hs_pool *pool = f->pool;
	struct hs_vol *vol = p_vol(f, v);
	__le64 old;
	int err;

	if (!vol)
		return -ENOENT;
	down_write(&pool->meta_lock);
	err = hs_btree_remove(pool, info, &vol->root, i, &old);
	if (!err) {
		info->dec(pool, &old);
		vol->mapped--;
		vol->dirty = true;
		hs_model_set(&f->v[v].m, i, HS_MODEL_NONE);
	} else if (err == -ENODATA && f->v[v].m.v[i] == HS_MODEL_NONE) {
		err = 0;
	}
	up_write(&pool->meta_lock);
	return err;
}

static int p_random(struct kunit *test, struct pool_fix *f, int v, int ops)
{
	int k, err = 0;

	mutex_lock(&f->pool->mutex);
	for (k = 0; k < ops && !err; k++) {
		u64 i = hs_test_rand(&f->seed) % VOL_BLOCKS;

		switch (hs_test_rand(&f->seed) % 5) {
		case 0:
			err = p_discard(f, v, i);
			break;
		case 1:
		case 2:
			err = p_write(f, v, i);
			break;
		default:
			err = p_write_io(f, v, i);
		}
	}
	mutex_unlock(&f->pool->mutex);
	KUNIT_EXPECT_EQ(test, err, 0);
	return err;
}

static int p_create(struct kunit *test, struct pool_fix *f, int v)
{
	const char *why = NULL;
	struct hs_vol out;
	int err;

	mutex_lock(&f->pool->mutex);
	err = hs_vol_create(f->pool, f->v[v].name, f->v[v].m.nr, &out, &why);
	mutex_unlock(&f->pool->mutex);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "create %s: %s", f->v[v].name,
			    why ?: "");
	return err;
}

/*
 * What hs_vol_space reports: a volume's block is shared when another
 * volume maps the same data block (whether through a shared tree node
 * or its own leaf), unique otherwise.
 */
static void p_space(struct kunit *test, struct pool_fix *f,
		    const bool *exists)
{
	struct hs_pool *pool = f->pool;
	u64 i, unique, shared, want_shared;
	struct hs_vol *vol;
	u8 *users;
	int v, err;

	users = kvzalloc(pool->total_blocks, GFP_KERNEL);
	if (!users) {
		KUNIT_FAIL(test, "out of memory");
		return;
	}
	for (v = 0; v < POOL_VOLS; v++)
		for (i = 0; exists[v] && i < f->v[v].m.nr; i++)
			if (f->v[v].m.v[i] != HS_MODEL_NONE)
				users[hs_map_pvbn(f->v[v].m.v[i])]++;
	for (v = 0; v < POOL_VOLS; v++) {
		vol = exists[v] ? p_vol(f, v) : NULL;
		if (!vol)
			continue;
		want_shared = 0;
		for (i = 0; i < f->v[v].m.nr; i++)
			if (f->v[v].m.v[i] != HS_MODEL_NONE &&
			    users[hs_map_pvbn(f->v[v].m.v[i])] > 1)
				want_shared++;
		down_read(&pool->meta_lock);
		err = hs_vol_space(pool, vol, &unique, &shared);
		up_read(&pool->meta_lock);
		KUNIT_EXPECT_EQ(test, err, 0);
		KUNIT_EXPECT_EQ_MSG(test, shared, want_shared, "%s", vol->name);
		KUNIT_EXPECT_EQ_MSG(test, unique, f->v[v].m.count - want_shared,
				    "%s", vol->name);
	}
	kvfree(users);
}

/* The pool holds exactly the modelled volumes, counts all exact. */
static void p_verify(struct kunit *test, struct pool_fix *f,
		     const bool *exists)
{
	struct hs_pool *pool = f->pool;
	struct hs_vol *vol;
	u32 n = 0;
	int v;

	for (v = 0; v < POOL_VOLS; v++) {
		vol = p_vol(f, v);
		if (!exists[v]) {
			KUNIT_EXPECT_NULL_MSG(test, vol, "%s", f->v[v].name);
			continue;
		}
		n++;
		if (!vol) {
			KUNIT_FAIL(test, "volume %s missing", f->v[v].name);
			continue;
		}
		KUNIT_EXPECT_EQ(test, vol->size_blocks, f->v[v].m.nr);
		KUNIT_EXPECT_EQ_MSG(test, vol->mapped, f->v[v].m.count, "%s",
				    f->v[v].name);
		KUNIT_EXPECT_EQ_MSG(test, hs_model_compare(test, pool,
							   hs_mapping_info(),
							   vol->root,
							   &f->v[v].m),
				    0, "%s", f->v[v].name);
	}
	KUNIT_EXPECT_EQ(test, hs_vol_count(pool), n);
	p_space(test, f, exists);
	KUNIT_EXPECT_EQ(test, hs_refcheck_pool(test, pool), 0);
	KUNIT_EXPECT_EQ(test, pool->state, HASTOR_POOL_ACTIVE);
}

/* Close (a final CP if anything changed) and import the last CP. */
static void p_reopen(struct kunit *test, struct pool_fix *f)
{
	u64 gen = f->pool->generation + f->pool->txn_dirty;

	p_close(f);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_EXPECT_EQ(test, f->pool->generation, gen);
}

static int p_delete(struct pool_fix *f, int v, const char **why)
{
	int err;

	mutex_lock(&f->pool->mutex);
	err = hs_vol_delete(f->pool, f->v[v].name, why);
	mutex_unlock(&f->pool->mutex);
	if (!err) {
		hs_model_free(&f->v[v].m);
		err = hs_model_init(&f->v[v].m, vols[v].blocks, 1, 8);
	}
	return err;
}

static void hs_pool_roundtrip_test(struct kunit *test)
{
	static const bool none[POOL_VOLS],
			  v1v2[POOL_VOLS] = { [V1] = 1, [V2] = 1 },
			  all[POOL_VOLS] = { [V1] = 1, [S1] = 1, [V2] = 1,
					     [C1] = 1 },
			  v1s1[POOL_VOLS] = { [V1] = 1, [S1] = 1 },
			  v1s1v2[POOL_VOLS] = { [V1] = 1, [S1] = 1, [V2] = 1 },
			  v1[POOL_VOLS] = { [V1] = 1 };
	struct pool_fix *f = test->priv;
	const char *why = NULL;
	struct hs_vol out, *vol;
	u64 meta;
	int err;

	KUNIT_ASSERT_EQ(test, p_format(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_EXPECT_EQ(test, f->pool->generation, 1ULL);
	KUNIT_EXPECT_STREQ(test, f->pool->name, POOL_NAME);
	KUNIT_EXPECT_EQ(test, f->pool->sm.nr_used, f->pool->sm.nr_meta);
	p_verify(test, f, none);
	meta = f->pool->sm.nr_meta;

	/*
	 * CP 2: v1 with mappings, v2 created but never written, tmp
	 * created, written and deleted before it was ever committed.
	 */
	KUNIT_ASSERT_EQ(test, p_create(test, f, V1), 0);
	KUNIT_ASSERT_EQ(test, p_create(test, f, V2), 0);
	KUNIT_ASSERT_EQ(test, p_create(test, f, TMP), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 2500), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, TMP, 500), 0);
	KUNIT_ASSERT_EQ(test, p_delete(f, TMP, &why), 0);
	p_verify(test, f, v1v2);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_verify(test, f, v1v2);
	p_reopen(test, f);
	p_verify(test, f, v1v2);
	vol = p_vol(f, V2);
	if (vol)
		KUNIT_EXPECT_EQ(test, vol->root, HASTOR_NO_BLOCK);
	KUNIT_EXPECT_EQ(test, f->pool->next_vol_id, 4ULL);

	/* CP 3: snapshot v1; v1 and v2 change; a clone of the snapshot. */
	mutex_lock(&f->pool->mutex);
	err = hs_vol_snapshot(f->pool, "v1", "s1", &out, &why);
	mutex_unlock(&f->pool->mutex);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "snapshot: %s", why ?: "");
	KUNIT_EXPECT_EQ(test, out.flags, HASTOR_VOL_SNAPSHOT);
	hs_model_free(&f->v[S1].m);
	KUNIT_ASSERT_EQ(test, hs_model_copy(&f->v[S1].m, &f->v[V1].m), 0);
	p_verify(test, f, v1s1v2);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 20), 0);
	p_verify(test, f, v1s1v2);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 1200), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V2, 300), 0);
	mutex_lock(&f->pool->mutex);
	err = hs_vol_clone(f->pool, "v1@s1", "c1", &out, &why);
	mutex_unlock(&f->pool->mutex);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "clone: %s", why ?: "");
	KUNIT_EXPECT_EQ(test, out.flags, HASTOR_VOL_CLONE);
	hs_model_free(&f->v[C1].m);
	KUNIT_ASSERT_EQ(test, hs_model_copy(&f->v[C1].m, &f->v[S1].m), 0);
	p_verify(test, f, all);
	KUNIT_ASSERT_EQ(test, p_random(test, f, C1, 700), 0);
	p_verify(test, f, all);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_reopen(test, f);
	p_verify(test, f, all);
	vol = p_vol(f, S1);
	if (vol && p_vol(f, V1) && p_vol(f, C1)) {
		KUNIT_EXPECT_EQ(test, vol->parent_id, p_vol(f, V1)->id);
		KUNIT_EXPECT_TRUE(test, hs_vol_readonly(vol));
		KUNIT_EXPECT_EQ(test, p_vol(f, C1)->parent_id, vol->id);
	}

	/* Dependents keep what they depend on. */
	why = NULL;
	KUNIT_EXPECT_EQ(test, p_delete(f, V1, &why), -EBUSY);
	KUNIT_EXPECT_NOT_NULL(test, why);
	why = NULL;
	KUNIT_EXPECT_EQ(test, p_delete(f, S1, &why), -EBUSY);
	KUNIT_EXPECT_NOT_NULL(test, why);
	p_verify(test, f, all);

	/* CP 4: v2 and the clone deleted. */
	KUNIT_ASSERT_EQ(test, p_delete(f, V2, &why), 0);
	KUNIT_ASSERT_EQ(test, p_delete(f, C1, &why), 0);
	p_verify(test, f, v1s1);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_reopen(test, f);
	p_verify(test, f, v1s1);

	/* CP 5: the snapshot deleted; what only it held is freed. */
	KUNIT_ASSERT_EQ(test, p_delete(f, S1, &why), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 200), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_reopen(test, f);
	p_verify(test, f, v1);
	KUNIT_EXPECT_EQ(test, f->pool->sm.nr_used - f->pool->sm.nr_meta,
			f->v[V1].m.count);
	KUNIT_EXPECT_GE(test, f->pool->sm.nr_meta, meta);
	KUNIT_EXPECT_EQ(test, f->pool->next_vol_id, 6ULL);

	/* Nothing changed: closing writes no new CP. */
	p_reopen(test, f);
	p_verify(test, f, v1);
}

/* Data fills the pool; metadata still has room to commit. */
static void hs_pool_full_test(struct kunit *test)
{
	static const bool big[POOL_VOLS] = { [BIG] = 1 },
			  none[POOL_VOLS];
	struct pool_fix *f = test->priv;
	const char *why = NULL;
	u64 i;
	int err = 0;

	KUNIT_ASSERT_EQ(test, p_format(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_create(test, f, BIG), 0);
	mutex_lock(&f->pool->mutex);
	for (i = 0; i < BIG_BLOCKS && !err; i++)
		err = p_write(f, BIG, i);
	mutex_unlock(&f->pool->mutex);
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_LE(test, hs_sm_free_blocks(f->pool),
			f->pool->sm.meta_reserve);
	KUNIT_EXPECT_GT(test, f->v[BIG].m.count,
			f->pool->total_blocks - 2 * f->pool->sm.meta_reserve);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_verify(test, f, big);
	p_reopen(test, f);
	p_verify(test, f, big);

	/* Overwrites need a free block each: still refused, still sane. */
	mutex_lock(&f->pool->mutex);
	err = p_write(f, BIG, 0);
	mutex_unlock(&f->pool->mutex);
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);

	KUNIT_ASSERT_EQ(test, p_delete(f, BIG, &why), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_reopen(test, f);
	p_verify(test, f, none);
	KUNIT_EXPECT_EQ(test, f->pool->sm.nr_used, f->pool->sm.nr_meta);
	KUNIT_EXPECT_LT(test, f->pool->sm.nr_used, 16ULL);
}

/*
 * Two members: PVBNs continue on the second disk, labels tie the disks
 * together in order.
 */
static void hs_pool_members_test(struct kunit *test)
{
	static const bool v1[POOL_VOLS] = { [V1] = 1 };
	struct pool_fix *f = test->priv;
	struct block_device *swapped[2];
	struct hs_member *m1;
	u64 b, on1 = 0;

	f->bdev[1] = hs_test_bdev_get(test, POOL_RAM + 1);
	KUNIT_ASSERT_NOT_NULL(test, f->bdev[1]);
	KUNIT_ASSERT_EQ(test, hs_test_raw_zero(f->bdev[1], 0,
					       HASTOR_SUPER_BLOCK + 2), 0);
	f->nr_bdevs = 2;
	KUNIT_ASSERT_EQ(test, p_format(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	m1 = &f->pool->members[1];
	KUNIT_EXPECT_EQ(test, m1->pvbn_start, f->pool->members[0].data_blocks);
	KUNIT_EXPECT_EQ(test, f->pool->total_blocks,
			m1->pvbn_start + m1->data_blocks);

	/* Allocate across the boundary between the disks. */
	down_write(&f->pool->meta_lock);
	f->pool->sm.cursor = m1->pvbn_start - 100;
	up_write(&f->pool->meta_lock);
	KUNIT_ASSERT_EQ(test, p_create(test, f, V1), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 1500), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_reopen(test, f);
	p_verify(test, f, v1);
	m1 = &f->pool->members[1];
	for (b = m1->pvbn_start; b < f->pool->total_blocks; b++)
		on1 += !!hs_sm_count(f->pool, b);
	KUNIT_EXPECT_GT(test, on1, 500ULL);
	p_close(f);

	swapped[0] = f->bdev[1];
	swapped[1] = f->bdev[0];
	p_open_fails(test, f, swapped, 2, "order");
	p_open_fails(test, f, f->bdev, 1, "member count");
	p_open_fails(test, f, &f->bdev[1], 1, "member count");
}

/* Formatting needs the node's identity; refused, it names no disk. */
static void hs_pool_unconfigured_test(struct kunit *test)
{
	struct pool_fix *f = test->priv;
	struct hastor_node_info info;
	const char *why = NULL;
	int bad = 12345;
	u8 uuid[16];
	u64 size;

	hastor_node_get(&info);
	if (info.state != HASTOR_NODE_UNCONFIGURED)
		kunit_skip(test, "node already configured");
	KUNIT_EXPECT_EQ(test, hs_pool_format(POOL_NAME, f->bdev, 1, uuid,
					     &size, &why, &bad), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, bad, -1);
}

/* The slot a CP of generation g wrote. */
static sector_t slot_of(u64 gen)
{
	return HASTOR_SUPER_BLOCK + (gen & 1);
}

static void hs_pool_super_fallback_test(struct kunit *test)
{
	static const bool v1[POOL_VOLS] = { [V1] = 1 },
			  v1v2[POOL_VOLS] = { [V1] = 1, [V2] = 1 };
	struct pool_fix *f = test->priv;

	KUNIT_ASSERT_EQ(test, p_format(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_create(test, f, V1), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 1500), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	KUNIT_ASSERT_EQ(test, hs_model_copy(&f->saved, &f->v[V1].m), 0);

	/* CP 3, then lost. */
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 800), 0);
	KUNIT_ASSERT_EQ(test, p_create(test, f, V2), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V2, 100), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_verify(test, f, v1v2);
	p_close(f);
	KUNIT_ASSERT_EQ(test, hs_test_raw_flip(f->bdev[0], slot_of(3), 100), 0);

	/* CP 2 is whole: everything CP 3 changed was written elsewhere. */
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_EXPECT_EQ(test, f->pool->generation, 2ULL);
	swap(f->v[V1].m, f->saved);
	hs_model_free(&f->v[V2].m);
	KUNIT_ASSERT_EQ(test, hs_model_init(&f->v[V2].m, VOL_BLOCKS, 1, 8), 0);
	p_verify(test, f, v1);

	/* And goes on: the next CP reuses what CP 3 had taken. */
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 800), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	p_reopen(test, f);
	p_verify(test, f, v1);
	p_close(f);

	/* Both slots damaged: nothing to import. */
	KUNIT_ASSERT_EQ(test, hs_test_raw_flip(f->bdev[0], slot_of(2),
					       3000), 0);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_EXPECT_EQ(test, f->pool->generation, 3ULL);
	p_close(f);
	KUNIT_ASSERT_EQ(test, hs_test_raw_flip(f->bdev[0], slot_of(3),
					       3000), 0);
	p_open_fails(test, f, f->bdev, 1, "superblock");
}

/* ---- damage that must refuse the import ---- */

enum damage_target {
	D_LABELS, D_LABEL0, D_SUPER_NEWEST, D_VOLTAB, D_REFMAP, D_REFCNT,
	D_MAP_ROOT, D_MAP_LEAF,
};

struct damage_case {
	const char *desc;
	enum damage_target target;
	const char *why;	/* NULL: the import must succeed */
};

static const struct damage_case damage_cases[] = {
	{ "both labels", D_LABELS, "label" },
	{ "label copy 0 only", D_LABEL0, NULL },
	{ "newest superblock", D_SUPER_NEWEST, NULL },
	{ "volume table root", D_VOLTAB, "volume table" },
	{ "refcount index root", D_REFMAP, "refcount" },
	{ "refcount block", D_REFCNT, "refcount" },
	{ "mapping root", D_MAP_ROOT, "mapping" },
	{ "mapping leaf", D_MAP_LEAF, "mapping" },
};

static void damage_case_desc(const struct damage_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(damage, damage_cases, damage_case_desc);

static void hs_pool_damage_test(struct kunit *test)
{
	static const bool v1[POOL_VOLS] = { [V1] = 1 };
	const struct damage_case *c = test->param_value;
	struct pool_fix *f = test->priv;
	struct hs_pool *pool;
	struct hastor_btree_node *n;
	struct hs_mblock mb;
	sector_t at[2] = { -1, -1 };
	u64 root;
	int i;

	KUNIT_ASSERT_EQ(test, p_format(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	KUNIT_ASSERT_EQ(test, p_create(test, f, V1), 0);
	KUNIT_ASSERT_EQ(test, p_random(test, f, V1, 2000), 0);
	KUNIT_ASSERT_EQ(test, p_commit(test, f), 0);
	pool = f->pool;
	root = p_vol(f, V1)->root;

	switch (c->target) {
	case D_LABELS:
		at[1] = HASTOR_LABEL_BLOCK + 1;
		fallthrough;
	case D_LABEL0:
		at[0] = HASTOR_LABEL_BLOCK;
		break;
	case D_SUPER_NEWEST:
		at[0] = slot_of(pool->generation);
		break;
	case D_VOLTAB:
		at[0] = HASTOR_RESERVED_BLOCKS + pool->voltab_root;
		break;
	case D_REFMAP:
		at[0] = HASTOR_RESERVED_BLOCKS + pool->refmap_root;
		break;
	case D_REFCNT:
		at[0] = HASTOR_RESERVED_BLOCKS + pool->sm.chunk_block[0];
		break;
	case D_MAP_ROOT:
		at[0] = HASTOR_RESERVED_BLOCKS + root;
		break;
	case D_MAP_LEAF:
		down_read(&pool->meta_lock);
		if (!hs_meta_read(pool, root, HASTOR_BTREE_MAGIC, &mb)) {
			u32 last;

			/* The last child: values follow max_entries keys. */
			n = mb.data;
			last = le32_to_cpu(n->max_entries) +
			       le32_to_cpu(n->nr_entries) - 1;
			if (le32_to_cpu(n->level))
				at[0] = HASTOR_RESERVED_BLOCKS +
					le64_to_cpu(n->keys[last]);
			hs_meta_release(&mb);
		}
		up_read(&pool->meta_lock);
		KUNIT_ASSERT_NE_MSG(test, at[0], (sector_t)-1,
				    "mapping tree has one level");
		break;
	}
	p_close(f);
	for (i = 0; i < 2 && at[i] != (sector_t)-1; i++)
		KUNIT_ASSERT_EQ(test, hs_test_raw_flip(f->bdev[0], at[i], 1000),
				0);

	if (!c->why) {
		KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
		if (c->target == D_SUPER_NEWEST) {
			/* The CP before: the empty pool. */
			KUNIT_EXPECT_EQ(test, f->pool->generation, 1ULL);
			KUNIT_EXPECT_EQ(test, hs_vol_count(f->pool), 0U);
			KUNIT_EXPECT_EQ(test, hs_refcheck_pool(test, f->pool),
					0);
		} else {
			p_verify(test, f, v1);
		}
		return;
	}
	p_open_fails(test, f, f->bdev, 1, c->why);
}

/* A labelled disk is never formatted over; a pool is imported once. */
static void hs_pool_refuse_test(struct kunit *test)
{
	struct pool_fix *f = test->priv;
	const char *why = NULL;
	struct hs_pool *again;
	u8 uuid[16];
	u64 size;
	int bad = -1;

	KUNIT_ASSERT_EQ(test, p_format(test, f), 0);
	KUNIT_EXPECT_EQ(test, hs_pool_format("other", f->bdev, 1, uuid,
					     &size, &why, &bad), -EBUSY);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_NOT_NULL(test, why);

	KUNIT_ASSERT_EQ(test, p_open(test, f), 0);
	why = NULL;
	again = hs_pool_open(f->bdev, 1, MKDEV(0, 1), 0, &why, &bad);
	KUNIT_EXPECT_TRUE(test, IS_ERR(again));
	if (!IS_ERR(again)) {
		hs_pool_close(again);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), (long)-EBUSY);
	KUNIT_EXPECT_NOT_NULL(test, why);
	/* The first is still there, and by its registry key. */
	again = hs_pool_find(POOL_NAME);
	KUNIT_EXPECT_PTR_EQ(test, again, f->pool);
	if (again)
		hs_pool_put(again);
}

static struct kunit_case hastor_pool_cases[] = {
	KUNIT_CASE(hs_pool_unconfigured_test),
	KUNIT_CASE(hs_pool_roundtrip_test),
	KUNIT_CASE(hs_pool_full_test),
	KUNIT_CASE(hs_pool_members_test),
	KUNIT_CASE(hs_pool_super_fallback_test),
	KUNIT_CASE_PARAM(hs_pool_damage_test, damage_gen_params),
	KUNIT_CASE(hs_pool_refuse_test),
	{}
};

static struct kunit_suite hastor_pool_suite = {
	.name = "hastor-pool",
	.init = pool_init,
	.exit = pool_exit,
	.test_cases = hastor_pool_cases,
};

kunit_test_suite(hastor_pool_suite);
