// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink view of the write log: HASTOR_CMD_WLOG_GET, and WLOG_SET,
 * which freezes the partner's mirror for a takeover.  Attaching and
 * detaching the log are node settings (netlink.c, NODE_SET).
 */
#include <net/genetlink.h>

#include "netlink.h"
#include "wlog.h"

static int put_half(struct sk_buff *skb, int type,
		    const struct hs_wlog_half_state *h, int index)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HASTOR_A_WLOG_HALF_INDEX, index) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_HALF_EPOCH, h->epoch,
			      HASTOR_A_WLOG_HALF_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_HALF_FIRST_SEQ, h->first_seq,
			      HASTOR_A_WLOG_HALF_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_HALF_LAST_SEQ, h->last_seq,
			      HASTOR_A_WLOG_HALF_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_HALF_USED,
			      (u64)h->used << SECTOR_SHIFT,
			      HASTOR_A_WLOG_HALF_PAD) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_HALF_LIVE, h->live)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, HASTOR_A_WLOG_PAD);
}

static int put_partner(struct sk_buff *skb, const struct hs_wlog_info *w)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_WLOG_PARTNER);
	int i;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HASTOR_A_WLOG_PARTNER_NODE, w->peer_node) ||
	    nla_put(skb, HASTOR_A_WLOG_PARTNER_UUID, 16, w->peer_uuid) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_PARTNER_COVERED_SEQ,
			      w->peer_covered, HASTOR_A_WLOG_PARTNER_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_PARTNER_ENTRIES,
			      w->rx_entries, HASTOR_A_WLOG_PARTNER_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_PARTNER_BYTES, w->rx_bytes,
			      HASTOR_A_WLOG_PARTNER_PAD) ||
	    nla_put_u64_64bit(skb, HASTOR_A_WLOG_PARTNER_BAD, w->rx_bad,
			      HASTOR_A_WLOG_PARTNER_PAD))
		goto err_cancel;
	for (i = 0; i < 2; i++)
		if (put_half(skb, HASTOR_A_WLOG_PARTNER_HALF, &w->peer_half[i],
			     i))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_wlog(struct sk_buff *skb, const struct hs_wlog_info *w)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_WLOG);
	u32 state = w->failed ? HASTOR_WLOG_FAILED :
		    w->waiting ? HASTOR_WLOG_WAITING : HASTOR_WLOG_ACTIVE;
	char dev[24];
	int i;

	if (!nest)
		return -EMSGSIZE;
	snprintf(dev, sizeof(dev), "%u:%u", MAJOR(w->devt), MINOR(w->devt));
	if (nla_put_string(skb, HASTOR_A_WLOG_PATH, w->path) ||
	    nla_put_string(skb, HASTOR_A_WLOG_DEV, dev) ||
	    nla_put(skb, HASTOR_A_WLOG_UUID, 16, w->uuid) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_STATE, state) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_SYNC, w->sync) ||
	    (w->sync == HASTOR_WLOG_NOT_IN_SYNC && w->sync_why &&
	     nla_put_string(skb, HASTOR_A_WLOG_SYNC_REASON, w->sync_why)) ||
	    put_u64(skb, HASTOR_A_WLOG_HALF_SIZE,
		    w->layout.half_sectors << SECTOR_SHIFT) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_ACTIVE_HALF, w->active) ||
	    put_u64(skb, HASTOR_A_WLOG_NEXT_SEQ, w->next_seq) ||
	    put_u64(skb, HASTOR_A_WLOG_COVERED_SEQ, w->covered_seq) ||
	    put_u64(skb, HASTOR_A_WLOG_EPOCH, w->epoch) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_POOLS, w->nr_pools) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_QUEUED, w->queued) ||
	    put_u64(skb, HASTOR_A_WLOG_ENTRIES, w->stats.entries) ||
	    put_u64(skb, HASTOR_A_WLOG_RECORDS, w->stats.records) ||
	    put_u64(skb, HASTOR_A_WLOG_BYTES, w->stats.bytes) ||
	    put_u64(skb, HASTOR_A_WLOG_CPS, w->stats.cps) ||
	    put_u64(skb, HASTOR_A_WLOG_WAITS, w->stats.waits) ||
	    nla_put_u32(skb, HASTOR_A_WLOG_MIRROR_FROZEN, w->frozen))
		goto err_cancel;
	for (i = 0; i < 2; i++)
		if (put_half(skb, HASTOR_A_WLOG_HALF, &w->half[i], i))
			goto err_cancel;
	if (put_partner(skb, w))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static struct sk_buff *wlog_msg(u32 portid, u32 seq, u8 cmd)
{
	struct hs_wlog_info *w;
	struct sk_buff *msg;
	void *hdr;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	hs_wlog_info(w);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		kfree(w);
		return ERR_PTR(-ENOMEM);
	}
	hdr = hastor_genl_put(msg, portid, seq, cmd);
	if (!hdr || (w->attached && put_wlog(msg, w))) {
		nlmsg_free(msg);
		kfree(w);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(msg, hdr);
	kfree(w);
	return msg;
}

int hastor_nl_wlog_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = wlog_msg(info->snd_portid, info->snd_seq,
				       HASTOR_CMD_WLOG_GET);

	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/* The log's sync state changed: an event for hactl monitor. */
void hs_wlog_notify(void)
{
	struct sk_buff *msg = wlog_msg(0, 0, HASTOR_CMD_WLOG_NTF);

	if (IS_ERR(msg)) {
		pr_warn_ratelimited("hastor: write-log event lost: %ld\n",
				    PTR_ERR(msg));
		return;
	}
	hastor_genl_notify(msg);
}

static const struct nla_policy wlog_set_policy[HASTOR_A_WLOG_MAX + 1] = {
	[HASTOR_A_WLOG_MIRROR_FROZEN] = NLA_POLICY_MAX(NLA_U32, 1),
};

const struct nla_policy hastor_wlog_set_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_WLOG] = NLA_POLICY_NESTED(wlog_set_policy),
};

int hastor_nl_wlog_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_WLOG_MAX + 1];
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HASTOR_A_WLOG)) {
		NL_SET_ERR_MSG(info->extack,
			       "write-log attributes (HASTOR_A_WLOG) missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, HASTOR_A_WLOG_MAX, info->attrs[HASTOR_A_WLOG],
			       wlog_set_policy, info->extack);
	if (err)
		return err;
	if (!tb[HASTOR_A_WLOG_MIRROR_FROZEN]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_WLOG],
				     HASTOR_A_WLOG_MIRROR_FROZEN);
		NL_SET_ERR_MSG(info->extack, "nothing to set");
		return -EINVAL;
	}
	err = hs_wlog_freeze(nla_get_u32(tb[HASTOR_A_WLOG_MIRROR_FROZEN]),
			     info->extack);
	if (err)
		return err;
	hs_wlog_notify();
	msg = wlog_msg(info->snd_portid, info->snd_seq, HASTOR_CMD_WLOG_SET);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}
