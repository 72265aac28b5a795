/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_H
#define HACTL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/attr.h>

#include "nl.h"

#define HACTL_VERSION "0.1.0"

enum {
	HACTL_EXIT_OK,
	HACTL_EXIT_FAIL,	/* the operation failed */
	HACTL_EXIT_USAGE,	/* the command line is wrong */
};

struct hactl {
	const char *module_path;
	/* "node set": names the command in messages and usage. */
	char path[64];
	const struct hactl_cmd *cmd;
};

struct hactl_cmd {
	const char *name;
	/* argv[0] is the command's own name, as getopt expects. */
	int (*run)(struct hactl *ctx, int argc, char **argv);
	const struct hactl_cmd *sub;	/* a group: NULL-terminated table */
	const char *args;		/* synopsis after the name */
};

int hactl_dispatch(struct hactl *ctx, const struct hactl_cmd *table,
		   int argc, char **argv);
int hactl_usage_error(struct hactl *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For getopt's ':' and '?' (with opterr = 0 and a leading ':'). */
int hactl_bad_option(struct hactl *ctx, int c, char **argv);
/* Prints the current command's usage to stdout; for --help. */
int hactl_help(struct hactl *ctx);
/* Returns an exit status: 0, or 1 after a report. */
int hactl_connect(struct hactl *ctx, struct hnl *h);
bool hactl_parse_u32(const char *s, uint32_t *val);

/* node.c */
extern const struct hactl_cmd node_cmds[];
int cmd_version(struct hactl *ctx, int argc, char **argv);

/* Copies, since the reply buffer is gone once the request returns. */
struct node_info {
	bool has_module, has_node;
	bool has_module_version, has_family_version, has_state,
	     has_generation, has_id, has_cluster_id, has_name, has_pr_key,
	     has_nvram;
	char module_version[128];
	char name[128];
	char nvram[128];	/* the write-log device path, when attached */
	uint32_t family_version, state, generation, id, cluster_id;
	uint64_t pr_key;
};

/* A NODE_GET/SET reply or a NODE_NTF event; negative errno if invalid. */
int node_msg_parse(struct nlmsghdr *nlh, struct node_info *ni);
/* The "node" member of the JSON object being written. */
void node_json(const struct node_info *ni);
/* One flushed line, for monitor. */
void node_line(const struct node_info *ni);

/* monitor.c */
int cmd_monitor(struct hactl *ctx, int argc, char **argv);

/* wlog.c: the write log ("NVRAM") */
extern const struct hactl_cmd wlog_cmds[];

#endif
