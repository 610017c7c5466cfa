# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
# Sourced by the benchmarks that compare builds (TRACETOOL... on their
# command line): the builds take turns, so drift on the host hits each of
# them alike, and each build's lines go to a file of its own, reported
# build by build.

# bench_turns DIR RUN ARGS TRACETOOL...: `RUN TRACETOOL ARGS` (ARGS split
# into words; may be empty) once for each TRACETOOL in the order given,
# its output appended to DIR/res.I, I the TRACETOOL's place from 0.
bench_turns() {
	_bt_dir=$1 _bt_run=$2 _bt_args=$3
	shift 3
	_bt_i=0
	for _bt_t in "$@"; do
		# shellcheck disable=SC2086
		"$_bt_run" "$_bt_t" $_bt_args >>"$_bt_dir/res.$_bt_i"
		_bt_i=$((_bt_i + 1))
	done
}

# bench_report DIR SHOW TRACETOOL...: for each TRACETOOL, a line with its
# name, then `SHOW DIR/res.I` (its lines, from bench_turns).
bench_report() {
	_bt_dir=$1 _bt_show=$2
	shift 2
	_bt_i=0
	for _bt_t in "$@"; do
		echo "   $_bt_t"
		"$_bt_show" "$_bt_dir/res.$_bt_i"
		_bt_i=$((_bt_i + 1))
	done
}
