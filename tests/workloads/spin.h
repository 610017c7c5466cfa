/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the profile workloads share: TT_SPIN(name) defines a function that
 * burns about 0.3 ms of CPU and is not a leaf (gcc sets up no frame in a
 * leaf that needs no stack, even with -fno-omit-frame-pointer: a sample
 * there would lose its caller); burn() calls one for a wall time and
 * prints the CPU time it took, so tests can expect samples = CPU x Hz.
 */
#ifndef TT_WORKLOAD_SPIN_H
#define TT_WORKLOAD_SPIN_H

#include <stdio.h>
#include <time.h>

#define TT_SPIN(name)                                                            \
	volatile unsigned long name##_sink;                                      \
	static __attribute__((noinline)) void name##_store(unsigned long x)      \
	{                                                                        \
		name##_sink = x;                                                 \
	}                                                                        \
	__attribute__((noinline)) void name(void)                                \
	{                                                                        \
		unsigned long i, x = name##_sink;                                \
		for (i = 0; i < 200000UL; i++)                                   \
			x = x * 6364136223846793005UL + 1442695040888963407UL;   \
		name##_store(x);                                                 \
	}

static inline double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Call fn for `secs` of wall time; print "PROG: NAME_cpu_seconds=S" on stderr. */
static __attribute__((noinline, unused)) void burn(void (*fn)(void), double secs, const char *prog,
						   const char *name)
{
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), end = clock_s(CLOCK_MONOTONIC) + secs;

	while (clock_s(CLOCK_MONOTONIC) < end)
		fn();
	fprintf(stderr, "%s: %s_cpu_seconds=%.3f\n", prog, name,
		clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
}

#endif /* TT_WORKLOAD_SPIN_H */
