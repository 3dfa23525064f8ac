#!/usr/bin/env bash
# The code's style and its static checks, as scripts/test.sh runs them:
#   clang-format-19 (.clang-format) on every C and C++ file in the tree, and
#   clang-tidy-19 (.clang-tidy) on the sources of the libraries and tools (not the tests, not the
#   test guests), from the build's compile_commands.json.
#   ./scripts/lint.sh            check both (exit 1 on any finding)
#   ./scripts/lint.sh --fix      rewrite files to the format instead of checking it (tidy still checks)
#   ./scripts/lint.sh --format   the format check alone (seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
mode=${1:-check}
format=$(command -v clang-format-19 || true)
tidy=$(command -v run-clang-tidy-19 || true)
if [[ -z $format || -z $tidy ]]; then
  echo "lint: clang-format-19 and clang-tidy-19 are needed (scripts/setup.sh installs them)" >&2
  exit 1
fi

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
if [[ $mode == --fix ]]; then
  "$format" -i "${sources[@]}"
else
  "$format" --dry-run -Werror "${sources[@]}" || {
    echo "lint: the files above are not formatted as .clang-format says: ./scripts/lint.sh --fix" >&2
    exit 1
  }
  echo "lint: ${#sources[@]} files formatted"
fi
[[ $mode == --format ]] && exit 0

if [[ ! -f $build_dir/compile_commands.json ]]; then
  echo "lint: $build_dir/compile_commands.json is missing: build first (./scripts/build.sh)" >&2
  exit 1
fi
mapfile -t units < <(git ls-files 'cli/*.cpp' 'runtime-stub/*.cpp')
if ! "$tidy" -p "$build_dir" -j "$(nproc)" -quiet "${units[@]}" >"$build_dir/clang-tidy.log" 2>&1; then
  grep -E "(error|warning):" "$build_dir/clang-tidy.log" | sort -u >&2 || cat "$build_dir/clang-tidy.log" >&2
  echo "lint: clang-tidy found the above (full output: $build_dir/clang-tidy.log)" >&2
  exit 1
fi
echo "lint: clang-tidy clean on ${#units[@]} files"
