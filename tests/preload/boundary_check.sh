#!/usr/bin/env bash
# The code linked into libsrcbind.so (its own and config/'s) calls the functions
# the library interposes only through its table of real functions
# (preload/real_functions.hpp), never through the PLT: a PLT call would land in
# the library's own hook. Checked on the built library: no call relocation
# (JUMP_SLOT) names an interposed function. Taking a hook's address for the
# deep-bind redirection (preload/deep_bind.cpp) is a data relocation, not a call.
set -euo pipefail
lib=$1
hooked='connect|sendto|sendmsg|sendmmsg|socket|bind|setsockopt|close|dup|dup2|dup3|fcntl|fcntl64|accept|accept4|close_range|closefrom|dlopen'
calls=$(readelf -rW "$lib" | awk '$3 ~ /JUMP_SLOT$/ { print $5 }' | sed 's/@.*//' | grep -Ex "$hooked" || true)
if [[ -n $calls ]]; then
  echo "FAIL: libsrcbind.so calls interposed functions through the PLT (its own hooks): $(echo $calls)"
  exit 1
fi
echo "boundary: no call from inside the library reaches an interposed function through the PLT"
