// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the report reader (user/reader.c): any input either
 * fails with a message or yields a model every renderer and the merge can
 * take.  Beyond "no crash, no leak" (ASan, UBSan) it checks that what the
 * JSON renderer writes reads back (the writer never produces what the
 * reader rejects) and that reading is idempotent: parse(render(parse(x)))
 * renders as parse(x) did once its numbers have been through the JSON's 15
 * digits.  `make fuzz` builds it; docs/performance.md has the figures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

static char *render(const struct tt_report *r, const char *fmt, bool hist, size_t *len)
{
	struct tt_render_opts o = { .hist = hist };
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (tt_render(r, &o, fmt, f))
		abort();	/* a model the reader accepted must render */
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_report *r, *r2, *r3;
	char err[512], *j1, *j2, *j3, *t;
	size_t n1, n2, n3, nt;

	r = tt_report_parse((const char *)data, size, err, sizeof(err));
	if (!r) {
		if (!err[0] || !strchr(err, '$'))
			abort();	/* every rejection names a JSON path */
		return 0;
	}
	j1 = render(r, "json", false, &n1);
	free(render(r, "text", true, &nt));
	free(render(r, "folded", false, &nt));

	r2 = tt_report_parse(j1, n1, err, sizeof(err));
	if (!r2) {
		fprintf(stderr, "own output rejected: %s\n", err);
		abort();
	}
	j2 = render(r2, "json", false, &n2);
	r3 = tt_report_parse(j2, n2, err, sizeof(err));
	if (!r3)
		abort();
	j3 = render(r3, "json", false, &n3);
	if (n2 != n3 || memcmp(j2, j3, n2)) {
		fprintf(stderr, "not idempotent:\n%s\n---\n%s\n", j2, j3);
		abort();
	}
	/* merging a report into a copy of itself: doubles every count */
	if (!tt_report_merge(r2, r, err, sizeof(err))) {
		t = render(r2, "text", true, &nt);
		free(t);
	}
	free(j1);
	free(j2);
	free(j3);
	tt_report__free(r);
	tt_report__free(r2);
	tt_report__free(r3);
	return 0;
}
