/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Folded stacks (DESIGN §4): one stack per line, `comm;outer;...;inner
 * VALUE`.  This header holds the rules both directions share: how a frame
 * is sanitized on the way out (user/render/folded.c) and the order stacks
 * are sorted in, so the renderer's output and the parser's tree agree.
 */
#ifndef TT_FOLD_H
#define TT_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* What an empty or missing frame is written as. */
#define TT_FOLD_UNKNOWN "[unknown]"

/* Bytes tt_fold_sanitize() may write for `frame`, terminating NUL excluded. */
size_t tt_fold_frame_len(const char *frame);

/*
 * Copy `frame` to `dst` as it may appear in a folded line: ';' (the frame
 * separator), newline, carriage return, tab and every other ASCII control
 * character (0x00-0x1f, 0x7f) become '_'; an empty frame becomes
 * "[unknown]".  Other bytes, spaces and UTF-8 included, pass unchanged (the
 * value is after the last space of a line, so spaces in frames are safe).
 * `dst` needs tt_fold_frame_len(frame) + 1 bytes.  Returns the end of what
 * was written (where the NUL went).
 */
char *tt_fold_sanitize(char *dst, const char *frame);

/*
 * Order of two folded stack strings: frame by frame, each frame compared
 * bytewise, a stack before any stack it is a prefix of.  ("a;b" sorts
 * before "a b" because frame "a" precedes frame "a b".)  Sorting by this
 * keeps every group of stacks with a common frame prefix contiguous, in the
 * order the flame graph draws siblings.  Returns <0, 0 or >0.
 */
int tt_fold_cmp(const char *a, const char *b);

#endif /* TT_FOLD_H */
