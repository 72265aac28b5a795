// SPDX-License-Identifier: GPL-2.0
/*
 * hactl wlog show: the node's write log ("NVRAM",
 * include/uapi/linux/hastor_wlog.h) as HASTOR_CMD_WLOG_GET reports it;
 * wlog freeze|thaw: the partner's mirror, for a takeover (WLOG_SET).
 * Attaching and detaching it are node settings ("node set --nvram").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "names.h"
#include "output.h"
#include "pool.h"
#include "wlog.h"
#include "wlogdump.h"

/* The log has two halves; a reply with more is malformed. */
#define WLOG_HALVES 2

static struct nla_policy top_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_WLOG] = { .type = NLA_NESTED },
};

/*
 * Replies are checked as strictly as the kernel checks requests.  libnl
 * takes a longer integer than the type's (minlen only) unless maxlen
 * says otherwise, so integers are held to their exact size.
 */
#define U32_POLICY { .type = NLA_U32, .maxlen = sizeof(uint32_t) }
#define U64_POLICY { .type = NLA_U64, .maxlen = sizeof(uint64_t) }

static struct nla_policy wlog_policy[HASTOR_A_WLOG_MAX + 1] = {
	[HASTOR_A_WLOG_PATH]	    = { .type = NLA_STRING },
	[HASTOR_A_WLOG_DEV]	    = { .type = NLA_STRING },
	[HASTOR_A_WLOG_UUID]	    = { .minlen = 16, .maxlen = 16 },
	[HASTOR_A_WLOG_STATE]	    = U32_POLICY,
	[HASTOR_A_WLOG_SYNC]	    = U32_POLICY,
	[HASTOR_A_WLOG_HALF_SIZE]   = U64_POLICY,
	[HASTOR_A_WLOG_ACTIVE_HALF] = U32_POLICY,
	[HASTOR_A_WLOG_NEXT_SEQ]    = U64_POLICY,
	[HASTOR_A_WLOG_COVERED_SEQ] = U64_POLICY,
	[HASTOR_A_WLOG_EPOCH]	    = U64_POLICY,
	[HASTOR_A_WLOG_POOLS]	    = U32_POLICY,
	[HASTOR_A_WLOG_QUEUED]	    = U32_POLICY,
	[HASTOR_A_WLOG_ENTRIES]	    = U64_POLICY,
	[HASTOR_A_WLOG_RECORDS]	    = U64_POLICY,
	[HASTOR_A_WLOG_BYTES]	    = U64_POLICY,
	[HASTOR_A_WLOG_CPS]	    = U64_POLICY,
	[HASTOR_A_WLOG_WAITS]	    = U64_POLICY,
	[HASTOR_A_WLOG_HALF]	    = { .type = NLA_NESTED },
	[HASTOR_A_WLOG_SYNC_REASON] = { .type = NLA_STRING },
	[HASTOR_A_WLOG_PARTNER]	    = { .type = NLA_NESTED },
	[HASTOR_A_WLOG_MIRROR_FROZEN] = U32_POLICY,
};

static struct nla_policy partner_policy[HASTOR_A_WLOG_PARTNER_MAX + 1] = {
	[HASTOR_A_WLOG_PARTNER_NODE]	    = U32_POLICY,
	[HASTOR_A_WLOG_PARTNER_UUID]	    = { .minlen = 16, .maxlen = 16 },
	[HASTOR_A_WLOG_PARTNER_COVERED_SEQ] = U64_POLICY,
	[HASTOR_A_WLOG_PARTNER_ENTRIES]	    = U64_POLICY,
	[HASTOR_A_WLOG_PARTNER_BYTES]	    = U64_POLICY,
	[HASTOR_A_WLOG_PARTNER_BAD]	    = U64_POLICY,
	[HASTOR_A_WLOG_PARTNER_HALF]	    = { .type = NLA_NESTED },
};

static struct nla_policy half_policy[HASTOR_A_WLOG_HALF_MAX + 1] = {
	[HASTOR_A_WLOG_HALF_INDEX]     = U32_POLICY,
	[HASTOR_A_WLOG_HALF_EPOCH]     = U64_POLICY,
	[HASTOR_A_WLOG_HALF_FIRST_SEQ] = U64_POLICY,
	[HASTOR_A_WLOG_HALF_LAST_SEQ]  = U64_POLICY,
	[HASTOR_A_WLOG_HALF_USED]      = U64_POLICY,
	[HASTOR_A_WLOG_HALF_LIVE]      = U32_POLICY,
};

/* has: bit (1 << HASTOR_A_WLOG_HALF_x), for HAS(). */
struct wlog_half {
	uint32_t has;
	uint32_t index, live;
	uint64_t epoch, first_seq, last_seq, used;
};

/* The partner's log as mirrored on this node (HASTOR_A_WLOG_PARTNER). */
struct wlog_partner {
	uint32_t has;		/* bit (1 << HASTOR_A_WLOG_PARTNER_x) */
	uint32_t node;		/* 0: nothing mirrored yet */
	uint8_t uuid[16];
	uint64_t covered_seq, entries, bytes, bad;
	unsigned int nr_halves;
	struct wlog_half halves[WLOG_HALVES];
};

/* A copy: the reply buffer is gone once the request returns. */
struct wlog_info {
	bool replied;		/* a reply message came */
	bool attached;		/* it carried HASTOR_A_WLOG */
	uint32_t has;		/* bit (1 << HASTOR_A_WLOG_x) */
	char path[128];
	char sync_reason[128];
	char dev[DEV_STR_LEN];
	uint8_t uuid[16];
	uint32_t state, sync, active_half, pools, queued, frozen;
	uint64_t half_size, next_seq, covered_seq, epoch;
	uint64_t entries, records, bytes, cps, waits;
	unsigned int nr_halves;
	struct wlog_half halves[WLOG_HALVES];
	struct wlog_partner partner;	/* if HAS(wi, HASTOR_A_WLOG_PARTNER) */
};

static int half_parse(struct nlattr *nest, struct wlog_half *hf)
{
	struct nlattr *tb[HASTOR_A_WLOG_HALF_MAX + 1];
	int i;

	memset(hf, 0, sizeof(*hf));
	if (nla_parse_nested(tb, HASTOR_A_WLOG_HALF_MAX, nest,
			     half_policy) < 0)
		return -EBADMSG;
	for (i = 1; i <= HASTOR_A_WLOG_HALF_MAX; i++)
		if (tb[i])
			hf->has |= 1U << i;
#define U32(attr, field) \
	if (tb[attr]) hf->field = nla_get_u32(tb[attr])
#define U64(attr, field) \
	if (tb[attr]) hf->field = nla_get_u64(tb[attr])
	U32(HASTOR_A_WLOG_HALF_INDEX, index);
	U32(HASTOR_A_WLOG_HALF_LIVE, live);
	U64(HASTOR_A_WLOG_HALF_EPOCH, epoch);
	U64(HASTOR_A_WLOG_HALF_FIRST_SEQ, first_seq);
	U64(HASTOR_A_WLOG_HALF_LAST_SEQ, last_seq);
	U64(HASTOR_A_WLOG_HALF_USED, used);
#undef U32
#undef U64
	return 0;
}

static int partner_parse(struct nlattr *nest, struct wlog_partner *p)
{
	struct nlattr *tb[HASTOR_A_WLOG_PARTNER_MAX + 1], *a;
	int i, rem, err;

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(tb, HASTOR_A_WLOG_PARTNER_MAX, nest,
			     partner_policy) < 0)
		return -EBADMSG;
	if (tb[HASTOR_A_WLOG_PARTNER_UUID] &&
	    nla_len(tb[HASTOR_A_WLOG_PARTNER_UUID]) != 16)
		return -EBADMSG;
	for (i = 1; i <= HASTOR_A_WLOG_PARTNER_MAX; i++)
		if (tb[i])
			p->has |= 1U << i;
	if (tb[HASTOR_A_WLOG_PARTNER_UUID])
		nla_memcpy(p->uuid, tb[HASTOR_A_WLOG_PARTNER_UUID], 16);
#define U64(attr, field) \
	if (tb[attr]) p->field = nla_get_u64(tb[attr])
	if (tb[HASTOR_A_WLOG_PARTNER_NODE])
		p->node = nla_get_u32(tb[HASTOR_A_WLOG_PARTNER_NODE]);
	U64(HASTOR_A_WLOG_PARTNER_COVERED_SEQ, covered_seq);
	U64(HASTOR_A_WLOG_PARTNER_ENTRIES, entries);
	U64(HASTOR_A_WLOG_PARTNER_BYTES, bytes);
	U64(HASTOR_A_WLOG_PARTNER_BAD, bad);
#undef U64
	/* As for the local halves: each one counts, two at most. */
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != HASTOR_A_WLOG_PARTNER_HALF)
			continue;
		if (p->nr_halves == WLOG_HALVES)
			return -EBADMSG;
		err = half_parse(a, &p->halves[p->nr_halves]);
		if (err < 0)
			return err;
		p->nr_halves++;
	}
	return 0;
}

static int wlog_parse(struct nlattr *nest, struct wlog_info *wi)
{
	struct nlattr *tb[HASTOR_A_WLOG_MAX + 1], *a;
	unsigned int nr_partners = 0;
	int i, rem, err;

	if (nla_parse_nested(tb, HASTOR_A_WLOG_MAX, nest, wlog_policy) < 0)
		return -EBADMSG;
	/* libnl checks a minimum length only; a uuid is exactly 16 bytes. */
	if (tb[HASTOR_A_WLOG_UUID] && nla_len(tb[HASTOR_A_WLOG_UUID]) != 16)
		return -EBADMSG;
	for (i = 1; i <= HASTOR_A_WLOG_MAX; i++)
		if (tb[i])
			wi->has |= 1U << i;
	if (tb[HASTOR_A_WLOG_PATH])
		nla_strlcpy(wi->path, tb[HASTOR_A_WLOG_PATH], sizeof(wi->path));
	if (tb[HASTOR_A_WLOG_DEV])
		nla_strlcpy(wi->dev, tb[HASTOR_A_WLOG_DEV], sizeof(wi->dev));
	if (tb[HASTOR_A_WLOG_SYNC_REASON])
		nla_strlcpy(wi->sync_reason, tb[HASTOR_A_WLOG_SYNC_REASON],
			    sizeof(wi->sync_reason));
	if (tb[HASTOR_A_WLOG_UUID])
		nla_memcpy(wi->uuid, tb[HASTOR_A_WLOG_UUID], 16);
#define U32(attr, field) \
	if (tb[attr]) wi->field = nla_get_u32(tb[attr])
#define U64(attr, field) \
	if (tb[attr]) wi->field = nla_get_u64(tb[attr])
	U32(HASTOR_A_WLOG_STATE, state);
	U32(HASTOR_A_WLOG_SYNC, sync);
	U32(HASTOR_A_WLOG_ACTIVE_HALF, active_half);
	U32(HASTOR_A_WLOG_POOLS, pools);
	U32(HASTOR_A_WLOG_QUEUED, queued);
	U32(HASTOR_A_WLOG_MIRROR_FROZEN, frozen);
	U64(HASTOR_A_WLOG_HALF_SIZE, half_size);
	U64(HASTOR_A_WLOG_NEXT_SEQ, next_seq);
	U64(HASTOR_A_WLOG_COVERED_SEQ, covered_seq);
	U64(HASTOR_A_WLOG_EPOCH, epoch);
	U64(HASTOR_A_WLOG_ENTRIES, entries);
	U64(HASTOR_A_WLOG_RECORDS, records);
	U64(HASTOR_A_WLOG_BYTES, bytes);
	U64(HASTOR_A_WLOG_CPS, cps);
	U64(HASTOR_A_WLOG_WAITS, waits);
#undef U32
#undef U64
	/*
	 * The parse above keeps only the last half; each one counts.  There
	 * is one partner log: a second PARTNER nest is malformed.
	 */
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) == HASTOR_A_WLOG_PARTNER) {
			if (nr_partners++)
				return -EBADMSG;
			err = partner_parse(a, &wi->partner);
			if (err < 0)
				return err;
			continue;
		}
		if (nla_type(a) != HASTOR_A_WLOG_HALF)
			continue;
		if (wi->nr_halves == WLOG_HALVES)
			return -EBADMSG;
		err = half_parse(a, &wi->halves[wi->nr_halves]);
		if (err < 0)
			return err;
		wi->nr_halves++;
	}
	return 0;
}

static int wlog_reply_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HASTOR_A_MAX + 1];
	struct wlog_info *wi = arg;

	/* A do request answers once; a second message is not ours. */
	if (wi->replied)
		return -EBADMSG;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HASTOR_A_MAX, top_policy) < 0)
		return -EBADMSG;
	wi->replied = true;
	/* No HASTOR_A_WLOG is an answer too: no log is attached. */
	if (!tb[HASTOR_A_WLOG])
		return 0;
	wi->attached = true;
	return wlog_parse(tb[HASTOR_A_WLOG], wi);
}

/* WLOG_GET into *wi; an exit status, errors reported. */
static int wlog_get(struct hnl *h, struct wlog_info *wi)
{
	struct nl_msg *msg;

	memset(wi, 0, sizeof(*wi));
	msg = hnl_msg(h, HASTOR_CMD_WLOG_GET);
	if (!msg)
		return HACTL_EXIT_FAIL;
	if (hnl_request(h, msg, wlog_reply_cb, wi) < 0)
		return HACTL_EXIT_FAIL;
	if (!wi->replied) {
		fprintf(stderr, "hactl: %s: no reply from the kernel\n", h->op);
		return HACTL_EXIT_FAIL;
	}
	return HACTL_EXIT_OK;
}

/* NULL for a value of a newer module: it prints as its number. */
static const char *state_name(uint32_t state)
{
	switch (state) {
	case HASTOR_WLOG_ACTIVE:
		return "active";
	case HASTOR_WLOG_WAITING:
		return "waiting";
	case HASTOR_WLOG_FAILED:
		return "failed";
	}
	return NULL;
}

const char *wlog_sync_name(uint32_t sync)
{
	switch (sync) {
	case HASTOR_WLOG_LOCAL_ONLY:
		return "local-only";
	case HASTOR_WLOG_IN_SYNC:
		return "in-sync";
	case HASTOR_WLOG_NOT_IN_SYNC:
		return "not-in-sync";
	}
	return NULL;
}

static const char *enum_str(const char *name, uint32_t val, char *buf,
			    size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%u", val);
	return buf;
}

/* A known value as its name, an unknown one as a JSON number. */
static void json_enum(const char *key, const char *name, uint32_t val)
{
	if (name)
		json_str(key, name);
	else
		json_uint(key, val);
}

/*
 * Fill level of a half in percent of the half size, rounded down; false
 * if it cannot be said.  128 bits so that no used byte count overflows.
 * Not capped at 100: a larger value shows a kernel that counts oddly.
 */
static bool fill_pct(const struct wlog_info *wi, const struct wlog_half *hf,
		     unsigned long long *pct)
{
	if (!HAS(wi, HASTOR_A_WLOG_HALF_SIZE) || !wi->half_size ||
	    !HAS(hf, HASTOR_A_WLOG_HALF_USED))
		return false;
	*pct = (unsigned long long)((unsigned __int128)hf->used * 100 /
				    wi->half_size);
	return true;
}

/* LAST_SEQ is FIRST_SEQ - 1: the half holds no entry. */
static bool half_empty(const struct wlog_half *hf)
{
	/* Unsigned: also right for an empty half whose first seq is 0. */
	return HAS(hf, HASTOR_A_WLOG_HALF_FIRST_SEQ) &&
	       HAS(hf, HASTOR_A_WLOG_HALF_LAST_SEQ) &&
	       hf->last_seq + 1 == hf->first_seq;
}

/* "first..last", "empty", or "-" if the kernel did not say. */
static const char *seq_range(const struct wlog_half *hf, char *buf,
			     size_t len)
{
	if (!HAS(hf, HASTOR_A_WLOG_HALF_FIRST_SEQ) ||
	    !HAS(hf, HASTOR_A_WLOG_HALF_LAST_SEQ))
		return "-";
	if (half_empty(hf))
		return "empty";
	snprintf(buf, len, "%llu..%llu", (unsigned long long)hf->first_seq,
		 (unsigned long long)hf->last_seq);
	return buf;
}

static void half_json(const struct wlog_info *wi, const struct wlog_half *hf)
{
	unsigned long long pct;

	json_open(NULL);
#define U(attr, key, field) \
	if (HAS(hf, attr)) json_uint(key, hf->field)
	U(HASTOR_A_WLOG_HALF_INDEX, "index", index);
	U(HASTOR_A_WLOG_HALF_EPOCH, "epoch", epoch);
	U(HASTOR_A_WLOG_HALF_FIRST_SEQ, "first_seq", first_seq);
	U(HASTOR_A_WLOG_HALF_LAST_SEQ, "last_seq", last_seq);
	U(HASTOR_A_WLOG_HALF_USED, "used", used);
#undef U
	if (fill_pct(wi, hf, &pct))
		json_uint("fill_pct", pct);
	if (HAS(hf, HASTOR_A_WLOG_HALF_LIVE))
		json_bool("live", hf->live);
	json_close();
}

/* "halves":[...]; fill levels relative to the local half size. */
static void halves_json(const struct wlog_info *wi,
			const struct wlog_half *halves, unsigned int n)
{
	unsigned int i;

	json_array_open("halves");
	for (i = 0; i < n; i++)
		half_json(wi, &halves[i]);
	json_array_close();
}

static void partner_json(const struct wlog_info *wi)
{
	const struct wlog_partner *p = &wi->partner;
	char buf[40];

	json_open("partner");
	if (HAS(p, HASTOR_A_WLOG_PARTNER_NODE))
		json_uint("node", p->node);
	if (HAS(p, HASTOR_A_WLOG_PARTNER_UUID)) {
		hactl_uuid_str(p->uuid, buf);
		json_str("uuid", buf);
	}
#define U(attr, key, field) \
	if (HAS(p, attr)) json_uint(key, p->field)
	U(HASTOR_A_WLOG_PARTNER_COVERED_SEQ, "covered_seq", covered_seq);
	U(HASTOR_A_WLOG_PARTNER_ENTRIES, "entries", entries);
	U(HASTOR_A_WLOG_PARTNER_BYTES, "bytes", bytes);
	U(HASTOR_A_WLOG_PARTNER_BAD, "bad", bad);
#undef U
	halves_json(wi, p->halves, p->nr_halves);
	json_close();
}

/* The "wlog" member of the object being written: null if detached. */
static void wlog_member_json(const struct wlog_info *wi)
{
	char buf[40];

	if (!wi->attached) {
		json_null("wlog");
		return;
	}
	json_open("wlog");
	if (HAS(wi, HASTOR_A_WLOG_PATH))
		json_str("path", wi->path);
	if (HAS(wi, HASTOR_A_WLOG_DEV))
		json_str("dev", wi->dev);
	if (HAS(wi, HASTOR_A_WLOG_UUID)) {
		hactl_uuid_str(wi->uuid, buf);
		json_str("uuid", buf);
	}
	if (HAS(wi, HASTOR_A_WLOG_STATE))
		json_enum("state", state_name(wi->state), wi->state);
	if (HAS(wi, HASTOR_A_WLOG_SYNC))
		json_enum("sync", wlog_sync_name(wi->sync), wi->sync);
	if (HAS(wi, HASTOR_A_WLOG_SYNC_REASON))
		json_str("sync_reason", wi->sync_reason);
	if (HAS(wi, HASTOR_A_WLOG_MIRROR_FROZEN))
		json_bool("mirror_frozen", wi->frozen);
#define U(attr, key, field) \
	if (HAS(wi, attr)) json_uint(key, wi->field)
	U(HASTOR_A_WLOG_HALF_SIZE, "half_size", half_size);
	U(HASTOR_A_WLOG_ACTIVE_HALF, "active_half", active_half);
	U(HASTOR_A_WLOG_NEXT_SEQ, "next_seq", next_seq);
	U(HASTOR_A_WLOG_COVERED_SEQ, "covered_seq", covered_seq);
	U(HASTOR_A_WLOG_EPOCH, "epoch", epoch);
	U(HASTOR_A_WLOG_POOLS, "pools", pools);
	U(HASTOR_A_WLOG_QUEUED, "queued", queued);
	U(HASTOR_A_WLOG_ENTRIES, "entries", entries);
	U(HASTOR_A_WLOG_RECORDS, "records", records);
	U(HASTOR_A_WLOG_BYTES, "bytes", bytes);
	U(HASTOR_A_WLOG_CPS, "cps", cps);
	U(HASTOR_A_WLOG_WAITS, "waits", waits);
#undef U
	halves_json(wi, wi->halves, wi->nr_halves);
	if (HAS(wi, HASTOR_A_WLOG_PARTNER))
		partner_json(wi);
	json_close();
}

static void wlog_json(const struct wlog_info *wi)
{
	json_open(NULL);
	wlog_member_json(wi);
	json_close();
}

/*
 * One table line per half; a value the kernel did not send is "-".
 * Fill levels are relative to the local half size, the partner's too.
 */
static void half_table(const struct wlog_info *wi,
		       const struct wlog_half *halves, unsigned int n)
{
	char idx[16], epoch[24], first[24], last[24], range[48], used[16],
	     fill[16];
	unsigned long long pct;
	unsigned int i;
	int w = 5;

	for (i = 0; i < n; i++) {
		const char *r = seq_range(&halves[i], range, sizeof(range));

		if ((int)strlen(r) > w)
			w = strlen(r);
	}
	printf("%-4s %8s %12s %12s %-*s %9s %4s %s\n", "HALF", "EPOCH",
	       "FIRST_SEQ", "LAST_SEQ", w, "RANGE", "USED", "FILL", "LIVE");
	for (i = 0; i < n; i++) {
		const struct wlog_half *hf = &halves[i];

#define NUM(buf, attr, field) \
	(HAS(hf, attr) ? (snprintf(buf, sizeof(buf), "%llu", \
		(unsigned long long)hf->field), buf) : "-")
		printf("%-4s %8s %12s %12s %-*s %9s %4s %s\n",
		       NUM(idx, HASTOR_A_WLOG_HALF_INDEX, index),
		       NUM(epoch, HASTOR_A_WLOG_HALF_EPOCH, epoch),
		       NUM(first, HASTOR_A_WLOG_HALF_FIRST_SEQ, first_seq),
		       /* An empty half's FIRST_SEQ - 1 says nothing. */
		       half_empty(hf) ? "-" :
		       NUM(last, HASTOR_A_WLOG_HALF_LAST_SEQ, last_seq),
		       w, seq_range(hf, range, sizeof(range)),
		       HAS(hf, HASTOR_A_WLOG_HALF_USED) ?
			hactl_fmt_size(hf->used, used, sizeof(used)) : "-",
		       fill_pct(wi, hf, &pct) ?
			(snprintf(fill, sizeof(fill), "%llu%%", pct), fill) :
			"-",
		       !HAS(hf, HASTOR_A_WLOG_HALF_LIVE) ? "-" :
		       hf->live ? "yes" : "no");
#undef NUM
	}
}

static void wlog_print(const struct wlog_info *wi)
{
	char buf[40], sz[16], esc[HACTL_ESC_LEN];
	const char *sync;

	if (HAS(wi, HASTOR_A_WLOG_PATH) && HAS(wi, HASTOR_A_WLOG_DEV))
		out_field("device", "%s (%s)",
			  hactl_esc(wi->path, esc, sizeof(esc)), wi->dev);
	else if (HAS(wi, HASTOR_A_WLOG_PATH))
		out_field("device", "%s",
			  hactl_esc(wi->path, esc, sizeof(esc)));
	else if (HAS(wi, HASTOR_A_WLOG_DEV))
		out_field("device", "%s", wi->dev);
	if (HAS(wi, HASTOR_A_WLOG_UUID)) {
		hactl_uuid_str(wi->uuid, buf);
		out_field("uuid", "%s", buf);
	}
	if (HAS(wi, HASTOR_A_WLOG_STATE))
		out_field("state", "%s", enum_str(state_name(wi->state),
						  wi->state, buf, sizeof(buf)));
	if (HAS(wi, HASTOR_A_WLOG_SYNC)) {
		sync = enum_str(wlog_sync_name(wi->sync), wi->sync, buf, sizeof(buf));
		/* Escaped: the reason is the kernel's text, the line is ours. */
		if (HAS(wi, HASTOR_A_WLOG_SYNC_REASON))
			out_field("sync", "%s (%s)", sync,
				  hactl_esc(wi->sync_reason, esc, sizeof(esc)));
		else
			out_field("sync", "%s", sync);
	}
	if (HAS(wi, HASTOR_A_WLOG_MIRROR_FROZEN))
		out_field("partner mirror", "%s", wi->frozen ?
			  "frozen (the partner's writes are refused)" :
			  "open");
	if (HAS(wi, HASTOR_A_WLOG_HALF_SIZE))
		out_field("half size", "%s (%llu bytes)",
			  hactl_fmt_size(wi->half_size, sz, sizeof(sz)),
			  (unsigned long long)wi->half_size);
#define N(attr, label, field) \
	if (HAS(wi, attr)) out_field(label, "%llu", \
				     (unsigned long long)wi->field)
	N(HASTOR_A_WLOG_ACTIVE_HALF, "active half", active_half);
	N(HASTOR_A_WLOG_NEXT_SEQ, "next seq", next_seq);
	/* The kernel's name is "covered", the design's "CP marker". */
	if (HAS(wi, HASTOR_A_WLOG_COVERED_SEQ))
		out_field("cp marker", "%llu (covered: entries up to it are in the pools)",
			  (unsigned long long)wi->covered_seq);
	N(HASTOR_A_WLOG_EPOCH, "epoch", epoch);
	N(HASTOR_A_WLOG_POOLS, "pools", pools);
	N(HASTOR_A_WLOG_QUEUED, "queued writes", queued);
	/* Counters since the log was attached (hactl.8 says so). */
	N(HASTOR_A_WLOG_ENTRIES, "entries", entries);
	N(HASTOR_A_WLOG_RECORDS, "records", records);
#undef N
	if (HAS(wi, HASTOR_A_WLOG_BYTES))
		out_field("bytes", "%s (%llu bytes)",
			  hactl_fmt_size(wi->bytes, sz, sizeof(sz)),
			  (unsigned long long)wi->bytes);
	if (HAS(wi, HASTOR_A_WLOG_CPS))
		out_field("cps", "%llu", (unsigned long long)wi->cps);
	if (HAS(wi, HASTOR_A_WLOG_WAITS))
		out_field("waits", "%llu (entries that waited for space)",
			  (unsigned long long)wi->waits);
	if (wi->nr_halves) {
		fputc('\n', stdout);
		half_table(wi, wi->halves, wi->nr_halves);
	}
}

/* wlog show --partner: the partner's log as mirrored here. */
static void partner_print(const struct wlog_info *wi)
{
	const struct wlog_partner *p = &wi->partner;
	char buf[40], sz[16];

	fputc('\n', stdout);
	if (!HAS(wi, HASTOR_A_WLOG_PARTNER)) {
		/* A module from before the mirror sends no PARTNER nest. */
		printf("no partner log reported by the module\n");
		return;
	}
	if (!HAS(p, HASTOR_A_WLOG_PARTNER_NODE) || !p->node) {
		printf("no partner log mirrored yet\n");
		return;
	}
	printf("partner log (mirrored on this node):\n");
	out_field("node", "%u", p->node);
	if (HAS(p, HASTOR_A_WLOG_PARTNER_UUID)) {
		hactl_uuid_str(p->uuid, buf);
		out_field("log uuid", "%s", buf);
	}
	if (HAS(p, HASTOR_A_WLOG_PARTNER_COVERED_SEQ))
		out_field("cp marker", "%llu (covered on the partner)",
			  (unsigned long long)p->covered_seq);
	/* Counters since this node's log was attached. */
	if (HAS(p, HASTOR_A_WLOG_PARTNER_ENTRIES))
		out_field("entries", "%llu (received)",
			  (unsigned long long)p->entries);
	if (HAS(p, HASTOR_A_WLOG_PARTNER_BYTES))
		out_field("bytes", "%s (%llu bytes received)",
			  hactl_fmt_size(p->bytes, sz, sizeof(sz)),
			  (unsigned long long)p->bytes);
	if (HAS(p, HASTOR_A_WLOG_PARTNER_BAD))
		out_field("refused", "%llu (messages)",
			  (unsigned long long)p->bad);
	if (p->nr_halves) {
		fputc('\n', stdout);
		half_table(wi, p->halves, p->nr_halves);
	}
}

static int cmd_wlog_show(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "partner", no_argument, NULL, 'p' },
		{ "help",    no_argument, NULL, 'h' },
		{ 0 }
	};
	bool partner = false;
	struct wlog_info wi;
	struct hnl h;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ph", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			partner = true;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind]);
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = wlog_get(&h, &wi);
	hnl_close(&h);
	if (ret)
		return ret;
	/* JSON always has the partner log; --partner is for the text. */
	if (out_json()) {
		wlog_json(&wi);
	} else if (wi.attached) {
		wlog_print(&wi);
		if (partner)
			partner_print(&wi);
	} else {
		printf("no write log attached\n");
	}
	/* Not an error as such, but scripts should not have to parse text. */
	return wi.attached ? HACTL_EXIT_OK : HACTL_EXIT_FAIL;
}

static int set_frozen(struct hnl *h, uint32_t frozen, struct wlog_info *wi)
{
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = hnl_msg(h, HASTOR_CMD_WLOG_SET);
	if (!msg)
		return -1;
	nest = nla_nest_start(msg, HASTOR_A_WLOG | NLA_F_NESTED);
	if (!nest ||
	    nla_put_u32(msg, HASTOR_A_WLOG_MIRROR_FROZEN, frozen) < 0) {
		nlmsg_free(msg);
		fprintf(stderr, "hactl: %s: request too large\n", h->op);
		return -1;
	}
	nla_nest_end(msg, nest);
	memset(wi, 0, sizeof(*wi));
	return hnl_request(h, msg, wlog_reply_cb, wi) < 0 ? -1 : 0;
}

int wlog_set_frozen(struct hnl *h, bool frozen)
{
	struct wlog_info wi;

	return set_frozen(h, frozen, &wi);
}

/* wlog freeze|thaw: WLOG_SET MIRROR_FROZEN, then the log as "show". */
static int wlog_freeze(struct hactl *ctx, int argc, char **argv,
		       uint32_t frozen)
{
	struct wlog_info wi;
	struct hnl h;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return hactl_help(ctx);
	if (argc > 1)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[1]);
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = set_frozen(&h, frozen, &wi) ? HACTL_EXIT_FAIL : HACTL_EXIT_OK;
	hnl_close(&h);
	if (ret)
		return ret;
	if (out_json())
		wlog_json(&wi);
	else if (wi.attached)
		wlog_print(&wi);
	return HACTL_EXIT_OK;
}

static int cmd_wlog_freeze(struct hactl *ctx, int argc, char **argv)
{
	return wlog_freeze(ctx, argc, argv, 1);
}

static int cmd_wlog_thaw(struct hactl *ctx, int argc, char **argv)
{
	return wlog_freeze(ctx, argc, argv, 0);
}

const struct hactl_cmd wlog_cmds[] = {
	{ "show", cmd_wlog_show, NULL, "[--partner]" },
	{ "freeze", cmd_wlog_freeze, NULL, "" },
	{ "thaw", cmd_wlog_thaw, NULL, "" },
	{ "dump", cmd_wlog_dump, NULL,
	  "DEV [--partner] [--all] [--volume ID --image FILE [--pool UUID]]" },
	{ 0 }
};

/*
 * monitor: a WLOG_NTF event, sent when the mirror's sync state changes.
 * Its payload is the WLOG_GET reply's; without HASTOR_A_WLOG the log was
 * detached.  A log without SYNC says nothing this event is for.
 */
int wlog_event_print(struct nlmsghdr *nlh)
{
	struct nlattr *tb[HASTOR_A_MAX + 1];
	char buf[16], esc[HACTL_ESC_LEN];
	struct wlog_info wi;
	int err;

	memset(&wi, 0, sizeof(wi));
	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, top_policy) < 0)
		return -EBADMSG;
	if (tb[HASTOR_A_WLOG]) {
		wi.attached = true;
		err = wlog_parse(tb[HASTOR_A_WLOG], &wi);
		if (err < 0)
			return err;
		if (!HAS(&wi, HASTOR_A_WLOG_SYNC))
			return -EBADMSG;
	}
	if (out_json()) {
		json_open(NULL);
		json_str("event", "wlog");
		wlog_member_json(&wi);
		json_close();
		return 0;
	}
	if (!wi.attached)
		printf("wlog: detached\n");
	else if (HAS(&wi, HASTOR_A_WLOG_SYNC_REASON))
		printf("wlog: sync %s (%s)\n",
		       enum_str(wlog_sync_name(wi.sync), wi.sync, buf, sizeof(buf)),
		       hactl_esc(wi.sync_reason, esc, sizeof(esc)));
	else
		printf("wlog: sync %s\n",
		       enum_str(wlog_sync_name(wi.sync), wi.sync, buf, sizeof(buf)));
	fflush(stdout);
	return 0;
}
