#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
# Root-only tests (network namespaces, setuid) run when root and skip, saying
# why, otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 300)
