// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One process, two images: burns SECONDS (default 1) of wall time in
 * prof_exec_first, then calls execve on its own binary (same pid, a new
 * address space: the PIE lands at another base), which burns as long in
 * prof_exec_second.  Each half prints the CPU time it used on stderr
 * ("prof_exec: first_cpu_seconds=S", "prof_exec: second_cpu_seconds=S"), so
 * tests can expect samples = S x frequency for each.  Built with frame
 * pointers (Makefile).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spin.h"

TT_SPIN(prof_exec_first)
TT_SPIN(prof_exec_second)

int main(int argc, char **argv)
{
	char self[PATH_MAX], secs_arg[32];
	double secs = 1;
	ssize_t n;

	if (argc > 2 && !strcmp(argv[1], "--second")) {
		burn(prof_exec_second, atof(argv[2]), "prof_exec", "second");
		return 0;
	}
	if (argc > 1)
		secs = atof(argv[1]);
	burn(prof_exec_first, secs, "prof_exec", "first");
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
