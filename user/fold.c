// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Folded stacks: the sanitizing and ordering rules shared by the folded
 * renderer and the folded parser (see fold.h).
 */
#include <string.h>

#include "fold.h"

size_t tt_fold_frame_len(const char *frame)
{
	size_t n = strlen(frame);

	return n ? n : strlen(TT_FOLD_UNKNOWN);
}

char *tt_fold_sanitize(char *dst, const char *frame)
{
	const unsigned char *s = (const unsigned char *)frame;

	if (!*s) {
		strcpy(dst, TT_FOLD_UNKNOWN);
		return dst + strlen(TT_FOLD_UNKNOWN);
	}
	for (; *s; s++)
		*dst++ = (*s < 0x20 || *s == 0x7f || *s == ';') ? '_' : (char)*s;
	*dst = '\0';
	return dst;
}

/* Rank of a byte in stack order: end of string, then the separator, then bytes. */
static int rank(unsigned char c)
{
	if (!c)
		return 0;
	if (c == ';')
		return 1;
	return c + 2;
}

int tt_fold_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return rank(*x) - rank(*y);
}
