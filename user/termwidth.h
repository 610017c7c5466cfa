/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Screen cells of text, for the text outputs that line columns up: what a
 * terminal's columns take, not bytes or code points.  Text is read as
 * UTF-8 (what tracetool writes, whatever the user's locale; the process's
 * locale is neither read nor changed) and measured by extended grapheme
 * cluster (UAX #29, libunistring), as terminals that lay out whole
 * clusters show it (kitty, WezTerm, foot, Ghostty): a cluster takes the
 * cells of its first character, 2 for CJK and most emoji, 1 for other
 * letters, 0 for a combining mark alone; what joins that character adds
 * nothing (combining marks, a skin tone, ZWJ and the emoji after it: the
 * woman technologist U+1F469 U+200D U+1F4BB takes 2); a flag (two regional
 * indicators) takes 2; VS16 makes a one-cell emoji 2 (the red heart U+2764
 * U+FE0F; U+2764 alone takes 1), VS15 a two-cell one 1.  Terminals that add up
 * code points (VTE, xterm) show ZWJ sequences and skin tones wider, and
 * no table can line up for both.  An unprintable character takes 1, and
 * so does every byte of invalid UTF-8.
 */
#ifndef TT_TERMWIDTH_H
#define TT_TERMWIDTH_H

#include <stddef.h>

/* Cells `s` takes. */
size_t tt_text_cells(const char *s);

/*
 * Cut `s` in place to at most `max` cells (max >= 3) with "..." in its
 * middle, where labels repeat least, when it takes more: the head and the
 * tail keep whole clusters (no character is split, a combining mark stays
 * with its letter, an emoji sequence or a flag stays whole), so the result
 * may be a cell short of `max` where a wide cluster did not fit.
 */
void tt_text_elide_middle(char *s, size_t max);

#endif /* TT_TERMWIDTH_H */
