// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Terminal-safe text (escape.h): the escaping rule and its three forms. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/*
 * Length of the valid UTF-8 sequence at p (2..4), with its code point in
 * *cp, or 0 when the bytes there are not one.
 */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	size_t n, i;
	uint32_t c, min;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, c = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3, c = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {	/* stops at the NUL, which is no continuation */
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Code points that a terminal or a reader acts on instead of showing. */
static bool is_active_code_point(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0x200e ||
	       c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

struct sink {
	char *buf;
	size_t len;
	size_t used;		/* bytes written to buf, before its NUL */
	size_t need;		/* bytes the whole escaped text takes */
};

/* An escape that does not fit whole ends what buf keeps. */
static void put(struct sink *k, const char *s, size_t n)
{
	if (k->used == k->need && k->need + n < k->len) {
		memcpy(k->buf + k->used, s, n);
		k->used += n;
	}
	k->need += n;
}

static void put_hex(struct sink *k, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[b >> 4], hex[b & 15] };

	put(k, e, sizeof(e));
}

size_t tt_escape(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	struct sink k = { .buf = buf, .len = len };
	size_t n, i;
	uint32_t cp;

	while (*p) {
		if (*p == '\\') {
			put(&k, "\\\\", 2);
		} else if (*p == '\n') {
			put(&k, "\\n", 2);
		} else if (*p == '\r') {
			put(&k, "\\r", 2);
		} else if (*p == '\t') {
			put(&k, "\\t", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			put_hex(&k, *p);
		} else if (*p < 0x80) {
			put(&k, (const char *)p, 1);
		} else if ((n = utf8_seq(p, &cp)) && !is_active_code_point(cp)) {
			put(&k, (const char *)p, n);
			p += n;
			continue;
		} else {
			for (i = 0; i < (n ? n : 1); i++)
				put_hex(&k, p[i]);
			p += n ? n : 1;
			continue;
		}
		p++;
	}
	if (len)
		buf[k.used] = '\0';
	return k.need;
}

char *tt_escape_dup(const char *s)
{
	size_t n = tt_escape(NULL, 0, s);
	char *copy = malloc(n + 1);

	if (!copy) {
		errno = ENOMEM;
		return NULL;
	}
	tt_escape(copy, n + 1, s);
	return copy;
}

int tt_fputs_escaped(const char *s, FILE *out)
{
	char small[256], *big = NULL;
	size_t n = tt_escape(small, sizeof(small), s);
	int ret = 0;

	if (n >= sizeof(small)) {
		big = tt_escape_dup(s);
		if (!big)
			return -ENOMEM;
	}
	if (fputs(big ? big : small, out) == EOF)
		ret = -EIO;
	free(big);
	return ret;
}

char *tt_utf8_repair_dup(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char *copy, *o;
	uint32_t cp;
	size_t n;

	copy = malloc(strlen((const char *)p) * 4 + 1);	/* each byte at most "\xNN" */
	if (!copy) {
		errno = ENOMEM;
		return NULL;
	}
	for (o = copy; *p;) {
		if (*p < 0x80 || (n = utf8_seq(p, &cp)) == 0) {
			if (*p < 0x80) {
				*o++ = (char)*p++;
				continue;
			}
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
			p++;
			continue;
		}
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return copy;
}
