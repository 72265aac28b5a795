// SPDX-License-Identifier: GPL-2.0
/*
 * The interconnect ping: a real client of the channel layer, for people
 * and for tests.  Every node echoes what arrives on HS_CCM_CHAN_PING;
 * HASTOR_CMD_PING sends COUNT messages of SIZE bytes and checks what
 * comes back.  Each message holds its sequence number (from 1), its send
 * time, the run's random id, and from byte 24 on a pattern derived from
 * the sequence number and the offset, so a reply tells whether it was
 * lost, duplicated, out of order or corrupted, and its round trip.
 *
 * Echoes are sent from the receive path; if the channel's window is full
 * they wait, in order, on a backlog that a work item drains.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/unaligned.h>

#include "ccm_priv.h"
#include "ccm_ping.h"

enum { HS_PING_REQ = 1, HS_PING_REPLY = 2 };

#define HS_PING_HDR	24
#define HS_PING_MAX_OUT	64

static struct {
	struct hs_ccm_chan *ch;
	struct mutex run_lock;		/* one ping at a time */
	spinlock_t lock;
	wait_queue_head_t wq;
	/* The run in progress, under lock: */
	bool active;
	u64 run_id;
	u32 count;
	unsigned long *seen;
	struct hs_ping_result res;
	u32 last_seq;
	u64 rtt_sum;
	/* Echoes waiting for window space, under lock: */
	struct list_head backlog;
	bool draining;			/* echo_work holds the oldest one */
	struct work_struct echo_work;
} hs_ping;

static u8 pattern(u64 seq, u32 off)
{
	return (u8)(seq * 131 + off * 7 + (off >> 8));
}

static void fill(struct hs_ccm_msg *msg, u64 seq, u64 run)
{
	u8 hdr[HS_PING_HDR];
	u32 off, i;
	u8 *p;

	for (off = 0; off < msg->len; off += PAGE_SIZE) {
		p = page_address(msg->pages[off >> PAGE_SHIFT]);
		for (i = 0; i < PAGE_SIZE && off + i < msg->len; i++)
			p[i] = pattern(seq, off + i);
	}
	put_unaligned_be64(seq, hdr);
	put_unaligned_be64(ktime_get_ns(), hdr + 8);
	put_unaligned_be64(run, hdr + 16);
	hs_ccm_msg_copy_to(msg, 0, hdr, sizeof(hdr));
}

static bool pattern_ok(const struct hs_ccm_msg *msg, u64 seq)
{
	u32 off, i;
	u8 *p;

	for (off = 0; off < msg->len; off += PAGE_SIZE) {
		p = page_address(msg->pages[off >> PAGE_SHIFT]);
		for (i = off ? 0 : HS_PING_HDR;
		     i < PAGE_SIZE && off + i < msg->len; i++)
			if (p[i] != pattern(seq, off + i))
				return false;
	}
	return true;
}

static void account(struct hs_ccm_msg *msg)
{
	struct hs_ping_result *r = &hs_ping.res;
	u8 hdr[HS_PING_HDR];
	u64 seq, sent, run, rtt;
	bool ok;

	if (msg->len < HS_PING_HDR)
		return;
	hs_ccm_msg_copy_from(msg, 0, hdr, sizeof(hdr));
	seq = get_unaligned_be64(hdr);
	sent = get_unaligned_be64(hdr + 8);
	run = get_unaligned_be64(hdr + 16);
	ok = pattern_ok(msg, seq);
	rtt = div_u64(ktime_get_ns() - sent, NSEC_PER_USEC);

	spin_lock(&hs_ping.lock);
	if (!hs_ping.active || run != hs_ping.run_id)
		goto out;
	if (!ok || !seq || seq > hs_ping.count || msg->len != r->size) {
		r->corrupted++;
	} else if (test_and_set_bit(seq - 1, hs_ping.seen)) {
		r->duplicated++;
	} else {
		r->echoed++;
		if (seq != hs_ping.last_seq + 1)
			r->out_of_order++;
		hs_ping.last_seq = seq;
		hs_ping.rtt_sum += rtt;
		r->rtt_min_us = min_t(u32, r->rtt_min_us, rtt);
		r->rtt_max_us = max_t(u32, r->rtt_max_us, rtt);
	}
	wake_up_all(&hs_ping.wq);
out:
	spin_unlock(&hs_ping.lock);
}

static void echo(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	bool queue;
	int err = -EAGAIN;

	hs_ccm_msg_get(msg);
	msg->type = HS_PING_REPLY;
	spin_lock(&hs_ping.lock);
	queue = !list_empty(&hs_ping.backlog) || hs_ping.draining;
	spin_unlock(&hs_ping.lock);
	if (!queue)
		err = hs_ccm_send(ch, msg);
	if (err == -EAGAIN) {
		spin_lock(&hs_ping.lock);
		list_add_tail(&msg->user, &hs_ping.backlog);
		spin_unlock(&hs_ping.lock);
		queue_work(system_long_wq, &hs_ping.echo_work);
	} else if (err) {
		hs_ccm_msg_put(msg);
	}
}

static void echo_work(struct work_struct *work)
{
	struct hs_ccm_msg *msg;
	int err;

	for (;;) {
		spin_lock(&hs_ping.lock);
		msg = list_first_entry_or_null(&hs_ping.backlog,
					       struct hs_ccm_msg, user);
		if (msg)
			list_del_init(&msg->user);
		hs_ping.draining = msg;
		spin_unlock(&hs_ping.lock);
		if (!msg)
			return;
		do {
			err = hs_ccm_wait_space(hs_ping.ch, msg->len, HZ);
			if (!err)
				err = hs_ccm_send(hs_ping.ch, msg);
		} while (err == -EAGAIN || err == -ETIMEDOUT);
		if (err)
			hs_ccm_msg_put(msg);
	}
}

static void ping_recv(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	if (msg->type == HS_PING_REQ)
		echo(ch, msg);
	else if (msg->type == HS_PING_REPLY)
		account(msg);
}

static void ping_state(struct hs_ccm_chan *ch, bool reachable, u64 session)
{
	struct hs_ccm_msg *msg, *tmp;
	LIST_HEAD(drop);

	/* Echoes of an ended session are not owed to anybody. */
	spin_lock(&hs_ping.lock);
	if (!reachable)
		list_splice_init(&hs_ping.backlog, &drop);
	wake_up_all(&hs_ping.wq);
	spin_unlock(&hs_ping.lock);
	list_for_each_entry_safe(msg, tmp, &drop, user) {
		list_del_init(&msg->user);
		hs_ccm_msg_put(msg);
	}
}

static const struct hs_ccm_chan_ops ping_ops = {
	.recv = ping_recv,
	.state = ping_state,
};

static u32 echoed(void)
{
	u32 n;

	spin_lock(&hs_ping.lock);
	n = hs_ping.res.echoed;
	spin_unlock(&hs_ping.lock);
	return n;
}

/* Sends one request, waiting for window space. */
static int send_one(u64 seq, u32 size, u64 session)
{
	long timeout = hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms);
	struct hs_ccm_msg *msg;
	int err;

	msg = hs_ccm_msg_alloc(HS_PING_REQ, size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	fill(msg, seq, hs_ping.run_id);
	for (;;) {
		if (hs_ccm_session() != session) {
			err = -ENOTCONN;
			break;
		}
		err = hs_ccm_send(hs_ping.ch, msg);
		if (err != -EAGAIN)
			break;
		err = hs_ccm_wait_space(hs_ping.ch, size, timeout);
		if (err && err != -ETIMEDOUT)
			break;
	}
	if (err)
		hs_ccm_msg_put(msg);
	return err;
}

/*
 * Waits until fewer than out requests are unanswered, or the session
 * changed, or nothing came back for the stall time.
 */
static int wait_replies(u32 sent, u32 out, u64 session)
{
	unsigned long stall = 3 * hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms);
	unsigned long last = jiffies;
	u32 got = echoed(), now;
	long r;

	while (sent - got > out) {
		r = wait_event_interruptible_timeout(hs_ping.wq,
				echoed() != got || hs_ccm_session() != session,
				HZ / 2);
		if (r < 0)
			return r;
		if (hs_ccm_session() != session)
			return -ENOTCONN;
		now = echoed();
		if (now != got) {
			got = now;
			last = jiffies;
		} else if (time_after(jiffies, last + stall)) {
			return -ETIMEDOUT;
		}
	}
	return 0;
}

int hs_ccm_ping_run(u32 count, u32 size, struct hs_ping_result *res)
{
	u32 out = clamp_t(u32, HS_CCM_WIN_BYTES / 2 / size, 1, HS_PING_MAX_OUT);
	unsigned long *seen;
	u64 session, seq;
	int err;

	if (!mutex_trylock(&hs_ping.run_lock))
		return -EBUSY;
	err = -ENOMEM;
	seen = bitmap_zalloc(count, GFP_KERNEL);
	if (!seen)
		goto out_unlock;
	err = -ENOTCONN;
	session = hs_ccm_session();
	if (!session)
		goto out_free;

	spin_lock(&hs_ping.lock);
	memset(&hs_ping.res, 0, sizeof(hs_ping.res));
	hs_ping.res.count = count;
	hs_ping.res.size = size;
	hs_ping.res.rtt_min_us = U32_MAX;
	hs_ping.res.session = session;
	hs_ping.seen = seen;
	hs_ping.count = count;
	hs_ping.last_seq = 0;
	hs_ping.rtt_sum = 0;
	hs_ping.run_id = get_random_u64();
	hs_ping.active = true;
	spin_unlock(&hs_ping.lock);

	err = 0;
	for (seq = 1; seq <= count && !err; seq++) {
		err = wait_replies(seq - 1, out - 1, session);
		if (!err)
			err = send_one(seq, size, session);
		if (!err)
			hs_ping.res.sent++;
	}
	if (!err || err == -ETIMEDOUT)
		err = wait_replies(hs_ping.res.sent, 0, session);
	/* Whatever did not come back by now is lost. */
	if (err == -ETIMEDOUT)
		err = 0;

	spin_lock(&hs_ping.lock);
	hs_ping.active = false;
	hs_ping.seen = NULL;
	*res = hs_ping.res;
	spin_unlock(&hs_ping.lock);
	res->lost = res->sent - res->echoed;
	if (res->echoed)
		res->rtt_avg_us = div_u64(hs_ping.rtt_sum, res->echoed);
	else
		res->rtt_min_us = 0;
out_free:
	bitmap_free(seen);
out_unlock:
	mutex_unlock(&hs_ping.run_lock);
	return err;
}

int hs_ccm_ping_init(void)
{
	mutex_init(&hs_ping.run_lock);
	spin_lock_init(&hs_ping.lock);
	init_waitqueue_head(&hs_ping.wq);
	INIT_LIST_HEAD(&hs_ping.backlog);
	INIT_WORK(&hs_ping.echo_work, echo_work);
	hs_ping.ch = hs_ccm_chan_open(HS_CCM_CHAN_PING, &ping_ops, NULL);
	return PTR_ERR_OR_ZERO(hs_ping.ch);
}

void hs_ccm_ping_exit(void)
{
	struct hs_ccm_msg *msg, *tmp;

	hs_ccm_chan_close(hs_ping.ch);
	cancel_work_sync(&hs_ping.echo_work);
	list_for_each_entry_safe(msg, tmp, &hs_ping.backlog, user) {
		list_del_init(&msg->user);
		hs_ccm_msg_put(msg);
	}
}
