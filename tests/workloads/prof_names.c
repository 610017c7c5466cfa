// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A stream of new stacks: for SECONDS (default 10), the thread takes a new
 * name (pn00000, pn00001, ...: the comm, a profile's first frame) every
 * 2 ms of CPU and spins DEPTH (default 60) calls deep, so that every few
 * samples make a stack never seen before, as the short-lived programs of
 * a busy host do.  Prints "prof_names: names=N" on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "spin.h"

TT_SPIN(prof_names_spin)

static __attribute__((noinline)) int prof_names_recurse(int depth)
{
	volatile int here = depth;

	if (depth > 1)
		return prof_names_recurse(depth - 1) + here;
	for (int i = 0; i < 6; i++)	/* about 2 ms */
		prof_names_spin();
	return here;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 60;
	double secs = argc > 2 ? atof(argv[2]) : 10, end = clock_s(CLOCK_MONOTONIC) + secs;
	unsigned n = 0;
	char name[16];

	while (clock_s(CLOCK_MONOTONIC) < end) {
		snprintf(name, sizeof(name), "pn%05u", n++ % 100000);
		prctl(PR_SET_NAME, name);
		prof_names_recurse(depth < 1 ? 1 : depth);
	}
	fprintf(stderr, "prof_names: names=%u\n", n);
	return 0;
}
