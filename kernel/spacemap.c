// SPDX-License-Identifier: GPL-2.0
/*
 * The space map: a reference count for every PVBN of a pool.
 *
 * The counts live in memory while the pool is active and reach the disk
 * at each CP, as refcount blocks of 2016 counts found through the REFMAP
 * B-tree.  Persisting them allocates blocks, which changes counts, so a
 * CP repeats until no chunk is dirty; a chunk whose block was already
 * written in this CP is rewritten in place, so it converges at once.
 *
 * A freed block is "pending" until the CP that records it free has
 * committed and every I/O issued before that has finished: the last
 * committed state may still point at it, and so may an in-flight read.
 * Data blocks are reserved "in flight" while their first write runs and
 * counted only when the mapping that points at them is recorded, so a
 * CP taken meanwhile never records a block nothing points at.
 *
 * Callers hold pool->meta_lock for writing, except for the read-only
 * hs_sm_count(), which the fast path calls under the read lock.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "spacemap.h"
#include "btree.h"
#include "meta.h"

#define HS_CHUNK	HASTOR_REFCNT_PER_BLOCK

static int refmap_inc(struct hs_pool *pool, const void *value)
{
	return hs_sm_inc(pool, le64_to_cpu(*(const __le64 *)value));
}

static void refmap_dec(struct hs_pool *pool, const void *value)
{
	hs_sm_dec_meta(pool, le64_to_cpu(*(const __le64 *)value));
}

static const struct hs_btree_info refmap_info = {
	.type = HASTOR_TREE_REFMAP,
	.value_size = sizeof(__le64),
	.inc = refmap_inc,
	.dec = refmap_dec,
};

const struct hs_btree_info *hs_refmap_info(void)
{
	return &refmap_info;
}
EXPORT_SYMBOL_IF_KUNIT(hs_refmap_info);

int hs_sm_init(struct hs_spacemap *sm, u64 nr_blocks, u64 meta_reserve)
{
	u64 i;

	memset(sm, 0, sizeof(*sm));
	sm->nr_blocks = nr_blocks;
	sm->nr_chunks = DIV_ROUND_UP(nr_blocks, HS_CHUNK);
	sm->meta_reserve = meta_reserve;
	sm->counts = kvcalloc(nr_blocks, sizeof(u16), GFP_KERNEL);
	sm->busy = kvcalloc(BITS_TO_LONGS(nr_blocks), sizeof(long),
			    GFP_KERNEL);
	sm->pending = kvcalloc(BITS_TO_LONGS(nr_blocks), sizeof(long),
			       GFP_KERNEL);
	sm->txn_new = kvcalloc(BITS_TO_LONGS(nr_blocks), sizeof(long),
			       GFP_KERNEL);
	sm->dirty = kvcalloc(BITS_TO_LONGS(sm->nr_chunks), sizeof(long),
			     GFP_KERNEL);
	sm->chunk_block = kvmalloc_array(sm->nr_chunks, sizeof(u64),
					 GFP_KERNEL);
	if (!sm->counts || !sm->busy || !sm->pending || !sm->txn_new ||
	    !sm->dirty || !sm->chunk_block) {
		hs_sm_destroy(sm);
		return -ENOMEM;
	}
	for (i = 0; i < sm->nr_chunks; i++)
		sm->chunk_block[i] = HASTOR_NO_BLOCK;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_init);

void hs_sm_destroy(struct hs_spacemap *sm)
{
	kvfree(sm->counts);
	kvfree(sm->busy);
	kvfree(sm->pending);
	kvfree(sm->txn_new);
	kvfree(sm->dirty);
	kvfree(sm->chunk_block);
	memset(sm, 0, sizeof(*sm));
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_destroy);

u16 hs_sm_count(struct hs_pool *pool, u64 pvbn)
{
	if (pvbn >= pool->sm.nr_blocks)
		return 0;
	return READ_ONCE(pool->sm.counts[pvbn]);
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_count);

bool hs_sm_is_new(struct hs_pool *pool, u64 pvbn)
{
	return pvbn < pool->sm.nr_blocks && test_bit(pvbn, pool->sm.txn_new);
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_is_new);

static void set_count(struct hs_spacemap *sm, u64 pvbn, u16 count)
{
	WRITE_ONCE(sm->counts[pvbn], count);
	__set_bit(pvbn / HS_CHUNK, sm->dirty);
}

/* Metadata pointed at a block that does not exist or was free. */
static void hs_sm_corrupt(struct hs_pool *pool, u64 pvbn, const char *what)
{
	pr_err("hastor: pool %s: %s of block %llu: metadata is inconsistent\n",
	       pool->name, what, pvbn);
	pool->state = HASTOR_POOL_FAILED;
}

int hs_sm_inc(struct hs_pool *pool, u64 pvbn)
{
	struct hs_spacemap *sm = &pool->sm;
	u16 c;

	if (pvbn >= sm->nr_blocks) {
		hs_sm_corrupt(pool, pvbn, "reference");
		return -EILSEQ;
	}
	c = sm->counts[pvbn];
	if (c == U16_MAX)
		return -EOVERFLOW;
	if (!c) {
		hs_sm_corrupt(pool, pvbn, "new reference");
		return -EILSEQ;
	}
	set_count(sm, pvbn, c + 1);
	pool->txn_dirty = true;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_inc);

void hs_sm_dec(struct hs_pool *pool, u64 pvbn)
{
	struct hs_spacemap *sm = &pool->sm;
	u16 c;

	if (pvbn >= sm->nr_blocks || !sm->counts[pvbn]) {
		hs_sm_corrupt(pool, pvbn, "release");
		return;
	}
	c = sm->counts[pvbn] - 1;
	set_count(sm, pvbn, c);
	pool->txn_dirty = true;
	if (!c) {
		sm->nr_used--;
		__clear_bit(pvbn, sm->txn_new);
		if (!__test_and_set_bit(pvbn, sm->pending))
			sm->nr_pending++;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_dec);

void hs_sm_dec_meta(struct hs_pool *pool, u64 pvbn)
{
	hs_sm_dec(pool, pvbn);
	if (pvbn < pool->sm.nr_blocks && !pool->sm.counts[pvbn])
		pool->sm.nr_meta--;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_dec_meta);

static int find_free(struct hs_spacemap *sm, u64 *pvbn)
{
	u64 b = find_next_zero_bit(sm->busy, sm->nr_blocks, sm->cursor);

	if (b >= sm->nr_blocks)
		b = find_first_zero_bit(sm->busy, sm->nr_blocks);
	if (b >= sm->nr_blocks)
		return -ENOSPC;
	__set_bit(b, sm->busy);
	sm->nr_busy++;
	sm->cursor = b + 1;
	*pvbn = b;
	return 0;
}

u64 hs_sm_free_blocks(struct hs_pool *pool)
{
	return pool->sm.nr_blocks - pool->sm.nr_busy;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_free_blocks);

/*
 * Metadata may use the reserve that data allocation leaves alone, but
 * only a CP the last half of it: running out must fail an I/O with
 * ENOSPC, never the CP that keeps the pool consistent.
 */
int hs_sm_alloc_meta(struct hs_pool *pool, u64 *pvbn)
{
	struct hs_spacemap *sm = &pool->sm;
	int err;

	if (!pool->in_cp && hs_sm_free_blocks(pool) <= sm->meta_reserve / 2)
		return -ENOSPC;
	err = find_free(sm, pvbn);
	if (err) {
		pr_err_ratelimited("hastor: pool %s: out of metadata space\n",
				   pool->name);
		return err;
	}
	set_count(sm, *pvbn, 1);
	__set_bit(*pvbn, sm->txn_new);
	sm->nr_used++;
	sm->nr_meta++;
	pool->txn_dirty = true;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_alloc_meta);

/* A block for a data write in flight: busy, but not counted yet. */
int hs_sm_reserve_data(struct hs_pool *pool, u64 *pvbn)
{
	struct hs_spacemap *sm = &pool->sm;

	if (hs_sm_free_blocks(pool) <= sm->meta_reserve)
		return -ENOSPC;
	return find_free(sm, pvbn);
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_reserve_data);

/* The write landed and its mapping is being recorded. */
void hs_sm_commit_data(struct hs_pool *pool, u64 pvbn)
{
	set_count(&pool->sm, pvbn, 1);
	pool->sm.nr_used++;
	pool->txn_dirty = true;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_commit_data);

void hs_sm_cancel_data(struct hs_pool *pool, u64 pvbn)
{
	/* Its write may still be in the device queue: reuse after a CP. */
	if (!__test_and_set_bit(pvbn, pool->sm.pending))
		pool->sm.nr_pending++;
	pool->txn_dirty = true;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_cancel_data);

/*
 * The CP committed and all I/O issued before it is done: pending blocks
 * become free, and nothing is "new" to the next transaction.
 */
void hs_sm_txn_end(struct hs_pool *pool)
{
	struct hs_spacemap *sm = &pool->sm;
	unsigned long b;

	for_each_set_bit(b, sm->pending, sm->nr_blocks) {
		if (!sm->counts[b]) {
			__clear_bit(b, sm->busy);
			sm->nr_busy--;
		}
	}
	bitmap_zero(sm->pending, sm->nr_blocks);
	bitmap_zero(sm->txn_new, sm->nr_blocks);
	sm->nr_pending = 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_txn_end);

static int load_chunk(void *data, u64 chunk, const void *value, bool shared)
{
	struct hs_pool *pool = data;
	struct hs_spacemap *sm = &pool->sm;
	u64 pvbn = le64_to_cpu(*(const __le64 *)value);
	struct hastor_refcnt_block *rb;
	struct hs_mblock mb;
	u64 first, i;
	int err;

	if (chunk >= sm->nr_chunks) {
		pr_err("hastor: pool %s: refcount chunk %llu beyond the pool\n",
		       pool->name, chunk);
		return -EILSEQ;
	}
	err = hs_meta_read(pool, pvbn, HASTOR_REFCNT_MAGIC, &mb);
	if (err)
		return err;
	rb = mb.data;
	first = chunk * HS_CHUNK;
	for (i = 0; i < HS_CHUNK; i++) {
		u16 c = le16_to_cpu(rb->counts[i]);

		if (first + i >= sm->nr_blocks) {
			if (c) {
				pr_err("hastor: pool %s: refcount block %llu counts blocks beyond the pool\n",
				       pool->name, pvbn);
				hs_meta_release(&mb);
				return -EILSEQ;
			}
			continue;
		}
		sm->counts[first + i] = c;
	}
	hs_meta_release(&mb);
	sm->chunk_block[chunk] = pvbn;
	return 0;
}

static int check_chunk(void *data, u64 chunk, const void *value,
		       bool shared)
{
	struct hs_pool *pool = data;
	u64 pvbn = le64_to_cpu(*(const __le64 *)value);

	if (hs_sm_count(pool, pvbn))
		return 0;
	pr_err("hastor: pool %s: refcount block %llu has no reference count\n",
	       pool->name, pvbn);
	return -EILSEQ;
}

/* Read the committed counts; pool->refmap_root must be set. */
int hs_sm_load(struct hs_pool *pool)
{
	struct hs_spacemap *sm = &pool->sm;
	u64 b;
	int err;

	/* The counts are what this walk reads: nothing to check them by. */
	pool->counts_loaded = false;
	err = hs_btree_walk(pool, &refmap_info, pool->refmap_root, load_chunk,
			    pool);
	if (err)
		return err;
	sm->nr_used = 0;
	for (b = 0; b < sm->nr_blocks; b++)
		if (sm->counts[b]) {
			__set_bit(b, sm->busy);
			sm->nr_used++;
		}
	sm->nr_busy = sm->nr_used;
	bitmap_zero(sm->dirty, sm->nr_chunks);
	/* Now that counts are known, the refcount metadata must be counted. */
	pool->counts_loaded = true;
	return hs_btree_walk(pool, &refmap_info, pool->refmap_root,
			     check_chunk, pool);
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_load);

/*
 * Give every dirty chunk a block of this transaction and record it in the
 * REFMAP tree, until nothing is dirty; then write the blocks' contents.
 */
int hs_sm_persist(struct hs_pool *pool)
{
	struct hs_spacemap *sm = &pool->sm;
	unsigned long c;
	int rounds, err;

	for (rounds = 0; !bitmap_empty(sm->dirty, sm->nr_chunks); rounds++) {
		if (rounds > 64) {
			pr_err("hastor: pool %s: refcounts do not settle\n",
			       pool->name);
			return -EILSEQ;
		}
		for_each_set_bit(c, sm->dirty, sm->nr_chunks) {
			u64 old = sm->chunk_block[c], new;
			__le64 v;
			bool replaced;

			__clear_bit(c, sm->dirty);
			if (old != HASTOR_NO_BLOCK && hs_sm_is_new(pool, old))
				continue;
			err = hs_sm_alloc_meta(pool, &new);
			if (err)
				return err;
			sm->chunk_block[c] = new;
			v = cpu_to_le64(new);
			err = hs_btree_insert(pool, &refmap_info,
					      &pool->refmap_root, c, &v, NULL,
					      &replaced);
			if (err)
				return err;
			if (old != HASTOR_NO_BLOCK)
				hs_sm_dec_meta(pool, old);
		}
	}

	for (c = 0; c < sm->nr_chunks; c++) {
		u64 pvbn = sm->chunk_block[c], i, first = c * HS_CHUNK;
		struct hastor_refcnt_block *rb;
		struct hs_mblock mb;

		if (pvbn == HASTOR_NO_BLOCK || !hs_sm_is_new(pool, pvbn))
			continue;
		err = hs_meta_new(pool, pvbn, HASTOR_REFCNT_MAGIC, &mb);
		if (err)
			return err;
		rb = mb.data;
		for (i = 0; i < HS_CHUNK && first + i < sm->nr_blocks; i++)
			rb->counts[i] = cpu_to_le16(sm->counts[first + i]);
		hs_meta_release(&mb);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_sm_persist);
