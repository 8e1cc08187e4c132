#!/usr/bin/env bash
# Builds the Debian package of jobctl with CPack and prints its path: every
# install() rule (programs, library, headers, CMake package, jobctl.pc,
# README, and whatever else is installed) in one .deb, built in a folder of
# its own (Release, prefix /usr, no tests or benchmarks; see
# docs/decisions/0041-packaging.md).
#   scripts/package.sh          build build-package/jobctl_<version>_<arch>.deb
#   scripts/package.sh --test   build it, then (as root, as in CI) install it
#       into this machine with dpkg -i, run jobctl --version and one job from
#       /usr/bin in a temporary JOBCTL_HOME, build tests/install/consumer.cpp
#       against the installed library (find_package and pkg-config) and run
#       it, and remove the package with dpkg -r. The machine is left as it
#       was, also when a step fails; it refuses to run if jobctl or any file
#       of the package is already there.
#   PACKAGE_BUILD_DIR  build folder (default: build-package/ in the checkout)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${PACKAGE_BUILD_DIR:-$root/build-package}
case ${1:-} in
  "") test=0 ;;
  --test) test=1 ;;
  *)
    echo "usage: scripts/package.sh [--test]" >&2
    exit 2
    ;;
esac
if ((test)) && [[ $(id -u) -ne 0 ]]; then
  echo "package.sh --test: must run as root (dpkg -i)" >&2
  exit 2
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DJOBCTL_BUILD_TESTS=OFF -DJOBCTL_BUILD_BENCHMARKS=OFF "${launcher[@]}" >/dev/null
echo "package.sh: building in $build_dir" >&2
cmake --build "$build_dir" >"$build_dir/build.log" 2>&1 || {
  cat "$build_dir/build.log" >&2
  exit 1
}
rm -f "$build_dir"/*.deb
(cd "$build_dir" && cpack -G DEB >"$build_dir/cpack.log") || {
  cat "$build_dir/cpack.log" >&2
  exit 1
}
debs=("$build_dir"/*.deb)
deb=${debs[0]}
[[ ${#debs[@]} -eq 1 && -f $deb ]] || {
  echo "package.sh: expected one .deb in $build_dir, found: ${debs[*]}" >&2
  exit 1
}
echo "$deb"
((test)) || exit 0

package=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
fail() {
  echo "package test: $*" >&2
  exit 1
}

# What is there now, to leave it so: the package must not be known to dpkg,
# none of its files may exist, and the folders it shares with the system are
# recreated if dpkg -r takes them away (it removes every empty folder of the
# package that no other package lists).
status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
[[ -z $status || $status == not-installed ]] || fail "$package is already known to dpkg ($status); remove it first"
mapfile -t entries < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|')
existing_dirs=()
for entry in "${entries[@]}"; do
  if [[ $entry == */ ]]; then
    [[ -d $entry ]] && existing_dirs+=("$entry")
  elif [[ -e $entry || -L $entry ]]; then
    fail "$entry already exists; it would be replaced and then removed"
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobctl-package-test.XXXXXX")
installed=0
cleanup() {
  local status=$?
  rm -rf "$tmp"
  if ((installed)); then
    dpkg -r "$package" >/dev/null || status=1
    # Files under /etc would be kept as conffiles by -r.
    if [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) == config-files ]]; then
      dpkg --purge "$package" >/dev/null || status=1
    fi
    for dir in "${existing_dirs[@]}"; do
      [[ -d $dir ]] || mkdir -p "$dir"
    done
    for entry in "${entries[@]}"; do
      if [[ $entry != */ && (-e $entry || -L $entry) ]]; then
        echo "package test: $entry is still there after dpkg -r" >&2
        status=1
      fi
    done
  fi
  exit "$status"
}
trap cleanup EXIT

installed=1 # from here on: a dpkg -i that fails half-way is undone too
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || {
  cat "$tmp/dpkg.log" >&2
  fail "dpkg -i failed"
}

# The installed programs, in a repository of their own: jobctl finds the
# worker beside it, /usr/bin/jobctl-worker.
unset JOBCTL_WORKER JOBCTL_REPOSITORY
export JOBCTL_HOME=$tmp/home
[[ $(/usr/bin/jobctl --version) == "jobctl $version" ]] ||
  fail "/usr/bin/jobctl --version says '$(/usr/bin/jobctl --version)', the package is $version"
/usr/bin/jobctl start -q --name package-test -- echo "from the installed jobctl" >/dev/null
/usr/bin/jobctl wait package-test >/dev/null || fail "jobctl wait: exit $?"
output=$(/usr/bin/jobctl receive package-test)
[[ $output == "from the installed jobctl" ]] || fail "jobctl receive printed '$output'"
/usr/bin/jobctl remove package-test

# The installed library, found where a user's build looks by default. The
# consumer's process job finds the worker through the path baked into
# libjobctl.a (/usr/bin/jobctl-worker): it is not beside the consumer.
consumer=$root/tests/install
if ! { cmake -S "$consumer" -B "$tmp/cmake-build" -G Ninja && cmake --build "$tmp/cmake-build"; } >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  fail "building tests/install against the package with CMake failed"
fi
# A jobctl installed under /usr/local (cmake --install build) comes first.
found=$(sed -n 's/^jobctl_DIR:PATH=//p' "$tmp/cmake-build/CMakeCache.txt")
[[ $found == /usr/lib/* ]] || fail "find_package(jobctl) found $found, not the package's (in /usr/lib)"
"$tmp/cmake-build/consumer" >/dev/null || fail "the consumer built with CMake failed"
[[ $(pkg-config --variable=prefix jobctl) == /usr ]] ||
  fail "pkg-config found a jobctl.pc of prefix $(pkg-config --variable=prefix jobctl), not the package's"
read -ra flags <<<"$(pkg-config --cflags --libs jobctl)"
c++ -std=c++20 "$consumer/consumer.cpp" "${flags[@]}" -o "$tmp/consumer-pkg-config" ||
  fail "building tests/install/consumer.cpp with pkg-config failed"
"$tmp/consumer-pkg-config" >/dev/null || fail "the consumer built with pkg-config failed"
echo "package test: ok ($(basename "$deb"): installed, jobctl $version ran a job, the library built a consumer, removed)"
