// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the write log's on-disk format (wlog_format.c).  Layouts for
 * every device size and block size stay inside the device and never
 * overlap; a superblock or half header with any field damaged is
 * refused; an entry header is accepted exactly when it is the next one
 * the reader expects (sequence, epoch, room left) and its records add
 * up; the entry checksum covers the header and every data byte.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../wlog_format.h"

static const u8 uuid_a[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
			       14, 15, 16 };

static void layout_test(struct kunit *test)
{
	static const u64 sizes[] = { 10240, 16384, 131072, 1 << 21, 123457,
				     (1ULL << 31) + 77 };
	struct hs_wlog_layout l;
	u32 shift;
	int i;

	KUNIT_EXPECT_EQ(test, hs_wlog_layout_make(HASTOR_WLOG_MIN_SECTORS - 1,
						  9, &l), -ENOSPC);
	KUNIT_EXPECT_EQ(test, hs_wlog_layout_make(HASTOR_WLOG_MIN_SECTORS,
						  9, &l), 0);
	KUNIT_EXPECT_EQ(test, hs_wlog_layout_make(1 << 20, 8, &l), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs_wlog_layout_make(1 << 20, 13, &l), -EINVAL);
	for (shift = 9; shift <= 12; shift++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			if (hs_wlog_layout_make(sizes[i], shift, &l))
				continue;
			KUNIT_EXPECT_GE(test, l.local_start, 16ULL);
			KUNIT_EXPECT_EQ(test, l.half_sectors % 8, 0ULL);
			KUNIT_EXPECT_GE(test, l.half_sectors,
					(u64)HASTOR_WLOG_MIN_HALF_SECTORS);
			KUNIT_EXPECT_EQ(test, l.mirror_start,
					l.local_start + 2 * l.half_sectors);
			KUNIT_EXPECT_LE(test, l.mirror_start + 2 * l.half_sectors,
					sizes[i]);
			KUNIT_EXPECT_EQ(test, l.unit, 1U << (shift - 9));
		}
	}
}

static struct hastor_wlog_super *good_super(struct kunit *test,
					    struct hs_wlog_layout *l)
{
	struct hastor_wlog_super *s = kunit_kzalloc(test, 4096, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, hs_wlog_layout_make(1 << 20, 9, l), 0);
	s->magic = cpu_to_le32(HASTOR_WLOG_SUPER_MAGIC);
	s->generation = cpu_to_le64(3);
	s->version = cpu_to_le32(HASTOR_WLOG_VERSION);
	s->block_shift = cpu_to_le32(9);
	s->cluster_id = cpu_to_le32(7);
	s->node_id = cpu_to_le32(1);
	memcpy(s->log_uuid, uuid_a, 16);
	s->device_sectors = cpu_to_le64(1 << 20);
	s->local_start = cpu_to_le64(l->local_start);
	s->mirror_start = cpu_to_le64(l->mirror_start);
	s->half_sectors = cpu_to_le64(l->half_sectors);
	hs_wlog_block_seal(s);
	return s;
}

static void super_test(struct kunit *test)
{
	struct hs_wlog_layout l, got;
	struct hastor_wlog_super *s = good_super(test, &l);
	const char *why;
	int i;

	KUNIT_EXPECT_EQ(test, hs_wlog_super_check(s, 1 << 20, 9, &got, &why),
			0);
	KUNIT_EXPECT_EQ(test, got.half_sectors, l.half_sectors);
	/* The device shrank below the log, or has another block size. */
	KUNIT_EXPECT_NE(test, hs_wlog_super_check(s, (1 << 20) - 8, 9, &got,
						  &why), 0);
	KUNIT_EXPECT_NE(test, hs_wlog_super_check(s, 1 << 20, 12, &got,
						  &why), 0);
	/* A flipped bit anywhere in the block is caught. */
	for (i = 0; i < 4096; i += 97) {
		((u8 *)s)[i] ^= 0x10;
		KUNIT_EXPECT_NE(test, hs_wlog_super_check(s, 1 << 20, 9, &got,
							  &why), 0);
		((u8 *)s)[i] ^= 0x10;
	}
	/* Resealed but inconsistent: each field is still checked. */
	s->half_sectors = cpu_to_le64(l.half_sectors + 8);
	hs_wlog_block_seal(s);
	KUNIT_EXPECT_EQ(test, hs_wlog_super_check(s, 1 << 20, 9, &got, &why),
			-EILSEQ);
	s = good_super(test, &l);
	s->version = cpu_to_le32(2);
	hs_wlog_block_seal(s);
	KUNIT_EXPECT_EQ(test, hs_wlog_super_check(s, 1 << 20, 9, &got, &why),
			-EPROTO);
	s = good_super(test, &l);
	s->node_id = 0;
	hs_wlog_block_seal(s);
	KUNIT_EXPECT_EQ(test, hs_wlog_super_check(s, 1 << 20, 9, &got, &why),
			-EILSEQ);
	memset(s, 0, 4096);
	KUNIT_EXPECT_EQ(test, hs_wlog_super_check(s, 1 << 20, 9, &got, &why),
			-ENODATA);
}

static void half_test(struct kunit *test)
{
	struct hastor_wlog_half *h = kunit_kzalloc(test, 4096, GFP_KERNEL);
	static const u8 other[16] = { 9 };
	const char *why;

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->magic = cpu_to_le32(HASTOR_WLOG_HALF_MAGIC);
	memcpy(h->log_uuid, uuid_a, 16);
	h->epoch = cpu_to_le64(5);
	h->first_seq = cpu_to_le64(100);
	h->index = cpu_to_le32(1);
	hs_wlog_block_seal(h);
	KUNIT_EXPECT_EQ(test, hs_wlog_half_check(h, uuid_a, 1, &why), 0);
	KUNIT_EXPECT_NE(test, hs_wlog_half_check(h, uuid_a, 0, &why), 0);
	KUNIT_EXPECT_NE(test, hs_wlog_half_check(h, other, 1, &why), 0);
	h->epoch = cpu_to_le64(6);
	KUNIT_EXPECT_EQ(test, hs_wlog_half_check(h, uuid_a, 1, &why), -EILSEQ);
	h->first_seq = 0;
	hs_wlog_block_seal(h);
	KUNIT_EXPECT_EQ(test, hs_wlog_half_check(h, uuid_a, 1, &why), -EILSEQ);
}

/* An entry of three records: write 8, discard 16, write 1 sector. */
static struct hastor_wlog_entry *good_entry(struct kunit *test, u32 unit)
{
	u32 hdr = hs_wlog_hdr_sectors(3, unit);
	struct hastor_wlog_entry *e = kunit_kzalloc(test, hdr * 512,
						    GFP_KERNEL);
	static const u32 n[3] = { 8, 16, 1 };
	int i;

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->magic = cpu_to_le32(HASTOR_WLOG_ENTRY_MAGIC);
	memcpy(e->log_uuid, uuid_a, 16);
	e->seq = cpu_to_le64(42);
	e->epoch = cpu_to_le64(7);
	e->hdr_sectors = cpu_to_le32(hdr);
	e->data_sectors = cpu_to_le32(9);
	e->nr_records = cpu_to_le32(3);
	for (i = 0; i < 3; i++) {
		e->records[i].vol_id = cpu_to_le64(i + 1);
		e->records[i].sector = cpu_to_le64(1000 * i);
		e->records[i].nr_sectors = cpu_to_le32(n[i]);
		e->records[i].op = cpu_to_le16(i == 1 ? HASTOR_WLOG_OP_DISCARD :
					       HASTOR_WLOG_OP_WRITE);
	}
	return e;
}

static void entry_good_test(struct kunit *test)
{
	struct hastor_wlog_entry *e = good_entry(test, 1);
	struct hs_wlog_expect x = { uuid_a, 42, 7, 1 << 20, 1 };
	const char *why = NULL;
	u32 hdr = le32_to_cpu(e->hdr_sectors);

	KUNIT_EXPECT_EQ(test, hdr, 1U);
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_check(e, hdr * 512, &x, &why), 0);
	/* Only the fixed part read so far: fine as far as it goes. */
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_check(e, 64, &x, &why), 0);
	/* Exactly the room it needs. */
	x.room = hs_wlog_entry_sectors(hdr, 9, 1);
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_check(e, hdr * 512, &x, &why), 0);
	x.room--;
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_check(e, hdr * 512, &x, &why),
			-EILSEQ);
	/* On a 4 KiB-block device the entry is padded to whole blocks. */
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_sectors(8, 9, 8), 24U);
	KUNIT_EXPECT_EQ(test, hs_wlog_hdr_sectors(HASTOR_WLOG_MAX_RECORDS, 1),
			11U);
}

struct entry_damage {
	const char *name;
	void (*apply)(struct hastor_wlog_entry *e);
	int err;
};

static void d_magic(struct hastor_wlog_entry *e)
{
	e->magic = 0;
}
static void d_uuid(struct hastor_wlog_entry *e)
{
	e->log_uuid[3] ^= 1;
}
static void d_seq_old(struct hastor_wlog_entry *e)
{
	e->seq = cpu_to_le64(41);
}
static void d_seq_gap(struct hastor_wlog_entry *e)
{
	e->seq = cpu_to_le64(43);
}
static void d_epoch(struct hastor_wlog_entry *e)
{
	e->epoch = cpu_to_le64(6);
}
static void d_flags(struct hastor_wlog_entry *e)
{
	e->flags = cpu_to_le32(1);
}
static void d_nr0(struct hastor_wlog_entry *e)
{
	e->nr_records = 0;
}
static void d_nrbig(struct hastor_wlog_entry *e)
{
	e->nr_records = cpu_to_le32(HASTOR_WLOG_MAX_RECORDS + 1);
}
static void d_hdr(struct hastor_wlog_entry *e)
{
	e->hdr_sectors = cpu_to_le32(2);
}
static void d_data_big(struct hastor_wlog_entry *e)
{
	e->data_sectors = cpu_to_le32(HASTOR_WLOG_MAX_DATA_SECTORS + 1);
}
static void d_data_more(struct hastor_wlog_entry *e)
{
	e->data_sectors = cpu_to_le32(10);
}
static void d_data_less(struct hastor_wlog_entry *e)
{
	e->data_sectors = cpu_to_le32(8);
}
static void d_op(struct hastor_wlog_entry *e)
{
	e->records[1].op = cpu_to_le16(9);
}
static void d_rflags(struct hastor_wlog_entry *e)
{
	e->records[2].flags = cpu_to_le16(1);
}
static void d_rzero(struct hastor_wlog_entry *e)
{
	e->records[1].nr_sectors = 0;
}
static void d_wrap(struct hastor_wlog_entry *e)
{
	e->records[1].sector = cpu_to_le64(U64_MAX - 3);
}

static const struct entry_damage damages[] = {
	{ "no magic", d_magic, -ENODATA },
	{ "other log", d_uuid, -ENODATA },
	{ "older sequence", d_seq_old, -ENODATA },
	{ "sequence gap", d_seq_gap, -ENODATA },
	{ "older epoch", d_epoch, -ENODATA },
	{ "flags", d_flags, -EILSEQ },
	{ "no records", d_nr0, -EILSEQ },
	{ "too many records", d_nrbig, -EILSEQ },
	{ "header size", d_hdr, -EILSEQ },
	{ "data too large", d_data_big, -EILSEQ },
	{ "records hold less", d_data_more, -EILSEQ },
	{ "records hold more", d_data_less, -EILSEQ },
	{ "unknown op", d_op, -EILSEQ },
	{ "record flags", d_rflags, -EILSEQ },
	{ "empty record", d_rzero, -EILSEQ },
	{ "record wraps", d_wrap, -EILSEQ },
};

static void damage_desc(const struct entry_damage *d, char *desc)
{
	strscpy(desc, d->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(damage, damages, damage_desc);

static void entry_bad_test(struct kunit *test)
{
	const struct entry_damage *d = test->param_value;
	struct hastor_wlog_entry *e = good_entry(test, 1);
	struct hs_wlog_expect x = { uuid_a, 42, 7, 1 << 20, 1 };
	const char *why = NULL;

	d->apply(e);
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_check(e, 512, &x, &why), d->err);
	KUNIT_EXPECT_NOT_NULL(test, why);
	/* Truncated headers never pass. */
	KUNIT_EXPECT_EQ(test, hs_wlog_entry_check(e, 63, &x, &why), -EINVAL);
}

/* The checksum covers every header byte after it and every data byte. */
static void csum_test(struct kunit *test)
{
	struct hastor_wlog_entry *e = good_entry(test, 1);
	u8 *data = kunit_kzalloc(test, 9 * 512, GFP_KERNEL);
	u32 crc, good;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, data);
	for (i = 0; i < 9 * 512; i++)
		data[i] = i * 7;
	crc = hs_wlog_csum_begin(e, 512);
	good = hs_wlog_csum_end(hs_wlog_csum_add(crc, data, 9 * 512));
	/* Summing the data in pieces gives the same. */
	crc = hs_wlog_csum_begin(e, 512);
	crc = hs_wlog_csum_add(crc, data, 1000);
	crc = hs_wlog_csum_add(crc, data + 1000, 9 * 512 - 1000);
	KUNIT_EXPECT_EQ(test, hs_wlog_csum_end(crc), good);
	for (i = 0; i < 9 * 512; i += 211) {
		data[i] ^= 4;
		crc = hs_wlog_csum_begin(e, 512);
		KUNIT_EXPECT_NE(test, hs_wlog_csum_end(hs_wlog_csum_add(crc,
					data, 9 * 512)), good);
		data[i] ^= 4;
	}
	for (i = 4; i < 512; i += 37) {
		((u8 *)e)[i] ^= 1;
		crc = hs_wlog_csum_begin(e, 512);
		KUNIT_EXPECT_NE(test, hs_wlog_csum_end(hs_wlog_csum_add(crc,
					data, 9 * 512)), good);
		((u8 *)e)[i] ^= 1;
	}
}

static struct kunit_case hastor_wlog_cases[] = {
	KUNIT_CASE(layout_test),
	KUNIT_CASE(super_test),
	KUNIT_CASE(half_test),
	KUNIT_CASE(entry_good_test),
	KUNIT_CASE_PARAM(entry_bad_test, damage_gen_params),
	KUNIT_CASE(csum_test),
	{}
};

static struct kunit_suite hastor_wlog_suite = {
	.name = "hastor-wlog-format",
	.test_cases = hastor_wlog_cases,
};

kunit_test_suites(&hastor_wlog_suite);
