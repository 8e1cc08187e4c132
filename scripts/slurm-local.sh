#!/usr/bin/env bash
# Brings up a single-node Slurm on this machine (as root) from Debian's
# packages: munged, slurmctld and slurmd started directly (no systemd needed),
# this host as the only node, one default partition. Idempotent: a second run
# with everything up only checks that the node is usable. See docs/slurm-notes.md.
#   scripts/slurm-local.sh start           install what is missing, configure, start, wait for the node
#   scripts/slurm-local.sh stop            stop the daemons this script started (packages stay)
#   scripts/slurm-local.sh status          one line: controller and node state
# Environment:
#   SLURM_CONF          config file to write and use (default /etc/slurm/slurm.conf)
#   SLURM_MIN_JOB_AGE   seconds a finished job stays in slurmctld (default 30)
#   SLURM_SETUP_TIMEOUT seconds to wait for controller and node (default 60)
# Exit status: 0 ready (or stopped), 1 with a one-line "slurm-local: ..." error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
conf=${SLURM_CONF:-/etc/slurm/slurm.conf}
export SLURM_CONF=$conf
min_job_age=${SLURM_MIN_JOB_AGE:-30}
timeout=${SLURM_SETUP_TIMEOUT:-60}
node=$(hostname -s)
run_dir=/run/slurm-local # pid files of what this script started
state_dir=/var/lib/slurm/slurmctld
spool_dir=/var/lib/slurm/slurmd
log_dir=/var/log/slurm

die() {
  echo "slurm-local: $*" >&2
  exit 1
}

# Whether PID runs: a zombie does not count. A daemon killed here is
# re-parented to PID 1, which may reap it late (seconds under gVisor), and
# kill -0 or /proc/PID/comm alone would take the zombie for a live daemon.
alive() { # PID
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != [ZX] ]]
}

# The pid in FILE if that process is alive and its command is NAME.
live_pid() { # FILE NAME
  local pid
  [[ -r $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
  alive "$pid" || return 1
  echo "$pid"
}

# Polls COMMAND until it succeeds or the deadline passes (no fixed sleeps).
wait_for() { # SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  : "$what"
}

stop_one() { # NAME PIDFILE
  local pid
  pid=$(live_pid "$2" "$1") || {
    rm -f "$run_dir/$1"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for 30 "$1 to exit" eval "! alive $pid"; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run_dir/$1"
  echo "slurm-local: stopped $1 ($pid)"
}

stop() {
  # Only what this script started: a marker per daemon in $run_dir.
  # Jobs still known are cancelled first, so no slurmstepd outlives slurmd.
  if [[ -e $run_dir/slurmctld ]] && live_pid /run/slurmctld.pid slurmctld >/dev/null; then
    local jobs
    jobs=$(squeue -h -o '%A' 2>/dev/null | tr '\n' ' ') || jobs=
    if [[ -n ${jobs// /} ]]; then
      # shellcheck disable=SC2086 # one word per job id
      scancel $jobs 2>/dev/null || true
      # shellcheck disable=SC2016 # expanded by the inner bash
      wait_for 20 "jobs to end" bash -c '[[ -z $(squeue -h -t running,completing,suspended -o %A) ]]' || true
    fi
  fi
  [[ -e $run_dir/slurmd ]] && stop_one slurmd /run/slurmd.pid
  [[ -e $run_dir/slurmctld ]] && stop_one slurmctld /run/slurmctld.pid
  [[ -e $run_dir/munged ]] && stop_one munged /run/munge/munged.pid
  return 0
}

node_state() { sinfo -h -n "$node" -o '%T' 2>/dev/null | head -n1; }

status() {
  local ping
  ping=$(scontrol ping 2>&1 | head -n1) || true
  echo "controller: ${ping:-no answer}; node $node: $(node_state || true)"
}

case ${1:-} in
  stop) [[ $(id -u) -eq 0 ]] || die "must run as root"; stop; exit 0 ;;
  status) status; exit 0 ;;
  start) ;;
  *) die "usage: scripts/slurm-local.sh start|stop|status" ;;
esac

[[ $(id -u) -eq 0 ]] || die "must run as root (starts munged, slurmctld and slurmd)"
"$root/scripts/install-missing.sh" munge slurmctld slurmd slurm-client ||
  die "could not install munge slurmctld slurmd slurm-client (apt-get failed)"
# The config pins 127.0.0.1 for both daemons, so a host name that does not
# resolve is only a warning (munged then logs that it has no origin address).
getent hosts "$node" >/dev/null || echo "slurm-local: warning: host name '$node' does not resolve" >&2

# --- munge -----------------------------------------------------------------
# The package's postinst makes a key; make one if it is missing, with the
# permissions munged insists on (owned by munge, mode 0400, folder 0700).
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  head -c 1024 /dev/urandom >/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
mkdir -p "$run_dir"
if ! live_pid /run/munge/munged.pid munged >/dev/null; then
  runuser -u munge -- /usr/sbin/munged >/dev/null 2>&1 ||
    die "munged did not start (see /var/log/munge/munged.log)"
  : >"$run_dir/munged"
fi
wait_for 10 "munge" bash -c 'munge -n | unmunge' ||
  die "munge does not round-trip a credential (munge -n | unmunge fails)"

# --- slurm.conf ---------------------------------------------------------------
cpus=$(nproc)
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
# Headroom: a tenth of the memory, at least 512 MiB, so slurmd's own count
# (which may be a little lower than MemTotal) never falls below RealMemory,
# which would drain the node as "Low RealMemory".
mem_mb=$((mem_kb / 1024))
headroom=$((mem_mb / 10 > 512 ? mem_mb / 10 : 512))
real_mem=$((mem_mb - headroom))

install -d -o slurm -g slurm -m 0755 "$state_dir" "$spool_dir" "$log_dir"
install -d -m 0755 "$(dirname "$conf")"
new_conf=$(
  cat <<EOF
# Written by jobctl's scripts/slurm-local.sh start: a single-node cluster for tests.
ClusterName=jobctl
SlurmctldHost=$node(127.0.0.1)
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state_dir
SlurmdSpoolDir=$spool_dir
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups and no systemd: track job processes through /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
# No slurmdbd: sacct has nothing to read. Finished jobs are appended to a
# text file instead (one line per job with JobState and ExitCode).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$log_dir/jobcomp.log
# Short timeouts so tests and restarts are quick.
MinJobAge=$min_job_age
KillWait=5
SlurmdTimeout=60
SlurmctldTimeout=30
InactiveLimit=0
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
)
changed=0
if [[ ! -f $conf ]] || [[ $(<"$conf") != "$new_conf" ]]; then
  printf '%s\n' "$new_conf" >"$conf"
  chmod 0644 "$conf"
  changed=1
fi

# --- daemons ------------------------------------------------------------------
ctld_pid=$(live_pid /run/slurmctld.pid slurmctld) || ctld_pid=
slurmd_pid=$(live_pid /run/slurmd.pid slurmd) || slurmd_pid=
# A daemon started with another SLURM_CONF counts as a change too.
for pid in $ctld_pid $slurmd_pid; do
  used=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^SLURM_CONF=//p' | head -n1) || used=
  [[ ${used:-/etc/slurm/slurm.conf} == "$conf" ]] || changed=1
done
if ((changed)) && [[ -n $ctld_pid$slurmd_pid ]]; then
  # A new config: restart rather than reconfigure (a changed node line needs it).
  echo "slurm-local: $conf changed, restarting the daemons"
  if [[ -n $slurmd_pid ]]; then : >"$run_dir/slurmd"; stop_one slurmd /run/slurmd.pid; fi
  if [[ -n $ctld_pid ]]; then : >"$run_dir/slurmctld"; stop_one slurmctld /run/slurmctld.pid; fi
  ctld_pid=''
  slurmd_pid=''
fi
if [[ -z $ctld_pid ]]; then
  slurmctld || die "slurmctld did not start (see $log_dir/slurmctld.log)"
  : >"$run_dir/slurmctld"
fi
wait_for "$timeout" "slurmctld" bash -c 'scontrol ping | grep -q "is UP"' ||
  die "slurmctld does not answer 'scontrol ping' after ${timeout}s (see $log_dir/slurmctld.log)"
if [[ -z $slurmd_pid ]]; then
  slurmd -N "$node" || die "slurmd did not start (see $log_dir/slurmd.log)"
  : >"$run_dir/slurmd"
fi

# --- the node -------------------------------------------------------------------
# Wait until it has registered; resume it once if it came up down or drained
# (a restart can leave it DOWN "Node unexpectedly rebooted" or drained).
deadline=$((SECONDS + timeout))
resumed=0
while :; do
  state=$(node_state) || state=
  case $state in
    idle | mixed | allocated | completing) break ;;
    down* | drain* | fail*)
      if ((!resumed)); then
        scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true
        resumed=1
      fi
      ;;
  esac
  if ((SECONDS >= deadline)); then
    reason=$(sinfo -h -n "$node" -o '%E' 2>/dev/null || true)
    die "node $node is '${state:-unknown}' after ${timeout}s${reason:+ (reason: $reason)} (see $log_dir/slurmd.log)"
  fi
  sleep 0.2
done
echo "slurm-local: ready ($(status))"
