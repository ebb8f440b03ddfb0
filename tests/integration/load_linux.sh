#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# berth-load on the stack side against Linux servers on the test host:
# nginx (python's http.server when nginx is not installed) with a
# configuration of this test's own in its temp dir, and tcp_server.py.
# 1. keepalive, 20 connections, 5 s: requests done at a non-zero rate, no
#    error; the server logged as many requests as berth-load counted.
# 2. close, 20 connections from 4 source addresses (--ip-count 4), 5 s:
#    a non-zero connections/s, no error, the connections round robin over
#    the addresses in berth-load's count and a fair share of each in the
#    server's access log; the server, which closed first, holds the
#    TIME-WAIT sockets of every address.
# 3. ephemeral-port exhaustion: a range of 32 ports, berth closing first
#    (--client-close, so TIME-WAIT holds each tuple for 2*MSL = 60 s):
#    exactly 32 connections from one address, then port_exhausted errors
#    (exit 1); with 3 addresses exactly 32 from each: every source address
#    brings the whole range to the server (RFC 6056 per 4-tuple). The
#    ranges are ones no earlier part used: a tuple still in the server's
#    TIME-WAIT would cost a SYN retransmission (1 s) when the new ISN is
#    not above the old connection's (RFC 9293 §3.10.7.4; a new process has
#    a new ISN secret).
# 4. echo mode against tcp_server.py: 1000 bytes each way per request,
#    checked byte for byte, no error.
# 5. refused: a port nobody listens on counts refused errors (exit 1).
# Rates are only required to be non-zero: the machine is shared.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init load_linux ss
it_up
H=$TESTNET_HOST_IP
S=$TESTNET_STACK_IP
PORT=8080
CHECK=("$IT_PY" "$IT_DIR_SRC/load_check.py")
WWW=$IT_TMP/www
mkdir -p "$WWW" "$IT_TMP/nginx"
# A page of some size, as a server would send: 4 KiB. nginx's worker runs
# as www-data: it must reach the page through our (0700) temp dir.
head -c 4096 /dev/zero | tr '\0' 'b' >"$WWW/index.html"
chmod 0711 "$IT_TMP"
chmod 0755 "$WWW"
chmod 0644 "$WWW/index.html"

# The server's access log: one line per request, the client's address first.
ACCESS=$IT_TMP/access.log
SERVER=

start_nginx() {
	local d=$IT_TMP/nginx
	cat >"$d/nginx.conf" <<EOF
# berth load_linux.sh: everything of this server stays in $d.
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fastcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	log_format load '\$remote_addr \$remote_port \$status';
	access_log $ACCESS load;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	server {
		listen $H:$PORT;
		root $WWW;
	}
}
EOF
	# `ip netns exec` execs nginx (master in the foreground): $! is its PID.
	it_host_bg nginx -c "$d/nginx.conf" -p "$d" -e "$d/error.log"
	SERVER=nginx
}

start_python() {
	# http.server logs each request on stderr: the client's address first.
	it_host_bg "$IT_PY" -m http.server --bind "$H" --directory "$WWW" "$PORT" \
		2>>"$ACCESS" >/dev/null
	SERVER="python http.server"
}

if command -v nginx >/dev/null 2>&1; then
	start_nginx
else
	echo "nginx is not installed (scripts/deps installs it): using python's http.server"
	start_python
fi
for ((i = 0; i < 100; i++)); do
	it_host ss -Htln "( sport = :$PORT )" | grep -q . && break
	sleep 0.1
done
it_host ss -Htln "( sport = :$PORT )" | grep -q . || it_fail "$SERVER does not listen on $H:$PORT"
it_log "$SERVER listens on $H:$PORT"

# Linux's TIME-WAIT sockets of the server port, by peer.
server_time_wait() {
	it_host ss -Htan state time-wait "( sport = :$PORT )"
}

echo "== 1. keepalive, 20 connections, 5 s against $SERVER"
: >"$ACCESS"
it_load "$IT_TMP/l1.log" --connect "$H:$PORT" --mode keepalive --connections 20 \
	--duration 5 || it_fail "berth-load reported errors or no request"
"${CHECK[@]}" result "$IT_TMP/l1.log" --min-requests 20 --errors 0 || it_fail "keepalive run"
sleep 1 # the server's log
"${CHECK[@]}" access "$ACCESS" --result "$IT_TMP/l1.log" --addrs "$S" ||
	it_fail "the server's view of the keepalive run"

echo "== 2. close, 20 connections from 4 source addresses, 5 s against $SERVER"
: >"$ACCESS"
it_load "$IT_TMP/l2.log" --connect "$H:$PORT" --mode close --connections 20 \
	--duration 5 --ip-count 4 || it_fail "berth-load reported errors or no request"
"${CHECK[@]}" result "$IT_TMP/l2.log" --min-requests 20 --min-conns 20 --errors 0 \
	--sources 4 --even || it_fail "close run"
ADDRS=$("$IT_PY" -c 'import ipaddress, sys
b = ipaddress.ip_address(sys.argv[1])
print(",".join(str(b + i) for i in range(4)))' "$S")
sleep 1
"${CHECK[@]}" access "$ACCESS" --result "$IT_TMP/l2.log" --addrs "$ADDRS" ||
	it_fail "the server's view of the close run"
server_time_wait >"$IT_TMP/tw.txt"
"${CHECK[@]}" tw "$IT_TMP/tw.txt" --addrs "$ADDRS" || it_fail "TIME-WAIT on the server"

echo "== 3. ephemeral ports run out: 32 ports, berth closes first (TIME-WAIT 60 s)"
if [ "$SERVER" != nginx ]; then
	# berth's FIN must go first; http.server closes every connection itself.
	echo "  skipped: needs a server that keeps connections open (nginx)"
else
	rc=0
	it_load "$IT_TMP/l3.log" --connect "$H:$PORT" --mode close --client-close --connections 4 \
		--duration 2 --ephemeral 40000-40031 --quiet || rc=$?
	[ "$rc" -eq 1 ] || it_fail "berth-load should exit 1 when ports run out (exit $rc)"
	"${CHECK[@]}" result "$IT_TMP/l3.log" --min-requests 32 --error "port_exhausted=>0" \
		--error refused=0 --error reset=0 --error bad_response=0 --per-source 32 ||
		it_fail "exhaustion with one address"
	rc=0
	it_load "$IT_TMP/l4.log" --connect "$H:$PORT" --mode close --client-close --connections 4 \
		--duration 2 --ephemeral 40100-40131 --src "$S" --src "${S%.*}.$((${S##*.} + 10))" \
		--src "${S%.*}.$((${S##*.} + 11))" --quiet || rc=$?
	[ "$rc" -eq 1 ] || it_fail "berth-load should exit 1 when ports run out (exit $rc)"
	"${CHECK[@]}" result "$IT_TMP/l4.log" --min-requests 96 --error "port_exhausted=>0" \
		--error refused=0 --error reset=0 --error bad_response=0 --sources 3 \
		--per-source 32 ||
		it_fail "exhaustion with three addresses"
fi

echo "== 4. echo mode: 10 connections, 1000 bytes a request, against tcp_server.py"
it_host_bg "$IT_PY" "$IT_DIR_SRC/tcp_server.py" --addr "$H" --port 5007 \
	--ready "$IT_TMP/echo.ready" --log "$IT_TMP/echo.log"
for ((i = 0; i < 100; i++)); do
	[ -s "$IT_TMP/echo.ready" ] && break
	sleep 0.1
done
[ -s "$IT_TMP/echo.ready" ] || it_fail "tcp_server.py did not start"
it_load "$IT_TMP/l5.log" --connect "$H:5007" --mode echo --size 1000 --connections 10 \
	--duration 3 || it_fail "berth-load reported errors or no request"
"${CHECK[@]}" result "$IT_TMP/l5.log" --min-requests 10 --errors 0 || it_fail "echo run"

echo "== 5. a port nobody listens on: refused, counted"
rc=0
it_load "$IT_TMP/l6.log" --connect "$H:5999" --mode close --connections 2 --duration 1 \
	--quiet || rc=$?
[ "$rc" -eq 1 ] || it_fail "berth-load should exit 1 when every connect is refused (exit $rc)"
"${CHECK[@]}" result "$IT_TMP/l6.log" --error "refused=>0" --error port_exhausted=0 ||
	it_fail "refused connections"
[ "$("${CHECK[@]}" field "$IT_TMP/l6.log" requests)" -eq 0 ] ||
	it_fail "requests done on a closed port"
it_pass
