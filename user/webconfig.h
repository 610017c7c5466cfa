/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The web configuration file of the metrics endpoint (--web.config.file),
 * following the Prometheus exporter-toolkit conventions:
 *
 *   tls_server_config:
 *     cert_file: server.crt      (PEM; relative paths: from the file's directory)
 *     key_file: server.key
 *   basic_auth_users:
 *     alice: $2y$10$...          (bcrypt hashes, checked with libcrypt's crypt_r)
 *
 * Read with libyaml.  Unknown keys are errors, as in exporter-toolkit, so a
 * misspelt setting cannot leave the endpoint open.
 */
#ifndef TT_WEBCONFIG_H
#define TT_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct tt_webconfig {
	char *cert_pem;		/* certificate chain, PEM text; NULL: no TLS */
	char *key_pem;		/* its private key, PEM text */
	size_t nusers;
	char **users;		/* basic auth user names; none: no authentication */
	char **hashes;		/* their bcrypt hashes */
	/* the last credentials that passed, so each scrape need not pay for bcrypt */
	char *ok_user, *ok_password;
};

/*
 * Read `path` into `c` (zeroed first).  0, or -errno with err filled (usage
 * for a malformed file, naming the line).
 */
int tt_webconfig_load(struct tt_webconfig *c, const char *path, struct tt_error *err);
/* Parse YAML text `text`; `dir` resolves relative file names.  As tt_webconfig_load. */
int tt_webconfig_parse(struct tt_webconfig *c, const char *text, const char *dir,
		       struct tt_error *err);
/*
 * Do `user` and `password` pass (bcrypt through crypt_r)?  An unknown user
 * costs the same bcrypt as a known one.  True also when no user is
 * configured.
 */
bool tt_webconfig_check(struct tt_webconfig *c, const char *user, const char *password);
void tt_webconfig_release(struct tt_webconfig *c);

#endif /* TT_WEBCONFIG_H */
