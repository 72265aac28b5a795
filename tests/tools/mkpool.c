// SPDX-License-Identifier: GPL-2.0
/*
 * mkpool: writes a valid hastor pool over image files, following
 * Documentation/ondisk-format.md, so that "hactl pool check" can be
 * tested without the kernel module.  Then, optionally, one --corrupt
 * mutation that the checker must find.
 *
 * The builder keeps every metadata block in memory, indexed by PVBN,
 * plus a reference count per PVBN, and writes everything at the end.
 * Counts are maintained the way the format defines them (lazily, as the
 * kernel would): a new node or data block starts at 1, a snapshot or
 * clone raises its root's count, and a write to a shared path copies
 * each shared node, raising the counts of what the copy points to.  The
 * checker recomputes the counts from pointers; the two methods must
 * agree.
 *
 * Operations run in command-line order, so "--vol a:... --snap a@s
 * --write a:50" snapshots a and then overwrites 50 of its blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

#define DEFAULT_GEN	6

struct vol {
	struct hastor_vol_record rec;	/* little-endian, as on disk */
};

struct pool {
	unsigned int nr;
	int fd[HASTOR_MAX_MEMBERS];
	const char *path[HASTOR_MAX_MEMBERS];
	uint64_t disk_blocks[HASTOR_MAX_MEMBERS];
	struct hastor_layout lay;
	uint64_t total;

	char name[HASTOR_POOL_NAME_LEN];
	uint8_t uuid[16];
	uint8_t disk_uuid[HASTOR_MAX_MEMBERS][16];
	uint64_t gen;
	bool old_super;
	uint32_t snap_time, incompat;
	unsigned int fanout;	/* 0: full nodes */
	uint64_t rng;

	uint32_t *rc;		/* reference count per PVBN */
	uint8_t **blk;		/* metadata block per PVBN, or NULL */
	uint64_t *reserve;	/* preallocated PVBNs for the next nodes */
	size_t nr_reserve, used_reserve;

	struct vol *vols;
	size_t nr_vols;
	uint64_t next_id;

	uint64_t nr_chunks;
	uint64_t *chunk_blk;
	uint64_t voltab_root, refmap_root;

	_Alignas(8) uint8_t label[HASTOR_MAX_MEMBERS][2][HASTOR_BLOCK_SIZE];
	_Alignas(8) uint8_t super[2][HASTOR_BLOCK_SIZE];
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkpool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

/* splitmix64: deterministic for a given --seed. */
static uint64_t rnd(struct pool *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct pool *p, uint64_t n)
{
	return n ? rnd(p) % n : 0;
}

/* Blocks and nodes */

/* A random free PVBN, so that trees spread over every member. */
static uint64_t alloc_pvbn(struct pool *p)
{
	uint64_t start, i, b;

	if (p->used_reserve < p->nr_reserve) {
		b = p->reserve[p->used_reserve++];
		return b;
	}
	start = rnd_below(p, p->total);
	for (i = 0; i < p->total; i++) {
		b = (start + i) % p->total;
		if (!p->rc[b]) {
			p->rc[b] = 1;
			return b;
		}
	}
	die("pool full (%" PRIu64 " blocks)", p->total);
}

static struct hastor_btree_node *node_at(struct pool *p, uint64_t b)
{
	return (struct hastor_btree_node *)p->blk[b];
}

static uint64_t new_node(struct pool *p, uint32_t type, uint32_t level)
{
	uint64_t b = alloc_pvbn(p);
	uint32_t vs = hastor_btree_value_size(type, level);
	struct hastor_btree_node *n;

	p->blk[b] = xcalloc(1, HASTOR_BLOCK_SIZE);
	n = node_at(p, b);
	n->hdr.magic = htole32(HASTOR_BTREE_MAGIC);
	n->flags = htole32(level ? 0 : HASTOR_BTREE_LEAF);
	n->max_entries = htole32(HASTOR_BTREE_MAX(vs));
	n->value_size = htole32(vs);
	n->tree_type = htole32(type);
	n->level = htole32(level);
	return b;
}

static uint32_t nr_of(const struct hastor_btree_node *n)
{
	return le32toh(n->nr_entries);
}

static void set_u64(struct hastor_btree_node *n, uint32_t i, uint64_t v)
{
	__le64 le = htole64(v);

	memcpy(hastor_btree_value(n, i), &le, sizeof(le));
}

/* Entries the builder puts in one node of this value size. */
static uint32_t fill(const struct pool *p, uint32_t vs)
{
	uint32_t max = HASTOR_BTREE_MAX(vs);

	return p->fanout && p->fanout < max ? p->fanout : max;
}

/*
 * Builds a tree bottom-up from n sorted keys and their values (vs bytes
 * each): full leaves, then internal levels until one node is left.
 * Returns the root, or HASTOR_NO_BLOCK for an empty tree.
 */
static uint64_t build_tree(struct pool *p, uint32_t type, uint64_t n,
			   const uint64_t *keys, const void *vals)
{
	uint32_t vs = hastor_btree_value_size(type, 0), f = fill(p, vs), level;
	uint64_t *lk = xcalloc(n, 8), *lb = xcalloc(n, 8), cnt = 0, i, b;
	struct hastor_btree_node *nd = NULL;

	for (i = 0; i < n; i++) {
		if (i % f == 0) {
			b = new_node(p, type, 0);
			nd = node_at(p, b);
			lk[cnt] = keys[i];
			lb[cnt++] = b;
		}
		*hastor_btree_key(nd, nr_of(nd)) = htole64(keys[i]);
		memcpy(hastor_btree_value(nd, nr_of(nd)),
		       (const char *)vals + i * vs, vs);
		nd->nr_entries = htole32(nr_of(nd) + 1);
	}
	/* Internal levels: fill(8) >= 2, so each level is smaller. */
	f = fill(p, 8);
	for (level = 1; cnt > 1; level++) {
		uint64_t out = 0;

		for (i = 0; i < cnt; i++) {
			/* Read first: the output overwrites slot out <= i. */
			uint64_t key = lk[i], child = lb[i];

			if (i % f == 0) {
				b = new_node(p, type, level);
				nd = node_at(p, b);
				lk[out] = key;
				lb[out++] = b;
			}
			*hastor_btree_key(nd, nr_of(nd)) = htole64(key);
			set_u64(nd, nr_of(nd), child);
			nd->nr_entries = htole32(nr_of(nd) + 1);
		}
		cnt = out;
	}
	b = cnt ? lb[0] : HASTOR_NO_BLOCK;
	free(lk);
	free(lb);
	return b;
}

/* Volumes */

static struct vol *find_vol(struct pool *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr_vols; i++)
		if (!strcmp(p->vols[i].rec.name, name))
			return &p->vols[i];
	return NULL;
}

static struct vol *add_vol(struct pool *p, const char *name)
{
	struct vol *v;

	if (strlen(name) >= HASTOR_VOL_NAME_LEN)
		die("volume name too long: %s", name);
	if (find_vol(p, name))
		die("volume %s exists", name);
	p->vols = realloc(p->vols, (p->nr_vols + 1) * sizeof(*p->vols));
	if (!p->vols)
		die("out of memory");
	v = &p->vols[p->nr_vols++];
	memset(v, 0, sizeof(*v));
	v->rec.id = htole64(p->next_id++);
	v->rec.ctime_ns = htole64(1700000000000000000ULL + p->next_id);
	v->rec.mapping_root = htole64(HASTOR_NO_BLOCK);
	strcpy(v->rec.name, name);
	return v;
}

static uint64_t map_value(struct pool *p, bool absent)
{
	uint64_t t = (uint64_t)p->snap_time << HASTOR_MAP_TIME_SHIFT;

	if (absent) {
		p->incompat |= HASTOR_INCOMPAT_ABSENT;
		return HASTOR_MAP_ABSENT | t;
	}
	return alloc_pvbn(p) | t;	/* a data block: count 1 */
}

/* --vol NAME:BLOCKS:MAPPED[:ABSENT] */
static void op_vol(struct pool *p, const char *arg)
{
	char name[HASTOR_VOL_NAME_LEN];
	uint64_t size, mapped, absent = 0, i, k = 0, *keys, *vals;
	struct vol *v;
	int n;

	if (sscanf(arg, "%127[^:]:%" SCNu64 ":%" SCNu64 "%n", name, &size,
		   &mapped, &n) != 3 ||
	    (arg[n] && sscanf(arg + n, ":%" SCNu64, &absent) != 1) ||
	    mapped > size || absent > mapped)
		die("--vol NAME:BLOCKS:MAPPED[:ABSENT], got %s", arg);
	keys = xcalloc(mapped, 8);
	vals = xcalloc(mapped, 8);
	/* Selection sampling (Knuth's S): sorted distinct keys. */
	for (i = 0; i < size && k < mapped; i++)
		if (rnd_below(p, size - i) < mapped - k)
			keys[k++] = i;
	/* The same sampling picks exactly ABSENT of them. */
	for (i = 0, k = 0; i < mapped; i++) {
		bool abs = rnd_below(p, mapped - i) < absent - k;

		k += abs;
		vals[i] = htole64(map_value(p, abs));
	}
	v = add_vol(p, name);
	v->rec.size_blocks = htole64(size);
	v->rec.mapped_blocks = htole64(mapped);
	v->rec.mapping_root = htole64(build_tree(p, HASTOR_TREE_MAPPING,
						 mapped, keys, vals));
	free(keys);
	free(vals);
}

/* A new record sharing v's tree: the root gains one reference. */
static struct vol *share_vol(struct pool *p, struct vol *v, const char *name,
			     uint32_t flags)
{
	struct hastor_vol_record src = v->rec;	/* add_vol may move v */
	uint64_t root = le64toh(src.mapping_root);
	struct vol *nv = add_vol(p, name);

	nv->rec.size_blocks = src.size_blocks;
	nv->rec.mapping_root = src.mapping_root;
	nv->rec.mapped_blocks = src.mapped_blocks;
	nv->rec.parent_id = src.id;
	nv->rec.flags = htole32(flags);
	if (root != HASTOR_NO_BLOCK)
		p->rc[root]++;
	return nv;
}

/* --snap VOL@SNAP */
static void op_snap(struct pool *p, const char *arg)
{
	char vname[HASTOR_VOL_NAME_LEN];
	const char *at = strchr(arg, '@');
	struct vol *v;

	if (!at || at == arg || (size_t)(at - arg) >= sizeof(vname))
		die("--snap VOL@SNAP, got %s", arg);
	memcpy(vname, arg, at - arg);
	vname[at - arg] = '\0';
	v = find_vol(p, vname);
	if (!v || (le32toh(v->rec.flags) & HASTOR_VOL_SNAPSHOT))
		die("--snap %s: no volume or clone %s", arg, vname);
	if (p->snap_time >= HASTOR_MAP_TIME_MAX)
		die("snap_time exhausted");
	v->rec.snap_time = htole32(++p->snap_time);
	share_vol(p, v, arg, HASTOR_VOL_SNAPSHOT);
}

/* --clone NAME=VOL@SNAP */
static void op_clone(struct pool *p, const char *arg)
{
	char name[HASTOR_VOL_NAME_LEN];
	const char *eq = strchr(arg, '=');
	struct vol *s, *c;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name))
		die("--clone NAME=VOL@SNAP, got %s", arg);
	memcpy(name, arg, eq - arg);
	name[eq - arg] = '\0';
	s = find_vol(p, eq + 1);
	if (!s || !(le32toh(s->rec.flags) & HASTOR_VOL_SNAPSHOT))
		die("--clone %s: no snapshot %s", arg, eq + 1);
	c = share_vol(p, s, name, HASTOR_VOL_CLONE);
	/* Every mapping it inherits may be shared: see the report. */
	c->rec.snap_time = htole32(p->snap_time);
}

/*
 * The node this path may change: itself if only one pointer leads to
 * it, else a copy (the lazy copy of the format): the copy's targets gain
 * a reference, the original loses the one that now leads to the copy.
 */
static uint64_t shadow(struct pool *p, uint64_t b)
{
	struct hastor_btree_node *n = node_at(p, b), *c;
	uint64_t nb, v;
	uint32_t i;

	if (p->rc[b] == 1)
		return b;
	nb = new_node(p, HASTOR_TREE_MAPPING, le32toh(n->level));
	c = node_at(p, nb);
	memcpy(c, n, HASTOR_BLOCK_SIZE);
	p->rc[b]--;
	for (i = 0; i < nr_of(n); i++) {
		v = hastor_btree_u64(n, i);
		if (le32toh(n->level))
			p->rc[v]++;
		else if (!(v & HASTOR_MAP_ABSENT))
			p->rc[v & HASTOR_MAP_PVBN_MASK]++;
	}
	return nb;
}

/* Index of the last key <= key (keys[0] <= key holds in the builder). */
static uint32_t child_for(const struct hastor_btree_node *n, uint64_t key)
{
	uint32_t i = 0;

	while (i + 1 < nr_of(n) && hastor_btree_key_get(n, i + 1) <= key)
		i++;
	return i;
}

/* Overwrites the mapping of entry idx of the volume, copy-on-write. */
static void cow_write(struct pool *p, struct vol *v, uint64_t key)
{
	uint64_t b = shadow(p, le64toh(v->rec.mapping_root)), old;
	struct hastor_btree_node *n = node_at(p, b);
	uint32_t i;

	v->rec.mapping_root = htole64(b);
	while (le32toh(n->level)) {
		i = child_for(n, key);
		b = shadow(p, hastor_btree_u64(n, i));
		set_u64(n, i, b);
		n = node_at(p, b);
	}
	i = child_for(n, key);
	old = hastor_btree_u64(n, i);
	if (!(old & HASTOR_MAP_ABSENT))
		p->rc[old & HASTOR_MAP_PVBN_MASK]--;	/* 0: free again */
	set_u64(n, i, map_value(p, false));
}

/* A random mapped key of the tree at root. */
static uint64_t some_key(struct pool *p, uint64_t root)
{
	struct hastor_btree_node *n = node_at(p, root);

	for (;;) {
		uint32_t i = rnd_below(p, nr_of(n));

		if (!le32toh(n->level))
			return hastor_btree_key_get(n, i);
		n = node_at(p, hastor_btree_u64(n, i));
	}
}

/* --write VOL:N: N overwrites of mapped blocks. */
static void op_write(struct pool *p, const char *arg)
{
	char name[HASTOR_VOL_NAME_LEN];
	uint64_t count, i;
	struct vol *v;

	if (sscanf(arg, "%127[^:]:%" SCNu64, name, &count) != 2)
		die("--write VOL:N, got %s", arg);
	v = find_vol(p, name);
	if (!v || (le32toh(v->rec.flags) & HASTOR_VOL_SNAPSHOT))
		die("--write %s: no writable volume %s", arg, name);
	if (le64toh(v->rec.mapping_root) == HASTOR_NO_BLOCK)
		return;
	for (i = 0; i < count; i++)
		cow_write(p, v, some_key(p, le64toh(v->rec.mapping_root)));
}

/* Volume table and reference counts */

static void build_voltab(struct pool *p)
{
	uint64_t *keys = xcalloc(p->nr_vols, 8);
	struct hastor_vol_record *recs = xcalloc(p->nr_vols, sizeof(*recs));
	size_t i;

	for (i = 0; i < p->nr_vols; i++) {
		keys[i] = le64toh(p->vols[i].rec.id);
		recs[i] = p->vols[i].rec;
	}
	p->voltab_root = build_tree(p, HASTOR_TREE_VOLTAB, p->nr_vols, keys,
				    recs);
	free(keys);
	free(recs);
}

/* Nodes a bulk-built tree of n entries has. */
static uint64_t tree_nodes(const struct pool *p, uint64_t n, uint32_t vs)
{
	uint64_t total = 0, f = fill(p, vs);

	if (!n)
		return 0;
	n = (n + f - 1) / f;
	total = n;
	for (f = fill(p, 8); n > 1; total += n)
		n = (n + f - 1) / f;
	return total;
}

static bool chunk_used(const struct pool *p, uint64_t c)
{
	uint64_t b, end = (c + 1) * HASTOR_REFCNT_PER_BLOCK;

	for (b = c * HASTOR_REFCNT_PER_BLOCK; b < end && b < p->total; b++)
		if (p->rc[b])
			return true;
	return false;
}

/*
 * A refcount block for every chunk with a non-zero count, and the
 * REFMAP nodes to index them.  Their own allocation changes counts, so
 * repeat until nothing new is needed (the format's CP does the same).
 * The nodes' PVBNs are reserved here and consumed by build_tree().
 */
static void build_refcounts(struct pool *p)
{
	uint64_t c, k, need, *keys, *vals;
	bool changed;

	p->nr_chunks = hastor_refcnt_chunks(p->total);
	p->chunk_blk = xcalloc(p->nr_chunks, 8);
	p->reserve = xcalloc(p->nr_chunks * 2 + 16, 8);
	for (c = 0; c < p->nr_chunks; c++)
		p->chunk_blk[c] = HASTOR_NO_BLOCK;
	do {
		changed = false;
		for (c = 0, k = 0; c < p->nr_chunks; c++) {
			if (p->chunk_blk[c] == HASTOR_NO_BLOCK && chunk_used(p, c)) {
				p->chunk_blk[c] = alloc_pvbn(p);
				p->blk[p->chunk_blk[c]] = xcalloc(1, HASTOR_BLOCK_SIZE);
				changed = true;
			}
			k += p->chunk_blk[c] != HASTOR_NO_BLOCK;
		}
		need = tree_nodes(p, k, 8);
		for (; p->nr_reserve < need; changed = true)
			p->reserve[p->nr_reserve++] = alloc_pvbn(p);
	} while (changed);

	keys = xcalloc(k, 8);
	vals = xcalloc(k, 8);
	for (c = 0, k = 0; c < p->nr_chunks; c++)
		if (p->chunk_blk[c] != HASTOR_NO_BLOCK) {
			keys[k] = c;
			vals[k++] = htole64(p->chunk_blk[c]);
		}
	p->refmap_root = build_tree(p, HASTOR_TREE_REFMAP, k, keys, vals);
	free(keys);
	free(vals);
}

static void fill_refcounts(struct pool *p)
{
	struct hastor_refcnt_block *rb;
	uint64_t c, b;

	for (c = 0; c < p->nr_chunks; c++) {
		if (p->chunk_blk[c] == HASTOR_NO_BLOCK)
			continue;
		rb = (struct hastor_refcnt_block *)p->blk[p->chunk_blk[c]];
		rb->hdr.magic = htole32(HASTOR_REFCNT_MAGIC);
		for (b = 0; b < HASTOR_REFCNT_PER_BLOCK; b++) {
			uint64_t pv = c * HASTOR_REFCNT_PER_BLOCK + b;

			if (pv >= p->total)
				break;
			if (p->rc[pv] > 65535)
				die("count of pvbn %" PRIu64 " overflows", pv);
			rb->counts[b] = htole16(p->rc[pv]);
		}
	}
}

/* Labels and superblocks */

static void header(void *block, uint32_t magic, uint64_t blocknr,
		   uint64_t gen, const uint8_t *uuid)
{
	struct hastor_block_header *h = block;

	h->magic = htole32(magic);
	h->blocknr = htole64(blocknr);
	h->generation = htole64(gen);
	memcpy(h->pool_uuid, uuid, 16);
	hastor_seal_block(block);
}

static void make_labels(struct pool *p)
{
	struct hastor_label *l;
	unsigned int m, i;
	int copy;

	for (m = 0; m < p->nr; m++) {
		l = (struct hastor_label *)p->label[m][0];
		l->version = htole32(HASTOR_FORMAT_VERSION);
		l->incompat = htole32(p->incompat);
		l->member_index = htole32(m);
		l->member_count = htole32(p->nr);
		l->cluster_id = htole32(1);
		l->owner_node = htole32(1);
		l->home_node = htole32(1);
		memcpy(l->disk_uuid, p->disk_uuid[m], 16);
		strcpy(l->pool_name, p->name);
		l->disk_blocks = htole64(p->disk_blocks[m]);
		l->data_start = htole64(HASTOR_RESERVED_BLOCKS);
		l->data_blocks = htole64(p->lay.m[m].data_blocks);
		l->pvbn_start = htole64(p->lay.m[m].pvbn_start);
		l->ctime = htole64(1700000000);
		for (i = 0; i < p->nr; i++)
			memcpy(l->members[i], p->disk_uuid[i], 16);
		memcpy(p->label[m][1], p->label[m][0], HASTOR_BLOCK_SIZE);
		for (copy = 0; copy < 2; copy++)
			header(p->label[m][copy], HASTOR_LABEL_MAGIC,
			       HASTOR_LABEL_BLOCK + copy, 1, p->uuid);
	}
}

static void make_super(struct pool *p)
{
	struct hastor_super *sb = (struct hastor_super *)p->super[p->gen % 2];
	uint64_t b, used = 0, meta = 0;

	for (b = 0; b < p->total; b++) {
		used += !!p->rc[b];
		meta += p->rc[b] && p->blk[b];
	}
	sb->version = htole32(HASTOR_FORMAT_VERSION);
	sb->incompat = htole32(p->incompat);
	sb->member_count = htole32(p->nr);
	sb->total_blocks = htole64(p->total);
	sb->meta_reserve = htole64(p->total / 64);
	sb->used_blocks = htole64(used);
	sb->meta_blocks = htole64(meta);
	sb->refmap_root = htole64(p->refmap_root);
	sb->voltab_root = htole64(p->voltab_root);
	sb->next_vol_id = htole64(p->next_id);
	sb->cp_time_ns = htole64(1700000000000000000ULL + p->gen);
	sb->snap_time = htole32(p->snap_time);
	sb->nr_volumes = htole32(p->nr_vols);
	header(sb, HASTOR_SUPER_MAGIC, HASTOR_SUPER_BLOCK + p->gen % 2, p->gen,
	       p->uuid);
	if (!p->old_super)
		return;
	/* The previous CP: same trees (all written before it). */
	memcpy(p->super[(p->gen - 1) % 2], sb, HASTOR_BLOCK_SIZE);
	header(p->super[(p->gen - 1) % 2], HASTOR_SUPER_MAGIC,
	       HASTOR_SUPER_BLOCK + (p->gen - 1) % 2, p->gen - 1, p->uuid);
}

/* Headers of all metadata: written by CPs before this one. */
static void seal_all(struct pool *p)
{
	uint64_t b;

	for (b = 0; b < p->total; b++)
		if (p->blk[b] && p->rc[b])
			header(p->blk[b],
			       le32toh(((struct hastor_block_header *)
					p->blk[b])->magic),
			       b, 1 + rnd_below(p, p->gen - 1), p->uuid);
}

static void write_or_die(struct pool *p, unsigned int m, uint64_t blk,
			 const void *buf)
{
	int err = hastor_write_block(p->fd[m], blk, buf);

	if (err)
		die("%s: write block %" PRIu64 ": %s", p->path[m], blk,
		    strerror(-err));
}

static void write_all(struct pool *p)
{
	static const uint8_t zero[HASTOR_BLOCK_SIZE];
	unsigned int m;
	uint64_t b, blk;

	for (m = 0; m < p->nr; m++) {
		write_or_die(p, m, HASTOR_LABEL_BLOCK, p->label[m][0]);
		write_or_die(p, m, HASTOR_LABEL_BLOCK + 1, p->label[m][1]);
		/* Superblock slots are zero on members other than 0. */
		write_or_die(p, m, HASTOR_SUPER_BLOCK, m ? zero : p->super[0]);
		write_or_die(p, m, HASTOR_SUPER_BLOCK + 1,
			     m ? zero : p->super[1]);
	}
	for (b = 0; b < p->total; b++) {
		if (!p->blk[b] || !p->rc[b])
			continue;
		if (hastor_pvbn_map(&p->lay, b, &m, &blk))
			die("pvbn %" PRIu64 " outside the layout", b);
		write_or_die(p, m, blk, p->blk[b]);
	}
}

/* Corruptions: each names what it damaged, for the test to match. */

static struct hastor_btree_node *find_node(struct pool *p, uint32_t type,
					   bool internal, uint32_t min_nr,
					   uint64_t *pvbn)
{
	struct hastor_btree_node *n;
	uint64_t b;

	for (b = 0; b < p->total; b++) {
		n = node_at(p, b);
		if (!n || !p->rc[b] || le32toh(n->hdr.magic) != HASTOR_BTREE_MAGIC ||
		    le32toh(n->tree_type) != type ||
		    !!le32toh(n->level) != internal || nr_of(n) < min_nr)
			continue;
		*pvbn = b;
		printf("corrupted pvbn %" PRIu64 "\n", b);
		return n;
	}
	die("--corrupt: the pool has no %s %s node with %u entries",
	    type == HASTOR_TREE_MAPPING ? "mapping" : "other",
	    internal ? "internal" : "leaf", min_nr);
}

static struct hastor_btree_node *leaf(struct pool *p, uint64_t *b)
{
	return find_node(p, HASTOR_TREE_MAPPING, false, 1, b);
}

static __le16 *stored_count(struct pool *p, uint64_t b, uint64_t *rcblk)
{
	uint64_t c = b / HASTOR_REFCNT_PER_BLOCK;
	struct hastor_refcnt_block *rb;

	if (c >= p->nr_chunks || p->chunk_blk[c] == HASTOR_NO_BLOCK)
		die("--corrupt: pvbn %" PRIu64 " has no refcount block", b);
	*rcblk = p->chunk_blk[c];
	rb = (struct hastor_refcnt_block *)p->blk[*rcblk];
	return &rb->counts[b % HASTOR_REFCNT_PER_BLOCK];
}

static void add_count(struct pool *p, uint64_t b, int delta)
{
	uint64_t rcblk;
	__le16 *cnt = stored_count(p, b, &rcblk);

	*cnt = htole16(le16toh(*cnt) + delta);
	hastor_seal_block(p->blk[rcblk]);
	printf("corrupted pvbn %" PRIu64 "\n", b);
}

/* Record of volume index vi inside its voltab leaf; *b = the leaf. */
static struct hastor_vol_record *vol_record(struct pool *p, size_t vi,
					    uint64_t *b)
{
	uint64_t id = le64toh(p->vols[vi].rec.id);
	struct hastor_btree_node *n = node_at(p, p->voltab_root);
	uint32_t i;

	*b = p->voltab_root;
	while (le32toh(n->level)) {
		*b = hastor_btree_u64(n, child_for(n, id));
		n = node_at(p, *b);
	}
	i = child_for(n, id);
	printf("corrupted volume %" PRIu64 "\n", id);
	return hastor_btree_value(n, i);
}

static struct hastor_super *cur_super(struct pool *p)
{
	return (struct hastor_super *)p->super[p->gen % 2];
}

static void reseal_super(struct pool *p)
{
	hastor_seal_block(cur_super(p));
	printf("corrupted superblock\n");
}

static void set_value0(struct pool *p, uint64_t v)
{
	uint64_t b;
	struct hastor_btree_node *n = leaf(p, &b);

	set_u64(n, 0, v);
	hastor_seal_block(n);
}

static size_t first_vol(struct pool *p, bool mapped)
{
	size_t i;

	for (i = 0; i < p->nr_vols; i++)
		if (!le32toh(p->vols[i].rec.flags) &&
		    (!mapped || le64toh(p->vols[i].rec.mapped_blocks)))
			return i;
	die("--corrupt: the pool has no %svolume", mapped ? "mapped " : "");
}

static uint64_t max_key(struct pool *p, uint64_t root)
{
	struct hastor_btree_node *n = node_at(p, root);

	while (le32toh(n->level))
		n = node_at(p, hastor_btree_u64(n, nr_of(n) - 1));
	return hastor_btree_key_get(n, nr_of(n) - 1);
}

static void corrupt_label(struct pool *p, const char *kind)
{
	struct hastor_label *l;
	unsigned int m, c;

	if (!strcmp(kind, "label-bit")) {
		p->label[0][0][200] ^= 0x10;
		printf("corrupted disk %s\n", p->path[0]);
		return;
	}
	if (!strcmp(kind, "labels")) {
		p->label[p->nr - 1][0][100] ^= 1;
		p->label[p->nr - 1][1][100] ^= 1;
		printf("corrupted disk %s\n", p->path[p->nr - 1]);
		return;
	}
	for (m = 0; m < p->nr; m++)	/* label-incompat */
		for (c = 0; c < 2; c++) {
			l = (struct hastor_label *)p->label[m][c];
			l->incompat |= htole32(1U << 30);
			hastor_seal_block(l);
		}
	printf("corrupted disk %s\n", p->path[0]);
}

static void corrupt_super(struct pool *p, const char *kind)
{
	struct hastor_super *sb = cur_super(p);

	if (!strcmp(kind, "incompat"))
		sb->incompat |= htole32(1U << 30);
	else if (!strcmp(kind, "used-blocks"))
		sb->used_blocks = htole64(le64toh(sb->used_blocks) + 1);
	else if (!strcmp(kind, "total-blocks"))
		sb->total_blocks = htole64(le64toh(sb->total_blocks) + 1);
	if (strcmp(kind, "super-torn") && strcmp(kind, "no-super")) {
		reseal_super(p);
		return;
	}
	/* A torn write: content changed after the checksum was made. */
	p->super[p->gen % 2][300] ^= 1;
	if (!strcmp(kind, "no-super"))
		p->super[(p->gen + 1) % 2][300] ^= 1;
	printf("corrupted superblock\n");
}

static void corrupt_leaf(struct pool *p, const char *kind)
{
	struct hastor_btree_node *n;
	uint64_t b, k;

	if (!strcmp(kind, "pvbn-range")) {
		set_value0(p, p->total + 5);
		return;
	}
	if (!strcmp(kind, "kind")) {
		set_value0(p, p->voltab_root);
		return;
	}
	if (!strcmp(kind, "reserved")) {
		n = leaf(p, &b);
		set_u64(n, 0, hastor_btree_u64(n, 0) | (1ULL << 41));
		hastor_seal_block(n);
		return;
	}
	if (!strcmp(kind, "snap-time")) {
		n = leaf(p, &b);
		set_u64(n, 0, (hastor_btree_u64(n, 0) & HASTOR_MAP_PVBN_MASK) |
			      (uint64_t)(p->snap_time + 1) << HASTOR_MAP_TIME_SHIFT);
		hastor_seal_block(n);
		return;
	}
	if (!strcmp(kind, "key-order")) {
		n = find_node(p, HASTOR_TREE_MAPPING, false, 3, &b);
		k = hastor_btree_key_get(n, 1);
		*hastor_btree_key(n, 1) = *hastor_btree_key(n, 2);
		*hastor_btree_key(n, 2) = htole64(k);
		hastor_seal_block(n);
		return;
	}
	n = leaf(p, &b);
	if (!strcmp(kind, "blocknr"))
		n->hdr.blocknr = htole64(b + 1);
	else if (!strcmp(kind, "nr-entries"))
		n->nr_entries = htole32(le32toh(n->max_entries) + 1);
	else if (!strcmp(kind, "generation"))
		n->hdr.generation = htole64(p->gen + 1);
	else if (!strcmp(kind, "uuid"))
		n->hdr.pool_uuid[0] ^= 1;
	else if (!strcmp(kind, "magic"))
		n->hdr.magic = htole32(HASTOR_REFCNT_MAGIC);
	else if (!strcmp(kind, "level"))
		n->level = htole32(1);
	hastor_seal_block(n);
}

static void corrupt_internal(struct pool *p, const char *kind)
{
	uint64_t b;
	struct hastor_btree_node *n =
		find_node(p, HASTOR_TREE_MAPPING, true, 2, &b);

	if (!strcmp(kind, "cycle"))
		set_u64(n, 0, b);	/* its own child */
	else	/* key-range: child 1 now starts below its key */
		*hastor_btree_key(n, 1) =
			htole64(hastor_btree_key_get(n, 1) + 1);
	hastor_seal_block(n);
}

static void corrupt_count(struct pool *p, const char *kind)
{
	uint64_t b;

	for (b = 0; b < p->total; b++) {
		if (!strcmp(kind, "rc-data") && p->rc[b] && !p->blk[b])
			break;
		if (!strcmp(kind, "rc-shared") && p->rc[b] > 1 && p->blk[b])
			break;
		/* leak: a free block whose chunk has a refcount block */
		if (!strcmp(kind, "leak") && !p->rc[b] &&
		    p->chunk_blk[b / HASTOR_REFCNT_PER_BLOCK] != HASTOR_NO_BLOCK)
			break;
	}
	if (b == p->total)
		die("--corrupt %s: no suitable block", kind);
	add_count(p, b, !strcmp(kind, "rc-shared") ? -1 : 1);
	if (!strcmp(kind, "leak")) {
		/* Keep used_blocks consistent with the counts. */
		cur_super(p)->used_blocks =
			htole64(le64toh(cur_super(p)->used_blocks) + 1);
		hastor_seal_block(cur_super(p));
	}
}

static void corrupt_refcnt(struct pool *p, const char *kind)
{
	uint64_t c = p->nr_chunks - 1, off = p->total % HASTOR_REFCNT_PER_BLOCK;
	struct hastor_refcnt_block *rb;

	if (!strcmp(kind, "refcnt-csum")) {
		for (c = 0; p->chunk_blk[c] == HASTOR_NO_BLOCK; c++)
			;
		rb = (struct hastor_refcnt_block *)p->blk[p->chunk_blk[c]];
		rb->hdr.csum ^= htole32(1);
		printf("corrupted pvbn %" PRIu64 "\n", p->chunk_blk[c]);
		return;
	}
	/* tail: a count beyond total_blocks in the last chunk */
	if (!off || p->chunk_blk[c] == HASTOR_NO_BLOCK)
		die("--corrupt tail: the last chunk is full or has no block");
	rb = (struct hastor_refcnt_block *)p->blk[p->chunk_blk[c]];
	rb->counts[off] = htole16(1);
	hastor_seal_block(rb);
	printf("corrupted pvbn %" PRIu64 "\n", p->chunk_blk[c]);
}

static void corrupt_vol(struct pool *p, const char *kind)
{
	struct hastor_vol_record *r;
	size_t vi = first_vol(p, !strcmp(kind, "map-size"));
	uint64_t b;

	if (!strcmp(kind, "dup-name")) {
		if (p->nr_vols < 2)
			die("--corrupt dup-name needs two volumes");
		r = vol_record(p, vi == 0 ? 1 : 0, &b);
		memcpy(r->name, p->vols[vi].rec.name, sizeof(r->name));
	} else if (!strcmp(kind, "map-size")) {
		r = vol_record(p, vi, &b);
		r->size_blocks = htole64(max_key(p, le64toh(r->mapping_root)));
	} else if (!strcmp(kind, "mapped-blocks")) {
		r = vol_record(p, vi, &b);
		r->mapped_blocks = htole64(le64toh(r->mapped_blocks) + 1);
	} else {	/* vol-parent */
		r = vol_record(p, vi, &b);
		r->parent_id = htole64(999);
	}
	hastor_seal_block(node_at(p, b));
}

static const struct {
	const char *name;
	void (*fn)(struct pool *p, const char *kind);
} corruptions[] = {
	{ "label-bit", corrupt_label },		/* one copy: a warning */
	{ "labels", corrupt_label },
	{ "label-incompat", corrupt_label },
	{ "incompat", corrupt_super },
	{ "used-blocks", corrupt_super },
	{ "total-blocks", corrupt_super },
	{ "super-torn", corrupt_super },	/* needs --old-super */
	{ "no-super", corrupt_super },
	{ "blocknr", corrupt_leaf },
	{ "nr-entries", corrupt_leaf },
	{ "generation", corrupt_leaf },
	{ "uuid", corrupt_leaf },
	{ "magic", corrupt_leaf },
	{ "level", corrupt_leaf },
	{ "key-order", corrupt_leaf },
	{ "pvbn-range", corrupt_leaf },
	{ "kind", corrupt_leaf },
	{ "reserved", corrupt_leaf },
	{ "snap-time", corrupt_leaf },
	{ "cycle", corrupt_internal },
	{ "key-range", corrupt_internal },
	{ "rc-data", corrupt_count },
	{ "rc-shared", corrupt_count },
	{ "leak", corrupt_count },
	{ "refcnt-csum", corrupt_refcnt },
	{ "tail", corrupt_refcnt },
	{ "map-size", corrupt_vol },
	{ "mapped-blocks", corrupt_vol },
	{ "vol-parent", corrupt_vol },
	{ "dup-name", corrupt_vol },
};

static void corrupt(struct pool *p, const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++)
		if (!strcmp(kind, corruptions[i].name)) {
			corruptions[i].fn(p, kind);
			return;
		}
	die("unknown --corrupt %s (--list-corruptions)", kind);
}

/* Setup */

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		die("bad size %s", s);
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	}
	if (*end || v % HASTOR_BLOCK_SIZE)
		die("bad size %s (bytes, K/M/G, a multiple of 4096)", s);
	return v;
}

static void open_images(struct pool *p, int n, char **paths, uint64_t size)
{
	const struct hastor_label *labels[HASTOR_MAX_MEMBERS];
	struct hastor_label l[HASTOR_MAX_MEMBERS];
	int i, err;

	if (n < 1 || n > HASTOR_MAX_MEMBERS)
		die("1..%d images", HASTOR_MAX_MEMBERS);
	p->nr = n;
	memset(l, 0, sizeof(l));
	for (i = 0; i < n; i++) {
		p->path[i] = paths[i];
		p->fd[i] = open(paths[i], O_RDWR | O_CREAT | (size ? O_TRUNC : 0),
				0644);
		if (p->fd[i] < 0)
			die("%s: %s", paths[i], strerror(errno));
		if (size && ftruncate(p->fd[i], size))
			die("%s: %s", paths[i], strerror(errno));
		err = hastor_disk_blocks(p->fd[i], &p->disk_blocks[i]);
		if (err)
			die("%s: %s", paths[i], strerror(-err));
		if (p->disk_blocks[i] <= HASTOR_RESERVED_BLOCKS)
			die("%s: too small (over 1 MiB needed)", paths[i]);
		l[i].data_start = htole64(HASTOR_RESERVED_BLOCKS);
		l[i].data_blocks = htole64(p->disk_blocks[i] -
					   HASTOR_RESERVED_BLOCKS);
		labels[i] = &l[i];
	}
	if (hastor_layout_init(&p->lay, labels, n))
		die("bad layout");
	p->total = p->lay.total_blocks;
	p->rc = xcalloc(p->total, sizeof(*p->rc));
	p->blk = xcalloc(p->total, sizeof(*p->blk));
}

static void make_uuids(struct pool *p)
{
	unsigned int m, i;

	for (i = 0; i < 16; i++)
		p->uuid[i] = rnd(p);
	for (m = 0; m < p->nr; m++)
		for (i = 0; i < 16; i++)
			p->disk_uuid[m][i] = rnd(p);
}

/* The test vector of the format: the kernel asserts it too. */
static int csum_selftest(void)
{
	_Alignas(8) uint8_t b[HASTOR_BLOCK_SIZE];
	uint32_t got, i;

	for (i = 0; i < HASTOR_BLOCK_SIZE; i++)
		b[i] = i & 0xff;
	got = hastor_csum(b);
	printf("csum of the 0..255 pattern block: 0x%08x (want 0xc8bb3d4e)\n",
	       got);
	return got == 0xc8bb3d4eU ? 0 : 1;
}

static void usage(FILE *f)
{
	fputs("Usage: mkpool [OPTIONS] IMG...\n"
	      "  -s, --size SIZE        create each IMG with SIZE bytes (K/M/G)\n"
	      "  -n, --name NAME        pool name (default tank)\n"
	      "  -S, --seed N           random seed (default 1)\n"
	      "  -g, --gen G            CP generation, >= 2 (default 6)\n"
	      "  -f, --fanout N         entries per node built (2..max)\n"
	      "      --old-super        also a valid superblock of G-1\n"
	      "      --vol NAME:BLOCKS:MAPPED[:ABSENT]\n"
	      "      --snap VOL@SNAP    --clone NAME=VOL@SNAP\n"
	      "      --write VOL:N      N copy-on-write overwrites\n"
	      "      --corrupt KIND     then damage the pool\n"
	      "      --list-corruptions --csum-selftest\n", f);
}

enum { O_OLD = 256, O_VOL, O_SNAP, O_CLONE, O_WRITE, O_CORRUPT, O_LIST,
       O_SELFTEST };

struct op {
	int what;
	const char *arg;
};

static void run_op(struct pool *p, const struct op *op)
{
	switch (op->what) {
	case O_VOL:	op_vol(p, op->arg); break;
	case O_SNAP:	op_snap(p, op->arg); break;
	case O_CLONE:	op_clone(p, op->arg); break;
	case O_WRITE:	op_write(p, op->arg); break;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "gen", required_argument, NULL, 'g' },
		{ "fanout", required_argument, NULL, 'f' },
		{ "old-super", no_argument, NULL, O_OLD },
		{ "vol", required_argument, NULL, O_VOL },
		{ "snap", required_argument, NULL, O_SNAP },
		{ "clone", required_argument, NULL, O_CLONE },
		{ "write", required_argument, NULL, O_WRITE },
		{ "corrupt", required_argument, NULL, O_CORRUPT },
		{ "list-corruptions", no_argument, NULL, O_LIST },
		{ "csum-selftest", no_argument, NULL, O_SELFTEST },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct pool pool;
	struct pool *p = &pool;
	struct op *ops = xcalloc(argc, sizeof(*ops));
	const char *bad = NULL;
	uint64_t size = 0, b;
	int c, nops = 0, i;

	strcpy(p->name, "tank");
	p->gen = DEFAULT_GEN;
	p->rng = 1;
	p->next_id = 1;
	while ((c = getopt_long(argc, argv, "s:n:S:g:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': size = parse_size(optarg); break;
		case 'n':
			if (!hastor_valid_name(optarg, strlen(optarg) + 1, NULL) ||
			    strlen(optarg) >= HASTOR_POOL_NAME_LEN)
				die("bad pool name %s", optarg);
			strcpy(p->name, optarg);
			break;
		case 'S': p->rng = strtoull(optarg, NULL, 0); break;
		case 'g': p->gen = strtoull(optarg, NULL, 0); break;
		case 'f': p->fanout = strtoul(optarg, NULL, 0); break;
		case O_OLD: p->old_super = true; break;
		case O_CORRUPT: bad = optarg; break;
		case O_LIST:
			for (i = 0; i < (int)(sizeof(corruptions) /
					      sizeof(corruptions[0])); i++)
				puts(corruptions[i].name);
			return 0;
		case O_SELFTEST: return csum_selftest();
		case 'h': usage(stdout); return 0;
		case O_VOL: case O_SNAP: case O_CLONE: case O_WRITE:
			ops[nops].what = c;
			ops[nops++].arg = optarg;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (p->gen < 2 || (p->fanout && p->fanout < 2) || optind >= argc) {
		usage(stderr);
		return 2;
	}
	open_images(p, argc - optind, argv + optind, size);
	make_uuids(p);
	for (i = 0; i < nops; i++)
		run_op(p, &ops[i]);
	build_voltab(p);
	build_refcounts(p);
	fill_refcounts(p);
	make_labels(p);
	seal_all(p);
	make_super(p);
	if (bad)
		corrupt(p, bad);
	write_all(p);
	for (i = 0; i < (int)p->nr; i++)
		close(p->fd[i]);
	for (b = 0; b < p->total; b++)
		free(p->blk[b]);
	free(p->blk);
	free(p->rc);
	free(p->reserve);
	free(p->chunk_blk);
	free(p->vols);
	free(ops);
	return 0;
}
