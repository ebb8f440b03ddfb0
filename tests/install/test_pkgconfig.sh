#!/bin/bash
# Install berth into a scratch prefix, then build and run a user's program
# with nothing but `pkg-config --cflags --libs libberth` (static and shared).
set -euo pipefail
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

DESTDIR="$work/root" meson install -C "$build_dir" --quiet --no-rebuild
prefix=$(meson introspect "$build_dir" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
libdir=$(meson introspect "$build_dir" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"][0])')
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
root=$work/root
export PKG_CONFIG_PATH=$root$libdir/pkgconfig
# As if installed with --prefix=<scratch>: only libberth.pc moves, DPDK's
# own .pc stays where Debian put it.
sed -i "s|^prefix=.*|prefix=$root$prefix|" "$PKG_CONFIG_PATH/libberth.pc"
pc() { pkg-config "$@"; }

echo "pkg-config --cflags --libs libberth: $(pc --cflags --libs libberth)"
# shellcheck disable=SC2046
cc -o "$work/user_shared" "$src_dir/user_app.c" $(pc --cflags --libs libberth)
LD_LIBRARY_PATH=$root$libdir "$work/user_shared"
# shellcheck disable=SC2046
cc -o "$work/user_static" "$src_dir/user_app.c" $(pc --cflags libberth) \
	"$root$libdir/libberth.a" $(pkg-config --libs libdpdk libsodium) -lnuma
"$work/user_static"
echo "pkg-config: shared and static user builds ran"
