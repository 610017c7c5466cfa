// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool offcpu`: time threads spend blocked, by stack, from the
 * sched_switch tracepoint (tp_btf, falling back to raw_tp); see
 * bpf/offcpu.bpf.c.  Values are microseconds.  This file holds the options
 * and hands the maps to user/stackprof.c, which symbolizes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "commands.h"
#include "registry.h"
#include "stacktool.h"
#include "tracetool/profile.h"
#include "offcpu.skel.h"	/* after the header: it names its structs */

static const char offcpu_description[] =
	"Off-CPU time by stack: at each context switch the thread that blocks (it\n"
	"leaves the CPU in a sleeping state: sleep, lock, I/O wait; preemption and\n"
	"sched_yield, which leave it runnable, are not counted) has its stacks and\n"
	"the time recorded; its wakeup ends the block, and when it runs again the\n"
	"blocked time is added to its stack in the kernel. Values are microseconds\n"
	"from blocking to the wakeup: the wait for a CPU after the wakeup (run-queue\n"
	"latency) is not blocked time; --state 0 counts it, with the waits of\n"
	"preempted threads. A thread still blocked at a report shows with the time\n"
	"so far. Hooks: sched_switch and sched_wakeup, tp_btf with raw_tp fallback.\n"
	"User stacks need frame pointers: see `tracetool profile --help`.\n";

static const char offcpu_examples[] =
	"  tracetool offcpu -p 1234 -d 10                    # where does it wait?\n"
	"  tracetool offcpu -c postgres --min-block 1000 -d 30 -f folded > off.folded\n"
	"  tracetool flamegraph --title 'off-CPU' -o off.svg off.folded\n"
	"  tracetool offcpu -f json -- ./client --requests 100\n";

enum {
	OPT_MIN_BLOCK = TT_OPT_CMD,
	OPT_STATE,
};

static const struct tt_optdef offcpu_opts[] = {
	{ "min-block", 0, "USEC", OPT_MIN_BLOCK,
	  "ignore blocks shorter than USEC microseconds (default 1;\n"
	  "from blocking to the wakeup; with --state 0, of the wait\n"
	  "for a CPU)", "0-3600000000" },
	{ "state", 0, "MASK", OPT_STATE, "count only threads leaving in these task states, a\n"
	  "bitmask: 1 sleeping (S), 2 uninterruptible (D), ...; 0: time\n"
	  "waiting for a CPU instead (preempted or yielding threads,\n"
	  "blocked ones from their wakeup). Default: every sleeping\n"
	  "state", "0-4294967295" },
	TT_OPTDEFS_STACK,
	{ 0 },
};

static const char *const offcpu_formats[] = { "text", "json", "folded", NULL };

struct offcpu_tool {
	struct tt_stack_tool st;	/* first: the tt_stack_tool_* ops take this priv */
	struct offcpu_bpf *skel;
	struct tt_profile_config cfg;
	int verbose;
};

static int offcpu_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct offcpu_tool *t = ctx;
	unsigned long v;
	int ret;

	switch (key) {
	case OPT_MIN_BLOCK:
		if (!strcmp(arg, "0")) {
			t->cfg.min_block_ns = 0;
			return 0;
		}
		if (tt_parse_uint(arg, 3600UL * 1000000, &v))
			return tt_error_set(err, -EINVAL, true,
					    "--min-block: '%s' is not a number of microseconds", arg);
		t->cfg.min_block_ns = (__u64)v * 1000;
		return 0;
	case OPT_STATE:
		if (strcmp(arg, "0") && tt_parse_uint(arg, 0xffffffffUL, &v))
			return tt_error_set(err, -EINVAL, true,
					    "--state: '%s' is not a task state bitmask", arg);
		t->cfg.has_states = 1;
		t->cfg.states = strcmp(arg, "0") ? (__u32)v : 0;
		return 0;
	}
	ret = tt_stack_tool_opt(&t->st, &t->cfg, key, arg, err);
	return ret != -ENOENT ? ret : tt_error_set(err, -EINVAL, true, "unknown option");
}

/*
 * --state as a measurement option (struct tt_measure): "sleeping" for the
 * default, which counts every sleeping state (as a mask of every bit
 * would), "0" for run-queue waits, else the mask in decimal.
 */
static void state_value(const struct tt_profile_config *cfg, char *buf, size_t len)
{
	if (!cfg->has_states || cfg->states == 0xffffffffu)
		snprintf(buf, len, "sleeping");
	else
		snprintf(buf, len, "%u", cfg->states);
}

static const char *offcpu_measure_note(const char *key, const char *value, char *buf,
				       size_t len)
{
	if (!strcmp(key, "state")) {
		if (!strcmp(value, "sleeping"))
			return "blocked time, to the wakeup";
		if (!strcmp(value, "0"))
			return "run-queue waits";
		snprintf(buf, len, "blocked time in task states %s, to the wakeup", value);
		return buf;
	}
	if (!strcmp(key, "min-block")) {
		snprintf(buf, len, "spans of %s us or more", value);
		return buf;
	}
	return NULL;
}

/* The stacks, and the options that say what their values are. */
static int offcpu_collect(void *priv, struct tt_report *r)
{
	struct offcpu_tool *t = priv;
	char buf[32];
	int ret;

	state_value(&t->cfg, buf, sizeof(buf));
	ret = tt_tracer_set_measure(&tt_offcpu_tracer, r, "state", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(t->cfg.min_block_ns / 1000));
	ret = ret ?: tt_tracer_set_measure(&tt_offcpu_tracer, r, "min-block", buf);
	return ret ?: tt_stack_tool_collect(priv, r);
}

static struct bpf_object *offcpu_open(void *priv, enum tt_hook hook,
				      const struct tt_common_opts *o,
				      const struct tt_filter *filter)
{
	struct offcpu_tool *t = priv;
	int ret;

	(void)hook;
	(void)o;
	t->skel = offcpu_bpf__open();
	if (!t->skel)
		return NULL;
	t->cfg.filter = *filter;
	t->skel->rodata->cfg = t->cfg;
	ret = tt_stack_tool_size_maps(&t->st, t->skel->maps.stacks, t->skel->maps.counts,
				      t->skel->maps.fp_ok);
	if (ret) {
		offcpu_bpf__destroy(t->skel);
		t->skel = NULL;
		errno = -ret;
		return NULL;
	}
	return t->skel->obj;
}

static int offcpu_load(void *priv)
{
	struct offcpu_tool *t = priv;
	int ret = offcpu_bpf__load(t->skel);

	if (ret)
		return ret;
	ret = tt_stack_tool_init(&t->st, t->skel->maps.counts, t->skel->maps.stacks,
				 t->skel->maps.new_pids, "offcpu", "microseconds", 1000);
	if (!ret) {	/* threads still blocked at a report show too */
		tt_stackprof_set_spans(&t->st.sp, t->skel->maps.starts, t->cfg.min_block_ns);
		t->st.sp.tracepoint_stacks = true;	/* taken in sched_switch */
	}
	if (!ret && t->cfg.kernel_stacks && tt_syms_kernel_hidden(t->st.sp.syms))
		fprintf(stderr, "tracetool offcpu: %s\n", tt_syms_kernel_hidden(t->st.sp.syms));
	return ret;
}

static int offcpu_attach(void *priv)
{
	struct offcpu_tool *t = priv;

	return offcpu_bpf__attach(t->skel);
}

static void offcpu_close(void *priv)
{
	struct offcpu_tool *t = priv;

	if (t->st.sp_ready && t->verbose)
		tt_print_sym_stats("offcpu", &t->st.sp);
	tt_stack_tool_release(&t->st);
	offcpu_bpf__destroy(t->skel);
	t->skel = NULL;
}

static const enum tt_hook offcpu_hooks[] = { TT_HOOK_TP_BTF, TT_HOOK_RAW_TP, TT_HOOK_NR };

static const struct tt_tracer_ops offcpu_ops = {
	.name = "offcpu",
	.hooks = offcpu_hooks,
	.open = offcpu_open,
	.load = offcpu_load,
	.attach = offcpu_attach,
	.collect = offcpu_collect,
	.event_fd = tt_stack_tool_event_fd,
	.drain = tt_stack_tool_drain,
	.close = offcpu_close,
};

static void *offcpu_create(void)
{
	struct offcpu_tool *t = calloc(1, sizeof(*t));

	if (t)
		t->cfg = (struct tt_profile_config){ .user_stacks = 1, .kernel_stacks = 1,
						     .min_block_ns = 1000 };
	return t;
}

static int offcpu_check(void *priv, const struct tt_common_opts *o, struct tt_error *err)
{
	struct offcpu_tool *t = priv;

	t->verbose = o->verbose;
	return tt_stack_tool_check(&t->cfg, err);
}

const struct tt_tracer_def tt_offcpu_tracer = {
	.name = "offcpu",
	.summary = "off-CPU (blocked) time by stack, from sched_switch",
	.description = offcpu_description,
	.examples = offcpu_examples,
	.opts = offcpu_opts,
	.formats = offcpu_formats,
	.ops = &offcpu_ops,
	.create = offcpu_create,
	.opt = offcpu_opt,
	.check = offcpu_check,
	.measure_note = offcpu_measure_note,
};
