// SPDX-License-Identifier: GPL-2.0
/*
 * hactl pool check DISK...: offline verifier of the on-disk format.  It
 * reads only the disks and checks every invariant listed in
 * Documentation/ondisk-format.md, "What hactl pool check verifies".
 *
 * The input may be any garbage, so every count read from disk is bounded
 * before it is used, every PVBN is range-checked, trees are walked with a
 * depth limit and cycle detection, and memory is proportional to the
 * pool's real size (labels that claim more than the disks hold stop the
 * check before anything is allocated).
 *
 * A block whose header fails only its checksum, blocknr, uuid or
 * generation is still read when its magic and layout make sense, so that
 * one damaged block gives one finding rather than a cascade of reference
 * count errors for everything below it.
 *
 * Findings carry a short check name (the "check" of -j) that tests and
 * scripts may rely on:
 *   disks:      io, no-label, label-copy (warning), version, incompat,
 *               members, pool-name, pool-uuid, data-area, disk-size
 *   superblock: no-super, super-copy (warning), super-slot, total-blocks,
 *               snap-time, nr-volumes, next-vol-id, limits
 *   blocks:     csum, magic, blocknr, pool-uuid, generation, pvbn-range,
 *               kind
 *   B-trees:    tree-type, level, flags, value-size, max-entries,
 *               nr-entries, key-order, key-range, cycle
 *   volumes:    vol-id, vol-flags, vol-name, vol-parent, mapped-blocks,
 *               map-size, reserved, absent, snap-time
 *   counts:     refmap, refcount, refcount-tail, used-blocks, meta-blocks
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
#include "hactl.h"
#include "output.h"
#include "pool.h"

/* 250^9 > 2^64 keys: no real tree is deeper than 9 levels. */
#define MAX_LEVEL		8
/* Memory is a u32 and a byte per PVBN: cap it, 2^32 blocks = 16 TiB. */
#define MAX_TOTAL_BLOCKS	(1ULL << 32)
/* Garbage could yield millions of findings; the rest are only counted. */
#define MAX_FINDINGS		1000

/* What a PVBN was referenced as; one byte per PVBN. */
enum kind {
	K_NONE,
	K_DATA,
	K_MAPPING,
	K_VOLTAB,
	K_REFMAP,
	K_REFCNT,
};

static const char *const kind_names[] = {
	[K_NONE]    = "unreferenced block",
	[K_DATA]    = "data block",
	[K_MAPPING] = "mapping tree node",
	[K_VOLTAB]  = "volume table node",
	[K_REFMAP]  = "refcount index node",
	[K_REFCNT]  = "refcount block",
};

struct finding {
	bool warning;
	const char *check;	/* static */
	char *where;
	char *detail;
};

struct disk {
	const char *path;
	int fd;
	uint64_t size_blocks;
	struct hastor_label_copies lc;
	const struct hastor_label *label;	/* the copy used, or NULL */
};

struct vol {
	struct hastor_vol_record rec;
	uint64_t key;
	char name[HASTOR_VOL_NAME_LEN];	/* printable copy for messages */
	bool root_ok;			/* mapping_root may be walked */
};

/* What a distinct B-tree node contributes; found by PVBN via a hash. */
struct node {
	uint64_t pvbn;
	uint64_t entries;	/* leaf entries below, for mapped_blocks */
	uint64_t min_key, max_key;
	uint32_t level;
	int32_t owner;		/* index in vols for mapping trees, or -1 */
	uint8_t tree;
	bool done;		/* false while its subtree is being walked */
	bool usable;		/* its pointers were read */
	bool complete;		/* and so were all its descendants' */
	bool has_keys;
};

struct stats {
	uint64_t nodes[4];	/* by tree type */
	uint64_t refcnt_blocks, data_blocks, used, meta;
	uint64_t volumes, snapshots, clones;
};

struct check {
	struct hactl *ctx;
	bool verbose;

	struct disk disks[HASTOR_MAX_MEMBERS];
	unsigned int nr_disks;
	struct disk *member[HASTOR_MAX_MEMBERS];
	const struct hastor_label *ref;	/* the label others must agree with */
	const struct disk *ref_disk;
	struct hastor_layout lay;

	struct hastor_super sb;
	struct disk *sb_disk;
	int sb_slot;
	uint64_t gen;
	uint64_t total;

	uint32_t *expected;	/* per PVBN */
	uint8_t *kind;		/* per PVBN, enum kind */
	struct node *nodes;
	size_t nr_nodes, cap_nodes;
	uint32_t *hash;		/* index + 1 into nodes; 0 = empty */
	size_t hash_size;
	struct vol *vols;
	size_t nr_vols, cap_vols;
	uint64_t *chunk_blk;	/* chunk -> refcount block PVBN */
	uint64_t nr_chunks;
	struct rc_index {	/* refcount block PVBN -> chunk, sorted */
		uint64_t pvbn, chunk;
	} *rc_index;
	uint64_t nr_rc_index;
	size_t *vol_by_key;	/* indexes of vols, sorted by key */
	/* Some pointer could not be followed: counts may be too low. */
	bool incomplete;

	unsigned char bufs[MAX_LEVEL + 2][HASTOR_BLOCK_SIZE]
		__attribute__((aligned(8)));

	struct finding *f;
	size_t nr_f, cap_f, errors, warnings;
	struct stats st;
	bool oom;
};

/* Findings */

static char *xstrdup(struct check *c, const char *s)
{
	char *d = strdup(s);

	if (!d)
		c->oom = true;
	return d;
}

static void add_finding(struct check *c, bool warning, const char *where,
			const char *check, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add_finding(struct check *c, bool warning, const char *where,
			const char *check, const char *fmt, ...)
{
	struct finding *f;
	char detail[512];
	va_list ap;

	if (warning)
		c->warnings++;
	else
		c->errors++;
	if (c->nr_f >= MAX_FINDINGS)
		return;
	if (c->nr_f == c->cap_f) {
		size_t cap = c->cap_f ? 2 * c->cap_f : 64;

		f = realloc(c->f, cap * sizeof(*f));
		if (!f) {
			c->oom = true;
			return;
		}
		c->f = f;
		c->cap_f = cap;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	f = &c->f[c->nr_f++];
	f->warning = warning;
	f->check = check;
	f->where = xstrdup(c, where);
	f->detail = xstrdup(c, detail);
}

#define ERR(c, where, check, ...) \
	add_finding(c, false, where, check, __VA_ARGS__)
#define WARN(c, where, check, ...) \
	add_finding(c, true, where, check, __VA_ARGS__)

/* Names stored on disk are printed: keep them printable. */
static void printable(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"') ?
			 src[i] : '?';
	dst[i] = '\0';
}

static const char *where_disk(const struct disk *d, char *buf, size_t len)
{
	if (d->label)
		snprintf(buf, len, "disk %s (member %u)", d->path,
			 le32toh(d->label->member_index));
	else
		snprintf(buf, len, "disk %s", d->path);
	return buf;
}

static const char *where_vol(const struct vol *v, char *buf, size_t len)
{
	snprintf(buf, len, "volume %" PRIu64 " \"%s\"", (uint64_t)v->key,
		 v->name);
	return buf;
}

static struct node *node_find(struct check *c, uint64_t pvbn);

/* The chunk a refcount block holds, once the index exists; or -1. */
static int64_t chunk_of_block(const struct check *c, uint64_t pvbn)
{
	uint64_t lo = 0, hi = c->nr_rc_index, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->rc_index[mid].pvbn == pvbn)
			return (int64_t)c->rc_index[mid].chunk;
		if (c->rc_index[mid].pvbn < pvbn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int cmp_rc_index(const void *a, const void *b)
{
	const struct rc_index *x = a, *y = b;

	return x->pvbn < y->pvbn ? -1 : x->pvbn > y->pvbn;
}

/* Built once the REFMAP is walked, so messages can name chunks. */
static void index_chunks(struct check *c)
{
	uint64_t i, n = 0;

	c->rc_index = malloc((c->nr_chunks + 1) * sizeof(*c->rc_index));
	if (!c->rc_index) {
		c->oom = true;
		return;
	}
	for (i = 0; i < c->nr_chunks; i++)
		if (c->chunk_blk[i] != HASTOR_NO_BLOCK) {
			c->rc_index[n].pvbn = c->chunk_blk[i];
			c->rc_index[n++].chunk = i;
		}
	qsort(c->rc_index, n, sizeof(*c->rc_index), cmp_rc_index);
	c->nr_rc_index = n;
}

/* "pvbn 12 (btree node, mapping tree of volume 3 "db")" and the like. */
static const char *where_pvbn(struct check *c, uint64_t pvbn, char *buf,
			      size_t len)
{
	enum kind k = pvbn < c->total ? c->kind[pvbn] : K_NONE;
	struct node *n;
	int64_t chunk;

	switch (k) {
	case K_MAPPING:
		n = node_find(c, pvbn);
		if (n && n->owner >= 0) {
			const struct vol *v = &c->vols[n->owner];

			snprintf(buf, len, "pvbn %" PRIu64 " (btree node, "
				 "mapping tree of volume %" PRIu64 " \"%s\")",
				 pvbn, v->key, v->name);
			return buf;
		}
		snprintf(buf, len, "pvbn %" PRIu64 " (btree node, mapping tree)",
			 pvbn);
		return buf;
	case K_VOLTAB:
		snprintf(buf, len, "pvbn %" PRIu64 " (btree node, volume table)",
			 pvbn);
		return buf;
	case K_REFMAP:
		snprintf(buf, len, "pvbn %" PRIu64
			 " (btree node, refcount index)", pvbn);
		return buf;
	case K_REFCNT:
		chunk = chunk_of_block(c, pvbn);
		if (chunk >= 0) {
			snprintf(buf, len, "pvbn %" PRIu64
				 " (refcount block, chunk %" PRId64 ")", pvbn,
				 chunk);
			return buf;
		}
		break;
	default:
		break;
	}
	snprintf(buf, len, "pvbn %" PRIu64 " (%s)", pvbn, kind_names[k]);
	return buf;
}

static const char *where_super(const struct check *c, int slot, char *buf,
			       size_t len)
{
	snprintf(buf, len, "disk %s block %d (superblock slot %c)",
		 c->sb_disk->path, HASTOR_SUPER_BLOCK + slot, 'A' + slot);
	return buf;
}

/* Disks and labels */

static int open_disks(struct check *c, int argc, char **argv)
{
	struct disk *d;
	char w[512];
	int i, err;

	if (argc > HASTOR_MAX_MEMBERS)
		return hactl_usage_error(c->ctx, "at most %d disks",
					 HASTOR_MAX_MEMBERS);
	for (i = 0; i < argc; i++) {
		d = &c->disks[c->nr_disks++];
		d->path = argv[i];
		d->fd = open(d->path, O_RDONLY | O_CLOEXEC);
		if (d->fd < 0) {
			ERR(c, where_disk(d, w, sizeof(w)), "io", "open: %s",
			    strerror(errno));
			continue;
		}
		err = hastor_disk_blocks(d->fd, &d->size_blocks);
		if (err)
			ERR(c, where_disk(d, w, sizeof(w)), "io", "size: %s",
			    strerror(-err));
	}
	return 0;
}

struct label_ctx {
	struct check *c;
	const char *where;
};

static void label_report(void *arg, int err, const char *why)
{
	struct label_ctx *lc = arg;

	ERR(lc->c, lc->where, hastor_err_name(err), "%s", why);
}

/*
 * One bad copy is a warning: the label is written copy 0, flush, copy
 * 1, so a crash during a label update legitimately leaves one copy torn
 * and import uses the other.  No valid copy at all is an error.
 */
static void read_label(struct check *c, struct disk *d)
{
	struct hastor_label_copies *lc = &d->lc;
	struct label_ctx rc = { c, NULL };
	char w[512], wc[600];
	int i;

	if (d->fd < 0)
		return;
	where_disk(d, w, sizeof(w));
	if (hastor_read_label_copies(d->fd, lc) < 0) {
		ERR(c, w, "no-label", "no valid label: copy A: %s; copy B: %s",
		    lc->why[0], lc->why[1]);
		return;
	}
	d->label = &lc->copy[lc->best];
	where_disk(d, w, sizeof(w));
	for (i = 0; i < 2; i++) {
		if (lc->err[i])
			WARN(c, w, "label-copy",
			     "label copy %c (block %d) invalid, using copy %c: %s",
			     'A' + i, HASTOR_LABEL_BLOCK + i, 'A' + lc->best,
			     lc->why[i]);
		else if (c->verbose && !out_json())
			printf("checked %s block %d: label copy %c, generation %"
			       PRIu64 "\n", w, i, 'A' + i,
			       (uint64_t)le64toh(lc->copy[i].hdr.generation));
	}
	snprintf(wc, sizeof(wc), "%s label", w);
	rc.where = wc;
	hastor_check_label(d->label, label_report, &rc);
}

static bool same_members(const struct hastor_label *a,
			 const struct hastor_label *b, uint32_t n)
{
	return !memcmp(a->members, b->members, 16 * (size_t)n);
}

/* The pool uuid, name, member_count and members must agree everywhere. */
static bool check_agreement(struct check *c, struct disk *d)
{
	const struct hastor_label *l = d->label, *r = c->ref;
	uint32_t n = le32toh(r->member_count);
	bool ok = true;
	char w[512];

	where_disk(d, w, sizeof(w));
	if (memcmp(l->hdr.pool_uuid, r->hdr.pool_uuid, 16)) {
		ERR(c, w, "pool-uuid", "belongs to another pool than %s",
		    c->ref_disk->path);
		return false;
	}
	if (strncmp(l->pool_name, r->pool_name, HASTOR_POOL_NAME_LEN))
		ERR(c, w, "pool-name", "pool name differs from the other disks'");
	if (le32toh(l->member_count) != n) {
		ERR(c, w, "members", "member_count %u, other disks say %u",
		    le32toh(l->member_count), n);
		ok = false;
	} else if (n <= HASTOR_MAX_MEMBERS && !same_members(l, r, n)) {
		ERR(c, w, "members", "members list differs from the other disks'");
	}
	return ok;
}

/* Members 0..n-1 present once each; false if the pool cannot be read. */
static bool assign_members(struct check *c)
{
	uint32_t n = le32toh(c->ref->member_count), idx, i;
	bool ok = true, others_ok;
	char w[512];

	if (n < 1 || n > HASTOR_MAX_MEMBERS)
		return false;	/* reported by hastor_check_label() */
	for (i = 0; i < c->nr_disks; i++) {
		struct disk *d = &c->disks[i];

		if (!d->label || !check_agreement(c, d)) {
			ok = false;
			continue;
		}
		idx = le32toh(d->label->member_index);
		if (idx >= n) {
			ok = false;	/* reported with the label */
		} else if (c->member[idx]) {
			ERR(c, where_disk(d, w, sizeof(w)), "members",
			    "member %u is also %s", idx, c->member[idx]->path);
			ok = false;
		} else {
			c->member[idx] = d;
		}
	}
	/* Missing members are news only if every disk given made sense. */
	others_ok = ok;
	for (i = 0; i < n; i++)
		if (!c->member[i]) {
			if (others_ok)
				ERR(c, "pool", "members", "member %u of %u is "
				    "not among the disks given", i, n);
			ok = false;
		}
	return ok;
}

/* pvbn_start, the disk's size, the data area: what placement relies on. */
static bool check_placement(struct check *c)
{
	const struct hastor_label *labels[HASTOR_MAX_MEMBERS] = { NULL };
	uint32_t n = le32toh(c->ref->member_count), i;
	uint64_t start, blocks, disk;
	bool ok = true;
	char w[512];

	for (i = 0; i < n; i++)
		labels[i] = c->member[i]->label;
	if (hastor_layout_init(&c->lay, labels, n)) {
		ERR(c, "pool", "data-area", "data areas add up beyond 2^64");
		return false;
	}
	for (i = 0; i < n; i++) {
		struct disk *d = c->member[i];
		const struct hastor_label *l = d->label;

		where_disk(d, w, sizeof(w));
		start = le64toh(l->data_start);
		blocks = le64toh(l->data_blocks);
		disk = le64toh(l->disk_blocks);
		if (le64toh(l->pvbn_start) != c->lay.m[i].pvbn_start)
			ERR(c, w, "data-area", "pvbn_start %" PRIu64
			    ", the data areas before it add up to %" PRIu64,
			    (uint64_t)le64toh(l->pvbn_start),
			    c->lay.m[i].pvbn_start);
		if (d->size_blocks < disk) {
			ERR(c, w, "disk-size", "%" PRIu64 " blocks long, "
			    "labelled with %" PRIu64, d->size_blocks, disk);
			ok = false;
		}
		/* Reported by the label check; but reads would miss. */
		if (start < HASTOR_RESERVED_BLOCKS || start > d->size_blocks ||
		    blocks > d->size_blocks - start)
			ok = false;
	}
	return ok;
}

static bool check_disks(struct check *c)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < c->nr_disks; i++) {
		read_label(c, &c->disks[i]);
		if (!c->disks[i].label)
			ok = false;
		else if (le32toh(c->disks[i].label->version) !=
			 HASTOR_FORMAT_VERSION)
			ok = false;	/* nothing else can be interpreted */
	}
	/* Member 0 if given, else the first disk with a label. */
	for (i = 0; i < c->nr_disks && !c->ref_disk; i++)
		if (c->disks[i].label &&
		    le32toh(c->disks[i].label->member_index) == 0)
			c->ref_disk = &c->disks[i];
	for (i = 0; i < c->nr_disks && !c->ref_disk; i++)
		if (c->disks[i].label)
			c->ref_disk = &c->disks[i];
	if (c->ref_disk)
		c->ref = c->ref_disk->label;
	if (!ok || !c->ref)
		return false;
	if (!assign_members(c))
		return false;
	return check_placement(c);
}

/* Superblock */

/*
 * Reads slot s into sb.  Returns 1 if valid, 0 if never written (all
 * zero: a young pool), -1 if damaged (a warning unless both are).
 */
static int read_super_slot(struct check *c, int s, struct hastor_super *sb,
			   char *why, size_t whylen)
{
	unsigned char *buf = c->bufs[0];
	int err;

	err = hastor_read_block(c->sb_disk->fd, HASTOR_SUPER_BLOCK + s, buf);
	if (err) {
		snprintf(why, whylen, "read: %s", strerror(-err));
		return -1;
	}
	if (hastor_block_is_zero(buf)) {
		snprintf(why, whylen, "never written");
		return 0;
	}
	memcpy(sb, buf, sizeof(*sb));
	if (hastor_check_header(buf, HASTOR_SUPER_MAGIC, HASTOR_SUPER_BLOCK + s,
				c->ref->hdr.pool_uuid, UINT64_MAX, why, whylen))
		return -1;
	return 1;
}

static bool pick_super(struct check *c)
{
	struct hastor_super sb[2];
	char why[2][256], w[512];
	int st[2], s, best = -1;
	uint64_t g[2] = { 0, 0 };

	c->sb_disk = c->member[0];
	for (s = 0; s < 2; s++) {
		st[s] = read_super_slot(c, s, &sb[s], why[s], sizeof(why[s]));
		if (st[s] <= 0)
			continue;
		g[s] = le64toh(sb[s].hdr.generation);
		if (c->verbose && !out_json())
			printf("checked %s: generation %" PRIu64 "\n",
			       where_super(c, s, w, sizeof(w)), g[s]);
		if (g[s] % 2 != (uint64_t)s)
			ERR(c, where_super(c, s, w, sizeof(w)), "super-slot",
			    "generation %" PRIu64 " belongs in slot %c", g[s],
			    'A' + (int)(g[s] % 2));
		if (best < 0 || g[s] > g[best])
			best = s;
	}
	if (best < 0) {
		snprintf(w, sizeof(w), "disk %s blocks %d, %d (superblock slots)",
			 c->sb_disk->path, HASTOR_SUPER_BLOCK,
			 HASTOR_SUPER_BLOCK + 1);
		ERR(c, w, "no-super", "no valid superblock: slot A: %s; "
		    "slot B: %s", why[0], why[1]);
		return false;
	}
	if (st[0] > 0 && st[1] > 0 && g[0] == g[1])
		ERR(c, where_super(c, 1, w, sizeof(w)), "super-slot",
		    "both slots hold generation %" PRIu64, g[0]);
	for (s = 0; s < 2; s++)
		if (st[s] < 0)
			WARN(c, where_super(c, s, w, sizeof(w)), "super-copy",
			     "invalid, using slot %c: %s", 'A' + best, why[s]);
	c->sb = sb[best];
	c->sb_slot = best;
	c->gen = g[best];
	return true;
}

static bool check_super(struct check *c)
{
	const struct hastor_super *sb = &c->sb;
	uint32_t incompat;
	char w[512];

	if (!pick_super(c))
		return false;
	where_super(c, c->sb_slot, w, sizeof(w));
	if (le32toh(sb->version) != HASTOR_FORMAT_VERSION) {
		ERR(c, w, "version", "format version %u, this tool knows %u",
		    le32toh(sb->version), HASTOR_FORMAT_VERSION);
		return false;
	}
	incompat = le32toh(sb->incompat);
	if (incompat & ~HASTOR_INCOMPAT_KNOWN)
		ERR(c, w, "incompat", "unknown incompat features 0x%x",
		    incompat & ~HASTOR_INCOMPAT_KNOWN);
	if (le32toh(sb->member_count) != le32toh(c->ref->member_count))
		ERR(c, w, "members", "member_count %u, the labels say %u",
		    le32toh(sb->member_count), le32toh(c->ref->member_count));
	if (le64toh(sb->total_blocks) != c->lay.total_blocks)
		ERR(c, w, "total-blocks", "total_blocks %" PRIu64
		    ", the data areas hold %" PRIu64,
		    (uint64_t)le64toh(sb->total_blocks), c->lay.total_blocks);
	if (le32toh(sb->snap_time) > HASTOR_MAP_TIME_MAX)
		ERR(c, w, "snap-time", "snap_time %u above %u",
		    le32toh(sb->snap_time), HASTOR_MAP_TIME_MAX);
	if (!le64toh(sb->next_vol_id))
		ERR(c, w, "next-vol-id", "next_vol_id is 0; ids start at 1");
	/* The data areas are the truth: they are what PVBNs map onto. */
	c->total = c->lay.total_blocks;
	if (c->total > MAX_TOTAL_BLOCKS) {
		ERR(c, "pool", "limits", "%" PRIu64 " blocks; this checker "
		    "handles at most 2^32", c->total);
		return false;
	}
	return true;
}

/* Node index: open addressing on PVBN, grown at half full. */

static size_t hash_slot(uint64_t pvbn, size_t size)
{
	return (size_t)((pvbn * 0x9e3779b97f4a7c15ULL) >> 16) & (size - 1);
}

static struct node *node_find(struct check *c, uint64_t pvbn)
{
	size_t i;

	if (!c->hash_size)
		return NULL;
	for (i = hash_slot(pvbn, c->hash_size); c->hash[i];
	     i = (i + 1) & (c->hash_size - 1))
		if (c->nodes[c->hash[i] - 1].pvbn == pvbn)
			return &c->nodes[c->hash[i] - 1];
	return NULL;
}

static bool hash_grow(struct check *c)
{
	size_t size = c->hash_size ? 2 * c->hash_size : 1024, i, j;
	uint32_t *h = calloc(size, sizeof(*h));

	if (!h)
		return false;
	for (i = 0; i < c->nr_nodes; i++) {
		for (j = hash_slot(c->nodes[i].pvbn, size); h[j];
		     j = (j + 1) & (size - 1))
			;
		h[j] = i + 1;
	}
	free(c->hash);
	c->hash = h;
	c->hash_size = size;
	return true;
}

/* Returns the new node's index, or -1 when out of memory. */
static ssize_t node_add(struct check *c, uint64_t pvbn, uint8_t tree,
			int32_t owner)
{
	struct node *n;
	size_t i;

	if (c->nr_nodes == c->cap_nodes) {
		size_t cap = c->cap_nodes ? 2 * c->cap_nodes : 256;

		n = realloc(c->nodes, cap * sizeof(*n));
		if (!n)
			return -1;
		c->nodes = n;
		c->cap_nodes = cap;
	}
	if (2 * (c->nr_nodes + 1) > c->hash_size && !hash_grow(c))
		return -1;
	n = &c->nodes[c->nr_nodes];
	memset(n, 0, sizeof(*n));
	n->pvbn = pvbn;
	n->tree = tree;
	n->owner = owner;
	for (i = hash_slot(pvbn, c->hash_size); c->hash[i];
	     i = (i + 1) & (c->hash_size - 1))
		;
	c->hash[i] = ++c->nr_nodes;
	return (ssize_t)c->nr_nodes - 1;
}

/* Pointers and blocks */

static const enum kind tree_kind[] = {
	[HASTOR_TREE_MAPPING] = K_MAPPING,
	[HASTOR_TREE_VOLTAB] = K_VOLTAB,
	[HASTOR_TREE_REFMAP] = K_REFMAP,
};

/*
 * Counts one pointer to pvbn, which should be a block of kind k; what
 * names the pointer ("child 3") inside from (where it is stored).
 * Returns false if the pointer must not be followed.
 */
static bool count_ptr(struct check *c, uint64_t pvbn, enum kind k,
		      const char *from, const char *what)
{
	char w[512];

	if (pvbn >= c->total) {
		ERR(c, from, "pvbn-range", "%s points to pvbn %" PRIu64
		    ", beyond the pool's %" PRIu64 " blocks", what, pvbn,
		    c->total);
		c->incomplete = true;
		return false;
	}
	if (c->expected[pvbn] < UINT32_MAX)
		c->expected[pvbn]++;
	if (c->kind[pvbn] == K_NONE) {
		c->kind[pvbn] = k;
		if (k == K_DATA)
			c->st.data_blocks++;
	} else if (c->kind[pvbn] != k) {
		ERR(c, where_pvbn(c, pvbn, w, sizeof(w)), "kind",
		    "also referenced as a %s, by %s of %s", kind_names[k], what,
		    from);
		c->incomplete = true;
		return false;
	}
	return true;
}

/* Reads a PVBN; false (after a finding) if that is impossible. */
static bool read_pvbn(struct check *c, uint64_t pvbn, void *buf)
{
	unsigned int m;
	uint64_t blk;
	char w[512];
	int err;

	if (hastor_pvbn_map(&c->lay, pvbn, &m, &blk))
		err = -ERANGE;
	else
		err = hastor_read_block(c->member[m]->fd, blk, buf);
	if (err) {
		ERR(c, where_pvbn(c, pvbn, w, sizeof(w)), "io", "read: %s",
		    strerror(-err));
		c->incomplete = true;
		return false;
	}
	return true;
}

/* Header checks of a metadata block; false if its content is not it. */
static bool check_block(struct check *c, uint64_t pvbn, const void *buf,
			uint32_t magic)
{
	char why[256], w[512];
	int err;

	err = hastor_check_header(buf, magic, pvbn, c->ref->hdr.pool_uuid,
				  c->gen, why, sizeof(why));
	if (!err)
		return true;
	ERR(c, where_pvbn(c, pvbn, w, sizeof(w)), hastor_err_name(err), "%s",
	    why);
	return err != HASTOR_E_MAGIC;
}

/* B-trees */

/* What the parent (or root pointer) expects of a node. */
struct expect {
	uint8_t tree;
	bool root;
	uint32_t level;		/* when !root */
	int32_t owner;		/* volume index for mapping trees */
};

static const char *const tree_names[] = {
	[HASTOR_TREE_MAPPING] = "mapping",
	[HASTOR_TREE_VOLTAB] = "volume table",
	[HASTOR_TREE_REFMAP] = "refcount index",
};

/* Header fields of a node; false if its entries cannot be read. */
static bool check_node_layout(struct check *c, const char *w,
			      const struct hastor_btree_node *n,
			      const struct expect *e)
{
	uint32_t type = le32toh(n->tree_type), level = le32toh(n->level);
	uint32_t flags = le32toh(n->flags), nr = le32toh(n->nr_entries);
	uint32_t max = le32toh(n->max_entries), vs = le32toh(n->value_size);
	bool leaf = flags & HASTOR_BTREE_LEAF;

	if (type != e->tree) {
		ERR(c, w, "tree-type", "tree_type %u, expected %u (%s)", type,
		    e->tree, tree_names[e->tree]);
		return false;
	}
	if (e->root && level > MAX_LEVEL) {
		ERR(c, w, "level", "root at level %u, deeper than any tree "
		    "can be (%u)", level, MAX_LEVEL);
		return false;
	}
	if (!e->root && level != e->level) {
		ERR(c, w, "level", "level %u, its parent is at level %u",
		    level, e->level + 1);
		return false;
	}
	if (leaf != (level == 0)) {
		ERR(c, w, "level", "level %u with the leaf flag %s", level,
		    leaf ? "set" : "clear");
		return false;
	}
	if (flags & ~HASTOR_BTREE_LEAF)
		ERR(c, w, "flags", "unknown flags 0x%x",
		    flags & ~HASTOR_BTREE_LEAF);
	if (vs != hastor_btree_value_size(type, level)) {
		ERR(c, w, "value-size", "value_size %u, a %s at level %u has %u",
		    vs, tree_names[type], level,
		    hastor_btree_value_size(type, level));
		return false;
	}
	if (max != HASTOR_BTREE_MAX(vs)) {
		ERR(c, w, "max-entries", "max_entries %u, must be %u for "
		    "value_size %u", max, HASTOR_BTREE_MAX(vs), vs);
		return false;
	}
	if (nr > max) {
		ERR(c, w, "nr-entries", "nr_entries %u above max_entries %u",
		    nr, max);
		return false;
	}
	if (!nr && !e->root)
		ERR(c, w, "nr-entries", "empty node that is not a root");
	return true;
}

static void check_key_order(struct check *c, const char *w,
			    const struct hastor_btree_node *n, uint32_t nr)
{
	uint64_t prev, key;
	uint32_t i;

	for (i = 1; i < nr; i++) {
		prev = hastor_btree_key_get(n, i - 1);
		key = hastor_btree_key_get(n, i);
		if (key <= prev) {
			ERR(c, w, "key-order", "keys not increasing at entry %u "
			    "(key %" PRIu64 " after %" PRIu64 ")", i, key, prev);
			return;	/* one finding per node is enough */
		}
	}
}

static void note_keys(struct node *n, uint64_t lo, uint64_t hi)
{
	if (!n->has_keys || lo < n->min_key)
		n->min_key = lo;
	if (!n->has_keys || hi > n->max_key)
		n->max_key = hi;
	n->has_keys = true;
}

static void mapping_leaf(struct check *c, const char *w,
			 const struct hastor_btree_node *n, uint32_t nr)
{
	uint32_t snap_time = le32toh(c->sb.snap_time), i, t;
	bool absent_ok = le32toh(c->sb.incompat) & HASTOR_INCOMPAT_ABSENT;
	uint64_t v, key;
	char what[96];

	for (i = 0; i < nr; i++) {
		v = hastor_btree_u64(n, i);
		key = hastor_btree_key_get(n, i);
		snprintf(what, sizeof(what), "entry %u (block %" PRIu64 ")",
			 i, key);
		if (v & HASTOR_MAP_RESERVED)
			ERR(c, w, "reserved", "%s: reserved bits set in mapping "
			    "0x%" PRIx64, what, v);
		t = v >> HASTOR_MAP_TIME_SHIFT;
		if (t > snap_time)
			ERR(c, w, "snap-time", "%s: written at time %u, after "
			    "the pool's snap_time %u", what, t, snap_time);
		if (!(v & HASTOR_MAP_ABSENT)) {
			count_ptr(c, v & HASTOR_MAP_PVBN_MASK, K_DATA, w, what);
			continue;
		}
		if (!absent_ok)
			ERR(c, w, "absent", "%s: ABSENT mapping in a pool "
			    "without the ABSENT feature", what);
		if (v & HASTOR_MAP_PVBN_MASK)
			ERR(c, w, "absent", "%s: ABSENT mapping with PVBN bits "
			    "0x%" PRIx64, what, (uint64_t)(v & HASTOR_MAP_PVBN_MASK));
	}
}

static void voltab_leaf(struct check *c, const char *w,
			const struct hastor_btree_node *n, uint32_t nr)
{
	struct vol *v;
	uint64_t root;
	char vw[256];
	uint32_t i;

	for (i = 0; i < nr; i++) {
		if (c->nr_vols == c->cap_vols) {
			size_t cap = c->cap_vols ? 2 * c->cap_vols : 16;

			v = realloc(c->vols, cap * sizeof(*v));
			if (!v) {
				c->oom = true;
				return;
			}
			c->vols = v;
			c->cap_vols = cap;
		}
		v = &c->vols[c->nr_vols++];
		memcpy(&v->rec, hastor_btree_value(n, i), sizeof(v->rec));
		v->key = hastor_btree_key_get(n, i);
		printable(v->name, v->rec.name, sizeof(v->name));
		where_vol(v, vw, sizeof(vw));
		if (le64toh(v->rec.id) != v->key)
			ERR(c, vw, "vol-id", "record id %" PRIu64 " under key %"
			    PRIu64 " (in %s)", (uint64_t)le64toh(v->rec.id),
			    v->key, w);
		root = le64toh(v->rec.mapping_root);
		v->root_ok = root != HASTOR_NO_BLOCK &&
			     count_ptr(c, root, K_MAPPING, vw, "mapping root");
	}
}

static void refmap_leaf(struct check *c, const char *w,
			const struct hastor_btree_node *n, uint32_t nr)
{
	uint64_t chunk, blk;
	char what[96];
	uint32_t i;

	for (i = 0; i < nr; i++) {
		chunk = hastor_btree_key_get(n, i);
		blk = hastor_btree_u64(n, i);
		snprintf(what, sizeof(what), "entry %u (chunk %" PRIu64 ")", i,
			 chunk);
		if (!count_ptr(c, blk, K_REFCNT, w, what))
			continue;
		if (chunk >= c->nr_chunks)
			ERR(c, w, "refmap", "entry %u: chunk %" PRIu64
			    " beyond the pool's %" PRIu64 " chunks", i, chunk,
			    c->nr_chunks);
		else if (c->chunk_blk[chunk] != HASTOR_NO_BLOCK)
			ERR(c, w, "refmap", "entry %u: chunk %" PRIu64
			    " indexed twice", i, chunk);
		else
			c->chunk_blk[chunk] = blk;
	}
}

static ssize_t walk_node(struct check *c, uint64_t pvbn,
			 const struct expect *e, unsigned int depth);

/* Child i of an internal node: count, walk, check its key range. */
static void walk_child(struct check *c, size_t idx, const char *w,
		       const struct hastor_btree_node *n, uint32_t i,
		       uint32_t nr, const struct expect *e, unsigned int depth)
{
	uint64_t child = hastor_btree_u64(n, i);
	uint64_t lo = hastor_btree_key_get(n, i), hi = 0;
	bool has_hi = i + 1 < nr;
	struct node *cn, *pn;
	ssize_t ci;
	char what[64];

	snprintf(what, sizeof(what), "child %u", i);
	if (!count_ptr(c, child, tree_kind[e->tree], w, what)) {
		c->nodes[idx].complete = false;
		return;
	}
	ci = walk_node(c, child, e, depth + 1);
	pn = &c->nodes[idx];	/* walk_node may have moved the array */
	if (ci < 0) {
		pn->complete = false;
		return;
	}
	cn = &c->nodes[ci];
	if (has_hi)
		hi = hastor_btree_key_get(n, i + 1);
	if (cn->has_keys && (cn->min_key < lo || (has_hi && cn->max_key >= hi)))
		ERR(c, w, "key-range", "child %u (pvbn %" PRIu64 ") holds keys "
		    "%" PRIu64 "..%" PRIu64 ", outside [%" PRIu64 ", %s)", i,
		    child, cn->min_key, cn->max_key, lo,
		    has_hi ? "next key" : "end");
	if (cn->has_keys)
		note_keys(pn, cn->min_key, cn->max_key);
	pn->entries += cn->entries;
	if (!cn->complete)
		pn->complete = false;
}

static void walk_entries(struct check *c, size_t idx, const char *w,
			 const struct hastor_btree_node *n,
			 const struct expect *e, unsigned int depth)
{
	uint32_t nr = le32toh(n->nr_entries), level = le32toh(n->level), i;
	struct expect ce = { e->tree, false, level - 1, e->owner };

	check_key_order(c, w, n, nr);
	if (level == 0) {
		/* All keys, not the ends: the order may be broken. */
		for (i = 0; i < nr; i++)
			note_keys(&c->nodes[idx], hastor_btree_key_get(n, i),
				  hastor_btree_key_get(n, i));
		c->nodes[idx].entries = nr;
		if (e->tree == HASTOR_TREE_MAPPING)
			mapping_leaf(c, w, n, nr);
		else if (e->tree == HASTOR_TREE_VOLTAB)
			voltab_leaf(c, w, n, nr);
		else
			refmap_leaf(c, w, n, nr);
		return;
	}
	for (i = 0; i < nr; i++)
		walk_child(c, idx, w, n, i, nr, &ce, depth);
}

/*
 * Walks the node at pvbn (its pointer already counted) once: a node
 * reached again is shared and contributes nothing more, unless it is
 * still being walked, which makes it its own ancestor.  Returns its
 * index in c->nodes, or -1 if its entries could not be read.
 */
static ssize_t walk_node(struct check *c, uint64_t pvbn,
			 const struct expect *e, unsigned int depth)
{
	struct hastor_btree_node *n;
	struct node *nd = node_find(c, pvbn);
	char w[512];
	ssize_t idx;

	if (nd && !nd->done) {
		ERR(c, where_pvbn(c, pvbn, w, sizeof(w)), "cycle",
		    "node is its own ancestor in the %s tree",
		    tree_names[e->tree]);
		c->incomplete = true;
		return -1;
	}
	if (nd) {
		if (!e->root && nd->usable && nd->level != e->level) {
			ERR(c, where_pvbn(c, pvbn, w, sizeof(w)), "level",
			    "shared node at level %u also referenced from "
			    "level %u", nd->level, e->level + 1);
			return -1;
		}
		return nd->usable ? nd - c->nodes : -1;
	}
	if (depth > MAX_LEVEL + 1)
		return -1;	/* unreachable: levels strictly decrease */
	idx = node_add(c, pvbn, e->tree, e->owner);
	if (idx < 0) {
		c->oom = true;
		return -1;
	}
	n = (struct hastor_btree_node *)c->bufs[depth];
	where_pvbn(c, pvbn, w, sizeof(w));
	if (read_pvbn(c, pvbn, n) && check_block(c, pvbn, n, HASTOR_BTREE_MAGIC) &&
	    check_node_layout(c, w, n, e)) {
		nd = &c->nodes[idx];
		nd->usable = nd->complete = true;
		nd->level = le32toh(n->level);
		c->st.nodes[e->tree]++;
		if (c->verbose && !out_json())
			printf("checked %s: level %u, %u entries\n", w,
			       nd->level, le32toh(n->nr_entries));
		walk_entries(c, idx, w, n, e, depth);
	} else {
		c->incomplete = true;
	}
	c->nodes[idx].done = true;
	return c->nodes[idx].usable ? idx : -1;
}

/* Walks a tree from a root pointer already counted; index or -1. */
static ssize_t walk_tree(struct check *c, uint64_t root, uint8_t tree,
			 int32_t owner)
{
	struct expect e = { tree, true, 0, owner };

	return walk_node(c, root, &e, 0);
}

static void walk_super_root(struct check *c, uint64_t root, uint8_t tree)
{
	char w[512];

	if (root == HASTOR_NO_BLOCK)
		return;		/* an empty tree */
	where_super(c, c->sb_slot, w, sizeof(w));
	if (count_ptr(c, root, tree_kind[tree], w, tree == HASTOR_TREE_VOLTAB ?
		      "voltab_root" : "refmap_root"))
		walk_tree(c, root, tree, -1);
}

/* Volumes */

static int cmp_name(const void *a, const void *b)
{
	const struct vol *const *x = a, *const *y = b;

	return strncmp((*x)->rec.name, (*y)->rec.name, HASTOR_VOL_NAME_LEN);
}

static void check_unique_names(struct check *c)
{
	struct vol **v = malloc(c->nr_vols * sizeof(*v) + 1);
	char w[256];
	size_t i;

	if (!v) {
		c->oom = true;
		return;
	}
	for (i = 0; i < c->nr_vols; i++)
		v[i] = &c->vols[i];
	qsort(v, c->nr_vols, sizeof(*v), cmp_name);
	for (i = 1; i < c->nr_vols; i++)
		if (!cmp_name(&v[i - 1], &v[i]))
			ERR(c, where_vol(v[i], w, sizeof(w)), "vol-name",
			    "name also used by volume %" PRIu64, v[i - 1]->key);
	free(v);
}

/* qsort() has no context argument: the array being sorted is static. */
static const struct vol *sort_vols;

static int cmp_vol_key(const void *a, const void *b)
{
	uint64_t x = sort_vols[*(const size_t *)a].key;
	uint64_t y = sort_vols[*(const size_t *)b].key;

	return x < y ? -1 : x > y;
}

static void index_vols(struct check *c)
{
	size_t i;

	c->vol_by_key = malloc((c->nr_vols + 1) * sizeof(*c->vol_by_key));
	if (!c->vol_by_key) {
		c->oom = true;
		return;
	}
	for (i = 0; i < c->nr_vols; i++)
		c->vol_by_key[i] = i;
	sort_vols = c->vols;
	qsort(c->vol_by_key, c->nr_vols, sizeof(*c->vol_by_key), cmp_vol_key);
}

static const struct vol *find_vol(const struct check *c, uint64_t id)
{
	size_t lo = 0, hi = c->vol_by_key ? c->nr_vols : 0, mid;
	const struct vol *v;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		v = &c->vols[c->vol_by_key[mid]];
		if (v->key == id)
			return v;
		if (v->key < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A snapshot is "PARENT@SNAP"; volumes and clones have no '@'. */
static void check_vol_name(struct check *c, const char *w, const struct vol *v,
			   const struct vol *parent, bool snap)
{
	const char *name = v->rec.name;
	const char *at = memchr(name, '@', HASTOR_VOL_NAME_LEN);
	size_t plen;

	if (!hastor_valid_name(name, HASTOR_VOL_NAME_LEN, snap ? "@" : NULL) ||
	    (snap && (!at || at == name || !at[1] || strchr(at + 1, '@')))) {
		ERR(c, w, "vol-name", "name is not %s of A-Z a-z 0-9 . _ - "
		    "padded with NUL", snap ? "VOL@SNAP" : "1..127 characters");
		return;
	}
	if (!snap || !parent)
		return;
	plen = at - name;
	if (strnlen(parent->rec.name, HASTOR_VOL_NAME_LEN) != plen ||
	    memcmp(parent->rec.name, name, plen))
		ERR(c, w, "vol-name", "snapshot name does not start with its "
		    "parent's name \"%s\"", parent->name);
}

static void check_vol_parent(struct check *c, const char *w,
			     const struct vol *v, uint32_t flags,
			     const struct vol **pp)
{
	uint64_t pid = le64toh(v->rec.parent_id);
	const struct vol *p;
	bool p_snap;

	*pp = NULL;
	if (!(flags & HASTOR_VOL_KNOWN)) {
		if (pid)
			ERR(c, w, "vol-parent", "a plain volume with parent %"
			    PRIu64, pid);
		return;
	}
	p = find_vol(c, pid);
	if (!p || p == v) {
		ERR(c, w, "vol-parent", "parent %" PRIu64 " %s", pid,
		    p ? "is itself" : "does not exist");
		return;
	}
	*pp = p;
	p_snap = le32toh(p->rec.flags) & HASTOR_VOL_SNAPSHOT;
	if ((flags & HASTOR_VOL_SNAPSHOT) && p_snap)
		ERR(c, w, "vol-parent", "snapshot of snapshot %" PRIu64
		    " \"%s\"", pid, p->name);
	if ((flags & HASTOR_VOL_CLONE) && !p_snap)
		ERR(c, w, "vol-parent", "clone of %" PRIu64 " \"%s\", which is "
		    "not a snapshot", pid, p->name);
}

static void check_vol_record(struct check *c, const struct vol *v)
{
	uint32_t flags = le32toh(v->rec.flags);
	uint64_t next = le64toh(c->sb.next_vol_id);
	const struct vol *parent;
	char w[256];
	size_t i;

	where_vol(v, w, sizeof(w));
	if (!v->key || v->key >= next)
		ERR(c, w, "vol-id", "id not in 1..next_vol_id-1 (%" PRIu64 ")",
		    next - 1);
	if ((flags & ~HASTOR_VOL_KNOWN) ||
	    (flags & HASTOR_VOL_KNOWN) == HASTOR_VOL_KNOWN) {
		ERR(c, w, "vol-flags", "flags 0x%x", flags);
		flags = 0;
	}
	check_vol_parent(c, w, v, flags, &parent);
	check_vol_name(c, w, v, parent, flags & HASTOR_VOL_SNAPSHOT);
	if (le32toh(v->rec.snap_time) > le32toh(c->sb.snap_time))
		ERR(c, w, "snap-time", "snap_time %u after the pool's %u",
		    le32toh(v->rec.snap_time), le32toh(c->sb.snap_time));
	for (i = 0; i < sizeof(v->rec.pad); i++)
		if (v->rec.pad[i]) {
			ERR(c, w, "reserved", "pad bytes not zero");
			break;
		}
	c->st.volumes += !(flags & HASTOR_VOL_KNOWN);
	c->st.snapshots += !!(flags & HASTOR_VOL_SNAPSHOT);
	c->st.clones += !!(flags & HASTOR_VOL_CLONE);
}

/* Walks a volume's mapping tree; checks mapped_blocks and the size. */
static void check_vol_mapping(struct check *c, size_t vi)
{
	const struct vol *v = &c->vols[vi];
	uint64_t mapped = le64toh(v->rec.mapped_blocks);
	uint64_t size = le64toh(v->rec.size_blocks);
	uint64_t entries = 0;
	const struct node *n;
	ssize_t idx;
	char w[256];

	where_vol(v, w, sizeof(w));
	if (le64toh(v->rec.mapping_root) == HASTOR_NO_BLOCK) {
		if (mapped)
			ERR(c, w, "mapped-blocks", "mapped_blocks %" PRIu64
			    " with no mapping tree", mapped);
		return;
	}
	if (!v->root_ok)
		return;
	idx = walk_tree(c, le64toh(v->rec.mapping_root), HASTOR_TREE_MAPPING,
			(int32_t)vi);
	if (idx < 0)
		return;
	n = &c->nodes[idx];
	if (n->has_keys && n->max_key >= size)
		ERR(c, w, "map-size", "maps block %" PRIu64 ", beyond its size "
		    "of %" PRIu64 " blocks", n->max_key, size);
	entries = n->entries;
	if (n->complete && entries != mapped)
		ERR(c, w, "mapped-blocks", "mapped_blocks %" PRIu64
		    ", the mapping tree holds %" PRIu64, mapped, entries);
}

static void check_volumes(struct check *c)
{
	char w[512];
	size_t i;

	walk_super_root(c, le64toh(c->sb.voltab_root), HASTOR_TREE_VOLTAB);
	if (c->nr_vols != le32toh(c->sb.nr_volumes))
		ERR(c, where_super(c, c->sb_slot, w, sizeof(w)), "nr-volumes",
		    "nr_volumes %u, the volume table holds %zu",
		    le32toh(c->sb.nr_volumes), c->nr_vols);
	index_vols(c);
	for (i = 0; i < c->nr_vols; i++)
		check_vol_record(c, &c->vols[i]);
	check_unique_names(c);
	for (i = 0; i < c->nr_vols && c->nr_vols <= INT32_MAX; i++)
		check_vol_mapping(c, i);
}

/* Reference counts */

/* The stored counts of one chunk, or NULL if they cannot be known. */
static const struct hastor_refcnt_block *read_chunk(struct check *c,
						    uint64_t chunk)
{
	uint64_t blk = c->chunk_blk[chunk];
	void *buf = c->bufs[0];
	char w[512];

	if (blk == HASTOR_NO_BLOCK)
		return NULL;
	if (!read_pvbn(c, blk, buf) ||
	    !check_block(c, blk, buf, HASTOR_REFCNT_MAGIC)) {
		c->incomplete = true;
		return NULL;
	}
	c->st.refcnt_blocks++;
	if (c->verbose && !out_json())
		printf("checked %s\n", where_pvbn(c, blk, w, sizeof(w)));
	return buf;
}

static bool is_meta(enum kind k)
{
	return k != K_NONE && k != K_DATA;
}

/* Compares one chunk; returns how many counts were above expected. */
static uint64_t compare_chunk(struct check *c, uint64_t chunk)
{
	const struct hastor_refcnt_block *rb = read_chunk(c, chunk);
	bool known = rb || c->chunk_blk[chunk] == HASTOR_NO_BLOCK;
	uint64_t base = chunk * HASTOR_REFCNT_PER_BLOCK, p, over = 0;
	uint32_t stored, exp, i;
	char w[512];

	for (i = 0; i < HASTOR_REFCNT_PER_BLOCK; i++) {
		p = base + i;
		stored = rb ? le16toh(rb->counts[i]) : 0;
		if (p >= c->total) {
			if (stored)
				ERR(c, where_pvbn(c, c->chunk_blk[chunk], w,
						  sizeof(w)),
				    "refcount-tail", "count %u for pvbn %" PRIu64
				    ", beyond the pool's %" PRIu64 " blocks",
				    stored, p, c->total);
			continue;
		}
		exp = c->expected[p];
		if (!known)
			stored = exp;	/* unknowable: assume right */
		if (stored) {
			c->st.used++;
			c->st.meta += is_meta(c->kind[p]);
		}
		if (stored == exp)
			continue;
		if (stored > exp && c->incomplete)
			over++;
		else
			ERR(c, where_pvbn(c, p, w, sizeof(w)), "refcount",
			    "reference count %u stored, %u expected", stored,
			    exp);
	}
	return over;
}

static void check_counts(struct check *c)
{
	uint64_t chunk, over = 0;
	char w[512];

	index_chunks(c);
	for (chunk = 0; chunk < c->nr_chunks; chunk++)
		over += compare_chunk(c, chunk);
	if (over)
		ERR(c, "pool", "refcount", "%" PRIu64 " block%s a count "
		    "above the references found; the damage reported above "
		    "may hide their references", over,
		    over == 1 ? " has" : "s have");
	where_super(c, c->sb_slot, w, sizeof(w));
	if (le64toh(c->sb.used_blocks) != c->st.used)
		ERR(c, w, "used-blocks", "used_blocks %" PRIu64 ", %" PRIu64
		    " blocks have a non-zero count",
		    (uint64_t)le64toh(c->sb.used_blocks), c->st.used);
	/* An unreached node cannot be told from data: no verdict then. */
	if (le64toh(c->sb.meta_blocks) != c->st.meta && !c->incomplete)
		ERR(c, w, "meta-blocks", "meta_blocks %" PRIu64 ", %" PRIu64
		    " metadata blocks have a non-zero count",
		    (uint64_t)le64toh(c->sb.meta_blocks), c->st.meta);
}

static bool alloc_maps(struct check *c)
{
	uint64_t i;

	c->nr_chunks = hastor_refcnt_chunks(c->total);
	/* +1: calloc(0) may return NULL on an empty pool. */
	c->expected = calloc(c->total + 1, sizeof(*c->expected));
	c->kind = calloc(c->total + 1, 1);
	c->chunk_blk = malloc((c->nr_chunks + 1) * sizeof(*c->chunk_blk));
	if (!c->expected || !c->kind || !c->chunk_blk)
		return false;
	for (i = 0; i < c->nr_chunks; i++)
		c->chunk_blk[i] = HASTOR_NO_BLOCK;
	return true;
}

/* Output */

static void print_finding(const struct finding *f)
{
	printf("%s%s: %s [%s]\n", f->warning ? "warning: " : "",
	       f->where ? f->where : "?", f->detail ? f->detail : "?",
	       f->check);
}

static void json_finding(const struct finding *f, bool *first)
{
	printf("%s{\"where\":", *first ? "" : ",");
	json_escape(stdout, f->where ? f->where : "?");
	printf(",\"check\":");
	json_escape(stdout, f->check);
	printf(",\"detail\":");
	json_escape(stdout, f->detail ? f->detail : "?");
	putchar('}');
	*first = false;
}

static void pool_name(const struct check *c, char *buf, size_t len)
{
	printable(buf, c->ref ? c->ref->pool_name : "", len);
}

/*
 * JSON is written by hand: the findings are arrays, which the object
 * writer of output.c does not do.
 */
static void print_json(const struct check *c)
{
	const struct stats *s = &c->st;
	bool first;
	char name[HASTOR_POOL_NAME_LEN];
	size_t i;
	int pass;

	pool_name(c, name, sizeof(name));
	printf("{\"pool\":");
	if (c->ref)
		json_escape(stdout, name);
	else
		printf("null");
	printf(",\"clean\":%s", c->errors ? "false" : "true");
	for (pass = 0; pass < 2; pass++) {
		printf(",\"%s\":[", pass ? "warnings" : "errors");
		first = true;
		for (i = 0; i < c->nr_f; i++)
			if (c->f[i].warning == pass)
				json_finding(&c->f[i], &first);
		putchar(']');
	}
	printf(",\"stats\":{\"disks\":%u,\"total_blocks\":%" PRIu64
	       ",\"generation\":%" PRIu64 ",\"volumes\":%" PRIu64
	       ",\"snapshots\":%" PRIu64 ",\"clones\":%" PRIu64
	       ",\"mapping_nodes\":%" PRIu64 ",\"voltab_nodes\":%" PRIu64
	       ",\"refmap_nodes\":%" PRIu64 ",\"refcount_blocks\":%" PRIu64
	       ",\"data_blocks\":%" PRIu64 ",\"used_blocks\":%" PRIu64
	       ",\"meta_blocks\":%" PRIu64 ",\"errors\":%zu"
	       ",\"warnings\":%zu,\"findings_not_listed\":%zu}}\n",
	       c->nr_disks, c->total, c->gen, s->volumes, s->snapshots,
	       s->clones, s->nodes[HASTOR_TREE_MAPPING],
	       s->nodes[HASTOR_TREE_VOLTAB], s->nodes[HASTOR_TREE_REFMAP],
	       s->refcnt_blocks, s->data_blocks, s->used, s->meta, c->errors,
	       c->warnings, c->errors + c->warnings - c->nr_f);
}

static void print_human(const struct check *c, bool walked)
{
	const struct stats *s = &c->st;
	char name[HASTOR_POOL_NAME_LEN];
	size_t i;

	for (i = 0; i < c->nr_f; i++)
		print_finding(&c->f[i]);
	if (c->errors + c->warnings > c->nr_f)
		printf("(%zu more findings not listed)\n",
		       c->errors + c->warnings - c->nr_f);
	pool_name(c, name, sizeof(name));
	if (c->ref)
		printf("pool \"%s\": %u disks", name, c->nr_disks);
	else
		printf("pool unknown: %u disks", c->nr_disks);
	if (walked) {
		printf(", %" PRIu64 " blocks, generation %" PRIu64
		       " (superblock slot %c)\n", c->total, c->gen,
		       'A' + c->sb_slot);
		printf("volumes %" PRIu64 ", snapshots %" PRIu64 ", clones %"
		       PRIu64 "\n", s->volumes, s->snapshots, s->clones);
		printf("nodes %" PRIu64 " (mapping %" PRIu64 ", volume table %"
		       PRIu64 ", refcount index %" PRIu64 "), refcount blocks %"
		       PRIu64 ", data blocks %" PRIu64 "\n",
		       s->nodes[1] + s->nodes[2] + s->nodes[3], s->nodes[1],
		       s->nodes[2], s->nodes[3], s->refcnt_blocks,
		       s->data_blocks);
		printf("used blocks %" PRIu64 " (meta %" PRIu64 ") of %" PRIu64
		       "\n", s->used, s->meta, c->total);
	} else {
		printf("; not checked further\n");
	}
	if (c->errors)
		printf("%zu error%s, %zu warning%s\n", c->errors,
		       c->errors == 1 ? "" : "s", c->warnings,
		       c->warnings == 1 ? "" : "s");
	else
		printf("clean%s\n", c->warnings ? " (with warnings)" : "");
}

static void check_free(struct check *c)
{
	size_t i;

	for (i = 0; i < c->nr_disks; i++)
		if (c->disks[i].fd >= 0)
			close(c->disks[i].fd);
	for (i = 0; i < c->nr_f; i++) {
		free(c->f[i].where);
		free(c->f[i].detail);
	}
	free(c->f);
	free(c->expected);
	free(c->kind);
	free(c->chunk_blk);
	free(c->rc_index);
	free(c->vol_by_key);
	free(c->nodes);
	free(c->hash);
	free(c->vols);
	free(c);
}

/* The phases; false once the pool cannot be checked further. */
static bool run_check(struct check *c)
{
	if (!check_disks(c) || !check_super(c))
		return false;
	if (!alloc_maps(c)) {
		c->oom = true;
		return false;
	}
	check_volumes(c);
	walk_super_root(c, le64toh(c->sb.refmap_root), HASTOR_TREE_REFMAP);
	check_counts(c);
	return true;
}

/* Sets *first to the first disk argument, or -1 after --help. */
static int parse_args(struct check *c, int argc, char **argv, int *first)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help",    no_argument, NULL, 'h' },
		{ 0 }
	};
	int o;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		switch (o) {
		case 'v':
			c->verbose = true;
			break;
		case 'h':
			*first = -1;
			return hactl_help(c->ctx);
		default:
			return hactl_bad_option(c->ctx, o, argv);
		}
	}
	if (optind >= argc)
		return hactl_usage_error(c->ctx, "missing DISK");
	*first = optind;
	return HACTL_EXIT_OK;
}

/* "hactl pool check [-v] DISK...": 0 clean, 1 findings, 2 usage. */
int cmd_pool_check(struct hactl *ctx, int argc, char **argv)
{
	struct check *c = calloc(1, sizeof(*c));
	bool walked;
	int first = 0, ret;

	if (!c) {
		fprintf(stderr, "hactl: %s: out of memory\n", ctx->path);
		return HACTL_EXIT_FAIL;
	}
	c->ctx = ctx;
	ret = parse_args(c, argc, argv, &first);
	if (!ret && first >= 0)
		ret = open_disks(c, argc - first, argv + first);
	if (ret || first < 0) {
		check_free(c);
		return ret;
	}
	walked = run_check(c);
	if (c->oom) {
		fprintf(stderr, "hactl: %s: out of memory\n", ctx->path);
		check_free(c);
		return HACTL_EXIT_FAIL;
	}
	if (out_json())
		print_json(c);
	else
		print_human(c, walked);
	ret = c->errors ? HACTL_EXIT_FAIL : HACTL_EXIT_OK;
	check_free(c);
	return ret;
}
