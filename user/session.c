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
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "duration.h"
#include "outfile.h"
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

static int preflight(const struct tt_common_opts *o, struct tt_error *err)
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
	return 0;
}

/*
 * The file execvp would run for `name`, into `*path` (malloc'd): `name`
 * itself when it holds a '/', else the first executable regular file
 * dir/name along $PATH (unset: confstr's default; an empty entry is the
 * current directory).  Done here, before the fork, so that the traced
 * command's syscalls hold one execve, not one per $PATH entry tried.
 * Returns 0, or -ENOENT, or -EACCES when only non-executable candidates
 * exist (execvp's errors), -ENOMEM.
 */
static int resolve_cmd(const char *name, char **path)
{
	const char *env = getenv("PATH"), *p, *end;
	char defpath[256];
	int found = -ENOENT;

	if (strchr(name, '/'))
		return (*path = strdup(name)) ? 0 : -ENOMEM;
	if (!*name)
		return -ENOENT;
	if (!env) {
		if (!confstr(_CS_PATH, defpath, sizeof(defpath)))
			snprintf(defpath, sizeof(defpath), "/bin:/usr/bin");
		env = defpath;
	}
	for (p = env;; p = end + 1) {
		struct stat st;
		char *cand;
		int len;

		end = strchrnul(p, ':');
		len = (int)(end - p);
		if (asprintf(&cand, "%.*s%s%s", len, p, len ? "/" : "", name) < 0)
			return -ENOMEM;
		if (!stat(cand, &st)) {
			if (S_ISREG(st.st_mode) && !access(cand, X_OK)) {
				*path = cand;
				return 0;
			}
			found = -EACCES;	/* execvp goes on, and fails with EACCES */
		}
		free(cand);
		if (!*end)
			return found;
	}
}

/*
 * Fork CMD held on a pipe until tracing is ready.  `go_fd` releases it;
 * `exec_fd` reads an errno if the exec failed (EOF when it succeeded).
 * CMD not found is a usage error before the fork.
 */
static int spawn_held(char **cmd, const sigset_t *orig_mask, pid_t *child, int *go_fd, int *exec_fd,
		      struct tt_error *err)
{
	pid_t pid, parent = getpid();
	int go[2], ex[2], ret;
	char *path;

	ret = resolve_cmd(cmd[0], &path);
	if (ret)
		return tt_error_set(err, ret, ret != -ENOMEM, "cannot run %s: %s", cmd[0],
				    strerror(-ret));
	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC)) {
		free(path);
		return tt_error_set(err, -errno, false, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		free(path);
		return tt_error_set(err, -errno, false, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		char c;
		int e;

		sigprocmask(SIG_SETMASK, orig_mask, NULL);
		/*
		 * CMD must not outlive tracetool, even one killed by SIGKILL; a parent
		 * that died before prctl took effect left us reparented: check.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		close(go[1]);
		close(ex[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* tracetool gave up before tracing started */
		execv(path, cmd);
		e = errno;
		if (e == ENOEXEC) {	/* as execvp: a file with no #! line is a shell script */
			size_t n = 0;
			char **sh;

			while (cmd[n])
				n++;
			sh = calloc(n + 2, sizeof(*sh));
			if (sh) {
				sh[0] = (char *)"sh";
				sh[1] = path;
				memcpy(sh + 2, cmd + 1, n * sizeof(*sh));	/* with the NULL */
				execv("/bin/sh", sh);
				e = errno;
			}
		}
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	free(path);
	close(go[0]);
	close(ex[1]);
	*child = pid;
	*go_fd = go[1];
	*exec_fd = ex[0];
	return 0;
}

/*
 * Wait until the held child sleeps in its read of the go pipe (state S in
 * /proc/PID/stat; nothing before that read sleeps), 2 s at most.  Its
 * tgid may enter the pid filter only then: its syscalls up to that read
 * (getppid, close...) must stay out of the run's counts, as they do when
 * it is held before the tracers attach.  0, or -errno when it died.
 */
static int wait_held(pid_t pid)
{
	char path[64], buf[512], *p;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 20000; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return n < 0 ? -errno : -ESRCH;
		buf[n] = 0;
		p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
		if (!p || p[1] != ' ')
			return -EINVAL;
		if (p[2] == 'S')
			return 0;
		if (p[2] == 'Z' || p[2] == 'X')
			return -ESRCH;
		usleep(100);
	}
	return 0;	/* still running after 2 s (an overloaded host): go on */
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

/*
 * The pid and cgroup filter maps every tracer object of the session
 * shares (bpf_map__reuse_fd before load): one copy, one fill, and the
 * fork-following programs of one object keep it current for all.
 */
static int create_shared_maps(int *pids_fd, int *cg_fd, struct tt_error *err)
{
	*pids_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tt_pids", sizeof(__u32), sizeof(__u8),
				  TT_MAX_PIDS, NULL);
	if (*pids_fd < 0)
		return tt_error_set(err, *pids_fd, false, "creating the pid filter map: %s",
				    strerror(-*pids_fd));
	*cg_fd = bpf_map_create(BPF_MAP_TYPE_CGROUP_ARRAY, "tt_cgroup", sizeof(__u32),
				sizeof(__u32), 1, NULL);
	if (*cg_fd < 0)
		return tt_error_set(err, *cg_fd, false, "creating the cgroup filter map: %s",
				    strerror(-*cg_fd));
	return 0;
}

static int reuse_shared_maps(struct bpf_object *obj, int pids_fd, int cg_fd)
{
	struct bpf_map *pids = bpf_object__find_map_by_name(obj, "tt_pids");
	struct bpf_map *cg = bpf_object__find_map_by_name(obj, "tt_cgroup");
	int ret;

	if (!pids || !cg)
		return -ENOENT;
	ret = bpf_map__reuse_fd(pids, pids_fd);
	return ret ?: bpf_map__reuse_fd(cg, cg_fd);
}

/* Put thread group `tgid` into the pid filter. 0 or -errno with err filled. */
static int filter_add(int pids_fd, pid_t tgid, struct tt_error *err)
{
	__u32 key = (__u32)tgid;
	__u8 one = 1;

	if (bpf_map_update_elem(pids_fd, &key, &one, BPF_ANY))
		return tt_error_set(err, -errno, false, "pid filter: %s", strerror(errno));
	return 0;
}

static int fill_shared_maps(int pids_fd, int cg_fd, const struct tt_common_opts *o, pid_t child,
			    struct tt_error *err)
{
	size_t i;
	int ret;

	for (i = 0; i < o->npids; i++) {
		ret = filter_add(pids_fd, o->pids[i], err);
		if (ret)
			return ret;
	}
	if (child > 0 && !o->no_trace_cmd) {
		ret = filter_add(pids_fd, child, err);
		if (ret)
			return ret;
	}
	if (o->cgroup) {
		int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		__u32 zero = 0;
		int ret;

		if (fd < 0)
			return tt_error_set(err, -errno, true, "--cgroup %s: %s", o->cgroup,
					    strerror(errno));
		ret = bpf_map_update_elem(cg_fd, &zero, &fd, BPF_ANY);
		ret = ret ? -errno : 0;
		close(fd);
		if (ret)
			return tt_error_set(err, ret, false, "cgroup filter: %s", strerror(-ret));
	}
	return 0;
}

/*
 * Add the per-CPU tt_lost counters of `obj` to r->lost, as the increase
 * since `prev` (which is updated): counters are never reset. 0 or -errno.
 */
static int read_lost(struct bpf_object *obj, struct tt_report *r, uint64_t prev[TT_LOST_NR])
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
	if (o->cmd && !o->no_trace_cmd) {	/* untraced, it is no filter: the report's command says what ran */
		n = 0;
		buf[0] = 0;
		for (i = 0; o->cmd[i] && n < sizeof(buf) - 2; i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", o->cmd[i]);
		ret = ret ?: tt_report_add_filter(r, "command", buf);
	}
	return ret;
}


/* /proc/self/status fields VmRSS and VmHWM, kB; -1 when unknown. */
static void read_rss(long *rss, long *hwm)
{
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	*rss = *hwm = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", rss);
		sscanf(line, "VmHWM: %ld", hwm);
	}
	fclose(f);
}

struct slot {
	const struct tt_tracer_ops *ops;
	void *priv;
	struct bpf_object *obj;
	enum tt_hook hook;
	bool opened;			/* ops->close is owed */
	int efd;			/* ops->event_fd, or -1 */
	uint64_t lost_prev[TT_LOST_NR];	/* tt_lost totals at the previous collect */
	struct tt_report *cum;		/* everything collected since start */
	double last_collect;		/* CLOCK_MONOTONIC seconds */
};

struct tt_session {
	struct tt_common_opts o;	/* -p resolved to thread-group ids */
	size_t n;
	struct slot t[TT_SESSION_MAX_TRACERS];
	struct tt_filter filter;
	sigset_t mask, orig_mask;
	bool masked;
	bool subreaper;		/* CMD's orphaned descendants become our children */
	int sfd, go_fd, exec_fd, pids_fd, cg_fd;
	pid_t child;
	bool released, done, started, drains;
	bool interrupted;		/* SIGINT/SIGTERM/SIGHUP: no relaunch */
	int cmd_status;
	struct tt_report *pending;	/* streamed events not yet taken */
	struct timespec start_real;
	double start_mono;
	bool snapped;			/* snap_real/snap_mono: the last snapshot's collect */
	struct timespec snap_real;
	double snap_mono;
	struct tt_run_stats stats;
	tt_session_fold_fn fold;	/* tt_session_set_fold */
	void *fold_ctx;
	void (*on_ready)(void *ctx);	/* tt_session_set_on_ready */
	void *on_ready_ctx;
};

struct tt_session *tt_session__new(const struct tt_common_opts *o)
{
	struct tt_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	s->sfd = s->go_fd = s->exec_fd = s->pids_fd = s->cg_fd = -1;
	s->child = -1;
	s->cmd_status = -1;
	s->stats.cmd_status = -1;
	s->stats.rss_kb = s->stats.hwm_kb = -1;
	s->pending = tt_report__new();
	if (!s->pending) {
		free(s);
		return NULL;
	}
	return s;
}

int tt_session_add(struct tt_session *s, const struct tt_tracer_ops *ops, void *priv)
{
	size_t i;

	if (s->started)
		return -EBUSY;
	if (s->n == TT_SESSION_MAX_TRACERS)
		return -E2BIG;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->t[i].ops->name, ops->name))
			return -EEXIST;
	s->t[s->n] = (struct slot){ .ops = ops, .priv = priv, .efd = -1 };
	s->t[s->n].cum = tt_report__new();
	if (!s->t[s->n].cum)
		return -ENOMEM;
	s->n++;
	return 0;
}

static bool offers(const struct tt_tracer_ops *ops, const char *hook)
{
	const enum tt_hook *h;

	for (h = ops->hooks; *h != TT_HOOK_NR; h++)
		if (!strcmp(hook, tt_hook_name(*h)))
			return true;
	return false;
}

/*
 * Open and load one tracer, trying its hooks in order (only --hook's when
 * the tracer offers it).  `follow`: this object carries the fork-following
 * programs for the whole session.
 */
static int open_and_load(struct tt_session *s, struct slot *t, bool follow, struct tt_error *err)
{
	struct tt_tracer_stats *st = &s->stats.tracers[t - s->t];
	const char *only = s->o.hook && offers(t->ops, s->o.hook) ? s->o.hook : NULL;
	const enum tt_hook *h;
	int ret = -ENOENT, tracefs_err = 0;
	double t0;

	for (h = t->ops->hooks; *h != TT_HOOK_NR; h++) {
		if (only && strcmp(only, tt_hook_name(*h)))
			continue;
		/* classic tracepoints are attached by their tracefs ids: only that hook needs it */
		if (*h == TT_HOOK_TRACEPOINT) {
			tracefs_err = tt_ensure_tracefs();
			if (tracefs_err) {
				ret = tracefs_err;
				continue;
			}
		}
		t0 = now_mono();
		t->obj = t->ops->open(t->priv, *h, &s->o, &s->filter);
		if (!t->obj)
			return tt_error_set(err, -errno, false, "%s: opening BPF object: %s",
					    t->ops->name, strerror(errno));
		t->opened = true;
		ret = reuse_shared_maps(t->obj, s->pids_fd, s->cg_fd);
		if (ret)
			return tt_error_set(err, ret, false, "%s: sharing the filter maps: %s",
					    t->ops->name, strerror(-ret));
		select_programs(t->obj, t->ops->hooks, *h, follow);
		st->open_ms = (now_mono() - t0) * 1000;
		t0 = now_mono();
		ret = t->ops->load(t->priv);
		st->load_ms = (now_mono() - t0) * 1000;
		if (!ret) {
			t->hook = *h;
			st->hook = tt_hook_name(*h);
			return 0;
		}
		t->ops->close(t->priv);
		t->opened = false;
		t->obj = NULL;
		tracefs_err = 0;
	}
	if (tracefs_err)	/* the last hook tried was the tracepoints, and tracefs failed */
		return tt_error_set(err, tracefs_err, false, "%s: %s", t->ops->name,
				    tt_tracefs_why(tracefs_err));
	if (ret == -EPERM || ret == -EACCES)
		return tt_error_set(err, ret, false,
				    "%s: loading BPF programs: %s (lockdown or missing "
				    "CAP_BPF/CAP_PERFMON; -v shows the verifier log)", t->ops->name,
				    strerror(-ret));
	return tt_error_set(err, ret, false, "%s: loading BPF programs failed on every hook: %s "
			    "(-v shows the verifier log)", t->ops->name, strerror(-ret));
}

/* Kernel memory of an object's maps: the kernel's own figure (fdinfo memlock), summed. */
static int map_memory(const struct bpf_object *obj, uint64_t *bytes)
{
	struct bpf_map *map;

	*bytes = 0;
	bpf_object__for_each_map(map, obj) {
		char path[64], line[128];
		uint64_t v;
		FILE *f;

		if (bpf_map__fd(map) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
		f = fopen(path, "re");
		if (!f)
			return -errno;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "memlock: %" SCNu64, &v) == 1)
				*bytes += v;
		fclose(f);
	}
	return 0;
}

/* The self-metric gauge tracetool_bpf_map_memory_bytes{tracer}. 0 or -ENOMEM. */
static int add_map_memory(struct tt_report *r, const char *tracer, uint64_t bytes)
{
	static const char *const names[] = { "tracer" };
	struct tt_family *f;
	struct tt_series *s;

	f = tt_report_find_family(r, TT_MAP_MEMORY_FAMILY);
	if (!f)
		f = tt_report_add_family(r, TT_MAP_MEMORY_FAMILY,
					 "Kernel memory of the tracer's BPF maps (fdinfo memlock).",
					 "bytes", TT_METRIC_GAUGE, 1, names);
	if (!f)
		return -ENOMEM;
	f->text_hidden = true;	/* -v prints it with the start-up timings */
	s = tt_family_add_series(f, &tracer);
	if (!s)
		return -ENOMEM;
	s->value = (double)bytes;
	return 0;
}

/*
 * Set the BPF global `tt_ready` (bpf/lib/tt.bpf.h) of a loaded object,
 * found through the object's BTF in its mmapped .bss: no tracer needs code
 * for it.  0 or -ENOENT.
 */
static int set_ready_flag(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *v;
	const struct btf_type *sec;
	struct bpf_map *m;
	size_t sz, len;
	int id, i;
	char *mem;

	id = btf ? btf__find_by_name_kind(btf, ".bss", BTF_KIND_DATASEC) : -ENOENT;
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	bpf_object__for_each_map(m, obj) {
		len = strlen(bpf_map__name(m));
		if (len < 4 || strcmp(bpf_map__name(m) + len - 4, ".bss"))
			continue;
		/* the mmapped map after load (const in older libbpf, writable all the same) */
		mem = (char *)bpf_map__initial_value(m, &sz);
		for (i = 0, v = btf_var_secinfos(sec); mem && i < btf_vlen(sec); i++, v++) {
			const struct btf_type *var = btf__type_by_id(btf, v->type);

			if (strcmp(btf__name_by_offset(btf, var->name_off), "tt_ready") ||
			    v->offset + sizeof(bool) > sz)
				continue;
			__atomic_store_n((bool *)(mem + v->offset), true, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -ENOENT;
}

/* Let -- CMD run; a failed exec is an error (usage when CMD is not found). */
static int release_cmd(struct tt_session *s, struct tt_error *err)
{
	int e = 0;
	ssize_t n;

	if (tt_write_nosigpipe(s->go_fd, "g", 1) != 1) {
		int st;

		if (errno != EPIPE)
			return tt_error_set(err, -errno, false, "starting command: %s",
					    strerror(errno));
		/* killed while held (a Ctrl-C to the whole group): the run ends as it did */
		close(s->go_fd);
		s->go_fd = -1;
		s->released = true;
		if (waitpid(s->child, &st, 0) == s->child)
			s->cmd_status = s->stats.cmd_status = st;
		s->child = -1;
		s->done = true;
		return 0;
	}
	close(s->go_fd);
	s->go_fd = -1;
	s->released = true;
	n = read(s->exec_fd, &e, sizeof(e));	/* EOF: exec succeeded */
	if (n == sizeof(e)) {
		waitpid(s->child, NULL, 0);
		s->child = -1;
		return tt_error_set(err, -e, e == ENOENT || e == EACCES, "cannot run %s: %s",
				    s->o.cmd[0], strerror(e));
	}
	return 0;
}

/* tt_session_start's steps from the BPF objects' load to the ready flags. */
static int load_and_attach(struct tt_session *s, struct tt_error *err)
{
	struct tt_common_opts *o = &s->o;
	size_t i;
	int ret;

	ret = create_shared_maps(&s->pids_fd, &s->cg_fd, err);
	for (i = 0; !ret && i < s->n; i++)
		ret = open_and_load(s, &s->t[i], o->cmd && !o->no_trace_cmd && i == 0, err);
	if (ret)
		return ret;
	s->stats.loaded_ms = (now_mono() - t_start) * 1000;
	s->stats.hook = tt_hook_name(s->t[0].hook);
	if (s->child > 0)
		wait_held(s->child);	/* as in tt_session_relaunch; dead: release_cmd says why */
	ret = fill_shared_maps(s->pids_fd, s->cg_fd, o, s->child, err);
	for (i = 0; !ret && i < s->n; i++) {
		struct slot *t = &s->t[i];
		double t0 = now_mono();

		ret = t->ops->attach(t->priv);
		s->stats.tracers[i].attach_ms = (now_mono() - t0) * 1000;
		if (ret)
			return tt_error_set(err, ret, false, "%s: attaching BPF programs: %s",
					    t->ops->name, strerror(-ret));
		if (t->ops->event_fd)
			t->efd = t->ops->event_fd(t->priv);
	}
	if (ret)
		return ret;
	for (i = 0; i < s->n; i++) {
		if (set_ready_flag(s->t[i].obj))
			return tt_error_set(err, -ENOENT, false, "%s: the BPF object has no tt_ready "
					    "flag", s->t[i].ops->name);
		map_memory(s->t[i].obj, &s->stats.tracers[i].map_bytes);
	}
	s->stats.attach_ms = (now_mono() - t_start) * 1000;
	read_rss(&s->stats.rss_kb, &s->stats.hwm_kb);
	if (s->on_ready)	/* before the report's window starts: the caller's encloses it */
		s->on_ready(s->on_ready_ctx);
	clock_gettime(CLOCK_REALTIME, &s->start_real);
	s->start_mono = now_mono();
	for (i = 0; i < s->n; i++)
		s->t[i].last_collect = s->start_mono;
	return 0;
}

/*
 * Loading and attaching take tens of ms of CPU, but a nice-0 tracetool in
 * the scheduling group (cgroup, autogroup: the terminal session) of a busy
 * process gets 1/(runnable threads + 1) of a CPU: beside 200 spinning
 * threads on 2 CPUs sampling began 2.7 s late (docs/performance.md).  So
 * the setup runs at nice -20 when tracetool may raise it (CAP_SYS_NICE or
 * RLIMIT_NICE) and nobody lowered it: raised after CMD is forked, lowered
 * back before any report work.  The nice to go back to, or INT_MIN.
 */
static int setup_nice_raise(void)
{
	int old;

	errno = 0;
	old = getpriority(PRIO_PROCESS, 0);	/* Linux: this thread's */
	if ((old == -1 && errno) || old > 0 || old == -20)
		return INT_MIN;
	return setpriority(PRIO_PROCESS, 0, -20) ? INT_MIN : old;
}

static void setup_nice_restore(int old)
{
	if (old != INT_MIN)
		setpriority(PRIO_PROCESS, 0, old);
}

int tt_session_start(struct tt_session *s, struct tt_error *err)
{
	struct tt_common_opts *o = &s->o;
	size_t i;
	int ret, old_nice;

	memset(err, 0, sizeof(*err));
	if (s->started || !s->n)
		return tt_error_set(err, -EINVAL, false, "internal: session started twice or empty");
	s->started = true;
	s->stats.ntracers = s->n;
	/* -p takes thread ids too: the filter works on thread-group ids. */
	for (i = 0; i < o->npids; i++) {
		pid_t given = o->pids[i];

		if (pid_to_tgid(given, &o->pids[i]))
			return tt_error_set(err, -ESRCH, true, "no such process: %d", (int)given);
	}
	if (o->hook) {
		for (i = 0; i < s->n && !offers(s->t[i].ops, o->hook); i++)
			;
		if (i == s->n)
			return tt_error_set(err, -EINVAL, true, "--hook %s: %s %s this hook", o->hook,
					    s->n == 1 ? s->t[0].ops->name : "no named tracer",
					    s->n == 1 ? "does not offer" : "offers");
	}
	for (i = 0; i < s->n; i++)
		s->drains |= s->t[i].ops->drain != NULL;
	ret = preflight(o, err);
	if (ret)
		return ret;

	s->filter.self_tgid = (__u32)getpid();
	s->filter.filter_pids = o->npids > 0 || (o->cmd && !o->no_trace_cmd);
	s->filter.follow_forks = o->cmd && !o->no_trace_cmd;
	if (o->comm[0]) {
		s->filter.filter_comm = 1;
		memcpy(s->filter.comm, o->comm, sizeof(s->filter.comm));
	}
	s->filter.filter_cgroup = o->cgroup != NULL;

	sigemptyset(&s->mask);
	sigaddset(&s->mask, SIGINT);
	sigaddset(&s->mask, SIGTERM);
	sigaddset(&s->mask, SIGHUP);
	sigaddset(&s->mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &s->mask, &s->orig_mask);
	s->masked = true;
	s->sfd = signalfd(-1, &s->mask, SFD_CLOEXEC);
	if (s->sfd < 0)
		return tt_error_set(err, -errno, false, "signalfd: %s", strerror(errno));
	if (o->cmd) {
		/*
		 * CMD's descendants must not outlive tracetool either: when one
		 * loses its parent it is reparented to us, not to init, so the
		 * end of the run can find and end it (end_descendants).
		 */
		s->subreaper = !prctl(PR_SET_CHILD_SUBREAPER, 1);
		ret = spawn_held(o->cmd, &s->orig_mask, &s->child, &s->go_fd, &s->exec_fd, err);
		if (ret)
			return ret;
	}
	old_nice = setup_nice_raise();
	ret = load_and_attach(s, err);
	setup_nice_restore(old_nice);
	if (ret)
		return ret;
	if (o->dry_run) {
		s->done = true;
		return 0;
	}
	return s->child > 0 ? release_cmd(s, err) : 0;
}

size_t tt_session_pollfds(const struct tt_session *s, struct pollfd *fds, size_t max)
{
	size_t n = 0, i;

	if (s->sfd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = s->sfd, .events = POLLIN };
	for (i = 0; i < s->n && n < max; i++)
		if (s->t[i].efd >= 0)
			fds[n++] = (struct pollfd){ .fd = s->t[i].efd, .events = POLLIN };
	return n;
}

int tt_session_timeout(const struct tt_session *s)
{
	return s->drains ? 100 : -1;	/* ring buffers may skip wakeups: drain every 100 ms */
}

static int drain_all(struct tt_session *s, struct tt_error *err)
{
	size_t i;
	int n;

	for (i = 0; i < s->n; i++) {
		if (!s->t[i].ops->drain)
			continue;
		n = s->t[i].ops->drain(s->t[i].priv, s->pending);
		if (n < 0)
			return tt_error_set(err, n, false, "%s: reading events: %s",
					    s->t[i].ops->name, strerror(-n));
	}
	return 0;
}

/*
 * Our children other than CMD (orphaned descendants of CMD reparented to a
 * subreaper, a helper process), from /proc: up to `max` pids into `out`,
 * with `zombies_only` only those that have exited.  The count found.
 */
static size_t list_children(pid_t skip, bool zombies_only, pid_t *out, size_t max)
{
	pid_t self = getpid();
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		char path[64], buf[512], *p, state;
		pid_t pid = (pid_t)atoi(e->d_name);
		int fd, ppid;
		ssize_t len;

		if (pid <= 0 || pid == skip)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
		if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2 || ppid != self)
			continue;
		if (!zombies_only || state == 'Z')
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Reap the orphans of CMD that have exited (as init would). */
static void reap_orphans(struct tt_session *s)
{
	pid_t pids[256];
	size_t i, n;

	if (!s->subreaper)
		return;
	n = list_children(s->child, true, pids, sizeof(pids) / sizeof(pids[0]));
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, WNOHANG);
}

/*
 * End CMD's descendants still running when the session ends: SIGKILL, as
 * CMD itself gets from PR_SET_PDEATHSIG, generation by generation (each
 * killed parent hands its children to us); bounded in passes and time.
 */
static void end_descendants(struct tt_session *s)
{
	pid_t pids[256];
	size_t i, n, pass;

	if (!s->subreaper)
		return;
	if (s->child > 0)
		kill(s->child, SIGKILL);
	for (pass = 0; pass < 200; pass++) {
		n = list_children(-1, false, pids, sizeof(pids) / sizeof(pids[0]));
		if (!n)
			break;
		for (i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < n; i++) {
			int k;

			/* a task in uninterruptible sleep may take a while: 10 ms each at most */
			for (k = 0; k < 100 && !waitpid(pids[i], NULL, WNOHANG); k++)
				usleep(100);
		}
	}
	if (s->child > 0 && waitpid(s->child, NULL, WNOHANG) == s->child)
		s->child = -1;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	s->subreaper = false;
}

int tt_session_service(struct tt_session *s, const struct pollfd *fds, size_t n,
		       struct tt_error *err)
{
	struct signalfd_siginfo si;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fds[i].fd != s->sfd || !(fds[i].revents & POLLIN))
			continue;
		if (read(s->sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD) {
			int st;

			if (s->child > 0 && waitpid(s->child, &st, WNOHANG) == s->child) {
				s->cmd_status = s->stats.cmd_status = st;
				s->child = -1;
				s->done = true;
			}
			reap_orphans(s);
		} else {
			s->done = true;
			s->interrupted = true;
			/* a second Ctrl-C now ends the process at once */
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			sigprocmask(SIG_UNBLOCK, &s->mask, NULL);
		}
	}
	return drain_all(s, err);
}

bool tt_session_done(const struct tt_session *s)
{
	return s->done;
}

int tt_session_cmd_status(const struct tt_session *s)
{
	return s->cmd_status;
}

const struct tt_run_stats *tt_session_stats(const struct tt_session *s)
{
	return &s->stats;
}

struct bpf_object *tt_session_object(const struct tt_session *s, size_t i, const char **tracer)
{
	if (i >= s->n || !s->t[i].opened)
		return NULL;
	*tracer = s->t[i].ops->name;
	return s->t[i].obj;
}

int tt_session_take_events(struct tt_session *s, struct tt_report *dst, struct tt_error *err)
{
	int ret = drain_all(s, err);

	if (ret)
		return ret;
	ret = tt_report_take_events(dst, s->pending);
	return ret ? tt_error_set(err, ret, false, "out of memory") : 0;
}

/* Add tracer `t`'s increase since its previous collect to its cumulative report. */
static int collect_one(struct tt_session *s, struct slot *t)
{
	struct tt_report *d = tt_report__new();
	double now = now_mono();
	size_t k;
	int ret;

	if (!d)
		return -ENOMEM;
	d->duration_seconds = now - t->last_collect;
	ret = tt_report_add_tracer(d, t->ops->name, tt_hook_name(t->hook));
	ret = ret ?: t->ops->collect(t->priv, d);
	ret = ret ?: (s->fold ? s->fold(s->fold_ctx, d) : 0);
	ret = ret ?: read_lost(t->obj, d, t->lost_prev);
	/* events a tracer put into the report itself go to the pending list */
	ret = ret ?: tt_report_take_events(s->pending, d);
	if (!ret) {
		for (k = 0; k < TT_LOST_NR; k++)
			d->tracer_lost[0][k] = d->lost[k];
		if (!t->cum->ntracers)
			ret = tt_report_add_tracer(t->cum, t->ops->name, tt_hook_name(t->hook));
	}
	ret = ret ?: tt_report_accumulate(t->cum, d);
	t->last_collect = now;
	tt_report__free(d);
	return ret;
}

struct tt_report *tt_session_snapshot(struct tt_session *s, struct tt_error *err)
{
	struct tt_report *r;
	size_t i;
	int ret;

	ret = drain_all(s, err);
	if (ret)
		return NULL;
	r = tt_report__new();
	if (!r) {
		tt_error_set(err, -ENOMEM, false, "out of memory");
		return NULL;
	}
	/* where the next window starts (tt_session_next_window) */
	s->snap_mono = now_mono();
	clock_gettime(CLOCK_REALTIME, &s->snap_real);
	s->snapped = true;
	r->started_at = s->start_real;
	r->duration_seconds = s->snap_mono - s->start_mono;
	for (i = 0; !ret && i < s->n; i++)
		ret = tt_report_add_tracer(r, s->t[i].ops->name, tt_hook_name(s->t[i].hook));
	ret = ret ?: describe_filters(r, &s->o);
	if (!ret && s->o.cmd)
		ret = tt_report_set_command(r, s->o.cmd, s->child > 0 ? -1 : s->cmd_status);
	for (i = 0; !ret && i < s->n; i++) {
		ret = collect_one(s, &s->t[i]);
		ret = ret ?: tt_report_accumulate(r, s->t[i].cum);
	}
	ret = ret ?: tt_report_add_lost_family(r);
	for (i = 0; !ret && i < s->n; i++) {
		uint64_t bytes;

		ret = map_memory(s->t[i].obj, &bytes);
		if (ret == -EMFILE || ret == -ENFILE) {
			/* out of descriptors (counted by the tracers that need them): the size at start */
			bytes = s->stats.tracers[i].map_bytes;
			ret = 0;
		}
		ret = ret ?: add_map_memory(r, s->t[i].ops->name, bytes);
	}
	if (ret) {
		tt_report__free(r);
		tt_error_set(err, ret, false, "reading BPF maps: %s", strerror(-ret));
		return NULL;
	}
	return r;
}

void tt_session_set_fold(struct tt_session *s, tt_session_fold_fn fold, void *ctx)
{
	s->fold = fold;
	s->fold_ctx = ctx;
}

void tt_session_set_on_ready(struct tt_session *s, void (*fn)(void *ctx), void *ctx)
{
	s->on_ready = fn;
	s->on_ready_ctx = ctx;
}

/* Remove from `f` the series of `gone` (same labels). 0 or -ENOMEM. */
static int forget_series(struct tt_family *f, const struct tt_family *gone)
{
	struct tt_series_index idx;
	bool *drop;
	size_t i;

	if (!f->nseries || !gone->nseries || f->nlabels != gone->nlabels)
		return 0;
	drop = calloc(f->nseries, sizeof(*drop));
	if (!drop || tt_series_index_init(&idx, f, 0)) {
		free(drop);
		return -ENOMEM;
	}
	for (i = 0; i < gone->nseries; i++) {
		size_t *slot = tt_series_index_slot(&idx, f, gone->series[i].labels);

		if (*slot)
			drop[*slot - 1] = true;
	}
	tt_family_drop_series(f, drop);
	tt_series_index_release(&idx);
	free(drop);
	return 0;
}

int tt_session_forget(struct tt_session *s, const struct tt_report *gone)
{
	size_t i, k;
	int ret = 0;

	for (i = 0; !ret && i < gone->nfamilies; i++)
		for (k = 0; !ret && k < s->n; k++) {
			struct tt_family *f = s->t[k].cum ?
				tt_report_find_family(s->t[k].cum, gone->families[i]->name) : NULL;

			ret = f ? forget_series(f, gone->families[i]) : 0;
		}
	return ret;
}

/* Every tracer's cumulative report starts afresh, empty. 0 or -ENOMEM. */
static int reset_cumulative(struct tt_session *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct tt_report *r = tt_report__new();

		if (!r)
			return -ENOMEM;
		tt_report__free(s->t[i].cum);
		s->t[i].cum = r;
	}
	return 0;
}

/*
 * Empty the pid filter but for -p's thread groups.  Fork following adds
 * a child of a listed process at any time, so a pass can miss one forked
 * while it ran (its parent was listed): passes repeat until one finds
 * nothing to delete, or 8 of them (a process that escapes them all is
 * one that forked 8 generations deep within microseconds).
 */
static int filter_keep_only_pids(struct tt_session *s, struct tt_error *err)
{
	__u32 *keys, key, next;
	size_t n, i, k, pass, deleted = 1;
	int ret = 0;

	keys = calloc(TT_MAX_PIDS, sizeof(*keys));
	if (!keys)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	for (pass = 0; !ret && deleted && pass < 8; pass++) {
		for (n = 0; n < TT_MAX_PIDS &&
			    !bpf_map_get_next_key(s->pids_fd, n ? &key : NULL, &next); n++)
			keys[n] = key = next;
		for (i = 0, deleted = 0; !ret && i < n; i++) {
			for (k = 0; k < s->o.npids && (__u32)s->o.pids[k] != keys[i]; k++)
				;
			if (k < s->o.npids)
				continue;
			if (bpf_map_delete_elem(s->pids_fd, &keys[i]) && errno != ENOENT)
				ret = tt_error_set(err, -errno, false, "pid filter: %s",
						   strerror(errno));
			deleted++;
		}
	}
	free(keys);
	return ret;
}

int tt_session_relaunch(struct tt_session *s, char **cmd, struct tt_error *err)
{
	size_t i;
	int ret;

	memset(err, 0, sizeof(*err));
	if (s->interrupted)
		return tt_error_set(err, -EINTR, false, "interrupted");
	if (!s->started || !s->o.cmd || s->o.dry_run)
		return tt_error_set(err, -EINVAL, false, "internal: relaunch needs a started "
				    "session with -- CMD");
	if (s->child > 0)
		return tt_error_set(err, -EBUSY, false, "internal: relaunch while %s runs",
				    s->o.cmd[0]);
	if (cmd)
		s->o.cmd = cmd;
	if (s->exec_fd >= 0)
		close(s->exec_fd);
	s->exec_fd = -1;
	s->released = s->done = false;
	s->cmd_status = s->stats.cmd_status = -1;
	ret = spawn_held(s->o.cmd, &s->orig_mask, &s->child, &s->go_fd, &s->exec_fd, err);
	ret = ret ?: filter_keep_only_pids(s, err);
	ret = ret ?: drain_all(s, err);
	for (i = 0; !ret && i < s->n; i++) {
		ret = collect_one(s, &s->t[i]);
		if (ret)
			tt_error_set(err, ret, false, "reading BPF maps: %s", strerror(-ret));
	}
	if (!ret) {
		struct tt_report *empty = tt_report__new();

		ret = empty ? reset_cumulative(s) : -ENOMEM;
		if (ret) {
			tt_report__free(empty);
			return tt_error_set(err, ret, false, "out of memory");
		}
		tt_report__free(s->pending);	/* events between the runs belong to neither */
		s->pending = empty;
	}
	if (!ret)
		wait_held(s->child);	/* dead: release_cmd says why */
	if (!ret && !s->o.no_trace_cmd)
		ret = filter_add(s->pids_fd, s->child, err);
	for (i = 0; !ret && i < s->n; i++) {
		if (s->t[i].ops->reattach && (ret = s->t[i].ops->reattach(s->t[i].priv)))
			tt_error_set(err, ret, false, "%s: attaching to %s: %s", s->t[i].ops->name,
				     s->o.cmd[0], strerror(-ret));
	}
	if (ret)
		return ret;	/* tt_session__free ends the held child */
	if (s->on_ready)
		s->on_ready(s->on_ready_ctx);
	clock_gettime(CLOCK_REALTIME, &s->start_real);
	s->start_mono = now_mono();
	for (i = 0; i < s->n; i++)
		s->t[i].last_collect = s->start_mono;
	return release_cmd(s, err);
}

int tt_session_next_window(struct tt_session *s)
{
	int ret;

	if (!s->started || s->o.cmd || !s->snapped)
		return -EINVAL;
	ret = reset_cumulative(s);
	if (ret)
		return ret;
	s->start_real = s->snap_real;
	s->start_mono = s->snap_mono;
	return 0;
}

double tt_session_window_start(const struct tt_session *s)
{
	return s->start_mono;
}

void tt_session_stop(struct tt_session *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->t[i].opened)
			s->t[i].ops->close(s->t[i].priv);
		s->t[i].opened = false;
		s->t[i].obj = NULL;
		s->t[i].efd = -1;
	}
}

void tt_session__free(struct tt_session *s)
{
	size_t i;

	if (!s)
		return;
	tt_session_stop(s);
	if (s->go_fd >= 0)
		close(s->go_fd);	/* an unreleased child sees EOF and exits 127 */
	if (s->exec_fd >= 0)
		close(s->exec_fd);
	if (s->child > 0 && !s->released)
		waitpid(s->child, NULL, 0);	/* it exits at once: its pipe is closed */
	end_descendants(s);
	if (s->pids_fd >= 0)
		close(s->pids_fd);
	if (s->cg_fd >= 0)
		close(s->cg_fd);
	if (s->sfd >= 0)
		close(s->sfd);
	if (s->masked)
		sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
	for (i = 0; i < s->n; i++)
		tt_report__free(s->t[i].cum);
	tt_report__free(s->pending);
	free(s);
}

/* --- tt_session_run: the loop of a one-shot command --------------------------- */

struct run {
	struct tt_session *s;
	const struct tt_common_opts *o;
	struct tt_outfile of;		/* -o, or standard output */
	FILE *out;			/* of.f: it changes at each checkpoint */
	bool text;			/* -f text: events are printed live */
	struct tt_report *prev;		/* snapshot at the previous interval report */
	double prev_mono;
	size_t reports;
	int pidfds[TT_MAX_CLI_PIDS];	/* per -p process still alive, or -1 */
	size_t alive;			/* pidfds >= 0 */
	bool watching;			/* every -p process watched (no -- CMD) */
};

static void unwatch_pids(struct run *run)
{
	size_t i;

	for (i = 0; i < TT_MAX_CLI_PIDS; i++) {
		if (run->pidfds[i] >= 0)
			close(run->pidfds[i]);
		run->pidfds[i] = -1;
	}
	run->alive = 0;
	run->watching = false;
}

/*
 * With -p and no -- CMD, the run ends when every -p process has exited, as
 * perf record -p and strace -p do: nothing can match any more, and a pid
 * reused later must not be taken for the process asked for.  A pidfd per
 * process (pidfd_open, Linux 5.3) polls readable when it exits; when one
 * cannot be watched, the run never ends early.
 */
static void watch_pids(struct run *run)
{
	const struct tt_common_opts *o = run->o;
	size_t i;

	for (i = 0; i < TT_MAX_CLI_PIDS; i++)
		run->pidfds[i] = -1;
	if (o->cmd || !o->npids)
		return;
	for (i = 0; i < o->npids; i++) {
		pid_t tgid;
		int fd;

		if (pid_to_tgid(o->pids[i], &tgid))
			continue;	/* gone already */
		fd = (int)syscall(SYS_pidfd_open, tgid, 0);
		if (fd >= 0) {
			run->pidfds[i] = fd;
			run->alive++;
		} else if (errno != ESRCH) {
			unwatch_pids(run);
			return;
		}
	}
	run->watching = true;
}

/* In text format, print the waiting events at once, one line each. */
static int print_events(struct run *run, struct tt_error *err)
{
	struct tt_report *ev;
	size_t i;
	int ret;

	if (!run->text)
		return 0;
	ev = tt_report__new();
	if (!ev)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	ret = tt_session_take_events(run->s, ev, err);
	for (i = 0; !ret && i < ev->nevents; i++)
		tt_render_event_line(&ev->events[i], run->out);
	if (!ret && ev->nevents && (fflush(run->out) || ferror(run->out))) {
		ret = run->of.err ? run->of.err : EIO;
		ret = tt_error_set(err, -ret, false, "writing events: %s", strerror(ret));
	}
	tt_report__free(ev);
	return ret;
}

/*
 * With -i, the stacks of the snapshot just taken are the last ones any
 * report needs whole: the tracers' cumulative profiles start empty again,
 * so that the next snapshot holds only the stacks of its interval.  Kept
 * since start, every distinct stack a long run ever saw stayed in memory
 * twice (the cumulative reports and the previous snapshot): on a busy host
 * about 1 MB a minute, without end.  Families stay cumulative.
 */
static void forget_stacks(struct run *run)
{
	size_t i;

	for (i = 0; i < run->s->n; i++)
		tt_report_clear_profiles(run->s->t[i].cum);
}

/*
 * Render a report: with -i the interval since the previous one (the
 * difference of two snapshots), else everything since start.
 */
static int emit_report(struct run *run, bool interval, bool short_header, struct tt_error *err)
{
	struct tt_render_opts ro = { .hist = run->o->hist, .top = run->o->top,
				     .interval = short_header };
	struct tt_report *snap, *r;
	int ret;

	ret = print_events(run, err);
	if (ret)
		return ret;
	snap = tt_session_snapshot(run->s, err);
	if (!snap)
		return err->code;
	if (interval)
		forget_stacks(run);
	r = snap;
	if (interval && run->prev) {
		r = tt_report_diff(snap, run->prev);
		if (!r) {
			tt_report__free(snap);
			return tt_error_set(err, -errno, false, "out of memory");
		}
		r->duration_seconds = snap->duration_seconds - run->prev->duration_seconds;
		r->started_at = run->prev->started_at;
		r->started_at.tv_sec += (time_t)run->prev->duration_seconds;
		r->started_at.tv_nsec += (long)((run->prev->duration_seconds -
						 floor(run->prev->duration_seconds)) * 1e9);
		if (r->started_at.tv_nsec >= 1000000000L) {
			r->started_at.tv_sec++;
			r->started_at.tv_nsec -= 1000000000L;
		}
	}
	ret = tt_session_take_events(run->s, r, err);
	if (!ret) {
		ret = tt_render(r, &ro, run->o->format, run->out);
		if (!ret && fflush(run->out))
			ret = -errno;
		if (ret == -EIO && run->of.err)
			ret = -run->of.err;	/* the renderer saw a failed write; here is which */
		/* -i: the file on disk holds every whole report so far */
		if (!ret && interval) {
			ret = tt_outfile_checkpoint(&run->of);
			run->out = run->of.f;
		}
		if (ret)
			tt_error_set(err, ret, false, "writing report: %s", strerror(-ret));
	}
	if (r != snap)
		tt_report__free(r);
	tt_report__free(run->prev);
	run->prev = snap;
	if (interval)	/* the next snapshot's stacks are all new: the diff takes them whole */
		tt_report_clear_profiles(run->prev);
	if (!ret)
		run->reports++;
	return ret;
}

int tt_session_run(const struct tt_tracer_ref *tracers, size_t n, const struct tt_common_opts *o,
		   struct tt_run_stats *stats, struct tt_error *err)
{
	struct run run = { .o = o, .out = stdout };
	struct pollfd fds[TT_SESSION_MAX_TRACERS + 1 + TT_MAX_CLI_PIDS];
	size_t k, npoll;
	double deadline, next, start;
	size_t i, nfds;
	int ret = 0;

	memset(stats, 0, sizeof(*stats));
	stats->cmd_status = -1;
	memset(err, 0, sizeof(*err));
	for (k = 0; k < TT_MAX_CLI_PIDS; k++)
		run.pidfds[k] = -1;	/* none watched until the run starts */
	run.text = !o->format || !strcmp(o->format, "text");
	run.s = tt_session__new(o);
	if (!run.s)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	for (i = 0; !ret && i < n; i++)
		ret = tt_session_add(run.s, tracers[i].ops, tracers[i].priv);
	if (ret) {
		tt_error_set(err, ret, ret == -EEXIST, ret == -EEXIST ? "a tracer is named twice" :
			     "too many tracers (at most %d)", TT_SESSION_MAX_TRACERS);
		goto out;
	}
	ret = tt_outfile_open(&run.of, o->output);
	if (ret) {
		tt_error_set(err, ret, true, "-o %s: %s", o->output, strerror(-ret));
		goto out;
	}
	run.out = run.of.f;
	ret = tt_session_start(run.s, err);
	if (ret || o->dry_run)
		goto out_stop;

	start = now_mono();
	deadline = o->duration > 0 ? start + o->duration : INFINITY;
	next = o->interval > 0 ? start + o->interval : INFINITY;
	watch_pids(&run);
	while (!tt_session_done(run.s)) {
		double now = now_mono();
		int timeout = tt_poll_timeout_ms(fmin(deadline, next), now,
						 tt_session_timeout(run.s));

		nfds = tt_session_pollfds(run.s, fds, TT_SESSION_MAX_TRACERS + 1);
		npoll = nfds;
		for (k = 0; k < TT_MAX_CLI_PIDS; k++)
			if (run.pidfds[k] >= 0)
				fds[npoll++] = (struct pollfd){ .fd = run.pidfds[k], .events = POLLIN };
		if (run.watching && !run.alive)
			timeout = 0;
		if (poll(fds, npoll, timeout) < 0 && errno != EINTR) {
			ret = tt_error_set(err, -errno, false, "poll: %s", strerror(errno));
			goto out_stop;
		}
		ret = tt_session_service(run.s, fds, nfds, err);
		ret = ret ?: print_events(&run, err);
		if (ret)
			goto out_stop;
		for (k = nfds; k < npoll; k++) {
			size_t p;

			if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (p = 0; p < TT_MAX_CLI_PIDS && run.pidfds[p] != fds[k].fd; p++)
				;
			close(fds[k].fd);
			run.pidfds[p] = -1;
			run.alive--;
		}
		if (run.watching && !run.alive) {
			fprintf(stderr, "tracetool: every process given with -p has exited: "
				"the run ends\n");
			ret = tt_session_service(run.s, fds, 0, err);	/* last events */
			ret = ret ?: print_events(&run, err);
			if (ret)
				goto out_stop;
			break;
		}
		now = now_mono();
		if (now >= deadline)
			break;
		if (!tt_session_done(run.s) && now >= next) {
			ret = emit_report(&run, true, true, err);
			if (ret)
				goto out_stop;
			next += o->interval;
		}
	}
	ret = emit_report(&run, o->interval > 0, o->interval > 0 && run.reports > 0, err);

out_stop:
	unwatch_pids(&run);
	*stats = *tt_session_stats(run.s);
	stats->reports = run.reports;
	tt_session_stop(run.s);
out:
	tt_session__free(run.s);
	tt_report__free(run.prev);
	if (ret) {
		tt_outfile_abort(&run.of);	/* an existing report stays as it was */
	} else if (o->output) {
		ret = tt_outfile_commit(&run.of);
		if (ret)
			tt_error_set(err, ret, false, "-o %s: %s", o->output, strerror(-ret));
	}
	return ret;
}
