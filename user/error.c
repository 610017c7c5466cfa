// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Filling struct tt_error (error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"
#include "escape.h"

int tt_error_set(struct tt_error *err, int code, bool usage, const char *fmt, ...)
{
	char raw[sizeof(err->msg)];
	va_list ap;

	err->code = code;
	err->usage = usage;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* messages quote paths, names and report contents: keep them one safe line */
	tt_escape(err->msg, sizeof(err->msg), raw);
	return code;
}
