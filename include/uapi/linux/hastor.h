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
 *
 * The partner and the interconnect (Documentation/protocol.md).  The node
 * must be configured before a partner can be set.
 *
 * HASTOR_CMD_PARTNER_SET (do)
 *   request:  HASTOR_A_PARTNER
 *               HASTOR_A_PARTNER_NODE_ID       u32, 1..HASTOR_NODE_ID_MAX,
 *                                              not this node's id (required)
 *               HASTOR_A_PARTNER_LINK          nest, 1..HASTOR_MAX_LINKS
 *                                              times, link 0 first (required)
 *                 HASTOR_A_LINK_LOCAL_ADDR     binary 4 (IPv4, network order)
 *                 HASTOR_A_LINK_REMOTE_ADDR    binary 4 (IPv4, network order)
 *               HASTOR_A_PARTNER_SECRET        binary, HASTOR_SECRET_MIN..
 *                                              HASTOR_SECRET_MAX (required)
 *               HASTOR_A_PARTNER_PORT          u16, 1..65535 (default
 *                                              HASTOR_CCM_PORT)
 *               HASTOR_A_PARTNER_HB_INTERVAL   u32 ms, HASTOR_HB_INTERVAL_MIN..
 *                                              HASTOR_HB_INTERVAL_MAX
 *               HASTOR_A_PARTNER_HB_TIMEOUT    u32 ms, HASTOR_HB_TIMEOUT_MIN..
 *                                              HASTOR_HB_TIMEOUT_MAX, at
 *                                              least 2 intervals
 *             Replaces any previous partner: its links are torn down first.
 *   reply:    as HASTOR_CMD_PARTNER_GET
 *   event:    HASTOR_CMD_PARTNER_NTF (HASTOR_EVENT_CHANGED)
 *
 * HASTOR_CMD_PARTNER_GET (do)
 *   request:  (none)
 *   reply:    HASTOR_A_PARTNER (absent when no partner is configured)
 *               NODE_ID, PORT, HB_INTERVAL, HB_TIMEOUT,
 *               STATE (u32 enum hastor_partner_state),
 *               SESSION (u64, 0 while unreachable),
 *               BOOT_ID (u64, the partner's, once it was seen),
 *               SECRET_LEN (u32; the secret itself is never returned),
 *               LINK (nest, per link: INDEX, LOCAL_ADDR, REMOTE_ADDR)
 *
 * HASTOR_CMD_PARTNER_CLEAR (do)
 *   request:  (none)     tears every link down; -ENOENT without a partner
 *   event:    HASTOR_CMD_PARTNER_NTF (HASTOR_EVENT_DELETED)
 *
 * HASTOR_CMD_LINK_GET (do, dump)
 *   request:  HASTOR_A_LINK { HASTOR_A_LINK_INDEX } (do only)
 *   reply:    HASTOR_A_LINK per configured link
 *               INDEX (u32), LOCAL_ADDR, REMOTE_ADDR (binary 4),
 *               STATE (u32 enum hastor_link_state), ACTIVE (u32, 1 while
 *               the link carries channel traffic), RTT_US (u32, once
 *               measured), TX_BYTES, RX_BYTES, TX_FRAMES, RX_FRAMES,
 *               TX_MSGS, RX_MSGS, RESENDS, AUTH_FAILURES,
 *               VERSION_MISMATCH, BAD_FRAMES, HB_TIMEOUTS,
 *               CONNECT_FAILURES (u64 counters), REASON (u32 enum
 *               hastor_link_reason of the last change), LAST_CHANGE (u64
 *               ns since the epoch), UPTIMES (u64, times it came up)
 *
 * HASTOR_CMD_LINK_NTF (event only)
 *   payload:  HASTOR_A_LINK as in LINK_GET (STATE and REASON say what
 *             happened)
 * HASTOR_CMD_PARTNER_NTF (event only)
 *   payload:  HASTOR_A_PARTNER as in PARTNER_GET, HASTOR_A_EVENT:
 *             HASTOR_EVENT_REACHABLE, _UNREACHABLE, _CHANGED, _DELETED
 *
 * HASTOR_CMD_PING (do)
 *   request:  HASTOR_A_PING
 *               HASTOR_A_PING_COUNT            u32, 1..HASTOR_PING_COUNT_MAX
 *                                              (default 10)
 *               HASTOR_A_PING_SIZE             u32 bytes, HASTOR_PING_SIZE_MIN..
 *                                              HASTOR_PING_SIZE_MAX
 *                                              (default 64)
 *   reply:    HASTOR_A_PING
 *               COUNT, SIZE, SENT, ECHOED, LOST, DUPLICATED, OUT_OF_ORDER,
 *               CORRUPTED (u32), RTT_MIN_US, RTT_AVG_US, RTT_MAX_US (u32,
 *               when anything was echoed), SESSION (u64)
 *   Sends COUNT messages on the ping channel; the partner echoes each.
 *   -ENOTCONN when the partner is unreachable at the start or becomes so
 *   during the run; -EBUSY while another ping runs.
 *
 * Shared disks: ownership and fencing (Documentation/fencing.md).  Every
 * persistent-reservation command is sent by the kernel through the
 * block layer's pr_ops with this node's key (NODE_GET's PR_KEY); the
 * reservation type is always Write Exclusive.  The node must be
 * configured.  The disk is named by a path (1..HASTOR_PATH_MAX chars)
 * and must support pr_ops (-EOPNOTSUPP otherwise).
 *
 * HASTOR_CMD_DISK_PR (do)
 *   request:  HASTOR_A_DISK
 *               HASTOR_A_DISK_PATH             string (required)
 *               HASTOR_A_DISK_PR_ACTION        u32, enum hastor_pr_action
 *                                              (required)
 *               HASTOR_A_DISK_PR_KEY           u64, the key to preempt
 *                                              (PREEMPT only, required
 *                                              there, not this node's)
 *   reply:    (none)  -EBADE: the target reported a reservation conflict
 *
 * HASTOR_CMD_DISK_LABEL (do)
 *   request:  HASTOR_A_DISK { PATH, OWNER (u32 node id), HOME (u32 node
 *             id) }: labels a spare disk (one in no pool) with its owner
 *             and home node.  Refused for a disk that holds a pool label
 *             or is open elsewhere.
 *   reply:    (none)
 *
 * Takeover (Documentation/ha.md).  While the partner's mirror is frozen
 * its WRITE messages are refused (the partner goes local-only), so the
 * mirror cannot change under a takeover that replays it.
 *
 * HASTOR_CMD_WLOG_SET (do)
 *   request:  HASTOR_A_WLOG { HASTOR_A_WLOG_MIRROR_FROZEN (u32, 0 or 1) }
 *   reply:    as HASTOR_CMD_WLOG_GET
 *
 * A pool whose superblock names the partner's log (the log mirrored
 * here) is imported as a takeover: it is replayed from the mirror.  Its
 * POOL_GET reply then also carries REPLAY_RECORDS and REPLAY_DONE (u64)
 * while and after the replay runs, and its labels name this node as the
 * owner from the import on.  A pool whose writes the disks refuse with
 * a reservation conflict goes to HASTOR_POOL_FENCED (POOL_NTF, CHANGED).
 *
 * HA messages: an opaque datagram from one node's HA daemon to the
 * other's, over the interconnect's HA channel.  Within one session they
 * arrive in order and at most once; a session's end drops those not yet
 * acknowledged, so the daemons' protocol must tolerate a lost message.
 *
 * HASTOR_CMD_HA_SEND (do)
 *   request:  HASTOR_A_HA { HASTOR_A_HA_MSG (binary, required) }
 *   reply:    (none); -ENOTCONN when the partner is unreachable
 * HASTOR_CMD_HA_NTF (event only)
 *   payload:  HASTOR_A_HA { HASTOR_A_HA_MSG, HASTOR_A_HA_SESSION }: a
 *             message from the partner's daemon
 *
 * Disk heartbeat: every imported pool writes struct hastor_diskhb
 * (hastor_format.h) to block HASTOR_DISKHB_BLOCK of each member every
 * hs_diskhb_ms (module parameter), and at once when the write log's
 * mirror state changes.
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

/* The interconnect. */
#define HASTOR_MAX_LINKS	4
#define HASTOR_CCM_PORT		11100
#define HASTOR_SECRET_MIN	16
#define HASTOR_SECRET_MAX	64
#define HASTOR_HB_INTERVAL_MIN	50		/* ms */
#define HASTOR_HB_INTERVAL_MAX	60000
#define HASTOR_HB_INTERVAL_DEFAULT 500
#define HASTOR_HB_TIMEOUT_MIN	200
#define HASTOR_HB_TIMEOUT_MAX	600000
#define HASTOR_HB_TIMEOUT_DEFAULT 5000
#define HASTOR_PING_COUNT_MAX	1000000
#define HASTOR_PING_SIZE_MIN	24
#define HASTOR_PING_SIZE_MAX	(1 << 20)
#define HASTOR_HA_MSG_MAX	512

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
	HASTOR_CMD_PARTNER_SET,
	HASTOR_CMD_PARTNER_GET,
	HASTOR_CMD_PARTNER_CLEAR,
	HASTOR_CMD_LINK_GET,
	HASTOR_CMD_LINK_NTF,
	HASTOR_CMD_PARTNER_NTF,
	HASTOR_CMD_PING,
	HASTOR_CMD_WLOG_NTF,
	HASTOR_CMD_DISK_PR,
	HASTOR_CMD_DISK_LABEL,
	HASTOR_CMD_WLOG_SET,
	HASTOR_CMD_HA_SEND,
	HASTOR_CMD_HA_NTF,

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
	HASTOR_A_PARTNER,	/* nest, enum hastor_partner_attr */
	HASTOR_A_LINK,		/* nest, enum hastor_link_attr */
	HASTOR_A_PING,		/* nest, enum hastor_ping_attr */
	HASTOR_A_DISK,		/* nest, enum hastor_disk_attr */
	HASTOR_A_HA,		/* nest, enum hastor_ha_attr */

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
	HASTOR_A_POOL_REPLAY_RECORDS,	/* u64, takeover: records to replay */
	HASTOR_A_POOL_REPLAY_DONE,	/* u64, of those, replayed */

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
	HASTOR_A_WLOG_SYNC_REASON,	/* string, why not in sync */
	HASTOR_A_WLOG_PARTNER,		/* nest, hastor_wlog_partner_attr */
	HASTOR_A_WLOG_MIRROR_FROZEN,	/* u32, 0 or 1 */

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

/* The partner's log as mirrored on this node. */
enum hastor_wlog_partner_attr {
	HASTOR_A_WLOG_PARTNER_UNSPEC,
	HASTOR_A_WLOG_PARTNER_PAD,
	HASTOR_A_WLOG_PARTNER_NODE,	/* u32, 0: none mirrored yet */
	HASTOR_A_WLOG_PARTNER_UUID,	/* binary, 16: the partner's log */
	HASTOR_A_WLOG_PARTNER_COVERED_SEQ,	/* u64, its CP marker */
	HASTOR_A_WLOG_PARTNER_ENTRIES,	/* u64, received since attach */
	HASTOR_A_WLOG_PARTNER_BYTES,	/* u64 */
	HASTOR_A_WLOG_PARTNER_BAD,	/* u64, messages refused */
	HASTOR_A_WLOG_PARTNER_HALF,	/* nest per half, hastor_wlog_half_attr */

	__HASTOR_A_WLOG_PARTNER_MAX,
	HASTOR_A_WLOG_PARTNER_MAX = __HASTOR_A_WLOG_PARTNER_MAX - 1
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

enum hastor_partner_attr {
	HASTOR_A_PARTNER_UNSPEC,
	HASTOR_A_PARTNER_PAD,
	HASTOR_A_PARTNER_NODE_ID,	/* u32 */
	HASTOR_A_PARTNER_LINK,		/* nest, enum hastor_link_attr */
	HASTOR_A_PARTNER_SECRET,	/* binary, write-only */
	HASTOR_A_PARTNER_PORT,		/* u16 */
	HASTOR_A_PARTNER_HB_INTERVAL,	/* u32, ms */
	HASTOR_A_PARTNER_HB_TIMEOUT,	/* u32, ms */
	HASTOR_A_PARTNER_STATE,		/* u32, enum hastor_partner_state */
	HASTOR_A_PARTNER_SESSION,	/* u64 */
	HASTOR_A_PARTNER_BOOT_ID,	/* u64 */
	HASTOR_A_PARTNER_SECRET_LEN,	/* u32 */

	__HASTOR_A_PARTNER_MAX,
	HASTOR_A_PARTNER_MAX = __HASTOR_A_PARTNER_MAX - 1
};

enum hastor_link_attr {
	HASTOR_A_LINK_UNSPEC,
	HASTOR_A_LINK_PAD,
	HASTOR_A_LINK_INDEX,		/* u32 */
	HASTOR_A_LINK_LOCAL_ADDR,	/* binary 4, IPv4 network order */
	HASTOR_A_LINK_REMOTE_ADDR,	/* binary 4, IPv4 network order */
	HASTOR_A_LINK_STATE,		/* u32, enum hastor_link_state */
	HASTOR_A_LINK_ACTIVE,		/* u32, 0 or 1 */
	HASTOR_A_LINK_RTT_US,		/* u32 */
	HASTOR_A_LINK_TX_BYTES,		/* u64 */
	HASTOR_A_LINK_RX_BYTES,		/* u64 */
	HASTOR_A_LINK_TX_FRAMES,	/* u64 */
	HASTOR_A_LINK_RX_FRAMES,	/* u64 */
	HASTOR_A_LINK_TX_MSGS,		/* u64, channel messages */
	HASTOR_A_LINK_RX_MSGS,		/* u64 */
	HASTOR_A_LINK_RESENDS,		/* u64 */
	HASTOR_A_LINK_AUTH_FAILURES,	/* u64 */
	HASTOR_A_LINK_VERSION_MISMATCH,	/* u64 */
	HASTOR_A_LINK_BAD_FRAMES,	/* u64 */
	HASTOR_A_LINK_HB_TIMEOUTS,	/* u64 */
	HASTOR_A_LINK_CONNECT_FAILURES,	/* u64 */
	HASTOR_A_LINK_REASON,		/* u32, enum hastor_link_reason */
	HASTOR_A_LINK_LAST_CHANGE,	/* u64, ns since the epoch */
	HASTOR_A_LINK_UPTIMES,		/* u64 */

	__HASTOR_A_LINK_MAX,
	HASTOR_A_LINK_MAX = __HASTOR_A_LINK_MAX - 1
};

enum hastor_ping_attr {
	HASTOR_A_PING_UNSPEC,
	HASTOR_A_PING_PAD,
	HASTOR_A_PING_COUNT,		/* u32 */
	HASTOR_A_PING_SIZE,		/* u32, bytes */
	HASTOR_A_PING_SENT,		/* u32 */
	HASTOR_A_PING_ECHOED,		/* u32 */
	HASTOR_A_PING_LOST,		/* u32 */
	HASTOR_A_PING_DUPLICATED,	/* u32 */
	HASTOR_A_PING_OUT_OF_ORDER,	/* u32 */
	HASTOR_A_PING_CORRUPTED,	/* u32 */
	HASTOR_A_PING_RTT_MIN_US,	/* u32 */
	HASTOR_A_PING_RTT_AVG_US,	/* u32 */
	HASTOR_A_PING_RTT_MAX_US,	/* u32 */
	HASTOR_A_PING_SESSION,		/* u64 */

	__HASTOR_A_PING_MAX,
	HASTOR_A_PING_MAX = __HASTOR_A_PING_MAX - 1
};

enum hastor_disk_attr {
	HASTOR_A_DISK_UNSPEC,
	HASTOR_A_DISK_PAD,
	HASTOR_A_DISK_PATH,		/* string */
	HASTOR_A_DISK_PR_ACTION,	/* u32, enum hastor_pr_action */
	HASTOR_A_DISK_PR_KEY,		/* u64 */
	HASTOR_A_DISK_OWNER,		/* u32, node id */
	HASTOR_A_DISK_HOME,		/* u32, node id */

	__HASTOR_A_DISK_MAX,
	HASTOR_A_DISK_MAX = __HASTOR_A_DISK_MAX - 1
};

enum hastor_ha_attr {
	HASTOR_A_HA_UNSPEC,
	HASTOR_A_HA_MSG,		/* binary, 1..HASTOR_HA_MSG_MAX bytes */
	HASTOR_A_HA_SESSION,		/* u64, events only */

	__HASTOR_A_HA_MAX,
	HASTOR_A_HA_MAX = __HASTOR_A_HA_MAX - 1
};

enum hastor_pr_action {
	HASTOR_PR_REGISTER,		/* register this node's key */
	HASTOR_PR_UNREGISTER,		/* remove this node's registration */
	HASTOR_PR_RESERVE,		/* take the (free) reservation */
	HASTOR_PR_RELEASE,		/* give up the reservation */
	HASTOR_PR_PREEMPT,		/* remove PR_KEY, take its reservation */
	HASTOR_PR_CLEAR,		/* drop every registration */
	__HASTOR_PR_MAX,
	HASTOR_PR_MAX = __HASTOR_PR_MAX - 1
};

enum hastor_partner_state {
	HASTOR_PARTNER_UNREACHABLE,	/* no session with the partner */
	HASTOR_PARTNER_REACHABLE,	/* a session is up */
};

enum hastor_link_state {
	HASTOR_LINK_DOWN,		/* waiting to (re)connect */
	HASTOR_LINK_CONNECTING,		/* TCP connect or accept */
	HASTOR_LINK_HANDSHAKE,		/* HELLO and AUTH exchange */
	HASTOR_LINK_UP,			/* authenticated, in the session */
};

/* Why a link changed state (HASTOR_A_LINK_REASON). */
enum hastor_link_reason {
	HASTOR_LINK_REASON_NONE,
	HASTOR_LINK_REASON_CONFIG,	/* partner set or cleared */
	HASTOR_LINK_REASON_HANDSHAKE,	/* came up after a handshake */
	HASTOR_LINK_REASON_HB_TIMEOUT,	/* nothing received for the timeout */
	HASTOR_LINK_REASON_CLOSED,	/* the peer closed the connection */
	HASTOR_LINK_REASON_BAD_FRAME,	/* a frame failed validation */
	HASTOR_LINK_REASON_ERROR,	/* a socket error */
	HASTOR_LINK_REASON_REPLACED,	/* the peer connected again */
	HASTOR_LINK_REASON_SESSION,	/* the session was reset */
	HASTOR_LINK_REASON_SHUTDOWN,	/* module unload */
};

enum hastor_pool_state {
	HASTOR_POOL_ACTIVE,		/* serving reads and writes */
	HASTOR_POOL_READ_ONLY,		/* metadata space exhausted */
	HASTOR_POOL_FAILED,		/* a metadata I/O error; nothing written */
	HASTOR_POOL_FENCED,		/* the disks refuse its writes (PR) */
	HASTOR_POOL_REPLAYING,		/* serving while the takeover replays */
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
 *               PATH, DEV, UUID, STATE, SYNC, SYNC_REASON (when not in
 *               sync), HALF_SIZE, ACTIVE_HALF, NEXT_SEQ, COVERED_SEQ,
 *               EPOCH, POOLS, QUEUED, ENTRIES, RECORDS, BYTES, CPS,
 *               WAITS,
 *               HALF { INDEX, EPOCH, FIRST_SEQ, LAST_SEQ, USED, LIVE }
 *               twice,
 *               PARTNER { NODE, UUID, COVERED_SEQ, ENTRIES, BYTES, BAD,
 *                         HALF { ... } twice }: the mirror region
 * HASTOR_CMD_WLOG_NTF (event)
 *   payload:  as the WLOG_GET reply, when the sync state changes
 */
enum hastor_event {
	HASTOR_EVENT_CREATED = 1,
	HASTOR_EVENT_DELETED,
	HASTOR_EVENT_CHANGED,
	HASTOR_EVENT_IMPORTED,
	HASTOR_EVENT_EXPORTED,
	HASTOR_EVENT_REACHABLE,
	HASTOR_EVENT_UNREACHABLE,
};

enum hastor_node_state {
	HASTOR_NODE_UNCONFIGURED,	/* no node or cluster id yet */
	HASTOR_NODE_CONFIGURED,		/* identity set, nothing served */
};

#endif /* _UAPI_LINUX_HASTOR_H */
