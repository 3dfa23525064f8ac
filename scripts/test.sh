#!/usr/bin/env bash
# Set-up, build, the style and static checks, a brief fuzzing round of every target, and the
# whole test suite (what CI runs).
# EDGE_FUZZ_SECONDS sets the fuzzing time per target (default 10; 0 skips it).
#
#   ./scripts/test.sh --quick [ctest args]   the loop while you work: no set-up, no fuzzing, an
#                                            incremental build and the in-process suites (under a
#                                            minute), e.g. ./scripts/test.sh --quick -R manifest
#   ./scripts/test.sh --under-load [...]     the same run with two CPU-bound processes beside the
#                                            fuzzing and the tests, started and stopped here: the
#                                            suite asserts properties, not figures, so it must pass
#                                            on a busy machine too (combines with --quick)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
under_load=false
while [[ "${1:-}" == "--quick" || "${1:-}" == "--under-load" ]]; do
  [[ "$1" == "--quick" ]] && quick=true
  [[ "$1" == "--under-load" ]] && under_load=true
  shift
done
$quick || ./scripts/setup.sh
./scripts/build.sh
load_pids=()
stop_load() { ((${#load_pids[@]} == 0)) || kill "${load_pids[@]}" 2>/dev/null || true; }
trap stop_load EXIT
if $under_load; then
  for _ in 1 2; do
    (while :; do :; done) &
    load_pids+=($!)
  done
  echo "test: under load: two CPU-bound processes (${load_pids[*]}) run beside the suite"
fi
# Style and static checks (scripts/lint.sh): the format alone in the quick loop, tidy too here.
if $quick; then ./scripts/lint.sh --format; else ./scripts/lint.sh; fi
fuzz_seconds=${EDGE_FUZZ_SECONDS:-10}
if ! $quick && ((fuzz_seconds > 0)); then
  ./scripts/fuzz.sh "$fuzz_seconds"
fi
build_dir=${BUILD_DIR:-build}
cd "$build_dir"
if $quick; then
  # unit: edge_core and the CLI library; sdk/engine: the SDK and the engines without a node.
  ctest --output-on-failure -j"$(nproc)" -L 'unit|sdk|engine|wasm|fuzz' -LE e2e "$@"
  exit
fi
ctest --output-on-failure -j"$(nproc)" "$@"
