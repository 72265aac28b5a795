// SPDX-License-Identifier: GPL-2.0
/* hactl link show, and the link attributes shared with monitor. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/genl/genl.h>

#include "ic.h"
#include "output.h"

static struct nla_policy top_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_LINK]	 = { .type = NLA_NESTED },
	[HASTOR_A_EVENT] = { .type = NLA_U32 },
};

static struct nla_policy link_policy[HASTOR_A_LINK_MAX + 1] = {
	[HASTOR_A_LINK_INDEX]	   = { .type = NLA_U32 },
	[HASTOR_A_LINK_LOCAL_ADDR]  = { .minlen = 4, .maxlen = 4 },
	[HASTOR_A_LINK_REMOTE_ADDR] = { .minlen = 4, .maxlen = 4 },
	[HASTOR_A_LINK_STATE]	   = { .type = NLA_U32 },
	[HASTOR_A_LINK_ACTIVE]	   = { .type = NLA_U32 },
	[HASTOR_A_LINK_RTT_US]	   = { .type = NLA_U32 },
	[HASTOR_A_LINK_REASON]	   = { .type = NLA_U32 },
	[HASTOR_A_LINK_LAST_CHANGE] = { .type = NLA_U64 },
};

/* Counters: every u64 attribute but the time. */
static const struct {
	int type;
	const char *json;
} counters[] = {
	{ HASTOR_A_LINK_TX_BYTES, "tx_bytes" },
	{ HASTOR_A_LINK_RX_BYTES, "rx_bytes" },
	{ HASTOR_A_LINK_TX_FRAMES, "tx_frames" },
	{ HASTOR_A_LINK_RX_FRAMES, "rx_frames" },
	{ HASTOR_A_LINK_TX_MSGS, "tx_msgs" },
	{ HASTOR_A_LINK_RX_MSGS, "rx_msgs" },
	{ HASTOR_A_LINK_RESENDS, "resends" },
	{ HASTOR_A_LINK_AUTH_FAILURES, "auth_failures" },
	{ HASTOR_A_LINK_VERSION_MISMATCH, "version_mismatch" },
	{ HASTOR_A_LINK_BAD_FRAMES, "bad_frames" },
	{ HASTOR_A_LINK_HB_TIMEOUTS, "hb_timeouts" },
	{ HASTOR_A_LINK_CONNECT_FAILURES, "connect_failures" },
	{ HASTOR_A_LINK_UPTIMES, "uptimes" },
};

#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

const char *link_state_name(uint32_t state)
{
	static const char *const names[] = {
		[HASTOR_LINK_DOWN] = "down",
		[HASTOR_LINK_CONNECTING] = "connecting",
		[HASTOR_LINK_HANDSHAKE] = "handshake",
		[HASTOR_LINK_UP] = "up",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state]
							: "unknown";
}

const char *link_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[HASTOR_LINK_REASON_NONE] = "none",
		[HASTOR_LINK_REASON_CONFIG] = "config",
		[HASTOR_LINK_REASON_HANDSHAKE] = "handshake",
		[HASTOR_LINK_REASON_HB_TIMEOUT] = "heartbeat-timeout",
		[HASTOR_LINK_REASON_CLOSED] = "closed",
		[HASTOR_LINK_REASON_BAD_FRAME] = "bad-frame",
		[HASTOR_LINK_REASON_ERROR] = "error",
		[HASTOR_LINK_REASON_REPLACED] = "replaced",
		[HASTOR_LINK_REASON_SESSION] = "session-reset",
		[HASTOR_LINK_REASON_SHUTDOWN] = "shutdown",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason]
							  : "unknown";
}

int link_parse(struct nlattr *nest, struct link_info *li)
{
	static struct nla_policy policy[HASTOR_A_LINK_MAX + 1];
	struct nlattr *tb[HASTOR_A_LINK_MAX + 1];
	size_t i;

	if (!policy[HASTOR_A_LINK_INDEX].type) {
		memcpy(policy, link_policy, sizeof(policy));
		for (i = 0; i < NCOUNTERS; i++)
			policy[counters[i].type].type = NLA_U64;
	}
	memset(li, 0, sizeof(*li));
	if (nla_parse_nested(tb, HASTOR_A_LINK_MAX, nest, policy) < 0 ||
	    !tb[HASTOR_A_LINK_INDEX] || !tb[HASTOR_A_LINK_LOCAL_ADDR] ||
	    !tb[HASTOR_A_LINK_REMOTE_ADDR] || !tb[HASTOR_A_LINK_STATE])
		return -EBADMSG;
	li->index = nla_get_u32(tb[HASTOR_A_LINK_INDEX]);
	memcpy(li->laddr, nla_data(tb[HASTOR_A_LINK_LOCAL_ADDR]), 4);
	memcpy(li->raddr, nla_data(tb[HASTOR_A_LINK_REMOTE_ADDR]), 4);
	li->state = nla_get_u32(tb[HASTOR_A_LINK_STATE]);
	if (tb[HASTOR_A_LINK_ACTIVE])
		li->active = nla_get_u32(tb[HASTOR_A_LINK_ACTIVE]);
	if (tb[HASTOR_A_LINK_RTT_US]) {
		li->has_rtt = true;
		li->rtt_us = nla_get_u32(tb[HASTOR_A_LINK_RTT_US]);
	}
	if (tb[HASTOR_A_LINK_REASON])
		li->reason = nla_get_u32(tb[HASTOR_A_LINK_REASON]);
	if (tb[HASTOR_A_LINK_LAST_CHANGE])
		li->last_change = nla_get_u64(tb[HASTOR_A_LINK_LAST_CHANGE]);
	for (i = 0; i < NCOUNTERS; i++)
		if (tb[counters[i].type])
			li->stat[counters[i].type] =
				nla_get_u64(tb[counters[i].type]);
	return 0;
}

static void addr_str(const uint8_t *a, char *buf)
{
	inet_ntop(AF_INET, a, buf, INET_ADDRSTRLEN);
}

void link_json(const char *key, const struct link_info *li)
{
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
	size_t i;

	addr_str(li->laddr, l);
	addr_str(li->raddr, r);
	json_open(key);
	json_uint("index", li->index);
	json_str("local", l);
	json_str("remote", r);
	json_str("state", link_state_name(li->state));
	json_uint("active", li->active);
	if (li->has_rtt)
		json_uint("rtt_us", li->rtt_us);
	else
		json_null("rtt_us");
	json_str("reason", link_reason_name(li->reason));
	json_uint("last_change_ns", li->last_change);
	for (i = 0; i < NCOUNTERS; i++)
		json_uint(counters[i].json, li->stat[counters[i].type]);
	json_close();
}

struct link_list {
	struct link_info *v;
	size_t n;
};

static int link_list_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HASTOR_A_MAX + 1];
	struct link_list *l = arg;
	struct link_info *v;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HASTOR_A_MAX, top_policy) < 0 ||
	    !tb[HASTOR_A_LINK])
		return -EBADMSG;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	return link_parse(tb[HASTOR_A_LINK], &l->v[l->n++]);
}

static void since(uint64_t ns, char *buf, size_t len)
{
	struct timespec now;
	uint64_t s;

	clock_gettime(CLOCK_REALTIME, &now);
	s = (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
	s = s > ns ? (s - ns) / 1000000000ull : 0;
	snprintf(buf, len, "%llus ago", (unsigned long long)s);
}

static int cmd_link_show(struct hactl *ctx, int argc, char **argv)
{
	struct link_list l = { 0 };
	char lo[INET_ADDRSTRLEN], re[INET_ADDRSTRLEN], rtt[24], ago[32];
	struct nl_msg *msg;
	struct hnl h;
	size_t i;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return hactl_help(ctx);
	if (argc > 1)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[1]);
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	msg = hnl_msg_dump(&h, HASTOR_CMD_LINK_GET);
	ret = msg && hnl_request(&h, msg, link_list_cb, &l) == 0 ?
	      HACTL_EXIT_OK : HACTL_EXIT_FAIL;
	hnl_close(&h);
	if (ret)
		goto out;

	if (out_json()) {
		json_open(NULL);
		json_array_open("links");
		for (i = 0; i < l.n; i++)
			link_json(NULL, &l.v[i]);
		json_array_close();
		json_close();
		goto out;
	}
	if (!l.n) {
		printf("no links (no partner configured)\n");
		goto out;
	}
	printf("%-4s %-15s %-15s %-10s %9s %12s %12s %9s %9s %7s %6s  %s\n",
	       "LINK", "LOCAL", "REMOTE", "STATE", "RTT", "TX-BYTES",
	       "RX-BYTES", "TX-MSGS", "RX-MSGS", "RESENDS", "ERRORS",
	       "LAST CHANGE");
	for (i = 0; i < l.n; i++) {
		struct link_info *li = &l.v[i];
		uint64_t errors = li->stat[HASTOR_A_LINK_AUTH_FAILURES] +
				  li->stat[HASTOR_A_LINK_VERSION_MISMATCH] +
				  li->stat[HASTOR_A_LINK_BAD_FRAMES] +
				  li->stat[HASTOR_A_LINK_HB_TIMEOUTS];

		addr_str(li->laddr, lo);
		addr_str(li->raddr, re);
		if (li->has_rtt)
			snprintf(rtt, sizeof(rtt), "%u.%03ums",
				 li->rtt_us / 1000, li->rtt_us % 1000);
		else
			snprintf(rtt, sizeof(rtt), "-");
		since(li->last_change, ago, sizeof(ago));
		printf("%-4u %-15s %-15s %-10s %9s %12llu %12llu %9llu %9llu %7llu %6llu  %s (%s)\n",
		       li->index, lo, re, li->active ? "up*" :
		       link_state_name(li->state), rtt,
		       (unsigned long long)li->stat[HASTOR_A_LINK_TX_BYTES],
		       (unsigned long long)li->stat[HASTOR_A_LINK_RX_BYTES],
		       (unsigned long long)li->stat[HASTOR_A_LINK_TX_MSGS],
		       (unsigned long long)li->stat[HASTOR_A_LINK_RX_MSGS],
		       (unsigned long long)li->stat[HASTOR_A_LINK_RESENDS],
		       (unsigned long long)errors, ago,
		       link_reason_name(li->reason));
	}
	printf("(* carries the channels; errors = auth + version + bad frames + heartbeat timeouts)\n");
out:
	free(l.v);
	return ret;
}

int link_event_print(struct nlmsghdr *nlh)
{
	char lo[INET_ADDRSTRLEN], re[INET_ADDRSTRLEN];
	struct nlattr *tb[HASTOR_A_MAX + 1];
	struct link_info li;

	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, top_policy) < 0 ||
	    !tb[HASTOR_A_LINK] || link_parse(tb[HASTOR_A_LINK], &li) < 0)
		return -EBADMSG;
	if (out_json()) {
		json_open(NULL);
		json_str("event", "link");
		link_json("link", &li);
		json_close();
		return 0;
	}
	addr_str(li.laddr, lo);
	addr_str(li.raddr, re);
	printf("link %u: %s (%s) %s -> %s\n", li.index,
	       link_state_name(li.state), link_reason_name(li.reason), lo, re);
	fflush(stdout);
	return 0;
}

const struct hactl_cmd link_cmds[] = {
	{ "show", cmd_link_show, NULL, "" },
	{ 0 }
};
