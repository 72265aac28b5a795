// SPDX-License-Identifier: GPL-2.0
/*
 * hactl pool create | list | show, and pool events for monitor.  Import
 * and export, which read labels and drive device-mapper, are in import.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <netlink/genl/genl.h>

#include "dm.h"
#include "names.h"
#include "output.h"
#include "pool.h"

static struct nla_policy top_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_POOL]	 = { .type = NLA_NESTED },
	[HASTOR_A_EVENT] = { .type = NLA_U32 },
};

/* Replies are checked as strictly as the kernel checks requests. */
static struct nla_policy pool_policy[HASTOR_A_POOL_MAX + 1] = {
	[HASTOR_A_POOL_NAME]	      = { .type = NLA_STRING },
	[HASTOR_A_POOL_MEMBER]	      = { .type = NLA_STRING },
	[HASTOR_A_POOL_UUID]	      = { .minlen = 16, .maxlen = 16 },
	[HASTOR_A_POOL_STATE]	      = { .type = NLA_U32 },
	[HASTOR_A_POOL_SIZE]	      = { .type = NLA_U64 },
	[HASTOR_A_POOL_USED]	      = { .type = NLA_U64 },
	[HASTOR_A_POOL_FREE]	      = { .type = NLA_U64 },
	[HASTOR_A_POOL_META_USED]     = { .type = NLA_U64 },
	[HASTOR_A_POOL_CP_GENERATION] = { .type = NLA_U64 },
	[HASTOR_A_POOL_CP_TIME]	      = { .type = NLA_U64 },
	[HASTOR_A_POOL_OWNER]	      = { .type = NLA_U32 },
	[HASTOR_A_POOL_HOME]	      = { .type = NLA_U32 },
	[HASTOR_A_POOL_VOLUMES]	      = { .type = NLA_U32 },
	[HASTOR_A_POOL_DM_DEV]	      = { .type = NLA_STRING },
	[HASTOR_A_POOL_REPLAY_RECORDS] = { .type = NLA_U64 },
	[HASTOR_A_POOL_REPLAY_DONE]   = { .type = NLA_U64 },
};

int pool_parse(struct nlattr *nest, struct pool_info *pi)
{
	struct nlattr *tb[HASTOR_A_POOL_MAX + 1], *a;
	int i, rem;

	memset(pi, 0, sizeof(*pi));
	if (nla_parse_nested(tb, HASTOR_A_POOL_MAX, nest, pool_policy) < 0)
		return -EBADMSG;
	/* libnl checks a minimum length only; a uuid is exactly 16 bytes. */
	if (tb[HASTOR_A_POOL_UUID] && nla_len(tb[HASTOR_A_POOL_UUID]) != 16)
		return -EBADMSG;
	for (i = 1; i <= HASTOR_A_POOL_MAX; i++)
		if (tb[i])
			pi->has |= 1U << i;
	if (tb[HASTOR_A_POOL_NAME])
		nla_strlcpy(pi->name, tb[HASTOR_A_POOL_NAME], sizeof(pi->name));
	if (tb[HASTOR_A_POOL_UUID])
		nla_memcpy(pi->uuid, tb[HASTOR_A_POOL_UUID], 16);
	if (tb[HASTOR_A_POOL_DM_DEV])
		nla_strlcpy(pi->dm_dev, tb[HASTOR_A_POOL_DM_DEV],
			    sizeof(pi->dm_dev));
#define U32(attr, field) \
	if (tb[attr]) pi->field = nla_get_u32(tb[attr])
#define U64(attr, field) \
	if (tb[attr]) pi->field = nla_get_u64(tb[attr])
	U32(HASTOR_A_POOL_STATE, state);
	U32(HASTOR_A_POOL_OWNER, owner);
	U32(HASTOR_A_POOL_HOME, home);
	U32(HASTOR_A_POOL_VOLUMES, volumes);
	U64(HASTOR_A_POOL_SIZE, size);
	U64(HASTOR_A_POOL_USED, used);
	U64(HASTOR_A_POOL_FREE, free);
	U64(HASTOR_A_POOL_META_USED, meta_used);
	U64(HASTOR_A_POOL_CP_GENERATION, cp_generation);
	U64(HASTOR_A_POOL_CP_TIME, cp_time);
	U64(HASTOR_A_POOL_REPLAY_RECORDS, replay_records);
	U64(HASTOR_A_POOL_REPLAY_DONE, replay_done);
#undef U32
#undef U64
	/* The parse above keeps only the last member; they all count. */
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != HASTOR_A_POOL_MEMBER)
			continue;
		if (pi->nr_members == HASTOR_MAX_MEMBERS)
			return -EBADMSG;
		nla_strlcpy(pi->members[pi->nr_members++], a, DEV_STR_LEN);
	}
	return 0;
}

static int pool_msg_parse(struct nlmsghdr *nlh, struct pool_info *pi)
{
	struct nlattr *tb[HASTOR_A_MAX + 1];
	int err;

	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, top_policy) < 0)
		return -EBADMSG;
	if (!tb[HASTOR_A_POOL])
		return -ENODATA;
	err = pool_parse(tb[HASTOR_A_POOL], pi);
	if (!err && tb[HASTOR_A_EVENT])
		pi->event = nla_get_u32(tb[HASTOR_A_EVENT]);
	return err;
}

struct pool_list {
	struct pool_info *p;
	size_t n, cap;
};

static int pool_list_cb(struct nl_msg *msg, void *arg)
{
	struct pool_list *l = arg;
	struct pool_info *grow;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4;
		grow = realloc(l->p, l->cap * sizeof(*l->p));
		if (!grow)
			return -ENOMEM;
		l->p = grow;
	}
	if (pool_msg_parse(nlmsg_hdr(msg), &l->p[l->n]) < 0)
		return -EBADMSG;
	l->n++;
	return 0;
}

/* POOL_GET: a dump if name is NULL; an exit status. */
static int pool_get(struct hnl *h, const char *name, struct pool_list *l)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	memset(l, 0, sizeof(*l));
	msg = name ? hnl_msg(h, HASTOR_CMD_POOL_GET)
		   : hnl_msg_dump(h, HASTOR_CMD_POOL_GET);
	if (!msg)
		return HACTL_EXIT_FAIL;
	if (name) {
		nest = nla_nest_start(msg, HASTOR_A_POOL | NLA_F_NESTED);
		if (!nest || nla_put_string(msg, HASTOR_A_POOL_NAME, name) < 0) {
			nlmsg_free(msg);
			fprintf(stderr, "hactl: %s: request too large\n", h->op);
			return HACTL_EXIT_FAIL;
		}
		nla_nest_end(msg, nest);
	}
	if (hnl_request(h, msg, pool_list_cb, l) < 0)
		goto fail;
	if (name && l->n != 1) {
		fprintf(stderr, "hactl: %s: no reply from the kernel\n", h->op);
		goto fail;
	}
	return HACTL_EXIT_OK;
fail:
	free(l->p);
	memset(l, 0, sizeof(*l));
	return HACTL_EXIT_FAIL;
}

int pool_ref_get(struct hnl *h, const char *pool, struct pool_ref *ref)
{
	struct pool_list l;
	struct hdm_dev d;
	char dmname[128];
	int ret;

	ret = pool_get(h, pool, &l);
	if (ret)
		return ret;
	if (!HAS(l.p, HASTOR_A_POOL_UUID)) {
		fprintf(stderr, "hactl: %s: the kernel did not send the pool's uuid\n",
			h->op);
		ret = HACTL_EXIT_FAIL;
		goto out;
	}
	hactl_uuid_hex(l.p->uuid, ref->uuid_hex);
	if (HAS(l.p, HASTOR_A_POOL_DM_DEV) && *l.p->dm_dev) {
		snprintf(ref->dev, sizeof(ref->dev), "%s", l.p->dm_dev);
		goto out;
	}
	/* No DM_DEV: look for the device import creates. */
	snprintf(dmname, sizeof(dmname), "hastor-pool-%s", pool);
	if (hdm_info(dmname, &d) < 0 || !d.exists) {
		fprintf(stderr, "hactl: %s: pool %s is not imported\n", h->op,
			pool);
		ret = HACTL_EXIT_FAIL;
		goto out;
	}
	snprintf(ref->dev, sizeof(ref->dev), "%u:%u", d.major, d.minor);
out:
	free(l.p);
	return ret;
}

const char *pool_state_name(uint32_t state, char *buf, size_t len)
{
	switch (state) {
	case HASTOR_POOL_ACTIVE:
		return "active";
	case HASTOR_POOL_READ_ONLY:
		return "read-only";
	case HASTOR_POOL_FAILED:
		return "failed";
	case HASTOR_POOL_FENCED:
		return "fenced";
	case HASTOR_POOL_REPLAYING:
		return "replaying";
	}
	snprintf(buf, len, "unknown(%u)", state);
	return buf;
}

const char *event_name(uint32_t event, char *buf, size_t len)
{
	switch (event) {
	case HASTOR_EVENT_CREATED:
		return "created";
	case HASTOR_EVENT_DELETED:
		return "deleted";
	case HASTOR_EVENT_CHANGED:
		return "changed";
	case HASTOR_EVENT_IMPORTED:
		return "imported";
	case HASTOR_EVENT_EXPORTED:
		return "exported";
	}
	snprintf(buf, len, "unknown(%u)", event);
	return buf;
}

/* A pool object under key (NULL in an array). */
static void pool_json(const char *key, const struct pool_info *pi)
{
	char buf[40];
	unsigned int i;

	json_open(key);
	if (HAS(pi, HASTOR_A_POOL_NAME))
		json_str("name", pi->name);
	if (HAS(pi, HASTOR_A_POOL_UUID)) {
		hactl_uuid_str(pi->uuid, buf);
		json_str("uuid", buf);
	}
	if (HAS(pi, HASTOR_A_POOL_STATE))
		json_str("state", pool_state_name(pi->state, buf, sizeof(buf)));
#define U(attr, key, field) \
	if (HAS(pi, attr)) json_uint(key, pi->field)
	U(HASTOR_A_POOL_SIZE, "size", size);
	U(HASTOR_A_POOL_USED, "used", used);
	U(HASTOR_A_POOL_FREE, "free", free);
	U(HASTOR_A_POOL_META_USED, "meta_used", meta_used);
	U(HASTOR_A_POOL_VOLUMES, "volumes", volumes);
	U(HASTOR_A_POOL_CP_GENERATION, "cp_generation", cp_generation);
	U(HASTOR_A_POOL_REPLAY_RECORDS, "replay_records", replay_records);
	U(HASTOR_A_POOL_REPLAY_DONE, "replay_done", replay_done);
#undef U
	if (HAS(pi, HASTOR_A_POOL_CP_TIME)) {
		json_str("cp_time", hactl_fmt_time_ns(pi->cp_time, buf,
						      sizeof(buf)));
		json_uint("cp_time_ns", pi->cp_time);
	}
	if (HAS(pi, HASTOR_A_POOL_OWNER))
		json_uint("owner", pi->owner);
	if (HAS(pi, HASTOR_A_POOL_HOME))
		json_uint("home", pi->home);
	if (pi->nr_members) {
		json_array_open("members");
		for (i = 0; i < pi->nr_members; i++)
			json_str(NULL, pi->members[i]);
		json_array_close();
	}
	if (HAS(pi, HASTOR_A_POOL_DM_DEV))
		json_str("dm_dev", pi->dm_dev);
	json_close();
}

static void pool_show(const struct pool_info *pi)
{
	char buf[40], a[16], b[24];
	unsigned int i;

	if (out_json()) {
		json_open(NULL);
		pool_json("pool", pi);
		json_close();
		return;
	}
	out_field("name", "%s", pi->name);
	if (HAS(pi, HASTOR_A_POOL_UUID)) {
		hactl_uuid_str(pi->uuid, buf);
		out_field("uuid", "%s", buf);
	}
	if (HAS(pi, HASTOR_A_POOL_STATE))
		out_field("state", "%s", pool_state_name(pi->state, buf, sizeof(buf)));
#define SZ(attr, label, field) \
	if (HAS(pi, attr)) out_field(label, "%s (%llu bytes)", \
		hactl_fmt_size(pi->field, a, sizeof(a)), \
		(unsigned long long)pi->field)
	SZ(HASTOR_A_POOL_SIZE, "size", size);
	SZ(HASTOR_A_POOL_USED, "used", used);
	SZ(HASTOR_A_POOL_FREE, "free", free);
	SZ(HASTOR_A_POOL_META_USED, "metadata", meta_used);
#undef SZ
	if (HAS(pi, HASTOR_A_POOL_VOLUMES))
		out_field("volumes", "%u", pi->volumes);
	if (HAS(pi, HASTOR_A_POOL_REPLAY_RECORDS) &&
	    HAS(pi, HASTOR_A_POOL_REPLAY_DONE))
		out_field("takeover replay", "%llu of %llu records",
			  (unsigned long long)pi->replay_done,
			  (unsigned long long)pi->replay_records);
	if (HAS(pi, HASTOR_A_POOL_CP_GENERATION))
		out_field("cp generation", "%llu",
			  (unsigned long long)pi->cp_generation);
	if (HAS(pi, HASTOR_A_POOL_CP_TIME))
		out_field("cp time", "%s",
			  hactl_fmt_time_ns(pi->cp_time, buf, sizeof(buf)));
	if (HAS(pi, HASTOR_A_POOL_OWNER))
		out_field("owner node", "%u", pi->owner);
	if (HAS(pi, HASTOR_A_POOL_HOME))
		out_field("home node", "%u", pi->home);
	for (i = 0; i < pi->nr_members; i++) {
		snprintf(b, sizeof(b), "member %u", i);
		out_field(b, "%s", pi->members[i]);
	}
	if (HAS(pi, HASTOR_A_POOL_DM_DEV))
		out_field("device", "/dev/mapper/hastor-pool-%s (%s)", pi->name,
			  pi->dm_dev);
}

static void pool_table(const struct pool_list *l)
{
	char sz[4][16], st[32];
	int w = 4;
	size_t i;

	if (out_json()) {
		json_open(NULL);
		json_array_open("pools");
		for (i = 0; i < l->n; i++)
			pool_json(NULL, &l->p[i]);
		json_array_close();
		json_close();
		return;
	}
	for (i = 0; i < l->n; i++)
		if ((int)strlen(l->p[i].name) > w)
			w = strlen(l->p[i].name);
	printf("%-*s %9s %9s %9s %9s %5s %8s %s\n", w, "NAME", "SIZE", "USED",
	       "FREE", "META", "VOLS", "CP", "STATE");
	for (i = 0; i < l->n; i++) {
		const struct pool_info *pi = &l->p[i];

		printf("%-*s %9s %9s %9s %9s %5u %8llu %s\n", w, pi->name,
		       hactl_fmt_size(pi->size, sz[0], sizeof(sz[0])),
		       hactl_fmt_size(pi->used, sz[1], sizeof(sz[1])),
		       hactl_fmt_size(pi->free, sz[2], sizeof(sz[2])),
		       hactl_fmt_size(pi->meta_used, sz[3], sizeof(sz[3])),
		       pi->volumes, (unsigned long long)pi->cp_generation,
		       pool_state_name(pi->state, st, sizeof(st)));
	}
}

/*
 * Client checks of the member list: what the kernel would refuse anyway
 * (it opens every member exclusively), said before anything is written
 * and with the path the user typed.  Fills majors/minors of every disk
 * that is a block device.
 */
static int check_disks(struct hactl *ctx, char **disks, unsigned int n,
		       bool check, unsigned int *majors, unsigned int *minors)
{
	char esc[HACTL_ESC_LEN];
	const char *why;
	unsigned int i, j;
	struct stat st;

	if (check && (n < 1 || n > HASTOR_MAX_MEMBERS))
		return hactl_usage_error(ctx, "a pool has 1..%u disks, not %u",
					 HASTOR_MAX_MEMBERS, n);
	for (i = 0; i < n; i++) {
		majors[i] = minors[i] = 0;
		why = NULL;
		if (stat(disks[i], &st) < 0)
			why = strerror(errno);
		else if (!S_ISBLK(st.st_mode))
			why = "not a block device";
		if (why && check)
			return hactl_usage_error(ctx, "%s: %s",
				hactl_esc(disks[i], esc, sizeof(esc)), why);
		if (why)
			continue;	/* the kernel will say */
		majors[i] = major(st.st_rdev);
		minors[i] = minor(st.st_rdev);
		for (j = 0; check && j < i; j++)
			if (majors[j] == majors[i] && minors[j] == minors[i])
				return hactl_usage_error(ctx, "%s and %s are the same device",
							 disks[j], disks[i]);
	}
	return -1;
}

static int cmd_pool_create(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-import", no_argument, NULL, 'n' },
		{ "help",      no_argument, NULL, 'h' },
		{ 0 }
	};
	bool check = hactl_client_checks(), import = true;
	unsigned int *majors = NULL, *minors = NULL, n, i, nvols = 0;
	struct pool_list l = { 0 };
	char dev[128];
	const char *name;
	struct nlattr *nest;
	struct nl_msg *msg;
	char **disks;
	struct hnl h;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			import = false;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind >= argc)
		return hactl_usage_error(ctx, "missing pool name");
	name = argv[optind++];
	ret = hactl_check_pool_name(ctx, name);
	if (ret >= 0)
		return ret;
	disks = argv + optind;
	n = argc - optind;
	if (check && !n)
		return hactl_usage_error(ctx, "missing disks");
	majors = calloc(n + 1, sizeof(*majors));
	minors = calloc(n + 1, sizeof(*minors));
	if (!majors || !minors) {
		ret = HACTL_EXIT_FAIL;
		goto out;
	}
	ret = check_disks(ctx, disks, n, check, majors, minors);
	if (ret >= 0)
		goto out;

	ret = hactl_connect(ctx, &h);
	if (ret)
		goto out;
	ret = HACTL_EXIT_FAIL;
	msg = hnl_msg(&h, HASTOR_CMD_POOL_CREATE);
	if (!msg)
		goto close;
	nest = nla_nest_start(msg, HASTOR_A_POOL | NLA_F_NESTED);
	if (!nest || nla_put_string(msg, HASTOR_A_POOL_NAME, name) < 0)
		goto too_large;
	/* Member order is the order given: the labels record it. */
	for (i = 0; i < n; i++)
		if (nla_put_string(msg, HASTOR_A_POOL_MEMBER, disks[i]) < 0)
			goto too_large;
	nla_nest_end(msg, nest);
	if (hnl_request(&h, msg, pool_list_cb, &l) < 0)
		goto close;
	if (l.n != 1 || !HAS(l.p, HASTOR_A_POOL_UUID)) {
		fprintf(stderr, "hactl: %s: the kernel did not send the new pool's uuid\n",
			ctx->path);
		goto close;
	}
	if (import) {
		hdm_init(ctx->path);
		ret = pool_activate(&h, name, l.p->uuid, majors, minors, n,
				    &nvols);
		if (ret) {
			fprintf(stderr, "hactl: %s: pool %s was created but not imported; 'hactl pool import %s' retries\n",
				ctx->path, name, name);
			goto close;
		}
	}
	ret = HACTL_EXIT_OK;
	if (out_json()) {
		json_open(NULL);
		pool_json("pool", l.p);
		if (import) {
			snprintf(dev, sizeof(dev), "/dev/mapper/hastor-pool-%s",
				 name);
			json_str("device", dev);
			json_uint("volumes_active", nvols);
		}
		json_close();
	} else {
		pool_show(l.p);
		if (import)
			out_field("device", "/dev/mapper/hastor-pool-%s", name);
	}
	goto close;
too_large:
	nlmsg_free(msg);
	fprintf(stderr, "hactl: %s: request too large\n", ctx->path);
close:
	hnl_close(&h);
out:
	free(l.p);
	free(majors);
	free(minors);
	return ret;
}

static int cmd_pool_list(struct hactl *ctx, int argc, char **argv)
{
	struct pool_list l;
	struct hnl h;
	int ret;

	ret = hactl_args(ctx, argc, argv, 0, 0);
	if (ret >= 0)
		return ret;
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = pool_get(&h, NULL, &l);
	hnl_close(&h);
	if (!ret)
		pool_table(&l);
	free(l.p);
	return ret;
}

static int cmd_pool_show(struct hactl *ctx, int argc, char **argv)
{
	struct pool_list l;
	const char *name;
	struct hnl h;
	int ret;

	ret = hactl_args(ctx, argc, argv, 1, 1);
	if (ret >= 0)
		return ret;
	name = argv[optind];
	ret = hactl_check_pool_name(ctx, name);
	if (ret >= 0)
		return ret;
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = pool_get(&h, name, &l);
	hnl_close(&h);
	if (!ret)
		pool_show(l.p);
	free(l.p);
	return ret;
}

int pool_event_print(struct nlmsghdr *nlh)
{
	char buf[32], esc[HACTL_ESC_LEN];
	struct pool_info pi;
	int err;

	err = pool_msg_parse(nlh, &pi);
	if (err < 0)
		return err;
	if (out_json()) {
		json_open(NULL);
		json_str("event", "pool");
		json_str("what", event_name(pi.event, buf, sizeof(buf)));
		pool_json("pool", &pi);
		json_close();
		return 0;
	}
	/* One line per event, whatever the name holds. */
	printf("pool %s: %s\n", hactl_esc(pi.name, esc, sizeof(esc)),
	       event_name(pi.event, buf, sizeof(buf)));
	fflush(stdout);
	return 0;
}

const struct hactl_cmd pool_cmds[] = {
	{ "create", cmd_pool_create, NULL, "NAME DISK... [--no-import]" },
	{ "import", cmd_pool_import, NULL, "NAME [--takeover] [--accept-loss] [--disks DISK...]" },
	{ "export", cmd_pool_export, NULL, "[--handover] NAME" },
	{ "list", cmd_pool_list, NULL, "" },
	{ "show", cmd_pool_show, NULL, "NAME" },
	{ "check", cmd_pool_check, NULL, "[-v] DISK..." },
	{ 0 }
};
