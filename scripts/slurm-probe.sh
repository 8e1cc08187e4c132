#!/usr/bin/env bash
# Measuring helpers behind docs/slurm-notes.md, against the cluster of
# scripts/slurm-local.sh (as root: sdiag -r resets slurmctld's RPC counters).
#   scripts/slurm-probe.sh watch ID [SECONDS]  print each change of what squeue
#       and scontrol say about job ID (polls every 0.2 s, default 20 s)
#   scripts/slurm-probe.sh cost [TABLE_JOBS] [RUNS]  submit TABLE_JOBS held jobs
#       (default 2000), then for each way of asking about jobs: client wall time
#       (hyperfine), slurmctld CPU per call (/proc/PID/stat) and RPCs per call
#       (sdiag); cancels every job of the user at the end
#   scripts/slurm-probe.sh follow-load [JOBS] [WINDOW]  slurmctld CPU over WINDOW
#       seconds (default 60): idle, with JOBS (default 200) sleeping jobs submitted
#       bare, then with as many submitted by `jobctl start --on slurm` (all
#       followed by the repository's one follower, backed off); and its PSS. Uses
#       the jobctl on PATH, in a repository of its own; cancels and removes it all
set -euo pipefail

watch() { # ID SECONDS
  local id=$1 deadline=$((SECONDS + ${2:-20})) last="" cur sq sc t0
  t0=$(date +%s%N)
  while ((SECONDS < deadline)); do
    sq=$(squeue -h -j "$id" -t all -o '%i %T %r' 2>&1 | paste -sd';') || true
    sc=$(scontrol show job -o "$id" 2>&1 | tr ' ' '\n' |
      grep -E '^(JobId|ArrayTaskId|JobState|Reason|ExitCode|NodeList|StdOut|StdErr)=' | paste -sd' ') || true
    cur="squeue[$sq] scontrol[$sc]"
    if [[ $cur != "$last" ]]; then
      printf '%6.2f %s\n' "$(($(date +%s%N) - t0))e-9" "$cur"
      last=$cur
    fi
    sleep 0.2
  done
}

# One row: LABEL RUNS COMMAND...
measure() {
  local label=$1 runs=$2 pid c0 c1 json mean rpcs
  shift 2
  pid=$(</run/slurmctld.pid)
  json=$(mktemp)
  sdiag -r >/dev/null
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  hyperfine -N -i --runs "$runs" --warmup 0 --export-json "$json" "$(printf '%q ' "$@")" >/dev/null 2>&1
  c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  mean=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f ± %.1f ms" % (r["mean"]*1e3, r["stddev"]*1e3))' "$json")
  rpcs=$(sdiag | awk -v runs="$runs" '/by message type/ {f=1; next} /by user/ {f=0}
    f && /count:/ && $1 != "REQUEST_STATS_INFO" {c=$4; sub(/count:/, "", c); t=$5; sub(/ave_time:/, "", t); printf "%s %.2f/call (%s us) ", $1, c / runs, t}')
  rm -f "$json"
  printf '| %s | %s | %.2f | %s|\n' "$label" "$mean" \
    "$(echo "($c1 - $c0) * 1000 / $(getconf CLK_TCK) / $runs" | bc -l)" "$rpcs"
}

cost() { # TABLE_JOBS RUNS
  local n=${1:-2000} runs=${2:-100} ids one hundred done_id
  command -v hyperfine >/dev/null || "$(dirname "$0")/install-missing.sh" hyperfine
  done_id=$(sbatch --parsable -o /dev/null --wrap true)
  ids=$(for ((i = 0; i < n; i++)); do sbatch --parsable -H -o /dev/null --wrap true; done)
  one=$(head -n1 <<<"$ids")
  hundred=$(head -n100 <<<"$ids" | paste -sd,)
  echo "jobs in slurmctld: $(squeue -h -t all | wc -l)"
  echo "| command | client wall time | slurmctld CPU ms/call | RPCs per call |"
  echo "| --- | --- | --- | --- |"
  measure "squeue -h -j ONE -t all -o '%i %T %r'" "$runs" squeue -h -j "$one" -t all -o '%i %T %r'
  measure "scontrol show job -o ONE" "$runs" scontrol show job -o "$one"
  measure "squeue -h -j 100 ids -t all" "$runs" squeue -h -j "$hundred" -t all -o '%i %T %r'
  measure "squeue -h -t all (whole table)" "$runs" squeue -h -t all -o '%i %T %r'
  measure "scontrol show job -o (whole table)" "$runs" scontrol show job -o
  measure "sacct -c -n -P -j DONE (jobcomp file)" "$runs" sacct -c -n -P -j "$done_id" -o JobID,State,ExitCode
  scancel -u "$(id -un)"
}

follow_load() { # JOBS WINDOW
  local jobs=$1 window=$2 settle=70 ctld tck home pss=0 pid kib
  ctld=$(cat /run/slurmctld.pid)
  tck=$(getconf CLK_TCK)
  cpu() { awk '{print $14 + $15}' "/proc/$ctld/stat"; }
  window_cpu() {
    local before after
    before=$(cpu)
    sleep "$window"
    after=$(cpu)
    awk -v d=$((after - before)) -v t="$tck" 'BEGIN { printf "%.2f", d / t }'
  }
  drain() { while [[ -n $(squeue -h -n "$1") ]]; do sleep 1; done; }
  home=$(mktemp -d)
  echo "idle: $(window_cpu) s of slurmctld CPU in ${window} s"
  for ((i = 0; i < jobs; i++)); do sbatch --parsable -J probe-bare -o /dev/null --wrap 'sleep 600' >/dev/null; done
  sleep "$settle" # the followers below back off to 30 s in 31 s; the same wait here
  echo "$jobs bare: $(window_cpu) s of slurmctld CPU in ${window} s"
  scancel -n probe-bare
  drain probe-bare
  for ((i = 0; i < jobs; i++)); do
    JOBCTL_HOME=$home JOBCTL_REPOSITORY=probe jobctl start -q --on slurm --name probe-followed -- sleep 600 >/dev/null
  done
  sleep "$settle"
  echo "$jobs followed by jobctl: $(window_cpu) s of slurmctld CPU in ${window} s"
  for pid in $(pgrep -f -- '--follow-slurm --repository probe'); do
    kib=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || kib=0
    pss=$((pss + ${kib:-0}))
  done
  echo "followers: $(pgrep -c -f -- '--follow-slurm --repository probe'), PSS ${pss} KiB in all"
  scancel -n probe-followed
  drain probe-followed
  JOBCTL_HOME=$home JOBCTL_REPOSITORY=probe jobctl wait --all --timeout 2m >/dev/null 2>&1 || true
  JOBCTL_HOME=$home JOBCTL_REPOSITORY=probe jobctl repository delete --force >/dev/null 2>&1 || true
  rm -rf "$home"
}

case ${1:-} in
  watch) watch "${2:?job id}" "${3:-20}" ;;
  cost) cost "${2:-2000}" "${3:-100}" ;;
  follow-load) follow_load "${2:-200}" "${3:-60}" ;;
  *) echo "usage: $0 watch ID [SECONDS] | cost [TABLE_JOBS] [RUNS] | follow-load [JOBS] [WINDOW]" >&2; exit 2 ;;
esac
