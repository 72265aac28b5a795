// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and validation of interconnect frames.
 *
 * A received header is checked field by field against the rules of its
 * type before anything reads its payload: the type must be known, flags
 * and reserved fields zero, the header length exact, the payload length
 * the one its type allows, and channel, session, sequence and ack zero
 * where the type has no use for them.  A wrong version (with the right
 * magic) is told apart from garbage so that it can be counted as a
 * version mismatch.  The checksum is crc32c (initial value ~0, final
 * xor ~0) over the header with its crc field zero, then the payload.
 */
#include <linux/crc32c.h>
#include <linux/export.h>
#include <linux/module.h>
#include <asm/byteorder.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "ccm_frame.h"

struct hs_ccm_type_rule {
	u32 len_min, len_max;
	bool data_chan;		/* channel 1..NR-1, else 0 */
	bool session;		/* session must be nonzero, else 0 */
	bool seq;		/* seq must be nonzero, else 0 */
	bool ack;		/* ack may be set, else 0 */
	bool msg_type;		/* msg_type may be set, else 0 */
};

static const struct hs_ccm_type_rule hs_ccm_rules[HS_CCM_F_MAX + 1] = {
	[HS_CCM_F_HELLO] = { sizeof(struct hs_ccm_wire_hello),
			     sizeof(struct hs_ccm_wire_hello) },
	[HS_CCM_F_AUTH] = { HS_CCM_MAC_LEN, HS_CCM_MAC_LEN },
	[HS_CCM_F_SESSION] = { 0, 0, .session = true },
	[HS_CCM_F_DATA] = { 0, HS_CCM_MSG_MAX, .data_chan = true,
			    .session = true, .seq = true, .ack = true,
			    .msg_type = true },
	[HS_CCM_F_ACK] = { 0, 0, .data_chan = true, .session = true,
			   .ack = true },
	[HS_CCM_F_HB] = { 8, 8 },
	[HS_CCM_F_HB_ACK] = { 8, 8 },
};

void hs_ccm_hdr_pack(const struct hs_ccm_hdr *h, struct hs_ccm_wire_hdr *w)
{
	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_be32(HS_CCM_MAGIC);
	w->version = HS_CCM_VERSION;
	w->type = h->type;
	w->hdr_len = cpu_to_be16(HS_CCM_HDR_LEN);
	w->channel = cpu_to_be16(h->channel);
	w->len = cpu_to_be32(h->len);
	w->session = cpu_to_be64(h->session);
	w->seq = cpu_to_be64(h->seq);
	w->ack = cpu_to_be64(h->ack);
	w->msg_type = cpu_to_be16(h->msg_type);
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_hdr_pack);

int hs_ccm_hdr_unpack(const struct hs_ccm_wire_hdr *w, struct hs_ccm_hdr *h)
{
	const struct hs_ccm_type_rule *r;

	if (be32_to_cpu(w->magic) != HS_CCM_MAGIC)
		return -EBADMSG;
	if (w->version != HS_CCM_VERSION)
		return -EPROTONOSUPPORT;
	if (be16_to_cpu(w->hdr_len) != HS_CCM_HDR_LEN || w->flags ||
	    w->reserved)
		return -EBADMSG;
	if (!w->type || w->type > HS_CCM_F_MAX)
		return -EBADMSG;
	r = &hs_ccm_rules[w->type];

	h->type = w->type;
	h->channel = be16_to_cpu(w->channel);
	h->len = be32_to_cpu(w->len);
	h->session = be64_to_cpu(w->session);
	h->seq = be64_to_cpu(w->seq);
	h->ack = be64_to_cpu(w->ack);
	h->msg_type = be16_to_cpu(w->msg_type);

	if (h->len < r->len_min || h->len > r->len_max)
		return -EBADMSG;
	if (r->data_chan ? !h->channel || h->channel >= HS_CCM_NR_CHANS :
			   h->channel)
		return -EBADMSG;
	if (r->session != !!h->session)
		return -EBADMSG;
	if (r->seq != !!h->seq)
		return -EBADMSG;
	if (!r->ack && h->ack)
		return -EBADMSG;
	if (!r->msg_type && h->msg_type)
		return -EBADMSG;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_hdr_unpack);

u32 hs_ccm_crc_start(const struct hs_ccm_wire_hdr *w)
{
	struct hs_ccm_wire_hdr tmp = *w;

	tmp.crc = 0;
	return crc32c(~0U, &tmp, sizeof(tmp));
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_crc_start);

u32 hs_ccm_crc_update(u32 crc, const void *p, size_t len)
{
	return crc32c(crc, p, len);
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_crc_update);

void hs_ccm_hdr_seal(struct hs_ccm_wire_hdr *w, u32 crc)
{
	w->crc = cpu_to_be32(~crc);
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_hdr_seal);

bool hs_ccm_crc_ok(const struct hs_ccm_wire_hdr *w, u32 crc)
{
	return be32_to_cpu(w->crc) == ~crc;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_crc_ok);

void hs_ccm_frame_build(const struct hs_ccm_hdr *h, const void *payload,
			struct hs_ccm_wire_hdr *w)
{
	u32 crc;

	hs_ccm_hdr_pack(h, w);
	crc = hs_ccm_crc_start(w);
	if (h->len)
		crc = hs_ccm_crc_update(crc, payload, h->len);
	hs_ccm_hdr_seal(w, crc);
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_frame_build);

void hs_ccm_hello_pack(const struct hs_ccm_hello *h,
		       struct hs_ccm_wire_hello *w)
{
	memset(w, 0, sizeof(*w));
	w->cluster_id = cpu_to_be32(h->cluster_id);
	w->from_node = cpu_to_be32(h->from_node);
	w->to_node = cpu_to_be32(h->to_node);
	w->link = cpu_to_be16(h->link);
	w->boot_id = cpu_to_be64(h->boot_id);
	w->session = cpu_to_be64(h->session);
	w->ended = cpu_to_be64(h->ended);
	memcpy(w->nonce, h->nonce, sizeof(w->nonce));
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_hello_pack);

int hs_ccm_hello_unpack(const struct hs_ccm_wire_hello *w,
			struct hs_ccm_hello *h)
{
	if (w->reserved || !w->boot_id || !w->cluster_id || !w->from_node ||
	    !w->to_node)
		return -EBADMSG;
	h->cluster_id = be32_to_cpu(w->cluster_id);
	h->from_node = be32_to_cpu(w->from_node);
	h->to_node = be32_to_cpu(w->to_node);
	h->link = be16_to_cpu(w->link);
	h->boot_id = be64_to_cpu(w->boot_id);
	h->session = be64_to_cpu(w->session);
	h->ended = be64_to_cpu(w->ended);
	memcpy(h->nonce, w->nonce, sizeof(h->nonce));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_hello_unpack);

/*
 * Frames of a channel arrive in order on each link, and after a failover
 * the sender restarts from its oldest unacknowledged message, which is
 * never beyond what the receiver expects: so a sequence ahead of the
 * expected one is only dropped (the sender resends it), and one ahead by
 * more than any send window can hold is a protocol error.
 */
enum hs_ccm_seq_verdict hs_ccm_seq_check(u64 expected, u64 seq)
{
	if (seq == expected)
		return HS_CCM_SEQ_DELIVER;
	if (hs_ccm_seq_before(seq, expected))
		return HS_CCM_SEQ_DUP;
	if (seq - expected <= HS_CCM_SEQ_WINDOW)
		return HS_CCM_SEQ_GAP;
	return HS_CCM_SEQ_BAD;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_seq_check);

/*
 * An ack covers every sequence up to and including it.  Returns 1 when
 * it acknowledges something new, 0 for an old ack (duplicate or
 * reordered between links), -EBADMSG for an ack of what was never sent.
 */
int hs_ccm_ack_check(u64 acked, u64 sent_last, u64 ack)
{
	if (hs_ccm_seq_before(sent_last, ack))
		return -EBADMSG;
	if (hs_ccm_seq_before(acked, ack))
		return 1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_ack_check);
