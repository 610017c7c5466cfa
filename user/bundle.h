/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bundles: what `tracetool record` writes and `tracetool report` and
 * `tracetool compare` read.  One JSON document, schema tracetool.bundle/v1:
 * the host fingerprint, the tracers and command line, and per run its noise
 * figures and one tracetool.report/v1 exactly as `-f json` writes it.
 * gzip-compressed when the file name ends in ".gz"; read back whether
 * compressed or not (by the gzip magic bytes, not the name).
 *
 *   { "schema": "tracetool.bundle/v1",
 *     "fingerprint": {"host": "...", "kernel": "...", "cpu_model": "...", "cpus": 2,
 *                     "tracetool_version": "...", "cgroup_cpu_limit": 2.0 or null},
 *     "tracers": ["syscalls"], "argv": ["tracetool", "record", ...],
 *     "runs": [ {"index": 0, "variant": "run", "warmup": false,
 *                "noise": {"steal_seconds": 0.0, "other_cpu_seconds": 0.0,
 *                          "wall_seconds": 10.0, "core_to_core_ns": 48.5},
 *                "report": { tracetool.report/v1 } } ] }
 *
 * `variant` is "run" in a plain recording and "base" / "cand" in an
 * interleaved one (both commands alternate run by run, so drift hits both
 * alike).  "core_to_core_ns" is optional (bundles recorded before it
 * existed, or on one CPU, have none; compare then skips the host check).
 * Warm-up runs are kept with "warmup": true; readers that merge or compare
 * runs leave them out.
 */
#ifndef TT_BUNDLE_H
#define TT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "report.h"

#define TT_BUNDLE_SCHEMA "tracetool.bundle/v1"

/* The host a bundle was recorded on; compare reports fingerprints that differ. */
struct tt_fingerprint {
	char *host;		/* uname nodename */
	char *kernel;		/* uname release */
	char *cpu_model;	/* /proc/cpuinfo "model name" (or "unknown") */
	long cpus;		/* online CPUs */
	char *tracetool_version;
	/*
	 * CPUs the cgroup tracetool runs in may use: quota / period of the
	 * tightest cpu.max of its cgroup v2 and every ancestor; NAN when none
	 * limits it (JSON null).
	 */
	double cgroup_cpu_limit;
};

/* What else the host did during one run (from /proc/stat and getrusage), seconds. */
struct tt_run_noise {
	double steal_seconds;		/* time the hypervisor ran other guests, all CPUs summed */
	/*
	 * Busy CPU time of all CPUs (user, nice, system, irq, softirq) minus
	 * the traced command's (its reaped descendants included) and
	 * tracetool's own: the rest of the host's load.  0 when the
	 * difference is negative (tick rounding).
	 */
	double other_cpu_seconds;
	/*
	 * Length of the window these were measured over: the run with its
	 * load and attach (CMD starts during them), so a little longer than
	 * the report's duration_seconds.
	 */
	double wall_seconds;
	/*
	 * The host's core-to-core latency around the run: nanoseconds per
	 * round trip of a cache line between two CPUs the recording may use
	 * (tt_core_to_core_probe), the median over the pairs probed just
	 * before and just after the run.  Higher is slower.  NAN when not
	 * measured (one CPU allowed, every pair's CPU held by another task,
	 * older bundles; JSON: the key left out).
	 */
	double core_to_core_ns;
};

struct tt_bundle_run {
	size_t index;			/* position in the bundle, from 0 */
	char *variant;			/* "run", or "base" / "cand" when interleaved */
	bool warmup;
	struct tt_run_noise noise;
	struct tt_report *report;	/* owned */
};

struct tt_bundle {
	struct tt_fingerprint fp;
	char **tracers;
	size_t ntracers;
	char **argv;			/* the recording's command line */
	size_t argc;
	struct tt_bundle_run *runs;
	size_t nruns;
};

/* An empty bundle (fingerprint unset, cgroup_cpu_limit NAN); NULL + errno. */
struct tt_bundle *tt_bundle__new(void);
void tt_bundle__free(struct tt_bundle *b);

/* Copy the tracer names and the command line into `b`. 0 or -ENOMEM. */
int tt_bundle_set_header(struct tt_bundle *b, const char *const *tracers, size_t ntracers,
			 char *const *argv, size_t argc);

/*
 * Append a run (index = its position).  `report` is taken over on success
 * only.  0, -EINVAL (variant not run/base/cand) or -ENOMEM.
 */
int tt_bundle_add_run(struct tt_bundle *b, const char *variant, bool warmup,
		      const struct tt_run_noise *noise, struct tt_report *report);

/* Write the bundle to `out`, gzip-compressed (zlib, RFC 1952) when `gzip`. 0 or -errno. */
int tt_bundle_write(const struct tt_bundle *b, FILE *out, bool gzip);

/*
 * Write the bundle to `path` through user/outfile.c (temporary file renamed
 * into place; an existing file is untouched on failure), gzip-compressed
 * exactly when `path` ends in ".gz".  0 or -errno with err filled.
 */
int tt_bundle_save(const struct tt_bundle *b, const char *path, struct tt_error *err);

/*
 * Everything `path` holds ("-": standard input), decompressed when it starts
 * with the gzip magic bytes; `*buf` is NUL-terminated and the caller frees
 * it.  0, or -errno with err filled naming the file: unreadable (usage),
 * damaged or truncated gzip data (usage, EINVAL), ENOMEM.
 */
int tt_input_read(const char *path, char **buf, size_t *len, struct tt_error *err);

/* Does the first JSON document in buf name a schema "tracetool.bundle/..."? */
bool tt_is_bundle(const char *buf, size_t len);

/*
 * Parse and check a bundle (`name` labels errors: "NAME: $.runs[2].report.
 * metrics[0]: ..."); every report is checked as tt_report_parse does, and
 * must name the bundle's tracers.  0 with *out set, -EINVAL (err->usage:
 * malformed, truncated or another schema) or -ENOMEM.
 */
int tt_bundle_parse(const char *buf, size_t len, const char *name, struct tt_bundle **out,
		    struct tt_error *err);

/* tt_input_read + tt_bundle_parse of `path` ("-": standard input). */
int tt_bundle_read(const char *path, struct tt_bundle **out, struct tt_error *err);

/* Does the bundle interleave two commands (variants base and cand)? */
bool tt_bundle_is_interleaved(const struct tt_bundle *b);

/*
 * One report of the bundle's runs: run `index` when index >= 0 (warm-up or
 * not), else the merge (tt_report_merge) of every run that is not a
 * warm-up and whose variant is `variant` (NULL: any; an interleaved bundle
 * then needs one, or the merge would mix the two commands).  A new report,
 * or NULL with errno and err set: EINVAL (usage: no such run or variant,
 * a variant needed) or ENOMEM.
 */
struct tt_report *tt_bundle_report(const struct tt_bundle *b, long index, const char *variant,
				   struct tt_error *err);

/* --- measuring the host (record) --- */

/* Fill `fp` for this host; strings owned by fp (tt_fingerprint_release). 0 or -ENOMEM. */
int tt_fingerprint_read(struct tt_fingerprint *fp, const char *version);
void tt_fingerprint_release(struct tt_fingerprint *fp);

/* CPU time counters at one moment, seconds. */
struct tt_cpu_sample {
	double busy;		/* /proc/stat cpu: user + nice + system + irq + softirq */
	double steal;		/* /proc/stat cpu: steal */
	double self;		/* getrusage(RUSAGE_SELF) user + system */
	double children;	/* getrusage(RUSAGE_CHILDREN) user + system */
	double mono;		/* CLOCK_MONOTONIC */
};

/* 0 or -errno (/proc/stat unreadable). */
int tt_cpu_sample_read(struct tt_cpu_sample *s);
/* The noise of the window from `a` to `b` (core_to_core_ns NAN: the caller probes). */
void tt_run_noise_between(const struct tt_cpu_sample *a, const struct tt_cpu_sample *b,
			  struct tt_run_noise *out);

/* Most CPU pairs one probe visits (spread over the allowed set). */
#define TT_C2C_MAX_PAIRS 8

/*
 * Bounce a cache line between pairs of neighbouring CPUs of the calling
 * thread's affinity (the thread pinned to one, an echo thread to the other;
 * the affinity is restored after): v[i] is one pair's ns per round trip,
 * the fastest of 8 batches of 200 (wall time, both threads spinning; a
 * batch the guest preempted only gets slower).  What every exchange
 * between processes on different CPUs pays: on a VM whose host runs the
 * vCPUs on one core complex (a shared L3) about 50 ns, across dies or
 * sockets several times that (docs/performance.md, "gatehost").  A pair
 * that does not finish in 20 ms (its other CPU held by another task) gives
 * no value.  With one CPU allowed (a tracer pinned away from the client)
 * the pairs come from the configured CPUs instead, those it may not use
 * skipped.  Returns the number of values written (0 with one CPU usable;
 * <= max, <= TT_C2C_MAX_PAIRS), or -errno (affinity unreadable or
 * unsettable).  About 0.1-1 ms per pair.
 */
int tt_core_to_core_probe(double *v, size_t max);

/* The median of v[0..n) (reordered); NAN when n is 0. */
double tt_median_inplace(double *v, size_t n);

#endif /* TT_BUNDLE_H */
