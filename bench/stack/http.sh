# SPDX-License-Identifier: BSD-3-Clause
#
# bench/stack: the HTTP workloads, sourced by run.sh (which defines
# berth_pair, linux_netns_up/down, WORK, SECS and the core numbers).
#
#   http_berth MODE REP    berth-httpd (core 0) and berth-load (core 1) on
#                          net_memif, 100 connections; prints requests/s
#                          and the error count
#   http_linux MODE REP    nginx (1 worker, core 0) and wrk -t1 (core 1) in a
#                          fresh network namespace, loopback MTU 1500, the
#                          same page and connections; prints requests/s and
#                          the error count
#
# MODE keepalive: persistent connections, one request outstanding on each
# (wrk and berth-load both work that way). MODE close: "Connection: close"
# on every request, so each request is a connection of its own: requests/s
# is then connections/s, and the server closes first, so TIME-WAIT stays on
# the server's side with both stacks (RFC 9293 §3.6).

HTTP_CONNS=100

# The page both servers serve: small, one segment, the same bytes.
http_page() {
	{
		echo '<!DOCTYPE html>'
		echo '<html><head><meta charset="utf-8"><title>bench</title></head>'
		echo '<body><h1>bench</h1>'
		printf '<p>%s</p>\n' "$(printf 'x%.0s' $(seq 1 300))"
		echo '</body></html>'
	} >"$1/index.html"
}

# nginx.conf for PREFIX: one worker pinned to the server core, no access log,
# keep-alive unbounded in requests, file lookups cached as berth-httpd's are,
# the page root.
http_nginx_conf() {
	local prefix=$1 root=$2 addr=$3
	cat >"$prefix/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_cpu_affinity $(printf '%x' $((1 << CORE_SRV)));
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events {
	worker_connections 8192;
	multi_accept on;
}
http {
	access_log off;
	keepalive_requests 1000000000;
	# berth-httpd trusts a looked-up path for 1 s (--file-recheck-ms): the
	# same for nginx, so that neither makes system calls per request.
	open_file_cache max=1000 inactive=60s;
	open_file_cache_valid 1s;
	keepalive_timeout 60s;
	client_body_temp_path $prefix;
	proxy_temp_path $prefix;
	fastcgi_temp_path $prefix;
	uwsgi_temp_path $prefix;
	scgi_temp_path $prefix;
	server {
		listen $addr:80 backlog=4096;
		root $root;
	}
}
EOF
}

http_berth() {
	local mode=$1 rep=$2 json args
	args=(--connections "$HTTP_CONNS" --duration "$SECS" --path /index.html)
	[ "$mode" = close ] && args+=(--mode close)
	json=$(berth_pair "http-$mode-$rep" "--root $WORK/www" "${args[*]}") || return 1
	json_get "$json" rps errors
}

http_linux() {
	local mode=$1 rep=$2 ns prefix pid out rps errs i
	local -a hdr=()
	[ "$mode" = close ] && hdr=(-H 'Connection: close')
	ns=$(linux_netns_up) || return 1
	prefix=$WORK/nginx-$mode-$rep
	mkdir -p "$prefix"
	http_nginx_conf "$prefix" "$WORK/www" "$ADDR_SRV"
	ip netns exec "$ns" taskset -c "$CORE_SRV" nginx -c "$prefix/nginx.conf" -p "$prefix" \
		>"$prefix/stdout" 2>&1 &
	pid=$!
	for i in $(seq 50); do
		ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$ADDR_SRV/80" 2>/dev/null && break
		sleep 0.1
	done
	out=$(ip netns exec "$ns" taskset -c "$CORE_CLI" wrk -t1 -c"$HTTP_CONNS" -d"${SECS}s" \
		"${hdr[@]}" "http://$ADDR_SRV/index.html" 2>&1) || true
	kill -QUIT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	linux_netns_down "$ns"
	echo "$out" >"$LOGS/http-$mode-$rep-wrk.log"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	# Socket errors (connect, read, write, timeout) and non-2xx answers.
	errs=$(awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
		/Non-2xx/ { n += $NF } END { print n + 0 }' <<<"$out")
	[ -n "$rps" ] || { echo "wrk printed no rate (see $LOGS/http-$mode-$rep-wrk.log)" >&2; return 1; }
	echo "$rps $errs"
}
