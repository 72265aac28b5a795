// SPDX-License-Identifier: GPL-2.0
/*
 * hswriter: the test writer of hastor's crash tests.
 *
 *   hswriter write DEV --blocks N --count C [--first B] [--flush-every F]
 *                      [--seed S] [--tag T]
 *   hswriter verify DEV --blocks N [--first B]
 *
 * write: C writes of one 4 KiB block each, O_DIRECT, at random blocks of
 * [B, B + N).  Each block says what it is: a header (magic, tag, block,
 * sequence number, seed) and a fill derived from them, with a crc32 over
 * it all.  After each write returns, "W tag block seq" goes to stdout;
 * every F writes an fdatasync() (a FLUSH), then "F tag seq": every write
 * up to seq is durable.  stdout is line-buffered, so the host learns of
 * each acknowledgement as soon as the agent forwards it; the last few
 * may still be on their way when the guest dies.
 *
 * verify: reads [B, B + N) and prints "B tag block seq seed" for each block
 * that holds a whole hswriter block, "X block" for one that holds
 * anything else but zeros.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLK	4096
#define MAGIC	0x52575348u	/* "HSWR" */

struct hdr {
	uint32_t magic;
	uint32_t crc;
	uint64_t tag;
	uint64_t block;
	uint64_t seq;
	uint64_t seed;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void fill(uint8_t *buf, uint64_t tag, uint64_t block, uint64_t seq,
		 uint64_t seed)
{
	struct hdr *h = (struct hdr *)buf;
	uint64_t *p = (uint64_t *)buf;
	size_t i;

	for (i = sizeof(*h) / 8; i < BLK / 8; i++)
		p[i] = mix(seed ^ mix(block ^ mix(seq ^ i)));
	h->magic = MAGIC;
	h->tag = tag;
	h->block = block;
	h->seq = seq;
	h->seed = seed;
	h->crc = 0;
	h->crc = crc32(0, buf, BLK);
}

static int check(uint8_t *buf, uint64_t block)
{
	struct hdr *h = (struct hdr *)buf;
	uint32_t crc = h->crc;
	int ok;

	if (h->magic != MAGIC || h->block != block)
		return 0;
	h->crc = 0;
	ok = crc32(0, buf, BLK) == crc;
	h->crc = crc;
	return ok;
}

static int zero(const uint8_t *buf)
{
	size_t i;

	for (i = 0; i < BLK; i++)
		if (buf[i])
			return 0;
	return 1;
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "hswriter: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	uint64_t blocks = 0, count = 0, first = 0, every = 0, seed = 1, tag = 0;
	uint8_t *buf;
	int fd, i, verify;

	if (argc < 3 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify"))) {
		fprintf(stderr, "usage: hswriter write|verify DEV --blocks N ...\n");
		return 2;
	}
	verify = !strcmp(argv[1], "verify");
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--blocks"))
			blocks = num(argv[i + 1], "--blocks");
		else if (!strcmp(argv[i], "--count"))
			count = num(argv[i + 1], "--count");
		else if (!strcmp(argv[i], "--first"))
			first = num(argv[i + 1], "--first");
		else if (!strcmp(argv[i], "--flush-every"))
			every = num(argv[i + 1], "--flush-every");
		else if (!strcmp(argv[i], "--seed"))
			seed = num(argv[i + 1], "--seed");
		else if (!strcmp(argv[i], "--tag"))
			tag = num(argv[i + 1], "--tag");
		else {
			fprintf(stderr, "hswriter: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (i != argc || !blocks) {
		fprintf(stderr, "hswriter: --blocks is required\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (posix_memalign((void **)&buf, BLK, BLK))
		return 1;
	fd = open(argv[2], (verify ? O_RDONLY : O_RDWR) | O_DIRECT);
	/* verify also reads image files, on file systems without O_DIRECT */
	if (fd < 0 && errno == EINVAL && verify)
		fd = open(argv[2], O_RDONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (verify) {
		uint64_t b;

		for (b = first; b < first + blocks; b++) {
			ssize_t n = pread(fd, buf, BLK, b * BLK);

			/* A short image file reads as zeros past its end. */
			if (n >= 0 && n < BLK)
				memset(buf + n, 0, BLK - n);
			else if (n != BLK) {
				perror("pread");
				return 1;
			}
			if (check(buf, b))
				printf("B %" PRIu64 " %" PRIu64 " %" PRIu64
				       " %" PRIu64 "\n",
				       ((struct hdr *)buf)->tag, b,
				       ((struct hdr *)buf)->seq,
				       ((struct hdr *)buf)->seed);
			else if (!zero(buf))
				printf("X %" PRIu64 "\n", b);
		}
		return 0;
	}
	srandom((unsigned int)mix(mix(seed) ^ tag));
	for (uint64_t seq = 1; seq <= count; seq++) {
		uint64_t b = first + (((uint64_t)random() << 31 | random()) %
				      blocks);

		fill(buf, tag, b, seq, seed);
		if (pwrite(fd, buf, BLK, b * BLK) != BLK) {
			perror("pwrite");
			return 1;
		}
		printf("W %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", tag, b, seq);
		if (every && seq % every == 0) {
			if (fdatasync(fd)) {
				perror("fdatasync");
				return 1;
			}
			printf("F %" PRIu64 " %" PRIu64 "\n", tag, seq);
		}
	}
	return 0;
}
