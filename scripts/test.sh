#!/usr/bin/env bash
# Set-up, build, the style and static checks, a brief fuzzing round of every target, and the
# whole test suite (what CI runs).
# EDGE_FUZZ_SECONDS sets the fuzzing time per target (default 10; 0 skips it).
#
#   ./scripts/test.sh --quick [ctest args]   the loop while you work: no set-up, no fuzzing, an
#                                            incremental build and the in-process suites (under a
#                                            minute), e.g. ./scripts/test.sh --quick -R manifest
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
if [[ "${1:-}" == "--quick" ]]; then
  quick=true
  shift
fi
$quick || ./scripts/setup.sh
./scripts/build.sh
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
  exec ctest --output-on-failure -j"$(nproc)" -L 'unit|sdk|engine|wasm|fuzz' -LE e2e "$@"
fi
ctest --output-on-failure -j"$(nproc)" "$@"
