// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Workload for the syscalls tracer's restart codes: one read(2) of an empty
 * pipe, interrupted 20 ms later by SIGALRM, whose handler writes one byte
 * to the pipe.
 *
 *   sys_eintr intr      handler without SA_RESTART: the read fails, EINTR
 *   sys_eintr restart   SA_RESTART: the kernel restarts the read, which
 *                       returns the handler's byte
 *
 * Either way the kernel ends the first attempt with ERESTARTSYS at sys_exit.
 * Exit status 0 when the read ended as expected, else 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static int pfd[2];

static void on_alarm(int sig)
{
	(void)sig;
	if (write(pfd[1], "x", 1) != 1)
		_exit(1);
}

int main(int argc, char **argv)
{
	struct itimerval it = { .it_value = { 0, 20000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int restart = argc == 2 && !strcmp(argv[1], "restart");
	char c;
	long n;

	if (argc != 2 || (!restart && strcmp(argv[1], "intr"))) {
		fprintf(stderr, "usage: sys_eintr intr|restart\n");
		return 1;
	}
	sa.sa_flags = restart ? SA_RESTART : 0;
	if (pipe(pfd) || sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL)) {
		perror("sys_eintr");
		return 1;
	}
	n = syscall(SYS_read, pfd[0], &c, 1);
	if (restart ? n != 1 : n != -1 || errno != EINTR) {
		fprintf(stderr, "sys_eintr: read returned %ld (%s)\n", n, strerror(errno));
		return 1;
	}
	return 0;
}
