// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The format table: one entry per renderer, so the session and the
 * commands pick a renderer by the name given to -f and nothing else.
 */
#include <errno.h>
#include <string.h>

#include "report.h"

static const struct {
	const char *name;
	int (*render)(const struct tt_report *r, const struct tt_render_opts *o, FILE *out);
} formats[] = {
	{ "text", tt_render_text },
	{ "json", tt_render_json },
	{ "folded", tt_render_folded },
};

int tt_render(const struct tt_report *r, const struct tt_render_opts *o, const char *fmt,
	      FILE *out)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, fmt ? fmt : "text"))
			return formats[i].render(r, o, out);
	return -EINVAL;
}
