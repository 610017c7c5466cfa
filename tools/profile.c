// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool profile`: on-CPU stack sampling.  A software cpu-clock perf
 * event per online CPU at -F HZ runs bpf/profile.bpf.c, which counts
 * samples per (process, user stack, kernel stack, comm) in the kernel.
 * This file holds the options, opens the perf events and hands the maps to
 * user/stackprof.c, which symbolizes them into the report's profile.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "commands.h"
#include "registry.h"
#include "stacktool.h"
#include "tracetool/profile.h"
#include "profile.skel.h"	/* after the header: it names its structs */

static const char profile_description[] =
	"On-CPU stack sampling: a software cpu-clock perf event on every CPU samples\n"
	"the running task HZ times a second; samples are counted per stack in the\n"
	"kernel, then symbolized (ELF symbols, debuglink and /usr/lib/debug files via\n"
	"libdwfl; kernel frames from /proc/kallsyms, suffixed _[k]). The idle task is\n"
	"left out. Values are sample counts. User stacks (--call-graph): walked by\n"
	"the kernel through frame pointers where every ELF file a process maps keeps\n"
	"them; elsewhere (Debian's libc and most distribution packages are built\n"
	"without) the user registers and the top --stack-size bytes of the stack are\n"
	"copied at each sample and unwound in tracetool from the files' CFI\n"
	"(.eh_frame), like perf --call-graph dwarf; the bytes are discarded once\n"
	"unwound. A stack cut short (deeper than the copy or than the kernel's 127\n"
	"frames, or a frame the unwinder cannot pass) starts with the frame\n"
	"[truncated] after the process name.\n";

static const char profile_examples[] =
	"  tracetool profile -d 10                          # whole host, 10 seconds\n"
	"  tracetool profile -p 1234 -F 99 -d 30 -f folded > cpu.folded\n"
	"  tracetool flamegraph -o cpu.svg cpu.folded       # then open cpu.svg\n"
	"  tracetool profile -c nginx --kernel-only -d 5\n"
	"  tracetool profile -f json -o profile.json -- ./bench --iterations 100\n"
	"  tracetool profile --call-graph dwarf --stack-size 32768 -p 1234 -d 10\n";

enum {
	OPT_IDLE = TT_OPT_CMD,
	OPT_CALL_GRAPH,
	OPT_STACK_SIZE,
};

#define STACK_SIZE_DEFAULT 8192	/* perf's default for --call-graph dwarf */

/* Only x86-64's registers are copied (bpf/lib/stack.bpf.h): elsewhere auto is fp. */
#if defined(__x86_64__)
static const bool can_copy_stacks = true;
#else
static const bool can_copy_stacks = false;
#endif

static const struct tt_optdef profile_opts[] = {
	{ "frequency", 'F', "HZ", 'F', "samples per second per CPU (default 49)", "1-100000" },
	{ "idle", 0, NULL, OPT_IDLE, "also count samples of the idle task", NULL },
	{ "call-graph", 0, "MODE", OPT_CALL_GRAPH,
	  "how user stacks are walked: fp (frame pointers, by the\n"
	  "kernel), dwarf (stack copied, unwound from CFI in user space),\n"
	  "auto (default: fp for processes whose every ELF file keeps\n"
	  "frame pointers, dwarf for the others)", "fp, dwarf, auto" },
	{ "stack-size", 0, "BYTES", OPT_STACK_SIZE,
	  "user stack bytes copied per sample for dwarf (default 8192);\n"
	  "a stack deeper than the copy is marked [truncated]", "64-65528, a multiple of 8" },
	TT_OPTDEFS_STACK,
	{ 0 },
};

static const char *const profile_formats[] = { "text", "json", "folded", NULL };

struct profile_tool {
	struct tt_stack_tool st;	/* first: the tt_stack_tool_* ops take this priv */
	struct profile_bpf *skel;
	struct tt_profile_config cfg;
	unsigned long freq;
	size_t nlinks;
	struct bpf_link **links;
	int perf_err;			/* -errno of the perf event step of attach, for the hint */
	int verbose;
};

static int profile_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct profile_tool *t = ctx;
	unsigned long n;
	int ret;

	switch (key) {
	case 'F':
		if (tt_parse_uint(arg, 100000, &t->freq))
			return tt_error_set(err, -EINVAL, true,
					    "-F: '%s' is not a frequency in Hz (1 to 100000)", arg);
		return 0;
	case OPT_IDLE:
		t->cfg.idle = 1;
		return 0;
	case OPT_CALL_GRAPH:
		if (!strcmp(arg, "fp"))
			t->cfg.call_graph = TT_CALL_GRAPH_FP;
		else if (!strcmp(arg, "dwarf"))
			t->cfg.call_graph = TT_CALL_GRAPH_DWARF;
		else if (!strcmp(arg, "auto"))
			t->cfg.call_graph = TT_CALL_GRAPH_AUTO;
		else
			return tt_error_set(err, -EINVAL, true,
					    "--call-graph: '%s' is not fp, dwarf or auto", arg);
		return 0;
	case OPT_STACK_SIZE:
		if (tt_parse_uint(arg, TT_USTACK_MAX, &n) || n < 64 || n % 8)
			return tt_error_set(err, -EINVAL, true, "--stack-size: '%s' is not a "
					    "multiple of 8 from 64 to %d", arg, TT_USTACK_MAX);
		t->cfg.stack_size = (__u32)n;
		return 0;
	}
	ret = tt_stack_tool_opt(&t->st, &t->cfg, key, arg, err);
	if (ret != -ENOENT)
		return ret;
	return tt_error_set(err, -EINVAL, true, "unknown option");
}

/*
 * The ring buffer of announcements and copied stacks: half a second of
 * samples of every CPU (the session drains it at least every 100 ms), at
 * least 256 KB; a power of 2 as the kernel wants.  Past it, a sample falls
 * back to the kernel's frame-pointer walk (counted as lost ringbuf).
 */
static __u32 ring_size(const struct profile_tool *t)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t want = (uint64_t)(ncpu > 0 ? ncpu : 1) * t->freq *
			(sizeof(struct tt_ustack_sample) + t->cfg.stack_size) / 2;
	__u32 size = 256 * 1024;

	while (size < want && size < (1U << 30))
		size <<= 1;
	return size;
}

static struct bpf_object *profile_open(void *priv, enum tt_hook hook,
				       const struct tt_common_opts *o,
				       const struct tt_filter *filter)
{
	struct profile_tool *t = priv;
	int ret;

	(void)hook;
	(void)o;
	t->skel = profile_bpf__open();
	if (!t->skel)
		return NULL;
	t->cfg.filter = *filter;
	t->skel->rodata->cfg = t->cfg;
	if (t->cfg.call_graph == TT_CALL_GRAPH_AUTO)
		t->st.fp_ok_entries = 8192;	/* LRU: a long host-wide run forgets the oldest */
	ret = tt_stack_tool_size_maps(&t->st, t->skel->maps.stacks, t->skel->maps.counts,
				      t->skel->maps.fp_ok);
	if (!ret && t->cfg.call_graph != TT_CALL_GRAPH_FP)
		ret = bpf_map__set_max_entries(t->skel->maps.new_pids, ring_size(t));
	if (ret) {
		profile_bpf__destroy(t->skel);
		t->skel = NULL;
		errno = -ret;
		return NULL;
	}
	return t->skel->obj;
}

static int profile_load(void *priv)
{
	struct profile_tool *t = priv;
	struct tt_unwind *uw;
	int ret = profile_bpf__load(t->skel);

	if (ret)
		return ret;
	ret = tt_stack_tool_init(&t->st, t->skel->maps.counts, t->skel->maps.stacks,
				 t->skel->maps.new_pids, "cpu", "samples", 1);
	if (!ret && t->cfg.call_graph != TT_CALL_GRAPH_FP) {
		uw = tt_unwind__new(t->cfg.call_graph == TT_CALL_GRAPH_AUTO ?
				    bpf_map__fd(t->skel->maps.fp_ok) : -1);
		if (!uw)
			return -errno;
		tt_stackprof_set_unwind(&t->st.sp, uw);
	}
	if (!ret && t->cfg.kernel_stacks && tt_syms_kernel_hidden(t->st.sp.syms))
		fprintf(stderr, "tracetool profile: %s\n", tt_syms_kernel_hidden(t->st.sp.syms));
	return ret;
}

/* Online CPUs from sysfs ("0-3,5"); fills `on` (indexed by cpu), returns the count. */
static int online_cpus(bool *on, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int a, b, n = 0, i;
	char sep;

	if (!f)
		return -errno;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			if (fscanf(f, "%c", &sep) != 1)
				sep = '\n';
		}
		for (i = a; i <= b && i < max; i++, n++)
			on[i] = true;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n;
}

static int profile_attach(void *priv)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
	};
	struct profile_tool *t = priv;
	int ncpu = libbpf_num_possible_cpus(), cpu, fd, ret;
	bool *on;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	attr.sample_freq = t->freq;
	on = calloc((size_t)ncpu, sizeof(*on));
	t->links = calloc((size_t)ncpu, sizeof(*t->links));
	if (!on || !t->links) {
		free(on);
		return -ENOMEM;
	}
	ret = online_cpus(on, ncpu);
	for (cpu = 0; ret >= 0 && cpu < ncpu; cpu++) {
		struct bpf_link *l;

		if (!on[cpu])
			continue;
		fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			ret = t->perf_err = -errno;
			break;
		}
		l = bpf_program__attach_perf_event(t->skel->progs.on_cpu_sample, fd);
		if (!l) {
			ret = -errno;
			close(fd);
			break;
		}
		t->links[t->nlinks++] = l;	/* the link owns fd */
	}
	free(on);
	if (ret < 0)
		return ret;
	/* fork following, when -- CMD is given */
	return profile_bpf__attach(t->skel);
}

static void profile_close(void *priv)
{
	struct profile_tool *t = priv;
	size_t i;

	for (i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	t->links = NULL;
	t->nlinks = 0;
	if (t->st.sp_ready && t->verbose) {
		tt_print_sym_stats("profile", &t->st.sp);
		tt_print_unwind_stats("profile", &t->st.sp);
	}
	tt_stack_tool_release(&t->st);
	profile_bpf__destroy(t->skel);
	t->skel = NULL;
}

static const enum tt_hook profile_hooks[] = { TT_HOOK_PERF_EVENT, TT_HOOK_NR };

static const struct tt_tracer_ops profile_ops = {
	.name = "profile",
	.hooks = profile_hooks,
	.open = profile_open,
	.load = profile_load,
	.attach = profile_attach,
	.collect = tt_stack_tool_collect,
	.event_fd = tt_stack_tool_event_fd,
	.drain = tt_stack_tool_drain,
	.close = profile_close,
};

static void *profile_create(void)
{
	struct profile_tool *t = calloc(1, sizeof(*t));

	if (t) {
		t->freq = 49;
		t->cfg = (struct tt_profile_config){ .user_stacks = 1, .kernel_stacks = 1,
						     .call_graph = TT_CALL_GRAPH_AUTO,
						     .stack_size = STACK_SIZE_DEFAULT };
	}
	return t;
}

static int profile_check(void *priv, const struct tt_common_opts *o, struct tt_error *err)
{
	struct profile_tool *t = priv;

	t->verbose = o->verbose;
	if (!can_copy_stacks && t->cfg.call_graph == TT_CALL_GRAPH_DWARF)
		return tt_error_set(err, -EINVAL, true, "--call-graph dwarf: user stacks are "
				    "copied on x86-64 only; use fp");
	if (!can_copy_stacks)
		t->cfg.call_graph = TT_CALL_GRAPH_FP;
	if (!t->cfg.user_stacks)	/* --kernel-only: nothing to unwind */
		t->cfg.call_graph = TT_CALL_GRAPH_FP;
	return tt_stack_tool_check(&t->cfg, err);
}

/* perf_event_open's errors, with what to do about them */
static void profile_finish(void *priv, const struct tt_common_opts *o, bool failed)
{
	struct profile_tool *t = priv;

	(void)o;
	if (!failed || !t->perf_err)
		return;
	if (t->perf_err == -EINVAL)
		fprintf(stderr, "tracetool profile: hint: -F %lu may exceed "
			"kernel.perf_event_max_sample_rate (sysctl)\n", t->freq);
	else if (t->perf_err == -EACCES || t->perf_err == -EPERM)
		fprintf(stderr, "tracetool profile: hint: perf events need CAP_PERFMON or "
			"kernel.perf_event_paranoid <= 1 (sysctl)\n");
	else if (t->perf_err == -ENOENT || t->perf_err == -EOPNOTSUPP)
		fprintf(stderr, "tracetool profile: hint: this kernel offers no software "
			"cpu-clock perf event (CONFIG_PERF_EVENTS)\n");
}

const struct tt_tracer_def tt_profile_tracer = {
	.name = "profile",
	.summary = "on-CPU stack samples (perf_event), symbolized",
	.description = profile_description,
	.examples = profile_examples,
	.cmd_help = "run CMD and profile it and all its descendants until it exits",
	.opts = profile_opts,
	.formats = profile_formats,
	.ops = &profile_ops,
	.create = profile_create,
	.opt = profile_opt,
	.check = profile_check,
	.finish = profile_finish,
};
