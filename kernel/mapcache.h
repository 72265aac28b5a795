/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_MAPCACHE_H
#define _HASTOR_MAPCACHE_H

#include "pool.h"

struct hs_mapcache;

struct hs_mapcache *hs_mc_alloc(u64 size_blocks);
void hs_mc_free(struct hs_mapcache *mc);
bool hs_mc_lookup(struct hs_pool *pool, struct hs_vol *vol, u64 first,
		  u64 nblocks, bool write, u64 *pvbn, u64 *token);
bool hs_mc_valid(struct hs_vol *vol, u64 first, u64 token);
void hs_mc_fill(struct hs_pool *pool, struct hs_vol *vol, u64 first,
		u64 nblocks);
void hs_mc_invalidate(struct hs_vol *vol, u64 first, u64 n);
void hs_mc_invalidate_all(struct hs_vol *vol);

#endif /* _HASTOR_MAPCACHE_H */
