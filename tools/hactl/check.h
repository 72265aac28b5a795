/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hactl pool check: state shared by check.c (command, disks, labels,
 * superblocks, output) and check_tree.c (B-trees, volumes, counts).
 */
#ifndef HACTL_CHECK_H
#define HACTL_CHECK_H

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


void check_counts(struct check *c);
void check_volumes(struct check *c);
void index_chunks(struct check *c);
struct node *node_find(struct check *c, uint64_t pvbn);
void printable(char *dst, const char *src, size_t len);
void walk_super_root(struct check *c, uint64_t root, uint8_t tree);
const char *where_pvbn(struct check *c, uint64_t pvbn, char *buf,
			      size_t len);
const char *where_super(const struct check *c, int slot, char *buf,
			       size_t len);
const char *where_vol(const struct vol *v, char *buf, size_t len);

/* A finding: an error, or a warning that leaves the pool clean. */
void add_finding(struct check *c, bool warning, const char *where,
		 const char *check, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define ERR(c, where, check, ...) \
	add_finding(c, false, where, check, __VA_ARGS__)
#define WARN(c, where, check, ...) \
	add_finding(c, true, where, check, __VA_ARGS__)

#endif /* HACTL_CHECK_H */
