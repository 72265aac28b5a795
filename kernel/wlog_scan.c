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
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>
#include <linux/hastor_format.h>

#include "wlog.h"

#define HDR_BUF	(2 * PAGE_SIZE)	/* the largest entry header fits */

void hs_wlog_found_free(struct hs_wlog *log)
{
	struct hs_wlog_found *f, *tmp;

	list_for_each_entry_safe(f, tmp, &log->found, list) {
		list_del(&f->list);
		kfree(f->records);
		kfree(f);
	}
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

static int keep(struct hs_wlog *log, struct hs_wlog_half_state *h,
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
	list_add_tail(&f->list, &log->found);
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

static int scan_half(struct hs_wlog *log, int i, void *hbuf, void *dbuf,
		     u64 *max_epoch)
{
	struct hs_wlog_half_state *h = &log->half[i];
	struct hastor_wlog_entry *e = hbuf;
	struct hs_wlog_expect x = {
		.uuid = log->uuid,
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
		if (x.seq > log->covered_seq) {
			err = keep(log, h, e, pos);
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

int hs_wlog_scan(struct hs_wlog *log, const char **why)
{
	struct hastor_wlog_half *hh;
	u64 max_epoch = 0, last = log->covered_seq;
	void *hbuf, *dbuf = NULL;
	int i, order[2] = { 0, 1 }, valid[2] = { 0, 0 }, err = -ENOMEM;

	*why = "out of memory";
	hbuf = kmalloc(HDR_BUF, GFP_KERNEL);
	if (!hbuf)
		return -ENOMEM;
	dbuf = vmalloc(HASTOR_WLOG_MAX_DATA_SECTORS << SECTOR_SHIFT);
	if (!dbuf)
		goto out;
	hh = hbuf;
	for (i = 0; i < 2; i++) {
		struct hs_wlog_half_state *h = &log->half[i];
		const char *w;

		memset(h, 0, sizeof(*h));
		h->start = log->layout.local_start +
			   i * log->layout.half_sectors;
		/* Never opened: "full", so the first entry opens it. */
		h->used = log->layout.half_sectors;
		err = hs_wlog_read(log, h->start, hh, HASTOR_BLOCK_SIZE);
		if (err) {
			*why = "cannot read the log device";
			goto out;
		}
		if (hs_wlog_half_check(hh, log->uuid, i, &w))
			continue;
		valid[i] = 1;
		h->epoch = le64_to_cpu(hh->epoch);
		h->first_seq = le64_to_cpu(hh->first_seq);
		h->last_seq = h->first_seq - 1;
		max_epoch = max(max_epoch, h->epoch);
	}
	if (valid[0] && valid[1] && log->half[1].epoch < log->half[0].epoch) {
		order[0] = 1;
		order[1] = 0;
	}
	log->active = 0;
	for (i = 0; i < 2; i++) {
		int k = order[i];

		if (!valid[k])
			continue;
		err = scan_half(log, k, hbuf, dbuf, &max_epoch);
		if (err) {
			*why = err == -EMFILE ?
			       "the log holds entries of too many pools" :
			       "cannot read the log device";
			goto out;
		}
		last = max(last, log->half[k].last_seq);
		log->active = k;
	}
	log->next_seq = last + 1;
	log->epoch = max_epoch + 1;
	err = 0;
out:
	vfree(dbuf);
	kfree(hbuf);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_scan);
