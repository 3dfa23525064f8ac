#!/usr/bin/env bash
# Cross-builds edge-node, its compile worker and edge for ARM with Debian's own cross toolchains
# and multiarch -dev packages, into build-cross/<arch>/, and with --test runs the suites that
# exercise the node on that machine (engines, compiled tier, node end to end, WASI) under
# qemu-user. Installs what it needs (as root, idempotently), so it works from a clean Debian.
#
#   scripts/cross.sh arm64|armhf                  build
#   scripts/cross.sh arm64|armhf --test [ARGS]    build, then ctest ARGS (default: the four suites)
#   scripts/cross.sh arm64|armhf --package        build, then the two .deb files (build-cross/<arch>/package)
#   scripts/cross.sh arm64|armhf --configure      install what is needed, configure for --test, no build
#
# JOBS sets the build's parallelism (default: every core). The Wasm test modules are the same on
# every machine: --test takes them from the x86-64 build in HOST_BUILD_DIR (default build/),
# building only those there if needed (with the WASI toolchain scripts/setup.sh installs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

arch=${1:-}
case "$arch" in
  arm64) triple=aarch64-linux-gnu qemu=aarch64 ;;
  armhf) triple=arm-linux-gnueabihf qemu=arm ;;
  *) echo "usage: scripts/cross.sh arm64|armhf [--test [ctest args] | --package | --configure]" >&2; exit 2 ;;
esac
shift
mode=build
if [[ "${1:-}" == "--test" || "${1:-}" == "--package" || "${1:-}" == "--configure" ]]; then
  mode=${1#--}
  shift
fi
out=$root/build-cross/$arch
jobs=${JOBS:-$(nproc)}

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive

# --- Debian packages: the cross toolchain, the target's libraries, qemu ---
packages=(crossbuild-essential-"$arch" qemu-user-static binfmt-support)
for p in libfmt-dev libyaml-cpp-dev libarchive-dev libsqlite3-dev libssl-dev zlib1g-dev libbrotli-dev \
  libcpp-httplib-dev libboost-dev prometheus-cpp-dev; do
  packages+=("$p:$arch")
done
# Header-only (Architecture: all), and the host tools the test modules need: as for x86-64.
packages+=(libcli11-dev nlohmann-json3-dev doctest-dev wabt cmake make pkg-config dpkg-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Where the target's libraries come from: installed beside this machine's (multiarch), or, when
# apt cannot do that, the same packages unpacked into build-cross/<arch>/packages (see below).
packages_dir=$out/packages
mkdir -p "$out"  # apt's log goes beside it
# The marker holds the package list it was made for: a list that grew (a new library) redoes it.
wanted="${packages[*]}"
if ((${#missing[@]})) && [[ ! -f $packages_dir/.complete || $(cat "$packages_dir/.complete") != "$wanted" ]]; then
  echo "cross: installing ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx "$arch" || "${sudo_cmd[@]}" dpkg --add-architecture "$arch"
  # A mirror caught mid-sync for one architecture fails the whole update, and apt then keeps that
  # suite's old lists for every architecture: then only the architectures we need are updated.
  if ! "${sudo_cmd[@]}" apt-get update -qq; then
    echo "cross: apt-get update failed for some index; updating for $(dpkg --print-architecture) and $arch only"
    "${sudo_cmd[@]}" apt-get update -qq -o APT::Architectures::="$(dpkg --print-architecture)" \
      -o APT::Architectures::="$arch" || true
  fi
  native=()
  for p in "${missing[@]}"; do [[ $p == *:"$arch" ]] || native+=("$p"); done
  ((${#native[@]} == 0)) || "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${native[@]}" >/dev/null
  # --no-remove: where a target's -dev package cannot sit beside the host's (libyaml-cpp-dev), apt
  # would remove the host's to make room, and the host build would no longer configure. Then it
  # fails instead, and the unpacked-packages path below takes over.
  if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends --no-remove "${missing[@]}" >"$out.apt.log" 2>&1; then
    # Multi-Arch: same libraries must have one version on every architecture; a mirror whose
    # index for the target lags (its security suite, say) cannot give that. The target's
    # packages, with their dependencies, are then unpacked into a folder that the toolchain file
    # searches and qemu runs from (QEMU_LD_PREFIX); this machine's packages stay as they are.
    echo "cross: apt cannot install the $arch libraries beside this machine's ($(grep -m1 -E 'Depends|^E:' "$out.apt.log" | sed 's/^ *//'))"
    echo "cross: unpacking them into $packages_dir instead"
    targets=()
    for p in "${missing[@]}"; do [[ $p != *:"$arch" ]] || targets+=("$p"); done
    # The C library and the kernel headers come with the cross toolchain; Boost is headers only.
    mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances "${targets[@]/libboost-dev/libboost1.74-dev}" libstdc++6:"$arch" 2>/dev/null |
      grep -E "^[a-z0-9].*:$arch\$" | grep -Ev '^(libc6-dev|libc-dev-bin|linux-libc-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|rpcsvc-proto):' | sort -u)
    rm -rf "$packages_dir" "$out/debs"
    mkdir -p "$out/debs"
    chmod 777 "$out/debs"  # apt's sandbox user downloads into it
    (cd "$out/debs" && apt-get download -qq "${closure[@]}" 2>/dev/null)
    for deb in "$out"/debs/*.deb; do dpkg -x "$deb" "$packages_dir"; done
    # Absolute links (/usr/lib/<triple>/libz.so -> /lib/<triple>/...) must point inside the folder.
    find "$packages_dir" -type l -lname '/*' | while read -r link; do
      ln -sfn "$packages_dir$(readlink "$link")" "$link"
    done
    echo "$wanted" >"$packages_dir/.complete"
  fi
fi
cross_cmake=()
run_env=()
if [[ -f $packages_dir/.complete ]]; then
  cross_cmake+=(-DEDGE_CROSS_PACKAGES_DIR="$packages_dir")
  run_env+=(QEMU_LD_PREFIX="$packages_dir")
fi

# --- wabt for the target: Debian's package is not Multi-Arch: same (it cannot sit beside the
# x86-64 one), so its files (libwabt.a, headers, CMake package) are unpacked into a folder ---
wabt_version=$(dpkg-query -W -f='${Version}' wabt)
wabt_dir=$out/wabt
if [[ "$(cat "$wabt_dir/.version" 2>/dev/null)" != "$wabt_version" ]]; then
  rm -rf "$wabt_dir" "$out/wabt-deb"
  mkdir -p "$out/wabt-deb"
  # apt's sandbox user cannot write into a root-owned build tree: download in a folder of its own.
  chmod 777 "$out/wabt-deb"
  (cd "$out/wabt-deb" && apt-get download -qq "wabt:$arch=$wabt_version")
  dpkg -x "$out"/wabt-deb/wabt_*.deb "$wabt_dir"
  echo "$wabt_version" >"$wabt_dir/.version"
fi

# --- qemu-user through binfmt_misc: the node starts its compile worker, an ARM program, by exec ---
if [[ ! -e /proc/sys/fs/binfmt_misc/status ]]; then
  "${sudo_cmd[@]}" mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-$qemu ]]; then
  "${sudo_cmd[@]}" update-binfmts --import "qemu-$qemu" >/dev/null 2>&1 || true
  "${sudo_cmd[@]}" update-binfmts --enable "qemu-$qemu"
fi

# --- configure and build ---
tests=OFF
cmake_args=()
if [[ $mode == test || $mode == configure ]]; then
  tests=ON
  host_build=${HOST_BUILD_DIR:-$root/build}
  wasm_targets=(engine_test_wat engine_test_guests engine_test_templates edge_node_test_modules
    wasi_conformance_programs aot_test_wat aot_probe_wasm)
  if [[ ! -f "$host_build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$host_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  echo "cross: the Wasm test modules, from the x86-64 build in $host_build"
  cmake --build "$host_build" -j"$jobs" --target "${wasm_targets[@]}" >/dev/null
  cmake_args+=(-DEDGE_TEST_WASM_FROM="$host_build/test-wasm")
fi
cmake -S "$root" -B "$out/build" \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$triple.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -Dwabt_DIR="$wabt_dir/usr/lib/$triple/cmake/wabt" \
  -DEDGE_WASM_RT_INCLUDE_DIR="$wabt_dir/usr/include" \
  -DEDGE_BUILD_BENCH=OFF -DEDGE_BUILD_TESTS=$tests "${cross_cmake[@]}" "${cmake_args[@]}" >/dev/null
[[ $mode != configure ]] || exit 0
targets=(edge-node edge-aot-compile)
if [[ $tests == OFF ]]; then
  targets+=(edge)
else
  # The suites that run the node; edge (the CLI) is a build tool, tested where it builds.
  targets+=(engine_tests aot_test edge_node_tests wasi_conformance_tests)
fi
echo "cross: building ${targets[*]} for $arch in $out/build"
# The build runs target programs too (doctest's discovery, edge's completion scripts): qemu must
# find the unpacked libraries then as well.
((${#run_env[@]} == 0)) || export "${run_env[@]}"
status=0
cmake --build "$out/build" -j"$jobs" --target "${targets[@]}" >"$out/build.log" 2>&1 || status=$?
grep -Ev '^\[ *[0-9]+%\]|^-- |Scanning dependencies|Built target|Consolidate compiler' "$out/build.log" || true
((status == 0)) || { echo "cross: the build failed (the whole log: $out/build.log)" >&2; exit 1; }
file -b "$out/build/bin/edge-node" | cut -d, -f1-2

case $mode in
  test)
    cd "$out/build"
    # The compiled tier's C compiler is the target's: the cross gcc runs here and emits ARM code,
    # the stand-in for the device's own gcc (the node takes $CC).
    export CC=$triple-gcc
    if (($#)); then
      ctest --output-on-failure -j"$jobs" "$@"
    else
      ctest --output-on-failure -j"$jobs" -L 'engine|aot|node|wasi'
    fi
    ;;
  package)
    cd "$out/build"
    cmake --build . -j"$jobs" >/dev/null  # everything the package installs
    cpack_args=()
    if [[ -f $packages_dir/.complete ]]; then
      # dpkg-shlibdeps reads library dependencies from dpkg's database, where unpacked packages
      # are not: each package's Depends are taken from the packages that hold its binaries' libraries.
      lib_depends() {  # BINARY... -> ", pkg (>= version)" for each library package they load
        local lib deb pkg needed
        declare -A seen=()
        mapfile -t needed < <(for b in "$@"; do
          "$triple-readelf" -d "bin/$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'; done | sort -u)
        for lib in "${needed[@]}"; do
          for deb in "$out"/debs/*.deb; do
            pkg=$(dpkg-deb -f "$deb" Package)
            [[ $pkg != *-dev ]] || continue
            # grep reads the whole listing: with -q, dpkg-deb's SIGPIPE would fail the pipe (pipefail).
            if dpkg-deb -c "$deb" 2>/dev/null | grep -E "\./(usr/)?lib/$triple/${lib//[.+]/\\&}( |\$)" >/dev/null; then
              [[ -n ${seen[$pkg]:-} ]] || printf ', %s (>= %s)' "$pkg" "$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')"
              seen[$pkg]=1
              break
            fi
          done
        done
      }
      for component in EDGE:edge NODE:edge-node,edge-aot-compile; do
        name=${component%%:*}
        IFS=, read -ra binaries <<<"${component#*:}"
        depends=$(sed -n "s/^set(CPACK_DEBIAN_${name}_PACKAGE_DEPENDS \"\(.*\)\")$/\1/p" CPackConfig.cmake)
        cpack_args+=(-D "CPACK_DEBIAN_${name}_PACKAGE_DEPENDS=$depends$(lib_depends "${binaries[@]}")")
      done
      cpack_args+=(-D CPACK_DEBIAN_PACKAGE_SHLIBDEPS=OFF)
    fi
    # dpkg-shlibdeps answers for the target's architecture (its objdump, its library folders).
    rm -f "$out"/package/edge*.deb
    DEB_HOST_ARCH=$arch cpack -G DEB -B "$out/package" "${cpack_args[@]}" >/dev/null
    ls "$out"/package/edge-node_*.deb "$out"/package/edge_*.deb
    ;;
esac
