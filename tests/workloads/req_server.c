// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A small HTTP/1.1 keep-alive server with known per-route behaviour, for
 * the live tests of `tracetool requests` (and a line-based TCP mode).
 * Listens on 127.0.0.1:PORT, serves each connection in its own thread and
 * exits after --conns connections have closed, or after --timeout seconds
 * (exit status 3).  Routes (query strings ignored):
 *   /fast        200, one write
 *   /slow        200 after --slow-ms milliseconds (--slow-us microseconds), one write
 *   /users/ID    200, one write
 *   /flaky       200, one write; with --fail-every N every N-th /flaky request
 *                of the process is answered 500 instead (compare's error ratio)
 *   /chunks      200, headers then 5 body writes 2 ms apart (a response over many writes)
 *   /vec         200, one writev (headers + body)
 *   /file        200, headers by write, body by sendfile (16 KiB)
 *   /cont        "100 Continue" first, then 200
 *   /upgrade     101, then 3 lines 100 ms apart on the upgraded connection, then close
 *   anything else 404
 * Pipelined requests are answered in order.  --tcp: read a line, wait
 * --slow-ms, answer "pong\n", until EOF.  --fork: each connection is served
 * by a child process and the parent closes its copy of the accepted socket
 * at once (PostgreSQL's model); --conns then counts children reaped.
 * --peek: every read is preceded by a peek at the same bytes, alternately
 * recv(MSG_PEEK) and recvmsg(MSG_PEEK).  --dup: each accepted socket is
 * dup2()ed to another descriptor, the accepted one closed, and the
 * connection served over the duplicate.  --pass: a worker process, forked
 * at start, serves every connection; the acceptor passes each accepted
 * socket to it over a Unix socket (SCM_RIGHTS) and closes its own copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

static int slow_ms = 50;
static long slow_us = -1;	/* --slow-us: /slow's delay in us, in place of --slow-ms */
static int tcp_mode;
static int fork_mode;
static int peek_mode;
static int dup_mode;
static int pass_fd = -1;	/* --pass: the acceptor's end of the Unix socket to the worker */
static int file_fd = -1;
static const size_t file_len = 16384;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int closed_conns;
static unsigned long fail_every;	/* --fail-every: 0 = /flaky never fails */
static unsigned long flaky_seen;

static int header(char *buf, size_t len, int status, size_t body)
{
	return snprintf(buf, len, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
			status, status == 200 ? "OK" : status == 500 ? "Internal Server Error" : "Not Found",
			body);
}

static int respond(int fd, const char *path)
{
	char h[256], body[64];
	int hl;

	if (!strcmp(path, "/slow") && slow_us >= 0) {
		struct timespec ts = { slow_us / 1000000, slow_us % 1000000 * 1000 };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	} else if (!strcmp(path, "/slow")) {
		sleep_ms(slow_ms);
	}
	if (!strcmp(path, "/fast") || !strcmp(path, "/slow") || !strncmp(path, "/users/", 7)) {
		hl = header(h, sizeof(h), 200, 3);
		memcpy(h + hl, "ok\n", 3);
		return write_all(fd, h, (size_t)hl + 3);
	}
	if (!strcmp(path, "/flaky")) {
		unsigned long k = __atomic_add_fetch(&flaky_seen, 1, __ATOMIC_RELAXED);
		bool fail = fail_every && k % fail_every == 0;

		hl = header(h, sizeof(h), fail ? 500 : 200, 3);
		memcpy(h + hl, fail ? "no\n" : "ok\n", 3);
		return write_all(fd, h, (size_t)hl + 3);
	}
	if (!strcmp(path, "/chunks")) {
		int i;

		hl = header(h, sizeof(h), 200, 5 * 6);
		if (write_all(fd, h, (size_t)hl))
			return -1;
		for (i = 0; i < 5; i++) {
			sleep_ms(2);
			snprintf(body, sizeof(body), "chunk%d", i);
			if (write_all(fd, body, 6))
				return -1;
		}
		return 0;
	}
	if (!strcmp(path, "/vec")) {
		struct iovec iov[2];

		hl = header(h, sizeof(h), 200, 4);
		iov[0] = (struct iovec){ h, (size_t)hl };
		iov[1] = (struct iovec){ "vec\n", 4 };
		return writev(fd, iov, 2) == hl + 4 ? 0 : -1;
	}
	if (!strcmp(path, "/file")) {
		off_t off = 0;
		size_t left = file_len;

		hl = header(h, sizeof(h), 200, file_len);
		if (write_all(fd, h, (size_t)hl))
			return -1;
		while (left) {
			ssize_t w = sendfile(fd, file_fd, &off, left);

			if (w <= 0)
				return -1;
			left -= (size_t)w;
		}
		return 0;
	}
	if (!strcmp(path, "/cont")) {
		const char *c = "HTTP/1.1 100 Continue\r\n\r\n";

		if (write_all(fd, c, strlen(c)))
			return -1;
		hl = header(h, sizeof(h), 200, 3);
		memcpy(h + hl, "ok\n", 3);
		return write_all(fd, h, (size_t)hl + 3);
	}
	if (!strcmp(path, "/upgrade")) {
		const char *u = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: tt\r\nConnection: Upgrade\r\n\r\n";
		int i;

		if (write_all(fd, u, strlen(u)))
			return -1;
		for (i = 0; i < 3; i++) {
			sleep_ms(100);
			if (write_all(fd, "frame\n", 6))
				return -1;
		}
		return -1;	/* the upgraded connection ends here */
	}
	hl = header(h, sizeof(h), 404, 0);
	return write_all(fd, h, (size_t)hl);
}

/* Content-Length of a request head, 0 if none. */
static size_t content_length(const char *head, size_t len)
{
	const char *p = head, *end = head + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		if (!strncasecmp(p, "Content-Length:", 15))
			return (size_t)strtoul(p + 15, NULL, 10);
		p = nl + 1;
	}
	return 0;
}

/* read(2), preceded under --peek by a peek that must see the same bytes first. */
static ssize_t read_req(int fd, char *p, size_t n)
{
	static __thread unsigned peeks;

	if (peek_mode) {
		ssize_t k;

		if (peeks++ % 2 == 0) {
			k = recv(fd, p, n, MSG_PEEK);
		} else {
			struct iovec iov = { p, n };
			struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

			k = recvmsg(fd, &msg, MSG_PEEK);
		}
		if (k <= 0)
			return k;
		n = (size_t)k;	/* the read takes exactly what was peeked */
	}
	return read(fd, p, n);
}

static void serve_http(int fd)
{
	static __thread char buf[65536];
	size_t have = 0;

	for (;;) {
		char *end = memmem(buf, have, "\r\n\r\n", 4);
		ssize_t r;

		if (end) {
			size_t head = (size_t)(end - buf) + 4, body, used;
			char path[1024], *sp, *q;

			body = content_length(buf, head);
			if (head + body > have)
				goto more;
			used = head + body;
			sp = memchr(buf, ' ', head);
			path[0] = 0;
			if (sp) {
				size_t i = 0;

				for (q = sp + 1; q < buf + head && *q != ' ' && *q != '?' && *q != '\r' &&
				     i + 1 < sizeof(path); q++)
					path[i++] = *q;
				path[i] = 0;
			}
			if (respond(fd, path))
				return;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
more:
		if (have == sizeof(buf))
			return;
		r = read_req(fd, buf + have, sizeof(buf) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		have += (size_t)r;
	}
}

static void serve_tcp(int fd)
{
	char buf[4096];
	size_t have = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', have);
		ssize_t r;

		if (nl) {
			size_t used = (size_t)(nl - buf) + 1;

			sleep_ms(slow_ms);
			if (write_all(fd, "pong\n", 5))
				return;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		if (have == sizeof(buf))
			return;
		r = read_req(fd, buf + have, sizeof(buf) - have);
		if (r <= 0)
			return;
		have += (size_t)r;
	}
}

static void *conn_thread(void *arg)
{
	int fd = (int)(long)arg;

	if (tcp_mode)
		serve_tcp(fd);
	else
		serve_http(fd);
	close(fd);
	pthread_mutex_lock(&lock);
	closed_conns++;
	pthread_cond_signal(&done_cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Pass descriptor fd over the Unix socket us (SCM_RIGHTS). */
static int send_fd(int us, int fd)
{
	char byte = 'f';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u = {};
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			      .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(us, &msg, 0) == 1 ? 0 : -1;
}

/* --pass worker: receive descriptors over the Unix socket, serve each in a thread. */
static void *receive_thread(void *arg)
{
	int us = (int)(long)arg;

	for (;;) {
		char byte;
		struct iovec iov = { &byte, 1 };
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} u;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				      .msg_controllen = sizeof(u.b) };
		struct cmsghdr *c;
		pthread_t th;
		ssize_t r = recvmsg(us, &msg, MSG_CMSG_CLOEXEC);
		int fd;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		c = CMSG_FIRSTHDR(&msg);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		if (pthread_create(&th, NULL, conn_thread, (void *)(long)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(th);
	}
}

static void *accept_thread(void *arg)
{
	int lfd = (int)(long)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t th;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		if (fork_mode) {
			pid_t pid = fork();

			if (pid == 0) {
				close(lfd);
				if (tcp_mode)
					serve_tcp(fd);
				else
					serve_http(fd);
				close(fd);
				_exit(0);
			}
			close(fd);	/* at once, as a forking server's parent does */
			continue;
		}
		if (dup_mode) {
			/* a descriptor number of its own per connection, then the original goes */
			static int next = 300;
			int d = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);

			if (dup2(fd, d) < 0) {
				close(fd);
				continue;
			}
			close(fd);
			fd = d;
		}
		if (pass_fd >= 0) {
			if (send_fd(pass_fd, fd))
				perror("req_server: passing a socket");
			close(fd);	/* the worker holds the only descriptor now */
			continue;
		}
		if (pthread_create(&th, NULL, conn_thread, (void *)(long)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(th);
	}
}

int main(int argc, char **argv)
{
	int port = 0, conns = 1, timeout_s = 60, lfd, one = 1, i;
	const char *ready_file = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec deadline;
	char tmpl[] = "/tmp/tt-req-file.XXXXXX";
	pthread_t th;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--conns") && i + 1 < argc)
			conns = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slow-ms") && i + 1 < argc)
			slow_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--fail-every") && i + 1 < argc)
			fail_every = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--slow-us") && i + 1 < argc)
			slow_us = atol(argv[++i]);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ready-file") && i + 1 < argc)
			ready_file = argv[++i];
		else if (!strcmp(argv[i], "--tcp"))
			tcp_mode = 1;
		else if (!strcmp(argv[i], "--fork"))
			fork_mode = 1;
		else if (!strcmp(argv[i], "--peek"))
			peek_mode = 1;
		else if (!strcmp(argv[i], "--dup"))
			dup_mode = 1;
		else if (!strcmp(argv[i], "--pass"))
			pass_fd = 0;	/* made below */
		else {
			fprintf(stderr, "usage: req_server --port P [--conns N] [--slow-ms MS] [--slow-us US] "
					"[--timeout S] [--ready-file F] [--tcp] [--fork] [--peek] [--dup] "
					"[--pass] [--fail-every N]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || conns <= 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	file_fd = mkstemp(tmpl);
	if (file_fd < 0)
		return 1;
	unlink(tmpl);
	for (i = 0; i < (int)file_len; i++)
		if (write(file_fd, "x", 1) != 1)
			return 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 128)) {
		perror("req_server: bind/listen");
		return 1;
	}
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");

		if (f)
			fclose(f);
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_s;
	if (pass_fd == 0) {
		int sv[2], st;
		pid_t worker;
		long waited_ms = 0;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			return 1;
		worker = fork();
		if (worker < 0)
			return 1;
		if (worker == 0) {
			/* the worker: serves what it is passed, counts connections as below */
			close(sv[0]);
			close(lfd);
			pass_fd = -1;
			if (pthread_create(&th, NULL, receive_thread, (void *)(long)sv[1]))
				_exit(1);
			goto wait_conns;
		}
		close(sv[1]);
		pass_fd = sv[0];
		if (pthread_create(&th, NULL, accept_thread, (void *)(long)lfd))
			return 1;
		while (waitpid(worker, &st, WNOHANG) == 0 && waited_ms < timeout_s * 1000L) {
			sleep_ms(5);
			waited_ms += 5;
		}
		if (waited_ms >= timeout_s * 1000L) {
			kill(worker, SIGKILL);
			fprintf(stderr, "req_server: timed out waiting for the worker\n");
			return 3;
		}
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	if (pthread_create(&th, NULL, accept_thread, (void *)(long)lfd))
		return 1;
	if (fork_mode) {
		int reaped = 0;
		long waited_ms = 0;

		while (reaped < conns && waited_ms < timeout_s * 1000L) {
			if (waitpid(-1, NULL, WNOHANG) > 0) {
				reaped++;
				continue;
			}
			sleep_ms(5);
			waited_ms += 5;
		}
		if (reaped < conns) {
			fprintf(stderr, "req_server: timed out with %d of %d children done\n", reaped, conns);
			return 3;
		}
		return 0;
	}
wait_conns:
	pthread_mutex_lock(&lock);
	while (closed_conns < conns)
		if (pthread_cond_timedwait(&done_cond, &lock, &deadline) == ETIMEDOUT)
			break;
	i = closed_conns;
	pthread_mutex_unlock(&lock);
	if (i < conns) {
		fprintf(stderr, "req_server: timed out with %d of %d connections done\n", i, conns);
		return 3;
	}
	return 0;
}
