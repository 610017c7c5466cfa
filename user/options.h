/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The common options of DESIGN §4 as parsed (user/cli.c) and handed to a
 * session: the same letters in every command.
 */
#ifndef TT_OPTIONS_H
#define TT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tracetool/common.h"

#define TT_MAX_CLI_PIDS 64

/* The common options of DESIGN §4, same letters in every command. */
struct tt_common_opts {
	pid_t pids[TT_MAX_CLI_PIDS];	/* -p, repeatable */
	size_t npids;
	char comm[TT_COMM_LEN];		/* -c; empty = any */
	const char *cgroup;		/* --cgroup PATH (cgroup v2 directory) */
	double duration;		/* -d seconds; 0 = until Ctrl-C or CMD exits */
	double interval;		/* -i seconds; 0 = one report at the end */
	const char *format;		/* -f text|json */
	const char *output;		/* -o FILE; NULL = stdout */
	int verbose;			/* -v, repeatable */
	bool hist;			/* --hist: histogram bars in text output */
	size_t top;			/* --top N rows per table */
	bool dry_run;			/* --dry-run: load and attach, then stop */
	const char *hook;		/* --hook KIND: only this hook kind (tests, old kernels) */
	char **cmd;			/* -- CMD ARGS: NULL-terminated, or NULL */
	/*
	 * --no-trace-cmd: CMD is the load or the timer, not traced (as perf's
	 * -p with a command): only -p, -c and --cgroup select what is traced.
	 */
	bool no_trace_cmd;
	char **operands;		/* operands (struct tt_cli.operands), or NULL */
	int noperands;
	/*
	 * Not an option: serve's fold table (tt_fold_slots, TT_HIST_NSLOTS
	 * entries), which tracers reading a struct tt_store hand to it; NULL
	 * elsewhere.
	 */
	const uint16_t *fold_slots;
};

#endif /* TT_OPTIONS_H */
