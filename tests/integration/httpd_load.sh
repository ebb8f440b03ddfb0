#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# berth-httpd under load from Linux tools: wrk, 10 s with 100 keep-alive
# connections, no socket error and no non-2xx answer; ab, 2000 requests
# 20 at a time, a connection each (HTTP/1.0), none failed; a 50 MB file
# with the same SHA-256 as on disk, twice at once (one mapping shared).
# Prints requests/s and the transfer time; timing decides nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init httpd_load curl wrk ab sha256sum
it_up
root=$IT_TMP/root
mkdir -p "$root"
echo "hello from berth-httpd" >"$root/hello.txt"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$root/big.bin"
url=http://$TESTNET_STACK_IP
it_start_httpd --root "$root" --tcp-msl-ms 2000

echo "== wrk: 10 s, 100 connections"
c0=$(it_counters)
out=$(it_host wrk -t2 -c100 -d10s --timeout 10s "$url/hello.txt" 2>&1) || it_fail "wrk failed: $out"
while IFS= read -r line; do echo "  | $line"; done <<<"$out"
grep -q 'Socket errors' <<<"$out" && it_fail "wrk saw socket errors"
grep -q 'Non-2xx' <<<"$out" && it_fail "wrk saw non-2xx answers"
reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
if [ -z "$reqs" ] || [ "$reqs" -eq 0 ]; then
	it_fail "wrk completed no request"
fi
c1=$(it_counters)
# Clients may reset at the end (wrk does); the server itself never aborts.
for k in responses_4xx responses_5xx conns_aborted timeouts_send; do
	d=$(($(it_httpd_counter "$c1" httpd $k) - $(it_httpd_counter "$c0" httpd $k)))
	[ "$d" -eq 0 ] || it_fail "server counted $d $k during wrk"
done
echo "  wrk: $reqs requests, $(awk '/Requests\/sec/ { print $2 }' <<<"$out") requests/s"

echo "== ab: 2000 requests, 20 at a time, a connection each"
out=$(it_host ab -n 2000 -c 20 "$url/hello.txt" 2>&1) || it_fail "ab failed: $out"
grep -E 'Complete requests|Failed requests|Non-2xx|Requests per second|Time per request' \
	<<<"$out" | sed 's/^/  | /'
grep -Eq '^Complete requests: +2000$' <<<"$out" || it_fail "ab did not complete 2000"
grep -Eq '^Failed requests: +0$' <<<"$out" || it_fail "ab saw failed requests"
grep -q 'Non-2xx' <<<"$out" && it_fail "ab saw non-2xx answers"

echo "== 50 MB file, twice at once"
want=$(sha256sum <"$root/big.bin" | cut -d' ' -f1)
for i in 1 2; do
	it_host curl -s --max-time 120 -o "$IT_TMP/got$i" \
		-w "  curl $i: %{http_code} %{size_download} bytes in %{time_total} s (%{speed_download} B/s)\n" \
		"$url/big.bin" >"$IT_TMP/curl$i.out" &
	IT_BG_PIDS+=("$!")
done
wait "${IT_BG_PIDS[@]}" || it_fail "a download failed"
IT_BG_PIDS=()
cat "$IT_TMP/curl1.out" "$IT_TMP/curl2.out"
for i in 1 2; do
	got=$(sha256sum <"$IT_TMP/got$i" | cut -d' ' -f1)
	[ "$got" = "$want" ] || it_fail "download $i: SHA-256 $got, expected $want"
done
echo "  both downloads: SHA-256 $want, as on disk"
c2=$(it_counters)
maps=$(($(it_httpd_counter "$c2" files maps) - $(it_httpd_counter "$c1" files maps)))
echo "  the file was mapped $maps time(s) for two downloads"
[ "$maps" -le 1 ] || it_fail "the 50 MB file was mapped $maps times"
it_stop_httpd
it_pass
