// SPDX-License-Identifier: GPL-2.0
/*
 * The hastor-vol target: a volume, snapshot or clone of an active pool.
 *
 *   <start> <length> hastor-vol <pool_dev> <volume_id>
 *
 * map() serves without sleeping what the cached metadata answers: reads
 * of mapped blocks (and of unmapped ones, as zeros) and writes to blocks
 * only this volume references, in place, a run of consecutive blocks at
 * a time, however long; dm_accept_partial_bio() cuts a bio where the run
 * ends.  It only trylocks meta_lock, so
 * a CP or a metadata change never stalls it; whatever it cannot decide
 * goes to the pool's worker (io.c).  Every bio that reaches a data block
 * is counted in the pool's I/O epoch until it completes.
 */
#include <linux/device-mapper.h>
#include <linux/slab.h>

#include "io.h"
#include "mapcache.h"
#include "vol.h"
#include "btree.h"
#include "meta.h"
#include "wlog.h"
#include "remote.h"

#define DM_MSG_PREFIX "hastor-vol"


static int vol_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct hs_mapcache *mc;
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
	/* A bio is one write-log record; an entry fits one message. */
	err = dm_set_target_max_io_len(ti, HS_MAX_IO_SECTORS);
	if (err) {
		ti->error = "cannot set the I/O size";
		goto err_pool;
	}
	/* Allocated outside meta_lock: reclaim may write to the pool. */
	mc = hs_mc_alloc(ti->len / HASTOR_SECTORS_PER_BLOCK);

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
		if (!vol->mc)
			swap(vol->mc, mc);
	}
	up_write(&pool->meta_lock);
	hs_mc_free(mc);
	if (err)
		goto err_pool;

	ti->num_flush_bios = 1;
	ti->flush_supported = true;
	ti->num_discard_bios = 1;
	ti->discards_supported = true;
	ti->per_io_data_size = sizeof(struct hs_bio_ctx);
	ti->private = vt;
	return 0;

err_pool:
	hs_pool_put_user(pool);
	hs_pool_put(pool);
err_dev:
	dm_put_device(ti, vt->pool_dev);
err_free:
	kfree(vt);
	return err;
}

/* The dm device of this table, for the partner's forwarded I/O. */
static dev_t vol_devt(struct dm_target *ti)
{
	return disk_devt(dm_disk(dm_table_get_md(ti->table)));
}

static void vol_dtr(struct dm_target *ti)
{
	struct hs_vol_tgt *vt = ti->private;
	struct hs_pool *pool = vt->pool;
	struct hs_mapcache *mc = NULL;

	hs_rsrv_unpublish(vt->vol, vol_devt(ti));
	down_write(&pool->meta_lock);
	if (!--vt->vol->active)
		swap(vt->vol->mc, mc);
	up_write(&pool->meta_lock);
	hs_mc_free(mc);
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

struct run_scan {
	struct hs_pool *pool;
	struct hs_vol *vol;
	u64 first;
	u64 run;
	u64 pvbn0;
	bool write;
	bool found;		/* the first block is mapped */
};

static bool run_scan_fn(void *data, u64 key, const void *value)
{
	struct run_scan *rs = data;
	u64 v = le64_to_cpu(*(const __le64 *)value);

	if (key != rs->first + rs->run)
		return false;
	if (!rs->run)
		rs->found = true;
	if (v & HASTOR_MAP_ABSENT ||
	    (rs->write && hs_map_time(v) < rs->vol->snap_time) ||
	    (rs->run && hs_map_pvbn(v) != rs->pvbn0 + rs->run))
		return false;
	if (!rs->run)
		rs->pvbn0 = hs_map_pvbn(v);
	rs->run++;
	return true;
}

/*
 * The longest run of blocks from the bio's first that the fast path may
 * serve with one remap: mapped, present, at consecutive PVBNs on one
 * member, and for writes this volume's alone.  0: none.  *lookup tells
 * why: -ENODATA when the first block is unmapped, -EWOULDBLOCK when a
 * node was not cached.
 */
static u64 fast_run(struct hs_pool *pool, struct hs_vol *vol, u64 first,
		    u64 nblocks, bool write, u64 *pvbn0, int *lookup)
{
	struct run_scan rs = {
		.pool = pool, .vol = vol, .first = first, .write = write,
	};
	struct hs_member *m;
	sector_t block;

	*lookup = hs_btree_scan_cached(pool, hs_mapping_info(), vol->root,
				       first, nblocks, run_scan_fn, &rs);
	if (!*lookup && !rs.found)
		*lookup = -ENODATA;
	if (!rs.run || hs_member_of(pool, rs.pvbn0, &m, &block))
		return 0;
	*pvbn0 = rs.pvbn0;
	return min(rs.run, m->pvbn_start + m->data_blocks - rs.pvbn0);
}

/*
 * A write of whole blocks whose first needs a new home: give the worker
 * up to HS_RUN_MAX of them to provision together (io.c, process_run).
 * Their new homes need an array beyond the per-bio data's; without one,
 * the run is cut to what fits there.
 */
static void defer_run(struct hs_pool *pool, struct bio *bio,
		      struct hs_bio_ctx *ctx)
{
	u64 n = min_t(u64, HS_RUN_MAX,
		      bio_sectors(bio) / HASTOR_SECTORS_PER_BLOCK);

	if (n > HS_RUN_INLINE) {
		u64 *pvbns = kmalloc_array(n, sizeof(u64),
					   GFP_NOWAIT | __GFP_NOWARN);

		if (pvbns)
			ctx->pvbns = pvbns;
		else
			n = HS_RUN_INLINE;
	}
	keep_blocks(bio, n);
	ctx->run = true;
	if (pool->wlog)
		hs_log_bio(pool, bio);
	hs_defer_bio(pool, bio);
}

static int vol_map(struct dm_target *ti, struct bio *bio)
{
	struct hs_vol_tgt *vt = ti->private;
	struct hs_bio_ctx *ctx = dm_per_bio_data(bio, sizeof(*ctx));
	struct hs_pool *pool = vt->pool;
	bool write = op_is_write(bio_op(bio));
	sector_t start = dm_target_offset(ti, bio->bi_iter.bi_sector);
	u64 nblocks, run, pvbn0 = 0, token;
	int lookup;

	memset(ctx, 0, sizeof(*ctx));
	ctx->vt = vt;
	ctx->pvbns = ctx->pvbn_inline;
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
	/* A takeover's log still has records of it: the worker applies them. */
	if (unlikely(hs_tko_filtered(pool, vt->vol->id, ctx->vblock, nblocks)))
		goto defer;
	if (hs_mc_lookup(pool, vt->vol, ctx->vblock, nblocks, write, &pvbn0,
			 &token)) {
		ctx->epoch = hs_io_start(pool);
		if (hs_mc_valid(vt->vol, ctx->vblock, token) &&
		    !hs_pool_broken(pool)) {
			if (write && pool->wlog)
				hs_log_bio(pool, bio);
			hs_remap(pool, bio, pvbn0);
			ctx->tracked = true;
			if (!ctx->logged)
				return DM_MAPIO_REMAPPED;
			hs_submit_clone(pool, bio);
			return DM_MAPIO_SUBMITTED;
		}
		hs_io_end(pool, ctx->epoch);
	}
	if (!down_read_trylock(&pool->meta_lock))
		goto defer;
	if (hs_pool_broken(pool)) {
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
		    bio_sectors(bio) >= HASTOR_SECTORS_PER_BLOCK) {
			defer_run(pool, bio, ctx);
			return DM_MAPIO_SUBMITTED;
		}
		goto defer;
	}
	/* The next small bio here will not need meta_lock. */
	hs_mc_fill(pool, vt->vol, ctx->vblock, nblocks);
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
	/* Lookups, partial blocks and merges: one block at a time. */
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
	if (ctx->pvbns != ctx->pvbn_inline) {
		kfree(ctx->pvbns);
		ctx->pvbns = ctx->pvbn_inline;
	}
	return DM_ENDIO_DONE;
}

/* Live: the partner's forwarded I/O may come here (remote_srv.c). */
static void vol_resume(struct dm_target *ti)
{
	struct hs_vol_tgt *vt = ti->private;

	hs_rsrv_publish(vt->vol, vol_devt(ti));
}

/* Returns once no forwarded bio can reach this table any more. */
static void vol_presuspend(struct dm_target *ti)
{
	struct hs_vol_tgt *vt = ti->private;

	hs_rsrv_unpublish(vt->vol, vol_devt(ti));
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
	.presuspend = vol_presuspend,
	.presuspend_undo = vol_resume,
	.resume = vol_resume,
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
