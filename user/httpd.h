/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The metrics endpoint's HTTP server (libmicrohttpd), run from the
 * caller's poll loop: MHD's epoll mode without a thread of its own, so a
 * handler runs in the same thread as the session and reads its snapshot
 * without a lock.  MHD does the connection handling (keep-alive, slow and
 * half-open clients, timeouts) without blocking that thread.
 */
#ifndef TT_HTTPD_H
#define TT_HTTPD_H

#include <stddef.h>

#include "error.h"

/* What a handler answers with. */
struct tt_http_reply {
	unsigned int status;	/* 200, 404, ... */
	const char *content_type;	/* static string */
	char *body;		/* malloc'd; the server frees it */
	size_t len;
};

/*
 * Answer a GET/HEAD of `path` with request header `accept` (NULL if
 * absent).  0, or -errno: the server answers 500.
 */
typedef int (*tt_http_handler)(void *ctx, const char *path, const char *accept,
			       struct tt_http_reply *out);

struct tt_httpd;

/*
 * Listen on `listen` ("HOST:PORT", "[V6]:PORT" or ":PORT" for every
 * address; HOST numeric) and serve with `handler`.  The socket is bound
 * here, so a port in use fails now: NULL with err filled (err->code
 * -EADDRINUSE, usage for a malformed address).
 */
struct tt_httpd *tt_httpd__new(const char *listen, tt_http_handler handler, void *ctx,
			       struct tt_error *err);
/* The fd to poll for POLLIN (MHD's epoll fd). */
int tt_httpd_fd(const struct tt_httpd *h);
/* Longest wait before tt_httpd_run is due, ms (-1: none). */
int tt_httpd_timeout(const struct tt_httpd *h);
/* Accept, read, answer and time out connections without blocking. 0 or -EIO. */
int tt_httpd_run(struct tt_httpd *h);
/* The port bound (useful with port 0). */
unsigned int tt_httpd_port(const struct tt_httpd *h);
void tt_httpd__free(struct tt_httpd *h);

#endif /* TT_HTTPD_H */
