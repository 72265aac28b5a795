/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_VOL_H
#define _HASTOR_VOL_H

#include "pool.h"

struct hs_btree_info;

static inline u64 hs_map_pvbn(u64 v)
{
	return v & HASTOR_MAP_PVBN_MASK;
}

static inline u32 hs_map_time(u64 v)
{
	return v >> HASTOR_MAP_TIME_SHIFT;
}

static inline u64 hs_map_make(u64 pvbn, u32 time)
{
	return pvbn | (u64)time << HASTOR_MAP_TIME_SHIFT;
}

static inline bool hs_vol_readonly(const struct hs_vol *vol)
{
	return vol->flags & HASTOR_VOL_SNAPSHOT;
}

static inline enum hastor_vol_type hs_vol_type(const struct hs_vol *vol)
{
	if (vol->flags & HASTOR_VOL_SNAPSHOT)
		return HASTOR_VOL_TYPE_SNAPSHOT;
	if (vol->flags & HASTOR_VOL_CLONE)
		return HASTOR_VOL_TYPE_CLONE;
	return HASTOR_VOL_TYPE_VOLUME;
}

const struct hs_btree_info *hs_voltab_info(void);
const struct hs_btree_info *hs_mapping_info(void);

int hs_vol_load(struct hs_pool *pool, const char **why);
void hs_vol_unload(struct hs_pool *pool);
int hs_vol_save(struct hs_pool *pool);
u32 hs_vol_count(struct hs_pool *pool);
struct hs_vol *hs_vol_find(struct hs_pool *pool, const char *name);
struct hs_vol *hs_vol_find_id(struct hs_pool *pool, u64 id);

int hs_vol_create(struct hs_pool *pool, const char *name, u64 size_blocks,
		  struct hs_vol *out, const char **why);
int hs_vol_delete(struct hs_pool *pool, const char *name, const char **why);
int hs_vol_resize(struct hs_pool *pool, const char *name, u64 size_blocks,
		  struct hs_vol *out, const char **why);
int hs_vol_snapshot(struct hs_pool *pool, const char *name,
		    const char *snap, struct hs_vol *out, const char **why);
int hs_vol_clone(struct hs_pool *pool, const char *origin, const char *name,
		 struct hs_vol *out, const char **why);
int hs_vol_space(struct hs_pool *pool, struct hs_vol *vol, u64 *unique,
		 u64 *shared);

#endif /* _HASTOR_VOL_H */
