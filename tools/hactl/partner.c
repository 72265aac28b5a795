// SPDX-License-Identifier: GPL-2.0
/* hactl partner set|show|clear|ping: the partner node and its links. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "ic.h"
#include "names.h"
#include "output.h"

static struct nla_policy top_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_PARTNER] = { .type = NLA_NESTED },
	[HASTOR_A_PING]	   = { .type = NLA_NESTED },
	[HASTOR_A_EVENT]   = { .type = NLA_U32 },
};

static struct nla_policy partner_policy[HASTOR_A_PARTNER_MAX + 1] = {
	[HASTOR_A_PARTNER_NODE_ID]     = { .type = NLA_U32 },
	[HASTOR_A_PARTNER_LINK]	       = { .type = NLA_NESTED },
	[HASTOR_A_PARTNER_PORT]	       = { .type = NLA_U16 },
	[HASTOR_A_PARTNER_HB_INTERVAL] = { .type = NLA_U32 },
	[HASTOR_A_PARTNER_HB_TIMEOUT]  = { .type = NLA_U32 },
	[HASTOR_A_PARTNER_STATE]       = { .type = NLA_U32 },
	[HASTOR_A_PARTNER_SESSION]     = { .type = NLA_U64 },
	[HASTOR_A_PARTNER_BOOT_ID]     = { .type = NLA_U64 },
	[HASTOR_A_PARTNER_SECRET_LEN]  = { .type = NLA_U32 },
};

static struct nla_policy link_cfg_policy[HASTOR_A_LINK_MAX + 1] = {
	[HASTOR_A_LINK_INDEX]	    = { .type = NLA_U32 },
	[HASTOR_A_LINK_LOCAL_ADDR]  = { .minlen = 4, .maxlen = 4 },
	[HASTOR_A_LINK_REMOTE_ADDR] = { .minlen = 4, .maxlen = 4 },
};


int partner_parse(struct nlmsghdr *nlh, struct partner_info *pi)
{
	struct nlattr *tb[HASTOR_A_MAX + 1], *pb[HASTOR_A_PARTNER_MAX + 1];
	struct nlattr *lb[HASTOR_A_LINK_MAX + 1], *a;
	int rem;

	memset(pi, 0, sizeof(*pi));
	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, top_policy) < 0)
		return -EBADMSG;
	if (tb[HASTOR_A_EVENT])
		pi->event = nla_get_u32(tb[HASTOR_A_EVENT]);
	if (!tb[HASTOR_A_PARTNER])
		return 0;
	if (nla_parse_nested(pb, HASTOR_A_PARTNER_MAX, tb[HASTOR_A_PARTNER],
			     partner_policy) < 0 || !pb[HASTOR_A_PARTNER_NODE_ID])
		return -EBADMSG;
	pi->present = true;
	pi->id = nla_get_u32(pb[HASTOR_A_PARTNER_NODE_ID]);
#define GET(attr, field, fn) if (pb[attr]) pi->field = fn(pb[attr])
	GET(HASTOR_A_PARTNER_STATE, state, nla_get_u32);
	GET(HASTOR_A_PARTNER_PORT, port, nla_get_u16);
	GET(HASTOR_A_PARTNER_HB_INTERVAL, hb_interval, nla_get_u32);
	GET(HASTOR_A_PARTNER_HB_TIMEOUT, hb_timeout, nla_get_u32);
	GET(HASTOR_A_PARTNER_SECRET_LEN, secret_len, nla_get_u32);
	GET(HASTOR_A_PARTNER_SESSION, session, nla_get_u64);
	GET(HASTOR_A_PARTNER_BOOT_ID, boot_id, nla_get_u64);
#undef GET
	nla_for_each_nested(a, tb[HASTOR_A_PARTNER], rem) {
		if (nla_type(a) != HASTOR_A_PARTNER_LINK)
			continue;
		if (pi->nr_links == HASTOR_MAX_LINKS ||
		    nla_parse_nested(lb, HASTOR_A_LINK_MAX, a,
				     link_cfg_policy) < 0 ||
		    !lb[HASTOR_A_LINK_LOCAL_ADDR] ||
		    !lb[HASTOR_A_LINK_REMOTE_ADDR])
			return -EBADMSG;
		memcpy(pi->links[pi->nr_links].l,
		       nla_data(lb[HASTOR_A_LINK_LOCAL_ADDR]), 4);
		memcpy(pi->links[pi->nr_links].r,
		       nla_data(lb[HASTOR_A_LINK_REMOTE_ADDR]), 4);
		pi->nr_links++;
	}
	return 0;
}

int partner_cb(struct nl_msg *msg, void *arg)
{
	return partner_parse(nlmsg_hdr(msg), arg);
}

static const char *pstate(uint32_t s)
{
	return s == HASTOR_PARTNER_REACHABLE ? "reachable" : "unreachable";
}

static void partner_json(const struct partner_info *pi)
{
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN], s[24];
	unsigned int i;

	json_open("partner");
	json_uint("id", pi->id);
	json_str("state", pstate(pi->state));
	snprintf(s, sizeof(s), "%016llx", (unsigned long long)pi->session);
	json_str("session", s);
	if (pi->port) {
		json_uint("port", pi->port);
		json_uint("hb_interval_ms", pi->hb_interval);
		json_uint("hb_timeout_ms", pi->hb_timeout);
		json_uint("secret_len", pi->secret_len);
		json_array_open("links");
		for (i = 0; i < pi->nr_links; i++) {
			inet_ntop(AF_INET, pi->links[i].l, l, sizeof(l));
			inet_ntop(AF_INET, pi->links[i].r, r, sizeof(r));
			json_open(NULL);
			json_uint("index", i);
			json_str("local", l);
			json_str("remote", r);
			json_close();
		}
		json_array_close();
	}
	json_close();
}

static void partner_print(const struct partner_info *pi)
{
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN], name[16];
	unsigned int i;

	if (out_json()) {
		json_open(NULL);
		if (pi->present)
			partner_json(pi);
		else
			json_null("partner");
		json_close();
		return;
	}
	if (!pi->present) {
		printf("no partner configured\n");
		return;
	}
	out_field("partner", "%u", pi->id);
	out_field("state", "%s", pstate(pi->state));
	out_field("session", "%016llx", (unsigned long long)pi->session);
	out_field("port", "%u", pi->port);
	out_field("heartbeat", "%u ms, timeout %u ms", pi->hb_interval,
		  pi->hb_timeout);
	out_field("secret", "%u bytes", pi->secret_len);
	for (i = 0; i < pi->nr_links; i++) {
		inet_ntop(AF_INET, pi->links[i].l, l, sizeof(l));
		inet_ntop(AF_INET, pi->links[i].r, r, sizeof(r));
		snprintf(name, sizeof(name), "link %u", i);
		out_field(name, "%s -> %s", l, r);
	}
}

static int no_args(struct hactl *ctx, int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return hactl_help(ctx);
	if (argc > 1)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[1]);
	return -1;
}

static int request(struct hactl *ctx, struct nl_msg *msg, struct hnl *h,
		   struct partner_info *pi)
{
	int ret = hnl_request(h, msg, partner_cb, pi) < 0 ? HACTL_EXIT_FAIL
							 : HACTL_EXIT_OK;

	(void)ctx;
	hnl_close(h);
	return ret;
}

/* partner show and clear: no arguments, one request, the reply in *pi. */
static int partner_cmd(struct hactl *ctx, int argc, char **argv, int cmd,
		       struct partner_info *pi)
{
	struct nl_msg *msg;
	struct hnl h;
	int ret;

	ret = no_args(ctx, argc, argv);
	if (ret >= 0)
		return ret;
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	msg = hnl_msg(&h, cmd);
	if (!msg) {
		hnl_close(&h);
		return HACTL_EXIT_FAIL;
	}
	return request(ctx, msg, &h, pi);
}

static int cmd_partner_show(struct hactl *ctx, int argc, char **argv)
{
	struct partner_info pi;
	int ret = partner_cmd(ctx, argc, argv, HASTOR_CMD_PARTNER_GET, &pi);

	if (!ret)
		partner_print(&pi);
	return ret;
}

static int cmd_partner_clear(struct hactl *ctx, int argc, char **argv)
{
	struct partner_info pi;

	return partner_cmd(ctx, argc, argv, HASTOR_CMD_PARTNER_CLEAR, &pi);
}

/* "LOCAL,REMOTE", two IPv4 addresses. */
static bool parse_link(const char *arg, uint8_t *l, uint8_t *r)
{
	char buf[64], *comma;

	if (strlen(arg) >= sizeof(buf))
		return false;
	strcpy(buf, arg);
	comma = strchr(buf, ',');
	if (!comma)
		return false;
	*comma = '\0';
	return inet_pton(AF_INET, buf, l) == 1 &&
	       inet_pton(AF_INET, comma + 1, r) == 1;
}

/* 1..HASTOR_SECRET_MAX bytes read; -1 after a report. */
static int read_secret(struct hactl *ctx, const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, path,
			strerror(errno));
		return -1;
	}
	n = fread(buf, 1, HASTOR_SECRET_MAX + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "hactl: %s: reading %s: %s\n", ctx->path, path,
			strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	return (int)n;
}

static int cmd_partner_set(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id",		 required_argument, NULL, 'i' },
		{ "link",	 required_argument, NULL, 'l' },
		{ "secret-file", required_argument, NULL, 's' },
		{ "port",	 required_argument, NULL, 'p' },
		{ "hb-interval", required_argument, NULL, 'I' },
		{ "hb-timeout",	 required_argument, NULL, 'T' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ 0 }
	};
	bool check = hactl_client_checks();
	uint32_t id = 0, port = 0, hbi = 0, hbt = 0;
	bool has_id = false, has_port = false, has_hbi = false, has_hbt = false;
	uint8_t l[HASTOR_MAX_LINKS + 1][4], r[HASTOR_MAX_LINKS + 1][4];
	uint8_t secret[HASTOR_SECRET_MAX + 1];
	const char *secret_file = NULL;
	unsigned int nr = 0, i;
	struct nlattr *nest, *ln;
	struct partner_info pi;
	struct nl_msg *msg;
	int c, ret, slen;
	struct hnl h;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!hactl_parse_u32(optarg, &id))
				return hactl_usage_error(ctx, "--id: '%s' is not a 32-bit unsigned number", optarg);
			if (check && (id < 1 || id > HASTOR_NODE_ID_MAX))
				return hactl_usage_error(ctx, "--id: %u is out of range (1..%u)",
							 id, HASTOR_NODE_ID_MAX);
			has_id = true;
			break;
		case 'l':
			if (nr == HASTOR_MAX_LINKS && check)
				return hactl_usage_error(ctx, "--link: at most %u links",
							 HASTOR_MAX_LINKS);
			if (nr > HASTOR_MAX_LINKS)
				return hactl_usage_error(ctx, "--link: too many links");
			if (!parse_link(optarg, l[nr], r[nr]))
				return hactl_usage_error(ctx, "--link: '%s' is not LOCAL,REMOTE (two IPv4 addresses)",
							 optarg);
			nr++;
			break;
		case 's':
			secret_file = optarg;
			break;
		case 'p':
			if (!hactl_parse_u32(optarg, &port) || port > 65535 ||
			    (check && !port))
				return hactl_usage_error(ctx, "--port: '%s' is not a port (1..65535)",
							 optarg);
			has_port = true;
			break;
		case 'I':
			if (!hactl_parse_u32(optarg, &hbi))
				return hactl_usage_error(ctx, "--hb-interval: '%s' is not a number of ms", optarg);
			if (check && (hbi < HASTOR_HB_INTERVAL_MIN ||
				      hbi > HASTOR_HB_INTERVAL_MAX))
				return hactl_usage_error(ctx, "--hb-interval: %u is out of range (%u..%u ms)",
							 hbi, HASTOR_HB_INTERVAL_MIN,
							 HASTOR_HB_INTERVAL_MAX);
			has_hbi = true;
			break;
		case 'T':
			if (!hactl_parse_u32(optarg, &hbt))
				return hactl_usage_error(ctx, "--hb-timeout: '%s' is not a number of ms", optarg);
			if (check && (hbt < HASTOR_HB_TIMEOUT_MIN ||
				      hbt > HASTOR_HB_TIMEOUT_MAX))
				return hactl_usage_error(ctx, "--hb-timeout: %u is out of range (%u..%u ms)",
							 hbt, HASTOR_HB_TIMEOUT_MIN,
							 HASTOR_HB_TIMEOUT_MAX);
			has_hbt = true;
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
	if (!has_id)
		return hactl_usage_error(ctx, "--id is required");
	if (!nr)
		return hactl_usage_error(ctx, "at least one --link is required");
	if (!secret_file)
		return hactl_usage_error(ctx, "--secret-file is required");
	if (check && has_hbi && has_hbt && hbt < 2 * hbi)
		return hactl_usage_error(ctx, "--hb-timeout must be at least twice --hb-interval");
	slen = read_secret(ctx, secret_file, secret);
	if (slen < 0)
		return HACTL_EXIT_FAIL;
	if (check && (slen < HASTOR_SECRET_MIN || slen > HASTOR_SECRET_MAX)) {
		fprintf(stderr, "hactl: %s: the secret file must hold %u..%u bytes\n",
			ctx->path, HASTOR_SECRET_MIN, HASTOR_SECRET_MAX);
		return HACTL_EXIT_USAGE;
	}

	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	msg = hnl_msg(&h, HASTOR_CMD_PARTNER_SET);
	if (!msg)
		goto fail;
	nest = nla_nest_start(msg, HASTOR_A_PARTNER | NLA_F_NESTED);
	if (!nest || nla_put_u32(msg, HASTOR_A_PARTNER_NODE_ID, id) < 0 ||
	    nla_put(msg, HASTOR_A_PARTNER_SECRET, slen, secret) < 0 ||
	    (has_port && nla_put_u16(msg, HASTOR_A_PARTNER_PORT, port) < 0) ||
	    (has_hbi &&
	     nla_put_u32(msg, HASTOR_A_PARTNER_HB_INTERVAL, hbi) < 0) ||
	    (has_hbt && nla_put_u32(msg, HASTOR_A_PARTNER_HB_TIMEOUT, hbt) < 0))
		goto too_large;
	for (i = 0; i < nr; i++) {
		ln = nla_nest_start(msg, HASTOR_A_PARTNER_LINK | NLA_F_NESTED);
		if (!ln || nla_put(msg, HASTOR_A_LINK_LOCAL_ADDR, 4, l[i]) < 0 ||
		    nla_put(msg, HASTOR_A_LINK_REMOTE_ADDR, 4, r[i]) < 0)
			goto too_large;
		nla_nest_end(msg, ln);
	}
	nla_nest_end(msg, nest);
	memset(secret, 0, sizeof(secret));
	ret = request(ctx, msg, &h, &pi);
	if (!ret)
		partner_print(&pi);
	return ret;

too_large:
	nlmsg_free(msg);
	fprintf(stderr, "hactl: %s: request too large\n", ctx->path);
fail:
	memset(secret, 0, sizeof(secret));
	hnl_close(&h);
	return HACTL_EXIT_FAIL;
}

struct ping_info {
	bool present;
	uint32_t v[HASTOR_A_PING_MAX + 1];
	uint64_t session;
};

static int ping_cb(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[HASTOR_A_PING_MAX + 1];
	struct nlattr *tb[HASTOR_A_MAX + 1], *pb[HASTOR_A_PING_MAX + 1];
	struct ping_info *p = arg;
	int i;

	for (i = HASTOR_A_PING_COUNT; i <= HASTOR_A_PING_RTT_MAX_US; i++)
		policy[i].type = NLA_U32;
	policy[HASTOR_A_PING_SESSION].type = NLA_U64;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HASTOR_A_MAX, top_policy) < 0 ||
	    !tb[HASTOR_A_PING] ||
	    nla_parse_nested(pb, HASTOR_A_PING_MAX, tb[HASTOR_A_PING],
			     policy) < 0)
		return -EBADMSG;
	p->present = true;
	for (i = HASTOR_A_PING_COUNT; i <= HASTOR_A_PING_RTT_MAX_US; i++)
		if (pb[i])
			p->v[i] = nla_get_u32(pb[i]);
	if (pb[HASTOR_A_PING_SESSION])
		p->session = nla_get_u64(pb[HASTOR_A_PING_SESSION]);
	return 0;
}

static int cmd_partner_ping(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "size",  required_argument, NULL, 's' },
		{ "help",  no_argument,	      NULL, 'h' },
		{ 0 }
	};
	static const struct {
		int type;
		const char *name;
	} fields[] = {
		{ HASTOR_A_PING_COUNT, "count" },
		{ HASTOR_A_PING_SIZE, "size" },
		{ HASTOR_A_PING_SENT, "sent" },
		{ HASTOR_A_PING_ECHOED, "echoed" },
		{ HASTOR_A_PING_LOST, "lost" },
		{ HASTOR_A_PING_DUPLICATED, "duplicated" },
		{ HASTOR_A_PING_OUT_OF_ORDER, "out_of_order" },
		{ HASTOR_A_PING_CORRUPTED, "corrupted" },
		{ HASTOR_A_PING_RTT_MIN_US, "rtt_min_us" },
		{ HASTOR_A_PING_RTT_AVG_US, "rtt_avg_us" },
		{ HASTOR_A_PING_RTT_MAX_US, "rtt_max_us" },
	};
	bool check = hactl_client_checks();
	uint32_t count = 10, size = 64;
	struct ping_info p = { 0 };
	struct nlattr *nest;
	struct nl_msg *msg;
	char s[24];
	struct hnl h;
	size_t i;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!hactl_parse_u32(optarg, &count) ||
			    (check && (!count || count > HASTOR_PING_COUNT_MAX)))
				return hactl_usage_error(ctx, "--count: '%s' is not 1..%u",
							 optarg, HASTOR_PING_COUNT_MAX);
			break;
		case 's':
			if (!hactl_parse_u32(optarg, &size) ||
			    (check && (size < HASTOR_PING_SIZE_MIN ||
				       size > HASTOR_PING_SIZE_MAX)))
				return hactl_usage_error(ctx, "--size: '%s' is not %u..%u bytes",
							 optarg, HASTOR_PING_SIZE_MIN,
							 HASTOR_PING_SIZE_MAX);
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
	msg = hnl_msg(&h, HASTOR_CMD_PING);
	if (!msg) {
		hnl_close(&h);
		return HACTL_EXIT_FAIL;
	}
	nest = nla_nest_start(msg, HASTOR_A_PING | NLA_F_NESTED);
	if (!nest || nla_put_u32(msg, HASTOR_A_PING_COUNT, count) < 0 ||
	    nla_put_u32(msg, HASTOR_A_PING_SIZE, size) < 0) {
		nlmsg_free(msg);
		hnl_close(&h);
		return HACTL_EXIT_FAIL;
	}
	nla_nest_end(msg, nest);
	ret = hnl_request(&h, msg, ping_cb, &p) < 0 ? HACTL_EXIT_FAIL
						    : HACTL_EXIT_OK;
	hnl_close(&h);
	if (ret || !p.present)
		return HACTL_EXIT_FAIL;
	snprintf(s, sizeof(s), "%016llx", (unsigned long long)p.session);
	if (out_json()) {
		json_open(NULL);
		json_open("ping");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			json_uint(fields[i].name, p.v[fields[i].type]);
		json_str("session", s);
		json_close();
		json_close();
		return HACTL_EXIT_OK;
	}
	printf("%u messages of %u bytes: %u sent, %u echoed, %u lost, %u duplicated, %u out of order, %u corrupted\n",
	       p.v[HASTOR_A_PING_COUNT], p.v[HASTOR_A_PING_SIZE],
	       p.v[HASTOR_A_PING_SENT], p.v[HASTOR_A_PING_ECHOED],
	       p.v[HASTOR_A_PING_LOST], p.v[HASTOR_A_PING_DUPLICATED],
	       p.v[HASTOR_A_PING_OUT_OF_ORDER], p.v[HASTOR_A_PING_CORRUPTED]);
	if (p.v[HASTOR_A_PING_ECHOED])
		printf("rtt min/avg/max = %.3f/%.3f/%.3f ms, session %s\n",
		       p.v[HASTOR_A_PING_RTT_MIN_US] / 1000.0,
		       p.v[HASTOR_A_PING_RTT_AVG_US] / 1000.0,
		       p.v[HASTOR_A_PING_RTT_MAX_US] / 1000.0, s);
	/* Anything but a perfect run is a failure scripts can see. */
	return p.v[HASTOR_A_PING_ECHOED] == p.v[HASTOR_A_PING_COUNT] &&
	       !p.v[HASTOR_A_PING_DUPLICATED] &&
	       !p.v[HASTOR_A_PING_OUT_OF_ORDER] &&
	       !p.v[HASTOR_A_PING_CORRUPTED] ? HACTL_EXIT_OK : HACTL_EXIT_FAIL;
}

int partner_event_print(struct nlmsghdr *nlh)
{
	static const char *const what[] = {
		[HASTOR_EVENT_CHANGED] = "configured",
		[HASTOR_EVENT_DELETED] = "cleared",
		[HASTOR_EVENT_REACHABLE] = "reachable",
		[HASTOR_EVENT_UNREACHABLE] = "unreachable",
	};
	struct partner_info pi;
	const char *w = "changed";

	if (partner_parse(nlh, &pi) < 0 || !pi.present)
		return -EBADMSG;
	if (pi.event < sizeof(what) / sizeof(what[0]) && what[pi.event])
		w = what[pi.event];
	if (out_json()) {
		json_open(NULL);
		json_str("event", "partner");
		json_str("what", w);
		partner_json(&pi);
		json_close();
		return 0;
	}
	printf("partner %u: %s, session %016llx\n", pi.id, w,
	       (unsigned long long)pi.session);
	fflush(stdout);
	return 0;
}

const struct hactl_cmd partner_cmds[] = {
	{ "set", cmd_partner_set, NULL,
	  "--id N --link LOCAL,REMOTE [--link LOCAL,REMOTE]... --secret-file FILE [--port P] [--hb-interval MS] [--hb-timeout MS]" },
	{ "show", cmd_partner_show, NULL, "" },
	{ "clear", cmd_partner_clear, NULL, "" },
	{ "ping", cmd_partner_ping, NULL, "[--count N] [--size BYTES]" },
	{ 0 }
};
