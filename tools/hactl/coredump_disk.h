/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A coredump disk's attributes and checksum table as they lie on the
 * disk (Documentation/coredump.md): reading them from a disk that may
 * hold anything, and writing them durably.  Like format.h, nothing here
 * prints or exits.
 */
#ifndef HACTL_COREDUMP_DISK_H
#define HACTL_COREDUMP_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/hastor_format.h>

#define CD_IO_SIZE		(1U << 20)	/* per read and write */
#define CD_UPDATE_MS	1000		/* progress written to the attributes */
/* A "writing" dump not updated for this long lost its writer. */
#define CD_TORN_MIN_MS	10000
#define CD_TORN_INTERVALS	5
#define CD_CHUNKS_MAX	((uint64_t)HASTOR_DUMP_CSUM_BLOCKS * HASTOR_DUMPSUM_PER_BLOCK)

enum cd_attr_status { CD_ATTR_NONE, CD_ATTR_VALID, CD_ATTR_CORRUPT };

/* A disk's dump attributes as read. */
struct cd_info {
	enum cd_attr_status status;
	struct hastor_dump_attr a;	/* CD_ATTR_VALID: the newer valid slot */
	int slot;
	char note[200];		/* the other slot, when it did not check */
	char why[300];		/* CD_ATTR_CORRUPT: both slots' reasons */
	uint64_t disk_blocks;
};

uint64_t cd_now_ns(void);
uint64_t cd_mono_ms(void);
uint64_t cd_div_up(uint64_t a, uint64_t b);
/* Chunks of the dump the attributes describe. */
uint64_t cd_nr_chunks(const struct hastor_dump_attr *a);

/*
 * Both slots of the disk open on fd (O_DIRECT: what another node wrote).
 * The valid slot with the higher generation, checked against the disk's
 * size, or CD_ATTR_NONE (both empty) or CD_ATTR_CORRUPT (with why).
 */
void cd_attr_read(int fd, struct cd_info *di);
/* The same by path; 0 or -errno if it cannot be opened. */
int cd_attr_read_path(const char *path, struct cd_info *di);
/* A "writing" dump whose writer stopped updating it. */
bool cd_torn(const struct hastor_dump_attr *a);
/* in-progress, torn, complete, cleared, corrupt or none. */
const char *cd_state_name(const struct cd_info *di);
/* Valid and not cleared: evidence that must not be overwritten. */
bool cd_held(const struct cd_info *di);

/* The next update's generation (and so the other slot). */
void cd_attr_next(struct hastor_dump_attr *a);
/*
 * Seals a into the slot of its generation with update_ns now, then
 * flushes; 0 or -errno.
 */
int cd_attr_write(int fd, struct hastor_dump_attr *a);

/* The seed of chunk's crc32c. */
uint32_t cd_chunk_seed(uint64_t chunk);
/* Table block k of crc[0..done), written (not flushed); 0 or -errno. */
int cd_table_write(int fd, const struct hastor_dump_attr *a,
		   const uint32_t *crc, uint64_t done, uint64_t k);
/*
 * crc[c] for every chunk a table block of this dump vouches for, up to
 * the first gap; returns how many, why says where it ended if early.
 */
uint64_t cd_table_read(int fd, const struct hastor_dump_attr *a,
		       uint32_t *crc, char *why, size_t whylen);

#endif
