#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang++-14, ASan and UBSan
# in their own build folder, then runs each for SECONDS seconds on its corpus
# (tests/fuzz/corpus/<target>/; what a run adds goes to a temporary folder,
# not into the repository, unless --keep). Fails on any crash, hang (10 s for
# one input), leak or sanitizer report, and prints the executions of each target.
#   scripts/fuzz.sh [--keep] SECONDS [TARGET...]  (targets: table_bytes table_patches output_log cli)
#                                          --keep: after a run that found nothing, merges
#                                          what it added into the corpus (-merge=1: only
#                                          inputs that reach new coverage), to commit
#   scripts/fuzz.sh --seeds                rewrites the corpus's seed inputs, the
#                                          regression-* ones included (made from the current
#                                          table layout by the targets); inputs a --keep
#                                          merge added stay
#   FUZZ_BUILD_DIR  build folder (default: build-fuzz/ in the checkout)
#   JOBCTL_TORTURE_REPORT  a file to append the figures to (scripts/torture.sh)
# A failing input is kept in the build folder (crash-*, timeout-*, leak-*);
# run it again with build-fuzz/bin/fuzz_<target> <file>.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
all_targets=(table_bytes table_patches output_log cli)

keep=0
if [[ ${1:-} == --keep ]]; then
  keep=1
  shift
fi
if [[ $# -lt 1 ]]; then
  echo "usage: scripts/fuzz.sh [--keep] SECONDS [TARGET...] | --seeds" >&2
  exit 2
fi
seconds=$1
shift
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

"$root/scripts/install-missing.sh" clang-14 libclang-rt-14-dev llvm-14 python3 cmake ninja-build libcereal-dev \
  libcli11-dev
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DJOBCTL_FUZZ=ON -DJOBCTL_WERROR=OFF "${launcher[@]}" >/dev/null
ninja -C "$build" --quiet "${targets[@]/#/fuzz_}"

if [[ $seconds == --seeds ]]; then
  for target in "${targets[@]}"; do
    # Inputs a --keep merge added (named by their SHA-1) stay too.
    find "$root/tests/fuzz/corpus/$target" -regextype posix-extended -type f ! -name 'regression-*' \
      ! -regex '.*/[0-9a-f]{40}' -delete 2>/dev/null || true
    JOBCTL_FUZZ_SEED_DIR="$root/tests/fuzz/corpus/$target" "$build/bin/fuzz_$target" -runs=0 >/dev/null 2>&1 </dev/null
    echo "fuzz: seeds of $target: $(ls "$root/tests/fuzz/corpus/$target" | wc -l)"
  done
  exit 0
fi

failed=0
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  mkdir "$work/corpus"
  log="$build/fuzz_$target.log"
  status=0
  # The first folder takes what this run finds; the repository's corpus is only read.
  (cd "$build" && ASAN_OPTIONS=detect_leaks=1 "$build/bin/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 "$work/corpus" "$root/tests/fuzz/corpus/$target" \
    </dev/null >"$log" 2>&1) || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  line="fuzz $target: ${runs:-?} executions in ${seconds} s, exit $status"
  echo "$line"
  [[ -n ${JOBCTL_TORTURE_REPORT:-} ]] && echo "$line" >>"$JOBCTL_TORTURE_REPORT"
  if ((status != 0)); then
    failed=1
    # The sandbox cannot start a symbolizer: the frames are symbolized here.
    grep -E "ERROR|SUMMARY|^fuzz:|Test unit written|runtime error|^ *#[0-9]+ " "$log" | grep -v "failed to fork" |
      "$root/scripts/symbolize.py" | head -40 >&2 || true
    echo "fuzz: $target failed; its log: $log" >&2
  elif ((keep)); then
    corpus=$root/tests/fuzz/corpus/$target
    before=$(find "$corpus" -type f | wc -l)
    merge_status=0
    (cd "$build" && "$build/bin/fuzz_$target" -merge=1 -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
      "$corpus" "$work/corpus" </dev/null >"$build/fuzz_${target}_merge.log" 2>&1) || merge_status=$?
    if ((merge_status != 0)); then
      failed=1
      echo "fuzz: merging into $corpus failed (exit $merge_status); its log: $build/fuzz_${target}_merge.log" >&2
    else
      echo "fuzz $target: kept $(($(find "$corpus" -type f | wc -l) - before)) new input(s) in $corpus"
    fi
  fi
  rm -rf "$work"
done
exit $failed
