/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_CCM_AUTH_H
#define _HASTOR_CCM_AUTH_H

#include "ccm_frame.h"

enum hs_ccm_role {
	HS_CCM_ROLE_CONNECTOR = 1,
	HS_CCM_ROLE_ACCEPTOR = 2,
};

/* What both ends of a handshake know once the HELLOs crossed. */
struct hs_ccm_auth_ctx {
	u32 cluster_id;
	u32 connector, acceptor;	/* node ids */
	u16 link;
	u64 connector_boot, acceptor_boot;
	u8 connector_nonce[HS_CCM_NONCE_LEN];
	u8 acceptor_nonce[HS_CCM_NONCE_LEN];
};

int hs_ccm_auth_mac(const u8 *secret, unsigned int secret_len,
		    const struct hs_ccm_auth_ctx *ctx, enum hs_ccm_role prover,
		    u8 mac[HS_CCM_MAC_LEN]);
int hs_ccm_auth_verify(const u8 *secret, unsigned int secret_len,
		       const struct hs_ccm_auth_ctx *ctx,
		       enum hs_ccm_role prover, const u8 *mac);

#endif /* _HASTOR_CCM_AUTH_H */
