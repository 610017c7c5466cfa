/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * JSON output through jansson with every real number written in the
 * shortest form that reads back to the same double ("0.1", not jansson's
 * "0.10000000000000001" at its default 17 digits; and no 15-digit rounding
 * that reads back as another double, as JSON_REAL_PRECISION(15) gives for
 * 0.1 + 0.2).  A real stays a real ("1.0", "1e-6"), integers and strings
 * are written exactly as jansson writes them.  Every JSON writer of
 * tracetool goes through here.
 *
 * `flags` are jansson's dump flags (JSON_INDENT, JSON_COMPACT,
 * JSON_PRESERVE_ORDER...); a JSON_REAL_PRECISION in them is ignored.
 */
#ifndef TT_JSONOUT_H
#define TT_JSONOUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* As json_dump_callback(): 0, or -1 when cb failed or memory ran out. */
int tt_json_dump_callback(const json_t *root, json_dump_callback_t cb, void *data, size_t flags);

/* As json_dumpf(): 0, or -1 on a write error (see ferror(out)) or no memory. */
int tt_json_dumpf(const json_t *root, FILE *out, size_t flags);

/* As json_dumps(): the text to free(), or NULL (no memory). */
char *tt_json_dumps(const json_t *root, size_t flags);

/*
 * `v` (finite) into `buf` (32 bytes are always enough) as tt_num_shortest
 * writes it (user/numfmt.h: the fewest digits strtod reads back as `v`), in
 * jansson's spelling: a ".0" when it would read as an integer, no '+' or
 * leading zeros in the exponent ("1e20", "1e-6").  Returns buf.
 */
char *tt_json_real_str(char *buf, size_t len, double v);

#endif /* TT_JSONOUT_H */
