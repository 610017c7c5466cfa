#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The bash completion (scripts/install/tracetool.bash-completion) against the
# built binary (no root, no BPF): commands, the options of every tracer named
# (not only the first), the choices of an option's value from its --help,
# and nothing after serve's -- (it takes no command).
#
# Environment: TT=build/tracetool (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

C=scripts/install/tracetool.bash-completion
NAMES="completion_command completion_second_tracer_option completion_by_choices
completion_hook_choices completion_format_choices help_hook_kinds_listed
completion_serve_no_command"
if ! command -v bash >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	skip_all "bash is not installed" $NAMES
	exit 0
fi
mkdir -p "$TT_TMP/cbin"
ln -sf "$(realpath "$TT")" "$TT_TMP/cbin/tracetool"
# complete WORD...: what completing the last word offers, sorted, one line
complete_words() {
	PATH="$TT_TMP/cbin:$PATH" bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_tracetool; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' "$C" tracetool "$@"
}
check_eq completion_command "tracetool sys<TAB>" "syscalls " "$(complete_words sys)"
check_eq completion_second_tracer_option "tracetool syscalls tcp --po<TAB> (tcp's --port)" \
	"--port " "$(complete_words syscalls tcp --po)"
check_eq completion_by_choices "tracetool syscalls --by <TAB>" "comm process syscall thread " \
	"$(complete_words syscalls --by '')"
check_eq completion_hook_choices "tracetool syscalls --hook <TAB>" "raw_tp tp_btf " \
	"$(complete_words syscalls --hook '')"
# serve takes no -- CMD: nothing (not the files here) after its --
check_eq completion_serve_no_command "tracetool serve requests -- <TAB>" " " \
	"$(complete_words serve requests -- '')"
check_eq completion_format_choices "tracetool compare -f <TAB>" "github json junit markdown text " \
	"$(complete_words compare -f '')"

# every --help names the hook kinds its tracers offer (serve's list was empty)
bad=""
for c in syscalls tcp requests profile offcpu serve "syscalls requests"; do
	# shellcheck disable=SC2086
	line=$("$TT" $c --help 2>&1 | grep -- "--hook KIND")
	echo "$line" | grep -q -E "hook kind: .*(tp_btf|raw_tp|tracepoint|perf_event)" || bad="$bad [$c: $line]"
done
check_eq help_hook_kinds_listed "commands whose --hook help names no kind" "" "$bad"
