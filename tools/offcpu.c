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
#include "stackprof.h"
#include "tracetool/profile.h"
#include "offcpu.skel.h"	/* after the header: it names its structs */

const char tt_offcpu_usage[] =
	"Usage: tracetool offcpu [OPTIONS] [-- CMD ARGS...]\n"
	"\n"
	"Off-CPU time by stack: at each context switch the thread that blocks (it\n"
	"leaves the CPU voluntarily: sleep, lock, I/O wait; preemption is not\n"
	"counted) has its stacks and the time recorded; when it runs again the\n"
	"blocked time is added to its stack in the kernel. Values are microseconds\n"
	"(from blocking to running again, so run-queue wait after the wakeup is\n"
	"included). A thread still blocked at a report shows with the time so far.\n"
	"Hook: sched_switch, tp_btf with raw_tp fallback. User stacks need frame\n"
	"pointers: see `tracetool profile --help`.\n"
	"\n"
	"Options:\n"
	"      --min-block USEC  ignore blocks shorter than USEC microseconds (default 1)\n"
	"      --user-only     user stacks only\n"
	"      --kernel-only   kernel stacks only\n"
	"      --addrs         show unresolved frames as addresses, not [unknown]\n"
	"      --max-stacks N  distinct stacks kept in the kernel (default 8192); past\n"
	"                      that, blocks are counted as lost (map_full), as are\n"
	"                      blocks past 16384 threads blocked at once\n"
	"  -p, --pid PID       only this process (repeatable, or a comma list)\n"
	"  -c, --comm NAME     only tasks with this command name\n"
	"      --cgroup PATH   only tasks in this cgroup v2 directory or below it\n"
	"  -d, --duration SEC  stop after SEC (10, 2.5s, 500ms, 1m); default: Ctrl-C\n"
	"  -i, --interval SEC  print a profile every SEC, covering that interval\n"
	"      --top N         text: at most N stacks (default 20)\n"
	"  -f, --format FMT    text (default), json or folded (values in microseconds)\n"
	"  -o, --output FILE   write the report to FILE\n"
	"      --dry-run       load and attach, then exit (checks the kernel supports it)\n"
	"      --hook KIND     use only this hook kind: tp_btf or raw_tp\n"
	"  -v, --verbose       timings, symbolization figures and libbpf messages\n"
	"  -h, --help          this help\n"
	"  -- CMD ARGS         run CMD and trace it and all its descendants until it exits\n"
	"\n"
	"Examples:\n"
	"  tracetool offcpu -p 1234 -d 10                    # where does it wait?\n"
	"  tracetool offcpu -c postgres --min-block 1000 -d 30 -f folded > off.folded\n"
	"  tracetool flamegraph --title 'off-CPU' -o off.svg off.folded\n"
	"  tracetool offcpu -f json -- ./client --requests 100\n";

enum {
	OPT_MIN_BLOCK = TT_OPT_CMD,
	OPT_USER_ONLY,
	OPT_KERNEL_ONLY,
	OPT_ADDRS,
	OPT_MAX_STACKS,
};

static const struct option offcpu_opts[] = {
	{ "min-block", required_argument, NULL, OPT_MIN_BLOCK },
	{ "user-only", no_argument, NULL, OPT_USER_ONLY },
	{ "kernel-only", no_argument, NULL, OPT_KERNEL_ONLY },
	{ "addrs", no_argument, NULL, OPT_ADDRS },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ 0 },
};

static const char *const offcpu_formats[] = { "text", "json", "folded", NULL };

struct offcpu_tool {
	struct offcpu_bpf *skel;
	struct tt_profile_config cfg;
	unsigned long max_stacks;
	bool addrs;
	int verbose;
	struct tt_stackprof sp;
	bool sp_ready;
};

static int offcpu_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct offcpu_tool *t = ctx;
	unsigned long v;

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
	case OPT_USER_ONLY:
		t->cfg.kernel_stacks = 0;
		return 0;
	case OPT_KERNEL_ONLY:
		t->cfg.user_stacks = 0;
		return 0;
	case OPT_ADDRS:
		t->addrs = true;
		return 0;
	case OPT_MAX_STACKS:
		if (tt_parse_uint(arg, 1 << 20, &t->max_stacks))
			return tt_error_set(err, -EINVAL, true, "--max-stacks: '%s' is not a count", arg);
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unknown option");
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
	ret = bpf_map__set_max_entries(t->skel->maps.stacks, (__u32)t->max_stacks);
	ret = ret ?: bpf_map__set_max_entries(t->skel->maps.counts,
						      (__u32)(2 * t->max_stacks + 1024));
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
	ret = tt_stackprof_init(&t->sp, t->skel->maps.counts, t->skel->maps.stacks,
				t->skel->maps.new_pids, "offcpu", "microseconds", 1000, t->addrs);
	if (!ret) {	/* threads still blocked at a report show too */
		tt_stackprof_set_spans(&t->sp, t->skel->maps.starts, t->cfg.min_block_ns);
		t->sp.tracepoint_stacks = true;	/* taken in sched_switch */
	}
	t->sp_ready = !ret;
	return ret;
}

static int offcpu_attach(void *priv)
{
	struct offcpu_tool *t = priv;

	return offcpu_bpf__attach(t->skel);
}

static void offcpu_set_ready(void *priv)
{
	struct offcpu_tool *t = priv;

	t->skel->bss->tt_ready = true;
}

static int offcpu_event_fd(void *priv)
{
	struct offcpu_tool *t = priv;

	return t->sp_ready ? tt_stackprof_event_fd(&t->sp) : -1;
}

static int offcpu_drain(void *priv, struct tt_report *sink)
{
	struct offcpu_tool *t = priv;

	(void)sink;
	return t->sp_ready ? tt_stackprof_drain(&t->sp) : 0;
}

static int offcpu_collect(void *priv, struct tt_report *r, bool next)
{
	struct offcpu_tool *t = priv;

	(void)next;	/* totals are never reset: every report shows the increase */
	return tt_stackprof_collect(&t->sp, r);
}

static void offcpu_close(void *priv)
{
	struct offcpu_tool *t = priv;

	if (t->sp_ready && t->verbose)
		tt_print_sym_stats("offcpu", &t->sp);
	if (t->sp_ready)
		tt_stackprof_release(&t->sp);
	t->sp_ready = false;
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
	.set_ready = offcpu_set_ready,
	.collect = offcpu_collect,
	.event_fd = offcpu_event_fd,
	.drain = offcpu_drain,
	.close = offcpu_close,
};

int cmd_offcpu(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct offcpu_tool t = { .max_stacks = 8192,
				 .cfg = { .user_stacks = 1, .kernel_stacks = 1,
					  .min_block_ns = 1000 } };
	struct tt_cli cli = {
		.cmd = cmd->name, .tracing = true, .allow_cmd = true, .formats = offcpu_formats,
		.extra = offcpu_opts, .on_opt = offcpu_opt, .ctx = &t,
	};
	struct tt_common_opts o = {};
	struct tt_error err;
	int ret;

	ret = tt_cli_parse(&cli, argc, argv, &o, &err);
	if (ret != TT_CLI_RUN)
		return tt_cli_outcome(cmd, ret, &err);
	if (!t.cfg.user_stacks && !t.cfg.kernel_stacks) {
		tt_error_set(&err, -EINVAL, true, "--user-only and --kernel-only exclude each other");
		return tt_cli_outcome(cmd, -EINVAL, &err);
	}
	t.verbose = o.verbose;
	return tt_run_tracer(cmd, &offcpu_ops, &t, &o, &err);
}
