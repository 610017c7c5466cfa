// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A tiny JIT: once running, it writes a spinning function's machine code
 * (x86-64: it sets up a frame, so the frame-pointer walk keeps its caller)
 * into anonymous executable memory, names it prof_jit_spin in
 * /tmp/perf-PID.map as JITs do for perf, and calls it from burn() for
 * SECONDS (default 1) of wall time.  Prints the CPU time of the JIT
 * half on stderr ("prof_jit: jit_cpu_seconds=S"); removes its perf map at
 * exit unless --keep-map.  Exits 3 on other architectures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spin.h"

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	static const unsigned char code[] = {
		0x55,					/* push %rbp */
		0x48, 0x89, 0xe5,			/* mov %rsp,%rbp */
		0x48, 0xc7, 0xc1, 0x40, 0x0d, 0x03, 0x00, /* mov $200000,%rcx */
		0x48, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00, /* mov $1,%rax */
		0x48, 0x6b, 0xc0, 0x0d,			/* 1: imul $13,%rax,%rax */
		0x48, 0xff, 0xc9,			/* dec %rcx */
		0x75, 0xf7,				/* jnz 1b */
		0x5d,					/* pop %rbp */
		0xc3,					/* ret */
	};
	int keep = argc > 1 && !strcmp(argv[1], "--keep-map");
	double secs = argc > 1 + keep ? atof(argv[1 + keep]) : 1;
	char path[64];
	void *mem;
	FILE *f;

	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("prof_jit: mmap");
		return 1;
	}
	memcpy(mem, code, sizeof(code));
	if (mprotect(mem, 4096, PROT_READ | PROT_EXEC)) {
		perror("prof_jit: mprotect");
		return 1;
	}
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	if (!f || fprintf(f, "%lx %zx prof_jit_spin\n", (unsigned long)mem, sizeof(code)) < 0 ||
	    fclose(f)) {
		perror("prof_jit: writing the perf map");
		return 1;
	}
	burn((void (*)(void))mem, secs, "prof_jit", "jit");
	if (!keep)
		unlink(path);
	return 0;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "prof_jit: x86-64 only\n");
	return 3;
#endif
}
