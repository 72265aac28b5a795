/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_WLOG_H
#define _HASTOR_WLOG_H

#include <linux/blkdev.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/dm-io.h>

#include "wlog_format.h"

struct hs_pool;
struct netlink_ext_ack;

/* Most pools one node's log serves (uuids are tracked per half). */
#define HS_WLOG_MAX_POOLS	64

struct hs_wlog_half_state {
	u64 start;		/* sector of its header */
	u64 epoch;
	u64 first_seq;
	u64 last_seq;		/* first_seq - 1 while it has no entry */
	u64 used;		/* sectors from start, header included */
	bool live;		/* has entries some pool still needs */
	bool cp_asked;		/* a CP was asked for when it half filled */
	int nr_pools;
	u8 pools[HS_WLOG_MAX_POOLS][16];	/* with entries here */
};

/* What a pool has committed of the log: every entry up to seq. */
struct hs_wlog_cover {
	u8 uuid[16];
	u64 seq;
};

/* An entry found when the log was attached, kept until replayed. */
struct hs_wlog_found {
	struct list_head list;
	u64 pos;		/* sector of its header */
	u64 seq;
	u32 hdr_sectors;
	u32 nr_records;
	struct hastor_wlog_record *records;
};

/* Entries in flight at once: enough to hide the partner's round trip. */
#define HS_WLOG_INFLIGHT	4
/* Records that make a batch worth a second entry in flight. */
#define HS_WLOG_BATCH		8

/* An entry being written (a slot of hs_wlog.io), and the bios it carries. */
struct hs_wlog_entry_io {
	struct hs_wlog *log;
	void *buf;			/* the entry, built here */
	atomic_t parts;			/* local write, partner's ACK */
	unsigned long error;		/* of the local write */
	struct list_head bios;		/* hs_bio_ctx.wlog_list */
	int half;
	u64 half_epoch, half_first;	/* of the half it opens */
	u64 pos;
	u32 sectors;
	u64 seq;			/* 0: opens a half, no entry */
	u64 epoch;
	bool new_half;
	bool done;			/* both parts in; under log->lock */
	bool mirror_wait;		/* for the partner's ACK; log->lock */
	bool hb_wait;			/* for a disk heartbeat; log->lock */
};

struct hs_wlog_stats {
	u64 entries;
	u64 records;
	u64 bytes;		/* written to the local log */
	u64 cps;
	u64 waits;		/* entries that waited for a CP */
};

enum hs_wlog_mirror_state {
	HS_MIRROR_OFF,		/* partner unreachable or refusing */
	HS_MIRROR_RESYNC,	/* mirroring; older entries not yet covered */
	HS_MIRROR_SYNC,		/* every entry not covered is on the partner */
};

/* wlog_mirror.c: this log sent to the partner, and the partner's here. */
struct hs_wlog_mirror {
	struct hs_ccm_chan *chan;
	struct dm_io_client *io_client;
	struct workqueue_struct *rx_wq;
	struct work_struct rx_work;
	struct list_head rx_list;	/* hs_ccm_msg.user, under log->lock */
	struct delayed_work ack_timer;

	/* Sending; under log->lock. */
	enum hs_wlog_mirror_state state;
	const char *why;		/* of OFF, for show */
	u64 session;
	bool want_switch;		/* mirror from a new half on */
	u64 from_seq;			/* first entry mirrored this session */

	/* Receiving: the partner's log, as mirrored here. */
	u32 peer_node;
	u8 peer_uuid[16];
	u64 peer_covered;
	struct hs_wlog_half_state peer_half[2];
	u64 rx_entries, rx_bytes, rx_bad;

	/* Disk heartbeats (diskhb.c); under log->lock. */
	u64 sync_gen;			/* bumped by every sync change */
	u64 hb_gen;			/* of the last heartbeat round ended */
	struct work_struct hb_work;	/* the round */
	/*
	 * Frozen for a takeover: WRITE and STATE messages are refused.
	 * Under log->mutex to change; replays counts the takeovers reading
	 * the mirror, which keep it frozen.
	 */
	bool frozen;
	int replays;
};

struct hs_wlog {
	struct kref ref;
	struct block_device *bdev;
	char path[64];
	struct hs_wlog_layout layout;
	u8 uuid[16];
	u32 node_id, cluster_id;
	u64 sb_generation;
	u64 covered_seq;		/* as on disk */
	u64 format_time;

	/* Order: mutex, then a pool's mutex and meta_lock, then lock. */
	struct mutex mutex;		/* CPs, pools joining and leaving */
	struct mutex sb_lock;		/* superblock writes */
	spinlock_t lock;		/* everything below */
	struct list_head queued;	/* hs_bio_ctx waiting for an entry */
	unsigned int nr_queued;
	struct hs_wlog_half_state half[2];
	int active;
	u64 next_seq;
	u64 epoch;
	int io_head;			/* oldest slot in flight */
	int nr_inflight;
	bool wait_space;		/* the active half is full */
	bool failed;			/* a log write failed: no more */
	bool dirty;			/* entries since the last CP */
	/*
	 * Logged bios not yet complete, counted in two generations: a CP
	 * flips pend_idx and waits for the old count to drain.
	 */
	unsigned int pend[2];
	int pend_idx;
	struct list_head pools;		/* attached pools (wlog_node) */
	int nr_cover;
	struct hs_wlog_cover cover[HS_WLOG_MAX_POOLS];
	struct list_head found;		/* hs_wlog_found, in seq order */
	struct hs_wlog_stats stats;

	struct hs_wlog_entry_io io[HS_WLOG_INFLIGHT];
	struct hs_wlog_mirror mirror;
	struct work_struct event_work;	/* netlink: the state changed */
	struct workqueue_struct *wq;
	struct work_struct write_work;
	struct delayed_work cp_work;
	wait_queue_head_t wait;
};

/* A consistent copy of the log's state, for netlink. */
struct hs_wlog_info {
	bool attached;
	char path[64];
	dev_t devt;
	u8 uuid[16];
	struct hs_wlog_layout layout;
	struct hs_wlog_half_state half[2];
	int active;
	u64 next_seq;
	u64 covered_seq;
	u64 epoch;
	bool failed;
	bool waiting;			/* writes wait for log space */
	u32 sync;			/* enum hastor_wlog_sync */
	const char *sync_why;
	u32 peer_node;
	u8 peer_uuid[16];
	u64 peer_covered;
	struct hs_wlog_half_state peer_half[2];
	u64 rx_entries, rx_bytes, rx_bad;
	bool frozen;
	int replays;
	int nr_pools;
	unsigned int queued;
	struct hs_wlog_stats stats;
};

int hs_wlog_attach(const char *path, bool format,
		   struct netlink_ext_ack *extack);
int hs_wlog_detach(struct netlink_ext_ack *extack);
void hs_wlog_info(struct hs_wlog_info *info);
int hs_wlog_freeze(bool frozen, struct netlink_ext_ack *extack);
bool hs_wlog_path(char *buf, size_t len);
void hs_wlog_exit(void);

/* Pools (pool.c) */
int hs_wlog_pool_attach(struct hs_pool *pool, const char **why);
u64 hs_wlog_pool_leave(struct hs_pool *pool);
void hs_wlog_pool_left(struct hs_pool *pool, u64 covered);

/* I/O (target_vol.c, io.c) */
void hs_wlog_submit(struct hs_pool *pool, struct bio *bio);
void hs_wlog_bio_done(struct hs_wlog *log, int pend);
int hs_wlog_init(void);

/* wlog_scan.c: reading a log back */
int hs_wlog_scan(struct hs_wlog *log, const char **why);
void hs_wlog_found_free(struct hs_wlog *log);
int hs_wlog_read(struct hs_wlog *log, u64 sector, void *buf, size_t len);
void hs_wlog_found_list_free(struct list_head *found);
int hs_wlog_scan_mirror(struct hs_wlog *log, const u8 *uuid, u64 after,
			struct list_head *found, u64 *first, const char **why);

/* wlog.c, for wlog_write.c and wlog_mirror.c */
int hs_wlog_io(struct hs_wlog *log, blk_opf_t opf, u64 sector, void *buf,
	       size_t len, io_notify_fn fn, void *context);
int hs_wlog_write_sync(struct hs_wlog *log, u64 sector, void *buf,
		       size_t len);

/* wlog_write.c */
void hs_wlog_write_work(struct work_struct *work);

void hs_wlog_entry_part_done(struct hs_wlog_entry_io *io,
			     unsigned long error);
void hs_wlog_changed(struct hs_wlog *log);
int hs_wlog_write_super(struct hs_wlog *log);

/* wlog_mirror.c */
int hs_wlog_mirror_start(struct hs_wlog *log);
void hs_wlog_mirror_stop(struct hs_wlog *log);
bool hs_wlog_mirror_entry(struct hs_wlog *log, struct hs_wlog_entry_io *io,
			  const void *half_hdr);
void hs_wlog_mirror_covered(struct hs_wlog *log);
u32 hs_wlog_mirror_sync(struct hs_wlog *log, const char **why);
void hs_wlog_mirror_local(struct hs_wlog *log, struct hs_wlog_entry_io *io);
u64 hs_wlog_mirror_hb_begin(struct hs_wlog *log);
void hs_wlog_mirror_hb_done(struct hs_wlog *log, u64 gen);

/* netlink_wlog.c */
void hs_wlog_notify(void);

/* wlog_replay.c */
struct hs_vol;
int hs_wlog_replay_pool(struct hs_wlog *log, struct hs_pool *pool,
			u64 after, u64 *last, const char **why);
int hs_wlog_apply_block(struct hs_pool *pool, struct hs_vol *vol,
			struct page *page, u64 b, u32 from, u32 to,
			const void *src);
int hs_wlog_discard_block(struct hs_pool *pool, struct hs_vol *vol, u64 b);

/* wlog_takeover.c: a pool of the partner's, replayed from the mirror */
int hs_tko_prepare(struct hs_wlog *log, struct hs_pool *pool,
		   const u8 *uuid, const char **why);
void hs_tko_run(struct hs_pool *pool);
bool hs_tko_filtered(struct hs_pool *pool, u64 vol_id, u64 first, u64 n);
int hs_tko_settle(struct hs_pool *pool, u64 vol_id, u64 first, u64 n);
int hs_tko_settle_record(struct hs_pool *pool, u64 vol_id, u64 sector,
			 u32 nr);
void hs_tko_cancel(struct hs_pool *pool);
bool hs_tko_replaying(struct hs_pool *pool);
bool hs_tko_progress(struct hs_pool *pool, u64 *records, u64 *done,
		     bool *replaying);
void hs_tko_stop(struct hs_pool *pool);

/* wlog.c, for wlog_takeover.c */
int hs_wlog_takeover_done(struct hs_wlog *log, struct hs_pool *pool);

#endif /* _HASTOR_WLOG_H */
