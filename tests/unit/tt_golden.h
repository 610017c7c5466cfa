/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Golden-file helpers for the cmocka unit tests of the renderers (text,
 * JSON, folded, SVG): read a file, and compare output with
 * tests/unit/golden/<name> ($TT_GOLDEN_DIR overrides the directory;
 * TT_UPDATE_GOLDEN=1 rewrites the file instead, to be reviewed in the
 * diff).  Include after <cmocka.h>.
 */
#ifndef TT_GOLDEN_H
#define TT_GOLDEN_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole file as a NUL-terminated string (length in *lenp if non-NULL), or NULL. */
static inline char *tt_read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = calloc(1, (size_t)n + 1);
		if (data)
			len = fread(data, 1, (size_t)n, f);
		if (data && len != (size_t)n) {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	if (data && lenp)
		*lenp = len;
	return data;
}

static inline void tt_print_line(const char *who, const char *s)
{
	const char *nl = strchr(s, '\n');

	print_error("  %s: %.*s\n", who, (int)(nl ? nl - s : (ptrdiff_t)strlen(s)), s);
}

/* Compare `got` with the golden file `name`, or rewrite it when TT_UPDATE_GOLDEN=1. */
static inline void tt_check_golden(const char *name, const char *got)
{
	const char *dir = getenv("TT_GOLDEN_DIR"), *update = getenv("TT_UPDATE_GOLDEN");
	const char *a, *b, *la, *lb;
	char path[PATH_MAX];
	unsigned int line = 1;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "tests/unit/golden", name);
	if (update && !strcmp(update, "1")) {
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fputs(got, f) < 0, 0);
		assert_int_equal(fclose(f), 0);
		print_message("updated %s\n", path);
		return;
	}
	want = tt_read_file(path, NULL);
	if (!want)
		fail_msg("%s: %s (TT_UPDATE_GOLDEN=1 writes it)", path, strerror(errno));
	for (a = la = want, b = lb = got; *a && *a == *b; a++, b++) {
		if (*a == '\n') {
			line++;
			la = a + 1;
			lb = b + 1;
		}
	}
	if (*a || *b) {
		print_error("%s differs at line %u:\n", path, line);
		tt_print_line("want", la);
		tt_print_line("got ", lb);
		free(want);
		fail_msg("output does not match %s (TT_UPDATE_GOLDEN=1 rewrites it)", path);
	}
	free(want);
}

#endif /* TT_GOLDEN_H */
