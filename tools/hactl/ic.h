/* SPDX-License-Identifier: GPL-2.0 */
/* The interconnect: partner.c (partner, ping) and link.c (links). */
#ifndef HACTL_IC_H
#define HACTL_IC_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/hastor.h>
#include <netlink/attr.h>

#include "hactl.h"

extern const struct hactl_cmd partner_cmds[];
extern const struct hactl_cmd link_cmds[];

struct link_info {
	bool has_rtt;
	uint32_t index, state, active, rtt_us, reason;
	uint8_t laddr[4], raddr[4];
	uint64_t last_change;
	/* Counters, indexed by attribute type. */
	uint64_t stat[HASTOR_A_LINK_MAX + 1];
};

/* A PARTNER_GET reply or PARTNER_NTF event, copied. */
struct partner_info {
	bool present;
	uint32_t id, state, hb_interval, hb_timeout, secret_len, port;
	uint64_t session, boot_id;
	unsigned int nr_links;
	struct { uint8_t l[4], r[4]; } links[HASTOR_MAX_LINKS];
	uint32_t event;
};

/* Negative errno if malformed; present is false without a partner. */
int partner_parse(struct nlmsghdr *nlh, struct partner_info *pi);
/* hnl_request()'s reply_cb for PARTNER_GET: arg is a partner_info. */
int partner_cb(struct nl_msg *msg, void *arg);

int link_parse(struct nlattr *nest, struct link_info *li);
const char *link_state_name(uint32_t state);
const char *link_reason_name(uint32_t reason);
void link_json(const char *key, const struct link_info *li);
/* monitor: LINK_NTF and PARTNER_NTF, printed as parsed. */
int link_event_print(struct nlmsghdr *nlh);
int partner_event_print(struct nlmsghdr *nlh);

#endif
