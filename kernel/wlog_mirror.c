// SPDX-License-Identifier: GPL-2.0
/*
 * The write log mirrored to the partner, over the interconnect channel
 * HS_CCM_CHAN_WLOG.
 *
 * Sending.  Every entry the writer puts in the local log (and the header
 * of every half it opens) goes to the partner as a WRITE message at the
 * same offset; the partner writes it into its mirror region, durably,
 * and answers ACK with the entry's sequence number.  The entry's bios
 * complete when both the local write and the ACK are in.  While the
 * partner is unreachable entries are logged locally only and the log is
 * "not in sync": failover would lose them.
 *
 * Resynchronising.  A new session (ccm.h) means the partner may have
 * missed anything.  The mirror restarts at the next half: the writer
 * opens a new half for its next entry and mirrors it from its header,
 * so the partner's copy of that half is complete.  What came before is
 * in sync once a CP has covered it (the CP marker reaches the new half),
 * and the partner is told every CP marker (STATE), so it knows which of
 * its mirrored entries are still needed.
 *
 * Receiving.  WRITE messages are validated against this node's layout
 * (the two logs have the same geometry, which STATE checks) and written
 * in order, one at a time, each durable before the next starts and
 * before its ACK goes out: an acknowledged entry never follows a torn
 * one in the mirror.
 *
 * Acknowledging without the partner.  An entry that completes without
 * the partner's ACK (mirror off, or not yet mirroring this half) holds
 * its bios until the disk heartbeat of every pool served with the log
 * says the log is not in sync: each change of the sync state bumps
 * sync_gen and starts a heartbeat round (diskhb.c), and such entries
 * complete only once a round that began at the current sync_gen has
 * ended (hb_gen).  Else the partner, reading "in sync" on the disks of a
 * node that died, would take over without writes that only the dead
 * node's log holds (Documentation/wlog-format.md).
 */
#include <linux/dm-io.h>
#include <linux/highmem.h>
#include <linux/ioprio.h>
#include <linux/slab.h>
#include <linux/hastor.h>

#include "wlog.h"
#include "ccm.h"
#include "diskhb.h"

enum {
	MSG_WRITE = 1,		/* hdr, then sectors of data */
	MSG_ACK = 2,		/* __le64 seq */
	MSG_STATE = 3,		/* struct mirror_state */
	MSG_NACK = 4,		/* __le32 reason */
};

enum { KIND_HALF = 1, KIND_ENTRY = 2 };

enum {
	NACK_NO_LOG = 1, NACK_GEOMETRY = 2, NACK_IO = 3, NACK_BAD = 4,
	NACK_FROZEN = 5,
};

#define MIRROR_MAGIC	0x4d575348U	/* "HSWM" */
#define HDR_BYTES	512	/* data starts sector-aligned in the payload */
/* A partner whose log does not answer within this is treated as gone. */
#define ACK_TIMEOUT	(30 * HZ)

struct mirror_hdr {
	__le32 magic;
	__le16 kind;
	__le16 half;
	__le64 seq;		/* the entry's, or the half's first_seq */
	__le64 epoch;
	__le64 offset;		/* sectors from the region's start */
	__le32 sectors;
	__le32 pad;
};

struct mirror_state {
	__le32 node_id;
	__le32 block_shift;
	__u8 log_uuid[16];
	__le64 half_sectors;
	__le64 covered_seq;
};

static const char *const nack_why[] = {
	[NACK_NO_LOG] = "the partner has no write log attached",
	[NACK_GEOMETRY] = "the partner's log has another geometry",
	[NACK_IO] = "the partner cannot write its mirror",
	[NACK_BAD] = "the partner refused a mirror message",
	[NACK_FROZEN] = "the partner refused: its mirror is frozen for a takeover",
};

static void mirror_restart(struct hs_wlog *log, u64 session);

/* ---- sending ---- */

static void send_state(struct hs_wlog *log)
{
	struct hs_wlog_mirror *m = &log->mirror;
	struct mirror_state st = {
		.node_id = cpu_to_le32(log->node_id),
		.block_shift = cpu_to_le32(log->layout.block_shift),
		.half_sectors = cpu_to_le64(log->layout.half_sectors),
		.covered_seq = cpu_to_le64(log->covered_seq),
	};
	struct hs_ccm_msg *msg;

	memcpy(st.log_uuid, log->uuid, 16);
	msg = hs_ccm_msg_alloc(MSG_STATE, sizeof(st), GFP_KERNEL);
	if (!msg)
		return;
	hs_ccm_msg_copy_to(msg, 0, &st, sizeof(st));
	if (hs_ccm_send(m->chan, msg))
		hs_ccm_msg_put(msg);	/* the next CP or session says it */
}

/*
 * Queue buf (sectors at offset of the local region) for the partner.
 * Process context (the writer).  0: queued; else the partner is gone.
 */
static int send_write(struct hs_wlog *log, int kind, int half, u64 seq,
		      u64 epoch, u64 offset, const void *buf, u32 sectors)
{
	struct hs_wlog_mirror *m = &log->mirror;
	u32 len = HDR_BYTES + (sectors << SECTOR_SHIFT);
	struct mirror_hdr hdr = {
		.magic = cpu_to_le32(MIRROR_MAGIC),
		.kind = cpu_to_le16(kind),
		.half = cpu_to_le16(half),
		.seq = cpu_to_le64(seq),
		.epoch = cpu_to_le64(epoch),
		.offset = cpu_to_le64(offset),
		.sectors = cpu_to_le32(sectors),
	};
	static const u8 zero[HDR_BYTES - sizeof(struct mirror_hdr)];
	struct hs_ccm_msg *msg;
	int err;

	msg = hs_ccm_msg_alloc(MSG_WRITE, len, GFP_NOIO);
	if (!msg)
		return -ENOMEM;
	/* Message pages are not zeroed: nothing else goes on the wire. */
	hs_ccm_msg_copy_to(msg, 0, &hdr, sizeof(hdr));
	hs_ccm_msg_copy_to(msg, sizeof(hdr), zero, sizeof(zero));
	hs_ccm_msg_copy_to(msg, HDR_BYTES, buf, sectors << SECTOR_SHIFT);
	for (;;) {
		err = hs_ccm_send(m->chan, msg);
		if (err != -EAGAIN)
			break;
		err = hs_ccm_wait_space(m->chan, len, 10 * HZ);
		if (err && err != -ETIMEDOUT)
			break;
	}
	if (err)
		hs_ccm_msg_put(msg);
	return err;
}

/* The partner is gone, refused, or never was: stop mirroring. */
static void mirror_off(struct hs_wlog *log, const char *why)
{
	struct hs_wlog_mirror *m = &log->mirror;
	struct hs_wlog_entry_io *waiting[HS_WLOG_INFLIGHT];
	unsigned long flags;
	int i, n = 0;
	bool changed;

	spin_lock_irqsave(&log->lock, flags);
	changed = m->state != HS_MIRROR_OFF;
	m->state = HS_MIRROR_OFF;
	m->why = why;
	if (changed)
		m->sync_gen++;
	for (i = 0; i < HS_WLOG_INFLIGHT; i++)
		if (log->io[i].mirror_wait) {
			log->io[i].mirror_wait = false;
			waiting[n++] = &log->io[i];
		}
	spin_unlock_irqrestore(&log->lock, flags);
	if (changed)
		hs_diskhb_round(log);
	/* Durable here: they complete once the heartbeats say "not in sync". */
	for (i = 0; i < n; i++)
		hs_wlog_mirror_local(log, waiting[i]);
	if (changed)
		hs_wlog_changed(log);
}

/* The mirror part of an entry ends without the partner's ACK. */
void hs_wlog_mirror_local(struct hs_wlog *log, struct hs_wlog_entry_io *io)
{
	struct hs_wlog_mirror *m = &log->mirror;
	unsigned long flags;
	bool now;

	spin_lock_irqsave(&log->lock, flags);
	now = !io->seq || m->hb_gen == m->sync_gen;
	io->hb_wait = !now;
	spin_unlock_irqrestore(&log->lock, flags);
	/* Else the round the last change started completes it. */
	if (now)
		hs_wlog_entry_part_done(io, 0);
}

u64 hs_wlog_mirror_hb_begin(struct hs_wlog *log)
{
	u64 gen;

	spin_lock_irq(&log->lock);
	gen = log->mirror.sync_gen;
	spin_unlock_irq(&log->lock);
	return gen;
}

/* A heartbeat round that began at gen has ended. */
void hs_wlog_mirror_hb_done(struct hs_wlog *log, u64 gen)
{
	struct hs_wlog_mirror *m = &log->mirror;
	struct hs_wlog_entry_io *waiting[HS_WLOG_INFLIGHT];
	int i, n = 0;

	spin_lock_irq(&log->lock);
	if (gen > m->hb_gen)
		m->hb_gen = gen;
	/* A change since gen queued another round: wait for that one. */
	for (i = 0; i < HS_WLOG_INFLIGHT && m->hb_gen == m->sync_gen; i++)
		if (log->io[i].hb_wait) {
			log->io[i].hb_wait = false;
			waiting[n++] = &log->io[i];
		}
	spin_unlock_irq(&log->lock);
	for (i = 0; i < n; i++)
		hs_wlog_entry_part_done(waiting[i], 0);
}

/*
 * Called by the writer for each slot (an entry, the header of the half
 * it opens, or both): true if an entry went to the partner and its
 * completion now waits for the ACK.
 */
bool hs_wlog_mirror_entry(struct hs_wlog *log, struct hs_wlog_entry_io *io,
			  const void *half_hdr)
{
	struct hs_wlog_mirror *m = &log->mirror;
	u64 base = log->half[io->half].start - log->layout.local_start;
	bool mirrored, waited;
	int err;

	spin_lock_irq(&log->lock);
	mirrored = m->state != HS_MIRROR_OFF && m->from_seq &&
		   (!io->seq || io->seq >= m->from_seq);
	if (mirrored && io->seq)
		io->mirror_wait = true;
	spin_unlock_irq(&log->lock);
	if (!mirrored)
		return false;
	if (io->seq)
		mod_delayed_work(system_wq, &m->ack_timer, ACK_TIMEOUT);
	err = half_hdr ? send_write(log, KIND_HALF, io->half, io->half_first,
				    io->half_epoch, base, half_hdr,
				    HASTOR_WLOG_HALF_HDR_SECTORS) : 0;
	if (!err && io->seq)
		err = send_write(log, KIND_ENTRY, io->half, io->seq, io->epoch,
				 io->pos - log->layout.local_start, io->buf,
				 io->sectors);
	if (err) {
		spin_lock_irq(&log->lock);
		waited = io->mirror_wait;
		io->mirror_wait = false;
		spin_unlock_irq(&log->lock);
		mirror_off(log, err == -ENOMEM ?
			   "out of memory for a mirror message" :
			   "the partner became unreachable");
		/* If mirror_off() or an ACK completed the part, say so. */
		return !waited && io->seq;
	}
	if (!io->seq) {
		/* A half opened on an idle log: maybe in sync already. */
		hs_wlog_mirror_covered(log);
		return false;
	}
	return true;
}

static void ack_timer(struct work_struct *work)
{
	struct hs_wlog *log = container_of(to_delayed_work(work),
					   struct hs_wlog, mirror.ack_timer);
	bool late = false;
	int i;

	spin_lock_irq(&log->lock);
	for (i = 0; i < HS_WLOG_INFLIGHT; i++)
		late |= log->io[i].mirror_wait;
	spin_unlock_irq(&log->lock);
	if (late)
		mirror_off(log, "the partner's log does not answer");
}

/* After a CP moved the CP marker: tell the partner; maybe in sync now. */
void hs_wlog_mirror_covered(struct hs_wlog *log)
{
	struct hs_wlog_mirror *m = &log->mirror;
	bool synced = false;

	spin_lock_irq(&log->lock);
	if (m->state == HS_MIRROR_RESYNC && m->from_seq &&
	    log->covered_seq + 1 >= m->from_seq) {
		m->state = HS_MIRROR_SYNC;
		m->sync_gen++;
		synced = true;
	}
	spin_unlock_irq(&log->lock);
	if (m->state != HS_MIRROR_OFF)
		send_state(log);
	if (synced) {
		hs_diskhb_round(log);
		hs_wlog_changed(log);
	}
}

/* ---- receiving ---- */

static void send_small(struct hs_wlog *log, u16 type, const void *p,
		       u32 len)
{
	struct hs_ccm_msg *msg = hs_ccm_msg_alloc(type, len, GFP_NOIO);
	int err;

	if (!msg)
		return;
	hs_ccm_msg_copy_to(msg, 0, p, len);
	for (;;) {
		err = hs_ccm_send(log->mirror.chan, msg);
		if (err != -EAGAIN)
			break;
		err = hs_ccm_wait_space(log->mirror.chan, len, 10 * HZ);
		if (err && err != -ETIMEDOUT)
			break;
	}
	if (err)
		hs_ccm_msg_put(msg);
}

static void nack(struct hs_wlog *log, u32 reason)
{
	__le32 r = cpu_to_le32(reason);

	send_small(log, MSG_NACK, &r, sizeof(r));
}

/* Write a WRITE message's data into the mirror region, durably. */
static int mirror_write(struct hs_wlog *log, struct hs_ccm_msg *msg,
			const struct mirror_hdr *h)
{
	u32 sectors = le32_to_cpu(h->sectors);
	unsigned int nr = DIV_ROUND_UP(HDR_BYTES + (sectors << SECTOR_SHIFT),
				       PAGE_SIZE);
	struct dm_io_region where = {
		.bdev = log->bdev,
		.sector = log->layout.mirror_start + le64_to_cpu(h->offset),
		.count = sectors,
	};
	struct dm_io_request req = {
		.bi_opf = REQ_OP_WRITE | REQ_SYNC | REQ_FUA,
		.mem.type = DM_IO_BIO,
		.client = log->mirror.io_client,
	};
	u32 left = sectors << SECTOR_SHIFT, off = HDR_BYTES;
	unsigned long bits = 0;
	struct bio_vec *bv;
	struct bio bio;
	unsigned int i;
	int err;

	/* A bio that is never submitted: it only lists the pages to dm-io. */
	bv = kmalloc_array(nr, sizeof(*bv), GFP_NOIO);
	if (!bv)
		return -ENOMEM;
	bio_init(&bio, NULL, bv, nr, REQ_OP_WRITE);
	for (i = 0; i < msg->nr_pages && left; i++) {
		u32 skip = min_t(u32, off, PAGE_SIZE);
		u32 n = min_t(u32, PAGE_SIZE - skip, left);

		off -= skip;
		if (!n)
			continue;
		__bio_add_page(&bio, msg->pages[i], n, skip);
		left -= n;
	}
	req.mem.ptr.bio = &bio;
	err = dm_io(&req, 1, &where, &bits, IOPRIO_DEFAULT);
	bio_uninit(&bio);
	kfree(bv);
	return err ?: bits ? -EIO : 0;
}

static bool write_valid(struct hs_wlog *log, const struct hs_ccm_msg *msg,
			const struct mirror_hdr *h)
{
	u64 region = 2 * log->layout.half_sectors;
	u64 offset = le64_to_cpu(h->offset);
	u32 sectors = le32_to_cpu(h->sectors);
	u32 unit = log->layout.unit;
	u16 kind = le16_to_cpu(h->kind), half = le16_to_cpu(h->half);

	if (le32_to_cpu(h->magic) != MIRROR_MAGIC || half > 1 ||
	    (kind != KIND_HALF && kind != KIND_ENTRY) || !sectors ||
	    sectors > HASTOR_WLOG_MAX_DATA_SECTORS + 64 ||
	    msg->len != HDR_BYTES + (sectors << SECTOR_SHIFT) ||
	    offset % unit || sectors % unit || offset >= region ||
	    sectors > region - offset)
		return false;
	/* Within the half it names. */
	return offset >= half * log->layout.half_sectors &&
	       offset + sectors <= (half + 1) * log->layout.half_sectors &&
	       (kind != KIND_HALF || offset == half * log->layout.half_sectors);
}

static void rx_write(struct hs_wlog *log, struct hs_ccm_msg *msg)
{
	struct hs_wlog_mirror *m = &log->mirror;
	struct hs_wlog_half_state *ph;
	struct mirror_hdr h;
	__le64 ack;
	int err;

	if (msg->len < HDR_BYTES) {
		nack(log, NACK_BAD);
		return;
	}
	hs_ccm_msg_copy_from(msg, 0, &h, sizeof(h));
	/* A takeover reads the mirror: nothing may change it under that. */
	if (READ_ONCE(m->frozen)) {
		nack(log, NACK_FROZEN);
		return;
	}
	if (!m->peer_node) {
		nack(log, NACK_GEOMETRY);
		return;
	}
	if (!write_valid(log, msg, &h)) {
		m->rx_bad++;
		nack(log, NACK_BAD);
		return;
	}
	err = mirror_write(log, msg, &h);
	if (err) {
		pr_err_ratelimited("hastor: write log on %s: mirror write failed (%d)\n",
				   log->path, err);
		nack(log, NACK_IO);
		return;
	}
	spin_lock_irq(&log->lock);
	ph = &m->peer_half[le16_to_cpu(h.half)];
	if (le16_to_cpu(h.kind) == KIND_HALF) {
		ph->epoch = le64_to_cpu(h.epoch);
		ph->first_seq = le64_to_cpu(h.seq);
		ph->last_seq = ph->first_seq - 1;
		ph->used = HASTOR_WLOG_HALF_HDR_SECTORS;
		ph->live = true;
	} else {
		ph->last_seq = le64_to_cpu(h.seq);
		ph->used = le64_to_cpu(h.offset) + le32_to_cpu(h.sectors) -
			   le16_to_cpu(h.half) * log->layout.half_sectors;
		m->rx_entries++;
		m->rx_bytes += (u64)le32_to_cpu(h.sectors) << SECTOR_SHIFT;
	}
	spin_unlock_irq(&log->lock);
	if (le16_to_cpu(h.kind) == KIND_ENTRY) {
		ack = h.seq;
		send_small(log, MSG_ACK, &ack, sizeof(ack));
	}
}

static void rx_state(struct hs_wlog *log, struct hs_ccm_msg *msg)
{
	struct hs_wlog_mirror *m = &log->mirror;
	struct mirror_state st;
	bool changed, write, restart;
	int i;

	if (msg->len != sizeof(st)) {
		nack(log, NACK_BAD);
		return;
	}
	hs_ccm_msg_copy_from(msg, 0, &st, sizeof(st));
	/*
	 * Frozen: the superblock keeps naming the log the mirror holds, so
	 * a takeover (even after a reboot) finds it.  Our own mirror to the
	 * partner may still restart.
	 */
	if (READ_ONCE(m->frozen)) {
		nack(log, NACK_FROZEN);
		spin_lock_irq(&log->lock);
		restart = m->state == HS_MIRROR_OFF && m->session &&
			  m->session == hs_ccm_session();
		spin_unlock_irq(&log->lock);
		if (restart)
			mirror_restart(log, m->session);
		return;
	}
	if (le32_to_cpu(st.block_shift) != log->layout.block_shift ||
	    le64_to_cpu(st.half_sectors) != log->layout.half_sectors ||
	    !le32_to_cpu(st.node_id)) {
		m->peer_node = 0;
		nack(log, NACK_GEOMETRY);
		return;
	}
	spin_lock_irq(&log->lock);
	changed = m->peer_node != le32_to_cpu(st.node_id) ||
		  memcmp(m->peer_uuid, st.log_uuid, 16);
	if (changed) {
		/* Another log now: what the mirror held is not its. */
		for (i = 0; i < 2; i++)
			memset(&m->peer_half[i], 0, sizeof(m->peer_half[i]));
	}
	m->peer_node = le32_to_cpu(st.node_id);
	memcpy(m->peer_uuid, st.log_uuid, 16);
	write = changed || m->peer_covered != le64_to_cpu(st.covered_seq);
	m->peer_covered = le64_to_cpu(st.covered_seq);
	restart = m->state == HS_MIRROR_OFF && m->session &&
		  m->session == hs_ccm_session();
	spin_unlock_irq(&log->lock);
	if (write && hs_wlog_write_super(log))
		pr_err_ratelimited("hastor: write log on %s: cannot record the partner's CP marker\n",
				   log->path);
	/* The partner's log talks: if ours gave up on it, start again. */
	if (restart)
		mirror_restart(log, m->session);
}

/* ---- the channel ---- */

static void mirror_recv(struct hs_ccm_chan *ch, struct hs_ccm_msg *msg)
{
	struct hs_wlog *log = hs_ccm_chan_priv(ch);
	struct hs_wlog_mirror *m = &log->mirror;
	struct hs_wlog_entry_io *io = NULL;
	bool done = false;
	__le64 seq;
	__le32 r;
	int i;

	switch (msg->type) {
	case MSG_WRITE:
	case MSG_STATE:
		/*
		 * Writing the mirror sleeps: not on the link's thread, and
		 * not on the writer's queue, which may itself be waiting
		 * for this partner's ACK.
		 */
		hs_ccm_msg_get(msg);
		spin_lock_irq(&log->lock);
		list_add_tail(&msg->user, &m->rx_list);
		spin_unlock_irq(&log->lock);
		queue_work(m->rx_wq, &m->rx_work);
		break;
	case MSG_ACK:
		if (msg->len != sizeof(seq))
			break;
		hs_ccm_msg_copy_from(msg, 0, &seq, sizeof(seq));
		spin_lock_irq(&log->lock);
		for (i = 0; i < HS_WLOG_INFLIGHT && !done; i++) {
			io = &log->io[i];
			done = io->mirror_wait && io->seq == le64_to_cpu(seq);
		}
		if (done)
			io->mirror_wait = false;
		spin_unlock_irq(&log->lock);
		if (done) {
			/* The partner is alive: give the next ACK its time. */
			mod_delayed_work(system_wq, &m->ack_timer, ACK_TIMEOUT);
			hs_wlog_entry_part_done(io, 0);
		}
		break;
	case MSG_NACK:
		if (msg->len != sizeof(r))
			break;
		hs_ccm_msg_copy_from(msg, 0, &r, sizeof(r));
		r = cpu_to_le32(clamp_t(u32, le32_to_cpu(r), NACK_NO_LOG,
					NACK_FROZEN));
		mirror_off(log, nack_why[le32_to_cpu(r)]);
		break;
	default:
		m->rx_bad++;
		break;
	}
}

static void rx_work(struct work_struct *work)
{
	struct hs_wlog *log = container_of(work, struct hs_wlog,
					   mirror.rx_work);
	struct hs_wlog_mirror *m = &log->mirror;
	struct hs_ccm_msg *msg;

	for (;;) {
		spin_lock_irq(&log->lock);
		msg = list_first_entry_or_null(&m->rx_list, struct hs_ccm_msg,
					       user);
		if (msg)
			list_del_init(&msg->user);
		spin_unlock_irq(&log->lock);
		if (!msg)
			return;
		if (msg->type == MSG_WRITE)
			rx_write(log, msg);
		else
			rx_state(log, msg);
		hs_ccm_msg_put(msg);
	}
}

static void mirror_state_cb(struct hs_ccm_chan *ch, bool reachable,
			    u64 session)
{
	struct hs_wlog *log = hs_ccm_chan_priv(ch);

	/* hs_ccm_chan_open() calls this before it returns the channel. */
	WRITE_ONCE(log->mirror.chan, ch);

	if (!reachable) {
		mirror_off(log, "the partner is unreachable");
		return;
	}
	mirror_restart(log, session);
}

/*
 * A new session, or the partner's log answering again: mirror from the
 * next half on.  With nothing to write, the writer opens it anyway.
 */
static void mirror_restart(struct hs_wlog *log, u64 session)
{
	struct hs_wlog_mirror *m = &log->mirror;

	spin_lock_irq(&log->lock);
	m->state = HS_MIRROR_RESYNC;
	m->why = NULL;
	m->session = session;
	m->from_seq = 0;
	m->want_switch = true;	/* take_entry() opens a mirrored half */
	m->sync_gen++;
	spin_unlock_irq(&log->lock);
	hs_diskhb_round(log);
	send_state(log);
	hs_wlog_changed(log);
	queue_work(log->wq, &log->write_work);
}

static const struct hs_ccm_chan_ops mirror_ops = {
	.recv = mirror_recv,
	.state = mirror_state_cb,
};

int hs_wlog_mirror_start(struct hs_wlog *log)
{
	struct hs_wlog_mirror *m = &log->mirror;

	INIT_LIST_HEAD(&m->rx_list);
	INIT_WORK(&m->rx_work, rx_work);
	INIT_DELAYED_WORK(&m->ack_timer, ack_timer);
	INIT_WORK(&m->hb_work, hs_diskhb_round_work);
	m->rx_wq = alloc_ordered_workqueue("hastor_mirror", WQ_MEM_RECLAIM);
	if (!m->rx_wq)
		return -ENOMEM;
	m->io_client = dm_io_client_create();
	if (IS_ERR(m->io_client)) {
		int err = PTR_ERR(m->io_client);

		m->io_client = NULL;
		destroy_workqueue(m->rx_wq);
		return err;
	}
	m->chan = hs_ccm_chan_open(HS_CCM_CHAN_WLOG, &mirror_ops, log);
	if (IS_ERR(m->chan)) {
		int err = PTR_ERR(m->chan);

		m->chan = NULL;
		dm_io_client_destroy(m->io_client);
		m->io_client = NULL;
		destroy_workqueue(m->rx_wq);
		return err;
	}
	return 0;
}

void hs_wlog_mirror_stop(struct hs_wlog *log)
{
	struct hs_wlog_mirror *m = &log->mirror;

	struct hs_ccm_msg *msg, *tmp;

	/* No callback runs after the close; then no work is left. */
	hs_ccm_chan_close(m->chan);
	flush_workqueue(m->rx_wq);
	destroy_workqueue(m->rx_wq);
	list_for_each_entry_safe(msg, tmp, &m->rx_list, user) {
		list_del(&msg->user);
		hs_ccm_msg_put(msg);
	}
	mirror_off(log, NULL);
	/* Its pools are gone: the round ends at once, and what it holds. */
	flush_work(&m->hb_work);
	cancel_delayed_work_sync(&m->ack_timer);
	dm_io_client_destroy(m->io_client);
}

u32 hs_wlog_mirror_sync(struct hs_wlog *log, const char **why)
{
	struct hs_wlog_mirror *m = &log->mirror;
	u32 sync;

	spin_lock_irq(&log->lock);
	*why = m->why;
	if (m->state == HS_MIRROR_SYNC)
		sync = HASTOR_WLOG_IN_SYNC;
	else if (m->state == HS_MIRROR_RESYNC)
		sync = HASTOR_WLOG_NOT_IN_SYNC;
	else
		sync = 0;
	spin_unlock_irq(&log->lock);
	if (sync)
		return sync;
	if (!hs_ccm_partner())
		return HASTOR_WLOG_LOCAL_ONLY;
	if (!*why)
		*why = "the partner is unreachable";
	return HASTOR_WLOG_NOT_IN_SYNC;
}
