#!/usr/bin/env bash
# Set-up, build, a brief fuzzing round of every target, and the whole test suite (what CI runs).
# EDGE_FUZZ_SECONDS sets the fuzzing time per target (default 10; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
fuzz_seconds=${EDGE_FUZZ_SECONDS:-10}
if ((fuzz_seconds > 0)); then
  ./scripts/fuzz.sh "$fuzz_seconds"
fi
build_dir=${BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure -j"$(nproc)" "$@"
