// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel feature probes: capabilities, tracefs (mounted on demand) and which
 * hook and map types this kernel accepts.  Each hook probe loads a
 * two-instruction program and attaches it for real, because a program type
 * that loads can still be refused at attach (fentry on this class of kernel
 * loads nowhere, kprobes may be compiled out).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probe.h"

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/*
 * 0 if dir holds a tracefs this process can read, else -errno: -EACCES
 * when it is there but closed to this user (mode 0700 for root: CAP_BPF
 * and CAP_PERFMON do not open it), -ENOENT when nothing is mounted there.
 */
static int tracefs_at(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/events", dir);
	/* effective ids and capabilities (access() would drop the capabilities of a non-root user) */
	return faccessat(AT_FDCWD, p, F_OK, AT_EACCESS) ? -errno : 0;
}

/* Path of a usable tracefs, mounting it if needed, or NULL with *err set. */
static const char *tracefs_path(int *err)
{
	size_t i;

	for (i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++)
		if (!tracefs_at(tracefs_dirs[i]))
			return tracefs_dirs[i];
	*err = tt_ensure_tracefs();
	return *err ? NULL : tracefs_dirs[0];
}

int tt_ensure_tracefs(void)
{
	int e0 = tracefs_at(tracefs_dirs[0]), e1;

	if (!e0)
		return 0;
	e1 = tracefs_at(tracefs_dirs[1]);
	if (!e1)
		return 0;
	if (e0 == -EACCES || e1 == -EACCES)
		return -EACCES;	/* mounted, not for us: mounting again would not help */
	if (mount("tracefs", tracefs_dirs[0], "tracefs", 0, NULL))
		return -errno;
	return tracefs_at(tracefs_dirs[0]);
}

const char *tt_tracefs_why(int err)
{
	if (err == -EACCES)
		return "tracefs at /sys/kernel/tracing is not readable by this user: classic "
		       "tracepoints need their ids from it (root, or CAP_DAC_READ_SEARCH "
		       "besides CAP_BPF and CAP_PERFMON)";
	if (err == -EPERM)
		return "tracefs is not mounted, and mounting it needs CAP_SYS_ADMIN: "
		       "mount -t tracefs nodev /sys/kernel/tracing";
	return "tracefs is not mounted and mounting it at /sys/kernel/tracing failed: "
	       "mount -t tracefs nodev /sys/kernel/tracing";
}

static bool cap_has(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

bool tt_has_bpf_caps(const char **missing)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return true;	/* cannot tell: let the kernel decide */
	if (cap_has(d, CAP_SYS_ADMIN))
		return true;
	if (!cap_has(d, CAP_BPF)) {
		*missing = "CAP_BPF";
		return false;
	}
	if (!cap_has(d, CAP_PERFMON)) {
		*missing = "CAP_PERFMON";
		return false;
	}
	return true;
}

/* r0 = 0; exit */
static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_prog(enum bpf_prog_type type, enum bpf_attach_type at, int btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at,
		    .attach_btf_id = (__u32)btf_id);

	return bpf_prog_load(type, NULL, "GPL", ret0, 2, &opts);
}

static int perf_open(struct perf_event_attr *a, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void set_err(struct tt_feature *f, const char *what, int e)
{
	snprintf(f->detail, sizeof(f->detail), "%s: %s", what, strerror(e < 0 ? -e : e));
}

static void probe_btf_attach(struct tt_feature *f, const char *target, enum bpf_attach_type at)
{
	int id = libbpf_find_vmlinux_btf_id(target, at), fd, lfd;

	if (id < 0) {
		set_err(f, "no BTF id", id);
		return;
	}
	fd = load_prog(BPF_PROG_TYPE_TRACING, at, id);
	if (fd < 0) {
		set_err(f, "load", errno);
		return;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		set_err(f, "attach", errno);
	} else {
		f->supported = true;
		snprintf(f->detail, sizeof(f->detail), "attached to %s", target);
		close(lfd);
	}
	close(fd);
}

static void probe_raw_tp(struct tt_feature *f)
{
	int fd = load_prog(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0), lfd;

	if (fd < 0) {
		set_err(f, "load", errno);
		return;
	}
	lfd = bpf_raw_tracepoint_open("sys_enter", fd);
	if (lfd < 0) {
		set_err(f, "attach", errno);
	} else {
		f->supported = true;
		snprintf(f->detail, sizeof(f->detail), "attached to sys_enter");
		close(lfd);
	}
	close(fd);
}

/* Attach a program of `type` to an open perf event. */
static void attach_perf(struct tt_feature *f, int pfd, enum bpf_prog_type type, const char *ok)
{
	int fd;

	if (pfd < 0) {
		set_err(f, "perf_event_open", errno);
		return;
	}
	fd = load_prog(type, 0, 0);
	if (fd < 0) {
		set_err(f, "load", errno);
	} else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd)) {
		set_err(f, "attach", errno);
	} else {
		f->supported = true;
		snprintf(f->detail, sizeof(f->detail), "%s", ok);
	}
	if (fd >= 0)
		close(fd);
	close(pfd);
}

static void probe_tracepoint(struct tt_feature *f)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_TRACEPOINT };
	int id = -1, terr = 0;
	const char *tfs = tracefs_path(&terr);
	char p[256];
	FILE *fp;

	if (!tfs) {
		snprintf(f->detail, sizeof(f->detail), "%s",
			 terr == -EACCES ? "tracefs not readable (needs root or CAP_DAC_READ_SEARCH)" :
			 terr == -EPERM ? "tracefs not mounted (mounting needs CAP_SYS_ADMIN)" :
					  "tracefs not mounted and mount failed");
		return;
	}
	snprintf(p, sizeof(p), "%s/events/syscalls/sys_enter_getppid/id", tfs);
	fp = fopen(p, "re");
	if (!fp || fscanf(fp, "%d", &id) != 1) {
		set_err(f, p, errno ? errno : ENOENT);
		if (fp)
			fclose(fp);
		return;
	}
	fclose(fp);
	a.config = (__u64)id;
	attach_perf(f, perf_open(&a, 0), BPF_PROG_TYPE_TRACEPOINT, "attached to syscalls:sys_enter_getppid");
}

static int pmu_type(const char *pmu)
{
	char p[128];
	FILE *fp;
	int t = -1;

	snprintf(p, sizeof(p), "/sys/bus/event_source/devices/%s/type", pmu);
	fp = fopen(p, "re");
	if (!fp)
		return -1;
	if (fscanf(fp, "%d", &t) != 1)
		t = -1;
	fclose(fp);
	return t;
}

static void probe_kprobe(struct tt_feature *f)
{
	struct perf_event_attr a = { .size = sizeof(a) };
	int t = pmu_type("kprobe");

	if (t < 0) {
		snprintf(f->detail, sizeof(f->detail), "no kprobe PMU (CONFIG_KPROBES off?)");
		return;
	}
	a.type = (__u32)t;
	a.config1 = (__u64)(uintptr_t)"do_nanosleep";
	attach_perf(f, perf_open(&a, 0), BPF_PROG_TYPE_KPROBE, "attached to do_nanosleep");
}

/* A function of this binary for the uprobe probe to target. */
__attribute__((noinline)) int tt_probe_uprobe_target(int x)
{
	return x + 1;
}

/* File offset of `addr` in this executable, from /proc/self/maps. */
static long self_file_offset(uintptr_t addr, char *path, size_t len)
{
	unsigned long start, end, off;
	char perms[8], line[512];
	long ret = -1;
	FILE *fp = fopen("/proc/self/maps", "re");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		char file[256] = "";

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &start, &end, perms, &off, file) < 4)
			continue;
		if (addr >= start && addr < end && perms[2] == 'x') {
			snprintf(path, len, "%s", file);
			ret = (long)(addr - start + off);
			break;
		}
	}
	fclose(fp);
	return ret;
}

static void probe_uprobe(struct tt_feature *f)
{
	struct perf_event_attr a = { .size = sizeof(a) };
	int t = pmu_type("uprobe");
	char path[256];
	long off;

	if (t < 0) {
		snprintf(f->detail, sizeof(f->detail), "no uprobe PMU (CONFIG_UPROBE_EVENTS off?)");
		return;
	}
	off = self_file_offset((uintptr_t)&tt_probe_uprobe_target, path, sizeof(path));
	if (off < 0) {
		snprintf(f->detail, sizeof(f->detail), "cannot locate own text mapping");
		return;
	}
	a.type = (__u32)t;
	a.config1 = (__u64)(uintptr_t)path;
	a.config2 = (__u64)off;
	attach_perf(f, perf_open(&a, 0), BPF_PROG_TYPE_KPROBE, "attached to own binary");
}

static void probe_perf_event(struct tt_feature *f)
{
	struct perf_event_attr a = {
		.size = sizeof(a), .type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1, .sample_freq = 49,
	};

	attach_perf(f, perf_open(&a, 0), BPF_PROG_TYPE_PERF_EVENT, "software cpu-clock sampling");
}

static void probe_map(struct tt_feature *f, enum bpf_map_type t)
{
	int r = libbpf_probe_bpf_map_type(t, NULL);

	f->supported = r == 1;
	if (r < 0)
		set_err(f, "probe", r);
	else
		snprintf(f->detail, sizeof(f->detail), "%s", r == 1 ? "map type available" : "map type refused");
}

size_t tt_probe_features(struct tt_feature *out, size_t max)
{
	static const struct {
		const char *name, *what;
	} all[] = {
		{ "tp_btf", "BTF-typed raw tracepoints (first choice for syscalls, sched)" },
		{ "raw_tp", "raw tracepoints (fallback for tp_btf)" },
		{ "tracepoint", "classic tracepoints via tracefs/perf" },
		{ "fentry", "fentry/fexit on kernel functions (optional extra)" },
		{ "kprobe", "kprobes on kernel functions (optional extra)" },
		{ "uprobe", "uprobes/USDT on user binaries" },
		{ "perf_event", "perf_event sampling (profile)" },
		{ "ringbuf", "BPF ring buffer (events)" },
		{ "task_storage", "task-local storage (per-task state)" },
	};
	size_t i, n = sizeof(all) / sizeof(all[0]);

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		struct tt_feature *f = &out[i];

		memset(f, 0, sizeof(*f));
		f->name = all[i].name;
		f->what = all[i].what;
		errno = 0;
		switch (i) {
		case 0: probe_btf_attach(f, "sys_enter", BPF_TRACE_RAW_TP); break;
		case 1: probe_raw_tp(f); break;
		case 2: probe_tracepoint(f); break;
		case 3: probe_btf_attach(f, "do_nanosleep", BPF_TRACE_FENTRY); break;
		case 4: probe_kprobe(f); break;
		case 5: probe_uprobe(f); break;
		case 6: probe_perf_event(f); break;
		case 7: probe_map(f, BPF_MAP_TYPE_RINGBUF); break;
		case 8: probe_map(f, BPF_MAP_TYPE_TASK_STORAGE); break;
		}
	}
	return n;
}
