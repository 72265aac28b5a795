/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_BTREE_H
#define _HASTOR_BTREE_H

#include "pool.h"

/*
 * What a tree holds.  inc/dec are called for values whose owner count
 * changes: inc when a shared leaf is copied (both copies now point at
 * the value), dec when a leaf holding the value is dropped for good.
 */
struct hs_btree_info {
	u32 type;		/* enum hastor_tree_type */
	u32 value_size;
	int (*inc)(struct hs_pool *pool, const void *value);
	void (*dec)(struct hs_pool *pool, const void *value);
};

/* shared: some node on the path to this entry has a count above one. */
typedef int (*hs_btree_walk_fn)(void *ctx, u64 key, const void *value,
				bool shared);

/* Scans: return false to stop. */
typedef bool (*hs_btree_scan_fn)(void *ctx, u64 key, const void *value);
/* Run inserts: the i-th key went in, replacing old (NULL: nothing). */
typedef void (*hs_btree_put_fn)(void *ctx, u64 i, const void *old);

int hs_btree_create(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root);
int hs_btree_lookup(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 root, u64 key, void *value);
int hs_btree_lookup_cached(struct hs_pool *pool,
			   const struct hs_btree_info *info, u64 root,
			   u64 key, void *value);
int hs_btree_scan_cached(struct hs_pool *pool, const struct hs_btree_info *info,
			 u64 root, u64 key, u64 n, hs_btree_scan_fn fn,
			 void *ctx);
int hs_btree_insert_run(struct hs_pool *pool, const struct hs_btree_info *info,
			u64 *root, u64 key, u64 n, const void *values,
			hs_btree_put_fn fn, void *ctx);
int hs_btree_insert(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root, u64 key, const void *value, void *old,
		    bool *replaced);
int hs_btree_remove(struct hs_pool *pool, const struct hs_btree_info *info,
		    u64 *root, u64 key, void *old);
int hs_btree_walk(struct hs_pool *pool, const struct hs_btree_info *info,
		  u64 root, hs_btree_walk_fn fn, void *ctx);
void hs_btree_drop(struct hs_pool *pool, const struct hs_btree_info *info,
		   u64 root);
int hs_btree_check(struct hs_pool *pool, const struct hs_btree_info *info,
		   u64 root, u64 *entries);

#endif /* _HASTOR_BTREE_H */
