/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The increase of each stack key's kernel total since the previous
 * collection, and the credit of spans that were reported while still in
 * progress (offcpu): when such a span ends, the kernel adds it whole to
 * its key, and the part already reported is taken off the next increase.
 * Pure bookkeeping on struct tt_stack_key, no map access: user/stackprof.c
 * feeds it, tests/unit/test_stackdelta.c checks it.
 */
#ifndef TT_STACKDELTA_H
#define TT_STACKDELTA_H

#include <stdint.h>

#include "tracetool/stack.h"

struct tt_stack_deltas {
	void *prev;	/* tsearch: total at the previous call, by key */
	void *credit;	/* tsearch: in-progress time reported before its span ended, by key */
};

/*
 * The increase of `key`'s total since the previous call for it (all of it
 * on the first call, or when the total went down: a recreated map), minus
 * the key's credit (which shrinks by what it took).  Remembers `total`.
 * 0 or -ENOMEM.
 */
int tt_stack_delta(struct tt_stack_deltas *d, const struct tt_stack_key *key, uint64_t total,
		   uint64_t *delta);
/* Remember `v` reported of `key` for a span still in progress. 0 or -ENOMEM. */
int tt_stack_credit(struct tt_stack_deltas *d, const struct tt_stack_key *key, uint64_t v);
void tt_stack_deltas_release(struct tt_stack_deltas *d);

#endif /* TT_STACKDELTA_H */
