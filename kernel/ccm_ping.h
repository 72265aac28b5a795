/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_CCM_PING_H
#define _HASTOR_CCM_PING_H

#include <linux/types.h>

struct hs_ping_result {
	u32 count, size, sent, echoed, lost, duplicated, out_of_order,
	    corrupted;
	u32 rtt_min_us, rtt_avg_us, rtt_max_us;
	u64 session;
};

/* Sleeps for the whole run; -EBUSY, -ENOTCONN, -ENOMEM, -ERESTARTSYS. */
int hs_ccm_ping_run(u32 count, u32 size, struct hs_ping_result *res);

#endif /* _HASTOR_CCM_PING_H */
