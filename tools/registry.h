/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracer registry: one entry per tracer with its name, summary, option
 * table (with help text and valid range), option parser, constructor and
 * destructor (no argv needed to create a tracer) and session ops.  Every
 * tracer command's --help, the multi-tracer command line
 * (`tracetool syscalls tcp requests -d 10`) and the registry test are built
 * on these tables.
 */
#ifndef TT_REGISTRY_H
#define TT_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

struct tt_report;

/* One option of a tracer, or one common option. */
struct tt_optdef {
	const char *name;	/* long name, without "--" */
	int short_name;		/* letter, or 0 */
	const char *arg;	/* argument name in help ("N", "PORT"); NULL: a flag */
	int key;		/* what the tracer's opt() receives (from TT_OPT_CMD, or the letter) */
	const char *help;	/* help text; '\n' starts a continuation line */
	const char *range;	/* valid values in words ("1-65535"), or NULL */
};

/*
 * Options several tracers take: one definition each, so the name has one
 * meaning and one type everywhere (tests/unit/test_registry.c checks every
 * pair of tracers).
 */
#define TT_OPTDEF_PORT(k)                                                                     \
	{ "port", 0, "PORT", k,                                                               \
	  "only connections whose local or peer port is PORT\n"                              \
	  "(repeatable or a comma list; tcp: at most 8, requests: one)", "1-65535" }
#define TT_OPTDEF_MAX_EVENTS(k)                                                               \
	{ "max-events", 0, "N", k,                                                            \
	  "events kept per report (default 100000; the JSON report\n"                         \
	  "holds them until it is written); more count as lost ringbuf", "1-1073741824" }
#define TT_OPTDEF_MAX_SERIES(k)                                                               \
	{ "max-series", 0, "N", k,                                                            \
	  "label sets kept in the kernel beyond the overflow series\n"                        \
	  "(default 4096); samples of later ones are counted in their\n"                      \
	  "metric's overflow series, labelled _other", "1-1046528" }
#define TT_OPTDEF_MAX_CELLS(k)                                                                \
	{ "max-cells", 0, "N", k,                                                             \
	  "histogram cells (series x buckets) of those label sets\n"                          \
	  "(default 65536; syscalls --by syscall: 4096); past that, a\n"                      \
	  "series' new buckets go to its overflow series (_other)", "1-16777216" }

/* The stack tracers' shared options (keys from tools/stacktool.h). */
#define TT_OPTDEFS_STACK                                                                      \
	{ "user-only", 0, NULL, TT_STACK_OPT_USER_ONLY, "user stacks only", NULL },           \
	{ "kernel-only", 0, NULL, TT_STACK_OPT_KERNEL_ONLY, "kernel stacks only", NULL },     \
	{ "addrs", 0, NULL, TT_STACK_OPT_ADDRS,                                               \
	  "show unresolved frames as addresses, not [unknown]", NULL },                       \
	{ "debuginfod", 0, NULL, TT_STACK_OPT_DEBUGINFOD,                                     \
	  "ask the servers of DEBUGINFOD_URLS for debug files not found\n"                   \
	  "locally (sends the build-ids of the binaries profiled; in a\n"                   \
	  "helper process; an answer names frames from the next report on).\n"             \
	  "Without it nothing is sent, whatever DEBUGINFOD_URLS says", NULL },               \
	{ "max-stacks", 0, "N", TT_STACK_OPT_MAX_STACKS,                                      \
	  "distinct stacks kept in the kernel (default 8192); past that,\n"                  \
	  "samples (offcpu: blocks, also past 16384 threads blocked at once)\n"              \
	  "are counted as lost (map_full)", "1-1048576" }

struct tt_tracer_def {
	const char *name;
	const char *summary;		/* one line for `tracetool --help` and `list` */
	const char *description;	/* the paragraphs of --help after the usage line */
	const char *examples;		/* the Examples: lines of --help */
	const char *cmd_help;		/* what -- CMD does for this tracer; NULL: trace it and its descendants */
	const struct tt_optdef *opts;	/* the tracer's own options, { 0 } terminated */
	const char *const *formats;	/* accepted -f values, NULL-terminated; NULL = text, json */
	const struct tt_tracer_ops *ops;
	/* A tracer with its defaults; NULL + errno. */
	void *(*create)(void);
	/* One of `opts` (by key); 0 or -EINVAL with err filled (usage). */
	int (*opt)(void *priv, int key, const char *arg, struct tt_error *err);
	/* Optional, after parsing: defaults that depend on other options, checks. 0 or -errno. */
	int (*check)(void *priv, const struct tt_common_opts *o, struct tt_error *err);
	/* Optional, after the run: -v figures and hints for a failure (`failed`), on stderr. */
	void (*finish)(void *priv, const struct tt_common_opts *o, bool failed);
	void (*destroy)(void *priv);	/* NULL: free(priv) */
	/*
	 * Optional: the text gloss (struct tt_measure's note) of the tracer's
	 * measurement option `key` = `value`, in `buf` or static; NULL for none.
	 */
	const char *(*measure_note)(const char *key, const char *value, char *buf, size_t len);
};

/* Every tracer, in `tracetool --help` order. */
extern const struct tt_tracer_def *const tt_tracers[];
extern const size_t tt_ntracers;

/* The common options (DESIGN §4) as --help lists them. */
extern const struct tt_optdef tt_common_optdefs[];

extern const struct tt_tracer_def tt_syscalls_tracer, tt_tcp_tracer, tt_requests_tracer,
	tt_profile_tracer, tt_offcpu_tracer;

/* The tracer named exactly `name`, or NULL. */
const struct tt_tracer_def *tt_tracer_find(const char *name);

/*
 * Record in `r` that `def`'s tracer ran with measurement option `key` =
 * `value`, with the note def->measure_note gives.  0 or -ENOMEM.
 */
int tt_tracer_set_measure(const struct tt_tracer_def *def, struct tt_report *r, const char *key,
			  const char *value);
/*
 * The notes of every measurement option of `r` whose tracer this build
 * knows (a report read back: the JSON carries no notes).  0 or -ENOMEM.
 */
int tt_tracers_note_measures(struct tt_report *r);

/* One option's help line(s), `extra` appended to its help text (NULL: none). */
void tt_optdef_help(const struct tt_optdef *d, const char *extra, FILE *out);

/* --help of one or several tracers named together, generated from the tables. */
void tt_tracers_help(const struct tt_tracer_def *const *defs, size_t n, FILE *out);

/*
 * The --hook help text of the named tracers: the kinds each offers, in the
 * order tried ("tp_btf or raw_tp\n(default: ...)"), into buf of len bytes.
 */
void tt_tracers_hooks_help(const struct tt_tracer_def *const *defs, size_t n, char *buf, size_t len);

/*
 * Parse argv (argv[0] is the first tracer's name) for the tracers `defs`:
 * each option goes to every named tracer that takes it; one no named tracer
 * takes is a usage error.  `privs[i]` are the tracers' states.  Returns
 * enum tt_cli_result or -errno with err filled.
 */
int tt_tracers_parse(const struct tt_tracer_def *const *defs, void *const *privs, size_t n,
		     int argc, char **argv, struct tt_common_opts *o, struct tt_error *err);

/*
 * Parse argv for `defs` (states `privs`) into `o`, then run each one's
 * check.  Help (printed by `help`) and --version are answered here, and
 * errors printed once as "tracetool NAME: ..." (usage: with a Try line).
 * Returns 1 to go on running, 0 when done, with the exit status in *status.
 */
int tt_tracers_setup(const struct tt_tracer_def *const *defs, void *const *privs, size_t n,
		     int argc, char **argv, struct tt_common_opts *o, const char *name,
		     void (*help)(const struct tt_tracer_def *const *defs, size_t n, FILE *out),
		     int *status);

/*
 * A command that runs tracers its own way (record): its options, parsed
 * along with the named tracers' (a tracer option of the same name is
 * shadowed), and the -f values it takes.
 */
struct tt_tracers_cmd {
	const char *name;		/* for messages: "record" */
	const struct tt_optdef *opts;	/* { 0 } terminated; keys go to opt() */
	int (*opt)(void *ctx, int key, const char *arg, struct tt_error *err);
	void *ctx;
	const char *const *formats;	/* -f values; NULL: the tracers'; { NULL }: no -f */
};

/* tt_tracers_parse with a command's own options (`cmd` may be NULL). */
int tt_tracers_parse_cmd(const struct tt_tracer_def *const *defs, void *const *privs, size_t n,
			 const struct tt_tracers_cmd *cmd, int argc, char **argv,
			 struct tt_common_opts *o, struct tt_error *err);

/* Free the tracer states `privs[0..n)` made by their defs' create (NULLs allowed); each set to NULL. */
void tt_tracers_destroy(const struct tt_tracer_def *const *defs, void **privs, size_t n);

/* `tracetool TRACER [TRACER...] [OPTIONS] [-- CMD]`: parse, run, report. Exit status. */
int tt_run_tracers(const struct tt_tracer_def *const *defs, size_t n, int argc, char **argv);

#endif /* TT_REGISTRY_H */
