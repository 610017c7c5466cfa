// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Symbolization throughput of user/symbolize.c (bench/profile.sh builds it
 * against build/libtracetool.a).  Draws N addresses (fixed-seed PRNG) in the
 * executable mappings of a target process (default: libc in this process)
 * and measures, in addresses per second:
 *   capture  - tt_syms_note_pid: read the maps, open the ELF files, load
 *              their symbol tables (once per process / per build-id)
 *   cold     - first lookup of each distinct address (libdwfl addrname)
 *   cached   - the same addresses again (per-build-id name cache)
 * Usage: prof_symbench [N] [PID]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "symbolize.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Executable file mappings of pid: up to max [start, end) ranges. */
static size_t exec_ranges(pid_t pid, uint64_t (*r)[2], size_t max)
{
	char path[64], line[4352];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s", &a, &b, perms) == 3 && perms[2] == 'x' &&
		    strchr(line, '/'))
			r[n][0] = a, r[n][1] = b, n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000, i, nr, unknown = 0;
	pid_t pid = argc > 2 ? (pid_t)atoi(argv[2]) : getpid();
	uint64_t ranges[256][2], total = 0, seed = 0x9e3779b97f4a7c15ULL, *addrs;
	struct tt_syms *s = tt_syms__new(false);
	struct tt_syms_stats st;
	double t0, t1, t2, t3;

	nr = exec_ranges(pid, ranges, 256);
	addrs = calloc(n, sizeof(*addrs));
	if (!s || !nr || !addrs || !n) {
		fprintf(stderr, "prof_symbench: no executable mappings in pid %d\n", (int)pid);
		return 1;
	}
	for (i = 0; i < nr; i++)
		total += ranges[i][1] - ranges[i][0];
	for (i = 0; i < n; i++) {	/* uniform over all executable bytes */
		uint64_t off = rng(&seed) % total;
		size_t k = 0;

		while (off >= ranges[k][1] - ranges[k][0])
			off -= ranges[k][1] - ranges[k][0], k++;
		addrs[i] = ranges[k][0] + off;
	}
	t0 = now();
	if (tt_syms_note_pid(s, pid)) {
		fprintf(stderr, "prof_symbench: cannot capture pid %d\n", (int)pid);
		return 1;
	}
	t1 = now();
	for (i = 0; i < n; i++)
		unknown += !strcmp(tt_syms_user(s, pid, 0, addrs[i], true), TT_SYM_UNKNOWN);
	t2 = now();
	for (i = 0; i < n; i++)
		tt_syms_user(s, pid, 0, addrs[i], true);
	t3 = now();
	tt_syms_get_stats(s, &st);
	printf("target pid %d: %zu executable mappings, %.1f MB of code, %zu ELF files\n", (int)pid,
	       nr, (double)total / 1e6, st.elfs);
	printf("capture (maps + open + symbol tables): %.1f ms\n", (t1 - t0) * 1e3);
	printf("cold lookups:   %zu addresses in %.3f s = %.0f addresses/s (%zu unresolved)\n", n,
	       t2 - t1, (double)n / (t2 - t1), unknown);
	printf("second pass:    %zu addresses in %.3f s = %.0f addresses/s\n", n, t3 - t2,
	       (double)n / (t3 - t2));
	tt_syms__free(s);
	free(addrs);
	return 0;
}
