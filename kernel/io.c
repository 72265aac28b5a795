// SPDX-License-Identifier: GPL-2.0
/*
 * The slow path of volume I/O, run by the pool's ordered worker.
 *
 * target_vol.c maps what it can without sleeping: reads and in-place
 * writes of blocks whose mapping node is cached and which no snapshot
 * shares.  Everything else lands here: writes that need a new block
 * (first write, or the first write to a shared block since a snapshot),
 * lookups that need a read, discards and flushes.
 *
 * A write to a new block goes to the disk first, as a clone of the bio;
 * only when it has landed is the mapping recorded, and only then does
 * the bio complete.  So a mapping never points at data that was not
 * written, and a CP never records a block whose write is still running.
 * Whole blocks come as a run of up to HS_RUN_MAX, all given new homes
 * at once, their mappings recorded by one run insert; a partial block
 * reads the old block (or uses zeros), merges, and writes one block.
 *
 * Flushes are answered by a CP, which covers every write completed
 * before the flush: their mappings are in memory by then.
 */
#include <linux/device-mapper.h>
#include <linux/highmem.h>
#include <linux/slab.h>

#include "io.h"
#include "btree.h"
#include "mapcache.h"
#include "meta.h"
#include "spacemap.h"
#include "vol.h"
#include "wlog.h"

void hs_defer_bio(struct hs_pool *pool, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	bio_list_add(&pool->deferred, bio);
	spin_unlock_irqrestore(&pool->lock, flags);
	queue_work(pool->wq, &pool->worker);
}

void hs_defer_flush(struct hs_pool *pool, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	bio_list_add(&pool->flushes, bio);
	spin_unlock_irqrestore(&pool->lock, flags);
	queue_work(pool->wq, &pool->worker);
}

/* Point a bio at the PVBN holding its block; it keeps its offset. */
int hs_remap(struct hs_pool *pool, struct bio *bio, u64 pvbn)
{
	struct hs_member *m;
	sector_t block;

	if (hs_member_of(pool, pvbn, &m, &block))
		return -EILSEQ;
	bio_set_dev(bio, m->bdev);
	bio->bi_iter.bi_sector = (block << (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT)) +
		(bio->bi_iter.bi_sector & (HASTOR_SECTORS_PER_BLOCK - 1));
	return 0;
}

/*
 * A write on a pool with a write log: its pool side and its log entry
 * are under way at the same time, and whichever ends last completes it.
 * Called with the bio cut to its final size, before it is remapped.
 */
void hs_log_bio(struct hs_pool *pool, struct bio *bio)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio);

	ctx->logged = true;
	ctx->wlog_op = bio_op(bio) == REQ_OP_DISCARD ?
		       HASTOR_WLOG_OP_DISCARD : HASTOR_WLOG_OP_WRITE;
	ctx->wlog_iter = bio->bi_iter;
	atomic_set(&ctx->holds, 2);
	hs_wlog_submit(pool, bio);
}

void hs_bio_release(struct bio *bio, blk_status_t status, bool log_side)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio);

	if (log_side)
		ctx->log_status = status;
	else
		ctx->pool_status = status;
	if (!atomic_dec_and_test(&ctx->holds))
		return;
	if (ctx->wlog_pend >= 0)
		hs_wlog_bio_done(ctx->vt->pool->wlog, ctx->wlog_pend);
	bio->bi_status = ctx->pool_status ?: ctx->log_status;
	bio_endio(bio);
}

static void logged_clone_endio(struct bio *clone)
{
	struct bio *bio = clone->bi_private;
	struct hs_bio_ctx *ctx = hs_ctx_of(bio);
	blk_status_t status = clone->bi_status;

	bio_put(clone);
	ctx->tracked = false;
	hs_io_end(ctx->vt->pool, ctx->epoch);
	hs_bio_release(bio, status, false);
}

/*
 * The pool side of a logged write to a block it already has: a clone,
 * so the bio itself stays untouched for the log to copy from, and
 * completes only when both are done.  No FUA: the log makes it durable.
 */
void hs_submit_clone(struct hs_pool *pool, struct bio *bio)
{
	struct bio *clone = bio_alloc_clone(bio->bi_bdev, bio, GFP_NOIO,
					    &pool->bs);

	clone->bi_opf &= ~REQ_FUA;
	clone->bi_private = bio;
	clone->bi_end_io = logged_clone_endio;
	submit_bio_noacct(clone);
}

static blk_opf_t data_write_op(struct bio *bio)
{
	if (hs_ctx_of(bio)->logged)
		return REQ_OP_WRITE;
	return REQ_OP_WRITE | (bio->bi_opf & REQ_FUA);
}

static void new_block_endio(struct bio *clone)
{
	struct hs_bio_ctx *ctx = clone->bi_private;
	struct hs_pool *pool = ctx->vt->pool;
	unsigned long flags;

	ctx->status = clone->bi_status;
	bio_put(clone);
	hs_io_end(pool, ctx->epoch);
	spin_lock_irqsave(&pool->lock, flags);
	list_add_tail(&ctx->list, &pool->completed);
	spin_unlock_irqrestore(&pool->lock, flags);
	queue_work(pool->wq, &pool->worker);
}

/* Read or write one data block, synchronously (also wlog_replay.c). */
int hs_block_io(struct hs_pool *pool, u64 pvbn, struct page *page,
		blk_opf_t opf)
{
	struct hs_member *m;
	struct bio *bio;
	sector_t block;
	int err;

	if (hs_member_of(pool, pvbn, &m, &block))
		return -EILSEQ;
	bio = bio_alloc_bioset(m->bdev, 1, opf, GFP_NOIO, &pool->bs);
	bio->bi_iter.bi_sector = block << (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	__bio_add_page(bio, page, HASTOR_BLOCK_SIZE, 0);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

/*
 * Write the bio's data to the new block ctx->pvbns[0].  old is the block
 * holding the current contents for a partial write (HASTOR_NO_BLOCK:
 * zeros).  Called without meta_lock; the I/O was counted in its epoch.
 */
static void write_new_block(struct hs_pool *pool, struct bio *bio, u64 old)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio);
	unsigned int off = (bio->bi_iter.bi_sector &
			    (HASTOR_SECTORS_PER_BLOCK - 1)) << SECTOR_SHIFT;
	struct hs_member *m;
	struct bio *clone;
	sector_t block;

	if (WARN_ON_ONCE(hs_member_of(pool, ctx->pvbns[0], &m, &block)))
		goto err;
	if (!off && bio->bi_iter.bi_size == HASTOR_BLOCK_SIZE) {
		clone = bio_alloc_clone(m->bdev, bio, GFP_NOIO, &pool->bs);
		if (!clone)
			goto err;
	} else {
		struct bvec_iter iter;
		struct bio_vec bv;
		u8 *buf;

		ctx->page = alloc_page(GFP_NOIO);
		if (!ctx->page)
			goto err;
		if (old == HASTOR_NO_BLOCK)
			clear_highpage(ctx->page);
		else if (hs_block_io(pool, old, ctx->page, REQ_OP_READ))
			goto err;
		buf = kmap_local_page(ctx->page);
		bio_for_each_segment(bv, bio, iter) {
			memcpy_from_bvec(buf + off, &bv);
			off += bv.bv_len;
		}
		kunmap_local(buf);
		clone = bio_alloc_bioset(m->bdev, 1, REQ_OP_WRITE, GFP_NOIO,
					 &pool->bs);
		__bio_add_page(clone, ctx->page, HASTOR_BLOCK_SIZE, 0);
	}
	clone->bi_opf = data_write_op(bio);
	clone->bi_iter.bi_sector = block << (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	clone->bi_private = ctx;
	clone->bi_end_io = new_block_endio;
	submit_bio_noacct(clone);
	return;
err:
	ctx->status = BLK_STS_RESOURCE;
	hs_io_end(pool, ctx->epoch);
	spin_lock_irq(&pool->lock);
	list_add_tail(&ctx->list, &pool->completed);
	spin_unlock_irq(&pool->lock);
	queue_work(pool->wq, &pool->worker);
}

static void fail_bio(struct bio *bio, blk_status_t status)
{
	if (hs_ctx_of(bio)->logged) {
		hs_bio_release(bio, status, false);
		return;
	}
	bio->bi_status = status;
	bio_endio(bio);
}

static blk_status_t errno_status(int err)
{
	switch (err) {
	case -ENOSPC:
		return BLK_STS_NOSPC;
	case -ENOMEM:
		return BLK_STS_RESOURCE;
	default:
		return BLK_STS_IOERR;
	}
}

/*
 * A metadata change failed half way: the transaction cannot be trusted,
 * so nothing more is written; the last CP is intact on disk.
 */
static void meta_failed(struct hs_pool *pool, int err)
{
	if (err == -ENOSPC || hs_pool_broken(pool))
		return;
	pr_err("hastor: pool %s: metadata update failed (%d); no more writes\n",
	       pool->name, err);
	pool->state = HASTOR_POOL_FAILED;
}

static void process_discard(struct hs_pool *pool, struct bio *bio)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio);
	struct hs_vol *vol = ctx->vt->vol;
	sector_t start = bio->bi_iter.bi_sector, end = bio_end_sector(bio);
	u64 b = DIV_ROUND_UP_SECTOR_T(start, HASTOR_SECTORS_PER_BLOCK);
	u64 last = end >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	int err = 0;

	/* A takeover's records of these blocks come before the discard. */
	if (b < last)
		err = hs_tko_settle(pool, vol->id, b, last - b);
	if (err) {
		fail_bio(bio, errno_status(err));
		return;
	}
	down_write(&pool->meta_lock);
	if (b < last)
		hs_mc_invalidate(vol, b, last - b);
	for (; b < last && !err; b++) {
		__le64 old;

		err = hs_btree_remove(pool, hs_mapping_info(), &vol->root, b,
				      &old);
		if (err == -ENODATA) {
			err = 0;
			continue;
		}
		if (err)
			break;
		hs_mapping_info()->dec(pool, &old);
		vol->mapped--;
		vol->dirty = true;
	}
	if (err)
		meta_failed(pool, err);
	up_write(&pool->meta_lock);
	fail_bio(bio, err ? errno_status(err) : BLK_STS_OK);
}

/*
 * Out of space while blocks freed since the last CP wait for it: commit
 * (which frees them) and let the caller retry once.  Drops meta_lock
 * when it returns true.
 */
static bool reclaim(struct hs_pool *pool, struct hs_bio_ctx *ctx, int err)
{
	if (err != -ENOSPC || !pool->sm.nr_pending || ctx->retried)
		return false;
	ctx->retried = true;
	up_write(&pool->meta_lock);
	mutex_lock(&pool->mutex);
	hs_pool_commit(pool);
	mutex_unlock(&pool->mutex);
	return true;
}

/* The write giving one of blocks b .. b + n - 1 a new home, if any. */
static struct hs_bio_ctx *provisioning(struct hs_vol *vol, u64 b, u64 n)
{
	struct hs_bio_ctx *c;

	list_for_each_entry(c, &vol->provisioning, prov)
		if (c->vblock < b + n && b < c->vblock + c->nblocks)
			return c;
	return NULL;
}

static void run_segment_endio(struct bio *clone)
{
	struct hs_bio_ctx *ctx = clone->bi_private;
	struct hs_pool *pool = ctx->vt->pool;
	unsigned long flags;

	if (clone->bi_status)
		ctx->status = clone->bi_status;
	bio_put(clone);
	if (!atomic_dec_and_test(&ctx->segments))
		return;
	hs_io_end(pool, ctx->epoch);
	spin_lock_irqsave(&pool->lock, flags);
	list_add_tail(&ctx->list, &pool->completed);
	spin_unlock_irqrestore(&pool->lock, flags);
	queue_work(pool->wq, &pool->worker);
}

/* End of the segment from block i: consecutive new PVBNs on one member. */
static u32 segment_end(struct hs_pool *pool, struct hs_bio_ctx *ctx, u32 i,
		       u32 n)
{
	struct hs_member *m;
	sector_t block;
	u32 j;

	if (hs_member_of(pool, ctx->pvbns[i], &m, &block))
		return i + 1;
	for (j = i + 1; j < n && ctx->pvbns[j] == ctx->pvbns[j - 1] + 1 &&
	     ctx->pvbns[j] - m->pvbn_start < m->data_blocks; j++)
		;
	return j;
}

/*
 * A write of whole blocks whose first needs a new home (map() cut it so):
 * every block gets a new one, whatever it had, which is always correct
 * for a full-block write; the old ones lose a reference when the new
 * mappings are recorded.  One clone per run of consecutive new blocks.
 */
static void process_run(struct hs_pool *pool, struct bio *bio)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio), *owner;
	struct hs_vol *vol = ctx->vt->vol;
	u32 n = bio_sectors(bio) / HASTOR_SECTORS_PER_BLOCK, i, j, segs = 0;
	int err;

	/* map() deferred a run only past a takeover's filter; it shrinks. */
	err = hs_tko_settle(pool, vol->id, ctx->vblock, n);
	if (err) {
		fail_bio(bio, errno_status(err));
		return;
	}
	down_write(&pool->meta_lock);
	if (hs_pool_broken(pool)) {
		err = -EIO;
		goto fail;
	}
	owner = provisioning(vol, ctx->vblock, n);
	if (owner) {
		bio_list_add(&owner->waiters, bio);
		up_write(&pool->meta_lock);
		return;
	}
	for (i = 0; i < n && !err; i++)
		err = hs_sm_reserve_data(pool, &ctx->pvbns[i]);
	if (err) {
		while (--i)
			hs_sm_cancel_data(pool, ctx->pvbns[i - 1]);
		if (reclaim(pool, ctx, err)) {
			process_run(pool, bio);
			return;
		}
		goto fail;
	}
	ctx->nblocks = n;
	list_add(&ctx->prov, &vol->provisioning);
	for (i = 0; i < n; i = segment_end(pool, ctx, i, n))
		segs++;
	atomic_set(&ctx->segments, segs);
	ctx->epoch = hs_io_start(pool);
	up_write(&pool->meta_lock);

	for (i = 0; i < n; i = j) {
		struct hs_member *m;
		struct bio *clone;
		sector_t block;

		j = segment_end(pool, ctx, i, n);
		if (WARN_ON_ONCE(hs_member_of(pool, ctx->pvbns[i], &m,
					      &block)))
			return;	/* reserved blocks are always in range */
		clone = bio_alloc_clone(m->bdev, bio, GFP_NOIO, &pool->bs);
		bio_trim(clone, (sector_t)i * HASTOR_SECTORS_PER_BLOCK,
			 (sector_t)(j - i) * HASTOR_SECTORS_PER_BLOCK);
		clone->bi_opf = data_write_op(bio);
		clone->bi_iter.bi_sector =
			block << (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
		clone->bi_private = ctx;
		clone->bi_end_io = run_segment_endio;
		submit_bio_noacct(clone);
	}
	return;
fail:
	up_write(&pool->meta_lock);
	fail_bio(bio, errno_status(err));
}

/* A deferred read or write; meta_lock is taken here. */
static void process_bio(struct hs_pool *pool, struct bio *bio)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio), *owner;
	struct hs_vol *vol = ctx->vt->vol;
	u64 v, pvbn, old = HASTOR_NO_BLOCK;
	bool replaced, write = op_is_write(bio_op(bio));
	__le64 val;
	int err;

	/*
	 * A block a takeover's log still has records of gets them first,
	 * then this bio: a read sees them, a write goes after them.
	 */
	err = hs_tko_settle(pool, vol->id, ctx->vblock, 1);
	if (err) {
		fail_bio(bio, errno_status(err));
		return;
	}
	down_write(&pool->meta_lock);
	if (hs_pool_broken(pool)) {
		err = -EIO;
		goto fail;
	}
	err = hs_btree_lookup(pool, hs_mapping_info(), vol->root,
			      ctx->vblock, &val);
	if (err && err != -ENODATA)
		goto fail;
	v = err ? 0 : le64_to_cpu(val);
	if (err == -ENODATA && !write) {
		up_write(&pool->meta_lock);
		zero_fill_bio(bio);
		bio_endio(bio);
		return;
	}
	if (!err && v & HASTOR_MAP_ABSENT) {
		err = -EIO;	/* no source device to fetch from yet */
		goto fail;
	}
	owner = write ? provisioning(vol, ctx->vblock, 1) : NULL;
	if (owner) {
		/* Behind a write giving this block a new home: wait for it. */
		bio_list_add(&owner->waiters, bio);
		up_write(&pool->meta_lock);
		return;
	}
	if (!err && write && hs_map_time(v) < vol->snap_time) {
		/*
		 * Maybe shared.  Copying the tree path (which raises the
		 * counts of what it shares) makes the data block's count
		 * exact; only if that says "ours alone" is the mapping
		 * stamped as ours, so the fast path writes it in place.
		 */
		hs_mc_invalidate(vol, ctx->vblock, 1);
		err = hs_btree_insert(pool, hs_mapping_info(), &vol->root,
				      ctx->vblock, &val, NULL, &replaced);
		if (!err && hs_sm_count(pool, hs_map_pvbn(v)) > 1) {
			old = hs_map_pvbn(v);
		} else if (!err) {
			val = cpu_to_le64(hs_map_make(hs_map_pvbn(v),
						      pool->snap_time));
			err = hs_btree_insert(pool, hs_mapping_info(),
					      &vol->root, ctx->vblock, &val,
					      NULL, &replaced);
		}
		if (err)
			goto meta_fail;
		vol->dirty = true;
	}
	if (!err && old == HASTOR_NO_BLOCK) {
		/* Read, or a write to a block that is ours alone. */
		err = hs_remap(pool, bio, hs_map_pvbn(v));
		if (err)
			goto fail;
		ctx->epoch = hs_io_start(pool);
		ctx->tracked = true;
		up_write(&pool->meta_lock);
		if (ctx->logged)
			hs_submit_clone(pool, bio);
		else
			dm_submit_bio_remap(bio, NULL);
		return;
	}

	/* A new block: unmapped, or shared with a snapshot or clone. */
	err = hs_sm_reserve_data(pool, &pvbn);
	if (reclaim(pool, ctx, err)) {
		process_bio(pool, bio);
		return;
	}
	if (err)
		goto fail;
	ctx->pvbns[0] = pvbn;
	ctx->nblocks = 1;
	list_add(&ctx->prov, &vol->provisioning);
	ctx->epoch = hs_io_start(pool);
	up_write(&pool->meta_lock);
	write_new_block(pool, bio, old);
	return;

meta_fail:
	meta_failed(pool, err);
fail:
	up_write(&pool->meta_lock);
	fail_bio(bio, errno_status(err));
}

struct recorded {
	struct hs_pool *pool;
	struct hs_vol *vol;
	const __le64 *vals;
	u64 done;
};

/* A new mapping is in: its block counts, what it replaced loses one. */
static void mapping_recorded(void *data, u64 i, const void *old)
{
	struct recorded *r = data;

	hs_sm_commit_data(r->pool, hs_map_pvbn(le64_to_cpu(r->vals[i])));
	if (old)
		hs_mapping_info()->dec(r->pool, old);
	else
		r->vol->mapped++;
	r->done++;
}

/*
 * The new blocks are written: record their mappings, all in one run
 * insert, then complete.  A failed write, or a failed mapping, leaves
 * the old mapping (or none).
 */
static bool complete_new_block(struct hs_pool *pool, struct hs_bio_ctx *ctx)
{
	struct bio *bio = hs_bio_of(ctx);
	struct hs_vol *vol = ctx->vt->vol;
	/* The mapping values take the place of the PVBNs they are made of. */
	__le64 *vals = (__le64 *)ctx->pvbns;
	struct recorded r = { .pool = pool, .vol = vol, .vals = vals };
	bool converted = false;
	u32 i;
	int err;

	if (ctx->page) {
		__free_page(ctx->page);
		ctx->page = NULL;
	}
	down_write(&pool->meta_lock);
	if (!ctx->status) {
		for (i = 0; i < ctx->nblocks; i++)
			vals[i] = cpu_to_le64(hs_map_make(ctx->pvbns[i],
							  pool->snap_time));
		converted = true;
		hs_mc_invalidate(vol, ctx->vblock, ctx->nblocks);
		err = hs_btree_insert_run(pool, hs_mapping_info(), &vol->root,
					  ctx->vblock, ctx->nblocks, vals,
					  mapping_recorded, &r);
		if (r.done)
			vol->dirty = true;
		if (err) {
			meta_failed(pool, err);
			ctx->status = errno_status(err);
		}
	}
	/* Nothing points at the rest: free again after a CP. */
	for (i = r.done; i < ctx->nblocks; i++)
		hs_sm_cancel_data(pool, converted ?
				  hs_map_pvbn(le64_to_cpu(vals[i])) :
				  ctx->pvbns[i]);
	list_del(&ctx->prov);
	up_write(&pool->meta_lock);
	ctx->nblocks = 0;
	if (!bio_list_empty(&ctx->waiters)) {
		spin_lock_irq(&pool->lock);
		bio_list_merge(&pool->deferred, &ctx->waiters);
		spin_unlock_irq(&pool->lock);
		queue_work(pool->wq, &pool->worker);
	}
	if (!ctx->status && bio->bi_opf & REQ_FUA && !ctx->logged)
		return true;	/* durable only with its mapping: after a CP */
	fail_bio(bio, ctx->status);
	return false;
}

void hs_pool_worker(struct work_struct *work)
{
	struct hs_pool *pool = container_of(work, struct hs_pool, worker);
	struct hs_bio_ctx *ctx, *tmp;
	struct bio_list bios, flushes;
	LIST_HEAD(completed);
	struct bio *bio;
	int err;

	spin_lock_irq(&pool->lock);
	bios = pool->deferred;
	bio_list_init(&pool->deferred);
	list_splice_init(&pool->completed, &completed);
	spin_unlock_irq(&pool->lock);

	bio_list_init(&flushes);
	list_for_each_entry_safe(ctx, tmp, &completed, list) {
		list_del(&ctx->list);
		if (complete_new_block(pool, ctx))
			bio_list_add(&flushes, hs_bio_of(ctx));
	}
	while ((bio = bio_list_pop(&bios))) {
		if (bio_op(bio) == REQ_OP_DISCARD)
			process_discard(pool, bio);
		else if (hs_ctx_of(bio)->run)
			process_run(pool, bio);
		else
			process_bio(pool, bio);
	}

	spin_lock_irq(&pool->lock);
	bio_list_merge(&flushes, &pool->flushes);
	bio_list_init(&pool->flushes);
	spin_unlock_irq(&pool->lock);
	if (bio_list_empty(&flushes))
		return;
	/* One CP answers every flush that waited for it. */
	mutex_lock(&pool->mutex);
	err = hs_pool_commit(pool);
	mutex_unlock(&pool->mutex);
	while ((bio = bio_list_pop(&flushes)))
		fail_bio(bio, err ? BLK_STS_IOERR : BLK_STS_OK);
}
