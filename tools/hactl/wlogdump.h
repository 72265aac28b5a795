/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_WLOGDUMP_H
#define HACTL_WLOGDUMP_H

struct hactl;

/* wlogdump.c: "wlog dump", the offline reader of a write-log device. */
int cmd_wlog_dump(struct hactl *ctx, int argc, char **argv);

#endif
