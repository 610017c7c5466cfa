/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sk_storage_dump MAP_ID PID...: print what a socket-storage map
 * (BPF_MAP_TYPE_SK_STORAGE) holds for every socket of the given processes.
 *
 * bpftool cannot dump socket storage (the map has no get_next_key); a
 * lookup works with a socket descriptor of the caller as the key, so the
 * sockets are first copied into this process with pidfd_getfd(2)
 * (Linux 5.6, needs PTRACE_MODE_ATTACH_REALCREDS on the target: root).
 * Each value is printed as text, one line per run of printable bytes (as
 * the requests test prints other maps), so a test can grep it for payload
 * bytes.  Exit 0 when at least one socket had a value, 1 when none had,
 * 2 on error.  Raw bpf(2) calls: the workloads link no libbpf.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static long bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static void print_text(const unsigned char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		putchar(v[i] >= 32 && v[i] <= 126 ? v[i] : '\n');
	putchar('\n');
}

/* Look up every socket of pid in map_fd; the number of values found. */
static int dump_pid(int map_fd, unsigned int vsize, int pid)
{
	char dir[64], path[320], link[64];
	unsigned char *v;
	struct dirent *de;
	int pidfd, found = 0;
	DIR *d;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	v = malloc(vsize);
	if (pidfd < 0 || !d || !v) {
		fprintf(stderr, "sk_storage_dump: pid %d: %s\n", pid, strerror(errno));
		exit(2);
	}
	while ((de = readdir(d))) {
		union bpf_attr a;
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strncmp(link, "socket:", 7))
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0)
			continue;	/* closed meanwhile */
		memset(&a, 0, sizeof(a));
		a.map_fd = map_fd;
		a.key = (unsigned long)&fd;
		a.value = (unsigned long)v;
		if (bpf(BPF_MAP_LOOKUP_ELEM, &a) == 0) {
			print_text(v, vsize);
			found++;
		}
		close(fd);
	}
	closedir(d);
	close(pidfd);
	free(v);
	return found;
}

int main(int argc, char **argv)
{
	struct bpf_map_info info;
	union bpf_attr a;
	int map_fd, i, found = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: sk_storage_dump MAP_ID PID...\n");
		return 2;
	}
	memset(&a, 0, sizeof(a));
	a.map_id = (unsigned int)strtoul(argv[1], NULL, 10);
	map_fd = bpf(BPF_MAP_GET_FD_BY_ID, &a);
	if (map_fd < 0) {
		fprintf(stderr, "sk_storage_dump: map %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = map_fd;
	a.info.info_len = sizeof(info);
	a.info.info = (unsigned long)&info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a) || info.type != BPF_MAP_TYPE_SK_STORAGE) {
		fprintf(stderr, "sk_storage_dump: map %s is not socket storage\n", argv[1]);
		return 2;
	}
	for (i = 2; i < argc; i++)
		found += dump_pid(map_fd, info.value_size, atoi(argv[i]));
	return found ? 0 : 1;
}
