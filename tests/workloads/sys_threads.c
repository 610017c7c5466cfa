// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Workload for `syscalls --by process` / `--by thread`: one process whose
 * main thread is named MAIN and whose NTHREADS threads are named t0, t1...
 * each make exactly N getppid calls (syscall(2), never cached), then exit.
 * The main thread makes none.
 *
 *   sys_threads MAIN NTHREADS N
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_THREADS 64

static long calls;

static void *worker(void *arg)
{
	char name[16];
	long i;

	snprintf(name, sizeof(name), "t%ld", (long)(size_t)arg);
	if (prctl(PR_SET_NAME, name, 0, 0, 0))
		return (void *)1;
	for (i = 0; i < calls; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX_THREADS];
	long n, i;
	void *ret;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: sys_threads MAIN NTHREADS N\n");
		return 1;
	}
	n = strtol(argv[2], NULL, 10);
	calls = strtol(argv[3], NULL, 10);
	if (n < 1 || n > MAX_THREADS || calls < 0) {
		fprintf(stderr, "sys_threads: NTHREADS 1..%d, N >= 0\n", MAX_THREADS);
		return 1;
	}
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0)) {
		perror("sys_threads: prctl");
		return 1;
	}
	for (i = 0; i < n; i++) {
		err = pthread_create(&t[i], NULL, worker, (void *)(size_t)i);
		if (err) {
			fprintf(stderr, "sys_threads: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		if (pthread_join(t[i], &ret) || ret) {
			fprintf(stderr, "sys_threads: thread %ld failed\n", i);
			return 1;
		}
	return 0;
}
