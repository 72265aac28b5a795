/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_META_H
#define _HASTOR_META_H

#include <linux/dm-bufio.h>

#include "pool.h"

struct dm_buffer;

/* A metadata block held in the buffer cache. */
struct hs_mblock {
	struct dm_buffer *buf;
	void *data;
	u64 pvbn;
};

/*
 * Per-buffer memo of what a cached block passed, so checks run once per
 * read from disk: the magic its header passed, and the tree type whose
 * structural checks it passed.
 */
struct hs_meta_aux {
	u32 magic;
	u32 tree_type;
};

static inline struct hs_meta_aux *hs_meta_aux(struct hs_mblock *mb)
{
	return dm_bufio_get_aux_data(mb->buf);
}

u32 hs_csum(const void *block);
int hs_header_check(const void *block, u32 magic, u64 blocknr,
		    const u8 *uuid, u64 max_generation, const char **why);

int hs_member_of(struct hs_pool *pool, u64 pvbn, struct hs_member **m,
		 sector_t *disk_block);
struct dm_bufio_client *hs_bufio_create(struct block_device *bdev);

int hs_meta_read(struct hs_pool *pool, u64 pvbn, u32 magic,
		 struct hs_mblock *mb);
int hs_meta_get_cached(struct hs_pool *pool, u64 pvbn, u32 magic,
		       struct hs_mblock *mb);
int hs_meta_new(struct hs_pool *pool, u64 pvbn, u32 magic,
		struct hs_mblock *mb);
void hs_meta_dirty(struct hs_mblock *mb);
void hs_meta_release(struct hs_mblock *mb);
void hs_meta_forget(struct hs_pool *pool, u64 pvbn);
int hs_meta_write_all(struct hs_pool *pool);

#endif /* _HASTOR_META_H */
