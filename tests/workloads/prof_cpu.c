// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU-bound workload with a known split: main calls prof_hot and prof_cold
 * with the same loop body, 7 and 3 units of work per round, so 70 % and
 * 30 % of its CPU time go to them.  Runs for SECONDS (default 3) of wall
 * time, or a fixed number of rounds with --rounds N (benchmarks).  At exit
 * it prints the CPU time it used on stderr ("prof_cpu: cpu_seconds=S"), so
 * tests can expect samples = S x frequency on a busy host too.
 * --cold-factor K (after the other arguments) multiplies prof_cold's work
 * by K (0: prof_cold is never called): compare's candidate.
 * Built with frame pointers (Makefile), so its user stacks are complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UNIT 200000UL	/* iterations per unit of work: about 0.3 ms */

volatile unsigned long sink;

/*
 * gcc sets up no frame in a leaf function that needs no stack, even with
 * -fno-omit-frame-pointer: a sample there would lose its caller (main).
 * Calling store() after the loop makes prof_hot/prof_cold non-leaf.
 */
static __attribute__((noinline)) void store(unsigned long x)
{
	sink = x;
}

static unsigned long cold_factor = 1;

/* The same loop body in both, 7 and 3 units of work. */
__attribute__((noinline)) void prof_hot(void)
{
	unsigned long i, x = sink;

	for (i = 0; i < 7 * UNIT; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	store(x);
}

__attribute__((noinline)) void prof_cold(void)
{
	unsigned long i, x = sink;

	for (i = 0; i < 3 * UNIT * cold_factor; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	store(x);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	fprintf(stderr, "prof_cpu: cpu_seconds=%.3f\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int main(int argc, char **argv)
{
	double secs = 3, end;
	unsigned long rounds = 0, r;

	if (argc > 2 && !strcmp(argv[argc - 2], "--cold-factor")) {
		cold_factor = strtoul(argv[argc - 1], NULL, 10);
		argc -= 2;
	}
	if (argc > 2 && !strcmp(argv[1], "--rounds"))
		rounds = strtoul(argv[2], NULL, 10);
	else if (argc > 1)
		secs = atof(argv[1]);
	if (rounds) {
		for (r = 0; r < rounds; r++) {
			prof_hot();
			if (cold_factor)
				prof_cold();
		}
		print_cpu_time();
		return 0;
	}
	end = now() + secs;
	while (now() < end)
		for (r = 0; r < 10; r++) {
			prof_hot();
			if (cold_factor)
				prof_cold();
		}
	print_cpu_time();
	return 0;
}
