/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Durations on the command line: "10", "2.5s", "500ms", "3m", "1h", "7d";
 * and the poll timeout of a deadline kept in seconds.
 */
#ifndef TT_DURATION_H
#define TT_DURATION_H

/* The longest -d or -i accepted, in seconds: 365 days. */
#define TT_MAX_SECONDS (365.0 * 86400)

/*
 * Parse a decimal number ("10", "2.5", ".5"; no sign, exponent, hex,
 * infinity or NaN) with an optional unit s (default), ms, m, h or d into
 * seconds, at most TT_MAX_SECONDS.  0 or -EINVAL (junk) or -ERANGE (too long).
 */
int tt_parse_seconds(const char *s, double *out);

/*
 * Milliseconds for poll() from `now` until `until` (both seconds on one
 * clock; `until` may be INFINITY), rounded up, at most `cap_ms` when
 * cap_ms >= 0: -1 (wait forever) only when there is no deadline and no cap.
 * Never overflows an int, however far the deadline.
 */
int tt_poll_timeout_ms(double until, double now, int cap_ms);

#endif /* TT_DURATION_H */
