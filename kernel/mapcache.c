// SPDX-License-Identifier: GPL-2.0
/*
 * A per-volume cache of mapping values that the I/O fast path reads
 * without taking any lock.
 *
 * The other way to a mapping, the B-tree through dm-bufio, costs a read
 * trylock of meta_lock and two buffer lookups, each taking and dropping
 * bufio's client mutex twice: for a 4 KiB bio that is most of what
 * hastor adds to a plain remap.  The cache holds segments of HS_MC_SEG
 * consecutive volume blocks, direct-mapped, each a copy of what the tree
 * said when it was filled, under meta_lock held for reading.
 *
 * A slot's sequence count is odd while it is being filled and moves on
 * whenever a mapping it holds changes (under meta_lock held for writing,
 * so never during a fill); the cache's generation moves on when every
 * slot goes stale at once (a snapshot makes mappings shared).  The fast
 * path reads a slot, counts its bio in the I/O epoch, and only then
 * checks that neither moved.  A change that frees a block or shares it
 * is followed by a CP or a snapshot draining the epoch: either the bio
 * is counted before that drain, which then waits for it, or the bio
 * sees the change and takes the locked path instead.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "mapcache.h"
#include "btree.h"
#include "meta.h"
#include "vol.h"

#define HS_MC_SHIFT	6
#define HS_MC_SEG	(1U << HS_MC_SHIFT)
/* 1024 segments cover 256 MiB of hot blocks in 0.55 MiB per volume. */
#define HS_MC_MAX_SLOTS	1024

struct hs_mc_slot {
	u32 seq;
	u32 gen;		/* the cache's, when filled */
	u64 seg;		/* segment number + 1; 0: empty */
	u64 valid;		/* the segment's blocks held */
	u64 vals[HS_MC_SEG];	/* their mapping values, CPU order */
};

struct hs_mapcache {
	u32 gen;
	u64 mask;
	struct hs_mc_slot slots[];
};

struct hs_mapcache *hs_mc_alloc(u64 size_blocks)
{
	u64 n = clamp_t(u64, DIV_ROUND_UP(size_blocks, HS_MC_SEG), 1,
			HS_MC_MAX_SLOTS);
	struct hs_mapcache *mc;

	n = roundup_pow_of_two(n);
	mc = kvzalloc(struct_size(mc, slots, n), GFP_KERNEL);
	if (mc)
		mc->mask = n - 1;
	return mc;
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_alloc);

void hs_mc_free(struct hs_mapcache *mc)
{
	kvfree(mc);
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_free);

static struct hs_mc_slot *slot_of(struct hs_mapcache *mc, u64 seg)
{
	return &mc->slots[seg & mc->mask];
}

/*
 * The PVBN of blocks first .. first + nblocks - 1 if the cache says they
 * are mapped, present, consecutive on one member and, for a write, this
 * volume's alone.  Valid only if hs_mc_valid(token) says so after the
 * bio was counted in its epoch.
 */
bool hs_mc_lookup(struct hs_pool *pool, struct hs_vol *vol, u64 first,
		  u64 nblocks, bool write, u64 *pvbn, u64 *token)
{
	struct hs_mapcache *mc = vol->mc;
	u64 seg = first >> HS_MC_SHIFT, off = first & (HS_MC_SEG - 1);
	u64 valid, v, p0 = 0, i;
	struct hs_mc_slot *slot;
	struct hs_member *m;
	sector_t block;
	u32 seq, gen;

	if (!mc || off + nblocks > HS_MC_SEG)
		return false;
	slot = slot_of(mc, seg);
	/* Pairs with the release ending a fill: its contents after this. */
	seq = smp_load_acquire(&slot->seq);
	if (seq & 1 || READ_ONCE(slot->seg) != seg + 1)
		return false;
	gen = READ_ONCE(slot->gen);
	if (gen != READ_ONCE(mc->gen))
		return false;
	valid = READ_ONCE(slot->valid);
	for (i = 0; i < nblocks; i++) {
		if (!(valid & BIT_ULL(off + i)))
			return false;
		v = READ_ONCE(slot->vals[off + i]);
		if (v & HASTOR_MAP_ABSENT ||
		    (write && hs_map_time(v) < READ_ONCE(vol->snap_time)))
			return false;
		if (!i)
			p0 = hs_map_pvbn(v);
		else if (hs_map_pvbn(v) != p0 + i)
			return false;
	}
	/* The contents before the count again (pairs with invalidate). */
	smp_rmb();
	if (READ_ONCE(slot->seq) != seq)
		return false;
	if (hs_member_of(pool, p0, &m, &block) ||
	    p0 + nblocks > m->pvbn_start + m->data_blocks)
		return false;
	*pvbn = p0;
	*token = (u64)gen << 32 | seq;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_lookup);

/* After hs_io_start(), whose barrier orders these reads after the count. */
bool hs_mc_valid(struct hs_vol *vol, u64 first, u64 token)
{
	struct hs_mapcache *mc = vol->mc;
	struct hs_mc_slot *slot = slot_of(mc, first >> HS_MC_SHIFT);

	return READ_ONCE(slot->seq) == (u32)token &&
	       READ_ONCE(mc->gen) == token >> 32;
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_valid);

struct fill {
	struct hs_mc_slot *slot;
	u64 base;
};

static bool fill_fn(void *data, u64 key, const void *value)
{
	struct fill *f = data;

	f->slot->vals[key - f->base] = le64_to_cpu(*(const __le64 *)value);
	f->slot->valid |= BIT_ULL(key - f->base);
	return true;
}

/*
 * For a bio of nblocks from block first that hs_mc_lookup() could serve:
 * copy its segment from the cached tree nodes, unless its slot already
 * holds it.  Under meta_lock held for reading: fills may race each other
 * (one wins the slot), never a change.
 */
void hs_mc_fill(struct hs_pool *pool, struct hs_vol *vol, u64 first,
		u64 nblocks)
{
	struct hs_mapcache *mc = vol->mc;
	u64 seg = first >> HS_MC_SHIFT;
	struct hs_mc_slot *slot;
	struct fill f;
	u32 seq;

	if (!mc || (first & (HS_MC_SEG - 1)) + nblocks > HS_MC_SEG)
		return;
	slot = slot_of(mc, seg);
	seq = READ_ONCE(slot->seq);
	if (seq & 1 || (READ_ONCE(slot->seg) == seg + 1 &&
			READ_ONCE(slot->gen) == READ_ONCE(mc->gen)))
		return;
	/* A full barrier: readers see the odd count before any change. */
	if (cmpxchg(&slot->seq, seq, seq + 1) != seq)
		return;
	slot->seg = seg + 1;
	slot->gen = READ_ONCE(mc->gen);
	slot->valid = 0;
	f.slot = slot;
	f.base = seg << HS_MC_SHIFT;
	/* Whatever it saw before a node that is not cached is right. */
	hs_btree_scan_cached(pool, hs_mapping_info(), vol->root, f.base,
			     HS_MC_SEG, fill_fn, &f);
	/* The contents before the even count that lets readers in. */
	smp_store_release(&slot->seq, seq + 2);
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_fill);

/*
 * The mappings of blocks first .. first + n - 1 are about to change:
 * under meta_lock held for writing, before anything acts on the change.
 */
void hs_mc_invalidate(struct hs_vol *vol, u64 first, u64 n)
{
	struct hs_mapcache *mc = vol->mc;
	u64 seg, last;

	if (!mc || !n)
		return;
	last = (first + n - 1) >> HS_MC_SHIFT;
	if (last - (first >> HS_MC_SHIFT) > mc->mask) {
		hs_mc_invalidate_all(vol);
		return;
	}
	for (seg = first >> HS_MC_SHIFT; seg <= last; seg++) {
		struct hs_mc_slot *slot = slot_of(mc, seg);

		if (slot->seg != seg + 1)
			continue;
		WRITE_ONCE(slot->seg, 0);
		/* Emptied before the count moves (pairs with the lookup). */
		smp_wmb();
		WRITE_ONCE(slot->seq, slot->seq + 2);
	}
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_invalidate);

/* Every mapping may have changed sharing (a snapshot): all slots go. */
void hs_mc_invalidate_all(struct hs_vol *vol)
{
	if (vol->mc)
		WRITE_ONCE(vol->mc->gen, vol->mc->gen + 1);
}
EXPORT_SYMBOL_IF_KUNIT(hs_mc_invalidate_all);
