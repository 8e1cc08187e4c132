#!/usr/bin/env bash
# Installs the Debian packages jobctl needs (only those missing), then
# configures (CMake + Ninja) and builds. Idempotent; quiet when nothing changed.
# Extra arguments go to cmake (scripts/sanitize.sh passes -DJOBCTL_SANITIZE=...).
#   BUILD_DIR   build folder (default: build/ in the checkout)
#   BUILD_TYPE  CMake build type (default: RelWithDebInfo)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
build_type=${BUILD_TYPE:-RelWithDebInfo}

packages=(g++ cmake ninja-build ccache libcereal-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang-format-14      # pinned: scripts/check-format.sh
  pkg-config           # the install test builds against jobctl.pc (tests/install/)
  cron                 # jobctl schedule: crontab(1), and the daemon its slow test starts
  clang-14 libclang-rt-14-dev llvm-14 python3  # the fuzz targets (scripts/fuzz.sh)
  man-db zsh fish)  # the tests of the man pages and of shell completion

"$root/scripts/install-missing.sh" "${packages[@]}"

# Configured every time (a no-op when nothing changed), so a build folder
# left with other options still builds what the tests need.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DJOBCTL_BUILD_TESTS=ON \
  "${launcher[@]}" "$@" >/dev/null
if ninja -C "$build_dir" -n 2>/dev/null | grep -q "no work to do"; then exit 0; fi
echo "setup: building in $build_dir"
cmake --build "$build_dir" -- --quiet
