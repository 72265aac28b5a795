// SPDX-License-Identifier: GPL-2.0
/*
 * The write log's on-disk format: layout, validators and checksums.
 *
 * Everything read from a log device is checked here before any of it is
 * believed: the superblock against the device it was read from, a half
 * header against its slot, an entry header against what the reader
 * expects next (sequence, epoch, room left) and against the limits of
 * the format.  The functions are pure, so KUnit feeds them every kind of
 * damage (kernel/tests/wlog_test.c).
 */
#include <linux/crc32c.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "wlog_format.h"

#define REGIONS_START	HASTOR_WLOG_REGIONS_START
#define BLOCK_SECTORS	8

int hs_wlog_layout_make(u64 device_sectors, u32 block_shift,
			struct hs_wlog_layout *l)
{
	u64 half;

	if (block_shift < 9 || block_shift > 12)
		return -EINVAL;
	if (device_sectors < HASTOR_WLOG_MIN_SECTORS)
		return -ENOSPC;
	half = (device_sectors - REGIONS_START) / 4;
	half = round_down(half, BLOCK_SECTORS);
	l->device_sectors = device_sectors;
	l->block_shift = block_shift;
	l->unit = 1U << (block_shift - 9);
	l->half_sectors = half;
	l->local_start = REGIONS_START;
	l->mirror_start = REGIONS_START + 2 * half;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_layout_make);

static u32 block_csum(const void *block)
{
	return hs_wlog_csum_end(crc32c(0xffffffffU, block + 4, 4096 - 4));
}

/* Stamp the checksum of a superblock or half header. */
void hs_wlog_block_seal(void *block)
{
	*(__le32 *)block = cpu_to_le32(block_csum(block));
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_block_seal);

int hs_wlog_super_check(const struct hastor_wlog_super *s,
			u64 device_sectors, u32 block_shift,
			struct hs_wlog_layout *l, const char **why)
{
	u64 fmt_sectors = le64_to_cpu(s->device_sectors);

	if (le32_to_cpu(s->magic) != HASTOR_WLOG_SUPER_MAGIC) {
		*why = "no write-log magic";
		return -ENODATA;
	}
	if (le32_to_cpu(s->csum) != block_csum(s)) {
		*why = "write-log superblock checksum mismatch";
		return -EILSEQ;
	}
	if (le32_to_cpu(s->version) != HASTOR_WLOG_VERSION) {
		*why = "unknown write-log version";
		return -EPROTO;
	}
	if (le32_to_cpu(s->block_shift) != block_shift) {
		*why = "write-log block size differs from the device's";
		return -EILSEQ;
	}
	if (fmt_sectors > device_sectors) {
		*why = "write log is larger than its device";
		return -EILSEQ;
	}
	if (hs_wlog_layout_make(fmt_sectors, block_shift, l) ||
	    l->local_start != le64_to_cpu(s->local_start) ||
	    l->mirror_start != le64_to_cpu(s->mirror_start) ||
	    l->half_sectors != le64_to_cpu(s->half_sectors)) {
		*why = "write-log layout is inconsistent";
		return -EILSEQ;
	}
	if (!le32_to_cpu(s->node_id) || !le32_to_cpu(s->cluster_id)) {
		*why = "write log names no node";
		return -EILSEQ;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_super_check);

int hs_wlog_half_check(const struct hastor_wlog_half *h, const u8 *uuid,
		       u32 index, const char **why)
{
	if (le32_to_cpu(h->magic) != HASTOR_WLOG_HALF_MAGIC) {
		*why = "no half magic";
		return -ENODATA;
	}
	if (le32_to_cpu(h->csum) != block_csum(h)) {
		*why = "half header checksum mismatch";
		return -EILSEQ;
	}
	if (memcmp(h->log_uuid, uuid, 16)) {
		*why = "half header of another log";
		return -EILSEQ;
	}
	if (le32_to_cpu(h->index) != index) {
		*why = "half header in the wrong slot";
		return -EILSEQ;
	}
	if (!le64_to_cpu(h->first_seq) || !le64_to_cpu(h->epoch)) {
		*why = "half header with zero sequence or epoch";
		return -EILSEQ;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_half_check);

u32 hs_wlog_hdr_sectors(u32 nr_records, u32 unit)
{
	size_t len = struct_size((struct hastor_wlog_entry *)NULL, records,
				 nr_records);

	return round_up(DIV_ROUND_UP(len, 512), unit);
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_hdr_sectors);

u32 hs_wlog_entry_sectors(u32 hdr_sectors, u32 data_sectors, u32 unit)
{
	return round_up(hdr_sectors + data_sectors, unit);
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_entry_sectors);

/*
 * Check an entry header of len bytes (at least its fixed part; the
 * records only if len covers hdr_sectors).  The checksum is the caller's:
 * it needs the data.
 */
int hs_wlog_entry_check(const struct hastor_wlog_entry *e, size_t len,
			const struct hs_wlog_expect *x, const char **why)
{
	u32 nr, hdr, data, sum = 0, i;

	if (len < sizeof(*e)) {
		*why = "entry header truncated";
		return -EINVAL;
	}
	if (le32_to_cpu(e->magic) != HASTOR_WLOG_ENTRY_MAGIC ||
	    memcmp(e->log_uuid, x->uuid, 16)) {
		*why = "no entry here";
		return -ENODATA;
	}
	if (le64_to_cpu(e->seq) != x->seq) {
		*why = "entry out of sequence";
		return -ENODATA;
	}
	if (le64_to_cpu(e->epoch) < x->min_epoch) {
		*why = "entry from an older epoch";
		return -ENODATA;
	}
	nr = le32_to_cpu(e->nr_records);
	hdr = le32_to_cpu(e->hdr_sectors);
	data = le32_to_cpu(e->data_sectors);
	if (e->flags || !nr || nr > HASTOR_WLOG_MAX_RECORDS ||
	    hdr != hs_wlog_hdr_sectors(nr, x->unit) ||
	    data > HASTOR_WLOG_MAX_DATA_SECTORS) {
		*why = "entry header out of bounds";
		return -EILSEQ;
	}
	if (hs_wlog_entry_sectors(hdr, data, x->unit) > x->room) {
		*why = "entry runs past the end of its half";
		return -EILSEQ;
	}
	if (len < (size_t)hdr * 512)
		return 0;
	for (i = 0; i < nr; i++) {
		const struct hastor_wlog_record *r = &e->records[i];
		u32 n = le32_to_cpu(r->nr_sectors);
		u64 end;

		if (r->flags || !n ||
		    check_add_overflow(le64_to_cpu(r->sector), (u64)n, &end)) {
			*why = "record out of bounds";
			return -EILSEQ;
		}
		switch (le16_to_cpu(r->op)) {
		case HASTOR_WLOG_OP_WRITE:
			if (n > HASTOR_WLOG_MAX_DATA_SECTORS) {
				*why = "record out of bounds";
				return -EILSEQ;
			}
			sum += n;
			break;
		case HASTOR_WLOG_OP_DISCARD:
			break;
		default:
			*why = "record with an unknown operation";
			return -EILSEQ;
		}
		if (sum > data) {
			*why = "records hold more data than the entry";
			return -EILSEQ;
		}
	}
	if (sum != data) {
		*why = "records hold less data than the entry";
		return -EILSEQ;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_entry_check);

u32 hs_wlog_csum_begin(const struct hastor_wlog_entry *e, size_t hdr_len)
{
	return crc32c(0xffffffffU, (const u8 *)e + 4, hdr_len - 4);
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_csum_begin);

u32 hs_wlog_csum_add(u32 crc, const void *data, size_t len)
{
	return crc32c(crc, data, len);
}
EXPORT_SYMBOL_IF_KUNIT(hs_wlog_csum_add);
