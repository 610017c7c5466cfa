// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Run-queue hog for the offcpu tests: a SCHED_FIFO thread (priority 1) that
 * spins BUSY milliseconds, sleeps IDLE milliseconds, for CYCLES cycles.
 * Pinned (taskset) to the CPU of a sleeping thread, it makes that thread
 * wait for the CPU after most of its wakeups, up to BUSY ms each time, as a
 * loaded host can: the thread's time blocked stays what it slept.  Bounded:
 * CYCLES x (BUSY + IDLE) ms, BUSY at most 100 ms (the kernel's RT throttling
 * and deadline server keep the CPU's other tasks alive meanwhile anyway).
 *
 *   rq_hog BUSY IDLE CYCLES      exit 0; 2 on bad arguments; 1 if SCHED_FIFO
 *                                is refused (needs CAP_SYS_NICE)
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wl.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 1 };
	int busy, idle, cycles, i;

	if (argc != 4 || (busy = atoi(argv[1])) <= 0 || busy > 100 ||
	    (idle = atoi(argv[2])) < 0 || (cycles = atoi(argv[3])) <= 0 || cycles > 1000) {
		fprintf(stderr, "usage: rq_hog BUSY_MS(1-100) IDLE_MS CYCLES(1-1000)\n");
		return 2;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("rq_hog: sched_setscheduler(SCHED_FIFO)");
		return 1;
	}
	for (i = 0; i < cycles; i++) {
		double end = now_ms() + busy;

		while (now_ms() < end)
			;
		if (idle)
			sleep_ms(idle);
	}
	return 0;
}
