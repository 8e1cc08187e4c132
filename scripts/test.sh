#!/usr/bin/env bash
# Checks the format (pinned clang-format), installs what is missing, builds,
# and runs every test (unit, integration
# with real processes, stress). Extra arguments go to ctest (e.g. -R Stop).
# Then runs the same tests again under ASan+UBSan and under TSan, each in a
# build folder of its own (scripts/sanitize.sh), as CI does.
#   JOBCTL_SKIP_SANITIZERS=1  skip the sanitizer runs (a quick local run)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/check-format.sh"
"$root/scripts/setup.sh"
(cd "${BUILD_DIR:-$root/build}" && ctest --output-on-failure --timeout 300 "$@")
if [[ ${JOBCTL_SKIP_SANITIZERS:-0} == 1 ]]; then
  echo "test.sh: sanitizer runs skipped (JOBCTL_SKIP_SANITIZERS=1)"
  exit 0
fi
"$root/scripts/sanitize.sh" address,undefined "$@"
# The whole suite under TSan costs little more than its concurrent parts
# (ThreadJobs, Foreach, ChangeWait), which the stress test dominates.
"$root/scripts/sanitize.sh" thread "$@"
