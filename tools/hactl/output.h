/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HACTL_OUTPUT_H
#define HACTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Every command prints either human text or exactly one compact JSON
 * document per line, so a reader of a pipe (monitor) can split on '\n'.
 * The JSON writer tracks nesting itself so callers never place commas.
 */

void out_set_json(bool on);
bool out_json(void);

/* key is NULL for the outermost object. */
void json_open(const char *key);
/* Closing the outermost object ends the line and flushes stdout. */
void json_close(void);
/* Arrays: members take a NULL key (json_str(NULL, ...), json_open(NULL)). */
void json_array_open(const char *key);
void json_array_close(void);
void json_str(const char *key, const char *val);
void json_uint(const char *key, unsigned long long val);
void json_bool(const char *key, bool val);
void json_null(const char *key);

/* Writes s as a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
void json_escape(FILE *f, const char *s);

/* Human "label:   value" line; values line up in one column. */
void out_field(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
