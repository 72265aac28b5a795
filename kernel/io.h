/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_IO_H
#define _HASTOR_IO_H

#include <linux/device-mapper.h>

#include "pool.h"

struct dm_dev;

/*
 * Most blocks one provisioning covers (1 MiB), and how many of their new
 * homes fit in the per-bio data; a longer run allocates its array.
 */
#define HS_RUN_MAX	256
#define HS_RUN_INLINE	4

/* One active hastor-vol target. */
struct hs_vol_tgt {
	struct hs_pool *pool;
	struct dm_dev *pool_dev;
	struct hs_vol *vol;	/* stable while vol->active > 0 */
	bool ro;
};

/* Per-bio state of a volume bio. */
struct hs_bio_ctx {
	struct hs_vol_tgt *vt;
	struct list_head list;	/* pool->completed */
	unsigned int epoch;
	bool tracked;		/* counted in pool->io_count[epoch] */
	bool retried;		/* after a CP that freed space */
	bool run;		/* whole blocks, all to get new homes */
	u64 vblock;		/* first block of the bio */
	u32 nblocks;		/* blocks being provisioned, 0 if none */
	struct list_head prov;	/* vol->provisioning, while nblocks */
	atomic_t segments;	/* clones of this bio still in flight */
	u64 *pvbns;		/* their new homes: pvbn_inline or kmalloc */
	u64 pvbn_inline[HS_RUN_INLINE];
	struct page *page;	/* read-modify-write buffer */
	struct bio_list waiters;	/* writes to the same block, parked */
	blk_status_t status;

	/*
	 * A write on a pool with a write log completes when both its log
	 * entry and its pool side have (hs_bio_release): two holds.
	 */
	bool logged;
	u8 wlog_op;			/* enum hastor_wlog_op */
	int wlog_pend;			/* wlog.c's count it is in, or -1 */
	atomic_t holds;
	blk_status_t pool_status, log_status;
	struct bvec_iter wlog_iter;	/* its data; sector in the volume */
	struct list_head wlog_list;	/* queued for an entry */
};

static inline struct hs_bio_ctx *hs_ctx_of(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct hs_bio_ctx));
}

static inline struct bio *hs_bio_of(struct hs_bio_ctx *ctx)
{
	return dm_bio_from_per_bio_data(ctx, sizeof(struct hs_bio_ctx));
}

/* Largest volume bio: 1 MiB, so that one fits a write-log entry. */
#define HS_MAX_IO_SECTORS	2048

void hs_pool_worker(struct work_struct *work);
void hs_defer_bio(struct hs_pool *pool, struct bio *bio);
void hs_defer_flush(struct hs_pool *pool, struct bio *bio);
int hs_remap(struct hs_pool *pool, struct bio *bio, u64 pvbn);
int hs_block_io(struct hs_pool *pool, u64 pvbn, struct page *page,
		blk_opf_t opf);
void hs_log_bio(struct hs_pool *pool, struct bio *bio);
void hs_submit_clone(struct hs_pool *pool, struct bio *bio);
void hs_bio_release(struct bio *bio, blk_status_t status, bool log_side);

#endif /* _HASTOR_IO_H */
