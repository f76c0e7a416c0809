#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
#
#   scripts/run-tests.sh           everything (this is what CI runs)
#   scripts/run-tests.sh --quick   the normal build's tests only (for development)
#
# 1. build/        RelWithDebInfo: unit, integration, root-only namespace suites,
#                  acceptance scenarios
# 2. build-asan/   ASan+UBSan (library included): unit and integration suites
# 3. build-tsan/   TSan (library included): unit and integration suites
# 4. build-fuzz/   clang + libFuzzer: each fuzz target for SRCBIND_FUZZ_SECONDS
#
# Root-only tests (network namespaces, setuid, daemons) run when root and skip,
# saying why, otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[[ ${1:-} == --quick ]] && quick=1

scripts/install-deps.sh
jobs=$(nproc)
started=$SECONDS
stage() { printf '\n=== %s (%ds so far)\n' "$*" $((SECONDS - started)); }

stage "normal build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSRCBIND_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)
((quick)) && exit 0

# The sanitizer builds leave out the acceptance scenarios (real daemons, minutes
# long, nothing of ours that the integration suites do not already run) and the
# benchmarks. TSan builds only what can race: the library and its suites (the
# command is single-threaded; its tests run under ASan).
sanitized() {   # NAME BUILD_TYPE DIR [TARGET...]
  local sanitizer=$1 type=$2 dir=$3
  shift 3
  stage "$sanitizer sanitizer build ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DSRCBIND_SANITIZE="$sanitizer" -DSRCBIND_WERROR=ON \
        -DSRCBIND_BUILD_BENCHMARKS=OFF >/dev/null
  if (($#)); then
    cmake --build "$dir" -j"$jobs" --target "$@"
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600 -E '^acceptance|^cli|^kernel|NOT_BUILT')
  else
    cmake --build "$dir" -j"$jobs"
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600 -E '^acceptance')
  fi
}
# ASan as Debug (quick to compile); TSan optimised (it slows threads a lot).
sanitized address Debug build-asan
sanitized thread RelWithDebInfo build-tsan srcbind_preload config_tests preload_connect_tests preload_datagram_tests \
  preload_netns_tests preload_hostile_tests preload_special_files_tests

if [[ -f fuzz/CMakeLists.txt ]]; then
  stage "fuzzers (clang, libFuzzer)"
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSRCBIND_WERROR=ON \
        -DSRCBIND_BUILD_FUZZERS=ON -DBUILD_TESTING=ON -DSRCBIND_BUILD_BENCHMARKS=OFF \
        -DSRCBIND_FUZZ_SECONDS="${SRCBIND_FUZZ_SECONDS:-30}" >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzz_ini_parser fuzz_matcher
  (cd build-fuzz && ctest --output-on-failure -R '^fuzz\.')
fi
stage "the README's install block, verbatim, in a fresh clone"
scripts/check-install-block.sh

stage "all done"
