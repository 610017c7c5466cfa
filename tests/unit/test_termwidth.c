// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for screen cells of text (user/termwidth.h), cluster by
 * cluster: CJK and emoji two cells, combining marks none, an emoji ZWJ
 * sequence, a flag, a skin-toned emoji and an emoji with VS16 two, the
 * same without VS16 (text presentation) one, invalid UTF-8 one per byte;
 * the same under the C locale (text is read as UTF-8 whatever the
 * process's locale, and the process's locale is left as it was).  Eliding
 * in the middle keeps whole clusters, never more cells than asked, at
 * every width from 3 up for a mixed string.
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
/* U+1F469 woman, U+200D ZWJ, U+1F4BB laptop: one cluster, 2 cells (not 4) */
#define TECHNOLOGIST "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"
/* man ZWJ woman ZWJ girl: 5 code points, 2 cells */
#define FAMILY "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
#define RI_D "\xf0\x9f\x87\xa9"				/* regional indicator D: 1 cell alone */
#define RI_E "\xf0\x9f\x87\xaa"				/* regional indicator E */
#define FLAG_DE RI_D RI_E				/* a flag: 2 cells (not 1, nor 4) */
#define HEART "\xe2\x9d\xa4"				/* U+2764, text presentation: 1 cell */
#define VS15 "\xef\xb8\x8e"
#define VS16 "\xef\xb8\x8f"
#define THUMBS_UP "\xf0\x9f\x91\x8d"			/* U+1F44D: 2 cells */
#define SKIN_TONE "\xf0\x9f\x8f\xbd"			/* U+1F3FD, medium: 2 cells alone */
#define WATCH "\xe2\x8c\x9a"				/* U+231A, emoji presentation: 2 cells */

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
	assert_int_equal(tt_text_cells("\xe6\x97" "\xcc\x81"), 2);	/* a mark after one: 0 */
	assert_int_equal(tt_text_cells("\xed\xa0\x80"), 3);		/* a surrogate's bytes */
	assert_int_equal(tt_text_cells("\xc0\xaf"), 2);			/* an overlong '/' */
	/* controls take a cell each, ASCII alone or not (CR LF is one cluster of two) */
	assert_int_equal(tt_text_cells("a\tb\r\n\x7f"), 6);
	assert_int_equal(tt_text_cells("a\tb\r\n\x7f" "\xc2\xb1"), 7);
}

/* A cluster takes the cells of its first character, as kitty and WezTerm lay it out. */
static void test_cells_clusters(void **state)
{
	(void)state;
	assert_int_equal(tt_text_cells(TECHNOLOGIST), 2);
	assert_int_equal(tt_text_cells(FAMILY), 2);
	assert_int_equal(tt_text_cells(FLAG_DE), 2);
	assert_int_equal(tt_text_cells(RI_D), 1);			/* no pair: no flag */
	assert_int_equal(tt_text_cells(FLAG_DE RI_D), 3);		/* pairs from the left */
	assert_int_equal(tt_text_cells(FLAG_DE FLAG_DE), 4);
	assert_int_equal(tt_text_cells(HEART), 1);
	assert_int_equal(tt_text_cells(HEART VS16), 2);
	assert_int_equal(tt_text_cells(HEART VS15), 1);
	assert_int_equal(tt_text_cells(WATCH), 2);
	assert_int_equal(tt_text_cells(WATCH VS15), 1);
	assert_int_equal(tt_text_cells("x" VS16), 1);			/* no emoji: VS16 changes nothing */
	assert_int_equal(tt_text_cells("1" VS16 "\xe2\x83\xa3"), 2);	/* keycap 1 */
	assert_int_equal(tt_text_cells(THUMBS_UP SKIN_TONE), 2);
	assert_int_equal(tt_text_cells(SKIN_TONE), 2);
	/* U+2764 VS16 ZWJ U+1F525: the heart on fire, one cluster */
	assert_int_equal(tt_text_cells(HEART VS16 "\xe2\x80\x8d\xf0\x9f\x94\xa5"), 2);
	/* Hangul jamo L V T: one syllable, 2 cells */
	assert_int_equal(tt_text_cells("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"), 2);
	/* mixed: 3 + 6 + 1 + 2 + 1 + 2 + 1 + 2 + 4 + 1 */
	assert_int_equal(tt_text_cells("id=" CJK "/" TECHNOLOGIST "/" FLAG_DE "/" HEART VS16
				       "caf" E_ACUTE "\xff"), 23);
	/* invalid bytes break clusters: a ZWJ after one joins nothing */
	assert_int_equal(tt_text_cells(THUMBS_UP "\xff" "\xe2\x80\x8d" THUMBS_UP), 5);
}

/* Clusters longer than the window the breaks are computed in, and many short ones past it. */
static void test_cells_long(void **state)
{
	char buf[4096] = "";
	size_t i;

	(void)state;
	for (i = 0; i < 300; i++)
		strcat(buf, FLAG_DE);		/* 2400 bytes: the pairs stay pairs across windows */
	assert_int_equal(tt_text_cells(buf), 600);
	strcpy(buf, "x" RI_D);		/* shifted by one indicator: the pairing follows the text */
	for (i = 0; i < 300; i++)
		strcat(buf, FLAG_DE);
	assert_int_equal(tt_text_cells(buf), 2 + 600);
	buf[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(buf, "a" TECHNOLOGIST);	/* 12 bytes, 3 cells each */
	assert_int_equal(tt_text_cells(buf), 600);
	strcpy(buf, "a");
	for (i = 0; i < 500; i++)
		strcat(buf, "\xcc\x81");	/* one cluster of 1001 bytes */
	assert_int_equal(tt_text_cells(buf), 1);
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
	/* an emoji sequence and a flag are cut whole, never between their code points */
	elided_is("a" TECHNOLOGIST "bcdefgh" FLAG_DE "i", 8, "a...h" FLAG_DE "i");
	elided_is("ab" TECHNOLOGIST "cdefgh" FLAG_DE "ij", 8, "ab..." "ij");
	elided_is("abcdefg" FLAG_DE "i", 7, "ab..." "i");
	elided_is("abcdef" HEART VS16 "ij", 7, "ab...ij");
	elided_is("abcdefg" HEART VS16 "i", 8, "ab..." HEART VS16 "i");
}

/* Every width: never wider than asked, never a split character, the ends kept. */
static void test_elide_every_width(void **state)
{
	static const char s[] = "route=/" CJK "/" PIZZA "/caf" E_ACUTE "/\xff/" TECHNOLOGIST FLAG_DE
				"/" HEART VS16 THUMBS_UP SKIN_TONE "/" CJK "/end";
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
		cmocka_unit_test(test_cells_clusters),
		cmocka_unit_test(test_cells_long),
		cmocka_unit_test(test_cells_c_locale),
		cmocka_unit_test(test_elide),
		cmocka_unit_test(test_elide_every_width),
	};

	return cmocka_run_group_tests(tests, utf8, NULL);
}
