/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The error every layer fills and only main prints: one line, with the
 * remedy where there is one, and whether it is a usage error (exit 2).
 */
#ifndef TT_ERROR_H
#define TT_ERROR_H

#include <stdbool.h>

/* What went wrong, for main to print once and choose the exit status. */
struct tt_error {
	int code;		/* -errno, 0 when fine */
	bool usage;		/* a usage or input error: exit status 2 */
	char msg[512];		/* one line, with the remedy where there is one */
};

/* printf-style fill of `err`; returns err->code. */
int tt_error_set(struct tt_error *err, int code, bool usage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* TT_ERROR_H */
