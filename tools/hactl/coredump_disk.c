// SPDX-License-Identifier: GPL-2.0
/*
 * A coredump disk's attributes and checksum table on the disk
 * (Documentation/coredump.md).  What is read may be anything: another
 * node's half-written update, an earlier dump's table, garbage.  A slot
 * is taken only once its header and every field check against the size
 * of the disk it was read from; a table block only if it names the
 * dump.  A writer makes the data and the table durable before the
 * attributes that count them, and writes the slots alternately, so a
 * torn update leaves the previous one.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/hastor.h>

#include "coredump_disk.h"
#include "format.h"

_Static_assert(sizeof(struct hastor_dump_attr) <= HASTOR_BLOCK_SIZE,
	       "dump attributes");
_Static_assert(sizeof(struct hastor_dump_csums) <= HASTOR_BLOCK_SIZE,
	       "dump checksum block");
_Static_assert(HASTOR_DUMP_ATTR_BLOCK + 1 < HASTOR_DUMP_CSUM_BLOCK,
	       "dump table after the attributes");

uint64_t cd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t cd_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t cd_div_up(uint64_t a, uint64_t b)
{
	return a / b + !!(a % b);
}

uint64_t cd_nr_chunks(const struct hastor_dump_attr *a)
{
	return cd_div_up(le64toh(a->dump_bytes), 1ULL << le32toh(a->chunk_shift));
}

/* format.c's header check, which knows no dump magic to name. */
static int check_header(const void *block, uint32_t magic, uint64_t blocknr,
			char *why, size_t whylen)
{
	const struct hastor_block_header *h = block;

	if (le32toh(h->magic) != magic) {
		snprintf(why, whylen, "magic 0x%08x, not a %s block",
			 le32toh(h->magic),
			 magic == HASTOR_DUMP_MAGIC ? "dump attribute" :
			 "dump checksum");
		return HASTOR_E_MAGIC;
	}
	return hastor_check_header(block, magic, blocknr, NULL, UINT64_MAX,
				   why, whylen);
}

/* The fields a valid header does not vouch for, against the disk. */
static const char *check_attr(const struct hastor_dump_attr *a,
			      uint64_t disk_blocks)
{
	uint32_t state = le32toh(a->state), shift = le32toh(a->chunk_shift);
	uint64_t start = le64toh(a->data_start), bytes = le64toh(a->dump_bytes);
	uint64_t cstart = le64toh(a->csum_start);
	uint32_t cblocks = le32toh(a->csum_blocks);

	if (le32toh(a->version) != HASTOR_DUMP_VERSION)
		return "unknown version";
	if (state < HASTOR_DUMP_WRITING || state > HASTOR_DUMP_CLEARED)
		return "unknown state";
	if (!le32toh(a->node_id) || le32toh(a->node_id) > HASTOR_NODE_ID_MAX)
		return "node id out of range";
	if (!le64toh(a->dump_id))
		return "dump id 0";
	if (le64toh(a->flags))
		return "unknown flags";
	if (le32toh(a->compression) != HASTOR_DUMP_RAW)
		return "unknown compression";
	if (shift < HASTOR_DUMP_CHUNK_SHIFT_MIN ||
	    shift > HASTOR_DUMP_CHUNK_SHIFT_MAX)
		return "chunk size out of range";
	if (cstart < HASTOR_DUMP_CSUM_BLOCK || cstart > HASTOR_RESERVED_BLOCKS ||
	    cblocks > HASTOR_RESERVED_BLOCKS - cstart)
		return "checksum table outside the reserved area";
	if (start < HASTOR_RESERVED_BLOCKS || start > disk_blocks ||
	    cd_div_up(bytes, HASTOR_BLOCK_SIZE) > disk_blocks - start)
		return "dump data beyond the end of the disk";
	if (le64toh(a->disk_blocks) > disk_blocks)
		return "written for a larger disk";
	if (le64toh(a->written_bytes) > bytes)
		return "more written than the dump's size";
	if (cd_nr_chunks(a) > (uint64_t)cblocks * HASTOR_DUMPSUM_PER_BLOCK)
		return "more chunks than the checksum table holds";
	return NULL;
}

/*
 * Both slots of the disk open on fd.  An all-zero slot is empty; any
 * other content must check, or it is reported (a torn attribute write
 * when the other slot is valid, corruption when neither is).
 */
void cd_attr_read(int fd, struct cd_info *di)
{
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE];
	const struct hastor_dump_attr *a = (const void *)buf;
	char why[2][128];
	bool empty[2], valid[2] = { false, false };
	int i, err;

	memset(di, 0, sizeof(*di));
	di->status = CD_ATTR_NONE;
	di->slot = -1;
	if (hastor_disk_blocks(fd, &di->disk_blocks))
		di->disk_blocks = 0;
	for (i = 0; i < 2; i++) {
		const char *bad;

		empty[i] = false;
		err = hastor_read_block(fd, HASTOR_DUMP_ATTR_BLOCK + i, buf);
		if (err) {
			snprintf(why[i], sizeof(why[i]), "unreadable: %s",
				 strerror(-err));
			continue;
		}
		if (hastor_block_is_zero(buf)) {
			empty[i] = true;
			snprintf(why[i], sizeof(why[i]), "empty");
			continue;
		}
		if (check_header(buf, HASTOR_DUMP_MAGIC,
				 HASTOR_DUMP_ATTR_BLOCK + i, why[i],
				 sizeof(why[i])))
			continue;
		bad = check_attr(a, di->disk_blocks);
		if (bad) {
			snprintf(why[i], sizeof(why[i]), "%s", bad);
			continue;
		}
		valid[i] = true;
		if (di->slot < 0 || le64toh(a->hdr.generation) >
				    le64toh(di->a.hdr.generation)) {
			di->a = *a;
			di->slot = i;
		}
	}
	if (di->slot >= 0) {
		di->status = CD_ATTR_VALID;
		i = !di->slot;
		if (!valid[i] && !empty[i])
			snprintf(di->note, sizeof(di->note),
				 "attribute slot %d does not check (%s): an update torn, slot %d used",
				 i, why[i], di->slot);
	} else if (!empty[0] || !empty[1]) {
		di->status = CD_ATTR_CORRUPT;
		snprintf(di->why, sizeof(di->why), "slot 0: %s; slot 1: %s",
			 why[0], why[1]);
	}
}

int cd_attr_read_path(const char *path, struct cd_info *di)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

	if (fd < 0)
		return -errno;
	cd_attr_read(fd, di);
	close(fd);
	return 0;
}

/* "writing" from a writer still at it, or one that is gone. */
bool cd_torn(const struct hastor_dump_attr *a)
{
	uint64_t ms = (uint64_t)le32toh(a->interval_ms) * CD_TORN_INTERVALS;
	uint64_t upd = le64toh(a->update_ns), now = cd_now_ns();

	if (ms < CD_TORN_MIN_MS)
		ms = CD_TORN_MIN_MS;
	return now > upd && (now - upd) / 1000000 > ms;
}

const char *cd_state_name(const struct cd_info *di)
{
	if (di->status == CD_ATTR_CORRUPT)
		return "corrupt";
	if (di->status == CD_ATTR_NONE)
		return "none";
	switch (le32toh(di->a.state)) {
	case HASTOR_DUMP_WRITING:
		return cd_torn(&di->a) ? "torn" : "in-progress";
	case HASTOR_DUMP_COMPLETE:
		return "complete";
	default:
		return "cleared";
	}
}

bool cd_held(const struct cd_info *di)
{
	return di->status == CD_ATTR_VALID &&
	       le32toh(di->a.state) != HASTOR_DUMP_CLEARED;
}

void cd_attr_next(struct hastor_dump_attr *a)
{
	a->hdr.generation = htole64(le64toh(a->hdr.generation) + 1);
}

/* The attributes into slot generation % 2, durable; 0 or -errno. */
int cd_attr_write(int fd, struct hastor_dump_attr *a)
{
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE] = { 0 };
	uint64_t blk = HASTOR_DUMP_ATTR_BLOCK + le64toh(a->hdr.generation) % 2;
	int err;

	a->hdr.magic = htole32(HASTOR_DUMP_MAGIC);
	a->hdr.blocknr = htole64(blk);
	a->update_ns = htole64(cd_now_ns());
	memcpy(buf, a, sizeof(*a));
	hastor_seal_block(buf);
	err = hastor_write_block(fd, blk, buf);
	if (!err && fdatasync(fd))
		err = -errno;
	return err;
}

/* ---- the checksum table ---- */

uint32_t cd_chunk_seed(uint64_t chunk)
{
	return HASTOR_CSUM_SEED ^ (uint32_t)chunk;
}

/* Table block k from the in-memory table of done chunks. */
int cd_table_write(int fd, const struct hastor_dump_attr *a,
		       const uint32_t *crc, uint64_t done, uint64_t k)
{
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE] = { 0 };
	struct hastor_dump_csums *t = (void *)buf;
	uint64_t first = k * HASTOR_DUMPSUM_PER_BLOCK, i;
	uint64_t blk = le64toh(a->csum_start) + k;

	t->hdr.magic = htole32(HASTOR_DUMPSUM_MAGIC);
	t->hdr.blocknr = htole64(blk);
	t->hdr.generation = a->dump_id;
	t->first_chunk = htole64(first);
	for (i = 0; i < HASTOR_DUMPSUM_PER_BLOCK && first + i < done; i++)
		t->crc[i] = htole32(crc[first + i]);
	t->nr = htole32((uint32_t)i);
	hastor_seal_block(buf);
	return hastor_write_block(fd, blk, buf);
}

/*
 * The table as the disk has it: crc[c] for the chunks that a table
 * block of this dump vouches for, up to the first gap.  Returns how
 * many; why says where it ended if before nr_chunks.
 */
uint64_t cd_table_read(int fd, const struct hastor_dump_attr *a,
			   uint32_t *crc, char *why, size_t whylen)
{
	_Alignas(4096) unsigned char buf[HASTOR_BLOCK_SIZE];
	const struct hastor_dump_csums *t = (const void *)buf;
	uint64_t n = cd_nr_chunks(a), have = 0, k, blk, first;
	uint32_t nr, i;
	char hwhy[128];

	for (k = 0; have < n; k++) {
		first = k * HASTOR_DUMPSUM_PER_BLOCK;
		blk = le64toh(a->csum_start) + k;
		if (hastor_read_block(fd, blk, buf)) {
			snprintf(why, whylen, "checksum block %" PRIu64 " unreadable", blk);
			break;
		}
		if (check_header(buf, HASTOR_DUMPSUM_MAGIC, blk, hwhy,
				 sizeof(hwhy))) {
			snprintf(why, whylen, "checksum block %" PRIu64 ": %s", blk, hwhy);
			break;
		}
		nr = le32toh(t->nr);
		if (t->hdr.generation != a->dump_id ||
		    le64toh(t->first_chunk) != first ||
		    nr > HASTOR_DUMPSUM_PER_BLOCK) {
			snprintf(why, whylen, "checksum block %" PRIu64 " is not this dump's", blk);
			break;
		}
		for (i = 0; i < nr && have < n; i++)
			crc[have++] = le32toh(t->crc[i]);
		if (nr < HASTOR_DUMPSUM_PER_BLOCK && have < n) {
			snprintf(why, whylen, "the checksum table ends at chunk %" PRIu64,
				 have);
			break;
		}
	}
	return have;
}
