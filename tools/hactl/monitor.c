// SPDX-License-Identifier: GPL-2.0
/* ppoll() */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <linux/hastor.h>
#include <netlink/genl/genl.h>

#include "hactl.h"
#include "ha.h"
#include "output.h"
#include "pool.h"
#include "ic.h"
#include "wlog.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct monitor {
	struct hnl *h;
	uint32_t count;		/* 0: until a signal */
	uint32_t seen;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct node_info ni;
	int err;

	if (nlh->nlmsg_type != m->h->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	switch (gh->cmd) {
	case HASTOR_CMD_NODE_NTF:
		err = node_msg_parse(nlh, &ni);
		break;
	case HASTOR_CMD_POOL_NTF:
		err = pool_event_print(nlh);
		break;
	case HASTOR_CMD_VOL_NTF:
		err = vol_event_print(nlh);
		break;
	case HASTOR_CMD_LINK_NTF:
		err = link_event_print(nlh);
		break;
	case HASTOR_CMD_PARTNER_NTF:
		err = partner_event_print(nlh);
		break;
	case HASTOR_CMD_WLOG_NTF:
		err = wlog_event_print(nlh);
		break;
	case HASTOR_CMD_HA_NTF:
		err = ha_msg_event_print(nlh);
		break;
	default:
		/* Events of a newer module are not ours to interpret. */
		return NL_SKIP;
	}
	if (err < 0) {
		fprintf(stderr, "hactl: %s: malformed event ignored\n",
			m->h->op);
		return NL_SKIP;
	}

	/* Other events were printed as they were parsed. */
	if (gh->cmd == HASTOR_CMD_NODE_NTF && out_json()) {
		json_open(NULL);
		json_str("event", "node");
		node_json(&ni);
		json_close();
	} else if (gh->cmd == HASTOR_CMD_NODE_NTF) {
		node_line(&ni);
	}
	if (m->count && ++m->seen >= m->count)
		return NL_STOP;
	return NL_OK;
}

static int listen_events(struct monitor *m)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(m->h->sk),
			      .events = POLLIN };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	int err;

	/*
	 * libnl restarts recvmsg() on EINTR, so a signal could not end a
	 * blocking receive.  Signals stay blocked except inside ppoll(),
	 * which leaves no window to miss one, and receives never block.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	nl_socket_set_nonblocking(m->h->sk);
	nl_socket_modify_cb(m->h->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, m);

	while (!stop && !(m->count && m->seen >= m->count)) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hactl: %s: poll: %s\n", m->h->op,
				strerror(errno));
			return HACTL_EXIT_FAIL;
		}
		err = nl_recvmsgs_default(m->h->sk);
		if (err >= 0 || err == -NLE_AGAIN)
			continue;
		/* ENOBUFS: the socket overflowed; say so and go on. */
		if (err == -NLE_NOMEM) {
			fprintf(stderr, "hactl: %s: events lost (receive buffer overrun)\n",
				m->h->op);
			continue;
		}
		fprintf(stderr, "hactl: %s: receiving events: %s\n", m->h->op,
			nl_geterror(err));
		return HACTL_EXIT_FAIL;
	}
	return HACTL_EXIT_OK;
}

int cmd_monitor(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "help",  no_argument,	      NULL, 'h' },
		{ 0 }
	};
	struct monitor m = { 0 };
	struct hnl h;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!hactl_parse_u32(optarg, &m.count) || !m.count)
				return hactl_usage_error(ctx, "--count: '%s' is not a positive number",
							 optarg);
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
	m.h = &h;
	ret = hnl_subscribe(&h, HASTOR_MCGRP_EVENTS) < 0 ? HACTL_EXIT_FAIL
							  : listen_events(&m);
	hnl_close(&h);
	return ret;
}
