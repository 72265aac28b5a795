// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the interconnect's wire format, its sequence and ack windows and
 * the handshake's proofs.  Every header field is taken out of its range
 * once; the frame must then be refused, and never crash.
 */
#include <kunit/test.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "../ccm_frame.h"
#include "../ccm_auth.h"
#include "../ccm.h"
#include "../netlink.h"

static void good_data(struct hs_ccm_hdr *h)
{
	*h = (struct hs_ccm_hdr){
		.type = HS_CCM_F_DATA, .channel = 2, .msg_type = 7, .len = 100,
		.session = 0x1122334455667788ULL, .seq = 5, .ack = 3,
	};
}

static void hs_ccm_frame_roundtrip_test(struct kunit *test)
{
	static const u8 payload[100] = { 1, 2, 3 };
	struct hs_ccm_wire_hdr w;
	struct hs_ccm_hdr h, d;
	u32 crc;

	good_data(&h);
	hs_ccm_frame_build(&h, payload, &w);
	/* Explicit values at explicit offsets. */
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[0], 'H');
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[3], 'C');
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[4], HS_CCM_VERSION);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[5], HS_CCM_F_DATA);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[9], HS_CCM_HDR_LEN);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[11], 2);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[15], 100);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[16], 0x11);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[31], 5);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[39], 3);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w)[41], 7);

	KUNIT_ASSERT_EQ(test, hs_ccm_hdr_unpack(&w, &d), 0);
	KUNIT_EXPECT_EQ(test, d.type, h.type);
	KUNIT_EXPECT_EQ(test, d.channel, h.channel);
	KUNIT_EXPECT_EQ(test, d.msg_type, h.msg_type);
	KUNIT_EXPECT_EQ(test, d.len, h.len);
	KUNIT_EXPECT_EQ(test, d.session, h.session);
	KUNIT_EXPECT_EQ(test, d.seq, h.seq);
	KUNIT_EXPECT_EQ(test, d.ack, h.ack);
	crc = hs_ccm_crc_update(hs_ccm_crc_start(&w), payload, sizeof(payload));
	KUNIT_EXPECT_TRUE(test, hs_ccm_crc_ok(&w, crc));
}

static void hs_ccm_frame_crc_test(struct kunit *test)
{
	u8 payload[100] = {};
	struct hs_ccm_wire_hdr w, bad;
	struct hs_ccm_hdr h;
	u32 crc;
	int i;

	good_data(&h);
	hs_ccm_frame_build(&h, payload, &w);
	/* A flipped payload bit. */
	payload[50] ^= 1;
	crc = hs_ccm_crc_update(hs_ccm_crc_start(&w), payload, sizeof(payload));
	KUNIT_EXPECT_FALSE(test, hs_ccm_crc_ok(&w, crc));
	payload[50] ^= 1;
	/* A flipped bit anywhere in the header, crc field included. */
	for (i = 0; i < HS_CCM_HDR_LEN; i++) {
		bad = w;
		((u8 *)&bad)[i] ^= 0x10;
		crc = hs_ccm_crc_update(hs_ccm_crc_start(&bad), payload,
					sizeof(payload));
		KUNIT_EXPECT_FALSE(test, hs_ccm_crc_ok(&bad, crc));
	}
	/* A truncated payload. */
	crc = hs_ccm_crc_update(hs_ccm_crc_start(&w), payload, 99);
	KUNIT_EXPECT_FALSE(test, hs_ccm_crc_ok(&w, crc));
}

struct bad_case {
	const char *desc;
	void (*mangle)(struct hs_ccm_wire_hdr *w);
	int err;
};

static void m_magic(struct hs_ccm_wire_hdr *w)
{
	w->magic = cpu_to_be32(0x48534344);
}
static void m_version(struct hs_ccm_wire_hdr *w)
{
	w->version = 2;
}
static void m_version0(struct hs_ccm_wire_hdr *w)
{
	w->version = 0;
}
static void m_type0(struct hs_ccm_wire_hdr *w)
{
	w->type = 0;
}
static void m_type_big(struct hs_ccm_wire_hdr *w)
{
	w->type = HS_CCM_F_MAX + 1;
}
static void m_flags(struct hs_ccm_wire_hdr *w)
{
	w->flags = cpu_to_be16(1);
}
static void m_hdr_len(struct hs_ccm_wire_hdr *w)
{
	w->hdr_len = cpu_to_be16(52);
}
static void m_reserved(struct hs_ccm_wire_hdr *w)
{
	w->reserved = cpu_to_be16(1);
}
static void m_len_big(struct hs_ccm_wire_hdr *w)
{
	w->len = cpu_to_be32(HS_CCM_MSG_MAX + 1);
}
static void m_len_huge(struct hs_ccm_wire_hdr *w)
{
	w->len = cpu_to_be32(U32_MAX);
}
static void m_chan0(struct hs_ccm_wire_hdr *w)
{
	w->channel = 0;
}
static void m_chan_big(struct hs_ccm_wire_hdr *w)
{
	w->channel = cpu_to_be16(HS_CCM_NR_CHANS);
}
static void m_session0(struct hs_ccm_wire_hdr *w)
{
	w->session = 0;
}
static void m_seq0(struct hs_ccm_wire_hdr *w)
{
	w->seq = 0;
}
static void m_hb_len(struct hs_ccm_wire_hdr *w)
{
	w->type = HS_CCM_F_HB;
	w->channel = 0;
	w->session = 0;
	w->seq = 0;
	w->ack = 0;
	w->msg_type = 0;
	w->len = cpu_to_be32(9);
}

static void m_hb_chan(struct hs_ccm_wire_hdr *w)
{
	m_hb_len(w);
	w->len = cpu_to_be32(8);
	w->channel = cpu_to_be16(1);
}

static void m_hb_ok(struct hs_ccm_wire_hdr *w)
{
	m_hb_len(w);
	w->len = cpu_to_be32(8);
}

static void m_ack_seq(struct hs_ccm_wire_hdr *w)
{
	w->type = HS_CCM_F_ACK;
	w->len = 0;
	w->msg_type = 0;
}

static void m_ack_len(struct hs_ccm_wire_hdr *w)
{
	m_ack_seq(w);
	w->seq = 0;
	w->len = cpu_to_be32(1);
}

static void m_ack_ok(struct hs_ccm_wire_hdr *w)
{
	m_ack_seq(w);
	w->seq = 0;
}

static void m_hello_len(struct hs_ccm_wire_hdr *w)
{
	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_be32(HS_CCM_MAGIC);
	w->version = HS_CCM_VERSION;
	w->hdr_len = cpu_to_be16(HS_CCM_HDR_LEN);
	w->type = HS_CCM_F_HELLO;
	w->len = cpu_to_be32(sizeof(struct hs_ccm_wire_hello) - 1);
}

static void m_hello_session(struct hs_ccm_wire_hdr *w)
{
	m_hello_len(w);
	w->len = cpu_to_be32(sizeof(struct hs_ccm_wire_hello));
	w->session = cpu_to_be64(1);
}

static void m_auth_len(struct hs_ccm_wire_hdr *w)
{
	m_hello_len(w);
	w->type = HS_CCM_F_AUTH;
	w->len = cpu_to_be32(HS_CCM_MAC_LEN + 1);
}

static void m_session_nil(struct hs_ccm_wire_hdr *w)
{
	m_hello_len(w);
	w->type = HS_CCM_F_SESSION;
	w->len = 0;
}

static void m_session_ok(struct hs_ccm_wire_hdr *w)
{
	m_session_nil(w);
	w->session = cpu_to_be64(42);
}

static void m_msg_type_ctl(struct hs_ccm_wire_hdr *w)
{
	m_session_ok(w);
	w->msg_type = cpu_to_be16(1);
}

static void m_none(struct hs_ccm_wire_hdr *w) { }

static const struct bad_case bad_cases[] = {
	{ "valid data", m_none, 0 },
	{ "bad magic", m_magic, -EBADMSG },
	{ "version 2", m_version, -EPROTONOSUPPORT },
	{ "version 0", m_version0, -EPROTONOSUPPORT },
	{ "type 0", m_type0, -EBADMSG },
	{ "type beyond max", m_type_big, -EBADMSG },
	{ "flags set", m_flags, -EBADMSG },
	{ "header length 52", m_hdr_len, -EBADMSG },
	{ "reserved set", m_reserved, -EBADMSG },
	{ "data longer than max", m_len_big, -EBADMSG },
	{ "length 4G-1", m_len_huge, -EBADMSG },
	{ "data on channel 0", m_chan0, -EBADMSG },
	{ "data on channel 8", m_chan_big, -EBADMSG },
	{ "data without session", m_session0, -EBADMSG },
	{ "data with seq 0", m_seq0, -EBADMSG },
	{ "heartbeat of 9 bytes", m_hb_len, -EBADMSG },
	{ "heartbeat on a channel", m_hb_chan, -EBADMSG },
	{ "valid heartbeat", m_hb_ok, 0 },
	{ "ack with seq", m_ack_seq, -EBADMSG },
	{ "ack with payload", m_ack_len, -EBADMSG },
	{ "valid ack", m_ack_ok, 0 },
	{ "short hello", m_hello_len, -EBADMSG },
	{ "hello with session", m_hello_session, -EBADMSG },
	{ "long auth", m_auth_len, -EBADMSG },
	{ "session frame without id", m_session_nil, -EBADMSG },
	{ "valid session frame", m_session_ok, 0 },
	{ "msg type on control frame", m_msg_type_ctl, -EBADMSG },
};

static void bad_case_desc(const struct bad_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad, bad_cases, bad_case_desc);

static void hs_ccm_frame_validate_test(struct kunit *test)
{
	const struct bad_case *c = test->param_value;
	struct hs_ccm_wire_hdr w;
	struct hs_ccm_hdr h;

	good_data(&h);
	hs_ccm_hdr_pack(&h, &w);
	c->mangle(&w);
	KUNIT_EXPECT_EQ(test, hs_ccm_hdr_unpack(&w, &h), c->err);
}

static void hs_ccm_hello_test(struct kunit *test)
{
	struct hs_ccm_hello h = {
		.cluster_id = 7, .from_node = 1, .to_node = 2, .link = 1,
		.boot_id = 0xabcdef, .session = 9, .ended = 8,
	}, d;
	struct hs_ccm_wire_hello w;

	memset(h.nonce, 0x5a, sizeof(h.nonce));
	hs_ccm_hello_pack(&h, &w);
	KUNIT_ASSERT_EQ(test, hs_ccm_hello_unpack(&w, &d), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&h, &d, sizeof(h)), 0);
	w.reserved = cpu_to_be16(1);
	KUNIT_EXPECT_EQ(test, hs_ccm_hello_unpack(&w, &d), -EBADMSG);
	hs_ccm_hello_pack(&h, &w);
	w.boot_id = 0;
	KUNIT_EXPECT_EQ(test, hs_ccm_hello_unpack(&w, &d), -EBADMSG);
	hs_ccm_hello_pack(&h, &w);
	w.from_node = 0;
	KUNIT_EXPECT_EQ(test, hs_ccm_hello_unpack(&w, &d), -EBADMSG);
}

static void hs_ccm_seq_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(1, 1), HS_CCM_SEQ_DELIVER);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(5, 4), HS_CCM_SEQ_DUP);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(5, 1), HS_CCM_SEQ_DUP);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(5, 6), HS_CCM_SEQ_GAP);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(5, 5 + HS_CCM_SEQ_WINDOW),
			HS_CCM_SEQ_GAP);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(5, 6 + HS_CCM_SEQ_WINDOW),
			HS_CCM_SEQ_BAD);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(5, U64_MAX / 2),
			HS_CCM_SEQ_BAD);
	/* Across the wrap. */
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(U64_MAX, U64_MAX),
			HS_CCM_SEQ_DELIVER);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(U64_MAX, 0), HS_CCM_SEQ_GAP);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(1, U64_MAX), HS_CCM_SEQ_DUP);
	KUNIT_EXPECT_EQ(test, hs_ccm_seq_check(2, U64_MAX - 3), HS_CCM_SEQ_DUP);
	KUNIT_EXPECT_TRUE(test, hs_ccm_seq_before(U64_MAX, 1));
	KUNIT_EXPECT_FALSE(test, hs_ccm_seq_before(1, U64_MAX));
}

static void hs_ccm_ack_test(struct kunit *test)
{
	/* acked 3, sent up to 10 */
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(3, 10, 5), 1);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(3, 10, 10), 1);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(3, 10, 3), 0);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(3, 10, 1), 0);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(3, 10, 11), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(0, 0, 1), -EBADMSG);
	/* Across the wrap. */
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(U64_MAX - 1, 2, 1), 1);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(U64_MAX - 1, 2, 3), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hs_ccm_ack_check(U64_MAX - 1, 2, U64_MAX - 2), 0);
}

static void fill_ctx(struct hs_ccm_auth_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cluster_id = 7;
	ctx->connector = 1;
	ctx->acceptor = 2;
	ctx->link = 1;
	ctx->connector_boot = 11;
	ctx->acceptor_boot = 22;
	memset(ctx->connector_nonce, 0xc1, HS_CCM_NONCE_LEN);
	memset(ctx->acceptor_nonce, 0xa2, HS_CCM_NONCE_LEN);
}

static void hs_ccm_auth_test(struct kunit *test)
{
	static const u8 secret[] = "0123456789abcdef-the-secret";
	static const u8 wrong[] = "0123456789abcdef-the-secreT";
	struct hs_ccm_auth_ctx ctx, other;
	u8 mac[HS_CCM_MAC_LEN];
	const unsigned int len = sizeof(secret) - 1;

	fill_ctx(&ctx);
	KUNIT_ASSERT_EQ(test, hs_ccm_auth_mac(secret, len, &ctx,
					      HS_CCM_ROLE_CONNECTOR, mac), 0);
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len, &ctx,
						 HS_CCM_ROLE_CONNECTOR, mac), 0);
	/* The wrong secret, a reflected proof, another nonce, identity. */
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(wrong, len, &ctx,
						 HS_CCM_ROLE_CONNECTOR, mac),
			-EACCES);
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len, &ctx,
						 HS_CCM_ROLE_ACCEPTOR, mac),
			-EACCES);
	other = ctx;
	other.acceptor_nonce[31] ^= 1;
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len, &other,
						 HS_CCM_ROLE_CONNECTOR, mac),
			-EACCES);
	other = ctx;
	other.cluster_id = 8;
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len, &other,
						 HS_CCM_ROLE_CONNECTOR, mac),
			-EACCES);
	other = ctx;
	other.link = 0;
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len, &other,
						 HS_CCM_ROLE_CONNECTOR, mac),
			-EACCES);
	other = ctx;
	other.acceptor_boot = 23;
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len, &other,
						 HS_CCM_ROLE_CONNECTOR, mac),
			-EACCES);
	/* A shorter secret with the same prefix is another secret. */
	KUNIT_EXPECT_EQ(test, hs_ccm_auth_verify(secret, len - 1, &ctx,
						 HS_CCM_ROLE_CONNECTOR, mac),
			-EACCES);
}

static void hs_ccm_msg_test(struct kunit *test)
{
	struct hs_ccm_msg *msg;
	u8 *buf, *out;
	int i;

	buf = kunit_kzalloc(test, 5000, GFP_KERNEL);
	out = kunit_kzalloc(test, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < 5000; i++)
		buf[i] = i * 7;
	msg = hs_ccm_msg_alloc(3, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->nr_pages, DIV_ROUND_UP(5000, PAGE_SIZE));
	hs_ccm_msg_copy_to(msg, 0, buf, 5000);
	memset(out, 0, 5000);
	hs_ccm_msg_copy_from(msg, 0, out, 5000);
	KUNIT_EXPECT_EQ(test, memcmp(buf, out, 5000), 0);
	/* Copies stop at the end of the payload. */
	hs_ccm_msg_copy_from(msg, 4990, out, 100);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 4990, 10), 0);
	hs_ccm_msg_get(msg);
	hs_ccm_msg_put(msg);
	hs_ccm_msg_put(msg);
	KUNIT_EXPECT_NULL(test, hs_ccm_msg_alloc(1, HS_CCM_MSG_MAX + 1,
						 GFP_KERNEL));
	msg = hs_ccm_msg_alloc(1, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, msg->nr_pages, 0);
	hs_ccm_msg_put(msg);
}

/* ---- netlink policies of the interconnect ---- */

struct nl_case {
	const char *desc;
	int top;			/* HASTOR_A_PARTNER or HASTOR_A_PING */
	void (*build)(struct sk_buff *skb);
	int err;
};

static void put_link_addrs(struct sk_buff *skb, int llen, int rlen)
{
	static const u8 a[16] = { 192, 0, 2, 1 }, b[16] = { 192, 0, 2, 2 };
	struct nlattr *n = nla_nest_start(skb, HASTOR_A_PARTNER_LINK);

	nla_put(skb, HASTOR_A_LINK_LOCAL_ADDR, llen, a);
	nla_put(skb, HASTOR_A_LINK_REMOTE_ADDR, rlen, b);
	nla_nest_end(skb, n);
}

static void put_secret(struct sk_buff *skb, int len)
{
	static const u8 s[80];

	nla_put(skb, HASTOR_A_PARTNER_SECRET, len, s);
}

static void p_valid(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_NODE_ID, 2);
	put_link_addrs(skb, 4, 4);
	put_secret(skb, 16);
	nla_put_u16(skb, HASTOR_A_PARTNER_PORT, 11100);
	nla_put_u32(skb, HASTOR_A_PARTNER_HB_INTERVAL, 50);
	nla_put_u32(skb, HASTOR_A_PARTNER_HB_TIMEOUT, 600000);
}

static void p_secret_max(struct sk_buff *skb)
{
	put_secret(skb, 64);
}

static void p_id0(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_NODE_ID, 0);
}

static void p_id_big(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_NODE_ID, HASTOR_NODE_ID_MAX + 1);
}

static void p_secret_short(struct sk_buff *skb)
{
	put_secret(skb, 15);
}

static void p_secret_long(struct sk_buff *skb)
{
	put_secret(skb, 65);
}

static void p_addr3(struct sk_buff *skb)
{
	put_link_addrs(skb, 3, 4);
}

static void p_addr16(struct sk_buff *skb)
{
	put_link_addrs(skb, 4, 16);
}

static void p_port0(struct sk_buff *skb)
{
	nla_put_u16(skb, HASTOR_A_PARTNER_PORT, 0);
}

static void p_port_u32(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_PORT, 11100);
}

static void p_hbi_low(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_HB_INTERVAL, HASTOR_HB_INTERVAL_MIN - 1);
}

static void p_hbt_high(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_HB_TIMEOUT, HASTOR_HB_TIMEOUT_MAX + 1);
}

static void p_readonly(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_STATE, 1);
}

static void p_link_unknown(struct sk_buff *skb)
{
	struct nlattr *n = nla_nest_start(skb, HASTOR_A_PARTNER_LINK);

	nla_put_u32(skb, HASTOR_A_LINK_RTT_US, 1);
	nla_nest_end(skb, n);
}

static void p_link_flat(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PARTNER_LINK, 1);
}

static void g_count0(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PING_COUNT, 0);
}

static void g_count_max(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PING_COUNT, HASTOR_PING_COUNT_MAX);
}

static void g_count_big(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PING_COUNT, HASTOR_PING_COUNT_MAX + 1);
}

static void g_size_small(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PING_SIZE, HASTOR_PING_SIZE_MIN - 1);
}

static void g_size_big(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PING_SIZE, HASTOR_PING_SIZE_MAX + 1);
}

static void g_sent(struct sk_buff *skb)
{
	nla_put_u32(skb, HASTOR_A_PING_SENT, 1);
}

static const struct nl_case nl_cases[] = {
	{ "partner valid", HASTOR_A_PARTNER, p_valid, 0 },
	{ "secret of 64", HASTOR_A_PARTNER, p_secret_max, 0 },
	{ "partner id 0", HASTOR_A_PARTNER, p_id0, -ERANGE },
	{ "partner id 65536", HASTOR_A_PARTNER, p_id_big, -ERANGE },
	{ "secret of 15", HASTOR_A_PARTNER, p_secret_short, -ERANGE },
	{ "secret of 65", HASTOR_A_PARTNER, p_secret_long, -ERANGE },
	{ "address of 3", HASTOR_A_PARTNER, p_addr3, -ERANGE },
	{ "address of 16", HASTOR_A_PARTNER, p_addr16, -ERANGE },
	{ "port 0", HASTOR_A_PARTNER, p_port0, -ERANGE },
	{ "port as u32", HASTOR_A_PARTNER, p_port_u32, -EINVAL },
	{ "interval below min", HASTOR_A_PARTNER, p_hbi_low, -ERANGE },
	{ "timeout above max", HASTOR_A_PARTNER, p_hbt_high, -ERANGE },
	{ "read-only state", HASTOR_A_PARTNER, p_readonly, -EINVAL },
	{ "unknown in link", HASTOR_A_PARTNER, p_link_unknown, -EINVAL },
	{ "link not a nest", HASTOR_A_PARTNER, p_link_flat, -EINVAL },
	{ "ping count 0", HASTOR_A_PING, g_count0, -ERANGE },
	{ "ping count max", HASTOR_A_PING, g_count_max, 0 },
	{ "ping count above max", HASTOR_A_PING, g_count_big, -ERANGE },
	{ "ping size below min", HASTOR_A_PING, g_size_small, -ERANGE },
	{ "ping size above max", HASTOR_A_PING, g_size_big, -ERANGE },
	{ "ping read-only sent", HASTOR_A_PING, g_sent, -EINVAL },
};

static void nl_case_desc(const struct nl_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nl, nl_cases, nl_case_desc);

static void hs_ccm_policy_test(struct kunit *test)
{
	const struct nl_case *c = test->param_value;
	struct nlattr *tb[HASTOR_A_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb;
	struct nlattr *nest;
	int err;

	skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	nest = nla_nest_start(skb, c->top);
	c->build(skb);
	nla_nest_end(skb, nest);
	err = nla_parse(tb, HASTOR_A_MAX, (struct nlattr *)skb->data,
			skb->len, c->top == HASTOR_A_PING ?
			hastor_ping_req_policy : hastor_partner_req_policy,
			&extack);
	KUNIT_EXPECT_EQ(test, err, c->err);
	if (c->err)
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	kfree_skb(skb);
}

static struct kunit_case hs_ccm_cases[] = {
	KUNIT_CASE(hs_ccm_frame_roundtrip_test),
	KUNIT_CASE(hs_ccm_frame_crc_test),
	KUNIT_CASE_PARAM(hs_ccm_frame_validate_test, bad_gen_params),
	KUNIT_CASE(hs_ccm_hello_test),
	KUNIT_CASE(hs_ccm_seq_test),
	KUNIT_CASE(hs_ccm_ack_test),
	KUNIT_CASE(hs_ccm_auth_test),
	KUNIT_CASE(hs_ccm_msg_test),
	KUNIT_CASE_PARAM(hs_ccm_policy_test, nl_gen_params),
	{}
};

static struct kunit_suite hs_ccm_suite = {
	.name = "hastor-ccm",
	.test_cases = hs_ccm_cases,
};

kunit_test_suite(hs_ccm_suite);
