/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_NL_H
#define HACTL_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

struct hnl {
	struct nl_sock *sk;
	int family;
	/* Names the operation in error messages: "hactl: <op>: ..." */
	const char *op;
};

enum hnl_open_result {
	HNL_OK,
	HNL_NO_FAMILY,	/* not reported: callers word this differently */
	HNL_ERROR,	/* already reported on stderr */
};

/*
 * Connects and resolves family "hastor".  If it is not registered and
 * load is set, loads module_path (or, if NULL, "hastor" by name through
 * modules.dep) and resolves again.  Only HNL_OK leaves a socket to close.
 */
enum hnl_open_result hnl_open(struct hnl *h, const char *op,
			      const char *module_path, bool load);
void hnl_close(struct hnl *h);

/* A request for cmd with the genl header filled in; NULL after a report. */
struct nl_msg *hnl_msg(struct hnl *h, uint8_t cmd);

/*
 * The same for a dump: hnl_request() then hands every message of the
 * dump to reply_cb and returns at its end (NLMSG_DONE), or with the
 * error that ended it.
 */
struct nl_msg *hnl_msg_dump(struct hnl *h, uint8_t cmd);

/*
 * Sends msg (and frees it), hands every reply message to reply_cb and
 * waits for the ack.  Returns 0, or a negative errno after printing
 * "hactl: <op>: <strerror>: <extack message>".
 */
int hnl_request(struct hnl *h, struct nl_msg *msg,
		int (*reply_cb)(struct nl_msg *msg, void *arg), void *arg);

/* Joins multicast group of the family; turns off sequence checks. */
int hnl_subscribe(struct hnl *h, const char *group);

#endif
