#!/bin/bash
# Install berth into a scratch prefix, then build and run a user's program
# with nothing but `pkg-config --cflags --libs libberth` (shared and static).
# Fails when a header, the library or the .pc file is missing or wrong, or
# when the program built from them does not pass a datagram between two
# stacks.
set -uo pipefail
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

DESTDIR="$work/root" meson install -C "$build_dir" --quiet --no-rebuild ||
	fail "meson install"
opt() {
	meson introspect "$build_dir" --buildoptions |
		python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]][0])' "$1"
}
prefix=$(opt prefix)
libdir=$(opt libdir)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
root=$work/root

for h in berth.h stack.h socket.h port.h wire.h counters.h; do
	[ -f "$root$prefix/include/berth/$h" ] || fail "header berth/$h not installed"
done
for l in libberth.a libberth.so; do
	[ -e "$root$libdir/$l" ] || fail "$l not installed in $libdir"
done
export PKG_CONFIG_PATH=$root$libdir/pkgconfig
[ -f "$PKG_CONFIG_PATH/libberth.pc" ] || fail "libberth.pc not installed"
# As if installed with --prefix=<scratch>: only libberth.pc moves, DPDK's
# own .pc stays where Debian put it.
sed -i "s|^prefix=.*|prefix=$root$prefix|" "$PKG_CONFIG_PATH/libberth.pc"

flags=$(pkg-config --cflags --libs libberth) || fail "pkg-config libberth"
echo "pkg-config --cflags --libs libberth: $flags"
grep -q -- "-I$root$prefix/include" <<<"$flags" || fail "no -I for berth's headers"
grep -q -- "-lberth" <<<"$flags" || fail "no -lberth"
grep -q -- "-lrte_ethdev" <<<"$flags" || fail "DPDK is not pulled in"

run() {
	local out
	out=$("$@" 2>&1) || fail "$1 exited $?: $out"
	grep -q '^user app received 5 bytes: hello$' <<<"$out" ||
		fail "$1 did not pass the datagram: $out"
}

# shellcheck disable=SC2086
cc -o "$work/user_shared" "$src_dir/user_app.c" $flags || fail "shared build"
LD_LIBRARY_PATH=$root$libdir run "$work/user_shared"
# shellcheck disable=SC2046
cc -o "$work/user_static" "$src_dir/user_app.c" $(pkg-config --cflags libberth) \
	"$root$libdir/libberth.a" $(pkg-config --libs libdpdk libsodium) -lnuma ||
	fail "static build"
run "$work/user_static"
echo "pkg-config: shared and static user builds passed a datagram"
