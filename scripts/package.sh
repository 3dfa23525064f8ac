#!/usr/bin/env bash
# Builds the .deb of edge (the CLI, the node and its compile worker, templates, SDK, dashboard,
# docs) from build/ into build/package/, and prints its path. Install it with
#   apt-get install ./build/package/edge_<version>_<arch>.deb
# which also brings the WASI toolchain `edge build` uses.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
./scripts/build.sh >/dev/null
(cd "$build_dir" && cpack -G DEB -B package >/dev/null)
ls "$build_dir"/package/edge_*.deb
