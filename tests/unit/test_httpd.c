// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the metrics endpoint's HTTP layer (no root, loopback
 * only): --web.config.file parsing (errors name the line; unknown keys are
 * refused), bcrypt basic auth, and a live tt_httpd on 127.0.0.1 with TLS
 * (the self-signed test certificate in tests/unit/data) and basic auth,
 * driven by curl: right password 200, wrong or none 401, plain HTTP to the
 * TLS port refused; a port in use fails with -EADDRINUSE.  gzip: an answer
 * is compressed when the client's Accept-Encoding takes gzip (not for q=0,
 * nor for a short body), and reads back as the text.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

#include "httpd.h"
#include "webconfig.h"

#define DATA "tests/unit/data"
/* bcrypt of "s3cret", cost 4 (cheap for tests) */
#define HASH "$2b$04$/3/Grhjyk50zk6cYox6m2uakZhWjOvVLsYLIi6838Cj8t2kg2aAbC"

static void test_parse(void **state)
{
	struct tt_webconfig c;
	struct tt_error err;

	(void)state;
	assert_int_equal(tt_webconfig_parse(&c, "basic_auth_users:\n  alice: " HASH "\n", ".", &err), 0);
	assert_int_equal(c.nusers, 1);
	assert_string_equal(c.users[0], "alice");
	assert_null(c.cert_pem);
	assert_true(tt_webconfig_check(&c, "alice", "s3cret"));
	assert_true(tt_webconfig_check(&c, "alice", "s3cret"));	/* from the cache */
	assert_false(tt_webconfig_check(&c, "alice", "s3cre"));
	assert_false(tt_webconfig_check(&c, "bob", "s3cret"));
	assert_false(tt_webconfig_check(&c, NULL, NULL));
	tt_webconfig_release(&c);

	assert_int_equal(tt_webconfig_parse(&c, "tls_server_config:\n  cert_file: serve-test.crt\n"
					    "  key_file: serve-test.key\n", DATA, &err), 0);
	assert_non_null(strstr(c.cert_pem, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(c.key_pem, "PRIVATE KEY"));
	assert_true(tt_webconfig_check(&c, NULL, NULL));	/* no users: open */
	tt_webconfig_release(&c);

	/* a misspelt key must not leave the endpoint open */
	assert_int_equal(tt_webconfig_parse(&c, "basic_auth_user:\n  alice: " HASH "\n", ".", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "line 1: 'basic_auth_user' is not supported"));
	assert_true(err.usage);
	assert_int_equal(tt_webconfig_parse(&c, "tls_server_config:\n  cert_file: x\n", ".", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "needs both cert_file and key_file"));
	assert_int_equal(tt_webconfig_parse(&c, "basic_auth_users:\n  alice: plain\n", ".", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "line 2:"));
	assert_int_equal(tt_webconfig_parse(&c, "a: [\n", ".", &err), -EINVAL);
	assert_int_equal(tt_webconfig_parse(&c, "tls_server_config:\n  cert_file: nope.crt\n"
					    "  key_file: nope.key\n", DATA, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "cert_file " DATA "/nope.crt"));
}

static int handler(void *ctx, const char *path, const char *accept, struct tt_http_reply *out)
{
	(void)ctx;
	(void)accept;
	out->status = strcmp(path, "/metrics") ? 404 : 200;
	out->content_type = "text/plain";
	out->body = strdup("up 1\n");
	out->len = 5;
	return 0;
}

struct loop {
	struct tt_httpd *h;
	volatile bool stop;
};

static void *run(void *arg)
{
	struct loop *l = arg;

	while (!l->stop) {
		struct pollfd p = { .fd = tt_httpd_fd(l->h), .events = POLLIN };

		poll(&p, 1, 50);
		tt_httpd_run(l->h);
	}
	return NULL;
}

/* `curl ARGS` output: the body then the status code, or "curl failed". */
static void curl(char *out, size_t len, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>/dev/null", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = 0;
	pclose(p);
}

static void test_tls_and_auth(void **state)
{
	struct tt_webconfig c;
	struct tt_error err;
	struct loop l = { 0 };
	pthread_t t;
	char out[256], url[64], listen[32];
	unsigned int port;
	struct tt_httpd *again;

	(void)state;
	if (system("curl --version >/dev/null 2>&1")) {
		skip();
		return;
	}
	assert_int_equal(tt_webconfig_parse(&c, "tls_server_config:\n  cert_file: serve-test.crt\n"
					    "  key_file: serve-test.key\nbasic_auth_users:\n"
					    "  alice: " HASH "\n", DATA, &err), 0);
	l.h = tt_httpd__new("127.0.0.1:0", handler, NULL, &c, &err);
	if (!l.h)
		fail_msg("tt_httpd__new: %s", err.msg);
	port = tt_httpd_port(l.h);
	assert_true(port > 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/metrics", port);
	assert_int_equal(pthread_create(&t, NULL, run, &l), 0);

	curl(out, sizeof(out), "curl -s --max-time 5 --cacert " DATA "/serve-test.crt -u alice:s3cret "
	     "-w ' %%{http_code}' %s", url);
	assert_string_equal(out, "up 1\n 200");
	curl(out, sizeof(out), "curl -s --max-time 5 --cacert " DATA "/serve-test.crt -u alice:wrong "
	     "-o /dev/null -D - %s", url);
	assert_non_null(strstr(out, " 401"));
	assert_non_null(strstr(out, "WWW-Authenticate: Basic realm=\"tracetool\""));
	curl(out, sizeof(out), "curl -s --max-time 5 --cacert " DATA "/serve-test.crt "
	     "-o /dev/null -w '%%{http_code}' %s", url);
	assert_string_equal(out, "401");
	curl(out, sizeof(out), "curl -s --max-time 5 -u alice:s3cret -o /dev/null -w '%%{http_code}' "
	     "http://127.0.0.1:%u/metrics", port);
	assert_string_not_equal(out, "200");

	/* the same port again: in use */
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	again = tt_httpd__new(listen, handler, NULL, NULL, &err);
	assert_null(again);
	assert_int_equal(err.code, -EADDRINUSE);
	assert_false(err.usage);
	assert_null(tt_httpd__new("localhost:80", handler, NULL, NULL, &err));
	assert_true(err.usage);

	l.stop = true;
	pthread_join(t, NULL);
	tt_httpd__free(l.h);
	tt_webconfig_release(&c);
}

/* /big: 40,000 bytes of sample lines; anything else the short text. */
static int big_handler(void *ctx, const char *path, const char *accept, struct tt_http_reply *out)
{
	size_t i;

	(void)ctx;
	(void)accept;
	if (strcmp(path, "/big"))
		return handler(ctx, path, accept, out);
	out->status = 200;
	out->content_type = "text/plain";
	out->body = malloc(40001);
	if (!out->body)
		return -ENOMEM;
	for (i = 0; i < 40000; i += 16)	/* 16 bytes a line */
		snprintf(out->body + i, 17, "x_{le=\"%04zu\"} 1\n", i / 16);
	out->len = 40000;
	return 0;
}

static void test_gzip(void **state)
{
	struct tt_error err;
	struct loop l = { 0 };
	pthread_t t;
	char out[512], base[64];

	(void)state;
	if (system("curl --version >/dev/null 2>&1 && gzip --version >/dev/null 2>&1")) {
		skip();
		return;
	}
	l.h = tt_httpd__new("127.0.0.1:0", big_handler, NULL, NULL, &err);
	if (!l.h)
		fail_msg("tt_httpd__new: %s", err.msg);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", tt_httpd_port(l.h));
	assert_int_equal(pthread_create(&t, NULL, run, &l), 0);

	/* compressed, a tenth of the size or less, and the same text once inflated */
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: gzip' -D - -o /dev/null "
	     "-w '%%{size_download}' %s/big | tr -d '\\r' | grep -i -e '^content-encoding' -e '^vary' -e '^[0-9]'",
	     base);
	assert_non_null(strstr(out, "Content-Encoding: gzip\n"));
	assert_non_null(strstr(out, "Vary: Accept, Accept-Encoding\n"));
	assert_true(atoi(strrchr(out, '\n') + 1) < 4000);
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: gzip' %s/big | gzip -dc | "
	     "md5sum", base);
	{
		char plain[512];

		curl(plain, sizeof(plain), "curl -s --max-time 5 %s/big | md5sum", base);
		assert_string_equal(out, plain);
	}
	/* x-gzip and a q above 0 among others */
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: br, x-gzip;q=0.5' -D - "
	     "-o /dev/null %s/big | grep -ci '^content-encoding: gzip'", base);
	assert_string_equal(out, "1\n");
	/* not taken: none asked, q=0, a short body */
	curl(out, sizeof(out), "curl -s --max-time 5 -w ' %%{size_download}' -o /dev/null %s/big", base);
	assert_string_equal(out, " 40000");
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: gzip;q=0, identity' "
	     "-w ' %%{size_download}' -o /dev/null %s/big", base);
	assert_string_equal(out, " 40000");
	/* gzip's own q=0 beats "*", and Q is q (RFC 9110) */
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: gzip;q=0, *' "
	     "-w ' %%{size_download}' -o /dev/null %s/big", base);
	assert_string_equal(out, " 40000");
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: gzip; Q=0' "
	     "-w ' %%{size_download}' -o /dev/null %s/big", base);
	assert_string_equal(out, " 40000");
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: br, *;q=0.1' -D - "
	     "-o /dev/null %s/big | grep -ci '^content-encoding: gzip'", base);
	assert_string_equal(out, "1\n");
	curl(out, sizeof(out), "curl -s --max-time 5 -H 'Accept-Encoding: gzip' %s/metrics", base);
	assert_string_equal(out, "up 1\n");

	l.stop = true;
	pthread_join(t, NULL);
	tt_httpd__free(l.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tls_and_auth),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
