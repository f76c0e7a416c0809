#!/usr/bin/env bash
# Runs the README's install block verbatim in a fresh clone of this repository's
# committed tree, then proves the installed command and library work: a program
# run under the installed `srcbind` leaves from the quick-mode source. Removes
# what it installed. Root only (the block installs to /usr/local).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ $(id -u) -ne 0 ]]; then
  echo "check-install-block: skipped: needs root (the README's block installs to /usr/local)"
  exit 0
fi
work=$(mktemp -d /tmp/srcbind-install-block.XXXXXX)
cleanup() {
  if [[ -f $work/src/build/install_manifest.txt ]]; then
    xargs -d '\n' rm -f -- <"$work/src/build/install_manifest.txt"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

git clone -q "$repo" "$work/src"
# The block between the README's markers, as a user would paste it.
block=$(sed -n '/<!-- install-block:begin -->/,/<!-- install-block:end -->/p' "$repo/README.md" |
        sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
[[ -n $block ]] || { echo "check-install-block: no install block found in README.md" >&2; exit 1; }
printf 'check-install-block: running, in a fresh clone:\n%s\n' "$block"
(cd "$work/src" && bash -euo pipefail -c "$block") >"$work/install.log" 2>&1 ||
  { tail -40 "$work/install.log" >&2; echo "check-install-block: the README's install block failed" >&2; exit 1; }

source_seen=$(/usr/local/bin/srcbind -s 127.0.0.2 -- python3 -c '
import socket
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
client = socket.create_connection(server.getsockname(), timeout=5)
print(server.accept()[1][0])')
if [[ $source_seen != 127.0.0.2 ]]; then
  echo "check-install-block: the installed srcbind did not steer: the server saw $source_seen" >&2
  exit 1
fi
echo "check-install-block: passed (installed tree steers: the server saw $source_seen)"
