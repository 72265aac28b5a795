// SPDX-License-Identifier: GPL-2.0
/*
 * The server of forwarded volume I/O: the partner's hastor-remote
 * devices send their bios here (HS_CCM_CHAN_IO), and each becomes a bio
 * on this node's live device of the volume, the one whose live table is
 * hastor-vol, so that it is logged, mirrored and provisioned like any
 * local write.  A request is never forwarded again: a volume without such
 * a device here gets "not served here" and the requester retries.
 *
 * Which device serves a volume: hastor-vol's resume publishes its dm
 * device in the hs_vol (live_devt); its presuspend and dtr withdraw it
 * and then wait for an SRCU grace period.  A request looks the device up
 * and submits its bio inside one SRCU read section, so once presuspend
 * returns, every bio the server gave that device went through the
 * hastor-vol table's map(), never a later table's (a hastor-remote one
 * would send it back).  The device's mapped_device is held (dm_get_md)
 * from the lookup until the bio completes: removal waits for holders
 * before it destroys the table, and a removal already under way makes
 * dm_get_md fail, which is "not served here" too.
 *
 * Sessions: the interconnect drops what was not acknowledged when a
 * session ends, and the requester sends again whatever was outstanding
 * in the new one.  A request of an ended session may still be on its way
 * to a disk here, so the new session's requests start only once every
 * bio of older sessions has completed, and replies of older sessions are
 * never sent: otherwise an old, late write could land after a newer one
 * that the requester only issued once the resent copy was acknowledged.
 *
 * Requests arrive in the channel's receive callback, which may not
 * sleep: it queues them for a work item that validates, looks up and
 * submits.  Replies go from the bio's completion, or from a backlog that
 * a work item drains when the channel's window is full.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>
#include <asm/unaligned.h>
#include <kunit/visibility.h>

#include "ccm.h"
#include "pool.h"
#include "vol.h"
#include "remote.h"

/* submit(): not now, its session ended or an older one's bios are busy. */
#define RSRV_AGAIN	0xff

struct rsrv_io {
	struct hs_remote_req req;
	struct hs_ccm_msg *in;		/* the request, its data for writes */
	struct hs_ccm_msg *out;		/* the reply, its data for reads */
	struct mapped_device *md;	/* held while the bio is in flight */
	u64 epoch;
	struct list_head node;		/* rsrv.backlog */
};

static struct {
	struct hs_ccm_chan *ch;
	struct workqueue_struct *wq;
	struct work_struct in_work;
	struct work_struct out_work;
	struct srcu_struct srcu;
	spinlock_t pub_lock;		/* hs_vol.live_devt changes */

	spinlock_t lock;		/* everything below */
	struct list_head inq;		/* requests received, msg->user */
	struct list_head backlog;	/* replies waiting for window space */
	u64 epoch;			/* sessions ended so far */
	unsigned int inflight;		/* bios of this epoch */
	unsigned int inflight_old;	/* bios of ended epochs */
	wait_queue_head_t drain_wq;	/* inflight_old reached 0 */
	atomic_t total;			/* bios whose end_io is still to run */
	atomic64_t refused;		/* malformed requests */
	wait_queue_head_t total_wq;
} rsrv;

/* ---- wire format (pure) ---- */

void hs_remote_req_pack(const struct hs_remote_req *r,
			struct hs_remote_wire_req *w)
{
	memset(w, 0, sizeof(*w));
	put_unaligned_be64(r->tag, &w->tag);
	memcpy(w->pool_uuid, r->pool_uuid, 16);
	put_unaligned_be64(r->vol_id, &w->vol_id);
	put_unaligned_be64(r->sector, &w->sector);
	put_unaligned_be32(r->len, &w->len);
	w->op = r->op;
	w->flags = r->flags;
	put_unaligned_be16(HS_REMOTE_REQ_LEN, &w->hdr_len);
}
EXPORT_SYMBOL_IF_KUNIT(hs_remote_req_pack);

int hs_remote_req_unpack(const struct hs_remote_wire_req *w, u32 msg_len,
			 struct hs_remote_req *r, const char **why)
{
	u64 end;

	r->tag = get_unaligned_be64(&w->tag);
	memcpy(r->pool_uuid, w->pool_uuid, 16);
	r->vol_id = get_unaligned_be64(&w->vol_id);
	r->sector = get_unaligned_be64(&w->sector);
	r->len = get_unaligned_be32(&w->len);
	r->op = w->op;
	r->flags = w->flags;

	*why = "header length";
	if (get_unaligned_be16(&w->hdr_len) != HS_REMOTE_REQ_LEN)
		return -EINVAL;
	*why = "unknown op";
	if (r->op < HS_ROP_READ || r->op > HS_ROP_MAX)
		return -EINVAL;
	*why = "flags";
	if (r->flags & ~HS_RFLAG_FUA ||
	    (r->flags && r->op != HS_ROP_WRITE))
		return -EINVAL;
	*why = "payload length";
	if (msg_len != HS_REMOTE_REQ_LEN +
		       (hs_remote_req_has_data(r->op) ? r->len : 0))
		return -EINVAL;
	*why = "length";
	if (r->op == HS_ROP_FLUSH ? r->len || r->sector :
	    !r->len || r->len > HS_REMOTE_MAX_BYTES || r->len & 511)
		return -EINVAL;
	*why = "sector range";
	if (check_add_overflow(r->sector, (u64)(r->len >> 9), &end) ||
	    end > (U64_MAX >> 9))
		return -EINVAL;
	*why = NULL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_remote_req_unpack);

void hs_remote_reply_pack(const struct hs_remote_reply *r,
			  struct hs_remote_wire_reply *w)
{
	memset(w, 0, sizeof(*w));
	put_unaligned_be64(r->tag, &w->tag);
	put_unaligned_be32(r->len, &w->len);
	w->status = r->status;
	put_unaligned_be16(HS_REMOTE_REPLY_LEN, &w->hdr_len);
}
EXPORT_SYMBOL_IF_KUNIT(hs_remote_reply_pack);

int hs_remote_reply_unpack(const struct hs_remote_wire_reply *w,
			   u32 msg_len, struct hs_remote_reply *r)
{
	r->tag = get_unaligned_be64(&w->tag);
	r->len = get_unaligned_be32(&w->len);
	r->status = w->status;
	if (get_unaligned_be16(&w->hdr_len) != HS_REMOTE_REPLY_LEN ||
	    w->reserved || r->status > HS_RST_MAX ||
	    r->len > HS_REMOTE_MAX_BYTES ||
	    msg_len != HS_REMOTE_REPLY_LEN + r->len)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_remote_reply_unpack);

/* ---- publishing the live device of a volume ---- */

void hs_rsrv_publish(struct hs_vol *vol, dev_t devt)
{
	spin_lock(&rsrv.pub_lock);
	WRITE_ONCE(vol->live_devt, devt);
	spin_unlock(&rsrv.pub_lock);
}

void hs_rsrv_unpublish(struct hs_vol *vol, dev_t devt)
{
	bool was = false;

	spin_lock(&rsrv.pub_lock);
	if (vol->live_devt == devt) {
		WRITE_ONCE(vol->live_devt, 0);
		was = true;
	}
	spin_unlock(&rsrv.pub_lock);
	/* Every lookup that saw it has submitted its bio by now. */
	if (was)
		synchronize_srcu(&rsrv.srcu);
}

/* ---- replies ---- */

static void io_free(struct rsrv_io *io)
{
	hs_ccm_msg_put(io->in);
	hs_ccm_msg_put(io->out);
	kfree(io);
}

/* Under rsrv.lock; false: the window is full. */
static bool send_locked(struct rsrv_io *io)
{
	int err;

	if (io->epoch != rsrv.epoch) {
		io_free(io);
		return true;
	}
	err = hs_ccm_send(rsrv.ch, hs_ccm_msg_get(io->out));
	if (err)
		hs_ccm_msg_put(io->out);
	if (err == -EAGAIN)
		return false;
	io_free(io);
	return true;
}

static void reply(struct rsrv_io *io, u8 status)
{
	struct hs_remote_reply rep = {
		.tag = io->req.tag,
		.status = status,
		.len = io->req.op == HS_ROP_READ ? io->req.len : 0,
	};
	struct hs_remote_wire_reply w;
	unsigned long flags;
	bool queue = false;

	/* Only a read that worked filled its pages: send nothing else. */
	if (status != HS_RST_OK) {
		rep.len = 0;
		io->out->len = sizeof(w);
	}
	hs_remote_reply_pack(&rep, &w);
	hs_ccm_msg_copy_to(io->out, rep.len, &w, sizeof(w));
	spin_lock_irqsave(&rsrv.lock, flags);
	if (!list_empty(&rsrv.backlog) || !send_locked(io)) {
		list_add_tail(&io->node, &rsrv.backlog);
		queue = true;
	}
	spin_unlock_irqrestore(&rsrv.lock, flags);
	if (queue)
		queue_work(rsrv.wq, &rsrv.out_work);
}

static void out_work(struct work_struct *work)
{
	struct rsrv_io *io;
	int err;

	for (;;) {
		spin_lock_irq(&rsrv.lock);
		io = list_first_entry_or_null(&rsrv.backlog, struct rsrv_io,
					      node);
		if (io && send_locked(io)) {
			list_del(&io->node);
			spin_unlock_irq(&rsrv.lock);
			continue;
		}
		spin_unlock_irq(&rsrv.lock);
		if (!io)
			return;
		err = hs_ccm_wait_space(rsrv.ch, io->out->len, HZ);
		/* No session: hs_rsrv_state() drops the backlog. */
		if (err && err != -ETIMEDOUT)
			return;
	}
}

/* ---- requests ---- */

static u8 status_of(blk_status_t st)
{
	if (st == BLK_STS_OK)
		return HS_RST_OK;
	if (st == BLK_STS_NOSPC)
		return HS_RST_NOSPC;
	return HS_RST_IOERR;
}

static void end_io(struct bio *bio)
{
	struct rsrv_io *io = bio->bi_private;
	u8 status = status_of(bio->bi_status);
	unsigned long flags;

	bio_put(bio);
	dm_put(io->md);
	spin_lock_irqsave(&rsrv.lock, flags);
	if (io->epoch == rsrv.epoch)
		rsrv.inflight--;
	else if (!--rsrv.inflight_old)
		wake_up_all(&rsrv.drain_wq);
	spin_unlock_irqrestore(&rsrv.lock, flags);
	reply(io, status);
	if (atomic_dec_and_test(&rsrv.total))
		wake_up_all(&rsrv.total_wq);
}

static blk_opf_t opf_of(const struct hs_remote_req *r)
{
	switch (r->op) {
	case HS_ROP_READ:
		return REQ_OP_READ;
	case HS_ROP_WRITE:
		return REQ_OP_WRITE | REQ_SYNC |
		       (r->flags & HS_RFLAG_FUA ? REQ_FUA : 0);
	case HS_ROP_FLUSH:
		return REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC;
	case HS_ROP_DISCARD:
		return REQ_OP_DISCARD;
	default:
		return REQ_OP_WRITE_ZEROES;
	}
}

static struct bio *build_bio(struct rsrv_io *io, struct block_device *bdev)
{
	const struct hs_remote_req *r = &io->req;
	struct hs_ccm_msg *data = r->op == HS_ROP_READ ? io->out : io->in;
	bool pages = r->op == HS_ROP_READ || r->op == HS_ROP_WRITE;
	unsigned int nr = pages ? DIV_ROUND_UP(r->len, PAGE_SIZE) : 0;
	struct bio *bio;
	u32 off, n;

	bio = bio_alloc(bdev, nr, opf_of(r), GFP_NOIO);
	bio->bi_iter.bi_sector = r->sector;
	bio->bi_end_io = end_io;
	bio->bi_private = io;
	if (!pages) {
		bio->bi_iter.bi_size = r->len;
		return bio;
	}
	/* The data is at the start of the message, page-aligned. */
	for (off = 0; off < r->len; off += n) {
		n = min_t(u32, PAGE_SIZE, r->len - off);
		if (bio_add_page(bio, data->pages[off >> PAGE_SHIFT], n, 0) != n) {
			bio_put(bio);
			return NULL;
		}
	}
	return bio;
}

/*
 * Looks up the volume's live device and submits the bio to it, or says
 * why not.  HS_RST_OK: submitted, the completion replies.
 */
static u8 submit(struct rsrv_io *io)
{
	const struct hs_remote_req *r = &io->req;
	struct mapped_device *md = NULL;
	struct hs_pool *pool;
	struct hs_vol *vol;
	struct bio *bio;
	dev_t devt = 0;
	u8 status;
	int idx;

	idx = srcu_read_lock(&rsrv.srcu);
	pool = hs_pool_find_uuid(r->pool_uuid);
	status = HS_RST_NOT_SERVED;
	if (pool) {
		down_read(&pool->meta_lock);
		vol = pool->dead ? NULL : hs_vol_find_id(pool, r->vol_id);
		if (!pool->dead)
			status = vol ? HS_RST_NOT_SERVED : HS_RST_NO_VOLUME;
		if (vol)
			devt = READ_ONCE(vol->live_devt);
		up_read(&pool->meta_lock);
		hs_pool_put(pool);
	}
	if (devt)
		md = dm_get_md(devt);
	if (!md)
		goto out;

	status = HS_RST_IOERR;
	if (r->op != HS_ROP_FLUSH &&
	    r->sector + (r->len >> 9) > get_capacity(dm_disk(md)))
		goto out_put;
	bio = build_bio(io, dm_disk(md)->part0);
	if (!bio)
		goto out_put;
	io->md = md;
	/* Between sessions: dropped, the requester sends it again. */
	spin_lock_irq(&rsrv.lock);
	if (io->epoch != rsrv.epoch || rsrv.inflight_old) {
		spin_unlock_irq(&rsrv.lock);
		bio_put(bio);
		dm_put(md);
		srcu_read_unlock(&rsrv.srcu, idx);
		return RSRV_AGAIN;
	}
	rsrv.inflight++;
	atomic_inc(&rsrv.total);
	spin_unlock_irq(&rsrv.lock);
	submit_bio(bio);
	srcu_read_unlock(&rsrv.srcu, idx);
	return HS_RST_OK;

out_put:
	dm_put(md);
out:
	srcu_read_unlock(&rsrv.srcu, idx);
	return status;
}

static bool old_drained(u64 epoch)
{
	bool done;

	spin_lock_irq(&rsrv.lock);
	done = epoch != rsrv.epoch || !rsrv.inflight_old;
	spin_unlock_irq(&rsrv.lock);
	return done;
}

static void handle(struct hs_ccm_msg *msg, u64 epoch)
{
	struct hs_remote_wire_req w;
	const char *why;
	struct rsrv_io *io;
	u8 status;
	int err;

	if (msg->len < HS_REMOTE_REQ_LEN) {
		pr_warn_ratelimited("hastor: remote: request of %u bytes dropped\n",
				    msg->len);
		atomic64_inc(&rsrv.refused);
		hs_ccm_msg_put(msg);
		return;
	}
	/*
	 * A request without a reply would hang its bio on the partner for as
	 * long as the session lasts: wait for memory instead, as a mempool
	 * would.  This worker is WQ_MEM_RECLAIM, and the pages come back as
	 * the bios in flight complete.
	 */
	io = kzalloc(sizeof(*io), GFP_NOIO | __GFP_NOFAIL);
	io->in = msg;
	io->epoch = epoch;
	hs_ccm_msg_copy_from(msg, msg->len - sizeof(w), &w, sizeof(w));
	err = hs_remote_req_unpack(&w, msg->len, &io->req, &why);
	if (err) {
		pr_warn_ratelimited("hastor: remote: request %llx refused: %s\n",
				    io->req.tag, why);
		atomic64_inc(&rsrv.refused);
		io->req.op = 0;
		io->req.len = 0;
	}
	io->out = hs_ccm_msg_alloc(HS_REMOTE_REPLY, HS_REMOTE_REPLY_LEN +
				   (io->req.op == HS_ROP_READ ? io->req.len : 0),
				   GFP_NOIO | __GFP_NOFAIL);
	if (!io->out) {
		io_free(io);
		return;
	}
	if (err) {
		reply(io, HS_RST_INVALID);
		return;
	}
	for (;;) {
		/* Older sessions' bios first: see the top of the file. */
		while (!old_drained(epoch))
			wait_event_timeout(rsrv.drain_wq, old_drained(epoch), HZ);
		status = submit(io);
		if (status != RSRV_AGAIN)
			break;
		/* Its session ended: the requester sends it again. */
		if (epoch != READ_ONCE(rsrv.epoch)) {
			io_free(io);
			return;
		}
	}
	if (status != HS_RST_OK)
		reply(io, status);
}

static void in_work(struct work_struct *work)
{
	struct hs_ccm_msg *msg;
	u64 epoch;

	for (;;) {
		spin_lock_irq(&rsrv.lock);
		msg = list_first_entry_or_null(&rsrv.inq, struct hs_ccm_msg,
					       user);
		if (msg)
			list_del_init(&msg->user);
		epoch = rsrv.epoch;
		spin_unlock_irq(&rsrv.lock);
		if (!msg)
			return;
		handle(msg, epoch);
		cond_resched();
	}
}

/* The channel's receive callback: may not sleep. */
void hs_rsrv_recv(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	/* The one channel; replies only follow requests. */
	WRITE_ONCE(rsrv.ch, ch);
	hs_ccm_msg_get(msg);
	spin_lock_irq(&rsrv.lock);
	list_add_tail(&msg->user, &rsrv.inq);
	spin_unlock_irq(&rsrv.lock);
	queue_work(rsrv.wq, &rsrv.in_work);
}
EXPORT_SYMBOL_IF_KUNIT(hs_rsrv_recv);

void hs_rsrv_state(bool reachable)
{
	struct hs_ccm_msg *msg, *tmp;
	struct rsrv_io *io, *next;
	LIST_HEAD(drop_in);
	LIST_HEAD(drop_out);

	if (reachable)
		return;
	spin_lock_irq(&rsrv.lock);
	rsrv.epoch++;
	rsrv.inflight_old += rsrv.inflight;
	rsrv.inflight = 0;
	list_splice_init(&rsrv.inq, &drop_in);
	list_splice_init(&rsrv.backlog, &drop_out);
	spin_unlock_irq(&rsrv.lock);
	list_for_each_entry_safe(msg, tmp, &drop_in, user) {
		list_del_init(&msg->user);
		hs_ccm_msg_put(msg);
	}
	list_for_each_entry_safe(io, next, &drop_out, node)
		io_free(io);
}

int hs_rsrv_init(void)
{
	int err;

	spin_lock_init(&rsrv.lock);
	spin_lock_init(&rsrv.pub_lock);
	INIT_LIST_HEAD(&rsrv.inq);
	INIT_LIST_HEAD(&rsrv.backlog);
	init_waitqueue_head(&rsrv.drain_wq);
	init_waitqueue_head(&rsrv.total_wq);
	atomic_set(&rsrv.total, 0);
	INIT_WORK(&rsrv.in_work, in_work);
	INIT_WORK(&rsrv.out_work, out_work);
	err = init_srcu_struct(&rsrv.srcu);
	if (err)
		return err;
	/* Volume I/O waits on it: it must make progress under reclaim. */
	rsrv.wq = alloc_workqueue("hastor_rsrv", WQ_MEM_RECLAIM, 0);
	if (!rsrv.wq) {
		cleanup_srcu_struct(&rsrv.srcu);
		return -ENOMEM;
	}
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* Every request received so far has been handled; how many refused. */
u64 hs_rsrv_settle(void)
{
	flush_work(&rsrv.in_work);
	return atomic64_read(&rsrv.refused);
}
EXPORT_SYMBOL_IF_KUNIT(hs_rsrv_settle);
#endif

/* After the channel closed: nothing new arrives. */
void hs_rsrv_exit(void)
{
	cancel_work_sync(&rsrv.in_work);
	/* Replies of bios still in flight are dropped, as in a new session. */
	hs_rsrv_state(false);
	wait_event(rsrv.total_wq, !atomic_read(&rsrv.total));
	hs_rsrv_state(false);
	destroy_workqueue(rsrv.wq);
	cleanup_srcu_struct(&rsrv.srcu);
}
