/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_NETLINK_H
#define _HASTOR_NETLINK_H

#include <net/netlink.h>
#include <linux/hastor.h>

int hastor_genl_init(void);
void hastor_genl_exit(void);
void *hastor_genl_put(struct sk_buff *skb, u32 portid, u32 seq, u8 cmd);
void hastor_genl_notify(struct sk_buff *skb);

/* netlink_pool.c */
struct genl_info;
struct netlink_callback;
extern const struct nla_policy hastor_pool_req_policy[];
extern const struct nla_policy hastor_vol_req_policy[];
int hastor_nl_pool_create(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_pool_get(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_pool_dump(struct sk_buff *skb, struct netlink_callback *cb);
int hastor_nl_vol_create(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_vol_delete(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_vol_resize(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_snap_create(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_clone_create(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_vol_get(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_vol_dump(struct sk_buff *skb, struct netlink_callback *cb);
struct hs_pool;
void hs_pool_notify(struct hs_pool *pool, u32 event);

/* netlink_wlog.c */
int hastor_nl_wlog_get(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_wlog_set(struct sk_buff *skb, struct genl_info *info);
extern const struct nla_policy hastor_wlog_set_policy[];

/* netlink_ccm.c */
extern const struct nla_policy hastor_partner_req_policy[];
extern const struct nla_policy hastor_link_req_policy[];
extern const struct nla_policy hastor_ping_req_policy[];
int hastor_nl_partner_set(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_partner_get(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_partner_clear(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_link_get(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb);
int hastor_nl_ping(struct sk_buff *skb, struct genl_info *info);
extern const struct nla_policy hastor_ha_req_policy[];
int hastor_nl_ha_send(struct sk_buff *skb, struct genl_info *info);

/* netlink_disk.c */
extern const struct nla_policy hastor_disk_pr_req_policy[];
extern const struct nla_policy hastor_disk_label_req_policy[];
int hastor_nl_disk_pr(struct sk_buff *skb, struct genl_info *info);
int hastor_nl_disk_label(struct sk_buff *skb, struct genl_info *info);

#if IS_ENABLED(CONFIG_KUNIT)
extern const struct nla_policy hastor_node_set_policy[];
extern const struct nla_policy hastor_set_policy[];
#endif

#endif /* _HASTOR_NETLINK_H */
