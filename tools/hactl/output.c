// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define JSON_MAX_DEPTH 8

static bool json_mode;
static int depth;
/* Whether the object open at each level already holds a member. */
static bool has_member[JSON_MAX_DEPTH];

void out_set_json(bool on)
{
	json_mode = on;
}

bool out_json(void)
{
	return json_mode;
}

/* Length of the valid UTF-8 sequence at s, 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		}
		if (*s < 0x20) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			/* JSON text must be UTF-8; a parser would reject us. */
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

static void json_key(const char *key)
{
	if (depth > 0) {
		if (has_member[depth - 1])
			fputc(',', stdout);
		has_member[depth - 1] = true;
	}
	if (key) {
		json_escape(stdout, key);
		fputc(':', stdout);
	}
}

void json_open(const char *key)
{
	json_key(key);
	fputc('{', stdout);
	if (depth == JSON_MAX_DEPTH)
		abort();	/* a bug in hactl, not a runtime condition */
	has_member[depth++] = false;
}

void json_close(void)
{
	fputc('}', stdout);
	if (--depth == 0) {
		fputc('\n', stdout);
		fflush(stdout);
	}
}

void json_array_open(const char *key)
{
	json_key(key);
	fputc('[', stdout);
	if (depth == JSON_MAX_DEPTH)
		abort();
	has_member[depth++] = false;
}

/* Never outermost: documents are objects. */
void json_array_close(void)
{
	fputc(']', stdout);
	depth--;
}

void json_str(const char *key, const char *val)
{
	json_key(key);
	json_escape(stdout, val);
}

void json_uint(const char *key, unsigned long long val)
{
	json_key(key);
	printf("%llu", val);
}

void json_bool(const char *key, bool val)
{
	json_key(key);
	fputs(val ? "true" : "false", stdout);
}

void json_null(const char *key)
{
	json_key(key);
	fputs("null", stdout);
}

void out_field(const char *label, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = printf("%s:", label);
	printf("%*s", n < 16 ? 16 - n : 1, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}
