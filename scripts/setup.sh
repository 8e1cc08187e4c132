#!/usr/bin/env bash
# Installs the Debian packages jobctl needs (only those missing), then
# configures (CMake + Ninja) and builds. Idempotent; quiet when nothing changed.
#   scripts/setup.sh            what building and using jobctl needs: the
#                               programs, the library, the man pages
#   scripts/setup.sh --tests    also what the tests need (GoogleTest, Google
#                               Benchmark, the fuzzers' clang, the shells of
#                               the completion tests...), and builds the test
#                               suites and benchmarks (scripts/test.sh,
#                               sanitize.sh and torture.sh use it)
# Without --tests, a build folder keeps the test setting it was configured
# with (a new one builds none). Extra arguments go to cmake (scripts/sanitize.sh
# passes -DJOBCTL_SANITIZE=...).
#   BUILD_DIR   build folder (default: build/ in the checkout)
#   BUILD_TYPE  CMake build type (default: RelWithDebInfo; what is installed
#               is stripped whatever it is, see JOBCTL_INSTALL_DEBUG)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
build_type=${BUILD_TYPE:-RelWithDebInfo}
tests=0
if [[ ${1:-} == --tests ]]; then
  tests=1
  shift
fi

packages=(g++ cmake ninja-build libcereal-dev libcli11-dev
  cron     # jobctl schedule: crontab(1) and the daemon that runs the schedules
  man-db)  # man jobctl
test_packages=(libgtest-dev libgmock-dev libbenchmark-dev ccache
  clang-format-14      # pinned: scripts/check-format.sh
  pkg-config           # the install test builds against jobctl.pc (tests/install/)
  clang-14 libclang-rt-14-dev llvm-14 python3  # the fuzz targets (scripts/fuzz.sh), check_layers.py
  zsh fish             # the tests of shell completion
  openssh-client openssh-server)  # --on ssh: the tests run an sshd of their own
((tests)) && packages+=("${test_packages[@]}")

"$root/scripts/install-missing.sh" "${packages[@]}"

# Configured every time (a no-op when nothing changed), so a build folder
# left with other options still builds what is asked for.
options=()
((tests)) && options=(-DJOBCTL_BUILD_TESTS=ON -DJOBCTL_BUILD_BENCHMARKS=ON)
command -v ccache >/dev/null && options+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${options[@]}" "$@" >/dev/null
if ninja -C "$build_dir" -n 2>/dev/null | grep -q "no work to do"; then exit 0; fi
echo "setup: building in $build_dir"
cmake --build "$build_dir" -- --quiet
