// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A library loaded after the process has been running: burns SECONDS
 * (default 1) of wall time in prof_dlopen_before, then dlopen()s
 * libprof_dl.so from its own directory (built by the Makefile from
 * tests/workloads/lib/prof_dl.c) and calls its prof_dl_spin for as long.
 * Prints the CPU time of each half on stderr ("prof_dlopen:
 * before_cpu_seconds=S", "prof_dlopen: lib_cpu_seconds=S"), so tests can
 * expect samples = S x frequency.  Exits right after: a profiler must have
 * read the new mapping while the process lived.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long sink;

static __attribute__((noinline)) void store(unsigned long x)
{
	sink = x;
}

__attribute__((noinline)) void prof_dlopen_before(void)
{
	unsigned long i, x = sink;

	for (i = 0; i < 200000UL; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	store(x);
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void burn(void (*fn)(void), double secs, const char *name)
{
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), end = clock_s(CLOCK_MONOTONIC) + secs;

	while (clock_s(CLOCK_MONOTONIC) < end)
		fn();
	fprintf(stderr, "prof_dlopen: %s_cpu_seconds=%.3f\n", name,
		clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	char path[PATH_MAX];
	void (*spin)(void);
	void *h;
	ssize_t n;
	char *slash;

	burn(prof_dlopen_before, secs, "before");
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0) {
		perror("prof_dlopen: readlink /proc/self/exe");
		return 1;
	}
	path[n] = 0;
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "libprof_dl.so");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "prof_dlopen: %s\n", dlerror());
		return 1;
	}
	spin = (void (*)(void))dlsym(h, "prof_dl_spin");
	if (!spin) {
		fprintf(stderr, "prof_dlopen: %s\n", dlerror());
		return 1;
	}
	burn(spin, secs, "lib");
	return 0;
}
