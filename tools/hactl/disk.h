/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_DISK_H
#define HACTL_DISK_H

/*
 * Shared disks: ownership labels and SCSI-3 persistent reservations
 * (Documentation/fencing.md).  Reservations are changed by the kernel
 * (HASTOR_CMD_DISK_PR, with this node's key); hactl only reads them,
 * with SG_IO, to show them and to decide what to ask for.
 */

#include <stdbool.h>
#include <stdint.h>

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

#endif
