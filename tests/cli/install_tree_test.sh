#!/bin/sh
# install_tree_test.sh BUILD_DIR
#
# `cmake --install BUILD --prefix P` gives the SPEC's layout, and the installed
# P/bin/srcbind finds the installed P/lib/libsrcbind.so, not the build tree's.
set -eu

build=${1:?usage: install_tree_test.sh BUILD_DIR}
prefix=$(mktemp -d "${TMPDIR:-/tmp}/srcbind-install-test.XXXXXX")
trap 'rm -rf "$prefix"' EXIT INT TERM
prefix=$(cd "$prefix" && pwd -P)   # srcbind resolves /proc/self/exe: no symbolic links

fail() { echo "install_tree_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null

for f in bin/srcbind lib/libsrcbind.so share/man/man1/srcbind.1 share/man/man5/srcbind.ini.5 \
         share/doc/srcbind/examples/client-ftp.ini share/bash-completion/completions/srcbind; do
  [ -e "$prefix/$f" ] || fail "not installed: $prefix/$f"
done

env_lines=$(env -u LD_PRELOAD -u SRCBIND_CONFIG "$prefix/bin/srcbind" --print-env -s 127.0.0.1) ||
  fail "--print-env failed"
expected="export LD_PRELOAD='$prefix/lib/libsrcbind.so'"
first_line=$(printf '%s\n' "$env_lines" | head -n 1)
[ "$first_line" = "$expected" ] || fail "expected: $expected
got: $first_line"

# The installed command runs a program with the installed library.
out=$(env -u LD_PRELOAD "$prefix/bin/srcbind" -q -s 127.0.0.1 -- sh -c 'echo "$LD_PRELOAD"') ||
  fail "run mode failed"
[ "$out" = "$prefix/lib/libsrcbind.so" ] || fail "run mode set LD_PRELOAD=$out"

"$prefix/bin/srcbind" --check -c "$prefix/share/doc/srcbind/examples/client-ftp.ini" >/dev/null 2>&1 ||
  fail "the installed example does not pass --check"
echo "install tree OK: $prefix"
