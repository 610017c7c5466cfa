// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shortest round-trip reals in jansson's output (user/jsonout.h).  jansson
 * formats a real with one "%.*g" precision for the whole document, so the
 * document is dumped at 17 digits (always exact) and each real token is
 * rewritten on its way out: the token is parsed back to its double and
 * printed again at the fewest digits that still read back to it.  The
 * filter follows the JSON text (strings, escapes) so a digit inside a string
 * is never touched.
 */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "numfmt.h"

#define REAL_PRECISION_MASK JSON_REAL_PRECISION(0x1F)
#define NUM_MAX 64	/* jansson's longest number is 24 characters */

struct filter {
	json_dump_callback_t cb;
	void *data;
	bool in_string, escaped;
	char num[NUM_MAX];
	size_t nlen;
	char buf[4096];
	size_t blen;
	int err;
};

char *tt_json_real_str(char *buf, size_t len, double v)
{
	char num[TT_NUM_LEN + 2], *e, *p;
	size_t n = tt_num_shortest(num, v);

	e = memchr(num, 'e', n);
	if (e) {
		/* "1e+20" -> "1e20", "1e-06" -> "1e-6", as jansson spells them */
		p = e + 1 + (e[1] == '-');
		if (*p == '+')
			memmove(p, p + 1, (size_t)(num + n-- - p));
		while (*p == '0' && p[1])
			memmove(p, p + 1, (size_t)(num + n-- - p));
	} else if (!memchr(num, '.', n)) {
		/* a whole number stays a real: "30.0" */
		memcpy(num + n, ".0", 3);
		n += 2;
	}
	if (!len)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, num, n);
	buf[n] = 0;
	return buf;
}

static void out_bytes(struct filter *f, const char *s, size_t n)
{
	while (n && !f->err) {
		size_t k = sizeof(f->buf) - f->blen;

		if (k > n)
			k = n;
		memcpy(f->buf + f->blen, s, k);
		f->blen += k;
		s += k;
		n -= k;
		if (f->blen == sizeof(f->buf)) {
			if (f->cb(f->buf, f->blen, f->data))
				f->err = -1;
			f->blen = 0;
		}
	}
}

static void end_number(struct filter *f)
{
	char real[32];

	if (!f->nlen)
		return;
	f->num[f->nlen] = '\0';
	if (strpbrk(f->num, ".eE")) {
		tt_json_real_str(real, sizeof(real), strtod(f->num, NULL));
		out_bytes(f, real, strlen(real));
	} else {
		out_bytes(f, f->num, f->nlen);
	}
	f->nlen = 0;
}

static int filter_cb(const char *s, size_t n, void *data)
{
	struct filter *f = data;
	size_t i;

	for (i = 0; i < n && !f->err; i++) {
		char c = s[i];

		if (f->in_string) {
			if (f->escaped)
				f->escaped = false;
			else if (c == '\\')
				f->escaped = true;
			else if (c == '"')
				f->in_string = false;
			out_bytes(f, &c, 1);
			continue;
		}
		if (f->nlen) {
			if (c && strchr("0123456789+-.eE", c) && f->nlen < NUM_MAX - 1) {
				f->num[f->nlen++] = c;
				continue;
			}
			end_number(f);
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			f->num[f->nlen++] = c;
			continue;
		}
		if (c == '"')
			f->in_string = true;
		out_bytes(f, &c, 1);
	}
	return f->err;
}

int tt_json_dump_callback(const json_t *root, json_dump_callback_t cb, void *data, size_t flags)
{
	struct filter *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -1;
	f->cb = cb;
	f->data = data;
	flags = (flags & ~(size_t)REAL_PRECISION_MASK) | JSON_REAL_PRECISION(17);
	ret = json_dump_callback(root, filter_cb, f, flags);
	if (!ret) {
		end_number(f);
		if (!f->err && f->blen && f->cb(f->buf, f->blen, f->data))
			f->err = -1;
		ret = f->err;
	}
	free(f);
	return ret;
}

static int file_cb(const char *s, size_t n, void *data)
{
	return fwrite(s, 1, n, data) == n ? 0 : -1;
}

int tt_json_dumpf(const json_t *root, FILE *out, size_t flags)
{
	return tt_json_dump_callback(root, file_cb, out, flags);
}

char *tt_json_dumps(const json_t *root, size_t flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return NULL;
	ret = tt_json_dump_callback(root, file_cb, f, flags);
	if (fclose(f) || ret) {
		free(text);
		return NULL;
	}
	return text;
}
