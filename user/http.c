// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP label helpers: route normalisation and the
 * per-service route bound (see http.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "http.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode seg into out (at most outlen - 1 bytes); returns the length. */
static size_t pct_decode(const char *seg, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < outlen; i++) {
		if (seg[i] == '%' && i + 2 < len + 0 && hexval(seg[i + 1]) >= 0 &&
		    hexval(seg[i + 2]) >= 0) {
			out[n++] = (char)(hexval(seg[i + 1]) * 16 + hexval(seg[i + 2]));
			i += 2;
		} else {
			out[n++] = seg[i];
		}
	}
	out[n] = 0;
	return n;
}

static bool all_hex(const char *s, size_t len, bool *has_digit)
{
	size_t i;

	*has_digit = false;
	for (i = 0; i < len; i++) {
		if (hexval((unsigned char)s[i]) < 0)
			return false;
		*has_digit |= isdigit((unsigned char)s[i]) != 0;
	}
	return len > 0;
}

static bool is_uuid(const char *s, size_t len)
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (len != 36)
		return false;
	for (i = 0; i < len; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return false;
			d++;
		} else if (hexval((unsigned char)s[i]) < 0) {
			return false;
		}
	}
	return true;
}

bool tt_http_segment_is_id(const char *seg, size_t len)
{
	char dec[TT_ROUTE_MAX];
	bool digit;
	size_t i, n;

	n = pct_decode(seg, len, dec, sizeof(dec));
	if (!n)
		return false;
	for (i = 0; i < n && isdigit((unsigned char)dec[i]); i++)
		;
	if (i == n)
		return true;				/* 12345 */
	if (is_uuid(dec, n))
		return true;				/* 123e4567-e89b-... */
	if (n > 2 && dec[0] == '0' && (dec[1] == 'x' || dec[1] == 'X') &&
	    all_hex(dec + 2, n - 2, &digit))
		return true;				/* 0x1f */
	return n >= 8 && all_hex(dec, n, &digit) && digit;	/* deadbeef01, sha */
}

void tt_http_route_normalize(const char *raw, size_t len, bool truncated, char *out,
			     size_t outlen)
{
	size_t i, o = 0, end;
	const char *p;

	if (outlen < 3) {
		if (outlen)
			out[0] = 0;
		return;
	}
	/* the kernel already cut the query; cut again, whatever the source */
	for (end = 0; end < len && raw[end] != '?' && raw[end] != '#' && raw[end]; end++)
		;
	len = end;
	/* absolute form: scheme://authority/path -> /path */
	p = memchr(raw, ':', len);
	if (p && p + 2 < raw + len && p[1] == '/' && p[2] == '/') {
		const char *path = memchr(p + 3, '/', (size_t)(raw + len - (p + 3)));

		if (!path) {
			snprintf(out, outlen, "/");
			return;
		}
		len -= (size_t)(path - raw);
		raw = path;
		truncated = truncated && len > 0;
	}
	if (len == 1 && raw[0] == '*') {
		snprintf(out, outlen, "*");
		return;
	}
	i = 0;
	while (i < len) {
		size_t s, slen;

		while (i < len && raw[i] == '/')
			i++;
		if (i >= len)
			break;
		s = i;
		while (i < len && raw[i] != '/')
			i++;
		slen = i - s;
		if (o + 2 >= outlen)
			break;
		out[o++] = '/';
		if (truncated && i >= len) {	/* the last segment may be cut */
			out[o++] = '*';
			break;
		}
		if (tt_http_segment_is_id(raw + s, slen)) {
			if (o + 4 >= outlen)
				break;
			memcpy(out + o, ":id", 3);
			o += 3;
			continue;
		}
		for (size_t k = 0; k < slen && o + 1 < outlen; k++) {
			unsigned char c = (unsigned char)raw[s + k];

			out[o++] = (c > 0x20 && c < 0x7f) ? (char)c : '_';
		}
	}
	if (o == 0)
		out[o++] = '/';
	else if (len && raw[len - 1] == '/' && !truncated && o + 1 < outlen && out[o - 1] != '/')
		out[o++] = '/';	/* keep a trailing slash: /dir/ is not /dir */
	out[o] = 0;
}

struct tt_route_limit {
	size_t max;
	struct tt_agg *routes;		/* (service, route) seen */
	struct tt_agg *services;	/* service -> count of routes (entry count) */
	unsigned long overflows;
};

struct tt_route_limit *tt_route_limit__new(size_t max_routes)
{
	struct tt_route_limit *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->max = max_routes;
	l->routes = tt_agg__new(2);
	l->services = tt_agg__new(1);
	if (!l->routes || !l->services) {
		tt_route_limit__free(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

void tt_route_limit__free(struct tt_route_limit *l)
{
	if (!l)
		return;
	tt_agg__free(l->routes);
	tt_agg__free(l->services);
	free(l);
}

const char *tt_route_limit_admit(struct tt_route_limit *l, const char *service,
				 const char *route)
{
	const char *key[2] = { service, route };
	struct tt_agg_entry *svc;

	if (tt_agg_find(l->routes, key))
		return route;
	svc = tt_agg_get(l->services, &service);
	if (!svc)
		return NULL;
	if (svc->count >= l->max) {
		l->overflows++;
		return TT_ROUTE_OTHER;
	}
	if (!tt_agg_get(l->routes, key))
		return NULL;
	svc->count++;	/* used as the number of routes admitted */
	return route;
}

unsigned long tt_route_limit_overflows(const struct tt_route_limit *l)
{
	return l->overflows;
}
