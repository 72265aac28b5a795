// SPDX-License-Identifier: GPL-2.0
/*
 * The write log ("NVRAM"): a node-local device every volume write is
 * logged to before it is acknowledged.
 *
 * A write on a volume of a pool that has the log goes two ways at once:
 * to the pool as before (target_vol.c, io.c) and, as a record, into the
 * queue of this log.  The bio completes when both have finished (the
 * pool side's status wins).  The writer (wlog_write.c) takes what is
 * queued into entries, each one device write with FUA: group commit,
 * so many concurrent writes cost few flushes, and a FLUSH on a volume
 * costs nothing at all, since every write it covers is already in the
 * log.  The mirror (wlog_mirror.c) sends every entry to the partner.
 *
 * The pool side of a logged write need not be durable: the log holds it
 * until a CP of the pool does.  A log CP (cp_work) frees log space: it
 * waits until every bio of an entry up to the last one logged has
 * completed (so their mappings are in memory), commits every pool with
 * "covered up to S", S being that entry, and frees the halves every
 * pool with entries in them has covered.  A half that holds entries of a pool
 * that is not imported stays live until that pool is imported and has
 * replayed them; meanwhile new writes wait for space, which
 * `hactl wlog show` reports.
 *
 * Attaching a log reads back what it holds (wlog_scan.c); importing a
 * pool replays its entries newer than what the pool's superblock says it
 * covers (wlog_replay.c), then commits, before any volume serves I/O.
 */
#include <linux/blkdev.h>
#include <linux/dm-io.h>
#include <linux/ioprio.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uuid.h>
#include <linux/netlink.h>
#include <kunit/visibility.h>

#include "wlog.h"
#include "ccm.h"
#include "io.h"
#include "node.h"
#include "pool.h"
#include "vol.h"

#define HS_WLOG_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)

/*
 * How often a log CP commits the pools, when nothing else asks for one
 * sooner (a half filling up).  Longer means fewer metadata writes and
 * more to replay after a crash.
 */
static unsigned int wlog_cp_ms = 5000;
module_param(wlog_cp_ms, uint, 0644);
MODULE_PARM_DESC(wlog_cp_ms,
		 "write-log CP interval in ms (100..600000, default 5000)");

static unsigned long cp_interval(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(wlog_cp_ms), 100U, 600000U));
}

static DEFINE_MUTEX(hs_wlog_lock);
static struct hs_wlog *hs_wlog_cur;	/* under hs_wlog_lock */

static struct dm_io_client *hs_wlog_io_client;

static void wlog_free(struct kref *ref)
{
	struct hs_wlog *log = container_of(ref, struct hs_wlog, ref);
	int i;

	for (i = 0; i < HS_WLOG_INFLIGHT; i++)
		vfree(log->io[i].buf);
	hs_wlog_found_free(log);
	if (log->bdev)
		blkdev_put(log->bdev, HS_WLOG_MODE);
	kfree(log);
}

static void wlog_put(struct hs_wlog *log)
{
	kref_put(&log->ref, wlog_free);
}

int hs_wlog_io(struct hs_wlog *log, blk_opf_t opf, u64 sector,
		   void *buf, size_t len, io_notify_fn fn, void *context)
{
	struct dm_io_region where = {
		.bdev = log->bdev,
		.sector = sector,
		.count = len >> SECTOR_SHIFT,
	};
	struct dm_io_request req = {
		.bi_opf = opf,
		.mem.type = is_vmalloc_addr(buf) ? DM_IO_VMA : DM_IO_KMEM,
		.mem.ptr.addr = buf,
		.notify.fn = fn,
		.notify.context = context,
		.client = hs_wlog_io_client,
	};
	unsigned long bits = 0;
	int err;

	err = dm_io(&req, 1, &where, fn ? NULL : &bits, IOPRIO_DEFAULT);
	if (!err && bits)
		err = -EIO;
	return err;
}

int hs_wlog_read(struct hs_wlog *log, u64 sector, void *buf, size_t len)
{
	return hs_wlog_io(log, REQ_OP_READ, sector, buf, len, NULL, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_read);

int hs_wlog_write_sync(struct hs_wlog *log, u64 sector, void *buf,
		       size_t len)
{
	return hs_wlog_io(log, REQ_OP_WRITE | REQ_SYNC | REQ_FUA, sector, buf,
		       len, NULL, NULL);
}

/*
 * Write the superblock to the slot the previous one did not use: the
 * CP marker of this log (covered) and of the partner's, mirrored here.
 */
static int write_super(struct hs_wlog *log, u64 covered)
{
	struct hastor_wlog_super *s = kzalloc(HASTOR_BLOCK_SIZE, GFP_NOIO);
	u64 gen;
	int err;

	if (!s)
		return -ENOMEM;
	mutex_lock(&log->sb_lock);
	gen = log->sb_generation + 1;
	s->partner_node = cpu_to_le32(log->mirror.peer_node);
	memcpy(s->partner_log_uuid, log->mirror.peer_uuid, 16);
	s->partner_covered_seq = cpu_to_le64(log->mirror.peer_covered);
	s->magic = cpu_to_le32(HASTOR_WLOG_SUPER_MAGIC);
	s->generation = cpu_to_le64(gen);
	s->version = cpu_to_le32(HASTOR_WLOG_VERSION);
	s->block_shift = cpu_to_le32(log->layout.block_shift);
	s->cluster_id = cpu_to_le32(log->cluster_id);
	s->node_id = cpu_to_le32(log->node_id);
	memcpy(s->log_uuid, log->uuid, 16);
	s->device_sectors = cpu_to_le64(log->layout.device_sectors);
	s->local_start = cpu_to_le64(log->layout.local_start);
	s->mirror_start = cpu_to_le64(log->layout.mirror_start);
	s->half_sectors = cpu_to_le64(log->layout.half_sectors);
	s->format_time = cpu_to_le64(log->format_time);
	s->covered_seq = cpu_to_le64(covered);
	hs_wlog_block_seal(s);
	err = hs_wlog_write_sync(log, HASTOR_WLOG_SUPER_SECTOR + (gen & 1) * 8,
			      s, HASTOR_BLOCK_SIZE);
	if (!err) {
		log->sb_generation = gen;
		log->covered_seq = covered;
	}
	mutex_unlock(&log->sb_lock);
	kfree(s);
	return err;
}

int hs_wlog_write_super(struct hs_wlog *log)
{
	return write_super(log, READ_ONCE(log->covered_seq));
}

static void event_work(struct work_struct *work)
{
	hs_wlog_notify();
}

/* The log's state as others see it changed (sync): tell the events. */
void hs_wlog_changed(struct hs_wlog *log)
{
	queue_work(system_wq, &log->event_work);
}

static int format(struct hs_wlog *log, u64 sectors, u32 shift,
		  const char **why)
{
	void *zero;
	int err, i;

	err = hs_wlog_layout_make(sectors, shift, &log->layout);
	if (err) {
		*why = err == -ENOSPC ? "device too small for a write log" :
		       "unsupported logical block size";
		return err;
	}
	generate_random_uuid(log->uuid);
	log->sb_generation = 0;
	log->format_time = ktime_get_real_seconds();
	zero = kzalloc(HASTOR_BLOCK_SIZE, GFP_KERNEL);
	if (!zero)
		return -ENOMEM;
	/* Old half headers must not validate against the new uuid anyway. */
	for (i = 0; i < 4 && !err; i++)
		err = hs_wlog_write_sync(log, log->layout.local_start +
				      i * log->layout.half_sectors, zero,
				      HASTOR_BLOCK_SIZE);
	kfree(zero);
	/* Both copies, so a stale one of an earlier format never wins. */
	if (!err)
		err = write_super(log, 0);
	if (!err)
		err = write_super(log, 0);
	if (err)
		*why = "cannot write the log device";
	return err;
}

/* Read both superblock copies; the newer valid one wins. */
static int load_super(struct hs_wlog *log, u64 sectors, u32 shift,
		      bool *blank, const char **why)
{
	struct hastor_wlog_super *s;
	const char *bad = NULL;
	int i, err, found = 0;

	*blank = true;
	s = kmalloc(HASTOR_BLOCK_SIZE, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		struct hs_wlog_layout l;
		const char *w;

		err = hs_wlog_read(log, HASTOR_WLOG_SUPER_SECTOR + i * 8, s,
				   HASTOR_BLOCK_SIZE);
		if (err) {
			*why = "cannot read the log device";
			goto out;
		}
		err = hs_wlog_super_check(s, sectors, shift, &l, &w);
		if (err != -ENODATA)
			*blank = false;
		if (err) {
			bad = w;
			continue;
		}
		if (found && le64_to_cpu(s->generation) <= log->sb_generation)
			continue;
		found = 1;
		log->layout = l;
		log->sb_generation = le64_to_cpu(s->generation);
		log->covered_seq = le64_to_cpu(s->covered_seq);
		log->format_time = le64_to_cpu(s->format_time);
		log->mirror.peer_node = le32_to_cpu(s->partner_node);
		memcpy(log->mirror.peer_uuid, s->partner_log_uuid, 16);
		log->mirror.peer_covered =
			le64_to_cpu(s->partner_covered_seq);
		log->node_id = le32_to_cpu(s->node_id);
		log->cluster_id = le32_to_cpu(s->cluster_id);
		memcpy(log->uuid, s->log_uuid, 16);
	}
	err = 0;
	if (!found) {
		*why = bad;
		err = -ENODATA;
	}
out:
	kfree(s);
	return err;
}

static void cp_work(struct work_struct *work);

int hs_wlog_attach(const char *path, bool do_format,
		   struct netlink_ext_ack *extack)
{
	struct hastor_node_info node;
	const char *why = NULL;
	struct hs_wlog *log;
	bool blank;
	u64 sectors;
	u32 shift;
	int err, i;

	hastor_node_get(&node);
	if (node.state == HASTOR_NODE_UNCONFIGURED) {
		NL_SET_ERR_MSG(extack, "configure the node before its log");
		return -EINVAL;
	}
	mutex_lock(&hs_wlog_lock);
	if (hs_wlog_cur) {
		err = strcmp(hs_wlog_cur->path, path) || do_format ? -EBUSY : 0;
		if (err)
			NL_SET_ERR_MSG(extack,
				       "a write log is attached; detach it first");
		goto out_unlock;
	}
	err = -ENOMEM;
	log = kzalloc(sizeof(*log), GFP_KERNEL);
	if (!log)
		goto out_unlock;
	kref_init(&log->ref);
	strscpy(log->path, path, sizeof(log->path));
	mutex_init(&log->mutex);
	mutex_init(&log->sb_lock);
	spin_lock_init(&log->lock);
	INIT_WORK(&log->event_work, event_work);
	INIT_LIST_HEAD(&log->queued);
	INIT_LIST_HEAD(&log->pools);
	INIT_LIST_HEAD(&log->found);
	for (i = 0; i < HS_WLOG_INFLIGHT; i++) {
		log->io[i].log = log;
		INIT_LIST_HEAD(&log->io[i].bios);
		/* The largest entry the interconnect can carry. */
		log->io[i].buf = vmalloc(HS_CCM_MSG_MAX);
		if (!log->io[i].buf)
			goto err_put;
	}
	INIT_WORK(&log->write_work, hs_wlog_write_work);
	INIT_DELAYED_WORK(&log->cp_work, cp_work);
	init_waitqueue_head(&log->wait);

	log->bdev = blkdev_get_by_path(path, HS_WLOG_MODE, log);
	if (IS_ERR(log->bdev)) {
		err = PTR_ERR(log->bdev);
		log->bdev = NULL;
		NL_SET_ERR_MSG(extack,
			       "cannot open the log device exclusively");
		goto err_put;
	}
	sectors = bdev_nr_sectors(log->bdev);
	shift = ilog2(bdev_logical_block_size(log->bdev));
	if (!do_format) {
		err = load_super(log, sectors, shift, &blank, &why);
		if (err == -ENODATA && !blank) {
			pr_err("hastor: write log on %s damaged: %s\n", path,
			       why);
			NL_SET_ERR_MSG(extack,
				       "write log damaged (see the kernel log); format it to reuse the device");
			err = -EILSEQ;
			goto err_put;
		}
		if (err && err != -ENODATA)
			goto err_msg;
		do_format = err == -ENODATA;
	}
	if (!do_format && (log->node_id != node.id ||
			   log->cluster_id != node.cluster_id)) {
		NL_SET_ERR_MSG(extack,
			       "the log belongs to another node or cluster");
		err = -EPERM;
		goto err_put;
	}
	log->node_id = node.id;
	log->cluster_id = node.cluster_id;
	if (do_format) {
		err = format(log, sectors, shift, &why);
		if (err)
			goto err_msg;
	}
	/* A half must hold an entry of the largest volume bio. */
	if (log->layout.half_sectors < HASTOR_WLOG_HALF_HDR_SECTORS +
	    hs_wlog_hdr_sectors(HASTOR_WLOG_MAX_RECORDS, log->layout.unit) +
	    log->layout.unit + HS_MAX_IO_SECTORS) {
		why = "device too small for a write log (9 MiB at least)";
		err = -ENOSPC;
		goto err_msg;
	}
	err = hs_wlog_scan(log, &why);
	if (err)
		goto err_msg;
	err = -ENOMEM;
	log->wq = alloc_ordered_workqueue("hastor_wlog", WQ_MEM_RECLAIM);
	if (!log->wq)
		goto err_put;
	err = hs_wlog_mirror_start(log);
	if (err) {
		destroy_workqueue(log->wq);
		log->wq = NULL;
		NL_SET_ERR_MSG(extack, "cannot open the mirror channel");
		goto err_put;
	}
	hs_wlog_cur = log;
	mod_delayed_work(log->wq, &log->cp_work, cp_interval());
	pr_info("hastor: write log on %s attached: %llu MiB halves, next entry %llu\n",
		path, log->layout.half_sectors >> 11, log->next_seq);
	err = 0;
	goto out_unlock;

err_msg:
	if (extack)
		extack->_msg = why ? why : "cannot read the log device";
err_put:
	wlog_put(log);
out_unlock:
	mutex_unlock(&hs_wlog_lock);
	return err;
}

static void wlog_stop(struct hs_wlog *log)
{
	hs_wlog_mirror_stop(log);
	cancel_work_sync(&log->event_work);
	cancel_delayed_work_sync(&log->cp_work);
	flush_workqueue(log->wq);
	destroy_workqueue(log->wq);
	log->wq = NULL;
}

int hs_wlog_detach(struct netlink_ext_ack *extack)
{
	struct hs_wlog *log;
	int err = 0;

	mutex_lock(&hs_wlog_lock);
	log = hs_wlog_cur;
	if (!log) {
		NL_SET_ERR_MSG(extack, "no write log is attached");
		err = -ENOENT;
		goto out;
	}
	mutex_lock(&log->mutex);
	if (!list_empty(&log->pools)) {
		mutex_unlock(&log->mutex);
		NL_SET_ERR_MSG(extack,
			       "pools use the write log; export them first");
		err = -EBUSY;
		goto out;
	}
	hs_wlog_cur = NULL;
	mutex_unlock(&log->mutex);
	/* Its event work takes hs_wlog_lock: stop it without holding that. */
	mutex_unlock(&hs_wlog_lock);
	wlog_stop(log);
	pr_info("hastor: write log on %s detached\n", log->path);
	wlog_put(log);
	return 0;
out:
	mutex_unlock(&hs_wlog_lock);
	return err;
}

/* Whether a log is attached, and its device path if buf is given. */
bool hs_wlog_path(char *buf, size_t len)
{
	bool attached;

	mutex_lock(&hs_wlog_lock);
	attached = hs_wlog_cur;
	if (buf)
		strscpy(buf, attached ? hs_wlog_cur->path : "", len);
	mutex_unlock(&hs_wlog_lock);
	return attached;
}

void hs_wlog_info(struct hs_wlog_info *info)
{
	struct hs_wlog *log;
	struct hs_bio_ctx *ctx;

	memset(info, 0, sizeof(*info));
	mutex_lock(&hs_wlog_lock);
	log = hs_wlog_cur;
	if (log) {
		info->attached = true;
		strscpy(info->path, log->path, sizeof(info->path));
		info->devt = log->bdev->bd_dev;
		memcpy(info->uuid, log->uuid, 16);
		info->layout = log->layout;
		info->sync = hs_wlog_mirror_sync(log, &info->sync_why);
		mutex_lock(&log->mutex);
		info->nr_pools = list_count_nodes(&log->pools);
		info->covered_seq = log->covered_seq;
		mutex_unlock(&log->mutex);
		spin_lock_irq(&log->lock);
		memcpy(info->half, log->half, sizeof(info->half));
		info->active = log->active;
		info->next_seq = log->next_seq;
		info->epoch = log->epoch;
		info->failed = log->failed;
		info->waiting = log->wait_space;
		info->peer_node = log->mirror.peer_node;
		memcpy(info->peer_uuid, log->mirror.peer_uuid, 16);
		info->peer_covered = log->mirror.peer_covered;
		memcpy(info->peer_half, log->mirror.peer_half,
		       sizeof(info->peer_half));
		info->rx_entries = log->mirror.rx_entries;
		info->rx_bytes = log->mirror.rx_bytes;
		info->rx_bad = log->mirror.rx_bad;
		info->frozen = log->mirror.frozen;
		info->replays = log->mirror.replays;
		info->stats = log->stats;
		list_for_each_entry(ctx, &log->queued, wlog_list)
			info->queued++;
		spin_unlock_irq(&log->lock);
	}
	mutex_unlock(&hs_wlog_lock);
}

/*
 * Freeze or thaw the mirror of the partner's log.  A thaw waits for no
 * one: it is refused while a takeover still reads the mirror.
 */
int hs_wlog_freeze(bool frozen, struct netlink_ext_ack *extack)
{
	struct hs_wlog *log;
	bool changed;
	int err = 0;

	mutex_lock(&hs_wlog_lock);
	log = hs_wlog_cur;
	if (!log) {
		NL_SET_ERR_MSG(extack, "no write log is attached");
		err = -ENOENT;
		goto out;
	}
	mutex_lock(&log->mutex);
	if (!frozen && log->mirror.replays) {
		NL_SET_ERR_MSG(extack,
			       "a takeover still replays the mirror; thaw after it");
		err = -EBUSY;
	} else {
		changed = log->mirror.frozen != frozen;
		/* The receiver reads it locklessly, once per message. */
		WRITE_ONCE(log->mirror.frozen, frozen);
		if (changed)
			pr_info("hastor: write log on %s: partner's mirror %s\n",
				log->path, frozen ? "frozen" : "thawed");
	}
	mutex_unlock(&log->mutex);
out:
	mutex_unlock(&hs_wlog_lock);
	return err;
}

/* ---- CPs: freeing log space ---- */

/* The pool's slot in the cover table, or nr_cover if it has none. */
static int cover_find(struct hs_wlog *log, const u8 *uuid)
{
	int i;

	for (i = 0; i < log->nr_cover; i++)
		if (!memcmp(log->cover[i].uuid, uuid, 16))
			break;
	return i;
}

static u64 cover_of(struct hs_wlog *log, const u8 *uuid)
{
	int i = cover_find(log, uuid);

	return i < log->nr_cover ? log->cover[i].seq : 0;
}

/*
 * Whether the pool may have joined this log since it was attached; a
 * full table (set_cover() records no more) cannot tell, so says yes.
 */
static bool known_pool(struct hs_wlog *log, const u8 *uuid)
{
	return cover_find(log, uuid) < log->nr_cover ||
	       log->nr_cover == HS_WLOG_MAX_POOLS;
}

/* A pool committed every entry up to seq: record it. */
static void set_cover(struct hs_wlog *log, const u8 *uuid, u64 seq)
{
	int i;

	lockdep_assert_held(&log->mutex);
	i = cover_find(log, uuid);
	if (i == log->nr_cover) {
		if (i == HS_WLOG_MAX_POOLS)
			return;		/* its halves stay live: safe */
		log->nr_cover++;
		memcpy(log->cover[i].uuid, uuid, 16);
	}
	log->cover[i].seq = max(log->cover[i].seq, seq);
}

/*
 * Let go of halves every pool with entries in them has committed, and
 * say so on the device, so that a later attach does not replay them.
 * The marker says "every entry up to here is in its pool": it stops
 * short of the first entry of a half still live, which may be older
 * than the half just freed (entries of a pool not imported yet).
 */
static int free_halves(struct hs_wlog *log)
{
	u64 covered, upto;
	int i, j, err;

	lockdep_assert_held(&log->mutex);
	spin_lock_irq(&log->lock);
	upto = log->next_seq - 1;
	for (i = 0; i < 2; i++) {
		struct hs_wlog_half_state *h = &log->half[i];
		bool all = true;

		if (!h->live)
			continue;
		for (j = 0; j < h->nr_pools && all; j++)
			all = cover_of(log, h->pools[j]) >= h->last_seq;
		if (all)
			h->live = false;
		else
			upto = min(upto, h->first_seq - 1);
	}
	spin_unlock_irq(&log->lock);
	covered = max(log->covered_seq, upto);
	if (covered == log->covered_seq)
		return 0;
	if (list_empty(&log->found) ||
	    list_last_entry(&log->found, struct hs_wlog_found,
			    list)->seq <= covered)
		hs_wlog_found_free(log);
	err = write_super(log, covered);
	/* The partner learns the new marker; the mirror may be in sync. */
	if (!err)
		hs_wlog_mirror_covered(log);
	return err;
}

/* Writes wait for space: go on if the other half is free now. */
static void unblock(struct hs_wlog *log)
{
	bool kick;

	spin_lock_irq(&log->lock);
	kick = log->wait_space && !log->half[!log->active].live;
	if (kick)
		log->wait_space = false;
	spin_unlock_irq(&log->lock);
	if (kick)
		queue_work(log->wq, &log->write_work);
}

/*
 * Cover everything logged so far: wait until every bio of an entry up
 * to `last` has completed on its pool (the bios of later entries are
 * counted apart, so a busy log does not hold this up), then commit
 * every pool with that.
 */
/*
 * The CP itself, under log->mutex.  A pool a takeover still replays is
 * left out: its commits must keep naming the partner's log until the
 * mirror is applied.
 */
static int do_cp(struct hs_wlog *log, bool force, bool *ran)
{
	struct hs_pool *pool;
	int old;
	u64 last;

	lockdep_assert_held(&log->mutex);
	*ran = false;
	spin_lock_irq(&log->lock);
	/* Also when the mirror waits for a half to free up. */
	if (log->failed ||
	    (!log->dirty && !log->mirror.want_switch && !force)) {
		spin_unlock_irq(&log->lock);
		return 0;
	}
	*ran = true;
	log->dirty = false;
	last = log->next_seq - 1;
	old = log->pend_idx;
	log->pend_idx ^= 1;
	spin_unlock_irq(&log->lock);

	wait_event(log->wait, ({
		bool done;

		spin_lock_irq(&log->lock);
		done = !log->pend[old];
		spin_unlock_irq(&log->lock);
		done; }));
	list_for_each_entry(pool, &log->pools, wlog_node) {
		if (hs_tko_replaying(pool))
			continue;
		if (hs_pool_commit_cover(pool, log->uuid, last))
			continue;	/* the pool failed; its halves stay */
		set_cover(log, pool->uuid, last);
	}
	log->stats.cps++;
	return free_halves(log);
}

static void cp_work(struct work_struct *work)
{
	struct hs_wlog *log = container_of(to_delayed_work(work),
					   struct hs_wlog, cp_work);
	bool ran;
	int err;

	mutex_lock(&log->mutex);
	err = do_cp(log, false, &ran);
	/* Also idle: a resync may be complete once nothing is left. */
	hs_wlog_mirror_covered(log);
	mutex_unlock(&log->mutex);
	if (err)
		pr_err("hastor: write log on %s: superblock write failed (%d)\n",
		       log->path, err);
	unblock(log);
	mod_delayed_work(log->wq, &log->cp_work, cp_interval());
}

/*
 * A takeover's replay is over (pool), or was given up (NULL): it no
 * longer reads the mirror.  After a replay, a CP commits the pool with
 * this log; 0 if the pool committed.
 */
int hs_wlog_takeover_done(struct hs_wlog *log, struct hs_pool *pool)
{
	bool ran;
	int err = 0;

	mutex_lock(&log->mutex);
	if (!WARN_ON_ONCE(!log->mirror.replays))
		log->mirror.replays--;
	if (pool) {
		err = do_cp(log, true, &ran);
		if (ran)
			hs_wlog_mirror_covered(log);
		if (!err && memcmp(pool->wlog_uuid, log->uuid, 16))
			err = -EIO;
	}
	mutex_unlock(&log->mutex);
	unblock(log);
	return err;
}

/* ---- pools ---- */

/* The pool names the log mirrored here: its uuid, copied to peer. */
static bool partner_pool(struct hs_wlog *log, struct hs_pool *pool, u8 *peer)
{
	static const u8 none[16];

	spin_lock_irq(&log->lock);
	memcpy(peer, log->mirror.peer_uuid, 16);
	spin_unlock_irq(&log->lock);
	return memcmp(peer, none, 16) && !memcmp(pool->wlog_uuid, peer, 16);
}

/*
 * Takeover: the pool joins this log at once and serves I/O while its
 * entries in the partner's log, as mirrored here, replay in the
 * background (wlog_takeover.c).  The mirror must stay as it is until
 * then: frozen, and not thawed while the replay reads it.
 */
static int takeover_attach(struct hs_wlog *log, struct hs_pool *pool,
			   const u8 *peer, const char **why)
{
	bool again = memchr_inv(pool->tko_uuid, 0, 16);
	u64 last;
	int err;

	lockdep_assert_held(&log->mutex);
	if (!READ_ONCE(log->mirror.frozen)) {
		*why = "the pool needs the partner's log: freeze the mirror first (hactl wlog freeze)";
		return -EBUSY;
	}
	err = hs_tko_prepare(log, pool, peer, why);
	if (err)
		return err;
	if (again && known_pool(log, pool->uuid)) {
		/*
		 * This log served the pool since it was attached: entries of
		 * it written since are not in log->found, only a new scan of
		 * the log has them.
		 */
		*why = "the pool's takeover replay was interrupted since the write log was attached: attach the log again (restart the node), then import";
		err = -EBUSY;
	} else if (again) {
		/*
		 * This node took the pool over before and crashed during the
		 * replay: what it acknowledged since is in this log.
		 */
		last = pool->tko_seq;
		err = hs_wlog_replay_pool(log, pool, last, &last, why);
		spin_lock_irq(&log->lock);
		last = log->next_seq - 1;
		spin_unlock_irq(&log->lock);
		/*
		 * Entries up to the mark that were in flight at the crash are
		 * gone, and their numbers are given out again: the mark moves
		 * down to the last entry there is (none of the pool's can be
		 * above it), or new entries of the pool would count as covered.
		 */
		if (!err && pool->tko_seq > last)
			err = hs_pool_commit_tko(pool, log->uuid, last);
		last = min(last, pool->tko_seq);
	} else {
		spin_lock_irq(&log->lock);
		last = log->next_seq - 1;
		spin_unlock_irq(&log->lock);
		err = hs_pool_commit_tko(pool, log->uuid, last);
		if (err)
			*why = "cannot commit the pool's takeover mark";
	}
	if (err) {
		hs_tko_cancel(pool);
		return err;
	}
	pool->wlog = log;
	list_add_tail(&pool->wlog_node, &log->pools);
	/*
	 * It has none of this log's entries up to the mark: any it had from
	 * an earlier time here are older than what the mirror holds, never
	 * replayed.  Those after it stay until the final CP.
	 */
	set_cover(log, pool->uuid, last);
	free_halves(log);
	log->mirror.replays++;
	return 0;
}

/*
 * The operator's override (pool import --accept-loss) of a refusal that
 * only a lost log could lift: the pool starts from its last CP, naming
 * log (or no log) as if exported cleanly then.  Said loudly: writes the
 * lost log held are gone.
 */
static int import_with_loss(struct hs_pool *pool, struct hs_wlog *log,
			    const char *refusal, const char **why)
{
	static const u8 none[16];
	u64 last = 0;
	int err;

	if (log) {
		spin_lock_irq(&log->lock);
		last = log->next_seq - 1;
		spin_unlock_irq(&log->lock);
	}
	pr_warn("hastor: pool %s: %s; imported at CP %llu anyway, as asked (accept_loss): writes acknowledged after that CP and held only by the missing log are lost\n",
		pool->name, refusal, pool->generation);
	err = hs_pool_commit_loss(pool, log ? log->uuid : none, last);
	if (err)
		*why = "cannot commit the pool without its log";
	return err;
}

int hs_wlog_pool_attach(struct hs_pool *pool, const char **why)
{
	static const u8 none[16];
	struct hs_wlog *log;
	u64 after, last;
	u8 peer[16];
	int err;

	bool clean = !memcmp(pool->wlog_uuid, none, 16);

	mutex_lock(&hs_wlog_lock);
	log = hs_wlog_cur;
	if (log)
		kref_get(&log->ref);
	mutex_unlock(&hs_wlog_lock);
	/*
	 * A pool exported cleanly (or never served with a log) says so with
	 * a zero log uuid.  Otherwise writes it acknowledged may exist only
	 * in the log its last CP names: that one must be here.
	 */
	if (!log) {
		if (clean)
			return 0;
		*why = "the pool was not exported cleanly: attach the node's write log first";
		if (pool->accept_loss)
			return import_with_loss(pool, NULL, *why, why);
		return -ENODEV;
	}
	mutex_lock(&log->mutex);
	err = -ENODEV;
	*why = "the pool was taken over with another node's write log and its replay did not end: import it there";
	if (memchr_inv(pool->tko_uuid, 0, 16) &&
	    memcmp(pool->tko_uuid, log->uuid, 16))
		goto lose;
	*why = "the pool was not exported cleanly and needs another write log";
	if (clean) {
		after = U64_MAX;
	} else if (!memcmp(pool->wlog_uuid, log->uuid, 16)) {
		after = pool->wlog_seq;
		/*
		 * Served from this log since it was attached and left it
		 * without a final CP (it failed): the entries it wrote since
		 * are not in the attach-time scan, so a replay from it would
		 * miss acknowledged writes.  Only a new scan has them.
		 */
		err = -EBUSY;
		*why = "the pool left this write log without a final CP since the log was attached: attach the log again (restart the node), then import";
		if (known_pool(log, pool->uuid))
			goto err_unlock;
		err = -ENODEV;
	} else if (!partner_pool(log, pool, peer)) {
		goto lose;
	}
	err = -EMFILE;
	*why = "the write log serves as many pools as it can";
	if (list_count_nodes(&log->pools) >= HS_WLOG_MAX_POOLS / 2)
		goto err_unlock;
	if (!clean && memcmp(pool->wlog_uuid, log->uuid, 16)) {
		err = takeover_attach(log, pool, peer, why);
		if (err)
			goto err_unlock;
		mutex_unlock(&log->mutex);
		unblock(log);
		hs_tko_run(pool);
		return 0;
	}
	err = hs_wlog_replay_pool(log, pool, after, &last, why);
	if (err)
		goto err_unlock;
	spin_lock_irq(&log->lock);
	last = log->next_seq - 1;
	spin_unlock_irq(&log->lock);
	err = hs_pool_commit_cover(pool, log->uuid, last);
	if (err) {
		*why = "cannot commit the pool after replaying its log";
		goto err_unlock;
	}
	pool->wlog = log;
	list_add_tail(&pool->wlog_node, &log->pools);
	set_cover(log, pool->uuid, last);
	free_halves(log);
	mutex_unlock(&log->mutex);
	unblock(log);
	return 0;

lose:
	if (!pool->accept_loss)
		goto err_unlock;
	err = -EMFILE;
	*why = "the write log serves as many pools as it can";
	if (list_count_nodes(&log->pools) >= HS_WLOG_MAX_POOLS / 2)
		goto err_unlock;
	err = import_with_loss(pool, log, *why, why);
	if (err)
		goto err_unlock;
	pool->wlog = log;
	list_add_tail(&pool->wlog_node, &log->pools);
	set_cover(log, pool->uuid, pool->wlog_seq);
	free_halves(log);
	mutex_unlock(&log->mutex);
	unblock(log);
	return 0;

err_unlock:
	mutex_unlock(&log->mutex);
	wlog_put(log);
	return err;
}

/*
 * The pool's last volume is gone: it leaves the log, and its final CP
 * covers everything logged so far.  Returns the last entry it covers;
 * the pool commits with no log named (exported cleanly), then tells
 * hs_wlog_pool_left() whether that worked.
 */
u64 hs_wlog_pool_leave(struct hs_pool *pool)
{
	struct hs_wlog *log = pool->wlog;
	u64 last;

	mutex_lock(&log->mutex);
	list_del_init(&pool->wlog_node);
	spin_lock_irq(&log->lock);
	last = log->next_seq - 1;
	spin_unlock_irq(&log->lock);
	mutex_unlock(&log->mutex);
	return last;
}

void hs_wlog_pool_left(struct hs_pool *pool, u64 covered)
{
	struct hs_wlog *log = pool->wlog;

	mutex_lock(&log->mutex);
	if (covered) {
		set_cover(log, pool->uuid, covered);
		free_halves(log);
	}
	mutex_unlock(&log->mutex);
	unblock(log);
	pool->wlog = NULL;
	wlog_put(log);
}

int __init hs_wlog_init(void)
{
	hs_wlog_io_client = dm_io_client_create();
	return PTR_ERR_OR_ZERO(hs_wlog_io_client);
}

void hs_wlog_exit(void)
{
	struct hs_wlog *log;

	mutex_lock(&hs_wlog_lock);
	log = hs_wlog_cur;
	hs_wlog_cur = NULL;
	mutex_unlock(&hs_wlog_lock);
	if (log) {
		wlog_stop(log);
		wlog_put(log);
	}
	dm_io_client_destroy(hs_wlog_io_client);
}
