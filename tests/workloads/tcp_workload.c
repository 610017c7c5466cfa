// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP workload for the live tests of `tracetool tcp` and its benchmark.
 * Bounded in count and time (--timeout, default 60 s: exit 3 when hit).
 *
 *   tcp_workload --addr A --port P --conns N [--writes W --size B]
 *       listens on A:P, connects N times; each client sends W writes of B
 *       bytes (TCP_NODELAY, so mostly one segment each) and the server reads
 *       them to the end.  Exit 0 when every byte arrived.
 *   tcp_workload --addr A --port P --refused [--conns N [--spread]]
 *       connects N times (default once) to A:P, where nothing listens; exit
 *       0 when every connect got ECONNREFUSED.  With --spread (IPv4) the
 *       i-th connect goes to address A + i: N distinct flows.
 *   tcp_workload --addr A --port P --server-rst
 *       one connection; the server reads 1 byte of the client's 1000 and
 *       closes with the rest unread, so it sends a reset; exit 0 when the
 *       client sees ECONNRESET.
 *   tcp_workload --addr A --port P --stream SEC
 *       one connection sending 128 KB writes for SEC seconds; prints the
 *       throughput as "bytes_per_second N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	struct sockaddr_storage sa;
	socklen_t salen;
	int conns, writes, size;
	double stream;
	int refused;
	int spread;
	int server_rst;
};

static long long received;
static int server_rst;	/* serve(): read one byte, then close with data unread */

static void die(const char *what)
{
	fprintf(stderr, "tcp_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse_addr(const char *s, int port, struct opts *o)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&o->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o->sa;

	memset(&o->sa, 0, sizeof(o->sa));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		o->salen = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		o->salen = sizeof(*in6);
		return 0;
	}
	return -1;
}

static void *serve(void *arg)
{
	int lfd = *(int *)arg;
	static char buf[1 << 17];
	ssize_t r;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			die("accept");
		if (server_rst) {
			if (read(fd, buf, 1) != 1)
				die("read");
			close(fd);	/* unread data: the kernel answers with a reset */
			continue;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			__atomic_add_fetch(&received, r, __ATOMIC_RELAXED);
		if (r < 0)
			die("read");
		close(fd);
	}
	return NULL;
}

static int client(const struct opts *o)
{
	int fd = socket(o->sa.ss_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)&o->sa, o->salen)) {
		int e = errno;

		close(fd);
		return -e;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "addr", required_argument, NULL, 'a' },  { "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'n' }, { "writes", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 's' },  { "refused", no_argument, NULL, 'r' },
		{ "stream", required_argument, NULL, 'S' }, { "timeout", required_argument, NULL, 't' },
		{ "server-rst", no_argument, NULL, 'R' }, { "spread", no_argument, NULL, 'x' },
		{ 0 },
	};
	struct opts o = { .conns = 1, .writes = 0, .size = 1000 };
	const char *addr = "127.0.0.1";
	int port = 0, timeout = 60, c, lfd, one = 1, i, w, fd;
	long long want;
	pthread_t th;
	char *buf;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': o.conns = atoi(optarg); break;
		case 'w': o.writes = atoi(optarg); break;
		case 's': o.size = atoi(optarg); break;
		case 'r': o.refused = 1; break;
		case 'x': o.spread = 1; break;
		case 'R': o.server_rst = 1; break;
		case 'S': o.stream = atof(optarg); break;
		case 't': timeout = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: see the comment at the top of tcp_workload.c\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || parse_addr(addr, port, &o) || o.size <= 0 ||
	    o.size > (1 << 20)) {
		fprintf(stderr, "tcp_workload: need --addr IP --port PORT (and a sane --size)\n");
		return 2;
	}
	alarm((unsigned)timeout);	/* SIGALRM kills us: bounded in time */

	if (o.refused) {
		struct sockaddr_in *in = (struct sockaddr_in *)&o.sa;

		for (i = 0; i < o.conns; i++) {
			fd = client(&o);
			if (fd != -ECONNREFUSED) {
				fprintf(stderr, "tcp_workload: connect to a closed port: %s\n",
					fd < 0 ? strerror(-fd) : "it succeeded");
				return 1;
			}
			if (o.spread && in->sin_family == AF_INET)
				in->sin_addr.s_addr = htonl(ntohl(in->sin_addr.s_addr) + 1);
		}
		return 0;
	}

	lfd = socket(o.sa.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&o.sa, o.salen) || listen(lfd, 128))
		die("bind/listen");
	server_rst = o.server_rst;
	if (pthread_create(&th, NULL, serve, &lfd))
		die("pthread_create");
	if (o.stream > 0)
		o.size = 128 * 1024;
	buf = calloc(1, (size_t)o.size);
	if (!buf)
		die("calloc");

	if (o.server_rst) {
		ssize_t r;

		fd = client(&o);
		if (fd < 0) {
			errno = -fd;
			die("connect");
		}
		if (write(fd, buf, (size_t)o.size) != o.size)
			die("write");
		r = read(fd, buf, 1);	/* blocks until the reset (bounded by the alarm) */
		if (r < 0 && errno == ECONNRESET)
			return 0;
		fprintf(stderr, "tcp_workload: expected ECONNRESET, read returned %zd (%s)\n", r,
			r < 0 ? strerror(errno) : "no error");
		return 1;
	}
	if (o.stream > 0) {
		double t0, end;
		long long sent = 0;

		fd = client(&o);
		if (fd < 0) {
			errno = -fd;
			die("connect");
		}
		t0 = now();
		end = t0 + o.stream;
		while (now() < end) {
			ssize_t r = write(fd, buf, (size_t)o.size);

			if (r < 0)
				die("write");
			sent += r;
		}
		printf("bytes_per_second %.0f\n", (double)sent / (now() - t0));
		close(fd);
		return 0;
	}

	want = (long long)o.conns * o.writes * o.size;
	for (i = 0; i < o.conns; i++) {
		fd = client(&o);
		if (fd < 0) {
			errno = -fd;
			die("connect");
		}
		for (w = 0; w < o.writes; w++)
			if (write(fd, buf, (size_t)o.size) != o.size)
				die("write");
		close(fd);
	}
	/* every byte read by the server before we go (bounded by the alarm) */
	while (__atomic_load_n(&received, __ATOMIC_RELAXED) < want)
		usleep(1000);
	printf("connects %d bytes %lld\n", o.conns, want);
	return 0;
}
