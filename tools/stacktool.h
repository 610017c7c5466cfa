/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the stack tracers (tools/profile.c, tools/offcpu.c) share besides
 * user/stackprof: their common options, map sizing, and the
 * event_fd/drain/collect members of their ops.
 */
#ifndef TT_STACKTOOL_H
#define TT_STACKTOOL_H

#include <stdbool.h>

#include "cli.h"
#include "stackprof.h"
#include "tracetool/profile.h"

/* Keys of the shared stack options (a command numbers its own from TT_OPT_CMD). */
enum {
	TT_STACK_OPT_USER_ONLY = TT_OPT_CMD + 64,
	TT_STACK_OPT_KERNEL_ONLY,
	TT_STACK_OPT_ADDRS,
	TT_STACK_OPT_MAX_STACKS,
	TT_STACK_OPT_DEBUGINFOD,
};

#define TT_STACK_MAX_DEFAULT 8192

/*
 * The state a stack tracer command keeps besides its skeleton.  Put it
 * FIRST in the command's tool struct: the tt_stack_tool_* ops members
 * below then take the command's priv.
 */
struct tt_stack_tool {
	struct tt_stackprof sp;
	bool sp_ready;			/* sp initialised (after load) */
	bool addrs;			/* --addrs */
	bool debuginfod;		/* --debuginfod */
	unsigned long max_stacks;	/* --max-stacks */
	__u32 fp_ok_entries;		/* address spaces judged for --call-graph auto; 0: none */
};

/* A shared stack option: 0, -EINVAL with err filled, or -ENOENT if `key` is not one. */
int tt_stack_tool_opt(struct tt_stack_tool *st, struct tt_profile_config *cfg, int key,
		      const char *arg, struct tt_error *err);
/* After parsing: options that exclude each other.  0 or -EINVAL with err filled. */
int tt_stack_tool_check(const struct tt_profile_config *cfg, struct tt_error *err);
/*
 * Before load: the stack map, the aggregation map (two keys per stack, and
 * slack), and the fp_ok map of --call-graph auto (st->fp_ok_entries).
 */
int tt_stack_tool_size_maps(const struct tt_stack_tool *st, struct bpf_map *stacks,
			    struct bpf_map *counts, struct bpf_map *fp_ok);
/* After load: tt_stackprof_init with the tool's options.  0 or -errno. */
int tt_stack_tool_init(struct tt_stack_tool *st, struct bpf_map *counts, struct bpf_map *stacks,
		       struct bpf_map *new_pids, const char *name, const char *unit,
		       uint64_t divisor);
/* Release the profile state; idempotent. */
void tt_stack_tool_release(struct tt_stack_tool *st);

/* struct tt_tracer_ops members, for a priv whose first member is a struct tt_stack_tool. */
int tt_stack_tool_event_fd(void *priv);
int tt_stack_tool_drain(void *priv, struct tt_report *sink);
int tt_stack_tool_collect(void *priv, struct tt_report *r);

/* -v figures of a stack tracer's symbolizer, on stderr. */
void tt_print_sym_stats(const char *cmd, const struct tt_stackprof *sp);
/* -v figures of its user-space unwinder, if it has one, on stderr. */
void tt_print_unwind_stats(const char *cmd, const struct tt_stackprof *sp);

#endif /* TT_STACKTOOL_H */
