/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Durations on the command line: "10", "2.5s", "500ms", "3m", "1h". */
#ifndef TT_DURATION_H
#define TT_DURATION_H

/* Parse "10", "2.5s", "500ms", "3m" into seconds; -EINVAL on junk. */
int tt_parse_seconds(const char *s, double *out);

#endif /* TT_DURATION_H */
