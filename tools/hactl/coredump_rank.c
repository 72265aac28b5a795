// SPDX-License-Identifier: GPL-2.0
/*
 * Which disk a node's dump goes to: a pure function of a table of
 * candidates, so that the choice a panicking node makes can be shown
 * beforehand (coredump select --dry-run) and tested with tables
 * (tests/tools/cdrank.c).  The order is Documentation/coredump.md's:
 *
 * Excluded, first reason found: a pool member or a disk whose label
 * does not check (it serves data), an unlabelled disk that is not blank
 * at its start (it may be anyone's), a disk another node holds reserved
 * (our writes would be refused), one whose dump attributes hold a dump
 * not cleared or do not check (the only copy of a crash's evidence
 * must not be overwritten), one too small for the whole dump.
 *
 * The rest, compared criterion by criterion:
 *   1. role: a disk set aside for dumps, then a spare, then a disk
 *      with no label: the one least likely to be wanted for service;
 *   2. home: a disk whose label names this node, before the partner's;
 *   3. fit: the smallest disk that holds the dump, leaving the larger
 *      spares for pools;
 *   4. preparation: this node's key already registered, so no PR
 *      command stands between the panic and the first write;
 *   5. name, so that the choice is the same every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/hastor_format.h>

#include "coredump_rank.h"

enum crit { CRIT_ROLE, CRIT_HOME, CRIT_FIT, CRIT_PREP, CRIT_NAME, CRIT_SAME };

static const char *const crit_names[] = {
	[CRIT_ROLE] = "role (dump disk, then spare, then unlabelled)",
	[CRIT_HOME] = "home (this node's disk before another's)",
	[CRIT_FIT] = "fit (the smallest disk that holds the dump)",
	[CRIT_PREP] = "preparation (key already registered)",
	[CRIT_NAME] = "name (a tie otherwise)",
	[CRIT_SAME] = "nothing (the same disk twice)",
};

uint64_t cd_capacity(uint64_t size)
{
	uint64_t res = (uint64_t)HASTOR_RESERVED_BLOCKS << HASTOR_BLOCK_SHIFT;

	return size > res ? size - res : 0;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static unsigned int role_rank(enum cd_role r)
{
	return r == CD_ROLE_DUMP ? 0 : r == CD_ROLE_SPARE ? 1 : 2;
}

static unsigned int home_rank(const struct cd_cand *c, uint32_t self)
{
	return c->home == self || c->owner == self ? 0 : 1;
}

/* <0: a first; the criterion that decided goes to *why. */
static int compare(const struct cd_cand *a, const struct cd_cand *b,
		   uint32_t self, enum crit *why)
{
	int d;

	*why = CRIT_ROLE;
	if (role_rank(a->role) != role_rank(b->role))
		return role_rank(a->role) < role_rank(b->role) ? -1 : 1;
	*why = CRIT_HOME;
	if (home_rank(a, self) != home_rank(b, self))
		return home_rank(a, self) < home_rank(b, self) ? -1 : 1;
	*why = CRIT_FIT;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	*why = CRIT_PREP;
	if (a->registered != b->registered)
		return a->registered ? -1 : 1;
	*why = CRIT_NAME;
	d = strcmp(a->name ? a->name : "", b->name ? b->name : "");
	if (d)
		return d < 0 ? -1 : 1;
	*why = CRIT_SAME;
	return 0;
}

/* Why c cannot take the dump, or NULL; written into buf. */
static const char *exclusion(const struct cd_cand *c, uint64_t need,
			    char *buf, size_t len)
{
	switch (c->role) {
	case CD_ROLE_POOL:
		return "excluded: a pool member";
	case CD_ROLE_INVALID:
		return "excluded: its label does not check";
	case CD_ROLE_NONE:
		if (!c->blank)
			return "excluded: unlabelled and not blank (a partition table, file system or other data at its start)";
		break;
	default:
		break;
	}
	if (c->reserved_other)
		return "excluded: reserved by another node (writes would be refused)";
	if (c->dump == CD_DUMP_HELD)
		return "excluded: holds a dump not cleared";
	if (c->dump == CD_DUMP_CORRUPT)
		return "excluded: its dump attributes do not check (clear them first)";
	if (cd_capacity(c->size) < need) {
		snprintf(buf, len,
			 "excluded: too small (%.1f MiB free, %.1f MiB needed)",
			 mib(cd_capacity(c->size)), mib(need));
		return buf;
	}
	return NULL;
}

static void describe(const struct cd_cand *c, uint32_t self, uint64_t need,
		     char *buf, size_t len)
{
	static const char *const roles[] = {
		[CD_ROLE_NONE] = "unlabelled disk",
		[CD_ROLE_SPARE] = "spare",
		[CD_ROLE_DUMP] = "dump disk",
	};
	char home[32];

	if (!c->home && !c->owner)
		snprintf(home, sizeof(home), "no home");
	else if (home_rank(c, self) == 0)
		snprintf(home, sizeof(home), "this node's");
	else
		snprintf(home, sizeof(home), "node %u's", c->home);
	snprintf(buf, len, "%s, %s, %.1f MiB free for %.1f MiB, %s",
		 roles[c->role], home, mib(cd_capacity(c->size)), mib(need),
		 c->registered ? "registered" : "not registered");
}

/* Insertion sort: tables are a few dozen disks, and it is stable. */
static void sort(size_t *idx, size_t n, const struct cd_cand *c,
		 uint32_t self)
{
	enum crit why;
	size_t i, j, t;

	for (i = 1; i < n; i++) {
		t = idx[i];
		for (j = i; j > 0 && compare(&c[t], &c[idx[j - 1]], self,
					     &why) < 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
}

size_t cd_rank(const struct cd_cand *c, size_t n, uint64_t dump_bytes,
	       uint32_t self, struct cd_result *res)
{
	uint64_t need = (dump_bytes + HASTOR_BLOCK_SIZE - 1) &
			~(uint64_t)(HASTOR_BLOCK_SIZE - 1);
	char desc[160], buf[CD_REASON_LEN];
	size_t *idx, ne = 0, nx = 0, i;
	const char *why;
	enum crit crit;

	if (!n)
		return 0;
	idx = calloc(n, sizeof(*idx));
	if (!idx) {
		/* Nothing ranked is safer than a guess. */
		for (i = 0; i < n; i++) {
			res[i].idx = i;
			res[i].eligible = false;
			snprintf(res[i].reason, CD_REASON_LEN, "not ranked: out of memory");
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!exclusion(&c[i], need, buf, sizeof(buf)))
			idx[ne++] = i;
	sort(idx, ne, c, self);
	for (i = 0; i < ne; i++) {
		res[i].idx = idx[i];
		res[i].eligible = true;
		describe(&c[idx[i]], self, need, desc, sizeof(desc));
		if (ne == 1) {
			snprintf(res[i].reason, CD_REASON_LEN,
				 "chosen: the only eligible disk; %s", desc);
		} else if (i == 0) {
			compare(&c[idx[0]], &c[idx[1]], self, &crit);
			snprintf(res[i].reason, CD_REASON_LEN,
				 "chosen: ahead on %s; %s", crit_names[crit], desc);
		} else {
			compare(&c[idx[i - 1]], &c[idx[i]], self, &crit);
			snprintf(res[i].reason, CD_REASON_LEN,
				 "#%zu: behind on %s; %s", i + 1,
				 crit_names[crit], desc);
		}
	}
	for (i = 0; i < n; i++) {
		why = exclusion(&c[i], need, buf, sizeof(buf));
		if (!why)
			continue;
		res[ne + nx].idx = i;
		res[ne + nx].eligible = false;
		snprintf(res[ne + nx].reason, CD_REASON_LEN, "%s", why);
		nx++;
	}
	free(idx);
	return ne;
}
