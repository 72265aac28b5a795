/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HASTOR_WLOG_FORMAT_H
#define _HASTOR_WLOG_FORMAT_H

#include <linux/types.h>
#include <linux/hastor_wlog.h>

/* Where the regions of a log device lie, in sectors. */
struct hs_wlog_layout {
	u64 device_sectors;
	u64 local_start;
	u64 mirror_start;
	u64 half_sectors;
	u32 block_shift;
	u32 unit;		/* sectors per logical block */
};

int hs_wlog_layout_make(u64 device_sectors, u32 block_shift,
			struct hs_wlog_layout *l);
void hs_wlog_block_seal(void *block);
int hs_wlog_super_check(const struct hastor_wlog_super *s,
			u64 device_sectors, u32 block_shift,
			struct hs_wlog_layout *l, const char **why);
int hs_wlog_half_check(const struct hastor_wlog_half *h, const u8 *uuid,
		       u32 index, const char **why);

u32 hs_wlog_hdr_sectors(u32 nr_records, u32 unit);
u32 hs_wlog_entry_sectors(u32 hdr_sectors, u32 data_sectors, u32 unit);

/* What a reader expects of the next entry of a half. */
struct hs_wlog_expect {
	const u8 *uuid;
	u64 seq;
	u64 min_epoch;
	u64 room;		/* sectors left in the half */
	u32 unit;
};

int hs_wlog_entry_check(const struct hastor_wlog_entry *e, size_t len,
			const struct hs_wlog_expect *x, const char **why);

u32 hs_wlog_csum_begin(const struct hastor_wlog_entry *e, size_t hdr_len);
u32 hs_wlog_csum_add(u32 crc, const void *data, size_t len);
static inline u32 hs_wlog_csum_end(u32 crc)
{
	return crc ^ 0x4853746fU;	/* HASTOR_CSUM_XOR */
}

#endif /* _HASTOR_WLOG_FORMAT_H */
