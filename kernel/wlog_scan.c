// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a write log back when it is attached.
 *
 * Each half is read from its header while entries validate (magic,
 * uuid, sequence, epoch, bounds, then the checksum over header and
 * data); the first one that does not is where the half ends, since the
 * writer never starts an entry before the previous one is durable.
 * Entries beyond the log superblock's covered_seq are kept in memory
 * (hs_wlog_found, records only) until the pools they belong to have
 * replayed them, and mark their half live.  New entries continue after
 * the last valid one, with a higher epoch than anything on the device.
 *
 * The mirror region holds the partner's log byte for byte, so a takeover
 * reads it the same way (hs_wlog_scan_mirror), from the device, with the
 * partner's log uuid as the one expected: it works after this node
 * rebooted as well, and trusts nothing the partner sent beyond what the
 * checks pass.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>
#include <linux/hastor_format.h>

#include "wlog.h"

#define HDR_BUF	(2 * PAGE_SIZE)	/* the largest entry header fits */

void hs_wlog_found_list_free(struct list_head *found)
{
	struct hs_wlog_found *f, *tmp;

	list_for_each_entry_safe(f, tmp, found, list) {
		list_del(&f->list);
		kfree(f->records);
		kfree(f);
	}
}

void hs_wlog_found_free(struct hs_wlog *log)
{
	hs_wlog_found_list_free(&log->found);
}

static int add_pool(struct hs_wlog_half_state *h, const u8 *uuid)
{
	int i;

	for (i = 0; i < h->nr_pools; i++)
		if (!memcmp(h->pools[i], uuid, 16))
			return 0;
	if (h->nr_pools == HS_WLOG_MAX_POOLS)
		return -EMFILE;
	memcpy(h->pools[h->nr_pools++], uuid, 16);
	return 0;
}

static int keep(struct list_head *found, struct hs_wlog_half_state *h,
		const struct hastor_wlog_entry *e, u64 pos)
{
	u32 nr = le32_to_cpu(e->nr_records), i;
	struct hs_wlog_found *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->records = kmemdup(e->records, nr * sizeof(e->records[0]),
			     GFP_KERNEL);
	if (!f->records) {
		kfree(f);
		return -ENOMEM;
	}
	f->pos = pos;
	f->seq = le64_to_cpu(e->seq);
	f->hdr_sectors = le32_to_cpu(e->hdr_sectors);
	f->nr_records = nr;
	list_add_tail(&f->list, found);
	for (i = 0; i < nr; i++)
		if (add_pool(h, e->records[i].pool_uuid))
			return -EMFILE;
	h->live = true;
	return 0;
}

/*
 * Read one entry at pos; 0 and its length if it is valid, -ENODATA if
 * the half ends here, another error if the device fails.
 */
static int read_entry(struct hs_wlog *log, u64 pos,
		      const struct hs_wlog_expect *x, void *hbuf, void *dbuf,
		      u32 *sectors)
{
	struct hastor_wlog_entry *e = hbuf;
	u32 first = min_t(u64, 8, x->room), hdr, data, crc;
	const char *why;
	int err;

	err = hs_wlog_read(log, pos, hbuf, first << SECTOR_SHIFT);
	if (err)
		return err;
	if (hs_wlog_entry_check(e, first << SECTOR_SHIFT, x, &why))
		return -ENODATA;
	hdr = le32_to_cpu(e->hdr_sectors);
	data = le32_to_cpu(e->data_sectors);
	if (hdr > first) {
		err = hs_wlog_read(log, pos, hbuf, hdr << SECTOR_SHIFT);
		if (err)
			return err;
	}
	if (hs_wlog_entry_check(e, hdr << SECTOR_SHIFT, x, &why))
		return -ENODATA;
	if (data) {
		err = hs_wlog_read(log, pos + hdr, dbuf, data << SECTOR_SHIFT);
		if (err)
			return err;
	}
	crc = hs_wlog_csum_begin(e, hdr << SECTOR_SHIFT);
	crc = hs_wlog_csum_add(crc, dbuf, data << SECTOR_SHIFT);
	if (le32_to_cpu(e->csum) != hs_wlog_csum_end(crc))
		return -ENODATA;	/* torn: the half ends here */
	*sectors = hs_wlog_entry_sectors(hdr, data, x->unit);
	return 0;
}

/* Entries of half h above after go to found, in sequence order. */
static int scan_half(struct hs_wlog *log, struct hs_wlog_half_state *h,
		     const u8 *uuid, u64 after, struct list_head *found,
		     void *hbuf, void *dbuf, u64 *max_epoch)
{
	struct hastor_wlog_entry *e = hbuf;
	struct hs_wlog_expect x = {
		.uuid = uuid,
		.seq = h->first_seq,
		.min_epoch = h->epoch,
		.unit = log->layout.unit,
	};
	u64 pos = h->start + HASTOR_WLOG_HALF_HDR_SECTORS;
	u32 sectors;
	int err;

	for (;;) {
		x.room = h->start + log->layout.half_sectors - pos;
		if (x.room < x.unit)
			break;
		err = read_entry(log, pos, &x, hbuf, dbuf, &sectors);
		if (err == -ENODATA)
			break;
		if (err)
			return err;
		if (x.seq > after) {
			err = keep(found, h, e, pos);
			if (err)
				return err;
		}
		*max_epoch = max(*max_epoch, le64_to_cpu(e->epoch));
		h->last_seq = x.seq;
		pos += sectors;
		x.seq++;
		x.min_epoch = le64_to_cpu(e->epoch);
	}
	h->used = pos - h->start;
	return 0;
}

/*
 * Read the two halves of a region from start, expecting uuid: the half
 * states in half[], the entries above after in found (the half with the
 * lower epoch first, so in sequence order), *last the last valid entry
 * (after if none), *max_epoch the highest epoch seen.
 */
static int scan_region(struct hs_wlog *log, u64 start, const u8 *uuid,
		       u64 after, struct hs_wlog_half_state *half,
		       struct list_head *found, int *newer, u64 *last,
		       u64 *max_epoch, const char **why)
{
	struct hastor_wlog_half *hh;
	void *hbuf, *dbuf = NULL;
	int i, order[2] = { 0, 1 }, valid[2] = { 0, 0 }, err = -ENOMEM;

	*why = "out of memory";
	*last = after;
	*max_epoch = 0;
	hbuf = kmalloc(HDR_BUF, GFP_KERNEL);
	if (!hbuf)
		return -ENOMEM;
	dbuf = vmalloc(HASTOR_WLOG_MAX_DATA_SECTORS << SECTOR_SHIFT);
	if (!dbuf)
		goto out;
	hh = hbuf;
	for (i = 0; i < 2; i++) {
		struct hs_wlog_half_state *h = &half[i];
		const char *w;

		memset(h, 0, sizeof(*h));
		h->start = start + i * log->layout.half_sectors;
		/* Never opened: "full", so the first entry opens it. */
		h->used = log->layout.half_sectors;
		err = hs_wlog_read(log, h->start, hh, HASTOR_BLOCK_SIZE);
		if (err) {
			*why = "cannot read the log device";
			goto out;
		}
		if (hs_wlog_half_check(hh, uuid, i, &w))
			continue;
		valid[i] = 1;
		h->epoch = le64_to_cpu(hh->epoch);
		h->first_seq = le64_to_cpu(hh->first_seq);
		h->last_seq = h->first_seq - 1;
		*max_epoch = max(*max_epoch, h->epoch);
	}
	if (valid[0] && valid[1] && half[1].epoch < half[0].epoch) {
		order[0] = 1;
		order[1] = 0;
	}
	*newer = 0;
	for (i = 0; i < 2; i++) {
		int k = order[i];

		if (!valid[k])
			continue;
		err = scan_half(log, &half[k], uuid, after, found, hbuf, dbuf,
				max_epoch);
		if (err) {
			*why = err == -EMFILE ?
			       "the log holds entries of too many pools" :
			       "cannot read the log device";
			goto out;
		}
		*last = max(*last, half[k].last_seq);
		*newer = k;
	}
	err = 0;
out:
	vfree(dbuf);
	kfree(hbuf);
	return err;
}

int hs_wlog_scan(struct hs_wlog *log, const char **why)
{
	u64 last, max_epoch;
	int err;

	err = scan_region(log, log->layout.local_start, log->uuid,
			  log->covered_seq, log->half, &log->found,
			  &log->active, &last, &max_epoch, why);
	if (err)
		return err;
	log->next_seq = last + 1;
	log->epoch = max_epoch + 1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_scan);

/*
 * The partner's log as the mirror region holds it: its entries above
 * after, in sequence order, into found (free with
 * hs_wlog_found_list_free).  *first is the first entry the mirror holds
 * at all (0: none), so that a caller can tell a gap.
 */
int hs_wlog_scan_mirror(struct hs_wlog *log, const u8 *uuid, u64 after,
			struct list_head *found, u64 *first, const char **why)
{
	struct hs_wlog_half_state *half;
	u64 last, max_epoch;
	int newer, err, i;

	half = kcalloc(2, sizeof(*half), GFP_KERNEL);
	if (!half) {
		*why = "out of memory";
		return -ENOMEM;
	}
	err = scan_region(log, log->layout.mirror_start, uuid, after, half,
			  found, &newer, &last, &max_epoch, why);
	*first = 0;
	for (i = 0; i < 2 && !err; i++)
		if (half[i].last_seq >= half[i].first_seq && half[i].first_seq &&
		    (!*first || half[i].first_seq < *first))
			*first = half[i].first_seq;
	kfree(half);
	if (err)
		hs_wlog_found_list_free(found);
	return err;
}
