// SPDX-License-Identifier: GPL-2.0
/*
 * Pools: formatting, import, consistency points, and the registry of
 * active pools.
 *
 * A pool is active while a hastor-pool dm device holds it (target_pool.c
 * calls hs_pool_open/hs_pool_close).  Import trusts nothing on the disks:
 * labels, superblocks and every metadata block are checked before the
 * pool is used, and a pool that fails is refused with the block and the
 * check named, without a single write.
 *
 * A consistency point (CP) commits the transaction: the volume records
 * changed since the last CP go into the volume table, the reference counts
 * into refcount blocks, every dirty block is written and every member
 * flushed, and then the superblock goes to the slot the last CP did not
 * use.  The CP holds meta_lock for writing throughout, so no block of the
 * transaction changes while it is written; I/O to blocks already mapped
 * exclusively goes on meanwhile only if it was already in flight.
 */
#include <linux/blkdev.h>
#include <linux/dm-bufio.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>
#include <kunit/visibility.h>

#include "pool.h"
#include "meta.h"
#include "spacemap.h"
#include "btree.h"
#include "wlog.h"
#include "vol.h"
#include "node.h"
#include "io.h"
#include "fence.h"

#define HS_MIN_DATA_BLOCKS	64
/* PVBNs must fit the 40 bits a mapping value has for them. */
#define HS_MAX_BLOCKS		(HASTOR_MAP_PVBN_MASK + 1)
#define HS_CP_INTERVAL		(5 * HZ)
#define HS_DISK_MODE		(FMODE_READ | FMODE_WRITE)

static LIST_HEAD(hs_pools);
static DEFINE_MUTEX(hs_pools_lock);

/* Blocks data may not take: metadata needs room to change. */
static u64 meta_reserve_for(u64 total)
{
	return max_t(u64, 64, total / 64);
}

static void hs_pool_release(struct kref *ref)
{
	struct hs_pool *pool = container_of(ref, struct hs_pool, ref);

	kfree(pool);
}

void hs_pool_put(struct hs_pool *pool)
{
	kref_put(&pool->ref, hs_pool_release);
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_put);

struct hs_pool *hs_pool_find(const char *name)
{
	struct hs_pool *pool;

	mutex_lock(&hs_pools_lock);
	list_for_each_entry(pool, &hs_pools, list)
		if (!pool->detached && !strcmp(pool->name, name)) {
			kref_get(&pool->ref);
			mutex_unlock(&hs_pools_lock);
			return pool;
		}
	mutex_unlock(&hs_pools_lock);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_find);

/* The active pool whose superblock holds uuid, with a reference. */
struct hs_pool *hs_pool_find_uuid(const u8 *uuid)
{
	struct hs_pool *pool;

	mutex_lock(&hs_pools_lock);
	list_for_each_entry(pool, &hs_pools, list)
		if (!pool->detached && !memcmp(pool->uuid, uuid, 16)) {
			kref_get(&pool->ref);
			mutex_unlock(&hs_pools_lock);
			return pool;
		}
	mutex_unlock(&hs_pools_lock);
	return NULL;
}

/*
 * A new user of the pool whose dm device is devt (a hastor-vol target):
 * the pool stays whole, disks and all, until its last user is gone, even
 * if its own device is removed first.
 */
struct hs_pool *hs_pool_get_user(dev_t devt)
{
	struct hs_pool *pool;

	mutex_lock(&hs_pools_lock);
	list_for_each_entry(pool, &hs_pools, list)
		if (!pool->detached && pool->dm_devt == devt) {
			pool->users++;
			kref_get(&pool->ref);
			mutex_unlock(&hs_pools_lock);
			return pool;
		}
	mutex_unlock(&hs_pools_lock);
	return NULL;
}

/* Call fn for every active pool, holding a reference, in order. */
int hs_pool_for_each(int (*fn)(struct hs_pool *pool, void *ctx), void *ctx,
		     int skip)
{
	struct hs_pool *pool;
	int i = 0, err = 0;

	mutex_lock(&hs_pools_lock);
	list_for_each_entry(pool, &hs_pools, list) {
		if (pool->detached || i++ < skip)
			continue;
		err = fn(pool, ctx);
		if (err)
			break;
	}
	mutex_unlock(&hs_pools_lock);
	return err;
}

/* ---- I/O epochs ---- */

/*
 * Lockless, for the fast path: count the I/O in the current epoch, and
 * make sure hs_io_drain() either sees the count or made the epoch
 * change first (then count again in the new one).  It is a full
 * barrier: what the caller reads next is read after the count.
 */
unsigned int hs_io_start(struct hs_pool *pool)
{
	unsigned int e;

	for (;;) {
		e = READ_ONCE(pool->io_epoch);
		atomic_inc(&pool->io_count[e]);
		/* The count before the epoch check (pairs with the drain). */
		smp_mb__after_atomic();
		if (likely(READ_ONCE(pool->io_epoch) == e))
			return e;
		hs_io_end(pool, e);
	}
}

/* A drain is rare: do not take the wait queue's lock for nothing. */
void hs_io_end(struct hs_pool *pool, unsigned int epoch)
{
	if (atomic_dec_and_test(&pool->io_count[epoch]) &&
	    wq_has_sleeper(&pool->io_wait))
		wake_up_all(&pool->io_wait);
}

/* Wait for every data I/O started before now; new I/O is not held up. */
void hs_io_drain(struct hs_pool *pool)
{
	unsigned int old;

	spin_lock(&pool->io_lock);
	old = pool->io_epoch;
	WRITE_ONCE(pool->io_epoch, old ^ 1);
	spin_unlock(&pool->io_lock);
	/* Pairs with hs_io_start(): the new epoch before the old count. */
	smp_mb();
	wait_event(pool->io_wait, !atomic_read(&pool->io_count[old]));
}

/* ---- superblock ---- */

static int write_super(struct hs_pool *pool, u64 generation)
{
	struct hs_member *m0 = &pool->members[0];
	sector_t slot = HASTOR_SUPER_BLOCK + (generation & 1);
	struct hastor_super *sb;
	struct dm_buffer *buf;
	int err;

	sb = dm_bufio_new(m0->bufio, slot, &buf);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	memset(sb, 0, HASTOR_BLOCK_SIZE);
	sb->hdr.magic = cpu_to_le32(HASTOR_SUPER_MAGIC);
	sb->hdr.blocknr = cpu_to_le64(slot);
	sb->hdr.generation = cpu_to_le64(generation);
	memcpy(sb->hdr.pool_uuid, pool->uuid, 16);
	sb->version = cpu_to_le32(HASTOR_FORMAT_VERSION);
	sb->member_count = cpu_to_le32(pool->nr_members);
	sb->total_blocks = cpu_to_le64(pool->total_blocks);
	sb->meta_reserve = cpu_to_le64(pool->sm.meta_reserve);
	sb->used_blocks = cpu_to_le64(pool->sm.nr_used);
	sb->meta_blocks = cpu_to_le64(pool->sm.nr_meta);
	sb->refmap_root = cpu_to_le64(pool->refmap_root);
	sb->voltab_root = cpu_to_le64(pool->voltab_root);
	sb->next_vol_id = cpu_to_le64(pool->next_vol_id);
	sb->cp_time_ns = cpu_to_le64(ktime_get_real_ns());
	sb->snap_time = cpu_to_le32(pool->snap_time);
	sb->nr_volumes = cpu_to_le32(hs_vol_count(pool));
	sb->wlog_seq = cpu_to_le64(pool->wlog_seq);
	memcpy(sb->wlog_uuid, pool->wlog_uuid, 16);
	if (memchr_inv(pool->tko_uuid, 0, 16)) {
		sb->incompat = cpu_to_le32(HASTOR_INCOMPAT_TAKEOVER);
		sb->tko_seq = cpu_to_le64(pool->tko_seq);
		memcpy(sb->tko_uuid, pool->tko_uuid, 16);
	}
	pool->cp_time_ns = le64_to_cpu(sb->cp_time_ns);
	dm_bufio_mark_buffer_dirty(buf);
	dm_bufio_release(buf);
	err = dm_bufio_write_dirty_buffers(m0->bufio);
	if (!err)
		err = dm_bufio_issue_flush(m0->bufio);
	return err;
}

/*
 * Commit the transaction.  With nothing changed, it still flushes the
 * members: writes that went in place are durable only after that.
 * Callers hold the pool's mutex and meta_lock for writing.
 */
int hs_pool_commit_locked(struct hs_pool *pool)
{
	int err;

	lockdep_assert_held(&pool->mutex);
	lockdep_assert_held_write(&pool->meta_lock);
	if (hs_pool_broken(pool))
		return -EIO;
	if (!pool->txn_dirty)
		return hs_meta_write_all(pool);
	/* The CP may use the last metadata blocks; nothing else may. */
	pool->in_cp = true;
	err = hs_vol_save(pool);
	if (!err)
		err = hs_sm_persist(pool);
	pool->in_cp = false;
	if (!err)
		err = hs_meta_write_all(pool);
	if (!err)
		err = write_super(pool, pool->generation + 1);
	if (err == -EBADE) {
		hs_diskhb_fenced_locked(pool);
		return err;
	}
	if (err) {
		pr_err("hastor: pool %s: consistency point failed (%d); no more writes\n",
		       pool->name, err);
		pool->state = HASTOR_POOL_FAILED;
		return err;
	}
	pool->generation++;
	pool->txn_dirty = false;
	/* What this CP freed may still be read by I/O issued before it. */
	hs_io_drain(pool);
	hs_sm_txn_end(pool);
	return 0;
}

/*
 * Commit, recording that the pool holds every entry of the write log
 * log_uuid up to seq (all of them completed before this was called).
 */
int hs_pool_commit_cover(struct hs_pool *pool, const u8 *log_uuid, u64 seq)
{
	int err;

	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	if (pool->wlog_seq != seq || memcmp(pool->wlog_uuid, log_uuid, 16)) {
		pool->wlog_seq = seq;
		memcpy(pool->wlog_uuid, log_uuid, 16);
		pool->txn_dirty = true;
	}
	/* Named as the log itself: its entries no longer need the mark. */
	if (!memcmp(pool->tko_uuid, log_uuid, 16)) {
		memset(pool->tko_uuid, 0, 16);
		pool->tko_seq = 0;
		pool->txn_dirty = true;
	}
	err = hs_pool_commit_locked(pool);
	up_write(&pool->meta_lock);
	mutex_unlock(&pool->mutex);
	return err;
}

/*
 * A takeover: before the pool serves a write, its superblock says that
 * writes acknowledged from now on are in log_uuid after entry seq (the
 * pool itself still names the partner's log until the replay ends).
 */
int hs_pool_commit_tko(struct hs_pool *pool, const u8 *log_uuid, u64 seq)
{
	int err;

	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	pool->tko_seq = seq;
	memcpy(pool->tko_uuid, log_uuid, 16);
	pool->txn_dirty = true;
	err = hs_pool_commit_locked(pool);
	up_write(&pool->meta_lock);
	mutex_unlock(&pool->mutex);
	return err;
}

/*
 * The operator gave up the log entries this pool would need: it names
 * log_uuid (zero: none) up to seq and no takeover mark, as if it had
 * been exported cleanly at its last CP.
 */
int hs_pool_commit_loss(struct hs_pool *pool, const u8 *log_uuid, u64 seq)
{
	int err;

	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	pool->wlog_seq = seq;
	memcpy(pool->wlog_uuid, log_uuid, 16);
	memset(pool->tko_uuid, 0, 16);
	pool->tko_seq = 0;
	pool->txn_dirty = true;
	err = hs_pool_commit_locked(pool);
	up_write(&pool->meta_lock);
	mutex_unlock(&pool->mutex);
	return err;
}

int hs_pool_commit(struct hs_pool *pool)
{
	int err;

	down_write(&pool->meta_lock);
	err = hs_pool_commit_locked(pool);
	up_write(&pool->meta_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_commit);

/* ---- members and labels ---- */

VISIBLE_IF_KUNIT int hs_pool_members_setup(struct hs_pool *pool,
					 struct block_device **bdevs, int n)
{
	int i;

	pool->nr_members = n;
	for (i = 0; i < n; i++) {
		struct dm_bufio_client *c = hs_bufio_create(bdevs[i]);

		if (IS_ERR(c)) {
			while (i--)
				dm_bufio_client_destroy(pool->members[i].bufio);
			return PTR_ERR(c);
		}
		pool->members[i].bdev = bdevs[i];
		pool->members[i].bufio = c;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_members_setup);

VISIBLE_IF_KUNIT void hs_pool_members_teardown(struct hs_pool *pool)
{
	int i;

	for (i = 0; i < pool->nr_members; i++)
		dm_bufio_client_destroy(pool->members[i].bufio);
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_members_teardown);

static u64 disk_blocks(struct block_device *bdev)
{
	return bdev_nr_sectors(bdev) >> (HASTOR_BLOCK_SHIFT - SECTOR_SHIFT);
}

/* Read both label copies of a disk; *out is the newer valid one. */
static int read_label(struct hs_member *m, struct hastor_label *out,
		      const char **why)
{
	bool have = false;
	const char *bad;
	int i;

	*why = "no valid label";
	for (i = 0; i < 2; i++) {
		struct dm_buffer *buf;
		const struct hastor_label *l;

		l = dm_bufio_read(m->bufio, HASTOR_LABEL_BLOCK + i, &buf);
		if (IS_ERR(l)) {
			*why = "label unreadable";
			continue;
		}
		if (!hs_header_check(l, HASTOR_LABEL_MAGIC,
				     HASTOR_LABEL_BLOCK + i, NULL, U64_MAX,
				     &bad) &&
		    (!have || le64_to_cpu(l->hdr.generation) >
			      le64_to_cpu(out->hdr.generation))) {
			memcpy(out, l, sizeof(*out));
			have = true;
		}
		dm_bufio_release(buf);
	}
	return have ? 0 : -EILSEQ;
}

static bool label_name_ok(const struct hastor_label *l)
{
	char name[HASTOR_POOL_NAME_LEN];

	if (strnlen(l->pool_name, sizeof(l->pool_name)) >= sizeof(name))
		return false;
	memcpy(name, l->pool_name, sizeof(name));
	return hastor_name_valid(name);
}

/*
 * Check every member's label against the table's order and the others;
 * fill in the layout.  *bad is the index of the offending member.
 */
static int labels_check(struct hs_pool *pool, const char **why, int *bad)
{
	struct hastor_label *l, *first;
	u64 pvbn = 0;
	int i, err = 0;

	l = kmalloc(sizeof(*l), GFP_KERNEL);
	first = kmalloc(sizeof(*first), GFP_KERNEL);
	if (!l || !first) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < pool->nr_members; i++) {
		struct hs_member *m = &pool->members[i];

		*bad = i;
		err = read_label(m, i ? l : first, why);
		if (err)
			goto out;
		if (!i)
			memcpy(l, first, sizeof(*l));
		err = -EILSEQ;
		if (le32_to_cpu(l->version) != HASTOR_FORMAT_VERSION)
			*why = "unknown format version";
		else if (hs_label_is_spare(l))
			*why = "a spare disk (hactl disk assign), in no pool";
		else if (le32_to_cpu(l->incompat) & ~HASTOR_INCOMPAT_LABEL_KNOWN)
			*why = "unknown incompatible feature";
		else if (le32_to_cpu(l->member_count) != pool->nr_members)
			*why = "member count differs from the table";
		else if (le32_to_cpu(l->member_index) != i)
			*why = "member out of order";
		else if (memcmp(l->hdr.pool_uuid, first->hdr.pool_uuid, 16) ||
			 memcmp(l->members, first->members,
				sizeof(l->members)))
			*why = "member of another pool";
		else if (memcmp(l->disk_uuid, l->members[i], 16))
			*why = "disk uuid not in the member list";
		else if (!label_name_ok(l) ||
			 strncmp(l->pool_name, first->pool_name,
				 sizeof(l->pool_name)))
			*why = "bad pool name";
		else if (le64_to_cpu(l->data_start) != HASTOR_RESERVED_BLOCKS ||
			 le64_to_cpu(l->data_blocks) < HS_MIN_DATA_BLOCKS ||
			 le64_to_cpu(l->data_blocks) > HS_MAX_BLOCKS ||
			 le64_to_cpu(l->disk_blocks) > HS_MAX_BLOCKS ||
			 le64_to_cpu(l->data_start) + le64_to_cpu(l->data_blocks) >
			 le64_to_cpu(l->disk_blocks) ||
			 le64_to_cpu(l->pvbn_start) != pvbn ||
			 pvbn + le64_to_cpu(l->data_blocks) > HS_MAX_BLOCKS)
			*why = "bad data area";
		else if (disk_blocks(m->bdev) < le64_to_cpu(l->disk_blocks))
			*why = "disk smaller than its label says";
		else
			err = 0;
		if (err)
			goto out;
		m->data_start = le64_to_cpu(l->data_start);
		m->data_blocks = le64_to_cpu(l->data_blocks);
		m->pvbn_start = pvbn;
		pvbn += m->data_blocks;
	}
	memcpy(pool->uuid, first->hdr.pool_uuid, 16);
	memcpy(pool->name, first->pool_name, sizeof(pool->name));
	pool->name[sizeof(pool->name) - 1] = '\0';
	pool->owner_node = le32_to_cpu(first->owner_node);
	pool->home_node = le32_to_cpu(first->home_node);
	pool->total_blocks = pvbn;
out:
	kfree(l);
	kfree(first);
	return err;
}

/* Take the newer valid superblock of the two slots. */
static int super_load(struct hs_pool *pool, const char **why)
{
	struct hs_member *m0 = &pool->members[0];
	const struct hastor_super *best = NULL;
	struct dm_buffer *bufs[2] = {};
	const char *slot_why[2] = { "unreadable", "unreadable" };
	int i, err = -EILSEQ;

	*why = "no valid superblock";
	for (i = 0; i < 2; i++) {
		const struct hastor_super *sb;
		u64 gen;

		sb = dm_bufio_read(m0->bufio, HASTOR_SUPER_BLOCK + i, &bufs[i]);
		if (IS_ERR(sb)) {
			bufs[i] = NULL;
			continue;
		}
		if (hs_header_check(sb, HASTOR_SUPER_MAGIC,
				    HASTOR_SUPER_BLOCK + i, pool->uuid,
				    U64_MAX, &slot_why[i]))
			continue;
		gen = le64_to_cpu(sb->hdr.generation);
		if ((gen & 1) != i) {
			slot_why[i] = "superblock in the wrong slot";
			continue;
		}
		if (!best || gen > le64_to_cpu(best->hdr.generation))
			best = sb;
	}
	if (!best) {
		pr_err("hastor: pool %s: no valid superblock: slot A: %s; slot B: %s\n",
		       pool->name, slot_why[0], slot_why[1]);
		goto out;
	}
	if (le32_to_cpu(best->version) != HASTOR_FORMAT_VERSION)
		*why = "unknown superblock version";
	else if (le32_to_cpu(best->incompat) & ~HASTOR_INCOMPAT_KNOWN)
		*why = "unknown incompatible feature";
	else if (le32_to_cpu(best->member_count) != pool->nr_members)
		*why = "superblock member count differs";
	else if (le64_to_cpu(best->total_blocks) != pool->total_blocks)
		*why = "superblock size differs from the members'";
	else if (le64_to_cpu(best->refmap_root) >= pool->total_blocks ||
		 le64_to_cpu(best->voltab_root) >= pool->total_blocks)
		*why = "superblock root out of range";
	else if (le64_to_cpu(best->meta_reserve) >= pool->total_blocks ||
		 le64_to_cpu(best->used_blocks) > pool->total_blocks)
		*why = "superblock space fields out of range";
	else if (le32_to_cpu(best->snap_time) > HASTOR_MAP_TIME_MAX)
		*why = "superblock time out of range";
	else if (!le64_to_cpu(best->next_vol_id) ||
		 le64_to_cpu(best->next_vol_id) == U64_MAX)
		*why = "superblock volume id out of range";
	else if ((le32_to_cpu(best->incompat) & HASTOR_INCOMPAT_TAKEOVER) &&
		 (!memchr_inv(best->tko_uuid, 0, 16) ||
		  !memchr_inv(best->wlog_uuid, 0, 16) ||
		  !memcmp(best->tko_uuid, best->wlog_uuid, 16)))
		*why = "superblock takeover fields inconsistent";
	else
		err = 0;
	if (err)
		goto out;
	pool->generation = le64_to_cpu(best->hdr.generation);
	pool->cp_time_ns = le64_to_cpu(best->cp_time_ns);
	pool->refmap_root = le64_to_cpu(best->refmap_root);
	pool->voltab_root = le64_to_cpu(best->voltab_root);
	pool->next_vol_id = le64_to_cpu(best->next_vol_id);
	pool->snap_time = le32_to_cpu(best->snap_time);
	pool->sm.meta_reserve = le64_to_cpu(best->meta_reserve);
	pool->sm.nr_meta = le64_to_cpu(best->meta_blocks);
	pool->sm.nr_used = le64_to_cpu(best->used_blocks);
	pool->wlog_seq = le64_to_cpu(best->wlog_seq);
	memcpy(pool->wlog_uuid, best->wlog_uuid, 16);
	if (le32_to_cpu(best->incompat) & HASTOR_INCOMPAT_TAKEOVER) {
		pool->tko_seq = le64_to_cpu(best->tko_seq);
		memcpy(pool->tko_uuid, best->tko_uuid, 16);
	}
out:
	for (i = 0; i < 2; i++)
		if (bufs[i])
			dm_bufio_release(bufs[i]);
	return err;
}

VISIBLE_IF_KUNIT struct hs_pool *hs_pool_alloc(void)
{
	struct hs_pool *pool = kzalloc(sizeof(*pool), GFP_KERNEL);

	if (!pool)
		return NULL;
	kref_init(&pool->ref);
	INIT_LIST_HEAD(&pool->list);
	INIT_LIST_HEAD(&pool->vols);
	INIT_LIST_HEAD(&pool->wlog_node);
	mutex_init(&pool->mutex);
	init_rwsem(&pool->meta_lock);
	spin_lock_init(&pool->io_lock);
	init_waitqueue_head(&pool->io_wait);
	spin_lock_init(&pool->lock);
	bio_list_init(&pool->deferred);
	bio_list_init(&pool->flushes);
	INIT_LIST_HEAD(&pool->completed);
	pool->state = HASTOR_POOL_ACTIVE;
	return pool;
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_alloc);

/* ---- import ---- */

/*
 * What an active pool runs on: its own references to the member disks
 * (the table that named them may go before the pool does), its worker,
 * its CP timer and its bio set.
 */
static int pool_start(struct hs_pool *pool, struct block_device **bdevs,
		      const char **why)
{
	int i, err;

	for (i = 0; i < pool->nr_members; i++) {
		struct block_device *b = blkdev_get_by_dev(bdevs[i]->bd_dev,
							   HS_DISK_MODE, NULL);

		if (IS_ERR(b)) {
			err = PTR_ERR(b);
			goto err_put;
		}
		pool->members[i].held = b;
	}
	err = -ENOMEM;
	pool->wq = alloc_ordered_workqueue("hastor-%s", WQ_MEM_RECLAIM,
					   pool->name);
	if (!pool->wq)
		goto err_put;
	/* Logged writes clone in map(), where bios may be held back. */
	err = bioset_init(&pool->bs, BIO_POOL_SIZE, 0,
			  BIOSET_NEED_BVECS | BIOSET_NEED_RESCUER);
	if (err)
		goto err_wq;
	INIT_WORK(&pool->worker, hs_pool_worker);
	INIT_DELAYED_WORK(&pool->cp_timer, hs_pool_cp_timer);
	hs_pool_start_timer(pool);
	return 0;

err_wq:
	destroy_workqueue(pool->wq);
err_put:
	while (i--)
		blkdev_put(pool->members[i].held, HS_DISK_MODE);
	*why = "cannot hold the member disks or start the worker";
	return err;
}

static void pool_stop(struct hs_pool *pool)
{
	int i;

	cancel_delayed_work_sync(&pool->cp_timer);
	destroy_workqueue(pool->wq);
	bioset_exit(&pool->bs);
	for (i = 0; i < pool->nr_members; i++)
		blkdev_put(pool->members[i].held, HS_DISK_MODE);
}

/*
 * Activate the pool on these members (in the table's order).  On error
 * *why says what failed; nothing has been written.
 */
struct hs_pool *hs_pool_open(struct block_device **bdevs, int n,
			     dev_t dm_devt, unsigned int flags,
			     const char **why, int *bad)
{
	struct hs_pool *pool, *other;
	u64 used, meta, reserve;
	int err;

	*bad = -1;
	pool = hs_pool_alloc();
	if (!pool) {
		*why = "out of memory";
		return ERR_PTR(-ENOMEM);
	}
	pool->accept_loss = flags & HS_POOL_ACCEPT_LOSS;
	err = hs_pool_members_setup(pool, bdevs, n);
	if (err) {
		*why = "cannot create buffer cache";
		goto err_free;
	}
	err = labels_check(pool, why, bad);
	if (err)
		goto err_members;
	*bad = 0;
	err = super_load(pool, why);
	if (err)
		goto err_members;
	used = pool->sm.nr_used;
	meta = pool->sm.nr_meta;
	reserve = pool->sm.meta_reserve;
	err = hs_sm_init(&pool->sm, pool->total_blocks, reserve);
	if (err) {
		*why = "out of memory for the space map";
		goto err_members;
	}
	pool->sm.nr_meta = meta;
	err = hs_sm_load(pool);
	if (err) {
		*why = "refcount metadata invalid (see kernel log)";
		goto err_sm;
	}
	if (pool->sm.nr_used != used) {
		*why = "superblock used count differs from the refcounts";
		err = -EILSEQ;
		goto err_sm;
	}
	err = hs_vol_load(pool, why);
	if (err)
		goto err_sm;
	/* Ownership first: nothing else is written before it (fence.c). */
	err = hs_fence_claim(pool, why);
	if (err)
		goto err_vols;
	err = pool_start(pool, bdevs, why);
	if (err)
		goto err_vols;

	mutex_lock(&hs_pools_lock);
	list_for_each_entry(other, &hs_pools, list)
		if (!strcmp(other->name, pool->name) ||
		    !memcmp(other->uuid, pool->uuid, 16)) {
			mutex_unlock(&hs_pools_lock);
			*why = other->detached ?
			       "the pool's volume devices are still in use" :
			       "a pool of that name or uuid is already active";
			err = -EBUSY;
			goto err_stop;
		}
	pool->dm_devt = dm_devt;
	pool->users = 1;	/* the hastor-pool target */
	list_add_tail(&pool->list, &hs_pools);
	mutex_unlock(&hs_pools_lock);
	/* Its volumes cannot be activated before this returns. */
	err = hs_diskhb_start(pool, why);
	if (!err) {
		err = hs_wlog_pool_attach(pool, why);
		if (err)
			hs_diskhb_stop(pool, false);
	}
	if (err) {
		mutex_lock(&hs_pools_lock);
		list_del_init(&pool->list);
		mutex_unlock(&hs_pools_lock);
		goto err_stop;
	}
	/* The first beat knew no log: say the log's state now. */
	hs_diskhb_kick(pool);
	pr_info("hastor: pool %s imported at CP %llu: %llu/%llu blocks used\n",
		pool->name, pool->generation, pool->sm.nr_used,
		pool->total_blocks);
	return pool;

err_stop:
	pool_stop(pool);
err_vols:
	hs_vol_unload(pool);
err_sm:
	hs_sm_destroy(&pool->sm);
err_members:
	hs_pool_members_teardown(pool);
err_free:
	hs_pool_put(pool);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_open);

/*
 * The last user is gone: a final CP, then everything the pool holds is
 * released.  Netlink requests still holding a reference find it dead.
 */
static void pool_teardown(struct hs_pool *pool)
{
	bool committed = false;
	u64 seq = 0;

	cancel_delayed_work_sync(&pool->cp_timer);
	flush_workqueue(pool->wq);
	/* A takeover's replay ends first: the rest is only in the mirror. */
	hs_tko_stop(pool);
	if (pool->wlog)
		seq = hs_wlog_pool_leave(pool);
	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	if (pool->wlog) {
		/* Exported cleanly: it needs no log to be imported again. */
		memset(pool->wlog_uuid, 0, sizeof(pool->wlog_uuid));
		pool->wlog_seq = 0;
		memset(pool->tko_uuid, 0, sizeof(pool->tko_uuid));
		pool->tko_seq = 0;
		pool->txn_dirty = true;
	}
	if (!hs_pool_broken(pool) && !hs_pool_commit_locked(pool)) {
		committed = true;
		pr_info("hastor: pool %s exported at CP %llu\n", pool->name,
			pool->generation);
	}
	pool->dead = true;
	up_write(&pool->meta_lock);
	mutex_unlock(&pool->mutex);
	/* After the final CP, before the log lets go of the pool. */
	hs_diskhb_stop(pool, committed);
	if (pool->wlog)
		hs_wlog_pool_left(pool, committed ? seq : 0);

	mutex_lock(&hs_pools_lock);
	list_del_init(&pool->list);
	mutex_unlock(&hs_pools_lock);
	pool_stop(pool);
	hs_vol_unload(pool);
	hs_sm_destroy(&pool->sm);
	hs_pool_members_teardown(pool);
	hs_pool_put(pool);
}

void hs_pool_put_user(struct hs_pool *pool)
{
	bool last;

	mutex_lock(&hs_pools_lock);
	last = !--pool->users;
	mutex_unlock(&hs_pools_lock);
	if (last)
		pool_teardown(pool);
}

/*
 * The hastor-pool target goes: no one may find the pool any more, and it
 * ends with its last volume target (or now, if it has none).
 */
void hs_pool_close(struct hs_pool *pool)
{
	mutex_lock(&hs_pools_lock);
	pool->detached = true;
	mutex_unlock(&hs_pools_lock);
	hs_pool_put_user(pool);
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_close);

/* ---- format ---- */

static int write_labels(struct hs_pool *pool, u32 cluster, u32 node)
{
	struct hastor_label *l;
	u8 members[HASTOR_MAX_MEMBERS][16] = {};
	int i, copy, err = 0;

	for (i = 0; i < pool->nr_members; i++)
		generate_random_uuid(members[i]);
	for (copy = 0; copy < 2 && !err; copy++) {
		for (i = 0; i < pool->nr_members && !err; i++) {
			struct hs_member *m = &pool->members[i];
			struct dm_buffer *buf;

			l = dm_bufio_new(m->bufio, HASTOR_LABEL_BLOCK + copy,
					 &buf);
			if (IS_ERR(l))
				return PTR_ERR(l);
			memset(l, 0, HASTOR_BLOCK_SIZE);
			l->hdr.magic = cpu_to_le32(HASTOR_LABEL_MAGIC);
			l->hdr.blocknr = cpu_to_le64(HASTOR_LABEL_BLOCK + copy);
			l->hdr.generation = cpu_to_le64(1);
			memcpy(l->hdr.pool_uuid, pool->uuid, 16);
			l->version = cpu_to_le32(HASTOR_FORMAT_VERSION);
			l->member_index = cpu_to_le32(i);
			l->member_count = cpu_to_le32(pool->nr_members);
			l->cluster_id = cpu_to_le32(cluster);
			l->owner_node = cpu_to_le32(node);
			l->home_node = cpu_to_le32(node);
			memcpy(l->disk_uuid, members[i], 16);
			strscpy(l->pool_name, pool->name, sizeof(l->pool_name));
			l->disk_blocks = cpu_to_le64(disk_blocks(m->bdev));
			l->data_start = cpu_to_le64(m->data_start);
			l->data_blocks = cpu_to_le64(m->data_blocks);
			l->pvbn_start = cpu_to_le64(m->pvbn_start);
			l->ctime = cpu_to_le64(ktime_get_real_seconds());
			memcpy(l->members, members, sizeof(members));
			dm_bufio_mark_buffer_dirty(buf);
			dm_bufio_release(buf);
		}
		/* One copy whole on every disk before the other is touched. */
		err = hs_meta_write_all(pool);
	}
	return err;
}

/*
 * Write an empty pool over the members: the data areas' metadata (an
 * empty volume table, the refcounts), a superblock, then the labels, so
 * a disk with a label always has the rest.
 */
int hs_pool_format(const char *name, struct block_device **bdevs, int n,
		   u8 *uuid, u64 *size, const char **why, int *bad)
{
	struct hastor_node_info node;
	struct hs_pool *pool;
	u64 pvbn = 0;
	int i, err;

	*bad = -1;
	hastor_node_get(&node);
	if (node.state == HASTOR_NODE_UNCONFIGURED) {
		*why = "configure the node (hactl node set) first";
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (disk_blocks(bdevs[i]) <
		    HASTOR_RESERVED_BLOCKS + HS_MIN_DATA_BLOCKS) {
			*why = "disk too small (at least 1.25 MiB)";
			*bad = i;
			return -EINVAL;
		}
	}
	pool = hs_pool_alloc();
	if (!pool)
		return -ENOMEM;
	strscpy(pool->name, name, sizeof(pool->name));
	generate_random_uuid(pool->uuid);
	err = hs_pool_members_setup(pool, bdevs, n);
	if (err)
		goto out_free;
	for (i = 0; i < n; i++) {
		struct hastor_label *l = kmalloc(sizeof(*l), GFP_KERNEL);
		const char *unused;

		/* Never format over a pool: wiping one is a separate act. */
		err = l ? read_label(&pool->members[i], l, &unused) : -ENOMEM;
		kfree(l);
		if (err != -EILSEQ) {
			*why = err ? "out of memory" :
			       "disk carries a hastor label; wipe it first";
			*bad = i;
			err = err ?: -EBUSY;
			goto out_members;
		}
	}
	err = 0;
	for (i = 0; i < n; i++) {
		struct hs_member *m = &pool->members[i];

		m->data_start = HASTOR_RESERVED_BLOCKS;
		m->data_blocks = disk_blocks(m->bdev) - HASTOR_RESERVED_BLOCKS;
		m->pvbn_start = pvbn;
		pvbn += m->data_blocks;
	}
	if (pvbn > HS_MAX_BLOCKS) {
		*why = "pool larger than 4 PiB";
		err = -EFBIG;
		goto out_members;
	}
	pool->total_blocks = pvbn;
	pool->next_vol_id = 1;
	err = hs_sm_init(&pool->sm, pvbn, meta_reserve_for(pvbn));
	if (err)
		goto out_members;

	mutex_lock(&pool->mutex);
	down_write(&pool->meta_lock);
	err = hs_btree_create(pool, hs_voltab_info(), &pool->voltab_root);
	if (!err)
		err = hs_btree_create(pool, hs_refmap_info(),
				      &pool->refmap_root);
	up_write(&pool->meta_lock);
	if (!err)
		err = hs_pool_commit(pool);
	mutex_unlock(&pool->mutex);
	if (!err)
		err = write_labels(pool, node.cluster_id, node.id);
	if (err)
		*why = "write failed";
	memcpy(uuid, pool->uuid, 16);
	*size = hs_blocks_to_bytes(pool->total_blocks);
	hs_sm_destroy(&pool->sm);
out_members:
	hs_pool_members_teardown(pool);
out_free:
	hs_pool_put(pool);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_pool_format);

/* ---- the worker's CP timer ---- */

void hs_pool_cp_timer(struct work_struct *work)
{
	struct hs_pool *pool = container_of(to_delayed_work(work),
					    struct hs_pool, cp_timer);

	/* With a write log, the log's CPs commit the pool (wlog.c). */
	mutex_lock(&pool->mutex);
	if (pool->txn_dirty && !pool->wlog)
		hs_pool_commit(pool);
	mutex_unlock(&pool->mutex);
	queue_delayed_work(pool->wq, &pool->cp_timer, HS_CP_INTERVAL);
}

void hs_pool_start_timer(struct hs_pool *pool)
{
	queue_delayed_work(pool->wq, &pool->cp_timer, HS_CP_INTERVAL);
}
