/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The command table shared by main and the commands: each command is a
 * thin layer over libtracetool that parses its options, runs, and returns
 * an exit status (0 ok, 1 runtime failure, 2 usage or input error).
 */
#ifndef TT_COMMANDS_H
#define TT_COMMANDS_H

#include "cli.h"

enum tt_exit {
	TT_EXIT_OK = 0,
	TT_EXIT_FAIL = 1,
	TT_EXIT_USAGE = 2,
};

struct tt_cmd {
	const char *name;
	const char *summary;	/* one line for `tracetool --help` and `list` */
	const char *usage;	/* full --help text, examples included */
	int (*run)(const struct tt_cmd *cmd, int argc, char **argv);
	bool needs_bpf;		/* loads BPF programs (root / CAP_BPF) */
};

extern const struct tt_cmd tt_commands[];
extern const size_t tt_ncommands;

/* Report a failure once on stderr and map it to an exit status. */
int tt_fail(const struct tt_cmd *cmd, const struct tt_error *err);
/* Handle the non-run outcomes of tt_cli_parse (help, version, usage error). */
int tt_cli_outcome(const struct tt_cmd *cmd, int parsed, const struct tt_error *err);
/*
 * Run a parsed tracing command through the session: -v timings on stderr,
 * the one-line error, the --dry-run line.  Returns the exit status; `err`
 * keeps a failure for a command that adds a hint.
 */
int tt_run_tracer(const struct tt_cmd *cmd, const struct tt_tracer_ops *ops, void *priv,
		  const struct tt_common_opts *o, struct tt_error *err);
/* Route libbpf's messages: shown only at -v. */
void tt_set_verbose(int level);

int cmd_syscalls(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_list(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_flamegraph(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_report(const struct tt_cmd *cmd, int argc, char **argv);

int cmd_profile(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_offcpu(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_tcp(const struct tt_cmd *cmd, int argc, char **argv);

struct tt_stackprof;
/* -v figures of a stack tracer's symbolizer, on stderr (tools/profile.c). */
void tt_print_sym_stats(const char *cmd, const struct tt_stackprof *sp);
int cmd_requests(const struct tt_cmd *cmd, int argc, char **argv);

extern const char tt_syscalls_usage[];
extern const char tt_list_usage[];
extern const char tt_profile_usage[];
extern const char tt_offcpu_usage[];
extern const char tt_flamegraph_usage[];
extern const char tt_report_usage[];
extern const char tt_tcp_usage[];
extern const char tt_requests_usage[];

#endif /* TT_COMMANDS_H */
