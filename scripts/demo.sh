#!/usr/bin/env bash
# Installs what is missing, builds, then walks through a job's whole life,
# with "shell A" and "shell B" as separate process trees (B runs in its own
# session via setsid). Uses a private repository and removes it at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
export PATH="${BUILD_DIR:-$root/build}/bin:$PATH"
export JOBCTL_REPOSITORY="jobctl-demo-$$"
cleanup() {
  jobctl repository delete --force >/dev/null 2>&1 || true
}
trap cleanup EXIT

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }
shell_b() { printf '[shell B] $ %s\n' "$*"; setsid --wait bash -c "$*" || echo "(exit status $?)"; }

say "Shell A starts three jobs and returns at once. Each runs under its own jobctl-worker."
run jobctl start --name build -- sh -c 'echo compiling; sleep 2; echo done; echo warn >&2'
run jobctl start -- false
run jobctl start -- /no/such/program || echo "(exit status $?: nothing was registered)"

say "Shell B, another process tree, sees the same jobs: they live in shared memory."
shell_b "jobctl get"

say "Scripts read JSON. Job 2 failed; the reason says why."
shell_b "jobctl get --state Failed --json"

say "Wait for the build: exit 0 once it Completed (1 if it failed, 4 on timeout)."
shell_b "jobctl wait build --timeout 30; echo \"exit status \$?\""

say "Receive its output: stdout to stdout, stderr to stderr, then it is marked received."
shell_b "{ jobctl receive build 2>&1 >&3 3>&- | sed 's/^/[stderr] /' 3>&-; } 3>&1"
say "Receiving again prints nothing: it was received. HasMoreData is now False."
shell_b "jobctl receive build; jobctl get build"

say "A job that writes as it goes; receive --wait follows it live until it ends."
run jobctl start --name ticker -- sh -c 'for i in 1 2 3; do echo tick $i; sleep 0.5; done'
shell_b "jobctl receive --wait ticker"

say "Stop ends the whole process tree: SIGTERM to the group, SIGKILL after the grace period."
run jobctl start --name tree -- sh -c 'sleep 100 & sleep 100'
shell_b "jobctl stop tree && jobctl get tree"

say "Remove refuses a running job unless --force, and deletes the job's spool."
run jobctl start --name busy -- sleep 100
shell_b "jobctl remove busy"
shell_b "jobctl remove --force busy && jobctl get"

say "wait --all fails (exit 1) because some jobs failed or were stopped: what a CI script needs."
shell_b "jobctl wait --all -q; echo \"exit status \$?\""

say "Done. The demo repository $JOBCTL_REPOSITORY is removed on exit."
