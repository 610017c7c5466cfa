// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-function shares of a profile and the differential flame graph tree
 * for `tracetool compare` (user/compare_profile.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_profile.h"

/* A function's running sums, in an open-addressing table keyed by name. */
struct fn_slot {
	const char *name;	/* NULL: empty */
	double inclusive, self;
	size_t stamp;		/* the last stack (index + 1) that counted it inclusively */
};

struct fn_table {
	struct fn_slot *slot;
	size_t mask, n;
};

static struct fn_slot *fn_find(struct fn_table *t, const char *name)
{
	char *const v[1] = { (char *)name };
	size_t i = (size_t)tt_strv_hash(v, 1) & t->mask;

	while (t->slot[i].name && strcmp(t->slot[i].name, name))
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

/* Room for one more name (at most half full). 0 or -ENOMEM. */
static int fn_reserve(struct fn_table *t)
{
	struct fn_table bigger;
	size_t i;

	if (t->slot && 2 * (t->n + 1) <= t->mask + 1)
		return 0;
	bigger.mask = t->slot ? 2 * t->mask + 1 : 255;
	bigger.n = t->n;
	bigger.slot = calloc(bigger.mask + 1, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (i = 0; t->slot && i <= t->mask; i++)
		if (t->slot[i].name)
			*fn_find(&bigger, t->slot[i].name) = t->slot[i];
	free(t->slot);
	*t = bigger;
	return 0;
}

static const char *frame_name(const struct tt_stack *s, size_t i)
{
	return s->frames[i] ? s->frames[i] : "";
}

static int cmp_share(const void *a, const void *b)
{
	const struct tt_fn_share *x = a, *y = b;

	if (x->inclusive != y->inclusive)
		return x->inclusive < y->inclusive ? 1 : -1;
	return strcmp(x->function, y->function);
}

int tt_profile_shares(const struct tt_profile *p, struct tt_fn_share **out, size_t *n,
		      double *total)
{
	struct fn_table t = {};
	long double sum = 0;
	size_t i, k;
	struct tt_fn_share *res;

	*out = NULL;
	*n = 0;
	for (i = 0; i < p->nstacks; i++)
		sum += p->stacks[i].value;
	*total = (double)sum;
	if (!sum)
		return 0;
	for (i = 0; i < p->nstacks; i++) {
		const struct tt_stack *s = &p->stacks[i];
		double v = (double)s->value;

		if (!v || !s->nframes)
			continue;
		for (k = 0; k < s->nframes; k++) {
			struct fn_slot *f;

			if (fn_reserve(&t)) {
				free(t.slot);
				return -ENOMEM;
			}
			f = fn_find(&t, frame_name(s, k));
			if (!f->name) {
				f->name = frame_name(s, k);
				t.n++;
			}
			/* a frame seen twice in one stack (recursion) counts once */
			if (f->stamp != i + 1) {
				f->stamp = i + 1;
				f->inclusive += v;
			}
			if (k == s->nframes - 1)
				f->self += v;
		}
	}
	res = calloc(t.n + 1, sizeof(*res));
	if (!res) {
		free(t.slot);
		return -ENOMEM;
	}
	for (i = 0, k = 0; t.slot && i <= t.mask; i++)
		if (t.slot[i].name) {
			res[k].function = t.slot[i].name;
			res[k].inclusive = t.slot[i].inclusive / (double)sum;
			res[k++].self = t.slot[i].self / (double)sum;
		}
	free(t.slot);
	qsort(res, k, sizeof(*res), cmp_share);
	*out = res;
	*n = k;
	return 0;
}

/*
 * One side's stacks into `f`: each run's values as shares of its total,
 * averaged over the runs that have any, scaled to TT_DIFF_SIDE_TOTAL and
 * rounded.  0, -ENOMEM, or -ENODATA when no run has a value.
 */
static int side_stacks(struct tt_folded *f, const struct tt_profile *const *p, size_t n)
{
	size_t r, i, runs = 0, k = 0;
	int ret;

	for (r = 0; r < n; r++) {
		long double total = 0;

		for (i = 0; p[r] && i < p[r]->nstacks; i++)
			total += p[r]->stacks[i].value;
		runs += total > 0;
	}
	if (!runs)
		return -ENODATA;
	for (r = 0; r < n; r++) {
		long double total = 0;

		for (i = 0; p[r] && i < p[r]->nstacks; i++)
			total += p[r]->stacks[i].value;
		if (!(total > 0))
			continue;
		for (i = 0; i < p[r]->nstacks; i++) {
			const struct tt_stack *s = &p[r]->stacks[i];
			char *text;

			if (!s->value)
				continue;
			text = tt_stack_fold_text(s);
			if (!text)
				return -ENOMEM;
			ret = tt_folded_add(f, text, s->value * TT_DIFF_SIDE_TOTAL / total /
							     (long double)runs);
			free(text);
			if (ret)
				return ret;
		}
	}
	tt_folded_sort(f);
	/* whole parts: the SVG states values exactly, and sums of integers add up */
	f->total = 0;
	for (i = 0; i < f->nstacks; i++) {
		f->stacks[k] = f->stacks[i];
		f->stacks[k].value = roundl(f->stacks[i].value);
		if (f->stacks[k].value > 0)
			f->total += f->stacks[k++].value;
		else
			free(f->stacks[i].text);
	}
	f->nstacks = k;
	return 0;
}

struct tt_fold_node *tt_profile_diff_tree(const struct tt_profile *const *base, size_t nbase,
					  const struct tt_profile *const *cand, size_t ncand)
{
	struct tt_folded *b = tt_folded__new(), *c = tt_folded__new(), *u = tt_folded__new();
	struct tt_fold_node *root = NULL;
	size_t i;
	int ret = -ENOMEM;

	if (!b || !c || !u)
		goto out;
	ret = side_stacks(b, base, nbase) ?: side_stacks(c, cand, ncand);
	for (i = 0; !ret && i < b->nstacks; i++)
		ret = tt_folded_add(u, b->stacks[i].text, b->stacks[i].value);
	for (i = 0; !ret && i < c->nstacks; i++)
		ret = tt_folded_add(u, c->stacks[i].text, c->stacks[i].value);
	if (ret)
		goto out;
	tt_folded_sort(u);
	root = tt_fold_tree__new(u);
	if (!root) {
		ret = -errno;
		goto out;
	}
	tt_fold_tree_add_base(root, b);	/* every base path is in the union: nothing left over */
out:
	tt_folded__free(b);
	tt_folded__free(c);
	tt_folded__free(u);
	if (!root)
		errno = -ret;
	return root;
}
