#!/usr/bin/env bash
# The torture suite at full size, then every fuzz target for longer, and the
# figures of the run at the end (docs/reliability.md quotes them).
#   JOBCTL_TORTURE_TRIALS      kills per kind of process (default 1000; CI: 50)
#   JOBCTL_TORTURE_PROCESSES   processes working on one table at once (default 16; CI: 4)
#   JOBCTL_TORTURE_OPERATIONS  random operations of each (default 1000; CI: 50)
#   JOBCTL_TORTURE_SEED        repeats a run (each test prints its seed)
#   FUZZ_SECONDS               seconds per fuzz target (default 300; CI: 20)
# Extra arguments go to ctest (e.g. -R Worker).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" --tests
export JOBCTL_TORTURE_TRIALS=${JOBCTL_TORTURE_TRIALS:-1000}
export JOBCTL_TORTURE_PROCESSES=${JOBCTL_TORTURE_PROCESSES:-16}
export JOBCTL_TORTURE_OPERATIONS=${JOBCTL_TORTURE_OPERATIONS:-1000}
report=$(mktemp)
export JOBCTL_TORTURE_REPORT=$report
trap 'rm -f "$report"' EXIT
status=0
started=$SECONDS
(cd "${BUILD_DIR:-$root/build}" && ctest --output-on-failure -L torture "$@") || status=$?
echo "torture: $((SECONDS - started)) s" >>"$report"
"$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-300}" || status=$?
echo
echo "== figures ($(date -u +%Y-%m-%d), $(nproc) cores)"
cat "$report"
exit $status
