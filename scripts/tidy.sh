#!/usr/bin/env bash
# Runs clang-tidy 14 with the checks in .clang-tidy over lib/, jobctl/ and
# worker/; fails on any finding. Not part of test.sh/CI: it takes 4 to 6
# minutes on two cores (the clang static analyzer most of it).
#   scripts/tidy.sh [FILE REGEX...]   (default: every source of those folders)
#   TIDY_BUILD_DIR  folder for the compile database (default: build-tidy/ in the checkout)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-missing.sh" clang-tidy-14 cmake ninja-build
build_dir=${TIDY_BUILD_DIR:-$root/build-tidy}
# Configured only: clang-tidy reads the compile commands, it needs no build.
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DJOBCTL_BUILD_TESTS=OFF -DJOBCTL_BUILD_BENCHMARKS=OFF >/dev/null
ours="^$root/(lib|jobctl|worker)/"
(($#)) || set -- "$ours"
# -Wno-unknown-warning-option: the commands are g++'s (-Wno-restrict).
run-clang-tidy-14 -p "$build_dir" -j "$(nproc)" -quiet -header-filter="$ours" \
  -extra-arg=-Wno-unknown-warning-option "$@"
