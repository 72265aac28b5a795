// SPDX-License-Identifier: GPL-2.0
/*
 * Volumes, snapshots and clones: the kernel's replies, requests, their
 * dm devices (Documentation/targets.md) and printing.  The commands are
 * in volcmd.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "dm.h"
#include "names.h"
#include "output.h"
#include "pool.h"

static struct nla_policy top_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_VOL]	 = { .type = NLA_NESTED },
	[HASTOR_A_EVENT] = { .type = NLA_U32 },
};

static struct nla_policy vol_policy[HASTOR_A_VOL_MAX + 1] = {
	[HASTOR_A_VOL_POOL]   = { .type = NLA_STRING },
	[HASTOR_A_VOL_NAME]   = { .type = NLA_STRING },
	[HASTOR_A_VOL_ID]     = { .type = NLA_U64 },
	[HASTOR_A_VOL_SIZE]   = { .type = NLA_U64 },
	[HASTOR_A_VOL_TYPE]   = { .type = NLA_U32 },
	[HASTOR_A_VOL_SNAP]   = { .type = NLA_STRING },
	[HASTOR_A_VOL_ORIGIN] = { .type = NLA_STRING },
	[HASTOR_A_VOL_MAPPED] = { .type = NLA_U64 },
	[HASTOR_A_VOL_UNIQUE] = { .type = NLA_U64 },
	[HASTOR_A_VOL_SHARED] = { .type = NLA_U64 },
	[HASTOR_A_VOL_ACTIVE] = { .type = NLA_U32 },
	[HASTOR_A_VOL_CTIME]  = { .type = NLA_U64 },
	[HASTOR_A_VOL_SPACE]  = { .type = NLA_FLAG },
};

int vol_parse(struct nlattr *nest, struct vol_info *vi)
{
	struct nlattr *tb[HASTOR_A_VOL_MAX + 1];
	char snap[128];
	size_t len;
	int i;

	memset(vi, 0, sizeof(*vi));
	if (nla_parse_nested(tb, HASTOR_A_VOL_MAX, nest, vol_policy) < 0)
		return -EBADMSG;
	for (i = 1; i <= HASTOR_A_VOL_MAX; i++)
		if (tb[i])
			vi->has |= 1U << i;
	if (tb[HASTOR_A_VOL_POOL])
		nla_strlcpy(vi->pool, tb[HASTOR_A_VOL_POOL], sizeof(vi->pool));
	if (tb[HASTOR_A_VOL_NAME])
		nla_strlcpy(vi->name, tb[HASTOR_A_VOL_NAME], sizeof(vi->name));
	if (tb[HASTOR_A_VOL_ORIGIN])
		nla_strlcpy(vi->origin, tb[HASTOR_A_VOL_ORIGIN],
			    sizeof(vi->origin));
	if (tb[HASTOR_A_VOL_TYPE])
		vi->type = nla_get_u32(tb[HASTOR_A_VOL_TYPE]);
	if (tb[HASTOR_A_VOL_ACTIVE])
		vi->active = nla_get_u32(tb[HASTOR_A_VOL_ACTIVE]);
#define U64(attr, field) \
	if (tb[attr]) vi->field = nla_get_u64(tb[attr])
	U64(HASTOR_A_VOL_ID, id);
	U64(HASTOR_A_VOL_SIZE, size);
	U64(HASTOR_A_VOL_MAPPED, mapped);
	U64(HASTOR_A_VOL_UNIQUE, unique);
	U64(HASTOR_A_VOL_SHARED, shared);
	U64(HASTOR_A_VOL_CTIME, ctime);
#undef U64
	/*
	 * A snapshot's name is "VOL@SNAP" (the contract's full name); should
	 * a reply carry the short name in SNAP instead, make it full.
	 */
	if (tb[HASTOR_A_VOL_SNAP] && !strchr(vi->name, '@')) {
		nla_strlcpy(snap, tb[HASTOR_A_VOL_SNAP], sizeof(snap));
		len = strlen(vi->name);
		snprintf(vi->name + len, sizeof(vi->name) - len, "@%s", snap);
	}
	return 0;
}

static int vol_msg_parse(struct nlmsghdr *nlh, struct vol_info *vi)
{
	struct nlattr *tb[HASTOR_A_MAX + 1];
	int err;

	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, top_policy) < 0)
		return -EBADMSG;
	if (!tb[HASTOR_A_VOL])
		return -ENODATA;
	err = vol_parse(tb[HASTOR_A_VOL], vi);
	if (!err && tb[HASTOR_A_EVENT])
		vi->event = nla_get_u32(tb[HASTOR_A_EVENT]);
	return err;
}

static int vol_list_cb(struct nl_msg *msg, void *arg)
{
	struct vol_list *l = arg;
	struct vol_info *grow;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		grow = realloc(l->v, l->cap * sizeof(*l->v));
		if (!grow)
			return -ENOMEM;
		l->v = grow;
	}
	if (vol_msg_parse(nlmsg_hdr(msg), &l->v[l->n]) < 0)
		return -EBADMSG;
	l->n++;
	return 0;
}

int vol_request(struct hnl *h, uint8_t cmd, bool dump,
		       const struct vol_req *r, struct vol_list *l)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	memset(l, 0, sizeof(*l));
	msg = dump ? hnl_msg_dump(h, cmd) : hnl_msg(h, cmd);
	if (!msg)
		return HACTL_EXIT_FAIL;
	nest = nla_nest_start(msg, HASTOR_A_VOL | NLA_F_NESTED);
	if (!nest ||
	    (r->pool && nla_put_string(msg, HASTOR_A_VOL_POOL, r->pool) < 0) ||
	    (r->name && nla_put_string(msg, HASTOR_A_VOL_NAME, r->name) < 0) ||
	    (r->snap && nla_put_string(msg, HASTOR_A_VOL_SNAP, r->snap) < 0) ||
	    (r->origin &&
	     nla_put_string(msg, HASTOR_A_VOL_ORIGIN, r->origin) < 0) ||
	    (r->has_size && nla_put_u64(msg, HASTOR_A_VOL_SIZE, r->size) < 0) ||
	    (r->space && nla_put_flag(msg, HASTOR_A_VOL_SPACE) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "hactl: %s: request too large\n", h->op);
		return HACTL_EXIT_FAIL;
	}
	nla_nest_end(msg, nest);
	if (hnl_request(h, msg, vol_list_cb, l) < 0) {
		free(l->v);
		memset(l, 0, sizeof(*l));
		return HACTL_EXIT_FAIL;
	}
	return HACTL_EXIT_OK;
}

int vol_dump(struct hnl *h, const char *pool, bool space,
	     struct vol_info **vols, size_t *n)
{
	struct vol_req r = { .pool = pool, .space = space };
	struct vol_list l;
	int ret;

	ret = vol_request(h, HASTOR_CMD_VOL_GET, true, &r, &l);
	*vols = l.v;
	*n = l.n;
	return ret;
}

int vol_request_one(struct hnl *h, uint8_t cmd,
			   const struct vol_req *r, struct vol_info *vi)
{
	struct vol_list l;
	int ret;

	ret = vol_request(h, cmd, false, r, &l);
	if (!ret && l.n != 1) {
		fprintf(stderr, "hactl: %s: no reply from the kernel\n", h->op);
		ret = HACTL_EXIT_FAIL;
	}
	if (!ret)
		*vi = l.v[0];
	free(l.v);
	return ret;
}

bool vol_dm_name(const char *pool, const char *vol, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s:%s", pool, vol);

	return n > 0 && (size_t)n < len && n <= HACTL_DM_NAME_MAX;
}

int vol_activate(const char *op, const char *pool, const struct vol_info *vi,
		 const struct pool_ref *ref)
{
	char name[256], uuid[128], params[64];
	unsigned long long id = vi->id;
	struct hdm_dev d;
	bool ro;

	if (!HAS(vi, HASTOR_A_VOL_ID) || !HAS(vi, HASTOR_A_VOL_SIZE)) {
		fprintf(stderr, "hactl: %s: the kernel did not send the id and size of %s\n",
			op, vi->name);
		return -1;
	}
	if (!vol_dm_name(pool, vi->name, name, sizeof(name))) {
		fprintf(stderr, "hactl: %s: %s:%s: longer than the %d characters of a dm name\n",
			op, pool, vi->name, HACTL_DM_NAME_MAX);
		return -1;
	}
	snprintf(uuid, sizeof(uuid), "HASTOR-%s-%llu", ref->uuid_hex, id);
	snprintf(params, sizeof(params), "%s %llu", ref->dev, id);
	ro = vi->type == HASTOR_VOL_TYPE_SNAPSHOT;
	if (hdm_table(name, &d) < 0)
		return -1;
	if (!d.exists)
		/* The target refuses a snapshot table that is not read-only. */
		return hdm_create(name, uuid, "hastor-vol", vi->size >> 9,
				  params, ro, NULL);
	/*
	 * The device forwards to the partner (it handed the pool over, or
	 * gave it back): it becomes local under its users' feet.  noflush
	 * requeues what waits for the partner onto the local table.
	 */
	if (strcmp(d.target, "hastor-remote") || strcmp(d.uuid, uuid)) {
		fprintf(stderr, "hactl: %s: /dev/mapper/%s exists and is not this volume's remote device (%s, uuid '%s')\n",
			op, name, d.target, d.uuid);
		return -1;
	}
	if (hdm_swap(name, "hastor-vol", vi->size >> 9, params, ro, true) < 0)
		return -1;
	return 1;
}

int vol_make_remote(const char *op, const struct hdm_dev *d)
{
	char hex[33], params[64];
	unsigned long long id;
	int end = 0;

	if (sscanf(d->uuid, "HASTOR-%32[0-9a-f]-%llu%n", hex, &id, &end) != 2 ||
	    d->uuid[end] || strlen(hex) != 32) {
		fprintf(stderr, "hactl: %s: /dev/mapper/%s: uuid '%s' is not a volume's\n",
			op, d->name, d->uuid);
		return -1;
	}
	snprintf(params, sizeof(params), "%s %llu", hex, id);
	return hdm_swap(d->name, "hastor-remote", d->length, params,
			d->read_only, false);
}

static const char *type_name(uint32_t type, char *buf, size_t len)
{
	switch (type) {
	case HASTOR_VOL_TYPE_VOLUME:
		return "volume";
	case HASTOR_VOL_TYPE_SNAPSHOT:
		return "snapshot";
	case HASTOR_VOL_TYPE_CLONE:
		return "clone";
	}
	snprintf(buf, len, "unknown(%u)", type);
	return buf;
}

/* A volume object under key (NULL in an array). */
static void vol_json(const char *key, const struct vol_info *vi)
{
	char buf[400];

	json_open(key);
	if (HAS(vi, HASTOR_A_VOL_POOL))
		json_str("pool", vi->pool);
	if (HAS(vi, HASTOR_A_VOL_NAME))
		json_str("name", vi->name);
	if (HAS(vi, HASTOR_A_VOL_ID))
		json_uint("id", vi->id);
	if (HAS(vi, HASTOR_A_VOL_TYPE))
		json_str("type", type_name(vi->type, buf, sizeof(buf)));
#define U(attr, key, field) \
	if (HAS(vi, attr)) json_uint(key, vi->field)
	U(HASTOR_A_VOL_SIZE, "size", size);
	U(HASTOR_A_VOL_MAPPED, "mapped", mapped);
	U(HASTOR_A_VOL_UNIQUE, "unique", unique);
	U(HASTOR_A_VOL_SHARED, "shared", shared);
	U(HASTOR_A_VOL_ACTIVE, "active", active);
#undef U
	if (HAS(vi, HASTOR_A_VOL_ORIGIN))
		json_str("origin", vi->origin);
	if (HAS(vi, HASTOR_A_VOL_CTIME)) {
		json_str("ctime", hactl_fmt_time_ns(vi->ctime, buf, sizeof(buf)));
		json_uint("ctime_ns", vi->ctime);
	}
	if (HAS(vi, HASTOR_A_VOL_POOL) && HAS(vi, HASTOR_A_VOL_NAME)) {
		snprintf(buf, sizeof(buf), "/dev/mapper/%s:%s", vi->pool,
			 vi->name);
		json_str("device", buf);
	}
	json_close();
}

void vol_show(const struct vol_info *vi)
{
	char buf[320];

	if (out_json()) {
		json_open(NULL);
		vol_json("vol", vi);
		json_close();
		return;
	}
	out_field("name", "%s", vi->name);
	if (HAS(vi, HASTOR_A_VOL_POOL))
		out_field("pool", "%s", vi->pool);
	if (HAS(vi, HASTOR_A_VOL_TYPE))
		out_field("type", "%s", type_name(vi->type, buf, sizeof(buf)));
	if (HAS(vi, HASTOR_A_VOL_ID))
		out_field("id", "%llu", (unsigned long long)vi->id);
#define SZ(attr, label, field) \
	if (HAS(vi, attr)) out_field(label, "%s (%llu bytes)", \
		hactl_fmt_size(vi->field, buf, sizeof(buf)), \
		(unsigned long long)vi->field)
	SZ(HASTOR_A_VOL_SIZE, "size", size);
	SZ(HASTOR_A_VOL_MAPPED, "mapped", mapped);
	SZ(HASTOR_A_VOL_UNIQUE, "unique", unique);
	SZ(HASTOR_A_VOL_SHARED, "shared", shared);
#undef SZ
	if (HAS(vi, HASTOR_A_VOL_ORIGIN))
		out_field("origin", "%s", vi->origin);
	if (HAS(vi, HASTOR_A_VOL_ACTIVE))
		out_field("active", "%u", vi->active);
	if (HAS(vi, HASTOR_A_VOL_CTIME))
		out_field("created", "%s",
			  hactl_fmt_time_ns(vi->ctime, buf, sizeof(buf)));
	if (HAS(vi, HASTOR_A_VOL_POOL))
		out_field("device", "/dev/mapper/%s:%s", vi->pool, vi->name);
}

void vol_table(const char *pool, const char *key,
		      const struct vol_info *v, size_t n, bool space)
{
	char sz[4][16], t[32];
	int w = 4, wo = 6;
	size_t i;

	if (out_json()) {
		json_open(NULL);
		json_str("pool", pool);
		json_array_open(key);
		for (i = 0; i < n; i++)
			vol_json(NULL, &v[i]);
		json_array_close();
		json_close();
		return;
	}
	for (i = 0; i < n; i++) {
		if ((int)strlen(v[i].name) > w)
			w = strlen(v[i].name);
		if ((int)strlen(v[i].origin) > wo)
			wo = strlen(v[i].origin);
	}
	printf("%-*s %-8s %9s %9s", w, "NAME", "TYPE", "SIZE", "MAPPED");
	if (space)
		printf(" %9s %9s", "UNIQUE", "SHARED");
	printf(" %-*s %s\n", wo, "ORIGIN", "ACTIVE");
	for (i = 0; i < n; i++) {
		printf("%-*s %-8s %9s %9s", w, v[i].name,
		       type_name(v[i].type, t, sizeof(t)),
		       hactl_fmt_size(v[i].size, sz[0], sizeof(sz[0])),
		       hactl_fmt_size(v[i].mapped, sz[1], sizeof(sz[1])));
		if (space)
			printf(" %9s %9s",
			       hactl_fmt_size(v[i].unique, sz[2], sizeof(sz[2])),
			       hactl_fmt_size(v[i].shared, sz[3], sizeof(sz[3])));
		printf(" %-*s %u\n", wo, *v[i].origin ? v[i].origin : "-",
		       v[i].active);
	}
}

int vol_event_print(struct nlmsghdr *nlh)
{
	char buf[32], esc[HACTL_ESC_LEN], esc2[HACTL_ESC_LEN];
	struct vol_info vi;
	int err;

	err = vol_msg_parse(nlh, &vi);
	if (err < 0)
		return err;
	if (out_json()) {
		json_open(NULL);
		json_str("event", "vol");
		json_str("what", event_name(vi.event, buf, sizeof(buf)));
		vol_json("vol", &vi);
		json_close();
		return 0;
	}
	/* One line per event, whatever the names hold. */
	printf("vol %s/%s: %s\n", hactl_esc(vi.pool, esc, sizeof(esc)),
	       hactl_esc(vi.name, esc2, sizeof(esc2)),
	       event_name(vi.event, buf, sizeof(buf)));
	fflush(stdout);
	return 0;
}
