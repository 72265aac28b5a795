// SPDX-License-Identifier: GPL-2.0
/*
 * The hastor-remote target: a volume served by the partner.
 *
 *   <start> <length> hastor-remote <pool_uuid_hex32> <volume_id>
 *
 * Every bio becomes one request on HS_CCM_CHAN_IO (remote.h) to the
 * partner's server (remote_srv.c), which submits it to its live
 * hastor-vol device of the volume and replies; reads come back with
 * their data.  This is the indirect path of a planned takeover: the
 * node handing its pool over swaps its volume devices' tables from
 * hastor-vol to hastor-remote (suspend --noflush, load, resume) and its
 * writers go on, through the partner, without seeing an error.
 *
 * A request lives in the bio's per-bio data, findable by its tag in a
 * module-wide xarray (index: the tag's low 32 bits) while it is
 * outstanding.  Whoever erases it from the xarray, under rcli.lock, ends
 * the bio; a reply whose tag is not there any more is ignored.  A request
 * is in one of three states, each a list: waiting to be sent (backlog:
 * window full or no session), sent in this session (wire), or waiting to
 * retry (delayed).
 *
 * "Not served here" (pool not imported there yet, volume device not live
 * or suspended) is retried with a backoff until the request's deadline
 * (remote_timeout_s); then, and on any other error, the bio fails.  When
 * the session ends, the interconnect drops what the partner had not
 * acknowledged, so every request on the wire is sent again in the next
 * session, within its deadline.  Sending a write twice is safe: the same
 * data goes to the same blocks, writes that overlap it while it is
 * outstanding are unordered anyway, and the server executes nothing of
 * an ended session once the new one's requests start (remote_srv.c).
 *
 * Swapping the table without errors: a noflush suspend ends every
 * outstanding bio of the target with DM_ENDIO_REQUEUE, and map() requeues
 * new ones until the target resumes.  Device-mapper keeps such bios
 * (only while DMF_NOFLUSH_SUSPENDING is set, which it sets before
 * presuspend and clears when the suspend ends) and maps them again with
 * the next live table.  A request ended that way may still execute on
 * the partner: it was sent before the handover, and the partner only
 * lets the pool go once its volume devices are suspended, i.e. once the
 * request is done there, before the next table can write anything.  A
 * normal suspend waits for outstanding bios as usual.
 */
#include <linux/device-mapper.h>
#include <linux/ctype.h>
#include <linux/hastor_format.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "ccm.h"
#include "remote.h"

#define DM_MSG_PREFIX "hastor-remote"

static unsigned int remote_timeout_s = 60;
module_param(remote_timeout_s, uint, 0644);
MODULE_PARM_DESC(remote_timeout_s,
		 "seconds a forwarded bio may wait for a partner that serves its volume");

struct hs_remote_tgt {
	u8 uuid[16];
	u64 vol_id;
	/* Under rcli.lock: */
	struct list_head reqs;		/* outstanding */
	unsigned int outstanding;
	u64 retried, failed;
	bool requeue;			/* a noflush suspend is under way */
};

enum rreq_state { R_BACKLOG, R_WIRE, R_DELAYED };

/* A forwarded bio: its per-bio data. */
struct rreq {
	struct hs_remote_tgt *rt;
	struct hs_ccm_msg *msg;		/* kept for sending again */
	u64 tag;
	u32 len;
	u8 op;
	u8 state;
	bool requeue;			/* end_io: DM_ENDIO_REQUEUE */
	unsigned int delay_ms;
	unsigned long deadline, due;
	struct list_head node;		/* the list of its state */
	struct list_head tnode;		/* rt->reqs */
};

static struct {
	struct hs_ccm_chan *ch;
	struct workqueue_struct *wq;
	struct delayed_work work;
	struct xarray reqs;
	atomic64_t next_tag;

	spinlock_t lock;		/* everything below, rreqs, targets */
	bool up;			/* a session is on */
	struct list_head backlog, wire, delayed;
} rcli;

unsigned int hs_remote_backoff_ms(unsigned int prev_ms)
{
	if (prev_ms < HS_REMOTE_RETRY_MIN_MS)
		return HS_REMOTE_RETRY_MIN_MS;
	return min_t(unsigned int, prev_ms * 2, HS_REMOTE_RETRY_MAX_MS);
}
EXPORT_SYMBOL_IF_KUNIT(hs_remote_backoff_ms);

static void kick(unsigned long delay)
{
	if (delay)
		queue_delayed_work(rcli.wq, &rcli.work, delay);
	else
		mod_delayed_work(rcli.wq, &rcli.work, 0);
}

/* It is ours now: out of the xarray and every list. */
static void detach_locked(struct rreq *r)
{
	lockdep_assert_held(&rcli.lock);
	xa_erase(&rcli.reqs, (u32)r->tag);
	list_del(&r->node);
	list_del(&r->tnode);
	r->rt->outstanding--;
}

static void finish(struct rreq *r, blk_status_t st)
{
	struct bio *bio = dm_bio_from_per_bio_data(r, sizeof(*r));

	hs_ccm_msg_put(r->msg);
	r->msg = NULL;
	bio->bi_status = st;
	bio_endio(bio);
}

static void fail_locked(struct rreq *r, struct list_head *dead)
{
	detach_locked(r);
	r->rt->failed++;
	list_add_tail(&r->node, dead);
}

static void finish_list(struct list_head *list, blk_status_t st)
{
	struct rreq *r, *tmp;

	list_for_each_entry_safe(r, tmp, list, node) {
		list_del(&r->node);
		finish(r, st);
	}
}

/* Under rcli.lock: sends r or leaves it on the backlog; true if sent. */
static bool try_send_locked(struct rreq *r, int *err)
{
	*err = -ENOTCONN;
	if (!rcli.up)
		return false;
	*err = hs_ccm_send(rcli.ch, hs_ccm_msg_get(r->msg));
	if (*err) {
		hs_ccm_msg_put(r->msg);
		return false;
	}
	r->state = R_WIRE;
	list_move_tail(&r->node, &rcli.wire);
	return true;
}

/* A copy of a message the interconnect still holds from an older send. */
static struct hs_ccm_msg *msg_clone(const struct hs_ccm_msg *msg)
{
	struct hs_ccm_msg *copy = hs_ccm_msg_alloc(msg->type, msg->len,
						   GFP_NOIO);
	unsigned int i;

	if (!copy)
		return NULL;
	for (i = 0; i < msg->nr_pages; i++)
		copy_page(page_address(copy->pages[i]),
			  page_address(msg->pages[i]));
	return copy;
}

/* The clone replaces r's message if r (tag) is still the same request. */
static void replace_msg(u64 tag, struct hs_ccm_msg *old)
{
	struct hs_ccm_msg *copy = msg_clone(old);
	struct rreq *r;

	hs_ccm_msg_put(old);
	if (!copy)
		return;
	spin_lock_irq(&rcli.lock);
	r = xa_load(&rcli.reqs, (u32)tag);
	if (r && r->tag == tag && r->msg == old)
		swap(r->msg, copy);
	spin_unlock_irq(&rcli.lock);
	/* The old one if swapped: r's reference to it. */
	hs_ccm_msg_put(copy);
}

/*
 * Retries that are due go to the backlog, requests past their deadline
 * (not on the wire: those are owed a reply) fail, the backlog is sent.
 */
static void rcli_work(struct work_struct *work)
{
	struct hs_ccm_msg *busy;
	struct rreq *r, *tmp;
	bool pending;
	LIST_HEAD(dead);
	u64 tag;
	u32 len;
	int err = 0;

again:
	spin_lock_irq(&rcli.lock);
	list_for_each_entry_safe(r, tmp, &rcli.delayed, node) {
		if (time_after_eq(jiffies, r->deadline)) {
			fail_locked(r, &dead);
		} else if (time_after_eq(jiffies, r->due)) {
			r->state = R_BACKLOG;
			list_move_tail(&r->node, &rcli.backlog);
		}
	}
	list_for_each_entry_safe(r, tmp, &rcli.backlog, node)
		if (time_after_eq(jiffies, r->deadline))
			fail_locked(r, &dead);
	while ((r = list_first_entry_or_null(&rcli.backlog, struct rreq,
					     node)) && try_send_locked(r, &err))
		;
	busy = NULL;
	if (r && err == -EBUSY) {
		busy = hs_ccm_msg_get(r->msg);
		tag = r->tag;
	}
	len = r ? r->msg->len : 0;
	pending = !list_empty(&rcli.delayed) || !list_empty(&rcli.backlog);
	spin_unlock_irq(&rcli.lock);

	finish_list(&dead, BLK_STS_IOERR);
	if (busy) {
		replace_msg(tag, busy);
		goto again;
	}
	if (r && err == -EAGAIN) {
		err = hs_ccm_wait_space(rcli.ch, len, HZ / 10);
		if (!err || err == -ETIMEDOUT)
			goto again;
	}
	/* Retries and deadlines are checked at this granularity. */
	if (pending)
		kick(msecs_to_jiffies(HS_REMOTE_RETRY_MIN_MS / 2));
}

static void reply_recv(struct hs_ccm_msg *msg)
{
	struct hs_remote_wire_reply w;
	struct hs_remote_reply rep;
	blk_status_t st = BLK_STS_OK;
	struct bio_vec bv;
	struct bvec_iter it;
	unsigned long delay;
	struct rreq *r;
	u32 off = 0;

	if (msg->len < sizeof(w))
		goto bad;
	hs_ccm_msg_copy_from(msg, msg->len - sizeof(w), &w, sizeof(w));
	if (hs_remote_reply_unpack(&w, msg->len, &rep))
		goto bad;

	spin_lock_irq(&rcli.lock);
	r = xa_load(&rcli.reqs, (u32)rep.tag);
	if (!r || r->tag != rep.tag || r->state != R_WIRE) {
		/* Requeued or failed meanwhile: nobody waits for it. */
		spin_unlock_irq(&rcli.lock);
		return;
	}
	if (rep.status == HS_RST_NOT_SERVED &&
	    time_before(jiffies, r->deadline)) {
		r->rt->retried++;
		delay = msecs_to_jiffies(hs_remote_backoff_ms(r->delay_ms));
		r->delay_ms = hs_remote_backoff_ms(r->delay_ms);
		r->due = jiffies + delay;
		r->state = R_DELAYED;
		list_move_tail(&r->node, &rcli.delayed);
		spin_unlock_irq(&rcli.lock);
		kick(delay);
		return;
	}
	if (rep.status == HS_RST_OK && r->op == HS_ROP_READ &&
	    rep.len != r->len)
		rep.status = HS_RST_INVALID;
	detach_locked(r);
	if (rep.status != HS_RST_OK) {
		st = rep.status == HS_RST_NOSPC ? BLK_STS_NOSPC : BLK_STS_IOERR;
		r->rt->failed++;
	}
	spin_unlock_irq(&rcli.lock);

	if (r->op == HS_ROP_READ && st == BLK_STS_OK) {
		struct bio *bio = dm_bio_from_per_bio_data(r, sizeof(*r));

		bio_for_each_segment(bv, bio, it) {
			void *p = bvec_kmap_local(&bv);

			hs_ccm_msg_copy_from(msg, off, p, bv.bv_len);
			kunmap_local(p);
			off += bv.bv_len;
		}
	}
	finish(r, st);
	return;
bad:
	pr_warn_ratelimited("hastor: remote: malformed reply of %u bytes dropped\n",
			    msg->len);
}

static void client_state(bool reachable)
{
	spin_lock_irq(&rcli.lock);
	rcli.up = reachable;
	if (!reachable) {
		struct rreq *r;

		/* Dropped by the interconnect: all sent again. */
		list_for_each_entry(r, &rcli.wire, node) {
			r->state = R_BACKLOG;
			r->rt->retried++;
		}
		list_splice_tail_init(&rcli.wire, &rcli.backlog);
	}
	spin_unlock_irq(&rcli.lock);
	kick(0);
}

static void chan_recv(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	if (msg->type == HS_REMOTE_REQ)
		hs_rsrv_recv(ch, msg);
	else if (msg->type == HS_REMOTE_REPLY)
		reply_recv(msg);
}

static void chan_state(struct hs_ccm_chan *ch, bool reachable, u64 session)
{
	hs_rsrv_state(reachable);
	client_state(reachable);
}

#if IS_ENABLED(CONFIG_KUNIT)
struct hs_ccm_chan *hs_remote_chan(void)
{
	return rcli.ch;
}
EXPORT_SYMBOL_IF_KUNIT(hs_remote_chan);
#endif

static const struct hs_ccm_chan_ops chan_ops = {
	.recv = chan_recv,
	.state = chan_state,
};

/* ---- the target ---- */

static int remote_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct hs_remote_tgt *rt;
	u8 uuid[16];
	u64 id;
	int i;

	if (argc != 2) {
		ti->error = "expected <pool_uuid_hex32> <volume_id>";
		return -EINVAL;
	}
	if (strlen(argv[0]) != 32) {
		ti->error = "pool uuid must be 32 lowercase hex digits";
		return -EINVAL;
	}
	for (i = 0; i < 32; i++)
		if (!isdigit(argv[0][i]) &&
		    !(argv[0][i] >= 'a' && argv[0][i] <= 'f')) {
			ti->error = "pool uuid must be 32 lowercase hex digits";
			return -EINVAL;
		}
	if (hex2bin(uuid, argv[0], 16)) {
		ti->error = "pool uuid must be 32 lowercase hex digits";
		return -EINVAL;
	}
	if (kstrtou64(argv[1], 10, &id)) {
		ti->error = "volume id must be a decimal number";
		return -EINVAL;
	}
	/* As hastor-vol's: the two tables replace each other. */
	if (ti->len & (HASTOR_SECTORS_PER_BLOCK - 1)) {
		ti->error = "length must be a multiple of 4 KiB";
		return -EINVAL;
	}
	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt) {
		ti->error = "out of memory";
		return -ENOMEM;
	}
	memcpy(rt->uuid, uuid, 16);
	rt->vol_id = id;
	INIT_LIST_HEAD(&rt->reqs);
	if (dm_set_target_max_io_len(ti, HS_REMOTE_MAX_SECTORS)) {
		ti->error = "cannot set the I/O size";
		kfree(rt);
		return -EINVAL;
	}
	ti->num_flush_bios = 1;
	ti->flush_supported = true;
	ti->num_discard_bios = 1;
	ti->discards_supported = true;
	/* hastor-vol has no write-zeroes: the block layer writes zeroes. */
	ti->num_write_zeroes_bios = 0;
	ti->per_io_data_size = sizeof(struct rreq);
	ti->private = rt;
	return 0;
}

static void remote_dtr(struct dm_target *ti)
{
	struct hs_remote_tgt *rt = ti->private;

	/* dm destroys a table only once its I/O is done. */
	WARN_ON(!list_empty(&rt->reqs));
	kfree(rt);
}

static u8 op_of(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return HS_ROP_READ;
	case REQ_OP_WRITE:
		if (!bio_sectors(bio) && bio->bi_opf & REQ_PREFLUSH)
			return HS_ROP_FLUSH;
		return HS_ROP_WRITE;
	case REQ_OP_DISCARD:
		return HS_ROP_DISCARD;
	case REQ_OP_WRITE_ZEROES:
		return HS_ROP_WRITE_ZEROES;
	default:
		return 0;
	}
}

static int remote_map(struct dm_target *ti, struct bio *bio)
{
	struct hs_remote_tgt *rt = ti->private;
	struct rreq *r = dm_per_bio_data(bio, sizeof(*r));
	struct hs_remote_req req = { .vol_id = rt->vol_id };
	struct hs_remote_wire_req w;
	struct hs_ccm_msg *msg;
	struct bio_vec bv;
	struct bvec_iter it;
	u32 dlen, off = 0;
	bool sent = false;
	int err;

	if (READ_ONCE(rt->requeue))
		return DM_MAPIO_REQUEUE;
	req.op = op_of(bio);
	req.len = bio->bi_iter.bi_size;
	if (!req.op || req.len > HS_REMOTE_MAX_BYTES)
		return DM_MAPIO_KILL;
	if (req.op != HS_ROP_FLUSH)
		req.sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	else
		req.len = 0;
	if (req.op == HS_ROP_WRITE && bio->bi_opf & REQ_FUA)
		req.flags = HS_RFLAG_FUA;
	memcpy(req.pool_uuid, rt->uuid, 16);

	dlen = hs_remote_req_has_data(req.op) ? req.len : 0;
	msg = hs_ccm_msg_alloc(HS_REMOTE_REQ, dlen + sizeof(w), GFP_NOIO);
	if (!msg)
		return DM_MAPIO_KILL;
	if (dlen) {
		bio_for_each_segment(bv, bio, it) {
			void *p = bvec_kmap_local(&bv);

			hs_ccm_msg_copy_to(msg, off, p, bv.bv_len);
			kunmap_local(p);
			off += bv.bv_len;
		}
	}

	memset(r, 0, sizeof(*r));
	r->rt = rt;
	r->msg = msg;
	r->len = req.len;
	r->op = req.op;
	r->state = R_BACKLOG;
	r->deadline = jiffies + READ_ONCE(remote_timeout_s) * HZ;
	INIT_LIST_HEAD(&r->node);
	/* The low half indexes the xarray: skip one still in use. */
	do {
		r->tag = atomic64_inc_return(&rcli.next_tag);
		err = xa_insert_irq(&rcli.reqs, (u32)r->tag, r, GFP_NOIO);
	} while (err == -EBUSY);
	if (err) {
		hs_ccm_msg_put(msg);
		return DM_MAPIO_KILL;
	}
	req.tag = r->tag;
	hs_remote_req_pack(&req, &w);
	hs_ccm_msg_copy_to(msg, dlen, &w, sizeof(w));

	spin_lock_irq(&rcli.lock);
	if (rt->requeue) {
		/* presuspend ran since the check above. */
		xa_erase(&rcli.reqs, (u32)r->tag);
		spin_unlock_irq(&rcli.lock);
		hs_ccm_msg_put(msg);
		return DM_MAPIO_REQUEUE;
	}
	list_add_tail(&r->tnode, &rt->reqs);
	rt->outstanding++;
	list_add_tail(&r->node, &rcli.backlog);
	if (list_is_singular(&rcli.backlog))
		sent = try_send_locked(r, &err);
	spin_unlock_irq(&rcli.lock);
	if (!sent)
		kick(0);
	return DM_MAPIO_SUBMITTED;
}

static int remote_end_io(struct dm_target *ti, struct bio *bio,
			 blk_status_t *error)
{
	struct rreq *r = dm_per_bio_data(bio, sizeof(*r));

	return r->requeue ? DM_ENDIO_REQUEUE : DM_ENDIO_DONE;
}

static void remote_presuspend(struct dm_target *ti)
{
	struct hs_remote_tgt *rt = ti->private;
	struct rreq *r, *tmp;
	LIST_HEAD(requeue);

	/* A normal suspend waits for the partner's replies. */
	if (!dm_noflush_suspending(ti))
		return;
	spin_lock_irq(&rcli.lock);
	rt->requeue = true;
	list_for_each_entry_safe(r, tmp, &rt->reqs, tnode) {
		detach_locked(r);
		r->requeue = true;
		list_add_tail(&r->node, &requeue);
	}
	spin_unlock_irq(&rcli.lock);
	finish_list(&requeue, BLK_STS_IOERR);
}

static void remote_resume(struct dm_target *ti)
{
	struct hs_remote_tgt *rt = ti->private;

	spin_lock_irq(&rcli.lock);
	rt->requeue = false;
	spin_unlock_irq(&rcli.lock);
}

static void remote_status(struct dm_target *ti, status_type_t type,
			  unsigned int flags, char *result, unsigned int maxlen)
{
	struct hs_remote_tgt *rt = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		spin_lock_irq(&rcli.lock);
		DMEMIT("%u %llu %llu", rt->outstanding, rt->retried,
		       rt->failed);
		spin_unlock_irq(&rcli.lock);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%16phN %llu", rt->uuid, rt->vol_id);
		break;
	case STATUSTYPE_IMA:
		*result = '\0';
		break;
	}
}

static void remote_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	limits->physical_block_size = HASTOR_BLOCK_SIZE;
	limits->io_min = HASTOR_BLOCK_SIZE;
	limits->io_opt = HASTOR_BLOCK_SIZE;
	limits->discard_granularity = HASTOR_BLOCK_SIZE;
	limits->max_discard_sectors = HS_REMOTE_MAX_SECTORS;
}

static int remote_iterate_devices(struct dm_target *ti,
				  iterate_devices_callout_fn fn, void *data)
{
	return 0;
}

static struct target_type hs_remote_target = {
	.name = "hastor-remote",
	.version = {1, 0, 0},
	.module = THIS_MODULE,
	.ctr = remote_ctr,
	.dtr = remote_dtr,
	.map = remote_map,
	.end_io = remote_end_io,
	.presuspend = remote_presuspend,
	.presuspend_undo = remote_resume,
	.resume = remote_resume,
	.status = remote_status,
	.io_hints = remote_io_hints,
	.iterate_devices = remote_iterate_devices,
};

int __init hs_remote_init(void)
{
	int err;

	spin_lock_init(&rcli.lock);
	INIT_LIST_HEAD(&rcli.backlog);
	INIT_LIST_HEAD(&rcli.wire);
	INIT_LIST_HEAD(&rcli.delayed);
	xa_init_flags(&rcli.reqs, XA_FLAGS_LOCK_IRQ);
	INIT_DELAYED_WORK(&rcli.work, rcli_work);
	err = hs_rsrv_init();
	if (err)
		return err;
	err = -ENOMEM;
	/* Forwarded bios wait on it: it must progress under reclaim. */
	rcli.wq = alloc_workqueue("hastor_remote", WQ_MEM_RECLAIM, 1);
	if (!rcli.wq)
		goto err_srv;
	rcli.ch = hs_ccm_chan_open(HS_CCM_CHAN_IO, &chan_ops, NULL);
	err = PTR_ERR_OR_ZERO(rcli.ch);
	if (err)
		goto err_wq;
	err = dm_register_target(&hs_remote_target);
	if (err)
		goto err_chan;
	return 0;

err_chan:
	hs_ccm_chan_close(rcli.ch);
err_wq:
	destroy_workqueue(rcli.wq);
err_srv:
	hs_rsrv_exit();
	return err;
}

/* No hastor-remote device exists any more: dm holds the module till then. */
void hs_remote_exit(void)
{
	dm_unregister_target(&hs_remote_target);
	hs_ccm_chan_close(rcli.ch);
	cancel_delayed_work_sync(&rcli.work);
	destroy_workqueue(rcli.wq);
	hs_rsrv_exit();
	xa_destroy(&rcli.reqs);
}
