// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the tracer registry (tools/registry.c): an option name
 * shared by several tracers has one definition, no tracer option shadows a
 * common one, --help is generated from the tables, options of several
 * tracers named together reach every tracer that takes them and only
 * those, and the man page's option lists match the tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "commands.h"
#include "registry.h"

/* What tools/tracetool.c provides to the registry in the binary. */
const char tt_version[] = "test";
void tt_set_verbose(int level)
{
	(void)level;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void test_shared_options_one_meaning(void **state)
{
	size_t a, b, i, j;

	(void)state;
	for (a = 0; a < tt_ntracers; a++)
		for (b = a + 1; b < tt_ntracers; b++)
			for (i = 0; tt_tracers[a]->opts[i].name; i++)
				for (j = 0; tt_tracers[b]->opts[j].name; j++) {
					const struct tt_optdef *x = &tt_tracers[a]->opts[i];
					const struct tt_optdef *y = &tt_tracers[b]->opts[j];

					if (strcmp(x->name, y->name))
						continue;
					if (x->short_name != y->short_name || !same_str(x->arg, y->arg) ||
					    !same_str(x->help, y->help) || !same_str(x->range, y->range))
						fail_msg("--%s: %s and %s define it differently", x->name,
							 tt_tracers[a]->name, tt_tracers[b]->name);
				}
}

static void test_no_option_shadows_a_common_one(void **state)
{
	size_t t, i, c;

	(void)state;
	for (t = 0; t < tt_ntracers; t++)
		for (i = 0; tt_tracers[t]->opts[i].name; i++)
			for (c = 0; tt_common_optdefs[c].name; c++) {
				const struct tt_optdef *o = &tt_tracers[t]->opts[i];

				if (!strcmp(o->name, tt_common_optdefs[c].name) ||
				    (o->short_name && o->short_name == tt_common_optdefs[c].short_name))
					fail_msg("%s --%s shadows common --%s", tt_tracers[t]->name,
						 o->name, tt_common_optdefs[c].name);
			}
}

static char *help_of(const struct tt_tracer_def *const *defs, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	tt_tracers_help(defs, n, f);
	fclose(f);
	return buf;
}

static void test_help_lists_every_option(void **state)
{
	char *help, want[80];
	size_t t, i;

	(void)state;
	for (t = 0; t < tt_ntracers; t++) {
		help = help_of(&tt_tracers[t], 1);
		snprintf(want, sizeof(want), "Usage: tracetool %s ", tt_tracers[t]->name);
		assert_non_null(strstr(help, want));
		assert_non_null(strstr(help, "\nExamples:\n"));
		for (i = 0; tt_tracers[t]->opts[i].name; i++) {
			snprintf(want, sizeof(want), "--%s", tt_tracers[t]->opts[i].name);
			if (!strstr(help, want))
				fail_msg("%s --help lacks %s", tt_tracers[t]->name, want);
		}
		for (i = 0; tt_common_optdefs[i].name; i++) {
			snprintf(want, sizeof(want), "--%s", tt_common_optdefs[i].name);
			if (!strstr(help, want))
				fail_msg("%s --help lacks %s", tt_tracers[t]->name, want);
		}
		free(help);
	}
}

static void test_multi_help_and_formats(void **state)
{
	const struct tt_tracer_def *defs[] = { &tt_syscalls_tracer, &tt_profile_tracer };
	char *help = help_of(defs, 2);

	(void)state;
	assert_non_null(strstr(help, "Usage: tracetool syscalls profile "));
	assert_non_null(strstr(help, "Options of syscalls:"));
	assert_non_null(strstr(help, "Options of profile:"));
	assert_non_null(strstr(help, "--frequency"));
	assert_non_null(strstr(help, "--by KEY"));
	/* folded is profile's alone: not offered for the pair */
	assert_non_null(strstr(help, "output format: text (default) or json\n"));
	free(help);
}

/* Parse argv for the named tracers; returns tt_tracers_parse's result. */
static int parse(const struct tt_tracer_def *const *defs, size_t n, struct tt_error *err,
		 char **argv)
{
	void *privs[TT_SESSION_MAX_TRACERS];
	struct tt_common_opts o = {};
	int argc = 0, ret;
	size_t i;

	while (argv[argc])
		argc++;
	for (i = 0; i < n; i++) {
		privs[i] = defs[i]->create();
		assert_non_null(privs[i]);
	}
	ret = tt_tracers_parse(defs, privs, n, argc, argv, &o, err);
	for (i = 0; i < n; i++) {
		if (defs[i]->destroy)
			defs[i]->destroy(privs[i]);
		else
			free(privs[i]);
	}
	return ret;
}

#define ARGV(...) ((char *[]){ "t", __VA_ARGS__, NULL })

static void test_options_reach_their_tracers(void **state)
{
	const struct tt_tracer_def *st[] = { &tt_syscalls_tracer, &tt_tcp_tracer };
	const struct tt_tracer_def *sr[] = { &tt_syscalls_tracer, &tt_requests_tracer };
	const struct tt_tracer_def *tr[] = { &tt_tcp_tracer, &tt_requests_tracer };
	const struct tt_tracer_def *s[] = { &tt_syscalls_tracer };
	struct tt_error err;

	(void)state;
	assert_int_equal(parse(st, 2, &err, ARGV("--by", "comm", "--port", "80", "-d", "1")),
			 TT_CLI_RUN);
	/* the value reaches tcp's parser, which rejects it */
	assert_int_equal(parse(st, 2, &err, ARGV("--port", "99999")), -EINVAL);
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "is not a port"));
	/* and requests' parser, which takes one port */
	assert_int_equal(parse(sr, 2, &err, ARGV("--port", "80,81")), -EINVAL);
	assert_non_null(strstr(err.msg, "requests takes one port"));
	/* both take --port: each gets it */
	assert_int_equal(parse(tr, 2, &err, ARGV("--port", "443", "--rtt", "--events")),
			 TT_CLI_RUN);
	/* an option no named tracer takes: usage error naming who takes it */
	assert_int_equal(parse(s, 1, &err, ARGV("--rtt")), -EINVAL);
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "--rtt: no named tracer takes this option (tcp does)"));
	assert_int_equal(parse(s, 1, &err, ARGV("--no-such")), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown option '--no-such'"));
	/* -F is profile's: with syscalls alone it is unknown */
	assert_int_equal(parse(s, 1, &err, ARGV("-F", "99")), -EINVAL);
	assert_int_equal(parse(st, 2, &err, ARGV("--help")), TT_CLI_HELP);
}

/*
 * --hook: a kind some named tracer offers applies to those that offer it; a
 * kind none offers (or no kind at all) is one usage error line, whichever
 * tracers are named, before anything loads.
 */
static void test_hook_checked_for_every_tracer_set(void **state)
{
	const struct tt_tracer_def *s[] = { &tt_syscalls_tracer };
	const struct tt_tracer_def *st[] = { &tt_syscalls_tracer, &tt_tcp_tracer };
	const struct tt_tracer_def *sr[] = { &tt_syscalls_tracer, &tt_requests_tracer };
	const struct tt_tracer_def *po[] = { &tt_profile_tracer, &tt_offcpu_tracer };
	const struct tt_tracer_def *r[] = { &tt_requests_tracer };
	struct tt_error err;

	(void)state;
	assert_int_equal(parse(sr, 2, &err, ARGV("--hook", "tracepoint")), TT_CLI_RUN);
	assert_int_equal(parse(sr, 2, &err, ARGV("--hook", "raw_tp")), TT_CLI_RUN);
	assert_int_equal(parse(po, 2, &err, ARGV("--hook", "perf_event")), TT_CLI_RUN);
	assert_int_equal(parse(r, 1, &err, ARGV("--hook", "tracepoint")), TT_CLI_RUN);

	assert_int_equal(parse(s, 1, &err, ARGV("--hook", "tracepoint")), -EINVAL);
	assert_true(err.usage);
	assert_string_equal(err.msg, "--hook tracepoint: syscalls does not offer it (only tp_btf "
				     "or raw_tp)");
	assert_int_equal(parse(st, 2, &err, ARGV("--hook", "tracepoint", "-d", "1")), -EINVAL);
	assert_true(err.usage);
	assert_string_equal(err.msg, "--hook tracepoint: no named tracer offers it (syscalls "
				     "tp_btf or raw_tp; tcp tp_btf or raw_tp)");
	assert_int_equal(parse(r, 1, &err, ARGV("--hook", "raw_tp")), -EINVAL);
	assert_true(err.usage);
	assert_string_equal(err.msg, "--hook raw_tp: requests does not offer it (only tp_btf or "
				     "tracepoint)");
	assert_int_equal(parse(po, 2, &err, ARGV("--hook", "tracepoint")), -EINVAL);
	assert_true(err.usage);
	assert_int_equal(parse(st, 2, &err, ARGV("--hook", "kprobe")), -EINVAL);
	assert_true(err.usage);
	assert_null(strchr(err.msg, '\n'));
	/* not a kind at all: named with the kinds this tracer offers, not every kind there is */
	assert_int_equal(parse(s, 1, &err, ARGV("--hook", "kprobe")), -EINVAL);
	assert_string_equal(err.msg, "--hook kprobe: syscalls does not offer it (only tp_btf "
				     "or raw_tp)");
	assert_int_equal(parse(st, 2, &err, ARGV("--hook", "")), -EINVAL);
	assert_true(err.usage);
}

/* folded holds one profile: profile alone takes it, profile with offcpu does not */
static void test_folded_only_for_one_tracer(void **state)
{
	const struct tt_tracer_def *p[] = { &tt_profile_tracer };
	const struct tt_tracer_def *po[] = { &tt_profile_tracer, &tt_offcpu_tracer };
	struct tt_error err;

	(void)state;
	assert_int_equal(parse(p, 1, &err, ARGV("-f", "folded")), TT_CLI_RUN);
	assert_int_equal(parse(po, 2, &err, ARGV("-f", "json")), TT_CLI_RUN);
	assert_int_equal(parse(po, 2, &err, ARGV("-f", "folded")), -EINVAL);
	assert_true(err.usage);
}

/* --- the man page against the tables --------------------------------------------- */

#define MAX_MAN_OPTS 256

struct man_section {
	char title[64];
	size_t n;
	char opts[MAX_MAN_OPTS][32];
};

/* The long options documented by each `.SH ... OPTIONS` section (the line after a .TP). */
static size_t read_man(struct man_section *sec, size_t max)
{
	FILE *f = fopen("docs/tracetool.1", "r");
	char line[512];
	size_t n = 0;
	bool tp = false;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, ".SH ", 4)) {
			line[strcspn(line, "\n")] = 0;
			if (strstr(line, "OPTIONS") && n < max) {
				memset(&sec[n], 0, sizeof(sec[n]));
				snprintf(sec[n].title, sizeof(sec[n].title), "%s", line + 4);
				n++;
			} else if (n && !strstr(line, "OPTIONS")) {
				tp = false;
				/* options after another .SH belong to no section */
				if (n < max) {
					memset(&sec[n], 0, sizeof(sec[n]));
					snprintf(sec[n].title, sizeof(sec[n].title), "-");
					n++;
				}
			}
			continue;
		}
		if (!strncmp(line, ".TP", 3)) {
			tp = true;
			continue;
		}
		if (tp && n) {
			char *p = strstr(line, "\\-\\-"), *o;
			struct man_section *s = &sec[n - 1];

			tp = false;
			if (!p || s->n == MAX_MAN_OPTS)
				continue;
			p += 4;
			o = s->opts[s->n++];
			while (*p && (o - s->opts[s->n - 1]) < 31) {
				if (!strncmp(p, "\\-", 2)) {
					*o++ = '-';
					p += 2;
				} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
					*o++ = *p++;
				} else {
					break;
				}
			}
			*o = 0;
		}
	}
	fclose(f);
	return n;
}

static bool in_section(const struct man_section *s, const char *opt)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->opts[i], opt))
			return true;
	return false;
}

/* The section documenting tracer `name` ("TCP OPTIONS", "PROFILE AND OFFCPU OPTIONS"). */
static const struct man_section *section_of(const struct man_section *sec, size_t n,
					    const char *name)
{
	char up[32];
	size_t i;

	for (i = 0; name[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)(name[i] - 'a' + 'A');
	up[i] = 0;
	for (i = 0; i < n; i++)
		if (strstr(sec[i].title, up) && strcmp(sec[i].title, "COMMON OPTIONS"))
			return &sec[i];
	return NULL;
}

static void test_man_page_matches_tables(void **state)
{
	static struct man_section sec[16];
	size_t n = read_man(sec, 16), t, i, k;
	const struct man_section *s;
	bool found;

	(void)state;
	if (!n)
		skip();	/* not run from the source tree */
	s = NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(sec[i].title, "COMMON OPTIONS"))
			s = &sec[i];
	assert_non_null(s);
	for (i = 0; tt_common_optdefs[i].name; i++)
		if (!in_section(s, tt_common_optdefs[i].name))
			fail_msg("man page: COMMON OPTIONS lacks --%s", tt_common_optdefs[i].name);
	for (t = 0; t < tt_ntracers; t++) {
		s = section_of(sec, n, tt_tracers[t]->name);
		if (!s)
			fail_msg("man page: no OPTIONS section for %s", tt_tracers[t]->name);
		assert_true(s->n >= 3);	/* the reader found the .TP entries */
		for (i = 0; tt_tracers[t]->opts[i].name; i++)
			if (!in_section(s, tt_tracers[t]->opts[i].name))
				fail_msg("man page: %s lacks --%s", s->title,
					 tt_tracers[t]->opts[i].name);
		/* and nothing documented there that none of its tracers takes */
		for (k = 0; k < s->n; k++) {
			size_t u;

			found = false;
			for (u = 0; u < tt_ntracers && !found; u++) {
				if (section_of(sec, n, tt_tracers[u]->name) != s)
					continue;
				for (i = 0; tt_tracers[u]->opts[i].name && !found; i++)
					found = !strcmp(tt_tracers[u]->opts[i].name, s->opts[k]);
			}
			if (!found)
				fail_msg("man page: %s documents --%s, which no tracer of it takes",
					 s->title, s->opts[k]);
		}
	}
}

/* parse() of one option with one value (NULL: the option last, its value missing). */
static int parse_one(const struct tt_tracer_def *def, const char *name, const char *value,
		     struct tt_error *err)
{
	char opt[64], *argv[4] = { "t", opt, NULL, NULL };

	snprintf(opt, sizeof(opt), "--%s", name);
	argv[2] = (char *)value;
	return parse(&def, 1, err, argv);
}

static void expect_usage(const struct tt_tracer_def *def, const char *name, const char *value)
{
	struct tt_error err;
	int ret = parse_one(def, name, value, &err);

	if (ret != -EINVAL || !err.usage || strchr(err.msg, '\n') || !err.msg[0])
		fail_msg("%s --%s '%s': expected one usage error line, got %d (%s)", def->name, name,
			 value ? value : "<missing>", ret, err.msg);
}

static void expect_ok(const struct tt_tracer_def *def, const char *name, const char *value)
{
	struct tt_error err;
	int ret = parse_one(def, name, value, &err);

	if (ret != TT_CLI_RUN)
		fail_msg("%s --%s '%s': valid, got %d (%s)", def->name, name, value, ret, err.msg);
}

/*
 * Every option of every tracer and every common option, with empty, junk,
 * negative, hex, exponent, huge and missing values, and the edges of the
 * numeric range its table states ("A-B"): outside it is a usage error (exit
 * 2, one line), its ends are accepted.
 */
static void check_option_values(const struct tt_tracer_def *def, const struct tt_optdef *d)
{
	static const char *const junk[] = { "", "junk", "-1", "0x10", "1e3", "99999999999999999999",
					    "1,", ",", " 1", NULL };
	static const char *const durations[] = { "", "junk", "-1", "0", "0x10", "inf", "nan",
						 "1e308h", "366d", "1.5.2", "5x", NULL };
	unsigned long lo, hi;
	char buf[32];
	size_t i;
	int end = 0;

	if (!d->arg)
		return;
	expect_usage(def, d->name, NULL);
	expect_usage(def, d->name, "");
	if (!strcmp(d->name, "duration") || !strcmp(d->name, "interval")) {
		for (i = 0; durations[i]; i++)
			expect_usage(def, d->name, durations[i]);
		expect_ok(def, d->name, "365d");
		expect_ok(def, d->name, "0.5");
		return;
	}
	if (!d->range || sscanf(d->range, "%lu-%lu%n", &lo, &hi, &end) != 2 || d->range[end])
		return;
	for (i = 0; junk[i]; i++)
		/* "1e3" and "1," may sit in a range only as what they are not: reject them all */
		expect_usage(def, d->name, junk[i]);
	if (lo > 0) {
		snprintf(buf, sizeof(buf), "%lu", lo - 1);
		expect_usage(def, d->name, buf);
	}
	snprintf(buf, sizeof(buf), "%lu", hi + 1);
	expect_usage(def, d->name, buf);
	snprintf(buf, sizeof(buf), "%lu", lo);
	expect_ok(def, d->name, buf);
	snprintf(buf, sizeof(buf), "%lu", hi);
	if (strcmp(d->name, "pid"))	/* a pid must also exist: only the lower end is certain */
		expect_ok(def, d->name, buf);
}

static void test_bad_values_are_usage_errors(void **state)
{
	size_t t, k;

	(void)state;
	for (t = 0; t < tt_ntracers; t++) {
		for (k = 0; tt_tracers[t]->opts[k].name; k++)
			check_option_values(tt_tracers[t], &tt_tracers[t]->opts[k]);
		for (k = 0; tt_common_optdefs[k].name; k++)
			check_option_values(tt_tracers[t], &tt_common_optdefs[k]);
	}
}

static void test_empty_lists_and_bare_dashdash(void **state)
{
	struct tt_error err;
	const struct tt_tracer_def *sys = &tt_syscalls_tracer, *tcp = &tt_tcp_tracer;

	(void)state;
	assert_int_equal(parse(&sys, 1, &err, ARGV("-p", "")), -EINVAL);
	assert_int_equal(parse(&sys, 1, &err, ARGV("-p", ",")), -EINVAL);
	assert_int_equal(parse(&sys, 1, &err, ARGV("--syscall", "")), -EINVAL);
	assert_int_equal(parse(&sys, 1, &err, ARGV("--syscall", ",")), -EINVAL);
	assert_int_equal(parse(&sys, 1, &err, ARGV("--syscall", "read,")), -EINVAL);
	assert_int_equal(parse(&tcp, 1, &err, ARGV("--port", "")), -EINVAL);
	assert_int_equal(parse(&sys, 1, &err, ARGV("-d", "1", "--")), -EINVAL);
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "'--'"));
	/* "--" as an option's value is not the end of the options */
	assert_int_equal(parse(&sys, 1, &err, ARGV("-c", "--")), TT_CLI_RUN);
	assert_int_equal(parse(&sys, 1, &err, ARGV("--syscall", "read,write", "--", "true")),
			 TT_CLI_RUN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_options_one_meaning),
		cmocka_unit_test(test_no_option_shadows_a_common_one),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_multi_help_and_formats),
		cmocka_unit_test(test_options_reach_their_tracers),
		cmocka_unit_test(test_folded_only_for_one_tracer),
		cmocka_unit_test(test_hook_checked_for_every_tracer_set),
		cmocka_unit_test(test_man_page_matches_tables),
		cmocka_unit_test(test_bad_values_are_usage_errors),
		cmocka_unit_test(test_empty_lists_and_bare_dashdash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
