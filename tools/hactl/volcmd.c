// SPDX-License-Identifier: GPL-2.0
/*
 * hactl vol | snapshot | clone.  Every object that exists in an imported
 * pool has a dm device (Documentation/targets.md), so each command that
 * creates or deletes one also creates or removes that device, and undoes
 * its first half when the second fails: a failed command changes nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "names.h"
#include "output.h"
#include "pool.h"

/* Parses a POOL/VOL[@SNAP] argument; a usage error, or -1 to go on. */
static int path_arg(struct hactl *ctx, const char *arg, bool allow_snap,
		    struct hactl_vol_path *vp)
{
	char why[512];

	if (hactl_vol_path(arg, allow_snap, hactl_client_checks(), vp, why,
			   sizeof(why)))
		return -1;
	return hactl_usage_error(ctx, "%s", why);
}

/* --size S; a usage error, or -1 with *size set. */
static int size_arg(struct hactl *ctx, const char *arg, uint64_t *size)
{
	enum hactl_size_err err;
	char esc[HACTL_ESC_LEN];

	if (!arg)
		return hactl_usage_error(ctx, "--size is required");
	err = hactl_parse_size(arg, hactl_client_checks(), size);
	if (err == HACTL_SIZE_OK)
		return -1;
	return hactl_usage_error(ctx, "--size: '%s': %s",
				 hactl_esc(arg, esc, sizeof(esc)),
				 hactl_size_errstr(err));
}

/*
 * --size and --space (where size / space is not NULL), then exactly
 * nargs positional arguments.  An exit status, or -1 with the arguments
 * from argv[optind].
 */
static int vol_opts(struct hactl *ctx, int argc, char **argv, int nargs,
		    const char **size, bool *space)
{
	static const struct option opts[] = {
		{ "size",  required_argument, NULL, 's' },
		{ "space", no_argument,	      NULL, 'S' },
		{ "help",  no_argument,	      NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!size)
				return hactl_usage_error(ctx, "unknown option '--size'");
			*size = optarg;
			break;
		case 'S':
			if (!space)
				return hactl_usage_error(ctx, "unknown option '--space'");
			*space = true;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind < nargs)
		return hactl_usage_error(ctx, "missing argument");
	if (argc - optind > nargs)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind + nargs]);
	return -1;
}

/* Connects, and names the command in device-mapper messages. */
static int vol_connect(struct hactl *ctx, struct hnl *h)
{
	int ret = hactl_connect(ctx, h);

	if (!ret)
		hdm_init(ctx->path);
	return ret;
}

/* VOL_CREATE, SNAP_CREATE or CLONE_CREATE, then its dm device. */
static int create_activate(struct hactl *ctx, uint8_t cmd,
			   const struct vol_req *r)
{
	struct vol_req del = { .pool = r->pool };
	struct pool_ref ref;
	struct vol_info vi;
	struct vol_list l;
	struct hnl h;
	int ret;

	ret = vol_connect(ctx, &h);
	if (ret)
		return ret;
	/* First: without an imported pool there is nothing to create. */
	ret = pool_ref_get(&h, r->pool, &ref);
	if (!ret)
		ret = vol_request_one(&h, cmd, r, &vi);
	if (ret)
		goto out;
	if (!HAS(&vi, HASTOR_A_VOL_TYPE) && cmd == HASTOR_CMD_SNAP_CREATE)
		vi.type = HASTOR_VOL_TYPE_SNAPSHOT;
	if (vol_activate(ctx->path, r->pool, &vi, &ref) < 0) {
		fprintf(stderr, "hactl: %s: could not activate %s/%s; deleting it again\n",
			ctx->path, r->pool, vi.name);
		del.name = vi.name;
		if (!vol_request(&h, HASTOR_CMD_VOL_DELETE, false, &del, &l))
			free(l.v);
		ret = HACTL_EXIT_FAIL;
		goto out;
	}
	if (!HAS(&vi, HASTOR_A_VOL_POOL)) {
		snprintf(vi.pool, sizeof(vi.pool), "%s", r->pool);
		vi.has |= 1U << HASTOR_A_VOL_POOL;
	}
	vol_show(&vi);
out:
	hnl_close(&h);
	return ret;
}

/*
 * "POOL/VOL --size S" of vol create and resize: on success (< 0) *vp is
 * held and *size set; otherwise an exit status, and nothing is held.
 */
static int path_and_size(struct hactl *ctx, int argc, char **argv,
			 struct hactl_vol_path *vp, uint64_t *size)
{
	const char *s = NULL;
	int ret;

	ret = vol_opts(ctx, argc, argv, 1, &s, NULL);
	if (ret < 0)
		ret = path_arg(ctx, argv[optind], false, vp);
	if (ret >= 0)
		return ret;
	ret = size_arg(ctx, s, size);
	if (ret >= 0)
		hactl_vol_path_free(vp);
	return ret;
}

static int cmd_vol_create(struct hactl *ctx, int argc, char **argv)
{
	struct vol_req r = { .has_size = true };
	struct hactl_vol_path vp;
	int ret;

	ret = path_and_size(ctx, argc, argv, &vp, &r.size);
	if (ret >= 0)
		return ret;
	r.pool = vp.pool;
	r.name = vp.vol;
	ret = create_activate(ctx, HASTOR_CMD_VOL_CREATE, &r);
	hactl_vol_path_free(&vp);
	return ret;
}

/*
 * The kernel refuses to delete what others depend on, in words it cannot
 * fill in (extended acks are static text): name the dependents here.
 */
static void name_dependents(struct hnl *h, const struct hactl_vol_path *vp)
{
	struct vol_info *vols;
	size_t n, i;

	if (vol_dump(h, vp->pool, false, &vols, &n))
		return;
	for (i = 0; i < n; i++)
		if (HAS(&vols[i], HASTOR_A_VOL_ORIGIN) &&
		    !strcmp(vols[i].origin, vp->full))
			fprintf(stderr, "hactl: %s/%s depends on %s/%s\n",
				vp->pool, vols[i].name, vp->pool, vp->full);
	free(vols);
}

/* Removes the dm device (if any), then the volume; or neither. */
static int delete_one(struct hactl *ctx, const struct hactl_vol_path *vp)
{
	struct vol_req r = { .pool = vp->pool, .name = vp->full };
	bool removed = false;
	struct vol_list l;
	struct hdm_dev d;
	char name[256];
	struct hnl h;
	int ret;

	ret = vol_connect(ctx, &h);
	if (ret)
		return ret;
	ret = HACTL_EXIT_FAIL;
	/* A name too long for dm never had a device. */
	if (vol_dm_name(vp->pool, vp->full, name, sizeof(name))) {
		if (hdm_table(name, &d) < 0)
			goto out;
		if (d.exists && strncmp(d.uuid, "HASTOR-", 7)) {
			fprintf(stderr, "hactl: %s: /dev/mapper/%s was not made by hactl (uuid '%s'); nothing was changed\n",
				ctx->path, name, d.uuid);
			goto out;
		}
		if (d.exists && d.open_count > 0) {
			fprintf(stderr, "hactl: %s: /dev/mapper/%s is in use (open %d time%s); nothing was changed\n",
				ctx->path, name, d.open_count,
				d.open_count == 1 ? "" : "s");
			goto out;
		}
		if (d.exists && hdm_remove(name) < 0)
			goto out;
		removed = d.exists;
	}
	/* The kernel refuses an active volume: the device had to go first. */
	ret = vol_request(&h, HASTOR_CMD_VOL_DELETE, false, &r, &l);
	if (ret) {
		if (removed && hdm_recreate(&d) < 0)
			fprintf(stderr, "hactl: %s: /dev/mapper/%s could not be re-created; 'hactl pool export' and 'import' restore it\n",
				ctx->path, name);
		name_dependents(&h, vp);
		goto out;
	}
	free(l.v);
	if (out_json()) {
		json_open(NULL);
		json_open("vol");
		json_str("pool", vp->pool);
		json_str("name", vp->full);
		json_close();
		json_str("what", "deleted");
		json_close();
	} else {
		printf("deleted %s/%s\n", vp->pool, vp->full);
	}
out:
	hnl_close(&h);
	return ret;
}

static int delete_cmd(struct hactl *ctx, int argc, char **argv, bool snap)
{
	struct hactl_vol_path vp;
	int ret;

	ret = hactl_args(ctx, argc, argv, 1, 1);
	if (ret < 0)
		ret = path_arg(ctx, argv[optind], true, &vp);
	if (ret >= 0)
		return ret;
	if (snap && !vp.snap)
		ret = hactl_usage_error(ctx, "expected POOL/VOL@SNAP");
	else
		ret = delete_one(ctx, &vp);
	hactl_vol_path_free(&vp);
	return ret;
}

static int cmd_vol_delete(struct hactl *ctx, int argc, char **argv)
{
	return delete_cmd(ctx, argc, argv, false);
}

static int cmd_snap_delete(struct hactl *ctx, int argc, char **argv)
{
	return delete_cmd(ctx, argc, argv, true);
}

static int cmd_vol_resize(struct hactl *ctx, int argc, char **argv)
{
	struct vol_req r = { .has_size = true };
	struct hactl_vol_path vp;
	struct vol_list l = { 0 };
	struct hdm_dev d;
	char name[256], sz[16];
	struct hnl h;
	int ret;

	ret = path_and_size(ctx, argc, argv, &vp, &r.size);
	if (ret >= 0)
		return ret;
	r.pool = vp.pool;
	r.name = vp.vol;
	ret = vol_connect(ctx, &h);
	if (ret)
		goto out;
	ret = vol_request(&h, HASTOR_CMD_VOL_RESIZE, false, &r, &l);
	hnl_close(&h);
	if (ret)
		goto out;
	/* The kernel's word on the new size, if it sent one. */
	if (l.n == 1 && HAS(&l.v[0], HASTOR_A_VOL_SIZE))
		r.size = l.v[0].size;
	/* An inactive volume has no device: nothing to reload. */
	if (vol_dm_name(vp.pool, vp.full, name, sizeof(name))) {
		ret = HACTL_EXIT_FAIL;
		if (hdm_table(name, &d) < 0)
			goto reload_failed;
		if (d.exists && hdm_reload(&d, r.size >> 9) < 0)
			goto reload_failed;
		ret = HACTL_EXIT_OK;
	}
	if (l.n == 1) {
		vol_show(&l.v[0]);
	} else if (out_json()) {
		json_open(NULL);
		json_open("vol");
		json_str("pool", vp.pool);
		json_str("name", vp.full);
		json_uint("size", r.size);
		json_close();
		json_close();
	} else {
		printf("resized %s/%s to %s\n", vp.pool, vp.full,
		       hactl_fmt_size(r.size, sz, sizeof(sz)));
	}
	goto out;
reload_failed:
	/* Volumes only grow: the new size stays, the device lags behind. */
	fprintf(stderr, "hactl: %s: %s/%s was resized, but /dev/mapper/%s keeps its old size\n",
		ctx->path, vp.pool, vp.full, name);
out:
	free(l.v);
	hactl_vol_path_free(&vp);
	return ret;
}

static int cmd_vol_list(struct hactl *ctx, int argc, char **argv)
{
	struct vol_info *v = NULL;
	bool space = false;
	const char *pool;
	struct hnl h;
	size_t n = 0;
	int ret;

	ret = vol_opts(ctx, argc, argv, 1, NULL, &space);
	if (ret < 0)
		ret = hactl_check_pool_name(ctx, argv[optind]);
	if (ret >= 0)
		return ret;
	pool = argv[optind];
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	ret = vol_dump(&h, pool, space, &v, &n);
	hnl_close(&h);
	if (!ret)
		vol_table(pool, "volumes", v, n, space);
	free(v);
	return ret;
}

static int cmd_vol_show(struct hactl *ctx, int argc, char **argv)
{
	struct vol_req r = { 0 };
	struct hactl_vol_path vp;
	struct vol_info vi;
	struct hnl h;
	int ret;

	ret = vol_opts(ctx, argc, argv, 1, NULL, &r.space);
	if (ret < 0)
		ret = path_arg(ctx, argv[optind], true, &vp);
	if (ret >= 0)
		return ret;
	r.pool = vp.pool;
	r.name = vp.full;
	ret = hactl_connect(ctx, &h);
	if (!ret) {
		ret = vol_request_one(&h, HASTOR_CMD_VOL_GET, &r, &vi);
		hnl_close(&h);
	}
	if (!ret)
		vol_show(&vi);
	hactl_vol_path_free(&vp);
	return ret;
}

static int cmd_snap_create(struct hactl *ctx, int argc, char **argv)
{
	struct vol_req r = { 0 };
	struct hactl_vol_path vp;
	char name[256];
	int ret;

	ret = hactl_args(ctx, argc, argv, 1, 1);
	if (ret < 0)
		ret = path_arg(ctx, argv[optind], true, &vp);
	if (ret >= 0)
		return ret;
	if (!vp.snap)
		ret = hactl_usage_error(ctx, "expected POOL/VOL@SNAP");
	/*
	 * "POOL:VOL@SNAP" can exceed device-mapper's 127 characters (63 +
	 * 1 + 63 + 1 + 63); such a snapshot could never be activated.
	 */
	else if (hactl_client_checks() &&
		 !vol_dm_name(vp.pool, vp.full, name, sizeof(name)))
		ret = hactl_usage_error(ctx, "device name %s:%s would be longer than the %d characters device-mapper allows",
					vp.pool, vp.full, HACTL_DM_NAME_MAX);
	if (ret >= 0)
		goto out;
	r.pool = vp.pool;
	r.name = vp.vol;
	r.snap = vp.snap;
	ret = create_activate(ctx, HASTOR_CMD_SNAP_CREATE, &r);
out:
	hactl_vol_path_free(&vp);
	return ret;
}

/* "snapshot list POOL[/VOL]": VOL_GET dump, snapshots [of VOL] only. */
static int cmd_snap_list(struct hactl *ctx, int argc, char **argv)
{
	struct hactl_vol_path vp = { 0 };
	struct vol_info *v = NULL;
	const char *pool, *vol = NULL;
	size_t n = 0, i, kept = 0;
	struct hnl h;
	int ret;

	ret = hactl_args(ctx, argc, argv, 1, 1);
	if (ret >= 0)
		return ret;
	pool = argv[optind];
	if (strchr(pool, '/')) {
		ret = path_arg(ctx, pool, false, &vp);
		pool = vp.pool;
		vol = vp.vol;
	} else {
		ret = hactl_check_pool_name(ctx, pool);
	}
	if (ret >= 0)
		goto out;
	ret = hactl_connect(ctx, &h);
	if (ret)
		goto out;
	ret = vol_dump(&h, pool, false, &v, &n);
	hnl_close(&h);
	if (ret)
		goto out;
	for (i = 0; i < n; i++)
		if (v[i].type == HASTOR_VOL_TYPE_SNAPSHOT &&
		    HAS(&v[i], HASTOR_A_VOL_TYPE) &&
		    (!vol || !strcmp(v[i].origin, vol)))
			v[kept++] = v[i];
	vol_table(pool, "snapshots", v, kept, false);
out:
	free(v);
	hactl_vol_path_free(&vp);
	return ret;
}

static int cmd_clone_create(struct hactl *ctx, int argc, char **argv)
{
	struct hactl_vol_path src = { 0 }, dst = { 0 };
	struct vol_req r = { 0 };
	int ret;

	ret = hactl_args(ctx, argc, argv, 2, 2);
	if (ret < 0)
		ret = path_arg(ctx, argv[optind], true, &src);
	if (ret < 0)
		ret = path_arg(ctx, argv[optind + 1], false, &dst);
	if (ret >= 0)
		goto out;
	if (!src.snap)
		ret = hactl_usage_error(ctx, "the origin must be a snapshot: POOL/VOL@SNAP");
	else if (strcmp(src.pool, dst.pool))
		ret = hactl_usage_error(ctx, "a clone is in the pool of its snapshot (%s, not %s)",
					src.pool, dst.pool);
	if (ret >= 0)
		goto out;
	r.pool = dst.pool;
	r.name = dst.vol;
	r.origin = src.full;
	ret = create_activate(ctx, HASTOR_CMD_CLONE_CREATE, &r);
out:
	hactl_vol_path_free(&src);
	hactl_vol_path_free(&dst);
	return ret;
}

const struct hactl_cmd vol_cmds[] = {
	{ "create", cmd_vol_create, NULL, "POOL/VOL --size SIZE" },
	{ "delete", cmd_vol_delete, NULL, "POOL/VOL[@SNAP]" },
	{ "resize", cmd_vol_resize, NULL, "POOL/VOL --size SIZE" },
	{ "list", cmd_vol_list, NULL, "POOL [--space]" },
	{ "show", cmd_vol_show, NULL, "POOL/VOL[@SNAP] [--space]" },
	{ 0 }
};

const struct hactl_cmd snapshot_cmds[] = {
	{ "create", cmd_snap_create, NULL, "POOL/VOL@SNAP" },
	{ "delete", cmd_snap_delete, NULL, "POOL/VOL@SNAP" },
	{ "list", cmd_snap_list, NULL, "POOL[/VOL]" },
	{ 0 }
};

const struct hactl_cmd clone_cmds[] = {
	{ "create", cmd_clone_create, NULL, "POOL/VOL@SNAP POOL/CLONE" },
	{ 0 }
};
