// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shortest round-trip decimals (numfmt.h).  Two paths write the same text:
 * a fast one for the numbers tracetool mostly writes (whole numbers, sums of
 * nanoseconds in seconds), by hand from their digits, and printf/strtod
 * rounds for everything else.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

/* Does %.Pg of v read back as v (into buf)? */
static bool reads_back(char *buf, int prec, double v)
{
	snprintf(buf, TT_NUM_LEN, "%.*g", prec, v);
	return strtod(buf, NULL) == v;
}

/* Significant digits of a %g text: its mantissa's digits from the first non-zero one. */
static int sig_digits(const char *s)
{
	int n = 0;

	for (; *s && *s != 'e'; s++)
		if (*s >= '1' && *s <= '9')
			n++;
		else if (*s == '0' && n)
			n++;
	return n;
}

/*
 * The %.Pg of the smallest P that reads back, none below `lo` doing so.
 * For a normal double, 15 digits always suffice to tell it from its
 * neighbours' decimals (DBL_DIG): if some P <= 15 reads back, then %.15g
 * is those P digits with zeros after, which %g drops, so one round at 15
 * gives P; 16 and 17 are tried after.  A subnormal carries fewer digits,
 * so there every precision is tried from `lo`.
 */
static void shortest_slow(char *buf, double v, int lo)
{
	int prec;

	/* whole numbers as integers: %g's shortest form of 30 is 3e+01 */
	if (v == trunc(v) && fabs(v) < 1e15) {
		snprintf(buf, TT_NUM_LEN, "%.0f", v);
		return;
	}
	if (fabs(v) < DBL_MIN) {
		for (prec = lo; prec < 17; prec++)
			if (reads_back(buf, prec, v))
				return;
	} else {
		prec = lo > 15 ? lo : 15;
		if (prec == 15 && reads_back(buf, 15, v)) {
			prec = sig_digits(buf);
			if (prec < 15)
				snprintf(buf, TT_NUM_LEN, "%.*g", prec, v);
			return;
		}
		if (prec <= 16 && reads_back(buf, 16, v))
			return;
	}
	snprintf(buf, TT_NUM_LEN, "%.17g", v);
}

/*
 * The precision the slow path starts from when the decimal k * 1e-9 does
 * not read back as v: none of k's digits or fewer does (see below), unless
 * only k's first digit is not 0: then v may sit just below it, where k's
 * digits reach 1e-10.
 */
static int slow_from(uint64_t k)
{
	uint64_t p = 1;
	int nd = 1;

	while (k / p >= 10) {
		p *= 10;
		nd++;
	}
	return k % p == 0 ? 1 : nd + 1 > 17 ? 17 : nd + 1;
}

/*
 * The slow path's text without its printf/strtod rounds for whole numbers
 * below 1e15 and multiples of 1e-9 (sums of nanoseconds in seconds) below
 * 1e6.  For those the candidate "k * 1e-9" reads back as v, and no shorter
 * decimal can: below 1e6 doubles are closer than 1e-9 apart, so any decimal
 * that reads back as v is within 1e-10 of the candidate, and one with fewer
 * digits would be another multiple of 1e-9.  Whether it reads back is asked
 * without strtod: k < 2^53 and 1e9 are exact, so k / 1e9 is the exact
 * quotient correctly rounded, as strtod rounds the decimal.  Anything else
 * takes the slow path (a sum k * 1e-9 is often not the double nearest
 * k / 1e9).
 */
size_t tt_num_shortest(char *buf, double v)
{
	char digits[24], *d, *p = buf;
	double a = fabs(v);
	uint64_t k;
	int nd, last, exp10, i;

	if (a < 1e15 && v == trunc(v)) {
		k = (uint64_t)a;
		if (signbit(v))
			*p++ = '-';
		nd = 0;
		do {
			digits[nd++] = (char)('0' + k % 10);
			k /= 10;
		} while (k);
		while (nd)
			*p++ = digits[--nd];
		*p = 0;
		return (size_t)(p - buf);
	}
	if (!(a < 1e6) || a < 1e-9) {
		shortest_slow(buf, v, 1);
		return strlen(buf);
	}
	k = (uint64_t)llround(a * 1e9);
	if ((double)k / 1e9 != a) {
		shortest_slow(buf, v, slow_from(k));
		return strlen(buf);
	}
	/* k's digits, most significant first: the last is 10^-9 */
	d = digits + sizeof(digits);
	do
		*--d = (char)('0' + k % 10);
	while (k /= 10);
	nd = (int)(digits + sizeof(digits) - d);
	for (last = nd - 1; last > 0 && d[last] == '0'; last--)
		;
	exp10 = nd - 1 - 9;		/* decimal exponent of d[0] */
	i = last + 1;			/* P: significant digits */
	if (v < 0)
		*p++ = '-';
	if (exp10 < -4 || exp10 >= i) {
		*p++ = d[0];
		if (i > 1) {
			*p++ = '.';
			memcpy(p, d + 1, (size_t)(i - 1));
			p += i - 1;
		}
		p += sprintf(p, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		*p++ = '0';
		*p++ = '.';
		for (int z = -1; z > exp10; z--)
			*p++ = '0';
		memcpy(p, d, (size_t)i);
		p += i;
	} else {
		memcpy(p, d, (size_t)exp10 + 1);
		p += exp10 + 1;
		if (i > exp10 + 1) {
			*p++ = '.';
			memcpy(p, d + exp10 + 1, (size_t)(i - exp10 - 1));
			p += i - exp10 - 1;
		}
	}
	*p = 0;
	return (size_t)(p - buf);
}
