// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Filling struct tt_error (error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

int tt_error_set(struct tt_error *err, int code, bool usage, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->usage = usage;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
