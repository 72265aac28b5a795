// SPDX-License-Identifier: GPL-2.0
/*
 * Volumes, snapshots and clones of a pool.
 *
 * The volume table (a VOLTAB B-tree) is the on-disk copy of pool->vols,
 * written at each CP for the records that changed; in between, the
 * in-memory hs_vol is authoritative, and it is what holds the reference
 * to its mapping tree's root.
 *
 * A snapshot is one new record and one more reference to the volume's
 * root.  Sharing is then found by time: every mapping records the pool's
 * snap_time when it was written, every volume the snap_time of its last
 * snapshot (or of its creation, for a clone).  A mapping older than its
 * volume's snap_time may be shared and takes the slow path, which copies
 * the tree path and, if the data block itself is shared, the block; a
 * newer one is this volume's alone and is written in place.
 *
 * Callers hold pool->mutex; these functions take meta_lock.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "vol.h"
#include "mapcache.h"
#include "btree.h"
#include "spacemap.h"
#include "node.h"

static int mapping_inc(struct hs_pool *pool, const void *value)
{
	u64 v = le64_to_cpu(*(const __le64 *)value);

	if (v & HASTOR_MAP_ABSENT)
		return 0;
	return hs_sm_inc(pool, hs_map_pvbn(v));
}

static void mapping_dec(struct hs_pool *pool, const void *value)
{
	u64 v = le64_to_cpu(*(const __le64 *)value);

	if (!(v & HASTOR_MAP_ABSENT))
		hs_sm_dec(pool, hs_map_pvbn(v));
}

static const struct hs_btree_info mapping_info = {
	.type = HASTOR_TREE_MAPPING,
	.value_size = sizeof(__le64),
	.inc = mapping_inc,
	.dec = mapping_dec,
};

/*
 * The volume table is never shared, so its leaves are never copied with
 * their values' counts raised: records own their roots explicitly.
 */
static const struct hs_btree_info voltab_info = {
	.type = HASTOR_TREE_VOLTAB,
	.value_size = sizeof(struct hastor_vol_record),
};

const struct hs_btree_info *hs_mapping_info(void)
{
	return &mapping_info;
}
EXPORT_SYMBOL_IF_KUNIT(hs_mapping_info);

const struct hs_btree_info *hs_voltab_info(void)
{
	return &voltab_info;
}

u32 hs_vol_count(struct hs_pool *pool)
{
	struct hs_vol *vol;
	u32 n = 0;

	list_for_each_entry(vol, &pool->vols, list)
		n++;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_count);

struct hs_vol *hs_vol_find(struct hs_pool *pool, const char *name)
{
	struct hs_vol *vol;

	list_for_each_entry(vol, &pool->vols, list)
		if (!strcmp(vol->name, name))
			return vol;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_find);

struct hs_vol *hs_vol_find_id(struct hs_pool *pool, u64 id)
{
	struct hs_vol *vol;

	list_for_each_entry(vol, &pool->vols, list)
		if (vol->id == id)
			return vol;
	return NULL;
}

/* "VOL" or "VOL@SNAP", each part a valid name. */
static bool full_name_valid(const char *name, bool snapshot)
{
	char part[HASTOR_NAME_MAX + 1];
	const char *at = strchr(name, '@');
	size_t len;

	if (!snapshot)
		return !at && hastor_name_valid(name);
	if (!at || strchr(at + 1, '@'))
		return false;
	len = at - name;
	if (len > HASTOR_NAME_MAX)
		return false;
	memcpy(part, name, len);
	part[len] = '\0';
	return hastor_name_valid(part) && hastor_name_valid(at + 1);
}

/* ---- load and save ---- */

struct load_ctx {
	struct hs_pool *pool;
	const char **why;
};

static int load_record(void *data, u64 key, const void *value, bool shared)
{
	struct load_ctx *c = data;
	const struct hastor_vol_record *r = value;
	struct hs_pool *pool = c->pool;
	struct hs_vol *vol;
	u32 flags = le32_to_cpu(r->flags);
	u64 root = le64_to_cpu(r->mapping_root);

	*c->why = NULL;
	if (le64_to_cpu(r->id) != key || key == 0 || key >= pool->next_vol_id)
		*c->why = "volume record with a bad id";
	else if (flags & ~HASTOR_VOL_KNOWN ||
		 (flags & HASTOR_VOL_SNAPSHOT && flags & HASTOR_VOL_CLONE))
		*c->why = "volume record with unknown flags";
	else if (strnlen(r->name, sizeof(r->name)) == sizeof(r->name) ||
		 !full_name_valid(r->name, flags & HASTOR_VOL_SNAPSHOT))
		*c->why = "volume record with a bad name";
	else if (root != HASTOR_NO_BLOCK && root >= pool->total_blocks)
		*c->why = "volume record with a root out of range";
	else if (!le64_to_cpu(r->size_blocks) ||
		 hs_blocks_to_bytes(le64_to_cpu(r->size_blocks)) >
		 HASTOR_VOL_SIZE_MAX)
		*c->why = "volume record with a bad size";
	else if (le32_to_cpu(r->snap_time) > pool->snap_time)
		*c->why = "volume record from the future";
	else if (hs_vol_find(pool, r->name))
		*c->why = "two volumes of the same name";
	if (*c->why) {
		pr_err("hastor: pool %s: volume %llu: %s\n", pool->name, key,
		       *c->why);
		return -EILSEQ;
	}
	vol = kzalloc(sizeof(*vol), GFP_KERNEL);
	if (!vol)
		return -ENOMEM;
	vol->id = key;
	vol->size_blocks = le64_to_cpu(r->size_blocks);
	vol->root = root;
	vol->mapped = le64_to_cpu(r->mapped_blocks);
	vol->parent_id = le64_to_cpu(r->parent_id);
	vol->ctime_ns = le64_to_cpu(r->ctime_ns);
	vol->flags = flags;
	vol->snap_time = le32_to_cpu(r->snap_time);
	memcpy(vol->name, r->name, sizeof(vol->name));
	INIT_LIST_HEAD(&vol->provisioning);
	list_add_tail(&vol->list, &pool->vols);
	return 0;
}

struct map_check {
	struct hs_pool *pool;
	struct hs_vol *vol;
	u64 entries;
};

static int check_mapping(void *data, u64 key, const void *value, bool shared)
{
	struct map_check *c = data;
	u64 v = le64_to_cpu(*(const __le64 *)value);
	const char *why = NULL;

	if (key >= c->vol->size_blocks)
		why = "mapping beyond the volume's size";
	else if (v & HASTOR_MAP_RESERVED)
		why = "mapping with reserved bits set";
	else if (v & HASTOR_MAP_ABSENT && hs_map_pvbn(v))
		why = "absent mapping with a block number";
	else if (!(v & HASTOR_MAP_ABSENT) &&
		 hs_map_pvbn(v) >= c->pool->total_blocks)
		why = "mapping out of the pool";
	else if (hs_map_time(v) > c->pool->snap_time)
		why = "mapping from the future";
	else if (!(v & HASTOR_MAP_ABSENT) && !hs_sm_count(c->pool,
							 hs_map_pvbn(v)))
		why = "mapping to a free block";
	if (why) {
		pr_err("hastor: pool %s: volume %s block %llu: %s\n",
		       c->pool->name, c->vol->name, key, why);
		return -EILSEQ;
	}
	c->entries++;
	return 0;
}

/* Read and check the volume table and every volume's mapping tree. */
int hs_vol_load(struct hs_pool *pool, const char **why)
{
	struct load_ctx ctx = { .pool = pool, .why = why };
	struct hs_vol *vol, *parent;
	int err;

	*why = NULL;	/* may hold an earlier step's text */
	err = hs_btree_walk(pool, &voltab_info, pool->voltab_root,
			    load_record, &ctx);
	if (err) {
		if (!*why)
			*why = "volume table invalid (see kernel log)";
		goto err;
	}
	list_for_each_entry(vol, &pool->vols, list) {
		struct map_check mc = { .pool = pool, .vol = vol };

		*why = NULL;
		parent = vol->parent_id ? hs_vol_find_id(pool, vol->parent_id) :
			 NULL;
		if (vol->flags & HASTOR_VOL_SNAPSHOT &&
		    (!parent || hs_vol_readonly(parent)))
			*why = "snapshot without a volume";
		else if (vol->flags & HASTOR_VOL_CLONE &&
			 (!parent || !hs_vol_readonly(parent)))
			*why = "clone without a snapshot";
		if (*why) {
			pr_err("hastor: pool %s: volume %s: %s\n", pool->name,
			       vol->name, *why);
			err = -EILSEQ;
			goto err;
		}
		err = hs_btree_walk(pool, &mapping_info, vol->root,
				    check_mapping, &mc);
		if (!err && mc.entries != vol->mapped) {
			pr_err("hastor: pool %s: volume %s maps %llu blocks, its record says %llu\n",
			       pool->name, vol->name, mc.entries,
			       vol->mapped);
			err = -EILSEQ;
		}
		if (err) {
			*why = "volume mapping invalid (see kernel log)";
			goto err;
		}
	}
	return 0;
err:
	hs_vol_unload(pool);
	return err;
}

void hs_vol_unload(struct hs_pool *pool)
{
	struct hs_vol *vol, *tmp;

	list_for_each_entry_safe(vol, tmp, &pool->vols, list) {
		list_del(&vol->list);
		kfree(vol);
	}
}

/* Write the changed records into the volume table (during a CP). */
int hs_vol_save(struct hs_pool *pool)
{
	struct hastor_vol_record *r;
	struct hs_vol *vol;
	bool replaced;
	int err = 0;

	r = kmalloc(sizeof(*r), GFP_NOIO);
	if (!r)
		return -ENOMEM;
	list_for_each_entry(vol, &pool->vols, list) {
		if (!vol->dirty)
			continue;
		memset(r, 0, sizeof(*r));
		r->id = cpu_to_le64(vol->id);
		r->size_blocks = cpu_to_le64(vol->size_blocks);
		r->mapping_root = cpu_to_le64(vol->root);
		r->mapped_blocks = cpu_to_le64(vol->mapped);
		r->parent_id = cpu_to_le64(vol->parent_id);
		r->ctime_ns = cpu_to_le64(vol->ctime_ns);
		r->flags = cpu_to_le32(vol->flags);
		r->snap_time = cpu_to_le32(vol->snap_time);
		memcpy(r->name, vol->name, sizeof(r->name));
		err = hs_btree_insert(pool, &voltab_info, &pool->voltab_root,
				      vol->id, r, NULL, &replaced);
		if (err)
			break;
		vol->dirty = false;
	}
	kfree(r);
	return err;
}

/* ---- management ---- */

static struct hs_vol *vol_new(struct hs_pool *pool, const char *name)
{
	struct hs_vol *vol = kzalloc(sizeof(*vol), GFP_KERNEL);

	if (!vol)
		return NULL;
	vol->id = pool->next_vol_id++;
	vol->root = HASTOR_NO_BLOCK;
	vol->ctime_ns = ktime_get_real_ns();
	vol->dirty = true;
	INIT_LIST_HEAD(&vol->provisioning);
	strscpy(vol->name, name, sizeof(vol->name));
	list_add_tail(&vol->list, &pool->vols);
	pool->txn_dirty = true;
	return vol;
}

static int check_writable(struct hs_pool *pool, const char **why)
{
	if (pool->state != HASTOR_POOL_ACTIVE) {
		*why = "pool is not writable";
		return -EROFS;
	}
	return 0;
}

/* With meta_lock held for writing: the named volume of a writable pool. */
static struct hs_vol *find_for_change(struct hs_pool *pool, const char *name,
				      const char **why, int *err)
{
	struct hs_vol *vol;

	*err = check_writable(pool, why);
	if (*err)
		return NULL;
	vol = hs_vol_find(pool, name);
	if (!vol) {
		*why = "no such volume";
		*err = -ENOENT;
	}
	return vol;
}

int hs_vol_create(struct hs_pool *pool, const char *name, u64 size_blocks,
		  struct hs_vol *out, const char **why)
{
	struct hs_vol *vol;
	int err;

	if (!full_name_valid(name, false)) {
		*why = "invalid volume name";
		return -EINVAL;
	}
	down_write(&pool->meta_lock);
	err = check_writable(pool, why);
	if (err)
		goto out;
	if (hs_vol_find(pool, name)) {
		*why = "a volume of that name exists";
		err = -EEXIST;
		goto out;
	}
	vol = vol_new(pool, name);
	if (!vol) {
		err = -ENOMEM;
		goto out;
	}
	vol->size_blocks = size_blocks;
	*out = *vol;
out:
	up_write(&pool->meta_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_create);

int hs_vol_resize(struct hs_pool *pool, const char *name, u64 size_blocks,
		  struct hs_vol *out, const char **why)
{
	struct hs_vol *vol;
	int err;

	down_write(&pool->meta_lock);
	err = check_writable(pool, why);
	if (err)
		goto out;
	vol = hs_vol_find(pool, name);
	err = -ENOENT;
	if (!vol) {
		*why = "no such volume";
	} else if (hs_vol_readonly(vol)) {
		*why = "snapshots cannot be resized";
		err = -EROFS;
	} else if (size_blocks < vol->size_blocks) {
		*why = "volumes only grow";
		err = -EINVAL;
	} else {
		vol->size_blocks = size_blocks;
		vol->dirty = true;
		pool->txn_dirty = true;
		*out = *vol;
		err = 0;
	}
out:
	up_write(&pool->meta_lock);
	return err;
}

/*
 * A vol@snap or clone takes a new time, so the source's mappings become
 * "maybe shared" for whoever writes next.
 */
static int bump_time(struct hs_pool *pool, u32 *time, const char **why)
{
	if (pool->snap_time >= HASTOR_MAP_TIME_MAX) {
		*why = "the pool's snapshot counter is exhausted";
		return -EOVERFLOW;
	}
	*time = ++pool->snap_time;
	return 0;
}

/*
 * A new record named name that shares src's tree: a snapshot of a volume
 * or a clone of a snapshot.  It takes a new pool time, so that every
 * mapping the two share is "maybe shared" to whoever writes next.
 */
static int derive(struct hs_pool *pool, struct hs_vol *src, const char *name,
		  u32 flags, struct hs_vol **dst, const char **why)
{
	struct hs_vol *v;
	u32 time;
	int err;

	if (hs_vol_find(pool, name)) {
		*why = "a volume of that name exists";
		return -EEXIST;
	}
	err = bump_time(pool, &time, why);
	if (err)
		return err;
	if (src->root != HASTOR_NO_BLOCK) {
		err = hs_sm_inc(pool, src->root);
		if (err) {
			*why = "too many snapshots and clones share this volume";
			return err;
		}
	}
	v = vol_new(pool, name);
	if (!v) {
		if (src->root != HASTOR_NO_BLOCK)
			hs_sm_dec_meta(pool, src->root);
		return -ENOMEM;
	}
	v->root = src->root;
	v->mapped = src->mapped;
	v->size_blocks = src->size_blocks;
	v->parent_id = src->id;
	v->flags = flags;
	v->snap_time = time;
	*dst = v;
	return 0;
}

int hs_vol_snapshot(struct hs_pool *pool, const char *name,
		    const char *snap, struct hs_vol *out, const char **why)
{
	char full[HASTOR_VOL_NAME_LEN];
	struct hs_vol *vol, *s;
	int err;

	if (snprintf(full, sizeof(full), "%s@%s", name, snap) >=
	    sizeof(full) || !full_name_valid(full, true)) {
		*why = "invalid snapshot name";
		return -EINVAL;
	}
	down_write(&pool->meta_lock);
	vol = find_for_change(pool, name, why, &err);
	if (!vol)
		goto out;
	err = -EINVAL;
	if (hs_vol_readonly(vol)) {
		*why = "cannot snapshot a snapshot; clone it first";
		goto out;
	}
	err = derive(pool, vol, full, HASTOR_VOL_SNAPSHOT, &s, why);
	if (err)
		goto out;
	vol->snap_time = s->snap_time;
	vol->dirty = true;
	hs_mc_invalidate_all(vol);
	/*
	 * Writes to vol issued before now may go in place into blocks the
	 * snapshot now shares: let them land before anyone can read it.
	 */
	hs_io_drain(pool);
	*out = *s;
out:
	up_write(&pool->meta_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_snapshot);

int hs_vol_clone(struct hs_pool *pool, const char *origin, const char *name,
		 struct hs_vol *out, const char **why)
{
	struct hs_vol *snap, *c;
	int err;

	if (!full_name_valid(name, false)) {
		*why = "invalid clone name";
		return -EINVAL;
	}
	down_write(&pool->meta_lock);
	err = check_writable(pool, why);
	if (err)
		goto out;
	snap = hs_vol_find(pool, origin);
	err = -ENOENT;
	if (!snap || !hs_vol_readonly(snap)) {
		*why = "origin is not a snapshot of this pool";
		goto out;
	}
	err = derive(pool, snap, name, HASTOR_VOL_CLONE, &c, why);
	if (!err)
		*out = *c;
out:
	up_write(&pool->meta_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_clone);

/*
 * A volume with snapshots, or a snapshot backing clones, stays: the
 * dependents name it as their parent.  (Extended acks carry only static
 * text; the kernel log and hactl name the dependents.)
 */
static const char *dependents(struct hs_pool *pool, struct hs_vol *vol)
{
	struct hs_vol *v;

	list_for_each_entry(v, &pool->vols, list) {
		if (v->parent_id != vol->id)
			continue;
		pr_info("hastor: pool %s: %s not deleted: %s depends on it\n",
			pool->name, vol->name, v->name);
		return v->flags & HASTOR_VOL_CLONE ? "snapshot backs a clone" :
		       "volume has snapshots";
	}
	return NULL;
}

int hs_vol_delete(struct hs_pool *pool, const char *name, const char **why)
{
	struct hastor_vol_record old;
	struct hs_vol *vol;
	int err;

	down_write(&pool->meta_lock);
	vol = find_for_change(pool, name, why, &err);
	if (!vol)
		goto out;
	err = -EBUSY;
	if (vol->active) {
		*why = "volume is active (remove its dm device first)";
		goto out;
	}
	*why = dependents(pool, vol);
	if (*why)
		goto out;
	err = hs_btree_remove(pool, &voltab_info, &pool->voltab_root,
			      vol->id, &old);
	if (err == -ENODATA)	/* created since the last CP */
		err = 0;
	if (err) {
		*why = "volume table update failed";
		pool->state = HASTOR_POOL_FAILED;
		goto out;
	}
	hs_btree_drop(pool, &mapping_info, vol->root);
	list_del(&vol->list);
	kfree(vol);
	pool->txn_dirty = true;
	/*
	 * Commit before anyone writes: the blocks the deleted volume shared
	 * now count one reference less, and a volume writing in place into
	 * one of them must not find, after a crash, the deletion undone and
	 * its new data inside the volume it deleted.
	 */
	err = hs_pool_commit_locked(pool);
	if (err)
		*why = "commit failed";
out:
	up_write(&pool->meta_lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_delete);

struct space_ctx {
	struct hs_pool *pool;
	u64 unique, shared;
};

static int space_fn(void *data, u64 key, const void *value, bool shared)
{
	struct space_ctx *c = data;
	u64 v = le64_to_cpu(*(const __le64 *)value);

	if (v & HASTOR_MAP_ABSENT)
		return 0;
	if (shared || hs_sm_count(c->pool, hs_map_pvbn(v)) > 1)
		c->shared++;
	else
		c->unique++;
	return 0;
}

/* Blocks only this volume references, and blocks it shares. */
int hs_vol_space(struct hs_pool *pool, struct hs_vol *vol, u64 *unique,
		 u64 *shared)
{
	struct space_ctx c = { .pool = pool };
	int err;

	lockdep_assert_held(&pool->meta_lock);
	err = hs_btree_walk(pool, &mapping_info, vol->root, space_fn, &c);
	*unique = c.unique;
	*shared = c.shared;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_vol_space);
