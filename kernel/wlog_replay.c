// SPDX-License-Identifier: GPL-2.0
/*
 * Local replay: applying a pool's write-log entries when it is imported.
 *
 * The pool's superblock says up to which entry of which log its last CP
 * covers; every later entry of the pool is applied in sequence order,
 * before any volume of the pool serves I/O (the pool is not yet visible
 * to anyone).  A record is applied with the content it carries, so
 * replaying one that the pool already holds changes nothing but, for a
 * block shared with a snapshot, where it lives; a crash during replay
 * just means replaying again.
 *
 * Writes go in place to a block the volume alone owns (as the fast path
 * would), else to a new block, read-modify-write for a partial block,
 * exactly as the worker in io.c does.  A record for a volume deleted
 * since is skipped; so is one out of its volume's bounds (it cannot
 * have been acknowledged), with a warning.
 */
#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "wlog.h"
#include "btree.h"
#include "io.h"
#include "mapcache.h"
#include "meta.h"
#include "pool.h"
#include "spacemap.h"
#include "vol.h"

struct replay {
	struct hs_pool *pool;
	void *data;		/* one record's data */
	struct page *page;	/* one block */
	u64 records;
};

/*
 * Give block b of vol the sectors [from, to) of it from src; page is a
 * block of scratch.  Also the takeover's (wlog_takeover.c), while the
 * volume may be active: the caller keeps I/O off the block, and the
 * fast path's cached mapping of it goes.
 */
int hs_wlog_apply_block(struct hs_pool *pool, struct hs_vol *vol,
			struct page *page, u64 b, u32 from, u32 to,
			const void *src)
{
	bool whole = !from && to == HASTOR_SECTORS_PER_BLOCK;
	u64 v = 0, pvbn, old = HASTOR_NO_BLOCK;
	bool mapped, replaced;
	__le64 val, prev;
	void *p;
	int err;

	err = hs_btree_lookup(pool, hs_mapping_info(), vol->root, b, &val);
	if (err && err != -ENODATA)
		return err;
	mapped = !err;
	err = 0;	/* -ENODATA: a partial write merges into zeroes */
	if (mapped) {
		v = le64_to_cpu(val);
		if (v & HASTOR_MAP_ABSENT)
			return -EIO;
		old = hs_map_pvbn(v);
	}
	if (!whole) {
		if (mapped)
			err = hs_block_io(pool, old, page, REQ_OP_READ);
		else
			clear_highpage(page);
		if (err)
			return err;
	}
	p = kmap_local_page(page);
	memcpy(p + (from << SECTOR_SHIFT), src, (to - from) << SECTOR_SHIFT);
	kunmap_local(p);

	if (mapped && hs_map_time(v) >= vol->snap_time)
		return hs_block_io(pool, old, page, REQ_OP_WRITE);

	err = hs_sm_reserve_data(pool, &pvbn);
	if (err == -ENOSPC && pool->sm.nr_pending) {
		err = hs_pool_commit_locked(pool);
		if (!err)
			err = hs_sm_reserve_data(pool, &pvbn);
	}
	if (err)
		return err;
	err = hs_block_io(pool, pvbn, page, REQ_OP_WRITE);
	if (!err) {
		hs_mc_invalidate(vol, b, 1);
		val = cpu_to_le64(hs_map_make(pvbn, pool->snap_time));
		err = hs_btree_insert(pool, hs_mapping_info(), &vol->root, b,
				      &val, &prev, &replaced);
	}
	if (err) {
		hs_sm_cancel_data(pool, pvbn);
		return err;
	}
	hs_sm_commit_data(pool, pvbn);
	if (replaced)
		hs_mapping_info()->dec(pool, &prev);
	else
		vol->mapped++;
	vol->dirty = true;
	return 0;
}

static int apply_write(struct replay *r, struct hs_vol *vol, u64 sector,
		       u32 n)
{
	u64 end = sector + n;
	const u8 *src = r->data;
	int err = 0;

	while (sector < end && !err) {
		u64 b = sector >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
		u32 from = sector & (HASTOR_SECTORS_PER_BLOCK - 1);
		u32 to = min_t(u64, HASTOR_SECTORS_PER_BLOCK,
			       from + (end - sector));

		err = hs_wlog_apply_block(r->pool, vol, r->page, b, from, to,
					  src);
		src += (to - from) << SECTOR_SHIFT;
		sector += to - from;
	}
	return err;
}

/* A discarded block loses its mapping (also wlog_takeover.c). */
int hs_wlog_discard_block(struct hs_pool *pool, struct hs_vol *vol, u64 b)
{
	__le64 old;
	int err;

	hs_mc_invalidate(vol, b, 1);
	err = hs_btree_remove(pool, hs_mapping_info(), &vol->root, b, &old);
	if (err == -ENODATA)
		return 0;
	if (err)
		return err;
	hs_mapping_info()->dec(pool, &old);
	vol->mapped--;
	vol->dirty = true;
	return 0;
}

/* As a discard: whole blocks only lose their mapping. */
static int apply_discard(struct replay *r, struct hs_vol *vol, u64 sector,
			 u32 n)
{
	u64 b = DIV_ROUND_UP_ULL(sector, HASTOR_SECTORS_PER_BLOCK);
	u64 last = (sector + n) >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
	int err;

	for (; b < last; b++) {
		err = hs_wlog_discard_block(r->pool, vol, b);
		if (err)
			return err;
	}
	return 0;
}

static int apply(struct hs_wlog *log, struct replay *r,
		 const struct hastor_wlog_record *rec, u64 data_pos)
{
	struct hs_pool *pool = r->pool;
	u64 sector = le64_to_cpu(rec->sector);
	u32 n = le32_to_cpu(rec->nr_sectors);
	struct hs_vol *vol;
	int err;

	vol = hs_vol_find_id(pool, le64_to_cpu(rec->vol_id));
	if (!vol)
		return 0;	/* deleted since */
	if (hs_vol_readonly(vol) ||
	    sector + n > vol->size_blocks * HASTOR_SECTORS_PER_BLOCK) {
		pr_warn("hastor: pool %s: write-log record for volume %llu at %llu+%u does not fit it; skipped\n",
			pool->name, vol->id, sector, n);
		return 0;
	}
	r->records++;
	/* After a takeover's mirror records of the same blocks. */
	err = hs_tko_settle_record(pool, vol->id, sector, n);
	if (err)
		return err;
	if (le16_to_cpu(rec->op) == HASTOR_WLOG_OP_DISCARD)
		return apply_discard(r, vol, sector, n);
	err = hs_wlog_read(log, data_pos, r->data, (size_t)n << SECTOR_SHIFT);
	if (err)
		return err;
	return apply_write(r, vol, sector, n);
}

int hs_wlog_replay_pool(struct hs_wlog *log, struct hs_pool *pool,
			u64 after, u64 *last, const char **why)
{
	struct replay r = { .pool = pool };
	struct hs_wlog_found *f;
	u64 entries = 0;
	int err = 0;
	u32 i;

	lockdep_assert_held(&log->mutex);
	*last = after;
	list_for_each_entry(f, &log->found, list)
		if (f->seq > after)
			break;
	if (list_entry_is_head(f, &log->found, list))
		return 0;
	r.data = vmalloc(HASTOR_WLOG_MAX_DATA_SECTORS << SECTOR_SHIFT);
	r.page = alloc_page(GFP_KERNEL);
	if (!r.data || !r.page) {
		*why = "out of memory for replay";
		err = -ENOMEM;
		goto out;
	}
	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	list_for_each_entry_from(f, &log->found, list) {
		u64 data_pos = f->pos + f->hdr_sectors;
		bool ours = false;

		for (i = 0; i < f->nr_records && !err; i++) {
			const struct hastor_wlog_record *rec = &f->records[i];

			if (!memcmp(rec->pool_uuid, pool->uuid, 16)) {
				err = apply(log, &r, rec, data_pos);
				ours = true;
			}
			if (le16_to_cpu(rec->op) == HASTOR_WLOG_OP_WRITE)
				data_pos += le32_to_cpu(rec->nr_sectors);
		}
		if (err)
			break;
		entries += ours;
		*last = f->seq;
	}
	if (err) {
		*why = err == -ENOSPC ?
		       "out of space replaying the write log" :
		       "write-log replay failed (see the kernel log)";
		pr_err("hastor: pool %s: replay of write-log entry %llu failed (%d)\n",
		       pool->name, f->seq, err);
	}
	up_write(&pool->meta_lock);
	mutex_unlock(&pool->mutex);
	if (!err && entries)
		pr_info("hastor: pool %s: replayed %llu write-log records from %llu entries\n",
			pool->name, r.records, entries);
out:
	if (r.page)
		__free_page(r.page);
	vfree(r.data);
	return err;
}
