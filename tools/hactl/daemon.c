// SPDX-License-Identifier: GPL-2.0
/*
 * hactl daemon: the HA failover manager of one node.
 *
 * The kernel is mechanism (fencing, replay, the mirror); this loop is
 * policy.  Every poll it refreshes its view (ha_view.c) and acts:
 *
 * - Takeover, when the partner is dead: unreachable on every
 *   interconnect link *and* its disk heartbeats stopped, and this node
 *   holds its log mirror complete.  Steps, each timed for the timeline:
 *   freeze the mirror (a partner rebooting now must not reset it under
 *   the replay), fence (preempt the partner's key on every disk of its
 *   pools: from then on none of its writes lands), import (the kernel
 *   replays from the mirror while the volumes already serve), first
 *   read from a volume, replay finished, thaw.  The order freeze-fence
 *   means nothing the partner could do after the decision changes what
 *   is replayed.
 * - Giveback, on the node serving pools whose home is the partner: once
 *   the partner has been reachable for the giveback delay (or when asked
 *   with "hactl giveback"), export them: a CP, the volumes offline, the
 *   reservations released, the heartbeat marked stopped.
 * - Home import: a pool whose home is this node and that nobody serves
 *   (its heartbeat stopped: given back or exported) is imported here.  A
 *   pool this node owned when it died is imported again only once the
 *   partner has been reachable for a grace period, so that a takeover
 *   the partner decided before this node came back has fenced the disks
 *   first (the reservation then refuses the import).
 * - A pool here whose disks refuse our writes (FENCED: the partner took
 *   it over while we were cut off) is taken offline.
 *
 * Actions run as child processes of this same binary ("hactl pool
 * import", "hactl disk pr", ...): each step is exactly what an operator
 * would type, with its own error reporting, and a failing step cannot
 * leave the daemon's own state half-changed.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hactl.h"
#include "ha.h"
#include "disk.h"
#include "names.h"
#include "nl.h"
#include "pool.h"
#include "wlog.h"

extern char **environ;

#define POLL_MS			200
#define GRACE_MS_DEFAULT	3000
#define GIVEBACK_S_DEFAULT	10
#define RETRY_MS		5000
#define MAX_CLIENTS		8
#define MOVE_MS			60000
#define MOVE_RETRY_MS		1000

struct timeline {
	bool valid;
	uint32_t node;			/* taken over */
	int64_t wall_ms;		/* of the detection */
	int64_t lost, detected, frozen, fenced, imported, first_io, replayed;
	unsigned int pools, volumes;
	uint64_t records;
	char result[HA_REASON_LEN];
};

/*
 * A pool in a planned move: handed to the partner (out), or handed to
 * this node, which imports it (in).  Forgotten after MOVE_MS.
 */
struct move {
	char pool[128];
	bool in;
	int64_t at, retry_at;
};

struct daemon {
	struct hactl *ctx;
	struct hnl h;
	struct ha_view v;
	const char *module;
	bool auto_takeover, auto_giveback;
	int64_t giveback_ms, grace_ms;
	bool giveback_asked;
	int64_t retry_at[HA_MAX_POOLS];		/* by view index; coarse */
	char last_msg[256];
	struct timeline tl;
	bool in_takeover;
	bool takeover_asked;
	int64_t takeover_retry_at;
	/* Planned moves (HA messages with the partner's daemon). */
	struct hnl ev;			/* the kernel's events: HA_NTF */
	bool ev_ok;
	bool planned;			/* we asked for it: giveback is manual */
	int64_t planned_at;
	struct move moves[HA_MAX_POOLS];
	unsigned int nr_moves;
	int lsock;
	int monitors[MAX_CLIENTS];
	volatile sig_atomic_t stop;
};

static struct daemon *the_daemon;

static void on_signal(int sig)
{
	(void)sig;
	if (the_daemon)
		the_daemon->stop = 1;
}

/* A line to the daemon's log and to every "monitor" client. */
static void __attribute__((format(printf, 2, 3)))
event(struct daemon *d, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int i, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	printf("hactl daemon: %s", line);
	fflush(stdout);
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (d->monitors[i] < 0)
			continue;
		if (send(d->monitors[i], line, n, MSG_NOSIGNAL | MSG_DONTWAIT)
		    != n) {
			close(d->monitors[i]);
			d->monitors[i] = -1;
		}
	}
}

/* Says msg once until something else is said: polls repeat themselves. */
static void __attribute__((format(printf, 2, 3)))
event_once(struct daemon *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strcmp(msg, d->last_msg))
		return;
	snprintf(d->last_msg, sizeof(d->last_msg), "%s", msg);
	event(d, "%s", msg);
}

/*
 * Runs "hactl ARGS..." (this binary) and waits; its output goes to the
 * daemon's.  Returns its exit status, or -1.
 */
static int run_hactl(struct daemon *d, ...)
{
	char *argv[16];
	va_list ap;
	int argc = 0, st;
	pid_t pid;

	argv[argc++] = "hactl";
	if (d->module) {
		argv[argc++] = "-m";
		argv[argc++] = (char *)d->module;
	}
	va_start(ap, d);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ)) {
		event(d, "cannot run hactl %s: %s", argv[1], strerror(errno));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static uint64_t pr_key(uint32_t cluster, uint32_t node)
{
	return HASTOR_PR_KEY_TAG << 48 | (uint64_t)cluster << 16 | node;
}

/* Reads one block of the pool's first volume: the first I/O served. */
static int first_io(struct daemon *d, const char *pool, unsigned int *nvol)
{
	struct vol_info *vols = NULL;
	char name[160], path[200];
	size_t n = 0, i;
	void *buf = NULL;
	int fd, ret = -1;

	d->h.op = "daemon";
	if (vol_dump(&d->h, pool, false, &vols, &n))
		return -1;
	*nvol = n;
	for (i = 0; i < n; i++)
		if (vols[i].type != HASTOR_VOL_TYPE_SNAPSHOT)
			break;
	if (i == n || !vol_dm_name(pool, vols[i].name, name, sizeof(name)))
		goto out;
	snprintf(path, sizeof(path), "/dev/mapper/%s", name);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		goto out;
	if (!posix_memalign(&buf, 4096, 4096) && pread(fd, buf, 4096, 0) ==
	    4096)
		ret = 0;
	close(fd);
out:
	free(buf);
	free(vols);
	return ret;
}

static void timeline_print(struct daemon *d)
{
	struct timeline *t = &d->tl;

	event(d, "timeline: takeover of node %u: %s; link lost -> detected %" PRId64
	      " ms, frozen +%" PRId64 " ms, fenced +%" PRId64 " ms, imported +%"
	      PRId64 " ms, first I/O +%" PRId64 " ms, replay done +%" PRId64
	      " ms (%u pools, %u volumes, %" PRIu64 " records)",
	      t->node, t->result, t->detected - t->lost,
	      t->frozen - t->detected, t->fenced - t->detected,
	      t->imported - t->detected,
	      t->first_io ? t->first_io - t->detected : -1,
	      t->replayed ? t->replayed - t->detected : -1,
	      t->pools, t->volumes, t->records);
}

/* In-process, as the fencing: a child hactl costs a process start. */
static int set_frozen(struct daemon *d, bool on)
{
	d->h.op = "daemon";
	return wlog_set_frozen(&d->h, on);
}

/*
 * The takeover itself, in the order the comment at the top explains.
 * Pools that fail are reported and left; the others are served.
 */
static void take_over(struct daemon *d)
{
	struct ha_view *v = &d->v;
	struct timeline *t = &d->tl;
	char *names[HA_MAX_POOLS];
	uint64_t key;
	unsigned int i, m, n = 0, nvol;
	bool all = true;

	memset(t, 0, sizeof(*t));
	t->valid = true;
	t->node = v->partner;
	t->wall_ms = ha_wall_ms();
	t->lost = v->unreachable_since_ms;
	t->detected = ha_now_ms();
	if (v->partner_dumping && !v->ignore_dump)
		event(d, "takeover: partner node %u is dead (no interconnect, dumping core to %s)",
		      v->partner, v->dump_disk);
	else
		event(d, "takeover: partner node %u is dead (no interconnect, disk heartbeat stopped)",
		      v->partner);
	for (i = 0; i < v->nr_pools; i++) {
		v->pools[i].taken = false;
		if (v->pools[i].owner == v->partner && !v->pools[i].here)
			names[n++] = v->pools[i].name;
	}

	if (set_frozen(d, true)) {
		snprintf(t->result, sizeof(t->result), "failed: cannot freeze the mirror");
		event(d, "takeover: %s", t->result);
		return;
	}
	t->frozen = ha_now_ms();
	d->in_takeover = true;

	key = pr_key(v->cluster, v->partner);
	d->h.op = "daemon";
	for (i = 0; i < v->nr_pools; i++) {
		struct ha_pool *p = &v->pools[i];

		if (p->owner != v->partner || p->here)
			continue;
		/* PREEMPT needs this node registered on the disk. */
		for (m = 0; m < p->members; m++)
			if (disk_pr(&d->h, p->member_path[m],
				    HASTOR_PR_REGISTER, false, 0) ||
			    disk_pr(&d->h, p->member_path[m],
				    HASTOR_PR_PREEMPT, true, key))
				event(d, "takeover: pool %s: cannot fence %s",
				      p->name, p->member_path[m]);
	}
	t->fenced = ha_now_ms();

	for (i = 0; i < n; i++) {
		struct ha_pool *p = NULL;

		for (m = 0; m < v->nr_pools; m++)
			if (v->pools[m].name == names[i])
				p = &v->pools[m];
		if (run_hactl(d, "pool", "import", names[i], NULL)) {
			event(d, "takeover: pool %s: import failed", names[i]);
			all = false;
			continue;
		}
		t->pools++;
		if (p)
			p->taken = true;
	}
	t->imported = ha_now_ms();
	for (i = 0; i < n; i++)
		if (!first_io(d, names[i], &nvol)) {
			if (!t->first_io)
				t->first_io = ha_now_ms();
			t->volumes += nvol;
		}
	snprintf(t->result, sizeof(t->result), "%s",
		 all ? "done" : "some pools failed");
	event(d, "takeover: %u pools imported, volumes serving; replay in the background",
	      t->pools);
}

/* Replay finished everywhere: the timeline is complete; thaw. */
static void takeover_progress(struct daemon *d)
{
	struct ha_view *v = &d->v;
	unsigned int i;

	if (!d->in_takeover)
		return;
	for (i = 0; i < v->nr_pools; i++)
		if (v->pools[i].here &&
		    v->pools[i].state == HASTOR_POOL_REPLAYING)
			return;
	d->tl.replayed = ha_now_ms();
	for (i = 0; i < v->nr_pools; i++)
		if (v->pools[i].here && v->pools[i].taken)
			d->tl.records += v->pools[i].replay_records;
	set_frozen(d, false);
	d->in_takeover = false;
	timeline_print(d);
}

static struct move *move_find(struct daemon *d, const char *pool, bool in)
{
	unsigned int i;

	for (i = 0; i < d->nr_moves; i++)
		if (d->moves[i].in == in && !strcmp(d->moves[i].pool, pool))
			return &d->moves[i];
	return NULL;
}

static void move_add(struct daemon *d, const char *pool, bool in)
{
	struct move *m = move_find(d, pool, in);

	if (!m && d->nr_moves < HA_MAX_POOLS)
		m = &d->moves[d->nr_moves++];
	if (!m)
		return;
	snprintf(m->pool, sizeof(m->pool), "%s", pool);
	m->in = in;
	m->at = ha_now_ms();
	m->retry_at = 0;
}

static void move_drop(struct daemon *d, struct move *m)
{
	*m = d->moves[--d->nr_moves];
}

static void send_msg(struct daemon *d, enum ha_msg_verb verb,
		     const char *pool)
{
	d->h.op = "daemon";
	if (ha_msg_send(&d->h, d->v.self, verb, pool))
		event(d, "cannot send an HA message to node %u (pool %s)",
		      d->v.partner, pool ? pool : "-");
}

/*
 * Exports p for the partner with its volume devices forwarding to it,
 * so that their users see no error, and tells the partner to import.
 */
static void hand_pool(struct daemon *d, struct ha_pool *p, const char *why)
{
	int64_t t0 = ha_now_ms();

	if (run_hactl(d, "pool", "export", "--handover", p->name, NULL)) {
		event(d, "%s: pool %s: export failed", why, p->name);
		send_msg(d, HA_MSG_REFUSED, p->name);
		return;
	}
	p->here = false;
	move_add(d, p->name, false);
	send_msg(d, HA_MSG_HANDED, p->name);
	event(d, "%s: pool %s exported in %" PRId64 " ms, its volumes forward to node %u, which imports it",
	      why, p->name, ha_now_ms() - t0, d->v.partner);
}

/* The partner asks for a planned takeover: every pool served here. */
static void hand_over(struct daemon *d)
{
	struct ha_view *v = &d->v;
	unsigned int i, n = 0;

	event(d, "planned takeover: node %u asks for this node's pools",
	      v->partner);
	for (i = 0; i < v->nr_pools; i++)
		if (v->pools[i].here) {
			hand_pool(d, &v->pools[i], "planned takeover");
			n++;
		}
	if (!n)
		event(d, "planned takeover: this node serves no pool");
}

/* Pools the partner handed to this node: import them, retrying a while. */
static void import_handed(struct daemon *d, int64_t now)
{
	struct ha_view *v = &d->v;
	unsigned int i, j;

	for (i = 0; i < d->nr_moves; i++) {
		struct move *m = &d->moves[i];
		struct ha_pool *p = NULL;

		for (j = 0; j < v->nr_pools; j++)
			if (!strcmp(v->pools[j].name, m->pool))
				p = &v->pools[j];
		if (now - m->at >= MOVE_MS || (p && m->in && p->here)) {
			if (m->in && (!p || !p->here))
				event(d, "pool %s handed by node %u: not imported in %d s; given up",
				      m->pool, v->partner, MOVE_MS / 1000);
			move_drop(d, m);
			i--;
			continue;
		}
		if (!m->in || now < m->retry_at)
			continue;
		if (run_hactl(d, "pool", "import", m->pool, NULL)) {
			m->retry_at = now + MOVE_RETRY_MS;
			continue;
		}
		if (p)
			p->here = true;
		if (d->planned && d->planned_at)
			event(d, "planned takeover: pool %s serving here %" PRId64 " ms after the request",
			      m->pool, ha_now_ms() - d->planned_at);
		else
			event(d, "pool %s handed by node %u: serving here after %" PRId64 " ms",
			      m->pool, v->partner, ha_now_ms() - m->at);
		move_drop(d, m);
		i--;
	}
}

static void give_back(struct daemon *d)
{
	struct ha_view *v = &d->v;
	unsigned int i;

	for (i = 0; i < v->nr_pools; i++) {
		struct ha_pool *p = &v->pools[i];

		if (!p->here || p->home != v->partner)
			continue;
		event(d, "giveback: pool %s to node %u", p->name, v->partner);
		hand_pool(d, p, "giveback");
	}
	d->giveback_asked = false;
	d->planned = false;
}

/* Whether this node serves pools whose home is the partner. */
static bool serving_partner(const struct ha_view *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_pools; i++)
		if (v->pools[i].here && v->partner &&
		    v->pools[i].home == v->partner)
			return true;
	return false;
}

static void home_import(struct daemon *d, unsigned int i, int64_t now)
{
	struct ha_view *v = &d->v;
	struct ha_pool *p = &v->pools[i];
	bool partner_settled = !v->partner ||
		(v->reachable && now - v->reachable_since_ms >= d->grace_ms);

	if (p->here || p->home != v->self || p->seen < p->members)
		return;
	if (p->hb_ok && p->hb_alive)
		return;		/* somebody serves it: wait for a giveback */
	/* Handed to the live partner, which is importing it. */
	if (move_find(d, p->name, false) && v->reachable)
		return;
	if (!(p->hb_ok && p->hb.stopped) &&
	    !(p->owner == v->self && partner_settled))
		return;
	if (now < d->retry_at[i])
		return;
	event(d, "home pool %s is not served: importing it", p->name);
	if (run_hactl(d, "pool", "import", p->name, NULL)) {
		d->retry_at[i] = now + RETRY_MS;
		event(d, "home pool %s: import failed; retrying in %d s",
		      p->name, RETRY_MS / 1000);
	}
}

static void drop_fenced(struct daemon *d)
{
	struct ha_view *v = &d->v;
	unsigned int i;

	for (i = 0; i < v->nr_pools; i++) {
		struct ha_pool *p = &v->pools[i];

		if (!p->here || p->state != HASTOR_POOL_FENCED)
			continue;
		event(d, "pool %s is fenced (another node took it over): taking it offline",
		      p->name);
		if (run_hactl(d, "pool", "export", p->name, NULL))
			event_once(d, "pool %s: cannot take it offline yet (volumes in use)",
				   p->name);
	}
}

static void decide(struct daemon *d)
{
	struct ha_view *v = &d->v;
	enum ha_partner_state ps = ha_partner_state(v);
	int64_t now = ha_now_ms();
	char why[HA_REASON_LEN];
	unsigned int i;

	drop_fenced(d);
	takeover_progress(d);
	if (ps == HA_PARTNER_DEAD) {
		if (!ha_can_take_over(v, why, sizeof(why))) {
			if (strcmp(why, "the partner serves no pool"))
				event_once(d, "partner node %u is dead; takeover disabled: %s",
					   v->partner, why);
		} else if ((d->auto_takeover || d->takeover_asked) &&
			   now >= d->takeover_retry_at) {
			d->takeover_asked = false;
			take_over(d);
			/* A pool that failed is tried again, not in a loop. */
			d->takeover_retry_at = ha_now_ms() + RETRY_MS;
			return;
		}
	} else if (ps == HA_PARTNER_IC_DOWN) {
		event_once(d, "interconnect down: partner node %u alive on disk; no takeover",
			   v->partner);
	} else if (ps == HA_PARTNER_UP) {
		event_once(d, "partner node %u up", v->partner);
	}
	import_handed(d, now);
	if (ps == HA_PARTNER_UP && serving_partner(v) && !d->in_takeover &&
	    (d->giveback_asked ||
	     (d->auto_giveback && !d->planned &&
	      now - v->reachable_since_ms >= d->giveback_ms)))
		give_back(d);
	for (i = 0; i < v->nr_pools; i++)
		home_import(d, i, now);
}

/* Control socket */

static void status_text(struct daemon *d, FILE *f, bool json)
{
	struct ha_view *v = &d->v;
	enum ha_partner_state ps = ha_partner_state(v);
	char why1[HA_REASON_LEN], why2[HA_REASON_LEN], u[33], st[24];
	bool can1 = ha_can_take_over(v, why1, sizeof(why1));
	bool can2 = ha_partner_can_take_over(v, why2, sizeof(why2));
	const char *state = d->in_takeover ? "in takeover" :
			    serving_partner(v) ? "in takeover" : "up";
	unsigned int i;
	bool waiting = false;

	for (i = 0; i < v->nr_pools; i++)
		if (v->pools[i].home == v->self && !v->pools[i].here &&
		    v->pools[i].hb_ok && v->pools[i].hb_alive &&
		    v->pools[i].hb.node_id == v->partner)
			waiting = true;
	if (waiting && !serving_partner(v))
		state = "waiting for giveback";
	if (json) {
		fprintf(f, "{\"node\":%u,\"state\":\"%s\",\"partner\":%u,"
			"\"partner_state\":\"%s\",\"takeover_possible\":%s,"
			"\"takeover_reason\":\"%s\",\"partner_takeover_possible\":%s,"
			"\"partner_takeover_reason\":\"%s\",\"log_sync\":%u,"
			"\"mirror_frozen\":%s,\"partner_dumping\":\"%s\","
			"\"dump_written\":%" PRIu64 ",\"dump_bytes\":%" PRIu64
			",\"pools\":[",
			v->self, state, v->partner, ha_partner_state_name(ps),
			can1 ? "true" : "false", why1, can2 ? "true" : "false",
			why2, v->log_sync, v->mirror_frozen ? "true" : "false",
			v->partner_dumping ? v->dump_disk : "",
			v->partner_dumping ? v->dump_written : 0,
			v->partner_dumping ? v->dump_bytes : 0);
		for (i = 0; i < v->nr_pools; i++) {
			struct ha_pool *p = &v->pools[i];

			hactl_uuid_hex(p->uuid, u);
			fprintf(f, "%s{\"name\":\"%s\",\"uuid\":\"%s\",\"home\":%u,"
				"\"owner\":%u,\"here\":%s,\"state\":\"%s\","
				"\"disks\":%u,\"disks_seen\":%u,"
				"\"heartbeat\":{\"valid\":%s,\"node\":%u,"
				"\"alive\":%s,\"stopped\":%s,\"sync\":%u,"
				"\"counter\":%" PRIu64 "},"
				"\"replay_records\":%" PRIu64 ",\"replay_done\":%"
				PRIu64 "}",
				i ? "," : "", p->name, u, p->home, p->owner,
				p->here ? "true" : "false",
				p->here ? pool_state_name(p->state, st, sizeof(st)) : "",
				p->members, p->seen, p->hb_ok ? "true" : "false",
				p->hb.node_id, p->hb_alive ? "true" : "false",
				p->hb.stopped ? "true" : "false",
				p->hb.wlog_sync, p->hb.counter,
				p->replay_records, p->replay_done);
		}
		fprintf(f, "]");
		if (d->tl.valid) {
			struct timeline *t = &d->tl;

			fprintf(f, ",\"last_takeover\":{\"node\":%u,\"result\":\"%s\","
				"\"detect_ms\":%" PRId64 ",\"fence_ms\":%" PRId64
				",\"import_ms\":%" PRId64 ",\"first_io_ms\":%" PRId64
				",\"replay_ms\":%" PRId64 ",\"pools\":%u,"
				"\"volumes\":%u,\"records\":%" PRIu64 "}",
				t->node, t->result, t->detected - t->lost,
				t->fenced - t->detected,
				t->imported - t->detected,
				t->first_io ? t->first_io - t->detected : -1,
				t->replayed ? t->replayed - t->detected : -1,
				t->pools, t->volumes, t->records);
		}
		fprintf(f, "}\n");
		return;
	}
	fprintf(f, "%-6s %-8s %-22s %-9s %s\n", "Node", "Partner", "State",
		"Takeover", "Reason");
	fprintf(f, "%-6u %-8u %-22s %-9s %s\n", v->self, v->partner, state,
		can1 ? "possible" : "disabled", can1 ? "-" : why1);
	fprintf(f, "%-6u %-8u %-22s %-9s %s\n", v->partner, v->self,
		ha_partner_state_name(ps), can2 ? "possible" : "disabled",
		can2 ? "-" : why2);
	if (v->partner_dumping)
		fprintf(f, "\nPartner node %u dumping core to %s: %" PRIu64
			" of %" PRIu64 " MiB written%s\n", v->partner,
			v->dump_disk, v->dump_written >> 20, v->dump_bytes >> 20,
			v->ignore_dump ? " (signal ignored: --ignore-dump-signal)" :
			"");
	fprintf(f, "\n%-16s %-5s %-6s %-6s %-11s %-10s %s\n", "Pool", "Home",
		"Owner", "Here", "State", "Heartbeat", "Log");
	for (i = 0; i < v->nr_pools; i++) {
		struct ha_pool *p = &v->pools[i];
		const char *hb = !p->hb_ok ? "invalid" :
				 p->hb.stopped ? "stopped" :
				 p->hb_alive ? "alive" : "dead";

		fprintf(f, "%-16s %-5u %-6u %-6s %-11s %-10s %s\n", p->name,
			p->home, p->owner, p->here ? "yes" : "no",
			p->here ? pool_state_name(p->state, st, sizeof(st)) : "-", hb,
			!p->hb_ok ? "-" :
			p->hb.wlog_sync == HASTOR_WLOG_IN_SYNC ? "in sync" :
			p->hb.wlog_sync == HASTOR_WLOG_LOCAL_ONLY ?
			"local only" : "not in sync");
	}
	if (d->tl.valid) {
		struct timeline *t = &d->tl;

		fprintf(f, "\nLast takeover (node %u): %s: detected %" PRId64
			" ms after link loss; fenced +%" PRId64
			" ms, imported +%" PRId64 " ms, first I/O +%" PRId64
			" ms, replay done +%" PRId64 " ms\n", t->node, t->result,
			t->detected - t->lost, t->fenced - t->detected,
			t->imported - t->detected,
			t->first_io ? t->first_io - t->detected : -1,
			t->replayed ? t->replayed - t->detected : -1);
	}
}

static int listen_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	mkdir("/run/hastor", 0700);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", HA_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(HA_SOCKET);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(HA_SOCKET, 0600) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request line per connection; a bounded wait for it. */
static void serve_client(struct daemon *d, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char req[64];
	ssize_t n = 0, r;
	FILE *f;
	int i;

	while (n < (ssize_t)sizeof(req) - 1 && !memchr(req, '\n', n)) {
		if (poll(&pfd, 1, 1000) <= 0)
			break;
		r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	req[n] = '\0';
	req[strcspn(req, "\n")] = '\0';
	if (!strcmp(req, "monitor")) {
		for (i = 0; i < MAX_CLIENTS; i++)
			if (d->monitors[i] < 0) {
				d->monitors[i] = fd;
				return;
			}
		close(fd);
		return;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return;
	}
	if (!strcmp(req, "status")) {
		status_text(d, f, false);
	} else if (!strcmp(req, "status-json")) {
		status_text(d, f, true);
	} else if (!strcmp(req, "takeover")) {
		char why[HA_REASON_LEN];

		if (ha_partner_state(&d->v) == HA_PARTNER_UP) {
			d->h.op = "daemon";
			if (ha_msg_send(&d->h, d->v.self, HA_MSG_TAKEOVER,
					NULL)) {
				fprintf(f, "error: cannot reach node %u's daemon\n",
					d->v.partner);
			} else {
				d->planned = true;
				d->planned_at = ha_now_ms();
				event(d, "planned takeover: asked node %u to hand its pools over",
				      d->v.partner);
				fprintf(f, "ok: planned takeover: node %u hands its pools over\n",
					d->v.partner);
			}
		} else if (ha_partner_state(&d->v) != HA_PARTNER_DEAD)
			fprintf(f, "error: partner node %u is %s: no takeover\n",
				d->v.partner,
				ha_partner_state_name(ha_partner_state(&d->v)));
		else if (!ha_can_take_over(&d->v, why, sizeof(why)))
			fprintf(f, "error: takeover disabled: %s\n", why);
		else {
			d->takeover_asked = true;
			d->takeover_retry_at = 0;
			fprintf(f, "ok: takeover started\n");
		}
	} else if (!strcmp(req, "giveback")) {
		if (!serving_partner(&d->v))
			fprintf(f, "error: this node serves no pool of its partner\n");
		else if (ha_partner_state(&d->v) != HA_PARTNER_UP)
			fprintf(f, "error: the partner is not up\n");
		else {
			d->giveback_asked = true;
			fprintf(f, "ok: giveback started\n");
		}
	} else {
		fprintf(f, "error: unknown request\n");
	}
	fclose(f);
}

/* HA messages wait here until the main loop, outside libnl's callback. */
#define INBOX_MAX	16
static struct ha_msg inbox[INBOX_MAX];
static unsigned int inbox_len;

static int ev_cb(struct nl_msg *msg, void *arg)
{
	struct daemon *d = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	char why[HA_REASON_LEN] = "malformed event";
	struct ha_msg m;
	const void *buf;
	size_t len;

	if (nlh->nlmsg_type != d->ev.family || !genlmsg_valid_hdr(nlh, 0) ||
	    gh->cmd != HASTOR_CMD_HA_NTF)
		return NL_SKIP;
	if (ha_msg_from_event(nlh, &buf, &len) ||
	    ha_msg_parse(buf, len, d->v.partner, &m, why, sizeof(why))) {
		event(d, "HA message refused: %s", why);
		return NL_SKIP;
	}
	if (inbox_len == INBOX_MAX) {
		event(d, "HA message dropped: %u waiting", INBOX_MAX);
		return NL_SKIP;
	}
	inbox[inbox_len++] = m;
	return NL_OK;
}

static void receive_messages(struct daemon *d)
{
	unsigned int i;
	int err;

	err = nl_recvmsgs_default(d->ev.sk);
	if (err < 0 && err != -NLE_AGAIN)
		event(d, "receiving HA messages: %s (some may be lost)",
		      nl_geterror(err));
	for (i = 0; i < inbox_len; i++) {
		struct ha_msg *m = &inbox[i];

		switch (m->verb) {
		case HA_MSG_TAKEOVER:
			hand_over(d);
			break;
		case HA_MSG_HANDED:
			event(d, "node %u handed pool %s over: importing it",
			      d->v.partner, m->pool);
			move_add(d, m->pool, true);
			break;
		case HA_MSG_REFUSED:
			event(d, "node %u could not hand pool %s over",
			      d->v.partner, m->pool);
			break;
		}
	}
	inbox_len = 0;
	import_handed(d, ha_now_ms());
}

static int events_open(struct daemon *d)
{
	if (hnl_open(&d->ev, "daemon", NULL, false) != HNL_OK)
		return -1;
	if (hnl_subscribe(&d->ev, HASTOR_MCGRP_EVENTS) < 0) {
		hnl_close(&d->ev);
		return -1;
	}
	nl_socket_set_nonblocking(d->ev.sk);
	nl_socket_modify_cb(d->ev.sk, NL_CB_VALID, NL_CB_CUSTOM, ev_cb, d);
	return 0;
}

static void accept_clients(struct daemon *d)
{
	int fd;

	while ((fd = accept4(d->lsock, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		serve_client(d, fd);
}

int cmd_daemon(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "giveback-delay", required_argument, NULL, 'g' },
		{ "no-auto-giveback", no_argument, NULL, 'G' },
		{ "no-auto-takeover", no_argument, NULL, 'T' },
		{ "grace", required_argument, NULL, 'r' },
		{ "ignore-dump-signal", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct daemon *d;
	struct sigaction sa = { .sa_handler = on_signal };
	uint32_t val;
	int c, ret, i;

	d = calloc(1, sizeof(*d));
	if (!d)
		return HACTL_EXIT_FAIL;
	d->ctx = ctx;
	d->module = ctx->module_path;
	d->auto_takeover = true;
	d->auto_giveback = true;
	d->giveback_ms = GIVEBACK_S_DEFAULT * 1000;
	d->grace_ms = GRACE_MS_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (!hactl_parse_u32(optarg, &val) || val > 86400) {
				free(d);
				return hactl_usage_error(ctx, "--giveback-delay: 0..86400 seconds");
			}
			d->giveback_ms = val * 1000LL;
			break;
		case 'G':
			d->auto_giveback = false;
			break;
		case 'T':
			d->auto_takeover = false;
			break;
		case 'D':
			d->v.ignore_dump = true;
			break;
		case 'r':
			if (!hactl_parse_u32(optarg, &val) || val > 600000) {
				free(d);
				return hactl_usage_error(ctx, "--grace: 0..600000 ms");
			}
			d->grace_ms = val;
			break;
		case 'h':
			free(d);
			return hactl_help(ctx);
		default:
			free(d);
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind != argc) {
		free(d);
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind]);
	}
	ret = hactl_connect(ctx, &d->h);
	if (ret) {
		free(d);
		return ret;
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		d->monitors[i] = -1;
	d->lsock = listen_socket();
	if (d->lsock < 0) {
		fprintf(stderr, "hactl: daemon: cannot listen on %s: %s\n",
			HA_SOCKET, strerror(errno));
		hnl_close(&d->h);
		free(d);
		return HACTL_EXIT_FAIL;
	}
	the_daemon = d;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	event(d, "started (takeover %s, giveback %s after %" PRId64 " s)",
	      d->auto_takeover ? "automatic" : "manual",
	      d->auto_giveback ? "automatic" : "manual", d->giveback_ms / 1000);
	d->ev_ok = events_open(d) == 0;
	if (!d->ev_ok)
		event(d, "cannot listen to the kernel's events: no planned takeover or giveback");
	while (!d->stop) {
		struct pollfd pfd[2] = {
			{ .fd = d->lsock, .events = POLLIN },
			{ .fd = d->ev_ok ? nl_socket_get_fd(d->ev.sk) : -1,
			  .events = POLLIN },
		};

		if (ha_view_refresh(&d->h, &d->v) == 0)
			decide(d);
		if (poll(pfd, 2, POLL_MS) <= 0)
			continue;
		if (pfd[1].revents)
			receive_messages(d);
		if (pfd[0].revents)
			accept_clients(d);
	}
	if (d->ev_ok)
		hnl_close(&d->ev);
	event(d, "stopped");
	for (i = 0; i < MAX_CLIENTS; i++)
		if (d->monitors[i] >= 0)
			close(d->monitors[i]);
	close(d->lsock);
	unlink(HA_SOCKET);
	hnl_close(&d->h);
	the_daemon = NULL;
	free(d);
	return HACTL_EXIT_OK;
}
