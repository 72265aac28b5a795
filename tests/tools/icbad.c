// SPDX-License-Identifier: GPL-2.0
/*
 * icbad: connect to a hastor interconnect port and send one deliberately
 * malformed frame or handshake, to show that the kernel refuses it (drops
 * the connection, counts it) and does not crash or warn.
 *
 *   icbad ADDR PORT CASE [CLUSTER FROM TO LINK]
 *   icbad list
 *
 * CLUSTER FROM TO LINK (default 7 1 2 0) are the identities a HELLO
 * claims: the right ones get a case past the identity check.  Prints
 * "CASE: closed" when the peer ended the connection within 20 s; exit 0
 * then, 3 if the connection stayed open, 1 on a local failure, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAGIC	0x48534343
#define HDR_LEN	48
#define HELLO_LEN 72

enum { F_HELLO = 1, F_AUTH, F_SESSION, F_DATA, F_ACK, F_HB, F_HB_ACK };

struct hdr {
	uint32_t magic;
	uint8_t version, type;
	uint16_t flags, hdr_len, channel;
	uint32_t len;
	uint64_t session, seq, ack;
	uint16_t msg_type, reserved;
	uint32_t crc;
};

static uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return crc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, v); }

/* Encodes h and payload into out; returns the frame's length. */
static size_t frame(const struct hdr *h, const void *payload, size_t plen,
		    uint8_t *out, int bad_crc)
{
	uint32_t crc;

	memset(out, 0, HDR_LEN);
	put32(out, h->magic);
	out[4] = h->version;
	out[5] = h->type;
	put16(out + 6, h->flags);
	put16(out + 8, h->hdr_len);
	put16(out + 10, h->channel);
	put32(out + 12, h->len);
	put64(out + 16, h->session);
	put64(out + 24, h->seq);
	put64(out + 32, h->ack);
	put16(out + 40, h->msg_type);
	put16(out + 42, h->reserved);
	memcpy(out + HDR_LEN, payload, plen);
	crc = ~crc32c(crc32c(~0u, out, HDR_LEN), out + HDR_LEN, plen);
	put32(out + 44, crc ^ (bad_crc ? 1 : 0));
	return HDR_LEN + plen;
}

static struct hdr base(uint8_t type, uint32_t len)
{
	struct hdr h = { .magic = MAGIC, .version = 1, .type = type,
			 .hdr_len = HDR_LEN, .len = len };
	return h;
}

static uint32_t cluster = 7, from = 1, to = 2, linkno;

static void hello(uint8_t *p)
{
	int i;

	memset(p, 0, HELLO_LEN);
	put32(p, cluster);
	put32(p + 4, from);
	put32(p + 8, to);
	put16(p + 12, linkno);
	put64(p + 16, 0x1234567890abcdefULL);
	for (i = 40; i < HELLO_LEN; i++)
		p[i] = rand();
}

/* Each case writes its bytes into out and returns how many. */
static size_t build(const char *c, uint8_t *out)
{
	uint8_t p[4096];
	struct hdr h;
	size_t n, i;

	hello(p);
	h = base(F_HELLO, HELLO_LEN);
	if (!strcmp(c, "garbage")) {
		for (i = 0; i < 200; i++)
			out[i] = rand();
		return 200;
	}
	if (!strcmp(c, "bad-magic"))
		h.magic = 0x48545450;	/* "HTTP" */
	else if (!strcmp(c, "version"))
		h.version = 2;
	else if (!strcmp(c, "bad-type"))
		h.type = 99;
	else if (!strcmp(c, "flags"))
		h.flags = 0x8000;
	else if (!strcmp(c, "hdr-len"))
		h.hdr_len = 64;
	else if (!strcmp(c, "reserved"))
		h.reserved = 1;
	else if (!strcmp(c, "hello-short"))
		h.len = HELLO_LEN - 8;
	else if (!strcmp(c, "huge-len")) {
		h = base(F_DATA, 0xffffffff);
		h.channel = 1;
		h.session = h.seq = 1;
		return frame(&h, p, 0, out, 0);
	} else if (!strcmp(c, "data-first")) {
		h = base(F_DATA, 64);
		h.channel = 1;
		h.session = h.seq = 1;
		return frame(&h, p, 64, out, 0);
	} else if (!strcmp(c, "hb-first")) {
		h = base(F_HB, 8);
		return frame(&h, p, 8, out, 0);
	} else if (!strcmp(c, "truncated")) {
		n = frame(&h, p, HELLO_LEN, out, 0);
		return n - 10;
	} else if (!strcmp(c, "wrong-cluster")) {
		put32(p, cluster + 1);
	} else if (!strcmp(c, "wrong-node")) {
		put32(p + 4, 999);
	} else if (!strcmp(c, "wrong-link")) {
		put16(p + 12, linkno + 1);
	} else if (!strcmp(c, "hello-reserved")) {
		put16(p + 14, 1);
	} else if (!strcmp(c, "bad-auth") || !strcmp(c, "auth-bad-crc")) {
		/* A valid HELLO, then a proof made up without the secret. */
		n = frame(&h, p, HELLO_LEN, out, 0);
		h = base(F_AUTH, 32);
		for (i = 0; i < 32; i++)
			p[i] = rand();
		return n + frame(&h, p, 32, out + n, !strcmp(c, "auth-bad-crc"));
	} else if (strcmp(c, "bad-crc")) {
		return 0;
	}
	return frame(&h, p, h.len <= HELLO_LEN ? h.len : 0, out,
		     !strcmp(c, "bad-crc"));
}

static const char *const cases[] = {
	"garbage", "bad-magic", "version", "bad-type", "flags", "hdr-len",
	"reserved", "hello-short", "huge-len", "data-first", "hb-first",
	"truncated", "bad-crc", "wrong-cluster", "wrong-node", "wrong-link",
	"hello-reserved", "bad-auth", "auth-bad-crc", NULL,
};

int main(int argc, char **argv)
{
	struct timeval tv = { .tv_sec = 20 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint8_t out[8192], in[4096];
	const char *c;
	size_t n;
	ssize_t r;
	int fd, i;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (i = 0; cases[i]; i++)
			puts(cases[i]);
		return 0;
	}
	if (argc != 4 && argc != 8) {
		fprintf(stderr, "usage: icbad ADDR PORT CASE [CLUSTER FROM TO LINK] | icbad list\n");
		return 2;
	}
	c = argv[3];
	if (argc == 8) {
		cluster = strtoul(argv[4], NULL, 0);
		from = strtoul(argv[5], NULL, 0);
		to = strtoul(argv[6], NULL, 0);
		linkno = strtoul(argv[7], NULL, 0);
	}
	srand(getpid());
	n = build(c, out);
	if (!n) {
		fprintf(stderr, "icbad: unknown case %s\n", c);
		return 2;
	}
	sa.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "icbad: bad address %s\n", argv[1]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "icbad: connect: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, out, n) != (ssize_t)n) {
		fprintf(stderr, "icbad: write: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(c, "truncated"))
		shutdown(fd, SHUT_WR);
	/* Whatever the kernel answers (HELLO, AUTH) is read and dropped. */
	while ((r = read(fd, in, sizeof(in))) > 0)
		;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		printf("%s: still open\n", c);
		return 3;
	}
	printf("%s: closed\n", c);
	close(fd);
	return 0;
}
