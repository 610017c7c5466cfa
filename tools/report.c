// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool report`: saved JSON reports (-f json of any tracer) read back,
 * merged when there are several, and rendered in any output format.  Thin
 * glue over user/reader.c (parse, validate, merge) and the renderers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "commands.h"
#include "outfile.h"
#include "reader.h"
#include "registry.h"

const char tt_report_usage[] =
	"Usage: tracetool report [-f text|json|folded] [-o FILE] [--hist] [--top N]\n"
	"                        [--profile NAME] [--run N] [--variant V] FILE...\n"
	"\n"
	"Reads reports saved with '-f json' (schema tracetool.report/v1) and renders\n"
	"them again in any format: the text of a saved report is the text the run\n"
	"printed. '-' (or no FILE, with a pipe) reads standard input. A file of several\n"
	"documents ('-i SEC -f json' writes one per interval) reads as their merge.\n"
	"\n"
	"Bundles that 'tracetool record' wrote (tracetool.bundle/v1, plain or gzip)\n"
	"read as the merge of their runs, warm-up runs left out, or as one run with\n"
	"--run N. A bundle of two interleaved commands needs --variant base or cand.\n"
	"\n"
	"Several reports of the same tracers are merged into one, as if one run had\n"
	"seen all their samples: counters, losses and histograms add (bucket by\n"
	"bucket, with exact count, sum, min and max); durations add, so a rate (a\n"
	"gauge) becomes the duration-weighted mean of the inputs; the earliest start\n"
	"is kept; hooks, hosts and kernels that differ are listed comma-separated;\n"
	"events are appended in input order; stacks of a profile with the same frames\n"
	"add. Reports of other tracers, or a metric whose type, unit or labels differ,\n"
	"cannot be merged. Nor can reports measured with other options (the JSON's\n"
	"measurement: offcpu --state and --min-block, profile -F, syscalls --failed):\n"
	"a --state 0 offcpu report (run-queue waits) and a default one (blocked time)\n"
	"exit 2, naming both files and the option. A report of an older version,\n"
	"which records none, merges with a warning; the merge leaves them unknown.\n"
	"\n"
	"Options:\n"
	"  -f, --format FMT      text (default), json or folded (the stacks of one\n"
	"                        profile, for 'tracetool flamegraph')\n"
	"      --profile NAME    folded: the profile to write (e.g. cpu, offcpu); needed\n"
	"                        when the report holds several\n"
	"  -o, --output FILE     write to FILE (default: standard output)\n"
	"      --hist            text: histogram bars under each latency table\n"
	"      --top N           text: at most N rows per table\n"
	"      --run N           bundles: run N alone (its \"index\", from 0), warm-up\n"
	"                        or not\n"
	"      --variant V       bundles: only the runs of V (base or cand)\n"
	"  -v, --verbose         say what was read\n"
	"  -h, --help            this help\n"
	"\n"
	"Input errors (unreadable file, not JSON, not a tracetool report, a value of\n"
	"the wrong type) exit 2 with one line naming the file and the JSON path, e.g.\n"
	"  tracetool report: a.json: $.metrics[3].series[0].buckets[2]: expected\n"
	"  [upper_bound, count]\n"
	"\n"
	"Examples:\n"
	"  tracetool syscalls -d 10 -f json -o run1.json\n"
	"  tracetool report run1.json                     # the text table again\n"
	"  tracetool report --hist --top 10 run1.json run2.json run3.json\n"
	"  tracetool syscalls -i 60 -d 3600 -f json -o hour.json; tracetool report hour.json\n"
	"  ssh web1 tracetool tcp -d 60 -f json | tracetool report - web2.json\n"
	"  tracetool report -f json -o merged.json run*.json\n"
	"  tracetool report -f folded cpu.json | tracetool flamegraph -o cpu.svg\n"
	"  tracetool report base.json.gz                  # a bundle's runs, merged\n"
	"  tracetool report --run 0 --hist base.json.gz\n";

enum {
	OPT_HIST = TT_OPT_CMD,
	OPT_TOP,
	OPT_PROFILE,
	OPT_RUN,
	OPT_VARIANT,
};

struct report_opts {
	struct tt_render_opts ro;
	const char *profile;	/* --profile */
	long run;		/* --run N, or -1 */
	const char *variant;	/* --variant V, or NULL */
};

/*
 * Text hints that the JSON does not carry, as the tracers set them: a
 * counter family shown as a column of a latency table.
 */
static const struct {
	const char *hist, *counter, *title;
} text_joins[] = {
	{ "tracetool_syscall_duration_seconds", "tracetool_syscall_errors_total", "ERRORS" },
};

static int on_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct report_opts *ropts = ctx;
	struct tt_render_opts *ro = &ropts->ro;
	unsigned long v;

	switch (key) {
	case OPT_PROFILE:
		ropts->profile = arg;
		return 0;
	case OPT_HIST:
		ro->hist = true;
		return 0;
	case OPT_RUN:
		if (!strcmp(arg, "0")) {
			ropts->run = 0;
			return 0;
		}
		if (tt_parse_uint(arg, 100000000, &v))
			return tt_error_set(err, -EINVAL, true, "--run: '%s' is not a run index", arg);
		ropts->run = (long)v;
		return 0;
	case OPT_VARIANT:
		if (strcmp(arg, "base") && strcmp(arg, "cand"))
			return tt_error_set(err, -EINVAL, true, "--variant: '%s' is not base or cand",
					    arg);
		ropts->variant = arg;
		return 0;
	case OPT_TOP:
		if (tt_parse_uint(arg, 1000000, &v))
			return tt_error_set(err, -EINVAL, true, "--top: '%s' is not a positive count",
					    arg);
		ro->top = v;
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unexpected option");
}

/*
 * One input file ("-": stdin), plain or gzip, as a report: a report or
 * stream of reports, or a bundle's runs (ro: --run, --variant).  NULL with
 * err filled.
 */
static struct tt_report *read_one(const char *path, const struct report_opts *ro,
				  struct tt_error *err)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct tt_report *r = NULL;
	struct tt_bundle *b;
	char msg[400], *buf;
	size_t len;

	if (tt_input_read(path, &buf, &len, err))
		return NULL;
	if (tt_is_bundle(buf, len)) {
		if (!tt_bundle_parse(buf, len, name, &b, err)) {
			r = tt_bundle_report(b, ro->run, ro->variant, err);
			if (!r)
				tt_error_set(err, err->code, err->usage, "%s: %s", name,
					     err->msg);
			tt_bundle__free(b);
		}
	} else if (ro->run >= 0 || ro->variant) {
		tt_error_set(err, -EINVAL, true, "%s: --run and --variant select runs of a "
			     "bundle, and this is not one", name);
	} else {
		r = tt_report_parse(buf, len, msg, sizeof(msg));
		if (!r && errno == ENOMEM)
			tt_error_set(err, -ENOMEM, false, "%s: out of memory", name);
		else if (!r)
			tt_error_set(err, -EINVAL, true, "%s: %s", name, msg);
	}
	free(buf);
	return r;
}

/*
 * Each tracer's measurement options (struct tt_measure) as the first input
 * that records them gave them, so that a differing input is named with the
 * one it differs from, and inputs that record none (older reports).
 */
struct measure_seen {
	struct tt_report *ref;		/* tracers seen, and the options recorded */
	const char **known;		/* by ref->tracers index: input that recorded them */
	const char **unknown;		/* the first input that records none */
};

static int seen_tracer(struct measure_seen *ms, const char *tracer)
{
	int i = tt_report_tracer_index(ms->ref, tracer);
	size_t n = ms->ref->ntracers + 1;
	const char **k, **u;

	if (i >= 0)
		return i;
	k = realloc(ms->known, n * sizeof(*k));
	if (k)
		ms->known = k;
	u = k ? realloc(ms->unknown, n * sizeof(*u)) : NULL;
	if (u)
		ms->unknown = u;
	if (!u || tt_report_add_tracer(ms->ref, tracer, ""))
		return -ENOMEM;
	k[n - 1] = u[n - 1] = NULL;
	return (int)n - 1;
}

/* A measurement entry's value and note for a message: four %s. */
#define NOTED(m) tt_measure_value(m), (m) && (m)->note ? " (" : "", \
		 (m) && (m)->note ? (m)->note : "", (m) && (m)->note ? ")" : ""

/*
 * Inputs that measured differently cannot be added up: a usage error
 * naming both files and the option.  err filled on failure.
 */
static int check_measures(struct measure_seen *ms, const struct tt_report *r, const char *path,
			  struct tt_error *err)
{
	struct tt_measure_diff d;
	size_t i, k;
	int t;

	for (i = 0; i < r->ntracers; i++) {
		t = seen_tracer(ms, r->tracers[i]);
		if (t < 0)
			return tt_error_set(err, -ENOMEM, false, "out of memory");
		if (!tt_report_has_measures(r, r->tracers[i])) {
			if (!ms->unknown[t])
				ms->unknown[t] = path;
			continue;
		}
		if (!ms->known[t]) {
			ms->known[t] = path;
			for (k = 0; k < r->nmeasures; k++) {
				const struct tt_measure *m = &r->measures[k];

				if (!strcmp(m->tracer, r->tracers[i]) &&
				    tt_report_set_measure(ms->ref, m->tracer, m->key, m->value,
							  m->note))
					return tt_error_set(err, -ENOMEM, false, "out of memory");
			}
			continue;
		}
		if (tt_report_measure_cmp(r, ms->ref, r->tracers[i], &d) == TT_MEASURE_DIFFER)
			return tt_error_set(err, -EINVAL, true,
					    "cannot merge %s with %s: %s --%s differs: %s%s%s%s in "
					    "%s, %s%s%s%s in %s", path, ms->known[t], r->tracers[i],
					    d.key, NOTED(d.a), path, NOTED(d.b), ms->known[t]);
	}
	return 0;
}

/* Inputs of unknown options merged with known ones: said, never silent. */
static void warn_unknown_measures(const struct measure_seen *ms)
{
	size_t i;

	for (i = 0; i < ms->ref->ntracers; i++)
		if (ms->known[i] && ms->unknown[i])
			fprintf(stderr, "tracetool report: warning: %s records no %s measurement "
				"options (written before they were recorded): merged with %s as if "
				"the same; the result leaves them unknown\n", ms->unknown[i],
				ms->ref->tracers[i], ms->known[i]);
}

static void measure_seen_release(struct measure_seen *ms)
{
	tt_report__free(ms->ref);
	free(ms->known);
	free(ms->unknown);
}

/* Read and merge every input into one report; NULL with err filled. */
static struct tt_report *read_all(char **paths, int n, bool verbose, const struct report_opts *ro,
				  struct tt_error *err)
{
	struct measure_seen ms = { .ref = tt_report__new() };
	struct tt_report *all = NULL, *r;
	char msg[400];
	int i, ret;

	if (!ms.ref) {
		tt_error_set(err, -ENOMEM, false, "out of memory");
		return NULL;
	}
	if (tt_cli_inputs_distinct(paths, n, err))
		goto err;
	for (i = 0; i < n; i++) {
		r = read_one(paths[i], ro, err);
		if (!r)
			goto err;
		if (verbose)
			fprintf(stderr, "tracetool report: %s: %zu tracer(s), %zu metric families, "
				"%zu events, %zu profiles, %.2f s\n", paths[i], r->ntracers,
				r->nfamilies, r->nevents, r->nprofiles, r->duration_seconds);
		if (tt_tracers_note_measures(r)) {
			tt_report__free(r);
			tt_error_set(err, -ENOMEM, false, "out of memory");
			goto err;
		}
		if (check_measures(&ms, r, paths[i], err)) {
			tt_report__free(r);
			goto err;
		}
		if (!all) {
			all = r;
			continue;
		}
		ret = tt_report_merge(all, r, msg, sizeof(msg));
		tt_report__free(r);
		if (ret == -ENOMEM) {
			tt_error_set(err, ret, false, "out of memory");
			goto err;
		}
		if (ret) {
			tt_error_set(err, ret, true, "%s: cannot merge with %s: %s", paths[i],
				     paths[0], msg);
			goto err;
		}
	}
	warn_unknown_measures(&ms);
	measure_seen_release(&ms);
	return all;
err:
	measure_seen_release(&ms);
	tt_report__free(all);
	return NULL;
}

/*
 * Folded text holds one profile, the report's first (user/render/folded.c):
 * put the --profile one first, and refuse to choose silently between
 * several.  A usage error (exit 2) before any output is opened.
 */
static int pick_profile(struct tt_report *r, const char *format, const char *name,
			struct tt_error *err)
{
	char *names = NULL;
	size_t len = 0, i;
	FILE *f;

	if (!format || strcmp(format, "folded"))
		return name ? tt_error_set(err, -EINVAL, true, "--profile: only with -f folded") : 0;
	for (i = 0; name && i < r->nprofiles; i++)
		if (!strcmp(r->profiles[i]->name, name)) {
			struct tt_profile *p = r->profiles[i];

			r->profiles[i] = r->profiles[0];
			r->profiles[0] = p;
			return 0;
		}
	if (!name && r->nprofiles < 2)
		return 0;
	f = open_memstream(&names, &len);
	if (!f)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	for (i = 0; i < r->nprofiles; i++)
		fprintf(f, "%s%s", i ? ", " : "", r->profiles[i]->name);
	if (fclose(f))
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	if (name)
		tt_error_set(err, -EINVAL, true, "--profile %s: the report's profiles are: %s", name,
			     r->nprofiles ? names : "none");
	else
		tt_error_set(err, -EINVAL, true,
			     "-f folded writes one profile and the report holds %zu (%s): "
			     "choose one with --profile NAME", r->nprofiles, names);
	free(names);
	return -EINVAL;
}

int cmd_report(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ 0 },
	};
	static const char *const formats[] = { "text", "json", "folded", NULL };
	static char *stdin_only[] = { "-", NULL };
	struct report_opts ropts = { .run = -1 };
	struct tt_render_opts *ro = &ropts.ro;
	struct tt_cli cli = { .cmd = cmd->name, .operands = true, .formats = formats,
			      .extra = extra, .on_opt = on_opt, .ctx = &ropts };
	struct tt_common_opts o = {};
	struct tt_report *r = NULL;
	struct tt_error err;
	struct tt_outfile out = {};
	char **inputs;
	size_t i;
	int ninputs, ret;

	ret = tt_cli_parse(&cli, argc, argv, &o, &err);
	if (ret != TT_CLI_RUN)
		return tt_cli_outcome(cmd, ret, &err);
	inputs = o.noperands ? o.operands : stdin_only;
	ninputs = o.noperands ? o.noperands : 1;
	if (!o.noperands && isatty(STDIN_FILENO)) {
		tt_error_set(&err, -EINVAL, true, "no input: give report FILEs, or pipe one in");
		return tt_cli_outcome(cmd, -EINVAL, &err);
	}
	r = read_all(inputs, ninputs, o.verbose, &ropts, &err);
	if (!r)
		return tt_fail(cmd, &err);
	tt_report_hide_self_metrics(r);
	if (tt_tracers_note_measures(r)) {
		ret = tt_error_set(&err, -ENOMEM, false, "out of memory");
		goto out;
	}
	for (i = 0; i < sizeof(text_joins) / sizeof(text_joins[0]); i++)
		if (tt_report_set_text_join(r, text_joins[i].hist, text_joins[i].counter,
					    text_joins[i].title)) {
			ret = tt_error_set(&err, -ENOMEM, false, "out of memory");
			goto out;
		}
	ret = pick_profile(r, o.format, ropts.profile, &err);
	if (ret)
		goto out;
	ret = tt_outfile_open(&out, o.output);
	if (ret) {
		tt_error_set(&err, ret, true, "-o %s: %s", o.output, strerror(-ret));
		goto out;
	}
	ret = tt_outfile_finish(&out, tt_render(r, ro, o.format, out.f));
	if (ret) {
		tt_error_set(&err, ret, false, "writing %s: %s",
			     o.output ? o.output : "the report", strerror(-ret));
	}
out:
	tt_report__free(r);
	return ret ? tt_fail(cmd, &err) : TT_EXIT_OK;
}
