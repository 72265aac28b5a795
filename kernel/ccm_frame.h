/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interconnect's wire format (Documentation/protocol.md): a fixed
 * 48-byte big-endian header and a payload whose length depends on the
 * frame type.  Everything here is a pure function of its arguments, so
 * KUnit pins every rule down without a socket.
 */
#ifndef _HASTOR_CCM_FRAME_H
#define _HASTOR_CCM_FRAME_H

#include <linux/types.h>
#include <linux/build_bug.h>

#define HS_CCM_MAGIC		0x48534343	/* "HSCC" */
#define HS_CCM_VERSION		1
#define HS_CCM_HDR_LEN		48
#define HS_CCM_NONCE_LEN	32
#define HS_CCM_MAC_LEN		32		/* HMAC-SHA256 */
/* Largest DATA payload: a 1 MiB write-log entry with its headers. */
#define HS_CCM_MSG_MAX		((1U << 20) + (64U << 10))
#define HS_CCM_NR_CHANS		8		/* channel ids 1..7 */
/* A DATA sequence this far ahead of the next expected one is invalid. */
#define HS_CCM_SEQ_WINDOW	(1ULL << 20)

enum hs_ccm_ftype {
	HS_CCM_F_HELLO = 1,	/* identities, boot id, session, nonce */
	HS_CCM_F_AUTH,		/* HMAC proof */
	HS_CCM_F_SESSION,	/* the leader binds the link to a session */
	HS_CCM_F_DATA,		/* a channel message */
	HS_CCM_F_ACK,		/* a cumulative acknowledgement */
	HS_CCM_F_HB,		/* heartbeat, carries the sender's clock */
	HS_CCM_F_HB_ACK,	/* heartbeat echo */
	HS_CCM_F_MAX = HS_CCM_F_HB_ACK,
};

struct hs_ccm_wire_hdr {
	__be32 magic;		/*  0 */
	u8 version;		/*  4 */
	u8 type;		/*  5 */
	__be16 flags;		/*  6: none defined, must be 0 */
	__be16 hdr_len;		/*  8: HS_CCM_HDR_LEN */
	__be16 channel;		/* 10 */
	__be32 len;		/* 12: payload bytes */
	__be64 session;		/* 16 */
	__be64 seq;		/* 24 */
	__be64 ack;		/* 32 */
	__be16 msg_type;	/* 40: client type of DATA */
	__be16 reserved;	/* 42: must be 0 */
	__be32 crc;		/* 44: crc32c of header and payload */
} __packed;

static_assert(sizeof(struct hs_ccm_wire_hdr) == HS_CCM_HDR_LEN);

/* A header in host order. */
struct hs_ccm_hdr {
	u8 type;
	u16 channel;
	u16 msg_type;
	u32 len;
	u64 session;
	u64 seq;
	u64 ack;
};

struct hs_ccm_wire_hello {
	__be32 cluster_id;	/*  0 */
	__be32 from_node;	/*  4 */
	__be32 to_node;		/*  8 */
	__be16 link;		/* 12 */
	__be16 reserved;	/* 14: must be 0 */
	__be64 boot_id;		/* 16 */
	__be64 session;		/* 24: the sender's current session or 0 */
	__be64 ended;		/* 32: the session it ended last, or 0 */
	u8 nonce[HS_CCM_NONCE_LEN];	/* 40 */
} __packed;

static_assert(sizeof(struct hs_ccm_wire_hello) == 72);

struct hs_ccm_hello {
	u32 cluster_id;
	u32 from_node;
	u32 to_node;
	u16 link;
	u64 boot_id;
	u64 session;
	u64 ended;
	u8 nonce[HS_CCM_NONCE_LEN];
};

void hs_ccm_hdr_pack(const struct hs_ccm_hdr *h, struct hs_ccm_wire_hdr *w);
int hs_ccm_hdr_unpack(const struct hs_ccm_wire_hdr *w, struct hs_ccm_hdr *h);
u32 hs_ccm_crc_start(const struct hs_ccm_wire_hdr *w);
u32 hs_ccm_crc_update(u32 crc, const void *p, size_t len);
void hs_ccm_hdr_seal(struct hs_ccm_wire_hdr *w, u32 crc);
bool hs_ccm_crc_ok(const struct hs_ccm_wire_hdr *w, u32 crc);
/* Packs and seals a frame whose payload is in one buffer. */
void hs_ccm_frame_build(const struct hs_ccm_hdr *h, const void *payload,
			struct hs_ccm_wire_hdr *w);

void hs_ccm_hello_pack(const struct hs_ccm_hello *h,
		       struct hs_ccm_wire_hello *w);
int hs_ccm_hello_unpack(const struct hs_ccm_wire_hello *w,
			struct hs_ccm_hello *h);

enum hs_ccm_seq_verdict {
	HS_CCM_SEQ_DELIVER,	/* the next expected one */
	HS_CCM_SEQ_DUP,		/* already delivered: drop, ack again */
	HS_CCM_SEQ_GAP,		/* ahead: drop, the sender resends */
	HS_CCM_SEQ_BAD,		/* beyond any window: a protocol error */
};

enum hs_ccm_seq_verdict hs_ccm_seq_check(u64 expected, u64 seq);
int hs_ccm_ack_check(u64 acked, u64 sent_last, u64 ack);

/* Wrap-safe order of sequence numbers. */
static inline bool hs_ccm_seq_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

#endif /* _HASTOR_CCM_FRAME_H */
