# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the request benchmarks: bench_nginx_start NAME PORT starts
# nginx ($NGINX, Debian nginx-light) in the foreground of a background job
# with its own configuration in $TMP: 127.0.0.1:PORT, one worker, access
# log off, `location = /api/users/42` answering a small body.  Waits (5 s at
# most) until it answers; sets MASTER and PIDS_CSV (master and worker), or
# prints why on stderr and returns 1.

bench_nginx_start() {
	mkdir -p "$TMP/logs"
	cat >"$TMP/nginx.conf" <<NGINX
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $TMP/tmp_body;
    proxy_temp_path $TMP/tmp_proxy;
    fastcgi_temp_path $TMP/tmp_fcgi;
    uwsgi_temp_path $TMP/tmp_uwsgi;
    scgi_temp_path $TMP/tmp_scgi;
    server {
        listen 127.0.0.1:$2;
        location = /api/users/42 { return 200 "{\"id\":42}\n"; }
    }
}
NGINX
	"$NGINX" -p "$TMP" -c "$TMP/nginx.conf" &
	MASTER=$!
	_n=0
	while ! wrk -t1 -c1 -d1 "http://127.0.0.1:$2/api/users/42" >/dev/null 2>&1 && [ $_n -lt 50 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	if [ $_n -ge 50 ]; then
		echo "$1: nginx did not answer on 127.0.0.1:$2 within 5 s ($TMP/logs/error.log)" >&2
		return 1
	fi
	PIDS_CSV=$(echo "$MASTER $(pgrep -P "$MASTER" | tr '\n' ' ')" | tr -s ' ' ',' | sed 's/,$//')
}

# bench_nginx_stop: graceful stop of $MASTER (5 s at most), then SIGKILL.
bench_nginx_stop() {
	[ -n "${MASTER:-}" ] || return 0
	kill -QUIT "$MASTER" 2>/dev/null
	_n=0
	while kill -0 "$MASTER" 2>/dev/null && [ $_n -lt 50 ]; do sleep 0.1; _n=$((_n + 1)); done
	kill -KILL "$MASTER" 2>/dev/null
	MASTER=""
}

# bench_nginx_tmp NAME: TMP, a new directory /tmp/tt-NAME.XXXXXX (readable by
# nginx's workers), removed on exit after nginx is stopped; exits on failure.
bench_nginx_tmp() {
	TMP=$(mktemp -d "/tmp/tt-$1.XXXXXX") || exit 1
	chmod 755 "$TMP"
	MASTER=""
	trap 'bench_nginx_stop; rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM
}
