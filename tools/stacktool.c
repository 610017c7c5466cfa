// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stack tracers' shared options and ops members (stacktool.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "stacktool.h"

/* -v: what symbolization did, printed when the tracer closes. */
void tt_print_sym_stats(const char *cmd, const struct tt_stackprof *sp)
{
	struct tt_syms_stats st;

	tt_syms_get_stats(sp->syms, &st);
	fprintf(stderr, "tracetool %s: symbolized %zu user addresses (%zu unresolved) in %zu "
		"address spaces (%zu freed after exit, %zu held), %zu ELF files (%zu mappings "
		"shared one, %zu evicted); %zu maps reads (%zu again at a report, %zu stale: "
		"exec'd or gone), %zu perf maps; %zu opens failed for lack of descriptors; "
		"debuginfod: %zu asked, %zu found\n", cmd, st.lookups, st.unresolved, st.procs,
		st.procs_freed, st.open_procs, st.elfs, st.elfs_shared, st.elfs_evicted,
		st.maps_reads, st.rereads, st.stale, st.perf_maps, st.fd_lost, st.debuginfod_queries,
		st.debuginfod_found);
}

/* -v: what the user-space unwinder did (--call-graph dwarf/auto), printed when the tracer closes. */
void tt_print_unwind_stats(const char *cmd, const struct tt_stackprof *sp)
{
	struct tt_unwind_stats st;

	if (!sp->uw)
		return;
	tt_unwind_get_stats(sp->uw, &st);
	fprintf(stderr, "tracetool %s: unwound %" PRIu64 " user stacks from CFI (%" PRIu64
		" complete, %" PRIu64 " truncated, %" PRIu64 " of unknown address spaces) in %.3f "
		"s CPU; address spaces: %" PRIu64 " with frame pointers, %" PRIu64 " without, %"
		PRIu64 " modules reported again; %" PRIu64 " opens failed for lack of descriptors\n",
		cmd, st.samples, st.complete, st.truncated, st.no_modules, st.unwind_ns / 1e9,
		st.fp_spaces, st.cfi_spaces, st.remade, st.fd_lost);
}

int tt_stack_tool_opt(struct tt_stack_tool *st, struct tt_profile_config *cfg, int key,
		      const char *arg, struct tt_error *err)
{
	switch (key) {
	case TT_STACK_OPT_USER_ONLY:
		cfg->kernel_stacks = 0;
		return 0;
	case TT_STACK_OPT_KERNEL_ONLY:
		cfg->user_stacks = 0;
		return 0;
	case TT_STACK_OPT_ADDRS:
		st->addrs = true;
		return 0;
	case TT_STACK_OPT_DEBUGINFOD:
		st->debuginfod = true;
		return 0;
	case TT_STACK_OPT_MAX_STACKS:
		if (tt_parse_uint(arg, 1 << 20, &st->max_stacks))
			return tt_error_set(err, -EINVAL, true, "--max-stacks: '%s' is not a count", arg);
		return 0;
	}
	return -ENOENT;
}

int tt_stack_tool_check(const struct tt_profile_config *cfg, struct tt_error *err)
{
	if (!cfg->user_stacks && !cfg->kernel_stacks)
		return tt_error_set(err, -EINVAL, true,
				    "--user-only and --kernel-only exclude each other");
	return 0;
}

int tt_stack_tool_size_maps(const struct tt_stack_tool *st, struct bpf_map *stacks,
			    struct bpf_map *counts, struct bpf_map *fp_ok)
{
	unsigned long n = st->max_stacks ? st->max_stacks : TT_STACK_MAX_DEFAULT;
	int ret = bpf_map__set_max_entries(stacks, (__u32)n);

	/* a full stack map loses stacks, not samples: keys for twice as many, and slack */
	ret = ret ?: bpf_map__set_max_entries(counts, (__u32)(2 * n + 1024));
	/* an LRU hash is preallocated: fp_ok is used by --call-graph auto only */
	return ret ?: bpf_map__set_max_entries(fp_ok, st->fp_ok_entries ? st->fp_ok_entries : 1);
}

int tt_stack_tool_init(struct tt_stack_tool *st, struct bpf_map *counts, struct bpf_map *stacks,
		       struct bpf_map *new_pids, const char *name, const char *unit,
		       uint64_t divisor)
{
	int ret = tt_stackprof_init(&st->sp, counts, stacks, new_pids, name, unit, divisor,
				    st->addrs);

	st->sp_ready = !ret;
	if (!ret && st->debuginfod && tt_syms_use_debuginfod(st->sp.syms))
		fprintf(stderr, "tracetool: --debuginfod: DEBUGINFOD_URLS is not set: no server to "
			"ask\n");
	return ret;
}

void tt_stack_tool_release(struct tt_stack_tool *st)
{
	if (st->sp_ready)
		tt_stackprof_release(&st->sp);
	st->sp_ready = false;
}

int tt_stack_tool_event_fd(void *priv)
{
	struct tt_stack_tool *st = priv;

	return st->sp_ready ? tt_stackprof_event_fd(&st->sp) : -1;
}

int tt_stack_tool_drain(void *priv, struct tt_report *sink)
{
	struct tt_stack_tool *st = priv;

	(void)sink;	/* new processes are captured, no events are added */
	return st->sp_ready ? tt_stackprof_drain(&st->sp) : 0;
}

int tt_stack_tool_collect(void *priv, struct tt_report *r)
{
	struct tt_stack_tool *st = priv;

	return st->sp_ready ? tt_stackprof_collect(&st->sp, r) : -EINVAL;
}
