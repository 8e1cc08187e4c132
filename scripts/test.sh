#!/usr/bin/env bash
# Checks the format (pinned clang-format), installs what is missing, builds,
# and runs every test (unit, integration with real processes, stress, torture
# at its CI size), then each fuzz target for a short while (scripts/fuzz.sh;
# FUZZ_SECONDS, default 20 s each; 0 skips it). Then runs the same tests again
# under ASan+UBSan and under TSan, each in a build folder of its own
# (scripts/sanitize.sh), as CI does. As root, after ctest, it also builds
# the .deb and tests it (scripts/package.sh --test). Extra arguments go to
# ctest (e.g. -R Stop); the package test and the fuzzing are skipped then.
#   JOBCTL_SKIP_SANITIZERS=1  skip the sanitizer runs (a quick local run)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/check-format.sh"
"$root/scripts/setup.sh"
(cd "${BUILD_DIR:-$root/build}" && ctest --output-on-failure --timeout 300 "$@")
# The .deb, installed into this machine and removed again (dpkg: root only).
if (($# == 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    "$root/scripts/package.sh" --test
  else
    echo "test.sh: package test skipped (scripts/package.sh --test needs root for dpkg -i)"
  fi
fi
fuzz_seconds=${FUZZ_SECONDS:-20}
if (($# == 0 && fuzz_seconds > 0)); then
  "$root/scripts/fuzz.sh" "$fuzz_seconds"
fi
if [[ ${JOBCTL_SKIP_SANITIZERS:-0} == 1 ]]; then
  echo "test.sh: sanitizer runs skipped (JOBCTL_SKIP_SANITIZERS=1)"
  exit 0
fi
"$root/scripts/sanitize.sh" address,undefined "$@"
# The whole suite under TSan costs little more than its concurrent parts
# (ThreadJobs, Foreach, ChangeWait), which the stress test dominates.
"$root/scripts/sanitize.sh" thread "$@"
