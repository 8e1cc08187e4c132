#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration
# with real processes, stress). Extra arguments go to ctest (e.g. -R Stop).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
cd "${BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 300 "$@"
