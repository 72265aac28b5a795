/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_DISK_H
#define HACTL_DISK_H

/*
 * Shared disks: ownership labels and SCSI-3 persistent reservations
 * (Documentation/fencing.md).  Reservations are changed by the kernel
 * (HASTOR_CMD_DISK_PR, with this node's key); hactl only reads them,
 * with SG_IO, to show them and to decide what to ask for.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/hastor_format.h>

#include "hactl.h"

extern const struct hactl_cmd disk_cmds[];

/*
 * Before a pool's dm device is created: on every member that answers
 * persistent reservations, register this node's key, then take the
 * reservation if it is free.  A member reserved by another node makes
 * it refuse ("pool P is reserved by node N") before any reservation
 * changes, unless takeover, which preempts that node's key.  Members
 * are "MAJ:MIN" pairs in member order.  An exit status.
 */
int disk_pool_reserve(struct hnl *h, const char *pool,
		      const unsigned int *majors, const unsigned int *minors,
		      unsigned int n, bool takeover);

/*
 * After a pool's dm devices are gone: release the reservation this
 * node holds on each member (the registration stays).  members is the
 * pool target's table ("N MAJ:MIN..."). An exit status.
 */
int disk_pool_release(struct hnl *h, const char *pool, const char *members);

/*
 * One DISK_PR request (HASTOR_PR_*) for the whole disk at path, with
 * this node's key; key only for preempt.  0, or negative (reported).
 */
int disk_pr(struct hnl *h, const char *path, uint32_t action, bool has_key,
	    uint64_t key);

/* A disk as "disk list" reads it, for the coredump disk's selection. */
enum disk_kind { DISK_KIND_NONE, DISK_KIND_POOL, DISK_KIND_SPARE,
		 DISK_KIND_INVALID };
#define DISK_BRIEF_KEYS	64

struct disk_brief {
	char path[PATH_MAX];
	uint64_t size;
	enum disk_kind kind;
	struct hastor_label label;	/* the newer valid copy, POOL/SPARE */
	bool pr_supported, reserved;
	uint64_t holder;
	unsigned int nr_keys;
	uint64_t keys[DISK_BRIEF_KEYS];
};

/*
 * Every shared disk (a whole SCSI disk answering PR) and the n paths
 * given, each once; *out is malloc'ed (free it).  0, or -1 if a disk
 * could not be read (reported) or memory ran out; the rest is listed.
 */
int disk_scan(const char *op, char **paths, int n, struct disk_brief **out,
	      size_t *nr);

#endif
