/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_NAMES_H
#define HACTL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Argument parsing and value formatting shared by the node, pool and
 * volume commands, so that every command accepts and prints names,
 * sizes and times the same way.
 */

struct hactl;

/*
 * For commands whose only option is --help: min..max positional
 * arguments, from argv[optind].  An exit status, or -1 to go on.
 */
int hactl_args(struct hactl *ctx, int argc, char **argv, int min, int max);
/* A usage error for an invalid pool name (unless checks are off), or -1. */
int hactl_check_pool_name(struct hactl *ctx, const char *name);

/* False when HACTL_NO_CLIENT_CHECKS is set (to anything but "0"). */
bool hactl_client_checks(void);

/* Node, pool and volume names: 1..63 of [A-Za-z0-9._-], not . or .. */
bool hactl_name_ok(const char *name);
#define HACTL_NAME_RULE \
	"1..63 characters of A-Z a-z 0-9 . _ -, not . or .."

/*
 * s made printable for a message: bytes outside printable ASCII, and
 * '\', become \xNN / \\, so a name read from a foreign disk or typed
 * with a stray control character cannot garble the terminal.  Returns
 * buf; the result is cut (ending in "...") if buf is too small.
 */
const char *hactl_esc(const char *s, char *buf, size_t len);
#define HACTL_ESC_LEN 256

enum hactl_size_err {
	HACTL_SIZE_OK,
	HACTL_SIZE_SYNTAX,	/* not a number with an optional suffix */
	HACTL_SIZE_OVERFLOW,	/* does not fit in 64 bits */
	HACTL_SIZE_RANGE,	/* 0, not a multiple of 4 KiB, or too big */
};

/*
 * Decimal bytes, or with a binary suffix K, M, G, T (either case).
 * check adds the volume-size rules: a positive multiple of
 * HASTOR_BLOCK_SIZE, at most HASTOR_VOL_SIZE_MAX.
 */
enum hactl_size_err hactl_parse_size(const char *s, bool check,
				     uint64_t *bytes);
/* Why hactl_parse_size() refused s, for a usage message. */
const char *hactl_size_errstr(enum hactl_size_err err);

/*
 * "POOL/VOL" or, with allow_snap, "POOL/VOL@SNAP".  The parts point
 * into a copy (free with hactl_vol_path_free).  With check, every part
 * must be a valid name; without it only the '/' (and '@') split is
 * done, so that the kernel's own validation can be exercised.  Returns
 * NULL and a reason in why on error.
 */
struct hactl_vol_path {
	char *copy;
	const char *pool;
	const char *vol;
	const char *snap;	/* NULL if none */
	const char *full;	/* "VOL" or "VOL@SNAP", as the kernel names it */
};

bool hactl_vol_path(const char *arg, bool allow_snap, bool check,
		    struct hactl_vol_path *vp, char *why, size_t whylen);
void hactl_vol_path_free(struct hactl_vol_path *vp);

/* dm name of a volume: "POOL:VOL" or "POOL:VOL@SNAP". */
#define HACTL_DM_NAME_MAX 127	/* DM_NAME_LEN - 1 */

/* "1.5GiB": one decimal from KiB up, exact below. */
const char *hactl_fmt_size(uint64_t bytes, char *buf, size_t len);
/* "2024-05-01T12:34:56Z" from nanoseconds since the epoch. */
const char *hactl_fmt_time_ns(uint64_t ns, char *buf, size_t len);
/* 32 lower-case hex digits (dm uuids), and hyphenated 8-4-4-4-12. */
void hactl_uuid_hex(const uint8_t uuid[16], char out[33]);
void hactl_uuid_str(const uint8_t uuid[16], char out[37]);

#endif
