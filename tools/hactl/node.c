// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/hastor.h>
#include <netlink/genl/genl.h>

#include "hactl.h"
#include "names.h"
#include "output.h"

/* Replies are checked as strictly as the kernel checks requests. */
static struct nla_policy top_policy[HASTOR_A_MAX + 1] = {
	[HASTOR_A_MODULE] = { .type = NLA_NESTED },
	[HASTOR_A_NODE]	  = { .type = NLA_NESTED },
};

static struct nla_policy module_policy[HASTOR_A_MODULE_MAX + 1] = {
	[HASTOR_A_MODULE_VERSION]	 = { .type = NLA_STRING },
	[HASTOR_A_MODULE_FAMILY_VERSION] = { .type = NLA_U32 },
};

static struct nla_policy node_policy[HASTOR_A_NODE_MAX + 1] = {
	[HASTOR_A_NODE_STATE]	   = { .type = NLA_U32 },
	[HASTOR_A_NODE_GENERATION] = { .type = NLA_U32 },
	[HASTOR_A_NODE_ID]	   = { .type = NLA_U32 },
	[HASTOR_A_NODE_CLUSTER_ID] = { .type = NLA_U32 },
	[HASTOR_A_NODE_NAME]	   = { .type = NLA_STRING },
	[HASTOR_A_NODE_PR_KEY]	   = { .type = NLA_U64 },
	[HASTOR_A_NODE_NVRAM]	   = { .type = NLA_STRING },
};

static bool get_u32(struct nlattr *a, uint32_t *val)
{
	if (a)
		*val = nla_get_u32(a);
	return a;
}

static int node_parse(struct nlattr *module, struct nlattr *node,
	       struct node_info *ni)
{
	struct nlattr *mb[HASTOR_A_MODULE_MAX + 1];
	struct nlattr *nb[HASTOR_A_NODE_MAX + 1];

	memset(ni, 0, sizeof(*ni));
	if (module) {
		if (nla_parse_nested(mb, HASTOR_A_MODULE_MAX, module,
				     module_policy) < 0)
			return -EBADMSG;
		ni->has_module = true;
		if (mb[HASTOR_A_MODULE_VERSION]) {
			ni->has_module_version = true;
			nla_strlcpy(ni->module_version,
				    mb[HASTOR_A_MODULE_VERSION],
				    sizeof(ni->module_version));
		}
		ni->has_family_version =
			get_u32(mb[HASTOR_A_MODULE_FAMILY_VERSION],
				&ni->family_version);
	}
	if (node) {
		if (nla_parse_nested(nb, HASTOR_A_NODE_MAX, node,
				     node_policy) < 0)
			return -EBADMSG;
		ni->has_node = true;
		ni->has_state = get_u32(nb[HASTOR_A_NODE_STATE], &ni->state);
		ni->has_generation = get_u32(nb[HASTOR_A_NODE_GENERATION],
					     &ni->generation);
		ni->has_id = get_u32(nb[HASTOR_A_NODE_ID], &ni->id);
		ni->has_cluster_id = get_u32(nb[HASTOR_A_NODE_CLUSTER_ID],
					     &ni->cluster_id);
		if (nb[HASTOR_A_NODE_NAME]) {
			ni->has_name = true;
			nla_strlcpy(ni->name, nb[HASTOR_A_NODE_NAME],
				    sizeof(ni->name));
		}
		if (nb[HASTOR_A_NODE_PR_KEY]) {
			ni->has_pr_key = true;
			ni->pr_key = nla_get_u64(nb[HASTOR_A_NODE_PR_KEY]);
		}
		if (nb[HASTOR_A_NODE_NVRAM]) {
			ni->has_nvram = true;
			nla_strlcpy(ni->nvram, nb[HASTOR_A_NODE_NVRAM],
				    sizeof(ni->nvram));
		}
	}
	return 0;
}

static const char *state_name(uint32_t state, char *buf, size_t len)
{
	switch (state) {
	case HASTOR_NODE_UNCONFIGURED:
		return "unconfigured";
	case HASTOR_NODE_CONFIGURED:
		return "configured";
	}
	/* A newer module: show the number rather than fail. */
	snprintf(buf, len, "unknown(%u)", state);
	return buf;
}

static void pr_key_str(uint64_t key, char *buf, size_t len)
{
	snprintf(buf, len, "0x%016llx", (unsigned long long)key);
}

void node_json(const struct node_info *ni)
{
	char buf[32];

	json_open("node");
	if (ni->has_state)
		json_str("state", state_name(ni->state, buf, sizeof(buf)));
	if (ni->has_id)
		json_uint("id", ni->id);
	if (ni->has_cluster_id)
		json_uint("cluster_id", ni->cluster_id);
	if (ni->has_name)
		json_str("name", ni->name);
	if (ni->has_pr_key) {
		/* A string: JSON numbers lose precision past 2^53. */
		pr_key_str(ni->pr_key, buf, sizeof(buf));
		json_str("pr_key", buf);
	}
	if (ni->has_generation)
		json_uint("generation", ni->generation);
	if (ni->has_nvram)
		json_str("nvram", ni->nvram);
	json_close();
}

void node_line(const struct node_info *ni)
{
	char buf[32], esc[HACTL_ESC_LEN];

	fputs("node:", stdout);
	if (ni->has_state)
		printf(" %s", state_name(ni->state, buf, sizeof(buf)));
	if (ni->has_id)
		printf(" id %u", ni->id);
	if (ni->has_cluster_id)
		printf(" cluster %u", ni->cluster_id);
	if (ni->has_name)
		printf(" name %s", ni->name);
	if (ni->has_generation)
		printf(" generation %u", ni->generation);
	/* Last, and escaped: a path may hold anything, the line must not. */
	if (ni->has_nvram)
		printf(" nvram %s", hactl_esc(ni->nvram, esc, sizeof(esc)));
	fputc('\n', stdout);
	fflush(stdout);
}

static void module_json(const struct node_info *ni)
{
	json_open("module");
	if (ni->has_module_version)
		json_str("version", ni->module_version);
	if (ni->has_family_version)
		json_uint("family_version", ni->family_version);
	json_close();
}

static void node_print(const struct node_info *ni)
{
	char buf[32], esc[HACTL_ESC_LEN];

	if (out_json()) {
		json_open(NULL);
		if (ni->has_module)
			module_json(ni);
		node_json(ni);
		json_close();
		return;
	}
	if (ni->has_state)
		out_field("state", "%s",
			  state_name(ni->state, buf, sizeof(buf)));
	if (ni->has_id)
		out_field("node id", "%u", ni->id);
	if (ni->has_cluster_id)
		out_field("cluster id", "%u", ni->cluster_id);
	if (ni->has_name)
		out_field("name", "%s", ni->name);
	if (ni->has_pr_key) {
		pr_key_str(ni->pr_key, buf, sizeof(buf));
		out_field("pr key", "%s", buf);
	}
	if (ni->has_generation)
		out_field("generation", "%u", ni->generation);
	if (ni->has_nvram)
		out_field("nvram", "%s",
			  hactl_esc(ni->nvram, esc, sizeof(esc)));
	if (ni->has_module_version)
		out_field("module version", "%s", ni->module_version);
}

int node_msg_parse(struct nlmsghdr *nlh, struct node_info *ni)
{
	struct nlattr *tb[HASTOR_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, HASTOR_A_MAX, top_policy) < 0)
		return -EBADMSG;
	if (!tb[HASTOR_A_NODE])
		return -ENODATA;
	return node_parse(tb[HASTOR_A_MODULE], tb[HASTOR_A_NODE], ni);
}

/* NODE_GET and NODE_SET answer with the same message. */
static int node_reply_cb(struct nl_msg *msg, void *arg)
{
	return node_msg_parse(nlmsg_hdr(msg), arg);
}

/* Sends msg and fills ni from the reply; returns an exit status. */
static int node_request(struct hnl *h, struct nl_msg *msg,
			struct node_info *ni)
{
	memset(ni, 0, sizeof(*ni));
	if (hnl_request(h, msg, node_reply_cb, ni) < 0)
		return HACTL_EXIT_FAIL;
	if (!ni->has_node) {
		fprintf(stderr, "hactl: %s: no reply from the kernel\n", h->op);
		return HACTL_EXIT_FAIL;
	}
	return HACTL_EXIT_OK;
}

static int node_get(struct hnl *h, struct node_info *ni)
{
	struct nl_msg *msg = hnl_msg(h, HASTOR_CMD_NODE_GET);

	return msg ? node_request(h, msg, ni) : HACTL_EXIT_FAIL;
}

/* For commands without options: an exit status, or -1 to go on. */
static int no_args(struct hactl *ctx, int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return hactl_help(ctx);
	if (argc > 1)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[1]);
	return -1;
}

static int cmd_show(struct hactl *ctx, int argc, char **argv)
{
	struct node_info ni;
	struct hnl h;
	int ret;

	ret = no_args(ctx, argc, argv);
	if (ret >= 0)
		return ret;
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = node_get(&h, &ni);
	hnl_close(&h);
	if (!ret)
		node_print(&ni);
	return ret;
}

/*
 * Version never loads the module: it reports what is running and must
 * work, and exit 0, where the module is absent.
 */
int cmd_version(struct hactl *ctx, int argc, char **argv)
{
	struct node_info ni = { 0 };
	struct hnl h;
	int ret;

	ret = no_args(ctx, argc, argv);
	if (ret >= 0)
		return ret;
	/* First, so that it shows even if the module query fails. */
	if (!out_json()) {
		printf("hactl version %s\n", HACTL_VERSION);
		fflush(stdout);
	}
	switch (hnl_open(&h, ctx->path, NULL, false)) {
	case HNL_OK:
		ret = node_get(&h, &ni);
		hnl_close(&h);
		break;
	case HNL_NO_FAMILY:
		ret = HACTL_EXIT_OK;
		break;
	case HNL_ERROR:
		ret = HACTL_EXIT_FAIL;
		break;
	}

	if (ni.has_family_version && ni.family_version != HASTOR_GENL_VERSION)
		fprintf(stderr, "hactl: warning: module speaks family version %u, hactl was built for %u\n",
			ni.family_version, HASTOR_GENL_VERSION);

	if (out_json()) {
		json_open(NULL);
		json_open("hactl");
		json_str("version", HACTL_VERSION);
		json_close();
		if (ni.has_node)
			module_json(&ni);
		else
			json_null("module");
		json_close();
		return ret;
	}
	if (ni.has_module)
		printf("hastor module version %s, family version %u\n",
		       ni.has_module_version ? ni.module_version : "unknown",
		       ni.family_version);
	else if (ni.has_node)
		printf("hastor module loaded, version unknown\n");
	else if (ret == HACTL_EXIT_OK)
		printf("hastor module not loaded\n");
	return ret;
}

/* What "node set" sends; fields not given are left out of the request. */
struct node_req {
	bool has_id, has_cluster;
	uint32_t id, cluster;
	const char *name;
	const char *nvram;	/* the write-log device to attach */
	bool format, detach;
};

/*
 * The log device, checked as "pool create" checks its disks: what the
 * kernel would refuse anyway (length, a relative path, something that
 * is not a block device), said with the path the user typed.  An exit
 * status, or -1 to go on.
 */
static int check_nvram(struct hactl *ctx, const char *dev)
{
	char esc[HACTL_ESC_LEN];
	size_t len = strlen(dev);
	struct stat st;

	hactl_esc(dev, esc, sizeof(esc));
	if (len < 1 || len > HASTOR_PATH_MAX)
		return hactl_usage_error(ctx, "--nvram: the device path must be 1..%u characters, not %zu",
					 HASTOR_PATH_MAX, len);
	/* The kernel keeps the path and shows it; a relative one says nothing. */
	if (dev[0] != '/')
		return hactl_usage_error(ctx, "--nvram: '%s' is not an absolute path",
					 esc);
	if (stat(dev, &st) < 0)
		return hactl_usage_error(ctx, "--nvram: %s: %s", esc,
					 strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return hactl_usage_error(ctx, "--nvram: %s: not a block device",
					 esc);
	return -1;
}

/* Fills r from the command line; an exit status, or -1 to go on. */
static int set_args(struct hactl *ctx, int argc, char **argv,
		    struct node_req *r)
{
	static const struct option opts[] = {
		{ "id",		  required_argument, NULL, 'i' },
		{ "cluster",	  required_argument, NULL, 'c' },
		{ "name",	  required_argument, NULL, 'n' },
		{ "nvram",	  required_argument, NULL, 'N' },
		{ "nvram-format", no_argument,	     NULL, 'F' },
		{ "nvram-detach", no_argument,	     NULL, 'D' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ 0 }
	};
	bool check = hactl_client_checks();
	int c, ret;

	memset(r, 0, sizeof(*r));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!hactl_parse_u32(optarg, &r->id))
				return hactl_usage_error(ctx, "--id: '%s' is not a 32-bit unsigned number", optarg);
			if (check && (r->id < 1 || r->id > HASTOR_NODE_ID_MAX))
				return hactl_usage_error(ctx, "--id: %u is out of range (1..%u)",
							 r->id, HASTOR_NODE_ID_MAX);
			r->has_id = true;
			break;
		case 'c':
			if (!hactl_parse_u32(optarg, &r->cluster))
				return hactl_usage_error(ctx, "--cluster: '%s' is not a 32-bit unsigned number", optarg);
			if (check && r->cluster < 1)
				return hactl_usage_error(ctx, "--cluster: must be at least 1");
			r->has_cluster = true;
			break;
		case 'n':
			if (check && !hactl_name_ok(optarg))
				return hactl_usage_error(ctx, "--name: must be %s",
							 HACTL_NAME_RULE);
			r->name = optarg;
			break;
		case 'N':
			ret = check ? check_nvram(ctx, optarg) : -1;
			if (ret >= 0)
				return ret;
			r->nvram = optarg;
			break;
		case 'F':
			r->format = true;
			break;
		case 'D':
			r->detach = true;
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
	/*
	 * Combinations the kernel refuses too; without client checks they
	 * are sent, so that tests can watch the kernel refuse them.
	 */
	if (check && r->format && !r->nvram)
		return hactl_usage_error(ctx, "--nvram-format needs --nvram DEV (the device to format)");
	if (check && r->detach && r->nvram)
		return hactl_usage_error(ctx, "--nvram-detach cannot be combined with --nvram");
	if (!r->has_id && !r->has_cluster && !r->name && !r->nvram &&
	    !r->format && !r->detach)
		return hactl_usage_error(ctx, "give at least one of --id, --cluster, --name, --nvram, --nvram-detach");
	return -1;
}

/* The NODE_SET request for r: one nest with what was given. */
static struct nl_msg *set_msg(struct hnl *h, const struct node_req *r)
{
	struct nl_msg *msg = hnl_msg(h, HASTOR_CMD_NODE_SET);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	/* Strict kernel validation wants NLA_F_NESTED on every nest. */
	nest = nla_nest_start(msg, HASTOR_A_NODE | NLA_F_NESTED);
	if (!nest ||
	    (r->has_id && nla_put_u32(msg, HASTOR_A_NODE_ID, r->id) < 0) ||
	    (r->has_cluster &&
	     nla_put_u32(msg, HASTOR_A_NODE_CLUSTER_ID, r->cluster) < 0) ||
	    (r->name && nla_put_string(msg, HASTOR_A_NODE_NAME, r->name) < 0) ||
	    (r->nvram &&
	     nla_put_string(msg, HASTOR_A_NODE_NVRAM, r->nvram) < 0) ||
	    (r->format && nla_put_flag(msg, HASTOR_A_NODE_NVRAM_FORMAT) < 0) ||
	    (r->detach && nla_put_flag(msg, HASTOR_A_NODE_NVRAM_DETACH) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "hactl: %s: request too large\n", h->op);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

static int cmd_set(struct hactl *ctx, int argc, char **argv)
{
	struct node_req r;
	struct node_info ni;
	struct nl_msg *msg;
	struct hnl h;
	int ret;

	ret = set_args(ctx, argc, argv, &r);
	if (ret >= 0)
		return ret;
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	msg = set_msg(&h, &r);
	ret = msg ? node_request(&h, msg, &ni) : HACTL_EXIT_FAIL;
	hnl_close(&h);
	if (!ret)
		node_print(&ni);
	return ret;
}

const struct hactl_cmd node_cmds[] = {
	{ "show", cmd_show, NULL, "" },
	{ "set", cmd_set, NULL,
	  "[--id N] [--cluster N] [--name NAME] [--nvram DEV [--nvram-format] | --nvram-detach]" },
	{ 0 }
};
