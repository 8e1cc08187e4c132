#!/usr/bin/env bash
# ctest Install.FindPackageAndPkgConfig: the installed library as a user gets
# it. Installs the build folder into a temporary prefix (cmake --install),
# checks that <jobctl/jobctl.hpp> includes every public header, then builds
# this folder's consumer.cpp against the prefix twice, with CMake
# (find_package through CMAKE_PREFIX_PATH) and with pkg-config
# (PKG_CONFIG_PATH), and runs both builds in a temporary JOBCTL_HOME.
#   tests/install/install_test.sh BUILD_DIR [CXX_COMPILER]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=$1
cxx=${2:-c++}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobctl-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() {
  echo "install test: $*" >&2
  exit 1
}
# Runs a command quietly; shows its output if it fails.
quietly() {
  "$@" >"$tmp/step.log" 2>&1 || { cat "$tmp/step.log" >&2; fail "failed: $*"; }
}

unset DESTDIR # cmake --install would install under it
quietly cmake --install "$build_dir" --prefix "$prefix"

# No debug info in an install, whatever the build type (unless the build
# was configured with JOBCTL_INSTALL_DEBUG=ON): programs stripped, the
# library without debug sections; the whole prefix well under 15 MB.
if ! grep -qx "JOBCTL_INSTALL_DEBUG:BOOL=ON" "$build_dir/CMakeCache.txt"; then
  for program in "$prefix"/bin/*; do
    [[ $(readelf -S "$program" | grep -cE '\.debug_|\.symtab') == 0 ]] || fail "$program is not stripped"
  done
  [[ $(readelf -S "$prefix"/lib/libjobctl.a | grep -c '\.debug_') == 0 ]] || fail "libjobctl.a carries debug sections"
  size=$(du -sm "$prefix" | cut -f1)
  ((size < 15)) || fail "the installed prefix takes $size MB (more than 15)"
fi

umbrella=$prefix/include/jobctl/jobctl.hpp
[[ -f $umbrella ]] || fail "$umbrella not installed"
for header in "$prefix"/include/jobctl/*.hpp; do
  name=jobctl/$(basename "$header")
  [[ $name == jobctl/jobctl.hpp ]] && continue
  grep -q "^#include \"$name\"" "$umbrella" || fail "jobctl/jobctl.hpp does not include $name"
done

# The consumer's process job finds the installed worker by itself: the
# library looks where it was installed (this prefix, not the build's), not
# on PATH (which holds no jobctl-worker here) nor through JOBCTL_WORKER.
export JOBCTL_HOME=$tmp/home
unset JOBCTL_REPOSITORY JOBCTL_WORKER
export PATH=/usr/local/bin:/usr/bin:/bin
if command -v jobctl-worker >/dev/null; then fail "a jobctl-worker on PATH would hide what this tests"; fi

# CMake: find_package(jobctl CONFIG), jobctl::jobctl.
quietly cmake -S "$here" -B "$tmp/cmake-build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix"
grep -qx "jobctl_DIR:PATH=$prefix/.*" "$tmp/cmake-build/CMakeCache.txt" || fail "find_package found a jobctl outside $prefix"
quietly cmake --build "$tmp/cmake-build"
"$tmp/cmake-build/consumer" || fail "the consumer built with CMake failed"

# pkg-config, as a plain compiler command line.
pc=$(find "$prefix" -name jobctl.pc)
[[ -n $pc ]] || fail "jobctl.pc not installed"
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
[[ $(pkg-config --variable=prefix jobctl) == "$prefix" ]] || fail "jobctl.pc names prefix $(pkg-config --variable=prefix jobctl)"
read -ra flags <<<"$(pkg-config --cflags --libs jobctl)"
quietly "$cxx" -std=c++20 "$here/consumer.cpp" "${flags[@]}" -o "$tmp/consumer-pkg-config"
"$tmp/consumer-pkg-config" || fail "the consumer built with pkg-config failed"

# Without its worker, the library says where it looked.
mv "$prefix/bin/jobctl-worker" "$tmp/worker-away"
if "$tmp/consumer-pkg-config" 2>"$tmp/missing.err"; then fail "the consumer ran without a worker"; fi
grep -qF "cannot find jobctl-worker: looked beside this program ($tmp/jobctl-worker), where jobctl was installed ($prefix/bin/jobctl-worker), on PATH; install it there or set JOBCTL_WORKER" "$tmp/missing.err" ||
  fail "the missing worker's error does not say where it looked: $(cat "$tmp/missing.err")"
mv "$tmp/worker-away" "$prefix/bin/jobctl-worker"
echo "install test: ok (find_package and pkg-config; the worker found under the prefix)"
