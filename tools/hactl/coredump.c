// SPDX-License-Identifier: GPL-2.0
/*
 * hactl coredump select | write | list | save | clear: a node's memory
 * dump on a spare shared disk (Documentation/coredump.md).
 *
 * Everything about a dump is on its disk: the attributes (two slots,
 * the newer valid one wins), a checksum table and the data.  So list,
 * save and clear need neither the kernel nor the node that wrote the
 * dump, and trust nothing they read: a slot is taken only once its
 * header and every field check against the disk's size, a chunk only
 * once its crc32c matches the table entry of the same dump.
 *
 * The writer makes each step durable before it claims it: data and
 * table, then the attributes that count them.  A writer that dies
 * leaves an attribute block in state "writing" that stops being
 * updated; a reader calls that dump torn and recovers the chunks the
 * table vouches for.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <linux/hastor.h>

#include "coredump.h"
#include "coredump_disk.h"
#include "coredump_rank.h"
#include "disk.h"
#include "format.h"
#include "names.h"
#include "output.h"

/* ---- the disks ---- */

struct cd_disk {
	struct disk_brief b;
	struct cd_info di;
	bool readable;
	bool blank;		/* unlabelled: nothing at its start */
};

/*
 * Where partition tables (MBR, GPT), most file systems, LVM, swap and
 * md 1.2 keep their signatures (blocks 0 and 1), and btrfs (block 16):
 * an unlabelled disk with anything there is someone's.
 */
static bool disk_blank(const char *path)
{
	static const uint64_t probe[] = { 0, 1, 16 };
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE];
	bool blank = true;
	unsigned int i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

	if (fd < 0)
		return false;
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]) && blank; i++)
		blank = !hastor_read_block(fd, probe[i], buf) &&
			hastor_block_is_zero(buf);
	close(fd);
	return blank;
}

/* Every shared disk plus extra, with its dump attributes. */
static int scan(const char *op, char **extra, int n, struct cd_disk **out,
		size_t *nr)
{
	struct disk_brief *b;
	struct cd_disk *d;
	size_t i, cnt;
	int ret = disk_scan(op, extra, n, &b, &cnt);

	*out = NULL;
	*nr = 0;
	if (!b)
		return -1;
	d = calloc(cnt ? cnt : 1, sizeof(*d));
	if (!d) {
		free(b);
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		d[i].b = b[i];
		d[i].readable = !cd_attr_read_path(b[i].path, &d[i].di);
		if (b[i].kind == DISK_KIND_NONE)
			d[i].blank = disk_blank(b[i].path);
	}
	free(b);
	*out = d;
	*nr = cnt;
	return ret;
}

static int node_cb(struct nl_msg *msg, void *arg)
{
	return node_msg_parse(nlmsg_hdr(msg), arg);
}

int coredump_node_identity(struct hactl *ctx, struct node_info *ni)
{
	struct nl_msg *msg;
	struct hnl h;
	int ret;

	memset(ni, 0, sizeof(*ni));
	ret = hactl_connect(ctx, &h);
	if (ret)
		return ret;
	msg = hnl_msg(&h, HASTOR_CMD_NODE_GET);
	ret = !msg || hnl_request(&h, msg, node_cb, ni) < 0 ? HACTL_EXIT_FAIL :
	      HACTL_EXIT_OK;
	hnl_close(&h);
	if (!ret && (!ni->has_id || !ni->has_pr_key || !ni->id ||
		     !ni->has_cluster_id)) {
		fprintf(stderr, "hactl: %s: the node has no identity yet (hactl node set): a dump names its node\n",
			ctx->path);
		ret = HACTL_EXIT_FAIL;
	}
	return ret;
}

static void candidate(const struct cd_disk *d, const struct node_info *ni,
		      struct cd_cand *c)
{
	const struct hastor_label *l = &d->b.label;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->name = d->b.path;
	c->size = d->b.size;
	c->blank = d->blank;
	switch (d->b.kind) {
	case DISK_KIND_NONE:
		c->role = CD_ROLE_NONE;
		break;
	case DISK_KIND_SPARE:
		c->role = le32toh(l->compat) & HASTOR_COMPAT_DUMP_DISK ?
			  CD_ROLE_DUMP : CD_ROLE_SPARE;
		break;
	case DISK_KIND_POOL:
		c->role = CD_ROLE_POOL;
		break;
	default:
		c->role = CD_ROLE_INVALID;
		break;
	}
	if (c->role == CD_ROLE_SPARE || c->role == CD_ROLE_DUMP) {
		c->owner = le32toh(l->owner_node);
		c->home = le32toh(l->home_node);
	}
	for (i = 0; i < d->b.nr_keys; i++)
		if (d->b.keys[i] == ni->pr_key)
			c->registered = true;
	c->reserved_other = d->b.reserved && d->b.holder != ni->pr_key;
	if (!d->readable || d->di.status == CD_ATTR_CORRUPT)
		c->dump = CD_DUMP_CORRUPT;
	else if (cd_held(&d->di))
		c->dump = CD_DUMP_HELD;
}

/* /proc/vmcore's size in a capture kernel, else all of memory. */
uint64_t coredump_estimate_size(void)
{
	char line[256];
	unsigned long long kb;
	struct stat st;
	uint64_t bytes = 0;
	FILE *f;

	if (!stat("/proc/vmcore", &st) && st.st_size > 0)
		return st.st_size;
	f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			bytes = kb * 1024;
	if (f)
		fclose(f);
	return bytes;
}

/* ---- select ---- */

struct ranking {
	struct cd_disk *d;
	struct cd_cand *c;
	struct cd_result *r;
	size_t n, eligible;
};

static int rank_disks(struct hactl *ctx, char **extra, int nextra,
		      uint64_t size, struct ranking *rk,
		      struct node_info *ni)
{
	size_t i;
	int ret;

	memset(rk, 0, sizeof(*rk));
	ret = coredump_node_identity(ctx, ni);
	if (ret)
		return ret;
	if (scan(ctx->path, extra, nextra, &rk->d, &rk->n) && !rk->d)
		return HACTL_EXIT_FAIL;
	rk->c = calloc(rk->n + 1, sizeof(*rk->c));
	rk->r = calloc(rk->n + 1, sizeof(*rk->r));
	if (!rk->c || !rk->r) {
		fprintf(stderr, "hactl: %s: out of memory\n", ctx->path);
		return HACTL_EXIT_FAIL;
	}
	for (i = 0; i < rk->n; i++)
		candidate(&rk->d[i], ni, &rk->c[i]);
	rk->eligible = cd_rank(rk->c, rk->n, size, ni->id, rk->r);
	return HACTL_EXIT_OK;
}

static void ranking_free(struct ranking *rk)
{
	free(rk->d);
	free(rk->c);
	free(rk->r);
}

int coredump_target(struct hactl *ctx, uint64_t size, char *disk,
		    size_t dlen, char *why, size_t wlen)
{
	struct ranking rk;
	struct node_info ni;
	int ret;

	ret = rank_disks(ctx, NULL, 0, size, &rk, &ni);
	if (ret) {
		snprintf(why, wlen, "the disks or this node's identity cannot be read");
		ranking_free(&rk);
		return -1;
	}
	ret = -1;
	if (rk.n && rk.r[0].eligible) {
		snprintf(disk, dlen, "%s", rk.d[rk.r[0].idx].b.path);
		ret = 0;
	}
	if (!rk.n)
		snprintf(why, wlen, "no shared disk found");
	else if (ret)
		snprintf(why, wlen, "no disk is eligible (%s: %s)",
			 rk.d[rk.r[0].idx].b.path, rk.r[0].reason);
	else
		snprintf(why, wlen, "%s", rk.r[0].reason);
	ranking_free(&rk);
	return ret;
}

static bool parse_bytes(const char *s, uint64_t *bytes)
{
	return hactl_parse_size(s, false, bytes) == HACTL_SIZE_OK && *bytes;
}

static int cmd_select(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument,       NULL, 'n' },
		{ "size",    required_argument, NULL, 's' },
		{ "help",    no_argument,       NULL, 'h' },
		{ 0 }
	};
	bool dry = false;
	uint64_t size = 0;
	struct ranking rk;
	struct node_info ni;
	char sz[32];
	size_t i;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 's':
			if (!parse_bytes(optarg, &size))
				return hactl_usage_error(ctx, "invalid --size '%s' (bytes, or with K, M, G, T)",
							 optarg);
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind]);
	if (!size)
		size = coredump_estimate_size();
	ret = rank_disks(ctx, NULL, 0, size, &rk, &ni);
	if (ret)
		goto out;
	if (out_json()) {
		json_open(NULL);
		json_uint("dump_size", size);
		if (rk.eligible)
			json_str("chosen", rk.d[rk.r[0].idx].b.path);
		else
			json_null("chosen");
		json_array_open("disks");
		for (i = 0; i < rk.n; i++) {
			json_open(NULL);
			json_str("path", rk.d[rk.r[i].idx].b.path);
			json_uint("size", rk.d[rk.r[i].idx].b.size);
			json_bool("eligible", rk.r[i].eligible);
			if (rk.r[i].eligible)
				json_uint("rank", i + 1);
			json_str("reason", rk.r[i].reason);
			json_close();
		}
		json_array_close();
		json_close();
	} else if (dry) {
		printf("dump size %s (%" PRIu64 " bytes), node %u\n",
		       hactl_fmt_size(size, sz, sizeof(sz)), size, ni.id);
		printf("%-4s %-18s %-10s %s\n", "RANK", "DISK", "SIZE", "REASON");
		for (i = 0; i < rk.n; i++) {
			char rank[24] = "-";

			if (rk.r[i].eligible)
				snprintf(rank, sizeof(rank), "%zu", i + 1);
			printf("%-4s %-18s %-10s %s\n", rank,
			       rk.d[rk.r[i].idx].b.path,
			       hactl_fmt_size(rk.d[rk.r[i].idx].b.size, sz,
					      sizeof(sz)),
			       rk.r[i].reason);
		}
		if (!rk.n)
			printf("no shared disk\n");
	} else if (rk.eligible) {
		printf("%s\n", rk.d[rk.r[0].idx].b.path);
	}
	if (!rk.eligible) {
		fprintf(stderr, "hactl: %s: no disk can take a dump of %" PRIu64 " bytes\n",
			ctx->path, size);
		ret = HACTL_EXIT_FAIL;
	}
out:
	ranking_free(&rk);
	return ret;
}

/* ---- write ---- */

/* Reads up to len bytes; fewer only at the end of the source. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

struct writer {
	const char *op;
	int src, fd;
	struct hastor_dump_attr a;
	uint32_t *crc;
	uint64_t done_chunks, synced_chunks, bytes;
	unsigned char *buf;
};

/*
 * Data of the chunks done so far durable, then their table blocks, then
 * the attributes that count them, each step flushed before the next.
 */
static int writer_sync(struct writer *w, uint32_t state)
{
	uint64_t k, first, last;
	int err = 0;

	if (fdatasync(w->fd))
		return -errno;
	if (w->done_chunks > w->synced_chunks) {
		first = w->synced_chunks / HASTOR_DUMPSUM_PER_BLOCK;
		last = (w->done_chunks - 1) / HASTOR_DUMPSUM_PER_BLOCK;
		for (k = first; k <= last && !err; k++)
			err = cd_table_write(w->fd, &w->a, w->crc, w->done_chunks, k);
		if (!err && fdatasync(w->fd))
			err = -errno;
		if (err)
			return err;
		w->synced_chunks = w->done_chunks;
	}
	w->a.written_bytes = htole64(w->bytes);
	w->a.state = htole32(state);
	cd_attr_next(&w->a);
	return cd_attr_write(w->fd, &w->a);
}

static void progress(const struct writer *w)
{
	if (!out_json()) {
		printf("written %" PRIu64 " of %" PRIu64 " bytes\n", w->bytes,
		       le64toh(w->a.dump_bytes));
		fflush(stdout);
	}
}

/* Streams the source, chunk by chunk; 0 or -errno (reported). */
static int writer_run(struct writer *w)
{
	uint64_t total = le64toh(w->a.dump_bytes), chunk, off, len, last;
	uint64_t csize = 1ULL << le32toh(w->a.chunk_shift);
	uint64_t base = le64toh(w->a.data_start) << HASTOR_BLOCK_SHIFT;
	uint32_t crc;
	size_t piece, pad;
	ssize_t n;
	int err;

	last = cd_mono_ms();
	for (chunk = 0; chunk * csize < total; chunk++) {
		crc = cd_chunk_seed(chunk);
		off = chunk * csize;
		len = total - off < csize ? total - off : csize;
		while (len) {
			piece = len < CD_IO_SIZE ? len : CD_IO_SIZE;
			n = read_full(w->src, w->buf, piece);
			if (n < 0 || (size_t)n != piece) {
				fprintf(stderr, "hactl: %s: the source %s at byte %" PRIu64 "\n",
					w->op, n < 0 ? strerror(errno) : "ended early",
					off + (n > 0 ? n : 0));
				return n < 0 ? -errno : -EIO;
			}
			crc = crc32_iscsi(w->buf, piece, crc);
			pad = (HASTOR_BLOCK_SIZE - piece % HASTOR_BLOCK_SIZE) %
			      HASTOR_BLOCK_SIZE;
			memset(w->buf + piece, 0, pad);
			err = pwrite_full(w->fd, w->buf, piece + pad, base + off);
			if (err) {
				fprintf(stderr, "hactl: %s: writing the dump at byte %" PRIu64 ": %s\n",
					w->op, off, strerror(-err));
				return err;
			}
			off += piece;
			len -= piece;
			w->bytes = off;
		}
		w->crc[chunk] = crc;
		w->done_chunks = chunk + 1;
		if (cd_mono_ms() - last >= CD_UPDATE_MS) {
			err = writer_sync(w, HASTOR_DUMP_WRITING);
			if (err) {
				fprintf(stderr, "hactl: %s: recording progress: %s\n",
					w->op, strerror(-err));
				return err;
			}
			progress(w);
			last = cd_mono_ms();
		}
	}
	err = writer_sync(w, HASTOR_DUMP_COMPLETE);
	if (err)
		fprintf(stderr, "hactl: %s: marking the dump complete: %s\n",
			w->op, strerror(-err));
	return err;
}

/* The kernel and the label take paths of at most HASTOR_PATH_MAX. */
static int check_path(struct hactl *ctx, const char *what, const char *path)
{
	char esc[HACTL_ESC_LEN];

	if (path[0] == '/' && strlen(path) <= HASTOR_PATH_MAX)
		return -1;
	return hactl_usage_error(ctx, "%s '%s' must be an absolute path of at most %u characters",
				 what, hactl_esc(path, esc, sizeof(esc)),
				 HASTOR_PATH_MAX);
}

static bool same_dev(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && S_ISBLK(sa.st_mode) &&
	       S_ISBLK(sb.st_mode) && sa.st_rdev == sb.st_rdev;
}

/* The chosen disk's place in the ranking; -1 (reported) if none. */
static ssize_t pick(struct hactl *ctx, const struct ranking *rk,
		    const char *disk)
{
	size_t i;

	for (i = 0; i < rk->n; i++) {
		const struct cd_disk *d = &rk->d[rk->r[i].idx];

		if (disk ? !same_dev(disk, d->b.path) : !rk->r[i].eligible)
			continue;
		if (!rk->r[i].eligible) {
			fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, disk,
				rk->r[i].reason);
			return -1;
		}
		return i;
	}
	if (disk)
		fprintf(stderr, "hactl: %s: %s: not a disk hactl can read\n",
			ctx->path, disk);
	else
		fprintf(stderr, "hactl: %s: no disk can take the dump (hactl coredump select --dry-run says why)\n",
			ctx->path);
	return -1;
}

static int writer_open(struct hactl *ctx, struct writer *w, const char *from,
		       uint64_t *size)
{
	struct stat st;

	w->src = open(from, O_RDONLY | O_CLOEXEC);
	if (w->src < 0 || fstat(w->src, &st) < 0) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, from,
			strerror(errno));
		return HACTL_EXIT_FAIL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		fprintf(stderr, "hactl: %s: %s: not a regular file of known size\n",
			ctx->path, from);
		return HACTL_EXIT_FAIL;
	}
	*size = st.st_size;
	return HACTL_EXIT_OK;
}

/*
 * What a disk may still need before it takes a dump: a spare label
 * naming this node (an unlabelled disk), and this node's registration.
 * 0, or -1 (reported).
 */
static int prepare(struct hactl *ctx, const struct cd_disk *d,
		   const struct cd_cand *c, uint32_t self)
{
	struct nlattr *nest;
	struct nl_msg *msg;
	struct hnl h;
	int err = 0;

	if (c->role != CD_ROLE_NONE && (c->registered || !d->b.pr_supported))
		return 0;
	if (hactl_connect(ctx, &h))
		return -1;
	if (c->role == CD_ROLE_NONE) {
		msg = hnl_msg(&h, HASTOR_CMD_DISK_LABEL);
		nest = msg ? nla_nest_start(msg, HASTOR_A_DISK | NLA_F_NESTED) :
		       NULL;
		if (!nest || nla_put_string(msg, HASTOR_A_DISK_PATH, d->b.path) < 0 ||
		    nla_put_u32(msg, HASTOR_A_DISK_OWNER, self) < 0 ||
		    nla_put_u32(msg, HASTOR_A_DISK_HOME, self) < 0) {
			nlmsg_free(msg);
			fprintf(stderr, "hactl: %s: request too large\n", h.op);
			err = -1;
		} else {
			nla_nest_end(msg, nest);
			err = hnl_request(&h, msg, NULL, NULL);
		}
	}
	if (!err && d->b.pr_supported && !c->registered)
		err = disk_pr(&h, d->b.path, HASTOR_PR_REGISTER, false, 0);
	hnl_close(&h);
	return err ? -1 : 0;
}

static int cmd_write(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "disk", required_argument, NULL, 'd' },
		{ "help", no_argument,       NULL, 'h' },
		{ 0 }
	};
	const char *from = "/proc/vmcore", *disk = NULL, *path;
	struct writer w = { .src = -1, .fd = -1, .op = ctx->path };
	struct ranking rk = { 0 };
	struct node_info ni;
	uint64_t size = 0, t0, ms;
	unsigned int shift;
	char *extra[1];
	ssize_t at;
	int c, ret, err;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 'd':
			disk = optarg;
			ret = check_path(ctx, "disk", disk);
			if (ret >= 0)
				return ret;
			break;
		case 'h':
			return hactl_help(ctx);
		default:
			return hactl_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind]);
	if (!*from)
		return hactl_usage_error(ctx, "--from needs a file");
	ret = writer_open(ctx, &w, from, &size);
	if (ret)
		goto out;
	extra[0] = (char *)disk;
	ret = rank_disks(ctx, extra, disk ? 1 : 0, size, &rk, &ni);
	if (ret)
		goto out;
	ret = HACTL_EXIT_FAIL;
	at = pick(ctx, &rk, disk);
	if (at < 0)
		goto out;
	path = rk.d[rk.r[at].idx].b.path;
	if (prepare(ctx, &rk.d[rk.r[at].idx], &rk.c[rk.r[at].idx], ni.id))
		goto out;
	for (shift = HASTOR_DUMP_CHUNK_SHIFT_MIN;
	     cd_div_up(size, 1ULL << shift) > CD_CHUNKS_MAX; shift++)
		;
	if (shift > HASTOR_DUMP_CHUNK_SHIFT_MAX) {
		fprintf(stderr, "hactl: %s: a dump of %" PRIu64 " bytes is too large\n",
			ctx->path, size);
		goto out;
	}
	w.fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	w.crc = calloc(cd_div_up(size, 1ULL << shift) + 1, sizeof(*w.crc));
	if (w.fd < 0 || !w.crc || posix_memalign((void **)&w.buf, 4096, CD_IO_SIZE)) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, path,
			w.fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	/* A free disk's last attributes stay one slot behind the new ones. */
	memset(&w.a, 0, sizeof(w.a));
	if (rk.d[rk.r[at].idx].di.status == CD_ATTR_VALID)
		w.a.hdr.generation = rk.d[rk.r[at].idx].di.a.hdr.generation;
	w.a.version = htole32(HASTOR_DUMP_VERSION);
	w.a.node_id = htole32(ni.id);
	w.a.cluster_id = htole32(ni.cluster_id);
	while (!w.a.dump_id)
		if (getrandom(&w.a.dump_id, sizeof(w.a.dump_id), 0) < 0) {
			fprintf(stderr, "hactl: %s: getrandom: %s\n", ctx->path,
				strerror(errno));
			goto out;
		}
	w.a.start_ns = htole64(cd_now_ns());
	w.a.disk_blocks = htole64(rk.d[rk.r[at].idx].b.size >> HASTOR_BLOCK_SHIFT);
	w.a.data_start = htole64(HASTOR_RESERVED_BLOCKS);
	w.a.dump_bytes = htole64(size);
	w.a.csum_start = htole64(HASTOR_DUMP_CSUM_BLOCK);
	w.a.csum_blocks = htole32(HASTOR_DUMP_CSUM_BLOCKS);
	w.a.chunk_shift = htole32(shift);
	w.a.compression = htole32(HASTOR_DUMP_RAW);
	w.a.interval_ms = htole32(CD_UPDATE_MS);
	if (ni.has_name)
		snprintf(w.a.node_name, sizeof(w.a.node_name), "%.63s", ni.name);
	snprintf(w.a.source, sizeof(w.a.source), "%.63s", from);
	t0 = cd_mono_ms();
	err = writer_sync(&w, HASTOR_DUMP_WRITING);
	if (err) {
		fprintf(stderr, "hactl: %s: %s: writing the attributes: %s\n",
			ctx->path, path, strerror(-err));
		goto out;
	}
	if (!out_json())
		printf("dump %016" PRIx64 " to %s: %" PRIu64 " bytes in chunks of %u KiB\n",
		       le64toh(w.a.dump_id), path, size, 1U << (shift - 10));
	if (writer_run(&w))
		goto out;
	ms = cd_mono_ms() - t0;
	ret = HACTL_EXIT_OK;
	if (out_json()) {
		char id[24];

		json_open(NULL);
		json_open("dump");
		snprintf(id, sizeof(id), "%016" PRIx64, le64toh(w.a.dump_id));
		json_str("id", id);
		json_str("disk", path);
		json_uint("size", size);
		json_uint("ms", ms);
		json_close();
		json_close();
	} else {
		printf("complete: %" PRIu64 " bytes in %.2f s, %.1f MiB/s\n",
		       size, ms / 1000.0,
		       ms ? size / 1048576.0 / (ms / 1000.0) : 0.0);
	}
out:
	if (w.src >= 0)
		close(w.src);
	if (w.fd >= 0)
		close(w.fd);
	free(w.crc);
	free(w.buf);
	ranking_free(&rk);
	return ret;
}

/* ---- list ---- */

static void dump_json(const struct cd_disk *d)
{
	const struct hastor_dump_attr *a = &d->di.a;
	char id[24], t[40];

	json_open(NULL);
	json_str("disk", d->b.path);
	json_str("state", cd_state_name(&d->di));
	if (d->di.status == CD_ATTR_CORRUPT) {
		json_str("why", d->di.why);
		json_close();
		return;
	}
	snprintf(id, sizeof(id), "%016" PRIx64, le64toh(a->dump_id));
	json_str("id", id);
	json_uint("node", le32toh(a->node_id));
	json_uint("cluster", le32toh(a->cluster_id));
	json_str("node_name", a->node_name[sizeof(a->node_name) - 1] ? "" :
		 a->node_name);
	json_str("started", hactl_fmt_time_ns(le64toh(a->start_ns), t, sizeof(t)));
	json_str("updated", hactl_fmt_time_ns(le64toh(a->update_ns), t, sizeof(t)));
	json_uint("size", le64toh(a->dump_bytes));
	json_uint("written", le64toh(a->written_bytes));
	json_uint("chunk_size", 1ULL << le32toh(a->chunk_shift));
	json_uint("generation", le64toh(a->hdr.generation));
	if (d->di.note[0])
		json_str("note", d->di.note);
	json_close();
}

static void dump_line(const struct cd_disk *d)
{
	const struct hastor_dump_attr *a = &d->di.a;
	char t[40], sz[32], wr[32], esc[HACTL_ESC_LEN];

	if (d->di.status == CD_ATTR_CORRUPT) {
		printf("%-16s %-18s %-11s %s\n", "-", d->b.path, "corrupt",
		       d->di.why);
		return;
	}
	printf("%-16" PRIx64 " %-18s %-11s %-4u %-20s %-10s %-10s %s\n",
	       le64toh(a->dump_id), d->b.path, cd_state_name(&d->di),
	       le32toh(a->node_id),
	       hactl_fmt_time_ns(le64toh(a->start_ns), t, sizeof(t)),
	       hactl_fmt_size(le64toh(a->dump_bytes), sz, sizeof(sz)),
	       hactl_fmt_size(le64toh(a->written_bytes), wr, sizeof(wr)),
	       a->node_name[sizeof(a->node_name) - 1] ? "" :
	       hactl_esc(a->node_name, esc, sizeof(esc)));
	if (d->di.note[0])
		printf("%16s note: %s\n", "", d->di.note);
}

static bool listed(const struct cd_disk *d, bool all)
{
	return d->readable && d->di.status != CD_ATTR_NONE &&
	       (all || cd_held(&d->di) || d->di.status == CD_ATTR_CORRUPT);
}

static int cmd_list(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all",  no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cd_disk *d;
	bool all = false;
	size_t n, i;
	int c, ret, j;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'h')
			return hactl_help(ctx);
		else
			return hactl_bad_option(ctx, c, argv);
	}
	for (j = optind; j < argc; j++) {
		ret = check_path(ctx, "disk", argv[j]);
		if (ret >= 0)
			return ret;
	}
	ret = scan(ctx->path, argv + optind, argc - optind, &d, &n) ?
	      HACTL_EXIT_FAIL : HACTL_EXIT_OK;
	if (!d)
		return HACTL_EXIT_FAIL;
	if (out_json()) {
		json_open(NULL);
		json_array_open("dumps");
		for (i = 0; i < n; i++)
			if (listed(&d[i], all))
				dump_json(&d[i]);
		json_array_close();
		json_close();
	} else {
		printf("%-16s %-18s %-11s %-4s %-20s %-10s %-10s %s\n", "ID",
		       "DISK", "STATE", "NODE", "STARTED", "SIZE", "WRITTEN",
		       "NAME");
		for (i = 0; i < n; i++)
			if (listed(&d[i], all))
				dump_line(&d[i]);
	}
	free(d);
	return ret;
}

/* ---- save and clear ---- */

static bool parse_id(const char *s, uint64_t *id)
{
	size_t len = strspn(s, "0123456789abcdefABCDEF");

	if (!len || len > 16 || s[len])
		return false;
	*id = strtoull(s, NULL, 16);
	return *id != 0;
}

/* The disk holding dump id (not cleared); -1 (reported) if none. */
static ssize_t find_dump(struct hactl *ctx, struct cd_disk *d, size_t n,
			 uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cd_held(&d[i].di) && le64toh(d[i].di.a.dump_id) == id)
			return i;
	fprintf(stderr, "hactl: %s: no dump %016" PRIx64 " on any disk (hactl coredump list)\n",
		ctx->path, id);
	return -1;
}

struct saver {
	int fd, out;
	const struct hastor_dump_attr *a;
	uint64_t saved, chunks;
	char why[200];
	unsigned char *buf;
};

/* Verified chunks into the file, up to the first that does not check. */
static int save_chunks(struct saver *s, const uint32_t *crc, uint64_t have)
{
	uint64_t total = le64toh(s->a->dump_bytes), c, off, len, pos;
	uint64_t csize = 1ULL << le32toh(s->a->chunk_shift);
	uint64_t base = le64toh(s->a->data_start) << HASTOR_BLOCK_SHIFT;
	size_t piece, rd;
	uint32_t sum;
	int err;

	for (c = 0; c < have; c++) {
		off = c * csize;
		len = total - off < csize ? total - off : csize;
		sum = cd_chunk_seed(c);
		for (pos = 0; pos < len; pos += piece) {
			piece = len - pos < CD_IO_SIZE ? len - pos : CD_IO_SIZE;
			rd = (piece + HASTOR_BLOCK_SIZE - 1) & ~(size_t)(HASTOR_BLOCK_SIZE - 1);
			err = pread_full(s->fd, s->buf, rd, base + off + pos);
			if (err) {
				snprintf(s->why, sizeof(s->why), "chunk %" PRIu64 " unreadable: %s",
					 c, strerror(-err));
				goto bad;
			}
			sum = crc32_iscsi(s->buf, piece, sum);
			err = pwrite_full(s->out, s->buf, piece, off + pos);
			if (err) {
				fprintf(stderr, "hactl: coredump save: writing the file: %s\n",
					strerror(-err));
				return -1;
			}
		}
		if (sum != crc[c]) {
			snprintf(s->why, sizeof(s->why), "chunk %" PRIu64 " does not match its checksum",
				 c);
			goto bad;
		}
		s->saved = off + len;
		s->chunks = c + 1;
	}
	return 0;
bad:
	/* What did not check is not evidence: the file ends before it. */
	if (ftruncate(s->out, s->saved)) {
		fprintf(stderr, "hactl: coredump save: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_save(struct hactl *ctx, int argc, char **argv)
{
	struct saver s = { .fd = -1, .out = -1 };
	const struct cd_disk *dd;
	struct cd_disk *d = NULL;
	uint32_t *crc = NULL;
	uint64_t id, have, total;
	const char *file, *state;
	ssize_t at;
	size_t n;
	int ret;

	ret = hactl_args(ctx, argc, argv, 2, 2);
	if (ret >= 0)
		return ret;
	if (!parse_id(argv[optind], &id))
		return hactl_usage_error(ctx, "invalid dump id '%s' (1..16 hex digits, as coredump list shows)",
					 argv[optind]);
	file = argv[optind + 1];
	if (!*file)
		return hactl_usage_error(ctx, "missing file");
	scan(ctx->path, NULL, 0, &d, &n);
	ret = HACTL_EXIT_FAIL;
	if (!d)
		return ret;
	at = find_dump(ctx, d, n, id);
	if (at < 0)
		goto out;
	dd = &d[at];
	s.a = &dd->di.a;
	state = cd_state_name(&dd->di);
	total = le64toh(s.a->dump_bytes);
	s.fd = open(dd->b.path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	crc = calloc(cd_nr_chunks(s.a) + 1, sizeof(*crc));
	if (s.fd < 0 || !crc || posix_memalign((void **)&s.buf, 4096, CD_IO_SIZE)) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, dd->b.path,
			s.fd < 0 ? strerror(errno) : "out of memory");
		goto out;
	}
	/* Memory holds secrets: the file is the caller's alone. */
	s.out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s.out < 0) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, file,
			strerror(errno));
		goto out;
	}
	have = cd_table_read(s.fd, s.a, crc, s.why, sizeof(s.why));
	if (save_chunks(&s, crc, have) || fsync(s.out)) {
		fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, file,
			strerror(errno));
		goto out;
	}
	/* A complete dump that does not verify in full is damaged. */
	if (s.saved == total)
		ret = HACTL_EXIT_OK;
	else if (le32toh(s.a->state) == HASTOR_DUMP_WRITING)
		ret = HACTL_EXIT_OK;
	if (out_json()) {
		char ids[24];

		json_open(NULL);
		json_open("save");
		snprintf(ids, sizeof(ids), "%016" PRIx64, id);
		json_str("id", ids);
		json_str("disk", dd->b.path);
		json_str("state", state);
		json_uint("size", total);
		json_uint("saved", s.saved);
		json_uint("chunks", s.chunks);
		json_bool("whole", s.saved == total);
		if (s.saved != total)
			json_str("why", s.why);
		json_close();
		json_close();
	} else if (s.saved == total) {
		printf("%s: dump %016" PRIx64 " (%s), %" PRIu64 " bytes, all %" PRIu64 " chunks verified\n",
		       file, id, state, s.saved, s.chunks);
	} else {
		printf("%s: dump %016" PRIx64 " (%s): saved the first %" PRIu64 " of %" PRIu64 " bytes (%" PRIu64 " chunks verified); %s\n",
		       file, id, state, s.saved, total, s.chunks, s.why);
	}
	if (ret)
		fprintf(stderr, "hactl: %s: dump %016" PRIx64 " is marked complete but is damaged: %s\n",
			ctx->path, id, s.why);
out:
	if (s.fd >= 0)
		close(s.fd);
	if (s.out >= 0)
		close(s.out);
	free(s.buf);
	free(crc);
	free(d);
	return ret;
}

/*
 * Both slots say "cleared", so that no older slot can bring the dump
 * back; attributes that did not check are zeroed (an empty disk).
 */
static int clear_disk(const char *op, const char *path,
		      const struct cd_info *di)
{
	_Alignas(4096) unsigned char zero[HASTOR_BLOCK_SIZE] = { 0 };
	struct hastor_dump_attr a = di->a;
	int fd, i, err = 0;

	fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "hactl: %s: %s: %s\n", op, path, strerror(errno));
		return -1;
	}
	for (i = 0; i < 2 && !err; i++) {
		if (di->status == CD_ATTR_VALID) {
			a.state = htole32(HASTOR_DUMP_CLEARED);
			cd_attr_next(&a);
			err = cd_attr_write(fd, &a);
		} else {
			err = hastor_write_block(fd, HASTOR_DUMP_ATTR_BLOCK + i,
						 zero);
			if (!err && fdatasync(fd))
				err = -errno;
		}
	}
	close(fd);
	if (err)
		fprintf(stderr, "hactl: %s: %s: %s\n", op, path, strerror(-err));
	return err ? -1 : 0;
}

static int cmd_clear(struct hactl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help",  no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cd_info di;
	struct cd_disk *d = NULL;
	const char *arg, *path;
	bool force = false;
	uint64_t id = 0;
	ssize_t at;
	size_t n;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h')
			return hactl_help(ctx);
		else
			return hactl_bad_option(ctx, c, argv);
	}
	if (argc - optind != 1)
		return hactl_usage_error(ctx, argc - optind ? "one dump id or disk" :
					 "missing dump id or disk");
	arg = argv[optind];
	if (arg[0] == '/') {
		ret = check_path(ctx, "disk", arg);
		if (ret >= 0)
			return ret;
		path = arg;
		ret = cd_attr_read_path(path, &di);
		if (ret) {
			fprintf(stderr, "hactl: %s: %s: %s\n", ctx->path, path,
				strerror(-ret));
			return HACTL_EXIT_FAIL;
		}
	} else {
		if (!parse_id(arg, &id))
			return hactl_usage_error(ctx, "invalid dump id '%s' (1..16 hex digits, or a disk path)",
						 arg);
		scan(ctx->path, NULL, 0, &d, &n);
		if (!d)
			return HACTL_EXIT_FAIL;
		at = find_dump(ctx, d, n, id);
		if (at < 0) {
			free(d);
			return HACTL_EXIT_FAIL;
		}
		path = d[at].b.path;
		di = d[at].di;
	}
	ret = HACTL_EXIT_FAIL;
	if (di.status == CD_ATTR_NONE ||
	    (di.status == CD_ATTR_VALID && !cd_held(&di))) {
		if (!out_json())
			printf("%s: no dump to clear\n", path);
		ret = HACTL_EXIT_OK;
		goto out;
	}
	if (!force && di.status == CD_ATTR_VALID &&
	    !strcmp(cd_state_name(&di), "in-progress")) {
		fprintf(stderr, "hactl: %s: %s: the dump is still being written (updated less than %u s ago); --force clears it anyway\n",
			ctx->path, path, CD_TORN_MIN_MS / 1000);
		goto out;
	}
	if (clear_disk(ctx->path, path, &di))
		goto out;
	ret = HACTL_EXIT_OK;
	if (out_json()) {
		json_open(NULL);
		json_open("clear");
		json_str("disk", path);
		json_str("was", cd_state_name(&di));
		json_close();
		json_close();
	} else {
		printf("%s: %s dump cleared, the disk is free\n", path,
		       cd_state_name(&di));
	}
out:
	free(d);
	return ret;
}

const struct hactl_cmd coredump_cmds[] = {
	{ "select", cmd_select, NULL, "[--dry-run] [--size BYTES]" },
	{ "write", cmd_write, NULL, "[--from FILE] [--disk DISK]" },
	{ "list", cmd_list, NULL, "[--all] [DISK...]" },
	{ "save", cmd_save, NULL, "ID FILE" },
	{ "clear", cmd_clear, NULL, "[--force] ID|DISK" },
	{ "arm", cmd_coredump_arm, NULL,
	  "[--kernel FILE] [--initrd FILE] [--append ARGS]" },
	{ "disarm", cmd_coredump_disarm, NULL, "" },
	{ "status", cmd_coredump_status, NULL, "" },
	{ 0 }
};
