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

struct tt_tracer_def;

struct tt_cmd {
	const char *name;
	const char *summary;	/* one line for `tracetool --help` and `list` (tracers: NULL) */
	const char *usage;	/* full --help text, examples included (tracers: NULL, generated) */
	int (*run)(const struct tt_cmd *cmd, int argc, char **argv);	/* tracers: NULL */
	bool needs_bpf;		/* loads BPF programs (root / CAP_BPF) */
	const struct tt_tracer_def *tracer;	/* a tracer of the registry (tools/registry.h) */
};

extern const struct tt_cmd tt_commands[];
extern const size_t tt_ncommands;
extern const char tt_version[];

/* The summary line of a command, a tracer's from the registry. */
const char *tt_cmd_summary(const struct tt_cmd *cmd);
/* Report a failure once on stderr and map it to an exit status. */
int tt_fail(const struct tt_cmd *cmd, const struct tt_error *err);
/* Handle the non-run outcomes of tt_cli_parse (help, version, usage error). */
int tt_cli_outcome(const struct tt_cmd *cmd, int parsed, const struct tt_error *err);
/* Route libbpf's messages: shown only at -v. */
void tt_set_verbose(int level);

int cmd_list(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_flamegraph(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_report(const struct tt_cmd *cmd, int argc, char **argv);
int cmd_serve(const struct tt_cmd *cmd, int argc, char **argv);

extern const char tt_list_usage[];
extern const char tt_flamegraph_usage[];
extern const char tt_report_usage[];
extern const char tt_serve_summary[];

#endif /* TT_COMMANDS_H */
