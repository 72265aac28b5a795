// SPDX-License-Identifier: GPL-2.0
/*
 * The disk heartbeat: block HASTOR_DISKHB_BLOCK of every member of an
 * imported pool, rewritten by this node every diskhb_ms.
 *
 * The partner reads it to tell a dead node from a cut interconnect: with
 * every link down, a counter that still moves means this node lives and
 * must not be taken over; one that stopped means it died (or hangs; a
 * takeover fences it first).  The block also says whether the write log
 * the pool is served with was mirrored in full (wlog_sync): a takeover
 * that replays the partner's mirror of that log misses nothing only if
 * it was.
 *
 * Hence one ordering rule (Documentation/wlog-format.md): a write
 * acknowledged while the mirror is off is never acknowledged before the
 * heartbeat on disk says the log is not in sync.  Otherwise this node
 * could acknowledge a write that only its own log holds and die before
 * its next beat, and the partner, reading "in sync", would take over
 * without that write.  So every change of the mirror's sync state asks
 * for a round (hs_diskhb_round()): one heartbeat written durably to
 * every pool served with the log, each with the sync state sampled after
 * the change; the log holds back completions that did not wait for the
 * partner until a round that began after the last change has ended
 * (wlog_mirror.c).
 *
 * The writes are FUA bios of our own, not dm-io: dm-io reports every
 * error as -EIO, and a reservation conflict (BLK_STS_NEXUS) must be told
 * apart.  It means the partner fenced this node: the pool goes FENCED and
 * nothing is written to it any more, heartbeats included.  A FAILED pool
 * still beats: this node is alive and holds it.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/dm-bufio.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include <linux/hastor.h>
#include <linux/hastor_format.h>

#include "diskhb.h"
#include "pool.h"
#include "meta.h"
#include "node.h"
#include "wlog.h"
#include "ccm_priv.h"

#define HS_DISKHB_MS_MIN	100
#define HS_DISKHB_MS_MAX	60000

static unsigned int diskhb_ms = 1000;

/* Out of range is refused, not clamped: a reader trusts interval_ms. */
static int diskhb_ms_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err = kstrtouint(val, 0, &ms);

	if (err)
		return err;
	if (ms < HS_DISKHB_MS_MIN || ms > HS_DISKHB_MS_MAX)
		return -ERANGE;
	WRITE_ONCE(diskhb_ms, ms);
	return 0;
}

static const struct kernel_param_ops diskhb_ms_ops = {
	.set = diskhb_ms_set,
	.get = param_get_uint,
};
module_param_cb(diskhb_ms, &diskhb_ms_ops, &diskhb_ms, 0644);
MODULE_PARM_DESC(diskhb_ms,
		 "disk heartbeat interval in ms (100..60000, default 1000)");

/* Pools with a heartbeat, for the rounds of a log. */
static LIST_HEAD(hs_diskhb_pools);
static DEFINE_MUTEX(hs_diskhb_lock);
/* Volume writes may wait for a round: it must run under memory pressure. */
static struct workqueue_struct *hs_diskhb_wq;

static unsigned long interval(void)
{
	return msecs_to_jiffies(READ_ONCE(diskhb_ms));
}

static const char *sync_name(u32 sync)
{
	switch (sync) {
	case HASTOR_WLOG_IN_SYNC:
		return "in sync";
	case HASTOR_WLOG_NOT_IN_SYNC:
		return "not in sync";
	default:
		return "local only";
	}
}

enum { HB_CONFLICT, HB_ERROR };

struct hb_io {
	atomic_t pending;
	unsigned long bits;
	struct completion done;
};

static void hb_endio(struct bio *bio)
{
	struct hb_io *io = bio->bi_private;

	if (bio->bi_status == BLK_STS_NEXUS)
		set_bit(HB_CONFLICT, &io->bits);
	else if (bio->bi_status)
		set_bit(HB_ERROR, &io->bits);
	bio_put(bio);
	if (atomic_dec_and_test(&io->pending))
		complete(&io->done);
}

/* The block to every member at once, durably: 0, -EBADE or -EIO. */
static int write_members(struct hs_pool *pool, struct page *page)
{
	struct hb_io io = { .bits = 0 };
	int i;

	atomic_set(&io.pending, pool->nr_members + 1);
	init_completion(&io.done);
	for (i = 0; i < pool->nr_members; i++) {
		struct bio *bio;

		bio = bio_alloc(pool->members[i].bdev, 1, REQ_OP_WRITE |
				REQ_SYNC | REQ_META | REQ_FUA, GFP_NOIO);
		bio->bi_iter.bi_sector = (sector_t)HASTOR_DISKHB_BLOCK <<
					 (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
		__bio_add_page(bio, page, HASTOR_BLOCK_SIZE, 0);
		bio->bi_private = &io;
		bio->bi_end_io = hb_endio;
		submit_bio(bio);
	}
	if (!atomic_dec_and_test(&io.pending))
		wait_for_completion_io(&io.done);
	if (test_bit(HB_CONFLICT, &io.bits))
		return -EBADE;
	return test_bit(HB_ERROR, &io.bits) ? -EIO : 0;
}

static u32 fill(struct hs_pool *pool, struct hastor_diskhb *b, u64 counter,
		u64 flags)
{
	/* Exported cleanly, the pool needs no log (its superblock says so). */
	struct hs_wlog *log = flags & HASTOR_DISKHB_STOPPED ? NULL :
			      READ_ONCE(pool->wlog);
	u32 sync = HASTOR_WLOG_LOCAL_ONLY;
	struct hastor_node_info node;
	const char *why;

	hastor_node_get(&node);
	memset(b, 0, HASTOR_BLOCK_SIZE);
	b->hdr.magic = cpu_to_le32(HASTOR_DISKHB_MAGIC);
	b->hdr.blocknr = cpu_to_le64(HASTOR_DISKHB_BLOCK);
	b->hdr.generation = cpu_to_le64(counter);
	memcpy(b->hdr.pool_uuid, pool->uuid, 16);
	b->node_id = cpu_to_le32(node.id);
	b->cluster_id = cpu_to_le32(node.cluster_id);
	b->boot_id = cpu_to_le64(READ_ONCE(hs_ccm.boot_id));
	b->counter = cpu_to_le64(counter);
	b->time_ns = cpu_to_le64(ktime_get_real_ns());
	b->interval_ms = cpu_to_le32(READ_ONCE(diskhb_ms));
	if (log) {
		sync = hs_wlog_mirror_sync(log, &why);
		memcpy(b->wlog_uuid, log->uuid, 16);
	}
	b->wlog_sync = cpu_to_le32(sync);
	b->flags = cpu_to_le64(flags);
	b->hdr.csum = cpu_to_le32(hs_csum(b));
	return sync;
}

/*
 * One heartbeat, sampled and written under hb->lock, so the last one on
 * disk always carries the last sync state sampled.  0 also when there is
 * nothing to write any more.
 */
static int write_beat(struct hs_pool *pool, u64 flags)
{
	struct hs_diskhb *hb = &pool->hb;
	int err = 0;
	u32 sync;

	mutex_lock(&hb->lock);
	if (hb->stopped || READ_ONCE(pool->state) == HASTOR_POOL_FENCED)
		goto out;
	/* A failed write still used its number: no counter value twice. */
	sync = fill(pool, page_address(hb->page), ++hb->counter, flags);
	err = write_members(pool, hb->page);
	if (flags & HASTOR_DISKHB_STOPPED)
		hb->stopped = true;
	if (err)
		goto out;
	/* The kernel log orders these against the writes they hold back. */
	if (!hb->written || sync != hb->last_sync)
		pr_info("hastor: pool %s: disk heartbeat %llu: log %s\n",
			pool->name, hb->counter, sync_name(sync));
	hb->written = true;
	hb->last_sync = sync;
out:
	mutex_unlock(&hb->lock);
	return err;
}

static void event_work(struct work_struct *work)
{
	struct hs_pool *pool = container_of(work, struct hs_pool,
					    hb.event_work);

	hs_pool_notify(pool, HASTOR_EVENT_CHANGED);
}

/* The disks refuse this node's writes.  meta_lock held for writing. */
void hs_diskhb_fenced_locked(struct hs_pool *pool)
{
	lockdep_assert_held_write(&pool->meta_lock);
	if (pool->state == HASTOR_POOL_FENCED)
		return;
	pool->state = HASTOR_POOL_FENCED;
	pr_warn("hastor: pool %s: reservation conflict: this node is fenced off its disks; nothing more is written\n",
		pool->name);
	if (!pool->dead)
		queue_work(hs_diskhb_wq, &pool->hb.event_work);
}

/*
 * A heartbeat write the disks failed.  An I/O error fails the pool as
 * any metadata write error does: its writes then fail, so no round of a
 * log waits on a pool whose heartbeat cannot be written.
 */
static void write_failed(struct hs_pool *pool, int err)
{
	down_write(&pool->meta_lock);
	if (err == -EBADE) {
		hs_diskhb_fenced_locked(pool);
	} else if (pool->state == HASTOR_POOL_ACTIVE ||
		   pool->state == HASTOR_POOL_READ_ONLY) {
		pr_err("hastor: pool %s: disk heartbeat write failed (%d); no more writes\n",
		       pool->name, err);
		pool->state = HASTOR_POOL_FAILED;
	}
	up_write(&pool->meta_lock);
}

static void beat(struct hs_pool *pool)
{
	int err = write_beat(pool, 0);

	if (err)
		write_failed(pool, err);
}

static void beat_work(struct work_struct *work)
{
	struct hs_pool *pool = container_of(to_delayed_work(work),
					    struct hs_pool, hb.beat_work);

	beat(pool);
	if (READ_ONCE(pool->state) != HASTOR_POOL_FENCED)
		queue_delayed_work(hs_diskhb_wq, &pool->hb.beat_work,
				   interval());
}

/* A beat now, not at the next interval. */
void hs_diskhb_kick(struct hs_pool *pool)
{
	mod_delayed_work(hs_diskhb_wq, &pool->hb.beat_work, 0);
}

/* Go on from the counter on disk: a reader sees it only grow. */
static u64 last_counter(struct hs_pool *pool)
{
	struct hs_member *m0 = &pool->members[0];
	const struct hastor_diskhb *b;
	struct dm_buffer *buf;
	const char *why;
	u64 counter = 0;

	b = dm_bufio_read(m0->bufio, HASTOR_DISKHB_BLOCK, &buf);
	if (IS_ERR(b))
		return 0;
	if (!hs_header_check(b, HASTOR_DISKHB_MAGIC, HASTOR_DISKHB_BLOCK,
			     pool->uuid, U64_MAX, &why) &&
	    le64_to_cpu(b->counter) < U64_MAX / 2)
		counter = le64_to_cpu(b->counter);
	dm_bufio_release(buf);
	/* Written by bios of our own from now on: no stale cached copy. */
	dm_bufio_forget(m0->bufio, HASTOR_DISKHB_BLOCK);
	return counter;
}

/*
 * The first beat, before the pool serves anything: a heartbeat left on
 * disk by an earlier import may say "in sync" for a log that is not.
 * Refused by the disks, the import fails.
 */
int hs_diskhb_start(struct hs_pool *pool, const char **why)
{
	struct hs_diskhb *hb = &pool->hb;
	int err;

	INIT_LIST_HEAD(&hb->list);
	mutex_init(&hb->lock);
	INIT_DELAYED_WORK(&hb->beat_work, beat_work);
	INIT_WORK(&hb->event_work, event_work);
	hb->page = alloc_page(GFP_KERNEL);
	if (!hb->page) {
		*why = "out of memory";
		return -ENOMEM;
	}
	hb->counter = last_counter(pool);
	err = write_beat(pool, 0);
	if (err) {
		*why = err == -EBADE ?
		       "the disks refuse this node's writes (reservation conflict)" :
		       "cannot write the disk heartbeat";
		__free_page(hb->page);
		hb->page = NULL;
		return err;
	}
	mutex_lock(&hs_diskhb_lock);
	list_add_tail(&hb->list, &hs_diskhb_pools);
	mutex_unlock(&hs_diskhb_lock);
	queue_delayed_work(hs_diskhb_wq, &hb->beat_work, interval());
	return 0;
}

/*
 * The pool goes.  clean: its final CP is on disk, and the last heartbeat
 * says STOPPED, so the partner knows it was exported, not lost.
 */
void hs_diskhb_stop(struct hs_pool *pool, bool clean)
{
	struct hs_diskhb *hb = &pool->hb;
	int err = 0;

	if (!hb->page)
		return;
	mutex_lock(&hs_diskhb_lock);
	list_del_init(&hb->list);
	mutex_unlock(&hs_diskhb_lock);
	cancel_delayed_work_sync(&hb->beat_work);
	if (clean)
		err = write_beat(pool, HASTOR_DISKHB_STOPPED);
	if (err)
		pr_warn("hastor: pool %s: final disk heartbeat not written (%d)\n",
			pool->name, err);
	/* A round holding the pool finds it stopped, the page unused. */
	mutex_lock(&hb->lock);
	hb->stopped = true;
	mutex_unlock(&hb->lock);
	flush_work(&hb->event_work);
	__free_page(hb->page);
	hb->page = NULL;
}

/* The sync state of log changed: a heartbeat on each of its pools. */
void hs_diskhb_round(struct hs_wlog *log)
{
	queue_work(hs_diskhb_wq, &log->mirror.hb_work);
}

void hs_diskhb_round_work(struct work_struct *work)
{
	struct hs_wlog *log = container_of(work, struct hs_wlog,
					   mirror.hb_work);
	struct hs_pool *pools[HS_WLOG_MAX_POOLS];
	struct hs_diskhb *hb;
	int i, n = 0;
	u64 gen;

	/* Every beat below samples the sync state after this. */
	gen = hs_wlog_mirror_hb_begin(log);
	mutex_lock(&hs_diskhb_lock);
	list_for_each_entry(hb, &hs_diskhb_pools, list) {
		struct hs_pool *pool = container_of(hb, struct hs_pool, hb);

		if (READ_ONCE(pool->wlog) != log)
			continue;
		/* hs_wlog_pool_attach() keeps a log's pools fewer. */
		if (WARN_ON_ONCE(n == ARRAY_SIZE(pools)))
			break;
		kref_get(&pool->ref);
		pools[n++] = pool;
	}
	mutex_unlock(&hs_diskhb_lock);
	for (i = 0; i < n; i++) {
		beat(pools[i]);
		hs_pool_put(pools[i]);
	}
	hs_wlog_mirror_hb_done(log, gen);
}

int __init hs_diskhb_init(void)
{
	hs_diskhb_wq = alloc_workqueue("hastor_diskhb",
				       WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	return hs_diskhb_wq ? 0 : -ENOMEM;
}

void hs_diskhb_exit(void)
{
	destroy_workqueue(hs_diskhb_wq);
}
