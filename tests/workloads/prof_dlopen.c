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
#include <unistd.h>

#include "spin.h"

TT_SPIN(prof_dlopen_before)

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	char path[PATH_MAX];
	void (*spin)(void);
	void *h;
	ssize_t n;
	char *slash;

	burn(prof_dlopen_before, secs, "prof_dlopen", "before");
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
	burn(spin, secs, "prof_dlopen", "lib");
	return 0;
}
