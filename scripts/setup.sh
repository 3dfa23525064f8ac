#!/usr/bin/env bash
# Installs every Debian package edge needs. Idempotent and quiet when all is present;
# runs `apt-get update` only when something is missing.
set -euo pipefail

packages=(
  # host build
  cmake g++ make pkg-config
  # the WASI SDK as Debian ships it
  clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32
  # Wasm tooling: validator, interpreter, wasm2c (libwabt.a) and wasm-opt
  wabt binaryen
  # libraries
  libcli11-dev libfmt-dev libyaml-cpp-dev libarchive-dev doctest-dev nlohmann-json3-dev
  libcpp-httplib-dev libsqlite3-dev libssl-dev zlib1g-dev libbrotli-dev
  # tests and benchmarks
  curl nodejs wrk
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
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -v '^$' || true)

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
