// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracetool.bundle/v1 (user/bundle.h): writing with jansson (gzip through
 * zlib's deflate as the JSON streams out), reading back with every value
 * checked (errors name the file and the JSON path, as user/reader.c does),
 * the merge of a bundle's runs into one report, and the host figures a
 * recording keeps: fingerprint and per-run noise.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "bundle.h"
#include "jsonout.h"
#include "outfile.h"
#include "reader.h"

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
#define PATH_LEN 256

static const char *const variants[] = { "run", "base", "cand" };

static bool is_variant(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (!strcmp(s, variants[i]))
			return true;
	return false;
}

/* --- the model --- */

struct tt_bundle *tt_bundle__new(void)
{
	struct tt_bundle *b = calloc(1, sizeof(*b));

	if (b)
		b->fp.cgroup_cpu_limit = NAN;
	return b;
}

void tt_fingerprint_release(struct tt_fingerprint *fp)
{
	free(fp->host);
	free(fp->kernel);
	free(fp->cpu_model);
	free(fp->tracetool_version);
	fp->host = fp->kernel = fp->cpu_model = fp->tracetool_version = NULL;
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void tt_bundle__free(struct tt_bundle *b)
{
	size_t i;

	if (!b)
		return;
	tt_fingerprint_release(&b->fp);
	strv_free(b->tracers, b->ntracers);
	strv_free(b->argv, b->argc);
	for (i = 0; i < b->nruns; i++) {
		free(b->runs[i].variant);
		tt_report__free(b->runs[i].report);
	}
	free(b->runs);
	free(b);
}

int tt_bundle_set_header(struct tt_bundle *b, const char *const *tracers, size_t ntracers,
			 char *const *argv, size_t argc)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < ntracers; i++)
		ret = tt_strv_push(&b->tracers, &b->ntracers, tracers[i]);
	for (i = 0; !ret && i < argc; i++)
		ret = tt_strv_push(&b->argv, &b->argc, argv[i]);
	return ret;
}

int tt_bundle_add_run(struct tt_bundle *b, const char *variant, bool warmup,
		      const struct tt_run_noise *noise, struct tt_report *report)
{
	struct tt_bundle_run *p;
	char *v;

	if (!is_variant(variant) || !report)
		return -EINVAL;
	v = strdup(variant);
	p = v ? realloc(b->runs, (b->nruns + 1) * sizeof(*p)) : NULL;
	if (!p) {
		free(v);
		return -ENOMEM;
	}
	b->runs = p;
	p[b->nruns] = (struct tt_bundle_run){ .index = b->nruns, .variant = v, .warmup = warmup,
					      .noise = *noise, .report = report };
	b->nruns++;
	return 0;
}

bool tt_bundle_is_interleaved(const struct tt_bundle *b)
{
	size_t i;

	for (i = 0; i < b->nruns; i++)
		if (strcmp(b->runs[i].variant, "run"))
			return true;
	return false;
}

/* --- writing --- */

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i]) ?: json_string("?"))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* jansson refuses non-UTF-8 strings (a hostname, a CPU model): '?' for each non-ASCII byte. */
static json_t *str_json(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *t, *p;

	if (j)
		return j;
	t = strdup(s);
	for (p = t; p && *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = t ? json_string(t) : NULL;
	free(t);
	return j;
}

static json_t *bundle_json(const struct tt_bundle *b)
{
	json_t *root, *fp, *runs;
	size_t i;

	fp = json_pack("{s:o, s:o, s:o, s:I, s:o, s:o}", "host", str_json(b->fp.host),
		       "kernel", str_json(b->fp.kernel), "cpu_model", str_json(b->fp.cpu_model),
		       "cpus", (json_int_t)b->fp.cpus, "tracetool_version",
		       str_json(b->fp.tracetool_version), "cgroup_cpu_limit",
		       isnan(b->fp.cgroup_cpu_limit) ? json_null() :
						       json_real(b->fp.cgroup_cpu_limit));
	runs = json_array();
	root = json_pack("{s:s, s:o, s:o, s:o, s:o}", "schema", TT_BUNDLE_SCHEMA,
			 "fingerprint", fp, "tracers", strv_json(b->tracers, b->ntracers),
			 "argv", strv_json(b->argv, b->argc), "runs", runs);
	/* json_pack's "o" takes the reference even when it fails (NULL input included) */
	for (i = 0; root && i < b->nruns; i++) {
		const struct tt_bundle_run *r = &b->runs[i];
		json_t *run = json_pack("{s:I, s:s, s:b, s:{s:f, s:f, s:f}, s:o}",
					"index", (json_int_t)r->index, "variant", r->variant,
					"warmup", r->warmup, "noise",
					"steal_seconds", r->noise.steal_seconds,
					"other_cpu_seconds", r->noise.other_cpu_seconds,
					"wall_seconds", r->noise.wall_seconds,
					"report", tt_report_to_json(r->report));

		if (run && r->noise.core_to_core_ns > 0 && isfinite(r->noise.core_to_core_ns) &&
		    json_object_set_new(json_object_get(run, "noise"), "core_to_core_ns",
					json_real(r->noise.core_to_core_ns))) {
			json_decref(run);
			run = NULL;
		}
		if (!run || json_array_append_new(runs, run)) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

struct gz_sink {
	FILE *out;
	z_stream z;
	bool gzip;
	int err;
};

static int deflate_out(struct gz_sink *s, int flush)
{
	unsigned char chunk[16384];
	int ret;

	do {
		s->z.next_out = chunk;
		s->z.avail_out = sizeof(chunk);
		ret = deflate(&s->z, flush);
		if (ret == Z_STREAM_ERROR)
			return -EINVAL;
		if (fwrite(chunk, 1, sizeof(chunk) - s->z.avail_out, s->out) !=
		    sizeof(chunk) - s->z.avail_out)
			return -EIO;
	} while (s->z.avail_out == 0);
	return 0;
}

static int sink_write(const char *buf, size_t len, void *data)
{
	struct gz_sink *s = data;

	if (s->err)
		return -1;
	if (!s->gzip) {
		if (fwrite(buf, 1, len, s->out) != len)
			s->err = -EIO;
		return s->err ? -1 : 0;
	}
	s->z.next_in = (unsigned char *)buf;
	s->z.avail_in = (uInt)len;	/* jansson hands out small pieces */
	s->err = deflate_out(s, Z_NO_FLUSH);
	return s->err ? -1 : 0;
}

int tt_bundle_write(const struct tt_bundle *b, FILE *out, bool gzip)
{
	struct gz_sink s = { .out = out, .gzip = gzip };
	json_t *root = bundle_json(b);
	int ret;

	if (!root)
		return -ENOMEM;
	/* windowBits 15 + 16: a gzip header and trailer (RFC 1952) instead of zlib's */
	if (gzip && deflateInit2(&s.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK) {
		json_decref(root);
		return -ENOMEM;
	}
	ret = tt_json_dump_callback(root, sink_write, &s, JSON_FLAGS);
	json_decref(root);
	if (!ret && !s.err)
		sink_write("\n", 1, &s);
	if (!s.err && !ret && gzip) {
		s.z.next_in = NULL;
		s.z.avail_in = 0;
		s.err = deflate_out(&s, Z_FINISH);
	}
	if (gzip)
		deflateEnd(&s.z);
	if (s.err)
		return s.err;
	if (ret)
		return -ENOMEM;
	return fflush(out) || ferror(out) ? -EIO : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

int tt_bundle_save(const struct tt_bundle *b, const char *path, struct tt_error *err)
{
	struct tt_outfile of = {};
	int ret;

	ret = tt_outfile_open(&of, path);
	if (ret)
		return tt_error_set(err, ret, true, "-o %s: %s", path, strerror(-ret));
	ret = tt_bundle_write(b, of.f, ends_with(path, ".gz"));
	if (ret == -EIO && of.err)
		ret = -of.err;	/* which write failed, as the outfile saw it */
	ret = tt_outfile_finish(&of, ret);
	if (ret)
		tt_error_set(err, ret, false, "writing %s: %s", path, strerror(-ret));
	return ret;
}

/* --- reading --- */

int tt_input_read(const char *path, char **buf, size_t *len, struct tt_error *err)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	size_t cap = 65536;
	const char *msg;
	int fd, n, zerr;
	gzFile gz;
	char *p;

	*buf = NULL;
	*len = 0;
	fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tt_error_set(err, -errno, true, "cannot read '%s': %m", path);
	gz = gzdopen(fd, "rb");	/* reads plain files as they are */
	if (!gz) {
		close(fd);
		return tt_error_set(err, -ENOMEM, false, "%s: out of memory", name);
	}
	*buf = malloc(cap);
	for (;;) {
		if (!*buf)
			goto nomem;
		if (cap - *len < 65537) {
			p = cap < SIZE_MAX / 2 ? realloc(*buf, cap * 2) : NULL;
			if (!p)
				goto nomem;
			*buf = p;
			cap *= 2;
		}
		n = gzread(gz, *buf + *len, (unsigned)(cap - *len - 1));
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	msg = gzerror(gz, &zerr);
	if (n < 0 || zerr != Z_OK) {
		/* Z_BUF_ERROR: the compressed stream ended early */
		if (zerr == Z_ERRNO)
			tt_error_set(err, -EIO, true, "%s: read error: %m", name);
		else if (zerr == Z_MEM_ERROR)
			tt_error_set(err, -ENOMEM, false, "%s: out of memory", name);
		else
			tt_error_set(err, -EINVAL, true, "%s: damaged gzip data: %s", name,
				     zerr == Z_BUF_ERROR ? "truncated (unexpected end of file)" : msg);
		gzclose_r(gz);
		free(*buf);
		*buf = NULL;
		return err->code;
	}
	gzclose_r(gz);
	(*buf)[*len] = 0;
	return 0;
nomem:
	gzclose_r(gz);
	free(*buf);
	*buf = NULL;
	return tt_error_set(err, -ENOMEM, false, "%s: out of memory", name);
}

bool tt_is_bundle(const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
	const char *s = json_string_value(json_object_get(root, "schema"));
	bool yes = s && !strncmp(s, "tracetool.bundle/", 17);

	json_decref(root);
	return yes;
}

struct rctx {
	const char *name;
	struct tt_error *err;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct rctx *c, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tt_error_set(c->err, -EINVAL, true, "%s: %s: %s", c->name, path, msg);
}

static int want(struct rctx *c, const json_t *obj, const char *path, const char *key,
		json_type type, json_t **out)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_REAL] = "a number", [JSON_TRUE] = "true or false",
		[JSON_FALSE] = "true or false", [JSON_NULL] = "null",
	};
	json_t *v = json_object_get(obj, key);

	*out = v;
	if (!v)
		return fail(c, path, "missing \"%s\"", key);
	if (json_typeof(v) == type || (type == JSON_REAL && json_is_number(v)) ||
	    (type == JSON_TRUE && json_is_boolean(v)))
		return 0;
	return fail(c, path, "\"%s\": expected %s", key, names[type]);
}

static int read_strv(struct rctx *c, const json_t *obj, const char *key, char ***v, size_t *n)
{
	char path[PATH_LEN];
	json_t *a, *s;
	size_t i;
	int ret;

	ret = want(c, obj, "$", key, JSON_ARRAY, &a);
	json_array_foreach(a, i, s) {
		if (ret)
			break;
		if (!json_is_string(s)) {
			snprintf(path, sizeof(path), "$.%s[%zu]", key, i);
			return fail(c, path, "expected a string");
		}
		if (tt_strv_push(v, n, json_string_value(s)))
			return tt_error_set(c->err, -ENOMEM, false, "%s: out of memory", c->name);
	}
	return ret;
}

static int read_str(struct rctx *c, const json_t *obj, const char *path, const char *key,
		    char **out)
{
	json_t *v;
	int ret = want(c, obj, path, key, JSON_STRING, &v);

	if (ret)
		return ret;
	*out = strdup(json_string_value(v));
	return *out ? 0 : tt_error_set(c->err, -ENOMEM, false, "%s: out of memory", c->name);
}

static int read_fingerprint(struct rctx *c, const json_t *root, struct tt_fingerprint *fp)
{
	const char *p = "$.fingerprint";
	json_t *o, *v;
	int ret;

	ret = want(c, root, "$", "fingerprint", JSON_OBJECT, &o);
	ret = ret ?: read_str(c, o, p, "host", &fp->host);
	ret = ret ?: read_str(c, o, p, "kernel", &fp->kernel);
	ret = ret ?: read_str(c, o, p, "cpu_model", &fp->cpu_model);
	ret = ret ?: read_str(c, o, p, "tracetool_version", &fp->tracetool_version);
	ret = ret ?: want(c, o, p, "cpus", JSON_INTEGER, &v);
	if (ret)
		return ret;
	fp->cpus = (long)json_integer_value(v);
	if (fp->cpus < 1)
		return fail(c, "$.fingerprint.cpus", "expected an integer >= 1");
	v = json_object_get(o, "cgroup_cpu_limit");
	if (!v)
		return fail(c, p, "missing \"cgroup_cpu_limit\"");
	if (json_is_null(v))
		return 0;
	fp->cgroup_cpu_limit = json_number_value(v);
	if (!json_is_number(v) || !(fp->cgroup_cpu_limit > 0))
		return fail(c, "$.fingerprint.cgroup_cpu_limit", "expected a number > 0 or null");
	return 0;
}

/* Same tracer names, any order. */
static bool same_tracers(const struct tt_bundle *b, const struct tt_report *r)
{
	size_t i, k;

	if (b->ntracers != r->ntracers)
		return false;
	for (i = 0; i < b->ntracers; i++) {
		for (k = 0; k < r->ntracers && strcmp(b->tracers[i], r->tracers[k]); k++)
			;
		if (k == r->ntracers)
			return false;
	}
	return true;
}

static int read_run(struct rctx *c, struct tt_bundle *b, const json_t *o, size_t i)
{
	static const char *const noise_keys[] = { "steal_seconds", "other_cpu_seconds",
						   "wall_seconds" };
	char path[PATH_LEN], sub[PATH_LEN + 32], msg[400];
	struct tt_run_noise noise;
	double *nv[] = { &noise.steal_seconds, &noise.other_cpu_seconds, &noise.wall_seconds };
	struct tt_report *r;
	const char *variant;
	json_t *v, *no, *warm;
	size_t k;
	int ret;

	snprintf(path, sizeof(path), "$.runs[%zu]", i);
	if (!json_is_object(o))
		return fail(c, path, "expected an object");
	ret = want(c, o, path, "index", JSON_INTEGER, &v);
	if (!ret && json_integer_value(v) != (json_int_t)i)
		ret = fail(c, path, "\"index\" is %lld, expected %zu (runs in order)",
			   (long long)json_integer_value(v), i);
	ret = ret ?: want(c, o, path, "variant", JSON_STRING, &v);
	if (ret)
		return ret;
	variant = json_string_value(v);
	if (!is_variant(variant))
		return fail(c, path, "\"variant\": \"%s\" is not run, base or cand", variant);
	ret = want(c, o, path, "warmup", JSON_TRUE, &warm);
	ret = ret ?: want(c, o, path, "noise", JSON_OBJECT, &no);
	snprintf(sub, sizeof(sub), "%s.noise", path);
	for (k = 0; !ret && k < 3; k++) {
		ret = want(c, no, sub, noise_keys[k], JSON_REAL, &v);
		*nv[k] = json_number_value(v);
		if (!ret && !(*nv[k] >= 0))
			ret = fail(c, sub, "\"%s\": expected a number >= 0", noise_keys[k]);
	}
	noise.core_to_core_ns = NAN;
	v = ret ? NULL : json_object_get(no, "core_to_core_ns");
	if (v) {
		noise.core_to_core_ns = json_is_number(v) ? json_number_value(v) : NAN;
		if (!(noise.core_to_core_ns > 0))
			ret = fail(c, sub, "\"core_to_core_ns\": expected a number > 0");
	}
	ret = ret ?: want(c, o, path, "report", JSON_OBJECT, &v);
	if (ret)
		return ret;
	snprintf(sub, sizeof(sub), "%s.report", path);
	r = tt_report_from_json(v, sub, msg, sizeof(msg));
	if (!r && errno == ENOMEM)
		return tt_error_set(c->err, -ENOMEM, false, "%s: out of memory", c->name);
	if (!r)
		return tt_error_set(c->err, -EINVAL, true, "%s: %s", c->name, msg);
	if (!same_tracers(b, r)) {
		tt_report__free(r);
		return fail(c, sub, "its tracers differ from the bundle's \"tracers\"");
	}
	ret = tt_bundle_add_run(b, variant, json_is_true(warm), &noise, r);
	if (ret) {
		tt_report__free(r);
		return tt_error_set(c->err, -ENOMEM, false, "%s: out of memory", c->name);
	}
	return 0;
}

int tt_bundle_parse(const char *buf, size_t len, const char *name, struct tt_bundle **out,
		    struct tt_error *err)
{
	struct rctx c = { name, err };
	struct tt_bundle *b = NULL;
	bool base = false, cand = false, plain = false;
	json_error_t jerr;
	const char *s;
	json_t *root, *runs, *v;
	size_t i;
	int ret;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return tt_error_set(err, -ENOMEM, false, "%s: out of memory", name);
		return fail(&c, "$", "not JSON (line %d, column %d): %s", jerr.line, jerr.column,
			    jerr.text);
	}
	b = tt_bundle__new();
	if (!b) {
		ret = tt_error_set(err, -ENOMEM, false, "%s: out of memory", name);
		goto out;
	}
	ret = json_is_object(root) ? 0 : fail(&c, "$", "expected an object");
	ret = ret ?: want(&c, root, "$", "schema", JSON_STRING, &v);
	if (ret)
		goto out;
	s = json_string_value(v);
	if (strcmp(s, TT_BUNDLE_SCHEMA)) {
		ret = fail(&c, "$.schema", "\"%s\" is not %s", s, TT_BUNDLE_SCHEMA);
		goto out;
	}
	ret = read_fingerprint(&c, root, &b->fp);
	ret = ret ?: read_strv(&c, root, "tracers", &b->tracers, &b->ntracers);
	if (!ret && !b->ntracers)
		ret = fail(&c, "$.tracers", "empty");
	ret = ret ?: read_strv(&c, root, "argv", &b->argv, &b->argc);
	ret = ret ?: want(&c, root, "$", "runs", JSON_ARRAY, &runs);
	if (!ret && !json_array_size(runs))
		ret = fail(&c, "$.runs", "no runs");
	for (i = 0; !ret && i < json_array_size(runs); i++)
		ret = read_run(&c, b, json_array_get(runs, i), i);
	for (i = 0; !ret && i < b->nruns; i++) {
		base |= !strcmp(b->runs[i].variant, "base");
		cand |= !strcmp(b->runs[i].variant, "cand");
		plain |= !strcmp(b->runs[i].variant, "run");
	}
	if (!ret && plain && (base || cand))
		ret = fail(&c, "$.runs", "variant \"run\" mixed with base/cand");
out:
	json_decref(root);
	if (ret) {
		tt_bundle__free(b);
		return ret;
	}
	*out = b;
	return 0;
}

int tt_bundle_read(const char *path, struct tt_bundle **out, struct tt_error *err)
{
	char *buf;
	size_t len;
	int ret;

	*out = NULL;
	ret = tt_input_read(path, &buf, &len, err);
	if (ret)
		return ret;
	ret = tt_bundle_parse(buf, len, strcmp(path, "-") ? path : "<stdin>", out, err);
	free(buf);
	return ret;
}

/* A copy of a report (through its JSON: the one complete walk of the model there is). */
static struct tt_report *report_copy(const struct tt_report *r, struct tt_error *err)
{
	json_t *j = tt_report_to_json(r);
	struct tt_report *c = NULL;
	char msg[400];

	if (j)
		c = tt_report_from_json(j, "$", msg, sizeof(msg));
	json_decref(j);
	if (!c)
		tt_error_set(err, -ENOMEM, false, "out of memory");
	return c;
}

struct tt_report *tt_bundle_report(const struct tt_bundle *b, long index, const char *variant,
				   struct tt_error *err)
{
	struct tt_report *all = NULL;
	char msg[400];
	size_t i;
	int ret;

	memset(err, 0, sizeof(*err));
	if (index >= 0) {
		if ((size_t)index >= b->nruns) {
			tt_error_set(err, -EINVAL, true, "--run %ld: the bundle has runs 0 to %zu",
				     index, b->nruns - 1);
			errno = EINVAL;
			return NULL;
		}
		all = report_copy(b->runs[index].report, err);
		if (!all)
			errno = ENOMEM;
		return all;
	}
	if (!variant && tt_bundle_is_interleaved(b)) {
		tt_error_set(err, -EINVAL, true, "the bundle interleaves two commands: choose "
			     "--variant base or --variant cand (or --run N)");
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < b->nruns; i++) {
		const struct tt_bundle_run *run = &b->runs[i];

		if (run->warmup || (variant && strcmp(run->variant, variant)))
			continue;
		if (!all) {
			all = report_copy(run->report, err);
			if (!all) {
				errno = ENOMEM;
				return NULL;
			}
			continue;
		}
		ret = tt_report_merge(all, run->report, msg, sizeof(msg));
		if (ret) {
			tt_error_set(err, ret, ret == -EINVAL, "run %zu: %s", i,
				     ret == -EINVAL ? msg : "out of memory");
			tt_report__free(all);
			errno = -ret;
			return NULL;
		}
	}
	if (!all) {
		tt_error_set(err, -EINVAL, true, "no %s%sruns that are not warm-ups",
			     variant ? variant : "", variant ? " " : "");
		errno = EINVAL;
	}
	return all;
}

/* --- measuring the host --- */

/* "model name" (x86), else "Hardware"/"CPU part" style keys other architectures use. */
static char *cpu_model(void)
{
	static const char *const keys[] = { "model name", "Hardware", "cpu model", "Processor" };
	char line[512], *found = NULL;
	size_t k;
	FILE *f = fopen("/proc/cpuinfo", "re");

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strncmp(line, keys[k], strlen(keys[k]))) {
				char *v = colon + 1 + strspn(colon + 1, " \t");

				v[strcspn(v, "\n")] = 0;
				found = strdup(v);
				break;
			}
	}
	if (f)
		fclose(f);
	return found ? found : strdup("unknown");
}

/*
 * The tightest cpu.max ("QUOTA PERIOD" or "max PERIOD") of this process's
 * cgroup v2 and its ancestors, in CPUs; NAN when none limits it.
 */
static double cgroup_cpu_limit(void)
{
	char line[4096], path[4200], *rel = NULL, *slash;
	double best = NAN;
	FILE *f = fopen("/proc/self/cgroup", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			rel = line + 3;
			break;
		}
	if (f)
		fclose(f);
	while (rel && *rel && strcmp(rel, "/")) {
		char quota[32];
		double period;
		FILE *m;

		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max", rel);
		m = fopen(path, "re");
		if (m && fscanf(m, "%31s %lf", quota, &period) == 2 && strcmp(quota, "max") &&
		    period > 0) {
			double cpus = strtod(quota, NULL) / period;

			if (cpus > 0 && (isnan(best) || cpus < best))
				best = cpus;
		}
		if (m)
			fclose(m);
		slash = strrchr(rel, '/');
		if (!slash)
			break;
		*slash = 0;
	}
	return best;
}

int tt_fingerprint_read(struct tt_fingerprint *fp, const char *version)
{
	struct utsname u;

	memset(fp, 0, sizeof(*fp));
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	fp->host = strdup(u.nodename);
	fp->kernel = strdup(u.release);
	fp->cpu_model = cpu_model();
	fp->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (fp->cpus < 1)
		fp->cpus = 1;
	fp->tracetool_version = strdup(version);
	fp->cgroup_cpu_limit = cgroup_cpu_limit();
	if (!fp->host || !fp->kernel || !fp->cpu_model || !fp->tracetool_version) {
		tt_fingerprint_release(fp);
		return -ENOMEM;
	}
	return 0;
}

static double rusage_seconds(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int tt_cpu_sample_read(struct tt_cpu_sample *s)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal = 0;
	double hz = (double)sysconf(_SC_CLK_TCK);
	struct timespec ts;
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
		   &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n < 7)
		return -EIO;
	if (hz <= 0)
		hz = 100;
	s->busy = (double)(user + nice + sys + irq + softirq) / hz;
	s->steal = (double)steal / hz;
	s->self = rusage_seconds(RUSAGE_SELF);
	s->children = rusage_seconds(RUSAGE_CHILDREN);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->mono = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return 0;
}

void tt_run_noise_between(const struct tt_cpu_sample *a, const struct tt_cpu_sample *b,
			  struct tt_run_noise *out)
{
	double other = (b->busy - a->busy) - (b->self - a->self) - (b->children - a->children);

	out->steal_seconds = fmax(0, b->steal - a->steal);
	out->other_cpu_seconds = fmax(0, other);
	out->wall_seconds = fmax(0, b->mono - a->mono);
	out->core_to_core_ns = NAN;
}

/* --- the host's core-to-core latency ------------------------------------- */

#define C2C_BATCH 200		/* round trips per timed batch */
#define C2C_BATCHES 8		/* after one warm-up batch; the fastest counts */
#define C2C_DEADLINE_NS 20e6	/* per pair: a CPU another task holds is skipped */

#if defined(__x86_64__) || defined(__i386__)
#define spin_pause() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define spin_pause() __asm__ volatile("yield")
#else
#define spin_pause() __asm__ volatile("" ::: "memory")
#endif

/* the bounced line, and the stop flag on a line of its own */
struct c2c {
	_Alignas(64) unsigned long line;
	_Alignas(64) int stop;
};

static double mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* the far end: answer each odd value with the next even one, until stop */
static void *c2c_echo(void *arg)
{
	struct c2c *c = arg;
	unsigned long v;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		v = __atomic_load_n(&c->line, __ATOMIC_ACQUIRE);
		if (v & 1)
			__atomic_store_n(&c->line, v + 1, __ATOMIC_RELEASE);
		else
			spin_pause();
	}
	return NULL;
}

/*
 * One pair: this thread on CPU a (the caller pinned it), an echo thread
 * pinned to b.  ns per round trip of the fastest batch (a batch the guest
 * preempted only gets slower), or -1 past the deadline.
 */
static double c2c_pair(int b)
{
	struct c2c *c;
	pthread_attr_t attr;
	pthread_t th;
	cpu_set_t one;
	double t0, best = -1, start = mono_ns();
	unsigned long i = 1, k;
	int batch, spins, ok = 1;

	if (posix_memalign((void **)&c, 64, sizeof(*c)))
		return -1;
	memset(c, 0, sizeof(*c));
	CPU_ZERO(&one);
	CPU_SET(b, &one);
	if (pthread_attr_init(&attr)) {
		free(c);
		return -1;
	}
	if (pthread_attr_setaffinity_np(&attr, sizeof(one), &one) ||
	    pthread_create(&th, &attr, c2c_echo, c)) {
		pthread_attr_destroy(&attr);
		free(c);
		return -1;
	}
	pthread_attr_destroy(&attr);
	for (batch = 0; ok && batch <= C2C_BATCHES; batch++) {
		t0 = mono_ns();
		for (k = 0; ok && k < C2C_BATCH; k++, i += 2) {
			__atomic_store_n(&c->line, i, __ATOMIC_RELEASE);
			for (spins = 0; __atomic_load_n(&c->line, __ATOMIC_ACQUIRE) != i + 1;) {
				spin_pause();
				if (++spins % 4096 == 0 && mono_ns() - start > C2C_DEADLINE_NS) {
					ok = 0;
					break;
				}
			}
		}
		t0 = (mono_ns() - t0) / C2C_BATCH;
		if (ok && batch && (best < 0 || t0 < best))
			best = t0;
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	if (!ok) {
		/*
		 * Its CPU may stay held (a real-time task): do not wait for the
		 * echo thread; it exits when it runs, and `c` stays allocated.
		 */
		pthread_detach(th);
		return -1;
	}
	pthread_join(th, NULL);
	free(c);
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double tt_median_inplace(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : tt_midpoint(v[n / 2 - 1], v[n / 2]);
}

int tt_core_to_core_probe(double *v, size_t max)
{
	cpu_set_t saved, one;
	int cpus[CPU_SETSIZE], ncpu = 0, i, ret = 0, wide = 0;
	size_t n = 0, want, j, k;
	double x;

	if (sched_getaffinity(0, sizeof(saved), &saved))
		return -errno;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &saved))
			cpus[ncpu++] = i;
	/*
	 * A tracer pinned to one CPU (away from the client it measures) still
	 * runs beside a workload that spans CPUs, whose pairs are what the
	 * probe is for: it probes the configured CPUs then, between runs only,
	 * skipping those it may not use (offline, outside its cpuset).
	 */
	if (ncpu == 1) {
		wide = 1;
		ncpu = 0;
		for (i = 0; i < get_nprocs_conf() && i < CPU_SETSIZE; i++)
			cpus[ncpu++] = i;
	}
	if (ncpu < 2)
		return 0;
	/* pairs of neighbours in the allowed set, spread over it */
	want = (size_t)ncpu - 1 < max ? (size_t)ncpu - 1 : max;
	if (want > TT_C2C_MAX_PAIRS)
		want = TT_C2C_MAX_PAIRS;
	for (j = 0; j < want; j++) {
		k = j * ((size_t)ncpu - 1) / want;
		CPU_ZERO(&one);
		CPU_SET(cpus[k], &one);
		if (sched_setaffinity(0, sizeof(one), &one)) {
			if (wide && errno == EINVAL)
				continue;
			ret = -errno;
			break;
		}
		x = c2c_pair(cpus[k + 1]);
		if (x > 0)
			v[n++] = x;
	}
	if (sched_setaffinity(0, sizeof(saved), &saved) && !ret)
		ret = -errno;
	return ret ? ret : (int)n;
}
