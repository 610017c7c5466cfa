// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Folded stacks: the sanitizing and ordering rules shared by the folded
 * renderer and the parser, the parser itself (lines -> sorted, merged
 * stacks) and the merged call tree a flame graph is drawn from.
 */
#include <errno.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fold.h"
#include "error.h"

_Static_assert(LDBL_MANT_DIG >= 64, "a long double must hold every 64-bit value exactly");

size_t tt_fold_frame_len(const char *frame)
{
	size_t n = strlen(frame);

	return n ? n : strlen(TT_FOLD_UNKNOWN);
}

char *tt_fold_sanitize(char *dst, const char *frame)
{
	const unsigned char *s = (const unsigned char *)frame;

	if (!*s) {
		strcpy(dst, TT_FOLD_UNKNOWN);
		return dst + strlen(TT_FOLD_UNKNOWN);
	}
	for (; *s; s++)
		*dst++ = (*s < 0x20 || *s == 0x7f || *s == ';') ? '_' : (char)*s;
	*dst = '\0';
	return dst;
}

/* Rank of a byte in stack order: end of string, then the separator, then bytes. */
static int rank(unsigned char c)
{
	if (!c)
		return 0;
	if (c == ';')
		return 1;
	return c + 2;
}

int tt_fold_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return rank(*x) - rank(*y);
}

/* --- the parser --------------------------------------------------------- */

struct tt_folded *tt_folded__new(void)
{
	return calloc(1, sizeof(struct tt_folded));
}

void tt_folded__free(struct tt_folded *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nstacks; i++)
		free(f->stacks[i].text);
	free(f->stacks);
	free(f);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* digits, optionally one '.' and more digits, at least one digit in all */
static bool is_decimal(const char *p, const char *end)
{
	size_t digits = 0, dots = 0;

	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return false;
	}
	return digits > 0;
}

int tt_fold_parse_line(char *line, char **stack, long double *value, const char **why)
{
	size_t len = strlen(line);
	char *sep, *end;
	size_t depth;
	long double v;
	char *p;

	while (len && (is_blank(line[len - 1]) || line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = '\0';
	if (!len)
		return 1;
	for (sep = line + len; sep > line && !is_blank(sep[-1]); sep--)
		;
	if (sep == line) {
		*why = "no value: expected 'frame;frame;... COUNT'";
		return -EINVAL;
	}
	end = line + len;
	if (!is_decimal(sep, end)) {
		*why = "the value after the last space is not a number (digits, optionally with "
		       "a decimal fraction)";
		return -EINVAL;
	}
	v = strtold(sep, NULL);	/* the grammar above leaves strtold no other reading */
	if (v > TT_FOLD_VALUE_MAX) {
		*why = "the value is too large";
		return -EINVAL;
	}
	sep[-1] = '\0';
	if (!*line) {
		*why = "no frames before the value";
		return -EINVAL;
	}
	for (p = line, depth = 1; *p; p++)
		if (*p == ';' && ++depth > TT_FOLD_MAX_DEPTH) {
			*why = "more than 16384 frames in one stack";
			return -EINVAL;
		}
	*stack = line;
	*value = v;
	return 0;
}

int tt_folded_add(struct tt_folded *f, const char *stack, long double value)
{
	if (value > TT_FOLD_VALUE_MAX - f->total)
		return -EOVERFLOW;
	if (f->nstacks == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		void *p = realloc(f->stacks, cap * sizeof(*f->stacks));

		if (!p)
			return -ENOMEM;
		f->stacks = p;
		f->cap = cap;
	}
	f->stacks[f->nstacks].text = strdup(stack);
	if (!f->stacks[f->nstacks].text)
		return -ENOMEM;
	f->stacks[f->nstacks++].value = value;
	f->total += value;
	return 0;
}

int tt_folded_read(struct tt_folded *f, FILE *in, const char *name, struct tt_error *err)
{
	char *line = NULL, *stack;
	size_t cap = 0, lineno = 0;
	const char *why;
	long double value;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (strlen(line) != (size_t)n) {
			ret = tt_error_set(err, -EINVAL, true, "%s:%zu: NUL byte in a folded line",
					   name, lineno);
			break;
		}
		ret = tt_fold_parse_line(line, &stack, &value, &why);
		if (ret == 1) {
			ret = 0;
			continue;
		}
		if (ret) {
			ret = tt_error_set(err, -EINVAL, true, "%s:%zu: %s", name, lineno, why);
			break;
		}
		ret = tt_folded_add(f, stack, value);
		if (ret == -EOVERFLOW) {
			ret = tt_error_set(err, ret, true, "%s:%zu: the values add up past 2^64",
					   name, lineno);
			break;
		}
		if (ret) {
			ret = tt_error_set(err, ret, false, "%s: %s", name, strerror(-ret));
			break;
		}
		f->lines++;
	}
	if (!ret && ferror(in))
		ret = tt_error_set(err, -EIO, true, "%s: read error", name);
	free(line);
	return ret;
}

static int cmp_stacks(const void *a, const void *b)
{
	return tt_fold_cmp(((const struct tt_fold_stack *)a)->text,
			   ((const struct tt_fold_stack *)b)->text);
}

void tt_folded_sort(struct tt_folded *f)
{
	size_t i, n = 0;

	if (!f->nstacks)
		return;
	qsort(f->stacks, f->nstacks, sizeof(*f->stacks), cmp_stacks);
	for (i = 1; i < f->nstacks; i++) {
		if (!strcmp(f->stacks[n].text, f->stacks[i].text)) {
			f->stacks[n].value += f->stacks[i].value;
			free(f->stacks[i].text);
		} else {
			f->stacks[++n] = f->stacks[i];
		}
	}
	f->nstacks = n + 1;
}

/* --- the stack tree ----------------------------------------------------- */

/*
 * The tree's memory: nodes, names and child arrays are carved from 1 MiB
 * blocks and freed together.  A profile of a million distinct frames would
 * otherwise pay a malloc header per node, per name and per child array
 * (bench/flamegraph.sh: 244 MB peak before, see docs/performance.md).
 */
#define ARENA_BLOCK (1u << 20)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

struct tree {
	struct tt_fold_node root;	/* first: tt_fold_tree__free casts back */
	struct arena_block *blocks;
};

static void *arena_alloc(struct tree *t, size_t n, size_t align)
{
	struct arena_block *b = t->blocks;
	size_t off = b ? (b->used + align - 1) & ~(align - 1) : 0;

	if (!b || off + n > b->size) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->next = t->blocks;
		t->blocks = b;
		off = 0;
	}
	b->used = off + n;
	return (char *)b->data + off;
}

static struct tt_fold_node *node_new(struct tree *t, const char *name, size_t len)
{
	struct tt_fold_node *n = arena_alloc(t, sizeof(*n), _Alignof(struct tt_fold_node));
	char *copy = n ? arena_alloc(t, len + 1, 1) : NULL;

	if (!copy)
		return NULL;
	memcpy(copy, name, len);
	copy[len] = '\0';
	*n = (struct tt_fold_node){ .name = copy };
	return n;
}

/* Append; a full array is replaced by one twice the size (the old one stays in the arena). */
static int node_add_child(struct tree *t, struct tt_fold_node *parent,
			  struct tt_fold_node *child)
{
	if (parent->nchildren == parent->cap) {
		uint32_t cap = parent->cap ? parent->cap * 2 : 2;
		struct tt_fold_node **c;

		if (cap < parent->cap)
			return -EOVERFLOW;
		c = arena_alloc(t, cap * sizeof(*c), _Alignof(struct tt_fold_node *));
		if (!c)
			return -ENOMEM;
		if (parent->nchildren)
			memcpy(c, parent->children, parent->nchildren * sizeof(*c));
		parent->children = c;
		parent->cap = cap;
	}
	parent->children[parent->nchildren++] = child;
	return 0;
}

void tt_fold_tree__free(struct tt_fold_node *root)
{
	struct tree *t = (struct tree *)root;
	struct arena_block *b, *next;

	if (!t)
		return;
	for (b = t->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(t);
}

/*
 * Stacks arrive sorted frame by frame, so a stack shares a prefix of its
 * path only with the stack before it: keep that path, reuse its common
 * frames and append new nodes after them.  Siblings are then created in
 * sorted order and never twice.
 */
struct tt_fold_node *tt_fold_tree__new(const struct tt_folded *f)
{
	struct tree *t = calloc(1, sizeof(*t));
	struct tt_fold_node *root, **path = NULL, *n;
	size_t depth = 0, cap = 0, i, d;
	int err;

	if (!t)
		return NULL;
	root = &t->root;
	root->name = "all";
	for (i = 0; i < f->nstacks; i++) {
		const char *s = f->stacks[i].text, *e;
		long double v = f->stacks[i].value;

		if (!v)
			continue;	/* nothing to draw; it would only count as elided */
		root->value += v;
		n = root;
		for (d = 0;; d++, s = e + 1) {
			e = strchr(s, ';');
			if (!e)
				e = s + strlen(s);
			if (d < depth && strlen(path[d]->name) == (size_t)(e - s) &&
			    !memcmp(path[d]->name, s, (size_t)(e - s))) {
				n = path[d];
			} else {
				struct tt_fold_node *c = node_new(t, s, (size_t)(e - s));

				err = c ? node_add_child(t, n, c) : -ENOMEM;
				if (err)
					goto fail;
				if (d >= cap) {
					size_t nc = cap ? cap * 2 : 64;
					void *p = realloc(path, nc * sizeof(*path));

					err = -ENOMEM;
					if (!p)
						goto fail;
					path = p;
					cap = nc;
				}
				path[d] = c;
				depth = d + 1;
				n = c;
			}
			n->value += v;
			if (!*e)
				break;
		}
		n->self += v;
		depth = d + 1;
	}
	free(path);
	return root;
fail:
	free(path);
	tt_fold_tree__free(root);
	errno = -err;
	return NULL;
}

/* A frame inside a stack's text: not NUL-terminated, so it is never copied. */
struct frame_key {
	const char *s;
	size_t len;
};

/* strcmp order (the children's order) of a key against a node's name */
static int cmp_child(const void *key, const void *elem)
{
	const struct frame_key *k = key;
	const char *name = (*(struct tt_fold_node *const *)elem)->name;
	size_t nlen = strlen(name);
	int c = memcmp(k->s, name, k->len < nlen ? k->len : nlen);

	if (c)
		return c;
	return (k->len > nlen) - (k->len < nlen);
}

static struct tt_fold_node *child_of(const struct tt_fold_node *n, const char *s, size_t len)
{
	struct frame_key k = { s, len };
	struct tt_fold_node **c;

	if (!n->nchildren)
		return NULL;
	c = bsearch(&k, n->children, n->nchildren, sizeof(*n->children), cmp_child);
	return c ? *c : NULL;
}

struct tt_fold_node *tt_fold_node_child(const struct tt_fold_node *n, const char *name)
{
	return child_of(n, name, strlen(name));
}

long double tt_fold_tree_add_base(struct tt_fold_node *root, const struct tt_folded *base)
{
	long double missing = 0;
	size_t i;

	for (i = 0; i < base->nstacks; i++) {
		const char *s = base->stacks[i].text, *e;
		long double v = base->stacks[i].value;
		struct tt_fold_node *n = root;

		root->base += v;
		for (;; s = e + 1) {
			e = strchr(s, ';');
			if (!e)
				e = s + strlen(s);
			n = child_of(n, s, (size_t)(e - s));
			if (!n) {
				missing += v;
				break;
			}
			n->base += v;
			if (!*e)
				break;
		}
	}
	return missing;
}
