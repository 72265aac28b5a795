/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * hastor: generic-netlink interface between hastor.ko and hactl.
 *
 * Family "hastor", version HASTOR_GENL_VERSION, multicast group "events".
 * Every command, and joining "events", needs CAP_NET_ADMIN: the family
 * steers shared storage and names its nodes.  Attributes are validated
 * strictly: an attribute the policy of a command does not name is
 * rejected, and so is a value out of its documented range or a nest
 * without NLA_F_NESTED; the extended ack says which.  Strings are
 * NUL-terminated.
 *
 * Top-level attributes are objects; each object is a nest with its own
 * attribute space, so that later objects (pools, volumes, links) do not
 * crowd one flat namespace.
 *
 * HASTOR_CMD_NODE_GET (do)
 *   request:  (none)
 *   reply:    HASTOR_A_MODULE
 *               HASTOR_A_MODULE_VERSION        string
 *               HASTOR_A_MODULE_FAMILY_VERSION u32
 *             HASTOR_A_NODE
 *               HASTOR_A_NODE_STATE            u32 (enum hastor_node_state)
 *               HASTOR_A_NODE_GENERATION       u32
 *               HASTOR_A_NODE_ID               u32   (only when configured)
 *               HASTOR_A_NODE_CLUSTER_ID       u32   (only when configured)
 *               HASTOR_A_NODE_NAME             string (only when set)
 *               HASTOR_A_NODE_PR_KEY           u64   (only when configured)
 *
 * HASTOR_CMD_NODE_SET (do)
 *   request:  HASTOR_A_NODE
 *               HASTOR_A_NODE_ID               u32, 1..HASTOR_NODE_ID_MAX
 *               HASTOR_A_NODE_CLUSTER_ID       u32, >= 1
 *               HASTOR_A_NODE_NAME             string, 1..HASTOR_NAME_MAX
 *                                              chars of [A-Za-z0-9._-],
 *                                              not "." or ".."
 *             The first request on an unconfigured node must carry both
 *             ID and CLUSTER_ID; later ones may carry any non-empty subset.
 *             Either all given values are applied or none.
 *   reply:    as HASTOR_CMD_NODE_GET, after the change
 *   event:    HASTOR_CMD_NODE_NTF to group "events" when anything changed
 *
 * HASTOR_CMD_NODE_NTF (event only)
 *   payload:  as the NODE_GET reply (HASTOR_A_MODULE, HASTOR_A_NODE)
 */
#ifndef _UAPI_LINUX_HASTOR_H
#define _UAPI_LINUX_HASTOR_H

#include <linux/types.h>

#define HASTOR_GENL_NAME	"hastor"
#define HASTOR_GENL_VERSION	1
#define HASTOR_MCGRP_EVENTS	"events"

/* Longest node, pool or volume name, not counting the terminating NUL. */
#define HASTOR_NAME_MAX		63
#define HASTOR_NODE_ID_MAX	0xffff

/*
 * SCSI-3 persistent-reservation key of a node: a constant tag in the top
 * 16 bits, the cluster id in the next 32, the node id in the low 16, so
 * every node of every cluster has its own key and a key read back from a
 * disk names its node.
 */
#define HASTOR_PR_KEY_TAG	0x4853ULL	/* "HS" */

enum hastor_cmd {
	HASTOR_CMD_UNSPEC,
	HASTOR_CMD_NODE_GET,
	HASTOR_CMD_NODE_SET,
	HASTOR_CMD_NODE_NTF,

	__HASTOR_CMD_MAX,
	HASTOR_CMD_MAX = __HASTOR_CMD_MAX - 1
};

enum hastor_attr {
	HASTOR_A_UNSPEC,
	HASTOR_A_MODULE,	/* nest, enum hastor_module_attr */
	HASTOR_A_NODE,		/* nest, enum hastor_node_attr */

	__HASTOR_A_MAX,
	HASTOR_A_MAX = __HASTOR_A_MAX - 1
};

enum hastor_module_attr {
	HASTOR_A_MODULE_UNSPEC,
	HASTOR_A_MODULE_VERSION,	/* string */
	HASTOR_A_MODULE_FAMILY_VERSION,	/* u32 */

	__HASTOR_A_MODULE_MAX,
	HASTOR_A_MODULE_MAX = __HASTOR_A_MODULE_MAX - 1
};

enum hastor_node_attr {
	HASTOR_A_NODE_UNSPEC,
	HASTOR_A_NODE_PAD,
	HASTOR_A_NODE_STATE,		/* u32, enum hastor_node_state */
	HASTOR_A_NODE_GENERATION,	/* u32, bumped by every change */
	HASTOR_A_NODE_ID,		/* u32 */
	HASTOR_A_NODE_CLUSTER_ID,	/* u32 */
	HASTOR_A_NODE_NAME,		/* string */
	HASTOR_A_NODE_PR_KEY,		/* u64 */

	__HASTOR_A_NODE_MAX,
	HASTOR_A_NODE_MAX = __HASTOR_A_NODE_MAX - 1
};

enum hastor_node_state {
	HASTOR_NODE_UNCONFIGURED,	/* no node or cluster id yet */
	HASTOR_NODE_CONFIGURED,		/* identity set, nothing served */
};

#endif /* _UAPI_LINUX_HASTOR_H */
