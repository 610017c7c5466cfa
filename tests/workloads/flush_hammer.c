/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * flush_hammer PID PROG MAP SECONDS: run PID's BPF program named PROG (found
 * through /proc/PID/fdinfo's prog_id and map_id lines) as often as it can
 * for SECONDS: an iterator over PID's map named MAP, each pass read to its
 * end like the owner's own reads, or (MAP "-") a BPF_PROG_TYPE_SYSCALL
 * program run with BPF_PROG_TEST_RUN on a context of two u64s, the first
 * 0 (struct tt_req_flush_args: idle_ns 0, every started response finished,
 * as before each report; the records sent make the flush's work longest).
 * The requests tracer's flush is such a program (flush_sk over sk_conns,
 * or flush), run every 100 ms: a test runs it many thousands of times a
 * second beside a load to make every race between the flush and the data
 * path happen.  SIGTERM ends it early.  Prints "passes N"; exit 0, or 2
 * on error.  Raw bpf(2) calls: the workloads link no libbpf.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* The id on a "KEY:\t<id>" line of an fdinfo file, 0 if none. */
static unsigned int fdinfo_id(const char *path, const char *key)
{
	char line[256];
	unsigned int id = 0;
	size_t k = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, k) && line[k] == ':')
			id = (unsigned int)strtoul(line + k + 1, NULL, 10);
	fclose(f);
	return id;
}

/* An fd (of this process) on the program or map of pid named name, -1 if none. */
static int find_obj(int pid, const char *name, int is_map)
{
	char dir[64], path[320];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		struct bpf_prog_info pi;
		struct bpf_map_info mi;
		union bpf_attr a;
		unsigned int id;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		id = fdinfo_id(path, is_map ? "map_id" : "prog_id");
		if (!id)
			continue;
		memset(&a, 0, sizeof(a));
		if (is_map)
			a.map_id = id;
		else
			a.prog_id = id;
		fd = bpf(is_map ? BPF_MAP_GET_FD_BY_ID : BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue;
		memset(&a, 0, sizeof(a));
		memset(&pi, 0, sizeof(pi));
		memset(&mi, 0, sizeof(mi));
		a.info.bpf_fd = fd;
		a.info.info_len = is_map ? sizeof(mi) : sizeof(pi);
		a.info.info = is_map ? (unsigned long)&mi : (unsigned long)&pi;
		if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a) ||
		    strncmp(is_map ? mi.name : pi.name, name, BPF_OBJ_NAME_LEN - 1)) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	union bpf_iter_link_info info;
	struct timespec t0, t;
	union bpf_attr a;
	int pid, prog, map, link;
	double secs;
	long passes = 0;
	char buf[256];

	if (argc != 5) {
		fprintf(stderr, "usage: flush_hammer PID PROG MAP SECONDS\n");
		return 2;
	}
	pid = atoi(argv[1]);
	secs = atof(argv[4]);
	prog = find_obj(pid, argv[2], 0);
	map = strcmp(argv[3], "-") ? find_obj(pid, argv[3], 1) : -2;
	if (prog < 0 || map == -1) {
		fprintf(stderr, "flush_hammer: pid %d has no program %s or map %s\n", pid, argv[2], argv[3]);
		return 2;
	}
	signal(SIGTERM, on_term);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (map == -2) {	/* a syscall program: one run per pass */
		unsigned long long args[2];

		do {
			args[0] = 0;
			args[1] = 0;
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (unsigned int)prog;
			a.test.ctx_in = (unsigned long)args;
			a.test.ctx_size_in = sizeof(args);
			if (bpf(BPF_PROG_TEST_RUN, &a)) {
				fprintf(stderr, "flush_hammer: run: %s\n", strerror(errno));
				return 2;
			}
			passes++;
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (!stop && elapsed(&t0, &t) < secs);
		printf("passes %ld\n", passes);
		return 0;
	}
	memset(&info, 0, sizeof(info));
	info.map.map_fd = (unsigned int)map;
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (unsigned int)prog;
	a.link_create.attach_type = BPF_TRACE_ITER;
	a.link_create.iter_info = (unsigned long)&info;
	a.link_create.iter_info_len = sizeof(info);
	link = bpf(BPF_LINK_CREATE, &a);
	if (link < 0) {
		fprintf(stderr, "flush_hammer: link: %s\n", strerror(errno));
		return 2;
	}
	do {
		int fd;

		memset(&a, 0, sizeof(a));
		a.iter_create.link_fd = (unsigned int)link;
		fd = bpf(BPF_ITER_CREATE, &a);
		if (fd < 0) {
			fprintf(stderr, "flush_hammer: iterator: %s\n", strerror(errno));
			return 2;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		passes++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!stop && elapsed(&t0, &t) < secs);
	printf("passes %ld\n", passes);
	return 0;
}
