#!/usr/bin/env bash
# Builds jobctl with sanitizers in a build folder of its own and runs ctest on
# it. Fails if a test fails or if any process reported a finding.
#   scripts/sanitize.sh [address,undefined | thread] [CTEST ARGS...]
#   SANITIZE_BUILD_DIR  build folder (default: build-asan/ or build-tsan/ in the checkout)
#
# The tests start jobctl, jobctl-worker and detached foreach hosts, whose
# stderr is /dev/null or read only by the test; a finding there may not fail
# any test. So every sanitized process writes its reports to files
# (log_path) in one folder, and any file found there fails the run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitizers=address,undefined
if (($#)) && [[ $1 != -* ]]; then
  sanitizers=$1
  shift
fi
case $sanitizers in
  thread) default_dir=build-tsan ;;
  address,undefined | undefined,address) default_dir=build-asan ;;
  *) default_dir=build-san-${sanitizers//,/-} ;;
esac
build_dir=${SANITIZE_BUILD_DIR:-$root/$default_dir}

# Benchmarks are never run under sanitizers: not built, to save the time.
BUILD_DIR=$build_dir "$root/scripts/setup.sh" --tests -DJOBCTL_SANITIZE="$sanitizers" -DJOBCTL_BUILD_BENCHMARKS=OFF

reports=$build_dir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# Writable by all, like /tmp: some tests run jobctl as user nobody.
chmod 1777 "$reports"
# Each process writes $reports/<tool>.<pid>; log_exe_name names the program in
# the report. A finding ends the process (no recovery).
common="log_exe_name=1:halt_on_error=1"
export ASAN_OPTIONS="log_path=$reports/asan:$common:detect_leaks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:$common:print_stacktrace=1"
export TSAN_OPTIONS="log_path=$reports/tsan:$common:second_deadlock_stack=1"

# TSan runs the thread-job stress test some ten times slower than a normal build.
timeout=300
[[ $sanitizers == *thread* ]] && timeout=900
status=0
(cd "$build_dir" && ctest --output-on-failure --timeout "$timeout" -j "$(nproc)" "$@") || status=$?

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  echo "sanitize.sh: ${#found[@]} sanitizer report(s) in $reports:" >&2
  for report in "${found[@]}"; do
    echo "---- $report" >&2
    cat "$report" >&2
  done
  status=1
fi
exit "$status"
