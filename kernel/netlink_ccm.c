// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands and events of the interconnect: the partner, its
 * links, and the ping (see include/uapi/linux/hastor.h).  Policies bound
 * every value; handlers check what spans attributes and say why in the
 * extended ack.  The secret goes in and never comes out.
 */
#include <linux/inet.h>
#include <net/genetlink.h>
#include <kunit/visibility.h>

#include "netlink.h"
#include "ccm_priv.h"
#include "ccm_ping.h"
#include "ccm_ha.h"

static struct netlink_range_validation partner_id_range = {
	.min = 1,
	.max = HASTOR_NODE_ID_MAX,
};

static struct netlink_range_validation hb_interval_range = {
	.min = HASTOR_HB_INTERVAL_MIN,
	.max = HASTOR_HB_INTERVAL_MAX,
};

static struct netlink_range_validation hb_timeout_range = {
	.min = HASTOR_HB_TIMEOUT_MIN,
	.max = HASTOR_HB_TIMEOUT_MAX,
};

static struct netlink_range_validation ping_count_range = {
	.min = 1,
	.max = HASTOR_PING_COUNT_MAX,
};

static struct netlink_range_validation ping_size_range = {
	.min = HASTOR_PING_SIZE_MIN,
	.max = HASTOR_PING_SIZE_MAX,
};

static const struct nla_policy link_cfg_policy[HASTOR_A_LINK_MAX + 1] = {
	[HASTOR_A_LINK_LOCAL_ADDR] = NLA_POLICY_EXACT_LEN(4),
	[HASTOR_A_LINK_REMOTE_ADDR] = NLA_POLICY_EXACT_LEN(4),
};

static const struct nla_policy partner_policy[HASTOR_A_PARTNER_MAX + 1] = {
	[HASTOR_A_PARTNER_NODE_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &partner_id_range),
	[HASTOR_A_PARTNER_LINK] = NLA_POLICY_NESTED(link_cfg_policy),
	[HASTOR_A_PARTNER_SECRET] = NLA_POLICY_RANGE(NLA_BINARY,
						     HASTOR_SECRET_MIN,
						     HASTOR_SECRET_MAX),
	[HASTOR_A_PARTNER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[HASTOR_A_PARTNER_HB_INTERVAL] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hb_interval_range),
	[HASTOR_A_PARTNER_HB_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hb_timeout_range),
};

static const struct nla_policy link_req_policy[HASTOR_A_LINK_MAX + 1] = {
	[HASTOR_A_LINK_INDEX] = NLA_POLICY_MAX(NLA_U32, HASTOR_MAX_LINKS - 1),
};

static const struct nla_policy ping_policy[HASTOR_A_PING_MAX + 1] = {
	[HASTOR_A_PING_COUNT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &ping_count_range),
	[HASTOR_A_PING_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &ping_size_range),
};

const struct nla_policy hastor_partner_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_PARTNER] = NLA_POLICY_NESTED(partner_policy),
};
EXPORT_SYMBOL_IF_KUNIT(hastor_partner_req_policy);

const struct nla_policy hastor_link_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_LINK] = NLA_POLICY_NESTED(link_req_policy),
};

const struct nla_policy hastor_ping_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_PING] = NLA_POLICY_NESTED(ping_policy),
};
EXPORT_SYMBOL_IF_KUNIT(hastor_ping_req_policy);

static const struct nla_policy ha_policy[HASTOR_A_HA_MAX + 1] = {
	[HASTOR_A_HA_MSG] = NLA_POLICY_RANGE(NLA_BINARY, 1, HASTOR_HA_MSG_MAX),
	[HASTOR_A_HA_SESSION] = { .type = NLA_REJECT },
};

const struct nla_policy hastor_ha_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_HA] = NLA_POLICY_NESTED(ha_policy),
};
EXPORT_SYMBOL_IF_KUNIT(hastor_ha_req_policy);

/* ---- messages ---- */

static int put_addr(struct sk_buff *skb, int type, __be32 addr)
{
	return nla_put(skb, type, sizeof(addr), &addr);
}

static int put_link(struct sk_buff *skb, struct hs_ccm_link *link)
{
	static const int stat_attr[HS_STAT_NR] = {
		[HS_STAT_TX_BYTES] = HASTOR_A_LINK_TX_BYTES,
		[HS_STAT_RX_BYTES] = HASTOR_A_LINK_RX_BYTES,
		[HS_STAT_TX_FRAMES] = HASTOR_A_LINK_TX_FRAMES,
		[HS_STAT_RX_FRAMES] = HASTOR_A_LINK_RX_FRAMES,
		[HS_STAT_TX_MSGS] = HASTOR_A_LINK_TX_MSGS,
		[HS_STAT_RX_MSGS] = HASTOR_A_LINK_RX_MSGS,
		[HS_STAT_RESENDS] = HASTOR_A_LINK_RESENDS,
		[HS_STAT_AUTH_FAILURES] = HASTOR_A_LINK_AUTH_FAILURES,
		[HS_STAT_VERSION_MISMATCH] = HASTOR_A_LINK_VERSION_MISMATCH,
		[HS_STAT_BAD_FRAMES] = HASTOR_A_LINK_BAD_FRAMES,
		[HS_STAT_HB_TIMEOUTS] = HASTOR_A_LINK_HB_TIMEOUTS,
		[HS_STAT_CONNECT_FAILURES] = HASTOR_A_LINK_CONNECT_FAILURES,
		[HS_STAT_UPTIMES] = HASTOR_A_LINK_UPTIMES,
	};
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_LINK);
	enum hastor_link_state state;
	enum hastor_link_reason reason;
	u64 last_change;
	bool active;
	u32 rtt;
	int i;

	if (!nest)
		return -EMSGSIZE;
	spin_lock_irq(&hs_ccm.lock);
	state = link->state;
	reason = link->reason;
	last_change = link->last_change_ns;
	active = hs_ccm.primary == link;
	spin_unlock_irq(&hs_ccm.lock);
	rtt = READ_ONCE(link->rtt_us);
	if (nla_put_u32(skb, HASTOR_A_LINK_INDEX, link->index) ||
	    put_addr(skb, HASTOR_A_LINK_LOCAL_ADDR, link->addr.laddr) ||
	    put_addr(skb, HASTOR_A_LINK_REMOTE_ADDR, link->addr.raddr) ||
	    nla_put_u32(skb, HASTOR_A_LINK_STATE, state) ||
	    nla_put_u32(skb, HASTOR_A_LINK_ACTIVE, active) ||
	    (rtt && nla_put_u32(skb, HASTOR_A_LINK_RTT_US, rtt)) ||
	    nla_put_u32(skb, HASTOR_A_LINK_REASON, reason) ||
	    nla_put_u64_64bit(skb, HASTOR_A_LINK_LAST_CHANGE, last_change,
			      HASTOR_A_LINK_PAD))
		goto err;
	for (i = 0; i < HS_STAT_NR; i++)
		if (nla_put_u64_64bit(skb, stat_attr[i],
				      atomic64_read(&link->stats[i]),
				      HASTOR_A_LINK_PAD))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* The partner; its links' addresses with links (cfg_lock held). */
static int put_partner(struct sk_buff *skb, bool links)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_PARTNER);
	const struct hs_ccm_cfg *cfg = &hs_ccm.cfg;
	struct nlattr *ln;
	bool reachable;
	u64 session, boot;
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	spin_lock_irq(&hs_ccm.lock);
	reachable = hs_ccm.reachable;
	session = hs_ccm.session;
	boot = hs_ccm.peer_boot;
	spin_unlock_irq(&hs_ccm.lock);
	if (nla_put_u32(skb, HASTOR_A_PARTNER_NODE_ID, cfg->partner_id) ||
	    nla_put_u32(skb, HASTOR_A_PARTNER_STATE,
			reachable ? HASTOR_PARTNER_REACHABLE :
				    HASTOR_PARTNER_UNREACHABLE) ||
	    nla_put_u64_64bit(skb, HASTOR_A_PARTNER_SESSION,
			      reachable ? session : 0, HASTOR_A_PARTNER_PAD) ||
	    (boot && nla_put_u64_64bit(skb, HASTOR_A_PARTNER_BOOT_ID, boot,
				       HASTOR_A_PARTNER_PAD)))
		goto err;
	if (links) {
		if (nla_put_u16(skb, HASTOR_A_PARTNER_PORT, cfg->port) ||
		    nla_put_u32(skb, HASTOR_A_PARTNER_HB_INTERVAL,
				cfg->hb_interval_ms) ||
		    nla_put_u32(skb, HASTOR_A_PARTNER_HB_TIMEOUT,
				cfg->hb_timeout_ms) ||
		    nla_put_u32(skb, HASTOR_A_PARTNER_SECRET_LEN,
				cfg->secret_len))
			goto err;
		for (i = 0; i < cfg->nr_links; i++) {
			ln = nla_nest_start(skb, HASTOR_A_PARTNER_LINK);
			if (!ln ||
			    nla_put_u32(skb, HASTOR_A_LINK_INDEX, i) ||
			    put_addr(skb, HASTOR_A_LINK_LOCAL_ADDR,
				     cfg->links[i].laddr) ||
			    put_addr(skb, HASTOR_A_LINK_REMOTE_ADDR,
				     cfg->links[i].raddr))
				goto err;
			nla_nest_end(skb, ln);
		}
	}
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static void notify(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	hastor_genl_notify(skb);
}

void hs_ccm_notify_link(struct hs_ccm_link *link)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = hastor_genl_put(skb, 0, 0, HASTOR_CMD_LINK_NTF);
	if (!hdr || put_link(skb, link)) {
		nlmsg_free(skb);
		return;
	}
	notify(skb, hdr);
}

/* Callers hold cfg_lock or run while the configuration cannot change. */
void hs_ccm_notify_partner(u32 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = hastor_genl_put(skb, 0, 0, HASTOR_CMD_PARTNER_NTF);
	if (!hdr || nla_put_u32(skb, HASTOR_A_EVENT, event) ||
	    put_partner(skb, false)) {
		nlmsg_free(skb);
		return;
	}
	notify(skb, hdr);
}

static struct sk_buff *partner_reply(struct genl_info *info, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;
	int err = -EMSGSIZE;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = hastor_genl_put(msg, info->snd_portid, info->snd_seq, cmd);
	if (!hdr)
		goto err;
	mutex_lock(&hs_ccm.cfg_lock);
	err = hs_ccm.configured ? put_partner(msg, true) : 0;
	mutex_unlock(&hs_ccm.cfg_lock);
	if (err)
		goto err;
	genlmsg_end(msg, hdr);
	return msg;
err:
	nlmsg_free(msg);
	return ERR_PTR(err);
}

/* ---- requests ---- */

static int parse_link(struct genl_info *info, struct nlattr *attr,
		      struct hs_ccm_link_cfg *lc)
{
	struct nlattr *tb[HASTOR_A_LINK_MAX + 1];
	int err;

	err = nla_parse_nested(tb, HASTOR_A_LINK_MAX, attr, link_cfg_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[HASTOR_A_LINK_LOCAL_ADDR] || !tb[HASTOR_A_LINK_REMOTE_ADDR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "a link needs a local and a remote address");
		return -EINVAL;
	}
	lc->laddr = nla_get_in_addr(tb[HASTOR_A_LINK_LOCAL_ADDR]);
	lc->raddr = nla_get_in_addr(tb[HASTOR_A_LINK_REMOTE_ADDR]);
	if (ipv4_is_zeronet(lc->laddr) || ipv4_is_zeronet(lc->raddr) ||
	    ipv4_is_multicast(lc->laddr) || ipv4_is_multicast(lc->raddr) ||
	    ipv4_is_lbcast(lc->laddr) || ipv4_is_lbcast(lc->raddr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "link addresses must be unicast");
		return -EINVAL;
	}
	if (lc->laddr == lc->raddr) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "local and remote address are the same");
		return -EINVAL;
	}
	return 0;
}

int hastor_nl_partner_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_PARTNER_MAX + 1];
	struct hs_ccm_cfg *cfg;
	struct nlattr *attr;
	struct sk_buff *msg;
	int rem, err, i;

	if (GENL_REQ_ATTR_CHECK(info, HASTOR_A_PARTNER)) {
		GENL_SET_ERR_MSG(info, "partner attributes (HASTOR_A_PARTNER) missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, HASTOR_A_PARTNER_MAX,
			       info->attrs[HASTOR_A_PARTNER], partner_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[HASTOR_A_PARTNER_NODE_ID]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_PARTNER],
				     HASTOR_A_PARTNER_NODE_ID);
		GENL_SET_ERR_MSG(info, "the partner's node id is required");
		return -EINVAL;
	}
	if (!tb[HASTOR_A_PARTNER_SECRET]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_PARTNER],
				     HASTOR_A_PARTNER_SECRET);
		GENL_SET_ERR_MSG(info, "a shared secret is required");
		return -EINVAL;
	}

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	cfg->partner_id = nla_get_u32(tb[HASTOR_A_PARTNER_NODE_ID]);
	cfg->secret_len = nla_len(tb[HASTOR_A_PARTNER_SECRET]);
	memcpy(cfg->secret, nla_data(tb[HASTOR_A_PARTNER_SECRET]),
	       cfg->secret_len);
	cfg->port = tb[HASTOR_A_PARTNER_PORT] ?
		    nla_get_u16(tb[HASTOR_A_PARTNER_PORT]) : HASTOR_CCM_PORT;
	cfg->hb_interval_ms = tb[HASTOR_A_PARTNER_HB_INTERVAL] ?
			      nla_get_u32(tb[HASTOR_A_PARTNER_HB_INTERVAL]) :
			      HASTOR_HB_INTERVAL_DEFAULT;
	cfg->hb_timeout_ms = tb[HASTOR_A_PARTNER_HB_TIMEOUT] ?
			     nla_get_u32(tb[HASTOR_A_PARTNER_HB_TIMEOUT]) :
			     HASTOR_HB_TIMEOUT_DEFAULT;
	if (cfg->hb_timeout_ms < 2 * cfg->hb_interval_ms) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[HASTOR_A_PARTNER_HB_TIMEOUT] ?:
				    tb[HASTOR_A_PARTNER_HB_INTERVAL],
				    "the heartbeat timeout must be at least two intervals");
		err = -EINVAL;
		goto out;
	}
	nla_for_each_nested(attr, info->attrs[HASTOR_A_PARTNER], rem) {
		if (nla_type(attr) != HASTOR_A_PARTNER_LINK)
			continue;
		if (cfg->nr_links == HASTOR_MAX_LINKS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "too many links (at most " __stringify(HASTOR_MAX_LINKS) ")");
			err = -E2BIG;
			goto out;
		}
		err = parse_link(info, attr, &cfg->links[cfg->nr_links]);
		if (err)
			goto out;
		for (i = 0; i < cfg->nr_links; i++) {
			if (cfg->links[i].laddr ==
			    cfg->links[cfg->nr_links].laddr) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "two links share a local address");
				err = -EINVAL;
				goto out;
			}
		}
		cfg->nr_links++;
	}
	if (!cfg->nr_links) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_PARTNER],
				     HASTOR_A_PARTNER_LINK);
		GENL_SET_ERR_MSG(info, "at least one link is required");
		err = -EINVAL;
		goto out;
	}

	err = hs_ccm_partner_set(cfg, info->extack);
	if (err)
		goto out;
	hs_ccm_notify_partner(HASTOR_EVENT_CHANGED);
	msg = partner_reply(info, HASTOR_CMD_PARTNER_SET);
	err = IS_ERR(msg) ? PTR_ERR(msg) : genlmsg_reply(msg, info);
out:
	memzero_explicit(cfg, sizeof(*cfg));
	kfree(cfg);
	return err;
}

int hastor_nl_partner_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = partner_reply(info, HASTOR_CMD_PARTNER_GET);

	return IS_ERR(msg) ? PTR_ERR(msg) : genlmsg_reply(msg, info);
}

int hastor_nl_partner_clear(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *ntf;
	void *hdr;
	u32 id;
	int err;

	err = hs_ccm_partner_clear(&id);
	if (err) {
		GENL_SET_ERR_MSG(info, "no partner is configured");
		return err;
	}
	ntf = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ntf)
		return 0;
	hdr = hastor_genl_put(ntf, 0, 0, HASTOR_CMD_PARTNER_NTF);
	if (hdr && !nla_put_u32(ntf, HASTOR_A_EVENT, HASTOR_EVENT_DELETED)) {
		struct nlattr *n = nla_nest_start(ntf, HASTOR_A_PARTNER);

		if (n && !nla_put_u32(ntf, HASTOR_A_PARTNER_NODE_ID, id) &&
		    !nla_put_u32(ntf, HASTOR_A_PARTNER_STATE,
				 HASTOR_PARTNER_UNREACHABLE)) {
			nla_nest_end(ntf, n);
			notify(ntf, hdr);
			return 0;
		}
	}
	nlmsg_free(ntf);
	return 0;
}

int hastor_nl_link_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_LINK_MAX + 1];
	struct hs_ccm_link *link;
	struct sk_buff *msg;
	void *hdr;
	u32 index;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HASTOR_A_LINK)) {
		GENL_SET_ERR_MSG(info, "link attributes (HASTOR_A_LINK) missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, HASTOR_A_LINK_MAX, info->attrs[HASTOR_A_LINK],
			       link_req_policy, info->extack);
	if (err)
		return err;
	if (!tb[HASTOR_A_LINK_INDEX]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_LINK],
				     HASTOR_A_LINK_INDEX);
		GENL_SET_ERR_MSG(info, "the link index is required");
		return -EINVAL;
	}
	index = nla_get_u32(tb[HASTOR_A_LINK_INDEX]);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hastor_genl_put(msg, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_LINK_GET);
	err = -EMSGSIZE;
	mutex_lock(&hs_ccm.cfg_lock);
	link = hs_ccm.links[index];
	if (!link) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_LINK_INDEX],
				    "no such link");
		err = -ENOENT;
	} else if (hdr) {
		err = put_link(msg, link);
	}
	mutex_unlock(&hs_ccm.cfg_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int hastor_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hs_ccm_link *link;
	unsigned int i;
	void *hdr;
	int err = 0;

	mutex_lock(&hs_ccm.cfg_lock);
	for (i = cb->args[0]; i < HASTOR_MAX_LINKS; i++) {
		link = hs_ccm.links[i];
		if (!link)
			continue;
		hdr = hastor_genl_put(skb, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, HASTOR_CMD_LINK_GET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = put_link(skb, link);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&hs_ccm.cfg_lock);
	cb->args[0] = i;
	/* A full message ends this part of the dump; the rest comes next. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

int hastor_nl_ping(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_PING_MAX + 1] = {};
	struct hs_ping_result r;
	u32 count = 10, size = 64;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int err;

	if (info->attrs[HASTOR_A_PING]) {
		err = nla_parse_nested(tb, HASTOR_A_PING_MAX,
				       info->attrs[HASTOR_A_PING], ping_policy,
				       info->extack);
		if (err)
			return err;
	}
	if (tb[HASTOR_A_PING_COUNT])
		count = nla_get_u32(tb[HASTOR_A_PING_COUNT]);
	if (tb[HASTOR_A_PING_SIZE])
		size = nla_get_u32(tb[HASTOR_A_PING_SIZE]);

	err = hs_ccm_ping_run(count, size, &r);
	if (err == -EBUSY)
		GENL_SET_ERR_MSG(info, "another ping is running");
	else if (err == -ENOTCONN)
		GENL_SET_ERR_MSG(info, "the partner is unreachable");
	if (err == -ERESTARTSYS)
		err = -EINTR;
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hastor_genl_put(msg, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_PING);
	nest = hdr ? nla_nest_start(msg, HASTOR_A_PING) : NULL;
	if (!nest ||
	    nla_put_u32(msg, HASTOR_A_PING_COUNT, r.count) ||
	    nla_put_u32(msg, HASTOR_A_PING_SIZE, r.size) ||
	    nla_put_u32(msg, HASTOR_A_PING_SENT, r.sent) ||
	    nla_put_u32(msg, HASTOR_A_PING_ECHOED, r.echoed) ||
	    nla_put_u32(msg, HASTOR_A_PING_LOST, r.lost) ||
	    nla_put_u32(msg, HASTOR_A_PING_DUPLICATED, r.duplicated) ||
	    nla_put_u32(msg, HASTOR_A_PING_OUT_OF_ORDER, r.out_of_order) ||
	    nla_put_u32(msg, HASTOR_A_PING_CORRUPTED, r.corrupted) ||
	    nla_put_u64_64bit(msg, HASTOR_A_PING_SESSION, r.session,
			      HASTOR_A_PING_PAD) ||
	    (r.echoed &&
	     (nla_put_u32(msg, HASTOR_A_PING_RTT_MIN_US, r.rtt_min_us) ||
	      nla_put_u32(msg, HASTOR_A_PING_RTT_AVG_US, r.rtt_avg_us) ||
	      nla_put_u32(msg, HASTOR_A_PING_RTT_MAX_US, r.rtt_max_us)))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int hastor_nl_ha_send(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_HA_MAX + 1];
	struct nlattr *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HASTOR_A_HA)) {
		GENL_SET_ERR_MSG(info, "HA message attributes (HASTOR_A_HA) missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, HASTOR_A_HA_MAX, info->attrs[HASTOR_A_HA],
			       ha_policy, info->extack);
	if (err)
		return err;
	msg = tb[HASTOR_A_HA_MSG];
	if (!msg) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HASTOR_A_HA],
				    "HASTOR_A_HA_MSG is required");
		return -EINVAL;
	}
	err = hs_ccm_ha_send(nla_data(msg), nla_len(msg));
	if (err == -ENOTCONN)
		GENL_SET_ERR_MSG(info, "the partner is unreachable");
	else if (err == -ETIMEDOUT)
		GENL_SET_ERR_MSG(info, "the HA channel stayed full");
	else if (err == -ERESTARTSYS)
		err = -EINTR;
	return err;
}
