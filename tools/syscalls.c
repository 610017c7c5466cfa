// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool syscalls`: syscall latency histograms and errno counts.
 * This file holds the command's options, fills the BPF configuration and
 * turns map keys into labels; the session does everything else.
 * Syscall names come from libseccomp's resolver, errno names from glibc.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cells.h"
#include "commands.h"
#include "labels.h"
#include "registry.h"
#include "tracetool/syscalls.h"
#include "syscalls.skel.h"	/* after the header: it names its structs */

static const char syscalls_description[] =
	"Latency histogram and error count per syscall, measured from the sys_enter\n"
	"and sys_exit tracepoints (tp_btf, falling back to raw_tp). The text report is\n"
	"a table sorted by total time; -f json follows the tracetool.report/v1 schema.\n";

static const char syscalls_examples[] =
	"  tracetool syscalls -d 5                      # whole host, 5 seconds\n"
	"  tracetool syscalls -p 1234 --by thread -d 10 # one process, per thread\n"
	"  tracetool syscalls -c nginx --syscall read,write,sendfile -i 1\n"
	"  tracetool syscalls --failed --by process -d 30\n"
	"  tracetool syscalls -f json -o report.json -- ./run-tests.sh\n";

enum {
	OPT_BY = TT_OPT_CMD,
	OPT_SYSCALL,
	OPT_FAILED,
	OPT_MAX_CELLS,
	OPT_MAX_SERIES,
};

static const struct tt_optdef syscalls_opts[] = {
	{ "by", 0, "KEY", OPT_BY, "aggregation key (default syscall); comm is each thread's\n"
	  "name, process the pid named by its main thread, thread comm+pid+tid",
	  "syscall, comm, process, thread" },
	{ "syscall", 0, "NAME", OPT_SYSCALL, "only this syscall (repeatable, or a comma list)",
	  NULL },
	{ "failed", 0, NULL, OPT_FAILED, "only calls that returned an error", NULL },
	TT_OPTDEF_MAX_SERIES(OPT_MAX_SERIES),
	TT_OPTDEF_MAX_CELLS(OPT_MAX_CELLS),
	{ 0 },
};

struct syscalls_tool {
	struct syscalls_bpf *skel;
	struct tt_syscalls_config cfg;
	unsigned long max_cells, max_series;
	struct tt_store store;
	struct tt_series_keys keys;
};

static int add_syscall(void *ctx, const char *name, struct tt_error *err)
{
	struct syscalls_tool *t = ctx;
	unsigned int ids[2];
	size_t n = tt_syscall_ids(name, ids), i;

	if (!n)
		return tt_error_set(err, -EINVAL, true, "--syscall: unknown syscall '%s'", name);
	t->cfg.filter_nr = 1;
	for (i = 0; i < n; i++)	/* the name in every ABI */
		t->cfg.nr_mask[ids[i] / 64] |= 1ULL << (ids[i] % 64);
	return 0;
}

static int syscalls_opt(void *ctx, int key, const char *arg, struct tt_error *err)
{
	static const char *const bys[] = { "syscall", "comm", "process", "thread" };
	struct syscalls_tool *t = ctx;
	size_t i;

	switch (key) {
	case OPT_BY:
		for (i = 0; i < 4; i++)
			if (!strcmp(arg, bys[i])) {
				t->cfg.by = (__u8)i;
				return 0;
			}
		return tt_error_set(err, -EINVAL, true,
				    "--by: '%s' is not one of syscall, comm, process, thread", arg);
	case OPT_SYSCALL:
		return tt_cli_each_item(arg, add_syscall, t, err);
	case OPT_FAILED:
		t->cfg.failed_only = 1;
		return 0;
	case OPT_MAX_CELLS:
		if (tt_parse_uint(arg, 1 << 24, &t->max_cells))
			return tt_error_set(err, -EINVAL, true, "--max-cells: '%s' is not a count", arg);
		return 0;
	case OPT_MAX_SERIES:
		if (tt_parse_uint(arg, TT_SERIES_ID_MAX - TT_SYSCALL_NR_MAX, &t->max_series))
			return tt_error_set(err, -EINVAL, true, "--max-series: '%s' is not a count", arg);
		return 0;
	}
	return tt_error_set(err, -EINVAL, true, "unknown option");
}

/*
 * Map sizes from --max-cells and --max-series.  The syscalls' own cells
 * (--by syscall, and the _other series of the finer modes) are the dense
 * rows, which cannot fill; the cells hash holds the finer series' cells
 * (--max-cells) and overflows into the rows.  Its last quarter is open
 * only to series with few cells, so series that appear late still get
 * their own histogram.  The finer series may take half of the error
 * counters; the rest is kept for the _other series.
 */
static int size_maps(struct syscalls_tool *t)
{
	struct syscalls_bpf *sk = t->skel;
	__u32 cells = (__u32)t->max_cells, errs = cells / 8 + 1024, nseries = 0;
	int ret;

	if (t->cfg.by != TT_BY_SYSCALL) {
		nseries = (__u32)t->max_series;
		t->cfg.max_series = nseries;
		t->cfg.cells_limit = cells - cells / 4;	/* the last quarter: small series */
		t->cfg.errs_limit = errs / 2;
	}
	ret = bpf_map__set_max_entries(sk->maps.cells, cells);
	ret = ret ?: bpf_map__set_max_entries(sk->maps.errs, errs);
	ret = ret ?: bpf_map__set_max_entries(sk->maps.stats, TT_SYSCALL_NR_MAX + nseries);
	ret = ret ?: bpf_map__set_max_entries(sk->maps.ncells, nseries ? TT_SYSCALL_NR_MAX + nseries : 1);
	ret = ret ?: bpf_map__set_max_entries(sk->maps.series, nseries ? nseries : 1);
	return ret;
}

static struct bpf_object *syscalls_open(void *priv, enum tt_hook hook,
					const struct tt_common_opts *o,
					const struct tt_filter *filter)
{
	struct syscalls_tool *t = priv;
	int ret;

	(void)hook;
	t->skel = syscalls_bpf__open();
	if (!t->skel)
		return NULL;
	t->cfg.filter = *filter;
	t->cfg.filter.self_tgid = 0;	/* excluded through task storage, see syscalls_load */
	ret = size_maps(t);
	if (ret) {
		syscalls_bpf__destroy(t->skel);
		t->skel = NULL;
		errno = -ret;
		return NULL;
	}
	t->skel->rodata->cfg = t->cfg;
	/* serve's fold: the histograms are all nanoseconds (tracetool_syscall_duration_seconds) */
	t->store = (struct tt_store){ .cells = t->skel->maps.cells, .counts = t->skel->maps.errs,
				      .stats = t->skel->maps.stats, .dense = t->skel->maps.dense,
				      .fold = o->fold_slots };
	t->keys = (struct tt_series_keys){ .map = t->skel->maps.series,
					   .ksz = sizeof(struct tt_syscall_key),
					   .base = TT_SYSCALL_NR_MAX, .max = t->cfg.max_series };
	return t->skel->obj;
}

/*
 * Load, then mark tracetool's own task so sys_enter skips it with the task
 * storage lookup it does anyway (saves a helper call on every syscall).
 */
static int syscalls_load(void *priv)
{
	struct tt_syscall_start skip = { .skip = 1 };
	struct syscalls_tool *t = priv;
	int ret, pidfd;

	ret = syscalls_bpf__load(t->skel);
	if (ret)
		return ret;
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		return -errno;
	ret = bpf_map__update_elem(t->skel->maps.starts, &pidfd, sizeof(pidfd), &skip,
				   sizeof(skip), BPF_ANY);
	close(pidfd);
	return ret;
}

static int syscalls_attach(void *priv)
{
	struct syscalls_tool *t = priv;

	return syscalls_bpf__attach(t->skel);
}

static void syscalls_close(void *priv)
{
	struct syscalls_tool *t = priv;

	syscalls_bpf__destroy(t->skel);
	t->skel = NULL;
	tt_store_release(&t->store);
	tt_series_keys_release(&t->keys);
}

/*
 * Label values of series `id` in the current aggregation mode; returns how
 * many.  Ids below TT_SYSCALL_NR_MAX are syscall ids, and with --by finer than
 * syscall their overflow series, whose finer labels read `_other`.
 */
static size_t series_labels(const struct syscalls_tool *t, __u32 id,
			    char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN],
			    const char *labels[TT_SYSCALL_NLABELS])
{
	static const struct tt_syscall_key unknown;
	const struct tt_syscall_key *k;

	if (id < TT_SYSCALL_NR_MAX)
		return tt_syscall_other_labels(t->cfg.by, id, bufs, labels);
	k = tt_series_keys_get(&t->keys, id) ?: &unknown;
	return tt_syscall_key_labels(t->cfg.by, k, bufs, labels);
}

/* One histogram series per series id with samples in the interval. */
static int add_latency(struct syscalls_tool *t, struct tt_family *lat, const struct tt_snap *d)
{
	struct tt_hist *h = calloc(1, sizeof(*h));
	size_t i, j;
	int ret = 0;

	if (!h)
		return -ENOMEM;
	for (i = 0; i < d->cells.n && !ret; i = j) {
		const char *labels[TT_SYSCALL_NLABELS];
		char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN];
		struct tt_series *s;

		j = tt_snap_fold(d, i, h);
		if (!h->count)
			continue;
		series_labels(t, tt_cell_id(d->cells.v[i].key), bufs, labels);
		s = tt_family_add_series(lat, labels);
		ret = s ? tt_hsum_from_hist(&s->hist, h, 1e-9) : -ENOMEM;
	}
	free(h);
	return ret;
}

/*
 * Error counters into `errs`, except the kernel's restart codes (no program
 * sees them), which go to `restarts` under their names: out of ERRORS.
 */
static int add_errors(struct syscalls_tool *t, struct tt_family *errs,
		      struct tt_family *restarts, const struct tt_snap *d)
{
	size_t i, n;
	int ret = 0;

	for (i = 0; i < d->counts.n && !ret; i++) {
		__u32 errnum = tt_cell_sub(d->counts.v[i].key);
		const char *labels[TT_SYSCALL_NLABELS + 1], *restart = tt_restart_name(errnum);
		char bufs[TT_SYSCALL_NLABELS][TT_LABEL_LEN], ebuf[TT_LABEL_LEN];
		struct tt_series *s;

		n = series_labels(t, tt_cell_id(d->counts.v[i].key), bufs, labels);
		labels[n] = restart ?: tt_errno_label(errnum, ebuf);
		s = tt_family_add_series(restart ? restarts : errs, labels);
		if (!s)
			ret = -ENOMEM;
		else
			s->value = (double)d->counts.v[i].count;
	}
	return ret;
}

/*
 * The report's filters: --syscall (names, as the kernel's mask holds them:
 * a name of several ABIs once) and --failed, so a saved or merged report
 * says what it covers.
 */
static int describe_filters(const struct syscalls_tool *t, struct tt_report *r)
{
	char *list = NULL, name[TT_LABEL_LEN];
	size_t len = 0, id;
	FILE *f;
	int ret = 0;

	if (t->cfg.filter_nr) {
		f = open_memstream(&list, &len);
		if (!f)
			return -ENOMEM;
		for (id = 0; id < TT_SYSCALL_NR_MAX; id++) {
			unsigned int ids[2];

			if (!(t->cfg.nr_mask[id / 64] & (1ULL << (id % 64))))
				continue;
			tt_syscall_name((unsigned int)id, name);
			/* listed at the name's first id: one entry for all its ABIs */
			if (tt_syscall_ids(name, ids) && ids[0] != id)
				continue;
			fprintf(f, "%s%s", ftell(f) ? "," : "", name);
		}
		if (fclose(f))
			return -ENOMEM;
		ret = tt_report_add_filter(r, "syscall", list);
		free(list);
	}
	if (!ret && t->cfg.failed_only)
		ret = tt_report_add_filter(r, "failed", "true");
	/* a histogram of failed calls only is another quantity, not a subset */
	return ret ?: tt_tracer_set_measure(&tt_syscalls_tracer, r, "failed",
					    t->cfg.failed_only ? "true" : "false");
}

static const char *syscalls_measure_note(const char *key, const char *value, char *buf,
					 size_t len)
{
	(void)buf;
	(void)len;
	return !strcmp(key, "failed") && !strcmp(value, "true") ? "failed calls only" : NULL;
}

static int syscalls_collect(void *priv, struct tt_report *r)
{
	static const char *const names[] = { "syscall", "abi", "comm", "pid", "tid" };
	struct syscalls_tool *t = priv;
	const char *err_names[TT_SYSCALL_NLABELS + 1], *restart_names[TT_SYSCALL_NLABELS + 1];
	struct tt_family *lat, *errs, *restarts;
	size_t n = 2 + t->cfg.by, i;
	struct tt_snap d;
	int ret;

	lat = tt_report_add_family(r, "tracetool_syscall_duration_seconds",
				   "Time from syscall entry to exit.", "seconds",
				   TT_METRIC_HISTOGRAM, n, names);
	for (i = 0; i < n; i++)
		err_names[i] = restart_names[i] = names[i];
	err_names[n] = "errno";
	restart_names[n] = "code";
	errs = tt_report_add_family(r, "tracetool_syscall_errors_total",
				    "Syscalls that returned an error, by errno.", "",
				    TT_METRIC_COUNTER, n + 1, err_names);
	restarts = tt_report_add_family(r, "tracetool_syscall_restarts_total",
					"Syscall attempts the kernel ended with a restart code "
					"(ERESTARTSYS...): signal delivery restarts them or turns "
					"them into EINTR; not counted as errors.", "",
					TT_METRIC_COUNTER, n + 1, restart_names);
	if (!lat || !errs || !restarts)
		return -ENOMEM;
	lat->text_join = errs;
	lat->text_join_title = strdup("ERRORS");
	if (!lat->text_join_title)
		return -ENOMEM;
	ret = describe_filters(t, r);
	if (ret)
		return ret;

	ret = tt_store_delta(&t->store, &d);
	if (ret)
		return ret;
	/* after the cells: every id seen there is in the series map */
	ret = tt_series_keys_learn(&t->keys, &d);
	ret = ret ?: add_latency(t, lat, &d);
	ret = ret ?: add_errors(t, errs, restarts, &d);
	tt_snap_release(&d);
	restarts->text_hidden = !restarts->nseries;	/* rare: no empty table in every report */
	return ret;
}

static const enum tt_hook syscalls_hooks[] = { TT_HOOK_TP_BTF, TT_HOOK_RAW_TP, TT_HOOK_NR };

static const struct tt_tracer_ops syscalls_ops = {
	.name = "syscalls",
	.hooks = syscalls_hooks,
	.open = syscalls_open,
	.load = syscalls_load,
	.attach = syscalls_attach,
	.collect = syscalls_collect,
	.close = syscalls_close,
};

static void *syscalls_create(void)
{
	return calloc(1, sizeof(struct syscalls_tool));
}

static int syscalls_check(void *priv, const struct tt_common_opts *o, struct tt_error *err)
{
	struct syscalls_tool *t = priv;

	(void)o;
	(void)err;
	if (!t->max_cells)	/* --by syscall: only syscalls past the dense rows use the hash */
		t->max_cells = t->cfg.by == TT_BY_SYSCALL ? 4096 : 65536;
	if (!t->max_series)
		t->max_series = 4096;
	return 0;
}

const struct tt_tracer_def tt_syscalls_tracer = {
	.name = "syscalls",
	.summary = "latency histogram and errors per syscall",
	.description = syscalls_description,
	.examples = syscalls_examples,
	.opts = syscalls_opts,
	.ops = &syscalls_ops,
	.create = syscalls_create,
	.opt = syscalls_opt,
	.check = syscalls_check,
	.measure_note = syscalls_measure_note,
};
