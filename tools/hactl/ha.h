/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HA failover manager (Documentation/ha.md): what "hactl daemon"
 * knows of both nodes and their pools, how it decides, and how "hactl ha
 * status", "takeover" and "giveback" talk to it.
 */
#ifndef HACTL_HA_H
#define HACTL_HA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/hastor.h>
#include <linux/hastor_format.h>

#include "diskhb.h"

/* The daemon's control socket: one request line, a reply, then EOF. */
#define HA_SOCKET	"/run/hastor/ha.sock"
#define HA_MAX_POOLS	64
#define HA_REASON_LEN	160

/* How this node sees its partner. */
enum ha_partner_state {
	HA_PARTNER_NONE,	/* no partner configured */
	HA_PARTNER_UP,		/* reachable over the interconnect */
	HA_PARTNER_IC_DOWN,	/* unreachable, its disk heartbeat goes on */
	HA_PARTNER_DEAD,	/* unreachable and its disk heartbeat stopped */
};

/* A pool found on the disks, and what this node knows of it. */
struct ha_pool {
	char name[128];
	uint8_t uuid[16];
	uint32_t owner, home;		/* from the label */
	unsigned int members, seen;	/* label's count, disks seen here */
	char member0[128];
	char member_path[HASTOR_MAX_MEMBERS][128];
	bool sb_ok;			/* member 0's superblock was read */
	uint8_t wlog_uuid[16];		/* the log its last CP names */
	uint64_t wlog_seq;

	/* Disk heartbeat, as last read, and when its counter last moved. */
	bool hb_ok;
	char hb_why[128];
	struct diskhb_info hb;
	int64_t hb_moved_ms;		/* monotonic; 0: never seen moving */
	bool hb_alive;

	/* Served here (POOL_GET). */
	bool here;
	uint32_t state;
	uint64_t replay_records, replay_done;

	bool mark;			/* seen in this scan */
	bool taken;			/* by this node's last takeover */
};

struct ha_view {
	uint32_t self, cluster;
	bool configured;
	uint32_t partner;		/* 0: none */
	bool reachable;
	int64_t reachable_since_ms;	/* monotonic, 0 while unreachable */
	int64_t unreachable_since_ms;
	bool log;			/* a write log is attached here */
	uint32_t log_sync;		/* enum hastor_wlog_sync */
	char log_why[128];
	uint8_t mirror_uuid[16];	/* the partner's log mirrored here */
	uint32_t mirror_node;
	bool mirror_frozen;

	/*
	 * The partner dumping core to a spare (Documentation/coredump.md):
	 * its dump attributes there say writing, by it, freshly updated.
	 * ignore_dump (hactl daemon --ignore-dump-signal) judges by the
	 * heartbeats alone, to measure what the signal saves.
	 */
	bool ignore_dump;
	bool partner_dumping;
	char dump_disk[128];
	uint64_t dump_written, dump_bytes;

	unsigned int nr_pools;
	struct ha_pool pools[HA_MAX_POOLS];
};

/* ha_view.c */
int64_t ha_now_ms(void);
int64_t ha_wall_ms(void);
/*
 * Refreshes the view from the kernel and the disks; 0, or -1 when the
 * kernel could not be asked (reported on stderr).
 */
int ha_view_refresh(struct hnl *h, struct ha_view *v);
enum ha_partner_state ha_partner_state(const struct ha_view *v);
/* Can this node take over the partner's pools now?  why when not. */
bool ha_can_take_over(const struct ha_view *v, char *why, size_t len);
/* Can the partner take over this node's pools?  why when not. */
bool ha_partner_can_take_over(const struct ha_view *v, char *why,
			      size_t len);
const char *ha_partner_state_name(enum ha_partner_state s);

/* ha_msg.c: the daemons' messages over the kernel's HA channel */
enum ha_msg_verb {
	HA_MSG_TAKEOVER,	/* hand every pool you serve over to me */
	HA_MSG_HANDED,		/* POOL is exported for you: import it */
	HA_MSG_REFUSED,		/* POOL could not be handed over */
};

struct ha_msg {
	enum ha_msg_verb verb;
	char pool[128];		/* "" when the verb takes none */
};

struct nlmsghdr;
/* 0 or a negative errno (reported on stderr; -ENOTCONN: unreachable). */
int ha_msg_send(struct hnl *h, uint32_t self, enum ha_msg_verb verb,
		const char *pool);
/* 0, or -1 with why: anything but exactly a known form is refused. */
int ha_msg_parse(const void *buf, size_t len, uint32_t partner,
		 struct ha_msg *m, char *why, size_t why_len);
/* The payload of an HA_NTF event; 0 or -1. */
int ha_msg_from_event(struct nlmsghdr *nlh, const void **buf, size_t *len);
int ha_msg_event_print(struct nlmsghdr *nlh);

/* ha.c: the client side */
extern const struct hactl_cmd ha_cmds[];
int cmd_takeover(struct hactl *ctx, int argc, char **argv);
int cmd_giveback(struct hactl *ctx, int argc, char **argv);

/* daemon.c */
int cmd_daemon(struct hactl *ctx, int argc, char **argv);

#endif
