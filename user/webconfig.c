// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --web.config.file (user/webconfig.h): the exporter-toolkit web
 * configuration read with libyaml's document API, PEM files loaded, and
 * basic auth checked against bcrypt hashes with crypt_r.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "webconfig.h"

/* A bcrypt hash to spend the same time on for an unknown user (of "x", cost 10). */
static const char dummy_hash[] = "$2b$10$KAaAgMAOtSAZAQ8N1tiULuKWn105X5s69wMNYeJFZiskFeopZCr3K";

static char *read_text(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, max, f);
	if (ferror(f) || !feof(f)) {
		int e = ferror(f) ? EIO : EFBIG;

		fclose(f);
		free(buf);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	return buf;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int load_pem(char **out, const char *dir, const char *name, const char *key,
		    struct tt_error *err)
{
	char path[4096];

	if (name[0] == '/' || !dir[0])
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	*out = read_text(path, 1 << 20);
	if (!*out)
		return tt_error_set(err, -errno, true, "--web.config.file: %s %s: %s", key, path,
				    strerror(errno));
	return 0;
}

static int parse_tls(struct tt_webconfig *c, yaml_document_t *d, yaml_node_t *map,
		     const char *dir, struct tt_error *err)
{
	yaml_node_pair_t *p;
	const char *cert = NULL, *keyf = NULL;
	int ret;

	if (map->type != YAML_MAPPING_NODE)
		return tt_error_set(err, -EINVAL, true, "--web.config.file: line %zu: "
				    "tls_server_config is not a mapping", map->start_mark.line + 1);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		yaml_node_t *v = yaml_document_get_node(d, p->value);
		const char *ks = scalar(k), *vs = scalar(v);

		if (ks && vs && !strcmp(ks, "cert_file"))
			cert = vs;
		else if (ks && vs && !strcmp(ks, "key_file"))
			keyf = vs;
		else
			return tt_error_set(err, -EINVAL, true, "--web.config.file: line %zu: "
					    "tls_server_config: '%s' is not supported (cert_file, "
					    "key_file)", k->start_mark.line + 1, ks ? ks : "?");
	}
	if (!cert || !keyf)
		return tt_error_set(err, -EINVAL, true, "--web.config.file: tls_server_config "
				    "needs both cert_file and key_file");
	ret = load_pem(&c->cert_pem, dir, cert, "cert_file", err);
	return ret ?: load_pem(&c->key_pem, dir, keyf, "key_file", err);
}

static int parse_users(struct tt_webconfig *c, yaml_document_t *d, yaml_node_t *map,
		       struct tt_error *err)
{
	size_t n;
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return tt_error_set(err, -EINVAL, true, "--web.config.file: line %zu: "
				    "basic_auth_users is not a mapping", map->start_mark.line + 1);
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	c->users = calloc(n + 1, sizeof(*c->users));
	c->hashes = calloc(n + 1, sizeof(*c->hashes));
	if (!c->users || !c->hashes)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		const char *u = scalar(k), *h = scalar(yaml_document_get_node(d, p->value));

		if (!u || !h || strncmp(h, "$2", 2))
			return tt_error_set(err, -EINVAL, true, "--web.config.file: line %zu: "
					    "basic_auth_users: a user name and a bcrypt hash ($2y$...) "
					    "expected", k->start_mark.line + 1);
		c->users[c->nusers] = strdup(u);
		c->hashes[c->nusers] = strdup(h);
		if (!c->users[c->nusers] || !c->hashes[c->nusers])
			return tt_error_set(err, -ENOMEM, false, "out of memory");
		c->nusers++;
	}
	return 0;
}

int tt_webconfig_parse(struct tt_webconfig *c, const char *text, const char *dir,
		       struct tt_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *p;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	if (!yaml_parser_initialize(&parser))
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		ret = tt_error_set(err, -EINVAL, true, "--web.config.file: line %zu: %s",
				   parser.problem_mark.line + 1,
				   parser.problem ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		return ret;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE)
		ret = tt_error_set(err, -EINVAL, true, "--web.config.file: not a mapping of settings");
	for (p = root && !ret ? root->data.mapping.pairs.start : NULL;
	     p && !ret && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		const char *ks = scalar(k);

		if (ks && !strcmp(ks, "tls_server_config"))
			ret = parse_tls(c, &doc, v, dir, err);
		else if (ks && !strcmp(ks, "basic_auth_users"))
			ret = parse_users(c, &doc, v, err);
		else
			ret = tt_error_set(err, -EINVAL, true, "--web.config.file: line %zu: '%s' "
					   "is not supported (tls_server_config, basic_auth_users)",
					   k->start_mark.line + 1, ks ? ks : "?");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret)
		tt_webconfig_release(c);
	return ret;
}

int tt_webconfig_load(struct tt_webconfig *c, const char *path, struct tt_error *err)
{
	char *text = read_text(path, 1 << 20), dir[4096];
	const char *slash = strrchr(path, '/');
	int ret;

	memset(c, 0, sizeof(*c));
	if (!text)
		return tt_error_set(err, -errno, true, "--web.config.file %s: %s", path,
				    strerror(errno));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	ret = tt_webconfig_parse(c, text, dir, err);
	free(text);
	return ret;
}

/* Constant-time string equality (credentials). */
static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

bool tt_webconfig_check(struct tt_webconfig *c, const char *user, const char *password)
{
	struct crypt_data *cd;
	const char *hash = dummy_hash, *out;
	bool known = false, ok;
	size_t i;

	if (!c->nusers)
		return true;
	if (!user || !password)
		return false;
	if (c->ok_user && same(c->ok_user, user) && same(c->ok_password, password))
		return true;
	for (i = 0; i < c->nusers; i++)
		if (!strcmp(c->users[i], user)) {
			hash = c->hashes[i];
			known = true;
		}
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	out = crypt_r(password, hash, cd);
	ok = known && out && out[0] != '*' && same(out, hash);
	free(cd);
	if (ok) {
		free(c->ok_user);
		free(c->ok_password);
		c->ok_user = strdup(user);
		c->ok_password = strdup(password);
		if (!c->ok_user || !c->ok_password) {
			free(c->ok_user);
			free(c->ok_password);
			c->ok_user = c->ok_password = NULL;
		}
	}
	return ok;
}

void tt_webconfig_release(struct tt_webconfig *c)
{
	size_t i;

	for (i = 0; i < c->nusers; i++) {
		free(c->users[i]);
		free(c->hashes[i]);
	}
	free(c->users);
	free(c->hashes);
	free(c->cert_pem);
	free(c->key_pem);
	free(c->ok_user);
	free(c->ok_password);
	memset(c, 0, sizeof(*c));
}
