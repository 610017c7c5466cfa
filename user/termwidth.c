// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Screen cells of text (termwidth.h): mbrtowc and wcwidth under C.UTF-8. */
#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#include "termwidth.h"

/*
 * The character at s (n > 0 bytes before the NUL): its length in bytes,
 * and its cells in *cells.  A byte that starts no character is one byte
 * of one cell, and the decoder starts afresh after it.
 */
static size_t next_char(const char *s, size_t n, mbstate_t *st, size_t *cells)
{
	wchar_t wc;
	size_t r = mbrtowc(&wc, s, n, st);
	int w;

	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		memset(st, 0, sizeof(*st));
		*cells = 1;
		return 1;
	}
	w = wcwidth(wc);
	*cells = w < 0 ? 1 : (size_t)w;
	return r;
}

/*
 * What tracetool writes is UTF-8 whatever the user's locale, so it is read
 * as UTF-8 under a locale object of this thread's own (uselocale), never by
 * changing the process's LC_CTYPE: that would change toupper/strcasecmp
 * elsewhere (a Turkish locale's dotless i).  glibc 2.35+ builds C.UTF-8 in;
 * without it the calling thread's locale is used.
 */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t utf8_enter(void)
{
	pthread_once(&utf8_once, utf8_init);
	return utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
}

static void utf8_leave(locale_t old)
{
	if (old)
		uselocale(old);
}

static size_t text_cells(const char *s)
{
	size_t len = strlen(s), i, k, c, n = 0;
	mbstate_t st;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < len; i += k) {
		k = next_char(s + i, len - i, &st, &c);
		n += c;
	}
	return n;
}

size_t tt_text_cells(const char *s)
{
	locale_t old = utf8_enter();
	size_t n = text_cells(s);

	utf8_leave(old);
	return n;
}

static void elide_middle(char *s, size_t max)
{
	size_t len = strlen(s), total = text_cells(s), head, tail, used = 0, i, k, c;
	size_t head_end, rest;
	mbstate_t st;

	if (total <= max || max < 3)
		return;
	head = (max - 3) / 2;
	memset(&st, 0, sizeof(st));
	/* the head: whole characters while they fit, the zero-width ones after them too */
	for (i = 0; i < len; i += k) {
		k = next_char(s + i, len - i, &st, &c);
		if (used + c > head)
			break;
		used += c;
	}
	head_end = i;
	/* the tail: the cells the head left (a wide character may not have fitted there) */
	tail = max - 3 - used;
	memset(&st, 0, sizeof(st));
	for (rest = total - used; i < len; i += k) {
		mbstate_t peek = st;

		k = next_char(s + i, len - i, &peek, &c);
		if (rest <= tail && c > 0)
			break;
		st = peek;
		rest -= c;
	}
	/* what is cut is wider than "...", so never fewer bytes */
	if (i - head_end < 3)
		return;
	memcpy(s + head_end, "...", 3);
	memmove(s + head_end + 3, s + i, len - i + 1);
}

void tt_text_elide_middle(char *s, size_t max)
{
	locale_t old = utf8_enter();

	elide_middle(s, max);
	utf8_leave(old);
}
