// SPDX-License-Identifier: GPL-2.0
/*
 * One interconnect link: a TCP connection between a local and a remote
 * IPv4 address, kept up by threads of its own.
 *
 * The node with the lower id connects (the conn thread does it, with
 * backoff); the other listens on its local address (the listener thread
 * accepts and authenticates, then hands the connection to the conn
 * thread, replacing any older one: a peer only connects again once it
 * gave the old connection up).  Authenticated connections run the same
 * way on both ends, in the conn thread:
 *
 *   DOWN -> CONNECTING -> HANDSHAKE -> UP -> DOWN ...
 *
 * While UP, the conn thread receives and validates frames (one bad
 * frame drops the connection), answers heartbeats, and declares the link
 * down when nothing arrived for the heartbeat timeout.  Sending is done
 * by the link's tx work, which takes frames from ccm.c; a send that
 * fails or times out shuts the socket down, which ends the receive loop
 * too.  Only the conn thread releases the connection's socket, after the
 * tx work is flushed; others shut it down under sock_mutex.
 */
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <asm/unaligned.h>

#include "ccm_priv.h"
#include "ccm_auth.h"

#define HS_BACKOFF_MIN_MS	100
#define HS_BACKOFF_MAX_MS	2000
#define HS_CONNECT_MAX_MS	3000
#define HS_TX_BUDGET		64

static bool link_stopping(void)
{
	return kthread_should_stop();
}

/* ---- sockets ---- */

static void sock_setup(struct socket *sock)
{
	struct sock *sk = sock->sk;

	/* Storage writes may wait on this socket: no I/O to free memory. */
	sk->sk_allocation = GFP_NOIO;
	tcp_sock_set_nodelay(sk);
	ip_sock_set_freebind(sk);
}

static void sock_timeouts(struct socket *sock, unsigned long rcv,
			  unsigned long snd)
{
	lock_sock(sock->sk);
	sock->sk->sk_rcvtimeo = rcv;
	sock->sk->sk_sndtimeo = snd;
	release_sock(sock->sk);
}

static int sock_send(struct socket *sock, struct kvec *vec, size_t nr,
		     size_t len, bool more)
{
	struct msghdr m = {
		.msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};
	int ret;

	iov_iter_kvec(&m.msg_iter, ITER_SOURCE, vec, nr, len);
	while (msg_data_left(&m)) {
		ret = sock_sendmsg(sock, &m);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
	}
	return 0;
}

/* Bytes received (> 0), 0 at EOF, -EAGAIN after the receive timeout. */
static int sock_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec v = { .iov_base = buf, .iov_len = len };
	struct msghdr m = {};

	return kernel_recvmsg(sock, &m, &v, 1, len, 0);
}

static void link_set_sock(struct hs_ccm_link *link, struct socket **slot,
			  struct socket *sock)
{
	mutex_lock(&link->sock_mutex);
	*slot = sock;
	mutex_unlock(&link->sock_mutex);
}

static void link_release_sock(struct hs_ccm_link *link, struct socket **slot)
{
	struct socket *sock;

	mutex_lock(&link->sock_mutex);
	sock = *slot;
	*slot = NULL;
	mutex_unlock(&link->sock_mutex);
	if (sock) {
		kernel_sock_shutdown(sock, SHUT_RDWR);
		sock_release(sock);
	}
}

void hs_ccm_link_kick_sockets(struct hs_ccm_link *link)
{
	mutex_lock(&link->sock_mutex);
	if (link->sock)
		kernel_sock_shutdown(link->sock, SHUT_RDWR);
	mutex_unlock(&link->sock_mutex);
}

/* ---- frames ---- */

/* Sends one frame: payload from buf (len bytes) or from msg's pages. */
static int send_frame(struct hs_ccm_link *link, struct socket *sock,
		      const struct hs_ccm_hdr *h, const void *buf,
		      struct hs_ccm_msg *msg)
{
	struct hs_ccm_wire_hdr w;
	struct kvec vec[17];
	u32 crc, off, n;
	unsigned int i, nr;
	int err;

	hs_ccm_hdr_pack(h, &w);
	crc = hs_ccm_crc_start(&w);
	if (msg) {
		for (off = 0; off < h->len; off += n) {
			n = min_t(u32, PAGE_SIZE, h->len - off);
			crc = hs_ccm_crc_update(crc,
				page_address(msg->pages[off >> PAGE_SHIFT]), n);
		}
	} else if (h->len) {
		crc = hs_ccm_crc_update(crc, buf, h->len);
	}
	hs_ccm_hdr_seal(&w, crc);

	vec[0].iov_base = &w;
	vec[0].iov_len = sizeof(w);
	if (!msg) {
		vec[1].iov_base = (void *)buf;
		vec[1].iov_len = h->len;
		err = sock_send(sock, vec, h->len ? 2 : 1, sizeof(w) + h->len,
				false);
		goto out;
	}
	err = sock_send(sock, vec, 1, sizeof(w), h->len);
	for (off = 0; !err && off < h->len; ) {
		size_t len = 0;

		for (nr = 0; nr < ARRAY_SIZE(vec) && off < h->len; nr++) {
			i = off >> PAGE_SHIFT;
			n = min_t(u32, PAGE_SIZE, h->len - off);
			vec[nr].iov_base = page_address(msg->pages[i]);
			vec[nr].iov_len = n;
			off += n;
			len += n;
		}
		err = sock_send(sock, vec, nr, len, off < h->len);
	}
out:
	if (!err) {
		hs_link_stat(link, HS_STAT_TX_FRAMES, 1);
		hs_link_stat(link, HS_STAT_TX_BYTES, sizeof(w) + h->len);
	}
	return err;
}

/* Receives exactly len bytes before deadline. */
static int recv_full(struct socket *sock, void *buf, size_t len,
		     unsigned long deadline)
{
	size_t got = 0;
	int r;

	while (got < len) {
		r = sock_recv(sock, buf + got, len - got);
		if (r == -EAGAIN) {
			if (time_after(jiffies, deadline) || link_stopping())
				return -ETIMEDOUT;
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (r < 0)
			return r;
		got += r;
	}
	return 0;
}

/*
 * One frame of the handshake: the type and length must be the expected
 * ones.  Counts what it rejects.
 */
static int recv_frame(struct hs_ccm_link *link, struct socket *sock,
		      u8 type, struct hs_ccm_hdr *h, void *buf, u32 len,
		      unsigned long deadline)
{
	struct hs_ccm_wire_hdr w;
	u32 crc;
	int err;

	err = recv_full(sock, &w, sizeof(w), deadline);
	if (err)
		return err;
	err = hs_ccm_hdr_unpack(&w, h);
	if (!err && (h->type != type || h->len != len))
		err = -EBADMSG;
	if (err == -EPROTONOSUPPORT) {
		hs_link_stat(link, HS_STAT_VERSION_MISMATCH, 1);
		return err;
	}
	if (err)
		goto bad;
	err = recv_full(sock, buf, len, deadline);
	if (err)
		return err;
	crc = hs_ccm_crc_update(hs_ccm_crc_start(&w), buf, len);
	if (!hs_ccm_crc_ok(&w, crc)) {
		err = -EBADMSG;
		goto bad;
	}
	hs_link_stat(link, HS_STAT_RX_FRAMES, 1);
	hs_link_stat(link, HS_STAT_RX_BYTES, sizeof(w) + len);
	return 0;
bad:
	hs_link_stat(link, HS_STAT_BAD_FRAMES, 1);
	return err;
}

static int send_simple(struct hs_ccm_link *link, struct socket *sock,
		       u8 type, const void *buf, u32 len, u64 session)
{
	struct hs_ccm_hdr h = { .type = type, .len = len, .session = session };

	return send_frame(link, sock, &h, buf, NULL);
}

/* ---- handshake ---- */

static int check_peer(struct hs_ccm_link *link, const struct hs_ccm_hello *p)
{
	if (p->cluster_id != hs_ccm.cluster_id ||
	    p->from_node != hs_ccm.cfg.partner_id ||
	    p->to_node != hs_ccm.self_id || p->link != link->index) {
		hs_link_stat(link, HS_STAT_AUTH_FAILURES, 1);
		pr_info_ratelimited("hastor: link %u: peer claims cluster %u node %u to node %u link %u; refused\n",
				    link->index, p->cluster_id, p->from_node,
				    p->to_node, p->link);
		return -EACCES;
	}
	return 0;
}

static int recv_hello(struct hs_ccm_link *link, struct socket *sock,
		      struct hs_ccm_hello *peer, unsigned long deadline)
{
	struct hs_ccm_wire_hello wh;
	struct hs_ccm_hdr h;
	int err;

	err = recv_frame(link, sock, HS_CCM_F_HELLO, &h, &wh, sizeof(wh),
			 deadline);
	if (err)
		return err;
	if (hs_ccm_hello_unpack(&wh, peer)) {
		hs_link_stat(link, HS_STAT_BAD_FRAMES, 1);
		return -EBADMSG;
	}
	return check_peer(link, peer);
}

static int handshake(struct hs_ccm_link *link, struct socket *sock,
		     bool connector, struct hs_ccm_hello *peer)
{
	unsigned long deadline = jiffies + hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms);
	enum hs_ccm_role me = connector ? HS_CCM_ROLE_CONNECTOR :
					  HS_CCM_ROLE_ACCEPTOR;
	struct hs_ccm_hello mine = {
		.cluster_id = hs_ccm.cluster_id,
		.from_node = hs_ccm.self_id,
		.to_node = hs_ccm.cfg.partner_id,
		.link = link->index,
		.boot_id = hs_ccm.boot_id,
	};
	struct hs_ccm_wire_hello wh;
	struct hs_ccm_auth_ctx ctx;
	u8 mac[HS_CCM_MAC_LEN];
	struct hs_ccm_hdr h;
	int err;

	get_random_bytes(mine.nonce, sizeof(mine.nonce));
	spin_lock_irq(&hs_ccm.lock);
	mine.session = hs_ccm.reachable ? hs_ccm.session : 0;
	mine.ended = hs_ccm.ended;
	spin_unlock_irq(&hs_ccm.lock);
	hs_ccm_hello_pack(&mine, &wh);
	sock_timeouts(sock, HZ / 4, hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms));

	/* The acceptor says nothing until the connector named itself. */
	if (connector) {
		err = send_simple(link, sock, HS_CCM_F_HELLO, &wh, sizeof(wh), 0);
		if (!err)
			err = recv_hello(link, sock, peer, deadline);
	} else {
		err = recv_hello(link, sock, peer, deadline);
		if (!err)
			err = send_simple(link, sock, HS_CCM_F_HELLO, &wh,
					  sizeof(wh), 0);
	}
	if (err)
		return err;

	ctx.cluster_id = hs_ccm.cluster_id;
	ctx.link = link->index;
	ctx.connector = connector ? hs_ccm.self_id : peer->from_node;
	ctx.acceptor = connector ? peer->from_node : hs_ccm.self_id;
	ctx.connector_boot = connector ? mine.boot_id : peer->boot_id;
	ctx.acceptor_boot = connector ? peer->boot_id : mine.boot_id;
	memcpy(ctx.connector_nonce, connector ? mine.nonce : peer->nonce,
	       HS_CCM_NONCE_LEN);
	memcpy(ctx.acceptor_nonce, connector ? peer->nonce : mine.nonce,
	       HS_CCM_NONCE_LEN);

	err = hs_ccm_auth_mac(hs_ccm.cfg.secret, hs_ccm.cfg.secret_len, &ctx,
			      me, mac);
	if (!err)
		err = send_simple(link, sock, HS_CCM_F_AUTH, mac, sizeof(mac), 0);
	if (!err)
		err = recv_frame(link, sock, HS_CCM_F_AUTH, &h, mac,
				 sizeof(mac), deadline);
	if (!err)
		err = hs_ccm_auth_verify(hs_ccm.cfg.secret,
					 hs_ccm.cfg.secret_len, &ctx,
					 connector ? HS_CCM_ROLE_ACCEPTOR :
						     HS_CCM_ROLE_CONNECTOR, mac);
	if (err == -EACCES) {
		hs_link_stat(link, HS_STAT_AUTH_FAILURES, 1);
		pr_info_ratelimited("hastor: link %u: partner failed authentication\n",
				    link->index);
	}
	memzero_explicit(mac, sizeof(mac));
	return err;
}

/* ---- sending ---- */

void hs_ccm_link_tx_work(struct work_struct *work)
{
	struct hs_ccm_link *link = container_of(work, struct hs_ccm_link,
						tx_work);
	struct socket *sock = link->sock;
	struct hs_ccm_msg *msg;
	struct hs_ccm_hdr h;
	__be64 ts;
	u64 hb;
	int n, err;

	for (n = 0; n < HS_TX_BUDGET; n++) {
		if (!hs_ccm_tx_next(link, &h, &msg, &hb))
			return;
		ts = cpu_to_be64(hb);
		err = send_frame(link, sock, &h, &ts, msg);
		if (msg) {
			if (!err)
				hs_link_stat(link, HS_STAT_TX_MSGS, 1);
			hs_ccm_msg_put(msg);
		}
		if (err) {
			spin_lock_irq(&hs_ccm.lock);
			link->tx_failed = true;
			spin_unlock_irq(&hs_ccm.lock);
			/* The receive loop sees it and ends the connection. */
			kernel_sock_shutdown(sock, SHUT_RDWR);
			return;
		}
	}
	hs_ccm_kick(link);
}

static int send_session(struct hs_ccm_link *link, u64 session)
{
	return send_simple(link, link->sock, HS_CCM_F_SESSION, NULL, 0,
			   session);
}

/* ---- receiving ---- */

struct rx_state {
	struct hs_ccm_wire_hdr w;
	u32 hgot;
	struct hs_ccm_hdr h;
	bool in_payload;
	struct hs_ccm_msg *msg;
	u8 small[16];
	u32 pgot;
	u32 crc;
};

static enum hastor_link_reason rx_bad(struct hs_ccm_link *link, int err)
{
	if (err == -ENOTCONN)
		return HASTOR_LINK_REASON_SESSION;
	hs_link_stat(link, err == -EPROTONOSUPPORT ?
		     HS_STAT_VERSION_MISMATCH : HS_STAT_BAD_FRAMES, 1);
	pr_info_ratelimited("hastor: link %u: bad frame (%d), connection dropped\n",
			    link->index, err);
	return HASTOR_LINK_REASON_BAD_FRAME;
}

/* A complete, checksummed frame.  Returns 0 or a reason to drop. */
static enum hastor_link_reason rx_dispatch(struct hs_ccm_link *link,
					   struct rx_state *rx)
{
	const struct hs_ccm_hdr *h = &rx->h;
	u64 ts, now;
	int err = 0;

	switch (h->type) {
	case HS_CCM_F_HB:
		ts = get_unaligned_be64(rx->small);
		spin_lock_irq(&hs_ccm.lock);
		link->hb_echo_ts = ts;
		link->hb_echo_due = true;
		spin_unlock_irq(&hs_ccm.lock);
		hs_ccm_kick(link);
		break;
	case HS_CCM_F_HB_ACK:
		ts = get_unaligned_be64(rx->small);
		now = ktime_get_ns();
		if (ts > now || now - ts > 600ULL * NSEC_PER_SEC)
			return rx_bad(link, -EBADMSG);
		WRITE_ONCE(link->rtt_us, div_u64(now - ts, NSEC_PER_USEC));
		break;
	case HS_CCM_F_DATA:
		err = hs_ccm_rx_data(link, h, rx->msg);
		break;
	case HS_CCM_F_ACK:
		err = hs_ccm_rx_ack(link, h);
		break;
	default:
		/* Handshake frames have no business here. */
		err = -EBADMSG;
	}
	return err ? rx_bad(link, err) : HASTOR_LINK_REASON_NONE;
}

/* Reads what arrived; a reason when the connection must end. */
static enum hastor_link_reason rx_step(struct hs_ccm_link *link,
				       struct socket *sock,
				       struct rx_state *rx)
{
	enum hastor_link_reason reason;
	void *dst;
	u32 want;
	int r;

	if (!rx->in_payload) {
		r = sock_recv(sock, (u8 *)&rx->w + rx->hgot,
			      sizeof(rx->w) - rx->hgot);
		if (r <= 0)
			goto sock_err;
		link->last_rx = jiffies;
		rx->hgot += r;
		if (rx->hgot < sizeof(rx->w))
			return HASTOR_LINK_REASON_NONE;
		r = hs_ccm_hdr_unpack(&rx->w, &rx->h);
		if (r)
			return rx_bad(link, r);
		if (rx->h.type != HS_CCM_F_DATA && rx->h.len > sizeof(rx->small))
			return rx_bad(link, -EBADMSG);
		if (rx->h.type == HS_CCM_F_DATA) {
			rx->msg = hs_ccm_msg_alloc(rx->h.msg_type, rx->h.len,
						   GFP_NOIO);
			if (!rx->msg)
				return HASTOR_LINK_REASON_ERROR;
		}
		rx->in_payload = true;
		rx->pgot = 0;
		rx->crc = hs_ccm_crc_start(&rx->w);
	}
	if (rx->pgot < rx->h.len) {
		if (rx->msg) {
			want = min_t(u32, PAGE_SIZE - offset_in_page(rx->pgot),
				     rx->h.len - rx->pgot);
			dst = page_address(rx->msg->pages[rx->pgot >> PAGE_SHIFT]) +
			      offset_in_page(rx->pgot);
		} else {
			want = rx->h.len - rx->pgot;
			dst = rx->small + rx->pgot;
		}
		r = sock_recv(sock, dst, want);
		if (r <= 0)
			goto sock_err;
		link->last_rx = jiffies;
		rx->crc = hs_ccm_crc_update(rx->crc, dst, r);
		rx->pgot += r;
		if (rx->pgot < rx->h.len)
			return HASTOR_LINK_REASON_NONE;
	}
	if (!hs_ccm_crc_ok(&rx->w, rx->crc))
		return rx_bad(link, -EBADMSG);
	hs_link_stat(link, HS_STAT_RX_FRAMES, 1);
	hs_link_stat(link, HS_STAT_RX_BYTES, sizeof(rx->w) + rx->h.len);
	reason = rx_dispatch(link, rx);
	hs_ccm_msg_put(rx->msg);
	rx->msg = NULL;
	rx->in_payload = false;
	rx->hgot = 0;
	return reason;

sock_err:
	if (r == -EAGAIN)
		return HASTOR_LINK_REASON_NONE;
	return r ? HASTOR_LINK_REASON_ERROR : HASTOR_LINK_REASON_CLOSED;
}

static enum hastor_link_reason rx_loop(struct hs_ccm_link *link,
				       struct socket *sock)
{
	unsigned long interval = hs_ccm_ms(hs_ccm.cfg.hb_interval_ms);
	unsigned long timeout = hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms);
	enum hastor_link_reason reason = HASTOR_LINK_REASON_NONE;
	struct rx_state *rx;
	bool failed, in;

	rx = kzalloc(sizeof(*rx), GFP_KERNEL);
	if (!rx)
		return HASTOR_LINK_REASON_ERROR;
	while (!reason) {
		if (kthread_should_stop()) {
			reason = HASTOR_LINK_REASON_SHUTDOWN;
			break;
		}
		spin_lock_irq(&hs_ccm.lock);
		failed = link->tx_failed;
		in = link->in_session;
		spin_unlock_irq(&hs_ccm.lock);
		if (!in) {
			reason = HASTOR_LINK_REASON_SESSION;
			break;
		}
		if (failed) {
			reason = HASTOR_LINK_REASON_ERROR;
			break;
		}
		if (time_after(jiffies, link->last_rx + timeout)) {
			hs_link_stat(link, HS_STAT_HB_TIMEOUTS, 1);
			reason = HASTOR_LINK_REASON_HB_TIMEOUT;
			break;
		}
		if (time_after_eq(jiffies, link->last_hb + interval)) {
			link->last_hb = jiffies;
			spin_lock_irq(&hs_ccm.lock);
			link->hb_due = true;
			spin_unlock_irq(&hs_ccm.lock);
			hs_ccm_kick(link);
		}
		reason = rx_step(link, sock, rx);
	}
	hs_ccm_msg_put(rx->msg);
	kfree(rx);
	return reason;
}

/* An authenticated connection: join the session, serve it, leave. */
static void link_run(struct hs_ccm_link *link, struct socket *sock,
		     const struct hs_ccm_hello *peer)
{
	unsigned long interval = hs_ccm_ms(hs_ccm.cfg.hb_interval_ms);
	enum hastor_link_reason reason;
	struct hs_ccm_hdr h;
	int err;

	spin_lock_irq(&hs_ccm.lock);
	link->tx_failed = false;
	link->hb_due = false;
	link->hb_echo_due = false;
	spin_unlock_irq(&hs_ccm.lock);

	if (link->connector) {
		err = hs_ccm_leader_join(link, peer, send_session);
	} else {
		unsigned long deadline = jiffies +
			hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms);

		err = recv_frame(link, sock, HS_CCM_F_SESSION, &h, NULL, 0,
				 deadline);
		if (!err)
			err = hs_ccm_follower_join(link, peer, h.session);
	}
	if (err) {
		hs_ccm_link_leave(link);
		return;
	}
	sock_timeouts(sock, max(interval / 2, 1UL),
		      hs_ccm_ms(hs_ccm.cfg.hb_timeout_ms));
	link->last_rx = jiffies;
	link->last_hb = jiffies - interval;
	spin_lock_irq(&hs_ccm.lock);
	link->tx_enabled = true;
	spin_unlock_irq(&hs_ccm.lock);
	hs_link_stat(link, HS_STAT_UPTIMES, 1);
	hs_ccm_link_set_state(link, HASTOR_LINK_UP,
			      HASTOR_LINK_REASON_HANDSHAKE);
	hs_ccm_kick(link);

	reason = rx_loop(link, sock);

	spin_lock_irq(&hs_ccm.lock);
	if (link->pending)
		reason = HASTOR_LINK_REASON_REPLACED;
	spin_unlock_irq(&hs_ccm.lock);
	hs_ccm_link_leave(link);
	kernel_sock_shutdown(sock, SHUT_RDWR);
	cancel_work_sync(&link->tx_work);
	hs_ccm_link_set_state(link, HASTOR_LINK_DOWN, reason);
}

/* ---- threads ---- */

static int link_connect(struct hs_ccm_link *link)
{
	struct sockaddr_in local = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = link->addr.laddr,
	};
	struct sockaddr_in remote = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = link->addr.raddr,
		.sin_port = htons(hs_ccm.cfg.port),
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	sock_setup(sock);
	link_set_sock(link, &link->sock, sock);
	err = kernel_bind(sock, (struct sockaddr *)&local, sizeof(local));
	if (err)
		return err;
	sock_timeouts(sock, HZ / 4,
		      hs_ccm_ms(min(hs_ccm.cfg.hb_timeout_ms,
				    (u32)HS_CONNECT_MAX_MS)));
	return kernel_connect(sock, (struct sockaddr *)&remote,
			      sizeof(remote), 0);
}

static void link_sleep(struct hs_ccm_link *link, unsigned long delay)
{
	wait_event_interruptible_timeout(link->wq, kthread_should_stop(),
					 delay);
}

static bool take_pending(struct hs_ccm_link *link, struct socket **sock,
			 struct hs_ccm_hello *peer)
{
	spin_lock_irq(&hs_ccm.lock);
	*sock = link->pending;
	link->pending = NULL;
	*peer = link->pending_hello;
	spin_unlock_irq(&hs_ccm.lock);
	return *sock;
}

static int link_thread(void *arg)
{
	struct hs_ccm_link *link = arg;
	unsigned int backoff = HS_BACKOFF_MIN_MS;
	struct hs_ccm_hello peer;
	struct socket *sock;
	int err;

	while (!kthread_should_stop()) {
		if (!link->connector) {
			wait_event_interruptible_timeout(link->wq,
				READ_ONCE(link->pending) || kthread_should_stop(),
				HZ);
			mutex_lock(&link->sock_mutex);
			if (take_pending(link, &sock, &peer))
				link->sock = sock;
			mutex_unlock(&link->sock_mutex);
			if (!sock)
				continue;
			link_run(link, sock, &peer);
			link_release_sock(link, &link->sock);
			continue;
		}

		hs_ccm_link_set_state(link, HASTOR_LINK_CONNECTING,
				      HASTOR_LINK_REASON_NONE);
		err = link_connect(link);
		if (err) {
			hs_link_stat(link, HS_STAT_CONNECT_FAILURES, 1);
		} else {
			hs_ccm_link_set_state(link, HASTOR_LINK_HANDSHAKE,
					      HASTOR_LINK_REASON_NONE);
			err = handshake(link, link->sock, true, &peer);
			if (!err) {
				link_run(link, link->sock, &peer);
				backoff = HS_BACKOFF_MIN_MS;
			}
		}
		link_release_sock(link, &link->sock);
		hs_ccm_link_set_state(link, HASTOR_LINK_DOWN,
				      HASTOR_LINK_REASON_NONE);
		link_sleep(link, hs_ccm_ms(backoff));
		backoff = min(backoff * 2, (unsigned int)HS_BACKOFF_MAX_MS);
	}
	return 0;
}

static int listen_open(struct hs_ccm_link *link)
{
	struct sockaddr_in local = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = link->addr.laddr,
		.sin_port = htons(hs_ccm.cfg.port),
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	sock_setup(sock);
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&local, sizeof(local));
	if (!err)
		err = kernel_listen(sock, 8);
	if (err) {
		sock_release(sock);
		return err;
	}
	/* accept() wakes up this often to check for a stop. */
	sock_timeouts(sock, HZ / 2, HZ / 2);
	link->lsock = sock;
	return 0;
}

static int listen_thread(void *arg)
{
	struct hs_ccm_link *link = arg;
	struct hs_ccm_hello peer;
	struct socket *sock, *old;
	int err;

	while (!kthread_should_stop()) {
		if (!link->lsock && listen_open(link)) {
			link_sleep(link, HZ);
			continue;
		}
		err = kernel_accept(link->lsock, &sock, 0);
		if (err) {
			if (err != -EAGAIN)
				link_sleep(link, HZ / 10);
			continue;
		}
		sock_setup(sock);
		link_set_sock(link, &link->hs_sock, sock);
		err = handshake(link, sock, false, &peer);
		link_set_sock(link, &link->hs_sock, NULL);
		if (err) {
			kernel_sock_shutdown(sock, SHUT_RDWR);
			sock_release(sock);
			continue;
		}
		/*
		 * The peer gave the old connection up: end it here too.
		 * Under sock_mutex, so that the conn thread cannot have
		 * taken the new one yet.
		 */
		mutex_lock(&link->sock_mutex);
		spin_lock_irq(&hs_ccm.lock);
		old = link->pending;
		link->pending = sock;
		link->pending_hello = peer;
		spin_unlock_irq(&hs_ccm.lock);
		if (link->sock)
			kernel_sock_shutdown(link->sock, SHUT_RDWR);
		mutex_unlock(&link->sock_mutex);
		if (old)
			sock_release(old);
		wake_up(&link->wq);
	}
	if (link->lsock) {
		sock_release(link->lsock);
		link->lsock = NULL;
	}
	return 0;
}

struct hs_ccm_link *hs_ccm_link_create(unsigned int index,
				       const struct hs_ccm_link_cfg *addr,
				       bool connector)
{
	struct hs_ccm_link *link;
	int i;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return ERR_PTR(-ENOMEM);
	link->index = index;
	link->addr = *addr;
	link->connector = connector;
	mutex_init(&link->sock_mutex);
	init_waitqueue_head(&link->wq);
	INIT_WORK(&link->tx_work, hs_ccm_link_tx_work);
	link->state = HASTOR_LINK_DOWN;
	link->reason = HASTOR_LINK_REASON_CONFIG;
	link->last_change_ns = ktime_get_real_ns();
	for (i = 0; i < HS_STAT_NR; i++)
		atomic64_set(&link->stats[i], 0);
	return link;
}

/* Creates the threads; they run once the caller wakes them. */
int hs_ccm_link_start(struct hs_ccm_link *link)
{
	struct task_struct *t;

	t = kthread_create(link_thread, link, "hastor-ccm/%u", link->index);
	if (IS_ERR(t))
		return PTR_ERR(t);
	link->thread = t;
	if (link->connector)
		return 0;
	t = kthread_create(listen_thread, link, "hastor-ccml/%u",
			   link->index);
	if (IS_ERR(t))
		return PTR_ERR(t);
	link->listener = t;
	return 0;
}

void hs_ccm_link_stop(struct hs_ccm_link *link)
{
	mutex_lock(&link->sock_mutex);
	if (link->sock)
		kernel_sock_shutdown(link->sock, SHUT_RDWR);
	if (link->hs_sock)
		kernel_sock_shutdown(link->hs_sock, SHUT_RDWR);
	mutex_unlock(&link->sock_mutex);
	if (link->listener) {
		kthread_stop(link->listener);
		link->listener = NULL;
	}
	if (link->thread) {
		kthread_stop(link->thread);
		link->thread = NULL;
	}
}

void hs_ccm_link_destroy(struct hs_ccm_link *link)
{
	hs_ccm_link_stop(link);
	if (link->pending)
		sock_release(link->pending);
	kfree(link);
}
