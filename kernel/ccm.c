// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster connection manager: the partner's configuration, sessions,
 * and the channels clients send messages on.  Links (ccm_link.c) only
 * carry frames; everything that makes a channel reliable lives here.
 *
 * Sessions.  A session is one period during which the partner is
 * reachable.  The node with the lower id (the "leader", which also
 * connects every link) names it: once a link is authenticated, the
 * leader either continues its current session on it (the partner did
 * not reboot and did not end that session) or starts a new one with a
 * random id, and says which in a SESSION frame, the first frame on the
 * link.  The follower adopts what it is told, ending its own session
 * first if it was another one; it refuses the session it ended last.
 * When no link is in the session for the heartbeat timeout, the session
 * ends on that node: clients get state(false), unacknowledged messages
 * are dropped, and the next link starts a new session.
 *
 * Channels.  Per channel and direction, messages carry sequence numbers
 * from 1 within a session.  The sender keeps each message until it is
 * acknowledged (acks are cumulative, piggybacked on DATA of the same
 * channel and sent as ACK frames otherwise).  All channel traffic uses
 * one link, the lowest-indexed one in the session (the primary); when
 * the primary changes, or no ack progress was made for the heartbeat
 * timeout, the sender rewinds to its oldest unacknowledged message and
 * sends from there.  Since each link's stream is in order and a rewind
 * never starts beyond what the receiver expects, the receiver delivers
 * exactly the next expected sequence and drops duplicates.
 */
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <net/netlink.h>
#include <kunit/visibility.h>

#include "ccm_priv.h"
#include "node.h"

struct hs_ccm hs_ccm;

/* ---- messages ---- */

struct hs_ccm_msg *hs_ccm_msg_alloc(u16 type, u32 len, gfp_t gfp)
{
	unsigned int i, nr = DIV_ROUND_UP(len, PAGE_SIZE);
	struct hs_ccm_msg *msg;

	if (len > HS_CCM_MSG_MAX)
		return NULL;
	msg = kzalloc(struct_size(msg, pages, nr), gfp);
	if (!msg)
		return NULL;
	refcount_set(&msg->ref, 1);
	msg->type = type;
	msg->len = len;
	INIT_LIST_HEAD(&msg->user);
	INIT_LIST_HEAD(&msg->tx_node);
	for (i = 0; i < nr; i++) {
		/* Lowmem: page_address() must work for the socket code. */
		msg->pages[i] = alloc_page(gfp & ~__GFP_HIGHMEM);
		if (!msg->pages[i])
			goto err_free;
		msg->nr_pages++;
	}
	return msg;

err_free:
	hs_ccm_msg_put(msg);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_msg_alloc);

void hs_ccm_msg_put(struct hs_ccm_msg *msg)
{
	unsigned int i;

	if (!msg || !refcount_dec_and_test(&msg->ref))
		return;
	for (i = 0; i < msg->nr_pages; i++)
		__free_page(msg->pages[i]);
	kfree(msg);
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_msg_put);

void hs_ccm_msg_copy_to(struct hs_ccm_msg *msg, u32 off, const void *src,
			u32 len)
{
	while (len && off < msg->len) {
		u32 in = offset_in_page(off);
		u32 n = min3(len, (u32)PAGE_SIZE - in, msg->len - off);

		memcpy(page_address(msg->pages[off >> PAGE_SHIFT]) + in, src, n);
		src += n;
		off += n;
		len -= n;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_msg_copy_to);

void hs_ccm_msg_copy_from(const struct hs_ccm_msg *msg, u32 off, void *dst,
			  u32 len)
{
	while (len && off < msg->len) {
		u32 in = offset_in_page(off);
		u32 n = min3(len, (u32)PAGE_SIZE - in, msg->len - off);

		memcpy(dst, page_address(msg->pages[off >> PAGE_SHIFT]) + in, n);
		dst += n;
		off += n;
		len -= n;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_msg_copy_from);

/* ---- links, sessions ---- */

static void kick_locked(struct hs_ccm_link *link)
{
	lockdep_assert_held(&hs_ccm.lock);
	if (link && link->tx_enabled)
		queue_work(hs_ccm.wq, &link->tx_work);
}

void hs_ccm_kick(struct hs_ccm_link *link)
{
	unsigned long flags;

	spin_lock_irqsave(&hs_ccm.lock, flags);
	kick_locked(link);
	spin_unlock_irqrestore(&hs_ccm.lock, flags);
}

static void rewind_locked(void)
{
	int i;

	for (i = 1; i < HS_CCM_NR_CHANS; i++)
		hs_ccm.chans[i].cursor = hs_ccm.chans[i].txq.next;
}

/* The lowest link in the session carries the channels. */
static void primary_update_locked(void)
{
	struct hs_ccm_link *link, *best = NULL;
	int i;

	lockdep_assert_held(&hs_ccm.lock);
	for (i = 0; i < HASTOR_MAX_LINKS; i++) {
		link = hs_ccm.links[i];
		if (link && link->in_session) {
			best = link;
			break;
		}
	}
	if (best == hs_ccm.primary)
		return;
	hs_ccm.primary = best;
	rewind_locked();
	kick_locked(best);
}

static bool any_link_in_session_locked(void)
{
	struct hs_ccm_link *link;
	int i;

	for (i = 0; i < HASTOR_MAX_LINKS; i++) {
		link = hs_ccm.links[i];
		if (link && link->in_session)
			return true;
	}
	return false;
}

static void chan_reset_locked(struct hs_ccm_chan *ch)
{
	ch->cursor = &ch->txq;
	ch->tx_next = 1;
	ch->tx_acked = 0;
	ch->tx_bytes = 0;
	ch->tx_count = 0;
	ch->rx_next = 1;
	ch->ack_due = false;
}

static void put_list(struct list_head *list)
{
	struct hs_ccm_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, list, tx_node) {
		list_del_init(&msg->tx_node);
		msg->queued = false;
		hs_ccm_msg_put(msg);
	}
}

static void notify_state(bool reachable, u64 session)
{
	struct hs_ccm_chan *ch;
	int i;

	lockdep_assert_held(&hs_ccm.deliver_lock);
	for (i = 1; i < HS_CCM_NR_CHANS; i++) {
		ch = &hs_ccm.chans[i];
		if (ch->ops && ch->ops->state)
			ch->ops->state(ch, reachable, session);
	}
}

/* Ends the session: drops what was not acknowledged, resets links. */
static void session_end(void)
{
	bool reset[HASTOR_MAX_LINKS] = {};
	struct hs_ccm_link *link;
	LIST_HEAD(drop);
	u64 old;
	int i;

	lockdep_assert_held(&hs_ccm.deliver_lock);
	spin_lock_irq(&hs_ccm.lock);
	if (!hs_ccm.reachable) {
		spin_unlock_irq(&hs_ccm.lock);
		return;
	}
	old = hs_ccm.session;
	hs_ccm.reachable = false;
	hs_ccm.ended = old;
	hs_ccm.session = 0;
	hs_ccm.primary = NULL;
	for (i = 1; i < HS_CCM_NR_CHANS; i++) {
		list_splice_init(&hs_ccm.chans[i].txq, &drop);
		chan_reset_locked(&hs_ccm.chans[i]);
		wake_up_all(&hs_ccm.chans[i].space_wq);
	}
	for (i = 0; i < HASTOR_MAX_LINKS; i++) {
		link = hs_ccm.links[i];
		if (link && link->in_session) {
			link->in_session = false;
			reset[i] = true;
		}
	}
	spin_unlock_irq(&hs_ccm.lock);

	for (i = 0; i < HASTOR_MAX_LINKS; i++)
		if (reset[i])
			hs_ccm_link_kick_sockets(hs_ccm.links[i]);
	put_list(&drop);
	pr_info("hastor: partner %u unreachable, session %016llx ended\n",
		hs_ccm.cfg.partner_id, old);
	notify_state(false, old);
	hs_ccm_notify_partner(HASTOR_EVENT_UNREACHABLE);
}

static void session_join(struct hs_ccm_link *link, u64 session, u64 boot)
{
	bool began = false;
	int i;

	lockdep_assert_held(&hs_ccm.deliver_lock);
	spin_lock_irq(&hs_ccm.lock);
	if (!hs_ccm.reachable) {
		hs_ccm.reachable = true;
		hs_ccm.session = session;
		hs_ccm.peer_boot = boot;
		for (i = 1; i < HS_CCM_NR_CHANS; i++)
			chan_reset_locked(&hs_ccm.chans[i]);
		began = true;
	}
	link->in_session = true;
	primary_update_locked();
	spin_unlock_irq(&hs_ccm.lock);
	cancel_delayed_work(&hs_ccm.unreach_work);

	if (began) {
		pr_info("hastor: partner %u reachable, session %016llx\n",
			hs_ccm.cfg.partner_id, session);
		notify_state(true, session);
		hs_ccm_notify_partner(HASTOR_EVENT_REACHABLE);
	}
}

static u64 new_session_id(void)
{
	u64 id;

	do {
		id = get_random_u64();
	} while (!id || id == hs_ccm.session || id == hs_ccm.ended);
	return id;
}

int hs_ccm_leader_join(struct hs_ccm_link *link,
		       const struct hs_ccm_hello *peer,
		       int (*send_session)(struct hs_ccm_link *, u64))
{
	bool cont;
	u64 id;
	int err;

	mutex_lock(&hs_ccm.deliver_lock);
	spin_lock_irq(&hs_ccm.lock);
	cont = hs_ccm.reachable && peer->boot_id == hs_ccm.peer_boot &&
	       peer->ended != hs_ccm.session;
	id = cont ? hs_ccm.session : new_session_id();
	spin_unlock_irq(&hs_ccm.lock);
	if (!cont)
		session_end();
	err = send_session(link, id);
	if (!err)
		session_join(link, id, peer->boot_id);
	mutex_unlock(&hs_ccm.deliver_lock);
	return err;
}

int hs_ccm_follower_join(struct hs_ccm_link *link,
			 const struct hs_ccm_hello *peer, u64 session)
{
	bool current_one;

	mutex_lock(&hs_ccm.deliver_lock);
	current_one = hs_ccm.reachable && hs_ccm.session == session;
	if (!current_one && session == hs_ccm.ended) {
		mutex_unlock(&hs_ccm.deliver_lock);
		return -ESTALE;
	}
	if (!current_one)
		session_end();
	session_join(link, session, peer->boot_id);
	mutex_unlock(&hs_ccm.deliver_lock);
	return 0;
}

void hs_ccm_link_leave(struct hs_ccm_link *link)
{
	spin_lock_irq(&hs_ccm.lock);
	link->tx_enabled = false;
	if (link->in_session) {
		link->in_session = false;
		primary_update_locked();
		if (!any_link_in_session_locked() && hs_ccm.reachable)
			queue_delayed_work(hs_ccm.wq, &hs_ccm.unreach_work,
					   hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms));
	}
	spin_unlock_irq(&hs_ccm.lock);
}

static void unreach_work(struct work_struct *work)
{
	bool any;

	mutex_lock(&hs_ccm.deliver_lock);
	spin_lock_irq(&hs_ccm.lock);
	any = any_link_in_session_locked();
	spin_unlock_irq(&hs_ccm.lock);
	if (!any)
		session_end();
	mutex_unlock(&hs_ccm.deliver_lock);
}

/* Retransmission when acks stall although a link looks fine. */
static void tick_work(struct work_struct *work)
{
	unsigned long rto = hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms);
	struct hs_ccm_chan *ch;
	bool kick = false;
	int i;

	spin_lock_irq(&hs_ccm.lock);
	for (i = 1; i < HS_CCM_NR_CHANS; i++) {
		ch = &hs_ccm.chans[i];
		if (list_empty(&ch->txq) || ch->cursor == ch->txq.next ||
		    !time_after(jiffies, ch->tx_progress + rto))
			continue;
		ch->cursor = ch->txq.next;
		ch->tx_progress = jiffies;
		kick = true;
	}
	if (kick)
		kick_locked(hs_ccm.primary);
	spin_unlock_irq(&hs_ccm.lock);
	queue_delayed_work(hs_ccm.wq, &hs_ccm.tick_work,
			   hs_ccm_ms(hs_ccm.cfg.hb_interval_ms));
}

void hs_ccm_link_set_state(struct hs_ccm_link *link,
			   enum hastor_link_state state,
			   enum hastor_link_reason reason)
{
	enum hastor_link_state old;

	spin_lock_irq(&hs_ccm.lock);
	old = link->state;
	link->state = state;
	if (old == HASTOR_LINK_UP || state == HASTOR_LINK_UP) {
		link->reason = reason;
		link->last_change_ns = ktime_get_real_ns();
	}
	spin_unlock_irq(&hs_ccm.lock);
	if (old != state && (old == HASTOR_LINK_UP || state == HASTOR_LINK_UP)) {
		pr_info("hastor: link %u %s (reason %u)\n", link->index,
			state == HASTOR_LINK_UP ? "up" : "down", reason);
		hs_ccm_notify_link(link);
	}
}

/* ---- receive ---- */

/* Acks first: a DATA frame carries one too. */
int hs_ccm_rx_ack(struct hs_ccm_link *link, const struct hs_ccm_hdr *h)
{
	struct hs_ccm_chan *ch = &hs_ccm.chans[h->channel];
	struct hs_ccm_msg *msg, *tmp;
	LIST_HEAD(done);
	int r;

	spin_lock_irq(&hs_ccm.lock);
	if (!link->in_session) {
		spin_unlock_irq(&hs_ccm.lock);
		return -ENOTCONN;
	}
	if (h->session != hs_ccm.session) {
		spin_unlock_irq(&hs_ccm.lock);
		return -EBADMSG;
	}
	r = hs_ccm_ack_check(ch->tx_acked, ch->tx_next - 1, h->ack);
	if (r > 0) {
		list_for_each_entry_safe(msg, tmp, &ch->txq, tx_node) {
			if (hs_ccm_seq_before(h->ack, msg->seq))
				break;
			if (ch->cursor == &msg->tx_node)
				ch->cursor = msg->tx_node.next;
			list_move_tail(&msg->tx_node, &done);
			ch->tx_bytes -= msg->len;
			ch->tx_count--;
		}
		ch->tx_acked = h->ack;
		ch->tx_progress = jiffies;
		wake_up_all(&ch->space_wq);
	}
	spin_unlock_irq(&hs_ccm.lock);
	put_list(&done);
	return r < 0 ? r : 0;
}

int hs_ccm_rx_data(struct hs_ccm_link *link, const struct hs_ccm_hdr *h,
		   struct hs_ccm_msg *msg)
{
	struct hs_ccm_chan *ch = &hs_ccm.chans[h->channel];
	const struct hs_ccm_chan_ops *ops = NULL;
	enum hs_ccm_seq_verdict v;
	int err;

	err = hs_ccm_rx_ack(link, h);
	if (err)
		return err;

	mutex_lock(&hs_ccm.deliver_lock);
	spin_lock_irq(&hs_ccm.lock);
	if (!link->in_session || h->session != hs_ccm.session) {
		err = link->in_session ? -EBADMSG : -ENOTCONN;
		goto out_unlock;
	}
	v = hs_ccm_seq_check(ch->rx_next, h->seq);
	if (v == HS_CCM_SEQ_BAD) {
		err = -EBADMSG;
		goto out_unlock;
	}
	/*
	 * Nobody to deliver to: not acknowledged either, so the sender
	 * keeps it and resends until the channel opens here.
	 */
	if (v == HS_CCM_SEQ_DELIVER && ch->ops) {
		ch->rx_next++;
		ops = ch->ops;
	}
	ch->ack_due = true;
	kick_locked(hs_ccm.primary);
out_unlock:
	spin_unlock_irq(&hs_ccm.lock);
	if (ops) {
		msg->type = h->msg_type;
		hs_link_stat(link, HS_STAT_RX_MSGS, 1);
		ops->recv(ch, msg);
	}
	mutex_unlock(&hs_ccm.deliver_lock);
	return err;
}

/* ---- transmit ---- */

bool hs_ccm_tx_next(struct hs_ccm_link *link, struct hs_ccm_hdr *h,
		    struct hs_ccm_msg **msgp, u64 *hb_ts)
{
	struct hs_ccm_chan *ch;
	struct hs_ccm_msg *msg;
	bool found = false;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	*msgp = NULL;
	spin_lock_irq(&hs_ccm.lock);
	if (!link->tx_enabled || link->tx_failed)
		goto out;
	if (link->hb_echo_due) {
		link->hb_echo_due = false;
		h->type = HS_CCM_F_HB_ACK;
		h->len = 8;
		*hb_ts = link->hb_echo_ts;
		found = true;
		goto out;
	}
	if (link->hb_due) {
		link->hb_due = false;
		h->type = HS_CCM_F_HB;
		h->len = 8;
		*hb_ts = ktime_get_ns();
		found = true;
		goto out;
	}
	if (!link->in_session || link != hs_ccm.primary)
		goto out;
	for (i = 0; i < HS_CCM_NR_CHANS - 1; i++) {
		ch = &hs_ccm.chans[1 + (link->rr + i) % (HS_CCM_NR_CHANS - 1)];
		if (ch->cursor == &ch->txq)
			continue;
		msg = list_entry(ch->cursor, struct hs_ccm_msg, tx_node);
		ch->cursor = ch->cursor->next;
		h->type = HS_CCM_F_DATA;
		h->channel = ch->id;
		h->msg_type = msg->type;
		h->len = msg->len;
		h->session = hs_ccm.session;
		h->seq = msg->seq;
		h->ack = ch->rx_next - 1;
		ch->ack_due = false;
		if (msg->sends++)
			hs_link_stat(link, HS_STAT_RESENDS, 1);
		*msgp = hs_ccm_msg_get(msg);
		link->rr = (link->rr + i + 1) % (HS_CCM_NR_CHANS - 1);
		found = true;
		goto out;
	}
	for (i = 1; i < HS_CCM_NR_CHANS; i++) {
		ch = &hs_ccm.chans[i];
		if (!ch->ack_due)
			continue;
		ch->ack_due = false;
		h->type = HS_CCM_F_ACK;
		h->channel = ch->id;
		h->session = hs_ccm.session;
		h->ack = ch->rx_next - 1;
		found = true;
		break;
	}
out:
	spin_unlock_irq(&hs_ccm.lock);
	return found;
}

/* ---- channels ---- */

struct hs_ccm_chan *hs_ccm_chan_open(u16 id, const struct hs_ccm_chan_ops *ops,
				     void *priv)
{
	struct hs_ccm_chan *ch;
	u64 session;

	if (!id || id > HS_CCM_CHAN_MAX || !ops || !ops->recv)
		return ERR_PTR(-EINVAL);
	ch = &hs_ccm.chans[id];
	mutex_lock(&hs_ccm.deliver_lock);
	if (ch->ops) {
		mutex_unlock(&hs_ccm.deliver_lock);
		return ERR_PTR(-EBUSY);
	}
	spin_lock_irq(&hs_ccm.lock);
	ch->ops = ops;
	ch->priv = priv;
	session = hs_ccm.reachable ? hs_ccm.session : 0;
	spin_unlock_irq(&hs_ccm.lock);
	if (session && ops->state)
		ops->state(ch, true, session);
	mutex_unlock(&hs_ccm.deliver_lock);
	return ch;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_chan_open);

void hs_ccm_chan_close(struct hs_ccm_chan *ch)
{
	mutex_lock(&hs_ccm.deliver_lock);
	spin_lock_irq(&hs_ccm.lock);
	ch->ops = NULL;
	ch->priv = NULL;
	spin_unlock_irq(&hs_ccm.lock);
	mutex_unlock(&hs_ccm.deliver_lock);
	wake_up_all(&ch->space_wq);
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_chan_close);

void *hs_ccm_chan_priv(struct hs_ccm_chan *ch)
{
	return ch->priv;
}

static bool fits_locked(struct hs_ccm_chan *ch, u32 len)
{
	return !ch->tx_count || (ch->tx_count < HS_CCM_WIN_MSGS &&
				 ch->tx_bytes + len <= HS_CCM_WIN_BYTES);
}

int hs_ccm_send(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	unsigned long flags;
	int err = 0;

	if (msg->len > HS_CCM_MSG_MAX)
		return -EMSGSIZE;
	spin_lock_irqsave(&hs_ccm.lock, flags);
	if (!hs_ccm.reachable) {
		err = -ENOTCONN;
	} else if (msg->queued) {
		err = -EBUSY;
	} else if (!fits_locked(ch, msg->len)) {
		err = -EAGAIN;
	} else {
		msg->queued = true;
		msg->seq = ch->tx_next++;
		msg->sends = 0;
		if (list_empty(&ch->txq))
			ch->tx_progress = jiffies;
		list_add_tail(&msg->tx_node, &ch->txq);
		if (ch->cursor == &ch->txq)
			ch->cursor = &msg->tx_node;
		ch->tx_bytes += msg->len;
		ch->tx_count++;
		kick_locked(hs_ccm.primary);
	}
	spin_unlock_irqrestore(&hs_ccm.lock, flags);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_send);

static bool space_or_gone(struct hs_ccm_chan *ch, u32 len, int *err)
{
	bool done = true;

	spin_lock_irq(&hs_ccm.lock);
	if (!hs_ccm.reachable || !ch->ops)
		*err = -ENOTCONN;
	else if (fits_locked(ch, len))
		*err = 0;
	else
		done = false;
	spin_unlock_irq(&hs_ccm.lock);
	return done;
}

int hs_ccm_wait_space(struct hs_ccm_chan *ch, u32 len, long timeout)
{
	long left;
	int err = 0;

	might_sleep();
	left = wait_event_interruptible_timeout(ch->space_wq,
						space_or_gone(ch, len, &err),
						timeout);
	if (left < 0)
		return left;
	if (!left)
		return -ETIMEDOUT;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_wait_space);

/* The configured partner's node id, 0 if none. */
u32 hs_ccm_partner(void)
{
	unsigned long flags;
	u32 id;

	spin_lock_irqsave(&hs_ccm.lock, flags);
	id = hs_ccm.configured ? hs_ccm.cfg.partner_id : 0;
	spin_unlock_irqrestore(&hs_ccm.lock, flags);
	return id;
}

u64 hs_ccm_session(void)
{
	unsigned long flags;
	u64 s;

	spin_lock_irqsave(&hs_ccm.lock, flags);
	s = hs_ccm.reachable ? hs_ccm.session : 0;
	spin_unlock_irqrestore(&hs_ccm.lock, flags);
	return s;
}

/* ---- configuration ---- */

static void links_teardown(void)
{
	int i;

	lockdep_assert_held(&hs_ccm.cfg_lock);
	for (i = 0; i < HASTOR_MAX_LINKS; i++)
		if (hs_ccm.links[i])
			hs_ccm_link_stop(hs_ccm.links[i]);
	cancel_delayed_work_sync(&hs_ccm.tick_work);
	cancel_delayed_work_sync(&hs_ccm.unreach_work);
	mutex_lock(&hs_ccm.deliver_lock);
	session_end();
	mutex_unlock(&hs_ccm.deliver_lock);
	for (i = 0; i < HASTOR_MAX_LINKS; i++) {
		if (hs_ccm.links[i])
			hs_ccm_link_destroy(hs_ccm.links[i]);
		hs_ccm.links[i] = NULL;
	}
	hs_ccm.configured = false;
}

int hs_ccm_partner_set(const struct hs_ccm_cfg *cfg,
		       struct netlink_ext_ack *extack)
{
	struct hs_ccm_link *links[HASTOR_MAX_LINKS] = {};
	struct hastor_node_info node;
	unsigned int i;
	int err;

	mutex_lock(&hs_ccm.cfg_lock);
	hastor_node_get(&node);
	if (node.state != HASTOR_NODE_CONFIGURED) {
		NL_SET_ERR_MSG(extack, "configure the node (id, cluster) first");
		err = -EINVAL;
		goto out;
	}
	if (cfg->partner_id == node.id) {
		NL_SET_ERR_MSG(extack, "the partner cannot be this node");
		err = -EINVAL;
		goto out;
	}
	/* Everything that can fail comes before the old partner goes. */
	for (i = 0; i < cfg->nr_links; i++) {
		links[i] = hs_ccm_link_create(i, &cfg->links[i],
					      node.id < cfg->partner_id);
		if (IS_ERR(links[i])) {
			err = PTR_ERR(links[i]);
			links[i] = NULL;
			goto err_links;
		}
		err = hs_ccm_link_start(links[i]);
		if (err)
			goto err_links;
	}
	if (hs_ccm.configured)
		links_teardown();

	hs_ccm.cfg = *cfg;
	hs_ccm.self_id = node.id;
	hs_ccm.cluster_id = node.cluster_id;
	hs_ccm.ended = 0;
	hs_ccm.peer_boot = 0;
	memcpy(hs_ccm.links, links, sizeof(links));
	hs_ccm.configured = true;
	for (i = 0; i < cfg->nr_links; i++) {
		wake_up_process(links[i]->thread);
		if (links[i]->listener)
			wake_up_process(links[i]->listener);
	}
	queue_delayed_work(hs_ccm.wq, &hs_ccm.tick_work,
			   hs_ccm_ms(cfg->hb_interval_ms));
	err = 0;
	goto out;

err_links:
	for (i = 0; i < HASTOR_MAX_LINKS; i++)
		if (links[i])
			hs_ccm_link_destroy(links[i]);
out:
	mutex_unlock(&hs_ccm.cfg_lock);
	return err;
}

int hs_ccm_partner_clear(u32 *partner_id)
{
	int err = 0;

	mutex_lock(&hs_ccm.cfg_lock);
	*partner_id = hs_ccm.cfg.partner_id;
	if (hs_ccm.configured)
		links_teardown();
	else
		err = -ENOENT;
	memzero_explicit(&hs_ccm.cfg, sizeof(hs_ccm.cfg));
	mutex_unlock(&hs_ccm.cfg_lock);
	return err;
}

int hs_ccm_init(void)
{
	int i;

	mutex_init(&hs_ccm.cfg_lock);
	mutex_init(&hs_ccm.deliver_lock);
	spin_lock_init(&hs_ccm.lock);
	INIT_DELAYED_WORK(&hs_ccm.unreach_work, unreach_work);
	INIT_DELAYED_WORK(&hs_ccm.tick_work, tick_work);
	for (i = 0; i < HS_CCM_NR_CHANS; i++) {
		hs_ccm.chans[i].id = i;
		INIT_LIST_HEAD(&hs_ccm.chans[i].txq);
		init_waitqueue_head(&hs_ccm.chans[i].space_wq);
		chan_reset_locked(&hs_ccm.chans[i]);
	}
	do {
		hs_ccm.boot_id = get_random_u64();
	} while (!hs_ccm.boot_id);
	/* Links send from here; storage traffic may depend on them. */
	hs_ccm.wq = alloc_workqueue("hastor_ccm", WQ_MEM_RECLAIM | WQ_UNBOUND,
				    0);
	return hs_ccm.wq ? 0 : -ENOMEM;
}

void hs_ccm_exit(void)
{
	mutex_lock(&hs_ccm.cfg_lock);
	if (hs_ccm.configured)
		links_teardown();
	memzero_explicit(&hs_ccm.cfg, sizeof(hs_ccm.cfg));
	mutex_unlock(&hs_ccm.cfg_lock);
	destroy_workqueue(hs_ccm.wq);
}
