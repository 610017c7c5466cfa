// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The `make demo` application: a small HTTP/1.1 backend and the client that
 * loads it, both on loopback, so the demo shows request, syscall, TCP and
 * CPU figures on any host, idle or busy.
 *   demo_app serve PORT SECONDS     serve until SECONDS have passed
 *   demo_app load PORT SECONDS      4 keep-alive connections plus a new
 *                                   connection every 50 ms, and a connect
 *                                   to a closed port (a reset) every 500 ms
 * Routes: /api/users/ID (a little CPU: checksum), /api/search (more CPU:
 * the hot path a flame graph shows), /api/report (waits 20 ms, as on a
 * database), /health; anything else 404.  Both modes stop by themselves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

static double deadline;
static int port;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU work the profile can see: noinline keeps each function a frame. */
static __attribute__((noinline)) uint32_t checksum(uint32_t seed, int rounds)
{
	uint32_t h = seed ^ 2166136261u;
	int i;

	for (i = 0; i < rounds; i++)
		h = (h ^ (uint32_t)i) * 16777619u;
	return h;
}

static __attribute__((noinline)) uint32_t rank_results(uint32_t q)
{
	return checksum(q, 400000);
}

static __attribute__((noinline)) uint32_t search(uint32_t q)
{
	return rank_results(q) ^ checksum(q, 100000);
}

static __attribute__((noinline)) uint32_t load_user(uint32_t id)
{
	return checksum(id, 20000);
}

static int respond(int fd, const char *path)
{
	static const char fmt[] = "HTTP/1.1 %d %s\r\nContent-Length: %d\r\n"
				  "Connection: keep-alive\r\n\r\n%s";
	char out[256], body[32];
	int status = 200;

	body[0] = 0;
	if (!strncmp(path, "/api/users/", 11))
		snprintf(body, sizeof(body), "%08x\n", load_user((uint32_t)atoi(path + 11)));
	else if (!strcmp(path, "/api/search"))
		snprintf(body, sizeof(body), "%08x\n", search((uint32_t)rand()));
	else if (!strcmp(path, "/api/report")) {
		sleep_ms(20);
		snprintf(body, sizeof(body), "done\n");
	} else if (!strcmp(path, "/health"))
		snprintf(body, sizeof(body), "ok\n");
	else
		status = 404;
	snprintf(out, sizeof(out), fmt, status, status == 200 ? "OK" : "Not Found",
		 (int)strlen(body), body);
	return write_all(fd, out, strlen(out));
}

static void *serve_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[4096], path[256];
	size_t have = 0;

	for (;;) {
		char *end = memmem(buf, have, "\r\n\r\n", 4);
		ssize_t r;

		if (end) {
			size_t used = (size_t)(end - buf) + 4, i = 0;
			char *sp = memchr(buf, ' ', used), *q;

			if (sp)
				for (q = sp + 1; *q != ' ' && *q != '?' && *q != '\r' &&
				     i + 1 < sizeof(path); q++)
					path[i++] = *q;
			path[i] = 0;
			if (respond(fd, path))
				break;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == sizeof(buf))
			break;
		r = read(fd, buf + have, sizeof(buf) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	close(fd);
	return NULL;
}

static int listen_on(int p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int serve(void)
{
	int lfd = listen_on(port);

	if (lfd < 0) {
		perror("demo_app: listen");
		return 1;
	}
	while (now() < deadline) {
		struct timeval tv = { 0, 200000 };
		pthread_t th;
		int fd;

		setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (pthread_create(&th, NULL, serve_conn, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(th);
	}
	return 0;
}

static int connect_to(int p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request and its whole response (every response has Content-Length). */
static int request(int fd, const char *path)
{
	char buf[1024];
	size_t have = 0;

	snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: demo\r\n\r\n", path);
	if (write_all(fd, buf, strlen(buf)))
		return -1;
	for (;;) {
		char *end = memmem(buf, have, "\r\n\r\n", 4), *cl;
		ssize_t r;

		if (end) {
			cl = strcasestr(buf, "Content-Length:");
			if (cl && have >= (size_t)(end - buf) + 4 + (size_t)atoi(cl + 15))
				return 0;
		}
		if (have == sizeof(buf))
			return -1;
		r = read(fd, buf + have, sizeof(buf) - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
}

static void *load_conn(void *arg)
{
	static const char *const paths[] = { "/api/users/%d", "/api/users/%d", "/api/search",
					     "/api/report", "/health", "/missing" };
	int fd = -1, n = 0;

	(void)arg;
	while (now() < deadline) {
		char path[64];

		if (fd < 0 && (fd = connect_to(port)) < 0) {
			sleep_ms(20);
			continue;
		}
		snprintf(path, sizeof(path), paths[n % 6], 1000 + n % 97);
		if (request(fd, path)) {
			close(fd);
			fd = -1;
		}
		n++;
		sleep_ms(2);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int load(void)
{
	pthread_t th[4];
	double next_reset = 0;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, load_conn, NULL);
	while (now() < deadline) {
		int fd = connect_to(port);	/* a short connection: connect latency */

		if (fd >= 0) {
			request(fd, "/health");
			close(fd);
		}
		if (now() >= next_reset) {	/* nothing listens on port + 1: a reset */
			fd = connect_to(port + 1);
			if (fd >= 0)
				close(fd);
			next_reset = now() + 0.5;
		}
		sleep_ms(50);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	double secs;

	if (argc != 4 || (strcmp(argv[1], "serve") && strcmp(argv[1], "load"))) {
		fprintf(stderr, "usage: demo_app serve|load PORT SECONDS\n");
		return 2;
	}
	port = atoi(argv[2]);
	secs = atof(argv[3]);
	if (port <= 0 || port >= 65535 || secs <= 0 || secs > 600) {
		fprintf(stderr, "demo_app: bad port or duration\n");
		return 2;
	}
	deadline = now() + secs;
	return !strcmp(argv[1], "serve") ? serve() : load();
}
