// SPDX-License-Identifier: GPL-2.0
/*
 * The write log's writer: group commit of queued writes into entries.
 *
 * Volume writes queue here (hs_wlog_submit) while their pool side runs.
 * The writer takes what is queued into an entry in the next free slot,
 * lays it out (header, records, data, checksum) in the slot's buffer and
 * writes it with FUA, and hands it to the mirror (wlog_mirror.c) at the
 * same time.  Up to HS_WLOG_INFLIGHT entries are in flight; a second
 * starts only for a batch worth its own flush.  Entries complete in
 * sequence order, and only then do their bios: no write is acknowledged
 * while an entry before it could still be torn.
 */
#include <linux/dm-io.h>
#include <linux/slab.h>

#include "wlog.h"
#include "ccm.h"
#include "io.h"
#include "pool.h"
#include "vol.h"

static u32 data_sectors(struct hs_bio_ctx *ctx)
{
	return ctx->wlog_op == HASTOR_WLOG_OP_WRITE ?
	       ctx->wlog_iter.bi_size >> SECTOR_SHIFT : 0;
}

void hs_wlog_submit(struct hs_pool *pool, struct bio *bio)
{
	struct hs_bio_ctx *ctx = hs_ctx_of(bio);
	struct hs_wlog *log = pool->wlog;
	unsigned long flags;
	bool kick, failed;

	ctx->wlog_pend = -1;
	spin_lock_irqsave(&log->lock, flags);
	failed = log->failed;
	if (!failed) {
		list_add_tail(&ctx->wlog_list, &log->queued);
		log->nr_queued++;
	}
	kick = !failed && log->nr_inflight < HS_WLOG_INFLIGHT &&
	       !log->wait_space &&
	       (!log->nr_inflight || log->nr_queued >= HS_WLOG_BATCH);
	spin_unlock_irqrestore(&log->lock, flags);
	if (failed)
		hs_bio_release(bio, BLK_STS_IOERR, true);
	else if (kick)
		queue_work(log->wq, &log->write_work);
}

void hs_wlog_bio_done(struct hs_wlog *log, int pend)
{
	unsigned long flags;
	bool wake;

	spin_lock_irqsave(&log->lock, flags);
	wake = !--log->pend[pend];
	spin_unlock_irqrestore(&log->lock, flags);
	if (wake)
		wake_up_all(&log->wait);
}

static void add_pool(struct hs_wlog_half_state *h, const u8 *uuid)
{
	int i;

	for (i = 0; i < h->nr_pools; i++)
		if (!memcmp(h->pools[i], uuid, 16))
			return;
	/* hs_wlog_pool_attach() keeps the attached pools within bounds. */
	if (!WARN_ON_ONCE(h->nr_pools == HS_WLOG_MAX_POOLS))
		memcpy(h->pools[h->nr_pools++], uuid, 16);
}

static void fail_all(struct list_head *bios, blk_status_t status)
{
	struct hs_bio_ctx *ctx, *tmp;

	list_for_each_entry_safe(ctx, tmp, bios, wlog_list) {
		list_del_init(&ctx->wlog_list);
		hs_bio_release(hs_bio_of(ctx), status, true);
	}
}

/*
 * Both parts of an entry are in.  Entries complete in sequence order:
 * a later one may be durable before an earlier one, but its bios wait,
 * so no write is acknowledged while an entry before it could still be
 * torn (a reader stops at the first invalid entry).
 */
static void entry_done(struct hs_wlog *log, struct hs_wlog_entry_io *io)
{
	LIST_HEAD(done);
	LIST_HEAD(dropped);
	unsigned long flags, error = 0;
	bool kick;

	spin_lock_irqsave(&log->lock, flags);
	io->done = true;
	while (log->nr_inflight) {
		struct hs_wlog_entry_io *old = &log->io[log->io_head];

		if (!old->done)
			break;
		/* An entry after a failed one fails too. */
		error |= old->error;
		list_splice_tail_init(&old->bios, error ? &dropped : &done);
		old->done = false;
		log->io_head = (log->io_head + 1) % HS_WLOG_INFLIGHT;
		log->nr_inflight--;
	}
	if (error && !log->failed) {
		log->failed = true;
		list_splice_tail_init(&log->queued, &dropped);
		log->nr_queued = 0;
	}
	kick = !list_empty(&log->queued) && !log->wait_space &&
	       !log->failed;
	spin_unlock_irqrestore(&log->lock, flags);
	if (error)
		pr_err("hastor: write log on %s: entry write failed; writes fail from now on\n",
		       log->path);
	fail_all(&done, BLK_STS_OK);
	fail_all(&dropped, BLK_STS_IOERR);
	if (kick)
		queue_work(log->wq, &log->write_work);
}

/* The local write (error from dm-io) or the partner's ACK is in. */
void hs_wlog_entry_part_done(struct hs_wlog_entry_io *io,
			     unsigned long error)
{
	if (error)
		io->error = error;
	if (atomic_dec_and_test(&io->parts))
		entry_done(io->log, io);
}

static void local_done(unsigned long error, void *context)
{
	hs_wlog_entry_part_done(context, error);
}

/*
 * Take what is queued into the next entry, in the next free slot: its
 * place in the log, its sequence number.  NULL if there is nothing to
 * write now; a slot with no bios opens a half and writes no entry (the
 * mirror restarting on an idle log).
 */
static struct hs_wlog_entry_io *take_entry(struct hs_wlog *log, u32 *hdr,
					   u32 *data)
{
	struct hs_wlog_mirror *m = &log->mirror;
	struct hs_wlog_entry_io *io = NULL;
	struct hs_wlog_half_state *h;
	struct hs_bio_ctx *ctx, *tmp;
	u32 nr = 0, total = 0, limit, max_hdr;
	LIST_HEAD(too_big);
	bool open;

	/*
	 * An entry fits in a half, whatever the size of the log, and in
	 * one interconnect message with the mirror's header.
	 */
	max_hdr = hs_wlog_hdr_sectors(HASTOR_WLOG_MAX_RECORDS,
				      log->layout.unit);
	limit = min3((u64)HASTOR_WLOG_MAX_DATA_SECTORS,
		     log->layout.half_sectors - HASTOR_WLOG_HALF_HDR_SECTORS -
		     max_hdr - log->layout.unit,
		     (u64)(HS_CCM_MSG_MAX >> SECTOR_SHIFT) - 1 - max_hdr -
		     log->layout.unit);
	*data = 0;
	spin_lock_irq(&log->lock);
	if (log->nr_inflight == HS_WLOG_INFLIGHT || log->wait_space ||
	    log->failed)
		goto out;
	/*
	 * Group commit: with an entry in flight, another starts only for a
	 * batch worth its own flush (and, mirrored, its own message and the
	 * partner's flush); fewer records wait for the next completion.
	 */
	if (log->nr_inflight && log->nr_queued < HS_WLOG_BATCH &&
	    !(log->mirror.want_switch && log->mirror.state != HS_MIRROR_OFF))
		goto out;
	io = &log->io[(log->io_head + log->nr_inflight) % HS_WLOG_INFLIGHT];
	list_for_each_entry_safe(ctx, tmp, &log->queued, wlog_list) {
		u32 n = data_sectors(ctx);

		/* Volume bios are at most HS_MAX_IO_SECTORS: never here. */
		if (WARN_ON_ONCE(n > limit)) {
			list_move_tail(&ctx->wlog_list, &too_big);
			log->nr_queued--;
			continue;
		}
		if (nr == HASTOR_WLOG_MAX_RECORDS ||
		    (nr && *data + n > limit))
			break;
		list_move_tail(&ctx->wlog_list, &io->bios);
		log->nr_queued--;
		nr++;
		*data += n;
	}
	open = m->want_switch && m->state != HS_MIRROR_OFF;
	if (!nr && !open)
		goto none;
	if (nr) {
		*hdr = hs_wlog_hdr_sectors(nr, log->layout.unit);
		total = hs_wlog_entry_sectors(*hdr, *data, log->layout.unit);
	}
	h = &log->half[log->active];
	io->new_half = false;
	if (open || h->used + total > log->layout.half_sectors) {
		struct hs_wlog_half_state *o = &log->half[!log->active];

		if (o->live) {
			/*
			 * Wait for a CP to free the other half; if nothing
			 * was logged since the last one, only an import of
			 * the pools it holds entries of can.
			 */
			log->wait_space = true;
			log->stats.waits++;
			list_splice_init(&io->bios, &log->queued);
			log->nr_queued += nr;
			if (log->dirty || open)
				mod_delayed_work(log->wq, &log->cp_work, 0);
			goto none;
		}
		log->active ^= 1;
		h = o;
		h->epoch = ++log->epoch;
		h->first_seq = log->next_seq;
		h->last_seq = log->next_seq - 1;
		h->used = HASTOR_WLOG_HALF_HDR_SECTORS;
		h->nr_pools = 0;
		h->cp_asked = false;
		io->new_half = true;
		if (open) {
			/* The partner gets this half whole, from its header. */
			m->want_switch = false;
			m->from_seq = h->first_seq;
			/*
			 * In sync once a CP covers what came before: ask for
			 * one now, not at the next timed CP (failover stays
			 * disabled until then).
			 */
			mod_delayed_work(log->wq, &log->cp_work, 0);
		}
	}
	io->half = log->active;
	io->half_epoch = h->epoch;
	io->half_first = h->first_seq;
	io->pos = h->start + h->used;
	io->sectors = total;
	io->epoch = log->epoch;
	io->seq = 0;
	io->done = false;
	io->error = 0;
	log->nr_inflight++;
	if (!nr)
		goto out;
	io->seq = log->next_seq++;
	h->last_seq = io->seq;
	h->used += total;
	h->live = true;
	log->pend[log->pend_idx] += nr;
	list_for_each_entry(ctx, &io->bios, wlog_list) {
		ctx->wlog_pend = log->pend_idx;
		add_pool(h, ctx->vt->pool->uuid);
	}
	log->dirty = true;
	log->stats.entries++;
	log->stats.records += nr;
	log->stats.bytes += (u64)total << SECTOR_SHIFT;
	/*
	 * Half full: one CP now frees the other half well before this one
	 * fills up and entries must move there.
	 */
	if (h->used > log->layout.half_sectors / 2 && !h->cp_asked) {
		h->cp_asked = true;
		mod_delayed_work(log->wq, &log->cp_work, 0);
	}
	goto out;
none:
	io = NULL;
out:
	spin_unlock_irq(&log->lock);
	fail_all(&too_big, BLK_STS_IOERR);
	return io;
}

static struct hastor_wlog_half *make_half_header(struct hs_wlog *log,
						 struct hs_wlog_entry_io *io)
{
	struct hastor_wlog_half *hh = kzalloc(HASTOR_BLOCK_SIZE, GFP_NOIO);

	if (!hh)
		return NULL;
	hh->magic = cpu_to_le32(HASTOR_WLOG_HALF_MAGIC);
	memcpy(hh->log_uuid, log->uuid, 16);
	hh->epoch = cpu_to_le64(io->half_epoch);
	hh->first_seq = cpu_to_le64(io->half_first);
	hh->index = cpu_to_le32(io->half);
	hh->open_time_ns = cpu_to_le64(ktime_get_real_ns());
	hs_wlog_block_seal(hh);
	return hh;
}

/* Lay out the entry in its slot: header with its records, then data. */
static void build_entry(struct hs_wlog *log, struct hs_wlog_entry_io *io,
			u32 hdr, u32 data)
{
	struct hastor_wlog_entry *e = io->buf;
	u8 *p = io->buf + ((size_t)hdr << SECTOR_SHIFT);
	struct hs_bio_ctx *ctx;
	u32 nr = 0, crc;

	memset(e, 0, (size_t)hdr << SECTOR_SHIFT);
	e->magic = cpu_to_le32(HASTOR_WLOG_ENTRY_MAGIC);
	memcpy(e->log_uuid, log->uuid, 16);
	e->seq = cpu_to_le64(io->seq);
	e->epoch = cpu_to_le64(io->epoch);
	e->hdr_sectors = cpu_to_le32(hdr);
	e->data_sectors = cpu_to_le32(data);
	e->time_ns = cpu_to_le64(ktime_get_real_ns());
	list_for_each_entry(ctx, &io->bios, wlog_list) {
		struct hastor_wlog_record *r = &e->records[nr++];
		struct bio *bio = hs_bio_of(ctx);
		struct bvec_iter iter;
		struct bio_vec bv;

		memcpy(r->pool_uuid, ctx->vt->pool->uuid, 16);
		r->vol_id = cpu_to_le64(ctx->vt->vol->id);
		r->sector = cpu_to_le64(ctx->wlog_iter.bi_sector);
		r->nr_sectors = cpu_to_le32(ctx->wlog_iter.bi_size >>
					    SECTOR_SHIFT);
		r->op = cpu_to_le16(ctx->wlog_op);
		if (ctx->wlog_op != HASTOR_WLOG_OP_WRITE)
			continue;
		__bio_for_each_segment(bv, bio, iter, ctx->wlog_iter) {
			memcpy_from_bvec(p, &bv);
			p += bv.bv_len;
		}
	}
	e->nr_records = cpu_to_le32(nr);
	crc = hs_wlog_csum_begin(e, (size_t)hdr << SECTOR_SHIFT);
	crc = hs_wlog_csum_add(crc, io->buf + ((size_t)hdr << SECTOR_SHIFT),
			       (size_t)data << SECTOR_SHIFT);
	e->csum = cpu_to_le32(hs_wlog_csum_end(crc));
	/* The padding to the logical block size is written, not summed. */
	memset(p, 0, (size_t)(io->sectors - hdr - data) << SECTOR_SHIFT);
}

/*
 * Start entries while slots are free: each written locally and, when
 * mirroring, to the partner, in parallel; entry_done() runs when both
 * are in.  Several entries in flight hide the partner's round trip.
 */
void hs_wlog_write_work(struct work_struct *work)
{
	struct hs_wlog *log = container_of(work, struct hs_wlog, write_work);
	struct hs_wlog_entry_io *io;
	u32 hdr, data;

	while ((io = take_entry(log, &hdr, &data))) {
		struct hastor_wlog_half *hh = NULL;
		bool entry = io->seq;
		int err = 0;

		if (entry)
			build_entry(log, io, hdr, data);
		atomic_set(&io->parts, 2);
		if (io->new_half) {
			hh = make_half_header(log, io);
			err = hh ? hs_wlog_write_sync(log, log->half[io->half].start,
						   hh, HASTOR_BLOCK_SIZE) :
				   -ENOMEM;
		}
		if (!err && entry)
			err = hs_wlog_io(log, REQ_OP_WRITE | REQ_SYNC | REQ_FUA,
				      io->pos, io->buf,
				      (size_t)io->sectors << SECTOR_SHIFT,
				      local_done, io);
		if (err || !entry)
			hs_wlog_entry_part_done(io, err ? 1 : 0);
		if (err)
			hs_wlog_entry_part_done(io, 0);
		else if (!hs_wlog_mirror_entry(log, io, hh))
			hs_wlog_mirror_local(log, io);
		kfree(hh);
	}
}
