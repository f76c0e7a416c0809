#!/bin/sh
# srcbind demo: an unmodified curl connects from the source address srcbind's
# rule chooses, without root and without touching the routing table.
#
#   demo/run-demo.sh            (from anywhere; as root on a fresh Debian 12 it
#                                installs what is missing first)
#   demo/run-demo.sh --srcbind /usr/bin/srcbind
#                               the same with an installed srcbind (the Debian
#                               package, cmake --install): nothing is built
#
# It builds ./build (srcbind and libsrcbind.so) if needed, starts a tiny TCP
# server on 127.0.0.1 that reports each peer's address, and runs curl against it
# once without and once with srcbind, using the rule
#
#   [rule demo]
#   destination = 127.0.0.1
#   source = 127.0.0.2        (all of 127.0.0.0/8 is on lo)
#
# A rule file rather than `srcbind -s 127.0.0.2` (which would do the same: a
# loopback quick-mode source applies to loopback destinations), to show the
# format users write.
#
# Exit status 0 when the server saw 127.0.0.2 with srcbind, non-zero otherwise.
set -eu

installed=""
case "${1-}" in
  --srcbind)
    [ $# -eq 2 ] || { echo "usage: run-demo.sh [--srcbind PATH]" >&2; exit 2; }
    installed=$2 ;;
  "") ;;
  *) echo "usage: run-demo.sh [--srcbind PATH]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build"
packages="cmake g++ pkg-config libinih-dev libgtest-dev libbenchmark-dev libboost-dev curl python3"
commands="cmake g++ pkg-config curl python3"
if [ -n "$installed" ]; then
  packages="curl python3"
  commands=$packages
fi

say() { printf '%s\n' "$*"; }
die() { printf 'run-demo: %s\n' "$*" >&2; exit 1; }

# --- 1. build dependencies (Debian) --------------------------------------------
if command -v dpkg >/dev/null 2>&1; then
  missing=""
  for p in $packages; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      die "missing packages:$missing (run as root, or: sudo apt-get install$missing)"
    fi
    say "== installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086  # one word per package
    apt-get install -y -q --no-install-recommends $missing >/dev/null
  fi
else
  for c in $commands; do
    command -v "$c" >/dev/null 2>&1 || die "not a Debian system and $c is missing"
  done
fi

# --- 2. build -----------------------------------------------------------------
if [ -n "$installed" ]; then
  srcbind=$installed
  [ -x "$srcbind" ] || die "$srcbind is not an executable"
  say "== using the installed $srcbind ($("$srcbind" --version))"
else
  if [ ! -f "$build/CMakeCache.txt" ]; then
    say "== configuring $build"
    cmake -S "$root" -B "$build" >/dev/null
  fi
  say "== building srcbind and libsrcbind.so in $build"
  cmake --build "$build" -j2 --target srcbind srcbind_preload >/dev/null ||
    die "build failed: cmake --build $build --target srcbind srcbind_preload"
  srcbind="$build/bin/srcbind"
  [ -x "$srcbind" ] || die "$srcbind was not built"
  [ -f "$build/lib/libsrcbind.so" ] || die "$build/lib/libsrcbind.so was not built"
fi

# --- 3. a server that reports its peers -----------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/srcbind-demo.XXXXXX")
server_pid=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 "$here/peer_server.py" "$tmp/port" 120 >"$tmp/server.log" 2>&1 &
server_pid=$!

# Wait for the port file, at most 10 s; give up early if the server died.
tries=0
while [ ! -s "$tmp/port" ]; do
  kill -0 "$server_pid" 2>/dev/null || die "the server exited: $(cat "$tmp/server.log")"
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || die "the server did not start listening within 10 s"
  sleep 0.1
done
port=$(cat "$tmp/port")
url="http://127.0.0.1:$port/"

cat >"$tmp/demo.ini" <<INI
; srcbind demo: connections to 127.0.0.1 leave from 127.0.0.2
[rule demo]
destination = 127.0.0.1
source = 127.0.0.2
INI

# --- 4. curl, without and with srcbind -----------------------------------------
# --noproxy: an http_proxy in the environment must not carry the request away.
without=$(curl -sS --max-time 5 --noproxy '*' "$url") || die "curl without srcbind failed"
with=$("$srcbind" -v -c "$tmp/demo.ini" -- curl -sS --max-time 5 --noproxy '*' "$url" 2>"$tmp/srcbind.err") || {
  cat "$tmp/srcbind.err" >&2
  die "curl with srcbind failed"
}

say ""
say "server on 127.0.0.1:$port; each connection is answered with its peer address"
say ""
say "  without srcbind:  $without      curl $url"
say "  with srcbind:     $with      srcbind -c demo.ini -- curl $url"
say ""
say "what srcbind -v printed (libsrcbind.so logs one line per decision):"
sed 's/^/  /' "$tmp/srcbind.err"
say ""
say "srcbind --explain -c demo.ini 127.0.0.1:$port"
"$srcbind" --explain -c "$tmp/demo.ini" "127.0.0.1:$port" | sed 's/^/  /'
say ""
say "the server's log:"
sed 's/^/  /' "$tmp/server.log"
say ""

if [ "$with" = "127.0.0.2" ]; then
  say "OK: with srcbind the server saw 127.0.0.2 (without it: $without)"
  exit 0
fi
say "FAILED: with srcbind the server saw '$with', expected 127.0.0.2" >&2
exit 1
