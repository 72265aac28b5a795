// SPDX-License-Identifier: GPL-2.0
/*
 * The hastor-vol target: a volume, snapshot or clone of an active pool.
 *
 *   <start> <length> hastor-vol <pool_dev> <volume_id>
 *
 * map() serves without sleeping what the cached metadata answers: reads
 * of mapped blocks (and of unmapped ones, as zeros) and writes to blocks
 * only this volume references, in place, a run of consecutive blocks at
 * a time; dm_accept_partial_bio() cuts a bio where the run ends.  It only trylocks meta_lock, so
 * a CP or a metadata change never stalls it; whatever it cannot decide
 * goes to the pool's worker (io.c).  Every bio that reaches a data block
 * is counted in the pool's I/O epoch until it completes.
 */
#include <linux/device-mapper.h>
#include <linux/slab.h>

#include "io.h"
#include "vol.h"
#include "btree.h"
#include "meta.h"

#define DM_MSG_PREFIX "hastor-vol"


static int vol_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct hs_vol_tgt *vt;
	struct hs_pool *pool;
	struct hs_vol *vol;
	u64 id;
	int err;

	if (argc != 2 || kstrtou64(argv[1], 10, &id)) {
		ti->error = "expected <pool_dev> <volume_id>";
		return -EINVAL;
	}
	if (ti->len & (HASTOR_SECTORS_PER_BLOCK - 1)) {
		ti->error = "length must be a multiple of 4 KiB";
		return -EINVAL;
	}
	vt = kzalloc(sizeof(*vt), GFP_KERNEL);
	if (!vt) {
		ti->error = "out of memory";
		return -ENOMEM;
	}
	err = dm_get_device(ti, argv[0], FMODE_READ, &vt->pool_dev);
	if (err) {
		ti->error = "cannot open pool device";
		goto err_free;
	}
	pool = hs_pool_get_user(vt->pool_dev->bdev->bd_dev);
	if (!pool) {
		ti->error = "not an active hastor-pool device";
		err = -EINVAL;
		goto err_dev;
	}
	vt->pool = pool;
	vt->ro = !(dm_table_get_mode(ti->table) & FMODE_WRITE);

	down_write(&pool->meta_lock);
	vol = hs_vol_find_id(pool, id);
	err = -EINVAL;
	if (!vol)
		ti->error = "no such volume in the pool";
	else if (ti->len > vol->size_blocks * HASTOR_SECTORS_PER_BLOCK)
		ti->error = "length exceeds the volume's size";
	else if (hs_vol_readonly(vol) && !vt->ro)
		ti->error = "a snapshot's table must be read-only";
	else
		err = 0;
	if (!err) {
		vol->active++;
		vt->vol = vol;
	}
	up_write(&pool->meta_lock);
	if (err)
		goto err_pool;

	err = dm_set_target_max_io_len(ti, HS_RUN_MAX *
				       HASTOR_SECTORS_PER_BLOCK);
	if (err) {
		ti->error = "cannot set the I/O size";
		goto err_active;
	}
	ti->num_flush_bios = 1;
	ti->flush_supported = true;
	ti->num_discard_bios = 1;
	ti->discards_supported = true;
	ti->per_io_data_size = sizeof(struct hs_bio_ctx);
	ti->private = vt;
	return 0;

err_active:
	down_write(&pool->meta_lock);
	vol->active--;
	up_write(&pool->meta_lock);
err_pool:
	hs_pool_put_user(pool);
	hs_pool_put(pool);
err_dev:
	dm_put_device(ti, vt->pool_dev);
err_free:
	kfree(vt);
	return err;
}

static void vol_dtr(struct dm_target *ti)
{
	struct hs_vol_tgt *vt = ti->private;
	struct hs_pool *pool = vt->pool;

	down_write(&pool->meta_lock);
	vt->vol->active--;
	up_write(&pool->meta_lock);
	hs_pool_put_user(pool);
	hs_pool_put(pool);
	dm_put_device(ti, vt->pool_dev);
	kfree(vt);
}

/* Keep only the bio's first n blocks; dm sends the rest on its own. */
static void keep_blocks(struct bio *bio, u64 n)
{
	sector_t start = bio->bi_iter.bi_sector;
	sector_t end = ((start >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT)) + n) <<
		       (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);

	if (end < bio_end_sector(bio))
		dm_accept_partial_bio(bio, end - start);
}

/*
 * The longest run of blocks from the bio's first that the fast path may
 * serve with one remap: mapped, present, at consecutive PVBNs on one
 * member, and for writes this volume's alone.  0: none.
 */
static u64 fast_run(struct hs_pool *pool, struct hs_vol *vol, u64 first,
		    u64 nblocks, bool write, u64 *pvbn0, int *lookup)
{
	__le64 vals[HS_RUN_MAX];
	struct hs_member *m;
	sector_t block;
	u64 v, run, i;

	*lookup = hs_btree_lookup_run_cached(pool, hs_mapping_info(),
					     vol->root, first, vals,
					     min_t(u64, nblocks, HS_RUN_MAX));
	if (*lookup <= 0)
		return 0;
	for (i = 0; i < *lookup; i++) {
		v = le64_to_cpu(vals[i]);
		if (v & HASTOR_MAP_ABSENT ||
		    (write && hs_map_time(v) < vol->snap_time) ||
		    (i && hs_map_pvbn(v) != *pvbn0 + i))
			break;
		if (!i)
			*pvbn0 = hs_map_pvbn(v);
	}
	run = i;
	if (!run || hs_member_of(pool, *pvbn0, &m, &block))
		return 0;
	return min(run, m->pvbn_start + m->data_blocks - *pvbn0);
}

static int vol_map(struct dm_target *ti, struct bio *bio)
{
	struct hs_vol_tgt *vt = ti->private;
	struct hs_bio_ctx *ctx = dm_per_bio_data(bio, sizeof(*ctx));
	struct hs_pool *pool = vt->pool;
	bool write = op_is_write(bio_op(bio));
	sector_t start = dm_target_offset(ti, bio->bi_iter.bi_sector);
	u64 nblocks, run, pvbn0 = 0;
	int lookup;

	memset(ctx, 0, sizeof(*ctx));
	ctx->vt = vt;
	ctx->vblock = start >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	bio->bi_iter.bi_sector = start;

	/*
	 * An empty flush is a write too, and fine on a snapshot.  With a
	 * write log, every write it covers is in the log already.
	 */
	if (bio->bi_opf & REQ_PREFLUSH) {
		if (pool->wlog)
			bio_endio(bio);
		else
			hs_defer_flush(pool, bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (write && vt->ro)
		return DM_MAPIO_KILL;
	if (bio_op(bio) == REQ_OP_DISCARD) {
		if (pool->wlog)
			hs_log_bio(pool, bio);
		hs_defer_bio(pool, bio);
		return DM_MAPIO_SUBMITTED;
	}
	nblocks = ((bio_end_sector(bio) - 1) >>
		   (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT)) - ctx->vblock + 1;
	if (!down_read_trylock(&pool->meta_lock))
		goto defer;
	if (pool->state == HASTOR_POOL_FAILED) {
		up_read(&pool->meta_lock);
		return DM_MAPIO_KILL;
	}
	run = fast_run(pool, vt->vol, ctx->vblock, nblocks, write, &pvbn0,
		       &lookup);
	if (lookup == -ENODATA && !write) {
		up_read(&pool->meta_lock);
		keep_blocks(bio, 1);
		zero_fill_bio(bio);
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (!run) {
		up_read(&pool->meta_lock);
		/*
		 * Its first block needs a new home: hand the worker all the
		 * whole blocks from there, to be provisioned together.
		 */
		if (write && lookup != -EWOULDBLOCK &&
		    !(start & (HASTOR_SECTORS_PER_BLOCK - 1)) &&
		    bio_sectors(bio) >= 2 * HASTOR_SECTORS_PER_BLOCK) {
			keep_blocks(bio, min_t(u64, HS_RUN_MAX,
					       bio_sectors(bio) /
					       HASTOR_SECTORS_PER_BLOCK));
			if (pool->wlog)
				hs_log_bio(pool, bio);
			hs_defer_bio(pool, bio);
			return DM_MAPIO_SUBMITTED;
		}
		goto defer;
	}
	keep_blocks(bio, run);
	if (write && pool->wlog)
		hs_log_bio(pool, bio);
	hs_remap(pool, bio, pvbn0);
	ctx->epoch = hs_io_start(pool);
	ctx->tracked = true;
	up_read(&pool->meta_lock);
	if (!ctx->logged)
		return DM_MAPIO_REMAPPED;
	hs_submit_clone(pool, bio);
	return DM_MAPIO_SUBMITTED;

defer:
	/* The worker handles one block at a time. */
	keep_blocks(bio, 1);
	if (write && pool->wlog)
		hs_log_bio(pool, bio);
	hs_defer_bio(pool, bio);
	return DM_MAPIO_SUBMITTED;
}

static int vol_end_io(struct dm_target *ti, struct bio *bio,
		      blk_status_t *error)
{
	struct hs_bio_ctx *ctx = dm_per_bio_data(bio, sizeof(*ctx));

	if (ctx->tracked) {
		ctx->tracked = false;
		hs_io_end(ctx->vt->pool, ctx->epoch);
	}
	return DM_ENDIO_DONE;
}

static const char *const type_names[] = {
	[HASTOR_VOL_TYPE_VOLUME] = "volume",
	[HASTOR_VOL_TYPE_SNAPSHOT] = "snapshot",
	[HASTOR_VOL_TYPE_CLONE] = "clone",
};

static void vol_status(struct dm_target *ti, status_type_t type,
		       unsigned int flags, char *result, unsigned int maxlen)
{
	struct hs_vol_tgt *vt = ti->private;
	struct hs_vol *vol = vt->vol;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		down_read(&vt->pool->meta_lock);
		DMEMIT("%llu %llu %s %s", vol->mapped, vol->size_blocks,
		       type_names[hs_vol_type(vol)], vt->ro ? "ro" : "rw");
		up_read(&vt->pool->meta_lock);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%u:%u %llu", MAJOR(vt->pool_dev->bdev->bd_dev),
		       MINOR(vt->pool_dev->bdev->bd_dev), vol->id);
		break;
	case STATUSTYPE_IMA:
		*result = '\0';
		break;
	}
}

static void vol_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	limits->physical_block_size = HASTOR_BLOCK_SIZE;
	limits->io_min = HASTOR_BLOCK_SIZE;
	limits->io_opt = HASTOR_BLOCK_SIZE;
	limits->discard_granularity = HASTOR_BLOCK_SIZE;
	/* A discard is one worker pass over its blocks: keep it short. */
	limits->max_discard_sectors = 1024 * HASTOR_SECTORS_PER_BLOCK;
}

static int vol_iterate_devices(struct dm_target *ti,
			       iterate_devices_callout_fn fn, void *data)
{
	return 0;
}

static struct target_type hs_vol_target = {
	.name = "hastor-vol",
	.version = {1, 0, 0},
	.module = THIS_MODULE,
	.ctr = vol_ctr,
	.dtr = vol_dtr,
	.map = vol_map,
	.end_io = vol_end_io,
	.status = vol_status,
	.io_hints = vol_io_hints,
	.iterate_devices = vol_iterate_devices,
};

int __init hs_target_vol_init(void)
{
	return dm_register_target(&hs_vol_target);
}

void hs_target_vol_exit(void)
{
	dm_unregister_target(&hs_vol_target);
}
