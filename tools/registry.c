// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracer registry and what is built on it: generated --help, the
 * option parser of one or several tracers named together (each option goes
 * to every named tracer that takes it) and the runner that hands the
 * tracers to one session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "commands.h"
#include "registry.h"

const struct tt_tracer_def *const tt_tracers[] = {
	&tt_syscalls_tracer, &tt_profile_tracer, &tt_offcpu_tracer, &tt_tcp_tracer,
	&tt_requests_tracer,
};
const size_t tt_ntracers = sizeof(tt_tracers) / sizeof(tt_tracers[0]);

/* Help of the options user/cli.c parses for every tracer (keys unused here). */
const struct tt_optdef tt_common_optdefs[] = {
	{ "pid", 'p', "PID", 0, "only this process (repeatable, or a comma list)", "1-4194304" },
	{ "comm", 'c', "NAME", 0, "only tasks with this command name", "1-15 characters" },
	{ "cgroup", 0, "PATH", 0, "only tasks in this cgroup v2 directory or below it", NULL },
	{ "duration", 'd', "SEC", 0, "stop after SEC (10, 2.5s, 500ms, 1m, 2h, 30d);\n"
	  "default: Ctrl-C or the end of CMD", "1ms to 365d" },
	{ "interval", 'i', "SEC", 0, "print a report every SEC, covering that interval",
	  "10ms to 365d" },
	{ "hist", 0, NULL, 0, "text: histogram bars per row", NULL },
	{ "top", 0, "N", 0, "text: at most N rows per table", "1-1000000" },
	{ "format", 'f', "FMT", 0, "output format: ", NULL },	/* formats appended */
	{ "output", 'o', "FILE", 0, "write the report to FILE", NULL },
	{ "dry-run", 0, NULL, 0, "load and attach, then exit (checks the kernel supports it)",
	  NULL },
	{ "hook", 0, "KIND", 0, "use only this hook kind: ", NULL },	/* kinds appended */
	{ "no-trace-cmd", 0, NULL, 0, "-- CMD is the load or the timer, not added to what is\n"
	  "traced: only -p, -c and --cgroup select (perf's -p with a command)", NULL },
	{ "verbose", 'v', NULL, 0, "timings and libbpf messages (-vv: verifier detail)", NULL },
	{ "help", 'h', NULL, 0, "this help", NULL },
	{ 0 },
};

const struct tt_tracer_def *tt_tracer_find(const char *name)
{
	size_t i;

	for (i = 0; i < tt_ntracers; i++)
		if (!strcmp(tt_tracers[i]->name, name))
			return tt_tracers[i];
	return NULL;
}

static const char *measure_note(const struct tt_tracer_def *def, const char *key,
				const char *value, char *buf, size_t len)
{
	return def && def->measure_note ? def->measure_note(key, value, buf, len) : NULL;
}

int tt_tracer_set_measure(const struct tt_tracer_def *def, struct tt_report *r, const char *key,
			  const char *value)
{
	char buf[128];

	return tt_report_set_measure(r, def->name, key, value,
				     measure_note(def, key, value, buf, sizeof(buf)));
}

int tt_tracers_note_measures(struct tt_report *r)
{
	struct tt_measure *m;
	const char *note;
	char buf[128];
	size_t i;

	for (i = 0; i < r->nmeasures; i++) {
		m = &r->measures[i];
		note = measure_note(tt_tracer_find(m->tracer), m->key, m->value, buf, sizeof(buf));
		free(m->note);
		m->note = note ? strdup(note) : NULL;
		if (note && !m->note)
			return -ENOMEM;
	}
	return 0;
}

/* --- help ------------------------------------------------------------------- */

#define HELP_COL 22

void tt_optdef_help(const struct tt_optdef *d, const char *extra, FILE *out)
{
	char left[64], text[512];
	const char *p, *nl;
	int n;

	if (d->short_name)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", d->short_name, d->name,
			     d->arg ? " " : "", d->arg ? d->arg : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", d->name, d->arg ? " " : "",
			     d->arg ? d->arg : "");
	fprintf(out, "%s%*s", left, n < HELP_COL - 1 ? HELP_COL - n : 2, "");
	snprintf(text, sizeof(text), "%s%s%s%s%s", d->help, extra ? extra : "",
		 d->range ? " (" : "", d->range ? d->range : "", d->range ? ")" : "");
	for (p = text; (nl = strchr(p, '\n')); p = nl + 1)
		fprintf(out, "%.*s\n%*s", (int)(nl - p), p, HELP_COL, "");
	fprintf(out, "%s\n", p);
}

/*
 * -f values every named tracer accepts, into `out` (NULL-terminated); false
 * if none.  Several tracers: not folded, which cannot say whose profile it is.
 */
static bool common_formats(const struct tt_tracer_def *const *defs, size_t n,
			   const char *out[8])
{
	static const char *const def[] = { "text", "json", NULL };
	const char *const *f, *const *g;
	size_t i, k = 0;
	bool all;

	for (f = defs[0]->formats ? defs[0]->formats : def; *f && k < 7; f++) {
		/* folded text holds one profile: not for several tracers */
		if (n > 1 && !strcmp(*f, "folded"))
			continue;
		for (i = 1, all = true; i < n && all; i++) {
			for (g = defs[i]->formats ? defs[i]->formats : def; *g && strcmp(*g, *f); g++)
				;
			all = *g != NULL;
		}
		if (all)
			out[k++] = *f;
	}
	out[k] = NULL;
	return k > 0;
}

/* Named tracers with hooks (serve's own row of the parser has none). */
static size_t hooked(const struct tt_tracer_def *const *defs, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += *defs[i]->ops->hooks != TT_HOOK_NR;
	return k;
}

/* The hook kinds each named tracer offers ("tp_btf or raw_tp"; "tcp tp_btf or raw_tp; ..."). */
static size_t hooks_list(const struct tt_tracer_def *const *defs, size_t n, char *buf, size_t len)
{
	const enum tt_hook *h;
	size_t i, used = 0, k = hooked(defs, n);

	buf[0] = 0;
	for (i = 0; i < n && used < len; i++) {
		if (*defs[i]->ops->hooks == TT_HOOK_NR)
			continue;
		if (k > 1)
			used += snprintf(buf + used, len - used, "%s%s ", used ? "; " : "",
					 defs[i]->name);
		for (h = defs[i]->ops->hooks; *h != TT_HOOK_NR && used < len; h++)
			used += snprintf(buf + used, len - used, "%s%s",
					 h == defs[i]->ops->hooks ? "" : h[1] == TT_HOOK_NR ? " or " : ", ",
					 tt_hook_name(*h));
	}
	return used < len ? used : len;
}

void tt_tracers_hooks_help(const struct tt_tracer_def *const *defs, size_t n, char *buf, size_t len)
{
	size_t used = hooks_list(defs, n, buf, len);

	if (used < len)
		snprintf(buf + used, len - used, "\n(default: the first that loads, in this order)");
}

/*
 * --hook applies to the named tracers that offer that kind (the others keep
 * their own order); a kind none of them offers is a usage error here, for
 * run, serve and record alike, before anything is loaded.
 */
static int check_hook(const struct tt_tracer_def *const *defs, size_t n, const char *hook,
		      struct tt_error *err)
{
	const enum tt_hook *h;
	char kinds[256];
	size_t i;

	for (i = 0; i < n; i++)
		for (h = defs[i]->ops->hooks; *h != TT_HOOK_NR; h++)
			if (!strcmp(hook, tt_hook_name(*h)))
				return 0;
	hooks_list(defs, n, kinds, sizeof(kinds));
	for (i = 0; hooked(defs, n) == 1 && i < n; i++)
		if (*defs[i]->ops->hooks != TT_HOOK_NR)
			return tt_error_set(err, -EINVAL, true, "--hook %s: %s does not offer it "
					    "(only %s)", hook, defs[i]->name, kinds);
	return tt_error_set(err, -EINVAL, true, "--hook %s: no named tracer offers it (%s)", hook,
			    kinds);
}

void tt_tracers_help(const struct tt_tracer_def *const *defs, size_t n, FILE *out)
{
	const char *formats[8];
	char fbuf[128], hbuf[256];
	size_t i, k, used = 0;

	fprintf(out, "Usage: tracetool");
	for (i = 0; i < n; i++)
		fprintf(out, " %s", defs[i]->name);
	fprintf(out, " [TRACER...] [OPTIONS] [-- CMD ARGS...]\n\n");
	if (n == 1)
		fputs(defs[0]->description, out);
	else
		for (i = 0; i < n; i++)
			fprintf(out, "%s: %s\n", defs[i]->name, defs[i]->summary);
	fprintf(out, "\nMore tracers may be named before the options; each option applies to\n"
		     "every named tracer that takes it.\n");
	for (i = 0; i < n; i++) {
		if (!defs[i]->opts[0].name)
			continue;
		fprintf(out, n == 1 ? "\nOptions:\n" : "\nOptions of %s:\n", defs[i]->name);
		for (k = 0; defs[i]->opts[k].name; k++)
			tt_optdef_help(&defs[i]->opts[k], NULL, out);
	}
	fprintf(out, "\nCommon options:\n");
	common_formats(defs, n, formats);
	fbuf[0] = 0;
	for (k = 0; formats[k]; k++)
		used += snprintf(fbuf + used, sizeof(fbuf) - used, "%s%s%s",
				 k ? (formats[k + 1] ? ", " : " or ") : "", formats[k],
				 k ? "" : " (default)");
	tt_tracers_hooks_help(defs, n, hbuf, sizeof(hbuf));
	for (k = 0; tt_common_optdefs[k].name; k++) {
		const struct tt_optdef *d = &tt_common_optdefs[k];

		tt_optdef_help(d, !strcmp(d->name, "format") ? fbuf :
			     !strcmp(d->name, "hook")   ? hbuf : NULL, out);
	}
	fprintf(out, "  -- CMD ARGS         %s\n", defs[0]->cmd_help ? defs[0]->cmd_help :
		"run CMD and trace it and all its descendants until it exits");
	fprintf(out, "%*sthe report says how CMD ended; tracetool exits with CMD's\n"
		"%*sstatus (128 + N if signal N killed it); CMD is killed if\n"
		"%*stracetool ends first\n", HELP_COL, "", HELP_COL, "", HELP_COL, "");
	fprintf(out, "\nExamples:\n");
	for (i = 0; i < n; i++)
		fputs(defs[i]->examples, out);
}

/* --- parsing ------------------------------------------------------------------ */

#define MAX_MERGED 64

/* An option name and which named tracers take it, under which key. */
struct merged {
	const struct tt_optdef *def;	/* the first tracer's definition */
	int key[TT_SESSION_MAX_TRACERS];	/* per named tracer; -1: not taken */
	bool cmd;			/* the command's own (struct tt_tracers_cmd), not a tracer's */
};

struct parse_ctx {
	const struct tt_tracer_def *const *defs;
	void *const *privs;
	const struct tt_tracers_cmd *cmd;
	size_t n, nmerged;
	struct merged m[MAX_MERGED];
};

static int merged_val(const struct parse_ctx *p, size_t i)
{
	return p->m[i].def->short_name ? p->m[i].def->short_name : TT_OPT_CMD + (int)i;
}

static int dispatch(void *ctx, int key, const char *arg, struct tt_error *err)
{
	struct parse_ctx *p = ctx;
	size_t i, t;
	int ret;

	for (i = 0; i < p->nmerged && merged_val(p, i) != key; i++)
		;
	if (i == p->nmerged)
		return tt_error_set(err, -EINVAL, true, "unknown option");
	if (p->m[i].cmd)
		return p->cmd->opt(p->cmd->ctx, p->m[i].def->key, arg, err);
	for (t = 0; t < p->n; t++) {
		if (p->m[i].key[t] < 0)
			continue;
		ret = p->defs[t]->opt(p->privs[t], p->m[i].key[t], arg, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* Which tracers take option `name` (for the message about an option no named tracer takes). */
static void takers(const char *name, char *buf, size_t len)
{
	size_t i, k, used = 0;

	buf[0] = 0;
	for (i = 0; i < tt_ntracers; i++)
		for (k = 0; tt_tracers[i]->opts[k].name; k++)
			if (!strcmp(tt_tracers[i]->opts[k].name, name) && used < len)
				used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 tt_tracers[i]->name);
}

int tt_tracers_parse(const struct tt_tracer_def *const *defs, void *const *privs, size_t n,
		     int argc, char **argv, struct tt_common_opts *o, struct tt_error *err)
{
	return tt_tracers_parse_cmd(defs, privs, n, NULL, argc, argv, o, err);
}

int tt_tracers_parse_cmd(const struct tt_tracer_def *const *defs, void *const *privs, size_t n,
			 const struct tt_tracers_cmd *cmd, int argc, char **argv,
			 struct tt_common_opts *o, struct tt_error *err)
{
	struct parse_ctx *p = calloc(1, sizeof(*p));
	struct option *lopts = calloc(MAX_MERGED + 1, sizeof(*lopts));
	const char *formats[8];
	char shorts[64] = "";
	size_t t, k, i;
	int ret;

	memset(err, 0, sizeof(*err));
	if (!p || !lopts) {
		ret = tt_error_set(err, -ENOMEM, false, "out of memory");
		goto out;
	}
	p->defs = defs;
	p->privs = privs;
	p->cmd = cmd;
	p->n = n;
	for (k = 0; cmd && cmd->opts[k].name; k++) {
		p->m[k].def = &cmd->opts[k];
		p->m[k].cmd = true;
		p->nmerged++;
	}
	for (t = 0; t < n; t++)
		for (k = 0; defs[t]->opts[k].name; k++) {
			const struct tt_optdef *d = &defs[t]->opts[k];

			for (i = 0; i < p->nmerged && strcmp(p->m[i].def->name, d->name); i++)
				;
			if (i == p->nmerged) {
				if (i == MAX_MERGED) {
					ret = tt_error_set(err, -E2BIG, false, "internal: too many options");
					goto out;
				}
				p->m[i].def = d;
				memset(p->m[i].key, -1, sizeof(p->m[i].key));
				p->nmerged++;
			}
			p->m[i].key[t] = d->key;
		}
	for (i = 0; i < p->nmerged; i++) {
		const struct tt_optdef *d = p->m[i].def;

		lopts[i] = (struct option){ d->name, d->arg ? required_argument : no_argument, NULL,
					    merged_val(p, i) };
		if (d->short_name && strlen(shorts) < sizeof(shorts) - 3) {
			size_t l = strlen(shorts);

			shorts[l++] = (char)d->short_name;
			if (d->arg)
				shorts[l++] = ':';
			shorts[l] = 0;
		}
	}
	{
		struct tt_cli cli = {
			.cmd = cmd ? cmd->name : defs[0]->name, .tracing = true, .allow_cmd = true,
			/* no format every named tracer takes: -f is refused */
			.formats = cmd && cmd->formats ? cmd->formats :
				   (common_formats(defs, n, formats), formats),
			.extra = lopts, .extra_shorts = shorts[0] ? shorts : NULL,
			.on_opt = dispatch, .ctx = p,
		};

		ret = tt_cli_parse(&cli, argc, argv, o, err);
	}
	if (ret == TT_CLI_RUN && o->hook)
		ret = check_hook(defs, n, o->hook, err);
	if (ret < 0 && !strncmp(err->msg, "unknown option '--", 18)) {
		char name[64], who[128];

		snprintf(name, sizeof(name), "%s", err->msg + 18);
		name[strcspn(name, "'=")] = 0;
		takers(name, who, sizeof(who));
		if (who[0])
			tt_error_set(err, -EINVAL, true, "--%s: no named tracer takes this option "
				     "(%s does)", name, who);
	}
out:
	free(p);
	free(lopts);
	return ret;
}

/* --- running -------------------------------------------------------------------- */

/*
 * -p of a kernel thread is allowed (profile and offcpu see its kernel stacks),
 * but the other tracers would report nothing without saying why.
 */
static void kernel_thread_hint(const struct tt_tracer_def *const *defs, size_t n,
			       const struct tt_common_opts *o, const char *name)
{
	char comm[TT_COMM_LEN];
	size_t i, k;

	for (k = 0; k < n; k++)
		if (strcmp(defs[k]->name, "profile") && strcmp(defs[k]->name, "offcpu"))
			break;
	if (k == n)
		return;
	for (i = 0; i < o->npids; i++)
		if (tt_is_kernel_thread(o->pids[i], comm))
			fprintf(stderr, "tracetool %s: warning: -p %d (%s) is a kernel thread: it makes "
				"no system calls and owns no sockets, so only profile and offcpu "
				"(kernel stacks) can report on it\n", name, (int)o->pids[i], comm);
}

int tt_tracers_setup(const struct tt_tracer_def *const *defs, void *const *privs, size_t n,
		     int argc, char **argv, struct tt_common_opts *o, const char *name,
		     void (*help)(const struct tt_tracer_def *const *defs, size_t n, FILE *out),
		     int *status)
{
	struct tt_error err;
	size_t i;
	int ret;

	*status = TT_EXIT_OK;
	ret = tt_tracers_parse(defs, privs, n, argc, argv, o, &err);
	if (ret == TT_CLI_HELP) {
		help(defs, n, stdout);
		return 0;
	}
	if (ret == TT_CLI_VERSION) {
		printf("tracetool %s\n", tt_version);
		return 0;
	}
	for (i = 0; !ret && i < n; i++)
		if (defs[i]->check)
			ret = defs[i]->check(privs[i], o, &err);
	if (ret) {
		fprintf(stderr, "tracetool %s: %s\n", name, err.msg);
		if (err.usage)
			fprintf(stderr, "Try 'tracetool %s --help'.\n", name);
		*status = err.usage ? TT_EXIT_USAGE : TT_EXIT_FAIL;
		return 0;
	}
	return 1;
}

void tt_tracers_destroy(const struct tt_tracer_def *const *defs, void **privs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (privs[i] && defs[i]->destroy)
			defs[i]->destroy(privs[i]);
		else
			free(privs[i]);
		privs[i] = NULL;
	}
}

int tt_run_tracers(const struct tt_tracer_def *const *defs, size_t n, int argc, char **argv)
{
	struct tt_tracer_ref refs[TT_SESSION_MAX_TRACERS];
	void *privs[TT_SESSION_MAX_TRACERS] = {};
	struct tt_common_opts o = {};
	struct tt_run_stats stats;
	struct tt_error err;
	char name[128];
	size_t i, used = 0;
	int ret, status = TT_EXIT_OK;

	name[0] = 0;
	for (i = 0; i < n; i++)
		used += snprintf(name + used, sizeof(name) - used, "%s%s", i ? " " : "",
				 defs[i]->name);
	for (i = 0; i < n; i++) {
		privs[i] = defs[i]->create();
		if (!privs[i]) {
			fprintf(stderr, "tracetool %s: out of memory\n", name);
			status = TT_EXIT_FAIL;
			goto out;
		}
	}
	if (!tt_tracers_setup(defs, privs, n, argc, argv, &o, name, tt_tracers_help, &status))
		goto out;
	kernel_thread_hint(defs, n, &o, name);
	for (i = 0; i < n; i++)
		refs[i] = (struct tt_tracer_ref){ defs[i]->ops, privs[i] };
	tt_set_verbose(o.verbose);
	ret = tt_session_run(refs, n, &o, &stats, &err);
	if (o.verbose) {
		for (i = 0; i < stats.ntracers; i++)
			fprintf(stderr, "tracetool %s: hook %s, open %.1f ms, load %.1f ms, attach "
				"%.1f ms, BPF maps %.1f MiB of kernel memory\n", defs[i]->name,
				stats.tracers[i].hook ?: "-", stats.tracers[i].open_ms,
				stats.tracers[i].load_ms, stats.tracers[i].attach_ms,
				(double)stats.tracers[i].map_bytes / (1 << 20));
		fprintf(stderr, "tracetool %s: hook %s, loaded at %.1f ms, attached at %.1f ms, "
			"%zu report(s), rss %ld kB, peak %ld kB\n", name,
			stats.hook ? stats.hook : "-", stats.loaded_ms, stats.attach_ms,
			stats.reports, stats.rss_kb, stats.hwm_kb);
	}
	if (ret) {
		fprintf(stderr, "tracetool %s: %s\n", name, err.msg);
		status = err.usage ? TT_EXIT_USAGE : TT_EXIT_FAIL;
	} else if (o.dry_run) {
		printf("dry run: %s tracer%s loaded and attached in %.1f ms\n", name,
		       n > 1 ? "s" : "", stats.attach_ms);
	} else if (stats.cmd_status >= 0 && WIFEXITED(stats.cmd_status)) {
		status = WEXITSTATUS(stats.cmd_status);	/* as time(1) and strace do */
	} else if (stats.cmd_status >= 0 && WIFSIGNALED(stats.cmd_status)) {
		status = 128 + WTERMSIG(stats.cmd_status);
	}
	for (i = 0; i < n; i++)
		if (defs[i]->finish)
			defs[i]->finish(privs[i], &o, ret != 0);
out:
	tt_tracers_destroy(defs, privs, n);
	return status;
}
