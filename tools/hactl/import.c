// SPDX-License-Identifier: GPL-2.0
/*
 * hactl pool import | export.  A pool is active while its dm device
 * ("hastor-pool" target) exists; import finds the member disks by their
 * labels, creates that device and then one device per volume; export
 * removes them.  Names and tables: Documentation/targets.md.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "disk.h"
#include "dm.h"
#include "format.h"
#include "names.h"
#include "output.h"
#include "pool.h"

#define SYS_BLOCK "/sys/class/block"

struct member {
	char path[PATH_MAX];
	unsigned int major, minor;
	struct hastor_label label;
};

struct found {
	struct member *m;
	size_t n, cap;
};

/* Reads a one-line sysfs attribute without its newline; false if absent. */
static bool sysfs_read(const char *dev, const char *attr, char *buf,
		       size_t len)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/%s", dev, attr);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* Devices that cannot be members, or must not be read. */
static bool skip_device(const char *dev)
{
	char buf[160];

	/* Our own pool and volume devices: a volume may hold anything. */
	if (sysfs_read(dev, "dm/uuid", buf, sizeof(buf)) &&
	    !strncmp(buf, "HASTOR-", 7))
		return true;
	/* An unbound loop device has nothing to read. */
	if (!strncmp(dev, "loop", 4) &&
	    !sysfs_read(dev, "loop/backing_file", buf, sizeof(buf)))
		return true;
	/* Empty drives, unbound nbd, ...: no label fits. */
	return !sysfs_read(dev, "size", buf, sizeof(buf)) ||
	       strtoull(buf, NULL, 10) < 2 * HASTOR_SECTORS_PER_BLOCK;
}

int disk_open_direct(const char *path, struct stat *st, char *why,
		     size_t whylen)
{
	int fd, err;

	/*
	 * O_DIRECT: another node may have rewritten the block since this
	 * one cached it, and a device that does not fill read buffers
	 * (null_blk) must not show a stale page.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whylen, "%s", strerror(errno));
		return err;
	}
	if (fstat(fd, st) < 0 || !S_ISBLK(st->st_mode)) {
		close(fd);
		snprintf(why, whylen, "not a block device");
		return -ENOTBLK;
	}
	return fd;
}

/*
 * Opens path, checks it is the block device expected (if major/minor
 * are given) and reads its label.  Returns HASTOR_OK, a label error, or
 * -errno for the open; why says what was wrong.
 */
static int read_member(const char *path, struct member *m, char *why,
		       size_t whylen)
{
	struct stat st;
	int fd, err;

	fd = disk_open_direct(path, &st, why, whylen);
	if (fd < 0)
		return fd;
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->major = major(st.st_rdev);
	m->minor = minor(st.st_rdev);
	memset(&m->label, 0, sizeof(m->label));
	err = hastor_read_label(fd, &m->label, why, whylen);
	close(fd);
	return err;
}

static bool label_named(const struct hastor_label *l, const char *pool)
{
	return !strncmp(l->pool_name, pool, sizeof(l->pool_name)) &&
	       strlen(pool) < sizeof(l->pool_name);
}

static int found_add(struct found *f, const struct member *m)
{
	struct member *grow;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		grow = realloc(f->m, f->cap * sizeof(*f->m));
		if (!grow)
			return -1;
		f->m = grow;
	}
	f->m[f->n++] = *m;
	return 0;
}

int for_each_disk(int (*fn)(const char *path, void *arg), void *arg)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;
	char *p;

	d = opendir(SYS_BLOCK);
	if (!d)
		return -1;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.' || skip_device(de->d_name))
			continue;
		/* sysfs writes '/' in a device name as '!' (cciss!c0d0). */
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		for (p = path; *p; p++)
			if (*p == '!')
				*p = '/';
		ret = fn(path, arg);
	}
	closedir(d);
	return ret;
}

struct scan_ctx {
	const char *op, *pool;
	struct found *f;
};

static int scan_one(const char *path, void *arg)
{
	struct scan_ctx *sc = arg;
	struct member m;
	char why[256];
	int err;

	err = read_member(path, &m, why, sizeof(why));
	/* A disk with a label of this name that fails a check. */
	if (err > 0 && label_named(&m.label, sc->pool))
		fprintf(stderr, "hactl: %s: ignoring %s: its label of pool %s is invalid: %s\n",
			sc->op, path, sc->pool, why);
	if (err || !label_named(&m.label, sc->pool))
		return 0;
	if (found_add(sc->f, &m) < 0) {
		fprintf(stderr, "hactl: %s: out of memory\n", sc->op);
		return 1;
	}
	return 0;
}

/* Every block device whose label names pool; an exit status. */
static int scan(const char *op, const char *pool, struct found *f)
{
	struct scan_ctx sc = { .op = op, .pool = pool, .f = f };
	char esc[HACTL_ESC_LEN];
	int ret;

	ret = for_each_disk(scan_one, &sc);
	if (ret < 0)
		fprintf(stderr, "hactl: %s: %s: %s\n", op, SYS_BLOCK,
			strerror(errno));
	if (ret)
		return HACTL_EXIT_FAIL;
	if (!f->n) {
		fprintf(stderr, "hactl: %s: no disk has a label of pool %s\n",
			op, hactl_esc(pool, esc, sizeof(esc)));
		return HACTL_EXIT_FAIL;
	}
	return HACTL_EXIT_OK;
}

/* The disks the user named: each must hold a valid label of pool. */
static int read_given(const char *op, const char *pool, char **disks,
		      unsigned int n, struct found *f)
{
	char why[256], esc[HACTL_ESC_LEN], name[HASTOR_POOL_NAME_LEN + 1];
	struct member m;
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		err = read_member(disks[i], &m, why, sizeof(why));
		if (err > 0 && le32toh(m.label.incompat) & HASTOR_INCOMPAT_SPARE) {
			fprintf(stderr, "hactl: %s: %s is a spare disk (hactl disk assign), in no pool\n",
				op, hactl_esc(disks[i], esc, sizeof(esc)));
			return HACTL_EXIT_FAIL;
		}
		if (err) {
			fprintf(stderr, "hactl: %s: %s: %s\n", op,
				hactl_esc(disks[i], esc, sizeof(esc)), why);
			return HACTL_EXIT_FAIL;
		}
		if (!label_named(&m.label, pool)) {
			memcpy(name, m.label.pool_name, HASTOR_POOL_NAME_LEN);
			name[HASTOR_POOL_NAME_LEN] = '\0';
			fprintf(stderr, "hactl: %s: %s belongs to pool %s, not %s\n",
				op, disks[i], hactl_esc(name, esc, sizeof(esc)),
				pool);
			return HACTL_EXIT_FAIL;
		}
		if (found_add(f, &m) < 0) {
			fprintf(stderr, "hactl: %s: out of memory\n", op);
			return HACTL_EXIT_FAIL;
		}
	}
	return HACTL_EXIT_OK;
}

/*
 * One pool uuid, member_count members with indexes 0..n-1 once each;
 * order[i] = the found disk that is member i.  An exit status.
 */
static int select_members(const char *op, const char *pool,
			  const struct found *f, size_t *order, unsigned int *n)
{
	const struct hastor_label *first = &f->m[0].label;
	char uuid[37], other[37];
	bool several = false;
	unsigned int idx, count;
	size_t i, j;
	int ret = HACTL_EXIT_OK;

	for (i = 1; i < f->n; i++)
		if (memcmp(f->m[i].label.hdr.pool_uuid, first->hdr.pool_uuid, 16))
			several = true;
	if (several) {
		fprintf(stderr, "hactl: %s: disks of several pools named %s; give the disks of one with --disks:\n",
			op, pool);
		/* Each uuid once, with its disks. */
		for (i = 0; i < f->n; i++) {
			for (j = 0; j < i; j++)
				if (!memcmp(f->m[j].label.hdr.pool_uuid,
					    f->m[i].label.hdr.pool_uuid, 16))
					break;
			if (j < i)
				continue;
			hactl_uuid_str(f->m[i].label.hdr.pool_uuid, uuid);
			fprintf(stderr, "  pool uuid %s:", uuid);
			for (j = i; j < f->n; j++) {
				hactl_uuid_str(f->m[j].label.hdr.pool_uuid,
					       other);
				if (!strcmp(uuid, other))
					fprintf(stderr, " %s", f->m[j].path);
			}
			fputc('\n', stderr);
		}
		return HACTL_EXIT_FAIL;
	}

	count = le32toh(first->member_count);
	/* hastor_read_label() checked these; order[] relies on them. */
	if (count < 1 || count > HASTOR_MAX_MEMBERS) {
		fprintf(stderr, "hactl: %s: %s: member count %u is out of range\n",
			op, f->m[0].path, count);
		return HACTL_EXIT_FAIL;
	}
	for (i = 0; i < count; i++)
		order[i] = SIZE_MAX;
	for (i = 0; i < f->n; i++) {
		idx = le32toh(f->m[i].label.member_index);
		if (le32toh(f->m[i].label.member_count) != count) {
			fprintf(stderr, "hactl: %s: %s and %s disagree on the number of members\n",
				op, f->m[0].path, f->m[i].path);
			return HACTL_EXIT_FAIL;
		}
		if (idx >= count) {
			fprintf(stderr, "hactl: %s: %s: member %u of %u is out of range\n",
				op, f->m[i].path, idx, count);
			return HACTL_EXIT_FAIL;
		}
		if (order[idx] != SIZE_MAX) {
			fprintf(stderr, "hactl: %s: member %u found twice: %s and %s\n",
				op, idx, f->m[order[idx]].path, f->m[i].path);
			return HACTL_EXIT_FAIL;
		}
		order[idx] = i;
	}
	for (i = 0; i < count; i++) {
		if (order[i] != SIZE_MAX)
			continue;
		fprintf(stderr, "hactl: %s: member %zu of %u of pool %s not found\n",
			op, i, count, pool);
		ret = HACTL_EXIT_FAIL;
	}
	*n = count;
	return ret;
}

/*
 * The members are reserved for this node before the pool's device
 * exists: the kernel's first write on import may be the labels' new
 * owner (disk.c, Documentation/fencing.md).
 */
static int activate(struct hnl *h, const char *pool, const uint8_t uuid[16],
		    const unsigned int *majors, const unsigned int *minors,
		    unsigned int n, bool takeover, bool lose,
		    unsigned int *nr_vols)
{
	char dmname[128], dmuuid[64], vname[128];
	char params[16 + HASTOR_MAX_MEMBERS * DEV_STR_LEN];
	struct vol_info *vols = NULL;
	struct pool_ref ref;
	struct hdm_dev d;
	size_t nv = 0, done = 0, len;
	bool *swapped = NULL;
	unsigned int i;
	int r;

	hactl_uuid_hex(uuid, ref.uuid_hex);
	snprintf(dmname, sizeof(dmname), "hastor-pool-%s", pool);
	snprintf(dmuuid, sizeof(dmuuid), "HASTOR-%s", ref.uuid_hex);
	if (hdm_info(dmname, &d) < 0)
		return HACTL_EXIT_FAIL;
	if (d.exists) {
		fprintf(stderr, "hactl: %s: pool %s is already imported (/dev/mapper/%s exists)\n",
			h->op, pool, dmname);
		return HACTL_EXIT_FAIL;
	}
	if (disk_pool_reserve(h, pool, majors, minors, n, takeover))
		return HACTL_EXIT_FAIL;
	len = snprintf(params, sizeof(params), "%u", n);
	for (i = 0; i < n && len < sizeof(params); i++)
		len += snprintf(params + len, sizeof(params) - len, " %u:%u",
				majors[i], minors[i]);
	if (lose && len < sizeof(params))
		snprintf(params + len, sizeof(params) - len, " accept_loss");
	/* 8 sectors: the pool device is a handle; its I/O fails by design. */
	if (hdm_create(dmname, dmuuid, "hastor-pool", 8, params, false, &d) < 0)
		return HACTL_EXIT_FAIL;
	snprintf(ref.dev, sizeof(ref.dev), "%u:%u", d.major, d.minor);

	if (vol_dump(h, pool, false, &vols, &nv))
		goto undo;
	swapped = calloc(nv ? nv : 1, sizeof(*swapped));
	if (!swapped)
		goto undo;
	for (done = 0; done < nv; done++) {
		r = vol_activate(h->op, pool, &vols[done], &ref);
		if (r < 0)
			goto undo;
		swapped[done] = r;
	}
	free(swapped);
	free(vols);
	*nr_vols = nv;
	return HACTL_EXIT_OK;
undo:
	/*
	 * Leave nothing behind: reverse order, volumes before the pool; a
	 * device that forwarded to the partner forwards again.
	 */
	while (done--) {
		if (!vol_dm_name(pool, vols[done].name, vname, sizeof(vname)))
			continue;
		if (!swapped[done]) {
			hdm_remove(vname);
		} else if (hdm_table(vname, &d) == 0 && d.exists) {
			vol_make_remote(h->op, &d);
		}
	}
	hdm_remove(dmname);
	free(swapped);
	free(vols);
	return HACTL_EXIT_FAIL;
}

int pool_activate(struct hnl *h, const char *pool, const uint8_t uuid[16],
		  const unsigned int *majors, const unsigned int *minors,
		  unsigned int n, unsigned int *nr_vols)
{
	return activate(h, pool, uuid, majors, minors, n, false, false,
			nr_vols);
}

int cmd_pool_import(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "disks", no_argument, NULL, 'd' },
		{ "takeover", no_argument, NULL, 't' },
		{ "accept-loss", no_argument, NULL, 'L' },
		{ "help",  no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned int majors[HASTOR_MAX_MEMBERS], minors[HASTOR_MAX_MEMBERS];
	size_t order[HASTOR_MAX_MEMBERS];
	struct found f = { 0 };
	unsigned int n, i, nvols = 0;
	char uuid[37], dev[128], esc[HACTL_ESC_LEN];
	bool given = false, takeover = false, lose = false;
	const char *pool;
	struct hnl h;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			given = true;
			break;
		case 't':
			takeover = true;
			break;
		case 'L':
			lose = true;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	/* NAME first, then the disks of --disks (getopt moved them last). */
	if (optind >= argc)
		return hactl_usage_error(ctx, "missing pool name");
	pool = argv[optind++];
	if (!given && optind < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s' (disks follow --disks)",
					 argv[optind]);
	if (given && optind >= argc)
		return hactl_usage_error(ctx, "--disks needs at least one disk");
	if (argc - optind > HASTOR_MAX_MEMBERS)
		return hactl_usage_error(ctx, "a pool has at most %u disks",
					 HASTOR_MAX_MEMBERS);
	/*
	 * Always checked: no valid label holds another name, and the name
	 * makes device names.
	 */
	if (!hactl_name_ok(pool))
		return hactl_usage_error(ctx, "invalid pool name '%s': must be %s",
					 hactl_esc(pool, esc, sizeof(esc)),
					 HACTL_NAME_RULE);

	ret = given ? read_given(ctx->path, pool, argv + optind,
				 argc - optind, &f)
		    : scan(ctx->path, pool, &f);
	if (!ret)
		ret = select_members(ctx->path, pool, &f, order, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		majors[i] = f.m[order[i]].major;
		minors[i] = f.m[order[i]].minor;
	}

	/* Loads the module if needed: the targets are in it. */
	ret = hactl_connect(ctx, &h);
	if (ret)
		goto out;
	hdm_init(ctx->path);
	ret = activate(&h, pool, f.m[0].label.hdr.pool_uuid, majors, minors,
		       n, takeover, lose, &nvols);
	hnl_close(&h);
	if (ret)
		goto out;

	hactl_uuid_str(f.m[0].label.hdr.pool_uuid, uuid);
	if (out_json()) {
		json_open(NULL);
		json_open("pool");
		json_str("name", pool);
		json_str("uuid", uuid);
		json_array_open("members");
		for (i = 0; i < n; i++)
			json_str(NULL, f.m[order[i]].path);
		json_array_close();
		json_close();
		snprintf(dev, sizeof(dev), "/dev/mapper/hastor-pool-%s", pool);
		json_str("device", dev);
		json_uint("volumes_active", nvols);
		json_close();
	} else {
		printf("imported pool %s (uuid %s): %u member%s, %u volume device%s\n",
		       pool, uuid, n, n == 1 ? "" : "s", nvols,
		       nvols == 1 ? "" : "s");
	}
out:
	free(f.m);
	return ret;
}

/* The reservations this node held on the exported pool's members. */
static int release(struct hactl *ctx, const char *pool, const char *members)
{
	struct hnl h;
	int ret;

	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = disk_pool_release(&h, pool, members);
	hnl_close(&h);
	if (ret)
		fprintf(stderr, "hactl: %s: pool %s is exported, but a reservation was not released\n",
			ctx->path, pool);
	return ret;
}

/*
 * Export removes the volume devices, then the pool device (whose
 * destruction commits a final CP).  A device in use would make that
 * fail halfway, so every device is checked before anything is removed,
 * and a removal that still fails (a race) puts back what was removed.
 *
 * With --handover the partner is about to import the pool: the volume
 * devices stay, in use or not, and forward their I/O to it over the
 * interconnect (hastor-remote) from the moment their local table is
 * gone; what they receive before the partner serves waits, it does not
 * fail.  Swapping the table first drains every bio of the local one, so
 * the final CP covers every write acknowledged here.
 */
int cmd_pool_export(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "handover", no_argument, NULL, 'o' },
		{ "help",  no_argument, NULL, 'h' },
		{ 0 }
	};
	struct hdm_dev *vols = NULL, *pool_dev = NULL;
	char dmname[128], prefix[sizeof(((struct hdm_dev *)0)->uuid) + 1];
	size_t n = 0, i, removed = 0;
	bool handover = false;
	const char *pool;
	int ret, busy = 0, c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			handover = true;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind >= argc)
		return hactl_usage_error(ctx, "missing pool name");
	if (optind + 1 < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind + 1]);
	pool = argv[optind];
	ret = hactl_check_pool_name(ctx, pool);
	if (ret >= 0)
		return ret;
	hdm_init(ctx->path);
	ret = HACTL_EXIT_FAIL;
	pool_dev = malloc(sizeof(*pool_dev));
	if (!pool_dev)
		goto out;
	snprintf(dmname, sizeof(dmname), "hastor-pool-%s", pool);
	if (hdm_table(dmname, pool_dev) < 0)
		goto out;
	if (!pool_dev->exists) {
		fprintf(stderr, "hactl: %s: pool %s is not imported (no device %s)\n",
			ctx->path, pool, dmname);
		goto out;
	}
	/* "HASTOR-" and 32 hex digits, as import makes it. */
	if (strncmp(pool_dev->uuid, "HASTOR-", 7) ||
	    strlen(pool_dev->uuid) != 7 + 32) {
		fprintf(stderr, "hactl: %s: %s was not made by hactl (uuid '%s')\n",
			ctx->path, dmname, pool_dev->uuid);
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "%s-", pool_dev->uuid);
	if (hdm_list(prefix, &vols, &n) < 0)
		goto out;

	for (i = 0; i < n; i++) {
		if (strcmp(vols[i].target, "hastor-vol")) {
			fprintf(stderr, "hactl: %s: /dev/mapper/%s has a %s table, not hastor-vol\n",
				ctx->path, vols[i].name, vols[i].target);
			busy++;
			continue;
		}
		if (vols[i].open_count <= 0 || handover)
			continue;
		fprintf(stderr, "hactl: %s: /dev/mapper/%s is in use (open %d time%s)\n",
			ctx->path, vols[i].name, vols[i].open_count,
			vols[i].open_count == 1 ? "" : "s");
		busy++;
	}
	/* Each volume device holds the pool device open once. */
	if (pool_dev->open_count > (int32_t)n) {
		fprintf(stderr, "hactl: %s: /dev/mapper/%s is in use by something other than its volumes\n",
			ctx->path, dmname);
		busy++;
	}
	if (busy) {
		fprintf(stderr, "hactl: %s: pool %s not exported; nothing was changed\n",
			ctx->path, pool);
		goto out;
	}

	for (removed = 0; removed < n; removed++)
		if ((handover ? vol_make_remote(ctx->path, &vols[removed])
			      : hdm_remove(vols[removed].name)) < 0)
			goto undo;
	if (hdm_remove(dmname) < 0)
		goto undo;
	ret = release(ctx, pool, pool_dev->params);
	if (out_json()) {
		json_open(NULL);
		json_open("pool");
		json_str("name", pool);
		json_close();
		json_uint(handover ? "volumes_forwarding" : "volumes_removed",
			  n);
		json_close();
	} else {
		printf("exported pool %s: %zu volume device%s %s\n", pool,
		       n, n == 1 ? "" : "s",
		       handover ? "forwarding to the partner" : "removed");
	}
	goto out;
undo:
	while (removed--)
		if (handover)
			hdm_swap(vols[removed].name, vols[removed].target,
				 vols[removed].length, vols[removed].params,
				 vols[removed].read_only, true);
		else
			hdm_recreate(&vols[removed]);
	fprintf(stderr, "hactl: %s: pool %s not exported\n", ctx->path, pool);
out:
	free(vols);
	free(pool_dev);
	return ret;
}
