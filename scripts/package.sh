#!/usr/bin/env bash
# Builds the two .deb packages from build/ into build/package/ and prints their paths:
#   edge-node_<version>_<arch>.deb  the node for a device: edge-node, its compile worker, the unit,
#                                   /etc/edge-node/edge-node.conf, a logrotate rule; no compiler
#   edge_<version>_<arch>.deb       the CLI, SDK, templates and docs, with the WASI toolchain
# Install the node alone on a device, or both on a developer's machine:
#   apt-get install ./build/package/edge-node_*.deb
#   apt-get install ./build/package/edge-node_*.deb ./build/package/edge_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
./scripts/build.sh >/dev/null
rm -f "$build_dir"/package/edge*.deb
(cd "$build_dir" && cpack -G DEB -B package >/dev/null)
ls "$build_dir"/package/edge-node_*.deb "$build_dir"/package/edge_*.deb
