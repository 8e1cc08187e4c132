#!/usr/bin/env python3
"""Measures jobctl against the tools users would pick instead, interleaved in
one run, and writes docs/benchmarks.md. Run through scripts/bench.sh, which
installs the peers and builds jobctl in Release first.

Every tool runs in a sandbox of its own (a private jobctl home on disk, a
private repository in /dev/shm, TS_SOCKET/TMPDIR for tsp, NQDIR for nq) that
is reset between timed runs and removed at the end: no table, output, queue
or process is left. The Slurm case (run only when a controller answers) also
cancels every job it submitted and waits until squeue shows none of them.
"""

import argparse
import dataclasses
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_scale import pids_where  # scripts/bench_scale.py, beside this file

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Contender:
    tool: str
    command: str
    prepare: str = ""  # run before every timed run, untimed
    shell: bool = True  # False: run directly (hyperfine -N), for commands of a few ms
    env: dict = field(default_factory=dict)  # on top of the sandbox's environment
    samples: list = field(default_factory=list)  # seconds

    def median(self):
        return statistics.median(self.samples)


@dataclass
class Case:
    title: str
    what: str
    contenders: list
    unit: str = "ms"
    note: str = ""
    target: str = ""


class Sandbox:
    """Private state for every tool, and the environment that points at it."""

    def __init__(self, bin_dir):
        # In /var/tmp, on disk like a user's home: /tmp may be a tmpfs.
        self.dir = Path(tempfile.mkdtemp(prefix="jobctl-bench-", dir="/var/tmp"))
        self.repository = f"jobctl-bench-{os.getpid()}"
        self.shm_table = f"/dev/shm/{self.repository}"  # a table by path; its output goes to <path>.output/
        self.env = dict(os.environ)
        self.env.update({
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "JOBCTL_REPOSITORY": self.repository,
            "BENCH_SHM_TABLE": self.shm_table,
            "JOBCTL_CAPACITY": "200000",
            "JOBCTL_HOME": str(self.dir / "jobctl"),
            "TS_SOCKET": str(self.dir / "tsp.socket"),
            "TMPDIR": str(self.dir / "tmp"),
            "NQDIR": str(self.dir / "nq"),
            "BENCH": str(self.dir),
        })
        (self.dir / "tmp").mkdir()
        (self.dir / "nq").mkdir()

    def reset_command(self):
        """Shell text that empties every tool's state (used as hyperfine --prepare)."""
        return ("rm -rf \"$JOBCTL_HOME\" \"$BENCH_SHM_TABLE\" \"$BENCH_SHM_TABLE.output\"; "
                "tsp -K >/dev/null 2>&1; rm -rf \"$NQDIR\"/* \"$NQDIR\"/.[!.]* \"$TMPDIR\"/*; true")

    def reset(self):
        self.shell(self.reset_command())

    def places(self):
        """Where each jobctl contender keeps its table, and the filesystem (from `jobctl repository`)."""
        places = []
        for tool, repository in (("jobctl", self.repository), ("jobctl (/dev/shm)", self.shm_table)):
            out = self.shell(f"JOBCTL_REPOSITORY={repository} jobctl repository --json", check=True, capture=True)
            info = json.loads(out.stdout)["repository"]
            places.append(f"`{tool}`: `{info['table']}` ({info['filesystem']})")
        self.reset()
        return places

    def shell(self, script, check=False, capture=False):
        return subprocess.run(["bash", "-c", script], env=self.env, check=check,
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                              stderr=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)

    def close(self):
        self.shell("pkill -f 'sleep 30.123' ; true")
        self.reset()
        shutil.rmtree(self.dir, ignore_errors=True)


def hyperfine(sandbox, contender, runs, warmup):
    export = sandbox.dir / "hyperfine.json"
    command = ["hyperfine", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
               "--export-json", str(export)]
    # Commands of a few milliseconds run without a shell: hyperfine cannot
    # subtract a shell's start-up precisely enough at that scale.
    command += ["--shell", "bash"] if contender.shell else ["-N"]
    if contender.prepare:
        command += ["--prepare", contender.prepare]
    command.append(contender.command)
    subprocess.run(command, env={**sandbox.env, **contender.env}, check=True, stdout=subprocess.DEVNULL)
    return json.loads(export.read_text())["results"][0]["times"]


def run_interleaved(sandbox, case, rounds, runs, warmup, reset=True):
    """Each round gives every contender `runs` timed runs; the order rotates.
    reset=False keeps every tool's state between rounds (for a case filled once);
    a function is called instead of the sandbox's reset (for a case with state of its own)."""
    for round_index in range(rounds):
        order = case.contenders[round_index % len(case.contenders):] + case.contenders[:round_index % len(case.contenders)]
        for contender in order:
            contender.samples += hyperfine(sandbox, contender, runs, warmup)
            print(f"  {case.title}: {contender.tool} round {round_index + 1}/{rounds}", file=sys.stderr)
        if callable(reset):
            reset()
        elif reset:
            sandbox.reset()


def on_shm(sandbox, contender):
    """The same jobctl command, with its repository in /dev/shm instead of the home on disk."""
    return dataclasses.replace(contender, tool=f"{contender.tool} (/dev/shm)",
                               env={"JOBCTL_REPOSITORY": sandbox.shm_table}, samples=[])


SHM_NOTE = "`(/dev/shm)`: the same command with `JOBCTL_REPOSITORY=/dev/shm/<name>` (table and output in tmpfs)."


def submit_case(sandbox, size):
    jobctl = Contender("jobctl", "jobctl start -q -- true", shell=False)
    return Case(
        "Submit latency", "Start one trivial job and return.",
        [jobctl, on_shm(sandbox, jobctl),
         # A read-only verb on the same table: the exec, the CLI and the map,
         # what every jobctl command pays; a job 1 is made first if none is (untimed).
         Contender("jobctl get 1", "jobctl get 1", shell=False,
                   prepare="bash -c 'jobctl get 1 >/dev/null 2>&1 || jobctl start -q -- true >/dev/null'"),
         Contender("tsp", "tsp true", shell=False),
         Contender("nq", "nq -q true", shell=False),
         Contender("sh &", "sh -c 'true &'", shell=False)],
        note=SHM_NOTE + " `jobctl get 1` is not a peer: it is the floor of any jobctl command on that table.",
        target="jobctl start within 0.3 ms of `jobctl get 1`, below 0.85× `tsp true`, within 1.25× `sh -c 'true &'`")


def throughput_case(sandbox, jobs):
    reset = sandbox.reset_command()
    return Case(
        "Throughput", f"Submit {jobs} `true` jobs, then wait until all have finished (2 at a time where the tool has a limit).",
        [Contender("jobctl start + wait", f"for i in $(seq {jobs}); do jobctl start -q -- true >/dev/null; done; jobctl wait -q", reset),
         Contender("jobctl start + wait (session)", f"for i in $(seq {jobs}); do jobctl start -q -- true >/dev/null; done; jobctl wait -q", reset,
                   env=SESSION_ENV),
         Contender("jobctl --queue (2 slots)",
                   f"jobctl queue bench --slots 2 >/dev/null; for i in $(seq {jobs}); do jobctl start -q --queue bench -- true >/dev/null; done; jobctl wait -q",
                   reset),
         Contender("jobctl foreach -j 2", f"seq {jobs} | jobctl foreach -q -j 2 -- true >/dev/null", reset),
         Contender("tsp -S 2", f"tsp -S 2; for i in $(seq {jobs}); do tsp true >/dev/null; done; tsp -N 2 true >/dev/null; tsp -w", reset),
         Contender("nq", f"for i in $(seq {jobs}); do nq -q true; done; nq -w", reset),
         Contender("parallel -j2", f"seq {jobs} | parallel -j2 true", reset),
         Contender("xargs -P2", f"seq {jobs} | xargs -P2 -n1 true", reset),
         Contender("bash & + wait", f"for i in $(seq {jobs}); do /bin/true & done; wait", reset)],
        unit="s",
        note=SESSION_NOTE + " tsp waits on a last job that needs both slots (`-N 2`), so it starts after every other job ended. "
             "nq has no concurrency limit: it runs its queue one job at a time.",
        target="start + wait below 0.85× tsp; a 2-slot queue no slower than tsp -S 2")


def foreach_case(sandbox, jobs):
    reset = sandbox.reset_command()
    return Case(
        "Foreach", f"Run `true` for each of {jobs} inputs, 2 at a time, and wait for all.",
        [Contender("jobctl foreach -j 2", f"seq {jobs} | jobctl foreach -q -j 2 -- true >/dev/null", reset),
         Contender("jobctl foreach -j 2 (session)", f"seq {jobs} | jobctl foreach -q -j 2 -- true >/dev/null", reset,
                   env=SESSION_ENV),
         Contender("xargs -P2", f"seq {jobs} | xargs -P2 -n1 true", reset),
         Contender("parallel -j2", f"seq {jobs} | parallel -j2 true", reset)],
        unit="s",
        note=SESSION_NOTE,
        target="foreach -j 2 within 1.05× xargs -P2")


# Jobs held by their worker's session, not a cgroup each (JOBCTL_CONTAINMENT):
# beside the default, what a cgroup per job costs where one can be made.
SESSION_ENV = {"JOBCTL_CONTAINMENT": "session"}
SESSION_NOTE = ("`(session)`: the same with `JOBCTL_CONTAINMENT=session`: no cgroup per job (the default makes one "
                "where it can; on a machine where it cannot, both rows are the same).")


def wake_case(sandbox):
    jobctl = Contender("jobctl", "id=$(jobctl start -q -- sleep 0.2); jobctl wait -q $id")
    return Case(
        "Submit + wait of a 0.2 s job", "Start `sleep 0.2`, wait for it; the time past 200 ms is submit plus wake-up latency.",
        [jobctl, on_shm(sandbox, jobctl),
         dataclasses.replace(jobctl, tool="jobctl (session)", env=SESSION_ENV, samples=[]),
         Contender("tsp", "tsp sleep 0.2 >/dev/null; tsp -w"),
         Contender("nq", "nq -q sleep 0.2; nq -w"),
         Contender("bash", "sleep 0.2 & wait")],
        note=SHM_NOTE + " " + SESSION_NOTE,
        target="jobctl at most 0.3 ms later than bash")


def query_case(sandbox, jobs):
    # Filled once (untimed): every tool holds `jobs` finished jobs.
    sandbox.reset()
    fill = f"for i in $(seq {jobs}); do jobctl start -q -- true; done; jobctl wait -q"
    sandbox.shell(fill, check=True)
    sandbox.shell(f'export JOBCTL_REPOSITORY="$BENCH_SHM_TABLE"; {fill}', check=True)
    sandbox.shell(f"for i in $(seq {jobs}); do tsp true; done; tsp -w", check=True)
    sandbox.shell(f"for i in $(seq {jobs}); do nq -q true; done; nq -w", check=True)
    get = Contender("jobctl get", "jobctl get", shell=False)
    return Case(
        "Query", f"List a queue holding {jobs} finished jobs.",
        [get, on_shm(sandbox, get),
         Contender("jobctl get --json", "jobctl get --json", shell=False),
         Contender("tsp -l", "tsp -l", shell=False),
         Contender("nq (ls $NQDIR)", f"ls -l {sandbox.env['NQDIR']}", shell=False)],
        note="nq has no list command; its queue is the folder, so `ls -l` is how one lists it. " + SHM_NOTE,
        target="jobctl get faster than tsp -l")


def output_case(sandbox, mebibytes):
    size = f"{mebibytes}M"
    jobctl = Contender("jobctl", f"id=$(jobctl start -q -- head -c {size} /dev/zero); jobctl wait -q $id; "
                                 f"jobctl receive $id >/dev/null; jobctl remove $id")
    return Case(
        "Output", f"A job writes {mebibytes} MiB to stdout; then its output is read back to /dev/null.",
        [jobctl, on_shm(sandbox, jobctl),
         Contender("sh > file", f"sh -c 'head -c {size} /dev/zero > \"$TMPDIR/out\"'; cat \"$TMPDIR/out\" >/dev/null; rm \"$TMPDIR/out\""),
         Contender("tsp", f"tsp head -c {size} /dev/zero >/dev/null; tsp -w; cat \"$(tsp -o)\" >/dev/null; rm -f \"$(tsp -o)\"")],
        unit="s",
        note=SHM_NOTE,
        target="at least 1 GB/s both ways")


def line_output_case(sandbox, lines):
    # Filled once (untimed): a finished job that printed `lines` short lines
    # (seq: stdio blocks of 4 KiB), and the same bytes in a file for cat.
    sandbox.reset()
    sandbox.shell(f"id=$(jobctl start -q -- seq {lines}); jobctl wait -q $id; echo $id > \"$BENCH/line_job\"; "
                  f"seq {lines} > \"$BENCH/lines\"", check=True)
    out = '"$TMPDIR/lines.out"'
    return Case(
        "Line output", f"Hand over the output of a job that printed {lines} short lines (`seq {lines}`) into a file.",
        [Contender("jobctl receive --keep", f'jobctl receive --keep "$(cat "$BENCH/line_job")" > {out}'),
         Contender("cat", f'cat "$BENCH/lines" > {out}'),
         Contender("jobctl run -- seq", f"jobctl run -- seq {lines} > {out}"),
         Contender("seq > file", f"seq {lines} > {out}")],
        unit="s",
        note="`receive --keep` is the default merged receive, repeatable (nothing is marked received); "
             "`jobctl run` starts the job and receives it as it runs.",
        target="receive within 2× cat; run within 2× seq > file")


def slurm_unavailable():
    """Why the Slurm case cannot run here, or None when a controller answers."""
    missing = [tool for tool in ("sbatch", "scontrol", "squeue", "scancel") if shutil.which(tool) is None]
    if missing:
        return f"no Slurm client here ({', '.join(missing)} not on PATH)"
    try:
        ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "no Slurm controller answers (`scontrol ping` gave no answer within 30 s)"
    said = " ".join((ping.stdout + ping.stderr).split())
    if ping.returncode != 0 or "is UP" not in said:
        return f"no Slurm controller answers (`scontrol ping`: {said or f'exit status {ping.returncode}'})"
    return None


class SlurmBench:
    """The Slurm case's own state: a jobctl home and repository of its own, a folder for
    bare sbatch's files, and one job name for every job any contender submits, by which
    they are all cancelled. Jobs are not waited for: only submission is timed."""

    def __init__(self, sandbox):
        self.dir = sandbox.dir / "slurm"
        self.dir.mkdir()
        self.name = f"jobctl-bench-{os.getpid()}"  # the Slurm job name of every job submitted
        self.repository = f"jobctl-bench-slurm-{os.getpid()}"
        self.env = {"JOBCTL_HOME": str(self.dir / "jobctl"), "JOBCTL_REPOSITORY": self.repository}
        self.sandbox_env = {**sandbox.env, **self.env}
        # What jobctl feeds sbatch on stdin for `-- true` (lib/src/slurm/batch_script.cpp):
        # the command in a subshell, then its exit status to a file.
        self.script = self.dir / "job.sh"
        status = f'{self.dir}/sbatch-$SLURM_JOB_ID.status'
        self.script.write_text("#!/bin/sh\n# jobctl job\ntrap : HUP INT TERM USR1 USR2\n( exec 'true' )\nstatus=$?\n"
                               f"printf '%s\\n' \"$status\" > \"{status}.tmp\" && mv -f \"{status}.tmp\" \"{status}\"\n"
                               "exit $status\n")
        # Run before every timed run (untimed) and between rounds: cancels every job the bench
        # submitted, then waits (at most 60 s each) until squeue shows none of them and until
        # the jobctl workers and followers of the bench's repository have exited.
        self.cleanup = self.dir / "cleanup.sh"
        self.cleanup.write_text(
            "scancel --name=" + self.name + " 2>/dev/null\n"
            "for _ in $(seq 600); do\n"
            "  [[ -z $(squeue -h -n " + self.name + " -o %i 2>/dev/null) ]] && break\n"
            "  sleep 0.1\n"
            "done\n"
            "for _ in $(seq 600); do\n"
            "  pgrep -f 'jobctl-worker .*--repository " + self.repository + "( |$)' >/dev/null || break\n"
            "  sleep 0.1\n"
            "done\n"
            "true\n")
        self.prepare = f"bash {self.cleanup}"
        version = subprocess.run(["sbatch", "--version"], capture_output=True, text=True).stdout.strip()
        self.version = version or "slurm (version unknown)"

    def sbatch(self, stdin):
        """Bare sbatch with --output/--error files of its own in a temp folder, as jobctl gives it;
        with the script on stdin, also jobctl's --chdir."""
        files = f"--output={self.dir}/sbatch-%j.out --error={self.dir}/sbatch-%j.err"
        if stdin:
            return f"sbatch --parsable --job-name={self.name} {files} --chdir={self.dir} < {self.script}"
        return f"sbatch --parsable --job-name={self.name} {files} --wrap true"

    def sbatch_array(self, tasks):
        """Bare sbatch of one array of `tasks` `true` tasks, with files of its own as jobctl gives them."""
        files = f"--output={self.dir}/sbatch-%A_%a.out --error={self.dir}/sbatch-%A_%a.err"
        return f"sbatch --parsable --job-name={self.name} --array=0-{tasks - 1} {files} --wrap true"

    def jobctl_array(self, tasks):
        return f"jobctl foreach --on slurm --as-job -q --name {self.name} -- true ::: $(seq {tasks})"

    def jobctl(self, on_slurm):
        return f"jobctl start --on slurm -q --name {self.name} -- true" if on_slurm else "jobctl start -q -- true"

    def workers(self):
        return pids_where(lambda comm, argv: comm == "jobctl-worker" and self.repository in argv)

    def reset(self):
        """Every job cancelled and gone from squeue, every follower exited, the repository removed."""
        subprocess.run(["bash", str(self.cleanup)], env=self.sandbox_env, check=False)
        left = self.workers()
        for pid in left:  # only if the wait above ran out: ours, found by the repository in their argv
            print(f"  slurm: worker {pid} still running after the cleanup, stopping it", file=sys.stderr)
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        shutil.rmtree(self.dir / "jobctl", ignore_errors=True)
        for leftover in self.dir.glob("sbatch-*"):
            leftover.unlink(missing_ok=True)

    def close(self):
        self.reset()
        queued = subprocess.run(["squeue", "-h", "-n", self.name, "-o", "%i"],
                                capture_output=True, text=True).stdout.split()
        if queued:
            print(f"  slurm: jobs {' '.join(queued)} of {self.name} still in squeue", file=sys.stderr)


def slurm_submit_case(slurm):
    def contender(tool, command, shell=False, env=None):
        return Contender(tool, command, prepare=slurm.prepare, shell=shell, env=env or {})
    return Case(
        "Slurm submit latency", "Submit one `true` job to Slurm and return (the job is not waited for).",
        [contender("jobctl --on slurm", slurm.jobctl(True), env=slurm.env),
         contender("jobctl (local)", slurm.jobctl(False), env=slurm.env),
         contender("sbatch --wrap", slurm.sbatch(False)),
         contender("sbatch < script", slurm.sbatch(True), shell=True)],
        note=SLURM_NOTE,
        target="jobctl --on slurm ≤ 1.2× bare sbatch")


def slurm_throughput_case(slurm, jobs):
    def loop(tool, command, env=None):
        return Contender(tool, f"for i in $(seq {jobs}); do {command} >/dev/null; done", prepare=slurm.prepare,
                         env=env or {})
    return Case(
        "Slurm throughput", f"Submit {jobs} `true` jobs to Slurm in a loop, one command each (submission only: the "
                            "jobs are not waited for).",
        [loop("jobctl --on slurm", slurm.jobctl(True), env=slurm.env),
         loop("jobctl (local)", slurm.jobctl(False), env=slurm.env),
         loop("sbatch --wrap", slurm.sbatch(False)),
         loop("sbatch < script", slurm.sbatch(True))],
        unit="s",
        note=SLURM_NOTE,
        target=f"{jobs} submissions with jobctl --on slurm ≤ 1.2× bare sbatch")


def slurm_array_case(slurm, tasks):
    return Case(
        "Slurm array", f"Submit one array of {tasks} `true` tasks and return (the tasks are not waited for).",
        [Contender("jobctl foreach --on slurm", slurm.jobctl_array(tasks), prepare=slurm.prepare, env=slurm.env),
         Contender("sbatch --array", slurm.sbatch_array(tasks), prepare=slurm.prepare)],
        note=SLURM_NOTE + " Both run through bash (hyperfine subtracts its start-up); `$(seq N)` gives jobctl its inputs.",
        target="jobctl foreach --on slurm ≤ 1.1× sbatch --array")


def slurm_follower_load(slurm, jobs, window):
    """Submits `jobs` jobs held in Slurm's queue (sbatch --hold: they stay pending), then counts the
    repository's followers and the controller calls they make in `window` seconds, through wrappers of
    squeue, scontrol and sacct on PATH that log each call (the followers inherit the submitter's PATH)."""
    slurm.reset()
    wrappers = slurm.dir / "logging-bin"
    wrappers.mkdir(exist_ok=True)
    log = slurm.dir / "calls.log"
    for program in ("squeue", "scontrol", "sacct"):
        wrapper = wrappers / program
        wrapper.write_text(f"#!/bin/sh\necho \"{program} $*\" >> {log}\nexec {shutil.which(program)} \"$@\"\n")
        wrapper.chmod(0o755)
    env = {**slurm.sandbox_env, "PATH": f"{wrappers}:{slurm.sandbox_env['PATH']}"}
    started = time.monotonic()
    for _ in range(jobs):
        subprocess.run(["jobctl", "start", "--on", "slurm", "-q", "--name", slurm.name, "--slurm-arg=--hold", "--",
                        "true"], env=env, stdout=subprocess.DEVNULL, check=True)
    submitted = time.monotonic() - started
    during_submission = log.read_text().splitlines() if log.exists() else []
    log.write_text("")
    time.sleep(window)  # a window of the followers' life, not a wait for anything
    calls = log.read_text().splitlines()
    followers = pids_where(lambda comm, argv: comm == "jobctl-worker" and "--follow-slurm" in argv
                           and slurm.repository in argv)
    pending = subprocess.run(["squeue", "-h", "-n", slurm.name, "-t", "PD", "-o", "%i"],
                             capture_output=True, text=True).stdout.split()
    slurm.reset()
    return {"jobs": jobs, "pending": len(pending), "submitted": submitted, "followers": len(followers),
            "window": window, "calls": len(calls), "squeue": sum(c.startswith("squeue ") for c in calls),
            "other": [c.split(" --jobs=")[0] for c in calls if not c.startswith("squeue ")],
            "during_submission": len(during_submission)}


def slurm_load_markdown(load):
    if not load:
        return []
    other = ", ".join(sorted(set(load["other"]))) or "none"
    return ["### One follower for many jobs", "",
            f"{load['jobs']} jobs submitted with `jobctl start --on slurm --slurm-arg=--hold -- true` in a loop "
            f"({load['submitted']:.1f} s), so that they stay pending ({load['pending']} were, at the end); then, for "
            f"{load['window']} s, the processes following the repository and the calls they made to the controller, "
            "counted by wrappers of squeue, scontrol and sacct on PATH that log each call.", "",
            "| jobs | follower processes | controller calls in the window | of them squeue | other calls | "
            "calls while submitting |", "|---|---|---|---|---|---|",
            f"| {load['jobs']} | {load['followers']} | {load['calls']} | {load['squeue']} | {other} | "
            f"{load['during_submission']} |", "",
            "Each squeue call names every job followed (`squeue --user=UID --jobs=LIST --array --states=all`), and "
            "the interval doubles from 1 s to 30 s while nothing changes: a window of a minute after the last "
            "submission holds about six calls, whatever the number of jobs.", ""]


SLURM_NOTE = ("Every contender runs with the cleanup above as hyperfine's `--prepare` (untimed): no job of the bench "
              "is left in squeue and no follower of it runs when a timed run starts. `jobctl (local)` is "
              "`jobctl start -- true` without Slurm on the same repository: jobctl's own share (its exec, the "
              "registration in the table, spawning a worker), for reference; it is not a peer.")


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_for_sleeps(count, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # a benchmark, not a test: polling the process table is fine here
        if len(pids_where(lambda comm, argv: argv[:2] == ["sleep", "30.123"])) >= count:
            return True
        time.sleep(0.2)
    return False


def footprint_case(sandbox, jobs):
    """PSS of the processes that hold the jobs (not of the `sleep`s), per job."""
    results = []
    launches = [
        ("jobctl (workers)", f"for i in $(seq {jobs}); do jobctl start -q -- sleep 30.123 >/dev/null; done",
         # A worker forked by `jobctl start` keeps start's command line; an exec'd one names the repository.
         lambda comm, argv: comm == "jobctl-worker" and (argv[-2:] == ["sleep", "30.123"]
                                                         or sandbox.repository in argv)),
        ("tsp", f"tsp -S {jobs}; for i in $(seq {jobs}); do tsp sleep 30.123 >/dev/null; done",
         lambda comm, argv: comm == "tsp"),
        ("nq", f"for i in $(seq {jobs}); do nq -q sleep 30.123; done",
         lambda comm, argv: comm == "nq"),
        ("bash & (the shell)", f"bash -c 'for i in $(seq {jobs}); do sleep 30.123 & done; wait' &",
         lambda comm, argv: comm == "bash" and any("sleep 30.123 &" in a for a in argv)),
    ]
    for tool, launch, is_holder in launches:
        sandbox.shell(launch)
        started = wait_for_sleeps(jobs if tool != "nq" else 1)
        holders = pids_where(is_holder)
        kib = pss_kib(holders)
        results.append((tool, launch, len(holders), kib / jobs if started else float("nan")))
        sandbox.shell("jobctl stop --grace 0 --state Running,NotStarted >/dev/null 2>&1; pkill -f 'sleep 30.123'; true")
        time.sleep(1)
        sandbox.reset()
    return results


def run_library_bench(bin_dir, repetitions):
    out = subprocess.run([str(bin_dir / "library_bench"), f"--benchmark_repetitions={repetitions}",
                          "--benchmark_format=json", "--benchmark_min_time=0.2"],
                         check=True, capture_output=True, text=True)
    data = json.loads(out.stdout)
    rows = {}
    for bench in data["benchmarks"]:
        if bench.get("run_type") != "iteration":
            continue
        name = bench["run_name"].split("/")[0]
        value = bench["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[bench["time_unit"]]
        rows.setdefault(name, []).append((value, bench.get("items_per_second")))
    return rows


def format_time(seconds, unit):
    if unit == "s":
        return f"{seconds:.3f} s"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.1f} ms"


def machine_lines(slurm=None):
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    versions = []
    for tool, flag in (("tsp", "-V"), ("parallel", "--version"), ("hyperfine", "--version")):
        text = subprocess.run([tool, flag], capture_output=True, text=True)
        first = (text.stdout or text.stderr).strip().splitlines()
        versions.append(f"{tool} {first[0] if first else '?'}")
    if slurm:
        versions.append(f"Slurm {slurm.version}")
    return [f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; jobctl commit `{commit}` (Release build)",
            f"- Machine: {os.cpu_count()} cores, {cpu}, Linux {platform.release()}",
            f"- Peers: {'; '.join(versions)}; nq (Debian package)"]


def case_markdown(case):
    lines = [f"### {case.title}", "", case.what, ""]
    jobctl_rows = [c for c in case.contenders if c.tool.startswith("jobctl")]
    peers = [c for c in case.contenders if not c.tool.startswith("jobctl")]
    best_peer = min(peers, key=Contender.median)
    lines += ["| tool | command | median | min – max | runs | × best peer |", "|---|---|---|---|---|---|"]
    for c in case.contenders:
        ratio = c.median() / best_peer.median()
        lines.append(f"| {c.tool} | `{c.command}` | {format_time(c.median(), case.unit)} | "
                     f"{format_time(min(c.samples), case.unit)} – {format_time(max(c.samples), case.unit)} | "
                     f"{len(c.samples)} | {ratio:.2f} |")
    lines.append("")
    for c in jobctl_rows:
        lines.append(f"**{c.tool} / best peer ({best_peer.tool}) = {c.median() / best_peer.median():.2f}**")
    if case.target:
        lines.append(f"(target: {case.target})")
    if case.note:
        lines += ["", case.note]
    lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller cases (under 3 minutes)")
    parser.add_argument("--bin", default=str(ROOT / "build-release" / "bin"))
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--only", help="comma-separated cases to run, of: submit,wake,throughput,foreach,output,lines,query,ssh,"
                                       "footprint,library,slurm,scale (for working on one; the report then holds only those, "
                                       "except --only scale, which replaces only the Scale section of the report)")
    args = parser.parse_args()
    bin_dir = Path(args.bin)
    quick = args.quick
    sandbox = Sandbox(bin_dir)
    # An interrupted run still cleans up (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.monotonic()
    slurm, slurm_cases, slurm_skipped, slurm_load = None, [], None, None
    try:
        places = sandbox.places()
        wanted = set(args.only.split(",")) if args.only else None
        selected = lambda name: wanted is None or name in wanted
        cases = []
        plan = [
            ("submit", lambda: submit_case(sandbox, 0), (3, 10, 2) if quick else (5, 30, 3)),
            ("wake", lambda: wake_case(sandbox), (2, 4, 1) if quick else (4, 10, 1)),
            ("throughput", lambda: throughput_case(sandbox, 200 if quick else 1000), (1, 1, 0) if quick else (3, 1, 0)),
            ("foreach", lambda: foreach_case(sandbox, 1000 if quick else 10000), (1, 1, 0) if quick else (3, 1, 0)),
            ("output", lambda: output_case(sandbox, 256 if quick else 1024), (1, 2, 0) if quick else (3, 1, 0)),
        ]
        for name, make_case, (rounds, runs, warmup) in plan:
            if not selected(name):
                continue
            case = make_case()
            print(f"{case.title} ...", file=sys.stderr)
            run_interleaved(sandbox, case, rounds, runs, warmup)
            cases.append(case)
        if selected("lines"):
            lines_case = line_output_case(sandbox, 1_000_000 if quick else 10_000_000)
            print(f"{lines_case.title} ...", file=sys.stderr)
            run_interleaved(sandbox, lines_case, 2 if quick else 3, 2 if quick else 3, 0, reset=False)
            sandbox.reset()
            cases.append(lines_case)
        if selected("query"):
            query = query_case(sandbox, 200 if quick else 1000)
            print("Query ...", file=sys.stderr)
            run_interleaved(sandbox, query, 3 if quick else 5, 10 if quick else 20, 2, reset=False)
            # The query run fills the queues once; clear them only afterwards.
            sandbox.reset()
            cases.insert(min(3, len(cases)), query)
        if selected("ssh"):
            import bench_ssh  # scripts/bench_ssh.py, beside this file
            reason = bench_ssh.unavailable()
            if reason:
                print(f"ssh ... skipped: {reason}", file=sys.stderr)
            else:
                ssh_bench = bench_ssh.SshBench(sandbox)
                try:
                    case = bench_ssh.ssh_case(Case, Contender, ssh_bench)
                    print("ssh ...", file=sys.stderr)
                    run_interleaved(sandbox, case, 3 if quick else 5, 10 if quick else 30, 2, reset=False)
                    cases.append(case)
                finally:
                    ssh_bench.close()
                    sandbox.reset()
        if selected("slurm"):
            slurm_skipped = slurm_unavailable()
            if slurm_skipped:
                print(f"Slurm ... skipped: {slurm_skipped}", file=sys.stderr)
            else:
                slurm = SlurmBench(sandbox)
                slurm_jobs = 25 if quick else 100
                for make_case, (rounds, runs, warmup) in (
                        (lambda: slurm_submit_case(slurm), (3, 5, 1) if quick else (10, 5, 1)),
                        (lambda: slurm_throughput_case(slurm, slurm_jobs), (2, 1, 0) if quick else (5, 1, 0))):
                    case = make_case()
                    print(f"{case.title} ...", file=sys.stderr)
                    slurm.reset()
                    run_interleaved(sandbox, case, rounds, runs, warmup, reset=slurm.reset)
                    slurm_cases.append(case)
                array = slurm_array_case(slurm, 100 if quick else 1000)
                print(f"{array.title} ...", file=sys.stderr)
                slurm.reset()
                run_interleaved(sandbox, array, 2 if quick else 5, 3 if quick else 5, 1, reset=slurm.reset)
                slurm_cases.append(array)
                print("Slurm follower load ...", file=sys.stderr)
                slurm_load = slurm_follower_load(slurm, 100 if quick else 1000, 30 if quick else 65)
        footprint, library = [], {}
        if selected("footprint"):
            print("Footprint ...", file=sys.stderr)
            footprint = footprint_case(sandbox, 50 if quick else 200)
        if selected("library"):
            print("Library benchmarks ...", file=sys.stderr)
            library = run_library_bench(bin_dir, 3 if quick else 7)
        scale = []
        if selected("scale"):
            import bench_scale  # scripts/bench_scale.py, beside this file
            scale = bench_scale.run(sandbox, bin_dir, quick, Path(args.output).parent / "scale.svg")
    finally:
        if slurm:  # its jobs cancelled and its followers gone before the sandbox goes
            slurm.close()
        sandbox.close()

    if wanted == {"scale"}:
        # The Scale section alone: the rest of the report stays as the last run left it.
        splice_section(Path(args.output), "## Scale", scale)
        print(f"wrote the Scale section of {args.output}", file=sys.stderr)
        return
    lines = ["# Benchmarks", "",
             "Written by `scripts/bench.sh`" + (" --quick" if quick else "") + ". Every case runs every tool in the same run,",
             "interleaved (rounds rotate the order), with `hyperfine` timing whole commands (output to /dev/null;",
             "commands of a few milliseconds without a shell, `-N`). Medians and min–max",
             "of all runs; ratios against the best peer measured in the same run. The machine is shared and",
             "noisy: compare ratios, not absolute figures. `jobctl` keeps its repository in the jobctl home on",
             "disk, the default; `jobctl (/dev/shm)` runs the same command on a repository in /dev/shm.", ""]
    lines += machine_lines(slurm) + [f"- Repositories: {'; '.join(places)}",
                                f"- Mode: {'quick' if quick else 'full'}; wall time {time.monotonic() - started:.0f} s", ""]
    lines += summary_markdown(cases + slurm_cases, footprint, slurm_skipped, library)
    lines += shm_markdown(cases)
    if cases or footprint:
        lines += ["## Whole commands", ""]
    for case in cases:
        lines += case_markdown(case)
    if footprint:
        lines += footprint_markdown(footprint, 50 if quick else 200)
    if slurm or slurm_skipped:
        lines += slurm_markdown(slurm, slurm_cases, slurm_skipped)
        lines += slurm_load_markdown(slurm_load)
    lines += scale
    if library:
        lines += library_markdown(library)
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}", file=sys.stderr)


def splice_section(path, heading, section):
    """Replaces the section that starts at `heading` (up to the next heading of its level) in the
    markdown file at `path`, or puts it before "## In process" (else at the end) when it has none."""
    lines = path.read_text().splitlines() if path.exists() else ["# Benchmarks", ""]
    level = heading.split()[0] + " "
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(level)), len(lines))
    else:
        start = end = next((i for i, line in enumerate(lines) if line.startswith("## In process")), len(lines))
    path.write_text("\n".join(lines[:start] + section + lines[end:]) + "\n")


# Why a target can be missed: what is not ours to fix (see docs/decisions/0049-start-forks-its-worker.md).
MISSED_BECAUSE = {
    "submit": "`jobctl start` is `jobctl get`'s exec, option parsing and map of the table, plus a fork and the "
              "registration; the difference is the fork, the copy-on-write faults it makes the parent take, the "
              "registration (one lock round, a crash-safe slot write) and the command's lookup along PATH. "
              "Half of `jobctl`'s own samples are glibc's start-up CPU probing (CPUID traps to this VM's "
              "hypervisor), which every process pays once. See [Where the submit time goes](#where-the-submit-time-goes).",
    "wake": "jobctl runs two more processes than bash (the `jobctl wait`, and the worker, whose exec comes before "
            "the command's); the wake-up itself is a futex wake (see the in-process figures).",
    "foreach": "each child costs a registration and two state changes, and with cgroup containment a cgroup made "
               "and removed and a folder for its note, on top of xargs' spawn and wait; the `(session)` row is "
               "the same without cgroups.",
    "throughput": "each job is three execs here (the `jobctl` command, its worker, the command) against tsp's two "
                  "(its client; its server forks the command); see [Where the submit time goes](#where-the-submit-time-goes).",
    "queue": "as for start + wait, and each queued worker waits for its turn: a wake-up and a lock round per job.",
    "footprint": "a waiting worker keeps private the pages it touched while starting: its data and .bss (glibc's "
                 "and libstdc++'s static state), its stack and heap; see [Footprint](#footprint).",
    "query": "",
    "ssh": "a start asks the shared connection's master whether it is alive (ssh's mux protocol on its socket), "
           "then registers the job and forks its worker, which runs ssh through that connection.",
    "slurm": "see [Slurm](#slurm) for where the time goes.",
}


# Why the home on disk can be more than 1.1× slower than /dev/shm.
SHM_MISSED_BECAUSE = {
    "submit": "in a disk file, each process's first write to a page of the table takes one more fault (the "
              "filesystem's page_mkwrite), and the writes update the file's mtime through the journal; tmpfs "
              "does neither. Measured alone (perf stat, interleaved), the CPU time is the same within noise.",
    "wake": "as for submit: more write faults on the table's pages, and mtime updates through the journal.",
    "query": "`jobctl get` only reads the table; expect noise, not a difference.",
    "output": "the time goes into copying the bytes into the page cache. ext4 caches large writes in large "
              "folios; on a VM that hands free memory back to its host (virtio-balloon free page reporting), "
              "a large folio is probably memory the host discarded, and the first copy into it runs several "
              "times slower than into tmpfs's 4 KiB pages. It varies with the machine's memory state; reading "
              "back and removing are faster on disk.",
}


def median_of(cases, title, tool):
    for case in cases:
        if case.title == title:
            for contender in case.contenders:
                if contender.tool == tool:
                    return contender.median()
    return None


def summary_markdown(cases, footprint, slurm_skipped=None, library=None):
    rows = []

    def row(key, what, ratio, target, met):
        if ratio is None:
            return
        verdict = "met" if met else "missed: " + MISSED_BECAUSE.get(key, "")
        rows.append(f"| {what} | {ratio} | {target} | {verdict} |")

    def ratio(title, tool, peer):
        a, b = median_of(cases, title, tool), median_of(cases, title, peer)
        return None if a is None or b is None else a / b

    a, b = median_of(cases, "Submit latency", "jobctl"), median_of(cases, "Submit latency", "jobctl get 1")
    if a is not None and b is not None:
        row("submit", "submit: `jobctl start` − `jobctl get 1`", f"{(a - b) * 1e3:+.2f} ms", "≤ +0.3 ms", a - b <= 0.3e-3)
    r = ratio("Submit latency", "jobctl", "tsp")
    row("submit", "submit: `jobctl start` / `tsp true`", r and f"{r:.2f}×", "< 0.85×", r is not None and r < 0.85)
    r = ratio("Submit latency", "jobctl", "sh &")
    row("submit", "submit: `jobctl start` / `sh -c 'true &'`", r and f"{r:.2f}×", "≤ 1.25×", r is not None and r <= 1.25)
    a, b = median_of(cases, "Submit + wait of a 0.2 s job", "jobctl"), median_of(cases, "Submit + wait of a 0.2 s job", "bash")
    if a is not None and b is not None:
        row("wake", "submit + wait of 0.2 s: jobctl − bash", f"{(a - b) * 1e3:+.1f} ms", "≤ +0.3 ms", a - b <= 0.3e-3)
    r = ratio("Throughput", "jobctl start + wait", "tsp -S 2")
    row("throughput", "1000 jobs: `jobctl start` + `wait` / tsp", r and f"{r:.2f}×", "< 0.85×", r is not None and r < 0.85)
    r = ratio("Throughput", "jobctl --queue (2 slots)", "tsp -S 2")
    row("queue", "1000 jobs through a 2-slot queue: `jobctl start --queue` + `wait` / `tsp -S 2`", r and f"{r:.2f}×", "≤ 1×",
        r is not None and r <= 1)
    r = ratio("Foreach", "jobctl foreach -j 2", "xargs -P2")
    n = next((c.what.split(" inputs")[0].split()[-1] for c in cases if c.title == "Foreach"), "")
    row("foreach", f"{n} inputs: `jobctl foreach -j 2` / `xargs -P2`", r and f"{r:.2f}×", "≤ 1.05×",
        r is not None and r <= 1.05)
    r = ratio("Line output", "jobctl receive --keep", "cat")
    row("lines", "a job's short lines into a file: `jobctl receive` / `cat`", r and f"{r:.2f}×", "≤ 2×",
        r is not None and r <= 2)
    r = ratio("Line output", "jobctl run -- seq", "seq > file")
    row("lines", "short lines into a file: `jobctl run -- seq` / `seq > file`", r and f"{r:.2f}×", "≤ 2×",
        r is not None and r <= 2)
    r = ratio("Query", "jobctl get", "tsp -l")
    row("query", "list: `jobctl get` / `tsp -l`", r and f"{r:.2f}×", "< 1×", r is not None and r < 1)
    for case in cases:
        if case.title == "Output":
            mib = int(case.what.split(" MiB")[0].split()[-1])
            seconds = median_of(cases, "Output", "jobctl")
            rate = mib * 2**20 / seconds / 1e9
            # Both ways in sequence: each way is at least as fast as the two together.
            row("output", "output written then received, both in sequence", f"{rate:.2f} GB/s", "≥ 1 GB/s each way",
                rate >= 1)
    for tool, _, _, kib in footprint:
        if tool.startswith("jobctl"):
            row("footprint", "memory per waiting job (PSS)", f"{kib:.0f} KiB", "< 100 KiB", kib < 100)
    for case in cases:
        if case.title in ("Slurm submit latency", "Slurm throughput"):
            r = median_of(cases, case.title, "jobctl --on slurm") / best_sbatch(case).median()
            what = ("submit to Slurm: `jobctl start --on slurm` / bare `sbatch`" if case.title == "Slurm submit latency"
                    else f"{slurm_jobs(case)} jobs submitted to Slurm: `jobctl start --on slurm` loop / `sbatch` loop")
            row("slurm", what, f"{r:.2f}×", "≤ 1.2×", r <= 1.2)
    r = ratio("Slurm array", "jobctl foreach --on slurm", "sbatch --array")
    row("slurm", "an array submitted to Slurm: `jobctl foreach --on slurm` / `sbatch --array`", r and f"{r:.2f}×",
        "≤ 1.1×", r is not None and r <= 1.1)
    r = ratio("ssh", "jobctl start --on ssh", "ssh (shared connection)")
    row("ssh", "start on another host: `jobctl start --on ssh` / bare `ssh HOST true` (shared connection)",
        r and f"{r:.2f}×", "≤ 1.2×", r is not None and r <= 1.2)
    rates = [r for _, r in (library or {}).get("BM_ThreadJobsPerSecond", []) if r]
    if rates:
        rate = statistics.median(rates)
        row("threads", "in-process thread jobs (register, run, complete, wait; throttle 2)", f"{rate:,.0f}/s",
            "≥ 100,000/s", rate >= 100_000)
    if slurm_skipped:
        rows.append(f"| submit to Slurm: `jobctl start --on slurm` / bare `sbatch` | — | ≤ 1.2× | "
                    f"skipped: {slurm_skipped} |")
    if not rows:
        return []
    return ["## Against the targets", "", "| case | jobctl | target | |", "|---|---|---|---|", *rows, ""]


# The jobctl contender of each case that also runs on a repository in /dev/shm, and the
# seconds to leave out of the ratio (the 0.2 s sleep: what is left is jobctl's own time).
SHM_PAIRS = [("submit", "Submit latency", "jobctl", 0), ("query", "Query", "jobctl get", 0),
             ("wake", "Submit + wait of a 0.2 s job", "jobctl", 0.2), ("output", "Output", "jobctl", 0)]


def shm_markdown(cases):
    rows = []
    for key, title, tool, sleep in SHM_PAIRS:
        disk, shm = median_of(cases, title, tool), median_of(cases, title, f"{tool} (/dev/shm)")
        if disk is None or shm is None:
            continue
        unit = next(case.unit for case in cases if case.title == title)
        ratio = (disk - sleep) / (shm - sleep)
        verdict = "met" if ratio <= 1.1 else "missed: " + SHM_MISSED_BECAUSE.get(key, "")
        what = f"{title}: `{tool}`" + (f" (time past {sleep * 1e3:.0f} ms)" if sleep else "")
        rows.append(f"| {what} | {format_time(disk - sleep, unit)} | {format_time(shm - sleep, unit)} | "
                    f"{ratio:.2f}× | ≤ 1.1× | {verdict} |")
    if not rows:
        return []
    return ["## Home on disk / /dev/shm", "",
            "The same jobctl command on a repository in the jobctl home on disk (the default) and on one in",
            "/dev/shm, interleaved in the same run (medians).", "",
            "| case | home on disk | /dev/shm | disk / shm | target | |", "|---|---|---|---|---|---|", *rows, ""]


def best_sbatch(case):
    return min((c for c in case.contenders if c.tool.startswith("sbatch")), key=Contender.median)


def slurm_jobs(case):
    return int(case.what.split("Submit ")[1].split()[0])


def slurm_markdown(slurm, cases, skipped):
    lines = ["## Slurm", ""]
    if skipped:
        return lines + [f"Skipped: {skipped}. The case runs when `scontrol ping` says the controller is UP "
                        "(as root, `scripts/slurm-local.sh start` brings up a single-node Slurm).", ""]
    lines += [f"`jobctl start --on slurm` against bare `sbatch`, on the same controller ({slurm.version}), interleaved in",
              "the same run. Every job runs `true` under the job name "
              f"`{slurm.name}`; only submission is timed, the jobs are not waited for.",
              "Before every timed run (untimed, hyperfine's `--prepare`), between rounds and at the end, the bench",
              f"cancels them (`scancel --name={slurm.name}`), waits until `squeue -n {slurm.name}` shows none and",
              "until the jobctl workers and followers of its repository have exited; between rounds and at the end it",
              "also removes that repository (`JOBCTL_HOME` and `JOBCTL_REPOSITORY` of its own, in a temp folder).", "",
              "- `jobctl --on slurm`: `" + slurm.jobctl(True) + "`, run directly (`-N`): registers the job, writes its",
              "  batch script, runs `sbatch --parsable --job-name=… --output=<job folder>/slurm.out",
              "  --error=<job folder>/slurm.err --chdir=<cwd>` with the script on stdin, hands the job to the",
              "  repository's follower (`jobctl-worker --follow-slurm`, started first if none runs) and exits.",
              "- `sbatch --wrap`: `" + slurm.sbatch(False) + "`, run directly (`-N`).",
              "- `sbatch < script`: jobctl's sbatch command line with the same kind of script on stdin (the command,",
              "  then its status to a file): `" + slurm.sbatch(True) + "`, through bash",
              "  (hyperfine subtracts the shell's start-up).",
              "- `jobctl (local)`: `" + slurm.jobctl(False) + "` on the same repository, no Slurm: jobctl's own",
              "  exec, registration in the table and spawning a worker (a Slurm start hands the job to the",
              "  follower instead).", "",
              "| case | jobctl --on slurm | bare sbatch (best) | ratio | target | | jobctl (local) | jobctl − sbatch |",
              "|---|---|---|---|---|---|---|---|"]
    submits = [case for case in cases if case.title != "Slurm array"]
    for case in submits:
        jobctl = next(c for c in case.contenders if c.tool == "jobctl --on slurm")
        local = next(c for c in case.contenders if c.tool == "jobctl (local)")
        peer = best_sbatch(case)
        ratio = jobctl.median() / peer.median()
        what = "submit one job" if case.title == "Slurm submit latency" else f"submit {slurm_jobs(case)} jobs in a loop"
        lines.append(f"| {what} | {format_time(jobctl.median(), case.unit)} | "
                     f"{format_time(peer.median(), case.unit)} ({peer.tool}) | {ratio:.2f}× | ≤ 1.2× | "
                     f"{'met' if ratio <= 1.2 else 'missed'} | {format_time(local.median(), case.unit)} | "
                     f"{format_time(jobctl.median() - peer.median(), case.unit)} |")
    lines += ["", "Where the time goes: a `jobctl start --on slurm` is jobctl's own exec and registration in the table,",
              "then sbatch (the same submission RPC to slurmctld that bare sbatch makes, the script on stdin), then",
              "the hand-over to the follower (a lock, one table write per job, a line in its posts file); then it exits.",
              "`jobctl (local)` is the jobctl-only part (with a worker instead); `jobctl − sbatch` is what jobctl",
              "adds to a bare submission, in the same run."]
    per_job = {case.title: (next(c for c in case.contenders if c.tool == "jobctl --on slurm").median()
                            - best_sbatch(case).median()) / (slurm_jobs(case) if case.unit == "s" else 1)
               for case in submits}
    for case in cases:
        if case.title == "Slurm array":
            jobctl, peer = case.contenders[0], case.contenders[1]
            ratio = jobctl.median() / peer.median()
            lines += ["", f"One array of {case.what.split('array of ')[1].split()[0]} tasks: "
                          f"`jobctl foreach --on slurm --as-job` {format_time(jobctl.median(), case.unit)}, bare "
                          f"`sbatch --array` {format_time(peer.median(), case.unit)}: {ratio:.2f}× (target ≤ 1.1×, "
                          f"{'met' if ratio <= 1.1 else 'missed'}). jobctl registers a job for each task (every slot "
                          "written once, then again for the tasks' Slurm ids and for the hand-over to the follower, "
                          "one critical section each), where sbatch sends slurmctld one request for the whole array, "
                          "which the controller expands as the tasks start."]
    if len(per_job) == 2:
        lines += [f"Per job, jobctl adds {format_time(per_job['Slurm submit latency'], 'ms')} to one submission and "
                  f"{format_time(per_job['Slurm throughput'], 'ms')} in the loop. In the loop the follower (one",
                  "jobctl-worker for the repository, started by the first submission) takes each job while the next",
                  "are submitted, and the `true` jobs themselves start and end on the same two cores (slurmd,",
                  "slurmstepd, the batch script), each end waking the follower to record the outcome.",
                  "The follower asks slurmctld nothing for a job that ends by itself within its first second (the",
                  "batch script's status file says how it ended). A single submission, timed after the cleanup",
                  "(which waits for the follower to leave), also starts the follower: one fork, its exec not",
                  "waited for. On a real cluster, where sbatch is a network round trip to a remote",
                  "controller and the jobs run on other nodes, jobctl's fixed share is the `jobctl (local)` figure."]
    lines.append("")
    for case in cases:
        lines += case_markdown(case)
    return lines


def footprint_markdown(footprint, jobs):
    lines = ["### Footprint", "",
              f"Memory of the processes that hold {jobs} concurrent `sleep 30.123` jobs (PSS from "
              "`/proc/<pid>/smaps_rollup`, the `sleep`s themselves excluded), per job.", "",
              "| tool | launch | holder processes | PSS per job |", "|---|---|---|---|"]
    for tool, launch, holders, kib in footprint:
        lines.append(f"| {tool} | `{launch}` | {holders} | {kib:.0f} KiB |")
    lines += ["", "(target: jobctl under 100 KiB per job)", ""]
    return lines


def library_markdown(library):
    lines = ["## In process (Google Benchmark, `build-release/bin/library_bench`)", "",
              "| benchmark | median | min – max | repetitions | floor it compares with |", "|---|---|---|---|---|"]
    floors = {"BM_RepositoryFind": "—", "BM_ChangeNotificationPingPong": "BM_FloorFutexPingPong",
              "BM_ThreadJobRoundTrip": "BM_FloorSpawnTrue (a process job's floor)", "BM_ThreadJobsPerSecond": "—"}
    for name, runs in library.items():
        times = [t for t, _ in runs]
        rate = [r for _, r in runs if r]
        extra = f" ({statistics.median(rate):,.0f} jobs/s)" if rate else ""
        lines.append(f"| {name} | {format_time(statistics.median(times), 'auto')}{extra} | "
                     f"{format_time(min(times), 'auto')} – {format_time(max(times), 'auto')} | {len(times)} | "
                     f"{floors.get(name, 'floor')} |")
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
