/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP label helpers for request tracing: method names, low-cardinality
 * routes (numeric, hex and UUID path segments collapsed to ":id", query
 * and fragment never kept) and a per-service bound on distinct routes
 * (overflow series "_other").  Pure functions over strings, no BPF.
 */
#ifndef TT_HTTP_H
#define TT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define TT_ROUTE_MAX 256	/* room for a normalised route, NUL included */
#define TT_ROUTE_OTHER "_other"
#define TT_METHOD_OTHER "_OTHER"

/*
 * Normalise the path of a request target (`len` bytes, not NUL-terminated)
 * into `out`: the query and fragment are cut, an absolute-form target
 * ("http://host/p") keeps only its path, empty segments collapse, numeric,
 * hex (8+ digits with a decimal digit, or 0x-prefixed) and UUID segments
 * (percent-encoded or not) become ":id", other percent escapes are kept as
 * written and bytes outside printable ASCII become '_'.  With `truncated`
 * (the kernel kept only a prefix) the last, possibly cut, segment becomes
 * "*".  Never empty: "/" at least.
 */
void tt_http_route_normalize(const char *raw, size_t len, bool truncated, char *out,
			     size_t outlen);

/* Is this path segment an identifier (collapsed to ":id")? */
bool tt_http_segment_is_id(const char *seg, size_t len);

/* Distinct routes per service, bounded: past the bound a route reads "_other". */
struct tt_route_limit;

/* A limiter admitting at most `max_routes` routes per service; NULL + errno. */
struct tt_route_limit *tt_route_limit__new(size_t max_routes);
void tt_route_limit__free(struct tt_route_limit *l);

/*
 * The label to use for `route` of `service`: `route` itself when it was
 * seen before or the service has room, else TT_ROUTE_OTHER.  NULL on
 * allocation failure.
 */
const char *tt_route_limit_admit(struct tt_route_limit *l, const char *service,
				 const char *route);

/* How many routes were folded into "_other" so far. */
unsigned long tt_route_limit_overflows(const struct tt_route_limit *l);

#endif /* TT_HTTP_H */
