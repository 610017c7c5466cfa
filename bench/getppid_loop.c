// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark workload: syscall(SYS_getppid) in a tight loop, N times.
 * Prints the mean wall time per call in ns (CLOCK_MONOTONIC) on stdout.
 * On stderr it adds the process CPU time per call, so a caller can tell a
 * run that lost the CPU to another task (cpu/wall well below 1), and the
 * CPU it started and ended on.
 * Usage: getppid_loop N
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1, c0, c1;
	unsigned long long n, i;
	volatile long sink = 0;	/* keep the result live */
	char *end;
	double ns, cpu;
	int cpu0, cpu1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (errno || *end || n == 0) {
		fprintf(stderr, "%s: N must be a positive integer\n", argv[0]);
		return 2;
	}
	cpu0 = sched_getcpu();
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0) || clock_gettime(CLOCK_MONOTONIC, &t0))
		return 1;
	for (i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	if (clock_gettime(CLOCK_MONOTONIC, &t1) || clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1))
		return 1;
	cpu1 = sched_getcpu();
	(void)sink;
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	cpu = (double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec);
	printf("%.1f\n", ns / (double)n);
	fprintf(stderr, "getppid_loop: %llu calls, wall %.1f ns/call, cpu %.1f ns/call, "
		"cpu/wall %.3f, on cpu %d->%d\n",
		n, ns / (double)n, cpu / (double)n, ns > 0 ? cpu / ns : 0, cpu0, cpu1);
	return 0;
}
