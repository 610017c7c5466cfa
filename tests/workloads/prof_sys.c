// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscall-heavy workload: prof_sys_read reads /dev/zero in 256 KB chunks
 * for SECONDS (default 2), so most of its CPU time is spent in the kernel
 * (vfs_read, clearing user memory): its profile shows kernel frames.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char buf[256 * 1024];

__attribute__((noinline)) long prof_sys_read(int fd)
{
	long total = 0;
	int i;

	for (i = 0; i < 64; i++)
		total += read(fd, buf, sizeof(buf));
	return total;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	int fd = open("/dev/zero", O_RDONLY);
	struct timespec a, b;

	if (fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		prof_sys_read(fd);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
	close(fd);
	return 0;
}
