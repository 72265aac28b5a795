// SPDX-License-Identifier: GPL-2.0
/*
 * Takeover: serving a pool of the partner's while its mirrored log
 * replays.
 *
 * A pool whose superblock names the partner's log holds everything up
 * to its wlog_seq; the rest of what the partner acknowledged is in this
 * node's mirror region.  Replaying it first and serving after would keep
 * the volumes offline for as long as the replay takes, so instead:
 *
 * 1. The mirror is read from the device (wlog_scan.c), and of its
 *    entries above wlog_seq, the pool's records are kept in sequence
 *    order (recs[]), each pointing at its data in the mirror.
 * 2. From them, a filter and index: per volume an xarray whose keys are
 *    the blocks the records touch, and whose value starts the chain of
 *    the block's touches (touches[]), one per record touching it, in
 *    sequence order.  A block in the xarray is "unsettled": its records
 *    are not applied yet.
 * 3. The volumes come online at once.  map() sends any bio that reaches
 *    an unsettled block to the pool's worker (io.c), which settles the
 *    block first: it applies the block's whole chain, then lets the bio
 *    proceed.  A read is served after the block's records are applied,
 *    not from the log: one way for reads, writes and discards alike, and
 *    a partial write needs the applied block anyway to merge into.
 * 4. In the background, the records are applied in sequence order,
 *    settling every block each one touches that is still unsettled.
 *
 * Settling a block applies every record of it, later ones too, and then
 * removes it from the index, under the pool's mutex and meta_lock
 * (written), so it happens once: whoever comes second finds nothing left
 * to do.  Records of different blocks are independent, so the order
 * that matters, a block's records in sequence and before any new I/O to
 * the block, holds.  A new write reaches the pool only after its block
 * is settled, so the replay never overwrites it.  The filter only
 * shrinks, so map()'s lockless "not in the filter" stays true.
 *
 * Until the replay ends, the pool's commits keep naming the partner's
 * log and wlog_seq (the log's CPs skip it), so a crash during the replay
 * replays the mirror again from the same place: records carry data, not
 * changes, and are applied in order, so that yields the same contents.
 * When it ends, a log CP commits the pool naming this node's log.
 *
 * Writes this node acknowledges during the replay are in its own log,
 * which the pool does not name yet.  So before the volumes serve, the
 * pool commits a mark (tko_uuid, tko_seq: this log, its last entry),
 * and this log keeps the pool's later entries (its cover of the pool
 * stays at tko_seq until the final CP).  An import after a crash during
 * the replay builds the index from the mirror again, then applies this
 * log's entries after tko_seq, each after settling the blocks it
 * touches: the partner's records of a block come before this node's, as
 * they did when the writes were served.  Only then do the volumes serve
 * and the background replay start.
 */
#include <linux/slab.h>
#include <linux/xarray.h>

#include "wlog.h"
#include "netlink.h"
#include "pool.h"
#include "vol.h"

#define TKO_NONE	U32_MAX
/* The volume target sends no longer discard (vol_io_hints()). */
#define TKO_MAX_DISCARD_BLOCKS	1024

struct tko_vol {
	struct list_head list;
	u64 id;
	struct xarray blocks;	/* block -> xa_mk_value(first touch) */
};

struct tko_rec {
	struct tko_vol *tv;
	u64 sector;
	u64 data_pos;		/* on the log device; writes */
	u32 nr;
	u16 op;
};

struct tko_touch {
	u32 rec;
	u32 next;		/* the block's next touch, or TKO_NONE */
};

struct hs_takeover {
	struct hs_pool *pool;
	struct hs_wlog *log;
	struct list_head vols;		/* fixed once the volumes are online */
	struct tko_rec *recs;
	struct tko_touch *touches;
	u32 nr_recs, nr_touches;
	u64 done;			/* records the background has passed */
	bool filtering;			/* the index may hold blocks */
	bool replaying;			/* until the final CP is asked for */
	int error;
	struct work_struct work;
};

static struct tko_vol *tko_vol(struct hs_takeover *t, u64 id, bool add)
{
	struct tko_vol *tv;

	list_for_each_entry(tv, &t->vols, list)
		if (tv->id == id)
			return tv;
	if (!add)
		return NULL;
	tv = kzalloc(sizeof(*tv), GFP_KERNEL);
	if (!tv)
		return ERR_PTR(-ENOMEM);
	tv->id = id;
	xa_init(&tv->blocks);
	list_add_tail(&tv->list, &t->vols);
	return tv;
}

/* Blocks [*first, *end) a record touches; a discard only whole ones. */
static void rec_blocks(const struct tko_rec *r, u64 *first, u64 *end)
{
	if (r->op == HASTOR_WLOG_OP_DISCARD) {
		*first = DIV_ROUND_UP_ULL(r->sector, HASTOR_SECTORS_PER_BLOCK);
		*end = (r->sector + r->nr) >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	} else {
		*first = r->sector >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
		*end = ((r->sector + r->nr - 1) >>
			(HASTOR_BLOCK_SHIFT - SECTOR_SHIFT)) + 1;
	}
	if (*end < *first)
		*end = *first;
}

/*
 * Whether a record can be applied to the pool as it is: the same
 * checks as the local replay (wlog_replay.c), made once, here.
 */
static bool rec_fits(struct hs_pool *pool,
		     const struct hastor_wlog_record *rec, bool warn)
{
	u64 sector = le64_to_cpu(rec->sector);
	u32 n = le32_to_cpu(rec->nr_sectors);
	u16 op = le16_to_cpu(rec->op);
	struct hs_vol *vol;

	if (memcmp(rec->pool_uuid, pool->uuid, 16))
		return false;
	vol = hs_vol_find_id(pool, le64_to_cpu(rec->vol_id));
	if (!vol)
		return false;	/* deleted since */
	if (!hs_vol_readonly(vol) &&
	    sector + n <= vol->size_blocks * HASTOR_SECTORS_PER_BLOCK &&
	    (op != HASTOR_WLOG_OP_DISCARD ||
	     n <= TKO_MAX_DISCARD_BLOCKS * HASTOR_SECTORS_PER_BLOCK))
		return true;
	if (warn)
		pr_warn("hastor: pool %s: mirrored write-log record for volume %llu at %llu+%u does not fit it; skipped\n",
			pool->name, vol->id, sector, n);
	return false;
}

/* recs[] from the mirror's entries, in sequence order: count, then fill. */
static int collect(struct hs_takeover *t, struct list_head *found)
{
	struct hs_pool *pool = t->pool;
	struct hs_wlog_found *f;
	u64 touches = 0;
	u32 i, n = 0;

	list_for_each_entry(f, found, list)
		for (i = 0; i < f->nr_records; i++)
			n += rec_fits(pool, &f->records[i], false);
	if (!n)
		return 0;
	t->recs = kvcalloc(n, sizeof(*t->recs), GFP_KERNEL);
	if (!t->recs)
		return -ENOMEM;
	list_for_each_entry(f, found, list) {
		u64 data_pos = f->pos + f->hdr_sectors;

		for (i = 0; i < f->nr_records; i++) {
			const struct hastor_wlog_record *rec = &f->records[i];
			struct tko_rec *r = &t->recs[t->nr_recs];
			u64 first, end;

			if (t->nr_recs < n && rec_fits(pool, rec, true)) {
				r->tv = tko_vol(t, le64_to_cpu(rec->vol_id),
						true);
				if (IS_ERR(r->tv))
					return PTR_ERR(r->tv);
				r->sector = le64_to_cpu(rec->sector);
				r->nr = le32_to_cpu(rec->nr_sectors);
				r->op = le16_to_cpu(rec->op);
				r->data_pos = data_pos;
				rec_blocks(r, &first, &end);
				touches += end - first;
				t->nr_recs++;
			}
			if (le16_to_cpu(rec->op) == HASTOR_WLOG_OP_WRITE)
				data_pos += le32_to_cpu(rec->nr_sectors);
		}
	}
	if (touches >= TKO_NONE)
		return -EFBIG;
	t->nr_touches = touches;
	return 0;
}

/*
 * The index: each block's touches chained in sequence order, built from
 * the last record back, each touch put before the block's chain.
 */
static int index_build(struct hs_takeover *t)
{
	u32 i = t->nr_recs, k = 0;
	int err;

	if (!t->nr_touches)
		return 0;
	t->touches = kvcalloc(t->nr_touches, sizeof(*t->touches), GFP_KERNEL);
	if (!t->touches)
		return -ENOMEM;
	while (i--) {
		struct tko_rec *r = &t->recs[i];
		u64 b, first, end;

		rec_blocks(r, &first, &end);
		for (b = first; b < end; b++) {
			void *head = xa_load(&r->tv->blocks, b);

			t->touches[k].rec = i;
			t->touches[k].next = head ? xa_to_value(head) : TKO_NONE;
			err = xa_err(xa_store(&r->tv->blocks, b,
					      xa_mk_value(k), GFP_KERNEL));
			if (err)
				return err;
			k++;
		}
	}
	return 0;
}

static void tko_free(struct hs_takeover *t)
{
	struct tko_vol *tv, *tmp;

	list_for_each_entry_safe(tv, tmp, &t->vols, list) {
		xa_destroy(&tv->blocks);
		kfree(tv);
	}
	kvfree(t->touches);
	kvfree(t->recs);
	kfree(t);
}

static void tko_work(struct work_struct *work);

/*
 * The pool names the partner's log: build the filter and index from the
 * mirror.  Called by hs_wlog_pool_attach() with log->mutex held, before
 * the pool is visible; the replay starts with hs_tko_run().
 */
int hs_tko_prepare(struct hs_wlog *log, struct hs_pool *pool,
		   const u8 *uuid, const char **why)
{
	struct hs_takeover *t;
	LIST_HEAD(found);
	u64 first, after = pool->wlog_seq;
	int err;

	lockdep_assert_held(&log->mutex);
	err = hs_wlog_scan_mirror(log, uuid, after, &found, &first, why);
	if (err)
		return err;
	/*
	 * Above the partner's CP marker the mirror holds every entry while
	 * in sync; a hole there means it was not, and writes the partner
	 * acknowledged while it was alone are not here.
	 */
	if (first > max(after, log->mirror.peer_covered) + 1)
		pr_warn("hastor: pool %s: the mirror starts at entry %llu, above %llu: the partner's log was not in sync; its writes from then are lost\n",
			pool->name, first, max(after, log->mirror.peer_covered));
	*why = "out of memory for the takeover index";
	err = -ENOMEM;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		goto out;
	t->pool = pool;
	t->log = log;
	INIT_LIST_HEAD(&t->vols);
	INIT_WORK(&t->work, tko_work);
	down_read(&pool->meta_lock);
	err = collect(t, &found);
	up_read(&pool->meta_lock);
	if (!err)
		err = index_build(t);
	if (err) {
		if (err == -EFBIG)
			*why = "the mirrored log touches too many blocks";
		tko_free(t);
		goto out;
	}
	t->filtering = t->nr_touches > 0;
	t->replaying = true;
	pool->takeover = t;
	pr_info("hastor: pool %s: takeover from the partner's log: %u records after entry %llu, %u block touches\n",
		pool->name, t->nr_recs, after, t->nr_touches);
	err = 0;
out:
	hs_wlog_found_list_free(&found);
	return err;
}

/* The pool serves I/O now: replay in the background. */
void hs_tko_run(struct hs_pool *pool)
{
	queue_work(system_unbound_wq, &pool->takeover->work);
}

/*
 * map(): may the bio touch blocks [first, first + n) of the volume as
 * the pool has them?  Lockless: the filter only shrinks.
 */
bool hs_tko_filtered(struct hs_pool *pool, u64 vol_id, u64 first, u64 n)
{
	struct hs_takeover *t = READ_ONCE(pool->takeover);
	unsigned long idx = first;
	struct tko_vol *tv;

	if (likely(!t) || !READ_ONCE(t->filtering))
		return false;
	tv = tko_vol(t, vol_id, false);
	return tv && xa_find(&tv->blocks, &idx, first + n - 1, XA_PRESENT);
}

/* Apply record r's part of block b. */
static int apply(struct hs_takeover *t, struct hs_vol *vol,
		 const struct tko_rec *r, u64 b, struct page *page, void *buf)
{
	u64 bs = b * HASTOR_SECTORS_PER_BLOCK, be = bs + HASTOR_SECTORS_PER_BLOCK;
	u64 s = max(r->sector, bs), e = min(r->sector + r->nr, be);
	int err;

	if (r->op == HASTOR_WLOG_OP_DISCARD)
		return s == bs && e == be ?
		       hs_wlog_discard_block(t->pool, vol, b) : 0;
	err = hs_wlog_read(t->log, r->data_pos + (s - r->sector), buf,
			   (e - s) << SECTOR_SHIFT);
	if (err)
		return err;
	return hs_wlog_apply_block(t->pool, vol, page, b, s - bs, e - bs, buf);
}

/* Apply every record of block b, then take it out of the index. */
static int settle_block(struct hs_takeover *t, struct tko_vol *tv, u64 b,
			struct page *page, void *buf)
{
	struct hs_pool *pool = t->pool;
	struct hs_vol *vol;
	void *head;
	u32 i;
	int err;

	lockdep_assert_held(&pool->mutex);
	lockdep_assert_held_write(&pool->meta_lock);
	head = xa_load(&tv->blocks, b);
	if (!head)
		return 0;
	if (pool->state == HASTOR_POOL_FAILED)
		return -EIO;
	vol = hs_vol_find_id(pool, tv->id);
	for (i = xa_to_value(head); vol && i != TKO_NONE;
	     i = t->touches[i].next) {
		err = apply(t, vol, &t->recs[t->touches[i].rec], b, page, buf);
		if (err)
			return err;
	}
	xa_erase(&tv->blocks, b);
	return 0;
}

/* The replay cannot go on: nothing more is written to the pool. */
static void replay_failed(struct hs_takeover *t, int err)
{
	struct hs_pool *pool = t->pool;

	lockdep_assert_held_write(&pool->meta_lock);
	if (pool->state != HASTOR_POOL_FAILED)
		pr_err("hastor: pool %s: takeover replay failed (%d); no more writes\n",
		       pool->name, err);
	pool->state = HASTOR_POOL_FAILED;
	if (!t->error)
		t->error = err;
}

struct scratch {
	struct page *page;
	void *buf;
};

static int scratch_get(struct scratch *s, gfp_t gfp)
{
	s->page = alloc_page(gfp);
	s->buf = kmalloc(HASTOR_BLOCK_SIZE, gfp);
	if (s->page && s->buf)
		return 0;
	kfree(s->buf);
	if (s->page)
		__free_page(s->page);
	return -ENOMEM;
}

static void scratch_put(struct scratch *s)
{
	kfree(s->buf);
	__free_page(s->page);
}

static int settle_locked(struct hs_pool *pool, u64 vol_id, u64 first,
			 u64 n, struct scratch *s)
{
	struct hs_takeover *t = pool->takeover;
	struct tko_vol *tv;
	u64 b;
	int err = 0;

	lockdep_assert_held(&pool->mutex);
	lockdep_assert_held_write(&pool->meta_lock);
	/* Callers checked hs_tko_filtered(): the volume is in the index. */
	tv = tko_vol(t, vol_id, false);
	for (b = first; b < first + n && !err; b++)
		err = settle_block(t, tv, b, s->page, s->buf);
	return err;
}

/*
 * On demand (io.c, the pool's worker, before a bio touches blocks
 * [first, first + n) of a volume): settle them.  Process context; takes
 * the pool's mutex and meta_lock.
 */
int hs_tko_settle(struct hs_pool *pool, u64 vol_id, u64 first, u64 n)
{
	struct scratch s;
	int err;

	if (!hs_tko_filtered(pool, vol_id, first, n))
		return 0;
	/* Out of memory fails the bio, not the pool: outside the locks. */
	if (scratch_get(&s, GFP_NOIO))
		return -ENOMEM;
	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	err = settle_locked(pool, vol_id, first, n, &s);
	if (err)
		replay_failed(pool->takeover, err);
	up_write(&pool->meta_lock);
	mutex_unlock(&pool->mutex);
	scratch_put(&s);
	return err;
}

/*
 * The local replay (wlog_replay.c) of this node's entries written during
 * an interrupted takeover: the mirror's records of the blocks a record
 * touches go first.  Under the pool's mutex and meta_lock.
 */
int hs_tko_settle_record(struct hs_pool *pool, u64 vol_id, u64 sector,
			 u32 nr)
{
	u64 first = sector >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	u64 end = ((sector + nr - 1) >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT)) + 1;
	struct scratch s;
	int err;

	/* A discard's partial edge blocks settle too: it does no harm. */
	if (!nr || !hs_tko_filtered(pool, vol_id, first, end - first))
		return 0;
	/* The import fails with -ENOMEM; the pool is not served yet. */
	if (scratch_get(&s, GFP_NOIO))
		return -ENOMEM;
	err = settle_locked(pool, vol_id, first, end - first, &s);
	scratch_put(&s);
	return err;
}

static void tko_work(struct work_struct *work)
{
	struct hs_takeover *t = container_of(work, struct hs_takeover, work);
	struct hs_pool *pool = t->pool;
	struct scratch s;
	u32 i = 0;
	int err;

	err = scratch_get(&s, GFP_KERNEL);
	if (err) {
		/* Blocks still settle on demand; the pool cannot finish. */
		down_write(&pool->meta_lock);
		replay_failed(t, err);
		up_write(&pool->meta_lock);
		goto stopped;
	}
	for (i = 0; i < t->nr_recs && !err; i++) {
		struct tko_rec *r = &t->recs[i];
		u64 b, first, end;

		rec_blocks(r, &first, &end);
		/* Per record: new I/O gets the locks in between. */
		mutex_lock(&pool->mutex);
		down_write(&pool->meta_lock);
		for (b = first; b < end && !err; b++)
			err = settle_block(t, r->tv, b, s.page, s.buf);
		if (err)
			replay_failed(t, err);
		up_write(&pool->meta_lock);
		mutex_unlock(&pool->mutex);
		WRITE_ONCE(t->done, i + 1);
		cond_resched();
	}
	scratch_put(&s);
	if (err)
		goto stopped;
	WRITE_ONCE(t->filtering, false);
	WRITE_ONCE(t->replaying, false);
	/* A CP commits the pool with this node's log; the mirror is free. */
	err = hs_wlog_takeover_done(t->log, pool);
	pr_info("hastor: pool %s: takeover replay of %u records done%s\n",
		pool->name, t->nr_recs, err ? ", but its CP failed" : "");
	hs_pool_notify(pool, HASTOR_EVENT_CHANGED);
	return;
stopped:
	pr_err("hastor: pool %s: takeover replay stopped at record %u of %u\n",
	       pool->name, i, t->nr_recs);
	hs_pool_notify(pool, HASTOR_EVENT_CHANGED);
}

/* Whether the pool still replays: the log's CPs leave it alone. */
bool hs_tko_replaying(struct hs_pool *pool)
{
	struct hs_takeover *t = READ_ONCE(pool->takeover);

	return t && READ_ONCE(t->replaying);
}

/* For POOL_GET: false if the pool was not taken over. */
bool hs_tko_progress(struct hs_pool *pool, u64 *records, u64 *done,
		     bool *replaying)
{
	struct hs_takeover *t = READ_ONCE(pool->takeover);

	if (!t)
		return false;
	*records = t->nr_recs;
	*done = READ_ONCE(t->done);
	*replaying = READ_ONCE(t->replaying);
	return true;
}

/* The import failed before the replay started: the index goes. */
void hs_tko_cancel(struct hs_pool *pool)
{
	struct hs_takeover *t = pool->takeover;

	pool->takeover = NULL;
	if (t)
		tko_free(t);
}

/*
 * The pool goes: an export waits for the replay (what it has not
 * applied exists only in the mirror); a failed one let go of it.
 */
void hs_tko_stop(struct hs_pool *pool)
{
	struct hs_takeover *t = pool->takeover;

	if (!t)
		return;
	flush_work(&t->work);
	if (READ_ONCE(t->replaying))
		hs_wlog_takeover_done(t->log, NULL);
	pool->takeover = NULL;
	tko_free(t);
}
