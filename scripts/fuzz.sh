#!/usr/bin/env bash
# Fuzzes every target with libFuzzer (clang-19, ASan + UBSan) for SECONDS each (default 60),
# starting from the committed seed corpus. A crash is saved under tests/fuzz/crashers/<target>/,
# where the normal test suite replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
./scripts/setup.sh
build=build-fuzz
if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=clang-19 CXX=clang++-19 cmake -S . -B $build -DEDGE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
targets=(manifest image wasm msgpack mcm front_door)
if ! cmake --build $build -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >$build/build.log 2>&1; then
  tail -40 $build/build.log
  echo "fuzz: the fuzz targets did not build (log: $build/build.log)"
  exit 1
fi
status=0
for t in "${targets[@]}"; do
  work=$build/fuzz-corpus/$t
  crashers=tests/fuzz/crashers/$t
  mkdir -p "$work" "$crashers"
  log=$build/fuzz-$t.log
  if "$build/bin/fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
      -rss_limit_mb=2048 -timeout=30 -artifact_prefix="$crashers/" -print_final_stats=1 >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $t = $execs executions in ${seconds}s, no crash"
  else
    echo "fuzz: $t FOUND A CRASH (see $log; input saved in $crashers/)"
    status=1
  fi
done
exit $status
