#!/usr/bin/env bash
# The per-call layout of libsrcbind.so (preload/hot_path.hpp, hot_text.ld), checked
# on the built library: the hooks and their fast paths in one code page, the
# rule lookup starting a page of its own after the full way's pages; the
# data every hook reads, and the first entries of the fd table, in one page;
# and the constructor's code in one page (what a process that never uses the
# network runs of the library).
# A function that falls out of its page costs a page walk per call on machines
# with page-table isolation (bench/README.md), and nothing else would notice.
set -euo pipefail
lib=$1
page=4096
fail=0

section_start() {   # the address of section $1, in decimal
  local hex
  hex=$(readelf -SW "$lib" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v s="$1" '$1 == s { print $3; exit }')
  [[ -n $hex ]] && echo $((16#$hex))
}
text=$(section_start srcbind_hot_text || true)
data=$(section_start srcbind_hot_data || true)
[[ -n $text && -n $data ]] || { echo "FAIL: the library has no srcbind_hot_text / srcbind_hot_data section"; exit 1; }
((text % page == 0)) || { echo "FAIL: srcbind_hot_text does not start a page"; fail=1; }
((data % page == 0)) || { echo "FAIL: srcbind_hot_data does not start a page"; fail=1; }

symbols=$(nm -C "$lib")
address_of() {   # the first symbol of a type in $2 (nm's letters) whose demangled name starts with $1, in decimal
  local hex
  hex=$(awk -v name="$1" -v types="$2" 'index(types, substr($0, 18, 1)) && index(substr($0, 20), name) == 1 &&
                                        (substr($0, 20 + length(name), 1) ~ /^[(]?$/) { print $1; exit }' <<<"$symbols")
  [[ -n $hex ]] && echo $((16#$hex))
}
expect_in_page() {   # NAME FIRST_BYTE: code, or data when FIRST_BYTE is the data page
  local at types=tTwW
  [[ $2 == "$data" ]] && types=bBdD
  at=$(address_of "$1" "$types" || true)
  if [[ -z $at ]]; then
    echo "ok: $1 is inlined into its caller"
  elif ((at >= $2 && at < $2 + page)); then
    echo "ok: $1 in its page"
  else
    printf 'FAIL: %s at 0x%x, outside the page at 0x%x\n' "$1" "$at" "$2"
    fail=1
  fi
}
for f in connect sendto socket bind close setsockopt srcbind::preload::hook_sendto srcbind::preload::hook_connect \
         srcbind::preload::Runtime::find srcbind::decide srcbind::preload::real::connect \
         srcbind::preload::real::sendmsg; do
  expect_in_page "$f" "$text"
done
# The lookup starts a page after the full way's (hot_text.ld), wherever that ends.
lookup=$(address_of srcbind::preload::Runtime::look_up tTwW || true)
if [[ -z $lookup ]] || ((lookup % page != 0 || lookup <= text)); then
  echo "FAIL: srcbind::preload::Runtime::look_up does not start a page after the hooks' page"
  fail=1
else
  expect_in_page srcbind::Matcher::find_index "$lookup"
  expect_in_page srcbind::Matcher::find_index_v4 "$lookup"
fi
start=$(section_start srcbind_start_text || true)
if [[ -z $start ]]; then
  echo "FAIL: the library has no srcbind_start_text section"
  fail=1
else
  for f in srcbind::preload::capture_start srcbind::preload::Runtime::take_snapshot; do
    expect_in_page "$f" "$start"
  done
fi
expect_in_page "srcbind::preload::runtime_state" "$data"
expect_in_page "srcbind::preload::runtime_instance" "$data"
expect_in_page "srcbind::preload::fd_table::detail::g_flags" "$data"
((fail == 0)) && echo "hot layout: as designed"
exit $fail
