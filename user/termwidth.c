// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Screen cells of text (termwidth.h): libunistring's extended grapheme
 * clusters (UAX #29) and character widths, measured cluster by cluster.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unictype.h>
#include <unigbrk.h>
#include <unistr.h>
#include <uniwidth.h>

#include "termwidth.h"

/*
 * u8_grapheme_breaks needs the whole text at once (u8_grapheme_next of
 * libunistring 1.0 only compares neighbours: it splits a ZWJ sequence and
 * pairs no flags), so text is broken a window at a time, from a cluster
 * boundary on.  A boundary is a clean restart: the rules that look back
 * further than one character (emoji ZWJ sequences, flag pairs) never look
 * across one.  A cluster longer than the window (only made-up text has
 * them) is measured as though it ended there.
 */
#define WINDOW 256

#define VS15 0xfe0e	/* text presentation selector */
#define VS16 0xfe0f	/* emoji presentation selector */

/* Clusters of a NUL-terminated text, in order; every byte of invalid UTF-8 is one of its own. */
struct clusters {
	const uint8_t *s;
	size_t len;
	size_t pos;		/* where the next cluster starts */
	size_t win, win_end;	/* brk[] holds the boundaries of s[win, win_end) */
	char brk[WINDOW];
};

static void clusters_init(struct clusters *it, const char *s, size_t pos)
{
	it->s = (const uint8_t *)s;
	it->len = strlen(s);
	it->pos = it->win = it->win_end = pos;
}

/* Bytes of the character at s[0, n), or 0 when s starts no whole character. */
static size_t char_len(const uint8_t *s, size_t n, ucs4_t *uc)
{
	int k = u8_mbtoucr(uc, s, n);

	return k > 0 ? (size_t)k : 0;
}

/* Boundaries of the valid UTF-8 from it->pos on, up to WINDOW bytes of it. */
static void clusters_fill(struct clusters *it)
{
	size_t end = it->pos, k, i;
	ucs4_t uc;

	while (end < it->len && (k = char_len(it->s + end, it->len - end, &uc)) &&
	       end + k - it->pos <= WINDOW)
		end += k;
	it->win = it->pos;
	it->win_end = end;
	if (end == it->pos)
		return;
	u8_grapheme_breaks(it->s + it->win, end - it->win, it->brk);
	/* cut at the window's size: its last cluster may go on, so it is broken anew */
	if (end < it->len && char_len(it->s + end, it->len - end, &uc)) {
		for (i = end - it->win - 1; i > 0 && !it->brk[i]; i--)
			;
		if (i > 0)
			it->win_end = it->win + i;
	}
}

/*
 * The cells of one cluster: those of its first character that takes any (a
 * Prepend mark takes none), with the choices of terminals that lay out
 * whole clusters (kitty, WezTerm, foot, Ghostty): a flag, two regional
 * indicators, takes 2; VS16 makes a one-cell emoji 2 (U+2764 U+FE0F) and
 * VS15 a two-cell one 1; whatever joins the first character (ZWJ and the
 * emoji after it, a skin tone, combining marks) adds nothing.  A cluster of
 * unprintable characters (controls, CR LF) takes one cell for each.
 */
static size_t cluster_cells(const uint8_t *s, size_t n)
{
	ucs4_t uc, base = 0;
	size_t i = 0, k, unprintable = 0, regional = 0;
	bool vs15 = false, vs16 = false;
	int w, base_w = 0;

	for (; i < n && (k = char_len(s + i, n - i, &uc)); i += k) {
		w = uc_width(uc, "UTF-8");
		if (w < 0)
			unprintable++;
		else if (w > 0 && !base_w) {
			base = uc;
			base_w = w;
		}
		regional += uc_is_property_regional_indicator(uc);
		vs15 |= uc == VS15;
		vs16 |= uc == VS16;
	}
	if (unprintable)
		return unprintable;
	if (regional == 2 && uc_is_property_regional_indicator(base))
		return 2;
	if (base_w == 1 && vs16 && uc_is_property_emoji(base))
		return 2;
	if (base_w == 2 && vs15 && uc_is_property_emoji(base))
		return 1;
	return (size_t)base_w;
}

/* The next cluster's length in bytes (0 at the end) and its cells in *cells. */
static size_t clusters_next(struct clusters *it, size_t *cells)
{
	size_t start = it->pos, end;

	if (start >= it->len)
		return 0;
	if (start >= it->win_end)
		clusters_fill(it);
	if (start >= it->win_end) {	/* a byte that starts no character */
		it->pos++;
		*cells = 1;
		return 1;
	}
	for (end = start + 1; end < it->win_end && !it->brk[end - it->win]; end++)
		;
	it->pos = end;
	*cells = cluster_cells(it->s + start, end - start);
	return end - start;
}

size_t tt_text_cells(const char *s)
{
	struct clusters it;
	size_t n = 0, c;

	/* ASCII, most labels: a byte a cell (a control is unprintable, CR LF two) */
	while (s[n] && !((unsigned char)s[n] & 0x80))
		n++;
	if (!s[n])
		return n;
	n = 0;
	clusters_init(&it, s, 0);
	while (clusters_next(&it, &c))
		n += c;
	return n;
}

void tt_text_elide_middle(char *s, size_t max)
{
	size_t len = strlen(s), total = tt_text_cells(s), head, tail, used = 0, i, k, c;
	size_t head_end, rest;
	struct clusters it;

	if (total <= max || max < 3)
		return;
	head = (max - 3) / 2;
	/* the head: whole clusters while they fit */
	clusters_init(&it, s, 0);
	for (i = 0; (k = clusters_next(&it, &c)); i += k) {
		if (used + c > head)
			break;
		used += c;
	}
	head_end = i;
	/* the tail: the cells the head left (a wide cluster may not have fitted there) */
	tail = max - 3 - used;
	clusters_init(&it, s, head_end);
	for (rest = total - used; (k = clusters_next(&it, &c)); i += k) {
		if (rest <= tail && c > 0)
			break;
		rest -= c;
	}
	/* what is cut is wider than "...", so never fewer bytes */
	if (i - head_end < 3)
		return;
	memcpy(s + head_end, "...", 3);
	memmove(s + head_end + 3, s + i, len - i + 1);
}
