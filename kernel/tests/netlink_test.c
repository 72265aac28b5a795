// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the netlink policies of hastor, run by the kernel's own
 * validator on hand-built attribute streams.  A policy entry that is
 * missing, too wide or of the wrong type would let hostile input reach a
 * handler; each case here is one way to try.
 */
#include <kunit/test.h>
#include <net/netlink.h>
#include <linux/skbuff.h>

#include "../netlink.h"

struct policy_case {
	const char *desc;
	void (*build)(struct sk_buff *skb);
	int err;		/* 0, or the errno the validator returns */
};

static void put_node(struct sk_buff *skb, int type, const void *data,
		     int len)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_NODE);

	if (type)
		nla_put(skb, type, len, data);
	nla_nest_end(skb, nest);
}

static void put_node_u32(struct sk_buff *skb, int type, u32 v)
{
	put_node(skb, type, &v, sizeof(v));
}

static void b_valid(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_NODE);

	nla_put_u32(skb, HASTOR_A_NODE_ID, 1);
	nla_put_u32(skb, HASTOR_A_NODE_CLUSTER_ID, 7);
	nla_put_string(skb, HASTOR_A_NODE_NAME, "alpha");
	nla_nest_end(skb, nest);
}

static void b_id_max(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_ID, HASTOR_NODE_ID_MAX);
}

static void b_cluster_max(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_CLUSTER_ID, U32_MAX);
}

static void b_id_zero(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_ID, 0);
}

static void b_id_big(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_ID, HASTOR_NODE_ID_MAX + 1);
}

static void b_cluster_zero(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_CLUSTER_ID, 0);
}

static void b_id_short(struct sk_buff *skb)
{
	u16 v = 1;

	put_node(skb, HASTOR_A_NODE_ID, &v, sizeof(v));
}

static void b_name_long(struct sk_buff *skb)
{
	char name[HASTOR_NAME_MAX + 2];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	put_node(skb, HASTOR_A_NODE_NAME, name, sizeof(name));
}

static void b_name_unterminated(struct sk_buff *skb)
{
	put_node(skb, HASTOR_A_NODE_NAME, "abcd", 4);
}

static void b_readonly(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_STATE, HASTOR_NODE_CONFIGURED);
}

static void b_unknown_nested(struct sk_buff *skb)
{
	put_node_u32(skb, HASTOR_A_NODE_MAX + 1, 1);
}

static void b_unknown_top(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_MAX + 1, 1);
}

static void b_module_in_set(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, HASTOR_A_MODULE);

	nla_nest_end(skb, nest);
}

static void b_node_not_nested(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_NODE, 1);
}

static const struct policy_case policy_cases[] = {
	{ "valid", b_valid, 0 },
	{ "id at max", b_id_max, 0 },
	{ "cluster at max", b_cluster_max, 0 },
	{ "id zero", b_id_zero, -ERANGE },
	{ "id above max", b_id_big, -ERANGE },
	{ "cluster zero", b_cluster_zero, -ERANGE },
	{ "id as u16", b_id_short, -EINVAL },
	{ "name too long", b_name_long, -EINVAL },
	{ "name unterminated", b_name_unterminated, -EINVAL },
	{ "read-only attribute", b_readonly, -EINVAL },
	{ "unknown nested attribute", b_unknown_nested, -EINVAL },
	{ "unknown top attribute", b_unknown_top, -EINVAL },
	{ "module nest in set", b_module_in_set, -EINVAL },
	{ "node not a nest", b_node_not_nested, -EINVAL },
};

static void policy_case_desc(const struct policy_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy, policy_cases, policy_case_desc);

static void hastor_set_policy_test(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct nlattr *tb[HASTOR_A_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb;
	int err;

	skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	c->build(skb);
	err = nla_parse(tb, HASTOR_A_MAX, (struct nlattr *)skb->data,
			skb->len, hastor_set_policy, &extack);
	KUNIT_EXPECT_EQ(test, err, c->err);
	/* Every rejection must tell userspace why. */
	if (c->err)
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	kfree_skb(skb);
}

static struct kunit_case hastor_netlink_cases[] = {
	KUNIT_CASE_PARAM(hastor_set_policy_test, policy_gen_params),
	{}
};

static struct kunit_suite hastor_netlink_suite = {
	.name = "hastor-netlink",
	.test_cases = hastor_netlink_cases,
};

kunit_test_suite(hastor_netlink_suite);
