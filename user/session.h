/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Session lifecycle shared by every tracer: preflight checks, launching a
 * traced command, hook selection with fallback (tp_btf -> raw_tp), load,
 * attach, ready, polling with interval and duration, report and detach.
 * The session knows no tracer by name: a tracer plugs in through
 * struct tt_tracer_ops and keeps its skeleton to itself.
 */
#ifndef TT_SESSION_H
#define TT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "report.h"

struct bpf_object;

#define TT_MAX_CLI_PIDS 64

/* The common options of DESIGN §4, same letters in every command. */
struct tt_common_opts {
	pid_t pids[TT_MAX_CLI_PIDS];	/* -p, repeatable */
	size_t npids;
	char comm[TT_COMM_LEN];		/* -c; empty = any */
	const char *cgroup;		/* --cgroup PATH (cgroup v2 directory) */
	double duration;		/* -d seconds; 0 = until Ctrl-C or CMD exits */
	double interval;		/* -i seconds; 0 = one report at the end */
	const char *format;		/* -f text|json */
	const char *output;		/* -o FILE; NULL = stdout */
	int verbose;			/* -v, repeatable */
	bool hist;			/* --hist: histogram bars in text output */
	size_t top;			/* --top N rows per table */
	bool dry_run;			/* --dry-run: load and attach, then stop */
	const char *hook;		/* --hook KIND: only this hook kind (tests, old kernels) */
	char **cmd;			/* -- CMD ARGS: NULL-terminated, or NULL */
	char **operands;		/* operands (struct tt_cli.operands), or NULL */
	int noperands;
};

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
	TT_HOOK_TRACEPOINT,	/* classic tracefs tracepoints; set needs_tracefs */
	TT_HOOK_PERF_EVENT,	/* perf_event programs, attached by the tracer per CPU */
	TT_HOOK_NR,
};

const char *tt_hook_name(enum tt_hook h);

struct tt_tracer_ops {
	const char *name;
	/* Hooks this tracer can run on, preferred first, terminated by TT_HOOK_NR. */
	const enum tt_hook *hooks;
	bool needs_tracefs;
	/*
	 * Open the BPF object for `hook` and fill its read-only configuration
	 * from `o` and `filter`.  Returns the object (owned by the tracer) or
	 * NULL with errno set.
	 */
	struct bpf_object *(*open)(void *priv, enum tt_hook hook, const struct tt_common_opts *o,
				   const struct tt_filter *filter);
	int (*load)(void *priv);	/* 0 or -errno */
	int (*attach)(void *priv);	/* 0 or -errno */
	void (*set_ready)(void *priv);	/* flip the BPF `tt_ready` flag */
	/*
	 * Read the maps into `r`.  With `next` (interval reports) start a new
	 * generation first (tt_next_gen) and report the one that ended; maps
	 * are never cleared, so no sample falls between two reports.
	 * 0 or -errno.
	 */
	int (*collect)(void *priv, struct tt_report *r, bool next);
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

/* What went wrong, for main to print once and choose the exit status. */
struct tt_error {
	int code;		/* -errno, 0 when fine */
	bool usage;		/* a usage or input error: exit status 2 */
	char msg[512];		/* one line, with the remedy where there is one */
};

/* Timings and outcome of a run, for -v and the benchmark. */
struct tt_run_stats {
	double loaded_ms;	/* process start -> BPF programs loaded, milliseconds */
	double attach_ms;	/* process start -> ready, milliseconds */
	const char *hook;	/* hook kind chosen */
	int cmd_status;		/* wait status of -- CMD, -1 if none */
	size_t reports;		/* reports rendered */
};

/*
 * Run `ops` with options `o` to completion, rendering reports to the
 * output.  Returns 0 or -errno with `err` filled.
 */
int tt_session_run(const struct tt_tracer_ops *ops, void *priv, const struct tt_common_opts *o,
		   struct tt_run_stats *stats, struct tt_error *err);

/* printf-style fill of `err`; returns err->code. */
int tt_error_set(struct tt_error *err, int code, bool usage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- kernel feature probes (user/probe.c) --- */

/* Mount tracefs at /sys/kernel/tracing if nothing is there. 0 or -errno. */
int tt_ensure_tracefs(void);
/* Path of a usable tracefs, mounting it if needed, or NULL. */
const char *tt_tracefs_path(void);

/* Does this process hold the capabilities BPF tracing needs? Names the missing one. */
bool tt_has_bpf_caps(const char **missing);

struct tt_feature {
	const char *name;
	const char *what;
	bool supported;
	char detail[128];
};

/* Probe hook types and map types this kernel supports (list command). */
size_t tt_probe_features(struct tt_feature *out, size_t max);

/* Fill every tracer's common filter map state after load. 0 or -errno. */
int tt_session_fill_maps(struct bpf_object *obj, const struct tt_common_opts *o, pid_t child,
			 struct tt_error *err);

/*
 * Add the per-CPU tt_lost counters of `obj` to r->lost, as the increase
 * since `prev` (which is updated): counters are never reset. 0 or -errno.
 */
int tt_session_read_lost(struct bpf_object *obj, struct tt_report *r, uint64_t prev[TT_LOST_NR]);

/*
 * Generation to report, given the BPF global `tt_gen` of a loaded object.
 * With `next`, publish gen + 1 first and wait for samples in flight to land
 * in the old generation, which nothing writes to after that.
 */
__u32 tt_next_gen(volatile __u32 *gen, bool next);

/* Parse "10", "2.5s", "500ms", "3m" into seconds; -EINVAL on junk. */
int tt_parse_seconds(const char *s, double *out);

#endif /* TT_SESSION_H */
