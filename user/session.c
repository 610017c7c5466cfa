// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The session lifecycle every tracer runs through:
 *   preflight -> launch CMD (held) -> open/load with hook fallback ->
 *   fill filter maps -> attach -> ready -> release CMD -> poll ->
 *   interval/final reports -> detach.
 * Signals arrive through a signalfd; after the first SIGINT/SIGTERM the
 * default disposition is restored, so a second Ctrl-C ends the process even
 * if the final report hangs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "session.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static double t_start;	/* process start, CLOCK_MONOTONIC seconds */

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((constructor)) static void record_start(void)
{
	t_start = now_mono();
}

const char *tt_hook_name(enum tt_hook h)
{
	switch (h) {
	case TT_HOOK_TP_BTF:
		return "tp_btf";
	case TT_HOOK_RAW_TP:
		return "raw_tp";
	case TT_HOOK_TRACEPOINT:
		return "tracepoint";
	case TT_HOOK_PERF_EVENT:
		return "perf_event";
	default:
		return "?";
	}
}

int tt_error_set(struct tt_error *err, int code, bool usage, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->usage = usage;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int tt_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!*end || !strcmp(end, "s"))
		;
	else if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (!strcmp(end, "h"))
		v *= 3600;
	else
		return -EINVAL;
	*out = v;
	return 0;
}

/* tgid of a pid or tid, from /proc; -ESRCH if it does not exist. */
static int pid_to_tgid(pid_t pid, pid_t *tgid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	*tgid = pid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", tgid) == 1)
			break;
	fclose(f);
	return 0;
}

static int preflight(const struct tt_tracer_ops *ops, const struct tt_common_opts *o,
		     struct tt_error *err)
{
	const char *missing = NULL;
	struct statfs sfs;
	size_t i;

	if (!tt_has_bpf_caps(&missing))
		return tt_error_set(err, -EPERM, false,
				    "missing capability %s: run as root, or grant CAP_BPF and CAP_PERFMON "
				    "(setcap cap_bpf,cap_perfmon+ep tracetool)", missing);
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return tt_error_set(err, -ENOENT, false,
				    "no kernel BTF at /sys/kernel/btf/vmlinux: tracetool needs a kernel "
				    "built with CONFIG_DEBUG_INFO_BTF=y");
	for (i = 0; i < o->npids; i++)
		if (kill(o->pids[i], 0) && errno == ESRCH)
			return tt_error_set(err, -ESRCH, true, "no such process: %d", (int)o->pids[i]);
	if (o->cgroup) {
		if (statfs(o->cgroup, &sfs))
			return tt_error_set(err, -errno, true, "--cgroup %s: %s", o->cgroup,
					    strerror(errno));
		if (sfs.f_type != CGROUP2_SUPER_MAGIC)
			return tt_error_set(err, -EINVAL, true,
					    "--cgroup %s: not a cgroup v2 directory (cgroup2 is "
					    "usually mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified)",
					    o->cgroup);
	}
	if (ops->needs_tracefs && tt_ensure_tracefs())
		return tt_error_set(err, -ENOENT, false,
				    "tracefs is not mounted and mounting it at /sys/kernel/tracing "
				    "failed: mount -t tracefs nodev /sys/kernel/tracing");
	return 0;
}

/*
 * Fork CMD held on a pipe until tracing is ready.  `go_fd` releases it;
 * `exec_fd` reads an errno if execvp failed (EOF when it succeeded).
 */
static int spawn_held(char **cmd, const sigset_t *orig_mask, pid_t *child, int *go_fd, int *exec_fd,
		      struct tt_error *err)
{
	int go[2], ex[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC))
		return tt_error_set(err, -errno, false, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return tt_error_set(err, -errno, false, "fork: %s", strerror(errno));
	if (pid == 0) {
		char c;
		int e;

		sigprocmask(SIG_SETMASK, orig_mask, NULL);
		close(go[1]);
		close(ex[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* tracetool gave up before tracing started */
		execvp(cmd[0], cmd);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	*child = pid;
	*go_fd = go[1];
	*exec_fd = ex[0];
	return 0;
}

/* Hook kind of a program's section, or TT_HOOK_NR for any other kind. */
static enum tt_hook section_hook(const char *sec)
{
	if (!strncmp(sec, "tp_btf/", 7))
		return TT_HOOK_TP_BTF;
	if (!strncmp(sec, "raw_tp/", 7) || !strncmp(sec, "raw_tracepoint/", 15))
		return TT_HOOK_RAW_TP;
	if (!strncmp(sec, "tp/", 3) || !strncmp(sec, "tracepoint/", 11))
		return TT_HOOK_TRACEPOINT;
	if (!strcmp(sec, "perf_event"))
		return TT_HOOK_PERF_EVENT;
	return TT_HOOK_NR;
}

/*
 * Choose what loads (session.h, enum tt_hook): programs of the tracer's
 * hook kinds only for the chosen kind, other programs always, and the
 * fork-following pair matching the choice only when following.
 */
static void select_programs(struct bpf_object *obj, const enum tt_hook *offered, enum tt_hook h,
			    bool follow)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		enum tt_hook kind = section_hook(bpf_program__section_name(p));
		const enum tt_hook *o;
		bool listed = false;

		if (!strncmp(bpf_program__name(p), "tt_follow_", 10)) {
			enum tt_hook want = h == TT_HOOK_TP_BTF ? TT_HOOK_TP_BTF : TT_HOOK_RAW_TP;

			bpf_program__set_autoload(p, follow && kind == want);
			continue;
		}
		for (o = offered; *o != TT_HOOK_NR; o++)
			listed |= *o == kind;
		bpf_program__set_autoload(p, !listed || kind == h);
	}
}

int tt_session_fill_maps(struct bpf_object *obj, const struct tt_common_opts *o, pid_t child,
			 struct tt_error *err)
{
	struct bpf_map *pids = bpf_object__find_map_by_name(obj, "tt_pids");
	struct bpf_map *cg = bpf_object__find_map_by_name(obj, "tt_cgroup");
	__u8 one = 1;
	size_t i;

	if (!pids || !cg)
		return tt_error_set(err, -ENOENT, false, "BPF object lacks the tt_pids/tt_cgroup maps");
	for (i = 0; i < o->npids; i++) {
		__u32 tgid = (__u32)o->pids[i];

		if (bpf_map__update_elem(pids, &tgid, sizeof(tgid), &one, sizeof(one), BPF_ANY))
			return tt_error_set(err, -errno, false, "pid filter: %s", strerror(errno));
	}
	if (child > 0) {
		__u32 tgid = (__u32)child;

		if (bpf_map__update_elem(pids, &tgid, sizeof(tgid), &one, sizeof(one), BPF_ANY))
			return tt_error_set(err, -errno, false, "pid filter: %s", strerror(errno));
	}
	if (o->cgroup) {
		int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		__u32 zero = 0;
		int ret;

		if (fd < 0)
			return tt_error_set(err, -errno, true, "--cgroup %s: %s", o->cgroup,
					    strerror(errno));
		ret = bpf_map__update_elem(cg, &zero, sizeof(zero), &fd, sizeof(fd), BPF_ANY);
		close(fd);
		if (ret)
			return tt_error_set(err, ret, false, "cgroup filter: %s", strerror(-ret));
	}
	return 0;
}

int tt_session_read_lost(struct bpf_object *obj, struct tt_report *r, uint64_t prev[TT_LOST_NR])
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "tt_lost");
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals, total;
	__u32 k;
	int c;

	if (!m)
		return 0;
	if (ncpu <= 0)
		return ncpu;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < TT_LOST_NR; k++) {
		if (bpf_map__lookup_elem(m, &k, sizeof(k), vals, sizeof(*vals) * ncpu, 0))
			continue;
		for (c = 0, total = 0; c < ncpu; c++)
			total += vals[c];
		r->lost[k] += total - prev[k];
		prev[k] = total;
	}
	free(vals);
	return 0;
}

__u32 tt_next_gen(volatile __u32 *gen, bool next)
{
	__u32 g = *gen;
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	if (next) {
		__atomic_store_n(gen, g + 1, __ATOMIC_SEQ_CST);
		/*
		 * A program that read the old generation just before the store
		 * writes within microseconds; 2 ms covers it unless it was
		 * preempted mid-sample.
		 */
		nanosleep(&ts, NULL);
	}
	return g;
}

static int describe_filters(struct tt_report *r, const struct tt_common_opts *o)
{
	char buf[1024];
	size_t i, n = 0;
	int ret = 0;

	if (o->npids) {
		buf[0] = 0;
		for (i = 0; i < o->npids && n < sizeof(buf) - 16; i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%d", i ? "," : "", (int)o->pids[i]);
		ret = ret ?: tt_report_add_filter(r, "pid", buf);
	}
	if (o->comm[0])
		ret = ret ?: tt_report_add_filter(r, "comm", o->comm);
	if (o->cgroup)
		ret = ret ?: tt_report_add_filter(r, "cgroup", o->cgroup);
	if (o->cmd) {
		n = 0;
		buf[0] = 0;
		for (i = 0; o->cmd[i] && n < sizeof(buf) - 2; i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", o->cmd[i]);
		ret = ret ?: tt_report_add_filter(r, "command", buf);
	}
	return ret;
}

struct run {
	const struct tt_tracer_ops *ops;
	void *priv;
	const struct tt_common_opts *o;
	struct bpf_object *obj;
	enum tt_hook hook;
	FILE *out;
	struct timespec period_start;	/* realtime */
	double period_mono;
	size_t reports;
	uint64_t lost_prev[TT_LOST_NR];	/* loss counters at the previous report */
	struct tt_report *pending;	/* streamed events not yet reported (ops->drain) */
	bool text;			/* -f text: events are printed live */
};

/* Pull waiting events from the tracer; in text format print them at once. */
static int drain_events(struct run *run, struct tt_error *err)
{
	size_t i;
	int n;

	if (!run->ops->drain)
		return 0;
	n = run->ops->drain(run->priv, run->pending);
	if (n < 0)
		return tt_error_set(err, n, false, "reading events: %s", strerror(-n));
	if (!run->text || !run->pending->nevents)
		return 0;
	for (i = 0; i < run->pending->nevents; i++)
		tt_render_event_line(&run->pending->events[i], run->out);
	tt_report_clear_events(run->pending);
	if (fflush(run->out) || ferror(run->out))
		return tt_error_set(err, -EIO, false, "writing events: %s", strerror(EIO));
	return 0;
}

static int emit_report(struct run *run, bool next, bool interval, struct tt_error *err)
{
	struct tt_render_opts ro = { .hist = run->o->hist, .interval = interval, .top = run->o->top };
	struct tt_report *r;
	double now;
	int ret;

	ret = drain_events(run, err);
	if (ret)
		return ret;
	now = now_mono();
	r = tt_report__new();
	if (!r)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	r->started_at = run->period_start;
	r->duration_seconds = now - run->period_mono;
	ret = tt_report_add_tracer(r, run->ops->name, tt_hook_name(run->hook));
	ret = ret ?: describe_filters(r, run->o);
	ret = ret ?: run->ops->collect(run->priv, r, next);
	ret = ret ?: tt_session_read_lost(run->obj, r, run->lost_prev);
	ret = ret ?: tt_report_take_events(r, run->pending);
	if (ret) {
		tt_report__free(r);
		return tt_error_set(err, ret, false, "reading BPF maps: %s", strerror(-ret));
	}
	clock_gettime(CLOCK_REALTIME, &run->period_start);
	run->period_mono = now;
	ret = tt_render(r, &ro, run->o->format, run->out);
	tt_report__free(r);
	if (!ret && fflush(run->out))
		ret = -errno;
	if (ret)
		return tt_error_set(err, ret, false, "writing report: %s", strerror(-ret));
	run->reports++;
	return 0;
}

static int open_and_load(struct run *run, const struct tt_filter *filter, bool follow,
			 struct tt_error *err)
{
	const enum tt_hook *h;
	int ret = -ENOENT;

	for (h = run->ops->hooks; *h != TT_HOOK_NR; h++) {
		if (run->o->hook && strcmp(run->o->hook, tt_hook_name(*h)))
			continue;
		run->obj = run->ops->open(run->priv, *h, run->o, filter);
		if (!run->obj)
			return tt_error_set(err, -errno, false, "opening BPF object: %s",
					    strerror(errno));
		select_programs(run->obj, run->ops->hooks, *h, follow);
		ret = run->ops->load(run->priv);
		if (!ret) {
			run->hook = *h;
			return 0;
		}
		run->ops->close(run->priv);
		run->obj = NULL;
	}
	if (ret == -ENOENT && run->o->hook)
		return tt_error_set(err, -EINVAL, true, "--hook %s: %s does not offer this hook",
				    run->o->hook, run->ops->name);
	if (ret == -EPERM || ret == -EACCES)
		return tt_error_set(err, ret, false,
				    "loading BPF programs: %s (lockdown or missing CAP_BPF/CAP_PERFMON; "
				    "-v shows the verifier log)", strerror(-ret));
	return tt_error_set(err, ret, false, "loading BPF programs failed on every hook: %s "
			    "(-v shows the verifier log)", strerror(-ret));
}

int tt_session_run(const struct tt_tracer_ops *ops, void *priv, const struct tt_common_opts *o,
		   struct tt_run_stats *stats, struct tt_error *err)
{
	struct run run = { .ops = ops, .priv = priv, .o = o, .out = stdout };
	struct tt_filter filter = {};
	sigset_t mask, orig_mask;
	int sfd = -1, go_fd = -1, exec_fd = -1, efd = -1, ret;
	pid_t child = -1;
	double deadline, next;
	bool stop = false, released = false;
	struct tt_common_opts eff = *o;
	size_t i;

	memset(stats, 0, sizeof(*stats));
	stats->cmd_status = -1;
	memset(err, 0, sizeof(*err));

	/* -p takes thread ids too: the filter works on thread-group ids. */
	for (i = 0; i < eff.npids; i++)
		if (pid_to_tgid(eff.pids[i], &eff.pids[i]))
			return tt_error_set(err, -ESRCH, true, "no such process: %d", (int)o->pids[i]);
	run.o = &eff;
	run.text = !eff.format || !strcmp(eff.format, "text");
	ret = preflight(ops, &eff, err);
	if (ret)
		return ret;
	run.pending = tt_report__new();
	if (!run.pending)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	if (eff.output) {
		run.out = fopen(eff.output, "we");
		if (!run.out) {
			tt_report__free(run.pending);
			return tt_error_set(err, -errno, true, "-o %s: %s", eff.output, strerror(errno));
		}
	}

	filter.self_tgid = (__u32)getpid();
	filter.filter_pids = eff.npids > 0 || eff.cmd;
	filter.follow_forks = eff.cmd != NULL;
	if (eff.comm[0]) {
		filter.filter_comm = 1;
		memcpy(filter.comm, eff.comm, sizeof(filter.comm));
	}
	filter.filter_cgroup = eff.cgroup != NULL;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &orig_mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		ret = tt_error_set(err, -errno, false, "signalfd: %s", strerror(errno));
		goto out_mask;
	}
	if (eff.cmd) {
		ret = spawn_held(eff.cmd, &orig_mask, &child, &go_fd, &exec_fd, err);
		if (ret)
			goto out_sfd;
	}

	ret = open_and_load(&run, &filter, eff.cmd != NULL, err);
	if (ret)
		goto out_child;
	stats->loaded_ms = (now_mono() - t_start) * 1000;
	stats->hook = tt_hook_name(run.hook);
	ret = tt_session_fill_maps(run.obj, &eff, child, err);
	if (ret)
		goto out_close;
	ret = ops->attach(priv);
	if (ret) {
		tt_error_set(err, ret, false, "attaching BPF programs: %s", strerror(-ret));
		goto out_close;
	}
	if (ops->event_fd)
		efd = ops->event_fd(priv);
	ops->set_ready(priv);
	stats->attach_ms = (now_mono() - t_start) * 1000;
	clock_gettime(CLOCK_REALTIME, &run.period_start);
	run.period_mono = now_mono();

	if (eff.dry_run)
		goto out_close;

	if (child > 0) {
		int e = 0;
		ssize_t n;

		if (write(go_fd, "g", 1) != 1) {
			ret = tt_error_set(err, -errno, false, "starting command: %s", strerror(errno));
			goto out_close;
		}
		close(go_fd);
		go_fd = -1;
		released = true;
		n = read(exec_fd, &e, sizeof(e));	/* EOF: exec succeeded */
		if (n == sizeof(e)) {
			waitpid(child, NULL, 0);
			child = -1;
			ret = tt_error_set(err, -e, e == ENOENT || e == EACCES,
					   "cannot run %s: %s", eff.cmd[0], strerror(e));
			goto out_close;
		}
	}

	deadline = eff.duration > 0 ? run.period_mono + eff.duration : INFINITY;
	next = eff.interval > 0 ? run.period_mono + eff.interval : INFINITY;
	while (!stop) {
		double now = now_mono(), until = fmin(deadline, next);
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = efd, .events = POLLIN } };
		int timeout = isinf(until) ? -1 : (int)fmax(0, ceil((until - now) * 1000));

		/* ring buffers may skip wakeups: drain at least every 100 ms */
		if (ops->drain && (timeout < 0 || timeout > 100))
			timeout = 100;
		if (poll(pfd, efd >= 0 ? 2 : 1, timeout) >= 0) {
			ret = drain_events(&run, err);
			if (ret)
				goto out_close;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					int st;

					if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
						stats->cmd_status = st;
						stop = true;
					}
				} else {
					stop = true;
					/* a second Ctrl-C now ends the process at once */
					signal(SIGINT, SIG_DFL);
					signal(SIGTERM, SIG_DFL);
					sigprocmask(SIG_UNBLOCK, &mask, NULL);
				}
			}
		}
		now = now_mono();
		if (now >= deadline)
			stop = true;
		if (!stop && now >= next) {
			ret = emit_report(&run, true, true, err);
			if (ret)
				goto out_close;
			next += eff.interval;
		}
	}
	ret = emit_report(&run, eff.interval > 0, eff.interval > 0 && run.reports > 0, err);

out_close:
	ops->close(priv);
	run.obj = NULL;
out_child:
	if (go_fd >= 0)
		close(go_fd);	/* an unreleased child sees EOF and exits 127 */
	if (exec_fd >= 0)
		close(exec_fd);
	if (child > 0 && !released)
		waitpid(child, NULL, 0);	/* it exits at once: its pipe is closed */
out_sfd:
	close(sfd);
out_mask:
	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	if (run.out && run.out != stdout && fclose(run.out) && !ret)
		ret = tt_error_set(err, -errno, false, "-o %s: %s", eff.output, strerror(errno));
	stats->reports = run.reports;
	tt_report__free(run.pending);
	return ret;
}
