#!/usr/bin/env bash
# Builds a Release tree and runs every benchmark: the matcher micro-benchmark
# (Google Benchmark) and srcbind_bench (the library in real processes, side by
# side with the best a program can do itself). Writes bench-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target srcbind_bench startup_bench matcher_benchmark srcbind_preload srcbind

out=bench-results.md
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, kernel $(uname -r), $(ldd --version | head -1 | sed 's/^ldd //')."
  echo
} >"$out"
echo "== matcher (Google Benchmark)"
build-release/bin/matcher_benchmark --benchmark_min_time=0.2 | tee -a /dev/stderr | grep -E "^(lookup|load)" >>"$out" || true
echo >>"$out"
# A benchmark whose targets are not all met says so and exits 1; the others
# still run, and this script exits 1 at the end.
status=0
echo "== srcbind_bench"
build-release/bin/srcbind_bench --rounds "${ROUNDS:-51}" | tee -a "$out" || status=1
echo >>"$out"
echo "== startup_bench"
{ echo "Start-up and the first connection (startup_bench):"; echo; } >>"$out"
build-release/bin/startup_bench --rounds "${STARTUP_ROUNDS:-41}" | tee -a "$out" || status=1

# The kernel backend (bench/README.md, "Kernel backend"): root only, else it says
# why and adds nothing.
echo "== kernel_bench"
{ echo; echo "Kernel backend (srcbind --kernel):"; echo; } >>"$out"
if cmake --build build-release --target help | grep kernel_bench >/dev/null; then
  cmake --build build-release -j"$(nproc)" --target kernel_bench srcbind
  build-release/bin/kernel_bench --rounds "${KERNEL_ROUNDS:-21}" | tee -a "$out" || status=1
else
  echo "kernel_bench: skipped: built without the kernel backend (SRCBIND_KERNEL_BACKEND)" | tee -a "$out"
fi
echo "written: $out"
exit "$status"
