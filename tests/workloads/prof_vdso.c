// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Time in the vDSO: calls clock_gettime(CLOCK_MONOTONIC) (answered by the
 * vDSO, no system call) in a loop from prof_vdso_loop for SECONDS (default
 * 1) of wall time.  Prints the CPU time it used on stderr
 * ("prof_vdso: cpu_seconds=S").
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

volatile long sink;

__attribute__((noinline)) void prof_vdso_loop(double secs)
{
	struct timespec a, b;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (i = 0; i < 1000; i++) {
			clock_gettime(CLOCK_MONOTONIC, &b);
			sink += b.tv_nsec;
		}
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
}

int main(int argc, char **argv)
{
	struct timespec ts;

	prof_vdso_loop(argc > 1 ? atof(argv[1]) : 1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	fprintf(stderr, "prof_vdso: cpu_seconds=%.3f\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	return 0;
}
