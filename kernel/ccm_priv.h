/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the connection manager shared by ccm.c (configuration,
 * channels, sessions), ccm_link.c (one TCP connection per link) and
 * netlink_ccm.c.
 *
 * Locks, outermost first:
 *   hs_ccm.cfg_lock      (mutex) the partner's configuration and links
 *   hs_ccm.deliver_lock  (mutex) session changes and channel callbacks
 *   link->sock_mutex     (mutex) a link's socket pointers
 *   hs_ccm.lock          (spinlock, irq-safe) session state, channel
 *                        queues and sequences, link membership
 */
#ifndef _HASTOR_CCM_PRIV_H
#define _HASTOR_CCM_PRIV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/hastor.h>

#include "ccm.h"

struct netlink_ext_ack;
struct socket;
struct task_struct;

struct hs_ccm_link_cfg {
	__be32 laddr, raddr;
};

struct hs_ccm_cfg {
	u32 partner_id;
	u16 port;
	u32 hb_interval_ms, hb_timeout_ms;
	u32 secret_len;
	u8 secret[HASTOR_SECRET_MAX];
	u32 nr_links;
	struct hs_ccm_link_cfg links[HASTOR_MAX_LINKS];
};

enum hs_ccm_stat {
	HS_STAT_TX_BYTES,
	HS_STAT_RX_BYTES,
	HS_STAT_TX_FRAMES,
	HS_STAT_RX_FRAMES,
	HS_STAT_TX_MSGS,
	HS_STAT_RX_MSGS,
	HS_STAT_RESENDS,
	HS_STAT_AUTH_FAILURES,
	HS_STAT_VERSION_MISMATCH,
	HS_STAT_BAD_FRAMES,
	HS_STAT_HB_TIMEOUTS,
	HS_STAT_CONNECT_FAILURES,
	HS_STAT_UPTIMES,
	HS_STAT_NR
};

struct hs_ccm_link {
	unsigned int index;
	struct hs_ccm_link_cfg addr;
	bool connector;		/* the lower node id connects */

	/* Socket pointers; their owner thread releases them. */
	struct mutex sock_mutex;
	struct socket *sock;	/* the conn thread's: connecting or up */
	struct socket *hs_sock;	/* the listener's, during a handshake */
	struct socket *lsock;	/* listening (acceptor) */
	struct task_struct *thread, *listener;
	wait_queue_head_t wq;

	/* Under hs_ccm.lock: */
	enum hastor_link_state state;
	enum hastor_link_reason reason;
	u64 last_change_ns;
	struct socket *pending;	/* authenticated, from the listener */
	struct hs_ccm_hello pending_hello;
	bool in_session;
	bool tx_enabled;
	bool tx_failed;
	bool hb_due;
	bool hb_echo_due;
	u64 hb_echo_ts;
	u32 rtt_us;
	unsigned int rr;	/* next channel to serve */

	struct work_struct tx_work;
	unsigned long last_rx;		/* jiffies, rx thread only */
	unsigned long last_hb;
	atomic64_t stats[HS_STAT_NR];
};

struct hs_ccm_chan {
	u16 id;
	/* Under deliver_lock and lock: */
	const struct hs_ccm_chan_ops *ops;
	void *priv;
	/* Under lock: */
	struct list_head txq;		/* unacknowledged, in sequence order */
	struct list_head *cursor;	/* next to transmit, or &txq */
	u64 tx_next;			/* sequence of the next new message */
	u64 tx_acked;			/* highest acknowledged */
	u32 tx_bytes, tx_count;
	unsigned long tx_progress;	/* jiffies of the last ack progress */
	u64 rx_next;			/* next expected sequence */
	bool ack_due;
	wait_queue_head_t space_wq;
};

struct hs_ccm {
	struct mutex cfg_lock;
	struct mutex deliver_lock;
	spinlock_t lock;

	/* Under cfg_lock; read-only for running links. */
	bool configured;
	struct hs_ccm_cfg cfg;
	u32 self_id, cluster_id;
	struct hs_ccm_link *links[HASTOR_MAX_LINKS];

	u64 boot_id;
	struct workqueue_struct *wq;
	struct delayed_work unreach_work;
	struct delayed_work tick_work;

	/* Under lock (changes also under deliver_lock): */
	bool reachable;
	u64 session;
	u64 ended;		/* the session that ended last */
	u64 peer_boot;
	struct hs_ccm_link *primary;
	struct hs_ccm_chan chans[HS_CCM_NR_CHANS];
};

extern struct hs_ccm hs_ccm;

static inline void hs_link_stat(struct hs_ccm_link *link,
				enum hs_ccm_stat s, u64 n)
{
	atomic64_add(n, &link->stats[s]);
}

static inline unsigned long hs_ccm_ms(u32 ms)
{
	return max(msecs_to_jiffies(ms), 1UL);
}

/* ccm.c, for ccm_link.c */
void hs_ccm_link_set_state(struct hs_ccm_link *link,
			   enum hastor_link_state state,
			   enum hastor_link_reason reason);
int hs_ccm_leader_join(struct hs_ccm_link *link,
		       const struct hs_ccm_hello *peer,
		       int (*send_session)(struct hs_ccm_link *, u64));
int hs_ccm_follower_join(struct hs_ccm_link *link,
			 const struct hs_ccm_hello *peer, u64 session);
void hs_ccm_link_leave(struct hs_ccm_link *link);
int hs_ccm_rx_ack(struct hs_ccm_link *link, const struct hs_ccm_hdr *h);
int hs_ccm_rx_data(struct hs_ccm_link *link, const struct hs_ccm_hdr *h,
		   struct hs_ccm_msg *msg);
/* Fills the next frame the link's tx work should send; false if none. */
bool hs_ccm_tx_next(struct hs_ccm_link *link, struct hs_ccm_hdr *h,
		    struct hs_ccm_msg **msg, u64 *hb_ts);
void hs_ccm_kick(struct hs_ccm_link *link);

/* ccm_link.c */
struct hs_ccm_link *hs_ccm_link_create(unsigned int index,
				       const struct hs_ccm_link_cfg *addr,
				       bool connector);
int hs_ccm_link_start(struct hs_ccm_link *link);
void hs_ccm_link_stop(struct hs_ccm_link *link);
void hs_ccm_link_destroy(struct hs_ccm_link *link);
/* Makes the link's threads drop their connection (session reset). */
void hs_ccm_link_kick_sockets(struct hs_ccm_link *link);
void hs_ccm_link_tx_work(struct work_struct *work);

/* netlink_ccm.c */
void hs_ccm_notify_link(struct hs_ccm_link *link);
void hs_ccm_notify_partner(u32 event);

/* ccm_ping.c */
int hs_ccm_ping_init(void);
void hs_ccm_ping_exit(void);

/* ccm.c: configuration, for netlink_ccm.c */
int hs_ccm_init(void);
void hs_ccm_exit(void);
int hs_ccm_partner_set(const struct hs_ccm_cfg *cfg,
		       struct netlink_ext_ack *extack);
int hs_ccm_partner_clear(u32 *partner_id);

#endif /* _HASTOR_CCM_PRIV_H */
