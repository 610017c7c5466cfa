/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Folded stacks (DESIGN §4): one stack per line, `comm;outer;...;inner
 * VALUE`.  This header holds the rules both directions share: how a frame
 * is sanitized on the way out (user/render/folded.c) and the order stacks
 * are sorted in, so the renderer's output and the parser's tree agree.
 */
#ifndef TT_FOLD_H
#define TT_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tt_error;

/*
 * Sample values are long double: folded files from other producers carry
 * fractions ("a;b 0.156"), and tracetool's own values are integers up to
 * 2^64 - 1 that must stay exact through sums and its folded output.  A
 * long double holds every such integer exactly (64-bit mantissa on x86-64,
 * 113 on arm64); a double would round past 2^53.
 */
#define TT_FOLD_VALUE_MAX 18446744073709551615.0L	/* largest value or total */

/* What an empty or missing frame is written as. */
#define TT_FOLD_UNKNOWN "[unknown]"

/*
 * Deepest stack the parser accepts, in frames.  Kernel stacks stop at 127
 * frames and user stacks at a few hundred; the limit only keeps a broken
 * or hostile input from recursing the renderer off its stack.
 */
#define TT_FOLD_MAX_DEPTH 16384

/* Bytes tt_fold_sanitize() may write for `frame`, terminating NUL excluded. */
size_t tt_fold_frame_len(const char *frame);

/*
 * Copy `frame` to `dst` as it may appear in a folded line: ';' (the frame
 * separator), newline, carriage return, tab and every other ASCII control
 * character (0x00-0x1f, 0x7f) become '_'; an empty frame becomes
 * "[unknown]".  Other bytes, spaces and UTF-8 included, pass unchanged (the
 * value is after the last space of a line, so spaces in frames are safe).
 * `dst` needs tt_fold_frame_len(frame) + 1 bytes.  Returns the end of what
 * was written (where the NUL went).
 */
char *tt_fold_sanitize(char *dst, const char *frame);

/*
 * Order of two folded stack strings: frame by frame, each frame compared
 * bytewise, a stack before any stack it is a prefix of.  ("a;b" sorts
 * before "a b" because frame "a" precedes frame "a b".)  Sorting by this
 * keeps every group of stacks with a common frame prefix contiguous, in the
 * order the flame graph draws siblings.  Returns <0, 0 or >0.
 */
int tt_fold_cmp(const char *a, const char *b);

/* --- the parser ---------------------------------------------------------- */

/* One folded stack: ';'-separated frames, outermost first, and its value. */
struct tt_fold_stack {
	char *text;
	long double value;
};

/* Stacks read from one or more folded files (`tt_folded__new/__free`). */
struct tt_folded {
	size_t nstacks, cap;
	struct tt_fold_stack *stacks;	/* sorted and unique after tt_folded_sort() */
	long double total;		/* sum of every value */
	size_t lines;			/* stack lines read (blank lines not counted) */
};

struct tt_folded *tt_folded__new(void);
void tt_folded__free(struct tt_folded *f);

/*
 * Split one folded line in place.  The value is the decimal number after
 * the last space or tab: digits with an optional fraction ("12", "0.156",
 * "3.", ".5"; no sign, exponent, hex, inf or nan), at most
 * TT_FOLD_VALUE_MAX; the stack is everything before that blank (frames may
 * contain spaces).  A trailing "\r" (CRLF files) and trailing blanks are
 * ignored; more than TT_FOLD_MAX_DEPTH frames is malformed.  Returns 0 with *stack and *value set, 1 for a blank line (skip
 * it), or -EINVAL with *why set to a short reason for a malformed line.
 */
int tt_fold_parse_line(char *line, char **stack, long double *value, const char **why);

/*
 * Append one stack (text copied).  0 or -errno (-EOVERFLOW if the total
 * would pass TT_FOLD_VALUE_MAX).
 */
int tt_folded_add(struct tt_folded *f, const char *stack, long double value);

/*
 * Read every line of `in` (named `name` in messages) into `f`.  0, or
 * -EINVAL with err filled as "NAME:LINE: why" (usage: bad input is exit
 * status 2) for a malformed line, or -errno for a read error.
 */
int tt_folded_read(struct tt_folded *f, FILE *in, const char *name, struct tt_error *err);

/* Sort the stacks by tt_fold_cmp() and merge duplicates (values summed). */
void tt_folded_sort(struct tt_folded *f);

/* --- the stack tree ------------------------------------------------------ */

/*
 * One frame of the merged call tree.  Children are sorted by name
 * (bytewise), the order a flame graph draws them left to right.  Nodes,
 * names and child arrays live in one arena owned by the tree.
 */
struct tt_fold_node {
	char *name;
	long double value;	/* inclusive: this frame and everything it called */
	long double self;	/* stacks that ended here */
	long double base;	/* differential: inclusive value in the base profile */
	uint32_t nchildren, cap;
	struct tt_fold_node **children;
};

/*
 * The tree of `f` (which must be sorted: tt_folded_sort), under a root
 * named "all" whose value is f->total.  The tree copies what it needs: `f`
 * may be freed afterwards.  Stacks of value 0 add no nodes.  NULL + errno
 * on failure.
 */
struct tt_fold_node *tt_fold_tree__new(const struct tt_folded *f);
/* Free a tree; `root` must be what tt_fold_tree__new returned. */
void tt_fold_tree__free(struct tt_fold_node *root);

/* Child of `n` named `name`, or NULL. */
struct tt_fold_node *tt_fold_node_child(const struct tt_fold_node *n, const char *name);

/*
 * Differential: add the stacks of `base` to the `base` values of `root`'s
 * nodes along each stack's path, as far as that path exists in the tree
 * (the tree keeps the shape of the new profile).  root->base becomes the
 * base total.  Returns the summed value of base stacks whose full path is
 * not in the tree (shown as "only in base"), or 0.
 */
long double tt_fold_tree_add_base(struct tt_fold_node *root, const struct tt_folded *base);

#endif /* TT_FOLD_H */
