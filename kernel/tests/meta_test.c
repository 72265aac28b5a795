// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: metadata block checksums and header checks (meta.c).  The
 * checksum is an on-disk contract with the offline checker, pinned by a
 * test vector; every header check must refuse exactly the block it is
 * about; and a block written through the buffer cache must reach the
 * disk sealed and come back checked.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fixture.h"
#include "../meta.h"
#include "../spacemap.h"

#define META_RAM	3

static const u8 test_uuid[16] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/* Byte i = i & 0xff; the userspace checker asserts the same value. */
static void hs_csum_vector_test(struct kunit *test)
{
	u8 *b = kunit_kmalloc(test, HASTOR_BLOCK_SIZE, GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < HASTOR_BLOCK_SIZE; i++)
		b[i] = i & 0xff;
	KUNIT_EXPECT_EQ(test, hs_csum(b), 0xc8bb3d4eU);
	/* The checksum field itself is not covered. */
	b[0] ^= 0xff;
	b[3] ^= 0x01;
	KUNIT_EXPECT_EQ(test, hs_csum(b), 0xc8bb3d4eU);
}

/* A valid B-tree node header at PVBN 1234, generation 5. */
static void *good_block(struct kunit *test)
{
	struct hastor_block_header *h;
	u8 *b = kunit_kzalloc(test, HASTOR_BLOCK_SIZE, GFP_KERNEL);
	int i;

	if (!b)
		return NULL;
	for (i = sizeof(*h); i < HASTOR_BLOCK_SIZE; i++)
		b[i] = (i * 7) & 0xff;
	h = (void *)b;
	h->magic = cpu_to_le32(HASTOR_BTREE_MAGIC);
	h->blocknr = cpu_to_le64(1234);
	h->generation = cpu_to_le64(5);
	memcpy(h->pool_uuid, test_uuid, 16);
	h->csum = cpu_to_le32(hs_csum(b));
	return b;
}

static void hs_header_good_test(struct kunit *test)
{
	const char *why = NULL;
	void *b = good_block(test);

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, hs_header_check(b, HASTOR_BTREE_MAGIC, 1234,
					      test_uuid, 5, &why), 0);
	KUNIT_EXPECT_EQ(test, hs_header_check(b, HASTOR_BTREE_MAGIC, 1234,
					      test_uuid, U64_MAX, &why), 0);
	/* Labels are read before the pool uuid is known. */
	KUNIT_EXPECT_EQ(test, hs_header_check(b, HASTOR_BTREE_MAGIC, 1234,
					      NULL, 5, &why), 0);
	KUNIT_EXPECT_NULL(test, why);
}

/* One way a header check must fail: a change, or other expectations. */
struct header_case {
	const char *desc;
	u32 magic;		/* 0: HTRE */
	u64 blocknr;		/* 0: 1234 */
	bool other_uuid;
	u64 max_gen;		/* 0: 5 */
	int flip;		/* byte to change, -1 none */
	const char *why;	/* substring of the reason */
};

static const struct header_case header_cases[] = {
	{ "wrong magic expected", HASTOR_REFCNT_MAGIC, 0, false, 0, -1,
	  "magic" },
	{ "magic field damaged", 0, 0, false, 0, 5, "magic" },
	{ "checksum field damaged", 0, 0, false, 0, 2, "checksum" },
	{ "blocknr field damaged", 0, 0, false, 0, 9, "checksum" },
	{ "generation field damaged", 0, 0, false, 0, 16, "checksum" },
	{ "uuid field damaged", 0, 0, false, 0, 30, "checksum" },
	{ "body damaged", 0, 0, false, 0, 2000, "checksum" },
	{ "last byte damaged", 0, 0, false, 0, 4095, "checksum" },
	{ "wrong blocknr", 0, 1235, false, 0, -1, "location" },
	{ "blocknr zero", 0, 1ULL << 40, false, 0, -1, "location" },
	{ "wrong pool uuid", 0, 0, true, 0, -1, "another pool" },
	{ "generation too new", 0, 0, false, 4, -1, "generation" },
};

static void header_case_desc(const struct header_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(header, header_cases, header_case_desc);

static void hs_header_bad_test(struct kunit *test)
{
	const struct header_case *c = test->param_value;
	u8 other[16];
	const char *why = NULL;
	u8 *b = good_block(test);

	KUNIT_ASSERT_NOT_NULL(test, b);
	memcpy(other, test_uuid, 16);
	other[15] ^= 1;
	if (c->flip >= 0)
		b[c->flip] ^= 0x04;
	KUNIT_EXPECT_EQ(test, hs_header_check(b, c->magic ?: HASTOR_BTREE_MAGIC,
					      c->blocknr ?: 1234,
					      c->other_uuid ? other : test_uuid,
					      c->max_gen ?: 5, &why), -EILSEQ);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, c->why), "why: %s", why);
}

/* Any single changed bit past the magic is caught by the checksum. */
static void hs_header_every_byte_test(struct kunit *test)
{
	const char *why;
	u8 *b = good_block(test);
	int i, missed = 0;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 8; i < HASTOR_BLOCK_SIZE; i++) {
		u8 bit = 1 << (i % 8);

		b[i] ^= bit;
		why = NULL;
		if (hs_header_check(b, HASTOR_BTREE_MAGIC, 1234, test_uuid, 5,
				    &why) != -EILSEQ || !why ||
		    !strstr(why, "checksum"))
			missed++;
		b[i] ^= bit;
	}
	KUNIT_EXPECT_EQ(test, missed, 0);
	KUNIT_EXPECT_EQ(test, hs_header_check(b, HASTOR_BTREE_MAGIC, 1234,
					      test_uuid, 5, &why), 0);
}

/* ---- through the buffer cache ---- */

struct meta_fix {
	struct block_device *bdev;
	struct hs_pool *pool;
};

static int meta_io_init(struct kunit *test)
{
	struct meta_fix *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	test->priv = f;
	f->bdev = hs_test_bdev_get(test, META_RAM);
	if (!f->bdev)
		return -ENODEV;
	f->pool = hs_test_pool_new(test, f->bdev, 1024, 64);
	return f->pool ? 0 : -ENOMEM;
}

static void meta_io_exit(struct kunit *test)
{
	struct meta_fix *f = test->priv;

	if (!f)
		return;
	hs_test_pool_free(f->pool);
	hs_test_bdev_put(f->bdev);
}

static void hs_meta_roundtrip_test(struct kunit *test)
{
	struct meta_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	struct hastor_block_header *h;
	struct hs_mblock mb;
	const char *why;
	u64 pvbn = 77;
	u8 *raw;
	int i;

	raw = kunit_kmalloc(test, HASTOR_BLOCK_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, raw);
	pool->generation = 9;

	KUNIT_ASSERT_EQ(test, hs_meta_new(pool, pvbn, HASTOR_REFCNT_MAGIC,
					  &mb), 0);
	for (i = sizeof(*h); i < HASTOR_BLOCK_SIZE; i++)
		((u8 *)mb.data)[i] = i * 3;
	hs_meta_release(&mb);
	KUNIT_ASSERT_EQ(test, hs_meta_write_all(pool), 0);

	/* On disk: sealed, at data_start + pvbn, stamped generation + 1. */
	KUNIT_ASSERT_EQ(test, hs_test_raw_read(f->bdev,
					       HASTOR_RESERVED_BLOCKS + pvbn,
					       raw), 0);
	h = (void *)raw;
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->csum), hs_csum(raw));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->magic), HASTOR_REFCNT_MAGIC);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(h->blocknr), pvbn);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(h->generation), 10ULL);
	KUNIT_EXPECT_EQ(test, memcmp(h->pool_uuid, pool->uuid, 16), 0);
	KUNIT_EXPECT_EQ(test, raw[1000], (u8)3000);
	KUNIT_EXPECT_EQ(test, hs_header_check(raw, HASTOR_REFCNT_MAGIC, pvbn,
					      pool->uuid, 10, &why), 0);

	/* Read back from disk, not from the cache. */
	hs_meta_forget(pool, pvbn);
	KUNIT_ASSERT_EQ(test, hs_meta_read(pool, pvbn, HASTOR_REFCNT_MAGIC,
					   &mb), 0);
	KUNIT_EXPECT_EQ(test, memcmp(mb.data, raw, HASTOR_BLOCK_SIZE), 0);
	hs_meta_release(&mb);

	/* A cached block that passed as one kind is not another kind. */
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, pvbn, HASTOR_BTREE_MAGIC,
					   &mb), -EILSEQ);
	/* Nor is it valid at another address. */
	KUNIT_ASSERT_EQ(test, hs_test_raw_write(f->bdev,
						HASTOR_RESERVED_BLOCKS + 78,
						raw), 0);
	hs_meta_forget(pool, 78);
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, 78, HASTOR_REFCNT_MAGIC,
					   &mb), -EILSEQ);
	/* Out of the pool. */
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, 1024, HASTOR_REFCNT_MAGIC,
					   &mb), -EILSEQ);

	/* A block from the future: the pool went back a generation. */
	pool->generation = 8;
	hs_meta_forget(pool, pvbn);
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, pvbn, HASTOR_REFCNT_MAGIC,
					   &mb), -EILSEQ);
	pool->generation = 9;

	/* Another pool's block. */
	pool->uuid[0] ^= 1;
	hs_meta_forget(pool, pvbn);
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, pvbn, HASTOR_REFCNT_MAGIC,
					   &mb), -EILSEQ);
	pool->uuid[0] ^= 1;

	/* Damage on disk. */
	KUNIT_ASSERT_EQ(test, hs_test_raw_flip(f->bdev,
					       HASTOR_RESERVED_BLOCKS + pvbn,
					       3333), 0);
	hs_meta_forget(pool, pvbn);
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, pvbn, HASTOR_REFCNT_MAGIC,
					   &mb), -EILSEQ);
	/* Repaired, it reads again. */
	KUNIT_ASSERT_EQ(test, hs_test_raw_flip(f->bdev,
					       HASTOR_RESERVED_BLOCKS + pvbn,
					       3333), 0);
	hs_meta_forget(pool, pvbn);
	KUNIT_EXPECT_EQ(test, hs_meta_read(pool, pvbn, HASTOR_REFCNT_MAGIC,
					   &mb), 0);
	if (mb.buf)
		hs_meta_release(&mb);
}

/* A dirtied block is resealed when written again. */
static void hs_meta_reseal_test(struct kunit *test)
{
	struct meta_fix *f = test->priv;
	struct hs_pool *pool = f->pool;
	struct hs_mblock mb;
	u8 *raw;

	raw = kunit_kmalloc(test, HASTOR_BLOCK_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, raw);
	KUNIT_ASSERT_EQ(test, hs_meta_new(pool, 5, HASTOR_BTREE_MAGIC, &mb),
			0);
	hs_meta_release(&mb);
	KUNIT_ASSERT_EQ(test, hs_meta_write_all(pool), 0);
	KUNIT_ASSERT_EQ(test, hs_meta_read(pool, 5, HASTOR_BTREE_MAGIC, &mb),
			0);
	((u8 *)mb.data)[4000] = 0x5a;
	hs_meta_dirty(&mb);
	hs_meta_release(&mb);
	KUNIT_ASSERT_EQ(test, hs_meta_write_all(pool), 0);
	KUNIT_ASSERT_EQ(test, hs_test_raw_read(f->bdev,
					       HASTOR_RESERVED_BLOCKS + 5, raw),
			0);
	KUNIT_EXPECT_EQ(test, raw[4000], 0x5a);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(((struct hastor_block_header *)
					   raw)->csum), hs_csum(raw));
}

static struct kunit_case hastor_meta_cases[] = {
	KUNIT_CASE(hs_csum_vector_test),
	KUNIT_CASE(hs_header_good_test),
	KUNIT_CASE_PARAM(hs_header_bad_test, header_gen_params),
	KUNIT_CASE(hs_header_every_byte_test),
	{}
};

static struct kunit_suite hastor_meta_suite = {
	.name = "hastor-meta",
	.test_cases = hastor_meta_cases,
};

static struct kunit_case hastor_meta_io_cases[] = {
	KUNIT_CASE(hs_meta_roundtrip_test),
	KUNIT_CASE(hs_meta_reseal_test),
	{}
};

static struct kunit_suite hastor_meta_io_suite = {
	.name = "hastor-meta-io",
	.init = meta_io_init,
	.exit = meta_io_exit,
	.test_cases = hastor_meta_io_cases,
};

kunit_test_suites(&hastor_meta_suite, &hastor_meta_io_suite);
