// SPDX-License-Identifier: GPL-2.0
/*
 * hactl pool check, the metadata half: walks every B-tree from the
 * superblock with a depth limit and cycle detection, checks nodes, leaves
 * and volume records, derives the expected reference count of every
 * PVBN from the pointers and compares it with the stored one.  See
 * check.c for the whole and the list of check names.
 */
#include "check.h"

static size_t hash_slot(uint64_t pvbn, size_t size)
{
	return (size_t)((pvbn * 0x9e3779b97f4a7c15ULL) >> 16) & (size - 1);
}

struct node *node_find(struct check *c, uint64_t pvbn)
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

void walk_super_root(struct check *c, uint64_t root, uint8_t tree)
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

void check_volumes(struct check *c)
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

void check_counts(struct check *c)
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

