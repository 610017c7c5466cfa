// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Time in the vDSO: calls clock_gettime(CLOCK_MONOTONIC) (answered by the
 * vDSO, no system call) in a loop from prof_vdso_loop until the process
 * has used SECONDS (default 1) of CPU time, however long that takes on a
 * busy host.  Prints the CPU time it used on stderr
 * ("prof_vdso: cpu_seconds=S").
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

volatile long sink;

__attribute__((noinline)) void prof_vdso_loop(double secs)
{
	struct timespec b, cpu;
	long i;

	do {
		for (i = 0; i < 1000; i++) {
			clock_gettime(CLOCK_MONOTONIC, &b);
			sink += b.tv_nsec;
		}
		/* a system call, once per 1000 calls answered by the vDSO */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	} while ((double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9 < secs);
}

int main(int argc, char **argv)
{
	struct timespec ts;

	prof_vdso_loop(argc > 1 ? atof(argv[1]) : 1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	fprintf(stderr, "prof_vdso: cpu_seconds=%.3f\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	return 0;
}
