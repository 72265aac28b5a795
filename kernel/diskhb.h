/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_DISKHB_H
#define _HASTOR_DISKHB_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

struct hs_pool;
struct hs_wlog;
struct page;

/* A pool's disk heartbeat (diskhb.c); part of struct hs_pool. */
struct hs_diskhb {
	struct list_head list;		/* hs_diskhb_pools */
	struct mutex lock;		/* one write at a time, the fields below */
	struct delayed_work beat_work;
	struct work_struct event_work;	/* POOL_NTF, outside every lock */
	struct page *page;		/* the block, the same on every member */
	u64 counter;
	u32 last_sync;			/* wlog_sync of the last write */
	bool written;			/* a write went through */
	bool stopped;			/* no more writes */
};

int hs_diskhb_start(struct hs_pool *pool, const char **why);
void hs_diskhb_kick(struct hs_pool *pool);
void hs_diskhb_stop(struct hs_pool *pool, bool clean);
void hs_diskhb_fenced_locked(struct hs_pool *pool);
void hs_diskhb_round_work(struct work_struct *work);
void hs_diskhb_round(struct hs_wlog *log);
int hs_diskhb_init(void);
void hs_diskhb_exit(void);

#endif /* _HASTOR_DISKHB_H */
