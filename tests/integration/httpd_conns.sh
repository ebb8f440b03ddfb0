#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Connections of berth-httpd (httpd_it.py): 1000 idle keep-alive
# connections held at once, all ESTABLISHED in the stack's listing, then
# released with none left; connections over --max-conns closed at once and
# counted; idle, silent, slow-header (slowloris: 408) and non-reading
# clients dropped by their timeouts and counted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
it_init httpd_conns
it_up
root=$IT_TMP/root
mkdir -p "$root"
echo "hello" >"$root/hello.txt"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$root/big.bin"

echo "== 1000 idle connections"
it_start_httpd --root "$root" --idle-timeout 300 --header-timeout 300
it_httpd_py hold --conns 1000 || it_fail "holding 1000 connections failed"
it_stop_httpd

echo "== connection cap"
it_start_httpd --root "$root" --max-conns 8 --idle-timeout 300
it_httpd_py cap --max 8 || it_fail "connection cap checks failed"
it_stop_httpd

echo "== timeouts"
it_start_httpd --root "$root" --idle-timeout 2 --header-timeout 3 --send-timeout 3
it_httpd_py timeouts --grace 30 || it_fail "timeout checks failed"
it_stop_httpd
it_pass
