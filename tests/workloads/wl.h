/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Small helpers the test workloads share (each workload is one program of
 * its own; this header is their only common code).
 */
#ifndef TT_WL_H
#define TT_WL_H

#include <errno.h>
#include <time.h>
#include <unistd.h>

/* Sleep `ms` milliseconds, resuming after signals. */
static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Write all `n` bytes; 0, or -1 on error or a closed peer. */
static inline int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

#endif /* TT_WL_H */
