/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_SPACEMAP_H
#define _HASTOR_SPACEMAP_H

#include "pool.h"

int hs_sm_init(struct hs_spacemap *sm, u64 nr_blocks, u64 meta_reserve);
void hs_sm_destroy(struct hs_spacemap *sm);

u16 hs_sm_count(struct hs_pool *pool, u64 pvbn);
bool hs_sm_is_new(struct hs_pool *pool, u64 pvbn);
int hs_sm_inc(struct hs_pool *pool, u64 pvbn);
void hs_sm_dec(struct hs_pool *pool, u64 pvbn);
void hs_sm_dec_meta(struct hs_pool *pool, u64 pvbn);
int hs_sm_alloc_meta(struct hs_pool *pool, u64 *pvbn);

int hs_sm_reserve_data(struct hs_pool *pool, u64 *pvbn);
void hs_sm_commit_data(struct hs_pool *pool, u64 pvbn);
void hs_sm_cancel_data(struct hs_pool *pool, u64 pvbn);
u64 hs_sm_free_blocks(struct hs_pool *pool);

struct hs_btree_info;
const struct hs_btree_info *hs_refmap_info(void);
int hs_sm_load(struct hs_pool *pool);
int hs_sm_persist(struct hs_pool *pool);
void hs_sm_txn_end(struct hs_pool *pool);

#endif /* _HASTOR_SPACEMAP_H */
