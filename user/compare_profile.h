/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What `tracetool compare` needs of stack profiles (issue 15 item 5): each
 * function's share of one run's profile, and the tree of a differential
 * flame graph drawn from both sides' stacks.  A share is a fraction of the
 * run's total value (samples for `profile`, microseconds for `offcpu`), so
 * runs of different lengths or sample rates compare alike.
 */
#ifndef TT_COMPARE_PROFILE_H
#define TT_COMPARE_PROFILE_H

#include <stddef.h>

#include "fold.h"
#include "report.h"

/*
 * One function (frame name, compared as the bytes the model holds) of a
 * profile.  inclusive: the fraction of the profile's total value in stacks
 * that hold the function at least once (a recursive function counts once
 * per stack), 0..1.  self: the fraction in stacks whose innermost frame it
 * is.  The first frame of tracetool's stacks is the process's comm, so a
 * comm has a share too: its process's.
 */
struct tt_fn_share {
	const char *function;	/* points into the profile's frames */
	double inclusive;
	double self;
};

/*
 * The shares of every function of `p` into *out (malloc'd; the caller frees
 * it), *n of them, largest inclusive share first (ties by name); *total:
 * the profile's summed value.  A profile with no value gives *n = 0.
 * 0 or -ENOMEM.
 */
int tt_profile_shares(const struct tt_profile *p, struct tt_fn_share **out, size_t *n,
		      double *total);

/* Each side's total in a differential tree (tt_profile_diff_tree). */
#define TT_DIFF_SIDE_TOTAL 1000000.0L

/*
 * The tree of a differential flame graph: every stack of either side, so a
 * frame only the base has is drawn too.  Per side, each run's stack values
 * are made shares of that run's total, averaged over the runs and scaled to
 * TT_DIFF_SIDE_TOTAL (parts per million, rounded; a stack under half a part
 * is left out); a node's `value` is its base plus its candidate part (the
 * root's is about 2 x TT_DIFF_SIDE_TOTAL) and its `base` the base part, so
 * its candidate part is value - base.  `base` and `cand` hold one profile
 * per run (NULL entries skipped).  Frames are sanitized as folded output
 * writes them.  NULL + errno: ENOMEM, or ENODATA when either side has no
 * value at all.
 */
struct tt_fold_node *tt_profile_diff_tree(const struct tt_profile *const *base, size_t nbase,
					  const struct tt_profile *const *cand, size_t ncand);

#endif /* TT_COMPARE_PROFILE_H */
