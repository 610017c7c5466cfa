// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The duration parser of -d and -i, and deadline -> poll timeout (duration.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

static const struct {
	const char *name;
	double seconds;
} units[] = {
	{ "", 1 }, { "s", 1 }, { "ms", 0.001 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
};

int tt_parse_seconds(const char *s, double *out)
{
	size_t digits = strspn(s, "0123456789"), frac = 0, len;
	double v;
	size_t i;

	len = digits;
	if (s[len] == '.') {
		frac = strspn(s + len + 1, "0123456789");
		len += 1 + frac;
	}
	/* strtod alone would take hex, exponents, "inf", "nan", signs and spaces */
	if (digits + frac == 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + len, units[i].name))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -EINVAL;
	v = strtod(s, NULL) * units[i].seconds;	/* only digits and '.': a finite value */
	if (v > TT_MAX_SECONDS)
		return -ERANGE;
	*out = v;
	return 0;
}

int tt_poll_timeout_ms(double until, double now, int cap_ms)
{
	double ms;

	if (isinf(until) || isnan(until))
		return cap_ms >= 0 ? cap_ms : -1;
	ms = ceil((until - now) * 1000);
	if (!(ms > 0))
		return 0;
	if (cap_ms >= 0 && ms > cap_ms)
		return cap_ms;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}
