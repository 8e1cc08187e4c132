#!/usr/bin/env bash
# Checks the format (pinned clang-format), installs what is missing, builds,
# and runs every test (unit, integration with real processes, stress, torture
# at its CI size), then each fuzz target for a short while (scripts/fuzz.sh;
# FUZZ_SECONDS, default 10 s each; 0 skips it). Then runs the same tests again
# under ASan+UBSan and under TSan, each in a build folder of its own
# (scripts/sanitize.sh), as CI does. As root, after ctest, it also builds
# the .deb and tests it (scripts/package.sh --test). Extra arguments go to
# ctest (e.g. -R Stop); the package test and the fuzzing are skipped then.
# The Slurm tests (label slurm) need a cluster: as root, it starts a
# single-node Slurm (scripts/slurm-local.sh) and stops it again at the end
# if it started it; otherwise those tests report themselves skipped, saying
# why. The sanitizer runs leave out the slow tests (a minute of waiting on
# cron or on Slurm's time limit each, no concurrency of ours to check).
#   JOBCTL_SKIP_SANITIZERS=1  skip the sanitizer runs (a quick local run)
# Its last line, whether it passed or not, says how many tests each ctest
# run ran, passed, failed and skipped, and why they were skipped (not root,
# no Slurm cluster...): from ctest's JUnit reports (scripts/ctest_summary.py).
# The exit status is the first failure's, as without it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
reports=$(mktemp -d)
summaries=("tests=$reports/tests.xml")
stop_slurm=0
finish() {
  local status=$?
  ((stop_slurm)) && { "$root/scripts/slurm-local.sh" stop >/dev/null || true; }
  stage "end (exit $status)"
  python3 "$root/scripts/ctest_summary.py" "${summaries[@]}" || true
  rm -rf "$reports"
  exit "$status"
}
trap finish EXIT
# Each stage's start, in minutes and seconds since the run began: CI has a
# time budget, and this shows where it goes.
stage() { printf 'test.sh: %02d:%02d %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$1"; }
stage "format, packages, build"
"$root/scripts/check-format.sh"
"$root/scripts/setup.sh" --tests
python3 "$root/scripts/check_layers.py"  # after setup: it installs python3
if [[ $(id -u) -ne 0 ]]; then
  echo "test.sh: the Slurm tests will be skipped: starting a cluster (scripts/slurm-local.sh) needs root"
elif scontrol ping 2>/dev/null | grep -q "is UP"; then
  echo "test.sh: Slurm tests use the running cluster"
elif "$root/scripts/slurm-local.sh" start; then
  stop_slurm=1
else
  echo "test.sh: the Slurm tests will be skipped: scripts/slurm-local.sh could not start a cluster"
fi
stage tests
# As many tests at once as there are cores: each has a repository of its
# own, and those that share something (the crontab, the Slurm node) hold a
# RESOURCE_LOCK (tests/CMakeLists.txt).
(cd "$build_dir" && ctest --output-on-failure --timeout 300 -j "$(nproc)" --output-junit "$reports/tests.xml" "$@")
# The .deb, installed into this machine and removed again (dpkg: root only).
if (($# == 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    stage package
    "$root/scripts/package.sh" --test
  else
    echo "test.sh: package test skipped (scripts/package.sh --test needs root for dpkg -i)"
  fi
fi
fuzz_seconds=${FUZZ_SECONDS:-10}
if (($# == 0 && fuzz_seconds > 0)); then
  stage fuzz
  "$root/scripts/fuzz.sh" "$fuzz_seconds"
fi
if [[ ${JOBCTL_SKIP_SANITIZERS:-0} == 1 ]]; then
  echo "test.sh: sanitizer runs skipped (JOBCTL_SKIP_SANITIZERS=1)"
  exit 0
fi
sanitized=("$@")
((${#sanitized[@]} > 0)) || sanitized=(-LE slow)
summaries+=("ASan+UBSan=$reports/asan.xml")
stage "ASan+UBSan build and tests"
"$root/scripts/sanitize.sh" address,undefined "${sanitized[@]}" --output-junit "$reports/asan.xml"
# The whole suite under TSan costs little more than its concurrent parts
# (ThreadJobs, Foreach, ChangeWait), which the stress test dominates.
# TSan leaves out the Slurm tests too: they wait on a real Slurm, one at a
# time (the node is a shared resource), and the follower's few threads are
# checked by the ASan run's Slurm tests and the thread tests here.
tsan_selection=("$@")
((${#tsan_selection[@]} > 0)) || tsan_selection=(-LE "slow|slurm")
summaries+=("TSan=$reports/tsan.xml")
stage "TSan build and tests"
"$root/scripts/sanitize.sh" thread "${tsan_selection[@]}" --output-junit "$reports/tsan.xml"
