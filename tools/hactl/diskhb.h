/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a disk heartbeat (struct hastor_diskhb, block HASTOR_DISKHB_BLOCK
 * of every member of an imported pool): for "hactl disk heartbeat" and
 * for the HA daemon, which reads the partner's disks every second.  Like
 * format.h, nothing here prints or exits.
 */
#ifndef HACTL_DISKHB_H
#define HACTL_DISKHB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hastor_format.h>

#include "hactl.h"

struct diskhb_info {
	char pool[HASTOR_POOL_NAME_LEN];	/* from the disk's label */
	uint8_t pool_uuid[16];
	uint32_t node_id, cluster_id;
	uint64_t boot_id;
	uint64_t counter;
	uint64_t time_ns;		/* the writer's wall clock */
	uint32_t interval_ms;
	uint32_t wlog_sync;		/* enum hastor_wlog_sync */
	uint8_t wlog_uuid[16];
	bool stopped;			/* HASTOR_DISKHB_STOPPED */
};

/*
 * Reads the label and the heartbeat of the disk at path with O_DIRECT
 * (what another node wrote, not a cached page) and checks the heartbeat:
 * header (magic, checksum, blocknr, the label's pool uuid) and fields.
 * 0 with *out filled; -errno if the disk cannot be opened or read; a
 * positive enum hastor_err if there is no valid label or heartbeat, why
 * saying which check failed (out->pool is set once the label was valid).
 */
int diskhb_read(const char *path, struct diskhb_info *out, char *why,
		size_t whylen);

/* As diskhb_read on a disk the caller keeps open. */
int diskhb_read_fd(int fd, struct diskhb_info *out, char *why,
		   size_t whylen);

/* hactl disk heartbeat */
int cmd_disk_heartbeat(struct hactl *ctx, int argc, char **argv);

#endif
