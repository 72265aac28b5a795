// SPDX-License-Identifier: GPL-2.0
/*
 * Challenge-response authentication of an interconnect connection.
 *
 * Each end sends a fresh random nonce in its HELLO; each then proves
 * knowledge of the shared secret with HMAC-SHA256 over a fixed label, the
 * prover's role, the cluster, both node ids, the link index, both boot
 * ids and both nonces.  The role keeps a proof from being reflected back
 * to its sender; the nonces keep it from being replayed on another
 * connection.  Proofs are compared in constant time.
 */
#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <linux/err.h>
#include <linux/module.h>
#include <kunit/visibility.h>

#include "ccm_auth.h"

#define HS_CCM_AUTH_LABEL	"hastor-ccm-auth1"

struct hs_ccm_auth_input {
	u8 label[16];
	u8 role;
	u8 pad[3];
	__be32 cluster_id;
	__be32 connector;
	__be32 acceptor;
	__be16 link;
	__be16 pad2;
	__be64 connector_boot;
	__be64 acceptor_boot;
	u8 connector_nonce[HS_CCM_NONCE_LEN];
	u8 acceptor_nonce[HS_CCM_NONCE_LEN];
} __packed;

static_assert(sizeof(struct hs_ccm_auth_input) == 116);

int hs_ccm_auth_mac(const u8 *secret, unsigned int secret_len,
		    const struct hs_ccm_auth_ctx *ctx, enum hs_ccm_role prover,
		    u8 mac[HS_CCM_MAC_LEN])
{
	struct hs_ccm_auth_input in = {
		.role = prover,
		.cluster_id = cpu_to_be32(ctx->cluster_id),
		.connector = cpu_to_be32(ctx->connector),
		.acceptor = cpu_to_be32(ctx->acceptor),
		.link = cpu_to_be16(ctx->link),
		.connector_boot = cpu_to_be64(ctx->connector_boot),
		.acceptor_boot = cpu_to_be64(ctx->acceptor_boot),
	};
	struct crypto_shash *tfm;
	int err;

	memcpy(in.label, HS_CCM_AUTH_LABEL, sizeof(in.label));
	memcpy(in.connector_nonce, ctx->connector_nonce, HS_CCM_NONCE_LEN);
	memcpy(in.acceptor_nonce, ctx->acceptor_nonce, HS_CCM_NONCE_LEN);

	/* Handshakes are rare; a transform of its own needs no locking. */
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_shash_setkey(tfm, secret, secret_len);
	if (!err) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		err = crypto_shash_digest(desc, (u8 *)&in, sizeof(in), mac);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_auth_mac);

/* 0 when mac proves the secret, -EACCES when not, or another error. */
int hs_ccm_auth_verify(const u8 *secret, unsigned int secret_len,
		       const struct hs_ccm_auth_ctx *ctx,
		       enum hs_ccm_role prover, const u8 *mac)
{
	u8 want[HS_CCM_MAC_LEN];
	int err;

	err = hs_ccm_auth_mac(secret, secret_len, ctx, prover, want);
	if (err)
		return err;
	err = crypto_memneq(want, mac, HS_CCM_MAC_LEN) ? -EACCES : 0;
	memzero_explicit(want, sizeof(want));
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_ccm_auth_verify);
