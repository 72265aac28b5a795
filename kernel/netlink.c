// SPDX-License-Identifier: GPL-2.0
/*
 * The generic-netlink family "hastor": the only way userspace steers the
 * module.  See include/uapi/linux/hastor.h for the attribute trees and
 * Documentation/netlink.md for the reference.
 *
 * Every operation is GENL_ADMIN_PERM and has a policy of its own, so the
 * core rejects anything a command does not name (strict validation is the
 * default for a family with resv_start_op 0).  Handlers add the checks a
 * policy cannot express and always say why in the extended ack.  Replies
 * and events are built from one snapshot of state taken under the owning
 * subsystem's lock, never while holding it.
 */
#include <net/genetlink.h>
#include <kunit/visibility.h>

#include "hastor.h"
#include "node.h"
#include "netlink.h"
#include "wlog.h"

static struct netlink_range_validation hastor_node_id_range = {
	.min = 1,
	.max = HASTOR_NODE_ID_MAX,
};

static struct netlink_range_validation hastor_cluster_id_range = {
	.min = 1,
	.max = U32_MAX,
};

VISIBLE_IF_KUNIT const struct nla_policy
hastor_node_set_policy[HASTOR_A_NODE_MAX + 1] = {
	[HASTOR_A_NODE_ID] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &hastor_node_id_range),
	[HASTOR_A_NODE_CLUSTER_ID] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hastor_cluster_id_range),
	[HASTOR_A_NODE_NAME] = { .type = NLA_NUL_STRING,
				 .len = HASTOR_NAME_MAX },
	[HASTOR_A_NODE_NVRAM] = { .type = NLA_NUL_STRING,
				  .len = HASTOR_PATH_MAX },
	[HASTOR_A_NODE_NVRAM_FORMAT] = { .type = NLA_FLAG },
	[HASTOR_A_NODE_NVRAM_DETACH] = { .type = NLA_FLAG },
};
EXPORT_SYMBOL_IF_KUNIT(hastor_node_set_policy);

VISIBLE_IF_KUNIT const struct nla_policy hastor_set_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_NODE] = NLA_POLICY_NESTED(hastor_node_set_policy),
};
EXPORT_SYMBOL_IF_KUNIT(hastor_set_policy);

/* Commands that take no attributes still get a policy: one that has none. */
static const struct nla_policy hastor_empty_policy[HASTOR_A_MAX + 1] = {
};

static struct genl_family hastor_genl_family;

enum hastor_mcgrp {
	HASTOR_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group hastor_mcgrps[] = {
	/* Events name nodes and disks: not for unprivileged listeners. */
	[HASTOR_MCGRP_EVENTS_ID] = { .name = HASTOR_MCGRP_EVENTS,
				     .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static int hastor_put_module(struct sk_buff *skb)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, HASTOR_A_MODULE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, HASTOR_A_MODULE_VERSION, HASTOR_VERSION) ||
	    nla_put_u32(skb, HASTOR_A_MODULE_FAMILY_VERSION,
			HASTOR_GENL_VERSION)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int hastor_put_node(struct sk_buff *skb,
			   const struct hastor_node_info *node)
{
	char wlog_path[HASTOR_PATH_MAX + 1];
	struct nlattr *nest;

	hs_wlog_path(wlog_path, sizeof(wlog_path));

	nest = nla_nest_start(skb, HASTOR_A_NODE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HASTOR_A_NODE_STATE, node->state) ||
	    nla_put_u32(skb, HASTOR_A_NODE_GENERATION, node->generation))
		goto err_cancel;
	if (node->state != HASTOR_NODE_UNCONFIGURED &&
	    (nla_put_u32(skb, HASTOR_A_NODE_ID, node->id) ||
	     nla_put_u32(skb, HASTOR_A_NODE_CLUSTER_ID, node->cluster_id) ||
	     nla_put_u64_64bit(skb, HASTOR_A_NODE_PR_KEY,
			       hastor_pr_key(node->cluster_id, node->id),
			       HASTOR_A_NODE_PAD)))
		goto err_cancel;
	if (node->name[0] &&
	    nla_put_string(skb, HASTOR_A_NODE_NAME, node->name))
		goto err_cancel;
	if (wlog_path[0] &&
	    nla_put_string(skb, HASTOR_A_NODE_NVRAM, wlog_path))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* A message carrying the module and node, as reply or as event. */
static struct sk_buff *hastor_node_msg(const struct hastor_node_info *node,
				       u32 portid, u32 seq, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(skb, portid, seq, &hastor_genl_family, 0, cmd);
	if (!hdr)
		goto err_free;
	if (hastor_put_module(skb) || hastor_put_node(skb, node))
		goto err_free;
	genlmsg_end(skb, hdr);
	return skb;

err_free:
	nlmsg_free(skb);
	return ERR_PTR(-EMSGSIZE);
}

void *hastor_genl_put(struct sk_buff *skb, u32 portid, u32 seq, u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &hastor_genl_family, 0, cmd);
}

/*
 * Events may still be raised while the module unloads (the interconnect
 * tears its links down after the family is gone): they go nowhere then.
 */
static bool hastor_genl_up;

void hastor_genl_notify(struct sk_buff *skb)
{
	if (!READ_ONCE(hastor_genl_up)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast(&hastor_genl_family, skb, 0, HASTOR_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
}

static void hastor_notify_node(const struct hastor_node_info *node)
{
	struct sk_buff *skb;

	skb = hastor_node_msg(node, 0, 0, HASTOR_CMD_NODE_NTF);
	if (IS_ERR(skb)) {
		pr_warn_ratelimited("hastor: node event lost: %ld\n",
				    PTR_ERR(skb));
		return;
	}
	/* -ESRCH only means nobody listens, which is fine. */
	genlmsg_multicast(&hastor_genl_family, skb, 0, HASTOR_MCGRP_EVENTS_ID,
			  GFP_KERNEL);
}

static int hastor_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hastor_node_info node;
	struct sk_buff *msg;

	hastor_node_get(&node);
	msg = hastor_node_msg(&node, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_NODE_GET);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/* Attach or detach the write log; nothing else in the same request. */
static int hastor_nl_node_nvram(struct nlattr **tb, struct genl_info *info)
{
	struct hastor_node_info node;
	struct sk_buff *msg;
	int err;

	if (tb[HASTOR_A_NODE_ID] || tb[HASTOR_A_NODE_CLUSTER_ID] ||
	    tb[HASTOR_A_NODE_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HASTOR_A_NODE],
				    "change the identity and the write log in separate requests");
		return -EINVAL;
	}
	if (tb[HASTOR_A_NODE_NVRAM_DETACH] &&
	    (tb[HASTOR_A_NODE_NVRAM] || tb[HASTOR_A_NODE_NVRAM_FORMAT])) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[HASTOR_A_NODE_NVRAM_DETACH],
				    "detach takes no device");
		return -EINVAL;
	}
	if (!tb[HASTOR_A_NODE_NVRAM_DETACH] && !tb[HASTOR_A_NODE_NVRAM]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[HASTOR_A_NODE_NVRAM_FORMAT],
				    "format needs the device (HASTOR_A_NODE_NVRAM)");
		return -EINVAL;
	}
	if (tb[HASTOR_A_NODE_NVRAM] &&
	    (nla_len(tb[HASTOR_A_NODE_NVRAM]) < 2 ||
	     *(char *)nla_data(tb[HASTOR_A_NODE_NVRAM]) != '/')) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_NODE_NVRAM],
				    "the log device must be an absolute path");
		return -EINVAL;
	}
	if (tb[HASTOR_A_NODE_NVRAM_DETACH])
		err = hs_wlog_detach(info->extack);
	else
		err = hs_wlog_attach(nla_data(tb[HASTOR_A_NODE_NVRAM]),
				     !!tb[HASTOR_A_NODE_NVRAM_FORMAT],
				     info->extack);
	if (err)
		return err;
	hastor_node_get(&node);
	hastor_notify_node(&node);
	msg = hastor_node_msg(&node, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_NODE_SET);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

static int hastor_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_NODE_MAX + 1];
	struct hastor_node_update upd = {};
	struct hastor_node_info node;
	struct sk_buff *msg;
	bool changed;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HASTOR_A_NODE)) {
		GENL_SET_ERR_MSG(info, "node attributes (HASTOR_A_NODE) missing");
		return -EINVAL;
	}
	/* The core validated the nest against its policy already. */
	err = nla_parse_nested(tb, HASTOR_A_NODE_MAX,
			       info->attrs[HASTOR_A_NODE],
			       hastor_node_set_policy, info->extack);
	if (err)
		return err;
	if (tb[HASTOR_A_NODE_NVRAM] || tb[HASTOR_A_NODE_NVRAM_FORMAT] ||
	    tb[HASTOR_A_NODE_NVRAM_DETACH])
		return hastor_nl_node_nvram(tb, info);
	if (!tb[HASTOR_A_NODE_ID] && !tb[HASTOR_A_NODE_CLUSTER_ID] &&
	    !tb[HASTOR_A_NODE_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HASTOR_A_NODE],
				    "nothing to set");
		return -EINVAL;
	}
	/* A write log belongs to the node id it was formatted for. */
	if ((tb[HASTOR_A_NODE_ID] || tb[HASTOR_A_NODE_CLUSTER_ID]) &&
	    hs_wlog_path(NULL, 0)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HASTOR_A_NODE],
				    "detach the write log before changing the node's identity");
		return -EBUSY;
	}
	if (tb[HASTOR_A_NODE_ID])
		upd.id = nla_get_u32(tb[HASTOR_A_NODE_ID]);
	if (tb[HASTOR_A_NODE_CLUSTER_ID])
		upd.cluster_id = nla_get_u32(tb[HASTOR_A_NODE_CLUSTER_ID]);
	if (tb[HASTOR_A_NODE_NAME]) {
		upd.name = nla_data(tb[HASTOR_A_NODE_NAME]);
		if (!hastor_name_valid(upd.name)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[HASTOR_A_NODE_NAME],
					    "name must be 1-" __stringify(HASTOR_NAME_MAX)
					    " characters of A-Z a-z 0-9 . _ -");
			return -EINVAL;
		}
	}

	err = hastor_node_update(&upd, &node, &changed, info->extack);
	if (err)
		return err;
	if (changed)
		hastor_notify_node(&node);

	msg = hastor_node_msg(&node, info->snd_portid, info->snd_seq,
			      HASTOR_CMD_NODE_SET);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

static const struct genl_ops hastor_genl_ops[] = {
	{
		.cmd = HASTOR_CMD_NODE_GET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_empty_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_node_get,
	},
	{
		.cmd = HASTOR_CMD_NODE_SET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_set_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_node_set,
	},
	{
		.cmd = HASTOR_CMD_POOL_CREATE,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_pool_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_pool_create,
	},
	{
		.cmd = HASTOR_CMD_POOL_GET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_pool_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_pool_get,
		.dumpit = hastor_nl_pool_dump,
	},
	{
		.cmd = HASTOR_CMD_VOL_CREATE,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_vol_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_vol_create,
	},
	{
		.cmd = HASTOR_CMD_VOL_DELETE,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_vol_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_vol_delete,
	},
	{
		.cmd = HASTOR_CMD_VOL_RESIZE,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_vol_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_vol_resize,
	},
	{
		.cmd = HASTOR_CMD_SNAP_CREATE,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_vol_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_snap_create,
	},
	{
		.cmd = HASTOR_CMD_CLONE_CREATE,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_vol_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_clone_create,
	},
	{
		.cmd = HASTOR_CMD_VOL_GET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_vol_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_vol_get,
		.dumpit = hastor_nl_vol_dump,
	},
	{
		.cmd = HASTOR_CMD_WLOG_GET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_empty_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_wlog_get,
	},
	{
		.cmd = HASTOR_CMD_WLOG_SET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_wlog_set_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_wlog_set,
	},
	{
		.cmd = HASTOR_CMD_PARTNER_SET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_partner_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_partner_set,
	},
	{
		.cmd = HASTOR_CMD_PARTNER_GET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_empty_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_partner_get,
	},
	{
		.cmd = HASTOR_CMD_PARTNER_CLEAR,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_empty_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_partner_clear,
	},
	{
		.cmd = HASTOR_CMD_LINK_GET,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_link_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_link_get,
		.dumpit = hastor_nl_link_dump,
	},
	{
		.cmd = HASTOR_CMD_PING,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_ping_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_ping,
	},
	{
		.cmd = HASTOR_CMD_DISK_PR,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_disk_pr_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_disk_pr,
	},
	{
		.cmd = HASTOR_CMD_DISK_LABEL,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_disk_label_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_disk_label,
	},
	{
		.cmd = HASTOR_CMD_HA_SEND,
		.flags = GENL_ADMIN_PERM,
		.policy = hastor_ha_req_policy,
		.maxattr = HASTOR_A_MAX,
		.doit = hastor_nl_ha_send,
	},
};

static struct genl_family hastor_genl_family __ro_after_init = {
	.name = HASTOR_GENL_NAME,
	.version = HASTOR_GENL_VERSION,
	.maxattr = HASTOR_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = hastor_genl_ops,
	.n_ops = ARRAY_SIZE(hastor_genl_ops),
	.mcgrps = hastor_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hastor_mcgrps),
};

int __init hastor_genl_init(void)
{
	int err = genl_register_family(&hastor_genl_family);

	WRITE_ONCE(hastor_genl_up, !err);
	return err;
}

void hastor_genl_exit(void)
{
	WRITE_ONCE(hastor_genl_up, false);
	genl_unregister_family(&hastor_genl_family);
}
