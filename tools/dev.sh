#!/usr/bin/env bash
# coati's one entry point for people and CI:
#   tools/dev.sh demo   install what is missing, build, run the demo (seed hub, satellite, roadwarrior)
#   tools/dev.sh test   install what is missing, build (plain, sanitized, fuzz), run every test
#   tools/dev.sh deps | build | build-asan | build-fuzz    the single steps
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
jobs=${JOBS:-$(nproc)}

# Debian 12 packages: build dependencies, then what the tests run against.
build_pkgs=(build-essential g++ cmake ninja-build pkg-config clang libclang-rt-14-dev
  libcaf-dev libssl-dev libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev libldap2-dev
  libpam0g-dev libboost-test-dev libldns-dev)
test_pkgs=(iproute2 iputils-ping procps psmisc openssl kmod nftables cpio busybox-static
  qemu-system-x86 tshark tcpdump strongswan-charon strongswan-swanctl
  libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
  libcharon-extauth-plugins vpnc slapd ldap-utils bind9 bind9-dnsutils pamtester)

deps() {
  local missing=()
  for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# Debug information as line tables only (-g1): enough for perf, heaptrack, ASan reports
# and backtraces (function, file, line), and it compiles about a quarter faster than -g,
# which keeps a CI run under an hour. For variables in gdb, configure a build of your own
# with -DCMAKE_BUILD_TYPE=Debug (or pass -g through CMAKE_CXX_FLAGS).
build() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
  cmake --build build -j "$jobs"
}

build_asan() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCOATI_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_DEBUG="-g1"
  cmake --build build-asan -j "$jobs"
}

build_fuzz() {
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOATI_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++
  cmake --build build-fuzz -j "$jobs"
}

run_tests() {
  local rc=0
  # Benchmarks (label bench) print figures and assert nothing: they have their own commands
  # (README, "Benchmarks"), not part of the test run.
  echo "== tests (plain build)"
  (cd build && ctest --output-on-failure -j "$jobs" -LE 'fuzz|bench') || rc=1
  echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build)"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j "$jobs" -LE 'fuzz|vm|bench') || rc=1
  echo "== fuzzing"
  (cd build-fuzz && ctest --output-on-failure -j "$jobs" -L fuzz) || rc=1
  return $rc
}

case "${1:-}" in
  deps) deps ;;
  build) deps; build ;;
  build-asan) deps; build_asan ;;
  build-fuzz) deps; build_fuzz ;;
  demo) deps; build; exec tools/demo.sh "$top/build" ;;
  test) deps; build; build_asan; build_fuzz; run_tests ;;
  *) sed -n '2,6p' "$0"; exit 2 ;;
esac
