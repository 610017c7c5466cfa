/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Terminal-safe text: the one escaping every text output path uses for
 * values that came from outside tracetool (comms, paths, frames, labels read
 * back from a report), so a value is one cell on one line and no byte of it
 * can drive the terminal.
 *
 * The rule: a backslash becomes "\\"; newline, carriage return and tab
 * become "\n", "\r", "\t"; every other C0 control byte and DEL becomes
 * "\xNN".  Bytes 0x80 and above are kept when they form valid UTF-8 (shortest
 * form, no surrogates, at most U+10FFFF), except code points a terminal or a
 * reader acts on rather than shows: the C1 controls U+0080..U+009F (U+009B is
 * CSI on some terminals), the line and paragraph separators U+2028/U+2029
 * and the bidirectional controls U+200E/U+200F, U+202A..U+202E and
 * U+2066..U+2069; those, and every byte of invalid UTF-8, become "\xNN" per
 * byte.  The escaping is reversible: "\\" is the only way a backslash
 * appears.
 */
#ifndef TT_ESCAPE_H
#define TT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Escape `s` into `buf` of `len` bytes, always NUL-terminated when len > 0
 * (truncated at an escape boundary, like snprintf).  Returns the length the
 * whole escaped text needs, NUL excluded.  A NULL `s` is the empty string.
 */
size_t tt_escape(char *buf, size_t len, const char *s);

/* The escaped copy of `s`, to free(); NULL with errno ENOMEM. */
char *tt_escape_dup(const char *s);

/* Write `s` escaped to `out`.  0, -ENOMEM or -EIO. */
int tt_fputs_escaped(const char *s, FILE *out);

/*
 * For formats whose strings must be UTF-8 (JSON): a copy of `s` with every
 * byte of invalid UTF-8 written as the four characters "\xNN" and all else
 * kept, so that two names differing in such bytes stay two names (a lone
 * replacement character would merge them).  NULL with errno ENOMEM.
 */
char *tt_utf8_repair_dup(const char *s);

#endif /* TT_ESCAPE_H */
