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
#include "check.h"

/* Findings */

static char *xstrdup(struct check *c, const char *s)
{
	char *d = strdup(s);

	if (!d)
		c->oom = true;
	return d;
}

void add_finding(struct check *c, bool warning, const char *where,
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


/* Names stored on disk are printed: keep them printable. */
void printable(char *dst, const char *src, size_t len)
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

const char *where_vol(const struct vol *v, char *buf, size_t len)
{
	snprintf(buf, len, "volume %" PRIu64 " \"%s\"", (uint64_t)v->key,
		 v->name);
	return buf;
}

struct node *node_find(struct check *c, uint64_t pvbn);

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
void index_chunks(struct check *c)
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
const char *where_pvbn(struct check *c, uint64_t pvbn, char *buf,
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

const char *where_super(const struct check *c, int slot, char *buf,
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
