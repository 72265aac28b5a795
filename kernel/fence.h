/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_FENCE_H
#define _HASTOR_FENCE_H

#include <linux/types.h>
#include <linux/hastor.h>
#include <linux/hastor_format.h>

struct block_device;
struct hs_pool;
struct netlink_ext_ack;
struct pr_ops;

int hs_fence_pr(const char *path, enum hastor_pr_action action, u64 key,
		struct netlink_ext_ack *extack);
int hs_fence_label_spare(const char *path, u32 owner, u32 home,
			 struct netlink_ext_ack *extack);
int hs_fence_claim(struct hs_pool *pool, const char **why);

/*
 * The pieces of hs_fence_pr() that need no disk, for KUnit: one action
 * through ops (pr_ops' status: 0, negative errno or the target's
 * status), and a target's status as an errno (-EBADE for a reservation
 * conflict, -EIO for any other failure).
 */
int hs_pr_call(struct block_device *bdev, const struct pr_ops *ops,
	       enum hastor_pr_action action, u64 own, u64 key);
int hs_pr_status_errno(bool nvme, int ret);

static inline bool hs_label_is_spare(const struct hastor_label *l)
{
	return le32_to_cpu(l->incompat) & HASTOR_INCOMPAT_SPARE;
}

#endif /* _HASTOR_FENCE_H */
