// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit fixtures for the pool engine: RAM-disk pools, raw block access
 * and an independent reference-count checker.
 *
 * The checker parses B-tree nodes itself from the on-disk format
 * (hastor_format.h) rather than through btree.c, so a node the engine
 * gets wrong is not excused by the same mistake in the test.
 */
#include <linux/blkdev.h>
#include <linux/dm-bufio.h>
#include <linux/major.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include <linux/vmalloc.h>

#include "fixture.h"
#include "../meta.h"
#include "../spacemap.h"
#include "../vol.h"
#include "../btree.h"

#define HS_TEST_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)

static int hs_test_holder;

struct block_device *hs_test_bdev_get(struct kunit *test, int ram)
{
	struct block_device *bdev;

	bdev = blkdev_get_by_dev(MKDEV(RAMDISK_MAJOR, ram), HS_TEST_MODE,
				 &hs_test_holder);
	if (IS_ERR(bdev)) {
		kunit_err(test, "cannot open /dev/ram%d: %ld\n", ram,
			  PTR_ERR(bdev));
		return NULL;
	}
	return bdev;
}

void hs_test_bdev_put(struct block_device *bdev)
{
	if (bdev)
		blkdev_put(bdev, HS_TEST_MODE);
}

struct hs_pool *hs_test_pool_new(struct kunit *test,
				 struct block_device *bdev, u64 data_blocks,
				 u64 meta_reserve)
{
	struct hs_pool *pool = hs_pool_alloc();
	struct hs_member *m;

	if (!pool)
		return NULL;
	strscpy(pool->name, "kunit", sizeof(pool->name));
	generate_random_uuid(pool->uuid);
	if (hs_pool_members_setup(pool, &bdev, 1)) {
		hs_pool_put(pool);
		return NULL;
	}
	m = &pool->members[0];
	m->data_start = HASTOR_RESERVED_BLOCKS;
	m->data_blocks = data_blocks;
	m->pvbn_start = 0;
	pool->total_blocks = data_blocks;
	pool->next_vol_id = 1;
	if (hs_sm_init(&pool->sm, data_blocks, meta_reserve)) {
		hs_pool_members_teardown(pool);
		hs_pool_put(pool);
		return NULL;
	}
	return pool;
}

void hs_test_pool_free(struct hs_pool *pool)
{
	if (!pool)
		return;
	hs_sm_destroy(&pool->sm);
	hs_pool_members_teardown(pool);
	hs_pool_put(pool);
}

/* ---- raw blocks: a bufio client of our own, no callbacks ---- */

static struct dm_bufio_client *raw_client(struct block_device *bdev)
{
	return dm_bufio_client_create(bdev, HASTOR_BLOCK_SIZE, 1, 0, NULL,
				      NULL, 0);
}

int hs_test_raw_read(struct block_device *bdev, sector_t block, void *buf)
{
	struct dm_bufio_client *c = raw_client(bdev);
	struct dm_buffer *b;
	void *data;

	if (IS_ERR(c))
		return PTR_ERR(c);
	data = dm_bufio_read(c, block, &b);
	if (!IS_ERR(data)) {
		memcpy(buf, data, HASTOR_BLOCK_SIZE);
		dm_bufio_release(b);
	}
	dm_bufio_client_destroy(c);
	return PTR_ERR_OR_ZERO(data);
}

static int raw_change(struct block_device *bdev, sector_t block,
		      const void *buf, int flip, bool zero)
{
	struct dm_bufio_client *c = raw_client(bdev);
	struct dm_buffer *b;
	u8 *data;
	int err;

	if (IS_ERR(c))
		return PTR_ERR(c);
	if (flip >= 0)
		data = dm_bufio_read(c, block, &b);
	else
		data = dm_bufio_new(c, block, &b);
	if (IS_ERR(data)) {
		dm_bufio_client_destroy(c);
		return PTR_ERR(data);
	}
	if (flip >= 0)
		data[flip] ^= 0x10;
	else if (zero)
		memset(data, 0, HASTOR_BLOCK_SIZE);
	else
		memcpy(data, buf, HASTOR_BLOCK_SIZE);
	dm_bufio_mark_buffer_dirty(b);
	dm_bufio_release(b);
	err = dm_bufio_write_dirty_buffers(c);
	if (!err)
		err = dm_bufio_issue_flush(c);
	dm_bufio_client_destroy(c);
	return err;
}

int hs_test_raw_write(struct block_device *bdev, sector_t block,
		      const void *buf)
{
	return raw_change(bdev, block, buf, -1, false);
}

int hs_test_raw_flip(struct block_device *bdev, sector_t block,
		     unsigned int byte)
{
	return raw_change(bdev, block, NULL, byte % HASTOR_BLOCK_SIZE, false);
}

int hs_test_raw_zero(struct block_device *bdev, sector_t first,
		     unsigned int count)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < count && !err; i++)
		err = raw_change(bdev, first + i, NULL, -1, true);
	return err;
}

/* ---- the reference-count checker ---- */

int hs_refcheck_init(struct hs_refcheck *rc, struct hs_pool *pool)
{
	u64 n = pool->sm.nr_blocks;

	memset(rc, 0, sizeof(*rc));
	rc->pool = pool;
	rc->expect = vzalloc(array_size(n, sizeof(u32)));
	rc->meta = bitmap_zalloc(n, GFP_KERNEL);
	rc->seen = bitmap_zalloc(n, GFP_KERNEL);
	if (!rc->expect || !rc->meta || !rc->seen) {
		hs_refcheck_free(rc);
		return -ENOMEM;
	}
	return 0;
}

void hs_refcheck_free(struct hs_refcheck *rc)
{
	vfree(rc->expect);
	bitmap_free(rc->meta);
	bitmap_free(rc->seen);
	rc->expect = NULL;
	rc->meta = NULL;
	rc->seen = NULL;
}

static void rc_fail(struct hs_refcheck *rc, u64 pvbn, const char *what)
{
	if (!rc->err) {
		rc->why = what;
		rc->why_pvbn = pvbn;
	}
	rc->err = -EILSEQ;
}

static void rc_ref(struct hs_refcheck *rc, u64 pvbn, bool meta)
{
	if (pvbn >= rc->pool->sm.nr_blocks) {
		rc_fail(rc, pvbn, "reference beyond the pool");
		return;
	}
	rc->expect[pvbn]++;
	if (meta)
		__set_bit(pvbn, rc->meta);
}

/*
 * Visit the node at pvbn (already counted by its referrer), checking it
 * as `hactl pool check` does: type, sizes, level, key order, key range
 * [lo, hi) given by the parent (hi == 0: unbounded).
 */
static void rc_node(struct hs_refcheck *rc, u64 pvbn, u32 type, int level,
		    u64 lo, u64 hi, bool root, int depth)
{
	struct hastor_btree_node *n;
	struct hs_mblock mb;
	u32 nr, max, vs, i, lvl, want_vs;
	u64 *keys = NULL, *vals = NULL;
	bool leaf;
	u8 *v;

	if (rc->err)
		return;
	if (depth > 8) {
		rc_fail(rc, pvbn, "tree deeper than 8 levels");
		return;
	}
	if (test_bit(pvbn, rc->seen))
		return;
	__set_bit(pvbn, rc->seen);
	if (hs_meta_read(rc->pool, pvbn, HASTOR_BTREE_MAGIC, &mb)) {
		rc_fail(rc, pvbn, "node unreadable");
		return;
	}
	n = mb.data;
	nr = le32_to_cpu(n->nr_entries);
	max = le32_to_cpu(n->max_entries);
	vs = le32_to_cpu(n->value_size);
	lvl = le32_to_cpu(n->level);
	leaf = le32_to_cpu(n->flags) & HASTOR_BTREE_LEAF;
	want_vs = !leaf ? 8 : type == HASTOR_TREE_VOLTAB ?
		  sizeof(struct hastor_vol_record) : 8;
	if (le32_to_cpu(n->tree_type) != type)
		rc_fail(rc, pvbn, "wrong tree type");
	else if (vs != want_vs || max != HASTOR_BTREE_MAX(vs))
		rc_fail(rc, pvbn, "wrong value size or max_entries");
	else if (nr > max || (!root && !nr))
		rc_fail(rc, pvbn, "bad nr_entries");
	else if (leaf != !lvl || (level >= 0 && lvl != level))
		rc_fail(rc, pvbn, "bad level");
	if (rc->err) {
		hs_meta_release(&mb);
		return;
	}
	keys = kmalloc_array(nr ?: 1, sizeof(u64), GFP_KERNEL);
	vals = kmalloc_array(nr ?: 1, sizeof(u64), GFP_KERNEL);
	if (!keys || !vals) {
		hs_meta_release(&mb);
		rc->err = -ENOMEM;
		goto out;
	}
	v = (u8 *)&n->keys[max];
	for (i = 0; i < nr; i++) {
		keys[i] = le64_to_cpu(n->keys[i]);
		vals[i] = vs == 8 ? le64_to_cpu(*(__le64 *)(v + i * 8)) : 0;
		if (i && keys[i] <= keys[i - 1])
			rc_fail(rc, pvbn, "keys not increasing");
		if (keys[i] < lo || (hi && keys[i] >= hi))
			rc_fail(rc, pvbn, "key outside its parent's range");
	}
	hs_meta_release(&mb);
	for (i = 0; i < nr && !rc->err; i++) {
		if (!leaf) {
			rc_ref(rc, vals[i], true);
			rc_node(rc, vals[i], type, lvl - 1, keys[i],
				i + 1 < nr ? keys[i + 1] : hi, false,
				depth + 1);
		} else if (rc->opaque) {
			continue;
		} else if (type == HASTOR_TREE_MAPPING) {
			if (vals[i] & HASTOR_MAP_ABSENT)
				continue;
			rc_ref(rc, hs_map_pvbn(vals[i]), false);
		} else if (type == HASTOR_TREE_REFMAP) {
			rc_ref(rc, vals[i], true);
		}
	}
out:
	kfree(keys);
	kfree(vals);
}

void hs_refcheck_tree(struct hs_refcheck *rc, u64 root, u32 type)
{
	rc->opaque = type & HS_REFCHECK_OPAQUE;
	type &= ~HS_REFCHECK_OPAQUE;
	if (root == HASTOR_NO_BLOCK)
		return;
	rc_ref(rc, root, true);
	if (!rc->err)
		rc_node(rc, root, type, -1, 0, 0, true, 0);
}

void hs_refcheck_extra(struct hs_refcheck *rc, u64 pvbn, bool meta)
{
	rc_ref(rc, pvbn, meta);
}

int hs_refcheck_compare(struct kunit *test, struct hs_refcheck *rc)
{
	struct hs_spacemap *sm = &rc->pool->sm;
	u64 b, used = 0, meta = 0;
	int bad = 0;

	if (rc->err) {
		KUNIT_FAIL(test, "trees malformed: block %llu: %s (%d)",
			   rc->why_pvbn, rc->why ?: "?", rc->err);
		return 1;
	}
	for (b = 0; b < sm->nr_blocks; b++) {
		u32 want = rc->expect[b];
		u16 have = hs_sm_count(rc->pool, b);

		if (want) {
			used++;
			if (test_bit(b, rc->meta))
				meta++;
		}
		if (have != want && bad++ < 5)
			KUNIT_FAIL(test, "block %llu: count %u, expected %u",
				   b, have, want);
	}
	if (sm->nr_used != used && ++bad)
		KUNIT_FAIL(test, "nr_used %llu, expected %llu", sm->nr_used,
			   used);
	if (sm->nr_meta != meta && ++bad)
		KUNIT_FAIL(test, "nr_meta %llu, expected %llu", sm->nr_meta,
			   meta);
	return bad;
}

int hs_refcheck_pool(struct kunit *test, struct hs_pool *pool)
{
	struct hs_refcheck rc;
	struct hs_vol *vol;
	int bad;

	if (hs_refcheck_init(&rc, pool)) {
		KUNIT_FAIL(test, "out of memory");
		return 1;
	}
	down_read(&pool->meta_lock);
	hs_refcheck_tree(&rc, pool->refmap_root, HASTOR_TREE_REFMAP);
	hs_refcheck_tree(&rc, pool->voltab_root, HASTOR_TREE_VOLTAB);
	list_for_each_entry(vol, &pool->vols, list)
		hs_refcheck_tree(&rc, vol->root, HASTOR_TREE_MAPPING);
	bad = hs_refcheck_compare(test, &rc);
	up_read(&pool->meta_lock);
	hs_refcheck_free(&rc);
	return bad;
}

/* ---- tree models ---- */

int hs_model_init(struct hs_model *m, u64 nr, u64 stride, u32 value_size)
{
	u64 i;

	m->nr = nr;
	m->stride = stride;
	m->value_size = value_size;
	m->count = 0;
	m->v = vmalloc(array_size(nr, sizeof(u64)));
	if (!m->v)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		m->v[i] = HS_MODEL_NONE;
	return 0;
}

int hs_model_copy(struct hs_model *dst, const struct hs_model *src)
{
	int err = hs_model_init(dst, src->nr, src->stride, src->value_size);

	if (err)
		return err;
	memcpy(dst->v, src->v, array_size(src->nr, sizeof(u64)));
	dst->count = src->count;
	return 0;
}

void hs_model_free(struct hs_model *m)
{
	vfree(m->v);
	m->v = NULL;
}

void hs_model_value(const struct hs_model *m, u64 seed, void *buf)
{
	u8 *b = buf;
	u32 j;

	if (m->value_size == sizeof(__le64)) {
		*(__le64 *)buf = cpu_to_le64(seed);
		return;
	}
	for (j = 0; j < m->value_size; j++)
		b[j] = (u8)(seed >> ((j & 7) * 8)) ^ (u8)(j * 13);
}

u64 hs_model_set(struct hs_model *m, u64 i, u64 seed)
{
	u64 old = m->v[i];

	m->v[i] = seed;
	m->count += (seed != HS_MODEL_NONE) - (old != HS_MODEL_NONE);
	return old;
}

struct model_walk {
	const struct hs_model *m;
	u64 next;		/* index expected at or after */
	u64 entries;
	int bad;
	u64 bad_key;
	const char *why;
	u8 buf[256];
};

static int model_walk_fn(void *data, u64 key, const void *value, bool shared)
{
	struct model_walk *w = data;
	const struct hs_model *m = w->m;
	u64 i = key / m->stride, j;

	w->entries++;
	if (key % m->stride || i >= m->nr || i < w->next) {
		w->why = i < w->next ? "key out of order" : "unexpected key";
		goto bad;
	}
	for (j = w->next; j < i; j++)
		if (m->v[j] != HS_MODEL_NONE) {
			key = j * m->stride;
			w->why = "key missing";
			goto bad;
		}
	w->next = i + 1;
	if (m->v[i] == HS_MODEL_NONE) {
		w->why = "key should be absent";
		goto bad;
	}
	hs_model_value(m, m->v[i], w->buf);
	if (memcmp(w->buf, value, m->value_size)) {
		w->why = "wrong value";
		goto bad;
	}
	return 0;
bad:
	if (!w->bad++)
		w->bad_key = key;
	return 0;
}

int hs_model_compare(struct kunit *test, struct hs_pool *pool,
		     const struct hs_btree_info *info, u64 root,
		     const struct hs_model *m)
{
	struct model_walk *w = kzalloc(sizeof(*w), GFP_KERNEL);
	int err, bad;
	u64 j;

	if (!w) {
		KUNIT_FAIL(test, "out of memory");
		return 1;
	}
	w->m = m;
	down_read(&pool->meta_lock);
	err = hs_btree_walk(pool, info, root, model_walk_fn, w);
	up_read(&pool->meta_lock);
	for (j = w->next; j < m->nr && !err; j++)
		if (m->v[j] != HS_MODEL_NONE && !w->bad++) {
			w->bad_key = j * m->stride;
			w->why = "key missing at the end";
		}
	if (err)
		KUNIT_FAIL(test, "walk of %llu failed: %d", root, err);
	if (w->bad)
		KUNIT_FAIL(test, "tree %llu: %d differences, first at key %llu: %s",
			   root, w->bad, w->bad_key, w->why);
	if (!err && w->entries != m->count)
		KUNIT_FAIL(test, "tree %llu: %llu entries, model has %llu",
			   root, w->entries, m->count);
	bad = w->bad + !!err;
	kfree(w);
	return bad;
}
