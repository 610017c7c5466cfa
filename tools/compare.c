// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool compare BASE CAND`: the CI regression gate of issue 15.  Reads
 * two bundles of runs (tracetool.bundle/v1), matches their series by metric
 * and labels (pid and tid ignored), takes one value per run of each gated
 * statistic, and decides each with the exact rank statistics of
 * user/compare_stats.c.  Renders the verdicts as text, markdown, JUnit XML,
 * GitHub annotations or JSON (tracetool.compare/v1).
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bundle.h"
#include "commands.h"
#include "compare_profile.h"
#include "compare_stats.h"
#include "escape.h"
#include "flamegraph.h"
#include "jsonout.h"
#include "outfile.h"
#include "termwidth.h"

const char tt_compare_usage[] =
	"Usage: tracetool compare [OPTIONS] BASE CAND\n"
	"       tracetool compare [OPTIONS] BUNDLE\n"
	"\n"
	"The CI regression gate: compares two bundles of runs written by 'tracetool\n"
	"record' (schema tracetool.bundle/v1, gzip-compressed or not), or the base and\n"
	"candidate runs of one interleaved bundle (variants base and cand). Warm-up\n"
	"runs are left out. Series are matched by metric and labels, pid and tid\n"
	"ignored; series in only one side are listed as added or removed.\n"
	"\n"
	"The unit of evidence is the run: each run gives one value of each gated\n"
	"statistic (p50, p90, p99, p99.9, mean, rate, error_ratio; for profile\n"
	"functions inclusive, self, inclusive_share, self_share), and the runs of\n"
	"the two sides are compared with a one-sided Mann-Whitney test whose\n"
	"distribution is enumerated exactly (ties included), after moving the\n"
	"candidate back by the allowed change: REGRESSED means worse by more than\n"
	"allowed, beyond chance, with Benjamini-Hochberg across all gated tests (the\n"
	"family size is printed).\n"
	"The change is the Hodges-Lehmann estimate of the candidate/base ratio with\n"
	"its interval. The allowed change is at least one histogram bucket width.\n"
	"A statistic whose base median is 0 has no ratio: its change is a difference\n"
	"in its unit (+1.04ms), nothing is allowed, and the runs' test decides.\n"
	"error_ratio (HTTP 5xx, client 4xx too; syscall errors per call) and the\n"
	"shares are fractions compared as differences: 0.01 = one point (+1.00pp).\n"
	"Profile functions (under 1 % of the profile not tested) are a BH family of\n"
	"their own.\n"
	"\n"
	"Verdicts: REGRESSED, IMPROVED (better by more than allowed), SAME (the\n"
	"interval lies inside the allowed change), INCONCLUSIVE (neither shown: more\n"
	"runs needed), INSUFFICIENT (a run had too few samples: a quantile q needs\n"
	"20 samples beyond it, 20/(1-q): p99 2,000 per run, p99.9 20,000).\n"
	"\n"
	"Host core-to-core latency: record bounces a cache line between two CPUs\n"
	"around every run (core_to_core_ns: a VM's host running its vCPUs apart\n"
	"slows every exchange between them); compare tests it like a statistic (not\n"
	"gated, not in the family) and prints a host line. When the candidate's is\n"
	"slower (p < 0.05, twice or more), a REGRESSED verdict whose interval\n"
	"reaches below +50 % becomes INCONCLUSIVE (\"host core-to-core +X%\"): it\n"
	"could be the host's, not the code's; IMPROVED likewise (above -50 %) when\n"
	"it is half or less. Bundles without the probe are not checked.\n"
	"\n"
	"Without --gate: mean, p50, p90 and p99 of every duration histogram and\n"
	"inclusive and self of every profile function, higher is worse, +5 %\n"
	"allowed, none required. A gate file is JSON:\n"
	"  {\"rules\": [{\"metric\": \"tracetool_request_*\", \"labels\": {\"route\": \"/api/*\"},\n"
	"              \"statistic\": \"p99\", \"allowed\": 0.10, \"direction\": \"higher\",\n"
	"              \"min_samples\": 1000, \"required\": true}, ...]}\n"
	"For each series and statistic the first rule that matches decides (metric\n"
	"and label values are globs; \"unit\": \"seconds\" limits a rule to durations;\n"
	"\"ignore\": true gates nothing); a series no rule gates is not reported.\n"
	"\n"
	"Runs recorded with other measurement options (the reports' measurement:\n"
	"offcpu --state, --min-block, profile -F, syscalls --failed) hold other\n"
	"quantities: refused, exit 2; runs of older versions, which record none,\n"
	"are compared with a warning.\n"
	"\n"
	"Exit status: 0 no gated regression, 1 a regression, 2 usage error or an\n"
	"unreadable, truncated or mismatched bundle, 3 with --strict when a required\n"
	"gate is INCONCLUSIVE or INSUFFICIENT, or nothing is gated at all.\n"
	"\n"
	"Options:\n"
	"      --gate FILE           the gate rules (JSON)\n"
	"      --ignore-label L      match series without label L (repeatable; ports,\n"
	"                            addresses that differ between environments)\n"
	"      --alpha A             false discovery rate of the gated tests (default 0.10)\n"
	"      --allowed PCT         the default rules' allowed change, percent (default 5)\n"
	"      --strict              exit 3 when a required gate is not decided, or\n"
	"                            nothing was gated\n"
	"      --same-host           refuse (exit 2) bundles whose host fingerprints differ\n"
	"      --no-host-check       leave the host's core-to-core latency untested: no\n"
	"                            verdict becomes INCONCLUSIVE for it\n"
	"      --flamegraph SVG      differential flame graph of the profile both sides\n"
	"                            hold: red REGRESSED, blue IMPROVED, grey neither\n"
	"  -f, --format FMT          text (default), markdown (also appended to\n"
	"                            $GITHUB_STEP_SUMMARY when set), junit, github\n"
	"                            (workflow annotations) or json (tracetool.compare/v1)\n"
	"  -o, --output FILE         write to FILE (default: standard output)\n"
	"  -v, --verbose             list the SAME and not-gated results too (text)\n"
	"  -h, --help                this help\n"
	"\n"
	"Examples:\n"
	"  tracetool record requests --runs 10 -d 10 -o base.json.gz\n"
	"  tracetool compare base.json.gz cand.json.gz\n"
	"  tracetool compare --gate gate.json -f junit -o compare.xml base.json cand.json\n"
	"  tracetool compare --ignore-label server_port -f markdown base.json cand.json\n";

#define MAX_RUNS TT_MW_MAX_RUNS
#define MAX_IGNORE 16

/*
 * The statistics of a series (ST_P50..ST_RATE), of a series' error ratio
 * (ST_ERR) and of a profile's function (ST_INCL..ST_SELF_SHARE).
 */
enum stat {
	ST_P50, ST_P90, ST_P99, ST_P999, ST_MEAN, ST_RATE, ST_ERR,
	ST_INCL, ST_SELF, ST_INCL_SHARE, ST_SELF_SHARE, ST_NR
};

static const char *const stat_names[ST_NR] = {
	"p50", "p90", "p99", "p99.9", "mean", "rate", "error_ratio",
	"inclusive", "self", "inclusive_share", "self_share",
};
static const double stat_q[ST_NR] = { 0.5, 0.9, 0.99, 0.999 };

/* A fraction compared as a plain difference (0.01 = one percentage point). */
static bool is_fraction(enum stat st)
{
	return st == ST_ERR || st == ST_INCL_SHARE || st == ST_SELF_SHARE;
}

static bool is_profile_stat(enum stat st)
{
	return st >= ST_INCL;
}

/* What a rule allows when it does not say: 5 %, or one point of a fraction. */
static double default_allowed(enum stat st)
{
	return is_fraction(st) ? 0.01 : 0.05;
}

/* The label whose value says whether an HTTP request failed. */
#define STATUS_LABEL "http_response_status_code"

/*
 * Latency families whose errors a counter family holds per errno: the
 * error ratio is errors / calls of the duration series with the same
 * labels (the counter has one label more).
 */
static const struct {
	const char *duration, *errors, *extra;
} error_pairs[] = {
	{ "tracetool_syscall_duration_seconds", "tracetool_syscall_errors_total", "errno" },
};

/* Kinds of matched entries: each its own key space (tree). */
enum kind { K_SERIES, K_ERRORS, K_FUNCTION, K_NR };

/* One stack profile (by name) across runs and sides: the family its functions' rows show. */
struct prof {
	struct tt_family fam;		/* name and unit only */
	bool in[2];
	double total[2][MAX_RUNS];
	const struct tt_profile *p[2][MAX_RUNS];
};

/*
 * Fraction `v` as a percentage or points (times 100) with `decimals`
 * places, then `suffix`: fixed-point while that is short, three
 * significant digits from 1e9 on, the exponent moved by 2 rather than v
 * multiplied (a hand-edited bundle's 1e308 ns against 48: +2.08e+308%,
 * where 100 v is inf).  At most PCT_LEN - 1 bytes: "+999999999.99pp",
 * "+2.08e+308pp", "-inf%".
 */
#define PCT_LEN 24

static const char *pct_text(char *buf, double v, int decimals, bool sign, const char *suffix)
{
	char m[16], *e, *z;

	if (fabs(v) < 1e7 || !isfinite(v)) {
		snprintf(buf, PCT_LEN, sign ? "%+.*f%s" : "%.*f%s", decimals, 100 * v, suffix);
		return buf;
	}
	snprintf(m, sizeof(m), sign ? "%+.2e" : "%.2e", v);	/* "+2.08e+306" */
	e = strchr(m, 'e');
	*e = 0;
	for (z = e - 1; *z == '0'; z--)	/* "+2.00" -> "+2" */
		*z = 0;
	if (*z == '.')
		*z = 0;
	snprintf(buf, PCT_LEN, "%se%+03d%s", m, atoi(e + 1) + 2, suffix);
	return buf;
}

struct rule {
	char *metric;		/* glob */
	char *unit;		/* NULL: any */
	size_t nlabels;
	char **lname, **lglob;
	enum stat st;
	double allowed;
	bool lower_is_worse;
	bool required;
	bool ignore;
	uint64_t min_samples;	/* 0: the statistic's own rule */
};

struct side {
	const char *path;
	const struct tt_report *runs[MAX_RUNS];	/* owned by the bundle */
	size_t nruns;
	double probe[MAX_RUNS];		/* the runs' core_to_core_ns, where measured */
	size_t nprobe;
	const struct tt_fingerprint *fp;
};

/*
 * One series, matched across runs and sides; or the error counts of the
 * series that differ only in status (K_ERRORS: v = requests or calls,
 * x = failed ones); or one function of a profile (K_FUNCTION: v and x
 * its inclusive and self amounts, in the profile's unit).
 */
struct matched {
	enum kind kind;
	char *key;			/* family name, NUL, labels: the match */
	const struct tt_family *fam;	/* as first seen */
	struct prof *prof;		/* K_FUNCTION */
	char *labels;			/* "name=value,..." without ignored labels */
	char **lnames, **lvalues;
	size_t nlabels;
	bool in[2];
	struct tt_hsum h[2][MAX_RUNS];
	double v[2][MAX_RUNS];
	double x[2][MAX_RUNS];
	const struct row *incl;		/* K_FUNCTION: its gated inclusive row, if any */
};

struct row {
	struct matched *e;
	enum stat st;
	const struct rule *rule;
	double allowed;			/* the rule's, widened to a bucket; 0 for a zero base */
	bool zero_base;			/* base median 0: change is a difference, not relative */
	double vals[2][MAX_RUNS];
	size_t n[2];
	double med[2], spread[2];
	struct tt_cmp c;
	bool host;			/* REGRESSED/IMPROVED made INCONCLUSIVE: the host's step */
	char reason[sizeof("host core-to-core ") + PCT_LEN];	/* then "host core-to-core +712%" */
	enum tt_verdict before;		/* and the verdict it had */
};

struct compare {
	struct tt_bundle *bundle[2];	/* the second NULL for one interleaved bundle */
	struct side side[2];
	const char *ignore[MAX_IGNORE];
	size_t nignore;
	const char *gate_path;
	double alpha, allowed_pct;
	bool strict, same_host;
	bool no_host_check;		/* --no-host-check */
	struct tt_host_speed host;	/* the probe's test (host.tested false: not done) */
	size_t host_explained;		/* rows host_check made INCONCLUSIVE */
	struct rule *rules;
	size_t nrules;
	void *tree[K_NR];		/* tsearch roots of entries by key, per kind */
	struct matched **entries;
	size_t nentries, cap;
	struct prof **profs;
	size_t nprofs;
	const char *flamegraph;		/* --flamegraph FILE */
	struct row *rows;
	size_t nrows;
	int family;			/* BH family of the series' tests */
	int pfamily;			/* BH family of the profiles' functions */
	size_t untested;		/* function rows left out by is_small_function */
	char *fp_diff;			/* fingerprint differences, "; "-separated, or NULL */
	size_t counts[TT_INSUFFICIENT + 1];
};

enum {
	OPT_GATE = TT_OPT_CMD,
	OPT_IGNORE,
	OPT_ALPHA,
	OPT_ALLOWED,
	OPT_STRICT,
	OPT_SAME_HOST,
	OPT_FLAMEGRAPH,
	OPT_NO_HOST_CHECK,
};

static int on_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct compare *c = ctx;
	char *end;

	switch (key) {
	case OPT_GATE:
		c->gate_path = arg;
		return 0;
	case OPT_IGNORE:
		if (c->nignore == MAX_IGNORE)
			return tt_error_set(err, -EINVAL, true, "--ignore-label: at most %d",
					    MAX_IGNORE);
		c->ignore[c->nignore++] = arg;
		return 0;
	case OPT_ALPHA:
		c->alpha = strtod(arg, &end);
		if (*end || !(c->alpha > 0 && c->alpha < 0.5))
			return tt_error_set(err, -EINVAL, true,
					    "--alpha: '%s' is not a rate in (0, 0.5)", arg);
		return 0;
	case OPT_ALLOWED:
		c->allowed_pct = strtod(arg, &end);
		if (*end || !(c->allowed_pct >= 0 && c->allowed_pct < 1000))
			return tt_error_set(err, -EINVAL, true,
					    "--allowed: '%s' is not a percentage", arg);
		c->allowed_pct += 0.0;	/* "-0" is 0: JSON "allowed": 0.0, not -0.0 */
		return 0;
	case OPT_STRICT:
		c->strict = true;
		return 0;
	case OPT_SAME_HOST:
		c->same_host = true;
		return 0;
	case OPT_FLAMEGRAPH:
		c->flamegraph = arg;
		return 0;
	case OPT_NO_HOST_CHECK:
		c->no_host_check = true;
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unexpected option");
}

/* --- reading bundles --------------------------------------------------- */

/*
 * Take the measured runs of `b` of variant `want` (NULL: every variant) into
 * `s`.  0, or -EINVAL with err filled (none, or more than MAX_RUNS).
 */
static int take_runs(struct side *s, const char *path, const struct tt_bundle *b,
		     const char *want, struct tt_error *err)
{
	size_t i;

	s->path = path;
	s->fp = &b->fp;
	for (i = 0; i < b->nruns; i++) {
		const struct tt_bundle_run *run = &b->runs[i];

		if (run->warmup || (want && strcmp(run->variant, want)))
			continue;
		if (s->nruns == MAX_RUNS)
			return tt_error_set(err, -EINVAL, true, "%s: more than %d %s runs", path,
					    MAX_RUNS, want ? want : "measured");
		s->runs[s->nruns++] = run->report;
		if (run->noise.core_to_core_ns > 0)
			s->probe[s->nprobe++] = run->noise.core_to_core_ns;
	}
	if (!s->nruns)
		return tt_error_set(err, -EINVAL, true, "%s: no %s runs (warm-up runs do not count)",
				    path, want ? want : "measured");
	return 0;
}

/*
 * BASE and CAND (two bundles), or the base and cand runs of one interleaved
 * bundle.  0 or -errno with err filled.
 */
static int read_inputs(struct compare *c, char **paths, int n, struct tt_error *err)
{
	int ret, i;

	for (i = 0; i < n; i++) {
		ret = tt_bundle_read(paths[i], &c->bundle[i], err);
		if (ret)
			return ret;
	}
	if (n == 2) {
		/* an interleaved bundle as a side would mix its two commands */
		for (i = 0; i < 2; i++)
			if (tt_bundle_is_interleaved(c->bundle[i]))
				return tt_error_set(err, -EINVAL, true,
						    "%s interleaves base and cand runs: give it "
						    "alone (tracetool compare %s)", paths[i],
						    paths[i]);
		return take_runs(&c->side[0], paths[0], c->bundle[0], NULL, err) ?:
		       take_runs(&c->side[1], paths[1], c->bundle[1], NULL, err);
	}
	if (!tt_bundle_is_interleaved(c->bundle[0]))
		return tt_error_set(err, -EINVAL, true, "%s is not an interleaved recording (base "
				    "and cand runs): give BASE and CAND bundles", paths[0]);
	return take_runs(&c->side[0], paths[0], c->bundle[0], "base", err) ?:
	       take_runs(&c->side[1], paths[0], c->bundle[0], "cand", err);
}

static void fp_str(FILE *f, bool *any, const char *key, const char *a, const char *b)
{
	if (!strcmp(a ? a : "", b ? b : ""))
		return;
	fprintf(f, "%s%s '%s' vs '%s'", *any ? "; " : "", key, a ? a : "", b ? b : "");
	*any = true;
}

/* Differences of the host fingerprints (the tracetool version aside) into c->fp_diff. */
static int diff_fingerprints(struct compare *c, struct tt_error *err)
{
	const struct tt_fingerprint *a = c->side[0].fp, *b = c->side[1].fp;
	char *text = NULL;
	size_t len = 0;
	bool any = false;
	FILE *f;

	if (a == b)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	fp_str(f, &any, "host", a->host, b->host);
	fp_str(f, &any, "kernel", a->kernel, b->kernel);
	fp_str(f, &any, "cpu_model", a->cpu_model, b->cpu_model);
	if (a->cpus != b->cpus) {
		fprintf(f, "%scpus %ld vs %ld", any ? "; " : "", a->cpus, b->cpus);
		any = true;
	}
	if (a->cgroup_cpu_limit != b->cgroup_cpu_limit &&
	    !(isnan(a->cgroup_cpu_limit) && isnan(b->cgroup_cpu_limit))) {
		fprintf(f, "%scgroup_cpu_limit %g vs %g", any ? "; " : "", a->cgroup_cpu_limit,
			b->cgroup_cpu_limit);
		any = true;
	}
	if (fclose(f))
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	if (any)
		c->fp_diff = text;
	else
		free(text);
	return 0;
}

/*
 * Runs measured under other options (offcpu --state, profile -F) hold other
 * quantities, and the gate would report the options' difference as a
 * regression: refused.  Runs that record none (older bundles) are compared
 * with a warning.
 */
static int check_measures(const struct compare *c, struct tt_error *err)
{
	const struct side *a = &c->side[0], *b = &c->side[1];
	struct tt_measure_diff d;
	const char *t;

	switch (tt_reports_measure_cmp(a->runs, a->nruns, b->runs, b->nruns, &t, &d)) {
	case TT_MEASURE_DIFFER:
		return tt_error_set(err, -EINVAL, true, "cannot compare %s with %s: %s --%s "
				    "differs: %s in %s, %s in %s", a->path, b->path, t, d.key,
				    tt_measure_value(d.a), a->path, tt_measure_value(d.b), b->path);
	case TT_MEASURE_UNKNOWN:
		fprintf(stderr, "tracetool compare: warning: %s's measurement options are not "
			"recorded in every run (bundles written before they were): compared as if "
			"the same\n", t);
		return 0;
	default:
		return 0;
	}
}

/* --- the gate file --------------------------------------------------------- */

static int parse_stat(const char *s, enum stat *st)
{
	int i;

	for (i = 0; s && i < ST_NR; i++)
		if (!strcmp(s, stat_names[i])) {
			*st = i;
			return 0;
		}
	return -EINVAL;
}

/*
 * Without a gate file: mean, p50, p90, p99 of every duration histogram, and
 * each profile function's inclusive and self amounts per run, +allowed %.
 */
static int default_rules(struct compare *c, struct tt_error *err)
{
	static const enum stat st[] = { ST_MEAN, ST_P50, ST_P90, ST_P99, ST_INCL, ST_SELF };
	const size_t n = sizeof(st) / sizeof(st[0]);
	size_t i;

	c->rules = calloc(n, sizeof(*c->rules));
	if (!c->rules)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	for (i = 0; i < n; i++) {
		c->rules[i].metric = strdup("*");
		c->rules[i].unit = is_profile_stat(st[i]) ? NULL : strdup("seconds");
		c->nrules++;
		if (!c->rules[i].metric || (!is_profile_stat(st[i]) && !c->rules[i].unit))
			return tt_error_set(err, -ENOMEM, false, "out of memory");
		c->rules[i].st = st[i];
		c->rules[i].allowed = c->allowed_pct / 100;
	}
	return 0;
}

static int read_gate(struct compare *c, struct tt_error *err)
{
	json_t *root, *rules, *r, *labels, *v;
	json_error_t jerr;
	const char *p = c->gate_path, *key;
	size_t i;
	int ret = -EINVAL;

	root = json_load_file(p, 0, &jerr);
	if (!root)
		return tt_error_set(err, -EINVAL, true, "--gate %s: line %d: %s", p, jerr.line,
				    jerr.text);
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules) || !json_array_size(rules)) {
		tt_error_set(err, -EINVAL, true, "--gate %s: $.rules: expected a non-empty array", p);
		goto out;
	}
	c->rules = calloc(json_array_size(rules), sizeof(*c->rules));
	if (!c->rules) {
		ret = tt_error_set(err, -ENOMEM, false, "out of memory");
		goto out;
	}
	json_array_foreach(rules, i, r) {
		struct rule *ru = &c->rules[c->nrules++];
		const char *s;
		size_t k = 0;

		if (!json_is_object(r) ||
		    parse_stat(json_string_value(json_object_get(r, "statistic")), &ru->st)) {
			tt_error_set(err, -EINVAL, true,
				     "--gate %s: $.rules[%zu].statistic: expected one of p50, p90, "
				     "p99, p99.9, mean, rate, error_ratio, inclusive, self, "
				     "inclusive_share, self_share", p, i);
			goto out;
		}
		ru->allowed = default_allowed(ru->st);
		s = json_string_value(json_object_get(r, "metric"));
		ru->metric = strdup(s ? s : "*");
		s = json_string_value(json_object_get(r, "unit"));
		ru->unit = s ? strdup(s) : NULL;
		if (!ru->metric || (s && !ru->unit)) {
			ret = tt_error_set(err, -ENOMEM, false, "out of memory");
			goto out;
		}
		v = json_object_get(r, "allowed");
		if (v && (!json_is_number(v) || json_number_value(v) < 0)) {
			tt_error_set(err, -EINVAL, true,
				     "--gate %s: $.rules[%zu].allowed: expected a fraction (0.05 = 5 %%; "
				     "for error_ratio and shares a difference, 0.01 = 1 point)", p, i);
			goto out;
		}
		if (v)
			ru->allowed = json_number_value(v) + 0.0;	/* -0.0 is 0 */
		s = json_string_value(json_object_get(r, "direction"));
		if (s && strcmp(s, "higher") && strcmp(s, "lower")) {
			tt_error_set(err, -EINVAL, true,
				     "--gate %s: $.rules[%zu].direction: \"higher\" or \"lower\" "
				     "(which way is worse)", p, i);
			goto out;
		}
		ru->lower_is_worse = s && !strcmp(s, "lower");
		v = json_object_get(r, "min_samples");
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
			tt_error_set(err, -EINVAL, true,
				     "--gate %s: $.rules[%zu].min_samples: expected a count", p, i);
			goto out;
		}
		ru->min_samples = v ? (uint64_t)json_integer_value(v) : 0;
		ru->required = json_is_true(json_object_get(r, "required"));
		ru->ignore = json_is_true(json_object_get(r, "ignore"));
		labels = json_object_get(r, "labels");
		if (labels && !json_is_object(labels)) {
			tt_error_set(err, -EINVAL, true,
				     "--gate %s: $.rules[%zu].labels: expected an object", p, i);
			goto out;
		}
		ru->nlabels = labels ? json_object_size(labels) : 0;
		ru->lname = calloc(ru->nlabels + 1, sizeof(char *));
		ru->lglob = calloc(ru->nlabels + 1, sizeof(char *));
		if (!ru->lname || !ru->lglob) {
			ret = tt_error_set(err, -ENOMEM, false, "out of memory");
			goto out;
		}
		if (labels)
			json_object_foreach(labels, key, v) {
				if (!json_is_string(v)) {
					tt_error_set(err, -EINVAL, true,
						     "--gate %s: $.rules[%zu].labels.%s: expected a "
						     "string", p, i, key);
					goto out;
				}
				ru->lname[k] = strdup(key);
				ru->lglob[k] = strdup(json_string_value(v));
				if (!ru->lname[k] || !ru->lglob[k++]) {
					ret = tt_error_set(err, -ENOMEM, false, "out of memory");
					goto out;
				}
			}
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

static void free_rules(struct compare *c)
{
	size_t i, k;

	for (i = 0; i < c->nrules; i++) {
		free(c->rules[i].metric);
		free(c->rules[i].unit);
		for (k = 0; k < c->rules[i].nlabels; k++) {
			free(c->rules[i].lname ? c->rules[i].lname[k] : NULL);
			free(c->rules[i].lglob ? c->rules[i].lglob[k] : NULL);
		}
		free(c->rules[i].lname);
		free(c->rules[i].lglob);
	}
	free(c->rules);
}

/* --- matching series ------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b)
{
	const struct matched *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	return d ? d : strcmp(x->key + strlen(x->key) + 1, y->key + strlen(y->key) + 1);
}

static bool is_ignored(const struct compare *c, const char *label)
{
	size_t i;

	if (!strcmp(label, "pid") || !strcmp(label, "tid"))
		return true;
	for (i = 0; i < c->nignore; i++)
		if (!strcmp(label, c->ignore[i]))
			return true;
	return false;
}

/*
 * The entry of kind `kind` named `name` with labels `lnames` = `lvalues`
 * (label `skip` and the ignored ones left out), shown as family `disp`;
 * created when new.  NULL on ENOMEM.
 */
static struct matched *entry_of(struct compare *c, enum kind kind, const struct tt_family *disp,
				const char *name, size_t nlabels, char *const *lnames,
				char *const *lvalues, const char *skip)
{
	struct matched probe = {}, *e, **found;
	char *labels = NULL;
	size_t len = 0, i, n = 0;
	FILE *m = open_memstream(&labels, &len);

	if (!m)
		return NULL;
	for (i = 0; i < nlabels; i++) {
		if (is_ignored(c, lnames[i]) || (skip && !strcmp(lnames[i], skip)))
			continue;
		/* \x1f between pairs: a value holding ',' or '=' cannot fake another set */
		fprintf(m, "%s%s=%s", n++ ? "\x1f" : "", lnames[i], lvalues[i]);
	}
	if (fclose(m))
		return NULL;
	probe.key = malloc(strlen(name) + len + 2);
	if (!probe.key) {
		free(labels);
		return NULL;
	}
	strcpy(probe.key, name);
	strcpy(probe.key + strlen(name) + 1, labels);
	found = tfind(&probe, &c->tree[kind], cmp_entry);
	if (found) {
		free(probe.key);
		free(labels);
		return *found;
	}
	e = calloc(1, sizeof(*e));
	if (!e || (c->nentries == c->cap &&
		   !(c->entries = reallocarray(c->entries, c->cap = c->cap * 2 + 16,
					       sizeof(*c->entries))))) {
		free(e);
		free(probe.key);
		free(labels);
		return NULL;
	}
	e->kind = kind;
	e->key = probe.key;
	e->fam = disp;
	e->labels = labels;
	e->lnames = calloc(n + 1, sizeof(char *));
	e->lvalues = calloc(n + 1, sizeof(char *));
	if (!e->lnames || !e->lvalues || !tsearch(e, &c->tree[kind], cmp_entry)) {
		free(e->lnames);
		free(e->lvalues);
		free(e);
		free(probe.key);
		free(labels);
		return NULL;
	}
	for (i = 0; i < nlabels; i++)
		if (!is_ignored(c, lnames[i]) && !(skip && !strcmp(lnames[i], skip))) {
			e->lnames[e->nlabels] = lnames[i];
			e->lvalues[e->nlabels++] = lvalues[i];
		}
	for (i = 0; labels[i]; i++)	/* displayed with commas */
		if (labels[i] == '\x1f')
			labels[i] = ',';
	c->entries[c->nentries++] = e;
	return e;
}

static bool is_self_metric(const char *name)
{
	return !strcmp(name, TT_LOST_FAMILY) || !strcmp(name, TT_MAP_MEMORY_FAMILY) ||
	       !strncmp(name, "tracetool_requests_unclassified", 31);
}

static int label_index(const struct tt_family *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nlabels; i++)
		if (!strcmp(f->label_names[i], name))
			return (int)i;
	return -1;
}

/*
 * A failed HTTP request, as OpenTelemetry's semantic conventions count
 * errors: a 5xx answer on the server side, 4xx or 5xx on the client side.
 */
static bool is_error_status(const struct tt_family *f, const char *status)
{
	char *end;
	long code = strtol(status, &end, 10);

	if (*end || end == status)
		return false;
	return code >= 500 || (code >= 400 && !strncmp(f->name, "http_client_", 12));
}

static bool is_error_duration(const struct tt_family *f)
{
	size_t i;

	for (i = 0; i < sizeof(error_pairs) / sizeof(error_pairs[0]); i++)
		if (!strcmp(f->name, error_pairs[i].duration))
			return true;
	return false;
}

/* Series `s` of histogram family `f` into its error group: calls, and failures by status. */
static int add_error_calls(struct compare *c, const struct tt_family *f,
			   const struct tt_series *s, int sd, size_t r)
{
	int st = label_index(f, STATUS_LABEL);
	struct matched *g;

	if (st < 0 && !is_error_duration(f))
		return 0;
	g = entry_of(c, K_ERRORS, f, f->name, f->nlabels, f->label_names, s->labels,
		     st < 0 ? NULL : STATUS_LABEL);
	if (!g)
		return -ENOMEM;
	g->in[sd] = true;
	g->v[sd][r] += (double)s->hist.count;
	if (st >= 0 && is_error_status(f, s->labels[st]))
		g->x[sd][r] += (double)s->hist.count;
	return 0;
}

/* Counter series `s` of family `f` into the error group of its duration series, if any. */
static int add_error_count(struct compare *c, const struct tt_report *rep,
			   const struct tt_family *f, const struct tt_series *s, int sd, size_t r)
{
	const struct tt_family *dur;
	struct matched *g;
	size_t i;

	for (i = 0; i < sizeof(error_pairs) / sizeof(error_pairs[0]); i++)
		if (!strcmp(f->name, error_pairs[i].errors))
			break;
	if (i == sizeof(error_pairs) / sizeof(error_pairs[0]))
		return 0;
	dur = tt_report_find_family(rep, error_pairs[i].duration);
	if (!dur)
		return 0;
	g = entry_of(c, K_ERRORS, dur, dur->name, f->nlabels, f->label_names, s->labels,
		     error_pairs[i].extra);
	if (!g)
		return -ENOMEM;
	g->x[sd][r] += s->value;
	return 0;
}

/* The profile named `name`, created when new; NULL on ENOMEM. */
static struct prof *prof_of(struct compare *c, const struct tt_profile *p)
{
	struct prof *pr, **grown;
	size_t i;

	for (i = 0; i < c->nprofs; i++)
		if (!strcmp(c->profs[i]->fam.name, p->name))
			return c->profs[i];
	grown = reallocarray(c->profs, c->nprofs + 1, sizeof(*grown));
	if (!grown)
		return NULL;
	c->profs = grown;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return NULL;
	pr->fam.name = strdup(p->name);
	pr->fam.unit = strdup(p->unit ? p->unit : "");
	pr->fam.type = TT_METRIC_GAUGE;
	if (!pr->fam.name || !pr->fam.unit) {
		free(pr->fam.name);
		free(pr->fam.unit);
		free(pr);
		return NULL;
	}
	c->profs[c->nprofs++] = pr;
	return pr;
}

/* The functions of profile `p` of run `r` of side `sd`: inclusive and self amounts. */
static int add_profile(struct compare *c, const struct tt_profile *p, int sd, size_t r)
{
	static char *const fn_label[] = { "function" };
	struct prof *pr = prof_of(c, p);
	struct tt_fn_share *sh;
	size_t n, i;
	double total;

	if (!pr || tt_profile_shares(p, &sh, &n, &total))
		return -ENOMEM;
	pr->in[sd] = true;
	pr->p[sd][r] = p;
	pr->total[sd][r] += total;
	for (i = 0; i < n; i++) {
		char *value[] = { (char *)sh[i].function };
		struct matched *e = entry_of(c, K_FUNCTION, &pr->fam, pr->fam.name, 1, fn_label,
					     value, NULL);

		if (!e) {
			free(sh);
			return -ENOMEM;
		}
		e->prof = pr;
		e->in[sd] = true;
		e->v[sd][r] += sh[i].inclusive * total;
		e->x[sd][r] += sh[i].self * total;
	}
	free(sh);
	return 0;
}

static int match_series(struct compare *c, struct tt_error *err)
{
	size_t sd, r, fi, si;

	for (sd = 0; sd < 2; sd++)
		for (r = 0; r < c->side[sd].nruns; r++) {
			const struct tt_report *rep = c->side[sd].runs[r];

			for (fi = 0; fi < rep->nprofiles; fi++)
				if (add_profile(c, rep->profiles[fi], sd, r))
					return tt_error_set(err, -ENOMEM, false, "out of memory");
			for (fi = 0; fi < rep->nfamilies; fi++) {
				const struct tt_family *f = rep->families[fi];

				if (is_self_metric(f->name))
					continue;
				for (si = 0; si < f->nseries; si++) {
					const struct tt_series *s = &f->series[si];
					struct matched *e = entry_of(c, K_SERIES, f, f->name,
								     f->nlabels, f->label_names,
								     s->labels, NULL);

					if (!e)
						return tt_error_set(err, -ENOMEM, false, "out of memory");
					if (e->fam->type != f->type)
						return tt_error_set(err, -EINVAL, true,
								    "%s: metric %s is a %s in one run "
								    "and not in another",
								    c->side[sd].path, f->name,
								    f->type == TT_METRIC_HISTOGRAM ?
								    "histogram" : "number");
					e->in[sd] = true;
					if (f->type != TT_METRIC_HISTOGRAM) {
						e->v[sd][r] += s->value;
						if (add_error_count(c, rep, f, s, sd, r))
							return tt_error_set(err, -ENOMEM, false,
									    "out of memory");
					} else if (tt_hsum_add(&e->h[sd][r], &s->hist) ||
						   add_error_calls(c, f, s, sd, r)) {
						return tt_error_set(err, -ENOMEM, false, "out of memory");
					}
				}
			}
		}
	return 0;
}

/* --- the statistics -------------------------------------------------------- */

static bool glob_ok(const char *pattern, const char *s)
{
	return !fnmatch(pattern, s, 0);
}

static bool rule_matches(const struct rule *ru, const struct matched *e, enum stat st)
{
	size_t i, k;

	if (ru->st != st || !glob_ok(ru->metric, e->fam->name))
		return false;
	if (ru->unit && strcmp(ru->unit, e->fam->unit ? e->fam->unit : ""))
		return false;
	for (i = 0; i < ru->nlabels; i++) {
		for (k = 0; k < e->nlabels; k++)
			if (!strcmp(ru->lname[i], e->lnames[k]))
				break;
		if (k == e->nlabels || !glob_ok(ru->lglob[i], e->lvalues[k]))
			return false;
	}
	return true;
}

static double median_of(const double *v, size_t n)
{
	double t[MAX_RUNS];

	memcpy(t, v, n * sizeof(*t));
	return tt_median_inplace(t, n);
}

/* Median absolute deviation: a spread one wild run does not blow up. */
static double mad_of(const double *v, size_t n, double med)
{
	double d[MAX_RUNS];
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = fabs(v[i] - med);
	return median_of(d, n);
}

/* The per-run values of a function row: amounts, or shares of the run's profile. */
static void function_values(const struct compare *c, struct row *w)
{
	const struct matched *e = w->e;
	uint64_t need = w->rule->min_samples ? w->rule->min_samples : 1;
	size_t sd, r;

	for (sd = 0; sd < 2; sd++) {
		w->n[sd] = c->side[sd].nruns;
		for (r = 0; r < w->n[sd]; r++) {
			double total = e->prof->total[sd][r];
			double v = w->st == ST_INCL || w->st == ST_INCL_SHARE ? e->v[sd][r]
									       : e->x[sd][r];

			/* a run without samples says nothing of any share */
			if (total < (double)need)
				w->c.insufficient = true;
			w->vals[sd][r] = is_fraction(w->st) ? (total > 0 ? v / total : 0) : v;
		}
	}
}

/*
 * Per-run values of statistic `st` of entry `e` into row `w`; marks the
 * row insufficient when a run has fewer samples than the statistic needs.
 */
static void row_values(struct compare *c, struct row *w)
{
	const struct matched *e = w->e;
	uint64_t need = w->rule->min_samples;
	double width[MAX_RUNS];
	size_t sd, r;

	if (!need)
		need = stat_q[w->st] > 0 ? tt_quantile_min_samples(stat_q[w->st]) :
		       w->st == ST_MEAN || w->st == ST_ERR ? 1 : 0;
	for (sd = 0; sd < 2; sd++) {
		w->n[sd] = c->side[sd].nruns;
		if (e->kind == K_FUNCTION)
			break;
		for (r = 0; r < w->n[sd]; r++) {
			const struct tt_hsum *h = &e->h[sd][r];
			double dur = c->side[sd].runs[r]->duration_seconds;
			struct tt_qint qi;
			double count = e->fam->type == TT_METRIC_HISTOGRAM ? (double)h->count
									   : e->v[sd][r];

			if (e->kind == K_ERRORS) {
				/* no calls in a run: no ratio to compare */
				if (e->v[sd][r] < (double)need)
					w->c.insufficient = true;
				w->vals[sd][r] = e->v[sd][r] > 0 ? e->x[sd][r] / e->v[sd][r] : 0;
				continue;
			}
			if (e->fam->type == TT_METRIC_HISTOGRAM && h->count < need)
				w->c.insufficient = true;
			switch (w->st) {
			case ST_MEAN:
				/* a sum past DBL_MAX (+Inf, a merge's): no mean to test */
				if (!isfinite(h->sum))
					w->c.insufficient = true;
				w->vals[sd][r] = h->count ? h->sum / (double)h->count : 0;
				break;
			case ST_RATE:
				w->vals[sd][r] = dur > 0 ? count / dur : 0;
				break;
			default:
				tt_hsum_quantile_interval(h, stat_q[w->st], &qi);
				w->vals[sd][r] = qi.value;
				if (sd == 0)
					width[r] = qi.value > 0 ? (qi.hi - qi.lo) / qi.value : 0;
			}
		}
	}
	if (e->kind == K_FUNCTION)
		function_values(c, w);
	for (sd = 0; sd < 2; sd++) {
		w->med[sd] = median_of(w->vals[sd], w->n[sd]);
		w->spread[sd] = mad_of(w->vals[sd], w->n[sd], w->med[sd]);
	}
	w->allowed = w->rule->allowed;
	/* nothing finer than a bucket is a change: the allowed change is at least one */
	if (stat_q[w->st] > 0 && median_of(width, w->n[0]) > w->allowed)
		w->allowed = median_of(width, w->n[0]);
	/*
	 * A base median of 0 has no relative change: tt_cmp_series then takes
	 * plain differences (base units), and the allowed change, a fraction of
	 * 0, is 0, so the test on the runs alone decides (0 -> 1 ms is not SAME
	 * for being under "5 %" read as 0.05 s).
	 */
	if (!is_fraction(w->st) && w->med[0] == 0) {
		w->zero_base = true;
		w->allowed = 0;
	}
}

/* Whether statistic `st` applies to entry `e`. */
static bool stat_applies(const struct matched *e, enum stat st)
{
	switch (e->kind) {
	case K_ERRORS:
		return st == ST_ERR;
	case K_FUNCTION:
		return is_profile_stat(st);
	default:
		if (st == ST_ERR || is_profile_stat(st))
			return false;
		if (st == ST_RATE)
			return e->fam->type != TT_METRIC_GAUGE;
		return e->fam->type == TT_METRIC_HISTOGRAM;
	}
}

/* Functions below this share of their profile, pooled over every run, are not tested. */
#define MIN_FUNCTION_SHARE 0.01

/*
 * A profile row of a function too small to test: its amount (inclusive or
 * self, as the row's statistic) is under MIN_FUNCTION_SHARE of the profile
 * on average over the runs of both sides.  The pooled mean does not depend
 * on which runs are base and which candidate, so leaving such rows out does
 * not bias the tests that remain (independent filtering); it keeps the
 * hundreds of functions sampled a few times a run from diluting the
 * family.  A function that vanished, or appeared, with 2 % of a side is
 * still tested.
 */
static bool is_small_function(const struct compare *c, const struct row *w)
{
	const struct matched *e = w->e;
	bool incl = w->st == ST_INCL || w->st == ST_INCL_SHARE;
	double sum = 0;
	size_t sd, r, n = 0;

	if (e->kind != K_FUNCTION)
		return false;
	for (sd = 0; sd < 2; sd++)
		for (r = 0; r < c->side[sd].nruns; r++, n++)
			if (e->prof->total[sd][r] > 0)
				sum += (incl ? e->v[sd][r] : e->x[sd][r]) / e->prof->total[sd][r];
	return n && sum / (double)n < MIN_FUNCTION_SHARE;
}

/* Verdicts of the rows of one BH family (profile rows or the others); its size. */
static int decide_family(struct compare *c, bool profiles)
{
	double *allowed = malloc((c->nrows + 1) * sizeof(*allowed));
	struct tt_cmp *cmp = malloc((c->nrows + 1) * sizeof(*cmp));
	size_t i, n = 0;
	int ret = -ENOMEM;

	if (!allowed || !cmp)
		goto out;
	for (i = 0; i < c->nrows; i++)
		if (is_profile_stat(c->rows[i].st) == profiles) {
			allowed[n] = c->rows[i].allowed;
			cmp[n++] = c->rows[i].c;
		}
	ret = tt_cmp_decide(cmp, allowed, n, c->alpha);
	for (i = 0, n = 0; ret >= 0 && i < c->nrows; i++)
		if (is_profile_stat(c->rows[i].st) == profiles)
			c->rows[i].c = cmp[n++];
out:
	free(allowed);
	free(cmp);
	return ret;
}

/*
 * A host check needs this many runs with core_to_core_ns a side (3 against
 * 3 cannot reach p < 0.05 at all); runs without one are left out.
 */
#define HOST_MIN_RUNS 4

/*
 * The host's core-to-core latency across the sides, from the runs that have its
 * probe: a verdict the host's step could explain becomes INCONCLUSIVE
 * (fractions are not speeds, and stay).  0 or -errno.
 */
static int host_check(struct compare *c)
{
	const struct side *b = &c->side[0], *k = &c->side[1];
	char pct[PCT_LEN];
	size_t i;
	int ret;

	if (c->no_host_check || b->nprobe < HOST_MIN_RUNS || k->nprobe < HOST_MIN_RUNS)
		return 0;
	ret = tt_host_speed_test(b->probe, b->nprobe, k->probe, k->nprobe, &c->host);
	for (i = 0; !ret && i < c->nrows; i++) {
		struct row *w = &c->rows[i];

		if (!is_fraction(w->st) && tt_host_explains(&c->host, &w->c)) {
			w->before = w->c.verdict;
			w->c.verdict = TT_INCONCLUSIVE;
			w->host = true;
			snprintf(w->reason, sizeof(w->reason), "host core-to-core %s",
				 pct_text(pct, c->host.change, 0, true, "%"));
			c->host_explained++;
		}
	}
	return ret;
}

static int run_stats(struct compare *c, struct tt_error *err)
{
	size_t i, k, st;
	int ret;

	c->rows = calloc(c->nentries * ST_NR + 1, sizeof(*c->rows));
	if (!c->rows)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	for (i = 0; i < c->nentries; i++) {
		struct matched *e = c->entries[i];

		/* a function is compared wherever its profile is: absent = none of it */
		if (e->kind == K_FUNCTION ? !e->prof->in[0] || !e->prof->in[1]
					  : !e->in[0] || !e->in[1])
			continue;
		for (st = 0; st < ST_NR; st++) {
			struct row *w = &c->rows[c->nrows];

			if (!stat_applies(e, st))
				continue;
			for (k = 0; k < c->nrules; k++)
				if (rule_matches(&c->rules[k], e, st))
					break;
			if (k == c->nrules || c->rules[k].ignore)
				continue;
			w->e = e;
			w->st = st;
			w->rule = &c->rules[k];
			row_values(c, w);
			if (is_small_function(c, w)) {
				c->untested++;
				memset(w, 0, sizeof(*w));
				continue;
			}
			if (!w->c.insufficient) {
				struct tt_cmp_in in = {
					w->vals[0], w->n[0], w->vals[1], w->n[1], w->allowed,
					!w->rule->lower_is_worse, !is_fraction(st), is_fraction(st),
				};

				ret = tt_cmp_series(&in, c->alpha, &w->c);
				if (ret)
					return tt_error_set(err, ret, false, "%s %s: %s", e->fam->name,
							    stat_names[st], strerror(-ret));
			}
			if (st == ST_INCL)
				e->incl = w;
			c->nrows++;
		}
	}
	c->family = decide_family(c, false);
	c->pfamily = decide_family(c, true);
	if (c->family < 0 || c->pfamily < 0)
		return tt_error_set(err, -ENOMEM, false, "out of memory");
	ret = host_check(c);
	if (ret)
		return tt_error_set(err, ret, false, "host core-to-core latency: %s",
					    strerror(-ret));
	for (i = 0; i < c->nrows; i++)
		c->counts[c->rows[i].c.verdict]++;
	return 0;
}

/* --- outputs --------------------------------------------------------------- */

/*
 * A value in its family's unit: durations as ns/us/ms/s, anything else
 * %.4g (at most 11 bytes for any double), a profile's amount with its
 * unit's name, fractions as percentages.
 */
static void put_value(FILE *f, double v, const struct row *w)
{
	const char *unit = w->e->fam->unit ? w->e->fam->unit : "";
	char pct[PCT_LEN];

	if (is_fraction(w->st))
		fputs(pct_text(pct, v, 2, false, "%"), f);
	else if (is_profile_stat(w->st))
		fprintf(f, "%.4g %s", v, unit);
	else if (w->st == ST_RATE)
		fprintf(f, "%.4g/s", v);
	else if (strcmp(unit, "seconds"))
		fprintf(f, "%.4g", v);
	else if (fabs(v) >= 1)
		fprintf(f, "%.3gs", v);
	else if (fabs(v) >= 1e-3)
		fprintf(f, "%.3gms", v * 1e3);
	else if (fabs(v) >= 1e-6)
		fprintf(f, "%.3gus", v * 1e6);
	else
		fprintf(f, "%.3gns", v * 1e9);
}

/*
 * A change: relative (+12.3%), a fraction's difference in points (+1.20pp),
 * or, from a zero base, a difference in the row's unit (+1.04ms).
 */
static void put_delta(FILE *f, double v, const struct row *w)
{
	char pct[PCT_LEN];

	v += 0.0;	/* -0.0 is no change: "+0.0%", not "-0.0%" */
	if (isinf(v)) {
		fputs(v < 0 ? "-inf" : "+inf", f);
	} else if (is_fraction(w->st)) {
		fputs(pct_text(pct, v, 2, true, "pp"), f);
	} else if (w->zero_base) {
		fputc(v < 0 ? '-' : '+', f);
		put_value(f, fabs(v), w);
	} else {
		fputs(pct_text(pct, v, 1, true, "%"), f);
	}
}

/* "+12.3% [+8.0%, +16.9%]", or "-" when not tested */
static void put_change(FILE *f, const struct row *w, int unused)
{
	(void)unused;
	if (w->c.verdict == TT_INSUFFICIENT) {
		fputc('-', f);
		return;
	}
	put_delta(f, w->c.change, w);
	fputs(" [", f);
	put_delta(f, w->c.lo, w);
	fputs(", ", f);
	put_delta(f, w->c.hi, w);
	fputc(']', f);
}

/* "value ±spread%" of side `sd` */
static void put_side(FILE *f, const struct row *w, int sd)
{
	char pct[PCT_LEN];

	put_value(f, w->med[sd], w);
	if (is_fraction(w->st))
		fprintf(f, " ±%s", pct_text(pct, w->spread[sd], 2, false, "pp"));
	else if (w->med[sd] != 0)
		fprintf(f, " ±%s", pct_text(pct, w->spread[sd] / fabs(w->med[sd]), 1, false,
					      "%"));
}

/* Both sides' "value ±spread%", `sep` between */
static void put_sides(FILE *f, const struct row *w, const char *sep)
{
	put_side(f, w, 0);
	fputs(sep, f);
	put_side(f, w, 1);
}

/*
 * What `put` writes for row `w` (and its `arg`), as a string to free: the
 * cells and messages have no fixed size to cut them at (a profile's unit
 * is the bundle's).  NULL on ENOMEM.
 */
static char *row_text(void (*put)(FILE *, const struct row *, int), const struct row *w, int arg)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	put(f, w, arg);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

/* The row's p: of the direction its verdict is about (worse unless IMPROVED). */
static double row_q(const struct row *w)
{
	return (w->host ? w->before : w->c.verdict) == TT_IMPROVED ? w->c.q_better
								    : w->c.q_worse;
}

static const char *series_name(const struct row *w, char *buf, size_t len)
{
	if (w->e->labels[0])
		snprintf(buf, len, "%s{%s}", w->e->fam->name, w->e->labels);
	else
		snprintf(buf, len, "%s", w->e->fam->name);
	return buf;
}

static bool shown(const struct compare *c, const struct row *w, int verbose)
{
	(void)c;
	return verbose || w->c.verdict != TT_SAME;
}

static void summary_line(const struct compare *c, FILE *out, const char *sep)
{
	static const enum tt_verdict order[] = { TT_REGRESSED, TT_IMPROVED, TT_INCONCLUSIVE,
						  TT_INSUFFICIENT, TT_SAME };
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (c->counts[order[i]])
			fprintf(out, "%s%zu %s", n++ ? sep : "", c->counts[order[i]],
				tt_verdict_name(order[i]));
	if (!n)
		fprintf(out, "no gated series");
}

static void list_unmatched(const struct compare *c, FILE *out, const char *prefix, bool md)
{
	size_t i;
	int sd;

	for (sd = 1; sd >= 0; sd--)
		for (i = 0; i < c->nentries; i++) {
			const struct matched *e = c->entries[i];
			char esc[1024];

			if (e->kind == K_SERIES && e->in[sd] && !e->in[!sd]) {
				tt_escape(esc, sizeof(esc), e->labels);
				fprintf(out, "%s%s %s%s%s%s%s\n", prefix, sd ? "added:" : "removed:",
					md ? "`" : "", e->fam->name, esc[0] ? "{" : "", esc,
					esc[0] ? (md ? "}`" : "}") : (md ? "`" : ""));
			}
		}
}

/*
 * Whether the host check was done, and why not (JSON host_check.status):
 * --no-host-check, no run of a side with a probe (a bundle from before
 * record probed, one CPU), or too few such runs for the test.
 */
enum host_status { HOST_CHECKED, HOST_DISABLED, HOST_NOT_MEASURED, HOST_TOO_FEW_RUNS };

static const char *const host_status_names[] = {
	[HOST_CHECKED] = "checked",
	[HOST_DISABLED] = "disabled",
	[HOST_NOT_MEASURED] = "not_measured",
	[HOST_TOO_FEW_RUNS] = "too_few_runs",
};

static enum host_status host_status(const struct compare *c)
{
	if (c->no_host_check)
		return HOST_DISABLED;
	if (c->host.tested)
		return HOST_CHECKED;
	if (!c->side[0].nprobe || !c->side[1].nprobe)
		return HOST_NOT_MEASURED;
	return HOST_TOO_FEW_RUNS;
}

/* The host's core-to-core latency across the sides, one line without a newline. */
static void host_line(FILE *f, const struct compare *c)
{
	const struct tt_host_speed *h = &c->host;
	char ch[PCT_LEN], lo[PCT_LEN], hi[PCT_LEN];

	switch (host_status(c)) {
	case HOST_DISABLED:
		fputs("host core-to-core latency: not checked (--no-host-check)", f);
		return;
	case HOST_NOT_MEASURED:
	case HOST_TOO_FEW_RUNS:
		/* the causes of missing probes only when probes are missing */
		fprintf(f, "host core-to-core latency: %s (core_to_core_ns in %zu of %zu base and "
			"%zu of %zu candidate runs, %d a side needed%s)",
			host_status(c) == HOST_NOT_MEASURED ? "not measured" : "too few runs",
			c->side[0].nprobe, c->side[0].nruns, c->side[1].nprobe, c->side[1].nruns,
			HOST_MIN_RUNS,
			c->side[0].nprobe < c->side[0].nruns || c->side[1].nprobe < c->side[1].nruns ?
			": runs without one were recorded on one CPU, before record probed it, or "
			"its probes found the other CPUs held" : "");
		return;
	case HOST_CHECKED:
		break;
	}
	fprintf(f, "host core-to-core latency: candidate %s [%s, %s] %s, p=%.2g (%.4g -> %.4g ns "
		"per round trip); ", pct_text(ch, h->change + 0.0, 1, true, "%"),
		pct_text(lo, h->lo + 0.0, 1, true, "%"),
		pct_text(hi, h->hi + 0.0, 1, true, "%"), h->change >= 0 ? "slower" : "faster",
		h->change >= 0 ? h->p_slower : h->p_faster, h->base_median, h->cand_median);
	if (h->step)
		fprintf(f, "%zu REGRESSED/IMPROVED within %g%% made INCONCLUSIVE", c->host_explained,
			100 * TT_HOST_MAX_EFFECT);
	else
		fprintf(f, "no step (p >= %g or under x%g)", TT_HOST_ALPHA, 1 + TT_HOST_MIN_SHIFT);
}

/* host_line as a string to free; NULL on ENOMEM. */
static char *host_text(const struct compare *c)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	host_line(f, c);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

/* "INCONCLUSIVE (host core-to-core +712%)" when the host's step decided it, else the verdict */
static void put_verdict(FILE *f, const struct row *w, int unused)
{
	(void)unused;
	if (w->host)
		fprintf(f, "%s (%s)", tt_verdict_name(w->c.verdict), w->reason);
	else
		fputs(tt_verdict_name(w->c.verdict), f);
}

static void header(const struct compare *c, FILE *out, const char *pre)
{
	fprintf(out, "%sbase %s (%zu runs), candidate %s (%zu runs); %d gated tests (BH family "
		"%d), false discovery rate %.2g\n", pre, c->side[0].path, c->side[0].nruns,
		c->side[1].path, c->side[1].nruns, c->family, c->family, c->alpha);
	if (c->pfamily || c->untested)
		fprintf(out, "%sprofiles: %d tests of functions (a BH family of their own)%s", pre,
			c->pfamily, c->untested ? "" : "\n");
	if (c->untested)
		fprintf(out, ", %zu under 1%% of the profile (mean over all runs) not tested\n",
			c->untested);
	if (c->fp_diff)
		fprintf(out, "%swarning: host fingerprints differ: %s\n", pre, c->fp_diff);
	fputs(pre, out);
	host_line(out, c);
	fputc('\n', out);
}

/* The text table's columns, in order; the last is not padded. */
enum { COL_SERIES, COL_STAT, COL_BASE, COL_CAND, COL_CHANGE, COL_VERDICT, COL_P, COL_RUNS, COL_NR };

static const char *const col_heads[COL_NR] = { "SERIES", "STAT", "BASE", "CAND",
					       "CHANGE [INTERVAL]", "VERDICT", "P", "RUNS" };

/* Widest SERIES cell: longer names are cut in the middle, where labels repeat least. */
#define SERIES_WIDTH_MAX 120

/* One row's cells: the series name cut to SERIES_WIDTH_MAX, numbers as long as they come. */
struct text_row {
	char series[2048], stat[16], p[32], runs[48];
	char *text[COL_NR];		/* BASE, CAND, CHANGE, VERDICT: to free */
	const char *cell[COL_NR];
};

static void text_row_release(struct text_row *t)
{
	int k;

	for (k = 0; k < COL_NR; k++) {
		free(t->text[k]);
		t->text[k] = NULL;
	}
}

/* 0 or -ENOMEM (the row released either way by text_row_release). */
static int text_cells(const struct row *w, struct text_row *t)
{
	char name[1024];

	tt_escape(t->series, sizeof(t->series), series_name(w, name, sizeof(name)));
	tt_text_elide_middle(t->series, SERIES_WIDTH_MAX);
	snprintf(t->stat, sizeof(t->stat), "%s", stat_names[w->st]);
	if (w->c.verdict == TT_INSUFFICIENT)
		snprintf(t->p, sizeof(t->p), "-");
	else
		snprintf(t->p, sizeof(t->p), "%.2g", row_q(w));
	snprintf(t->runs, sizeof(t->runs), "%zu/%zu", w->n[0], w->n[1]);
	t->text[COL_BASE] = row_text(put_side, w, 0);
	t->text[COL_CAND] = row_text(put_side, w, 1);
	t->text[COL_CHANGE] = row_text(put_change, w, 0);
	t->text[COL_VERDICT] = row_text(put_verdict, w, 0);
	t->cell[COL_SERIES] = t->series;
	t->cell[COL_STAT] = t->stat;
	t->cell[COL_BASE] = t->text[COL_BASE];
	t->cell[COL_CAND] = t->text[COL_CAND];
	t->cell[COL_CHANGE] = t->text[COL_CHANGE];
	t->cell[COL_VERDICT] = t->text[COL_VERDICT];
	t->cell[COL_P] = t->p;
	t->cell[COL_RUNS] = t->runs;
	return t->text[COL_BASE] && t->text[COL_CAND] && t->text[COL_CHANGE] &&
	       t->text[COL_VERDICT] ? 0 : -ENOMEM;
}

static void text_line(FILE *out, const char *const *cells, const size_t *width)
{
	int k;

	for (k = 0; k < COL_NR; k++) {
		size_t n = tt_text_cells(cells[k]);

		fputs(cells[k], out);
		if (k == COL_NR - 1)
			break;
		do
			fputc(' ', out);
		while (n++ < width[k]);
	}
	fputc('\n', out);
}

/* The table with each column as wide as its widest cell (SERIES up to SERIES_WIDTH_MAX). */
static int render_text(const struct compare *c, int verbose, FILE *out)
{
	size_t i, hidden = 0, width[COL_NR];
	struct text_row *t = calloc(1, sizeof(*t));
	int k, pass;

	if (!t)
		return -ENOMEM;
	header(c, out, "");
	for (k = 0; k < COL_NR; k++)
		width[k] = tt_text_cells(col_heads[k]);
	/* pass 0 measures, pass 1 prints: the rows are formatted twice, not kept */
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			text_line(out, col_heads, width);
		for (i = 0; i < c->nrows; i++) {
			const struct row *w = &c->rows[i];

			if (!shown(c, w, verbose)) {
				hidden += pass;
				continue;
			}
			if (text_cells(w, t)) {
				text_row_release(t);
				free(t);
				return -ENOMEM;
			}
			for (k = 0; k < COL_NR; k++)
				if (!pass && tt_text_cells(t->cell[k]) > width[k])
					width[k] = tt_text_cells(t->cell[k]);
			if (pass)
				text_line(out, t->cell, width);
			text_row_release(t);
		}
	}
	free(t);
	if (hidden)
		fprintf(out, "(%zu SAME not shown; -v shows them)\n", hidden);
	list_unmatched(c, out, "", false);
	summary_line(c, out, ", ");
	fputc('\n', out);
	return 0;
}

/* Markdown table cells: '|' and newlines would break the row; backslash-escape. */
static void md_cell(FILE *out, const char *s)
{
	char esc[2048];
	const char *p;

	tt_escape(esc, sizeof(esc), s);
	for (p = esc; *p; p++) {
		if (strchr("|`*_<>[]\\", *p))
			fputc('\\', out);
		fputc(*p, out);
	}
}

#define MD_LIMIT 65536	/* GitHub's limit on a comment body */

static int render_markdown_to(const struct compare *c, FILE *out)
{
	char *text = NULL, *row = NULL;
	size_t len = 0, rlen = 0, i, left = 0;
	char name[1024];
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "### tracetool compare: ");
	summary_line(c, f, ", ");
	fprintf(f, "\n\n");
	header(c, f, "");
	fprintf(f, "\n| series | stat | base | candidate | change [interval] | verdict | p | runs |\n"
		"|---|---|---|---|---|---|---|---|\n");
	if (fflush(f))
		goto nomem;
	for (i = 0; i < c->nrows; i++) {
		const struct row *w = &c->rows[i];
		FILE *r = open_memstream(&row, &rlen);

		if (!r)
			goto nomem;
		fputs("| ", r);
		md_cell(r, series_name(w, name, sizeof(name)));
		fprintf(r, " | %s | ", stat_names[w->st]);
		put_sides(r, w, " | ");
		fputs(" | ", r);
		put_change(r, w, 0);
		fputs(w->c.verdict == TT_REGRESSED ? " | **" : " | ", r);
		put_verdict(r, w, 0);
		fputs(w->c.verdict == TT_REGRESSED ? "** | " : " | ", r);
		if (w->c.verdict == TT_INSUFFICIENT)
			fprintf(r, "- | %zu/%zu |\n", w->n[0], w->n[1]);
		else
			fprintf(r, "%.2g | %zu/%zu |\n", row_q(w), w->n[0], w->n[1]);
		if (fclose(r))
			goto nomem;
		/* keep room for the closing line */
		if (left || len + rlen + 200 > MD_LIMIT)
			left++;
		else
			fputs(row, f);
		free(row);
		row = NULL;
		if (fflush(f))
			goto nomem;
	}
	if (left)
		fprintf(f, "\n_%zu more rows left out (a comment holds %d characters); the JSON "
			"output has them all._\n", left, MD_LIMIT);
	if (fflush(f))
		goto nomem;
	if (len < MD_LIMIT - 100) {
		FILE *u = open_memstream(&row, &rlen);

		if (!u)
			goto nomem;
		list_unmatched(c, u, "- ", true);
		if (fclose(u))
			goto nomem;
		if (rlen && len + rlen + 2 < MD_LIMIT)
			fprintf(f, "\n%s", row);
		free(row);
		row = NULL;
	}
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	fputs(text, out);
	free(text);
	return 0;
nomem:
	free(row);
	fclose(f);
	free(text);
	return -ENOMEM;
}

/* -f markdown: the output, and a copy appended to $GITHUB_STEP_SUMMARY when set. */
static int render_markdown(const struct compare *c, FILE *out)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	FILE *f;
	int ret = render_markdown_to(c, out);

	if (ret || !summary || !*summary)
		return ret;
	f = fopen(summary, "ae");
	if (!f)
		return -errno;
	ret = render_markdown_to(c, f);
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '<')
			fputs("&lt;", out);
		else if (ch == '>')
			fputs("&gt;", out);
		else if (ch == '&')
			fputs("&amp;", out);
		else if (ch == '"')
			fputs("&quot;", out);
		else if (ch < 0x20 && ch != '\t' && ch != '\n')
			fprintf(out, "\\x%02x", ch);	/* not allowed in XML 1.0 at all */
		else
			fputc(ch, out);
	}
}

/* "p99 REGRESSED: base -> candidate, change ..., allowed ..., p ..., runs N/M" */
static void put_why(FILE *f, const struct row *w, int unused)
{
	(void)unused;
	fprintf(f, "%s ", stat_names[w->st]);
	put_verdict(f, w, 0);
	fputs(": ", f);
	put_sides(f, w, " -> ");
	fputs(", change ", f);
	put_change(f, w, 0);
	fputs(", allowed ", f);
	put_delta(f, w->rule->lower_is_worse ? -w->allowed : w->allowed, w);
	fprintf(f, ", p %.2g, runs %zu/%zu", row_q(w), w->n[0], w->n[1]);
}

static int render_junit(const struct compare *c, FILE *out)
{
	char name[1024], *msg, *host = host_text(c);
	size_t i;

	if (!host)
		return -ENOMEM;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"tracetool compare\" tests=\"%zu\" failures=\"%zu\">\n"
		"  <testsuite name=\"tracetool compare\" tests=\"%zu\" failures=\"%zu\" "
		"skipped=\"%zu\">\n", c->nrows, c->counts[TT_REGRESSED], c->nrows,
		c->counts[TT_REGRESSED], c->counts[TT_INSUFFICIENT]);
	fputs("    <properties>\n      <property name=\"host_core_to_core\" value=\"", out);
	xml_text(out, host);
	free(host);
	fprintf(out, "\"/>\n      <property name=\"host_core_to_core_status\" value=\"%s\"/>\n"
		"    </properties>\n", host_status_names[host_status(c)]);
	for (i = 0; i < c->nrows; i++) {
		const struct row *w = &c->rows[i];

		fputs("    <testcase classname=\"", out);
		xml_text(out, w->e->fam->name);
		fputs("\" name=\"", out);
		xml_text(out, series_name(w, name, sizeof(name)));
		fprintf(out, " %s\">\n", stat_names[w->st]);
		msg = row_text(put_why, w, 0);
		if (!msg)
			return -ENOMEM;
		if (w->c.verdict == TT_REGRESSED) {
			fputs("      <failure type=\"REGRESSED\" message=\"", out);
			xml_text(out, msg);
			fputs("\"/>\n", out);
		} else if (w->c.verdict == TT_INSUFFICIENT) {
			fputs("      <skipped message=\"too few samples in a run\"/>\n", out);
		} else {
			fputs("      <system-out>", out);
			xml_text(out, msg);
			fputs("</system-out>\n", out);
		}
		free(msg);
		fputs("    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
	return 0;
}

/* Workflow-command data: '%', CR and LF are escaped; in properties ':' and ',' too. */
static void gh_escape(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

/* How much worse than allowed: the sort key of "worst first". */
static double badness(const struct row *w)
{
	double ch = w->rule->lower_is_worse ? -w->c.change : w->c.change;

	/* from a zero base any change is infinitely many times the allowed one */
	if (w->zero_base && ch != 0)
		return ch > 0 ? INFINITY : -INFINITY;
	return ch - w->allowed;
}

static int cmp_worst(const void *a, const void *b)
{
	double x = badness(*(const struct row *const *)a), y = badness(*(const struct row *const *)b);

	return (x < y) - (x > y);
}

#define GH_MAX_ERRORS 10	/* GitHub shows at most 10 error annotations per step */

static int render_github(const struct compare *c, FILE *out)
{
	const struct row **reg = calloc(c->nrows + 1, sizeof(*reg));
	char name[1024], *msg, *host = host_text(c);
	size_t i, n = 0;

	if (!reg || !host) {
		free(reg);
		free(host);
		return -ENOMEM;
	}
	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].c.verdict == TT_REGRESSED)
			reg[n++] = &c->rows[i];
	qsort(reg, n, sizeof(*reg), cmp_worst);
	for (i = 0; i < n && i < GH_MAX_ERRORS; i++) {
		fputs("::error title=", out);
		gh_escape(out, "REGRESSED ", true);
		gh_escape(out, series_name(reg[i], name, sizeof(name)), true);
		fputs("::", out);
		msg = row_text(put_why, reg[i], 0);
		if (!msg) {
			free(reg);
			free(host);
			return -ENOMEM;
		}
		gh_escape(out, msg, false);
		free(msg);
		fputc('\n', out);
	}
	fprintf(out, "::%s title=host core-to-core latency::", c->host.step ? "warning" : "notice");
	gh_escape(out, host, false);
	free(host);
	fputc('\n', out);
	fputs("::notice title=tracetool compare::", out);
	{
		char *s = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&s, &len);

		if (!m) {
			free(reg);
			return -ENOMEM;
		}
		summary_line(c, m, ", ");
		if (n > GH_MAX_ERRORS)
			fprintf(m, " (%zu regressions not annotated)", n - GH_MAX_ERRORS);
		fprintf(m, "; BH family %d", c->family);
		if (fclose(m)) {
			free(reg);
			return -ENOMEM;
		}
		gh_escape(out, s, false);
		free(s);
	}
	fputc('\n', out);
	free(reg);
	return 0;
}

/* A real, or null where JSON has no number (an open interval's infinite bound). */
static json_t *jreal(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct compare *c, int sd)
{
	const struct tt_fingerprint *fp = c->side[sd].fp;

	return json_pack("{s:s, s:I, s:{s:s?, s:s?, s:s?, s:I, s:s?, s:o}}", "path",
			 c->side[sd].path, "runs", (json_int_t)c->side[sd].nruns, "fingerprint",
			 "host", fp->host, "kernel", fp->kernel, "cpu_model", fp->cpu_model,
			 "cpus", (json_int_t)fp->cpus, "tracetool_version", fp->tracetool_version,
			 "cgroup_cpu_limit", jreal(fp->cgroup_cpu_limit));
}

static json_t *row_json(const struct row *w)
{
	json_t *o = json_object(), *labels = json_object(), *vals[2];
	size_t i, sd;

	for (i = 0; i < w->e->nlabels; i++)
		json_object_set_new(labels, w->e->lnames[i], json_string(w->e->lvalues[i]));
	for (sd = 0; sd < 2; sd++) {
		json_t *a = json_array();

		for (i = 0; i < w->n[sd]; i++)
			json_array_append_new(a, jreal(w->vals[sd][i]));
		vals[sd] = json_pack("{s:o, s:o, s:o}", "median", jreal(w->med[sd]), "spread",
				     jreal(w->spread[sd]), "runs", a);
	}
	json_object_set_new(o, "metric", json_string(w->e->fam->name));
	json_object_set_new(o, "labels", labels);
	json_object_set_new(o, "statistic", json_string(stat_names[w->st]));
	json_object_set_new(o, "base", vals[0]);
	json_object_set_new(o, "candidate", vals[1]);
	json_object_set_new(o, "direction",
			    json_string(w->rule->lower_is_worse ? "lower" : "higher"));
	json_object_set_new(o, "scale", json_string(is_fraction(w->st) || w->zero_base ? "difference"
										      : "ratio"));
	json_object_set_new(o, "family", json_string(is_profile_stat(w->st) ? "profiles"
									     : "series"));
	json_object_set_new(o, "allowed", json_real(w->allowed));
	json_object_set_new(o, "required", json_boolean(w->rule->required));
	json_object_set_new(o, "verdict", json_string(tt_verdict_name(w->c.verdict)));
	json_object_set_new(o, "reason", w->host ? json_string(w->reason) : json_null());
	json_object_set_new(o, "verdict_before_host_check",
			    w->host ? json_string(tt_verdict_name(w->before)) : json_null());
	if (w->c.verdict != TT_INSUFFICIENT) {
		json_object_set_new(o, "change", jreal(w->c.change));
		json_object_set_new(o, "interval", json_pack("[o, o]", jreal(w->c.lo),
							       jreal(w->c.hi)));
		json_object_set_new(o, "p_worse", json_real(w->c.p_worse));
		json_object_set_new(o, "q_worse", json_real(w->c.q_worse));
		json_object_set_new(o, "p_better", json_real(w->c.p_better));
		json_object_set_new(o, "q_better", json_real(w->c.q_better));
	}
	return o;
}

/* The probe's test: null when not done (--no-host-check, or a run without a probe). */
static json_t *host_json(const struct compare *c)
{
	const struct tt_host_speed *h = &c->host;
	char *line;
	json_t *o;

	if (!h->tested)
		return json_null();
	line = host_text(c);
	o = json_pack("{s:s, s:s?, s:o, s:o, s:o, s:[o, o], s:f, s:f, s:s, s:f, s:I}", "status",
		      host_status_names[HOST_CHECKED], "summary", line, "base_median_ns",
		      jreal(h->base_median), "candidate_median_ns", jreal(h->cand_median), "change",
		      jreal(h->change), "interval", jreal(h->lo), jreal(h->hi), "p_slower",
		      h->p_slower, "p_faster", h->p_faster, "step",
		      h->step > 0 ? "slower" : h->step < 0 ? "faster" : "none", "max_effect",
		      TT_HOST_MAX_EFFECT, "verdicts_made_inconclusive",
		      (json_int_t)c->host_explained);
	free(line);
	return o;
}

/*
 * Whether the host check was done, always present (host_core_to_core is
 * null both for --no-host-check and for bundles without enough probes):
 * its status and the runs that have a core_to_core_ns.
 */
static json_t *host_check_json(const struct compare *c)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "status",
			 host_status_names[host_status(c)], "min_runs_per_side",
			 (json_int_t)HOST_MIN_RUNS, "base_runs", (json_int_t)c->side[0].nruns,
			 "base_runs_probed", (json_int_t)c->side[0].nprobe, "candidate_runs",
			 (json_int_t)c->side[1].nruns, "candidate_runs_probed",
			 (json_int_t)c->side[1].nprobe);
}

static int render_json(const struct compare *c, int status, FILE *out)
{
	json_t *root = json_object(), *rows = json_array(), *added = json_array(),
	       *removed = json_array(), *counts = json_object();
	size_t i;
	int v, ret;

	for (i = 0; i < c->nrows; i++)
		json_array_append_new(rows, row_json(&c->rows[i]));
	for (i = 0; i < c->nentries; i++) {
		const struct matched *e = c->entries[i];
		json_t *l = json_object();
		size_t k;

		if (e->kind != K_SERIES || e->in[0] == e->in[1]) {
			json_decref(l);
			continue;
		}
		for (k = 0; k < e->nlabels; k++)
			json_object_set_new(l, e->lnames[k], json_string(e->lvalues[k]));
		json_array_append_new(e->in[1] ? added : removed,
				      json_pack("{s:s, s:o}", "metric", e->fam->name, "labels", l));
	}
	for (v = 0; v <= TT_INSUFFICIENT; v++)
		json_object_set_new(counts, tt_verdict_name(v), json_integer((json_int_t)c->counts[v]));
	json_object_set_new(root, "schema", json_string("tracetool.compare/v1"));
	json_object_set_new(root, "base", side_json(c, 0));
	json_object_set_new(root, "candidate", side_json(c, 1));
	json_object_set_new(root, "fingerprint_differences",
			    c->fp_diff ? json_string(c->fp_diff) : json_null());
	json_object_set_new(root, "host_core_to_core", host_json(c));
	json_object_set_new(root, "host_check", host_check_json(c));
	json_object_set_new(root, "false_discovery_rate", json_real(c->alpha));
	json_object_set_new(root, "family_size", json_integer(c->family));
	json_object_set_new(root, "profile_family_size", json_integer(c->pfamily));
	json_object_set_new(root, "untested_functions", json_integer((json_int_t)c->untested));
	json_object_set_new(root, "verdicts", counts);
	json_object_set_new(root, "exit_status", json_integer(status));
	json_object_set_new(root, "results", rows);
	json_object_set_new(root, "added", added);
	json_object_set_new(root, "removed", removed);
	ret = tt_json_dumpf(root, out, JSON_INDENT(2)) ? -EIO : 0;
	fputc('\n', out);
	json_decref(root);
	return ret;
}

/* --- the differential flame graph --------------------------------------- */

struct fg_ctx {
	const struct compare *c;
	const struct prof *pr;
	const struct tt_fold_node *root;
};

#define GREY 190	/* a frame whose function did not change significantly */

static void fg_style(void *ctx, const struct tt_fold_node *n, uint8_t rgb[3], char *buf,
		     size_t len)
{
	const struct fg_ctx *f = ctx;
	long double bt = f->root->base, ct = f->root->value - f->root->base;
	double here_b = bt > 0 ? (double)(n->base / bt) : 0;
	double here_c = ct > 0 ? (double)((n->value - n->base) / ct) : 0;
	struct matched probe = {}, **found = NULL, *e;
	const struct row *w = NULL;
	char *ch, *b, *k;
	size_t plen = strlen(f->pr->fam.name);

	probe.key = malloc(plen + strlen(n->name) + 11);
	if (probe.key) {
		strcpy(probe.key, f->pr->fam.name);
		sprintf(probe.key + plen + 1, "function=%s", n->name);
		found = tfind(&probe, &f->c->tree[K_FUNCTION], cmp_entry);
		free(probe.key);
	}
	e = found ? *found : NULL;
	if (e)
		w = e->incl;
	rgb[0] = rgb[1] = rgb[2] = GREY;
	if (!w) {
		snprintf(buf, len, "this frame %.2f%% -> %.2f%% of the profile; the function's "
			 "inclusive amount is not gated", 100 * here_b, 100 * here_c);
		return;
	}
	if (w->c.verdict == TT_REGRESSED || w->c.verdict == TT_IMPROVED) {
		double t = fabs(w->c.change) > 1 ? 1 : fabs(w->c.change);

		/* worse is red whichever way the rule says worse is */
		if (t < 0.3)
			t = 0.3;	/* a significant change is never near white */
		tt_flame_diff_color(w->c.verdict == TT_REGRESSED ? t : -t, 1, rgb);
	}
	b = row_text(put_side, w, 0);
	k = row_text(put_side, w, 1);
	ch = row_text(put_change, w, 0);
	snprintf(buf, len, "this frame %.2f%% -> %.2f%% of the profile; the function's inclusive "
		 "%s per run: %s -> %s, change %s, %s, p %.2g", 100 * here_b, 100 * here_c,
		 f->pr->fam.unit, b ? b : "?", k ? k : "?", ch ? ch : "?",
		 tt_verdict_name(w->c.verdict), row_q(w));
	free(b);
	free(k);
	free(ch);
}

/*
 * --flamegraph FILE: the first profile both sides hold, every stack of
 * either side, frames coloured by the verdict of their function's
 * inclusive amount.  Written through a temporary file renamed into place.
 */
static int write_flamegraph(struct compare *c, struct tt_error *err)
{
	const struct prof *pr = NULL;
	struct tt_flame_opts o = { .min_width = TT_FLAME_MIN_WIDTH, .unit = "ppm" };
	struct fg_ctx f = { .c = c };
	struct tt_fold_node *root;
	struct tt_outfile out = {};
	char title[256], sub[1024];
	size_t i;
	int ret;

	for (i = 0; i < c->nprofs && !pr; i++)
		if (c->profs[i]->in[0] && c->profs[i]->in[1])
			pr = c->profs[i];
	if (!pr)
		return tt_error_set(err, -EINVAL, true, "--flamegraph: no stack profile in both "
				    "sides (record the profile or offcpu tracer)");
	root = tt_profile_diff_tree(pr->p[0], c->side[0].nruns, pr->p[1], c->side[1].nruns);
	if (!root)
		return errno == ENODATA
			       ? tt_error_set(err, -EINVAL, true, "--flamegraph: profile %s has no "
					      "samples on one side", pr->fam.name)
			       : tt_error_set(err, -ENOMEM, false, "out of memory");
	f.pr = pr;
	f.root = root;
	snprintf(title, sizeof(title), "Differential flame graph of %s: red REGRESSED, blue "
		 "IMPROVED, grey neither", pr->fam.name);
	snprintf(sub, sizeof(sub), "base %s (%zu runs) + candidate %s (%zu runs), each side's "
		 "share of its %s; verdicts of each function's inclusive %s per run",
		 c->side[0].path, c->side[0].nruns, c->side[1].path, c->side[1].nruns,
		 pr->fam.unit, pr->fam.unit);
	o.title = title;
	o.subtitle = sub;
	o.frame_style = fg_style;
	o.style_ctx = &f;
	ret = tt_outfile_open(&out, c->flamegraph);
	if (ret) {
		tt_fold_tree__free(root);
		return tt_error_set(err, ret, true, "--flamegraph %s: %s", c->flamegraph,
				    strerror(-ret));
	}
	ret = tt_outfile_finish(&out, tt_flamegraph_svg(root, &o, out.f));
	tt_fold_tree__free(root);
	if (ret)
		return tt_error_set(err, ret, false, "writing %s: %s", c->flamegraph,
				    strerror(-ret));
	return 0;
}

/* --- the command ----------------------------------------------------------- */

static int exit_status(const struct compare *c)
{
	size_t i;

	if (c->counts[TT_REGRESSED])
		return 1;
	/*
	 * Nothing gated at all (no series with data, e.g. -p naming a process
	 * that served nothing): a gate that cannot fail is not a pass.
	 */
	if (c->strict && !c->nrows && !c->pfamily)
		return 3;
	for (i = 0; c->strict && i < c->nrows; i++)
		if (c->rows[i].rule->required && (c->rows[i].c.verdict == TT_INCONCLUSIVE ||
						  c->rows[i].c.verdict == TT_INSUFFICIENT))
			return 3;
	return 0;
}

static void free_entry(void *p)
{
	struct matched *e = p;
	size_t sd, r;

	for (sd = 0; sd < 2; sd++)
		for (r = 0; r < MAX_RUNS; r++)
			tt_hsum_release(&e->h[sd][r]);
	free(e->key);
	free(e->labels);
	free(e->lnames);
	free(e->lvalues);
	free(e);
}

static void compare_release(struct compare *c)
{
	size_t i;

	for (i = 0; i < K_NR; i++)
		tdestroy(c->tree[i], free_entry);
	for (i = 0; i < c->nprofs; i++) {
		free(c->profs[i]->fam.name);
		free(c->profs[i]->fam.unit);
		free(c->profs[i]);
	}
	free(c->profs);
	free(c->entries);
	free(c->rows);
	free(c->fp_diff);
	free_rules(c);
	tt_bundle__free(c->bundle[0]);
	tt_bundle__free(c->bundle[1]);
}

int cmd_compare(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "gate", required_argument, NULL, OPT_GATE },
		{ "ignore-label", required_argument, NULL, OPT_IGNORE },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "allowed", required_argument, NULL, OPT_ALLOWED },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "same-host", no_argument, NULL, OPT_SAME_HOST },
		{ "flamegraph", required_argument, NULL, OPT_FLAMEGRAPH },
		{ "no-host-check", no_argument, NULL, OPT_NO_HOST_CHECK },
		{ 0 },
	};
	static const char *const formats[] = { "text", "markdown", "junit", "github", "json", NULL };
	struct compare c = { .alpha = 0.10, .allowed_pct = 5 };
	struct tt_cli cli = { .cmd = cmd->name, .operands = true, .formats = formats,
			      .extra = extra, .on_opt = on_opt, .ctx = &c };
	struct tt_common_opts o = {};
	struct tt_outfile out = {};
	struct tt_error err;
	const char *fmt;
	int ret, status = 0;

	ret = tt_cli_parse(&cli, argc, argv, &o, &err);
	if (ret != TT_CLI_RUN)
		return tt_cli_outcome(cmd, ret, &err);
	fmt = o.format ? o.format : "text";
	if (o.noperands < 1 || o.noperands > 2) {
		tt_error_set(&err, -EINVAL, true, "give BASE and CAND bundles, or one interleaved "
			     "bundle");
		return tt_cli_outcome(cmd, -EINVAL, &err);
	}
	ret = read_inputs(&c, o.operands, o.noperands, &err);
	if (!ret)
		ret = check_measures(&c, &err);
	if (!ret)
		ret = diff_fingerprints(&c, &err);
	if (!ret && c.fp_diff && c.same_host)
		ret = tt_error_set(&err, -EINVAL, true, "--same-host: host fingerprints differ: %s",
				   c.fp_diff);
	if (!ret)
		ret = c.gate_path ? read_gate(&c, &err) : default_rules(&c, &err);
	if (!ret)
		ret = match_series(&c, &err);
	if (!ret)
		ret = run_stats(&c, &err);
	if (!ret && c.flamegraph)
		ret = write_flamegraph(&c, &err);
	if (ret)
		goto out;
	status = exit_status(&c);
	if (!c.nrows && !c.pfamily)
		fprintf(stderr, "tracetool compare: warning: no series was gated: did the recordings "
			"select what they should (-p, -c, --cgroup)?%s\n",
			c.strict ? " (--strict: exit 3)" : "");
	ret = tt_outfile_open(&out, o.output);
	if (ret) {
		tt_error_set(&err, ret, true, "-o %s: %s", o.output, strerror(-ret));
		goto out;
	}
	if (!strcmp(fmt, "json"))
		ret = render_json(&c, status, out.f);
	else if (!strcmp(fmt, "markdown"))
		ret = render_markdown(&c, out.f);
	else if (!strcmp(fmt, "junit"))
		ret = render_junit(&c, out.f);
	else if (!strcmp(fmt, "github"))
		ret = render_github(&c, out.f);
	else
		ret = render_text(&c, o.verbose, out.f);
	ret = tt_outfile_finish(&out, ret);
	if (ret)
		tt_error_set(&err, ret, false, "writing %s: %s", o.output ? o.output : "the result",
			     strerror(-ret));
	else if (c.fp_diff && strcmp(fmt, "text"))
		fprintf(stderr, "tracetool compare: warning: host fingerprints differ: %s\n",
			c.fp_diff);
out:
	compare_release(&c);
	return ret ? tt_fail(cmd, &err) : status;
}
