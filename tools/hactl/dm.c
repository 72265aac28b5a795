// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdevmapper.h>

#include "dm.h"

/* libdevmapper's levels (its header keeps them private). */
#define HDM_LOG_LEVEL_MASK 7
#define HDM_LOG_ERR 3

static const char *hdm_op = "device-mapper";

/*
 * libdevmapper reports on its own, to stderr, in its own format; route
 * its errors through ours so every line names the hactl command.  Its
 * warnings and debug output are about udev and internals: dropped.
 */
__attribute__((format(printf, 5, 6)))
static void hdm_log(int level, const char *file, int line, int dm_errno,
		    const char *f, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno;
	if ((level & HDM_LOG_LEVEL_MASK) > HDM_LOG_ERR)
		return;
	fprintf(stderr, "hactl: %s: ", hdm_op);
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hdm_init(const char *op)
{
	hdm_op = op;
	dm_log_with_errno_init(hdm_log);
	/*
	 * The test guests have no udev: waiting on udev cookies would hang,
	 * and nothing else would create /dev/mapper nodes.  Without a cookie
	 * libdevmapper makes and removes the nodes itself (and where udev
	 * runs, it finds them already in place).
	 */
	dm_udev_set_sync_support(0);
}

static struct dm_task *task(int type, const char *name)
{
	struct dm_task *dmt = dm_task_create(type);

	if (!dmt) {
		fprintf(stderr, "hactl: %s: device-mapper: out of memory\n",
			hdm_op);
		return NULL;
	}
	if (name && !dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

static void fill_info(struct dm_task *dmt, struct dm_info *info,
		      struct hdm_dev *d)
{
	const char *uuid = dm_task_get_uuid(dmt);
	const char *name = dm_task_get_name(dmt);

	d->exists = info->exists;
	d->read_only = info->read_only;
	d->open_count = info->open_count;
	d->major = info->major;
	d->minor = info->minor;
	if (name && *name)
		snprintf(d->name, sizeof(d->name), "%s", name);
	if (uuid)
		snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
}

/* Applies queued /dev/mapper node changes now, not at exit. */
static int finish(struct dm_task *dmt, int ret)
{
	dm_task_destroy(dmt);
	dm_task_update_nodes();
	return ret;
}

/* A table the target refused: its reason is only in the kernel log. */
static void hint(struct dm_task *dmt)
{
	if (dm_task_get_errno(dmt) == EINVAL)
		fprintf(stderr, "hactl: %s: the kernel log (dmesg) says why the table was refused\n",
			hdm_op);
}

int hdm_create(const char *name, const char *uuid, const char *target,
	       uint64_t sectors, const char *params, bool ro,
	       struct hdm_dev *out)
{
	struct dm_task *dmt = task(DM_DEVICE_CREATE, name);
	struct dm_info info;

	if (!dmt)
		return -1;
	/*
	 * With a table, libdevmapper creates, loads and resumes, and
	 * removes the device again if the load or resume fails.
	 */
	if ((uuid && !dm_task_set_uuid(dmt, uuid)) ||
	    !dm_task_add_target(dmt, 0, sectors, target, params) ||
	    (ro && !dm_task_set_ro(dmt)) ||
	    !dm_task_set_add_node(dmt, DM_ADD_NODE_ON_CREATE))
		return finish(dmt, -1);
	if (!dm_task_run(dmt)) {
		hint(dmt);
		return finish(dmt, -1);
	}
	if (out) {
		memset(out, 0, sizeof(*out));
		if (dm_task_get_info(dmt, &info))
			fill_info(dmt, &info, out);
		/* The resume that ends a create reports no uuid. */
		if (uuid)
			snprintf(out->uuid, sizeof(out->uuid), "%s", uuid);
		snprintf(out->name, sizeof(out->name), "%s", name);
	}
	return finish(dmt, 0);
}

int hdm_recreate(const struct hdm_dev *d)
{
	return hdm_create(d->name, *d->uuid ? d->uuid : NULL, d->target,
			  d->length, d->params, d->read_only, NULL);
}

int hdm_info(const char *name, struct hdm_dev *d)
{
	struct dm_task *dmt = task(DM_DEVICE_INFO, name);
	struct dm_info info;

	memset(d, 0, sizeof(*d));
	if (!dmt)
		return -1;
	if (!dm_task_run(dmt) || !dm_task_get_info(dmt, &info))
		return finish(dmt, -1);
	fill_info(dmt, &info, d);
	return finish(dmt, 0);
}

int hdm_table(const char *name, struct hdm_dev *d)
{
	struct dm_task *dmt;
	char *type = NULL, *params = NULL;
	uint64_t start, length;
	struct dm_info info;
	void *next;

	if (hdm_info(name, d) < 0)
		return -1;
	if (!d->exists)
		return 0;
	dmt = task(DM_DEVICE_TABLE, name);
	if (!dmt)
		return -1;
	if (!dm_task_run(dmt) || !dm_task_get_info(dmt, &info))
		return finish(dmt, -1);
	next = dm_get_next_target(dmt, NULL, &start, &length, &type, &params);
	/* hactl makes one-target tables starting at 0; anything else is foreign. */
	if (next || !type || start) {
		fprintf(stderr, "hactl: %s: %s: unexpected table (not made by hactl)\n",
			hdm_op, name);
		return finish(dmt, -1);
	}
	d->length = length;
	snprintf(d->target, sizeof(d->target), "%s", type);
	snprintf(d->params, sizeof(d->params), "%s", params ? params : "");
	return finish(dmt, 0);
}

int hdm_reload(const struct hdm_dev *d, uint64_t sectors)
{
	struct dm_task *dmt = task(DM_DEVICE_RELOAD, d->name);

	if (!dmt)
		return -1;
	if (!dm_task_add_target(dmt, 0, sectors, d->target, d->params) ||
	    (d->read_only && !dm_task_set_ro(dmt)))
		return finish(dmt, -1);
	if (!dm_task_run(dmt)) {
		hint(dmt);
		return finish(dmt, -1);
	}
	dm_task_destroy(dmt);

	/* Resume suspends the device itself, swaps the table and resumes. */
	dmt = task(DM_DEVICE_RESUME, d->name);
	if (!dmt)
		return -1;
	return finish(dmt, dm_task_run(dmt) ? 0 : -1);
}

static int suspend_resume(const char *name, bool suspend, bool noflush)
{
	struct dm_task *dmt;

	dmt = task(suspend ? DM_DEVICE_SUSPEND : DM_DEVICE_RESUME, name);
	if (!dmt)
		return -1;
	if (!dm_task_skip_lockfs(dmt) || (noflush && !dm_task_no_flush(dmt)))
		return finish(dmt, -1);
	return finish(dmt, dm_task_run(dmt) ? 0 : -1);
}

int hdm_swap(const char *name, const char *target, uint64_t sectors,
	     const char *params, bool ro, bool noflush)
{
	struct dm_task *dmt;

	if (suspend_resume(name, true, noflush) < 0)
		return -1;
	dmt = task(DM_DEVICE_RELOAD, name);
	if (!dmt)
		goto resume_old;
	if (!dm_task_add_target(dmt, 0, sectors, target, params) ||
	    (ro && !dm_task_set_ro(dmt))) {
		finish(dmt, -1);
		goto resume_old;
	}
	if (!dm_task_run(dmt)) {
		hint(dmt);
		finish(dmt, -1);
		goto resume_old;
	}
	finish(dmt, 0);
	return suspend_resume(name, false, false);

resume_old:
	/* No table was loaded: resuming brings the old one back. */
	suspend_resume(name, false, false);
	return -1;
}

int hdm_remove(const char *name)
{
	struct dm_task *dmt = task(DM_DEVICE_REMOVE, name);

	if (!dmt)
		return -1;
	/* A probe (blkid, a udev rule) may hold the device for a moment. */
	dm_task_retry_remove(dmt);
	return finish(dmt, dm_task_run(dmt) ? 0 : -1);
}

int hdm_list(const char *uuid_prefix, struct hdm_dev **devs, size_t *n)
{
	size_t len = strlen(uuid_prefix), cap = 0;
	struct dm_task *dmt = task(DM_DEVICE_LIST, NULL);
	struct hdm_dev *out = NULL, *grow, d;
	struct dm_names *names;
	unsigned int next = 0;

	*devs = NULL;
	*n = 0;
	if (!dmt)
		return -1;
	if (!dm_task_run(dmt) || !(names = dm_task_get_names(dmt)))
		return finish(dmt, -1);
	/* An empty list is one entry with dev 0. */
	if (!names->dev)
		return finish(dmt, 0);
	do {
		names = (struct dm_names *)((char *)names + next);
		next = names->next;
		/* The list has no uuids (before libdevmapper 1.02.175). */
		if (hdm_info(names->name, &d) < 0)
			goto fail;
		if (!d.exists || strncmp(d.uuid, uuid_prefix, len))
			continue;	/* gone meanwhile, or not ours */
		if (hdm_table(names->name, &d) < 0)
			goto fail;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			grow = realloc(out, cap * sizeof(*out));
			if (!grow) {
				fprintf(stderr, "hactl: %s: out of memory\n",
					hdm_op);
				goto fail;
			}
			out = grow;
		}
		out[(*n)++] = d;
	} while (next);
	*devs = out;
	return finish(dmt, 0);
fail:
	free(out);
	*n = 0;
	return finish(dmt, -1);
}
