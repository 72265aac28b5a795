// SPDX-License-Identifier: GPL-2.0
/*
 * What the HA daemon knows, and what it concludes from it.
 *
 * Two sources, both refreshed every poll: the kernel (node identity,
 * partner reachability over the interconnect, the write log and the
 * partner's log mirrored here, the pools served here) and the shared
 * disks themselves (pool labels: owner and home; member 0's superblock:
 * which log the pool's last CP names; the disk heartbeat: whether the
 * node serving the pool is alive and whether its log was mirrored in
 * full when it last wrote).
 *
 * The disks are the tie-breaker the interconnect cannot be: a partner
 * that is unreachable but whose heartbeat still moves is alive behind a
 * cut interconnect, and taking its pools would be a split brain (PR
 * would still stop one side, but the other's unmirrored writes would be
 * lost).  Only a heartbeat that stopped moving for HA_DEAD_INTERVALS of
 * its own interval says the node is dead.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hactl.h"
#include "coredump_disk.h"
#include "format.h"
#include "ha.h"
#include "ic.h"
#include "pool.h"

/* Heartbeat intervals without a change that make a node dead. */
#define HA_DEAD_INTERVALS	3
/* Below this, a stalled heartbeat may just be a slow disk. */
#define HA_DEAD_MIN_MS		2000

int64_t ha_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int64_t ha_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

const char *ha_partner_state_name(enum ha_partner_state s)
{
	switch (s) {
	case HA_PARTNER_NONE:
		return "none";
	case HA_PARTNER_UP:
		return "up";
	case HA_PARTNER_IC_DOWN:
		return "interconnect down";
	case HA_PARTNER_DEAD:
		return "dead";
	}
	return "?";
}

/* Kernel side */

static int node_cb(struct nl_msg *msg, void *arg)
{
	return node_msg_parse(nlmsg_hdr(msg), arg);
}

static struct nla_policy wlog_policy[HASTOR_A_WLOG_MAX + 1] = {
	[HASTOR_A_WLOG_SYNC] = { .type = NLA_U32 },
	[HASTOR_A_WLOG_SYNC_REASON] = { .type = NLA_STRING },
	[HASTOR_A_WLOG_PARTNER] = { .type = NLA_NESTED },
	[HASTOR_A_WLOG_MIRROR_FROZEN] = { .type = NLA_U32 },
};

static struct nla_policy wlog_partner_policy[HASTOR_A_WLOG_PARTNER_MAX + 1] = {
	[HASTOR_A_WLOG_PARTNER_NODE] = { .type = NLA_U32 },
	[HASTOR_A_WLOG_PARTNER_UUID] = { .minlen = 16, .maxlen = 16 },
};

/* Only what the decisions need of WLOG_GET; "wlog show" has the rest. */
static int wlog_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HASTOR_A_MAX + 1], *wb[HASTOR_A_WLOG_MAX + 1];
	struct nlattr *pb[HASTOR_A_WLOG_PARTNER_MAX + 1];
	struct ha_view *v = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HASTOR_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (!tb[HASTOR_A_WLOG] ||
	    nla_parse_nested(wb, HASTOR_A_WLOG_MAX, tb[HASTOR_A_WLOG],
			     wlog_policy) < 0)
		return NL_SKIP;
	v->log = true;
	if (wb[HASTOR_A_WLOG_SYNC])
		v->log_sync = nla_get_u32(wb[HASTOR_A_WLOG_SYNC]);
	if (wb[HASTOR_A_WLOG_SYNC_REASON])
		snprintf(v->log_why, sizeof(v->log_why), "%s",
			 nla_get_string(wb[HASTOR_A_WLOG_SYNC_REASON]));
	if (wb[HASTOR_A_WLOG_MIRROR_FROZEN])
		v->mirror_frozen = nla_get_u32(wb[HASTOR_A_WLOG_MIRROR_FROZEN]);
	if (wb[HASTOR_A_WLOG_PARTNER] &&
	    !nla_parse_nested(pb, HASTOR_A_WLOG_PARTNER_MAX,
			      wb[HASTOR_A_WLOG_PARTNER], wlog_partner_policy)) {
		if (pb[HASTOR_A_WLOG_PARTNER_NODE])
			v->mirror_node =
				nla_get_u32(pb[HASTOR_A_WLOG_PARTNER_NODE]);
		if (pb[HASTOR_A_WLOG_PARTNER_UUID])
			memcpy(v->mirror_uuid,
			       nla_data(pb[HASTOR_A_WLOG_PARTNER_UUID]), 16);
	}
	return NL_OK;
}

static struct ha_pool *pool_by_uuid(struct ha_view *v, const uint8_t *uuid)
{
	unsigned int i;

	for (i = 0; i < v->nr_pools; i++)
		if (!memcmp(v->pools[i].uuid, uuid, 16))
			return &v->pools[i];
	return NULL;
}

static struct ha_pool *pool_add(struct ha_view *v, const uint8_t *uuid)
{
	struct ha_pool *p = pool_by_uuid(v, uuid);

	if (p)
		return p;
	if (v->nr_pools == HA_MAX_POOLS)
		return NULL;
	p = &v->pools[v->nr_pools++];
	memset(p, 0, sizeof(*p));
	memcpy(p->uuid, uuid, 16);
	return p;
}

static int pool_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HASTOR_A_MAX + 1], *a;
	struct ha_view *v = arg;
	struct pool_info pi;
	struct ha_pool *p;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HASTOR_A_MAX, NULL) < 0 ||
	    !tb[HASTOR_A_POOL] || pool_parse(tb[HASTOR_A_POOL], &pi) < 0 ||
	    !HAS(&pi, HASTOR_A_POOL_UUID))
		return NL_SKIP;
	p = pool_add(v, pi.uuid);
	if (!p)
		return NL_SKIP;
	p->here = true;
	p->mark = true;
	p->state = pi.state;
	if (!p->name[0])
		memcpy(p->name, pi.name, sizeof(p->name));
	/* The replay counters are not in pool_info: read them here. */
	nla_for_each_nested(a, tb[HASTOR_A_POOL], rem) {
		if (nla_type(a) == HASTOR_A_POOL_REPLAY_RECORDS &&
		    nla_len(a) == 8)
			p->replay_records = nla_get_u64(a);
		if (nla_type(a) == HASTOR_A_POOL_REPLAY_DONE && nla_len(a) == 8)
			p->replay_done = nla_get_u64(a);
	}
	return NL_OK;
}

static int ask_kernel(struct hnl *h, struct ha_view *v)
{
	struct partner_info pi = { 0 };
	struct node_info ni = { 0 };
	struct nl_msg *msg;
	bool was = v->reachable;
	int64_t now = ha_now_ms();

	msg = hnl_msg(h, HASTOR_CMD_NODE_GET);
	if (!msg || hnl_request(h, msg, node_cb, &ni) < 0)
		return -1;
	v->configured = ni.has_id && ni.has_cluster_id;
	v->self = ni.id;
	v->cluster = ni.cluster_id;

	msg = hnl_msg(h, HASTOR_CMD_PARTNER_GET);
	if (!msg || hnl_request(h, msg, partner_cb, &pi) < 0)
		return -1;
	v->partner = pi.present ? pi.id : 0;
	v->reachable = pi.present && pi.state == HASTOR_PARTNER_REACHABLE;
	if (v->reachable && !was)
		v->reachable_since_ms = now;
	if (!v->reachable && (was || !v->unreachable_since_ms))
		v->unreachable_since_ms = now;
	if (!v->reachable)
		v->reachable_since_ms = 0;

	v->log = false;
	v->log_sync = HASTOR_WLOG_LOCAL_ONLY;
	v->log_why[0] = '\0';
	v->mirror_frozen = false;
	v->mirror_node = 0;
	memset(v->mirror_uuid, 0, 16);
	msg = hnl_msg(h, HASTOR_CMD_WLOG_GET);
	if (!msg || hnl_request(h, msg, wlog_cb, v) < 0)
		return -1;

	msg = hnl_msg_dump(h, HASTOR_CMD_POOL_GET);
	if (!msg || hnl_request(h, msg, pool_cb, v) < 0)
		return -1;
	return 0;
}

/* Disk side */

static int open_direct(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd;
}

/* The newer valid superblock slot of member 0: which log it names. */
static void read_super(struct ha_pool *p)
{
	struct hastor_super *sb;
	uint64_t best = 0;
	char why[128];
	int fd, s;

	p->sb_ok = false;
	fd = open_direct(p->member0);
	if (fd < 0)
		return;
	if (posix_memalign((void **)&sb, HASTOR_BLOCK_SIZE,
			   HASTOR_BLOCK_SIZE)) {
		close(fd);
		return;
	}
	for (s = 0; s < 2; s++) {
		if (hastor_read_block(fd, 2 + s, sb) ||
		    hastor_check_header(sb, HASTOR_SUPER_MAGIC, 2 + s, p->uuid,
					UINT64_MAX, why, sizeof(why)))
			continue;
		if (p->sb_ok && le64toh(sb->hdr.generation) <= best)
			continue;
		best = le64toh(sb->hdr.generation);
		p->sb_ok = true;
		memcpy(p->wlog_uuid, sb->wlog_uuid, 16);
		p->wlog_seq = le64toh(sb->wlog_seq);
	}
	free(sb);
	close(fd);
}

static void read_heartbeat(struct ha_pool *p, int64_t now)
{
	struct diskhb_info hb;
	uint64_t interval;
	int err;

	err = diskhb_read(p->member0, &hb, p->hb_why, sizeof(p->hb_why));
	if (err) {
		p->hb_ok = false;
		p->hb_alive = false;
		return;
	}
	if (!p->hb_ok || hb.counter != p->hb.counter ||
	    hb.boot_id != p->hb.boot_id || hb.node_id != p->hb.node_id)
		p->hb_moved_ms = now;
	p->hb = hb;
	p->hb_ok = true;
	interval = hb.interval_ms ? hb.interval_ms : 1000;
	p->hb_alive = !hb.stopped &&
		      now - p->hb_moved_ms <
		      (int64_t)(interval * HA_DEAD_INTERVALS > HA_DEAD_MIN_MS ?
				interval * HA_DEAD_INTERVALS : HA_DEAD_MIN_MS);
}

/*
 * A spare whose dump attributes say the partner is writing its memory
 * there now: the partner's kernel panicked and its capture kernel runs.
 * Only a fresh update counts (a torn dump says nothing of the present),
 * only this cluster's partner, and only a dump of /proc/vmcore, which
 * exists in a capture kernel alone: a file dumped by hand on a live
 * node (coredump write --from) must not make it look dead.
 */
static void read_dump(struct ha_view *v, const char *path)
{
	struct cd_info di;

	if (!v->partner || v->partner_dumping ||
	    cd_attr_read_path(path, &di) || di.status != CD_ATTR_VALID ||
	    le32toh(di.a.state) != HASTOR_DUMP_WRITING || cd_torn(&di.a) ||
	    le32toh(di.a.node_id) != v->partner ||
	    le32toh(di.a.cluster_id) != v->cluster ||
	    strncmp(di.a.source, "/proc/vmcore", sizeof(di.a.source)))
		return;
	v->partner_dumping = true;
	snprintf(v->dump_disk, sizeof(v->dump_disk), "%s", path);
	v->dump_written = le64toh(di.a.written_bytes);
	v->dump_bytes = le64toh(di.a.dump_bytes);
}

static bool is_spare(int fd)
{
	struct hastor_label_copies lc;
	int best = hastor_read_label_copies(fd, &lc);

	return best >= 0 &&
	       le32toh(lc.copy[best].incompat) & HASTOR_INCOMPAT_SPARE &&
	       !le32toh(lc.copy[best].member_count);
}

/* One disk: a pool label adds it to its pool. */
static int scan_disk(const char *path, void *arg)
{
	struct ha_view *v = arg;
	struct hastor_label l;
	struct ha_pool *p;
	char why[256];
	uint32_t idx;
	int fd, err;

	/* Kept in fixed buffers; no shared disk has a longer name. */
	if (strlen(path) >= sizeof(p->member0))
		return 0;
	fd = open_direct(path);
	if (fd < 0)
		return 0;
	err = hastor_read_label(fd, &l, why, sizeof(why));
	/* A spare's label does not check as a pool's: it has no members. */
	if (err && is_spare(fd))
		read_dump(v, path);
	close(fd);
	if (err || !le32toh(l.member_count))
		return 0;
	p = pool_add(v, l.hdr.pool_uuid);
	if (!p)
		return 0;
	if (!p->mark) {
		p->mark = true;
		p->seen = 0;
	}
	snprintf(p->name, sizeof(p->name), "%.*s",
		 (int)sizeof(l.pool_name), l.pool_name);
	p->owner = le32toh(l.owner_node);
	p->home = le32toh(l.home_node);
	p->members = le32toh(l.member_count);
	idx = le32toh(l.member_index);
	if (idx < HASTOR_MAX_MEMBERS)
		memcpy(p->member_path[idx], path, strlen(path) + 1);
	if (!idx)
		memcpy(p->member0, path, strlen(path) + 1);
	p->seen++;
	return 0;
}

int ha_view_refresh(struct hnl *h, struct ha_view *v)
{
	int64_t now = ha_now_ms();
	unsigned int i, j;

	for (i = 0; i < v->nr_pools; i++) {
		v->pools[i].mark = false;
		v->pools[i].here = false;
		v->pools[i].seen = 0;
		v->pools[i].member0[0] = '\0';
	}
	if (ask_kernel(h, v) < 0)
		return -1;
	v->partner_dumping = false;
	v->dump_disk[0] = '\0';
	for_each_disk(scan_disk, v);
	/* Forget pools gone from both the disks and the kernel. */
	for (i = j = 0; i < v->nr_pools; i++)
		if (v->pools[i].mark)
			v->pools[j++] = v->pools[i];
	v->nr_pools = j;
	for (i = 0; i < v->nr_pools; i++) {
		struct ha_pool *p = &v->pools[i];

		if (!p->member0[0]) {
			p->hb_ok = false;
			p->hb_alive = false;
			snprintf(p->hb_why, sizeof(p->hb_why),
				 "member 0 not seen");
			continue;
		}
		read_super(p);
		read_heartbeat(p, now);
	}
	return 0;
}

/* Decisions */

/* A pool the partner serves (or served when it stopped). */
static bool partner_pool(const struct ha_view *v, const struct ha_pool *p)
{
	return v->partner && p->owner == v->partner && !p->here;
}

enum ha_partner_state ha_partner_state(const struct ha_view *v)
{
	const struct ha_pool *p;
	unsigned int i;

	if (!v->partner)
		return HA_PARTNER_NONE;
	if (v->reachable)
		return HA_PARTNER_UP;
	/*
	 * Its kernel panicked: the heartbeats it wrote stopped with it, so
	 * waiting for them to time out only delays the takeover.
	 */
	if (v->partner_dumping && !v->ignore_dump)
		return HA_PARTNER_DEAD;
	for (i = 0; i < v->nr_pools; i++) {
		p = &v->pools[i];
		/* Any heartbeat of the partner still moving: it lives. */
		if (p->hb_ok && p->hb.node_id == v->partner && p->hb_alive)
			return HA_PARTNER_IC_DOWN;
		/* A partner pool we cannot judge: assume it lives. */
		if (partner_pool(v, p) && !p->hb_ok)
			return HA_PARTNER_IC_DOWN;
	}
	return HA_PARTNER_DEAD;
}

static bool zero_uuid(const uint8_t *u)
{
	static const uint8_t zero[16];

	return !memcmp(u, zero, 16);
}

/*
 * Whether this node holds everything needed to serve the partner's
 * pools with no acknowledged write lost: its disks, and its log as
 * mirrored here, complete (the partner's last heartbeat said in sync).
 */
bool ha_can_take_over(const struct ha_view *v, char *why, size_t len)
{
	const struct ha_pool *p;
	unsigned int i, n = 0;

	if (!v->configured)
		return snprintf(why, len, "this node is not configured"), false;
	if (!v->partner)
		return snprintf(why, len, "no partner configured"), false;
	if (!v->log)
		return snprintf(why, len, "no write log attached here"), false;
	for (i = 0; i < v->nr_pools; i++) {
		p = &v->pools[i];
		if (!partner_pool(v, p))
			continue;
		n++;
		if (p->seen < p->members) {
			snprintf(why, len, "pool %s: %u of its %u disks seen here",
				 p->name, p->seen, p->members);
			return false;
		}
		if (!p->sb_ok) {
			snprintf(why, len, "pool %s: its superblock cannot be read",
				 p->name);
			return false;
		}
		/* Exported cleanly: nothing of it is in any log. */
		if (zero_uuid(p->wlog_uuid))
			continue;
		if (memcmp(p->wlog_uuid, v->mirror_uuid, 16)) {
			snprintf(why, len, "pool %s: its log is not mirrored here",
				 p->name);
			return false;
		}
		if (!p->hb_ok) {
			snprintf(why, len, "pool %s: disk heartbeat unreadable: %s",
				 p->name, p->hb_why);
			return false;
		}
		if (p->hb.wlog_sync != HASTOR_WLOG_IN_SYNC) {
			snprintf(why, len, "pool %s: the partner's log is not in sync",
				 p->name);
			return false;
		}
	}
	if (!n)
		return snprintf(why, len, "the partner serves no pool"), false;
	why[0] = '\0';
	return true;
}

bool ha_partner_can_take_over(const struct ha_view *v, char *why, size_t len)
{
	if (!v->partner)
		return snprintf(why, len, "no partner configured"), false;
	if (!v->log)
		return snprintf(why, len, "no write log attached here"), false;
	if (v->log_sync != HASTOR_WLOG_IN_SYNC)
		return snprintf(why, len, "this node's log is not in sync%s%s",
				v->log_why[0] ? ": " : "", v->log_why), false;
	why[0] = '\0';
	return true;
}
