// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad: send one deliberately malformed request to generic-netlink
 * family "hastor" and report how the kernel answered, so a test can
 * assert that the kernel, not hactl, enforces the uapi contract.
 *
 *   nlbad CASE     prints "CASE errno=N err=TEXT msg=EXTACK|- [offs=N] [miss=T]"
 *   nlbad list     prints the case names, one a line
 *   nlbad ha-raw TEXT  sends TEXT as an HA message to the partner's
 *                  daemon (a well-formed request with hostile content:
 *                  the receiving daemon must refuse it)
 *
 * Exit: 0 the kernel rejected the request (for ok-get: accepted it),
 * 3 the opposite, 1 local failure (family missing, timeout...), 2 usage.
 *
 * Each NODE_SET case is otherwise valid (node id 1, cluster 1) so that
 * it has exactly one fault; a kernel that wrongly accepts one of them
 * leaves the node configured as id 1, cluster 1.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/hastor.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

enum { EXIT_REJECTED = 0, EXIT_LOCAL = 1, EXIT_USAGE = 2, EXIT_ACCEPTED = 3 };

struct result {
	bool done;
	int error;			/* positive errno, 0 for success */
	char msg[512];
	bool has_offs, has_miss;
	uint32_t offs, miss;
};

/* Builds the attributes; the genl header is already in msg. */
typedef int (*build_fn)(struct nl_msg *msg);

static int put_ids(struct nl_msg *msg, uint32_t id, uint32_t cluster)
{
	return nla_put_u32(msg, HASTOR_A_NODE_ID, id) ||
	       nla_put_u32(msg, HASTOR_A_NODE_CLUSTER_ID, cluster);
}

/* A nest holding valid ids plus, if type > 0, one extra attribute. */
static int node_with(struct nl_msg *msg, int type, const void *data,
		     int len)
{
	/* NLA_F_NESTED explicitly: strict kernels require it. */
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_NODE | NLA_F_NESTED);

	if (!nest || put_ids(msg, 1, 1) ||
	    (type > 0 && nla_put(msg, type, len, data)))
		return -1;
	return nla_nest_end(msg, nest);
}

static int node_ids(struct nl_msg *msg, uint32_t id, uint32_t cluster)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_NODE | NLA_F_NESTED);

	if (!nest || put_ids(msg, id, cluster))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_none(struct nl_msg *msg)
{
	(void)msg;
	return 0;
}

static int b_unknown_top(struct nl_msg *msg)
{
	return node_with(msg, 0, NULL, 0) ||
	       nla_put_u32(msg, HASTOR_A_MAX + 1, 1);
}

static int b_unknown_nested(struct nl_msg *msg)
{
	uint32_t v = 1;

	return node_with(msg, HASTOR_A_NODE_MAX + 5, &v, sizeof(v));
}

static int b_readonly(struct nl_msg *msg)
{
	uint32_t v = HASTOR_NODE_CONFIGURED;

	return node_with(msg, HASTOR_A_NODE_STATE, &v, sizeof(v));
}

static int b_id_zero(struct nl_msg *msg)
{
	return node_ids(msg, 0, 1);
}

static int b_id_too_big(struct nl_msg *msg)
{
	return node_ids(msg, HASTOR_NODE_ID_MAX + 1, 1);
}

static int b_cluster_zero(struct nl_msg *msg)
{
	return node_ids(msg, 1, 0);
}

static int b_id_short(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_NODE | NLA_F_NESTED);

	if (!nest || nla_put_u16(msg, HASTOR_A_NODE_ID, 1) ||
	    nla_put_u32(msg, HASTOR_A_NODE_CLUSTER_ID, 1))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_name_long(struct nl_msg *msg)
{
	char name[HASTOR_NAME_MAX + 2];

	memset(name, 'a', HASTOR_NAME_MAX + 1);
	name[HASTOR_NAME_MAX + 1] = '\0';
	return node_with(msg, HASTOR_A_NODE_NAME, name, sizeof(name));
}

static int b_name_badchar(struct nl_msg *msg)
{
	return node_with(msg, HASTOR_A_NODE_NAME, "a/b", sizeof("a/b"));
}

static int b_name_empty(struct nl_msg *msg)
{
	return node_with(msg, HASTOR_A_NODE_NAME, "", 1);
}

static int b_name_unterminated(struct nl_msg *msg)
{
	/* nla_put pads with zeros, but outside nla_len: still no NUL. */
	return node_with(msg, HASTOR_A_NODE_NAME, "alpha", 5);
}

static int b_empty_nest(struct nl_msg *msg)
{
	/* nla_nest_end() would drop an empty nest; write the header raw. */
	return nla_put(msg, HASTOR_A_NODE | NLA_F_NESTED, 0, NULL);
}

static int b_name_only(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_NODE | NLA_F_NESTED);

	if (!nest || nla_put_string(msg, HASTOR_A_NODE_NAME, "alpha"))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_get_with_attr(struct nl_msg *msg)
{
	return node_ids(msg, 1, 1);
}

/*
 * DISK_PR and DISK_LABEL: a nest naming a shared LUN, one attribute
 * each of the u32 and u64 kind when type > 0.  A case the kernel wrongly
 * accepted could change the LUN's reservation, which fence.py checks.
 */
#define NLBAD_LUN "/dev/shared/lun1"

static int disk_with(struct nl_msg *msg, const char *path, int t32,
		     uint32_t v32, int t64, uint64_t v64)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_DISK | NLA_F_NESTED);

	if (!nest || (path && nla_put_string(msg, HASTOR_A_DISK_PATH, path)) ||
	    (t32 > 0 && nla_put_u32(msg, t32, v32)) ||
	    (t64 > 0 && nla_put_u64(msg, t64, v64)))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_pr_bad_action(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, HASTOR_A_DISK_PR_ACTION,
			 HASTOR_PR_MAX + 1, 0, 0);
}

static int b_pr_key_zero(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, HASTOR_A_DISK_PR_ACTION,
			 HASTOR_PR_PREEMPT, HASTOR_A_DISK_PR_KEY, 0);
}

static int b_pr_no_action(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, 0, 0, 0, 0);
}

static int b_pr_no_path(struct nl_msg *msg)
{
	return disk_with(msg, NULL, HASTOR_A_DISK_PR_ACTION,
			 HASTOR_PR_REGISTER, 0, 0);
}

static int b_pr_owner_attr(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_DISK | NLA_F_NESTED);

	if (!nest || nla_put_string(msg, HASTOR_A_DISK_PATH, NLBAD_LUN) ||
	    nla_put_u32(msg, HASTOR_A_DISK_PR_ACTION, HASTOR_PR_REGISTER) ||
	    nla_put_u32(msg, HASTOR_A_DISK_OWNER, 1))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_pr_relative(struct nl_msg *msg)
{
	return disk_with(msg, "dev/shared/lun1", HASTOR_A_DISK_PR_ACTION,
			 HASTOR_PR_REGISTER, 0, 0);
}

static int b_pr_path_long(struct nl_msg *msg)
{
	char path[HASTOR_PATH_MAX + 2];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	return disk_with(msg, path, HASTOR_A_DISK_PR_ACTION,
			 HASTOR_PR_REGISTER, 0, 0);
}

static int b_pr_key_not_preempt(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, HASTOR_A_DISK_PR_ACTION,
			 HASTOR_PR_REGISTER, HASTOR_A_DISK_PR_KEY, 5);
}

static int b_label_owner_zero(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, HASTOR_A_DISK_OWNER, 0, 0, 0);
}

static int b_label_home_big(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_DISK | NLA_F_NESTED);

	if (!nest || nla_put_string(msg, HASTOR_A_DISK_PATH, NLBAD_LUN) ||
	    nla_put_u32(msg, HASTOR_A_DISK_OWNER, 1) ||
	    nla_put_u32(msg, HASTOR_A_DISK_HOME, HASTOR_NODE_ID_MAX + 1))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_label_no_owner(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, 0, 0, 0, 0);
}

static int b_label_action_attr(struct nl_msg *msg)
{
	return disk_with(msg, NLBAD_LUN, HASTOR_A_DISK_OWNER, 1,
			 HASTOR_A_DISK_PR_KEY, 7);
}

static int ha_with(struct nl_msg *msg, size_t len, bool session)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_HA | NLA_F_NESTED);
	char buf[HASTOR_HA_MSG_MAX + 1];

	memset(buf, 'x', sizeof(buf));
	if (!nest || (len && nla_put(msg, HASTOR_A_HA_MSG, len, buf)) ||
	    (session && nla_put_u64(msg, HASTOR_A_HA_SESSION, 1)))
		return -1;
	return nla_nest_end(msg, nest);
}

static const char *raw_text;

static int b_ha_raw(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HASTOR_A_HA | NLA_F_NESTED);

	if (!nest || !raw_text ||
	    nla_put(msg, HASTOR_A_HA_MSG, strlen(raw_text), raw_text))
		return -1;
	return nla_nest_end(msg, nest);
}

static int b_ha_long(struct nl_msg *msg)
{
	return ha_with(msg, HASTOR_HA_MSG_MAX + 1, false);
}

static int b_ha_no_msg(struct nl_msg *msg)
{
	return ha_with(msg, 0, false);
}

static int b_ha_session(struct nl_msg *msg)
{
	return ha_with(msg, 8, true);
}

static const struct nlbad_case {
	const char *name;
	uint8_t cmd;
	build_fn build;
	bool expect_ok;
} cases[] = {
	{ "unknown-top",       HASTOR_CMD_NODE_SET, b_unknown_top, false },
	{ "unknown-nested",    HASTOR_CMD_NODE_SET, b_unknown_nested, false },
	{ "readonly-attr",     HASTOR_CMD_NODE_SET, b_readonly, false },
	{ "id-zero",	       HASTOR_CMD_NODE_SET, b_id_zero, false },
	{ "id-too-big",	       HASTOR_CMD_NODE_SET, b_id_too_big, false },
	{ "cluster-zero",      HASTOR_CMD_NODE_SET, b_cluster_zero, false },
	{ "id-short",	       HASTOR_CMD_NODE_SET, b_id_short, false },
	{ "name-long",	       HASTOR_CMD_NODE_SET, b_name_long, false },
	{ "name-badchar",      HASTOR_CMD_NODE_SET, b_name_badchar, false },
	{ "name-empty",	       HASTOR_CMD_NODE_SET, b_name_empty, false },
	{ "name-unterminated", HASTOR_CMD_NODE_SET, b_name_unterminated, false },
	{ "missing-nest",      HASTOR_CMD_NODE_SET, b_none, false },
	{ "empty-nest",	       HASTOR_CMD_NODE_SET, b_empty_nest, false },
	/* Meaningful only while the node is unconfigured. */
	{ "first-needs-ids",   HASTOR_CMD_NODE_SET, b_name_only, false },
	{ "unknown-cmd",       HASTOR_CMD_MAX + 1,  b_none, false },
	{ "get-with-attr",     HASTOR_CMD_NODE_GET, b_get_with_attr, false },
	{ "ntf-cmd",	       HASTOR_CMD_NODE_NTF, b_none, false },
	{ "ok-get",	       HASTOR_CMD_NODE_GET, b_none, true },
	{ "disk-pr-bad-action", HASTOR_CMD_DISK_PR, b_pr_bad_action, false },
	{ "disk-pr-key-zero",  HASTOR_CMD_DISK_PR, b_pr_key_zero, false },
	{ "disk-pr-no-action", HASTOR_CMD_DISK_PR, b_pr_no_action, false },
	{ "disk-pr-no-path",   HASTOR_CMD_DISK_PR, b_pr_no_path, false },
	{ "disk-pr-owner-attr", HASTOR_CMD_DISK_PR, b_pr_owner_attr, false },
	{ "disk-pr-relative",  HASTOR_CMD_DISK_PR, b_pr_relative, false },
	{ "disk-pr-path-long", HASTOR_CMD_DISK_PR, b_pr_path_long, false },
	{ "disk-pr-key-not-preempt", HASTOR_CMD_DISK_PR, b_pr_key_not_preempt,
	  false },
	{ "disk-pr-missing-nest", HASTOR_CMD_DISK_PR, b_none, false },
	{ "disk-label-owner-zero", HASTOR_CMD_DISK_LABEL, b_label_owner_zero,
	  false },
	{ "disk-label-home-big", HASTOR_CMD_DISK_LABEL, b_label_home_big,
	  false },
	{ "disk-label-no-owner", HASTOR_CMD_DISK_LABEL, b_label_no_owner,
	  false },
	{ "disk-label-key-attr", HASTOR_CMD_DISK_LABEL, b_label_action_attr,
	  false },
	{ "ha-send-long",      HASTOR_CMD_HA_SEND, b_ha_long, false },
	{ "ha-send-no-msg",    HASTOR_CMD_HA_SEND, b_ha_no_msg, false },
	{ "ha-send-session",   HASTOR_CMD_HA_SEND, b_ha_session, false },
	{ "ha-send-missing-nest", HASTOR_CMD_HA_SEND, b_none, false },
	{ "ha-ntf-cmd",        HASTOR_CMD_HA_NTF, b_none, false },
	{ "ha-raw",            HASTOR_CMD_HA_SEND, b_ha_raw, true },
	{ 0 }
};

/* As in hactl's nl.c; kept here so this tool needs nothing but libnl. */
static void parse_ext_ack(const struct nlmsghdr *nlh, struct result *res)
{
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG]	  = { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS]	  = { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
	};
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t hlen = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(e->msg))
			return;
		hlen += e->msg.nlmsg_len - sizeof(e->msg);
	}
	hlen = NLMSG_ALIGN(hlen);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(nlh) + hlen),
		      nlh->nlmsg_len - NLMSG_HDRLEN - hlen, policy) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(res->msg, sizeof(res->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS]) {
		res->has_offs = true;
		res->offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		res->has_miss = true;
		res->miss = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct result *res = arg;

	(void)nla;
	res->error = -e->error;
	res->done = true;
	parse_ext_ack((const struct nlmsghdr *)e - 1, res);
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct result *res = arg;

	parse_ext_ack(nlmsg_hdr(msg), res);	/* a warning, if any */
	res->done = true;
	return NL_STOP;
}

static int usage(void)
{
	const struct nlbad_case *c;

	fputs("usage: nlbad CASE | list | ha-raw TEXT\ncases:", stderr);
	for (c = cases; c->name; c++)
		fprintf(stderr, " %s", c->name);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct timeval tv = { .tv_sec = 10 };	/* TCG guests are slow */
	const struct nlbad_case *c;
	struct result res = { 0 };
	struct nl_sock *sk = NULL;
	struct nl_msg *msg = NULL;
	struct nl_cb *cb = NULL;
	int ret = EXIT_LOCAL, family, err, one = 1;

	if (argc == 3 && !strcmp(argv[1], "ha-raw"))
		raw_text = argv[2];
	else if (argc != 2 || !strcmp(argv[1], "ha-raw"))
		return usage();
	if (!strcmp(argv[1], "list")) {
		for (c = cases; c->name; c++)
			puts(c->name);
		return 0;
	}
	for (c = cases; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			break;
	if (!c->name)
		return usage();

	sk = nl_socket_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	msg = nlmsg_alloc();
	if (!sk || !cb || !msg) {
		fprintf(stderr, "nlbad: out of memory\n");
		goto out;
	}
	err = genl_connect(sk);
	if (err < 0) {
		fprintf(stderr, "nlbad: genl_connect: %s\n", nl_geterror(err));
		goto out;
	}
	/*
	 * Extended acks on, but not NETLINK_CAP_ACK: hactl caps, so this
	 * covers the other layout, TLVs after an echo of the request.
	 * The timeout turns a kernel that never answers into a failure.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));

	family = genl_ctrl_resolve(sk, HASTOR_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "nlbad: family %s: %s\n", HASTOR_GENL_NAME,
			nl_geterror(family));
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, c->cmd,
			 HASTOR_GENL_VERSION) || c->build(msg)) {
		fprintf(stderr, "nlbad: %s: cannot build the request\n",
			c->name);
		goto out;
	}

	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, &res);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &res);
	err = nl_send_auto(sk, msg);
	if (err < 0) {
		fprintf(stderr, "nlbad: send: %s\n", nl_geterror(err));
		goto out;
	}
	/* A reply (ok-get) and the ack may come in separate reads. */
	while (!res.done) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && !res.done) {
			fprintf(stderr, "nlbad: receive: %s\n",
				nl_geterror(err));
			goto out;
		}
	}

	printf("%s errno=%d err=%s msg=%s", c->name, res.error,
	       strerror(res.error), res.msg[0] ? res.msg : "-");
	if (res.has_offs)
		printf(" offs=%u", res.offs);
	if (res.has_miss)
		printf(" miss=%u", res.miss);
	putchar('\n');
	ret = (res.error != 0) == !c->expect_ok ? EXIT_REJECTED
						: EXIT_ACCEPTED;
out:
	nlmsg_free(msg);
	nl_cb_put(cb);
	nl_socket_free(sk);
	return ret;
}
