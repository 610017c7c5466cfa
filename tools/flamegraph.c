// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool flamegraph`: folded stacks (profile/offcpu -f folded,
 * stackcollapse output) in, a self-contained interactive SVG flame graph
 * out; with --diff, a differential one against a base profile.  Thin glue
 * over user/fold.c (parser, tree) and user/flamegraph.c (the SVG).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "outfile.h"
#include "flamegraph.h"

const char tt_flamegraph_usage[] =
	"Usage: tracetool flamegraph [-o OUT.svg] [--title T] [--diff BASE.folded] [OPTIONS]\n"
	"                            [FOLDED...]\n"
	"\n"
	"Renders folded stacks (one 'comm;outer;...;inner VALUE' line per stack, as\n"
	"written by 'tracetool profile -f folded', 'tracetool offcpu -f folded' or\n"
	"stackcollapse scripts) as a self-contained interactive SVG flame graph: hover\n"
	"a frame for its name, value and share; click to zoom, 'Reset Zoom' or Escape to\n"
	"go back; 'Search' (or Ctrl-F) highlights frames matching a regular expression\n"
	"and shows the share they cover. Several FOLDED files are merged; '-' (or no\n"
	"file) reads standard input. VALUE is a count or a decimal fraction (0.156).\n"
	"Duplicate stacks are summed. Frames narrower than\n"
	"--min-width are not drawn and are counted under the title.\n"
	"\n"
	"With --diff BASE.folded the graph keeps the shape of FOLDED and colours each\n"
	"frame by its change against BASE, both profiles scaled to the same total (each\n"
	"frame's share of its total is compared): red grew, blue shrank, white is\n"
	"unchanged, the strongest colour is the largest change. Hover shows both values\n"
	"and the change in percentage points.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE     write the SVG to FILE (default: standard output)\n"
	"      --title TEXT      title (default: Flame Graph, or Differential Flame\n"
	"                        Graph: red grew, blue shrank)\n"
	"      --subtitle TEXT   second header line\n"
	"      --diff BASE       differential flame graph against folded file BASE\n"
	"      --width PX        image width, 200 to 100000 (default 1200)\n"
	"      --min-width PX    hide frames narrower than PX pixels (default 0.1; 0 = none)\n"
	"      --unit NAME       what the counts are, for hover text (default samples;\n"
	"                        use us for 'tracetool offcpu -f folded')\n"
	"  -v, --verbose         say how many stacks were read\n"
	"  -h, --help            this help\n"
	"\n"
	"Input errors (unreadable file, malformed line with FILE:LINE, no stacks) exit 2.\n"
	"\n"
	"Examples:\n"
	"  tracetool profile -d 10 -f folded -o cpu.folded && tracetool flamegraph -o cpu.svg cpu.folded\n"
	"  tracetool offcpu -d 10 -f folded | tracetool flamegraph --unit us --title Off-CPU > off.svg\n"
	"  tracetool flamegraph --diff before.folded -o diff.svg after.folded\n";

enum {
	OPT_TITLE = TT_OPT_CMD,
	OPT_SUBTITLE,
	OPT_DIFF,
	OPT_WIDTH,
	OPT_MIN_WIDTH,
	OPT_UNIT,
};

struct fg_opts {
	struct tt_flame_opts flame;
	const char *diff;
};

static int on_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct fg_opts *f = ctx;
	unsigned long v;
	char *end;
	double d;

	switch (key) {
	case OPT_TITLE:
		f->flame.title = arg;
		return 0;
	case OPT_SUBTITLE:
		f->flame.subtitle = arg;
		return 0;
	case OPT_DIFF:
		f->diff = arg;
		return 0;
	case OPT_UNIT:
		if (!*arg)
			return tt_error_set(err, -EINVAL, true, "--unit: empty name");
		f->flame.unit = arg;
		return 0;
	case OPT_WIDTH:
		if (tt_parse_uint(arg, 100000, &v) || v < 200)
			return tt_error_set(err, -EINVAL, true,
					    "--width: '%s' is not a width of 200 to 100000 px", arg);
		f->flame.width = (unsigned int)v;
		return 0;
	case OPT_MIN_WIDTH:
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d < 0 || d > 1000)
			return tt_error_set(err, -EINVAL, true,
					    "--min-width: '%s' is not a width of 0 to 1000 px", arg);
		f->flame.min_width = d;
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unexpected option");
}

/* Read one folded file ("-" = stdin) into `f`. 0 or -errno with err filled. */
static int read_input(struct tt_folded *f, const char *path, struct tt_error *err)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *in = is_stdin ? stdin : fopen(path, "re");
	int ret;

	if (!in)
		return tt_error_set(err, -errno, true, "cannot read '%s': %m", path);
	ret = tt_folded_read(f, in, is_stdin ? "<stdin>" : path, err);
	if (!is_stdin)
		fclose(in);
	return ret;
}

/* Read every input; no stacks at all is an input error. */
static int read_all(struct tt_folded *f, char **paths, int n, const char *what,
		    struct tt_error *err)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = read_input(f, paths[i], err);
		if (ret)
			return ret;
	}
	if (!f->total)
		return tt_error_set(err, -ENODATA, true,
				    "no stacks in %s%s (empty input: was anything sampled?)", what,
				    f->lines ? " (every value is 0)" : "");
	tt_folded_sort(f);
	return 0;
}

int cmd_flamegraph(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "subtitle", required_argument, NULL, OPT_SUBTITLE },
		{ "diff", required_argument, NULL, OPT_DIFF },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "min-width", required_argument, NULL, OPT_MIN_WIDTH },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ 0 },
	};
	static const char *const no_formats[] = { NULL };
	struct fg_opts fg = { .flame = { .min_width = TT_FLAME_MIN_WIDTH } };
	struct tt_cli cli = { .cmd = cmd->name, .operands = true, .formats = no_formats,
			      .extra = extra, .on_opt = on_opt, .ctx = &fg };
	struct tt_folded *cur = NULL, *base = NULL;
	struct tt_fold_node *root = NULL;
	struct tt_common_opts o = {};
	static char *stdin_only[] = { "-", NULL };
	char **inputs;
	struct tt_error err;
	struct tt_outfile out = {};
	int ninputs, i, ret;

	ret = tt_cli_parse(&cli, argc, argv, &o, &err);
	if (ret != TT_CLI_RUN)
		return tt_cli_outcome(cmd, ret, &err);
	inputs = o.noperands ? o.operands : stdin_only;
	ninputs = o.noperands ? o.noperands : 1;
	if (!o.noperands && isatty(STDIN_FILENO)) {
		tt_error_set(&err, -EINVAL, true,
			     "no input: give FOLDED files, or pipe folded stacks in");
		return tt_cli_outcome(cmd, -EINVAL, &err);
	}
	if (tt_cli_inputs_distinct(inputs, ninputs, &err))
		return tt_cli_outcome(cmd, -EINVAL, &err);
	for (i = 0; i < ninputs; i++) {
		if (fg.diff && !strcmp(inputs[i], "-") && !strcmp(fg.diff, "-")) {
			tt_error_set(&err, -EINVAL, true, "--diff - and FOLDED - cannot both be stdin");
			return tt_cli_outcome(cmd, -EINVAL, &err);
		}
	}

	cur = tt_folded__new();
	base = fg.diff ? tt_folded__new() : NULL;
	if (!cur || (fg.diff && !base)) {
		ret = tt_error_set(&err, -ENOMEM, false, "out of memory");
		goto out;
	}
	ret = read_all(cur, inputs, ninputs,
		       ninputs > 1 ? "the inputs" : strcmp(inputs[0], "-") ? inputs[0] : "<stdin>",
		       &err);
	if (!ret && fg.diff)
		ret = read_all(base, (char **)&fg.diff, 1, fg.diff, &err);
	if (ret)
		goto out;
	root = tt_fold_tree__new(cur);
	if (!root) {
		ret = tt_error_set(&err, -ENOMEM, false, "out of memory");
		goto out;
	}
	if (base) {
		fg.flame.diff = true;
		fg.flame.base_missing = tt_fold_tree_add_base(root, base);
	}
	if (o.verbose)
		fprintf(stderr, "tracetool flamegraph: %zu lines, %zu distinct stacks, total %.17Lg%s\n",
			cur->lines, cur->nstacks, cur->total,
			base ? " (new profile)" : "");
	/* the tree holds copies of what it needs: give the input's memory back before drawing */
	tt_folded__free(cur);
	tt_folded__free(base);
	cur = base = NULL;
	ret = tt_outfile_open(&out, o.output);
	if (ret) {
		tt_error_set(&err, ret, true, "-o %s: %s", o.output, strerror(-ret));
		goto out;
	}
	ret = tt_outfile_finish(&out, tt_flamegraph_svg(root, &fg.flame, out.f));
	if (ret) {
		tt_error_set(&err, ret, false, "writing %s: %s", o.output ? o.output : "the SVG",
			     strerror(-ret));
	}
out:
	tt_fold_tree__free(root);
	tt_folded__free(cur);
	tt_folded__free(base);
	return ret ? tt_fail(cmd, &err) : TT_EXIT_OK;
}
