/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_NODE_H
#define _HASTOR_NODE_H

#include <linux/types.h>
#include <linux/hastor.h>

struct netlink_ext_ack;

/* A consistent copy of the node's identity, taken under its lock. */
struct hastor_node_info {
	enum hastor_node_state state;
	u32 generation;
	u32 id;
	u32 cluster_id;
	char name[HASTOR_NAME_MAX + 1];
};

/* A requested identity change; a NULL or zero field is left alone. */
struct hastor_node_update {
	u32 id;
	u32 cluster_id;
	const char *name;
};

void hastor_node_get(struct hastor_node_info *info);
int hastor_node_update(const struct hastor_node_update *upd,
		       struct hastor_node_info *info, bool *changed,
		       struct netlink_ext_ack *extack);
bool hastor_name_valid(const char *name);
u64 hastor_pr_key(u32 cluster_id, u32 node_id);

#endif /* _HASTOR_NODE_H */
