/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster connection manager's client API: channels to the partner.
 *
 * A client opens a channel by its fixed id and then sends and receives
 * messages on it; it never sees links.  Within one session, the messages
 * of a channel arrive in order, each exactly once, whatever happens to
 * individual links.  A session lasts while the partner stays reachable;
 * when it ends, the client is told (state(false)) and every message not
 * yet acknowledged by the partner is dropped; when the partner is back, a
 * new session starts (state(true, session)) and both ends start over, so
 * that clients resynchronise at their own level.
 *
 * Messages: a u16 client type and a payload of len bytes in order-0
 * pages (lowmem, so page_address() works), so that a receiver can build
 * a bio straight from them.  Reference counted; the payload must not
 * change once the message is sent.
 *
 * Contexts:
 *  - hs_ccm_send(), hs_ccm_msg_get/put() and the copy helpers: any
 *    context, including hard and soft interrupts; they never sleep.
 *  - hs_ccm_msg_alloc(): as its gfp mask allows.
 *  - hs_ccm_chan_open/close(), hs_ccm_wait_space(): process context,
 *    never from inside a channel callback.
 *  - ops->recv and ops->state: process context (a link's thread),
 *    serialised with each other for all channels; they must not sleep
 *    for long, must not call hs_ccm_chan_close() or hs_ccm_wait_space(),
 *    and may call hs_ccm_send().
 *
 * Flow control: a channel holds at most HS_CCM_WIN_MSGS messages or
 * HS_CCM_WIN_BYTES payload bytes that the partner has not acknowledged
 * (one message of any allowed size always fits in an empty window).
 * Beyond that hs_ccm_send() returns -EAGAIN; a client in process context
 * may then sleep in hs_ccm_wait_space() until the message fits.
 */
#ifndef _HASTOR_CCM_H
#define _HASTOR_CCM_H

#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/refcount.h>
#include <linux/types.h>

#include "ccm_frame.h"

enum hs_ccm_chan_id {
	HS_CCM_CHAN_PING = 1,	/* ccm_ping.c: echo service and ping */
	HS_CCM_CHAN_WLOG = 2,	/* the write-log mirror */
	HS_CCM_CHAN_IO = 3,	/* remote.h: volume I/O forwarded to the partner */
	HS_CCM_CHAN_HA = 4,	/* ccm_ha.c: the HA daemons' messages */
	HS_CCM_CHAN_MAX = HS_CCM_NR_CHANS - 1,
};

#define HS_CCM_WIN_MSGS		1024
#define HS_CCM_WIN_BYTES	(8U << 20)

struct hs_ccm_msg {
	refcount_t ref;
	u16 type;		/* client-defined */
	u32 len;		/* payload bytes */
	unsigned int nr_pages;
	/* Free for the client while the message is not queued for sending. */
	struct list_head user;
	/* The manager's, while queued: */
	struct list_head tx_node;
	u64 seq;
	unsigned int sends;
	bool queued;
	struct page *pages[];
};

struct hs_ccm_chan;

struct hs_ccm_chan_ops {
	/*
	 * A message, in order, once per session.  The reference is the
	 * manager's and is dropped on return; take one to keep the message.
	 */
	void (*recv)(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg);
	/*
	 * The partner became reachable (a new session, its id nonzero) or
	 * unreachable (session is the one that ended).  Called on open too
	 * when the partner is reachable then.
	 */
	void (*state)(struct hs_ccm_chan *ch, bool reachable, u64 session);
};

struct hs_ccm_msg *hs_ccm_msg_alloc(u16 type, u32 len, gfp_t gfp);
void hs_ccm_msg_put(struct hs_ccm_msg *msg);

static inline struct hs_ccm_msg *hs_ccm_msg_get(struct hs_ccm_msg *msg)
{
	refcount_inc(&msg->ref);
	return msg;
}

void hs_ccm_msg_copy_to(struct hs_ccm_msg *msg, u32 off, const void *src,
			u32 len);
void hs_ccm_msg_copy_from(const struct hs_ccm_msg *msg, u32 off, void *dst,
			  u32 len);

/* ERR_PTR(-EINVAL) for a bad id, -EBUSY when the channel is open. */
struct hs_ccm_chan *hs_ccm_chan_open(u16 id, const struct hs_ccm_chan_ops *ops,
				     void *priv);
/* No callback runs once this returns; queued messages are still sent. */
void hs_ccm_chan_close(struct hs_ccm_chan *ch);
void *hs_ccm_chan_priv(struct hs_ccm_chan *ch);

/*
 * Queues msg for the partner.  On success the manager owns the caller's
 * reference; on error the caller keeps it.  -ENOTCONN: no session;
 * -EAGAIN: the window is full; -EMSGSIZE: len > HS_CCM_MSG_MAX; -EBUSY:
 * the message is already queued.
 */
int hs_ccm_send(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg);

/*
 * Sleeps until a message of len bytes fits in the channel's window.
 * 0, -ENOTCONN (no session), -ETIMEDOUT or -ERESTARTSYS.
 */
int hs_ccm_wait_space(struct hs_ccm_chan *ch, u32 len, long timeout);

/* The current session, 0 while the partner is unreachable. */
u64 hs_ccm_session(void);
u32 hs_ccm_partner(void);

#endif /* _HASTOR_CCM_H */
