/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_CCM_HA_H
#define _HASTOR_CCM_HA_H

#include <linux/types.h>

int hs_ccm_ha_init(void);
void hs_ccm_ha_exit(void);
/* Process context.  -EINVAL (size), -ENOTCONN, -ENOMEM, -ETIMEDOUT. */
int hs_ccm_ha_send(const void *data, u32 len);

#endif /* _HASTOR_CCM_HA_H */
