// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool profile`: on-CPU stack sampling.  A software timer perf event
 * at -F HZ (task-clock per traced thread with -- CMD or -p, else cpu-clock
 * per online CPU) runs bpf/profile.bpf.c, which counts samples per
 * (process, user stack, kernel stack, comm) in the kernel.
 * This file holds the options, opens the perf events and hands the maps to
 * user/stackprof.c, which symbolizes them into the report's profile.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "registry.h"
#include "stacktool.h"
#include "tracetool/profile.h"
#include "profile.skel.h"	/* after the header: it names its structs */

static const char profile_description[] =
	"On-CPU stack sampling: a timer perf event samples the running task HZ times a\n"
	"second; samples are counted per stack in the kernel, then symbolized (ELF\n"
	"symbols, debuglink and /usr/lib/debug files via libdwfl; kernel frames from\n"
	"/proc/kallsyms, suffixed _[k]). Values are sample counts. What a sample stands\n"
	"for: with -- CMD or -p, a task-clock event per thread of the traced processes\n"
	"(inherited by the threads and children they start) runs only while its thread\n"
	"runs, so each sample is 1/HZ s of that thread's CPU time, however busy the\n"
	"CPUs are (past the open-file limit it says so and samples per CPU). Otherwise\n"
	"(whole host, -c, --cgroup) a cpu-clock event per online CPU samples whatever\n"
	"runs there every 1/HZ s: a sample is 1/HZ s of a CPU's time, and a task's\n"
	"samples match its CPU seconds x HZ only on average (tasks sharing a CPU take\n"
	"turns at the scheduler's tick, and turns that recur in step with the sampling\n"
	"instants skew a short profile). The idle task is left out. User stacks\n"
	"(--call-graph): walked by the kernel through frame pointers where every ELF\n"
	"file a process maps keeps them; elsewhere (Debian's libc and most distribution\n"
	"packages are built without) the user registers and the top --stack-size bytes\n"
	"of the stack are copied at each sample and unwound in tracetool from the\n"
	"files' CFI (.eh_frame), like perf --call-graph dwarf; the bytes are discarded\n"
	"once unwound. A stack cut short (deeper than the copy or than the kernel's 127\n"
	"frames, or a frame the unwinder cannot pass) starts with the frame [truncated]\n"
	"after the process name.\n";

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
	{ "frequency", 'F', "HZ", 'F', "samples per second of a traced thread's CPU time (-- CMD, -p)\n"
	  "or of each CPU's (default 49)", "1-100000" },
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
	/*
	 * -- CMD or -p: events per thread of the traced processes (task-clock,
	 * inherited); else one cpu-clock event per online CPU.
	 */
	bool per_task;
	/*
	 * The perf events, each holding the program (PERF_EVENT_IOC_SET_BPF:
	 * one descriptor per event, where a bpf_link would add its own).
	 */
	size_t nfds, cap;
	int *fds;
	void *tids;			/* tsearch tree: the threads that have an event */
	int perf_err;			/* -errno of the perf event step of attach, for the hint */
	int verbose;
	struct attach_stats {		/* the last attach, for -v: seconds */
		size_t events;
		double open, set_bpf, wall, cpu, close;
	} as;
};

static double clock_sec(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
	t->per_task = filter->filter_pids;
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

/* Run the sampling program at perf event `fd`'s samples and keep fd; 0 or -errno. */
static int add_event(struct profile_tool *t, int fd)
{
	double t0;
	int ret;

	if (t->nfds == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		int *fds = realloc(t->fds, cap * sizeof(*fds));

		if (!fds) {
			close(fd);
			return -ENOMEM;
		}
		t->fds = fds;
		t->cap = cap;
	}
	t0 = clock_sec(CLOCK_MONOTONIC);
	ret = ioctl(fd, PERF_EVENT_IOC_SET_BPF, bpf_program__fd(t->skel->progs.on_cpu_sample));
	t->as.set_bpf += clock_sec(CLOCK_MONOTONIC) - t0;
	if (ret) {
		ret = -errno;
		close(fd);
		return ret;
	}
	t->fds[t->nfds++] = fd;
	return 0;
}

/*
 * The sampling event of CPU `cpu` (tid -1), or of thread `tid` and of every
 * thread and child it starts later (inherit).  Either way a timer: the
 * kernel turns -F HZ into the fixed period 1/HZ s (a timer's rate needs no
 * re-tuning, unlike a hardware counter's).  cpu-clock runs on the CPU's
 * clock; task-clock only while its task runs, so each of its samples
 * stands for 1/HZ s of that task's CPU time.  An fd, or -errno.
 */
static int open_event(struct profile_tool *t, pid_t tid, int cpu)
{
	double t0 = clock_sec(CLOCK_MONOTONIC);
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = tid < 0 ? PERF_COUNT_SW_CPU_CLOCK : PERF_COUNT_SW_TASK_CLOCK,
		.freq = 1,
		.sample_freq = t->freq,
		.inherit = tid >= 0,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		fd = -errno;
	t->as.open += clock_sec(CLOCK_MONOTONIC) - t0;
	t->as.events += fd >= 0;
	return fd;
}

static int attach_cpus(struct profile_tool *t)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, fd, ret;
	bool *on;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	on = calloc((size_t)ncpu, sizeof(*on));
	if (!on)
		return -ENOMEM;
	ret = online_cpus(on, ncpu);
	for (cpu = 0; ret >= 0 && cpu < ncpu; cpu++) {
		if (!on[cpu])
			continue;
		fd = open_event(t, -1, cpu);
		ret = fd < 0 ? (t->perf_err = fd) : add_event(t, fd);
	}
	free(on);
	return ret < 0 ? ret : 0;
}

static int cmp_tid(const void *a, const void *b)
{
	intptr_t x = (intptr_t)a, y = (intptr_t)b;

	return (x > y) - (x < y);
}

/* A tree, not a list: a process of 20,000 threads is listed twice at least. */
static bool has_tid(const struct profile_tool *t, pid_t tid)
{
	return tfind((void *)(intptr_t)tid, &t->tids, cmp_tid) != NULL;
}

/*
 * An event for each thread of process `tgid`.  A thread started while the
 * directory is read by a thread that has its event already inherits it;
 * one started by another is found by the next pass (up to 8).  A thread,
 * or the process, gone meanwhile has nothing left to sample.
 */
static int attach_process(struct profile_tool *t, pid_t tgid)
{
	char path[64];
	int pass, added = 1;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	for (pass = 0; added && pass < 8; pass++) {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d)
			return errno == ENOENT ? 0 : -errno;
		added = 0;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);
			int fd, ret;

			if (tid <= 0 || has_tid(t, tid))
				continue;
			fd = open_event(t, tid, -1);
			if (fd == -ESRCH)
				continue;
			ret = fd < 0 ? (t->perf_err = fd) : add_event(t, fd);
			if (!ret && !tsearch((void *)(intptr_t)tid, &t->tids, cmp_tid))
				ret = -ENOMEM;	/* the event stays in fds: detach_all closes it */
			if (ret) {
				closedir(d);
				return ret;
			}
			added++;
		}
		closedir(d);
	}
	return 0;
}

/* The processes the pid filter holds now (-p's, CMD held before its exec). */
static int attach_tasks(struct profile_tool *t)
{
	int fd = bpf_map__fd(t->skel->maps.tt_pids), ret = 0;
	__u32 key, next;
	bool first = true;

	while (!ret && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		key = next;
		first = false;
		ret = attach_process(t, (pid_t)key);
	}
	return ret;
}

static void no_free(void *p)
{
	(void)p;
}

static void detach_all(struct profile_tool *t)
{
	double t0 = clock_sec(CLOCK_MONOTONIC);
	size_t i;

	for (i = 0; i < t->nfds; i++)
		close(t->fds[i]);
	t->nfds = 0;
	tdestroy(t->tids, no_free);
	t->tids = NULL;
	t->as.close = clock_sec(CLOCK_MONOTONIC) - t0;
}

/*
 * The events of the traced threads, or of the CPUs.  Threads past the
 * open-file limit (an event per thread is a descriptor) fall back to the
 * CPUs' events, said once.  (Another user's threads need no ptrace access:
 * CAP_PERFMON, which the CPUs' events need too, passes the kernel's check.)
 */
static int attach_events(struct profile_tool *t)
{
	int ret;

	if (!t->per_task)
		return attach_cpus(t);
	ret = attach_tasks(t);
	if (ret != -EMFILE && ret != -ENFILE)
		return ret;
	fprintf(stderr, "tracetool profile: more threads than open files allow (ulimit -n): "
		"sampling per CPU, a sample is 1/%lu s of a CPU's time\n", t->freq);
	detach_all(t);
	t->per_task = false;
	t->perf_err = 0;
	return attach_cpus(t);
}

/* attach_events, timed for -v (CPU time too: wall time alone hides a starved tracetool) */
static int attach_timed(struct profile_tool *t)
{
	double w0 = clock_sec(CLOCK_MONOTONIC), c0 = clock_sec(CLOCK_THREAD_CPUTIME_ID);
	int ret;

	t->as = (struct attach_stats){ 0 };
	ret = attach_events(t);
	t->as.wall = clock_sec(CLOCK_MONOTONIC) - w0;
	t->as.cpu = clock_sec(CLOCK_THREAD_CPUTIME_ID) - c0;
	return ret;
}

static int profile_attach(void *priv)
{
	struct profile_tool *t = priv;
	int ret = attach_timed(t);

	if (ret)
		return ret;
	/* fork following, when -- CMD is given */
	return profile_bpf__attach(t->skel);
}

/* CMD started anew (record --runs): the exited one's events sample nothing more. */
static int profile_reattach(void *priv)
{
	struct profile_tool *t = priv;

	if (!t->per_task)
		return 0;
	detach_all(t);
	return attach_timed(t);
}

static void profile_close(void *priv)
{
	struct profile_tool *t = priv;

	detach_all(t);
	free(t->fds);
	t->fds = NULL;
	t->cap = 0;
	if (t->verbose && t->as.events)
		fprintf(stderr, "tracetool profile: %zu perf events attached in %.1f ms (%.1f ms "
			"CPU): perf_event_open %.1f ms, PERF_EVENT_IOC_SET_BPF %.1f ms, /proc and "
			"the rest %.1f ms; closed in %.1f ms\n", t->as.events, t->as.wall * 1e3,
			t->as.cpu * 1e3, t->as.open * 1e3, t->as.set_bpf * 1e3,
			(t->as.wall - t->as.open - t->as.set_bpf) * 1e3, t->as.close * 1e3);
	if (t->st.sp_ready && t->verbose) {
		tt_print_sym_stats("profile", &t->st.sp);
		tt_print_unwind_stats("profile", &t->st.sp);
	}
	tt_stack_tool_release(&t->st);
	profile_bpf__destroy(t->skel);
	t->skel = NULL;
}

static const char *profile_measure_note(const char *key, const char *value, char *buf,
					size_t len)
{
	if (strcmp(key, "frequency"))
		return NULL;
	snprintf(buf, len, "a sample is 1/%s s", value);
	return buf;
}

/* The stacks, and -F: what one sample weighs (samples at 49 Hz and 99 Hz do not add). */
static int profile_collect(void *priv, struct tt_report *r)
{
	struct profile_tool *t = priv;
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "%lu", t->freq);
	ret = tt_tracer_set_measure(&tt_profile_tracer, r, "frequency", buf);
	return ret ?: tt_stack_tool_collect(priv, r);
}

static const enum tt_hook profile_hooks[] = { TT_HOOK_PERF_EVENT, TT_HOOK_NR };

static const struct tt_tracer_ops profile_ops = {
	.name = "profile",
	.hooks = profile_hooks,
	.open = profile_open,
	.load = profile_load,
	.attach = profile_attach,
	.reattach = profile_reattach,
	.collect = profile_collect,
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
	.measure_note = profile_measure_note,
};
