#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration
# with real processes, torture at its CI size), then each fuzz target for a
# short while (scripts/fuzz.sh; FUZZ_SECONDS, default 20 s each; 0 skips it).
# Extra arguments go to ctest (e.g. -R Stop); the fuzzing is skipped then.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
(cd "${BUILD_DIR:-$root/build}" && ctest --output-on-failure --timeout 300 "$@")
fuzz_seconds=${FUZZ_SECONDS:-20}
if (($# == 0 && fuzz_seconds > 0)); then
  "$root/scripts/fuzz.sh" "$fuzz_seconds"
fi
