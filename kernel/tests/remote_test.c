// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the wire format of forwarded volume I/O (remote.h) and the
 * requester's retry backoff.  Every field of a request is taken out of
 * its range once; the server's validation must refuse it and name the
 * field, and a reply that does not add up must be refused too.  The
 * server is then fed such requests through its receive path.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../ccm.h"
#include "../remote.h"

static const u8 uuid[16] = {
	0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
	0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
};

static void good_write(struct hs_remote_req *r)
{
	*r = (struct hs_remote_req){
		.tag = 0x0102030405060708ULL, .vol_id = 0x1112131415161718ULL,
		.sector = 0x0012232425262728ULL, .len = 8192,
		.op = HS_ROP_WRITE, .flags = HS_RFLAG_FUA,
	};
	memcpy(r->pool_uuid, uuid, 16);
}

static void hs_remote_req_roundtrip_test(struct kunit *test)
{
	struct hs_remote_wire_req w;
	struct hs_remote_req r, d;
	const u8 *b = (const u8 *)&w;
	const char *why;

	good_write(&r);
	hs_remote_req_pack(&r, &w);
	/* Explicit values at explicit offsets, big-endian. */
	KUNIT_EXPECT_EQ(test, b[0], 0x01);
	KUNIT_EXPECT_EQ(test, b[7], 0x08);
	KUNIT_EXPECT_EQ(test, b[8], 0x10);
	KUNIT_EXPECT_EQ(test, b[23], 0x0f);
	KUNIT_EXPECT_EQ(test, b[24], 0x11);
	KUNIT_EXPECT_EQ(test, b[33], 0x12);
	KUNIT_EXPECT_EQ(test, b[39], 0x28);
	KUNIT_EXPECT_EQ(test, b[42], 0x20);	/* 8192 */
	KUNIT_EXPECT_EQ(test, b[44], HS_ROP_WRITE);
	KUNIT_EXPECT_EQ(test, b[45], HS_RFLAG_FUA);
	KUNIT_EXPECT_EQ(test, b[47], HS_REMOTE_REQ_LEN);

	KUNIT_ASSERT_EQ(test, hs_remote_req_unpack(&w, HS_REMOTE_REQ_LEN + 8192,
						   &d, &why), 0);
	KUNIT_EXPECT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, d.tag, r.tag);
	KUNIT_EXPECT_EQ(test, d.vol_id, r.vol_id);
	KUNIT_EXPECT_EQ(test, d.sector, r.sector);
	KUNIT_EXPECT_EQ(test, d.len, r.len);
	KUNIT_EXPECT_EQ(test, d.op, r.op);
	KUNIT_EXPECT_EQ(test, d.flags, r.flags);
	KUNIT_EXPECT_EQ(test, memcmp(d.pool_uuid, uuid, 16), 0);
}

/* Every op with no data: the payload is the header alone. */
static void hs_remote_req_ops_test(struct kunit *test)
{
	static const u8 ops[] = {
		HS_ROP_READ, HS_ROP_DISCARD, HS_ROP_WRITE_ZEROES,
	};
	struct hs_remote_wire_req w;
	struct hs_remote_req r, d;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		good_write(&r);
		r.op = ops[i];
		r.flags = 0;
		r.len = HS_REMOTE_MAX_BYTES;
		hs_remote_req_pack(&r, &w);
		KUNIT_EXPECT_EQ(test, hs_remote_req_unpack(&w, HS_REMOTE_REQ_LEN,
							   &d, &why), 0);
		/* Data it must not carry. */
		KUNIT_EXPECT_EQ(test, hs_remote_req_unpack(&w,
				HS_REMOTE_REQ_LEN + r.len, &d, &why), -EINVAL);
	}
	good_write(&r);
	r.op = HS_ROP_FLUSH;
	r.flags = 0;
	r.len = 0;
	r.sector = 0;
	hs_remote_req_pack(&r, &w);
	KUNIT_EXPECT_EQ(test, hs_remote_req_unpack(&w, HS_REMOTE_REQ_LEN, &d,
						   &why), 0);
}

struct bad_req {
	const char *name;
	const char *why;
	void (*mutate)(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		       u32 *msg_len);
};

static void bad_hdr_len(struct hs_remote_req *r, struct hs_remote_wire_req *w,
			u32 *msg_len)
{
	w->hdr_len = cpu_to_be16(HS_REMOTE_REQ_LEN + 8);
}

static void bad_op0(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		    u32 *msg_len)
{
	w->op = 0;
}

static void bad_op_high(struct hs_remote_req *r, struct hs_remote_wire_req *w,
			u32 *msg_len)
{
	w->op = HS_ROP_MAX + 1;
}

static void bad_flags(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		      u32 *msg_len)
{
	w->flags = 0x80;
}

static void bad_fua_read(struct hs_remote_req *r, struct hs_remote_wire_req *w,
			 u32 *msg_len)
{
	w->op = HS_ROP_READ;
	*msg_len = HS_REMOTE_REQ_LEN;
}

static void bad_short(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		      u32 *msg_len)
{
	*msg_len -= 512;
}

static void bad_long(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		     u32 *msg_len)
{
	*msg_len += 1;
}

static void bad_zero_len(struct hs_remote_req *r, struct hs_remote_wire_req *w,
			 u32 *msg_len)
{
	w->len = 0;
	*msg_len = HS_REMOTE_REQ_LEN;
}

static void bad_unaligned(struct hs_remote_req *r,
			  struct hs_remote_wire_req *w, u32 *msg_len)
{
	w->len = cpu_to_be32(8192 - 4);
	*msg_len = HS_REMOTE_REQ_LEN + 8192 - 4;
}

static void bad_too_long(struct hs_remote_req *r, struct hs_remote_wire_req *w,
			 u32 *msg_len)
{
	w->len = cpu_to_be32(HS_REMOTE_MAX_BYTES + 512);
	*msg_len = HS_REMOTE_REQ_LEN + HS_REMOTE_MAX_BYTES + 512;
}

static void bad_huge_read(struct hs_remote_req *r,
			  struct hs_remote_wire_req *w, u32 *msg_len)
{
	w->op = HS_ROP_READ;
	w->flags = 0;
	w->len = cpu_to_be32(0xfffffe00);
	*msg_len = HS_REMOTE_REQ_LEN;
}

static void bad_wrap(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		     u32 *msg_len)
{
	w->sector = cpu_to_be64(U64_MAX - 1);
}

static void bad_beyond(struct hs_remote_req *r, struct hs_remote_wire_req *w,
		       u32 *msg_len)
{
	w->sector = cpu_to_be64(U64_MAX >> 9);
}

static void bad_flush_len(struct hs_remote_req *r,
			  struct hs_remote_wire_req *w, u32 *msg_len)
{
	w->op = HS_ROP_FLUSH;
	w->flags = 0;
	w->sector = 0;
	*msg_len = HS_REMOTE_REQ_LEN;
}

static void bad_flush_sector(struct hs_remote_req *r,
			     struct hs_remote_wire_req *w, u32 *msg_len)
{
	w->op = HS_ROP_FLUSH;
	w->flags = 0;
	w->len = 0;
	*msg_len = HS_REMOTE_REQ_LEN;
}

static const struct bad_req bad_reqs[] = {
	{ "header length", "header length", bad_hdr_len },
	{ "op 0", "unknown op", bad_op0 },
	{ "op beyond the last", "unknown op", bad_op_high },
	{ "unknown flag", "flags", bad_flags },
	{ "FUA on a read", "flags", bad_fua_read },
	{ "payload short", "payload length", bad_short },
	{ "payload long", "payload length", bad_long },
	{ "length 0", "length", bad_zero_len },
	{ "length not sector-aligned", "length", bad_unaligned },
	{ "length beyond the max", "length", bad_too_long },
	{ "read of 4 GiB", "length", bad_huge_read },
	{ "sector wraps", "sector range", bad_wrap },
	{ "sector beyond 2^64 bytes", "sector range", bad_beyond },
	{ "flush with a length", "length", bad_flush_len },
	{ "flush with a sector", "length", bad_flush_sector },
};

static void bad_req_desc(const struct bad_req *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_req, bad_reqs, bad_req_desc);

static void hs_remote_req_bad_test(struct kunit *test)
{
	const struct bad_req *b = test->param_value;
	struct hs_remote_wire_req w;
	struct hs_remote_req r, d;
	u32 msg_len = HS_REMOTE_REQ_LEN + 8192;
	const char *why;

	good_write(&r);
	hs_remote_req_pack(&r, &w);
	b->mutate(&r, &w, &msg_len);
	KUNIT_EXPECT_EQ(test, hs_remote_req_unpack(&w, msg_len, &d, &why),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, why, b->why);
}

static void hs_remote_unaligned_write_test(struct kunit *test)
{
	struct hs_remote_wire_req w;
	struct hs_remote_req r, d;
	const char *why;

	/* Aligned to 512 but not to a page: accepted, the bio splits it. */
	good_write(&r);
	r.len = 1536;
	hs_remote_req_pack(&r, &w);
	KUNIT_EXPECT_EQ(test, hs_remote_req_unpack(&w, HS_REMOTE_REQ_LEN + 1536,
						   &d, &why), 0);
	r.len = 1000;
	hs_remote_req_pack(&r, &w);
	KUNIT_EXPECT_EQ(test, hs_remote_req_unpack(&w, HS_REMOTE_REQ_LEN + 1000,
						   &d, &why), -EINVAL);
	KUNIT_EXPECT_STREQ(test, why, "length");
}

static void hs_remote_reply_test(struct kunit *test)
{
	struct hs_remote_reply r = {
		.tag = 0xa1a2a3a4a5a6a7a8ULL, .len = 4096,
		.status = HS_RST_OK,
	}, d;
	struct hs_remote_wire_reply w;
	const u8 *b = (const u8 *)&w;

	hs_remote_reply_pack(&r, &w);
	KUNIT_EXPECT_EQ(test, b[0], 0xa1);
	KUNIT_EXPECT_EQ(test, b[10], 0x10);	/* 4096 */
	KUNIT_EXPECT_EQ(test, b[12], HS_RST_OK);
	KUNIT_EXPECT_EQ(test, b[15], HS_REMOTE_REPLY_LEN);
	KUNIT_ASSERT_EQ(test, hs_remote_reply_unpack(&w,
				HS_REMOTE_REPLY_LEN + 4096, &d), 0);
	KUNIT_EXPECT_EQ(test, d.tag, r.tag);
	KUNIT_EXPECT_EQ(test, d.len, r.len);
	KUNIT_EXPECT_EQ(test, d.status, r.status);

	/* The payload must be the data and the header, exactly. */
	KUNIT_EXPECT_EQ(test, hs_remote_reply_unpack(&w, HS_REMOTE_REPLY_LEN,
						     &d), -EINVAL);
	KUNIT_EXPECT_EQ(test, hs_remote_reply_unpack(&w,
				HS_REMOTE_REPLY_LEN + 4097, &d), -EINVAL);
	w.reserved = 1;
	KUNIT_EXPECT_EQ(test, hs_remote_reply_unpack(&w,
				HS_REMOTE_REPLY_LEN + 4096, &d), -EINVAL);
	w.reserved = 0;
	w.status = HS_RST_MAX + 1;
	KUNIT_EXPECT_EQ(test, hs_remote_reply_unpack(&w,
				HS_REMOTE_REPLY_LEN + 4096, &d), -EINVAL);
	w.status = HS_RST_OK;
	w.hdr_len = cpu_to_be16(HS_REMOTE_REPLY_LEN - 1);
	KUNIT_EXPECT_EQ(test, hs_remote_reply_unpack(&w,
				HS_REMOTE_REPLY_LEN + 4096, &d), -EINVAL);
	r.len = HS_REMOTE_MAX_BYTES + 512;
	hs_remote_reply_pack(&r, &w);
	KUNIT_EXPECT_EQ(test, hs_remote_reply_unpack(&w,
				HS_REMOTE_REPLY_LEN + r.len, &d), -EINVAL);
}

static void hs_remote_backoff_test(struct kunit *test)
{
	static const unsigned int want[] = { 20, 40, 80, 160, 200, 200, 200 };
	unsigned int ms = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		ms = hs_remote_backoff_ms(ms);
		KUNIT_EXPECT_EQ(test, ms, want[i]);
	}
	/* Whatever it is given, it stays in its bounds. */
	KUNIT_EXPECT_EQ(test, hs_remote_backoff_ms(UINT_MAX), 200U);
	KUNIT_EXPECT_EQ(test, hs_remote_backoff_ms(1), 20U);
}

static void send_raw(struct kunit *test, u32 len, const void *hdr,
		     u32 hdr_len)
{
	struct hs_ccm_msg *msg = hs_ccm_msg_alloc(HS_REMOTE_REQ, len,
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, msg);
	if (hdr_len)
		hs_ccm_msg_copy_to(msg, len - hdr_len, hdr, hdr_len);
	hs_rsrv_recv(hs_remote_chan(), msg);
	hs_ccm_msg_put(msg);
}

static void send_req(struct kunit *test, const struct hs_remote_req *r,
		     u32 data_len)
{
	struct hs_remote_wire_req w;

	hs_remote_req_pack(r, &w);
	send_raw(test, data_len + sizeof(w), &w, sizeof(w));
}

/*
 * The server itself, fed hostile requests as the channel would deliver
 * them: each is refused and counted, nothing reaches a disk, nothing
 * leaks (kmemleak at teardown), and a well-formed request for a pool
 * this node does not serve is not counted as refused.  No partner here:
 * the replies are dropped.
 */
static void hs_remote_server_hostile_test(struct kunit *test)
{
	static const u8 junk[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct hs_remote_req r;
	u64 before = hs_rsrv_settle();

	send_raw(test, 0, NULL, 0);
	send_raw(test, sizeof(junk), junk, sizeof(junk));
	good_write(&r);
	r.op = 0;
	send_req(test, &r, 0);
	good_write(&r);
	send_req(test, &r, r.len - 512);	/* payload short */
	good_write(&r);
	r.op = HS_ROP_READ;
	r.flags = 0;
	r.len = 0xfffffe00;
	send_req(test, &r, 0);
	good_write(&r);
	r.sector = U64_MAX - 1;
	send_req(test, &r, r.len);
	KUNIT_EXPECT_EQ(test, hs_rsrv_settle() - before, 6);

	good_write(&r);
	send_req(test, &r, r.len);
	good_write(&r);
	r.op = HS_ROP_FLUSH;
	r.flags = 0;
	r.len = 0;
	r.sector = 0;
	send_req(test, &r, 0);
	KUNIT_EXPECT_EQ(test, hs_rsrv_settle() - before, 6);
}

static struct kunit_case hs_remote_cases[] = {
	KUNIT_CASE(hs_remote_req_roundtrip_test),
	KUNIT_CASE(hs_remote_req_ops_test),
	KUNIT_CASE_PARAM(hs_remote_req_bad_test, bad_req_gen_params),
	KUNIT_CASE(hs_remote_unaligned_write_test),
	KUNIT_CASE(hs_remote_reply_test),
	KUNIT_CASE(hs_remote_backoff_test),
	KUNIT_CASE(hs_remote_server_hostile_test),
	{}
};

static struct kunit_suite hs_remote_suite = {
	.name = "hastor-remote",
	.test_cases = hs_remote_cases,
};

kunit_test_suite(hs_remote_suite);
