// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for screen cells of text (user/termwidth.h) under C.UTF-8:
 * CJK and emoji two cells, combining marks none, invalid UTF-8 one per
 * byte; the same under the C locale (text is read as UTF-8 whatever the
 * process's locale, and the process's locale is left as it was).  Eliding in the middle keeps
 * whole characters and their combining marks, never more cells than asked,
 * at every width from 3 up for a mixed string.
 */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "termwidth.h"

#define CJK "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"	/* 日本語: 3 characters, 9 bytes, 6 cells */
#define PIZZA "\xf0\x9f\x8d\x95"			/* U+1F355: 2 cells */
#define E_ACUTE "e\xcc\x81"				/* e + U+0301 combining acute: 1 cell */

static int utf8(void **state)
{
	(void)state;
	return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void test_cells(void **state)
{
	(void)state;
	assert_int_equal(tt_text_cells(""), 0);
	assert_int_equal(tt_text_cells("route=/a"), 8);
	assert_int_equal(tt_text_cells(CJK), 6);
	assert_int_equal(tt_text_cells(PIZZA), 2);
	assert_int_equal(tt_text_cells("caf" E_ACUTE), 4);
	assert_int_equal(tt_text_cells("1ms \xc2\xb1" "2%"), 7);		/* ± */
	assert_int_equal(tt_text_cells("a\xff\xfe" "b"), 4);		/* invalid: a cell a byte */
	assert_int_equal(tt_text_cells("\xe6\x97" "x"), 3);		/* a cut-off character */
}

static void test_cells_c_locale(void **state)
{
	(void)state;
	assert_non_null(setlocale(LC_CTYPE, "C"));
	assert_int_equal(tt_text_cells(CJK), 6);
	assert_int_equal(tt_text_cells("caf" E_ACUTE), 4);
	/* the process's own locale untouched: 'I' still folds to 'i' as in C */
	assert_int_equal(MB_CUR_MAX, 1);
	assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
}

static void elided_is(const char *in, size_t max, const char *want)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	tt_text_elide_middle(buf, max);
	assert_string_equal(buf, want);
}

static void test_elide(void **state)
{
	(void)state;
	elided_is("abcdefghij", 10, "abcdefghij");
	elided_is("abcdefghij", 9, "abc...hij");
	elided_is("abcdefghij", 8, "ab...hij");
	/* the head's 3 cells hold one wide character; the tail takes the cell left over */
	elided_is(CJK CJK CJK, 9, "\xe6\x97\xa5...\xe6\x9c\xac\xe8\xaa\x9e");
	/* 10: 2 + 3 + 4, a cell short rather than a character split */
	elided_is(CJK CJK CJK, 10, "\xe6\x97\xa5...\xe6\x9c\xac\xe8\xaa\x9e");
	/* a combining mark stays with its letter, in the head and in the tail */
	elided_is("ab" E_ACUTE "cdefgh" E_ACUTE "ij", 9, "ab" E_ACUTE "..." E_ACUTE "ij");
	elided_is("abcdefg" E_ACUTE "ij", 8, "ab..." E_ACUTE "ij");
	elided_is("abcdefg" E_ACUTE "ij", 7, "ab...ij");	/* no mark without its letter */
	/* invalid bytes are cut like characters of one cell */
	elided_is("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 7, "\xff\xff...\xff\xff");
}

/* Every width: never wider than asked, never a split character, the ends kept. */
static void test_elide_every_width(void **state)
{
	static const char s[] = "route=/" CJK "/" PIZZA "/caf" E_ACUTE "/\xff/" CJK "/end";
	size_t total = tt_text_cells(s), max;

	(void)state;
	for (max = 3; max <= total + 1; max++) {
		char buf[256];
		size_t cells;

		snprintf(buf, sizeof(buf), "%s", s);
		tt_text_elide_middle(buf, max);
		cells = tt_text_cells(buf);
		if (cells > max || (max >= total && strcmp(buf, s)))
			fail_msg("max %zu: \"%s\" has %zu cells", max, buf, cells);
		if (max < total) {
			char *dots = strstr(buf, "...");

			assert_non_null(dots);
			/* head and tail are a prefix and a suffix of s, so no character was split */
			assert_memory_equal(buf, s, (size_t)(dots - buf));
			assert_string_equal(s + strlen(s) - strlen(dots + 3), dots + 3);
			assert_true(cells + 1 >= max);	/* at most a wide character short */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_cells_c_locale),
		cmocka_unit_test(test_elide),
		cmocka_unit_test(test_elide_every_width),
	};

	return cmocka_run_group_tests(tests, utf8, NULL);
}
