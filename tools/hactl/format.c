// SPDX-License-Identifier: GPL-2.0
/*
 * On-disk format helpers shared by hactl's pool commands and the test
 * image builder.  Everything that interprets raw blocks is careful with
 * lengths: the input may be any garbage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <linux/fs.h>

#include "format.h"

_Static_assert(sizeof(struct hastor_block_header) == 64, "header size");
_Static_assert(sizeof(struct hastor_btree_node) == HASTOR_BTREE_HEADER,
	       "btree header size");
_Static_assert(sizeof(struct hastor_vol_record) == 192, "vol record size");
_Static_assert(sizeof(struct hastor_refcnt_block) == HASTOR_BLOCK_SIZE,
	       "refcount block size");
_Static_assert(sizeof(struct hastor_label) <= HASTOR_BLOCK_SIZE, "label");
_Static_assert(sizeof(struct hastor_super) <= HASTOR_BLOCK_SIZE, "super");

static const char *const err_names[HASTOR_E__COUNT] = {
	[HASTOR_OK]		= "ok",
	[HASTOR_E_IO]		= "io",
	[HASTOR_E_CSUM]		= "csum",
	[HASTOR_E_MAGIC]	= "magic",
	[HASTOR_E_BLOCKNR]	= "blocknr",
	[HASTOR_E_UUID]		= "pool-uuid",
	[HASTOR_E_GENERATION]	= "generation",
	[HASTOR_E_VERSION]	= "version",
	[HASTOR_E_INCOMPAT]	= "incompat",
	[HASTOR_E_MEMBERS]	= "members",
	[HASTOR_E_NAME]		= "pool-name",
	[HASTOR_E_DATA_AREA]	= "data-area",
};

const char *hastor_err_name(int err)
{
	if (err < 0 || err >= HASTOR_E__COUNT)
		return "unknown";
	return err_names[err];
}

/*
 * ISA-L's crc32_iscsi() takes the seed as the running CRC and returns
 * the running CRC without the final inversion, which is exactly the
 * kernel's crc32c(seed, ...): standard CRC-32C("123456789") = 0xe3069283
 * is ~crc32_iscsi(..., 0xffffffff).
 */
uint32_t hastor_csum(const void *block)
{
	unsigned char *b = (unsigned char *)block;

	return crc32_iscsi(b + 4, HASTOR_BLOCK_SIZE - 4, HASTOR_CSUM_SEED) ^
	       HASTOR_CSUM_XOR;
}

void hastor_seal_block(void *block)
{
	struct hastor_block_header *h = block;

	h->csum = htole32(hastor_csum(block));
}

int hastor_read_block(int fd, uint64_t blocknr, void *buf)
{
	size_t done = 0;
	ssize_t n;

	if (blocknr > (uint64_t)INT64_MAX >> HASTOR_BLOCK_SHIFT)
		return -ENXIO;
	while (done < HASTOR_BLOCK_SIZE) {
		n = pread(fd, (char *)buf + done, HASTOR_BLOCK_SIZE - done,
			  (off_t)(blocknr << HASTOR_BLOCK_SHIFT) + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENXIO;	/* the disk ends here */
		done += n;
	}
	return 0;
}

int hastor_write_block(int fd, uint64_t blocknr, const void *buf)
{
	size_t done = 0;
	ssize_t n;

	if (blocknr > (uint64_t)INT64_MAX >> HASTOR_BLOCK_SHIFT)
		return -EFBIG;
	while (done < HASTOR_BLOCK_SIZE) {
		n = pwrite(fd, (const char *)buf + done,
			   HASTOR_BLOCK_SIZE - done,
			   (off_t)(blocknr << HASTOR_BLOCK_SHIFT) + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

int hastor_disk_blocks(int fd, uint64_t *blocks)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			return -errno;
	} else if (S_ISREG(st.st_mode)) {
		bytes = st.st_size;
	} else {
		return -ENOTBLK;
	}
	*blocks = bytes >> HASTOR_BLOCK_SHIFT;
	return 0;
}

bool hastor_block_is_zero(const void *block)
{
	const uint64_t *w = block;
	size_t i;

	for (i = 0; i < HASTOR_BLOCK_SIZE / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

static const char *magic_name(uint32_t magic)
{
	switch (magic) {
	case HASTOR_LABEL_MAGIC:	return "label (HSBL)";
	case HASTOR_SUPER_MAGIC:	return "superblock (HSUP)";
	case HASTOR_BTREE_MAGIC:	return "btree node (HTRE)";
	case HASTOR_REFCNT_MAGIC:	return "refcount block (HREF)";
	}
	return NULL;
}

static int check_magic(uint32_t got, uint32_t want, const void *block,
		       char *why, size_t whylen)
{
	const char *name = magic_name(got);

	if (got == want)
		return HASTOR_OK;
	if (hastor_block_is_zero(block))
		snprintf(why, whylen, "block is all zero, expected a %s",
			 magic_name(want));
	else if (name)
		snprintf(why, whylen, "holds a %s, expected a %s", name,
			 magic_name(want));
	else
		snprintf(why, whylen, "magic 0x%08x, expected a %s", got,
			 magic_name(want));
	return HASTOR_E_MAGIC;
}

static void uuid_str(const uint8_t *u, char *s)
{
	int i;

	for (i = 0; i < 16; i++)
		s += sprintf(s, "%02x%s", u[i],
			     (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

int hastor_check_header(const void *block, uint32_t magic, uint64_t blocknr,
			const uint8_t *uuid, uint64_t max_gen,
			char *why, size_t whylen)
{
	const struct hastor_block_header *h = block;
	uint32_t csum = hastor_csum(block);
	char u[40];
	int err;

	err = check_magic(le32toh(h->magic), magic, block, why, whylen);
	if (err)
		return err;
	if (le32toh(h->csum) != csum) {
		snprintf(why, whylen, "checksum 0x%08x stored, 0x%08x computed",
			 le32toh(h->csum), csum);
		return HASTOR_E_CSUM;
	}
	if (le64toh(h->blocknr) != blocknr) {
		snprintf(why, whylen, "blocknr %" PRIu64 " in a block read from %"
			 PRIu64, (uint64_t)le64toh(h->blocknr), blocknr);
		return HASTOR_E_BLOCKNR;
	}
	if (uuid && memcmp(h->pool_uuid, uuid, 16)) {
		uuid_str(h->pool_uuid, u);
		snprintf(why, whylen, "pool uuid %s is not this pool's", u);
		return HASTOR_E_UUID;
	}
	if (le64toh(h->generation) > max_gen) {
		snprintf(why, whylen, "generation %" PRIu64
			 " above the superblock's %" PRIu64,
			 (uint64_t)le64toh(h->generation), max_gen);
		return HASTOR_E_GENERATION;
	}
	return HASTOR_OK;
}

int hastor_read_label_copies(int fd, struct hastor_label_copies *lc)
{
	/* Page-aligned, so that an O_DIRECT fd works too. */
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE];
	uint64_t gen[2];
	int i, err;

	memset(lc, 0, sizeof(*lc));
	lc->best = -1;
	for (i = 0; i < 2; i++) {
		/* A device that does not fill read buffers reads as zeros. */
		memset(buf, 0, sizeof(buf));
		err = hastor_read_block(fd, HASTOR_LABEL_BLOCK + i, buf);
		if (err) {
			lc->err[i] = HASTOR_E_IO;
			snprintf(lc->why[i], sizeof(lc->why[i]), "read: %s",
				 strerror(-err));
			continue;
		}
		memcpy(&lc->copy[i], buf, sizeof(lc->copy[i]));
		lc->err[i] = hastor_check_header(buf, HASTOR_LABEL_MAGIC,
						 HASTOR_LABEL_BLOCK + i, NULL,
						 UINT64_MAX, lc->why[i],
						 sizeof(lc->why[i]));
		gen[i] = le64toh(lc->copy[i].hdr.generation);
		if (lc->err[i])
			continue;
		if (lc->best < 0 || gen[i] > gen[lc->best])
			lc->best = i;
	}
	return lc->best;
}

static void report(hastor_report_fn fn, void *arg, int *n, int err,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(hastor_report_fn fn, void *arg, int *n, int err,
		   const char *fmt, ...)
{
	char why[256];
	va_list ap;

	(*n)++;
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fn(arg, err, why);
}

bool hastor_valid_name(const char *s, size_t max, const char *extra)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t len = strnlen(s, max), i;

	if (len == 0 || len == max)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr(ok, s[i]) && !(extra && strchr(extra, s[i])))
			return false;
	for (; i < max; i++)	/* NUL-padded: nothing hides after the NUL */
		if (s[i])
			return false;
	return true;
}

static void check_label_members(const struct hastor_label *l,
				hastor_report_fn fn, void *arg, int *n)
{
	uint32_t count = le32toh(l->member_count);
	uint32_t idx = le32toh(l->member_index);

	if (count < 1 || count > HASTOR_MAX_MEMBERS) {
		report(fn, arg, n, HASTOR_E_MEMBERS,
		       "member_count %u not in 1..%u", count,
		       HASTOR_MAX_MEMBERS);
		return;
	}
	if (idx >= count) {
		report(fn, arg, n, HASTOR_E_MEMBERS,
		       "member_index %u not below member_count %u", idx, count);
		return;
	}
	if (memcmp(l->disk_uuid, l->members[idx], 16))
		report(fn, arg, n, HASTOR_E_MEMBERS,
		       "disk uuid is not members[%u]", idx);
}

static void check_label_area(const struct hastor_label *l,
			     hastor_report_fn fn, void *arg, int *n)
{
	uint64_t start = le64toh(l->data_start);
	uint64_t blocks = le64toh(l->data_blocks);
	uint64_t disk = le64toh(l->disk_blocks);

	if (start != HASTOR_RESERVED_BLOCKS)
		report(fn, arg, n, HASTOR_E_DATA_AREA,
		       "data_start %" PRIu64 ", must be %u", start,
		       HASTOR_RESERVED_BLOCKS);
	/* Written as a subtraction so that garbage cannot overflow. */
	if (start > disk || blocks > disk - start)
		report(fn, arg, n, HASTOR_E_DATA_AREA,
		       "data area %" PRIu64 "+%" PRIu64
		       " ends beyond disk_blocks %" PRIu64, start, blocks,
		       disk);
}

int hastor_check_label(const struct hastor_label *l, hastor_report_fn fn,
		       void *arg)
{
	uint32_t incompat = le32toh(l->incompat);
	int n = 0;

	if (le32toh(l->version) != HASTOR_FORMAT_VERSION)
		report(fn, arg, &n, HASTOR_E_VERSION,
		       "format version %u, this tool knows %u",
		       le32toh(l->version), HASTOR_FORMAT_VERSION);
	if (incompat & ~HASTOR_INCOMPAT_LABEL_KNOWN)
		report(fn, arg, &n, HASTOR_E_INCOMPAT,
		       "unknown incompat features 0x%x",
		       incompat & ~HASTOR_INCOMPAT_LABEL_KNOWN);
	check_label_members(l, fn, arg, &n);
	if (!hastor_valid_name(l->pool_name, HASTOR_POOL_NAME_LEN, NULL))
		report(fn, arg, &n, HASTOR_E_NAME,
		       "pool name is not 1..63 characters of A-Z a-z 0-9 . _ - "
		       "padded with NUL");
	check_label_area(l, fn, arg, &n);
	return n;
}

struct first_problem {
	int err;
	char *why;
	size_t whylen;
};

static void keep_first(void *arg, int err, const char *why)
{
	struct first_problem *fp = arg;

	if (fp->err)
		return;
	fp->err = err;
	snprintf(fp->why, fp->whylen, "%s", why);
}

int hastor_read_label(int fd, struct hastor_label *out, char *why,
		      size_t whylen)
{
	struct hastor_label_copies lc;
	struct first_problem fp = { HASTOR_OK, why, whylen };
	int best = hastor_read_label_copies(fd, &lc);

	if (best < 0) {
		snprintf(why, whylen, "no valid label: copy 0: %s; copy 1: %s",
			 lc.why[0], lc.why[1]);
		/* A read error says more than a checksum of nothing. */
		return lc.err[0] == HASTOR_E_IO ? HASTOR_E_IO : lc.err[1];
	}
	*out = lc.copy[best];
	if (whylen)
		why[0] = '\0';
	hastor_check_label(out, keep_first, &fp);
	return fp.err;
}

int hastor_layout_init(struct hastor_layout *lay,
		       const struct hastor_label *const *labels, unsigned int n)
{
	uint64_t sum = 0, blocks;
	unsigned int i;

	memset(lay, 0, sizeof(*lay));
	if (n < 1 || n > HASTOR_MAX_MEMBERS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		blocks = le64toh(labels[i]->data_blocks);
		if (blocks > UINT64_MAX - sum)
			return -EOVERFLOW;
		lay->m[i].pvbn_start = sum;
		lay->m[i].data_start = le64toh(labels[i]->data_start);
		lay->m[i].data_blocks = blocks;
		sum += blocks;
	}
	lay->nr_members = n;
	lay->total_blocks = sum;
	return 0;
}

int hastor_pvbn_map(const struct hastor_layout *lay, uint64_t pvbn,
		    unsigned int *member, uint64_t *disk_block)
{
	const struct hastor_extent *e;
	unsigned int i;

	for (i = 0; i < lay->nr_members; i++) {
		e = &lay->m[i];
		if (pvbn < e->pvbn_start ||
		    pvbn - e->pvbn_start >= e->data_blocks)
			continue;
		/* A garbage data_start must not wrap around. */
		if (e->data_start > UINT64_MAX - (pvbn - e->pvbn_start))
			return -ERANGE;
		*member = i;
		*disk_block = e->data_start + (pvbn - e->pvbn_start);
		return 0;
	}
	return -ERANGE;
}

unsigned int hastor_btree_value_size(uint32_t tree_type, uint32_t level)
{
	if (level > 0)
		return sizeof(__le64);	/* child PVBNs, whatever the tree */
	switch (tree_type) {
	case HASTOR_TREE_MAPPING:
	case HASTOR_TREE_REFMAP:
		return sizeof(__le64);
	case HASTOR_TREE_VOLTAB:
		return sizeof(struct hastor_vol_record);
	}
	return 0;
}
