// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One process, two images: burns SECONDS (default 1) of wall time in
 * prof_exec_first, then calls execve on its own binary (same pid, a new
 * address space: the PIE lands at another base), which burns as long in
 * prof_exec_second.  Each half prints the CPU time it used on stderr
 * ("prof_exec: first_cpu_seconds=S", "prof_exec: second_cpu_seconds=S"), so
 * tests can expect samples = S x frequency for each.  Built with frame
 * pointers (Makefile); the spinning functions are not leaves, so a sample
 * keeps their caller.
 */
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

__attribute__((noinline)) void prof_exec_first(void)
{
	unsigned long i, x = sink;

	for (i = 0; i < 200000UL; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	store(x);
}

__attribute__((noinline)) void prof_exec_second(void)
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

/* Call fn for `secs` of wall time; print the CPU time it took as NAME_cpu_seconds. */
static void burn(void (*fn)(void), double secs, const char *name)
{
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), end = clock_s(CLOCK_MONOTONIC) + secs;

	while (clock_s(CLOCK_MONOTONIC) < end)
		fn();
	fprintf(stderr, "prof_exec: %s_cpu_seconds=%.3f\n", name,
		clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], secs_arg[32];
	double secs = 1;
	ssize_t n;

	if (argc > 2 && !strcmp(argv[1], "--second")) {
		burn(prof_exec_second, atof(argv[2]), "second");
		return 0;
	}
	if (argc > 1)
		secs = atof(argv[1]);
	burn(prof_exec_first, secs, "first");
	/* by path, not /proc/self/exe: the comm stays prof_exec */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("prof_exec: readlink /proc/self/exe");
		return 1;
	}
	self[n] = 0;
	snprintf(secs_arg, sizeof(secs_arg), "%g", secs);
	execl(self, self, "--second", secs_arg, (char *)NULL);
	perror("prof_exec: execl");
	return 1;
}
