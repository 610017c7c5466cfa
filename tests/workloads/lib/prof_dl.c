// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libprof_dl.so, loaded by the prof_dlopen workload with dlopen() once it
 * has been running: prof_dl_spin is CPU work in a mapping that did not
 * exist when the process was first sampled.  Not a leaf, so a sample keeps
 * its caller.
 */
volatile unsigned long prof_dl_sink;

static __attribute__((noinline)) void store(unsigned long x)
{
	prof_dl_sink = x;
}

__attribute__((noinline)) void prof_dl_spin(void)
{
	unsigned long i, x = prof_dl_sink;

	for (i = 0; i < 200000UL; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	store(x);
}
