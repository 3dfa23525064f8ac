#!/usr/bin/env bash
# Installs every Debian package edge needs. Idempotent and quiet when all is present;
# runs `apt-get update` only when something is missing.
set -euo pipefail

packages=(
  # host build; dpkg-dev: the .deb's dependencies are read from the binaries (scripts/package.sh)
  cmake g++ make pkg-config dpkg-dev
  # the WASI SDK as Debian ships it
  clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32
  # Wasm tooling: validator, interpreter, wasm2c (libwabt.a) and wasm-opt
  wabt binaryen
  # the quick compiled tier: tcc as a library (libtcc.a) and its runtime folder (libtcc1.a, headers)
  tcc libtcc-dev
  # llvm-dwarfdump: the tests check the node's own DWARF line reader against it (tests/unit)
  llvm-19
  # libFuzzer and the sanitizers for scripts/fuzz.sh
  libclang-rt-19-dev
  # the style and static checks of scripts/lint.sh
  clang-format-19 clang-tidy-19
  # libraries
  libcli11-dev libfmt-dev libyaml-cpp-dev libarchive-dev doctest-dev nlohmann-json3-dev
  libcpp-httplib-dev libsqlite3-dev libssl-dev zlib1g-dev libbrotli-dev
  # the node's /metrics (prometheus-cpp) and, for its tests, a real Prometheus server and promtool
  prometheus-cpp-dev prometheus
  # the node's HTTP layer and outbound client: Boost.Beast over Boost.Asio (header-only)
  libboost-dev
  # tests and benchmarks (python3: bench/scale.py and bench/footprint.py drive a node)
  curl nodejs npm wrk python3
  # the benchmark's anchor for native HTTP serving (scripts/bench.sh)
  nginx-light
  # tests/dx: the zsh completion script is parsed by zsh itself
  zsh
  # the chart of scripts/bench.sh
  gnuplot-nox
  # the headless browser of the dashboard test (tests/dashboard)
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs may come from another repository under the same name; any node binary will do.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
fi
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -v '^$' || true)

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# mimik's official image packager, for the packager compatibility test (tests/node). From the npm
# registry into .cache/npm (git-ignored); skipped when that exact version is already there.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packager_json=$repo_root/.cache/npm/node_modules/@mimik/edge-ms-packager/package.json
if ! grep -qs '"version": "1.1.5"' "$packager_json"; then
  echo "setup: installing @mimik/edge-ms-packager@1.1.5 into .cache/npm"
  npm install --prefix "$repo_root/.cache/npm" --no-audit --no-fund --loglevel=error \
    @mimik/edge-ms-packager@1.1.5 >/dev/null
fi
