/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which disk a dump goes to (Documentation/coredump.md, "Ranking"): a
 * pure function, with no I/O, so that tests/tools/cdrank.c can test it
 * with tables and "coredump select --dry-run" can show it.
 */
#ifndef HACTL_COREDUMP_RANK_H
#define HACTL_COREDUMP_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a disk's label makes of it. */
enum cd_role {
	CD_ROLE_NONE,		/* no hastor label */
	CD_ROLE_SPARE,		/* spare label */
	CD_ROLE_DUMP,		/* spare label set aside for dumps */
	CD_ROLE_POOL,		/* a pool member */
	CD_ROLE_INVALID,	/* a label that does not check */
};

/* What the disk's dump attributes say. */
enum cd_dump {
	CD_DUMP_NONE,		/* none, or cleared: the disk is free */
	CD_DUMP_HELD,		/* a dump not cleared (any state) */
	CD_DUMP_CORRUPT,	/* attributes that do not check */
};

struct cd_cand {
	const char *name;	/* for reasons and the last tie-break */
	uint64_t size;		/* bytes */
	enum cd_role role;
	/*
	 * CD_ROLE_NONE only: nothing at the disk's start (no partition
	 * table, file system or volume manager signature).
	 */
	bool blank;
	uint32_t owner, home;	/* from the label; 0 if none */
	bool registered;	/* this node's PR key is registered */
	bool reserved_other;	/* another key holds a reservation */
	enum cd_dump dump;
};

#define CD_REASON_LEN	256

struct cd_result {
	size_t idx;		/* into the candidate table */
	bool eligible;
	char reason[CD_REASON_LEN];
};

/* Bytes a disk of size bytes offers a dump (after the reserved area). */
uint64_t cd_capacity(uint64_t size);

/*
 * Ranks n candidates for a dump of dump_bytes by node self.  res gets
 * n entries: the eligible disks best first, then the excluded ones in
 * table order, each with a reason.  Returns the number eligible.
 */
size_t cd_rank(const struct cd_cand *c, size_t n, uint64_t dump_bytes,
	       uint32_t self, struct cd_result *res);

#endif
