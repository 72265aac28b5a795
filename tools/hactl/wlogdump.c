// SPDX-License-Identifier: GPL-2.0
/*
 * hactl wlog dump: reads a write-log device offline
 * (Documentation/wlog-format.md, include/uapi/linux/hastor_wlog.h) and
 * prints its superblock, what each half holds and where it ends, and the
 * records of the entries the log still needs; optionally replays the
 * records of one volume into a file.
 *
 * The validation is the kernel's (kernel/wlog_format.c, wlog_scan.c),
 * rule for rule and in the same order, so that what this prints is what
 * an attach would find: the newer valid superblock copy, a half only
 * with a valid header, entries from the half's start while the next one
 * validates.  Everything on the device is untrusted: every length and
 * offset is checked before it is used.
 *
 * A half is read twice: once to find where it ends (the half lines come
 * before the records), then again, up to that entry, to print and apply
 * the records; so memory stays at one entry whatever the log holds.
 */
#define _GNU_SOURCE	/* O_DIRECT, fallocate */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/hastor_wlog.h>

#include "format.h"
#include "hactl.h"
#include "names.h"
#include "output.h"
#include "wlogdump.h"

_Static_assert(sizeof(struct hastor_wlog_record) == 40, "wlog record");
_Static_assert(sizeof(struct hastor_wlog_entry) == 64, "wlog entry");
_Static_assert(sizeof(struct hastor_wlog_half) == 56, "wlog half");
_Static_assert(offsetof(struct hastor_wlog_super, partner_covered_seq) == 120,
	       "wlog super");

#define SECTOR		512
#define BLOCK_SECTORS	(HASTOR_BLOCK_SIZE / SECTOR)
/* The first sector of the regions (the kernel's HASTOR_WLOG_REGIONS_START). */
#define REGIONS_START	2048
/* hdr_sectors of 128 records with 4 KiB units: the largest header. */
#define MAX_HDR_SECTORS	16
/* Blocks covering the largest entry at any sector of a block. */
#define BUF_BLOCKS \
	((MAX_HDR_SECTORS + HASTOR_WLOG_MAX_DATA_SECTORS) / BLOCK_SECTORS + 2)

struct layout {
	uint64_t device_sectors, local_start, mirror_start, half_sectors;
	uint32_t block_shift, unit;
};

struct half {
	uint32_t index;
	uint64_t start;		/* device sector */
	bool valid;		/* its header is */
	char why[96];		/* why the header is not valid / the half ends */
	uint64_t epoch, first_seq, last_seq, entries;
	uint64_t used;		/* sectors from start: header and entries */
};

struct dump {
	struct hactl *ctx;
	const char *path;
	int fd;
	bool partner, all;
	/* --volume/--image/--pool */
	const char *image;
	uint64_t vol;
	bool has_pool;
	uint8_t pool[16];
	int img_fd;
	bool img_reg;		/* a regular file: holes may be punched */
	uint64_t writes, discards;

	struct hastor_wlog_super sb;
	int copy;		/* the superblock copy used */
	int bad_copy;		/* the other one if it is not valid, or -1 */
	char bad_why[96];
	struct layout l;
	const uint8_t *uuid;	/* of the region read */
	uint64_t covered;
	bool no_partner;	/* --partner, but the superblock names none */
	struct half halves[2];
	int order[2];

	uint8_t *buf;		/* BUF_BLOCKS blocks, page-aligned */
	const struct hastor_wlog_entry *e;	/* into buf, after read_entry */
	uint64_t records;	/* printed */
};

static uint64_t round_up64(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Layout and validators: kernel/wlog_format.c */

static int layout_make(uint64_t device_sectors, uint32_t block_shift,
		       struct layout *l)
{
	uint64_t half;

	if (block_shift < 9 || block_shift > 12)
		return -EINVAL;
	if (device_sectors < REGIONS_START + 4 * HASTOR_WLOG_MIN_HALF_SECTORS)
		return -ENOSPC;
	half = (device_sectors - REGIONS_START) / 4;
	half -= half % BLOCK_SECTORS;
	l->device_sectors = device_sectors;
	l->block_shift = block_shift;
	l->unit = 1U << (block_shift - 9);
	l->half_sectors = half;
	l->local_start = REGIONS_START;
	l->mirror_start = REGIONS_START + 2 * half;
	return 0;
}

/*
 * shift is the device's logical block size, or for a regular file (which
 * has none) 0: the superblock's is taken if the format allows it.
 */
static const char *super_check(const struct hastor_wlog_super *s,
			       uint64_t dev_sectors, uint32_t shift,
			       struct layout *l)
{
	uint64_t fmt_sectors = le64toh(s->device_sectors);
	uint32_t sb_shift = le32toh(s->block_shift);

	if (le32toh(s->magic) != HASTOR_WLOG_SUPER_MAGIC)
		return "no write-log magic";
	if (le32toh(s->csum) != hastor_csum(s))
		return "write-log superblock checksum mismatch";
	if (le32toh(s->version) != HASTOR_WLOG_VERSION)
		return "unknown write-log version";
	if (!shift && (sb_shift < 9 || sb_shift > 12))
		return "write-log block size is not 512..4096 bytes";
	if (shift && sb_shift != shift)
		return "write-log block size differs from the device's";
	if (fmt_sectors > dev_sectors)
		return "write log is larger than its device";
	if (layout_make(fmt_sectors, sb_shift, l) ||
	    l->local_start != le64toh(s->local_start) ||
	    l->mirror_start != le64toh(s->mirror_start) ||
	    l->half_sectors != le64toh(s->half_sectors))
		return "write-log layout is inconsistent";
	if (!le32toh(s->node_id) || !le32toh(s->cluster_id))
		return "write log names no node";
	return NULL;
}

static const char *half_check(const struct hastor_wlog_half *h,
			      const uint8_t *uuid, uint32_t index)
{
	if (le32toh(h->magic) != HASTOR_WLOG_HALF_MAGIC)
		return "no half magic";
	if (le32toh(h->csum) != hastor_csum(h))
		return "half header checksum mismatch";
	if (memcmp(h->log_uuid, uuid, 16))
		return "half header of another log";
	if (le32toh(h->index) != index)
		return "half header in the wrong slot";
	if (!le64toh(h->first_seq) || !le64toh(h->epoch))
		return "half header with zero sequence or epoch";
	return NULL;
}

static uint32_t hdr_sectors(uint32_t nr_records, uint32_t unit)
{
	uint32_t len = sizeof(struct hastor_wlog_entry) +
		       nr_records * sizeof(struct hastor_wlog_record);

	return round_up64((len + SECTOR - 1) / SECTOR, unit);
}

static uint32_t entry_sectors(uint32_t hdr, uint32_t data, uint32_t unit)
{
	return round_up64((uint64_t)hdr + data, unit);
}

struct expect {
	const uint8_t *uuid;
	uint64_t seq, min_epoch, room;
	uint32_t unit;
};

/*
 * hs_wlog_entry_check(): the header of len bytes (the records only if
 * len covers hdr_sectors).  NULL if it is valid so far.
 */
static const char *entry_check(const struct hastor_wlog_entry *e, size_t len,
			       const struct expect *x)
{
	uint32_t nr, hdr, data, sum = 0, i;

	if (len < sizeof(*e))
		return "entry header truncated";
	if (le32toh(e->magic) != HASTOR_WLOG_ENTRY_MAGIC)
		return "no entry";
	/* The kernel's "no entry here" too; the reason is worth telling. */
	if (memcmp(e->log_uuid, x->uuid, 16))
		return "entry of another log";
	if (le64toh(e->seq) != x->seq)
		return "entry out of sequence";
	if (le64toh(e->epoch) < x->min_epoch)
		return "entry from an older epoch";
	nr = le32toh(e->nr_records);
	hdr = le32toh(e->hdr_sectors);
	data = le32toh(e->data_sectors);
	if (e->flags || !nr || nr > HASTOR_WLOG_MAX_RECORDS ||
	    hdr != hdr_sectors(nr, x->unit) ||
	    data > HASTOR_WLOG_MAX_DATA_SECTORS)
		return "entry header out of bounds";
	if (entry_sectors(hdr, data, x->unit) > x->room)
		return "entry runs past the end of its half";
	if (len < (size_t)hdr * SECTOR)
		return NULL;
	for (i = 0; i < nr; i++) {
		const struct hastor_wlog_record *r = &e->records[i];
		uint32_t n = le32toh(r->nr_sectors);
		uint64_t end;

		if (r->flags || !n ||
		    __builtin_add_overflow(le64toh(r->sector), (uint64_t)n,
					   &end))
			return "record out of bounds";
		switch (le16toh(r->op)) {
		case HASTOR_WLOG_OP_WRITE:
			if (n > HASTOR_WLOG_MAX_DATA_SECTORS)
				return "record out of bounds";
			sum += n;
			break;
		case HASTOR_WLOG_OP_DISCARD:
			break;
		default:
			return "record with an unknown operation";
		}
		if (sum > data)
			return "records hold more data than the entry";
	}
	if (sum != data)
		return "records hold less data than the entry";
	return NULL;
}

/* Device I/O */

/*
 * Sectors [sector, sector + n) into d->buf, through the 4 KiB blocks
 * covering them (an O_DIRECT descriptor needs whole aligned blocks);
 * returns where sector starts in d->buf.  The caller keeps n within
 * what BUF_BLOCKS covers.
 */
static uint8_t *read_sectors(struct dump *d, uint64_t sector, uint32_t n,
			     int *err)
{
	uint64_t first = sector / BLOCK_SECTORS;
	uint64_t last = (sector + n + BLOCK_SECTORS - 1) / BLOCK_SECTORS;
	uint64_t b;

	if (last - first > BUF_BLOCKS) {
		*err = -EINVAL;		/* a bug: nothing reads that much */
		return NULL;
	}
	for (b = first; b < last; b++) {
		*err = hastor_read_block(d->fd, b,
					 d->buf + (b - first) * HASTOR_BLOCK_SIZE);
		if (*err)
			return NULL;
	}
	*err = 0;
	return d->buf + (sector % BLOCK_SECTORS) * SECTOR;
}

static const char *io_str(int err)
{
	return err == -ENXIO ? "beyond the end of the device" : strerror(-err);
}

/* Size in sectors and logical block shift (0 for a regular file). */
static int dev_geometry(int fd, uint64_t *sectors, uint32_t *shift)
{
	struct stat st;
	uint64_t bytes;
	int lbs;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*sectors = st.st_size / SECTOR;
		*shift = 0;
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (ioctl(fd, BLKGETSIZE64, &bytes) < 0 ||
	    ioctl(fd, BLKSSZGET, &lbs) < 0)
		return -errno;
	*sectors = bytes / SECTOR;
	*shift = lbs > 0 ? __builtin_ctz(lbs) : 0;
	return 0;
}

/* Superblock */

static int load_super(struct dump *d)
{
	const char *why[2] = { NULL, NULL };
	struct hastor_wlog_super s[2];
	struct layout l[2];
	uint64_t sectors = 0;
	uint32_t shift = 0;
	int i, err, magic = 0;

	err = dev_geometry(d->fd, &sectors, &shift);
	if (err) {
		fprintf(stderr, "hactl: %s: %s: %s\n", d->ctx->path, d->path,
			strerror(-err));
		return HACTL_EXIT_FAIL;
	}
	for (i = 0; i < 2; i++) {
		uint8_t *b = read_sectors(d, HASTOR_WLOG_SUPER_SECTOR +
					  i * BLOCK_SECTORS, BLOCK_SECTORS,
					  &err);

		if (!b) {
			fprintf(stderr, "hactl: %s: %s: cannot read superblock copy %d: %s\n",
				d->ctx->path, d->path, i, io_str(err));
			return HACTL_EXIT_FAIL;
		}
		/* Checked in the buffer: the checksum covers the block. */
		why[i] = super_check((const void *)b, sectors, shift, &l[i]);
		memcpy(&s[i], b, sizeof(s[i]));
		magic += le32toh(s[i].magic) == HASTOR_WLOG_SUPER_MAGIC;
	}
	if (why[0] && why[1]) {
		if (!magic)
			fprintf(stderr, "hactl: %s: %s: no write log (neither superblock copy has the write-log magic)\n",
				d->ctx->path, d->path);
		else
			fprintf(stderr, "hactl: %s: %s: write log damaged: superblock copy 0: %s; copy 1: %s\n",
				d->ctx->path, d->path, why[0], why[1]);
		return HACTL_EXIT_FAIL;
	}
	/* The newer valid copy; copy 0 on a tie. */
	d->copy = why[0] ? 1 : why[1] ? 0 :
		  le64toh(s[1].generation) > le64toh(s[0].generation);
	d->bad_copy = why[!d->copy] ? !d->copy : -1;
	if (d->bad_copy >= 0)
		snprintf(d->bad_why, sizeof(d->bad_why), "%s", why[d->bad_copy]);
	d->sb = s[d->copy];
	d->l = l[d->copy];
	return HACTL_EXIT_OK;
}

/* Halves */

/*
 * Reads and checks the entry at pos: 0 with its sectors and d->e set,
 * 1 if the half ends here (why set), or -errno if the device fails.
 */
static int read_entry(struct dump *d, uint64_t pos, const struct expect *x,
		      uint32_t *sectors, const char **why)
{
	const struct hastor_wlog_entry *e;
	uint32_t first = x->room < 8 ? x->room : 8, hdr, data, crc;
	int err;

	e = (const void *)read_sectors(d, pos, first, &err);
	if (!e)
		return err;
	*why = entry_check(e, (size_t)first * SECTOR, x);
	if (*why)
		return 1;
	hdr = le32toh(e->hdr_sectors);
	data = le32toh(e->data_sectors);
	/* All of it, header again and data: bounded by the check above. */
	e = (const void *)read_sectors(d, pos, hdr + data, &err);
	if (!e)
		return err;
	if (le32toh(e->hdr_sectors) != hdr ||
	    le32toh(e->data_sectors) != data)
		return -ESTALE;	/* it changed under us: not a log at rest */
	*why = entry_check(e, (size_t)hdr * SECTOR, x);
	if (*why)
		return 1;
	/* The kernel's crc32c() is ISA-L's crc32_iscsi(), as in format.c. */
	crc = crc32_iscsi((unsigned char *)e + 4, hdr * SECTOR - 4,
			  HASTOR_CSUM_SEED);
	crc = crc32_iscsi((unsigned char *)e + (size_t)hdr * SECTOR,
			  (uint64_t)data * SECTOR, crc);
	if (le32toh(e->csum) != (crc ^ HASTOR_CSUM_XOR)) {
		*why = "checksum mismatch (torn)";
		return 1;
	}
	d->e = e;
	*sectors = entry_sectors(hdr, data, x->unit);
	return 0;
}

typedef int (*visit_fn)(struct dump *d);

/*
 * Walks a half's entries as hs_wlog_scan() does.  Without visit, finds
 * where it ends; with it, calls visit for each of the h->entries found
 * before, and fails if there are fewer now.  0 or -errno.
 */
static int scan_half(struct dump *d, struct half *h, visit_fn visit)
{
	struct expect x = {
		.uuid = d->uuid,
		.seq = h->first_seq,
		.min_epoch = h->epoch,
		.unit = d->l.unit,
	};
	uint64_t pos = h->start + HASTOR_WLOG_HALF_HDR_SECTORS, n = 0;
	const char *why = "end of half";
	uint32_t sectors = 0;
	int err;

	for (;;) {
		if (visit && n == h->entries)
			return 0;
		x.room = h->start + d->l.half_sectors - pos;
		if (x.room < x.unit) {
			why = "end of half";
			break;
		}
		err = read_entry(d, pos, &x, &sectors, &why);
		if (err < 0)
			return err;
		if (err)
			break;
		if (visit) {
			err = visit(d);
			if (err)
				return err;
		}
		n++;
		pos += sectors;
		x.seq++;
		x.min_epoch = le64toh(d->e->epoch);
	}
	if (visit)
		return -ESTALE;
	h->entries = n;
	h->last_seq = x.seq - 1;
	h->used = pos - h->start;
	snprintf(h->why, sizeof(h->why), "%s", why);
	return 0;
}

static int scan(struct dump *d)
{
	uint64_t region = d->partner ? d->l.mirror_start : d->l.local_start;
	int i, err;

	d->order[0] = 0;
	d->order[1] = 1;
	for (i = 0; i < 2; i++) {
		struct half *h = &d->halves[i];
		const struct hastor_wlog_half *hh;
		const char *why;

		memset(h, 0, sizeof(*h));
		h->index = i;
		h->start = region + i * d->l.half_sectors;
		if (d->no_partner) {
			snprintf(h->why, sizeof(h->why), "no partner log");
			continue;
		}
		hh = (const void *)read_sectors(d, h->start,
						HASTOR_WLOG_HALF_HDR_SECTORS,
						&err);
		if (!hh)
			return err;
		why = half_check(hh, d->uuid, i);
		if (why) {
			snprintf(h->why, sizeof(h->why), "%s", why);
			continue;
		}
		h->valid = true;
		h->epoch = le64toh(hh->epoch);
		h->first_seq = le64toh(hh->first_seq);
	}
	if (d->halves[0].valid && d->halves[1].valid &&
	    d->halves[1].epoch < d->halves[0].epoch) {
		d->order[0] = 1;
		d->order[1] = 0;
	}
	for (i = 0; i < 2; i++) {
		if (!d->halves[i].valid)
			continue;
		err = scan_half(d, &d->halves[i], NULL);
		if (err)
			return err;
	}
	return 0;
}

/* Output */

static void print_super(const struct dump *d)
{
	const struct hastor_wlog_super *s = &d->sb;
	char u[37], esc[HACTL_ESC_LEN];

	out_field("device", "%s", hactl_esc(d->path, esc, sizeof(esc)));
	out_field("region", "%s (sectors %" PRIu64 "..%" PRIu64 ")",
		  d->partner ? "partner" : "local",
		  d->halves[0].start,
		  d->halves[0].start + 2 * d->l.half_sectors - 1);
	out_field("node", "%u", le32toh(s->node_id));
	out_field("cluster", "%u", le32toh(s->cluster_id));
	hactl_uuid_str(s->log_uuid, u);
	out_field("log uuid", "%s", u);
	out_field("superblock", "copy %d, generation %" PRIu64, d->copy,
		  (uint64_t)le64toh(s->generation));
	if (d->bad_copy >= 0)
		out_field("other copy", "invalid: %s", d->bad_why);
	out_field("block size", "%u", 1U << d->l.block_shift);
	out_field("device sectors", "%" PRIu64, d->l.device_sectors);
	out_field("local start", "%" PRIu64, d->l.local_start);
	out_field("mirror start", "%" PRIu64, d->l.mirror_start);
	out_field("half sectors", "%" PRIu64, d->l.half_sectors);
	out_field("covered seq", "%" PRIu64, (uint64_t)le64toh(s->covered_seq));
	if (!d->partner)
		return;
	out_field("partner node", "%u", le32toh(s->partner_node));
	hactl_uuid_str(s->partner_log_uuid, u);
	out_field("partner log uuid", "%s", u);
	out_field("partner covered seq", "%" PRIu64,
		  (uint64_t)le64toh(s->partner_covered_seq));
}

static void print_half(const struct dump *d, const struct half *h)
{
	if (!h->valid) {
		printf("half %u: no valid header (%s)\n", h->index, h->why);
		return;
	}
	printf("half %u: epoch %" PRIu64 ", first seq %" PRIu64 ", entries %"
	       PRIu64 ", last seq ", h->index, h->epoch, h->first_seq,
	       h->entries);
	if (h->entries)
		printf("%" PRIu64, h->last_seq);
	else
		fputc('-', stdout);
	printf(", ends at sector %" PRIu64 " (%" PRIu64 " of %" PRIu64
	       " used): %s\n", h->start + h->used, h->used, d->l.half_sectors,
	       h->why);
}

static void json_half(const struct half *h)
{
	json_open(NULL);
	json_uint("index", h->index);
	json_uint("start", h->start);
	json_bool("valid", h->valid);
	if (h->valid) {
		json_uint("epoch", h->epoch);
		json_uint("first_seq", h->first_seq);
		/* first_seq - 1 when it holds none, as "wlog show". */
		json_uint("last_seq", h->last_seq);
		json_uint("used", h->used);
	}
	json_uint("entries", h->entries);
	json_str("end", h->why);
	json_close();
}

static void json_head(const struct dump *d)
{
	const struct hastor_wlog_super *s = &d->sb;
	char u[37];
	int i;

	json_open(NULL);
	json_open("wlog_dump");
	json_str("region", d->partner ? "partner" : "local");
	json_uint("node", le32toh(s->node_id));
	json_uint("cluster", le32toh(s->cluster_id));
	if (d->partner)
		json_uint("partner_node", le32toh(s->partner_node));
	/* The region's log: the partner's with --partner. */
	hactl_uuid_str(d->uuid, u);
	json_str("log_uuid", u);
	json_uint("covered_seq", d->covered);
	hactl_uuid_str(s->log_uuid, u);
	json_str("own_log_uuid", u);
	json_uint("own_covered_seq", le64toh(s->covered_seq));
	json_uint("generation", le64toh(s->generation));
	json_uint("copy", d->copy);
	if (d->bad_copy >= 0)
		json_str("other_copy_invalid", d->bad_why);
	json_uint("block_size", 1U << d->l.block_shift);
	json_uint("device_sectors", d->l.device_sectors);
	json_uint("local_start", d->l.local_start);
	json_uint("mirror_start", d->l.mirror_start);
	json_uint("half_sectors", d->l.half_sectors);
	json_array_open("halves");
	for (i = 0; i < 2; i++)
		json_half(&d->halves[i]);
	json_array_close();
}

/* Replaying into --image */

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done,
			   (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

/* Zeros over [off, off + len): a hole where possible, else written. */
static int zero_range(struct dump *d, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[1 << 16];
	struct stat st;
	uint64_t end = off + len, n;
	int err;

	if (!len)
		return 0;
	if (d->img_reg) {
		if (fstat(d->img_fd, &st) < 0)
			return -errno;
		/* Past the end, growing the file is writing zeros. */
		if ((uint64_t)st.st_size < end &&
		    ftruncate(d->img_fd, (off_t)end) < 0)
			return -errno;
		if (off >= (uint64_t)st.st_size)
			return 0;
		if ((uint64_t)st.st_size < end)
			end = st.st_size;
		if (!fallocate(d->img_fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, (off_t)off,
			       (off_t)(end - off)))
			return 0;
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return -errno;
	}
	while (off < end) {
		n = end - off < sizeof(zeros) ? end - off : sizeof(zeros);
		err = pwrite_all(d->img_fd, zeros, n, off);
		if (err)
			return err;
		off += n;
	}
	return 0;
}

/* A file offset holds at most INT64_MAX bytes. */
#define MAX_IMG_SECTOR ((uint64_t)INT64_MAX / SECTOR)

static int apply(struct dump *d, const struct hastor_wlog_record *r,
		 const uint8_t *data)
{
	uint64_t sector = le64toh(r->sector);
	uint32_t n = le32toh(r->nr_sectors);
	uint64_t b, last;

	if (sector + n > MAX_IMG_SECTOR)
		return -EFBIG;
	if (le16toh(r->op) == HASTOR_WLOG_OP_WRITE) {
		d->writes++;
		return pwrite_all(d->img_fd, data, (size_t)n * SECTOR,
				  sector * SECTOR);
	}
	/* As the kernel's discard: whole 4 KiB blocks only. */
	d->discards++;
	b = (sector + BLOCK_SECTORS - 1) / BLOCK_SECTORS;
	last = (sector + n) / BLOCK_SECTORS;
	if (b >= last)
		return 0;
	return zero_range(d, b * HASTOR_BLOCK_SIZE,
			  (last - b) * HASTOR_BLOCK_SIZE);
}

/* Prints (and applies) the records of the entry in d->e. */
static int visit(struct dump *d)
{
	const struct hastor_wlog_entry *e = d->e;
	uint64_t seq = le64toh(e->seq);
	uint32_t nr = le32toh(e->nr_records), i;
	const uint8_t *data = (const uint8_t *)e +
			      (size_t)le32toh(e->hdr_sectors) * SECTOR;
	char u[37];
	int err;

	if (!d->all && seq <= d->covered)
		return 0;
	for (i = 0; i < nr; i++) {
		const struct hastor_wlog_record *r = &e->records[i];
		bool write = le16toh(r->op) == HASTOR_WLOG_OP_WRITE;
		uint32_t n = le32toh(r->nr_sectors);

		hactl_uuid_str(r->pool_uuid, u);
		if (out_json()) {
			json_open(NULL);
			json_uint("seq", seq);
			json_str("op", write ? "write" : "discard");
			json_str("pool", u);
			json_uint("vol", le64toh(r->vol_id));
			json_uint("sector", le64toh(r->sector));
			json_uint("sectors", n);
			json_close();
		} else {
			printf("seq %" PRIu64 " op %s pool %s vol %" PRIu64
			       " sector %" PRIu64 " sectors %u\n", seq,
			       write ? "write" : "discard", u,
			       (uint64_t)le64toh(r->vol_id),
			       (uint64_t)le64toh(r->sector), n);
		}
		d->records++;
		if (d->image && le64toh(r->vol_id) == d->vol &&
		    (!d->has_pool || !memcmp(r->pool_uuid, d->pool, 16))) {
			err = apply(d, r, data);
			if (err) {
				fprintf(stderr, "hactl: %s: %s: entry %" PRIu64
					" record %u: %s\n", d->ctx->path,
					d->image, seq, i,
					err == -EFBIG ?
					"beyond what a file can hold" :
					strerror(-err));
				return -ECANCELED;	/* reported */
			}
		}
		/* Validated: the writes' sectors add up to data_sectors. */
		if (write)
			data += (size_t)n * SECTOR;
	}
	return 0;
}

/* Command line */

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
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

/* 8-4-4-4-12 hex digits, or 32 without hyphens. */
static bool parse_uuid(const char *s, uint8_t out[16])
{
	size_t len = strlen(s), i, k = 0;
	bool hyphens = len == 36;
	int hi, lo;

	if (len != 32 && len != 36)
		return false;
	for (i = 0; i < len; ) {
		if (hyphens && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0 || k == 16)
			return false;
		out[k++] = hi << 4 | lo;
		i += 2;
	}
	return k == 16;
}

static int parse_args(struct dump *d, int argc, char **argv)
{
	enum { O_VOLUME = 256, O_IMAGE, O_POOL };
	static const struct option opts[] = {
		{ "partner", no_argument,       NULL, 'p' },
		{ "all",     no_argument,       NULL, 'a' },
		{ "volume",  required_argument, NULL, O_VOLUME },
		{ "image",   required_argument, NULL, O_IMAGE },
		{ "pool",    required_argument, NULL, O_POOL },
		{ "help",    no_argument,       NULL, 'h' },
		{ 0 }
	};
	bool has_vol = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":pah", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			d->partner = true;
			break;
		case 'a':
			d->all = true;
			break;
		case O_VOLUME:
			if (!parse_u64(optarg, &d->vol))
				return hactl_usage_error(d->ctx, "invalid volume id '%s'",
							 optarg);
			has_vol = true;
			break;
		case O_IMAGE:
			if (!*optarg)
				return hactl_usage_error(d->ctx, "empty --image");
			d->image = optarg;
			break;
		case O_POOL:
			if (!parse_uuid(optarg, d->pool))
				return hactl_usage_error(d->ctx, "invalid pool uuid '%s'",
							 optarg);
			d->has_pool = true;
			break;
		case 'h':
			hactl_help(d->ctx);
			return -1;
		default:
			return hactl_bad_option(d->ctx, c, argv);
		}
	}
	if (has_vol != !!d->image)
		return hactl_usage_error(d->ctx, "--volume and --image go together");
	if (d->has_pool && !d->image)
		return hactl_usage_error(d->ctx, "--pool needs --volume and --image");
	if (optind >= argc)
		return hactl_usage_error(d->ctx, "missing DEV");
	if (argc - optind > 1)
		return hactl_usage_error(d->ctx, "unexpected argument '%s'",
					 argv[optind + 1]);
	d->path = argv[optind];
	return 0;
}

static int open_dev(struct dump *d)
{
	/* O_DIRECT: not a page cache that may be older than the device. */
	d->fd = open(d->path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (d->fd < 0 && errno == EINVAL)
		d->fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		fprintf(stderr, "hactl: %s: %s: %s\n", d->ctx->path, d->path,
			strerror(errno));
		return HACTL_EXIT_FAIL;
	}
	return HACTL_EXIT_OK;
}

static int open_image(struct dump *d)
{
	struct stat st;

	/* Never O_TRUNC: what the log does not touch stays. */
	d->img_fd = open(d->image, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (d->img_fd < 0 || fstat(d->img_fd, &st) < 0) {
		fprintf(stderr, "hactl: %s: %s: %s\n", d->ctx->path, d->image,
			strerror(errno));
		return HACTL_EXIT_FAIL;
	}
	d->img_reg = S_ISREG(st.st_mode);
	return HACTL_EXIT_OK;
}

static const char *scan_err(int err)
{
	if (err == -ESTALE)
		return "the device changed while it was read";
	return io_str(err);
}

/* Records, in the order the kernel replays them; 0 or -errno. */
static int records(struct dump *d)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		struct half *h = &d->halves[d->order[i]];

		if (!h->valid || !h->entries)
			continue;
		err = scan_half(d, h, visit);
		if (err)
			return err;
	}
	return 0;
}

static int run(struct dump *d)
{
	char esc[HACTL_ESC_LEN];
	int i, ret, err;

	ret = load_super(d);
	if (ret)
		return ret;
	if (d->partner) {
		static const uint8_t none[16];

		d->uuid = d->sb.partner_log_uuid;
		d->covered = le64toh(d->sb.partner_covered_seq);
		d->no_partner = !memcmp(d->uuid, none, 16);
	} else {
		d->uuid = d->sb.log_uuid;
		d->covered = le64toh(d->sb.covered_seq);
	}
	err = scan(d);
	if (err) {
		fprintf(stderr, "hactl: %s: %s: cannot read the log: %s\n",
			d->ctx->path, d->path, scan_err(err));
		return HACTL_EXIT_FAIL;
	}
	if (d->image && open_image(d))
		return HACTL_EXIT_FAIL;

	if (out_json()) {
		json_head(d);
		json_array_open("records");
	} else {
		print_super(d);
		if (d->no_partner)
			printf("\nno partner log: the superblock names none\n");
		fputc('\n', stdout);
		for (i = 0; i < 2; i++)
			print_half(d, &d->halves[i]);
		fputc('\n', stdout);
		if (d->all)
			printf("records of all entries:\n");
		else
			printf("records of entries above covered seq %" PRIu64
			       ":\n", d->covered);
	}
	err = records(d);
	if (out_json()) {
		/* A whole document even after an error, which follows. */
		json_array_close();
		if (d->image) {
			json_open("image");
			json_str("path", d->image);
			json_uint("vol", d->vol);
			json_uint("writes", d->writes);
			json_uint("discards", d->discards);
			json_close();
		}
		json_close();
		json_close();
	} else {
		if (!d->records)
			printf("none\n");
		if (d->image)
			printf("\nimage %s: volume %" PRIu64 ": applied %" PRIu64
			       " writes, %" PRIu64 " discards\n",
			       hactl_esc(d->image, esc, sizeof(esc)), d->vol,
			       d->writes, d->discards);
	}
	fflush(stdout);
	if (err && err != -ECANCELED)
		fprintf(stderr, "hactl: %s: %s: cannot read the log: %s\n",
			d->ctx->path, d->path, scan_err(err));
	if (!err && d->image && fsync(d->img_fd) < 0 && errno != EINVAL) {
		fprintf(stderr, "hactl: %s: %s: %s\n", d->ctx->path, d->image,
			strerror(errno));
		err = -errno;
	}
	return err ? HACTL_EXIT_FAIL : HACTL_EXIT_OK;
}

/*
 * "hactl wlog dump DEV [--partner] [--all] [--volume ID --image FILE
 * [--pool UUID]]": 0 read, 1 damaged or unreadable, 2 usage.
 */
int cmd_wlog_dump(struct hactl *ctx, int argc, char **argv)
{
	struct dump d = { .ctx = ctx, .fd = -1, .img_fd = -1 };
	int ret;

	ret = parse_args(&d, argc, argv);
	if (ret)
		return ret < 0 ? HACTL_EXIT_OK : ret;
	if (posix_memalign((void **)&d.buf, HASTOR_BLOCK_SIZE,
			   (size_t)BUF_BLOCKS * HASTOR_BLOCK_SIZE)) {
		fprintf(stderr, "hactl: %s: out of memory\n", ctx->path);
		return HACTL_EXIT_FAIL;
	}
	ret = open_dev(&d);
	if (!ret)
		ret = run(&d);
	if (d.img_fd >= 0 && close(d.img_fd) < 0 && !ret) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, d.image,
			strerror(errno));
		ret = HACTL_EXIT_FAIL;
	}
	if (d.fd >= 0)
		close(d.fd);
	free(d.buf);
	return ret;
}
