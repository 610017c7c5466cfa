// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Stack key increases and span credit (stackdelta.h). */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "stackdelta.h"

struct prev_total {
	struct tt_stack_key key;
	uint64_t value;
};

static int cmp_prev(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct tt_stack_key));
}

/* Increase of `key`'s total since the previous report; remembers the new total. */
static int delta_of(struct tt_stack_deltas *sp, const struct tt_stack_key *key, uint64_t total,
		    uint64_t *delta)
{
	struct prev_total probe = { .key = *key }, *p, **slot;

	slot = tfind(&probe, &sp->prev, cmp_prev);
	if (slot) {
		p = *slot;
		*delta = total >= p->value ? total - p->value : total;
		p->value = total;
		return 0;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct prev_total){ .key = *key, .value = total };
	if (!tsearch(p, &sp->prev, cmp_prev)) {
		free(p);
		return -ENOMEM;
	}
	*delta = total;
	return 0;
}

/* Take off `delta` what was reported of `key`'s spans while they were in progress. */
static void apply_credit(struct tt_stack_deltas *sp, const struct tt_stack_key *key, uint64_t *delta)
{
	struct prev_total probe = { .key = *key }, **slot = tfind(&probe, &sp->credit, cmp_prev);
	uint64_t take;

	if (!slot)
		return;
	take = (*slot)->value < *delta ? (*slot)->value : *delta;
	(*slot)->value -= take;
	*delta -= take;
}

int tt_stack_credit(struct tt_stack_deltas *sp, const struct tt_stack_key *key, uint64_t v)
{
	struct prev_total probe = { .key = *key }, *c, **slot = tfind(&probe, &sp->credit, cmp_prev);

	if (slot) {
		(*slot)->value += v;
		return 0;
	}
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct prev_total){ .key = *key, .value = v };
	if (!tsearch(c, &sp->credit, cmp_prev)) {
		free(c);
		return -ENOMEM;
	}
	return 0;
}

int tt_stack_delta(struct tt_stack_deltas *d, const struct tt_stack_key *key, uint64_t total,
		   uint64_t *delta)
{
	int ret = delta_of(d, key, total, delta);

	if (!ret)
		apply_credit(d, key, delta);
	return ret;
}

void tt_stack_deltas_release(struct tt_stack_deltas *d)
{
	tdestroy(d->prev, free);
	tdestroy(d->credit, free);
	d->prev = d->credit = NULL;
}
