/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_WLOG_H
#define HACTL_WLOG_H

#include <netlink/netlink.h>

/*
 * wlog.c: monitor's HASTOR_CMD_WLOG_NTF, parsed as "wlog show" parses
 * the WLOG_GET reply and printed at once; negative errno if malformed.
 */
int wlog_event_print(struct nlmsghdr *nlh);

/* A HASTOR_WLOG_* sync state's name; NULL if unknown. */
const char *wlog_sync_name(uint32_t sync);

struct hnl;
/* WLOG_SET MIRROR_FROZEN on h (the HA daemon's takeover); 0 or -1. */
int wlog_set_frozen(struct hnl *h, bool frozen);

#endif
