// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: node identity helpers.  The PR key layout is an on-disk and
 * on-fabric contract (a key read back from a disk must name its node), so
 * it is pinned here value by value.
 */
#include <kunit/test.h>

#include "../node.h"

struct name_case {
	const char *name;
	bool valid;
};

static const struct name_case name_cases[] = {
	{ "a", true },
	{ "node-a", true },
	{ "Node_1.prod", true },
	{ "0123456789012345678901234567890123456789012345678901234567890ab",
	  true },	/* 63 characters */
	{ "0123456789012345678901234567890123456789012345678901234567890abc",
	  false },	/* 64 characters */
	{ "", false },
	{ ".", false },
	{ "..", false },
	{ "...", true },
	{ "a/b", false },
	{ "a b", false },
	{ "a\nb", false },
	{ "n\xc3\xa9", false },	/* non-ASCII */
	{ "a:b", false },
};

static void name_case_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.20s\"", c->name);
}

KUNIT_ARRAY_PARAM(name, name_cases, name_case_desc);

static void hastor_name_valid_test(struct kunit *test)
{
	const struct name_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, hastor_name_valid(c->name), c->valid);
}

static void hastor_pr_key_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hastor_pr_key(7, 1), 0x4853000000070001ULL);
	KUNIT_EXPECT_EQ(test, hastor_pr_key(0xffffffff, 0xffff),
			0x4853ffffffffffffULL);
	/* Distinct nodes and clusters never share a key. */
	KUNIT_EXPECT_NE(test, hastor_pr_key(1, 2), hastor_pr_key(2, 1));
	KUNIT_EXPECT_NE(test, hastor_pr_key(1, 1), hastor_pr_key(1, 2));
	/* The tag is never zero, and zero is "no key" to SCSI. */
	KUNIT_EXPECT_EQ(test, hastor_pr_key(1, 1) >> 48, HASTOR_PR_KEY_TAG);
}

static struct kunit_case hastor_node_cases[] = {
	KUNIT_CASE_PARAM(hastor_name_valid_test, name_gen_params),
	KUNIT_CASE(hastor_pr_key_test),
	{}
};

static struct kunit_suite hastor_node_suite = {
	.name = "hastor-node",
	.test_cases = hastor_node_cases,
};

kunit_test_suite(hastor_node_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for hastor");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
