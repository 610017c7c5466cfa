// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Deep stacks: main calls prof_deep_recurse DEPTH levels deep (default
 * 300, past the kernel's 127-frame walk) and spins at the bottom for
 * SECONDS (default 2).  Every sample of the spin has DEPTH
 * prof_deep_recurse frames between main and prof_deep_spin.  Prints
 * "prof_deep: spin_cpu_seconds=S" on stderr, like the other workloads.
 */
#include <stdlib.h>

#include "spin.h"

TT_SPIN(prof_deep_spin)

static double secs = 2;

/* Uses its frame after the call: no tail call, one frame per level. */
__attribute__((noinline)) int prof_deep_recurse(int depth)
{
	volatile int here = depth;

	if (depth > 1)
		return prof_deep_recurse(depth - 1) + here;
	burn(prof_deep_spin, secs, "prof_deep", "spin");
	return here;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 300;

	if (argc > 2)
		secs = atof(argv[2]);
	return prof_deep_recurse(depth < 1 ? 1 : depth) < 0;
}
