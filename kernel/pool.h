/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_POOL_H
#define _HASTOR_POOL_H

#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/hastor.h>
#include <linux/hastor_format.h>

#include "diskhb.h"

struct dm_bufio_client;
struct hs_mapcache;
struct hs_takeover;
struct dm_dev;
struct netlink_ext_ack;

/* One member disk of an active pool. */
struct hs_member {
	struct block_device *bdev;
	struct block_device *held;	/* the pool's own reference */
	struct dm_bufio_client *bufio;
	u64 data_start;		/* disk block of PVBN pvbn_start */
	u64 data_blocks;
	u64 pvbn_start;
};

/*
 * Reference counts of every PVBN, in memory (two bytes per 4 KiB block,
 * 0.05% of the pool), persisted to refcount blocks at each CP.  The
 * bitmaps decide what may be allocated: a block is free when nothing
 * references it, it was not freed since the last CP (the committed state
 * may still use it), and no write to it is in flight.
 */
struct hs_spacemap {
	u64 nr_blocks;
	u16 *counts;
	unsigned long *busy;	/* count > 0, pending, or in flight */
	unsigned long *pending;	/* freed since the last CP */
	unsigned long *txn_new;	/* allocated since the last CP */
	unsigned long *dirty;	/* chunks whose counts changed */
	u64 *chunk_block;	/* PVBN of each chunk's refcount block */
	u64 nr_chunks;
	u64 nr_busy;
	u64 nr_used;		/* count > 0 */
	u64 nr_meta;
	u64 nr_pending;		/* free again after the next CP */
	u64 cursor;		/* next-fit allocation */
	u64 meta_reserve;
};

/* A volume, snapshot or clone: the in-memory copy of its record. */
struct hs_vol {
	struct list_head list;		/* pool->vols, under meta_lock */
	u64 id;
	u64 size_blocks;
	u64 root;			/* mapping tree, or HASTOR_NO_BLOCK */
	u64 mapped;
	u64 parent_id;
	u64 ctime_ns;
	u32 flags;
	u32 snap_time;
	bool dirty;			/* record differs from the voltab */
	int active;			/* open hastor-vol targets */
	/*
	 * Writes (struct hs_bio_ctx) giving blocks a new PVBN, each a run
	 * of blocks, none overlapping: later writes to one of the blocks
	 * wait behind it (partial writes of one block must not each get a
	 * block of their own).  A list: there are as many as writes in
	 * flight, and a run costs one entry, not one per block.  Under
	 * meta_lock.
	 */
	struct list_head provisioning;
	/* The fast path's mapping cache (mapcache.c), while active. */
	struct hs_mapcache *mc;
	/* remote_srv.c: the dm device whose live table serves it, or 0. */
	dev_t live_devt;
	char name[HASTOR_VOL_NAME_LEN];
};

struct hs_pool {
	struct list_head list;		/* hs_pools */
	struct kref ref;
	char name[HASTOR_POOL_NAME_LEN];
	u8 uuid[16];
	dev_t dm_devt;			/* the hastor-pool device */
	int users;			/* its target + volume targets */
	bool detached;			/* its target is gone */
	bool dead;			/* torn down; under mutex+meta_lock */
	enum hastor_pool_state state;
	u32 owner_node, home_node;

	int nr_members;
	struct hs_member members[HASTOR_MAX_MEMBERS];
	struct dm_dev *member_devs[HASTOR_MAX_MEMBERS];

	/*
	 * Lock order: mutex (CPs and management) before meta_lock (every
	 * metadata read or change).  The I/O fast path only ever trylocks
	 * meta_lock for reading.
	 */
	struct mutex mutex;
	struct rw_semaphore meta_lock;

	/* Committed state and the transaction on top of it. */
	u64 generation;			/* of the last committed CP */
	u64 cp_time_ns;
	u64 total_blocks;
	u64 refmap_root;
	u64 voltab_root;
	u64 next_vol_id;
	u32 snap_time;
	bool txn_dirty;
	bool in_cp;			/* the CP may use the last blocks */
	bool counts_loaded;		/* walks may check node counts */
	/* The write log, if the node had one when the pool was imported. */
	struct hs_wlog *wlog;
	struct list_head wlog_node;	/* wlog->pools */
	u64 wlog_seq;			/* committed: log entries it holds */
	u8 wlog_uuid[16];
	/* Taken over, replay not ended: this log's entries after tko_seq. */
	u64 tko_seq;
	u8 tko_uuid[16];
	/*
	 * The operator accepts losing what a log it lacks holds: import at
	 * the last CP instead of refusing (HS_POOL_ACCEPT_LOSS).
	 */
	bool accept_loss;
	/* A takeover's replay from the mirror (wlog_takeover.c), if any. */
	struct hs_takeover *takeover;
	struct hs_spacemap sm;
	struct list_head vols;

	/*
	 * I/O to data blocks is counted per epoch, so that a CP can wait for
	 * all I/O issued before it frees blocks (and a snapshot for all
	 * writes issued before it), without stopping new I/O.
	 */
	spinlock_t io_lock;
	unsigned int io_epoch;
	atomic_t io_count[2];
	wait_queue_head_t io_wait;

	/* Deferred work: bios needing metadata, completions, flushes. */
	struct workqueue_struct *wq;
	struct work_struct worker;
	struct delayed_work cp_timer;
	spinlock_t lock;		/* the lists below */
	struct bio_list deferred;
	struct list_head completed;
	struct bio_list flushes;
	struct bio_set bs;

	struct hs_diskhb hb;		/* diskhb.c */
};

/* Failed or fenced: nothing more is written to the pool's disks. */
static inline bool hs_pool_broken(const struct hs_pool *pool)
{
	enum hastor_pool_state s = READ_ONCE(pool->state);

	return s == HASTOR_POOL_FAILED || s == HASTOR_POOL_FENCED;
}

struct hs_pool *hs_pool_find(const char *name);
struct hs_pool *hs_pool_find_uuid(const u8 *uuid);
struct hs_pool *hs_pool_get_user(dev_t devt);
void hs_pool_put_user(struct hs_pool *pool);
void hs_pool_put(struct hs_pool *pool);
int hs_pool_for_each(int (*fn)(struct hs_pool *pool, void *ctx), void *ctx,
		     int skip);
#define HS_POOL_ACCEPT_LOSS	0x1
struct hs_pool *hs_pool_open(struct block_device **bdevs, int n,
			     dev_t dm_devt, unsigned int flags,
			     const char **why, int *bad);
void hs_pool_close(struct hs_pool *pool);
int hs_pool_format(const char *name, struct block_device **bdevs, int n,
		   u8 *uuid, u64 *size, const char **why, int *bad);
int hs_pool_commit(struct hs_pool *pool);
int hs_pool_commit_locked(struct hs_pool *pool);
int hs_pool_commit_cover(struct hs_pool *pool, const u8 *log_uuid, u64 seq);
int hs_pool_commit_tko(struct hs_pool *pool, const u8 *log_uuid, u64 seq);
int hs_pool_commit_loss(struct hs_pool *pool, const u8 *log_uuid, u64 seq);
void hs_pool_cp_timer(struct work_struct *work);
void hs_pool_start_timer(struct hs_pool *pool);
void hs_pool_notify(struct hs_pool *pool, u32 event);	/* netlink_pool.c */
#if IS_ENABLED(CONFIG_KUNIT)
struct hs_pool *hs_pool_alloc(void);
int hs_pool_members_setup(struct hs_pool *pool, struct block_device **bdevs,
			  int n);
void hs_pool_members_teardown(struct hs_pool *pool);
#endif

unsigned int hs_io_start(struct hs_pool *pool);
void hs_io_end(struct hs_pool *pool, unsigned int epoch);
void hs_io_drain(struct hs_pool *pool);

int hs_target_pool_init(void);
void hs_target_pool_exit(void);
int hs_target_vol_init(void);
void hs_target_vol_exit(void);

/* Shared by the files of the pool engine. */
static inline u64 hs_blocks_to_bytes(u64 blocks)
{
	return blocks << HASTOR_BLOCK_SHIFT;
}

#endif /* _HASTOR_POOL_H */
