// SPDX-License-Identifier: GPL-2.0
/*
 * The hastor-pool target: a dm device that holds an active pool.
 *
 *   <start> <length> hastor-pool <nr_members> <member>...
 *
 * The device itself carries no data (I/O to it fails); it is the handle
 * that keeps the pool imported, that volumes name in their tables, and
 * whose removal exports the pool with a final CP.  See
 * Documentation/targets.md.
 */
#include <linux/device-mapper.h>
#include <linux/slab.h>

#include "pool.h"
#include "io.h"
#include "vol.h"

#define DM_MSG_PREFIX "hastor-pool"

struct hs_pool_tgt {
	struct hs_pool *pool;
	int nr;
	struct dm_dev *devs[HASTOR_MAX_MEMBERS];
};

static void put_devs(struct dm_target *ti, struct hs_pool_tgt *pt)
{
	while (pt->nr--)
		dm_put_device(ti, pt->devs[pt->nr]);
}

static int pool_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct block_device *bdevs[HASTOR_MAX_MEMBERS];
	struct mapped_device *md = dm_table_get_md(ti->table);
	struct hs_pool_tgt *pt;
	struct hs_pool *pool;
	unsigned int n, i, j, flags = 0;
	const char *why;
	int bad, err;

	if (argc < 2 || kstrtouint(argv[0], 10, &n) || n < 1 ||
	    n > HASTOR_MAX_MEMBERS || argc < n + 1 || argc > n + 2) {
		ti->error = "expected <nr_members> <member>... [accept_loss] (1-64 members)";
		return -EINVAL;
	}
	if (argc == n + 2) {
		if (strcmp(argv[n + 1], "accept_loss")) {
			ti->error = "unknown option (only accept_loss)";
			return -EINVAL;
		}
		flags |= HS_POOL_ACCEPT_LOSS;
	}
	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt) {
		ti->error = "out of memory";
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		err = dm_get_device(ti, argv[i + 1],
				    dm_table_get_mode(ti->table), &pt->devs[i]);
		if (err) {
			ti->error = "cannot open member device";
			goto err_devs;
		}
		pt->nr++;
		bdevs[i] = pt->devs[i]->bdev;
		for (j = 0; j < i; j++)
			if (bdevs[j] == bdevs[i]) {
				ti->error = "member listed twice";
				err = -EINVAL;
				goto err_devs;
			}
	}
	pool = hs_pool_open(bdevs, n, disk_devt(dm_disk(md)), flags, &why,
			    &bad);
	if (IS_ERR(pool)) {
		err = PTR_ERR(pool);
		DMERR("import refused: %s%s%s", why, bad >= 0 ? " on " : "",
		      bad >= 0 ? argv[bad + 1] : "");
		ti->error = (char *)why;	/* a static string */
		goto err_devs;
	}
	pt->pool = pool;
	ti->private = pt;
	ti->num_flush_bios = 0;
	return 0;

err_devs:
	put_devs(ti, pt);
	kfree(pt);
	return err;
}

static void pool_dtr(struct dm_target *ti)
{
	struct hs_pool_tgt *pt = ti->private;

	/* Volumes still using the pool keep it (and its disks) alive. */
	hs_pool_close(pt->pool);
	put_devs(ti, pt);
	kfree(pt);
}

static int pool_map(struct dm_target *ti, struct bio *bio)
{
	return DM_MAPIO_KILL;
}

static const char *const state_names[] = {
	[HASTOR_POOL_ACTIVE] = "rw",
	[HASTOR_POOL_READ_ONLY] = "ro",
	[HASTOR_POOL_FAILED] = "fail",
	[HASTOR_POOL_FENCED] = "fenced",
};

static void pool_status(struct dm_target *ti, status_type_t type,
			unsigned int flags, char *result, unsigned int maxlen)
{
	struct hs_pool_tgt *pt = ti->private;
	struct hs_pool *pool = pt->pool;
	unsigned int sz = 0;
	int i;

	switch (type) {
	case STATUSTYPE_INFO:
		down_read(&pool->meta_lock);
		DMEMIT("%llu %llu/%llu %llu %u %s", pool->generation,
		       pool->sm.nr_used, pool->total_blocks, pool->sm.nr_meta,
		       hs_vol_count(pool), state_names[pool->state]);
		up_read(&pool->meta_lock);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%d", pt->nr);
		for (i = 0; i < pt->nr; i++)
			DMEMIT(" %u:%u", MAJOR(pt->devs[i]->bdev->bd_dev),
			       MINOR(pt->devs[i]->bdev->bd_dev));
		break;
	case STATUSTYPE_IMA:
		*result = '\0';
		break;
	}
}

static int pool_iterate_devices(struct dm_target *ti,
				iterate_devices_callout_fn fn, void *data)
{
	struct hs_pool_tgt *pt = ti->private;
	int i, r = 0;

	for (i = 0; i < pt->nr && !r; i++)
		r = fn(ti, pt->devs[i], 0, ti->len, data);
	return r;
}

static struct target_type hs_pool_target = {
	.name = "hastor-pool",
	.version = {1, 0, 0},
	.module = THIS_MODULE,
	.ctr = pool_ctr,
	.dtr = pool_dtr,
	.map = pool_map,
	.status = pool_status,
	.iterate_devices = pool_iterate_devices,
};

int __init hs_target_pool_init(void)
{
	return dm_register_target(&hs_pool_target);
}

void hs_target_pool_exit(void)
{
	dm_unregister_target(&hs_pool_target);
}
