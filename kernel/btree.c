// SPDX-License-Identifier: GPL-2.0
/*
 * A copy-on-write B-tree of u64 keys and fixed-size values.
 *
 * Every tree of a pool (volume mappings, the volume table, the refcount
 * index) is one of these.  A node that the last committed state may use is
 * never written: a change first "shadows" every node on the path from the
 * root, top-down, and writes the copies.  Shadowing is where sharing is
 * paid for, lazily, as in dm-persistent-data:
 *
 *   count 1, allocated in this transaction   change it in place;
 *   count 1, committed                       copy it; the copy inherits
 *                                            the children; the original
 *                                            is freed after the next CP;
 *   count > 1 (shared by snapshots/clones)   copy it and raise the count
 *                                            of every child, since two
 *                                            nodes now point at each;
 *                                            the original loses one.
 *
 * So a snapshot costs one increment of a root, and a write after it
 * copies one path.  Inserts split full nodes on the way down, so a split
 * never has to travel back up; removal drops empty nodes and collapses a
 * root with one child.  Internal keys are lower bounds: child i holds keys
 * in [key[i], key[i + 1]).
 *
 * Callers hold pool->meta_lock: for reading to look up, for writing to
 * change anything.
 */
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "btree.h"
#include "meta.h"
#include "spacemap.h"

#define HS_BTREE_MAX_DEPTH	8

static inline struct hastor_btree_node *node_of(struct hs_mblock *mb)
{
	return mb->data;
}

static inline u32 nr_entries(const struct hastor_btree_node *n)
{
	return le32_to_cpu(n->nr_entries);
}

static inline u32 max_entries(const struct hastor_btree_node *n)
{
	return le32_to_cpu(n->max_entries);
}

static inline bool is_leaf(const struct hastor_btree_node *n)
{
	return le32_to_cpu(n->flags) & HASTOR_BTREE_LEAF;
}

static inline u32 vsize(const struct hastor_btree_node *n)
{
	return le32_to_cpu(n->value_size);
}

static inline u64 key_at(const struct hastor_btree_node *n, u32 i)
{
	return le64_to_cpu(n->keys[i]);
}

static inline void *value_at(struct hastor_btree_node *n, u32 i)
{
	return (u8 *)&n->keys[max_entries(n)] + (size_t)i * vsize(n);
}

static inline u64 child_at(struct hastor_btree_node *n, u32 i)
{
	return le64_to_cpu(*(__le64 *)value_at(n, i));
}

static inline void set_child(struct hastor_btree_node *n, u32 i, u64 child)
{
	*(__le64 *)value_at(n, i) = cpu_to_le64(child);
}

/*
 * Structural checks of a node read from disk, beyond its header: a node
 * that passes may be indexed without further bounds checks.
 */
static int node_check(struct hs_pool *pool, const struct hs_btree_info *info,
		      struct hastor_btree_node *n, u64 pvbn, int level)
{
	u32 vs = is_leaf(n) ? info->value_size : sizeof(__le64);
	const char *why = NULL;
	u32 i;

	if (le32_to_cpu(n->tree_type) != info->type)
		why = "node of another tree type";
	else if (vsize(n) != vs)
		why = "wrong value size";
	else if (max_entries(n) != HASTOR_BTREE_MAX(vs))
		why = "wrong max_entries";
	else if (nr_entries(n) > max_entries(n))
		why = "more entries than fit";
	else if (is_leaf(n) != (le32_to_cpu(n->level) == 0))
		why = "leaf flag and level disagree";
	else if (level >= 0 && le32_to_cpu(n->level) != level)
		why = "wrong level";
	if (!why)
		for (i = 1; i < nr_entries(n); i++)
			if (key_at(n, i) <= key_at(n, i - 1)) {
				why = "keys not increasing";
				break;
			}
	if (why) {
		pr_err("hastor: pool %s: B-tree node %llu: %s\n", pool->name,
		       pvbn, why);
		return -EILSEQ;
	}
	return 0;
}

/* Structural checks once per read from disk; the level on every use. */
static int node_checked(struct hs_pool *pool, const struct hs_btree_info *info,
			struct hs_mblock *mb, int level)
{
	struct hastor_btree_node *n = node_of(mb);
	int err = 0;

	if (hs_meta_aux(mb)->tree_type != info->type) {
		err = node_check(pool, info, n, mb->pvbn, level);
		if (!err)
			hs_meta_aux(mb)->tree_type = info->type;
	} else if (level >= 0 && le32_to_cpu(n->level) != level) {
		pr_err("hastor: pool %s: B-tree node %llu: wrong level\n",
		       pool->name, mb->pvbn);
		err = -EILSEQ;
	}
	if (err)
		hs_meta_release(mb);
	return err;
}

static int node_read(struct hs_pool *pool, const struct hs_btree_info *info,
		     u64 pvbn, int level, struct hs_mblock *mb)
{
	int err = hs_meta_read(pool, pvbn, HASTOR_BTREE_MAGIC, mb);

	return err ? err : node_checked(pool, info, mb, level);
}

static int node_new(struct hs_pool *pool, const struct hs_btree_info *info,
		    u32 level, struct hs_mblock *mb)
{
	struct hastor_btree_node *n;
	u32 vs = level ? sizeof(__le64) : info->value_size;
	u64 pvbn;
	int err;

	err = hs_sm_alloc_meta(pool, &pvbn);
	if (err)
		return err;
	err = hs_meta_new(pool, pvbn, HASTOR_BTREE_MAGIC, mb);
	if (err) {
		hs_sm_dec_meta(pool, pvbn);
		return err;
	}
	n = node_of(mb);
	n->flags = cpu_to_le32(level ? 0 : HASTOR_BTREE_LEAF);
	n->max_entries = cpu_to_le32(HASTOR_BTREE_MAX(vs));
	n->value_size = cpu_to_le32(vs);
	n->tree_type = cpu_to_le32(info->type);
	n->level = cpu_to_le32(level);
	hs_meta_aux(mb)->tree_type = info->type;
	return 0;
}

int hs_btree_create(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root)
{
	struct hs_mblock mb;
	int err = node_new(pool, info, 0, &mb);

	if (err)
		return err;
	*root = mb.pvbn;
	hs_meta_release(&mb);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_create);

/* Raise the count of everything a node points at. */
static int node_inc_children(struct hs_pool *pool,
			     const struct hs_btree_info *info,
			     struct hastor_btree_node *n)
{
	u32 i;
	int err;

	for (i = 0; i < nr_entries(n); i++) {
		if (is_leaf(n))
			err = info->inc ? info->inc(pool, value_at(n, i)) : 0;
		else
			err = hs_sm_inc(pool, child_at(n, i));
		if (err)
			return err;
	}
	return 0;
}

/*
 * Make the node at *pvbn writable in this transaction; *pvbn becomes the
 * copy's address when it had to be copied.  On success mb holds it.
 */
static int shadow(struct hs_pool *pool, const struct hs_btree_info *info,
		  u64 *pvbn, int level, struct hs_mblock *mb)
{
	struct hs_mblock orig;
	u16 count;
	int err;

	err = node_read(pool, info, *pvbn, level, &orig);
	if (err)
		return err;
	count = hs_sm_count(pool, *pvbn);
	if (count == 1 && hs_sm_is_new(pool, *pvbn)) {
		*mb = orig;
		return 0;
	}
	err = node_new(pool, info, le32_to_cpu(node_of(&orig)->level), mb);
	if (err)
		goto out;
	memcpy((u8 *)mb->data + sizeof(struct hastor_block_header),
	       (u8 *)orig.data + sizeof(struct hastor_block_header),
	       HASTOR_BLOCK_SIZE - sizeof(struct hastor_block_header));
	if (count > 1) {
		/*
		 * A failure here leaves counts half raised; the caller fails
		 * the pool, and the last CP, which this never touched, stays
		 * what import will find.
		 */
		err = node_inc_children(pool, info, node_of(mb));
		if (err) {
			hs_meta_release(mb);
			goto out;
		}
	}
	hs_sm_dec_meta(pool, *pvbn);
	*pvbn = mb->pvbn;
out:
	hs_meta_release(&orig);
	return err;
}

/* Index of the child that covers key: the last i with key[i] <= key. */
static u32 child_index(struct hastor_btree_node *n, u64 key)
{
	u32 lo = 0, hi = nr_entries(n);

	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;

		if (key_at(n, mid) <= key)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* In a leaf: the index of key, or where it would go (*found false). */
static u32 leaf_index(struct hastor_btree_node *n, u64 key, bool *found)
{
	u32 lo = 0, hi = nr_entries(n);

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (key_at(n, mid) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < nr_entries(n) && key_at(n, lo) == key;
	return lo;
}

/*
 * Find key and the entries for key + 1, key + 2, ... that follow it in the
 * same leaf, up to max of them; returns how many (values holds them), or
 * -ENODATA when key itself is absent.
 */
static int lookup(struct hs_pool *pool, const struct hs_btree_info *info,
		  u64 root, u64 key, void *values, u32 max, bool cached)
{
	struct hs_mblock mb;
	u64 pvbn = root;
	int depth, err;

	if (root == HASTOR_NO_BLOCK)
		return -ENODATA;
	for (depth = 0; depth < HS_BTREE_MAX_DEPTH; depth++) {
		struct hastor_btree_node *n;
		bool found;
		u32 i, k;

		if (cached) {
			err = hs_meta_get_cached(pool, pvbn,
						 HASTOR_BTREE_MAGIC, &mb);
			if (!err)
				err = node_checked(pool, info, &mb, -1);
		} else {
			err = node_read(pool, info, pvbn, -1, &mb);
		}
		if (err)
			return err;
		n = node_of(&mb);
		if (is_leaf(n)) {
			i = leaf_index(n, key, &found);
			for (k = 0; found && k < max &&
			     i + k < nr_entries(n) &&
			     key_at(n, i + k) == key + k; k++)
				memcpy((u8 *)values + k * info->value_size,
				       value_at(n, i + k), info->value_size);
			hs_meta_release(&mb);
			return found ? k : -ENODATA;
		}
		if (!nr_entries(n) || key < key_at(n, 0)) {
			hs_meta_release(&mb);
			return -ENODATA;
		}
		pvbn = child_at(n, child_index(n, key));
		hs_meta_release(&mb);
	}
	return -EILSEQ;
}

int hs_btree_lookup(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 root, u64 key, void *value)
{
	int r = lookup(pool, info, root, key, value, 1, false);

	return r < 0 ? r : 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_lookup);

/*
 * For the I/O fast path: call fn for every entry with a key in
 * [key, key + n), in key order, across leaves, until fn returns false.
 * Never sleeps: -EWOULDBLOCK when a node on the way is not cached (fn
 * may have seen some entries by then).  key + n must not wrap.
 */
int hs_btree_scan_cached(struct hs_pool *pool, const struct hs_btree_info *info,
			 u64 root, u64 key, u64 n, hs_btree_scan_fn fn,
			 void *ctx)
{
	u64 end = key + n, hi = 0;
	struct hastor_btree_node *nd;
	struct hs_mblock mb;
	bool has_hi, found;
	int depth, err;
	u32 i;

	if (root == HASTOR_NO_BLOCK)
		return 0;
	while (key < end) {
		u64 pvbn = root;

		has_hi = false;
		for (depth = 0; depth < HS_BTREE_MAX_DEPTH; depth++) {
			err = hs_meta_get_cached(pool, pvbn, HASTOR_BTREE_MAGIC,
						 &mb);
			if (!err)
				err = node_checked(pool, info, &mb, -1);
			if (err)
				return err;
			nd = node_of(&mb);
			if (is_leaf(nd))
				break;
			if (!nr_entries(nd)) {
				hs_meta_release(&mb);
				return 0;
			}
			/* Nothing lies below the first bound. */
			i = key < key_at(nd, 0) ? 0 : child_index(nd, key);
			if (i + 1 < nr_entries(nd)) {
				hi = key_at(nd, i + 1);
				has_hi = true;
			}
			pvbn = child_at(nd, i);
			hs_meta_release(&mb);
		}
		if (depth == HS_BTREE_MAX_DEPTH)
			return -EILSEQ;
		for (i = leaf_index(nd, key, &found);
		     i < nr_entries(nd) && key_at(nd, i) < end; i++) {
			if (!fn(ctx, key_at(nd, i), value_at(nd, i))) {
				hs_meta_release(&mb);
				return 0;
			}
		}
		hs_meta_release(&mb);
		/* The rest lies in the leaves to the right, if any. */
		if (!has_hi)
			break;
		key = hi;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_scan_cached);

int hs_btree_lookup_cached(struct hs_pool *pool,
			   const struct hs_btree_info *info, u64 root,
			   u64 key, void *value)
{
	int r = lookup(pool, info, root, key, value, 1, true);

	return r < 0 ? r : 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_lookup_cached);

static void entries_shift(struct hastor_btree_node *n, u32 at, int by)
{
	u32 nr = nr_entries(n), count = nr - at, vs = vsize(n);

	memmove(&n->keys[at + by], &n->keys[at], count * sizeof(__le64));
	memmove((u8 *)value_at(n, at + by), value_at(n, at),
		(size_t)count * vs);
	n->nr_entries = cpu_to_le32(nr + by);
}

static void entry_put(struct hastor_btree_node *n, u32 i, u64 key,
		      const void *value)
{
	n->keys[i] = cpu_to_le64(key);
	memcpy(value_at(n, i), value, vsize(n));
}

/*
 * Split the full, writable child at index i of the writable parent p,
 * on the way to key; the upper half moves to a new node.  p has room
 * (splits go top-down).  A key beyond the child's last one is most
 * likely the next of keys inserted in order (a volume written
 * sequentially): then only the last entry moves, so that such a tree
 * ends up with full nodes, not half-full ones, and a CP has half as
 * many of them to copy.
 */
static int split_child(struct hs_pool *pool, const struct hs_btree_info *info,
		       struct hs_mblock *p, u32 i, struct hs_mblock *c,
		       u64 key)
{
	struct hastor_btree_node *pn = node_of(p), *cn = node_of(c), *sn;
	u32 nr = nr_entries(cn), half = nr / 2, vs = vsize(cn);
	struct hs_mblock s;
	__le64 child;
	int err;

	if (key > key_at(cn, nr - 1))
		half = nr - 1;
	err = node_new(pool, info, le32_to_cpu(cn->level), &s);
	if (err)
		return err;
	sn = node_of(&s);
	memcpy(sn->keys, &cn->keys[half], (nr - half) * sizeof(__le64));
	memcpy(value_at(sn, 0), value_at(cn, half), (size_t)(nr - half) * vs);
	sn->nr_entries = cpu_to_le32(nr - half);
	cn->nr_entries = cpu_to_le32(half);
	hs_meta_dirty(c);

	entries_shift(pn, i + 1, 1);
	child = cpu_to_le64(s.pvbn);
	entry_put(pn, i + 1, key_at(sn, 0), &child);
	hs_meta_dirty(p);
	hs_meta_release(&s);
	return 0;
}

/* Give a full root a parent, so that it can be split like any child. */
static int grow_root(struct hs_pool *pool, const struct hs_btree_info *info,
		     u64 *root, struct hs_mblock *rb, u64 key)
{
	struct hastor_btree_node *old = node_of(rb);
	struct hs_mblock nr;
	__le64 child = cpu_to_le64(*root);
	int err;

	err = node_new(pool, info, le32_to_cpu(old->level) + 1, &nr);
	if (err)
		return err;
	entry_put(node_of(&nr), 0, nr_entries(old) ? key_at(old, 0) : 0,
		  &child);
	node_of(&nr)->nr_entries = cpu_to_le32(1);
	*root = nr.pvbn;
	err = split_child(pool, info, &nr, 0, rb, key);
	hs_meta_release(&nr);
	return err;
}

/*
 * Shadow the path to the leaf where key belongs, splitting full nodes on
 * the way, so that the leaf has room for one more entry.  *hi is the
 * lower bound of the leaf's right neighbour (keys from there on belong
 * elsewhere); *has_hi is false for the rightmost leaf.
 */
static int insert_descend(struct hs_pool *pool,
			  const struct hs_btree_info *info, u64 *root, u64 key,
			  struct hs_mblock *leaf, u64 *hi, bool *has_hi)
{
	struct hs_mblock cur, next;
	struct hastor_btree_node *n;
	int depth, err;
	u32 i;

	if (*root == HASTOR_NO_BLOCK) {
		err = hs_btree_create(pool, info, root);
		if (err)
			return err;
	}
	err = shadow(pool, info, root, -1, &cur);
	if (err)
		return err;
	n = node_of(&cur);
	if (nr_entries(n) == max_entries(n)) {
		err = grow_root(pool, info, root, &cur, key);
		hs_meta_release(&cur);
		if (err)
			return err;
		err = shadow(pool, info, root, -1, &cur);
		if (err)
			return err;
	}

	*has_hi = false;
	/* A split re-examines its level once: two passes per level at most. */
	for (depth = 0; depth < 2 * HS_BTREE_MAX_DEPTH; depth++) {
		u64 child;

		n = node_of(&cur);
		if (is_leaf(n)) {
			*leaf = cur;
			return 0;
		}
		if (!nr_entries(n)) {
			err = -EILSEQ;
			goto out;
		}
		/* A key below every bound lowers the first bound. */
		if (key < key_at(n, 0)) {
			n->keys[0] = cpu_to_le64(key);
			hs_meta_dirty(&cur);
		}
		i = child_index(n, key);
		child = child_at(n, i);
		err = shadow(pool, info, &child,
			     le32_to_cpu(n->level) - 1, &next);
		if (err)
			goto out;
		if (child != child_at(n, i)) {
			set_child(n, i, child);
			hs_meta_dirty(&cur);
		}
		if (nr_entries(node_of(&next)) == max_entries(node_of(&next))) {
			err = split_child(pool, info, &cur, i, &next, key);
			hs_meta_release(&next);
			if (err)
				goto out;
			/* Descend again: the key may now be in the new half. */
			continue;
		}
		/* Bounds nest: the deepest one is the tightest. */
		if (i + 1 < nr_entries(n)) {
			*hi = key_at(n, i + 1);
			*has_hi = true;
		}
		hs_meta_release(&cur);
		cur = next;
	}
	err = -EILSEQ;
out:
	hs_meta_release(&cur);
	return err;
}

/*
 * Put keys key, key + 1, ... (at most n) with their values into the
 * writable, non-full leaf that key belongs to, as far as they belong
 * there and fit; returns how many it put (at least one).  fn hears of
 * each, with the value it replaced or NULL, before the leaf changes.
 */
static u64 leaf_put_run(struct hastor_btree_node *n, u64 key, u64 count,
			u64 hi, bool has_hi, const void *values, u32 vs,
			u64 done, hs_btree_put_fn fn, void *ctx)
{
	u32 nr = nr_entries(n), room = max_entries(n) - nr, added = 0;
	u32 i, p, q;
	u64 m = 0, t;
	bool found;

	i = leaf_index(n, key, &found);
	p = i;

	while (m < count && (!m || !has_hi || key + m < hi)) {
		bool exists = p < nr && key_at(n, p) == key + m;

		if (!exists && added == room)
			break;
		if (exists)
			p++;
		else
			added++;
		m++;
	}
	for (t = 0, q = i; t < m; t++) {
		if (q < p && key_at(n, q) == key + t)
			fn(ctx, done + t, value_at(n, q++));
		else
			fn(ctx, done + t, NULL);
	}
	if (added)
		entries_shift(n, p, added);
	for (t = 0; t < m; t++)
		entry_put(n, i + t, key + t, (const u8 *)values + t * vs);
	return m;
}

/*
 * Insert or replace the n consecutive keys key .. key + n - 1 with
 * values[0 .. n - 1]: one path copy and one leaf change per leaf they
 * fall into, instead of one per key.  fn is told of every key put, in
 * order, with the value it replaced (NULL if none); on an error, the
 * keys fn was not told of are unchanged.  key + n - 1 must not wrap.
 */
int hs_btree_insert_run(struct hs_pool *pool, const struct hs_btree_info *info,
			u64 *root, u64 key, u64 n, const void *values,
			hs_btree_put_fn fn, void *ctx)
{
	u64 done = 0, m, hi = 0;
	struct hs_mblock leaf;
	bool has_hi;
	int err;

	while (done < n) {
		err = insert_descend(pool, info, root, key + done, &leaf, &hi,
				     &has_hi);
		if (err)
			return err;
		m = leaf_put_run(node_of(&leaf), key + done, n - done, hi,
				 has_hi, (const u8 *)values +
				 done * info->value_size, info->value_size,
				 done, fn, ctx);
		hs_meta_dirty(&leaf);
		hs_meta_release(&leaf);
		done += m;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_insert_run);

struct insert_one {
	void *old;
	u32 value_size;
	bool replaced;
};

static void insert_one_fn(void *ctx, u64 i, const void *old)
{
	struct insert_one *o = ctx;

	if (!old)
		return;
	o->replaced = true;
	if (o->old)
		memcpy(o->old, old, o->value_size);
}

int hs_btree_insert(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root, u64 key, const void *value, void *old,
		    bool *replaced)
{
	struct insert_one o = {
		.old = old,
		.value_size = info->value_size,
	};
	int err;

	err = hs_btree_insert_run(pool, info, root, key, 1, value,
				  insert_one_fn, &o);
	*replaced = o.replaced;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_insert);

/*
 * Remove key under the writable node cur.  *empty tells the caller that
 * cur lost its last entry (and should be unlinked).
 */
static int remove_rec(struct hs_pool *pool, const struct hs_btree_info *info,
		      struct hs_mblock *cur, u64 key, void *old, bool *empty,
		      int depth)
{
	struct hastor_btree_node *n = node_of(cur);
	struct hs_mblock next;
	bool found, child_empty;
	u64 child;
	u32 i;
	int err;

	if (depth >= HS_BTREE_MAX_DEPTH)
		return -EILSEQ;
	if (is_leaf(n)) {
		i = leaf_index(n, key, &found);
		if (!found)
			return -ENODATA;
		if (old)
			memcpy(old, value_at(n, i), info->value_size);
		entries_shift(n, i + 1, -1);
		hs_meta_dirty(cur);
		*empty = !nr_entries(n);
		return 0;
	}
	if (!nr_entries(n) || key < key_at(n, 0))
		return -ENODATA;
	i = child_index(n, key);
	child = child_at(n, i);
	err = shadow(pool, info, &child, le32_to_cpu(n->level) - 1, &next);
	if (err)
		return err;
	if (child != child_at(n, i)) {
		set_child(n, i, child);
		hs_meta_dirty(cur);
	}
	err = remove_rec(pool, info, &next, key, old, &child_empty,
			 depth + 1);
	hs_meta_release(&next);
	if (err)
		return err;
	if (child_empty) {
		/* The child is ours alone now (shadowed): free it. */
		hs_sm_dec_meta(pool, child);
		entries_shift(n, i + 1, -1);
		hs_meta_dirty(cur);
	}
	*empty = !nr_entries(n);
	return 0;
}

int hs_btree_remove(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root, u64 key, void *old)
{
	struct hs_mblock cur;
	bool empty;
	int err;

	if (*root == HASTOR_NO_BLOCK)
		return -ENODATA;
	err = shadow(pool, info, root, -1, &cur);
	if (err)
		return err;
	err = remove_rec(pool, info, &cur, key, old, &empty, 0);
	if (!err && !is_leaf(node_of(&cur)) && nr_entries(node_of(&cur)) <= 1) {
		/* Collapse: an empty or one-child root hands over. */
		u64 old_root = *root;

		if (nr_entries(node_of(&cur)) == 1) {
			*root = child_at(node_of(&cur), 0);
			hs_meta_release(&cur);
			hs_sm_dec_meta(pool, old_root);
			return 0;
		}
		hs_meta_release(&cur);
		/* The new leaf first: on ENOSPC the old root still stands. */
		err = hs_btree_create(pool, info, root);
		if (!err)
			hs_sm_dec_meta(pool, old_root);
		return err;
	}
	hs_meta_release(&cur);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_remove);

static int walk_rec(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 pvbn, int level, hs_btree_walk_fn fn, void *ctx,
		    int depth, bool shared)
{
	struct hastor_btree_node *n;
	struct hs_mblock mb;
	u32 i, nr;
	int err = 0;

	if (depth >= HS_BTREE_MAX_DEPTH)
		return -EILSEQ;
	err = node_read(pool, info, pvbn, level, &mb);
	if (err)
		return err;
	/*
	 * A reachable node nothing counts would be handed out as free space
	 * while in use: a pool that says so is refused at import.
	 */
	if (pool->counts_loaded && !hs_sm_count(pool, pvbn)) {
		pr_err("hastor: pool %s: B-tree node %llu has no reference count\n",
		       pool->name, pvbn);
		hs_meta_release(&mb);
		return -EILSEQ;
	}
	shared = shared || hs_sm_count(pool, pvbn) > 1;
	n = node_of(&mb);
	nr = nr_entries(n);
	if (is_leaf(n)) {
		for (i = 0; i < nr && !err; i++)
			err = fn(ctx, key_at(n, i), value_at(n, i), shared);
		hs_meta_release(&mb);
		return err;
	}
	/*
	 * Copy the children out: holding a buffer across the recursion
	 * would pin one per level, and bufio's reserve is small.
	 */
	{
		u64 *children = kmalloc_array(nr, sizeof(u64), GFP_NOIO);
		u32 lvl = le32_to_cpu(n->level);

		if (!children) {
			hs_meta_release(&mb);
			return -ENOMEM;
		}
		for (i = 0; i < nr; i++)
			children[i] = child_at(n, i);
		hs_meta_release(&mb);
		for (i = 0; i < nr && !err; i++)
			err = walk_rec(pool, info, children[i], lvl - 1, fn,
				       ctx, depth + 1, shared);
		kfree(children);
	}
	return err;
}

/* Call fn for every entry in key order; stops at the first error. */
int hs_btree_walk(struct hs_pool *pool, const struct hs_btree_info *info,
		  u64 root, hs_btree_walk_fn fn, void *ctx)
{
	if (root == HASTOR_NO_BLOCK)
		return 0;
	return walk_rec(pool, info, root, -1, fn, ctx, 0, false);
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_walk);

/*
 * Drop one reference to a tree.  Whatever only it held is freed: a node
 * whose count reaches zero drops its children (or its values) in turn.
 */
static void drop_rec(struct hs_pool *pool, const struct hs_btree_info *info,
		     u64 pvbn, int depth)
{
	struct hastor_btree_node *n;
	struct hs_mblock mb;
	u32 i;

	if (depth >= HS_BTREE_MAX_DEPTH)
		return;
	if (hs_sm_count(pool, pvbn) > 1) {
		hs_sm_dec_meta(pool, pvbn);
		return;
	}
	if (node_read(pool, info, pvbn, -1, &mb)) {
		/* Unreadable: leak what it points at rather than guess. */
		hs_sm_dec_meta(pool, pvbn);
		return;
	}
	n = node_of(&mb);
	if (is_leaf(n)) {
		for (i = 0; i < nr_entries(n); i++)
			if (info->dec)
				info->dec(pool, value_at(n, i));
		hs_meta_release(&mb);
	} else {
		u32 nr = nr_entries(n);
		u64 *children = kmalloc_array(nr, sizeof(u64), GFP_NOIO);

		if (children)
			for (i = 0; i < nr; i++)
				children[i] = child_at(n, i);
		hs_meta_release(&mb);
		for (i = 0; children && i < nr; i++)
			drop_rec(pool, info, children[i], depth + 1);
		kfree(children);
	}
	hs_sm_dec_meta(pool, pvbn);
}

void hs_btree_drop(struct hs_pool *pool, const struct hs_btree_info *info,
		   u64 root)
{
	if (root != HASTOR_NO_BLOCK)
		drop_rec(pool, info, root, 0);
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_drop);

struct check_ctx {
	u64 entries;
	u64 last;
	bool any;
};

static int check_fn(void *data, u64 key, const void *value, bool shared)
{
	struct check_ctx *c = data;

	if (c->any && key <= c->last)
		return -EILSEQ;
	c->any = true;
	c->last = key;
	c->entries++;
	return 0;
}

/*
 * Read and validate every node of a tree (import refuses a pool whose
 * metadata does not pass), counting its entries.
 */
int hs_btree_check(struct hs_pool *pool, const struct hs_btree_info *info,
		   u64 root, u64 *entries)
{
	struct check_ctx c = {};
	int err = hs_btree_walk(pool, info, root, check_fn, &c);

	if (err == -EILSEQ && !c.entries)
		pr_err("hastor: pool %s: tree at %llu is damaged\n",
		       pool->name, root);
	*entries = c.entries;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_btree_check);
