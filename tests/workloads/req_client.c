// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An HTTP/1.1 keep-alive client sending an exact number of requests per
 * route over one connection, for the live tests of `tracetool requests`.
 *   req_client --port P --req METHOD:TARGET:COUNT [--req ...]
 *              [--pipeline K] [--split] [--tcp N] [--eof] [--timeout S]
 *              [--header-bytes B] [--hold MS] [--v4mapped]
 * Requests go out in the order given.  --header-bytes B pads each request
 * head to B bytes with an X-Pad header.  --hold MS keeps the connection open
 * MS milliseconds after the result line is printed (and flushed).  --pipeline K writes K requests in
 * one write, then reads the K responses.  --split writes each request line
 * in three pieces 5 ms apart ("GE", "T /pa", the rest).  --tcp N sends
 * "ping\n" N times and reads "pong\n" (the server's --tcp mode).  --eof reads
 * until the server closes before closing (an upgraded connection).
 * --v4mapped connects through an AF_INET6 socket to ::ffff:127.0.0.1 (the
 * same IPv4 peer, as a dual-stack client sees it).  Connect
 * is retried until the server listens (bounded by --timeout).  Prints
 * "requests N responses N" and exits 0 when every response came back.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

#define MAX_REQS 32

struct spec {
	char method[16];
	char target[512];
	int count;
};

static char rbuf[1 << 16];
static size_t rhave;

static int fill(int fd)
{
	for (;;) {
		ssize_t r = read(fd, rbuf + rhave, sizeof(rbuf) - rhave);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		rhave += (size_t)r;
		return 0;
	}
}

/* Read one response (skipping interim 1xx ones); returns its status or -1. */
static int read_response(int fd)
{
	for (;;) {
		char *end = memmem(rbuf, rhave, "\r\n\r\n", 4);
		size_t head, body = 0;
		char *cl;
		int status;

		if (!end) {
			if (rhave == sizeof(rbuf) || fill(fd))
				return -1;
			continue;
		}
		head = (size_t)(end - rbuf) + 4;
		cl = memmem(rbuf, head, "Content-Length:", 15);
		status = atoi(rbuf + 9);
		if (cl)
			body = (size_t)strtoul(cl + 15, NULL, 10);
		memmove(rbuf, rbuf + head, rhave - head);
		rhave -= head;
		while (body) {	/* bodies may be larger than the buffer: drop them as they come */
			size_t k = body < rhave ? body : rhave;

			memmove(rbuf, rbuf + k, rhave - k);
			rhave -= k;
			body -= k;
			if (body && fill(fd))
				return -1;
		}
		if (status >= 100 && status < 200)
			continue;
		return status;
	}
}

static int connect_retry(int port, int timeout_s, int v4mapped)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr *to = v4mapped ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa;
	socklen_t tolen = v4mapped ? sizeof(sa6) : sizeof(sa);
	int i, one = 1;

	sa.sin_port = sa6.sin6_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa6.sin6_addr);
	for (i = 0; i < timeout_s * 100; i++) {
		int fd = socket(to->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (!connect(fd, to, tolen)) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
		sleep_ms(10);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct spec specs[MAX_REQS];
	int nspecs = 0, port = 0, pipeline = 1, split = 0, tcp = 0, timeout_s = 30, eof = 0, i, fd;
	long sent = 0, got = 0;
	int header_bytes = 0, hold_ms = 0, v4mapped = 0;
	static char req[65536];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			port = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--req") && i + 1 < argc && nspecs < MAX_REQS) {
			char *a = argv[++i], *c1 = strchr(a, ':'), *c2 = strrchr(a, ':');
			struct spec *s = &specs[nspecs++];

			if (!c1 || c1 == c2 || c1 - a >= (long)sizeof(s->method) ||
			    c2 - c1 - 1 >= (long)sizeof(s->target))
				return 2;
			snprintf(s->method, sizeof(s->method), "%.*s", (int)(c1 - a), a);
			snprintf(s->target, sizeof(s->target), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
			s->count = atoi(c2 + 1);
		} else if (!strcmp(argv[i], "--pipeline") && i + 1 < argc) {
			pipeline = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--split")) {
			split = 1;
		} else if (!strcmp(argv[i], "--v4mapped")) {
			v4mapped = 1;
		} else if (!strcmp(argv[i], "--eof")) {
			eof = 1;
		} else if (!strcmp(argv[i], "--tcp") && i + 1 < argc) {
			tcp = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout_s = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
			hold_ms = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--header-bytes") && i + 1 < argc) {
			header_bytes = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: req_client --port P --req METHOD:TARGET:COUNT ... "
					"[--pipeline K] [--split] [--tcp N] [--eof] [--timeout S] [--header-bytes B] [--hold MS] [--v4mapped]\n");
			return 2;
		}
	}
	if (port <= 0 || pipeline < 1 || pipeline > 64 || header_bytes < 0 || header_bytes > 1000)
		return 2;
	alarm((unsigned)timeout_s);
	fd = connect_retry(port, timeout_s, v4mapped);
	if (fd < 0) {
		fprintf(stderr, "req_client: cannot connect to 127.0.0.1:%d\n", port);
		return 1;
	}
	if (tcp) {
		char line[16];

		for (i = 0; i < tcp; i++) {
			ssize_t r;
			size_t have = 0;

			if (write_all(fd, "ping\n", 5))
				return 1;
			sent++;
			while (have < 5 && (r = read(fd, line + have, 5 - have)) > 0)
				have += (size_t)r;
			if (have == 5)
				got++;
		}
		printf("requests %ld responses %ld\n", sent, got);
		close(fd);
		return got == sent ? 0 : 1;
	}
	for (i = 0; i < nspecs; i++) {
		int left = specs[i].count;

		while (left > 0) {
			int k = left < pipeline ? left : pipeline, j, n;
			size_t len = 0;

			for (j = 0; j < k; j++) {
				n = snprintf(req + len, sizeof(req) - len,
					     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: req_client\r\n",
					     specs[i].method, specs[i].target, port);
				if (n < 0 || (size_t)n >= sizeof(req) - len)
					return 2;
				len += (size_t)n;
				/* "X-Pad: " + pad + "\r\n" + "\r\n" makes the head header_bytes long */
				if (header_bytes > n + 11) {
					int pad = header_bytes - n - 11;

					if ((size_t)header_bytes >= sizeof(req) - len + n)
						return 2;
					memcpy(req + len, "X-Pad: ", 7);
					memset(req + len + 7, 'p', (size_t)pad);
					memcpy(req + len + 7 + pad, "\r\n", 2);
					len += (size_t)pad + 9;
				}
				if (len + 2 >= sizeof(req))
					return 2;
				memcpy(req + len, "\r\n", 2);
				len += 2;
			}
			if (split && len > 6) {
				if (write_all(fd, req, 2))
					return 1;
				sleep_ms(5);
				if (write_all(fd, req + 2, 4))
					return 1;
				sleep_ms(5);
				if (write_all(fd, req + 6, len - 6))
					return 1;
			} else if (write_all(fd, req, len)) {
				return 1;
			}
			sent += k;
			for (j = 0; j < k; j++)
				if (read_response(fd) > 0)
					got++;
			left -= k;
		}
	}
	while (eof && read(fd, rbuf, sizeof(rbuf)) > 0)
		;
	printf("requests %ld responses %ld\n", sent, got);
	fflush(stdout);
	if (hold_ms > 0)
		sleep_ms(hold_ms);
	close(fd);
	return got == sent ? 0 : 1;
}
