// SPDX-License-Identifier: GPL-2.0
/*
 * mkwlog: writes a write-log device image following
 * Documentation/wlog-format.md, so that "hactl wlog dump" can be tested
 * without the kernel module: a superblock (two copies), half headers and
 * entries with the records and data given, in the local or the mirror
 * region, plus mutations the reader must notice.
 *
 *   mkwlog [-s SIZE] [-b SHIFT] [globals] IMAGE [ops]
 *
 * Globals (anywhere; read before the ops):
 *   -s SIZE               device size in bytes, K/M suffix (default 5M)
 *   -b SHIFT              log2 of the logical block size, 9..12 (9)
 *   --node N --cluster N  owner of the log (1, 7)
 *   --uuid U              log uuid (11111111-...)
 *   --covered N           covered_seq of the newer copy (0)
 *   --stale-covered N     covered_seq of the older copy (the same)
 *   --gen G               generation of the newer copy (2; the older: G-1)
 *   --partner-node N --partner-uuid U --partner-covered N
 *   --super-corrupt C:KIND  copy C (0, 1) damaged after sealing (csum)
 *                         or before (magic version shift size layout node)
 *   --no-super            no superblock at all
 *
 * Ops, in order:
 *   --region local|mirror  where the next halves go (local); mirror halves
 *                         and entries carry the partner uuid
 *   --half I:EPOCH:FIRST  writes half I's header; entries follow in it
 *   --half-corrupt KIND   the last header: magic csum uuid index zero-seq
 *   --entry[=EPOCH]       starts an entry (seq: next; epoch: the previous)
 *   --seq N               the next entry's seq instead
 *   --write P:VOL:SECTOR:N:FILL   a write record; data byte i is
 *                         (FILL + i / 512) & 0xff
 *   --discard P:VOL:SECTOR:N      a discard record
 *   --corrupt KIND        the current entry: torn data-bit hdr-bit (not
 *                         resealed); seq epoch nr-zero nr-big hdr data-big
 *                         flags rec-flags rec-zero rec-overflow op
 *                         more-data less-data uuid magic (resealed)
 * A pool P is a uuid, or one hex digit d for dddddddd-dddd-...
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

#include <isa-l/crc.h>
#include <linux/hastor_wlog.h>

#include "format.h"

#define SECTOR		512
#define REGIONS_START	2048
#define MAX_RECS	HASTOR_WLOG_MAX_RECORDS

struct entry {
	bool open;
	uint64_t seq, epoch;
	uint32_t nr;
	struct hastor_wlog_record rec[MAX_RECS];
	uint8_t fill[MAX_RECS];
	const char *corrupt;
};

struct img {
	uint8_t *b;
	uint64_t size, sectors;
	uint32_t shift, unit;
	uint64_t half, local, mirror;
	uint32_t node, cluster, pnode;
	uint8_t uuid[16], puuid[16];
	uint64_t covered, stale_covered, pcovered, gen;
	bool has_stale, no_super;
	const char *super_corrupt[2];

	bool mirror_region;
	int cur_half;		/* -1: none */
	uint64_t half_start, pos, next_seq, last_epoch, last_hdr;
	struct entry e;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkwlog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("bad number '%s'", s);
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end)
		die("bad number '%s'", s);
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void uuid(const char *s, uint8_t out[16])
{
	size_t k = 0;

	if (strlen(s) == 1 && hexval(s[0]) >= 0) {
		memset(out, hexval(s[0]) * 0x11, 16);
		return;
	}
	for (; *s && k < 16; s++) {
		if (*s == '-')
			continue;
		if (hexval(s[0]) < 0 || hexval(s[1]) < 0)
			die("bad uuid");
		out[k++] = hexval(s[0]) << 4 | hexval(s[1]);
		s++;
	}
	if (k != 16 || *s)
		die("bad uuid");
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint8_t *at(struct img *m, uint64_t sector, uint64_t n)
{
	if (sector + n > m->sectors)
		die("sectors %" PRIu64 "+%" PRIu64 " beyond the image", sector,
		    n);
	return m->b + sector * SECTOR;
}

/* Superblock */

static void write_super(struct img *m, int copy, uint64_t gen,
			uint64_t covered)
{
	struct hastor_wlog_super *s = (void *)at(m, copy * 8, 8);
	const char *k = m->super_corrupt[copy];

	memset(s, 0, HASTOR_BLOCK_SIZE);
	s->magic = htole32(HASTOR_WLOG_SUPER_MAGIC);
	s->generation = htole64(gen);
	s->version = htole32(HASTOR_WLOG_VERSION);
	s->block_shift = htole32(m->shift);
	s->cluster_id = htole32(m->cluster);
	s->node_id = htole32(m->node);
	memcpy(s->log_uuid, m->uuid, 16);
	s->device_sectors = htole64(m->sectors);
	s->local_start = htole64(m->local);
	s->mirror_start = htole64(m->mirror);
	s->half_sectors = htole64(m->half);
	s->format_time = htole64(1700000000);
	s->partner_node = htole32(m->pnode);
	memcpy(s->partner_log_uuid, m->puuid, 16);
	s->covered_seq = htole64(covered);
	s->partner_covered_seq = htole64(m->pcovered);
	if (!k) {
	} else if (!strcmp(k, "magic")) {
		s->magic = htole32(0x12345678);
	} else if (!strcmp(k, "version")) {
		s->version = htole32(2);
	} else if (!strcmp(k, "shift")) {
		s->block_shift = htole32(13);
	} else if (!strcmp(k, "size")) {
		s->device_sectors = htole64(m->sectors + 8);
	} else if (!strcmp(k, "layout")) {
		s->half_sectors = htole64(m->half - 8);
	} else if (!strcmp(k, "node")) {
		s->node_id = 0;
	} else if (strcmp(k, "csum")) {
		die("unknown superblock damage '%s'", k);
	}
	hastor_seal_block(s);
	if (k && !strcmp(k, "csum"))
		((uint8_t *)s)[100] ^= 0x10;
}

/* Entries */

static const uint8_t *region_uuid(const struct img *m)
{
	return m->mirror_region ? m->puuid : m->uuid;
}

static uint32_t hdr_sectors(uint32_t nr, uint32_t unit)
{
	return round_up((64 + 40 * nr + SECTOR - 1) / SECTOR, unit);
}

static void seal_entry(struct img *m)
{
	struct entry *x = &m->e;
	struct hastor_wlog_entry *e;
	uint32_t hdr, data = 0, i, j, crc;
	const char *k = x->corrupt;
	uint8_t *d;

	if (!x->open)
		return;
	x->open = false;
	if (!x->nr)
		die("an entry needs records");
	for (i = 0; i < x->nr; i++)
		if (le16toh(x->rec[i].op) == HASTOR_WLOG_OP_WRITE)
			data += le32toh(x->rec[i].nr_sectors);
	hdr = hdr_sectors(x->nr, m->unit);
	e = (void *)at(m, m->pos, round_up(hdr + data, m->unit));
	memset(e, 0, round_up(hdr + data, m->unit) * SECTOR);
	e->magic = htole32(HASTOR_WLOG_ENTRY_MAGIC);
	memcpy(e->log_uuid, region_uuid(m), 16);
	e->seq = htole64(x->seq);
	e->epoch = htole64(x->epoch);
	e->hdr_sectors = htole32(hdr);
	e->data_sectors = htole32(data);
	e->nr_records = htole32(x->nr);
	e->time_ns = htole64(1700000000000000000ULL + x->seq);
	memcpy(e->records, x->rec, x->nr * sizeof(x->rec[0]));
	d = (uint8_t *)e + (size_t)hdr * SECTOR;
	for (i = 0; i < x->nr; i++) {
		uint32_t n = le32toh(x->rec[i].nr_sectors);

		if (le16toh(x->rec[i].op) != HASTOR_WLOG_OP_WRITE)
			continue;
		for (j = 0; j < n * SECTOR; j++)
			d[j] = (x->fill[i] + j / SECTOR) & 0xff;
		d += (size_t)n * SECTOR;
	}
	if (!k || !strcmp(k, "torn") || !strcmp(k, "data-bit") ||
	    !strcmp(k, "hdr-bit")) {
	} else if (!strcmp(k, "seq")) {
		e->seq = htole64(x->seq + 1);
	} else if (!strcmp(k, "epoch")) {
		e->epoch = htole64(x->epoch - 1);
	} else if (!strcmp(k, "nr-zero")) {
		e->nr_records = 0;
	} else if (!strcmp(k, "nr-big")) {
		e->nr_records = htole32(MAX_RECS + 1);
	} else if (!strcmp(k, "hdr")) {
		e->hdr_sectors = htole32(hdr + m->unit);
	} else if (!strcmp(k, "data-big")) {
		e->data_sectors = htole32(HASTOR_WLOG_MAX_DATA_SECTORS + 1);
	} else if (!strcmp(k, "flags")) {
		e->flags = htole32(1);
	} else if (!strcmp(k, "rec-flags")) {
		e->records[0].flags = htole16(1);
	} else if (!strcmp(k, "rec-zero")) {
		e->records[0].nr_sectors = 0;
	} else if (!strcmp(k, "rec-overflow")) {
		e->records[0].sector = htole64(UINT64_MAX - 1);
	} else if (!strcmp(k, "op")) {
		e->records[0].op = htole16(3);
	} else if (!strcmp(k, "more-data")) {
		e->data_sectors = htole32(data - 1);
	} else if (!strcmp(k, "less-data")) {
		e->data_sectors = htole32(data + 1);
	} else if (!strcmp(k, "uuid")) {
		e->log_uuid[5] ^= 1;
	} else if (!strcmp(k, "magic")) {
		e->magic = htole32(HASTOR_WLOG_HALF_MAGIC);
	} else {
		die("unknown entry damage '%s'", k);
	}
	/* As the kernel: header from byte 4, then the data, no padding. */
	crc = crc32_iscsi((uint8_t *)e + 4, hdr * SECTOR - 4, HASTOR_CSUM_SEED);
	crc = crc32_iscsi((uint8_t *)e + (size_t)hdr * SECTOR, data * SECTOR,
			  crc);
	e->csum = htole32(crc ^ HASTOR_CSUM_XOR);
	if (k && !strcmp(k, "torn"))	/* the last sector never made it */
		memset((uint8_t *)e + (size_t)(hdr + data - 1) * SECTOR, 0,
		       SECTOR);
	if (k && !strcmp(k, "data-bit"))
		((uint8_t *)e)[(size_t)hdr * SECTOR] ^= 0x04;
	if (k && !strcmp(k, "hdr-bit"))
		((uint8_t *)e)[56] ^= 0x01;	/* time_ns */
	printf("entry seq %" PRIu64 " at sector %" PRIu64 " sectors %" PRIu64
	       "\n", x->seq, m->pos, round_up(hdr + data, m->unit));
	m->pos += round_up(hdr + data, m->unit);
	m->next_seq = x->seq + 1;
	m->last_epoch = x->epoch;
}

static void add_record(struct img *m, const char *arg, bool write)
{
	struct entry *x = &m->e;
	struct hastor_wlog_record *r;
	char buf[256], *f[6], *save = NULL;
	uint64_t vol, sector, n, fill = 0;
	int got = 0;

	if (!x->open)
		die("--write/--discard before --entry");
	if (x->nr == MAX_RECS)
		die("too many records");
	snprintf(buf, sizeof(buf), "%s", arg);
	for (f[got] = strtok_r(buf, ":", &save); f[got] && got < 5;
	     f[got] = strtok_r(NULL, ":", &save))
		got++;
	if (got != (write ? 5 : 4))
		die("bad record '%s'", arg);
	vol = num(f[1]);
	sector = num(f[2]);
	n = num(f[3]);
	if (write)
		fill = num(f[4]);
	r = &x->rec[x->nr];
	memset(r, 0, sizeof(*r));
	uuid(f[0], r->pool_uuid);
	r->vol_id = htole64(vol);
	r->sector = htole64(sector);
	r->nr_sectors = htole32(n);
	r->op = htole16(write ? HASTOR_WLOG_OP_WRITE : HASTOR_WLOG_OP_DISCARD);
	x->fill[x->nr++] = fill;
}

static void write_half(struct img *m, const char *arg)
{
	unsigned int idx;
	uint64_t epoch, first;
	struct hastor_wlog_half *h;

	seal_entry(m);
	if (sscanf(arg, "%u:%" SCNu64 ":%" SCNu64, &idx, &epoch, &first) != 3 ||
	    idx > 1)
		die("bad --half '%s'", arg);
	m->cur_half = idx;
	m->half_start = (m->mirror_region ? m->mirror : m->local) +
			idx * m->half;
	h = (void *)at(m, m->half_start, 8);
	memset(h, 0, HASTOR_BLOCK_SIZE);
	h->magic = htole32(HASTOR_WLOG_HALF_MAGIC);
	memcpy(h->log_uuid, region_uuid(m), 16);
	h->epoch = htole64(epoch);
	h->first_seq = htole64(first);
	h->index = htole32(idx);
	h->open_time_ns = htole64(1700000000000000000ULL);
	hastor_seal_block(h);
	m->last_hdr = m->half_start;
	m->pos = m->half_start + HASTOR_WLOG_HALF_HDR_SECTORS;
	m->next_seq = first;
	m->last_epoch = epoch;
}

static void corrupt_half(struct img *m, const char *k)
{
	struct hastor_wlog_half *h;

	if (m->cur_half < 0)
		die("--half-corrupt before --half");
	h = (void *)at(m, m->last_hdr, 8);
	if (!strcmp(k, "csum")) {
		h->open_time_ns ^= htole64(1);
		return;
	}
	if (!strcmp(k, "magic"))
		h->magic = htole32(HASTOR_WLOG_ENTRY_MAGIC);
	else if (!strcmp(k, "uuid"))
		h->log_uuid[0] ^= 0x80;
	else if (!strcmp(k, "index"))
		h->index = htole32(!le32toh(h->index));
	else if (!strcmp(k, "zero-seq"))
		h->first_seq = 0;
	else
		die("unknown half damage '%s'", k);
	hastor_seal_block(h);
}

enum {
	O_NODE = 256, O_CLUSTER, O_UUID, O_COVERED, O_STALE, O_GEN, O_PNODE,
	O_PUUID, O_PCOVERED, O_SUPER_CORRUPT, O_NO_SUPER, O_REGION, O_HALF,
	O_HALF_CORRUPT, O_ENTRY, O_SEQ, O_WRITE, O_DISCARD, O_CORRUPT,
};

static const struct option opts[] = {
	{ "node", required_argument, NULL, O_NODE },
	{ "cluster", required_argument, NULL, O_CLUSTER },
	{ "uuid", required_argument, NULL, O_UUID },
	{ "covered", required_argument, NULL, O_COVERED },
	{ "stale-covered", required_argument, NULL, O_STALE },
	{ "gen", required_argument, NULL, O_GEN },
	{ "partner-node", required_argument, NULL, O_PNODE },
	{ "partner-uuid", required_argument, NULL, O_PUUID },
	{ "partner-covered", required_argument, NULL, O_PCOVERED },
	{ "super-corrupt", required_argument, NULL, O_SUPER_CORRUPT },
	{ "no-super", no_argument, NULL, O_NO_SUPER },
	{ "region", required_argument, NULL, O_REGION },
	{ "half", required_argument, NULL, O_HALF },
	{ "half-corrupt", required_argument, NULL, O_HALF_CORRUPT },
	{ "entry", optional_argument, NULL, O_ENTRY },
	{ "seq", required_argument, NULL, O_SEQ },
	{ "write", required_argument, NULL, O_WRITE },
	{ "discard", required_argument, NULL, O_DISCARD },
	{ "corrupt", required_argument, NULL, O_CORRUPT },
	{ 0 }
};

static void globals(struct img *m, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "s:b:", opts, NULL)) != -1) {
		switch (c) {
		case 's': m->size = num(optarg); break;
		case 'b': m->shift = num(optarg); break;
		case O_NODE: m->node = num(optarg); break;
		case O_CLUSTER: m->cluster = num(optarg); break;
		case O_UUID: uuid(optarg, m->uuid); break;
		case O_COVERED: m->covered = num(optarg); break;
		case O_STALE:
			m->stale_covered = num(optarg);
			m->has_stale = true;
			break;
		case O_GEN: m->gen = num(optarg); break;
		case O_PNODE: m->pnode = num(optarg); break;
		case O_PUUID: uuid(optarg, m->puuid); break;
		case O_PCOVERED: m->pcovered = num(optarg); break;
		case O_SUPER_CORRUPT:
			if ((optarg[0] != '0' && optarg[0] != '1') ||
			    optarg[1] != ':')
				die("bad --super-corrupt '%s'", optarg);
			m->super_corrupt[optarg[0] - '0'] = optarg + 2;
			break;
		case O_NO_SUPER: m->no_super = true; break;
		case '?': exit(2);
		default: break;
		}
	}
}

static void ops(struct img *m, int argc, char **argv)
{
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:b:", opts, NULL)) != -1) {
		switch (c) {
		case O_REGION:
			seal_entry(m);
			if (!strcmp(optarg, "local"))
				m->mirror_region = false;
			else if (!strcmp(optarg, "mirror"))
				m->mirror_region = true;
			else
				die("bad region '%s'", optarg);
			m->cur_half = -1;
			break;
		case O_HALF: write_half(m, optarg); break;
		case O_HALF_CORRUPT: corrupt_half(m, optarg); break;
		case O_ENTRY:
			seal_entry(m);
			if (m->cur_half < 0)
				die("--entry before --half");
			memset(&m->e, 0, sizeof(m->e));
			m->e.open = true;
			m->e.seq = m->next_seq;
			m->e.epoch = optarg ? num(optarg) : m->last_epoch;
			break;
		case O_SEQ:
			/* Applies to the open entry, or the next one. */
			if (m->e.open)
				m->e.seq = num(optarg);
			else
				m->next_seq = num(optarg);
			break;
		case O_WRITE: add_record(m, optarg, true); break;
		case O_DISCARD: add_record(m, optarg, false); break;
		case O_CORRUPT:
			if (!m->e.open)
				die("--corrupt before --entry");
			m->e.corrupt = optarg;
			break;
		default: break;
		}
	}
	seal_entry(m);
}

int main(int argc, char **argv)
{
	struct img m = {
		.size = 5 << 20, .shift = 9, .node = 1, .cluster = 7, .gen = 2,
		.cur_half = -1,
	};
	const char *path;
	int fd;

	memset(m.uuid, 0x11, 16);
	globals(&m, argc, argv);
	if (optind != argc - 1)
		die("usage: mkwlog [OPTIONS] IMAGE (see the source)");
	path = argv[optind];
	if (m.shift < 9 || m.shift > 12 || m.gen < 2)
		die("bad -b or --gen");
	m.unit = 1U << (m.shift - 9);
	m.sectors = m.size / SECTOR;
	if (m.sectors < REGIONS_START + 4 * HASTOR_WLOG_MIN_HALF_SECTORS)
		die("image too small");
	m.half = (m.sectors - REGIONS_START) / 4 / 8 * 8;
	m.local = REGIONS_START;
	m.mirror = REGIONS_START + 2 * m.half;
	m.b = calloc(1, m.size);
	if (!m.b)
		die("out of memory");
	ops(&m, argc, argv);
	if (!m.no_super) {
		write_super(&m, m.gen % 2, m.gen, m.covered);
		write_super(&m, (m.gen - 1) % 2, m.gen - 1,
			    m.has_stale ? m.stale_covered : m.covered);
	}
	printf("half_sectors %" PRIu64 " local %" PRIu64 " mirror %" PRIu64
	       "\n", m.half, m.local, m.mirror);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, m.b, m.size) != (ssize_t)m.size || close(fd))
		die("%s: %s", path, strerror(errno));
	free(m.b);
	return 0;
}
