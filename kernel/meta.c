// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata blocks: B-tree nodes, refcount blocks, labels and superblocks,
 * all read and written through dm-bufio, one client per member disk.
 *
 * Every such block carries struct hastor_block_header.  Its checksum is
 * sealed in bufio's write callback, so it always matches what reaches
 * the disk whoever dirtied the buffer; a block read from disk is checked
 * once (checksum, magic, its own address, the pool uuid and generation)
 * and the buffer's aux word remembers which magic it passed, so cached
 * reads cost nothing.  A block that fails is never used: the caller gets
 * -EILSEQ and the reason.
 */
#include <linux/crc32c.h>
#include <kunit/visibility.h>

#include "meta.h"

/* Buffers kept even under memory pressure: a B-tree path and then some. */
#define HS_BUFIO_RESERVED	16

u32 hs_csum(const void *block)
{
	return crc32c(HASTOR_CSUM_SEED, block + 4, HASTOR_BLOCK_SIZE - 4) ^
	       HASTOR_CSUM_XOR;
}
EXPORT_SYMBOL_IF_KUNIT(hs_csum);

int hs_header_check(const void *block, u32 magic, u64 blocknr,
		    const u8 *uuid, u64 max_generation, const char **why)
{
	const struct hastor_block_header *h = block;

	if (le32_to_cpu(h->magic) != magic) {
		*why = "wrong magic";
		return -EILSEQ;
	}
	if (le32_to_cpu(h->csum) != hs_csum(block)) {
		*why = "checksum mismatch";
		return -EILSEQ;
	}
	if (le64_to_cpu(h->blocknr) != blocknr) {
		*why = "block records another location";
		return -EILSEQ;
	}
	if (uuid && memcmp(h->pool_uuid, uuid, sizeof(h->pool_uuid))) {
		*why = "block belongs to another pool";
		return -EILSEQ;
	}
	if (le64_to_cpu(h->generation) > max_generation) {
		*why = "generation newer than the pool's";
		return -EILSEQ;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_header_check);

static void hs_bufio_alloc(struct dm_buffer *b)
{
	memset(dm_bufio_get_aux_data(b), 0, sizeof(struct hs_meta_aux));
}

static void hs_bufio_write(struct dm_buffer *b)
{
	struct hastor_block_header *h = dm_bufio_get_block_data(b);

	h->csum = cpu_to_le32(hs_csum(h));
}

struct dm_bufio_client *hs_bufio_create(struct block_device *bdev)
{
	return dm_bufio_client_create(bdev, HASTOR_BLOCK_SIZE,
				      HS_BUFIO_RESERVED,
				      sizeof(struct hs_meta_aux),
				      hs_bufio_alloc, hs_bufio_write, 0);
}

int hs_member_of(struct hs_pool *pool, u64 pvbn, struct hs_member **m,
		 sector_t *disk_block)
{
	int i;

	for (i = 0; i < pool->nr_members; i++) {
		struct hs_member *mb = &pool->members[i];

		if (pvbn >= mb->pvbn_start &&
		    pvbn - mb->pvbn_start < mb->data_blocks) {
			*m = mb;
			*disk_block = mb->data_start + (pvbn - mb->pvbn_start);
			return 0;
		}
	}
	return -ERANGE;
}

static int hs_meta_check(struct hs_pool *pool, struct hs_mblock *mb,
			 u32 magic)
{
	struct hs_meta_aux *aux = hs_meta_aux(mb);
	const char *why;
	int err;

	if (aux->magic == magic)
		return 0;
	/* A CP in progress writes generation + 1. */
	err = hs_header_check(mb->data, magic, mb->pvbn, pool->uuid,
			      pool->generation + 1, &why);
	if (err) {
		pr_err("hastor: pool %s: metadata block %llu: %s\n",
		       pool->name, mb->pvbn, why);
		return err;
	}
	aux->magic = magic;
	aux->tree_type = 0;
	return 0;
}

int hs_meta_read(struct hs_pool *pool, u64 pvbn, u32 magic,
		 struct hs_mblock *mb)
{
	struct hs_member *m;
	sector_t block;
	int err;

	err = hs_member_of(pool, pvbn, &m, &block);
	if (err) {
		pr_err("hastor: pool %s: metadata pointer %llu out of range\n",
		       pool->name, pvbn);
		return -EILSEQ;
	}
	mb->data = dm_bufio_read(m->bufio, block, &mb->buf);
	if (IS_ERR(mb->data))
		return PTR_ERR(mb->data);
	mb->pvbn = pvbn;
	err = hs_meta_check(pool, mb, magic);
	if (err)
		dm_bufio_release(mb->buf);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_meta_read);

/* As hs_meta_read, but never sleeps for I/O: -EWOULDBLOCK if uncached. */
int hs_meta_get_cached(struct hs_pool *pool, u64 pvbn, u32 magic,
		       struct hs_mblock *mb)
{
	struct hs_member *m;
	sector_t block;
	int err;

	err = hs_member_of(pool, pvbn, &m, &block);
	if (err)
		return -EILSEQ;
	mb->data = dm_bufio_get(m->bufio, block, &mb->buf);
	if (IS_ERR(mb->data))
		return PTR_ERR(mb->data);
	if (!mb->data)
		return -EWOULDBLOCK;
	mb->pvbn = pvbn;
	err = hs_meta_check(pool, mb, magic);
	if (err)
		dm_bufio_release(mb->buf);
	return err;
}

/* A fresh, zeroed, dirty block with its header filled in. */
int hs_meta_new(struct hs_pool *pool, u64 pvbn, u32 magic,
		struct hs_mblock *mb)
{
	struct hastor_block_header *h;
	struct hs_member *m;
	sector_t block;
	int err;

	err = hs_member_of(pool, pvbn, &m, &block);
	if (WARN_ON_ONCE(err))
		return -EILSEQ;
	mb->data = dm_bufio_new(m->bufio, block, &mb->buf);
	if (IS_ERR(mb->data))
		return PTR_ERR(mb->data);
	mb->pvbn = pvbn;
	memset(mb->data, 0, HASTOR_BLOCK_SIZE);
	h = mb->data;
	h->magic = cpu_to_le32(magic);
	h->blocknr = cpu_to_le64(pvbn);
	h->generation = cpu_to_le64(pool->generation + 1);
	memcpy(h->pool_uuid, pool->uuid, sizeof(h->pool_uuid));
	hs_meta_aux(mb)->magic = magic;
	hs_meta_aux(mb)->tree_type = 0;
	dm_bufio_mark_buffer_dirty(mb->buf);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_meta_new);

void hs_meta_dirty(struct hs_mblock *mb)
{
	dm_bufio_mark_buffer_dirty(mb->buf);
}
EXPORT_SYMBOL_IF_KUNIT(hs_meta_dirty);

void hs_meta_release(struct hs_mblock *mb)
{
	dm_bufio_release(mb->buf);
	mb->buf = NULL;
	mb->data = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hs_meta_release);

/* A freed block may become data: drop a clean cached copy of it. */
void hs_meta_forget(struct hs_pool *pool, u64 pvbn)
{
	struct hs_member *m;
	sector_t block;

	if (!hs_member_of(pool, pvbn, &m, &block))
		dm_bufio_forget(m->bufio, block);
}
EXPORT_SYMBOL_IF_KUNIT(hs_meta_forget);

/* Write every dirty metadata block and flush every member. */
int hs_meta_write_all(struct hs_pool *pool)
{
	int i, err;

	for (i = 0; i < pool->nr_members; i++)
		dm_bufio_write_dirty_buffers_async(pool->members[i].bufio);
	for (i = 0; i < pool->nr_members; i++) {
		err = dm_bufio_write_dirty_buffers(pool->members[i].bufio);
		if (err)
			return err;
	}
	for (i = 0; i < pool->nr_members; i++) {
		err = dm_bufio_issue_flush(pool->members[i].bufio);
		if (err)
			return err;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_meta_write_all);
