// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the common option parser (user/cli.c): the same letters in
 * every command, usage errors reported as such, `-- CMD` handling, operands
 * (input files) anywhere, and the duration syntax.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

enum { OPT_BY = TT_OPT_CMD, OPT_FLAG };

static const struct option extra[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "flag", no_argument, NULL, OPT_FLAG },
	{ 0 },
};

struct ctx {
	const char *by;
	int flags;
};

static int on_opt(void *c, int key, const char *arg, struct tt_error *err)
{
	struct ctx *x = c;

	if (key == OPT_BY) {
		if (strcmp(arg, "syscall") && strcmp(arg, "process"))
			return tt_error_set(err, -EINVAL, true, "--by: bad '%s'", arg);
		x->by = arg;
		return 0;
	}
	if (key == OPT_FLAG) {
		x->flags++;
		return 0;
	}
	return -EINVAL;
}

/* Parse a NULL-terminated argv with a tracing command's table. */
static int parse(struct tt_common_opts *o, struct ctx *x, struct tt_error *err, bool tracing,
		 char **argv)
{
	struct tt_cli c = { .cmd = "t", .tracing = tracing, .allow_cmd = tracing,
			    .extra = extra, .on_opt = on_opt, .ctx = x };
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(o, 0, sizeof(*o));
	memset(x, 0, sizeof(*x));
	return tt_cli_parse(&c, argc, argv, o, err);
}

#define ARGV(...) ((char *[]){ "t", __VA_ARGS__, NULL })

static void test_common_options(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	assert_int_equal(parse(&o, &x, &err, true,
			       ARGV("-p", "12", "--pid", "34,56", "-c", "nginx", "-d", "2.5s",
				    "-i", "500ms", "-f", "json", "-o", "/tmp/x", "-v", "-v",
				    "--hist", "--top", "5", "--cgroup", "/sys/fs/cgroup/a",
				    "--hook", "raw_tp", "--dry-run")),
			 TT_CLI_RUN);
	assert_int_equal(o.npids, 3);
	assert_int_equal(o.pids[0], 12);
	assert_int_equal(o.pids[1], 34);
	assert_int_equal(o.pids[2], 56);
	assert_string_equal(o.comm, "nginx");
	assert_true(o.duration > 2.499 && o.duration < 2.501);
	assert_true(o.interval > 0.499 && o.interval < 0.501);
	assert_string_equal(o.format, "json");
	assert_string_equal(o.output, "/tmp/x");
	assert_int_equal(o.verbose, 2);
	assert_true(o.hist);
	assert_int_equal(o.top, 5);
	assert_string_equal(o.cgroup, "/sys/fs/cgroup/a");
	assert_string_equal(o.hook, "raw_tp");
	assert_true(o.dry_run);
	assert_null(o.cmd);
}

static void test_defaults(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	assert_int_equal(parse(&o, &x, &err, true, ARGV("--flag")), TT_CLI_RUN);
	assert_string_equal(o.format, "text");
	assert_int_equal(o.npids, 0);
	assert_true(o.duration == 0 && o.interval == 0);
	assert_int_equal(x.flags, 1);
}

static void test_command_options(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	assert_int_equal(parse(&o, &x, &err, true, ARGV("--by", "process", "--flag", "-p", "1")),
			 TT_CLI_RUN);
	assert_string_equal(x.by, "process");
	assert_int_equal(x.flags, 1);
	assert_int_equal(parse(&o, &x, &err, true, ARGV("--by", "nonsense")), -EINVAL);
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "nonsense"));
}

static void test_usage_errors(void **state)
{
	char *const *bad[] = {
		ARGV("--bogus"), ARGV("-x"), ARGV("-p"), ARGV("-p", "abc"), ARGV("-p", "0"),
		ARGV("-p", "12,x"), ARGV("-d", "junk"), ARGV("-d", "0"), ARGV("-d", "-3"),
		ARGV("-i", "0"), ARGV("-f", "yaml"), ARGV("-c", "a-name-longer-than-15"),
		ARGV("-c", ""), ARGV("--top", "0"), ARGV("--hook", ""), ARGV("stray"),
		ARGV("-i", "5", "-d", "1"),
		/* --no-trace-cmd: no CMD to leave untraced; no filter, so CMD would be traced */
		ARGV("-p", "1", "--no-trace-cmd"), ARGV("--no-trace-cmd", "--", "true"),
	};
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse(&o, &x, &err, true, (char **)bad[i]);

		if (ret != -EINVAL)
			fail_msg("argv #%zu (%s ...) parsed as %d", i, bad[i][1], ret);
		assert_true(err.usage);
		assert_true(err.msg[0] != 0);
		assert_null(strchr(err.msg, '\n'));	/* one line */
	}
}

/* --no-trace-cmd with a filter and a command: CMD kept, marked untraced */
static void test_no_trace_cmd(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-p", "7", "--no-trace-cmd", "--", "true")),
			 TT_CLI_RUN);
	assert_true(o.no_trace_cmd);
	assert_string_equal(o.cmd[0], "true");
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-c", "nginx", "--no-trace-cmd", "--", "x")),
			 TT_CLI_RUN);
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-p", "7", "--", "true")), TT_CLI_RUN);
	assert_false(o.no_trace_cmd);
	/* a value given to an option that takes none: its name, not getopt's key as a character */
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-p", "7", "--no-trace-cmd=1", "--", "x")),
			 -EINVAL);
	assert_string_equal(err.msg, "option '--no-trace-cmd' takes no value");
	assert_int_equal(parse(&o, &x, &err, true, ARGV("--verbose=2")), -EINVAL);
	assert_string_equal(err.msg, "option '--verbose' takes no value");
	/* not a tracing command (list, report): the option does not exist there */
	assert_int_equal(parse(&o, &x, &err, false, ARGV("--no-trace-cmd")), -EINVAL);
}

static void test_help_and_version(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-h")), TT_CLI_HELP);
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-p", "1", "--help")), TT_CLI_HELP);
	assert_int_equal(parse(&o, &x, &err, false, ARGV("--version")), TT_CLI_VERSION);
}

static void test_dashdash_command(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	assert_int_equal(parse(&o, &x, &err, true, ARGV("-d", "1", "--", "ls", "-l", "-p")),
			 TT_CLI_RUN);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "ls");
	assert_string_equal(o.cmd[1], "-l");
	assert_string_equal(o.cmd[2], "-p");	/* options after -- belong to CMD */
	assert_null(o.cmd[3]);
	assert_int_equal(o.npids, 0);
	/* without -- a command is an error that says how to fix it */
	assert_int_equal(parse(&o, &x, &err, true, ARGV("ls")), -EINVAL);
	assert_non_null(strstr(err.msg, "--"));
}

static void test_non_tracing_command(void **state)
{
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;

	(void)state;
	/* `list` takes -f/-o/-v but not the tracing filters, nor a command */
	assert_int_equal(parse(&o, &x, &err, false, ARGV("-f", "json", "-v")), TT_CLI_RUN);
	assert_int_equal(parse(&o, &x, &err, false, ARGV("-p", "1")), -EINVAL);
	assert_int_equal(parse(&o, &x, &err, false, ARGV("-d", "1")), -EINVAL);
	assert_int_equal(parse(&o, &x, &err, false, ARGV("--", "ls")), -EINVAL);
}

/* A command with operands (flamegraph FILES): files anywhere among the options. */
static void test_operands(void **state)
{
	static const char *const no_formats[] = { NULL };
	struct tt_cli c = { .cmd = "t", .operands = true, .formats = no_formats,
			    .extra = extra, .on_opt = on_opt };
	char **argv = ARGV("a.folded", "-o", "out.svg", "--flag", "-", "b.folded", "--",
			   "-c.folded");
	struct tt_common_opts o = { 0 };
	struct tt_error err;
	struct ctx x = { 0 };

	(void)state;
	c.ctx = &x;
	assert_int_equal(tt_cli_parse(&c, 9, argv, &o, &err), TT_CLI_RUN);
	assert_string_equal(o.output, "out.svg");
	assert_int_equal(x.flags, 1);
	assert_int_equal(o.noperands, 4);
	assert_string_equal(o.operands[0], "a.folded");
	assert_string_equal(o.operands[1], "-");
	assert_string_equal(o.operands[2], "b.folded");
	assert_string_equal(o.operands[3], "-c.folded");	/* after --: a file */
	assert_null(o.cmd);
	/* one output format: -f is a usage error that says so */
	memset(&o, 0, sizeof(o));
	assert_int_equal(tt_cli_parse(&c, 4, ARGV("-f", "json", "a"), &o, &err), -EINVAL);
	assert_true(err.usage);
	assert_non_null(strstr(err.msg, "-f"));
	/* the next command without operands stops at its first non-option again */
	assert_int_equal(parse(&o, &x, &err, true, ARGV("ls", "-x")), -EINVAL);
	assert_non_null(strstr(err.msg, "unexpected argument 'ls'"));
}

static void test_parse_seconds(void **state)
{
	double v;

	(void)state;
	assert_int_equal(tt_parse_seconds("10", &v), 0);
	assert_true(v == 10);
	assert_int_equal(tt_parse_seconds("2.5s", &v), 0);
	assert_true(v == 2.5);
	assert_int_equal(tt_parse_seconds("250ms", &v), 0);
	assert_true(v > 0.2499 && v < 0.2501);
	assert_int_equal(tt_parse_seconds("2m", &v), 0);
	assert_true(v == 120);
	assert_int_equal(tt_parse_seconds("1h", &v), 0);
	assert_true(v == 3600);
	assert_int_equal(tt_parse_seconds("", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("5x", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("-1", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("nan", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("inf", &v), -EINVAL);
	/* decimal only: strtod's hex, exponents, signs and spaces are not durations */
	assert_int_equal(tt_parse_seconds("0x10", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("1e3", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("+1", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds(" 1", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds(".", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("ms", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds(".5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(tt_parse_seconds("30d", &v), 0);
	assert_true(v == 30 * 86400.0);
	assert_int_equal(tt_parse_seconds("365d", &v), 0);
	assert_true(v == TT_MAX_SECONDS);
	assert_int_equal(tt_parse_seconds("366d", &v), -ERANGE);
	assert_int_equal(tt_parse_seconds("1e308h", &v), -EINVAL);
	assert_int_equal(tt_parse_seconds("99999999999999999999999", &v), -ERANGE);
}

static void test_poll_timeout(void **state)
{
	(void)state;
	assert_int_equal(tt_poll_timeout_ms(INFINITY, 5, -1), -1);
	assert_int_equal(tt_poll_timeout_ms(INFINITY, 5, 100), 100);
	assert_int_equal(tt_poll_timeout_ms(5.0015, 5, -1), 2);	/* rounded up, never early */
	assert_int_equal(tt_poll_timeout_ms(4, 5, -1), 0);		/* past due */
	assert_int_equal(tt_poll_timeout_ms(10, 5, 100), 100);
	/* 30 days is past INT_MAX ms (24.8 days): capped, not wrapped negative (wait forever) */
	assert_int_equal(tt_poll_timeout_ms(30 * 86400.0, 0, -1), INT_MAX);
	assert_int_equal(tt_poll_timeout_ms(TT_MAX_SECONDS, 0, -1), INT_MAX);
}

static void test_too_many_pids(void **state)
{
	char *argv[2 * TT_MAX_CLI_PIDS + 4];
	char bufs[TT_MAX_CLI_PIDS + 1][12];
	struct tt_common_opts o;
	struct tt_error err;
	struct ctx x;
	int i, n = 0;

	(void)state;
	argv[n++] = "t";
	for (i = 0; i <= TT_MAX_CLI_PIDS; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "%d", i + 1);
		argv[n++] = "-p";
		argv[n++] = bufs[i];
	}
	argv[n] = NULL;
	assert_int_equal(parse(&o, &x, &err, true, argv), -EINVAL);
	assert_non_null(strstr(err.msg, "at most"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_options),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_command_options),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_no_trace_cmd),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_dashdash_command),
		cmocka_unit_test(test_non_tracing_command),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_poll_timeout),
		cmocka_unit_test(test_too_many_pids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
