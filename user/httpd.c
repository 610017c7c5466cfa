// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The metrics endpoint's HTTP server on libmicrohttpd in external epoll
 * mode (user/httpd.h).  tracetool binds the listening socket itself so a
 * port in use is one clear error before any BPF is loaded, and so
 * SO_REUSEPORT is never set: a second serve on the same port fails instead
 * of sharing scrapes.
 *
 * Half-open clients (a slowloris: a request never finished, one header
 * line now and then so MHD's idle timeout never fires) must not crowd out
 * scrapes.  MHD alone would keep them until its connection limit and then
 * leave every new connection, scrapes included, in the listen backlog.  So
 * connections waiting for a request (accepted, or kept alive after an
 * answer) are kept in order of how long they have waited, and when more
 * than HTTPD_CONNS are open the one that waited longest is shut down: a
 * scrape, which sends its request at once, always gets its turn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <strings.h>

#include "httpd.h"
#include "otlp.h"	/* tt_gzip_level */

/* Connections kept before the longest-waiting one is closed for a new one. */
#define HTTPD_CONNS 256
/* MHD's own limit, a backstop above HTTPD_CONNS: closing takes until its next run. */
#define HTTPD_CONNS_HARD 512

/*
 * gzip level of answers to clients that accept it: 1, zlib's fastest.  A
 * scrape of 10,000 histogram series is 34 MB of text; level 1 shrinks it
 * about as much as the default level 6 does (the text is label blocks
 * repeated line after line) in a fraction of the time (docs/performance.md).
 */
#define HTTPD_GZIP_LEVEL 1
/* Bodies shorter than this are sent as they are: gzip would not pay for itself. */
#define HTTPD_GZIP_MIN 1024

/* One accepted connection (MHD's socket_context). */
struct conn {
	struct conn *prev, *next;	/* in tt_httpd.waiting while no request is answered */
	struct MHD_Connection *c;
	bool waiting;
};

struct tt_httpd {
	struct MHD_Daemon *d;
	int fd;			/* listening socket (MHD closes it) */
	unsigned int port;
	tt_http_handler handler;
	void *ctx;
	struct tt_webconfig *web;
	struct conn waiting;		/* list head: the longest-waiting connection first */
	unsigned int nconns;		/* open and not shut down by evict() */
};

static void unlink_conn(struct conn *k)
{
	if (!k->waiting)
		return;
	k->prev->next = k->next;
	k->next->prev = k->prev;
	k->waiting = false;
}

static void wait_conn(struct tt_httpd *h, struct conn *k)
{
	unlink_conn(k);
	k->prev = h->waiting.prev;
	k->next = &h->waiting;
	k->prev->next = k;
	h->waiting.prev = k;
	k->waiting = true;
}

/* Shut the longest-waiting connections down while more than HTTPD_CONNS are open. */
static void evict(struct tt_httpd *h)
{
	while (h->nconns > HTTPD_CONNS && h->waiting.next != &h->waiting) {
		struct conn *k = h->waiting.next;
		const union MHD_ConnectionInfo *i =
			MHD_get_connection_info(k->c, MHD_CONNECTION_INFO_CONNECTION_FD);

		unlink_conn(k);
		k->c = NULL;	/* counted out now; MHD sees the shutdown and closes it */
		h->nconns--;
		if (i)
			shutdown(i->connect_fd, SHUT_RDWR);
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct tt_httpd *h = cls;
	struct conn *k = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		k = calloc(1, sizeof(*k));
		*socket_context = k;
		if (!k)
			return;	/* not evictable, still bounded by MHD's own limit */
		k->c = c;
		h->nconns++;
		wait_conn(h, k);
		evict(h);
	} else if (k) {
		unlink_conn(k);
		if (k->c)
			h->nconns--;
		free(k);
		*socket_context = NULL;
	}
}

/* The request is answered (or abandoned): the connection waits for the next one. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = i ? i->socket_context : NULL;

	(void)toe;
	*req_cls = NULL;
	if (k && k->c)
		wait_conn(cls, k);
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" -> address. 0 or -EINVAL. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[128];
	const char *colon, *p;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (!p || p[1] != ':' || (size_t)(p - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(p - s - 1), s + 1);
		colon = p + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535)
		return -EINVAL;
	if (s[0] == '[' || strchr(host, ':')) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*in6);
		return 0;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	if (host[0] && inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -EINVAL;
	if (!host[0])
		in->sin_addr.s_addr = htonl(INADDR_ANY);
	*len = sizeof(*in);
	return 0;
}

/*
 * The q of a content-coding item ("gzip;q=0.5"), 1 without one; the
 * parameter name is case-insensitive (RFC 9110, 12.4.2).
 */
static double item_q(const char *params)
{
	for (; params && *params; params = strchr(params + 1, ';')) {
		const char *p = params + (*params == ';');

		p += strspn(p, " \t");
		if ((*p == 'q' || *p == 'Q') && p[1 + strspn(p + 1, " \t")] == '=') {
			p += 1 + strspn(p + 1, " \t") + 1;
			return strtod(p, NULL);
		}
	}
	return 1;
}

/*
 * Does an Accept-Encoding header take gzip?  An item naming gzip (or
 * x-gzip) decides by its q; without one, "*" does (RFC 9110, 12.5.3): so
 * "gzip;q=0, *" refuses gzip.
 */
static bool accepts_gzip(const char *ae)
{
	double q_gzip = -1, q_any = -1;
	const char *p = ae;

	while (p && *p) {
		const char *end = strchr(p, ','), *semi, *c;
		size_t len = end ? (size_t)(end - p) : strlen(p), n;
		char item[128];

		snprintf(item, sizeof(item), "%.*s", (int)(len < 127 ? len : 127), p);
		p = end ? end + 1 : NULL;
		c = item + strspn(item, " \t");
		semi = strchr(c, ';');
		n = semi ? (size_t)(semi - c) : strlen(c);
		while (n && (c[n - 1] == ' ' || c[n - 1] == '\t'))
			n--;
		if ((n == 4 && !strncasecmp(c, "gzip", 4)) || (n == 6 && !strncasecmp(c, "x-gzip", 6))) {
			double q = item_q(semi);

			if (q > q_gzip)
				q_gzip = q;
		} else if (n == 1 && c[0] == '*') {
			q_any = item_q(semi);
		}
	}
	return q_gzip >= 0 ? q_gzip > 0 : q_any > 0;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	static const char err500[] = "internal error\n", err405[] = "method not allowed\n";
	struct tt_httpd *h = cls;
	struct tt_http_reply rep = { 0 };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *accept;
	bool gzipped = false;

	(void)version;
	(void)upload_data;
	/* the first call only announces the request: answer on the second */
	if (!*req_cls) {
		const union MHD_ConnectionInfo *i =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		if (i && i->socket_context)	/* its headers are in: not evictable until answered */
			unlink_conn(i->socket_context);
		*req_cls = h;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body is not wanted: drop it */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		resp = MHD_create_response_from_buffer(sizeof(err405) - 1, (void *)err405,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (h->web && h->web->nusers) {
		static const char denied[] = "unauthorized\n";
		char *pass = NULL, *user = MHD_basic_auth_get_username_password(conn, &pass);
		bool ok = tt_webconfig_check(h->web, user, pass);

		MHD_free(user);
		MHD_free(pass);
		if (!ok) {
			resp = MHD_create_response_from_buffer(sizeof(denied) - 1, (void *)denied,
							       MHD_RESPMEM_PERSISTENT);
			if (!resp)
				return MHD_NO;
			ret = MHD_queue_basic_auth_fail_response(conn, "tracetool", resp);
			MHD_destroy_response(resp);
			return ret;
		}
	}
	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	if (h->handler(h->ctx, url, accept, &rep)) {
		free(rep.body);
		resp = MHD_create_response_from_buffer(sizeof(err500) - 1, (void *)err500,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		ret = MHD_queue_response(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (rep.status == MHD_HTTP_OK && rep.len >= HTTPD_GZIP_MIN &&
	    accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING))) {
		void *gz;
		size_t gzlen;

		/* out of memory: the text as it is, which the client takes too */
		if (!tt_gzip_level(rep.body, rep.len, HTTPD_GZIP_LEVEL, &gz, &gzlen)) {
			free(rep.body);
			rep.body = gz;
			rep.len = gzlen;
			gzipped = true;
		}
	}
	/* the body is handed over, not copied */
	resp = MHD_create_response_from_buffer(rep.len, rep.body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(rep.body);
		return MHD_NO;
	}
	if (rep.content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep.content_type);
	/* /metrics chooses its format by Accept and its coding by Accept-Encoding */
	if (rep.status == MHD_HTTP_OK)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(conn, rep.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void log_nothing(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

struct tt_httpd *tt_httpd__new(const char *listen_addr, tt_http_handler handler, void *ctx,
			       struct tt_webconfig *web, struct tt_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct tt_httpd *h;
	bool tls;
	int one = 1;

	if (parse_listen(listen_addr, &ss, &len)) {
		tt_error_set(err, -EINVAL, true, "--listen %s: not HOST:PORT with a numeric host "
			     "(127.0.0.1:9436, [::1]:9436, :9436)", listen_addr);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		tt_error_set(err, -ENOMEM, false, "out of memory");
		return NULL;
	}
	h->handler = handler;
	h->ctx = ctx;
	h->web = web;
	h->waiting.next = h->waiting.prev = &h->waiting;
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		tt_error_set(err, -errno, false, "--listen %s: socket: %s", listen_addr,
			     strerror(errno));
		goto fail;
	}
	/* SO_REUSEADDR only lets a restart bind past TIME_WAIT; it never shares a live port */
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&ss, len) || listen(h->fd, 128)) {
		int e = errno;

		tt_error_set(err, -e, false, "--listen %s: %s%s", listen_addr, strerror(e),
			     e == EADDRINUSE ? " (another process listens there: choose another "
			     "port with --listen)" : "");
		goto fail;
	}
	if (!getsockname(h->fd, (struct sockaddr *)&ss, &len))
		h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	tls = web && web->cert_pem;
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0), 0, NULL,
				NULL, answer, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_EXTERNAL_LOGGER, log_nothing, NULL,
				/* bounded: a flood of clients or slow ones cannot grow memory */
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTPD_CONNS_HARD,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				/* last: without TLS the list ends here */
				tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, tls ? web->key_pem : NULL,
				MHD_OPTION_HTTPS_MEM_CERT, tls ? web->cert_pem : NULL,
				MHD_OPTION_END);
	if (!h->d) {
		tt_error_set(err, -EIO, false, "--listen %s: the HTTP server did not start%s",
			     listen_addr, tls ? " (is the TLS key the certificate's, both PEM?)" : "");
		goto fail;
	}
	return h;
fail:
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	return NULL;
}

int tt_httpd_fd(const struct tt_httpd *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

int tt_httpd_timeout(const struct tt_httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->d, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (int)ms;
}

int tt_httpd_run(struct tt_httpd *h)
{
	return MHD_run(h->d) == MHD_YES ? 0 : -EIO;
}

unsigned int tt_httpd_port(const struct tt_httpd *h)
{
	return h->port;
}

void tt_httpd__free(struct tt_httpd *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);	/* closes the listening socket */
	else if (h->fd >= 0)
		close(h->fd);
	free(h);
}
