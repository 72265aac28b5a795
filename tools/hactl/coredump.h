/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hactl coredump: the coredump disk (Documentation/coredump.md).
 */
#ifndef HACTL_COREDUMP_H
#define HACTL_COREDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "hactl.h"

extern const struct hactl_cmd coredump_cmds[];

struct node_info;
/*
 * This node's identity from the kernel (id, cluster, PR key): an exit
 * status, reported; a dump and the capture environment name the node.
 */
int coredump_node_identity(struct hactl *ctx, struct node_info *ni);

/* /proc/vmcore's size in a capture kernel, else MemTotal. */
uint64_t coredump_estimate_size(void);
/*
 * The disk a dump of size bytes would go to now (the ranking of
 * coredump select): 0 with its path and why it is ahead, or -1 with why
 * none is eligible.
 */
int coredump_target(struct hactl *ctx, uint64_t size, char *disk,
		    size_t dlen, char *why, size_t wlen);

/* coredump_arm.c: loading the capture environment */
int cmd_coredump_arm(struct hactl *ctx, int argc, char **argv);
int cmd_coredump_disarm(struct hactl *ctx, int argc, char **argv);
int cmd_coredump_status(struct hactl *ctx, int argc, char **argv);

#endif
