/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An ia32 (-m32) process for the syscalls tracer's ABI test: N getpid
 * through glibc (the vDSO's sysenter), N getppid through int 0x80, and 5
 * calls of number 1000, which the i386 table does not have (ENOSYS).
 * i386 getpid is 20 and getppid 64: x86_64's writev and semget.
 *
 * Usage: sys_ia32 N
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __i386__
#error "build with -m32"
#endif

static long int80_getppid(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(SYS_getppid) : "memory");
	return ret;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, i;

	for (i = 0; i < n; i++)
		if (syscall(SYS_getpid) <= 0)
			return 1;
	for (i = 0; i < n; i++)
		if (int80_getppid() <= 0)
			return 1;
	for (i = 0; i < 5; i++)
		if (syscall(1000) != -1)
			return 1;
	return 0;
}
