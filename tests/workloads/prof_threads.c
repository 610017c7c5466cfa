// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process with many threads, for `profile -p`'s attach time: NTHREADS
 * threads named w0, w1... that either sleep (`sleep`), spin (`spin`), or
 * wake periodically to burn about 0.3 ms of CPU in prof_thread_work
 * (`tick`: every thread gets samples; the period, 100 ms or NTHREADS x 6 ms
 * if longer, keeps the process under a twentieth of a CPU).  Once
 * every thread runs it writes "ready" and a newline on stdout, then lives
 * SECONDS of wall time and exits 0 (1 with a message on stderr).
 *
 *   prof_threads NTHREADS SECONDS sleep|spin|tick
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "spin.h"
#include "wl.h"

#define MAX_THREADS 20000

TT_SPIN(prof_thread_work)

static enum { MODE_SLEEP, MODE_SPIN, MODE_TICK } mode;
static int tick_ms = 100;
static pthread_barrier_t started;

static void *worker(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "w%ld", (long)(size_t)arg);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	pthread_barrier_wait(&started);
	for (;;) {
		if (mode != MODE_SLEEP)
			prof_thread_work();
		if (mode != MODE_SPIN)
			sleep_ms(mode == MODE_TICK ? tick_ms : 1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	long n, i;
	double secs;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: prof_threads NTHREADS SECONDS sleep|spin|tick\n");
		return 1;
	}
	n = strtol(argv[1], NULL, 10);
	secs = strtod(argv[2], NULL);
	if (!strcmp(argv[3], "sleep"))
		mode = MODE_SLEEP;
	else if (!strcmp(argv[3], "spin"))
		mode = MODE_SPIN;
	else if (!strcmp(argv[3], "tick"))
		mode = MODE_TICK;
	else
		n = -1;
	if (n < 1 || n > MAX_THREADS || secs <= 0) {
		fprintf(stderr, "prof_threads: NTHREADS 1..%d, SECONDS > 0, sleep|spin|tick\n",
			MAX_THREADS);
		return 1;
	}
	if (n * 6 > tick_ms)
		tick_ms = (int)n * 6;
	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);	/* 20,000 threads in 1.3 GB of address space */
	for (i = 0; i < n; i++) {
		err = pthread_create(&t, &attr, worker, (void *)(size_t)i);
		if (err) {
			fprintf(stderr, "prof_threads: pthread_create #%ld: %s\n", i, strerror(err));
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	printf("ready\n");
	fflush(stdout);
	sleep_ms((int)(secs * 1000));
	return 0;
}
