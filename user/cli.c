// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Common option parsing: one getopt_long table built from the common
 * options and the command's own, so every command spells -p, -c, -d, -i,
 * -f, -o, -v the same way.  Parsing stops at the first non-option; only
 * `-- CMD ARGS` may follow the options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const struct option common_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "cgroup", required_argument, NULL, TT_OPT_CGROUP },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "hist", no_argument, NULL, TT_OPT_HIST },
	{ "top", required_argument, NULL, TT_OPT_TOP },
	{ "dry-run", no_argument, NULL, TT_OPT_DRY_RUN },
	{ "hook", required_argument, NULL, TT_OPT_HOOK },
	{ "no-trace-cmd", no_argument, NULL, TT_OPT_NO_TRACE_CMD },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, TT_OPT_VERSION },
};

#define NCOMMON (sizeof(common_opts) / sizeof(common_opts[0]))

static bool is_tracing_opt(int key)
{
	return key == 'p' || key == 'c' || key == 'd' || key == 'i' || key == TT_OPT_CGROUP ||
	       key == TT_OPT_HIST || key == TT_OPT_TOP || key == TT_OPT_DRY_RUN || key == TT_OPT_HOOK ||
	       key == TT_OPT_NO_TRACE_CMD;
}

int tt_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

bool tt_is_kernel_thread(pid_t pid, char *comm)
{
	char path[64], buf[512], *open, *close;
	unsigned long flags;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold ')' */
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open ||
	    sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	snprintf(comm, TT_COMM_LEN, "%.*s", (int)(close - open - 1), open + 1);
	return flags & 0x00200000;	/* PF_KTHREAD, include/linux/sched.h */
}

int tt_cli_each_item(const char *list, int (*fn)(void *ctx, const char *item, struct tt_error *err),
		     void *ctx, struct tt_error *err)
{
	char *copy = strdup(list), *tok, *next;
	int ret = 0;

	if (!copy)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	/*
	 * Empty items are handed to `fn` too, which rejects them: `-p ''` (say
	 * from an empty $(pidof app)) must not drop the filter and trace the host.
	 */
	for (tok = copy; tok && !ret; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = 0;
		ret = fn(ctx, tok, err);
	}
	free(copy);
	return ret;
}

static int add_pid(void *ctx, const char *tok, struct tt_error *err)
{
	struct tt_common_opts *o = ctx;
	unsigned long v;

	if (!*tok)
		return tt_error_set(err, -EINVAL, true, "-p: an empty process id (is the list "
				    "empty, e.g. from $(pidof) of a process that is not running?)");
	if (tt_parse_uint(tok, 4194304, &v))
		return tt_error_set(err, -EINVAL, true, "-p: '%s' is not a process id", tok);
	if (o->npids == TT_MAX_CLI_PIDS)
		return tt_error_set(err, -EINVAL, true, "-p: at most %d processes", TT_MAX_CLI_PIDS);
	o->pids[o->npids++] = (pid_t)v;
	return 0;
}

static bool format_ok(const struct tt_cli *c, const char *f)
{
	static const char *const def[] = { "text", "json", NULL };
	const char *const *p;

	for (p = c->formats ? c->formats : def; *p; p++)
		if (!strcmp(*p, f))
			return true;
	return false;
}

static int common_opt(const struct tt_cli *c, int key, const char *arg,
		      struct tt_common_opts *o, struct tt_error *err)
{
	unsigned long v;

	switch (key) {
	case 'p':
		return tt_cli_each_item(arg, add_pid, o, err);
	case 'c':
		if (strlen(arg) >= TT_COMM_LEN || !*arg)
			return tt_error_set(err, -EINVAL, true,
					    "-c: '%s': a comm is 1 to %d characters (the kernel "
					    "truncates longer names)", arg, TT_COMM_LEN - 1);
		snprintf(o->comm, sizeof(o->comm), "%s", arg);
		return 0;
	case TT_OPT_CGROUP:
		if (!*arg)
			return tt_error_set(err, -EINVAL, true, "--cgroup: an empty path");
		o->cgroup = arg;
		return 0;
	case 'd':
		if (tt_parse_seconds(arg, &o->duration) || o->duration < 0.001)
			return tt_error_set(err, -EINVAL, true,
					    "-d: '%s' is not a duration from 1ms to 365d (e.g. 10, "
					    "2.5s, 500ms, 1m, 2h, 30d)", arg);
		return 0;
	case 'i':
		if (tt_parse_seconds(arg, &o->interval) || o->interval < 0.01)
			return tt_error_set(err, -EINVAL, true,
					    "-i: '%s' is not an interval from 10ms to 365d", arg);
		return 0;
	case TT_OPT_HIST:
		o->hist = true;
		return 0;
	case TT_OPT_TOP:
		if (tt_parse_uint(arg, 1000000, &v))
			return tt_error_set(err, -EINVAL, true, "--top: '%s' is not a positive count", arg);
		o->top = v;
		return 0;
	case TT_OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	case TT_OPT_NO_TRACE_CMD:
		o->no_trace_cmd = true;
		return 0;
	case TT_OPT_HOOK:
		if (!*arg)
			return tt_error_set(err, -EINVAL, true, "--hook: empty kind");
		o->hook = arg;	/* the kinds the named tracers offer are checked with them */
		return 0;
	case 'f':
		if (c->formats && !c->formats[0])
			return tt_error_set(err, -EINVAL, true,
					    "-f: this command has one output format, there is no -f");
		if (!format_ok(c, arg))
			return tt_error_set(err, -EINVAL, true, "-f: unknown format '%s'", arg);
		o->format = arg;
		return 0;
	case 'o':
		if (!*arg)
			return tt_error_set(err, -EINVAL, true, "-o: an empty file name");
		o->output = arg;
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unknown option");
}

int tt_cli_parse(const struct tt_cli *c, int argc, char **argv, struct tt_common_opts *o,
		 struct tt_error *err)
{
	struct option opts[NCOMMON + 64];
	char shorts[64] = "+:hvf:o:";
	const char *last_value = NULL;
	size_t n = 0, i;
	int key, ret;

	memset(err, 0, sizeof(*err));
	for (i = 0; i < NCOMMON; i++)
		if (c->tracing || !is_tracing_opt(common_opts[i].val))
			opts[n++] = common_opts[i];
	for (i = 0; c->extra && c->extra[i].name && n < NCOMMON + 63; i++)
		opts[n++] = c->extra[i];
	memset(&opts[n], 0, sizeof(opts[n]));
	if (c->tracing)
		strcat(shorts, "p:c:d:i:");
	if (c->extra_shorts) {
		if (strlen(shorts) + strlen(c->extra_shorts) >= sizeof(shorts))
			return tt_error_set(err, -E2BIG, false, "internal: too many short options");
		strcat(shorts, c->extra_shorts);
	}
	if (c->operands)
		memmove(shorts, shorts + 1, strlen(shorts));	/* no '+': operands anywhere */

	optind = 0;	/* 0, not 1: glibc re-reads the ordering (+ or not) of this optstring */
	opterr = 0;
	o->format = "text";
	while ((key = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		last_value = optarg;
		if (key == 'h')
			return TT_CLI_HELP;
		if (key == TT_OPT_VERSION)
			return TT_CLI_VERSION;
		if (key == '?') {
			const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

			/*
			 * A long option given a value it does not take: getopt sets
			 * optopt to the option's key, which is no character to print.
			 */
			if (!strncmp(arg, "--", 2) && eq && optopt)
				return tt_error_set(err, -EINVAL, true, "option '%.*s' takes no value",
						    (int)(eq - arg), arg);
			if (optopt && strncmp(arg, "--", 2))
				return tt_error_set(err, -EINVAL, true, "unknown option '-%c'", optopt);
			return tt_error_set(err, -EINVAL, true, "unknown option '%s'", arg);
		}
		if (key == ':')
			return tt_error_set(err, -EINVAL, true, "option '%s' needs a value",
					    argv[optind - 1]);
		if (key >= TT_OPT_CMD || (c->extra_shorts && key < 256 && strchr(c->extra_shorts, key))) {
			if (!c->on_opt)
				return tt_error_set(err, -EINVAL, true, "unexpected option");
			ret = c->on_opt(c->ctx, key, optarg, err);
		} else {
			ret = common_opt(c, key, optarg, o, err);
		}
		if (ret)
			return ret;
	}
	if (optind < argc && c->operands) {
		o->operands = &argv[optind];
		o->noperands = argc - optind;
	} else if (optind < argc) {
		if (!c->allow_cmd || strcmp(argv[optind - 1], "--"))
			return tt_error_set(err, -EINVAL, true, "unexpected argument '%s'%s",
					    argv[optind],
					    c->allow_cmd ? " (put a command to trace after --)" : "");
		o->cmd = &argv[optind];
	} else if (c->allow_cmd && optind > 1 && !strcmp(argv[optind - 1], "--") &&
		   argv[optind - 1] != last_value) {
		return tt_error_set(err, -EINVAL, true, "'--' is not followed by a command to run");
	}
	if (o->no_trace_cmd && !o->cmd)
		return tt_error_set(err, -EINVAL, true,
				    "--no-trace-cmd: there is no -- CMD to leave untraced");
	/* with no filter every process is traced, CMD too: the option would lie */
	if (o->no_trace_cmd && !o->npids && !o->comm[0] && !o->cgroup)
		return tt_error_set(err, -EINVAL, true,
				    "--no-trace-cmd needs -p, -c or --cgroup to say what is traced");
	if (o->interval > 0 && o->duration > 0 && o->interval > o->duration)
		return tt_error_set(err, -EINVAL, true, "-i %.3g is longer than -d %.3g",
				    o->interval, o->duration);
	return TT_CLI_RUN;
}

int tt_cli_inputs_distinct(char *const *paths, int n, struct tt_error *err)
{
	struct stat a, b;
	int i, k;

	for (i = 1; i < n; i++) {
		bool dash = !strcmp(paths[i], "-");

		if (!dash && (stat(paths[i], &a) || !S_ISREG(a.st_mode)))
			continue;
		for (k = 0; k < i; k++) {
			if (dash && !strcmp(paths[k], "-"))
				return tt_error_set(err, -EINVAL, true, "'-' (stdin) given twice");
			if (!dash && strcmp(paths[k], "-") && !stat(paths[k], &b) &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				return tt_error_set(err, -EINVAL, true,
						    "%s: the same file is given twice", paths[i]);
		}
	}
	return 0;
}
