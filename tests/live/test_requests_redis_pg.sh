#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Live tests of `tracetool requests` on Redis and PostgreSQL (root, real
# kernel, Debian's redis-server/redis-tools and postgresql/postgresql-contrib).
# Each server is started by the test on a loopback port, inside the traced
# command (-- CMD: only our own processes are traced), and stopped by it:
# nothing is started system-wide.
#
# Redis: redis-benchmark -t get,set -n 20000 -> SET and GET counted exactly
# in tracetool_redis_request_duration_seconds; a pipelined run (-P 16) ->
# every command counted or counted lost (map_full).  PostgreSQL: pgbench -i,
# then pgbench -S -c 4 -t 500 -> statements per first keyword in
# tracetool_postgresql_request_duration_seconds equal the statements the
# server itself logged (log_statement=all); the connections' start-up and
# authentication are no turns.  Neither server shows up as plain TCP.
# Reads that start inside a message (tests/live/wire_client.py: every
# request split across two writes at each byte, 100 KB values and queries
# the server reads in pieces, a long request pipelined with a short one):
# every request timed or counted lost, none unclassified, and no piece of a
# value taken for a request.
# REQ_HOOK=tracepoint runs every check on the syscall-tracepoint fallback
# path (test_requests_redis_pg_fallback.sh).
#
# Environment: TT=build/tracetool WL=build/workloads (see tests/run.sh).
. "$(dirname "$0")/lib.sh"

RPORT=19200		# this file's ports: 19200-19209
PPORT=19201
REDIS=tracetool_redis_request_duration_seconds
PG=tracetool_postgresql_request_duration_seconds
TCPM=tracetool_tcp_request_duration_seconds
N=20000
LONG=5			# wire_client.py: long requests of each kind
HOOK=${REQ_HOOK:+--hook $REQ_HOOK}
UNCL=tracetool_requests_unclassified_total

REDIS_CHECKS="reqproto_redis_set_count reqproto_redis_get_count reqproto_redis_not_tcp
reqproto_redis_lost_exact reqproto_redis_pipelined_accounted reqproto_redis_mid_message_accounted
reqproto_redis_long_set_count reqproto_redis_events"
PG_CHECKS="reqproto_pg_select_count reqproto_pg_operations_match_log reqproto_pg_not_tcp
reqproto_pg_prepared reqproto_pg_mid_message_accounted reqproto_pg_long_select_count reqproto_pg_events"

# shellcheck disable=SC2086
tt_require_base $REDIS_CHECKS $PG_CHECKS

# req_run OUT ERR ARGS...: tracetool requests -f json ARGS, bounded.
req_run() {
	_out=$1
	_err=$2
	shift 2
	timeout -k 5 300 "$TT" requests $HOOK -f json "$@" >"$_out" 2>"$_err"
	TT_RC=$?
}

# count FILE METRIC LABELS: total count of the matching histogram series.
count() {
	tt_series "$1" "$2" "$3" | jq 'map(.count) | add // 0'
}

# map_full FILE: the report's map_full loss counter.
map_full() {
	jq '.lost.map_full' "$1" 2>/dev/null
}

# unclassified FILE: socket reads and writes the tracer could not classify.
unclassified() {
	jq --arg m $UNCL '[.metrics[] | select(.name == $m) | .series[].value] | add // 0' "$1" 2>/dev/null
}

# sent FILE NAME: what wire_client.py says it sent of NAME.
sent() {
	sed -n "s/^$2=//p" "$1"
}

# redis_why OUT ERR WHAT: sets why (the caller's) when the run of req_run failed.
redis_why() {
	why=$(tt_run_why "$1" "$2")
	[ -n "$why" ] || [ "$TT_RC" = 0 ] ||
		why="$3 failed: $(tail -c 300 "$TT_TMP/bench.log" | tr '\n' ' ')"
}

# --- Redis -------------------------------------------------------------------

# redis_script FILE BENCH_ARGS [CLIENT]: a script that starts redis-server on
# RPORT, runs redis-benchmark with BENCH_ARGS (or the command CLIENT) and
# shuts the server down.
redis_script() {
	cat >"$1" <<EOF
redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--dir "$TT_TMP" --logfile "$TT_TMP/redis.log" &
srv=\$!
i=0
until redis-cli -p $RPORT ping >/dev/null 2>&1; do
	i=\$((i + 1))
	[ \$i -lt 100 ] || { kill \$srv; exit 1; }
	sleep 0.05
done
${3:-redis-benchmark -p $RPORT $2} >"$TT_TMP/bench.log" 2>&1
rc=\$?
kill \$srv
wait \$srv
exit \$rc
EOF
}

test_redis() {
	local o=$TT_TMP/redis.json e=$TT_TMP/redis.err why
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1 ||
	   ! command -v redis-cli >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		skip_all "redis-server / redis-benchmark / redis-cli are not installed (scripts/deps.sh)" \
			$REDIS_CHECKS
		return
	fi
	redis_script "$TT_TMP/redis.sh" "-t get,set -n $N -c 10 -q"
	req_run "$o" "$e" --port $RPORT -- sh "$TT_TMP/redis.sh"
	redis_why "$o" "$e" "the Redis run"
	if [ -n "$why" ]; then
		# shellcheck disable=SC2086
		fail_all "$why" $REDIS_CHECKS
		return
	fi
	check_eq reqproto_redis_set_count "SET commands" $N \
		"$(count "$o" $REDIS "{\"comm\":\"redis-server\",\"command\":\"SET\",\"server_port\":\"$RPORT\"}")"
	check_eq reqproto_redis_get_count "GET commands" $N \
		"$(count "$o" $REDIS "{\"comm\":\"redis-server\",\"command\":\"GET\",\"server_port\":\"$RPORT\"}")"
	check_eq reqproto_redis_not_tcp "plain TCP turns of the Redis port" 0 \
		"$(count "$o" $TCPM "{\"port\":\"$RPORT\"}")"
	# redis-benchmark's two CONFIG GET at start come in one write: one is timed, one lost
	check_eq reqproto_redis_lost_exact "map_full (redis-benchmark's pipelined CONFIG GET pair)" 1 \
		"$(map_full "$o")"

	# -P 16: sixteen commands per write; one turn of each read is timed, the
	# others counted lost: timed + lost = every command sent (N + 2 CONFIG GET)
	redis_script "$TT_TMP/redis.sh" "-t get -n 1600 -c 4 -P 16 -q"
	req_run "$o" "$e" --port $RPORT -- sh "$TT_TMP/redis.sh"
	redis_why "$o" "$e" "the pipelined Redis run"
	if [ -n "$why" ]; then
		fail reqproto_redis_pipelined_accounted "$why"
		return
	fi
	local get cfg lost
	get=$(count "$o" $REDIS "{\"command\":\"GET\",\"server_port\":\"$RPORT\"}")
	cfg=$(count "$o" $REDIS "{\"command\":\"CONFIG\",\"server_port\":\"$RPORT\"}")
	lost=$(map_full "$o")
	check_eq reqproto_redis_pipelined_accounted \
		"timed + lost of 1600 GET + 2 CONFIG GET (timed $get GET, $cfg CONFIG)" \
		1602 "$((get + cfg + lost))"
	test_redis_mid_message
}

# Reads that start inside a command: timed + lost = every command sent (the
# PINGs of the readiness loop aside), nothing unclassified.  A command split
# inside its name is timed as _OTHER (its name is not whole in either read).
test_redis_mid_message() {
	local o=$TT_TMP/redis_mid.json e=$TT_TMP/redis_mid.err why timed set lost uncl want
	local names="reqproto_redis_mid_message_accounted reqproto_redis_long_set_count reqproto_redis_events"
	if ! command -v python3 >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		skip_all "python3 is missing (tests/live/wire_client.py)" $names
		return
	fi
	redis_script "$TT_TMP/redis.sh" "" \
		"python3 $(dirname "$0")/wire_client.py redis $RPORT $LONG"
	req_run "$o" "$e" --port $RPORT --events -- sh "$TT_TMP/redis.sh"
	redis_why "$o" "$e" "the Redis client"
	if [ -n "$why" ]; then
		# shellcheck disable=SC2086
		fail_all "$why" $names
		return
	fi
	timed=$(tt_series "$o" $REDIS "{\"server_port\":\"$RPORT\"}" |
		jq '[.[] | select(.labels.command != "PING") | .count] | add // 0')
	set=$(count "$o" $REDIS "{\"command\":\"SET\",\"server_port\":\"$RPORT\"}")
	lost=$(map_full "$o")
	uncl=$(unclassified "$o")
	want=$(($(sent "$TT_TMP/bench.log" split) + $(sent "$TT_TMP/bench.log" SET) + $(sent "$TT_TMP/bench.log" GET)))
	check_eq reqproto_redis_mid_message_accounted \
		"timed + lost, unclassified (commands split at every byte, 100 KB values, long SET + GET in one write)" \
		"$want 0" "$((timed + lost)) $uncl" "timed $timed, lost $lost, SET $set"
	# the long SETs are each timed (none waits behind another), and so is
	# every split one whose name is whole in the read that starts it
	check_range reqproto_redis_long_set_count "SET turns ($((2 * LONG)) long, $(sent "$TT_TMP/bench.log" split) split)" \
		$((2 * LONG + $(sent "$TT_TMP/bench.log" split) - 9)) \
		$((2 * LONG + $(sent "$TT_TMP/bench.log" split))) "$set"
	# --events: one redis_request event per timed turn, with its command
	check_eq reqproto_redis_events "redis_request events (not PING), of them SET" "$timed $set" \
		"$(jq '[.events[] | select(.type == "redis_request" and .command != "PING")] | length' "$o") $(jq --arg p $RPORT '[.events[] | select(.type == "redis_request" and .command == "SET" and .server_port == $p)] | length' "$o")"
}

# --- PostgreSQL --------------------------------------------------------------

# log_counts LOG: "KEYWORD=count" of every statement the server logged, sorted.
log_counts() {
	sed -n 's/.* LOG:  statement: *\([A-Za-z]*\).*/\1/p' "$1" | tr '[:lower:]' '[:upper:]' |
		sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep = "," }'
}

# ops FILE: "OPERATION=count" of every PostgreSQL series of PPORT, sorted.
ops() {
	jq -r --arg m "$PG" --arg p "$PPORT" '[.metrics[] | select(.name == $m) | .series[] |
		select(.labels.server_port == $p) | {k: .labels.operation, v: .count}] |
		group_by(.k) | map("\(.[0].k)=\(map(.v) | add)") | sort | join(",")' "$1" 2>/dev/null
}

test_postgres() {
	local d o=$TT_TMP/pg.json e=$TT_TMP/pg.err why bin n sel logsel
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || ! command -v pgbench >/dev/null 2>&1 ||
	   ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		skip_all "PostgreSQL (initdb, pg_ctl, pgbench, user postgres, runuser) is not installed" \
			$PG_CHECKS
		return
	fi
	d=$(mktemp -d /tmp/tt-pg.XXXXXX) || { fail_all "mktemp failed" $PG_CHECKS; return; }
	chown postgres "$d"
	tt_on_exit "rm -rf '$d'"
	if ! runuser -u postgres -- "$bin/initdb" -D "$d/data" -A trust -U postgres >"$d/initdb.log" 2>&1; then
		# shellcheck disable=SC2086
		fail_all "initdb failed: $(tail -c 300 "$d/initdb.log" | tr '\n' ' ')" $PG_CHECKS
		return
	fi
	# pgbench_*: a script per traced run; the cluster lives only inside it
	cat >"$d/run.sh" <<EOF
runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -l "$d/pg.log" -w -t 30 \
	-o "-p $PPORT -k $d -c listen_addresses=127.0.0.1 -c fsync=off -c log_statement=all" \
	start >/dev/null || exit 1
pgbench -h 127.0.0.1 -p $PPORT -U postgres \$1 postgres >"$d/bench.log" 2>&1
rc=\$?
runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null
exit \$rc
EOF
	# pgbench -i first, untraced: the -S run is compared with the log alone
	sh "$d/run.sh" "-i -q" || {
		fail_all "pgbench -i failed: $(tail -c 300 "$d/bench.log" | tr '\n' ' ')" $PG_CHECKS
		return
	}
	: >"$d/pg.log"
	req_run "$o" "$e" --port $PPORT -- sh "$d/run.sh" "-S -c 4 -t 500"
	why=$(tt_run_why "$o" "$e")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\)\/.*/\1/p' "$d/bench.log")
	[ -n "$why" ] || [ "$TT_RC" = 0 ] ||
		why="the PostgreSQL run failed ($TT_RC): $(tail -c 300 "$d/bench.log" "$d/pg.log" | tr '\n' ' ')"
	[ -n "$why" ] || [ "$n" = 2000 ] || why="pgbench processed '$n' transactions, not 2000"
	if [ -n "$why" ]; then
		# shellcheck disable=SC2086
		fail_all "$why" $PG_CHECKS
		return
	fi
	# the 2000 SELECTs of -S, plus pgbench's own queries before them (its
	# scale and partitioning, its vacuum): the server's log says which
	sel=$(count "$o" $PG "{\"comm\":\"postgres\",\"operation\":\"SELECT\",\"server_port\":\"$PPORT\"}")
	logsel=$(sed -n 's/.* LOG:  statement: *[Ss][Ee][Ll][Ee][Cc][Tt][^A-Za-z].*/x/p' "$d/pg.log" | wc -l)
	if [ "$sel" = "$logsel" ] && [ "$sel" -ge 2000 ]; then
		pass "reqproto_pg_select_count (SELECT turns: $sel = the server's log, 2000 of them pgbench -S's)"
	else
		fail reqproto_pg_select_count "SELECT turns: $sel, the server logged $logsel (lost $(tt_lost "$o"))"
	fi
	check_eq reqproto_pg_operations_match_log "operations (tracetool vs the server's log)" \
		"$(log_counts "$d/pg.log")" "$(ops "$o")"
	check_eq reqproto_pg_not_tcp "plain TCP turns of the PostgreSQL port" 0 \
		"$(count "$o" $TCPM "{\"port\":\"$PPORT\"}")"

	# -M prepared: each connection parses the statement once (a SELECT turn),
	# then every transaction binds and executes it (_PREPARED)
	req_run "$o" "$e" --port $PPORT -- sh "$d/run.sh" "-S -M prepared -c 2 -t 100"
	why=$(tt_run_why "$o" "$e")
	[ -n "$why" ] || [ "$TT_RC" = 0 ] ||
		why="the prepared run failed ($TT_RC): $(tail -c 300 "$d/bench.log" | tr '\n' ' ')"
	if [ -n "$why" ]; then
		fail reqproto_pg_prepared "$why"
		return
	fi
	check_eq reqproto_pg_prepared "_PREPARED turns of 2 connections x 100 transactions" 200 \
		"$(count "$o" $PG "{\"operation\":\"_PREPARED\",\"server_port\":\"$PPORT\"}")"
	test_pg_mid_message "$d"
}

# Reads that start inside a message (the backend reads 8 KB at a time):
# timed + lost = every query sent, nothing unclassified; the statements
# the server logged agree.
test_pg_mid_message() {
	local d=$1 o=$TT_TMP/pg_mid.json e=$TT_TMP/pg_mid.err why timed sel lost uncl want
	local names="reqproto_pg_mid_message_accounted reqproto_pg_long_select_count reqproto_pg_events"
	if ! command -v python3 >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		skip_all "python3 is missing (tests/live/wire_client.py)" $names
		return
	fi
	sed "s|^pgbench .*|python3 $(dirname "$0")/wire_client.py pg $PPORT $LONG >\"$d/bench.log\" 2>\&1|" \
		"$d/run.sh" >"$d/wire.sh"
	: >"$d/pg.log"
	req_run "$o" "$e" --port $PPORT --events -- sh "$d/wire.sh"
	why=$(tt_run_why "$o" "$e")
	[ -n "$why" ] || [ "$TT_RC" = 0 ] ||
		why="the PostgreSQL client failed ($TT_RC): $(tail -c 300 "$d/bench.log" | tr '\n' ' ')"
	if [ -n "$why" ]; then
		# shellcheck disable=SC2086
		fail_all "$why" $names
		return
	fi
	timed=$(count "$o" $PG "{\"server_port\":\"$PPORT\"}")
	sel=$(count "$o" $PG "{\"operation\":\"SELECT\",\"server_port\":\"$PPORT\"}")
	lost=$(map_full "$o")
	uncl=$(unclassified "$o")
	want=$(($(sent "$d/bench.log" split) + $(sent "$d/bench.log" SELECT)))
	check_eq reqproto_pg_mid_message_accounted \
		"timed + lost, unclassified (queries split at every byte, 100 KB queries, long + short in one write; the server logged $(grep -c 'LOG:  statement:' "$d/pg.log"))" \
		"$want 0" "$((timed + lost)) $uncl" "timed $timed, lost $lost, SELECT $sel"
	# the long queries alone are each timed, and so is every split one whose
	# keyword is whole in the read that starts it
	check_range reqproto_pg_long_select_count "SELECT turns ($LONG long alone, $LONG long + short, $(sent "$d/bench.log" split) split)" \
		$((2 * LONG + $(sent "$d/bench.log" split) - 7)) \
		$((3 * LONG + $(sent "$d/bench.log" split))) "$sel"
	# --events: one postgresql_request event per timed turn, with its operation
	check_eq reqproto_pg_events "postgresql_request events, of them SELECT" "$timed $sel" \
		"$(jq '[.events[] | select(.type == "postgresql_request")] | length' "$o") $(jq --arg p $PPORT '[.events[] | select(.type == "postgresql_request" and .operation == "SELECT" and .server_port == $p)] | length' "$o")"
}

# ONLY="test_redis_mid_message" (a shell command) runs only that, for debugging.
[ -n "${ONLY:-}" ] && { $ONLY; exit 0; }
test_redis
test_postgres
