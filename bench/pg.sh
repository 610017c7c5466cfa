# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the request benchmarks: bench_pg_start NAME PORT makes a
# throwaway PostgreSQL cluster in $TMP/pg (initdb as postgres, trust
# authentication, fsync off), starts it on 127.0.0.1:PORT and fills it with
# `pgbench -i`; sets PGBIN and PG_UP, or prints why on stderr and returns 1.
# pg_ctl waits 30 s at most.  $TMP must be readable by postgres.

bench_pg_start() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	mkdir "$TMP/pg" && chown postgres "$TMP/pg" || return 1
	runuser -u postgres -- "$PGBIN/initdb" -D "$TMP/pg/data" -A trust -U postgres >"$TMP/initdb.log" 2>&1 ||
		{ echo "$1: initdb failed" >&2; return 1; }
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg/data" -l "$TMP/pg/log" -w -t 30 \
		-o "-p $2 -k $TMP/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
		{ echo "$1: pg_ctl start failed" >&2; return 1; }
	PG_UP=1
	pgbench -h 127.0.0.1 -p "$2" -U postgres -i -q postgres >"$TMP/init.log" 2>&1 ||
		{ echo "$1: pgbench -i failed" >&2; return 1; }
}

# bench_pg_stop: fast shutdown of the cluster bench_pg_start started, if any.
bench_pg_stop() {
	[ -n "${PG_UP:-}" ] || return 0
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg/data" -m fast -w stop >/dev/null 2>&1
	PG_UP=""
}
