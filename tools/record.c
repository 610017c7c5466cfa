// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool record TRACER... [OPTIONS] [--runs N] [--warmup K]
 * (-- CMD ARGS | -d SEC) -o FILE`: the evidence a CI gate compares.  The
 * tracers load and attach once; N runs follow in that session (CMD started
 * anew per run with tt_session_relaunch, or contiguous windows of SEC),
 * each run's report covering that run alone, kept whole with the host's
 * noise during it, all in one tracetool.bundle/v1 (user/bundle.c).  With
 * --interleave the baseline (-- CMD) and a candidate command alternate run
 * by run in the same bundle, so drift on the host hits both alike.
 */
#include <errno.h>
#include <poll.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <wordexp.h>

#include "bundle.h"
#include "commands.h"
#include "outfile.h"
#include "registry.h"

const char tt_record_usage[] =
	"Usage: tracetool record TRACER [TRACER...] [OPTIONS] [--runs N] [--warmup K]\n"
	"                        [--interleave 'CMD2 ARGS'] (-- CMD ARGS | -d SEC) -o FILE\n"
	"\n"
	"Runs the named tracers N times and writes every run's report into one bundle\n"
	"(JSON, schema tracetool.bundle/v1) for 'tracetool compare' and 'tracetool\n"
	"report'. With -- CMD each run starts CMD anew and traces it and its\n"
	"descendants until it exits; with -d each run is a window of SEC (one after\n"
	"the other). The tracers load once; each run's report counts that run alone.\n"
	"The bundle holds the host's fingerprint (kernel, CPU model and count,\n"
	"tracetool version, cgroup CPU limit) and per run the noise around it: steal\n"
	"time, the CPU time of everything but CMD and tracetool, and the host's\n"
	"core-to-core latency (core_to_core_ns: a cache line bounced between two CPUs\n"
	"record may use, just before and after the run, outside it; about 1 ms per\n"
	"run on 2 CPUs; none with one CPU), which 'tracetool compare' tests.\n"
	"\n"
	"If CMD fails in any run (non-zero exit, or killed by a signal), record says\n"
	"which run and how, stops, writes no bundle (an existing FILE stays as it was)\n"
	"and exits 1.\n"
	"\n"
	"Options (every option of the named tracers and the common ones are taken too):\n"
	"      --runs N          runs to record (default 10; with --interleave, per\n"
	"                        command) (1-100000)\n"
	"      --warmup K        runs before those, kept in the bundle marked\n"
	"                        \"warmup\": true, which report and compare leave out\n"
	"                        (default 0) (0-100000)\n"
	"      --interleave 'CMD2 ARGS'\n"
	"                        record CMD2 as the candidate against -- CMD as the\n"
	"                        baseline: base and cand runs alternate (base first),\n"
	"                        variants \"base\" and \"cand\" in one bundle. CMD2 is\n"
	"                        split into words as the shell does (quotes,\n"
	"                        backslashes, $VAR); command substitution is refused\n"
	"  -o, --output FILE     the bundle (required); gzip-compressed exactly when\n"
	"                        FILE ends in .gz\n"
	"  -d, --duration SEC    each run is a window of SEC (instead of -- CMD)\n"
	"  -v, --verbose         one line per run on stderr\n"
	"  -h, --help            this help\n"
	"\n"
	"-f, -i, --hist and --top are not taken: the bundle is JSON, one report per run.\n"
	"\n"
	"Examples:\n"
	"  tracetool record syscalls --runs 10 -o base.json.gz -- ./bench --quick\n"
	"  tracetool record requests --port 8080 --runs 10 --warmup 1 -d 10 -o api.json\n"
	"  tracetool record requests -p 1234 --no-trace-cmd -o api.json \\\n"
	"      -- wrk -c16 -d10s http://127.0.0.1:8080/  # the server alone, under load\n"
	"  tracetool record requests --runs 10 -o ab.json --interleave './server-new' \\\n"
	"      -- ./server-old\n"
	"  tracetool report base.json.gz                  # every run merged, as text\n"
	"  tracetool report --run 3 base.json.gz          # run 3 alone\n"
	"  tracetool compare base.json.gz cand.json.gz    # the CI gate\n";

enum {
	OPT_RUNS = TT_OPT_CMD + 200,	/* past the registry's merged option keys */
	OPT_WARMUP,
	OPT_INTERLEAVE,
};

static const struct tt_optdef record_opts[] = {
	{ "runs", 0, "N", OPT_RUNS, "runs to record", "1-100000" },
	{ "warmup", 0, "K", OPT_WARMUP, "warm-up runs before them", "0-100000" },
	{ "interleave", 0, "'CMD2 ARGS'", OPT_INTERLEAVE, "candidate command", NULL },
	{ 0 },
};

struct record {
	const struct tt_tracer_def *defs[TT_SESSION_MAX_TRACERS];
	size_t n;
	int argc;		/* the options after the tracer names; argv[0] is the last name */
	char **argv;
	unsigned long runs, warmup;
	const char *interleave;
	wordexp_t cand;
	bool have_cand;
	char name[128];		/* "record" for messages */
};

static int on_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct record *rc = ctx;
	unsigned long v;

	switch (key) {
	case OPT_RUNS:
		if (tt_parse_uint(arg, 100000, &v))
			return tt_error_set(err, -EINVAL, true, "--runs: '%s' is not a count of "
					    "1-100000", arg);
		rc->runs = v;
		return 0;
	case OPT_WARMUP:
		if (!strcmp(arg, "0")) {
			rc->warmup = 0;
			return 0;
		}
		if (tt_parse_uint(arg, 100000, &v))
			return tt_error_set(err, -EINVAL, true, "--warmup: '%s' is not a count of "
					    "0-100000", arg);
		rc->warmup = v;
		return 0;
	case OPT_INTERLEAVE:
		rc->interleave = arg;
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unexpected option");
}

/*
 * Parse the options into `o` and new tracer states `privs` (freed by the
 * caller with tt_tracers_destroy, also on failure), then the tracers'
 * checks.  Returns enum tt_cli_result or -errno.
 */
static int parse(struct record *rc, void **privs, struct tt_common_opts *o, struct tt_error *err)
{
	static const char *const no_formats[] = { NULL };
	struct tt_tracers_cmd cmd = { "record", record_opts, on_opt, rc, no_formats };
	size_t i;
	int ret;

	memset(o, 0, sizeof(*o));
	memset(privs, 0, sizeof(void *) * TT_SESSION_MAX_TRACERS);
	for (i = 0; i < rc->n; i++) {
		privs[i] = rc->defs[i]->create();
		if (!privs[i])
			return tt_error_set(err, -ENOMEM, false, "out of memory");
	}
	ret = tt_tracers_parse_cmd(rc->defs, privs, rc->n, &cmd, rc->argc, rc->argv, o, err);
	for (i = 0; ret == TT_CLI_RUN && i < rc->n; i++)
		if (rc->defs[i]->check)
			ret = rc->defs[i]->check(privs[i], o, err);
	return ret;
}

/* The record-level checks after parsing. 0 or -EINVAL (usage). */
static int check(struct record *rc, const struct tt_common_opts *o, struct tt_error *err)
{
	int ret;

	if (!o->output)
		return tt_error_set(err, -EINVAL, true, "-o FILE is required: the bundle");
	if (o->interval > 0 || o->hist || o->top)
		return tt_error_set(err, -EINVAL, true, "-i, --hist and --top are not taken: each "
				    "run's whole report goes into the bundle");
	if (o->dry_run)
		return tt_error_set(err, -EINVAL, true, "--dry-run: run the tracer itself "
				    "(tracetool %s --dry-run)", rc->defs[0]->name);
	if (o->cmd && o->duration > 0)
		return tt_error_set(err, -EINVAL, true, "-d and -- CMD together: each run lasts "
				    "as long as CMD, or is a window of -d SEC without one");
	if (!o->cmd && !(o->duration > 0))
		return tt_error_set(err, -EINVAL, true, "give -- CMD ARGS (each run starts it "
				    "anew) or -d SEC (each run a window of SEC)");
	if (rc->interleave && !o->cmd)
		return tt_error_set(err, -EINVAL, true, "--interleave needs -- CMD, the baseline");
	if (!rc->interleave)
		return 0;
	ret = wordexp(rc->interleave, &rc->cand, WRDE_NOCMD | WRDE_UNDEF);
	if (ret == 0 && rc->cand.we_wordc > 0) {
		rc->have_cand = true;
		return 0;
	}
	if (ret == 0)
		wordfree(&rc->cand);
	return tt_error_set(err, -EINVAL, true, "--interleave '%s': %s", rc->interleave,
			    ret == 0	       ? "no command" :
			    ret == WRDE_CMDSUB ? "command substitution is refused" :
			    ret == WRDE_BADVAL ? "an undefined variable" :
			    ret == WRDE_BADCHAR ? "a character the shell treats specially "
						 "(|&;<>(){} or newline): quote it" :
			    ret == WRDE_SYNTAX ? "unbalanced quotes" : "cannot split it into words");
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How CMD ended, in words ("exited with status 3", "was killed by SIGSEGV"). */
static void status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by %s%s", tt_signal_name(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "ended with wait status %#x", status);
}

struct one_run {
	size_t index, total;
	const char *variant;
	bool warmup;
	char **cmd;		/* -- CMD of this run, or NULL (-d) */
};

/* "run K/N (index I[, base|cand][, warm-up])" for messages. */
static void run_name(const struct one_run *w, char *buf, size_t len)
{
	bool variant = strcmp(w->variant, "run") != 0;

	snprintf(buf, len, "run %zu/%zu (index %zu%s%s%s)", w->index + 1, w->total, w->index,
		 variant ? ", " : "", variant ? w->variant : "", w->warmup ? ", warm-up" : "");
}

/*
 * One run in the loaded session `s`: the first starts the session, a later
 * one relaunches CMD (or, with -d, opens the next window, which starts
 * where the previous one's snapshot was taken, so windows are contiguous).
 * *deadline is the -d window's end (SEC after the window began, INFINITY
 * with CMD).  *out gets the run's report and noise.  0, or -errno with err
 * filled (CMD failing is -ECHILD; a signal to tracetool -EINTR).
 */
/* Wall time the core-to-core probes took, all runs (-v prints it per run). */
static double probe_cost;

/*
 * Did the run see nothing of what it traced: no histogram observation, no
 * counter above 0 (tracetool's own loss counter aside), no event, no
 * stack?  Then the filters most likely select the wrong process (-p names
 * one process, not its workers or children), and a gate on such runs can
 * never fail.
 */
static bool run_saw_nothing(const struct tt_report *r)
{
	size_t i, k;

	if (r->nevents)
		return false;
	for (i = 0; i < r->nprofiles; i++)
		if (r->profiles[i]->nstacks)
			return false;
	for (i = 0; i < r->nfamilies; i++) {
		const struct tt_family *f = r->families[i];

		for (k = 0; k < f->nseries; k++) {
			if (f->type == TT_METRIC_HISTOGRAM && f->series[k].hist.count)
				return false;
			if (f->type == TT_METRIC_COUNTER && f->series[k].value > 0 &&
			    strcmp(f->name, "tracetool_lost_events_total"))
				return false;
		}
	}
	return true;
}

/* The run's noise sample taken again when tracing is ready (tt_session_set_on_ready). */
static struct {
	struct tt_cpu_sample *a;	/* NULL outside start and relaunch */
	int ret;			/* tt_cpu_sample_read's */
} ready;

static void on_ready(void *ctx)
{
	(void)ctx;
	if (ready.a)
		ready.ret = tt_cpu_sample_read(ready.a);
}

static int run_once(struct tt_session *s, const struct tt_common_opts *o,
		    const struct one_run *w, double *deadline, struct tt_report **out,
		    struct tt_run_noise *noise, struct tt_error *err)
{
	struct pollfd fds[TT_SESSION_MAX_TRACERS + 1];
	double probe[2 * TT_C2C_MAX_PAIRS], t0;
	size_t nprobe = 0;
	struct tt_cpu_sample a, b;
	struct tt_report *snap = NULL;
	char how[96], name[96];
	size_t nfds;
	int ret, status;

	*out = NULL;
	run_name(w, name, sizeof(name));
	/*
	 * The noise window starts before the run releases CMD: CMD's CPU time
	 * must fall inside the window the host's busy time is measured over
	 * (tracetool's own time is subtracted as its own).  It starts once
	 * tracing is ready (on_ready, just before the release), not before the
	 * first run's load: that took 1.7 s for requests, in run 1's
	 * wall_seconds and the kernel's work for it in its other CPU time.
	 */
	/*
	 * The host's core-to-core latency just before and just after the run
	 * (after its snapshot), outside the noise window and the report's,
	 * before CMD starts or after it ended, so the probe's spinning neither
	 * counts as noise nor slows CMD.
	 */
	t0 = now_mono();
	ret = tt_core_to_core_probe(probe, TT_C2C_MAX_PAIRS);
	nprobe = ret > 0 ? (size_t)ret : 0;
	probe_cost += now_mono() - t0;
	ret = tt_cpu_sample_read(&a);
	if (ret)
		return tt_error_set(err, ret, false, "/proc/stat: %s", strerror(-ret));
	ready.a = &a;	/* read again at ready by start and relaunch */
	ready.ret = 0;
	if (w->index == 0)
		ret = tt_session_start(s, err);
	else if (w->cmd)
		ret = tt_session_relaunch(s, w->cmd, err);
	else if ((ret = tt_session_next_window(s)))
		tt_error_set(err, ret, false, "out of memory");
	ready.a = NULL;
	if (ret == -EINTR)
		return tt_error_set(err, -EINTR, false, "interrupted before %s: no bundle written",
				    name);
	if (ret)
		return ret;
	if (ready.ret)
		return tt_error_set(err, ready.ret, false, "/proc/stat: %s", strerror(-ready.ret));
	/*
	 * A window of SEC from where it began (the previous snapshot), not a
	 * fixed cadence: a snapshot taken late (a loaded host, a stopped
	 * tracetool) would otherwise shorten the next window by as much.
	 */
	if (o->duration > 0)
		*deadline = tt_session_window_start(s) + o->duration;
	while (!tt_session_done(s)) {
		double now = now_mono();
		int timeout = tt_poll_timeout_ms(*deadline, now, tt_session_timeout(s));

		nfds = tt_session_pollfds(s, fds, sizeof(fds) / sizeof(fds[0]));
		if (poll(fds, nfds, timeout) < 0 && errno != EINTR)
			return tt_error_set(err, -errno, false, "poll: %s", strerror(errno));
		ret = tt_session_service(s, fds, nfds, err);
		if (ret)
			return ret;
		if (now_mono() >= *deadline)
			break;
	}
	status = tt_session_cmd_status(s);
	if ((w->cmd && status < 0) || (!w->cmd && now_mono() < *deadline))
		return tt_error_set(err, -EINTR, false, "interrupted in %s: no bundle written", name);
	if (w->cmd && status != 0) {
		status_text(status, how, sizeof(how));
		return tt_error_set(err, -ECHILD, false, "%s: %s %s: the recording failed, no "
				    "bundle written", name, w->cmd[0], how);
	}
	snap = tt_session_snapshot(s, err);
	if (!snap)
		return err->code ? err->code : -ENOMEM;
	ret = tt_session_take_events(s, snap, err);
	if (ret) {
		tt_report__free(snap);
		return ret;
	}
	/* the noise window ends after the report's (the snapshot) and encloses it */
	ret = tt_cpu_sample_read(&b);
	if (ret) {
		tt_report__free(snap);
		return tt_error_set(err, ret, false, "/proc/stat: %s", strerror(-ret));
	}
	tt_run_noise_between(&a, &b, noise);
	/* after the snapshot: the report's window ends before the probe runs */
	t0 = now_mono();
	ret = tt_core_to_core_probe(probe + nprobe, TT_C2C_MAX_PAIRS);
	nprobe += ret > 0 ? (size_t)ret : 0;
	probe_cost += now_mono() - t0;
	noise->core_to_core_ns = tt_median_inplace(probe, nprobe);
	*out = snap;
	return 0;
}

/*
 * Every run, into `bundle`, in one session of the tracers (`privs`, parsed
 * into `o`): loaded and attached once, CMD relaunched per run.  Exit
 * status of the command.
 */
static int record_runs(const struct tt_cmd *cmd, struct record *rc, void **privs,
		       const struct tt_common_opts *o, struct tt_bundle *bundle)
{
	struct tt_common_opts so = *o;
	struct tt_error err = {};
	struct tt_session *s;
	double deadline = INFINITY;
	size_t i, total, per, empty = 0, measured = 0;
	char empty_runs[128] = "";
	int ret = 0, status = TT_EXIT_OK;

	so.output = NULL;
	s = tt_session__new(&so);
	if (!s) {
		tt_error_set(&err, -ENOMEM, false, "out of memory");
		return tt_fail(cmd, &err);
	}
	tt_session_set_on_ready(s, on_ready, NULL);
	for (i = 0; !ret && i < rc->n; i++) {
		ret = tt_session_add(s, rc->defs[i]->ops, privs[i]);
		if (ret)
			tt_error_set(&err, ret, false, "adding tracer %s: %s", rc->defs[i]->name,
				     strerror(-ret));
	}
	per = rc->have_cand ? 2 : 1;
	total = (rc->warmup + rc->runs) * per;
	for (i = 0; !ret && i < total; i++) {
		bool cand = rc->have_cand && i % 2 == 1;
		struct one_run w = {
			.index = i,
			.total = total,
			.variant = !rc->have_cand ? "run" : cand ? "cand" : "base",
			.warmup = i / per < rc->warmup,
			.cmd = cand ? rc->cand.we_wordv : o->cmd,
		};
		struct tt_run_noise noise;
		struct tt_report *r;
		char name[96];

		ret = run_once(s, o, &w, &deadline, &r, &noise, &err);
		if (ret) {
			if (ret == -ECHILD)
				err.usage = false;
			break;
		}
		if (o->verbose) {
			char c2c[64];

			run_name(&w, name, sizeof(name));
			if (isnan(noise.core_to_core_ns))
				snprintf(c2c, sizeof(c2c), "not measured (no second CPU to "
					 "pair with)");
			else
				snprintf(c2c, sizeof(c2c), "%.1f ns per round trip",
					 noise.core_to_core_ns);
			fprintf(stderr, "tracetool record: %s: %.3f s, steal %.3f s, other CPU "
				"%.3f s, core-to-core %s (probes %.1f ms)\n",
				name, noise.wall_seconds, noise.steal_seconds,
				noise.other_cpu_seconds, c2c, probe_cost * 1e3);
			probe_cost = 0;
		}
		if (!w.warmup) {
			measured++;
			if (run_saw_nothing(r) && ++empty <= 8) {
				size_t l = strlen(empty_runs);

				snprintf(empty_runs + l, sizeof(empty_runs) - l, "%s%s%zu",
					 l ? ", " : "", !rc->have_cand ? "" : cand ? "cand " : "base ",
					 i / per - rc->warmup + 1);
			}
		}
		ret = tt_bundle_add_run(bundle, w.variant, w.warmup, &noise, r);
		if (ret) {
			tt_report__free(r);
			tt_error_set(&err, ret, false, "out of memory");
		}
	}
	if (ret)
		status = tt_fail(cmd, &err);
	else if (empty)
		fprintf(stderr, "tracetool record: warning: %zu of %zu runs saw nothing traced (%s%s%s): "
			"do the filters select what you meant? (-p is that one process, not its "
			"workers or children)\n", empty, measured, rc->have_cand ? "" : "run ",
			empty_runs, empty > 8 ? ", ..." : "");
	tt_session_stop(s);
	tt_session__free(s);
	for (i = 0; i < rc->n; i++)
		if (rc->defs[i]->finish && (ret || o->verbose > 1))
			rc->defs[i]->finish(privs[i], o, ret != 0);
	return status;
}

/* The tracer names after `record`, up to the first option. Exit status, or -1 to go on. */
static int tracer_names(struct record *rc, int argc, char **argv, int *first_opt)
{
	size_t i, used = 0;
	int k;

	for (k = 1; k < argc && argv[k][0] != '-'; k++) {
		bool ambiguous;
		const struct tt_cmd *c = tt_find_cmd(argv[k], &ambiguous);

		if (!c || !c->tracer) {
			fprintf(stderr, "tracetool record: '%s' is not a tracer%s\n"
				"Try 'tracetool record --help'.\n", argv[k],
				ambiguous ? " (ambiguous prefix)" : "");
			return TT_EXIT_USAGE;
		}
		for (i = 0; i < rc->n && rc->defs[i] != c->tracer; i++)
			;
		if (i < rc->n) {
			fprintf(stderr, "tracetool record: tracer '%s' is named twice\n", c->name);
			return TT_EXIT_USAGE;
		}
		if (rc->n == TT_SESSION_MAX_TRACERS) {
			fprintf(stderr, "tracetool record: at most %d tracers\n",
				TT_SESSION_MAX_TRACERS);
			return TT_EXIT_USAGE;
		}
		rc->defs[rc->n++] = c->tracer;
	}
	*first_opt = k;
	for (i = 0; i < rc->n; i++)
		used += snprintf(rc->name + used, sizeof(rc->name) - used, " %s", rc->defs[i]->name);
	return -1;
}

int cmd_record(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct record rc = { .runs = 10 };
	void *privs[TT_SESSION_MAX_TRACERS] = {};
	struct tt_common_opts o;
	struct tt_bundle *bundle = NULL;
	struct tt_outfile of = {};
	struct tt_error err = {};
	char **full_argv = NULL;
	size_t i;
	int ret, first, status = TT_EXIT_OK;

	status = tracer_names(&rc, argc, argv, &first);
	if (status >= 0)
		return status;
	status = TT_EXIT_OK;
	if (!rc.n) {
		if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
			return tt_cli_outcome(cmd, TT_CLI_HELP, &err);
		if (argc > 1 && !strcmp(argv[1], "--version"))
			return tt_cli_outcome(cmd, TT_CLI_VERSION, &err);
		tt_error_set(&err, -EINVAL, true, "name the tracers first: tracetool record "
			     "TRACER... [OPTIONS]");
		return tt_cli_outcome(cmd, -EINVAL, &err);
	}
	rc.argc = argc - (first - 1);
	rc.argv = argv + (first - 1);
	ret = parse(&rc, privs, &o, &err);
	if (ret == TT_CLI_HELP || ret == TT_CLI_VERSION || ret < 0) {
		status = tt_cli_outcome(cmd, ret, &err);
		goto out;
	}
	if (ret || check(&rc, &o, &err)) {
		status = tt_cli_outcome(cmd, -EINVAL, &err);
		goto out;
	}
	tt_set_verbose(o.verbose);
	/* fail on an unwritable -o now, not after the runs (nothing on disk changes) */
	ret = tt_outfile_open(&of, o.output);
	if (ret) {
		tt_error_set(&err, ret, true, "-o %s: %s", o.output, strerror(-ret));
		status = tt_fail(cmd, &err);
		goto out;
	}
	tt_outfile_abort(&of);

	bundle = tt_bundle__new();
	full_argv = calloc((size_t)argc + 1, sizeof(*full_argv));
	if (!bundle || !full_argv) {
		tt_error_set(&err, -ENOMEM, false, "out of memory");
		status = tt_fail(cmd, &err);
		goto out;
	}
	full_argv[0] = "tracetool";
	for (i = 0; i < (size_t)argc; i++)
		full_argv[i + 1] = argv[i];
	{
		const char *names[TT_SESSION_MAX_TRACERS];

		for (i = 0; i < rc.n; i++)
			names[i] = rc.defs[i]->name;
		ret = tt_fingerprint_read(&bundle->fp, tt_version);
		ret = ret ?: tt_bundle_set_header(bundle, names, rc.n, full_argv,
						  (size_t)argc + 1);
	}
	if (ret) {
		tt_error_set(&err, ret, false, "out of memory");
		status = tt_fail(cmd, &err);
		goto out;
	}

	status = record_runs(cmd, &rc, privs, &o, bundle);
	if (status != TT_EXIT_OK)
		goto out;
	if (tt_bundle_save(bundle, o.output, &err))
		status = tt_fail(cmd, &err);
out:
	tt_tracers_destroy(rc.defs, privs, rc.n);
	free(full_argv);
	tt_bundle__free(bundle);
	if (rc.have_cand)
		wordfree(&rc.cand);
	return status;
}
