// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the coredump disk ranking (tools/hactl/coredump_rank.c):
 * tables of candidate disks, each with the disk that must be chosen (or
 * none), the full order and a word each reason must contain.  Prints one
 * line per case and "N passed, N failed"; exits non-zero on a failure.
 */
#include <stdio.h>
#include <string.h>

#include "coredump_rank.h"

#define MiB		(1024ULL * 1024)
#define GiB		(1024 * MiB)
#define MAX_DISKS	8
#define SELF		1

struct rank_case {
	const char *name;
	uint64_t dump;
	struct cd_cand d[MAX_DISKS];
	/* Expected names, best first, then the excluded, NULL-ended. */
	const char *order[MAX_DISKS + 1];
	size_t eligible;
	/* A substring of each reason, in the order above. */
	const char *why[MAX_DISKS + 1];
};

/* The macros' defaults are there to be overridden per disk. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define SPARE(n, sz, ...) { .name = n, .size = sz, .role = CD_ROLE_SPARE, \
			    .owner = SELF, .home = SELF, .registered = true, \
			    __VA_ARGS__ }
#define DUMPD(n, sz, ...) { .name = n, .size = sz, .role = CD_ROLE_DUMP, \
			    .owner = SELF, .home = SELF, .registered = true, \
			    __VA_ARGS__ }

static const struct rank_case cases[] = {
	{ "dump disk before spare", 1 * GiB,
	  { SPARE("sda", 4 * GiB), DUMPD("sdb", 8 * GiB) },
	  { "sdb", "sda" }, 2, { "chosen: ahead on role", "behind on role" } },
	{ "best fit among dump disks", 1 * GiB,
	  { DUMPD("sda", 8 * GiB), DUMPD("sdb", 2 * GiB),
	    DUMPD("sdc", 4 * GiB) },
	  { "sdb", "sdc", "sda" }, 3,
	  { "ahead on fit", "behind on fit", "#3: behind on fit" } },
	{ "too small excluded, even a dump disk", 3 * GiB,
	  { DUMPD("sda", 2 * GiB), SPARE("sdb", 4 * GiB) },
	  { "sdb", "sda" }, 1,
	  { "the only eligible disk", "too small (2047.0 MiB free, 3072.0 MiB needed)" } },
	{ "exactly fits: capacity is size minus the reserved 1 MiB", 1 * GiB,
	  { SPARE("sda", 1 * GiB + 1 * MiB), SPARE("sdb", 1 * GiB + 1 * MiB - 4096) },
	  { "sda", "sdb" }, 1, { "only eligible", "too small" } },
	{ "this node's spare before the partner's", 1 * GiB,
	  { SPARE("sda", 2 * GiB, .owner = 2, .home = 2),
	    SPARE("sdb", 4 * GiB) },
	  { "sdb", "sda" }, 2, { "ahead on home", "node 2's" } },
	{ "owner alone makes it this node's (a taken-over spare)", 1 * GiB,
	  { SPARE("sda", 2 * GiB, .owner = SELF, .home = 2),
	    SPARE("sdb", 2 * GiB, .owner = 2, .home = 2) },
	  { "sda", "sdb" }, 2, { "ahead on home", "behind on home" } },
	{ "registered before unregistered at equal size", 1 * GiB,
	  { SPARE("sda", 2 * GiB, .registered = false),
	    SPARE("sdb", 2 * GiB) },
	  { "sdb", "sda" }, 2, { "ahead on preparation", "not registered" } },
	{ "fit beats preparation", 1 * GiB,
	  { SPARE("sda", 4 * GiB), SPARE("sdb", 2 * GiB, .registered = false) },
	  { "sdb", "sda" }, 2, { "ahead on fit", "behind on fit" } },
	{ "a full tie is broken by name, whatever the table order", 1 * GiB,
	  { SPARE("sdc", 2 * GiB), SPARE("sda", 2 * GiB),
	    SPARE("sdb", 2 * GiB) },
	  { "sda", "sdb", "sdc" }, 3,
	  { "ahead on name", "#2: behind on name", "#3: behind on name" } },
	{ "unlabelled disks last", 1 * GiB,
	  { { .name = "sda", .size = 2 * GiB, .role = CD_ROLE_NONE,
	      .blank = true },
	    SPARE("sdb", 64 * GiB, .owner = 2, .home = 2,
		  .registered = false) },
	  { "sdb", "sda" }, 2, { "ahead on role", "unlabelled disk, no home" } },
	{ "pool members and invalid labels excluded", 1 * GiB,
	  { { .name = "sda", .size = 8 * GiB, .role = CD_ROLE_POOL },
	    { .name = "sdb", .size = 8 * GiB, .role = CD_ROLE_INVALID },
	    SPARE("sdc", 8 * GiB) },
	  { "sdc", "sda", "sdb" }, 1,
	  { "chosen", "a pool member", "label does not check" } },
	{ "an unlabelled disk with data at its start is not free", 1 * GiB,
	  { { .name = "sda", .size = 8 * GiB, .role = CD_ROLE_NONE },
	    { .name = "sdb", .size = 8 * GiB, .role = CD_ROLE_NONE,
	      .blank = true, .registered = true } },
	  { "sdb", "sda" }, 1, { "only eligible disk; unlabelled disk, no home",
				 "unlabelled and not blank" } },
	{ "an uncleared dump is never overwritten", 1 * GiB,
	  { DUMPD("sda", 8 * GiB, .dump = CD_DUMP_HELD),
	    DUMPD("sdb", 8 * GiB, .dump = CD_DUMP_CORRUPT),
	    SPARE("sdc", 64 * GiB) },
	  { "sdc", "sda", "sdb" }, 1,
	  { "only eligible", "holds a dump not cleared",
	    "dump attributes do not check" } },
	{ "reserved by another node", 1 * GiB,
	  { DUMPD("sda", 8 * GiB, .reserved_other = true), SPARE("sdb", 8 * GiB) },
	  { "sdb", "sda" }, 1, { "only eligible", "reserved by another node" } },
	{ "no eligible disk", 16 * GiB,
	  { { .name = "sda", .size = 64 * GiB, .role = CD_ROLE_POOL },
	    DUMPD("sdb", 8 * GiB), DUMPD("sdc", 64 * GiB, .dump = CD_DUMP_HELD) },
	  { "sda", "sdb", "sdc" }, 0,
	  { "pool member", "too small", "not cleared" } },
	{ "no disk at all", 1 * GiB, { { 0 } }, { NULL }, 0, { NULL } },
	{ "exclusion order: pool before size", 64 * GiB,
	  { { .name = "sda", .size = 1 * GiB, .role = CD_ROLE_POOL,
	      .dump = CD_DUMP_HELD } },
	  { "sda" }, 0, { "a pool member" } },
	{ "role beats home, fit and preparation", 1 * GiB,
	  { SPARE("sda", 2 * GiB),
	    DUMPD("sdb", 64 * GiB, .owner = 2, .home = 2,
		  .registered = false) },
	  { "sdb", "sda" }, 2, { "ahead on role", "behind on role" } },
	{ "a zero-byte dump still needs a disk", 0,
	  { SPARE("sda", 1 * MiB), SPARE("sdb", 2 * MiB) },
	  { "sda", "sdb" }, 2, { "ahead on fit", "behind on fit" } },
};

static size_t count(const struct rank_case *t)
{
	size_t n = 0;

	while (n < MAX_DISKS && t->d[n].name)
		n++;
	return n;
}

static int run(const struct rank_case *t)
{
	struct cd_result res[MAX_DISKS];
	size_t n = count(t), ne, i;
	const char *got;
	int bad = 0;

	memset(res, 0, sizeof(res));
	ne = cd_rank(t->d, n, t->dump, SELF, res);
	if (ne != t->eligible) {
		printf("  %zu eligible, want %zu\n", ne, t->eligible);
		bad = 1;
	}
	for (i = 0; i < n; i++) {
		got = t->d[res[i].idx].name;
		if (!t->order[i] || strcmp(got, t->order[i])) {
			printf("  position %zu: %s, want %s\n", i + 1, got,
			       t->order[i] ? t->order[i] : "(none)");
			bad = 1;
		}
		if (res[i].eligible != (i < t->eligible)) {
			printf("  %s: eligible %d\n", got, res[i].eligible);
			bad = 1;
		}
		if (!t->why[i] || !strstr(res[i].reason, t->why[i])) {
			printf("  %s: reason '%s', want '%s'\n", got,
			       res[i].reason, t->why[i] ? t->why[i] : "");
			bad = 1;
		}
	}
	if (t->order[n]) {
		printf("  %s expected but not in the result\n", t->order[n]);
		bad = 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	int failed = 0, verbose = argc > 1 && !strcmp(argv[1], "-v");
	struct cd_result res[MAX_DISKS];
	size_t j, ne;

	for (i = 0; i < n; i++) {
		int bad = run(&cases[i]);

		printf("%s %s\n", bad ? "FAIL" : "ok  ", cases[i].name);
		failed += bad;
		if (!verbose)
			continue;
		ne = cd_rank(cases[i].d, count(&cases[i]), cases[i].dump, SELF,
			     res);
		for (j = 0; j < count(&cases[i]); j++)
			printf("      %-4s %s\n", cases[i].d[res[j].idx].name,
			       res[j].reason);
		(void)ne;
	}
	printf("%zu passed, %d failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
