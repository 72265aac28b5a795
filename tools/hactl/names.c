// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/hastor.h>
#include <linux/hastor_format.h>

#include "hactl.h"
#include "names.h"

bool hactl_client_checks(void)
{
	const char *env = getenv("HACTL_NO_CLIENT_CHECKS");

	/* Lets tests show that the kernel, not hactl, enforces the rules. */
	return !(env && *env && strcmp(env, "0"));
}

bool hactl_name_ok(const char *name)
{
	size_t len = strlen(name);

	/* "." and ".." are refused by the kernel: they read as paths. */
	return len >= 1 && len <= HASTOR_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz"
			    "0123456789._-") == len &&
	       strcmp(name, ".") && strcmp(name, "..");
}

static int esc_one(unsigned char c, char tmp[5])
{
	if (c == '\\')
		return snprintf(tmp, 5, "\\\\");
	if (c >= 0x20 && c < 0x7f)
		return snprintf(tmp, 5, "%c", c);
	return snprintf(tmp, 5, "\\x%02x", c);
}

const char *hactl_esc(const char *s, char *buf, size_t len)
{
	const unsigned char *p;
	size_t n = 0, need = 0;
	char tmp[5];
	bool cut;
	int w;

	for (p = (const unsigned char *)s; *p; p++)
		need += esc_one(*p, tmp);
	/* Cut only what does not fit, and then say so ("..."; len >= 4). */
	cut = need >= len;
	for (p = (const unsigned char *)s; *p; p++) {
		w = esc_one(*p, tmp);
		if (cut && n + w + 4 > len) {
			memcpy(buf + n, "...", 4);
			return buf;
		}
		memcpy(buf + n, tmp, w);
		n += w;
	}
	buf[n] = '\0';
	return buf;
}

enum hactl_size_err hactl_parse_size(const char *s, bool check,
				     uint64_t *bytes)
{
	size_t digits = strspn(s, "0123456789");
	unsigned int shift = 0;
	uint64_t v = 0;
	size_t i;

	/* strtoull would take blanks, a sign and "0x": none is a size. */
	if (!digits)
		return HACTL_SIZE_SYNTAX;
	switch (s[digits]) {
	case '\0':		 break;
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	default:
		return HACTL_SIZE_SYNTAX;
	}
	if (shift && s[digits + 1])
		return HACTL_SIZE_SYNTAX;
	for (i = 0; i < digits; i++) {
		if (v > (UINT64_MAX - (s[i] - '0')) / 10)
			return HACTL_SIZE_OVERFLOW;
		v = v * 10 + (s[i] - '0');
	}
	if (shift && v > UINT64_MAX >> shift)
		return HACTL_SIZE_OVERFLOW;
	v <<= shift;
	if (check && (!v || v % HASTOR_BLOCK_SIZE || v > HASTOR_VOL_SIZE_MAX))
		return HACTL_SIZE_RANGE;
	*bytes = v;
	return HACTL_SIZE_OK;
}

const char *hactl_size_errstr(enum hactl_size_err err)
{
	switch (err) {
	case HACTL_SIZE_OK:
		break;
	case HACTL_SIZE_SYNTAX:
		return "not a size (bytes, or a number followed by K, M, G or T)";
	case HACTL_SIZE_OVERFLOW:
		return "too large";
	case HACTL_SIZE_RANGE:
		return "must be a positive multiple of 4096 bytes, at most 4 PiB";
	}
	return "invalid";
}

static bool name_part(const char *what, const char *name, char *why,
		      size_t whylen)
{
	char esc[HACTL_ESC_LEN];

	if (hactl_name_ok(name))
		return true;
	snprintf(why, whylen, "invalid %s name '%s': must be %s", what,
		 hactl_esc(name, esc, sizeof(esc)), HACTL_NAME_RULE);
	return false;
}

bool hactl_vol_path(const char *arg, bool allow_snap, bool check,
		    struct hactl_vol_path *vp, char *why, size_t whylen)
{
	size_t len = strlen(arg);
	char *slash, *at, *split;
	char esc[HACTL_ESC_LEN];

	memset(vp, 0, sizeof(*vp));
	/* One buffer: "POOL\0VOL@SNAP\0" then "VOL\0SNAP\0". */
	vp->copy = malloc(2 * len + 2);
	if (!vp->copy) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	memcpy(vp->copy, arg, len + 1);
	slash = strchr(vp->copy, '/');
	if (!slash)
		goto bad_form;
	*slash = '\0';
	vp->pool = vp->copy;
	vp->full = slash + 1;
	split = vp->copy + len + 1;
	strcpy(split, vp->full);
	vp->vol = split;
	at = strchr(split, '@');
	if (at && (allow_snap || check)) {
		if (!allow_snap) {
			snprintf(why, whylen, "'%s': a snapshot (@) is not allowed here",
				 hactl_esc(arg, esc, sizeof(esc)));
			goto fail;
		}
		*at = '\0';
		vp->snap = at + 1;
	}
	if (!check)
		return true;
	if (strchr(vp->full, '/'))
		goto bad_form;
	if (name_part("pool", vp->pool, why, whylen) &&
	    name_part("volume", vp->vol, why, whylen) &&
	    (!vp->snap || name_part("snapshot", vp->snap, why, whylen)))
		return true;
	goto fail;
bad_form:
	snprintf(why, whylen, "'%s': expected POOL/VOL%s",
		 hactl_esc(arg, esc, sizeof(esc)),
		 allow_snap ? " or POOL/VOL@SNAP" : "");
fail:
	hactl_vol_path_free(vp);
	return false;
}

void hactl_vol_path_free(struct hactl_vol_path *vp)
{
	free(vp->copy);
	memset(vp, 0, sizeof(*vp));
}

const char *hactl_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double v = (double)bytes / 1024;
	unsigned int u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
		return buf;
	}
	/* 1048575 bytes is "1.0MiB", not "1024.0KiB". */
	while (v >= 1024 - 0.05 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%s", v, units[u]);
	return buf;
}

const char *hactl_fmt_time_ns(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	return buf;
}

void hactl_uuid_hex(const uint8_t uuid[16], char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", uuid[i]);
}

void hactl_uuid_str(const uint8_t uuid[16], char out[37])
{
	char *p = out;
	int i;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += snprintf(p, 3, "%02x", uuid[i]);
	}
}

int hactl_args(struct hactl *ctx, int argc, char **argv, int min, int max)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return hactl_help(ctx);
		return hactl_bad_option(ctx, c, argv);
	}
	if (argc - optind < min)
		return hactl_usage_error(ctx, "missing argument");
	if (argc - optind > max)
		return hactl_usage_error(ctx, "unexpected argument '%s'",
					 argv[optind + max]);
	return -1;
}

int hactl_check_pool_name(struct hactl *ctx, const char *name)
{
	char esc[HACTL_ESC_LEN];

	if (!hactl_client_checks() || hactl_name_ok(name))
		return -1;
	return hactl_usage_error(ctx, "invalid pool name '%s': must be %s",
				 hactl_esc(name, esc, sizeof(esc)),
				 HACTL_NAME_RULE);
}
