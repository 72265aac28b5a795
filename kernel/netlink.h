/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_NETLINK_H
#define _HASTOR_NETLINK_H

#include <net/netlink.h>
#include <linux/hastor.h>

int hastor_genl_init(void);
void hastor_genl_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
extern const struct nla_policy hastor_node_set_policy[];
extern const struct nla_policy hastor_set_policy[];
#endif

#endif /* _HASTOR_NETLINK_H */
