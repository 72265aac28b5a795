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
 *
 * Pools and volumes.  A pool is formatted with POOL_CREATE; it is active
 * while a dm device with the "hastor-pool" target holds it (hactl pool
 * import creates that device, export removes it), and its volumes are
 * served by dm devices with the "hastor-vol" target.  Names follow the
 * rules of node names; a snapshot's full name is "VOL@SNAP".
 *
 * HASTOR_CMD_POOL_CREATE (do)
 *   request:  HASTOR_A_POOL
 *               HASTOR_A_POOL_NAME             string (required)
 *               HASTOR_A_POOL_MEMBER           string, a block device path,
 *                                              1..HASTOR_MAX_MEMBERS times,
 *                                              in member order (required)
 *   reply:    HASTOR_A_POOL (NAME, UUID, SIZE)
 *   The node must be configured; every member must be unused (opened
 *   exclusively) and large enough.  Writes labels and an empty pool.
 *
 * HASTOR_CMD_POOL_GET (do, dump)
 *   request:  HASTOR_A_POOL { HASTOR_A_POOL_NAME } (do only)
 *   reply:    HASTOR_A_POOL per active pool
 *               NAME, UUID (binary 16), STATE (u32 enum hastor_pool_state),
 *               SIZE, USED, FREE, META_USED (u64 bytes),
 *               CP_GENERATION (u64), CP_TIME (u64 ns since the epoch),
 *               OWNER, HOME (u32 node ids), VOLUMES (u32),
 *               MEMBER (string "MAJ:MIN", repeated, member order),
 *               DM_DEV (string "MAJ:MIN" of the pool's dm device)
 *
 * HASTOR_CMD_VOL_CREATE (do)
 *   request:  HASTOR_A_VOL { POOL, NAME, SIZE (u64 bytes, a multiple of
 *             HASTOR_BLOCK_SIZE, 1 block .. HASTOR_VOL_SIZE_MAX) }
 *   reply:    HASTOR_A_VOL as in VOL_GET
 * HASTOR_CMD_VOL_DELETE (do)
 *   request:  HASTOR_A_VOL { POOL, NAME }   refused while the volume is
 *             active, and for a snapshot that backs a clone
 * HASTOR_CMD_VOL_RESIZE (do)
 *   request:  HASTOR_A_VOL { POOL, NAME, SIZE }   grow only
 * HASTOR_CMD_SNAP_CREATE (do)
 *   request:  HASTOR_A_VOL { POOL, NAME (the volume), SNAP (short name) }
 *   reply:    HASTOR_A_VOL of the snapshot "NAME@SNAP"
 * HASTOR_CMD_CLONE_CREATE (do)
 *   request:  HASTOR_A_VOL { POOL, NAME (the clone), ORIGIN ("VOL@SNAP") }
 *   reply:    HASTOR_A_VOL of the clone
 * HASTOR_CMD_VOL_GET (do, dump)
 *   request:  HASTOR_A_VOL { POOL, NAME } (do); HASTOR_A_VOL { POOL } (dump)
 *   reply:    HASTOR_A_VOL
 *               POOL, NAME, ID (u64), SIZE (u64 bytes), TYPE (u32 enum
 *               hastor_vol_type), ORIGIN (string, snapshots and clones),
 *               MAPPED (u64 bytes), ACTIVE (u32, open dm targets),
 *               CTIME (u64 ns)
 *             with HASTOR_A_VOL_SPACE (flag) in the request, also
 *               UNIQUE, SHARED (u64 bytes): mapped blocks only this
 *               volume references, and blocks it shares (a tree walk)
 * HASTOR_CMD_POOL_NTF, HASTOR_CMD_VOL_NTF (events)
 *   payload:  HASTOR_A_POOL or HASTOR_A_VOL as above, plus HASTOR_A_EVENT
 *             (u32 enum hastor_event) saying what happened
 */
#ifndef _UAPI_LINUX_HASTOR_H
#define _UAPI_LINUX_HASTOR_H

#include <linux/types.h>

#define HASTOR_GENL_NAME	"hastor"
#define HASTOR_GENL_VERSION	1
#define HASTOR_MCGRP_EVENTS	"events"

/* Longest node, pool or volume name, not counting the terminating NUL. */
#define HASTOR_NAME_MAX		63
#define HASTOR_PATH_MAX		63	/* of a log device path */
#define HASTOR_NODE_ID_MAX	0xffff
#define HASTOR_VOL_SIZE_MAX	(1ULL << 52)	/* 4 PiB */

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
	HASTOR_CMD_POOL_CREATE,
	HASTOR_CMD_POOL_GET,
	HASTOR_CMD_POOL_NTF,
	HASTOR_CMD_VOL_CREATE,
	HASTOR_CMD_VOL_DELETE,
	HASTOR_CMD_VOL_RESIZE,
	HASTOR_CMD_SNAP_CREATE,
	HASTOR_CMD_CLONE_CREATE,
	HASTOR_CMD_VOL_GET,
	HASTOR_CMD_VOL_NTF,
	HASTOR_CMD_WLOG_GET,

	__HASTOR_CMD_MAX,
	HASTOR_CMD_MAX = __HASTOR_CMD_MAX - 1
};

enum hastor_attr {
	HASTOR_A_UNSPEC,
	HASTOR_A_MODULE,	/* nest, enum hastor_module_attr */
	HASTOR_A_NODE,		/* nest, enum hastor_node_attr */
	HASTOR_A_POOL,		/* nest, enum hastor_pool_attr */
	HASTOR_A_VOL,		/* nest, enum hastor_vol_attr */
	HASTOR_A_EVENT,		/* u32, enum hastor_event (events only) */
	HASTOR_A_WLOG,		/* nest, enum hastor_wlog_attr */

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
	HASTOR_A_NODE_NVRAM,		/* string, write-log device path */
	HASTOR_A_NODE_NVRAM_FORMAT,	/* flag: format the log device */
	HASTOR_A_NODE_NVRAM_DETACH,	/* flag: detach the write log */

	__HASTOR_A_NODE_MAX,
	HASTOR_A_NODE_MAX = __HASTOR_A_NODE_MAX - 1
};

enum hastor_pool_attr {
	HASTOR_A_POOL_UNSPEC,
	HASTOR_A_POOL_PAD,
	HASTOR_A_POOL_NAME,		/* string */
	HASTOR_A_POOL_MEMBER,		/* string, repeated */
	HASTOR_A_POOL_UUID,		/* binary, 16 bytes */
	HASTOR_A_POOL_STATE,		/* u32, enum hastor_pool_state */
	HASTOR_A_POOL_SIZE,		/* u64, bytes */
	HASTOR_A_POOL_USED,		/* u64, bytes */
	HASTOR_A_POOL_FREE,		/* u64, bytes */
	HASTOR_A_POOL_META_USED,	/* u64, bytes */
	HASTOR_A_POOL_CP_GENERATION,	/* u64 */
	HASTOR_A_POOL_CP_TIME,		/* u64, ns since the epoch */
	HASTOR_A_POOL_OWNER,		/* u32, node id */
	HASTOR_A_POOL_HOME,		/* u32, node id */
	HASTOR_A_POOL_VOLUMES,		/* u32 */
	HASTOR_A_POOL_DM_DEV,		/* string, "MAJ:MIN" */

	__HASTOR_A_POOL_MAX,
	HASTOR_A_POOL_MAX = __HASTOR_A_POOL_MAX - 1
};

enum hastor_vol_attr {
	HASTOR_A_VOL_UNSPEC,
	HASTOR_A_VOL_PAD,
	HASTOR_A_VOL_POOL,		/* string */
	HASTOR_A_VOL_NAME,		/* string */
	HASTOR_A_VOL_ID,		/* u64 */
	HASTOR_A_VOL_SIZE,		/* u64, bytes */
	HASTOR_A_VOL_TYPE,		/* u32, enum hastor_vol_type */
	HASTOR_A_VOL_SNAP,		/* string, snapshot short name */
	HASTOR_A_VOL_ORIGIN,		/* string */
	HASTOR_A_VOL_MAPPED,		/* u64, bytes */
	HASTOR_A_VOL_UNIQUE,		/* u64, bytes */
	HASTOR_A_VOL_SHARED,		/* u64, bytes */
	HASTOR_A_VOL_ACTIVE,		/* u32 */
	HASTOR_A_VOL_CTIME,		/* u64, ns since the epoch */
	HASTOR_A_VOL_SPACE,		/* flag: compute UNIQUE and SHARED */

	__HASTOR_A_VOL_MAX,
	HASTOR_A_VOL_MAX = __HASTOR_A_VOL_MAX - 1
};

enum hastor_wlog_attr {
	HASTOR_A_WLOG_UNSPEC,
	HASTOR_A_WLOG_PAD,
	HASTOR_A_WLOG_PATH,		/* string */
	HASTOR_A_WLOG_DEV,		/* string, "MAJ:MIN" */
	HASTOR_A_WLOG_UUID,		/* binary, 16 bytes */
	HASTOR_A_WLOG_STATE,		/* u32, enum hastor_wlog_state */
	HASTOR_A_WLOG_SYNC,		/* u32, enum hastor_wlog_sync */
	HASTOR_A_WLOG_HALF_SIZE,	/* u64, bytes */
	HASTOR_A_WLOG_ACTIVE_HALF,	/* u32, 0 or 1 */
	HASTOR_A_WLOG_NEXT_SEQ,		/* u64 */
	HASTOR_A_WLOG_COVERED_SEQ,	/* u64, the CP marker */
	HASTOR_A_WLOG_EPOCH,		/* u64 */
	HASTOR_A_WLOG_POOLS,		/* u32, pools using the log */
	HASTOR_A_WLOG_QUEUED,		/* u32, writes waiting for an entry */
	HASTOR_A_WLOG_ENTRIES,		/* u64, written since attach */
	HASTOR_A_WLOG_RECORDS,		/* u64 */
	HASTOR_A_WLOG_BYTES,		/* u64 */
	HASTOR_A_WLOG_CPS,		/* u64 */
	HASTOR_A_WLOG_WAITS,		/* u64, entries that waited for space */
	HASTOR_A_WLOG_HALF,		/* nest per half, hastor_wlog_half_attr */

	__HASTOR_A_WLOG_MAX,
	HASTOR_A_WLOG_MAX = __HASTOR_A_WLOG_MAX - 1
};

enum hastor_wlog_half_attr {
	HASTOR_A_WLOG_HALF_UNSPEC,
	HASTOR_A_WLOG_HALF_PAD,
	HASTOR_A_WLOG_HALF_INDEX,	/* u32 */
	HASTOR_A_WLOG_HALF_EPOCH,	/* u64 */
	HASTOR_A_WLOG_HALF_FIRST_SEQ,	/* u64 */
	HASTOR_A_WLOG_HALF_LAST_SEQ,	/* u64, FIRST_SEQ - 1 if empty */
	HASTOR_A_WLOG_HALF_USED,	/* u64, bytes */
	HASTOR_A_WLOG_HALF_LIVE,	/* u32, 1: holds entries a pool needs */

	__HASTOR_A_WLOG_HALF_MAX,
	HASTOR_A_WLOG_HALF_MAX = __HASTOR_A_WLOG_HALF_MAX - 1
};

enum hastor_wlog_state {
	HASTOR_WLOG_ACTIVE,		/* logging */
	HASTOR_WLOG_WAITING,		/* full: writes wait for space */
	HASTOR_WLOG_FAILED,		/* a log write failed: writes fail */
};

enum hastor_wlog_sync {
	HASTOR_WLOG_LOCAL_ONLY,		/* no partner to mirror to */
	HASTOR_WLOG_IN_SYNC,		/* every entry is on the partner */
	HASTOR_WLOG_NOT_IN_SYNC,	/* the partner lacks entries */
};

enum hastor_pool_state {
	HASTOR_POOL_ACTIVE,		/* serving reads and writes */
	HASTOR_POOL_READ_ONLY,		/* metadata space exhausted */
	HASTOR_POOL_FAILED,		/* a metadata I/O error; nothing written */
};

enum hastor_vol_type {
	HASTOR_VOL_TYPE_VOLUME,
	HASTOR_VOL_TYPE_SNAPSHOT,
	HASTOR_VOL_TYPE_CLONE,
};

/*
 * The write log (node-local "NVRAM"), see Documentation/wlog-format.md.
 * NODE_SET attaches it: HASTOR_A_NODE_NVRAM names the device (a path,
 * 1..HASTOR_PATH_MAX chars), with HASTOR_A_NODE_NVRAM_FORMAT to format
 * it (destroys what it holds; a device without a log is formatted
 * anyway), or HASTOR_A_NODE_NVRAM_DETACH detaches it (refused while
 * imported pools use it).  The NODE_GET reply carries NVRAM when
 * attached.  Pools imported while a log is attached use it.
 *
 * HASTOR_CMD_WLOG_GET (do)
 *   request:  (none)
 *   reply:    HASTOR_A_WLOG (absent when no log is attached)
 *               PATH, DEV, UUID, STATE, SYNC, HALF_SIZE, ACTIVE_HALF,
 *               NEXT_SEQ, COVERED_SEQ, EPOCH, POOLS, QUEUED, ENTRIES,
 *               RECORDS, BYTES, CPS, WAITS,
 *               HALF { INDEX, EPOCH, FIRST_SEQ, LAST_SEQ, USED, LIVE }
 *               twice
 */
enum hastor_event {
	HASTOR_EVENT_CREATED = 1,
	HASTOR_EVENT_DELETED,
	HASTOR_EVENT_CHANGED,
	HASTOR_EVENT_IMPORTED,
	HASTOR_EVENT_EXPORTED,
};

enum hastor_node_state {
	HASTOR_NODE_UNCONFIGURED,	/* no node or cluster id yet */
	HASTOR_NODE_CONFIGURED,		/* identity set, nothing served */
};

#endif /* _UAPI_LINUX_HASTOR_H */
