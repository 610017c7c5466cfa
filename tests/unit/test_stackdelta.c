// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the stack delta code (user/stackdelta.c): increases of
 * cumulative kernel totals per stack key, and the credit that keeps a span
 * reported while in progress from being counted twice when it ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stackdelta.h"

static const struct tt_stack_key A = { .tgid = 1, .user_stack = 5, .kern_stack = -1,
					.comm = "a" };
static const struct tt_stack_key B = { .tgid = 1, .user_stack = 6, .kern_stack = -1,
					.comm = "a" };

static uint64_t delta(struct tt_stack_deltas *d, const struct tt_stack_key *k, uint64_t total)
{
	uint64_t v = 12345;

	assert_int_equal(tt_stack_delta(d, k, total, &v), 0);
	return v;
}

static void test_increases_per_key(void **state)
{
	struct tt_stack_deltas d = {};

	(void)state;
	assert_int_equal(delta(&d, &A, 10), 10);	/* first sight: all of it */
	assert_int_equal(delta(&d, &B, 3), 3);
	assert_int_equal(delta(&d, &A, 25), 15);
	assert_int_equal(delta(&d, &A, 25), 0);
	assert_int_equal(delta(&d, &B, 4), 1);	/* keys do not mix */
	assert_int_equal(delta(&d, &A, 7), 7);	/* total went down (map recreated): all */
	assert_int_equal(delta(&d, &A, 9), 2);
	tt_stack_deltas_release(&d);
	assert_null(d.prev);
}

/* offcpu: 40 us of a span reported in progress, then the span ends with 100 us in total. */
static void test_credit_of_spans_in_progress(void **state)
{
	struct tt_stack_deltas d = {};

	(void)state;
	assert_int_equal(delta(&d, &A, 0), 0);
	assert_int_equal(tt_stack_credit(&d, &A, 40), 0);
	assert_int_equal(tt_stack_credit(&d, &A, 20), 0);	/* a later report: 60 in all */
	assert_int_equal(delta(&d, &B, 50), 50);	/* another key takes no credit */
	assert_int_equal(delta(&d, &A, 100), 40);	/* 100 - 60 already reported */
	assert_int_equal(delta(&d, &A, 130), 30);	/* credit used up */
	/* more credit than the increase: the rest waits for the next one */
	assert_int_equal(tt_stack_credit(&d, &A, 50), 0);
	assert_int_equal(delta(&d, &A, 160), 0);
	assert_int_equal(delta(&d, &A, 200), 20);
	tt_stack_deltas_release(&d);
	assert_null(d.credit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_increases_per_key),
		cmocka_unit_test(test_credit_of_spans_in_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
