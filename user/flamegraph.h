/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SVG flame graphs drawn from a folded-stack tree (user/fold.h): one
 * self-contained SVG file with inline CSS and JavaScript (hover details,
 * click to zoom, search), no external renderer.  Output depends only on
 * the tree and the options, so it is golden-testable.
 */
#ifndef TT_FLAMEGRAPH_H
#define TT_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fold.h"

#define TT_FLAME_WIDTH 1200		/* default image width, px */
#define TT_FLAME_MIN_WIDTH 0.1		/* default: narrower frames are not drawn, px */

struct tt_flame_opts {
	const char *title;	/* NULL: "Flame Graph" / "Differential Flame Graph: ..." */
	const char *subtitle;	/* NULL: none */
	const char *unit;	/* what the values count ("samples", "us"); NULL: "samples" */
	unsigned int width;	/* image width in px; 0: TT_FLAME_WIDTH */
	double min_width;	/* px; frames narrower are elided and counted; <= 0: none */
	/*
	 * Differential: the tree carries base values (tt_fold_tree_add_base).
	 * Each frame is coloured by its normalised change, new share of the
	 * new total minus base share of the base total: red for growth, blue
	 * for shrinkage, white for none, intensity relative to the largest
	 * change in the graph.
	 */
	bool diff;
	long double base_missing;	/* diff: base value of stacks not in the new profile */
	/*
	 * Optional, in place of the colours above: the fill colour of frame
	 * `n` and its hover details (written after the name in parentheses,
	 * instead of value and share), for a graph coloured by something the
	 * tree does not hold (compare's verdicts).  `details` has `len` bytes.
	 */
	void (*frame_style)(void *ctx, const struct tt_fold_node *n, uint8_t rgb[3],
			    char *details, size_t len);
	void *style_ctx;
};

/*
 * Fill colour of a frame in a normal flame graph: a warm hue (red to
 * yellow) from a hash of the name, so a function keeps its colour across
 * graphs; kernel frames ("_[k]" suffix) get green hues, "[unknown]" grey.
 */
void tt_flame_color(const char *name, uint8_t rgb[3]);

/*
 * Fill colour in a differential graph for a change `change` (difference of
 * shares, -1..1) when the largest absolute change in the graph is `max`.
 */
void tt_flame_diff_color(double change, double max, uint8_t rgb[3]);

/*
 * Write the SVG flame graph of `root` (root->value > 0) to `out`.
 * 0, -EINVAL for an empty tree, or -errno (write errors included).
 */
int tt_flamegraph_svg(const struct tt_fold_node *root, const struct tt_flame_opts *o, FILE *out);

#endif /* TT_FLAMEGRAPH_H */
