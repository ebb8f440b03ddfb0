#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# berth-httpd answers Linux clients: GET, HEAD, index.html, 301 for a
# directory, 404, HTTP/1.0 and Connection: close, pipelining, a request
# sent byte by byte, Date and Content-Type, /stats as JSON (httpd_it.py
# basic); curl reuses one connection for two URLs (its "Re-using existing
# connection" and a single passive open in the stack's counters). Then the
# built-in page of a server without --root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init httpd_basic curl
it_up
root=$IT_TMP/root
mkdir -p "$root/dir"
echo "hello from berth-httpd" >"$root/hello.txt"
echo "<h1>index of the test root</h1>" >"$root/index.html"
echo "<p>dir index</p>" >"$root/dir/index.html"
echo '{"json": 1}' >"$root/data.json"
head -c 1000 /dev/urandom >"$root/blob"
it_start_httpd --root "$root"
it_httpd_py basic --root "$root" || it_fail "HTTP checks failed"

echo "== curl: keep-alive reuse of one connection for two URLs"
url=http://$TESTNET_STACK_IP
c0=$(it_counters)
out=$(it_host curl -sv --max-time 10 "$url/hello.txt" "$url/data.json" 2>&1) ||
	it_fail "curl failed: $out"
grep -q 'Re-using existing connection' <<<"$out" ||
	it_fail "curl did not reuse its connection: $out"
grep -q '^hello from berth-httpd' <<<"$out" || it_fail "first body missing"
grep -q '"json": 1' <<<"$out" || it_fail "second body missing"
c1=$(it_counters)
opens=$(($(it_httpd_counter "$c1" stack tcp_passive_opens) - $(it_httpd_counter "$c0" stack tcp_passive_opens)))
echo "  curl: 'Re-using existing connection'; passive opens for two URLs: $opens"
[ "$opens" -eq 1 ] || it_fail "expected one TCP connection for two URLs, saw $opens"
head=$(it_host curl -sI --max-time 10 "$url/hello.txt") || it_fail "curl -I failed"
grep -qi '^content-length: 23' <<<"$head" || it_fail "HEAD: $head"
it_stop_httpd

echo "== no --root: the built-in page"
it_start_httpd
it_httpd_py builtin || it_fail "built-in page checks failed"
it_stop_httpd
it_pass
