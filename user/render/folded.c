// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Folded-stack renderer (DESIGN §4, `-f folded`): one line per stack,
 * `comm;outer;...;inner VALUE`, the input of `tracetool flamegraph`,
 * flamegraph.pl and speedscope.
 *
 * - The model's frames are written as they are (frames[0] is the process
 *   comm, then outermost first; kernel frames already end in "_[k]"),
 *   each sanitized by tt_fold_sanitize(): ';', newline and other control
 *   characters become '_', an empty frame becomes "[unknown]".
 * - Lines are sorted and stacks that are equal after sanitizing are merged
 *   (values summed) by the parser's own tt_folded_sort(), so the output is
 *   deterministic whatever order the BPF maps were walked in, and what the
 *   renderer writes the parser reads back unchanged.  Stacks of value 0 are
 *   left out; a stack without frames is written as "[unknown]"; values
 *   adding up past 2^64 are refused (-EOVERFLOW), as the parser would.
 * - Folded text has no place for a profile name or unit, so one output
 *   holds one profile: the report's first.  The commands that offer
 *   `-f folded` (profile, offcpu) fill exactly one; `-f json` keeps all.
 * - A report without profiles, or whose profile has no samples, renders
 *   as empty output and succeeds: "nothing was sampled" is an answer, and
 *   `tracetool flamegraph` says so clearly when given such a file.
 * - Interval reports (-i) append one block per interval; concatenated
 *   folded text is still folded text (readers sum duplicate stacks).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "report.h"

char *tt_stack_fold_text(const struct tt_stack *s)
{
	size_t i, len = 0;
	char *buf, *p;

	if (!s->nframes)
		return strdup(TT_FOLD_UNKNOWN);
	for (i = 0; i < s->nframes; i++)
		len += tt_fold_frame_len(s->frames[i] ? s->frames[i] : "") + 1;
	buf = malloc(len);
	if (!buf)
		return NULL;
	for (i = 0, p = buf; i < s->nframes; i++) {
		if (i)
			*p++ = ';';
		p = tt_fold_sanitize(p, s->frames[i] ? s->frames[i] : "");
	}
	return buf;
}

int tt_render_folded(const struct tt_report *r, const struct tt_render_opts *o, FILE *out)
{
	const struct tt_profile *p = r->nprofiles ? r->profiles[0] : NULL;
	struct tt_folded *f = tt_folded__new();
	size_t i;
	int err = 0;

	(void)o;
	if (!f)
		return -ENOMEM;
	for (i = 0; p && i < p->nstacks && !err; i++) {
		char *text;

		if (!p->stacks[i].value)
			continue;
		text = tt_stack_fold_text(&p->stacks[i]);
		err = text ? tt_folded_add(f, text, p->stacks[i].value) : -ENOMEM;
		free(text);
	}
	if (!err) {
		tt_folded_sort(f);	/* the parser's order and merge rules, so both agree */
		for (i = 0; i < f->nstacks; i++)
			fprintf(out, "%s %.0Lf\n", f->stacks[i].text,
				f->stacks[i].value);	/* integers: exact (fold.h) */
		/* flush so a full disk or closed pipe is reported here, not lost at exit */
		if (fflush(out) || ferror(out))
			err = -EIO;
	}
	tt_folded__free(f);
	return err;
}
