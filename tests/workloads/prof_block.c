// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Off-CPU workload: main calls prof_block_wait COUNT times (default 20),
 * which sleeps MS milliseconds (default 50) in nanosleep, so the process
 * blocks COUNT x MS in total in that one function.  The syscall is made
 * from prof_block_wait itself (inline asm on x86-64), not through libc:
 * Debian's libc has no frame pointers, and a libc wrapper would hide the
 * calling frame from a frame-pointer stack walk.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void prof_block_wait(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_nanosleep), "D"(&ts), "S"(0L)
			 : "rcx", "r11", "memory");
	(void)ret;
#else
	nanosleep(&ts, NULL);
#endif
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 50;
	long count = argc > 2 ? atol(argv[2]) : 20, i;

	for (i = 0; i < count; i++)
		prof_block_wait(ms);
	return 0;
}
