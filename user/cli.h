/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Command-line parsing shared by every command: the common options of
 * DESIGN §4 (same letters everywhere) plus a command's own options, handed
 * to the command through a callback.  Knows no command by name.
 */
#ifndef TT_CLI_H
#define TT_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "duration.h"
#include "error.h"
#include "options.h"
#include "session.h"	/* enum tt_hook names for --hook */

/* Keys of long-only options; commands number theirs from TT_OPT_CMD. */
enum {
	TT_OPT_CGROUP = 256,
	TT_OPT_VERSION,
	TT_OPT_HIST,
	TT_OPT_TOP,
	TT_OPT_DRY_RUN,
	TT_OPT_HOOK,
	TT_OPT_NO_TRACE_CMD,
	TT_OPT_CMD = 512,
};

enum tt_cli_result {
	TT_CLI_RUN = 0,		/* options parsed: run the command */
	TT_CLI_HELP = 1,	/* -h/--help given */
	TT_CLI_VERSION = 2,	/* --version given */
};

struct tt_cli {
	const char *cmd;		/* command name, for messages */
	bool tracing;			/* accepts the tracing options (-p -c --cgroup -d -i --hist ...) */
	bool allow_cmd;			/* accepts -- CMD ARGS */
	/*
	 * Accepts operands (input files) anywhere among the options; they land
	 * in o->operands.  "--" ends the options.  Not with allow_cmd.
	 */
	bool operands;
	/*
	 * Accepted -f values, NULL-terminated; NULL = text, json.  An empty
	 * list ({ NULL }): the command has one output format and rejects -f.
	 */
	const char *const *formats;
	const struct option *extra;	/* the command's own long options, {0} terminated */
	const char *extra_shorts;	/* the command's own short options, getopt syntax ("F:"), or NULL */
	/* Handle one of `extra`; 0 or -EINVAL with err filled (usage). */
	int (*on_opt)(void *ctx, int key, const char *arg, struct tt_error *err);
	void *ctx;
};

/*
 * Parse argv (argv[0] is the command name) into `o`, which must be
 * zero-initialised.  Returns enum tt_cli_result, or -EINVAL with err filled
 * (err->usage set) for a usage error.
 */
int tt_cli_parse(const struct tt_cli *c, int argc, char **argv, struct tt_common_opts *o,
		 struct tt_error *err);

/*
 * Call `fn` for each item of a comma-separated list (a repeatable option's
 * value).  Stops at the first error and returns it; 0 when all went well.
 */
int tt_cli_each_item(const char *list, int (*fn)(void *ctx, const char *item, struct tt_error *err),
		     void *ctx, struct tt_error *err);

/*
 * Is `pid` a kernel thread (PF_KTHREAD in /proc/PID/stat)?  Its name goes to
 * `comm` (TT_COMM_LEN bytes).  False when it is not, or cannot be read.
 */
bool tt_is_kernel_thread(pid_t pid, char *comm);

/*
 * Input operands read once each: "-" (stdin) twice, or one regular file
 * named twice (two spellings, or a glob that also caught an earlier output),
 * is a usage error in `err` (-EINVAL); else 0.
 */
int tt_cli_inputs_distinct(char *const *paths, int n, struct tt_error *err);

/* Parse a positive integer no larger than `max`. 0 or -EINVAL. */
int tt_parse_uint(const char *s, unsigned long max, unsigned long *out);

#endif /* TT_CLI_H */
