// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: what fencing sends and how it reads the answer.  The commands
 * themselves are tested against a real target (tgtd) in QEMU
 * (tests/cases/fence.py); here the two contracts that no target can
 * break on purpose: every action maps to exactly one pr_ops call with
 * this node's key, Write Exclusive and the flags Documentation/fencing.md
 * names, and only a reservation conflict becomes -EBADE.
 */
#include <kunit/test.h>
#include <linux/blkdev.h>
#include <linux/nvme.h>
#include <linux/pr.h>
#include <scsi/scsi_proto.h>

#include "../fence.h"

#define OWN	0x4853000000070001ULL
#define OTHER	0x4853000000070002ULL

static struct {
	const char *op;
	u64 old_key, new_key;
	enum pr_type type;
	u32 flags;
	bool abort;
	int calls;
	int ret;
} rec;

static void record(const char *op, u64 old_key, u64 new_key,
		   enum pr_type type, u32 flags, bool abort)
{
	rec.op = op;
	rec.old_key = old_key;
	rec.new_key = new_key;
	rec.type = type;
	rec.flags = flags;
	rec.abort = abort;
	rec.calls++;
}

static int f_register(struct block_device *b, u64 old, u64 new, u32 flags)
{
	record("register", old, new, 0, flags, false);
	return rec.ret;
}

static int f_reserve(struct block_device *b, u64 key, enum pr_type type,
		     u32 flags)
{
	record("reserve", key, 0, type, flags, false);
	return rec.ret;
}

static int f_release(struct block_device *b, u64 key, enum pr_type type)
{
	record("release", key, 0, type, 0, false);
	return rec.ret;
}

static int f_preempt(struct block_device *b, u64 old, u64 new,
		     enum pr_type type, bool abort)
{
	record("preempt", old, new, type, 0, abort);
	return rec.ret;
}

static int f_clear(struct block_device *b, u64 key)
{
	record("clear", key, 0, 0, 0, false);
	return rec.ret;
}

static const struct pr_ops fake_ops = {
	.pr_register = f_register,
	.pr_reserve = f_reserve,
	.pr_release = f_release,
	.pr_preempt = f_preempt,
	.pr_clear = f_clear,
};

static const struct pr_ops no_ops;

static int call(enum hastor_pr_action action, u64 key, int ret)
{
	memset(&rec, 0, sizeof(rec));
	rec.ret = ret;
	/* No disk: nothing reached here may look at the block device. */
	return hs_pr_call(NULL, &fake_ops, action, OWN, key);
}

static void fence_pr_call_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_REGISTER, 0, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec.op, "register");
	/* Ignoring any key already there: idempotent, needs no old key. */
	KUNIT_EXPECT_EQ(test, rec.old_key, 0ULL);
	KUNIT_EXPECT_EQ(test, rec.new_key, OWN);
	KUNIT_EXPECT_EQ(test, rec.flags, (u32)PR_FL_IGNORE_KEY);

	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_UNREGISTER, 0, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec.op, "register");
	KUNIT_EXPECT_EQ(test, rec.new_key, 0ULL);
	KUNIT_EXPECT_EQ(test, rec.flags, (u32)PR_FL_IGNORE_KEY);

	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_RESERVE, 0, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec.op, "reserve");
	KUNIT_EXPECT_EQ(test, rec.old_key, OWN);
	KUNIT_EXPECT_EQ(test, rec.type, PR_WRITE_EXCLUSIVE);

	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_RELEASE, 0, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec.op, "release");
	KUNIT_EXPECT_EQ(test, rec.old_key, OWN);
	KUNIT_EXPECT_EQ(test, rec.type, PR_WRITE_EXCLUSIVE);

	/* The partner's registration goes; nothing in flight is aborted. */
	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_PREEMPT, OTHER, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec.op, "preempt");
	KUNIT_EXPECT_EQ(test, rec.old_key, OWN);
	KUNIT_EXPECT_EQ(test, rec.new_key, OTHER);
	KUNIT_EXPECT_EQ(test, rec.type, PR_WRITE_EXCLUSIVE);
	KUNIT_EXPECT_FALSE(test, rec.abort);

	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_CLEAR, 0, 0), 0);
	KUNIT_EXPECT_STREQ(test, rec.op, "clear");
	KUNIT_EXPECT_EQ(test, rec.old_key, OWN);

	/* The target's answer comes back as it was. */
	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_RESERVE, 0,
				   SAM_STAT_RESERVATION_CONFLICT),
			SAM_STAT_RESERVATION_CONFLICT);
	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_PREEMPT, OTHER, -ENODEV),
			-ENODEV);

	/* Exactly one command per action, and none for a bad one. */
	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_CLEAR, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, rec.calls, 1);
	KUNIT_EXPECT_EQ(test, call(HASTOR_PR_MAX + 1, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, rec.calls, 0);
}

static void fence_pr_unsupported_test(struct kunit *test)
{
	int a;

	for (a = HASTOR_PR_REGISTER; a <= HASTOR_PR_MAX; a++)
		KUNIT_EXPECT_EQ(test, hs_pr_call(NULL, &no_ops, a, OWN, OTHER),
				-EOPNOTSUPP);
}

struct status_case {
	bool nvme;
	int ret, want;
};

static const struct status_case status_cases[] = {
	{ false, 0, 0 },
	{ false, -ENODEV, -ENODEV },
	{ false, SAM_STAT_RESERVATION_CONFLICT, -EBADE },
	/* Host and driver bytes above the status byte do not hide it. */
	{ false, 0x10000 | SAM_STAT_RESERVATION_CONFLICT, -EBADE },
	{ false, SAM_STAT_CHECK_CONDITION, -EIO },
	{ false, SAM_STAT_BUSY, -EIO },
	{ true, NVME_SC_RESERVATION_CONFLICT, -EBADE },
	/* The Do Not Retry bit above the status code. */
	{ true, NVME_STATUS_DNR | NVME_SC_RESERVATION_CONFLICT, -EBADE },
	{ true, NVME_SC_INVALID_FIELD, -EIO },
	/* A SCSI conflict's value means nothing from NVMe, and back. */
	{ true, SAM_STAT_RESERVATION_CONFLICT, -EIO },
	{ false, NVME_SC_RESERVATION_CONFLICT, -EIO },
	{ true, -EINTR, -EINTR },
};

static void status_desc(const struct status_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s 0x%x", c->nvme ? "nvme" :
		 "scsi", c->ret);
}

KUNIT_ARRAY_PARAM(status, status_cases, status_desc);

static void fence_status_test(struct kunit *test)
{
	const struct status_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, hs_pr_status_errno(c->nvme, c->ret), c->want);
}

static struct kunit_case fence_cases[] = {
	KUNIT_CASE(fence_pr_call_test),
	KUNIT_CASE(fence_pr_unsupported_test),
	KUNIT_CASE_PARAM(fence_status_test, status_gen_params),
	{}
};

static struct kunit_suite hastor_fence_suite = {
	.name = "hastor_fence",
	.test_cases = fence_cases,
};
kunit_test_suite(hastor_fence_suite);
