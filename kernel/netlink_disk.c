// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink commands for shared disks: HASTOR_CMD_DISK_PR (a persistent-
 * reservation command with this node's key) and HASTOR_CMD_DISK_LABEL
 * (a spare label).  Each has a policy naming only its own attributes,
 * so an attribute of the other is refused by the core; the handlers
 * add what a policy cannot say, with the reason in the extended ack.
 * The work is fence.c's.
 */
#include <net/genetlink.h>

#include "netlink.h"
#include "fence.h"

static struct netlink_range_validation disk_node_range = {
	.min = 1,
	.max = HASTOR_NODE_ID_MAX,
};

static struct netlink_range_validation disk_key_range = {
	.min = 1,
	.max = U64_MAX,
};

static const struct nla_policy disk_pr_policy[HASTOR_A_DISK_MAX + 1] = {
	[HASTOR_A_DISK_PATH] = { .type = NLA_NUL_STRING,
				 .len = HASTOR_PATH_MAX },
	[HASTOR_A_DISK_PR_ACTION] = NLA_POLICY_MAX(NLA_U32, HASTOR_PR_MAX),
	[HASTOR_A_DISK_PR_KEY] = NLA_POLICY_FULL_RANGE(NLA_U64,
						       &disk_key_range),
};

static const struct nla_policy disk_label_policy[HASTOR_A_DISK_MAX + 1] = {
	[HASTOR_A_DISK_PATH] = { .type = NLA_NUL_STRING,
				 .len = HASTOR_PATH_MAX },
	[HASTOR_A_DISK_OWNER] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &disk_node_range),
	[HASTOR_A_DISK_HOME] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &disk_node_range),
};

const struct nla_policy hastor_disk_pr_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_DISK] = NLA_POLICY_NESTED(disk_pr_policy),
};

const struct nla_policy hastor_disk_label_req_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_DISK] = NLA_POLICY_NESTED(disk_label_policy),
};

/* The nest, parsed, with an absolute path in it; 0 or -errno. */
static int disk_parse(struct genl_info *info, const struct nla_policy *pol,
		      struct nlattr **tb)
{
	const char *path;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HASTOR_A_DISK)) {
		GENL_SET_ERR_MSG(info, "disk attributes (HASTOR_A_DISK) missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, HASTOR_A_DISK_MAX, info->attrs[HASTOR_A_DISK],
			       pol, info->extack);
	if (err)
		return err;
	if (!tb[HASTOR_A_DISK_PATH]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_DISK],
				     HASTOR_A_DISK_PATH);
		GENL_SET_ERR_MSG(info, "disk path missing");
		return -EINVAL;
	}
	path = nla_data(tb[HASTOR_A_DISK_PATH]);
	if (path[0] != '/' || !path[1]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_DISK_PATH],
				    "the disk must be an absolute path");
		return -EINVAL;
	}
	return 0;
}

int hastor_nl_disk_pr(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_DISK_MAX + 1];
	enum hastor_pr_action action;
	u64 key = 0;
	int err;

	err = disk_parse(info, disk_pr_policy, tb);
	if (err)
		return err;
	if (!tb[HASTOR_A_DISK_PR_ACTION]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_DISK],
				     HASTOR_A_DISK_PR_ACTION);
		GENL_SET_ERR_MSG(info, "reservation action missing");
		return -EINVAL;
	}
	action = nla_get_u32(tb[HASTOR_A_DISK_PR_ACTION]);
	if (action == HASTOR_PR_PREEMPT && !tb[HASTOR_A_DISK_PR_KEY]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_DISK],
				     HASTOR_A_DISK_PR_KEY);
		GENL_SET_ERR_MSG(info, "preempt needs the key to preempt");
		return -EINVAL;
	}
	if (action != HASTOR_PR_PREEMPT && tb[HASTOR_A_DISK_PR_KEY]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HASTOR_A_DISK_PR_KEY],
				    "a key is given only to preempt it; the node's own key is implied");
		return -EINVAL;
	}
	if (tb[HASTOR_A_DISK_PR_KEY])
		key = nla_get_u64(tb[HASTOR_A_DISK_PR_KEY]);
	return hs_fence_pr(nla_data(tb[HASTOR_A_DISK_PATH]), action, key,
			   info->extack);
}

int hastor_nl_disk_label(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HASTOR_A_DISK_MAX + 1];
	u32 owner, home;
	int err;

	err = disk_parse(info, disk_label_policy, tb);
	if (err)
		return err;
	if (!tb[HASTOR_A_DISK_OWNER]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[HASTOR_A_DISK],
				     HASTOR_A_DISK_OWNER);
		GENL_SET_ERR_MSG(info, "owner node missing");
		return -EINVAL;
	}
	owner = nla_get_u32(tb[HASTOR_A_DISK_OWNER]);
	/* A disk lives where it is owned unless told otherwise. */
	home = tb[HASTOR_A_DISK_HOME] ? nla_get_u32(tb[HASTOR_A_DISK_HOME]) :
	       owner;
	return hs_fence_label_spare(nla_data(tb[HASTOR_A_DISK_PATH]), owner,
				    home, info->extack);
}
