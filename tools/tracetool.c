// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main: the command table, prefix matching of command names, global
 * --help/--version, libbpf message routing and the final check that
 * stdout was written completely.  Only main chooses the exit status.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "commands.h"
#include "registry.h"
#include "version.h"

const struct tt_cmd tt_commands[] = {
	{ "syscalls", NULL, NULL, NULL, true, &tt_syscalls_tracer },
	{ "profile", NULL, NULL, NULL, true, &tt_profile_tracer },
	{ "offcpu", NULL, NULL, NULL, true, &tt_offcpu_tracer },
	{ "tcp", NULL, NULL, NULL, true, &tt_tcp_tracer },
	{ "requests", NULL, NULL, NULL, true, &tt_requests_tracer },
	{ "list", "commands, and the hook types this kernel supports", tt_list_usage, cmd_list,
	  false, NULL },
	{ "flamegraph", "folded stacks to an interactive SVG flame graph", tt_flamegraph_usage,
	  cmd_flamegraph, false, NULL },
	{ "report", "read saved JSON reports back, merge them, render in any format",
	  tt_report_usage, cmd_report, false, NULL },
	{ "serve", tt_serve_summary, NULL, cmd_serve, true, NULL },
	{ "record", "trace a command (or a window) N times, write a bundle for compare",
	  tt_record_usage, cmd_record, true, NULL },
	{ "compare", "the CI regression gate: two bundles of runs, exact statistics, verdicts",
	  tt_compare_usage, cmd_compare, false, NULL },
};
const size_t tt_ncommands = sizeof(tt_commands) / sizeof(tt_commands[0]);
const char tt_version[] = TT_VERSION;

const char *tt_cmd_summary(const struct tt_cmd *cmd)
{
	return cmd->tracer ? cmd->tracer->summary : cmd->summary;
}

static int verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && verbosity < 2)
		return 0;
	if (verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void tt_set_verbose(int level)
{
	verbosity = level;
}

int tt_fail(const struct tt_cmd *cmd, const struct tt_error *err)
{
	fprintf(stderr, "tracetool %s: %s\n", cmd->name, err->msg);
	return err->usage ? TT_EXIT_USAGE : TT_EXIT_FAIL;
}

int tt_cli_outcome(const struct tt_cmd *cmd, int parsed, const struct tt_error *err)
{
	if (parsed == TT_CLI_HELP) {
		fputs(cmd->usage, stdout);
		return TT_EXIT_OK;
	}
	if (parsed == TT_CLI_VERSION) {
		printf("tracetool %s\n", TT_VERSION);
		return TT_EXIT_OK;
	}
	fprintf(stderr, "tracetool %s: %s\nTry 'tracetool %s --help'.\n", cmd->name, err->msg,
		cmd->name);
	return TT_EXIT_USAGE;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: tracetool COMMAND [OPTIONS] [-- CMD ARGS...]\n"
		   "       tracetool TRACER [TRACER...] [OPTIONS] [-- CMD ARGS...]\n\n"
		   "eBPF tracing for production hosts and CI: latency histograms, TCP events,\n"
		   "per-request timings and stack profiles, from tracepoints and perf events.\n\n"
		   "Commands (any unique prefix works):\n");
	for (i = 0; i < tt_ncommands; i++)
		fprintf(f, "  %-11s %s\n", tt_commands[i].name, tt_cmd_summary(&tt_commands[i]));
	fprintf(f, "\nCommon options: -p PID, -c COMM, --cgroup PATH, -d SEC, -i SEC, -f FMT, -o FILE,\n"
		   "-v, -h; `tracetool COMMAND --help` shows each command's options and examples.\n\n"
		   "Examples:\n"
		   "  tracetool syscalls -d 5                 # system-wide syscall latency for 5 s\n"
		   "  tracetool syscalls -- make -j2          # a command and its children\n"
		   "  tracetool syscalls tcp requests -d 10 -f json  # three tracers, one report\n"
		   "  tracetool tcp --port 443                # retransmits and resets, live\n"
		   "  tracetool requests -c nginx -i 10       # HTTP latency by route, every 10 s\n"
		   "  tracetool profile -d 10 -f folded | tracetool flamegraph -o cpu.svg\n"
		   "  tracetool report a.json b.json          # saved JSON reports, merged\n"
		   "  tracetool serve                         # Prometheus endpoint on 127.0.0.1:9436\n"
		   "  tracetool list                          # what this kernel supports\n\n"
		   "Exit status: 0 success, 1 runtime failure, 2 usage or input error.\n");
}

const struct tt_cmd *tt_find_cmd(const char *name, bool *ambiguous)
{
	const struct tt_cmd *found = NULL;
	size_t i, n = strlen(name);

	*ambiguous = false;
	for (i = 0; i < tt_ncommands; i++) {
		if (!strcmp(tt_commands[i].name, name))
			return &tt_commands[i];
		if (!strncmp(tt_commands[i].name, name, n)) {
			if (found)
				*ambiguous = true;
			found = &tt_commands[i];
		}
	}
	return *ambiguous ? NULL : found;
}

/*
 * `tracetool TRACER [TRACER...] [OPTIONS]`: the words after the first
 * tracer up to the first option name more tracers (exact names or unique
 * prefixes); tracers take no operands, so any other word is an error.
 */
static int run_tracers(const struct tt_cmd *first, int argc, char **argv)
{
	const struct tt_tracer_def *defs[TT_SESSION_MAX_TRACERS] = { first->tracer };
	size_t n = 1, i;
	int k;

	for (k = 1; k < argc && argv[k][0] != '-'; k++) {
		bool ambiguous;
		const struct tt_cmd *c = tt_find_cmd(argv[k], &ambiguous);

		if (!c || !c->tracer) {
			fprintf(stderr, "tracetool %s: '%s' is not a tracer%s\nTry 'tracetool --help'.\n",
				first->name, argv[k], ambiguous ? " (ambiguous prefix)" : "");
			return TT_EXIT_USAGE;
		}
		for (i = 0; i < n && defs[i] != c->tracer; i++)
			;
		if (i < n) {
			fprintf(stderr, "tracetool %s: tracer '%s' is named twice\n", first->name,
				c->name);
			return TT_EXIT_USAGE;
		}
		if (n == TT_SESSION_MAX_TRACERS) {
			fprintf(stderr, "tracetool %s: at most %d tracers\n", first->name,
				TT_SESSION_MAX_TRACERS);
			return TT_EXIT_USAGE;
		}
		defs[n++] = c->tracer;
	}
	/* the last tracer name becomes argv[0] of the option parser */
	return tt_run_tracers(defs, n, argc - (k - 1), argv + (k - 1));
}

/* A short write to stdout (full disk, closed pipe) is a failure, never silent. */
static int finish_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tracetool: error writing output: %s\n", strerror(errno));
		return TT_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct tt_cmd *cmd;
	bool ambiguous;

	/*
	 * libbpf parses the 5 MB vmlinux BTF while loading and frees it after:
	 * a fixed mmap threshold hands that memory back to the kernel instead
	 * of keeping it in the heap for the whole run.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	libbpf_set_print(libbpf_print);

	if (argc < 2) {
		usage(stderr);
		return TT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish_stdout(TT_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tracetool %s\n", TT_VERSION);
		return finish_stdout(TT_EXIT_OK);
	}
	cmd = tt_find_cmd(argv[1], &ambiguous);
	if (!cmd) {
		fprintf(stderr, "tracetool: %s command '%s'\nTry 'tracetool --help'.\n",
			ambiguous ? "ambiguous" : "unknown", argv[1]);
		return TT_EXIT_USAGE;
	}
	if (cmd->tracer)
		return finish_stdout(run_tracers(cmd, argc - 1, argv + 1));
	return finish_stdout(cmd->run(cmd, argc - 1, argv + 1));
}
