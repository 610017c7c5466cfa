// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `tracetool list`: the commands, and which hook and map types this kernel
 * supports, found by loading and attaching tiny programs (user/probe.c).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "jsonout.h"
#include "outfile.h"

const char tt_list_usage[] =
	"Usage: tracetool list [-f text|json]\n"
	"\n"
	"Lists the commands and probes which hook types this kernel supports\n"
	"(tp_btf, raw_tp, tracepoint, fentry, kprobe, uprobe, perf_event) and\n"
	"which map types (ring buffer, task storage). Each hook is probed by\n"
	"loading and attaching a two-instruction program, so run it as root.\n"
	"\n"
	"Options:\n"
	"  -f, --format FMT    text (default) or json\n"
	"  -o, --output FILE   write to FILE\n"
	"  -v, --verbose       libbpf messages\n"
	"  -h, --help          this help\n"
	"\n"
	"Examples:\n"
	"  tracetool list\n"
	"  tracetool list -f json | jq '.features[] | select(.supported)'\n";

static int list_json(const struct tt_feature *f, size_t n, FILE *out)
{
	json_t *root = json_object(), *cmds = json_array(), *feats = json_array();
	size_t i;
	int ret;

	for (i = 0; i < tt_ncommands; i++)
		json_array_append_new(cmds, json_pack("{s:s, s:s}", "name", tt_commands[i].name,
						      "summary", tt_cmd_summary(&tt_commands[i])));
	for (i = 0; i < n; i++)
		json_array_append_new(feats, json_pack("{s:s, s:s, s:b, s:s}", "name", f[i].name,
						       "what", f[i].what, "supported",
						       f[i].supported, "detail", f[i].detail));
	json_object_set_new(root, "commands", cmds);
	json_object_set_new(root, "features", feats);
	ret = tt_json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return ret;
}

int cmd_list(const struct tt_cmd *cmd, int argc, char **argv)
{
	struct tt_cli cli = { .cmd = cmd->name };
	struct tt_common_opts o = {};
	struct tt_feature f[16];
	const char *missing = NULL;
	struct tt_error err;
	struct tt_outfile of;
	FILE *out;
	size_t n, i;
	int ret;

	ret = tt_cli_parse(&cli, argc, argv, &o, &err);
	if (ret != TT_CLI_RUN)
		return tt_cli_outcome(cmd, ret, &err);
	tt_set_verbose(o.verbose);
	ret = tt_outfile_open(&of, o.output);
	if (ret) {
		tt_error_set(&err, ret, true, "-o %s: %s", o.output, strerror(-ret));
		return tt_fail(cmd, &err);
	}
	out = of.f;
	n = tt_probe_features(f, 16);
	if (!strcmp(o.format, "json")) {
		ret = list_json(f, n, out);
	} else {
		fprintf(out, "COMMANDS\n");
		for (i = 0; i < tt_ncommands; i++)
			fprintf(out, "  %-12s %s\n", tt_commands[i].name, tt_cmd_summary(&tt_commands[i]));
		fprintf(out, "\nKERNEL FEATURES\n");
		for (i = 0; i < n; i++)
			fprintf(out, "  %-12s %-3s  %-52s %s\n", f[i].name, f[i].supported ? "yes" : "no",
				f[i].what, f[i].detail);
		if (!tt_has_bpf_caps(&missing))
			fprintf(out, "\n(not privileged: %s missing, so every probe fails; run as root)\n",
				missing);
	}
	ret = tt_outfile_finish(&of, ret ? -EIO : 0);
	if (ret) {
		tt_error_set(&err, ret, false, "writing %s: %s", o.output ? o.output : "output",
			     strerror(-ret));
		return tt_fail(cmd, &err);
	}
	return TT_EXIT_OK;
}
