/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Session lifecycle shared by every tracer: preflight checks, launching a
 * traced command, hook selection with fallback (tp_btf -> raw_tp), load,
 * attach, ready, polling with interval and duration, report and detach.
 * The session knows no tracer by name: a tracer plugs in through
 * struct tt_tracer_ops and keeps its skeleton to itself.  The session sets
 * each object's `tt_ready` flag itself (through its BTF) once every tracer
 * is attached.
 */
#ifndef TT_SESSION_H
#define TT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "options.h"
#include "probe.h"
#include "report.h"

struct bpf_object;
struct pollfd;

#define TT_SESSION_MAX_TRACERS 8

/*
 * Hook kinds a tracer may offer, in order of preference.  A program's kind
 * is its section prefix: "tp_btf/", "raw_tp/", "tp/" or "tracepoint/",
 * "perf_event".  Programs of a kind the tracer lists in its hooks are
 * alternatives: only those of the chosen kind are loaded.  Programs of a
 * kind it does not list always load.  The fork-following programs
 * (tt_follow_*) load only with -- CMD, the tp_btf pair when tp_btf was
 * chosen and the raw_tp pair otherwise.
 */
enum tt_hook {
	TT_HOOK_TP_BTF,
	TT_HOOK_RAW_TP,
	TT_HOOK_TRACEPOINT,	/* classic tracefs tracepoints: tracefs is made ready before open */
	TT_HOOK_PERF_EVENT,	/* perf_event programs, attached by the tracer per CPU */
	TT_HOOK_NR,
};

const char *tt_hook_name(enum tt_hook h);

struct tt_tracer_ops {
	const char *name;
	/* Hooks this tracer can run on, preferred first, terminated by TT_HOOK_NR. */
	const enum tt_hook *hooks;
	/*
	 * Open the BPF object for `hook` and fill its read-only configuration
	 * from `o` and `filter`.  Returns the object (owned by the tracer) or
	 * NULL with errno set.
	 */
	struct bpf_object *(*open)(void *priv, enum tt_hook hook, const struct tt_common_opts *o,
				   const struct tt_filter *filter);
	int (*load)(void *priv);	/* 0 or -errno */
	int (*attach)(void *priv);	/* 0 or -errno */
	/*
	 * Optional: -- CMD was started anew (tt_session_relaunch) and is held
	 * before its exec; the pid filter holds it and -p's processes.  Attach
	 * again what is attached to tasks rather than CPUs.  0 or -errno.
	 */
	int (*reattach)(void *priv);
	/*
	 * Read into `r` what was recorded since the previous call: the session
	 * adds these increases up into the tracer's cumulative snapshot
	 * (tt_report_accumulate), so collect must count every sample in exactly
	 * one call.  r->duration_seconds is the time since the previous call.
	 * Maps are never cleared, so no sample falls between two calls.
	 * 0 or -errno.
	 */
	int (*collect)(void *priv, struct tt_report *r);
	/*
	 * Optional, for tracers that stream events (a BPF ring buffer): an fd
	 * that becomes readable when events wait (ring_buffer__epoll_fd), or
	 * -1.  Called once after attach.
	 */
	int (*event_fd)(void *priv);
	/*
	 * Optional: move the waiting events into `sink` with
	 * tt_report_add_event (ring_buffer__consume with a callback that does
	 * so).  Returns the number of events added or -errno.  The session
	 * calls it whenever event_fd is readable, at least every 100 ms, and
	 * before every report.  In text format each event is printed at once
	 * as one line (tt_render_event_line); in other formats the events go
	 * into the next report's `events`.
	 */
	int (*drain)(void *priv, struct tt_report *sink);
	void (*close)(void *priv);	/* detach and free everything; idempotent */
};

/* Timings of one tracer's start, milliseconds (for -v and the benchmarks). */
struct tt_tracer_stats {
	const char *hook;	/* hook kind chosen, or NULL before load */
	double open_ms;		/* skeleton open and configuration */
	double load_ms;		/* kernel BTF parse, CO-RE relocation, map creation, verifier */
	double attach_ms;	/* attach */
	uint64_t map_bytes;	/* kernel memory of its BPF maps (fdinfo memlock), bytes */
};

/* Timings and outcome of a run, for -v and the benchmark. */
struct tt_run_stats {
	double loaded_ms;	/* process start -> every tracer's BPF programs loaded */
	double attach_ms;	/* process start -> ready, milliseconds */
	const char *hook;	/* hook kind chosen by the first tracer */
	int cmd_status;		/* wait status of -- CMD, -1 if none */
	size_t reports;		/* reports rendered */
	long rss_kb;		/* VmRSS when ready, kB (-1 unknown) */
	long hwm_kb;		/* VmHWM (peak resident) when ready, kB (-1 unknown) */
	size_t ntracers;
	struct tt_tracer_stats tracers[TT_SESSION_MAX_TRACERS];
};

/* One tracer of a session: its ops and the private state they take. */
struct tt_tracer_ref {
	const struct tt_tracer_ops *ops;
	void *priv;
};

/*
 * The staged session API.  The caller owns the loop:
 *
 *   s = tt_session__new(&o);  tt_session_add(s, ops, priv) for each tracer;
 *   tt_session_start(s, &err);
 *   while (!tt_session_done(s)) {
 *           n = tt_session_pollfds(s, fds, max);  (add the caller's own fds after)
 *           poll(fds, n + own, tt_session_timeout(s) or less);
 *           tt_session_service(s, fds, n, &err);
 *           ... tt_session_snapshot(s, &err) when a report is due ...
 *   }
 *   tt_session_stop(s);  tt_session__free(s);
 *
 * Snapshots are cumulative since start (every tracer's collect is the
 * increase since its previous call; the session adds them up), so an
 * interval report is tt_report_diff of two snapshots.
 */
struct tt_session;

/* New session for the options `o` (copied; o->cmd and strings must outlive it). NULL + errno. */
struct tt_session *tt_session__new(const struct tt_common_opts *o);
/* Add a tracer before start; reports list tracers in this order. 0 or -errno. */
int tt_session_add(struct tt_session *s, const struct tt_tracer_ops *ops, void *priv);
/*
 * Preflight checks, launch -- CMD held, create the shared filter maps,
 * open and load every tracer (hook fallback each), attach, ready, release
 * CMD.  With --dry-run it stops after ready.  0 or -errno with err filled.
 */
int tt_session_start(struct tt_session *s, struct tt_error *err);
/* Fill up to `max` pollfds (POLLIN) with the session's fds; returns how many. */
size_t tt_session_pollfds(const struct tt_session *s, struct pollfd *fds, size_t max);
/* Longest wait before tt_session_service is due, ms (-1: none). */
int tt_session_timeout(const struct tt_session *s);
/*
 * After every poll (also on timeout): signals, -- CMD exit, waiting events
 * (into the session's pending list).  `fds`/`n` as filled by
 * tt_session_pollfds.  0 or -errno with err filled.
 */
int tt_session_service(struct tt_session *s, const struct pollfd *fds, size_t n,
		       struct tt_error *err);
/* Was the session told to end (SIGINT/SIGTERM/SIGHUP, -- CMD exited)? */
bool tt_session_done(const struct tt_session *s);
/*
 * Everything every tracer measured since start, in one new report:
 * metadata, each tracer's families in tracer order, the self-metric
 * tracetool_lost_events_total last, losses in total and per tracer.
 * duration_seconds and started_at cover the whole run.  Events are not in
 * it (tt_session_take_events).  NULL with err filled on failure.
 */
struct tt_report *tt_session_snapshot(struct tt_session *s, struct tt_error *err);
/*
 * A long-running exporter's bounds on the cumulative state (tracetool
 * serve).  `fold`, when set, is called with every tracer's increase
 * before it is added up, and may coarsen its histograms (tt_hsum_fold
 * onto the exported bucket bounds), so a series' cumulative histogram
 * stays the size of those bounds however many model buckets the host's
 * latencies reach.  It returns 0 or -errno.  Set before start.
 */
typedef int (*tt_session_fold_fn)(void *ctx, struct tt_report *increase);
void tt_session_set_fold(struct tt_session *s, tt_session_fold_fn fold, void *ctx);
/*
 * Called once tracing is ready, just before the report's window starts
 * (and -- CMD is released), by tt_session_start and tt_session_relaunch:
 * record begins a run's noise window there, after the tracers' load (over a
 * second for requests) rather than before it, and still enclosing the
 * report's window.  Set before start.
 */
void tt_session_set_on_ready(struct tt_session *s, void (*fn)(void *ctx), void *ctx);
/*
 * Forget the series of `gone` (its families by name, their series by label
 * values) in the cumulative state: later snapshots leave them out until
 * they are collected again, then counted from zero.  Unknown ones are
 * ignored.  0 or -ENOMEM.
 */
int tt_session_forget(struct tt_session *s, const struct tt_report *gone);
/* Drain every tracer, then move the waiting events to the end of `dst`'s list. 0 or -errno. */
int tt_session_take_events(struct tt_session *s, struct tt_report *dst, struct tt_error *err);
/* Wait status of -- CMD once it exited, else -1. */
int tt_session_cmd_status(const struct tt_session *s);
/* Timings so far. */
const struct tt_run_stats *tt_session_stats(const struct tt_session *s);
/*
 * The BPF object of the i-th tracer (adding order) and its name in
 * *tracer, once opened; NULL past the last or before open.  For reading
 * its programs' kernel statistics (serve --bpf-stats); the session keeps
 * ownership.
 */
struct bpf_object *tt_session_object(const struct tt_session *s, size_t i, const char **tracer);
/*
 * Start -- CMD again in a started session whose previous command has
 * exited (tracetool record: one load for every run).  `cmd` is the new
 * command (NULL: the one of the options), kept by pointer until the next
 * relaunch or free.  Like tt_session_start for a new session: CMD is
 * spawned held; the pid filter is emptied of everything but -p's (the
 * previous command's surviving descendants are not followed any more);
 * what the tracers measured since the last snapshot is collected and
 * dropped, with the waiting events; the new tgid goes into the filter;
 * started_at and the duration restart; CMD is released.  The next
 * snapshot then covers this command alone: counts, sums and buckets as a
 * new session gives them; a series' min and max are exact when this run
 * moved the cumulative one, else bounded by the run's lowest and highest
 * buckets (tt_snap_diff).  0, or -errno with err filled: -EBUSY while the
 * previous command runs, -EINTR once the session got SIGINT/SIGTERM/SIGHUP,
 * -EINVAL without -- CMD at start (fork following was not loaded).
 */
int tt_session_relaunch(struct tt_session *s, char **cmd, struct tt_error *err);
/*
 * Without -- CMD: make the next snapshot cover only what follows the
 * previous one (started_at and duration from there), so consecutive
 * windows are contiguous and each counts what happened in it.  Min and
 * max as for tt_session_relaunch.  0 or -EINVAL (with -- CMD, or before a
 * snapshot).
 */
int tt_session_next_window(struct tt_session *s);
/*
 * CLOCK_MONOTONIC seconds at which the current window began: the end of
 * attaching, of a relaunch, or the previous snapshot after
 * tt_session_next_window.  A window of SEC ends at this + SEC.
 */
double tt_session_window_start(const struct tt_session *s);
/* Detach and close every tracer; idempotent. */
void tt_session_stop(struct tt_session *s);
void tt_session__free(struct tt_session *s);

/*
 * Run `tracers` with options `o` to completion, rendering reports to the
 * output: a thin loop over the staged API.  Returns 0 or -errno with `err`
 * filled; `stats` is filled either way.
 */
int tt_session_run(const struct tt_tracer_ref *tracers, size_t n, const struct tt_common_opts *o,
		   struct tt_run_stats *stats, struct tt_error *err);


#endif /* TT_SESSION_H */
