// SPDX-License-Identifier: GPL-2.0
/*
 * The HA channel: datagrams between the two nodes' HA daemons.
 *
 * A planned takeover or giveback is a conversation between the daemons
 * ("hand me your pools", "pool P is exported, import it"); the kernel
 * only carries it, over the interconnect's authenticated links, so the
 * daemons need no transport of their own.  The payload is opaque here:
 * the daemons validate it (Documentation/ha.md).
 *
 * Receiving: the channel's recv callback runs on a link's thread, which
 * must not block on memory reclaim (reclaim may need that very link to
 * mirror a write), so it only queues the message; a work item turns the
 * queue into HASTOR_CMD_HA_NTF events.
 */
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "ccm.h"
#include "ccm_ha.h"
#include "netlink.h"

#define HS_HA_MSG_TYPE	1
#define HS_HA_BACKLOG	64	/* events not yet delivered; more are dropped */
#define HS_HA_SEND_WAIT	(2 * HZ)

static struct {
	struct hs_ccm_chan *ch;
	spinlock_t lock;
	struct list_head rx;		/* of hs_ccm_msg, by ->user */
	unsigned int rx_len;
	u64 rx_session;
	struct work_struct rx_work;
} hs_ha;

static void ha_notify(struct hs_ccm_msg *msg, u64 session)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	skb = genlmsg_new(nla_total_size(msg->len) + 64, GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = hastor_genl_put(skb, 0, 0, HASTOR_CMD_HA_NTF);
	nest = hdr ? nla_nest_start(skb, HASTOR_A_HA) : NULL;
	if (!nest)
		goto lost_skb;
	/* The payload is at most HASTOR_HA_MSG_MAX bytes: one page. */
	if (nla_put(skb, HASTOR_A_HA_MSG, msg->len,
		    page_address(msg->pages[0])) ||
	    nla_put_u64_64bit(skb, HASTOR_A_HA_SESSION, session,
			      HASTOR_A_HA_UNSPEC))
		goto lost_skb;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	hastor_genl_notify(skb);
	return;

lost_skb:
	nlmsg_free(skb);
lost:
	pr_warn_ratelimited("hastor: an HA message from the partner was lost: no memory\n");
}

static void ha_rx_work(struct work_struct *work)
{
	struct hs_ccm_msg *msg;
	u64 session;

	for (;;) {
		spin_lock(&hs_ha.lock);
		msg = list_first_entry_or_null(&hs_ha.rx, struct hs_ccm_msg,
					       user);
		if (msg) {
			list_del_init(&msg->user);
			hs_ha.rx_len--;
		}
		session = hs_ha.rx_session;
		spin_unlock(&hs_ha.lock);
		if (!msg)
			return;
		ha_notify(msg, session);
		hs_ccm_msg_put(msg);
	}
}

static void ha_recv(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	bool dropped = false;

	/* The sender is authenticated, not trusted: its sizes are checked. */
	if (msg->type != HS_HA_MSG_TYPE || !msg->len ||
	    msg->len > HASTOR_HA_MSG_MAX) {
		pr_warn_ratelimited("hastor: HA message of type %u, %u bytes, refused\n",
				    msg->type, msg->len);
		return;
	}
	spin_lock(&hs_ha.lock);
	if (hs_ha.rx_len < HS_HA_BACKLOG) {
		list_add_tail(&hs_ccm_msg_get(msg)->user, &hs_ha.rx);
		hs_ha.rx_len++;
	} else {
		dropped = true;
	}
	spin_unlock(&hs_ha.lock);
	if (dropped)
		pr_warn_ratelimited("hastor: HA message dropped: %u not yet delivered\n",
				    HS_HA_BACKLOG);
	else
		queue_work(system_wq, &hs_ha.rx_work);
}

static void ha_state(struct hs_ccm_chan *ch, bool reachable, u64 session)
{
	if (!reachable)
		return;
	spin_lock(&hs_ha.lock);
	hs_ha.rx_session = session;
	spin_unlock(&hs_ha.lock);
}

static const struct hs_ccm_chan_ops ha_ops = {
	.recv = ha_recv,
	.state = ha_state,
};

int hs_ccm_ha_send(const void *data, u32 len)
{
	struct hs_ccm_msg *msg;
	int err;

	if (!len || len > HASTOR_HA_MSG_MAX)
		return -EINVAL;
	msg = hs_ccm_msg_alloc(HS_HA_MSG_TYPE, len, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hs_ccm_msg_copy_to(msg, 0, data, len);
	err = hs_ccm_send(hs_ha.ch, msg);
	if (err == -EAGAIN) {
		err = hs_ccm_wait_space(hs_ha.ch, len, HS_HA_SEND_WAIT);
		if (!err)
			err = hs_ccm_send(hs_ha.ch, msg);
	}
	if (err)
		hs_ccm_msg_put(msg);
	return err;
}

int __init hs_ccm_ha_init(void)
{
	spin_lock_init(&hs_ha.lock);
	INIT_LIST_HEAD(&hs_ha.rx);
	INIT_WORK(&hs_ha.rx_work, ha_rx_work);
	hs_ha.ch = hs_ccm_chan_open(HS_CCM_CHAN_HA, &ha_ops, NULL);
	if (IS_ERR(hs_ha.ch))
		return PTR_ERR(hs_ha.ch);
	return 0;
}

void hs_ccm_ha_exit(void)
{
	struct hs_ccm_msg *msg, *tmp;

	hs_ccm_chan_close(hs_ha.ch);
	cancel_work_sync(&hs_ha.rx_work);
	list_for_each_entry_safe(msg, tmp, &hs_ha.rx, user) {
		list_del(&msg->user);
		hs_ccm_msg_put(msg);
	}
}
