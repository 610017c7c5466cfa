/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Screen cells of text, for the text outputs that line columns up: what a
 * terminal's columns take, not bytes or code points.  Text is read as
 * UTF-8 (what tracetool writes, whatever the user's locale) under C.UTF-8,
 * set per call for the calling thread only: each character takes wcwidth()
 * cells, 2 for CJK and most emoji, 0 for combining marks; one wcwidth()
 * calls unprintable takes 1, and so does every byte of invalid UTF-8.
 */
#ifndef TT_TERMWIDTH_H
#define TT_TERMWIDTH_H

#include <stddef.h>

/* Cells `s` takes. */
size_t tt_text_cells(const char *s);

/*
 * Cut `s` in place to at most `max` cells (max >= 3) with "..." in its
 * middle, where labels repeat least, when it takes more: the head and the
 * tail keep whole characters (a multibyte character is never split, a
 * combining mark stays with the character before it), so the result may
 * be a cell short of `max` where a wide character did not fit.
 */
void tt_text_elide_middle(char *s, size_t max);

#endif /* TT_TERMWIDTH_H */
