#!/usr/bin/env bash
# Benchmarks jobctl against task-spooler (tsp), nq, GNU parallel, xargs -P
# and plain bash (and `jobctl start --on slurm` against bare sbatch when a
# Slurm controller answers), interleaved in one run, and writes docs/benchmarks.md.
#   scripts/bench.sh           full run (up to ~30 minutes)
#   scripts/bench.sh --quick   day-to-day run (under 3 minutes)
# Installs the peers, hyperfine and gnuplot-nox (for docs/scale.svg; not part of setup.sh), builds jobctl in
# Release into build-release/, and leaves no segment, spool or process behind.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" --tests >/dev/null  # the ordinary dependencies, Google Benchmark

peers=(task-spooler nq parallel hyperfine python3 gnuplot-nox)
"$root/scripts/install-missing.sh" "${peers[@]}"
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 1; }

BUILD_DIR="$root/build-release" BUILD_TYPE=Release "$root/scripts/setup.sh" --tests
exec python3 "$root/scripts/bench.py" --bin "$root/build-release/bin" "$@"
