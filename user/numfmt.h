/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The shortest decimal text of a double that reads back as the same double:
 * the one core under every number tracetool writes for a machine to read
 * (Prometheus/OpenMetrics values in user/render/prom.c, JSON reals in
 * user/jsonout.c), each format adding only its own spelling on top.
 */
#ifndef TT_NUMFMT_H
#define TT_NUMFMT_H

#include <stddef.h>

/* Bytes a buffer of tt_num_shortest needs: "-1.2345678901234567e-308" and its NUL fit. */
#define TT_NUM_LEN 32

/*
 * Finite `v` into `buf` (TT_NUM_LEN bytes) with the fewest significant
 * digits that strtod() reads back as `v`, laid out as printf's "%.Pg" lays
 * them out for that precision P ("0.1", "1e-09", "1.7976931348623157e+308"),
 * except whole numbers below 1e15, written as integers ("30", not "3e+01";
 * -0.0 as "-0").  Returns the length.
 */
size_t tt_num_shortest(char *buf, double v);

#endif /* TT_NUMFMT_H */
