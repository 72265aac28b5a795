/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_DM_H
#define HACTL_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The few device-mapper operations hactl needs, over libdevmapper.
 * Errors are reported on stderr as "hactl: OP: device-mapper: ..." and
 * returned as -1; a device that does not exist is not an error for
 * hdm_info() and hdm_list().
 *
 * Test guests run without udev: node management is libdevmapper's own
 * (udev sync off, no cookies), and every operation applies the pending
 * /dev/mapper node changes before it returns.
 */

/* One device: what is needed to describe it, check it and re-create it. */
struct hdm_dev {
	char name[128];		/* DM_NAME_LEN */
	char uuid[130];		/* DM_UUID_LEN */
	bool exists;
	bool read_only;
	int32_t open_count;
	uint32_t major, minor;
	/* Single-target table, filled by hdm_table(). */
	uint64_t length;	/* sectors */
	char target[32];
	char params[1024];
};

/* Names the command in messages; call before anything else. */
void hdm_init(const char *op);

/* Creates and resumes a device with a one-line table starting at 0. */
int hdm_create(const char *name, const char *uuid, const char *target,
	       uint64_t sectors, const char *params, bool ro,
	       struct hdm_dev *out);
/* Re-creates a device from an hdm_dev filled by hdm_table(). */
int hdm_recreate(const struct hdm_dev *d);

/* By name; exists == false if there is no such device. */
int hdm_info(const char *name, struct hdm_dev *d);
/* hdm_info() plus the live table (one target expected). */
int hdm_table(const char *name, struct hdm_dev *d);

/* Loads a new table (same target and params, new length), resumes. */
int hdm_reload(const struct hdm_dev *d, uint64_t sectors);

/*
 * Replaces the table of a live device with a one-target table: suspend,
 * load, resume, so the device node and its openers stay.  The suspend
 * never freezes a filesystem on the device: the new table may be what
 * lets that filesystem's writes complete.  With noflush, bios the old
 * table holds (a hastor-remote target waiting for its partner) are
 * requeued and mapped again by the new table instead of waited for.
 * On failure the old table is resumed again.
 */
int hdm_swap(const char *name, const char *target, uint64_t sectors,
	     const char *params, bool ro, bool noflush);

/* Removes the device by name. */
int hdm_remove(const char *name);

/*
 * Every dm device whose uuid starts with prefix, with info and table
 * (hdm_table()); *devs is malloc'ed, *n may be 0.
 */
int hdm_list(const char *uuid_prefix, struct hdm_dev **devs, size_t *n);

#endif
