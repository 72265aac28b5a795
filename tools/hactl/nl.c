// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libkmod.h>
#include <linux/hastor.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct ext_ack {
	const char *msg;
	bool has_offs, has_miss_type, has_miss_nest;
	uint32_t offs, miss_type, miss_nest;
};

struct request {
	struct hnl *h;
	int (*reply_cb)(struct nl_msg *msg, void *arg);
	void *arg;
	int nest;		/* top-level attribute of the request */
	bool done;
	int error;		/* negative errno from the kernel */
	int reply_error;	/* negative errno from reply_cb */
};

/* The TLVs start hlen bytes into the payload (aligned). */
static void parse_ack_tlvs(const struct nlmsghdr *nlh, size_t hlen,
			   struct ext_ack *ea)
{
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG]	  = { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS]	  = { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_NEST] = { .type = NLA_U32 },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(nlh) + hlen),
		      nlh->nlmsg_len - NLMSG_HDRLEN - hlen, policy) < 0)
		return;

	if (tb[NLMSGERR_ATTR_MSG])
		ea->msg = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	if (tb[NLMSGERR_ATTR_OFFS]) {
		ea->has_offs = true;
		ea->offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		ea->has_miss_type = true;
		ea->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
	if (tb[NLMSGERR_ATTR_MISS_NEST]) {
		ea->has_miss_nest = true;
		ea->miss_nest = nla_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]);
	}
}

/*
 * The TLVs follow struct nlmsgerr, after a copy of the whole request
 * unless the kernel capped it (always for a success ack, or with
 * NETLINK_CAP_ACK).  Anything that does not add up is ignored: the errno
 * alone still makes a usable report.
 */
static void parse_ext_ack(const struct nlmsghdr *nlh, struct ext_ack *ea)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t hlen = sizeof(*e);

	memset(ea, 0, sizeof(*ea));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(e->msg))
			return;
		hlen += e->msg.nlmsg_len - sizeof(e->msg);
	}
	hlen = NLMSG_ALIGN(hlen);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hlen)
		return;
	parse_ack_tlvs(nlh, hlen, ea);
}

/*
 * MISS_TYPE is a bare number; name it.  Each request carries one nest
 * (its first top-level attribute), so a missing attribute inside a nest
 * belongs to that one.  Only attributes a request can carry are named.
 */
static const char *missing_name(const struct ext_ack *ea, int nest)
{
	static const char *const top[] = {
		[HASTOR_A_MODULE] = "module",
		[HASTOR_A_NODE]	  = "node",
		[HASTOR_A_POOL]	  = "pool",
		[HASTOR_A_VOL]	  = "volume",
		[HASTOR_A_WLOG]	  = "write log",
	};
	static const char *const node[] = {
		[HASTOR_A_NODE_STATE]	   = "node state",
		[HASTOR_A_NODE_GENERATION] = "node generation",
		[HASTOR_A_NODE_ID]	   = "node id",
		[HASTOR_A_NODE_CLUSTER_ID] = "cluster id",
		[HASTOR_A_NODE_NAME]	   = "node name",
		[HASTOR_A_NODE_PR_KEY]	   = "pr key",
		[HASTOR_A_NODE_NVRAM]	   = "nvram device",
	};
	static const char *const pool[] = {
		[HASTOR_A_POOL_NAME]	   = "pool name",
		[HASTOR_A_POOL_MEMBER]	   = "pool member",
	};
	static const char *const vol[] = {
		[HASTOR_A_VOL_POOL]	   = "pool name",
		[HASTOR_A_VOL_NAME]	   = "volume name",
		[HASTOR_A_VOL_SIZE]	   = "volume size",
		[HASTOR_A_VOL_SNAP]	   = "snapshot name",
		[HASTOR_A_VOL_ORIGIN]	   = "origin",
	};
#define TABLE(t) names = t, n = sizeof(t) / sizeof(t[0])
	const char *const *names;
	size_t n;

	if (!ea->has_miss_nest)
		TABLE(top);
	else if (nest == HASTOR_A_NODE)
		TABLE(node);
	else if (nest == HASTOR_A_POOL)
		TABLE(pool);
	else if (nest == HASTOR_A_VOL)
		TABLE(vol);
	else
		return NULL;
#undef TABLE
	if (ea->miss_type < n && names[ea->miss_type])
		return names[ea->miss_type];
	return NULL;
}

static void report_error(const char *op, int err, const struct ext_ack *ea,
			 int nest)
{
	const char *name;

	fprintf(stderr, "hactl: %s: %s", op, strerror(-err));
	/* Every hastor command is admin-only; say so instead of guessing. */
	if (err == -EPERM)
		fputs(" (CAP_NET_ADMIN required)", stderr);
	if (ea->msg)
		fprintf(stderr, ": %s", ea->msg);
	else if (ea->has_offs)
		fprintf(stderr, ": invalid attribute at offset %u", ea->offs);
	if (ea->has_miss_type) {
		name = missing_name(ea, nest);
		if (name)
			fprintf(stderr, " (missing attribute: %s)", name);
		else
			fprintf(stderr, " (missing attribute type %u)",
				ea->miss_type);
	}
	fputc('\n', stderr);
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct request *req = arg;
	struct ext_ack ea;

	(void)nla;
	/* libnl hands us the payload; the flags live in the header. */
	parse_ext_ack((const struct nlmsghdr *)e - 1, &ea);
	req->error = e->error < 0 ? e->error : -EPROTO;
	req->done = true;
	report_error(req->h->op, req->error, &ea, req->nest);
	return NL_STOP;
}

/*
 * The end of a dump.  A dump that failed after it started ends with
 * NLMSG_DONE carrying the (negative) errno, then the extended ack's
 * TLVs, instead of an NLMSG_ERROR.
 */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *req = arg;
	struct ext_ack ea = { 0 };
	int err = 0;

	req->done = true;
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
	if (err >= 0)
		return NL_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_ack_tlvs(nlh, NLMSG_ALIGN(sizeof(int)), &ea);
	req->error = err;
	report_error(req->h->op, err, &ea, req->nest);
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	struct ext_ack ea;

	/* A successful request may still carry a warning. */
	parse_ext_ack(nlmsg_hdr(msg), &ea);
	if (ea.msg)
		fprintf(stderr, "hactl: %s: warning: %s\n", req->h->op, ea.msg);
	req->done = true;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int err;

	if (nlmsg_hdr(msg)->nlmsg_type != req->h->family || !req->reply_cb)
		return NL_SKIP;
	err = req->reply_cb(msg, req->arg);
	/* Keep reading: the ack still has to be consumed. */
	if (err < 0 && !req->reply_error)
		req->reply_error = err;
	return NL_OK;
}

int hnl_request(struct hnl *h, struct nl_msg *msg,
		int (*reply_cb)(struct nl_msg *msg, void *arg), void *arg)
{
	struct request req = { .h = h, .reply_cb = reply_cb, .arg = arg };
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nl_cb *cb;
	int err;

	if (genlmsg_attrlen(nlmsg_data(nlh), 0) > 0)
		req.nest = nla_type(genlmsg_attrdata(nlmsg_data(nlh), 0));

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		fprintf(stderr, "hactl: %s: out of memory\n", h->op);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &req);

	err = nl_send_auto(h->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		fprintf(stderr, "hactl: %s: sending request: %s\n", h->op,
			nl_geterror(err));
		req.error = -EIO;
		goto out;
	}

	/* One call returns after one datagram; reply and ack may be two. */
	while (!req.done) {
		err = nl_recvmsgs(h->sk, cb);
		/* The kernel flagged a dump that changed while it was read. */
		if (err == -NLE_DUMP_INTR && !req.error) {
			fprintf(stderr, "hactl: %s: the list changed while it was read; try again\n",
				h->op);
			req.error = -EAGAIN;
			break;
		}
		if (err < 0 && !req.done) {
			fprintf(stderr, "hactl: %s: receiving reply: %s\n",
				h->op, nl_geterror(err));
			req.error = -EIO;
			break;
		}
	}
	if (!req.error && req.reply_error) {
		fprintf(stderr, "hactl: %s: malformed reply from the kernel: %s\n",
			h->op, strerror(-req.reply_error));
		req.error = req.reply_error;
	}
out:
	nl_cb_put(cb);
	return req.error;
}

struct nl_msg *hnl_msg(struct hnl *h, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, 0,
			       cmd, HASTOR_GENL_VERSION))
		return msg;
	nlmsg_free(msg);
	fprintf(stderr, "hactl: %s: out of memory\n", h->op);
	return NULL;
}

struct nl_msg *hnl_msg_dump(struct hnl *h, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0,
			       NLM_F_DUMP, cmd, HASTOR_GENL_VERSION))
		return msg;
	nlmsg_free(msg);
	fprintf(stderr, "hactl: %s: out of memory\n", h->op);
	return NULL;
}

/* 0 if the module is (now) in the kernel, else a report was printed. */
static int load_module(const char *path)
{
	const char *what = path ? path : HASTOR_GENL_NAME;
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int err;

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		fprintf(stderr, "hactl: cannot initialise libkmod\n");
		return -1;
	}
	if (path) {
		err = kmod_module_new_from_path(ctx, path, &mod);
		if (!err) {
			err = kmod_module_insert_module(mod, 0, NULL);
			kmod_module_unref(mod);
		}
		/* Loaded meanwhile: the second resolve decides. */
		if (err == -EEXIST)
			err = 0;
	} else {
		err = kmod_module_new_from_lookup(ctx, HASTOR_GENL_NAME, &list);
		/* Not installed: the caller's "not loaded" says it all. */
		if (!err && !list)
			err = 1;
		kmod_list_foreach(l, list) {
			mod = kmod_module_get_module(l);
			err = kmod_module_probe_insert_module(mod,
					KMOD_PROBE_APPLY_BLACKLIST,
					NULL, NULL, NULL, NULL);
			kmod_module_unref(mod);
			if (err <= 0)
				break;
		}
		kmod_module_unref_list(list);
		if (err == KMOD_PROBE_APPLY_BLACKLIST)
			fprintf(stderr, "hactl: module %s is blacklisted\n",
				what);
	}
	kmod_unref(ctx);

	if (err < 0)
		fprintf(stderr, "hactl: loading module %s: %s%s\n", what,
			strerror(-err),
			err == -EPERM ? " (CAP_SYS_MODULE required)" : "");
	return err ? -1 : 0;
}

enum hnl_open_result hnl_open(struct hnl *h, const char *op,
			      const char *module_path, bool load)
{
	int one = 1, err;

	memset(h, 0, sizeof(*h));
	h->op = op;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		fprintf(stderr, "hactl: %s: out of memory\n", op);
		return HNL_ERROR;
	}
	err = genl_connect(h->sk);
	if (err < 0) {
		fprintf(stderr, "hactl: %s: generic netlink: %s\n", op,
			nl_geterror(err));
		goto fail;
	}
	/*
	 * libnl 3.7 has no nl_socket_set_ext_ack(), so ask the kernel
	 * directly.  Old kernels refuse; errors then come without text.
	 * CAP_ACK spares us a copy of our own request in every error.
	 */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	h->family = genl_ctrl_resolve(h->sk, HASTOR_GENL_NAME);
	if (h->family == -NLE_OBJ_NOTFOUND && load &&
	    load_module(module_path) == 0)
		h->family = genl_ctrl_resolve(h->sk, HASTOR_GENL_NAME);
	if (h->family >= 0)
		return HNL_OK;
	if (h->family == -NLE_OBJ_NOTFOUND) {
		hnl_close(h);
		return HNL_NO_FAMILY;
	}
	fprintf(stderr, "hactl: %s: resolving family %s: %s\n", op,
		HASTOR_GENL_NAME, nl_geterror(h->family));
fail:
	hnl_close(h);
	return HNL_ERROR;
}

void hnl_close(struct hnl *h)
{
	nl_socket_free(h->sk);
	h->sk = NULL;
}

int hnl_subscribe(struct hnl *h, const char *group)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(h->sk, HASTOR_GENL_NAME, group);
	if (grp < 0) {
		fprintf(stderr, "hactl: %s: multicast group %s: %s\n", h->op,
			group, nl_geterror(grp));
		return -1;
	}
	/* Events carry sequence number 0 and answer no request. */
	nl_socket_disable_seq_check(h->sk);
	/* A burst of events should not overrun a slow reader. */
	nl_socket_set_buffer_size(h->sk, 1 << 20, 0);
	err = nl_socket_add_membership(h->sk, grp);
	if (err < 0) {
		fprintf(stderr, "hactl: %s: joining group %s: %s\n", h->op,
			group, nl_geterror(err));
		return -1;
	}
	return 0;
}
