"""The scale section of the benchmark (scripts/bench.py, case `scale`): how
jobctl's commands grow with the number of jobs in one table, with concurrent
starters, and with the number of jobs one `jobctl wait --all` watches, each
beside the tool a user would otherwise use (tsp, bash), measured in the same
run. Writes its data to the sandbox, plots it with gnuplot to docs/scale.svg
and returns the markdown of the Scale section.

Every repository, tsp socket and FIFO lives in the bench's sandbox (on disk,
like a user's jobctl home) and is removed before the next part starts; no
process of it is left running.
"""

import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MAX_CAPACITY = 1048576  # JOBCTL_CAPACITY's upper bound: the "1M" table
ROOM = 1000  # free slots beside the N jobs, for the starts measured (trimmed after each)


def log(text):
    print(f"  scale: {text}", file=sys.stderr, flush=True)


def fmt_time(seconds):
    if seconds != seconds:  # nan
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def fmt_count(n):
    return {10: "10", 1000: "1k", 10_000: "10k", 100_000: "100k", 1_000_000: "1M"}.get(n, str(n))


class Scale:
    def __init__(self, sandbox, bin_dir, quick):
        self.sandbox = sandbox
        self.bin_dir = Path(bin_dir)
        self.quick = quick
        self.dir = sandbox.dir / "scale"
        self.dir.mkdir()
        self.fill_tool = str(self.bin_dir / "table_fill")
        self.results = {"ops": {}, "fill": {}, "tsp_fill": {}, "tsp_stopped": None, "evict": {},
                        "table": {}, "starters": {}, "wait": {}, "spool": {}}

    # --- helpers -------------------------------------------------------------------------------

    def env(self, **extra):
        env = dict(self.sandbox.env)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def run(self, script, env, check=True, capture=False, timeout=None):
        return subprocess.run(["bash", "-c", script], env=env, check=check, timeout=timeout,
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                              stderr=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)

    def hyperfine(self, env, command, runs, warmup, prepare="", cleanup=""):
        export = self.dir / "hyperfine.json"
        argv = ["hyperfine", "-N", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
                "--export-json", str(export)]
        if prepare:
            argv += ["--prepare", prepare]
        if cleanup:
            argv += ["--cleanup", cleanup]
        if command.startswith("-i "):  # a command that fails on purpose (a job not found)
            argv.append("--ignore-failure")
            command = command[3:]
        argv.append(command)
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:  # (its warnings about outliers are left out otherwise)
            sys.stderr.write(done.stderr)
            raise subprocess.CalledProcessError(done.returncode, argv)
        return json.loads(export.read_text())["results"][0]["times"]

    # --- 1. commands against the number of jobs in the table -----------------------------------

    def sizes(self):
        return [10, 1000, 10_000] if self.quick else [10, 1000, 10_000, 100_000, 1_000_000]

    def ops_case(self):
        tsp_budget = 60 if self.quick else 240  # seconds of filling tsp's list before its curve stops
        tsp_rate = None  # seconds per tsp job, from the last fill
        for n in self.sizes():
            capacity = min(n + ROOM, MAX_CAPACITY)
            repo = f"scale-{os.getpid()}-{n}"
            jenv = self.env(JOBCTL_REPOSITORY=repo, JOBCTL_CAPACITY=capacity)
            # The template: a real `true` job, run to its end by jobctl itself (job 1), and
            # received (only a job whose outcome was received may be evicted: the copies too).
            self.run("jobctl start -q -- true >/dev/null && jobctl wait -q 1 && jobctl receive 1", jenv)
            began = time.monotonic()
            self.run(f"table_fill fill 1 {n - 1}", jenv)
            self.results["fill"][n] = time.monotonic() - began
            log(f"{n} jobs: filled the table in {self.results['fill'][n]:.1f} s")
            info = json.loads(self.run("jobctl repository --json", jenv, capture=True).stdout)["repository"]
            table = Path(info["table"])
            spool = Path(info["spool"])
            stat = table.stat()
            self.results["table"][n] = {"capacity": capacity, "size": stat.st_size,
                                        "allocated": stat.st_blocks * 512,
                                        "spool": du_bytes(spool), "in_use": info["in_use"]}
            mid = max(n // 2, 2)
            restore = f"table_fill restore 1 {mid}"
            by_id, last = self.by_id_contenders(jenv)
            contenders = [
                ("start", "jobctl", jenv, "jobctl start -q -- true", "", f"table_fill trim {last}"),
                ("get ID", "jobctl", jenv, f"jobctl get {mid}", "", ""),
                ("get (all)", "jobctl", jenv, "jobctl get", "", ""),
                ("remove ID", "jobctl", jenv, f"jobctl remove {mid}", restore, restore),
            ] + by_id
            # tsp beside it, with its list filled with n finished `true` jobs, while that is practical.
            tenv = None
            if self.results["tsp_stopped"] is None:
                if tsp_rate is not None and tsp_rate * n > tsp_budget:
                    self.results["tsp_stopped"] = (n, f"filling its list with {n:,} jobs would take about "
                                                      f"{tsp_rate * n / 60:.0f} min ({tsp_rate * 1e3:.1f} ms a job, "
                                                      f"one job at a time through its server)")
                    log(f"{n} jobs: tsp's curve stops: {self.results['tsp_stopped'][1]}")
                else:
                    tenv, tsp_rate = self.tsp_fill(n, tsp_budget)
            if tenv is not None:
                tsp_trim = (f"bash -c 'tsp -w >/dev/null 2>&1; tsp -l | awk \"NR > 1 && \\$1 >= {n} {{print \\$1}}\" "
                            f"| xargs -r -n1 tsp -r'")
                contenders += [
                    ("start", "tsp", tenv, "tsp true", "", tsp_trim),
                    ("get ID", "tsp", tenv, f"tsp -s {mid}", "", ""),
                    ("get (all)", "tsp", tenv, "tsp -l", "", ""),
                    # tsp -r removes the last job added: the prepare adds one and waits for its end.
                    ("remove ID", "tsp", tenv, "tsp -r", "bash -c 'tsp true >/dev/null; tsp -w'", ""),
                ]
            rounds = 2 if self.quick else 3
            runs = 10 if n <= 10_000 else (5 if n <= 100_000 else 3)
            samples = {(op, tool): [] for op, tool, *_ in contenders}
            for r in range(rounds):
                k = r % len(contenders)
                for op, tool, env, command, prepare, cleanup in contenders[k:] + contenders[:k]:
                    samples[(op, tool)] += self.hyperfine(env, command, runs, 1, prepare, cleanup)
                log(f"{n} jobs: round {r + 1}/{rounds}")
            for key, times in samples.items():
                self.results["ops"].setdefault("|".join(key), {})[n] = times
            # A start on a full table: fill the room too; each start then evicts the oldest
            # finished job whose output was received (all of them: they have none).
            self.run(f"table_fill trim {n} && table_fill fill 1 {capacity - n}", jenv)
            times = []
            for _ in range(rounds):
                times += self.hyperfine(jenv, "jobctl start -q -- true", runs, 1)
            self.results["evict"][capacity] = times
            log(f"{n} jobs: start on the full table of {capacity:,}: {fmt_time(statistics.median(times))}")
            self.run("jobctl wait -q --newest 50 >/dev/null 2>&1; jobctl repository delete --force", jenv, check=False)
            shutil.rmtree(Path(self.sandbox.env["JOBCTL_HOME"]) / repo, ignore_errors=True)
            if tenv is not None:
                self.tsp_close(tenv)

    def by_id_contenders(self, jenv):
        """By-id (and by-name) work on one job of each type the bench can make here, added after the
        fill, and on an id that was removed (`get` of it exits 3: hyperfine's -i); and the last id used.
        Slurm jobs are left out: the bench runs without a cluster."""
        def job_id(script):
            return int(self.run(script, jenv, capture=True).stdout.split()[-1])
        ids = {"process": job_id("jobctl start -q --name bench-process -- true")}
        self.run(f"jobctl wait -q {ids['process']}", jenv)
        ids["foreach parent"] = job_id("printf 'a\\nb\\n' | jobctl foreach -q --as-job --name bench-each -- true")
        self.run("jobctl wait -q bench-each", jenv)
        ids["foreach child"] = ids["foreach parent"] + 1
        ids["custom"] = job_id(f"{self.bin_dir / 'jobctl-example-countdown'} bench-custom 1 1")  # prints its id
        gone = job_id("jobctl start -q -- true")
        self.run(f"jobctl wait -q {gone} && jobctl receive {gone} >/dev/null && jobctl remove {gone}", jenv)
        contenders = []
        for kind, job in ids.items():
            contenders += [(f"get ID|{kind}", "jobctl", jenv, f"jobctl get {job}", "", ""),
                           (f"wait ID|{kind}", "jobctl", jenv, f"jobctl wait -q {job}", "", ""),
                           (f"receive --keep ID|{kind}", "jobctl", jenv, f"jobctl receive --keep {job}", "", ""),
                           (f"stop ID|{kind}", "jobctl", jenv, f"jobctl stop {job}", "", "")]
        contenders += [("get NAME|process", "jobctl", jenv, "jobctl get bench-process", "", ""),
                       ("get ID|removed id", "jobctl", jenv, f"-i jobctl get {gone}", "", "")]
        return contenders, gone

    def tsp_fill(self, n, budget):
        """A tsp server of its own holding n finished `true` jobs; (env, seconds a job), or (None, rate)
        when filling ran past the budget."""
        folder = self.dir / f"tsp-{n}"
        folder.mkdir()
        tenv = self.env(TS_SOCKET=folder / "socket", TMPDIR=folder, TS_MAXFINISHED=n + ROOM)
        began = time.monotonic()
        try:
            self.run(f"for i in $(seq {n}); do tsp true; done >/dev/null; tsp -w", tenv, timeout=budget)
        except subprocess.TimeoutExpired:
            self.tsp_close(tenv)
            self.results["tsp_stopped"] = (n, f"filling its list with {n:,} jobs took more than {budget} s")
            log(f"{n} jobs: tsp's curve stops: {self.results['tsp_stopped'][1]}")
            return None, None
        seconds = time.monotonic() - began
        self.results["tsp_fill"][n] = seconds
        log(f"{n} jobs: filled tsp's list in {seconds:.1f} s")
        return tenv, seconds / n

    def tsp_close(self, tenv):
        self.run("tsp -K", tenv, check=False)
        shutil.rmtree(Path(tenv["TMPDIR"]), ignore_errors=True)

    # --- 2. concurrent starters on one table ---------------------------------------------------

    def starters_case(self):
        counts = [1, 2, 4, 8, 16]
        total = 160 if self.quick else 640  # starts per measurement, shared among the processes
        rounds = 2 if self.quick else 3
        repo = f"scale-{os.getpid()}-starters"
        jenv = self.env(JOBCTL_REPOSITORY=repo, JOBCTL_CAPACITY=65536)
        folder = self.dir / "tsp-starters"
        folder.mkdir()
        tenv = self.env(TS_SOCKET=folder / "socket", TMPDIR=folder, TS_MAXFINISHED=100000)
        self.run("jobctl start -q -- true >/dev/null && jobctl wait -q 1", jenv)  # job 1 stays: trims keep it
        variants = [
            ("jobctl start", jenv, "jobctl start -q -- true >/dev/null", "table_fill trim 1"),
            ("table only (register + finish, no spawn)", jenv, None, "table_fill trim 1"),
            ("tsp", tenv, "tsp true >/dev/null", "tsp -K"),
        ]
        for r in range(rounds):
            for p in counts:
                each = total // p
                for name, env, command, reset in variants:
                    each = total // p
                    if command is None:  # ~1 ms of process start-up would hide a few µs a registration
                        each = (4000 if self.quick else 20000) // p
                        loop = f"table_fill register {each} 2>/dev/null"
                    else:
                        loop = f"for i in $(seq {each}); do {command}; done"
                    script = " ".join(f"( {loop} ) &" for _ in range(p)) + " wait"
                    began = time.monotonic()
                    self.run(script, env)
                    seconds = time.monotonic() - began
                    self.results["starters"].setdefault(name, {}).setdefault(p, []).append(each * p / seconds)
                    self.run(reset, env, check=False)
            log(f"concurrent starters: round {r + 1}/{rounds}")
        # Where a lone starter's time goes: perf stat of one loop of starts, with the workers.
        self.results["perf"] = self.perf_starts(jenv)
        self.run("table_fill trim 1; jobctl repository delete --force", jenv, check=False)
        self.tsp_close(tenv)

    def perf_starts(self, jenv):
        if shutil.which("perf") is None:
            return None
        out = self.dir / "perf.txt"
        proc = self.run(f"perf stat -x, -o {out} -e task-clock,context-switches,cpu-migrations,page-faults "
                        f"-- bash -c 'for i in $(seq 200); do jobctl start -q -- true >/dev/null; done; "
                        f"jobctl wait -q'", jenv, check=False)
        if proc.returncode != 0 or not out.exists():
            return None
        figures = {}
        for line in out.read_text().splitlines():
            parts = line.split(",")
            if len(parts) > 2 and parts[0] and not line.startswith("#"):
                try:
                    figures[parts[2]] = float(parts[0])
                except ValueError:
                    pass
        self.run("table_fill trim 1", jenv, check=False)
        return figures

    # --- 2b. a start beside a reader of the whole table ----------------------------------------

    def reader_case(self):
        """jobctl start alone, beside a loop of `jobctl get` of the whole table, and beside a
        `jobctl get` stopped (SIGSTOP) in the middle of its listing: readers take no lock, so
        only the CPU they use may slow a start, and a stopped one not at all."""
        n = 100_000 if self.quick else 1_000_000
        runs = 20 if self.quick else 40
        repo = f"scale-{os.getpid()}-reader"
        jenv = self.env(JOBCTL_REPOSITORY=repo, JOBCTL_CAPACITY=min(n + ROOM, MAX_CAPACITY))
        self.run("jobctl start -q -- true >/dev/null && jobctl wait -q 1 && jobctl receive 1", jenv)
        self.run(f"table_fill fill 1 {n - 1}", jenv)
        start = "jobctl start -q -- true"
        trim = f"table_fill trim {n}"
        self.results["reader"] = {"jobs": n, "alone": self.hyperfine(jenv, start, runs, 3, cleanup=trim)}
        loop = subprocess.Popen(["bash", "-c", "while :; do jobctl get >/dev/null; done"], env=jenv,
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.results["reader"]["beside get"] = self.hyperfine(jenv, start, runs, 3, cleanup=trim)
        finally:
            os.killpg(loop.pid, signal.SIGKILL)
            loop.wait()
        # Its stdout a pipe nobody reads: it prints as it reads, so once the pipe is full it
        # waits there, in the middle of its listing; then it is stopped.
        reader = subprocess.Popen(["jobctl", "get"], env=jenv, stdout=subprocess.PIPE)
        wait_until(lambda: "pipe_write" in wchan(reader.pid), 60)
        os.kill(reader.pid, signal.SIGSTOP)
        try:
            self.results["reader"]["beside a stopped get"] = self.hyperfine(jenv, start, runs, 3, cleanup=trim)
        finally:
            os.kill(reader.pid, signal.SIGKILL)
            reader.wait()
        self.run("jobctl repository delete --force", jenv, check=False)
        r = self.results["reader"]
        log("start beside a reader: " + ", ".join(f"{k} {statistics.median(v) * 1e3:.2f} ms"
                                                  for k, v in r.items() if k != "jobs"))

    # --- 2c. a listing of every job, read as it is printed --------------------------------------

    def listing_case(self):
        """`jobctl get` and `get --json` of a full table: when the first line comes, when the
        last, and the listing's private memory (it prints as it reads the table)."""
        n = 100_000 if self.quick else 1_000_000
        repo = f"scale-{os.getpid()}-listing"
        jenv = self.env(JOBCTL_REPOSITORY=repo, JOBCTL_CAPACITY=min(n + ROOM, MAX_CAPACITY))
        self.run("jobctl start -q -- true >/dev/null && jobctl wait -q 1 && jobctl receive 1", jenv)
        self.run(f"table_fill fill 1 {n - 1}", jenv)
        self.results["listing"] = {"jobs": n}
        for name, argv in (("get", ["jobctl", "get"]), ("get --json", ["jobctl", "get", "--json"])):
            self.results["listing"][name] = [listing_once(argv, jenv) for _ in range(3 if self.quick else 5)]
        self.run("jobctl repository delete --force", jenv, check=False)
        log("listing: " + ", ".join(f"{k} first line {statistics.median(x['first'] for x in v) * 1e3:.0f} ms"
                                    for k, v in self.results["listing"].items() if k != "jobs"))

    def listing_text(self):
        listing = self.results.get("listing")
        if not listing:
            return []
        med = statistics.median
        lines = ["### A listing of every job", "",
                 f"`jobctl get` and `jobctl get --json` of a table of {listing['jobs']:,} finished jobs (filled as "
                 "above), read through a pipe as they print: when the first line came, when the last did, and the "
                 "peak of the listing's private memory (RssAnon, sampled every 10 ms: the table's pages it maps are "
                 "the page cache's). A listing prints as it reads (decision 64): it sorts the jobs' ids, then copies "
                 "each slot when its turn comes.", "",
                 "| listing | first line | last line | lines | private memory |", "|---|---|---|---|---|"]
        for name in ("get", "get --json"):
            runs = listing.get(name, [])
            if runs:
                lines.append(f"| `jobctl {name}` | {fmt_time(med(r['first'] for r in runs))} | "
                             f"{fmt_time(med(r['all'] for r in runs))} | {runs[0]['lines']:,} | "
                             f"{med(r['anon_kib'] for r in runs) / 1024:.0f} MiB |")
        return lines + [""]

    # --- 3. wait --all on 1, 100 and 1000 running jobs -----------------------------------------

    def wait_case(self):
        rounds = 1 if self.quick else 3
        for r in range(rounds):
            for k in (1, 100, 1000):
                for tool in ("jobctl wait --all", "bash wait"):
                    figures = self.wait_once(tool, k, r)
                    self.results["wait"].setdefault(tool, {}).setdefault(k, []).append(figures)
            log(f"wait --all: round {r + 1}/{rounds}")

    def wait_once(self, tool, k, r):
        fifo = self.dir / f"release-{k}-{r}-{'j' if tool.startswith('jobctl') else 'b'}"
        os.mkfifo(fifo)
        repo = f"scale-{os.getpid()}-wait-{k}-{r}"
        env = self.env(JOBCTL_REPOSITORY=repo, JOBCTL_CAPACITY=16384)
        limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        is_cat = lambda comm, argv: argv == ["cat", str(fifo)]
        if tool.startswith("jobctl"):
            self.run(f"ulimit -n 1024; for i in $(seq {k}); do jobctl start -q -- cat {fifo} >/dev/null; done", env)
            wait_until(lambda: len(pids_where(is_cat)) >= k, 120)
            time.sleep(0.5)
            waiter = subprocess.Popen(["jobctl", "wait", "--all", "-q"], env=env, preexec_fn=limit,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(1.0 + k / 1000)  # it has opened a pidfd on every owner
        else:
            waiter = subprocess.Popen(["bash", "-c", f"for i in $(seq {k}); do cat {fifo} >/dev/null & done; wait"],
                                      env=env, preexec_fn=limit, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_until(lambda: len(pids_where(is_cat)) >= k, 120)
            time.sleep(0.5)
        pss, hwm = memory_kib(waiter.pid)
        cpu_before = cpu_seconds(waiter.pid)
        # Release: every `cat` is blocked opening the FIFO; a writer that opens and closes it
        # lets them all read end-of-file at once. (A helper releases again after 5 s, in case
        # one `cat` was not yet blocked in its open: it would hold the waiter forever.)
        released = time.monotonic()  # before: the open wakes the readers, which may end before it returns
        release(fifo)
        stop = threading.Event()

        def release_stragglers():
            if not stop.wait(5):
                while not stop.wait(1):
                    release(fifo)
        helper = threading.Thread(target=release_stragglers, daemon=True)
        helper.start()
        os.waitid(os.P_PID, waiter.pid, os.WEXITED | os.WNOWAIT)
        exited, exited_wall = time.monotonic(), time.time()
        stop.set()
        helper.join()
        cpu_after = cpu_seconds(waiter.pid)
        _, status, usage = os.wait4(waiter.pid, 0)
        waiter.returncode = os.waitstatus_to_exitcode(status)
        figures = {"pss_kib": pss, "hwm_kib": hwm, "status": waiter.returncode,
                   "release_to_exit": exited - released,
                   # jobctl: its whole life, from wait4 (µs); bash: /proc ticks (10 ms) after the release
                   "cpu_s": usage.ru_utime + usage.ru_stime if tool.startswith("jobctl") else cpu_after - cpu_before,
                   "maxrss_kib": usage.ru_maxrss if tool.startswith("jobctl") else hwm}
        if tool.startswith("jobctl"):
            jobs = json.loads(self.run("jobctl get --json", env, capture=True).stdout)["jobs"]
            ends = [parse_time(j["ended"]) for j in jobs if j.get("ended")]
            figures["last_end_to_exit"] = exited_wall - max(ends) if len(ends) == k else float("nan")
            figures["finished"] = len(ends)
            if waiter.returncode != 0:
                figures["error"] = (waiter.stderr.read() or b"").decode(errors="replace").strip()[:200]
            self.run("jobctl repository delete --force", env, check=False)
        wait_until(lambda: not pids_where(is_cat), 30)
        fifo.unlink()
        return figures

    # --- 4. memory -----------------------------------------------------------------------------

    def spool_case(self):
        jobs = 50 if self.quick else 200
        repo = f"scale-{os.getpid()}-spool"
        env = self.env(JOBCTL_REPOSITORY=repo, JOBCTL_CAPACITY=16384)
        self.run(f"for i in $(seq {jobs}); do jobctl start -q -- true >/dev/null; done; jobctl wait -q", env)
        info = json.loads(self.run("jobctl repository --json", env, capture=True).stdout)["repository"]
        spool = Path(info["spool"])
        self.results["spool"]["jobctl"] = (jobs, du_bytes(spool), count_entries(spool))
        self.run("jobctl repository delete --force", env, check=False)
        folder = self.dir / "tsp-spool"
        folder.mkdir()
        tenv = self.env(TS_SOCKET=folder / "socket", TMPDIR=folder, TS_MAXFINISHED=100000)
        self.run(f"for i in $(seq {jobs}); do tsp true >/dev/null; done; tsp -w", tenv)
        server = tsp_servers(tenv["TS_SOCKET"])
        pss = sum(memory_kib(pid)[0] for pid in server)
        self.results["spool"]["tsp"] = (jobs, du_bytes(folder) - 4096, count_entries(folder) - 1)  # less the socket
        self.results["spool"]["tsp_server_pss_kib"] = (pss, len(server))
        self.tsp_close(tenv)

    # --- the plot and the markdown -------------------------------------------------------------

    def write_data(self):
        data = self.dir / "data"
        data.mkdir(exist_ok=True)
        med = statistics.median
        for key, by_n in self.results["ops"].items():
            op, tool = key.rsplit("|", 1)  # "get ID|removed id|jobctl": the op holds a '|' too
            name = f"ops-{tool}-{op.replace(' ', '_').replace('|', '_').replace('(', '').replace(')', '')}.dat"
            (data / name).write_text("".join(f"{n} {med(t) * 1e3:.6f}\n" for n, t in sorted(by_n.items())))
        (data / "ops-jobctl-start_full.dat").write_text(
            "".join(f"{n} {med(t) * 1e3:.6f}\n" for n, t in sorted(self.results["evict"].items())))
        for name, by_p in self.results["starters"].items():
            short = {"jobctl start": "jobctl", "tsp": "tsp"}.get(name, "register")
            (data / f"starters-{short}.dat").write_text("".join(f"{p} {med(r):.3f}\n" for p, r in sorted(by_p.items())))
        for tool, by_k in self.results["wait"].items():
            short = "jobctl" if tool.startswith("jobctl") else "bash"
            rows = []
            for k, runs in sorted(by_k.items()):
                m = lambda key: med([x[key] for x in runs])
                rows.append(f"{k} {m('release_to_exit') * 1e3:.3f} {m('cpu_s') * 1e3:.3f} {m('maxrss_kib'):.0f}\n")
            (data / f"wait-{short}.dat").write_text("".join(rows))
        return data

    def plot(self, output):
        if shutil.which("gnuplot") is None:
            log("gnuplot not found: no picture (scripts/bench.sh installs gnuplot-nox)")
            return False
        if not self.results["ops"]:
            return False  # a run of other parts only (BENCH_SCALE_PARTS): nothing to draw
        data = self.write_data()
        d = lambda name: f"'{data / name}'"
        have = lambda name: (data / name).exists()
        ops = []
        styles = {"start": 1, "get_ID": 2, "get_all": 3, "remove_ID": 4}
        labels = {"start": "start", "get_ID": "get ID", "get_all": "get (all)", "remove_ID": "remove ID"}
        for op, color in styles.items():
            for tool, dash in (("jobctl", 1), ("tsp", 2)):
                name = f"ops-{tool}-{op}.dat"
                if have(name):
                    ops.append(f"{d(name)} using 1:2 with linespoints lc {color} dt {dash} pt {6 + dash} "
                               f"title '{tool} {labels[op]}'")
        ops.append(f"{d('ops-jobctl-start_full.dat')} using 1:2 with linespoints lc 7 dt 1 pt 5 "
                   "title 'jobctl start, full table (evicts)'")
        starters = [f"{d('starters-' + s + '.dat')} using 1:2 with linespoints lc {c} pt 7 title '{t}'"
                    for s, c, t in (("jobctl", 1, "jobctl start"), ("register", 3, "table only (no spawn)"),
                                    ("tsp", 2, "tsp")) if have(f"starters-{s}.dat")]
        script = f"""
set terminal svg size 1200,900 dynamic enhanced font 'sans,11' background rgb 'white'
set output '{output}'
set multiplot layout 2,2 title 'jobctl at scale ({'quick' if self.quick else 'full'} run; medians; dashed: the peer)'
set logscale xy
set grid
set key top left font ',9'
set title 'Commands against jobs in the table'
set xlabel 'jobs in the table'
set ylabel 'ms per command'
plot {', '.join(ops)}
set title 'Concurrent starters on one table'
set xlabel 'processes starting at once'
set ylabel 'starts per second'
set key bottom right
plot {', '.join(starters)}
set title 'wait --all: release of the jobs to the waiter''s exit'
set xlabel 'running jobs waited for'
set ylabel 'ms'
set key top left
plot {d('wait-jobctl.dat')} using 1:2 with linespoints lc 1 pt 7 title 'jobctl wait --all', \\
     {d('wait-bash.dat')} using 1:2 with linespoints lc 2 dt 2 pt 8 title 'bash wait'
set title 'wait --all: the waiter''s CPU time and peak RSS'
set ylabel 'CPU ms'
set y2label 'peak RSS, KiB'
set y2tics
set logscale y2
set key top left
plot {d('wait-jobctl.dat')} using 1:3 with linespoints lc 1 pt 7 title 'jobctl CPU', \\
     {d('wait-bash.dat')} using 1:3 with linespoints lc 2 dt 2 pt 8 title 'bash CPU (after the release)', \\
     {d('wait-jobctl.dat')} using 1:4 axes x1y2 with linespoints lc 1 dt 3 pt 5 title 'jobctl RSS', \\
     {d('wait-bash.dat')} using 1:4 axes x1y2 with linespoints lc 2 dt 4 pt 4 title 'bash RSS'
unset multiplot
"""
        (self.dir / "scale.gp").write_text(script)
        subprocess.run(["gnuplot", str(self.dir / "scale.gp")], check=True)
        return True

    def markdown(self, picture):
        med = statistics.median
        res = self.results
        lines = ["## Scale", "",
                 f"Written by `scripts/bench.sh{' --quick' if self.quick else ''}` (case `scale`: "
                 "`python3 scripts/bench.py --only scale` runs it alone and replaces only this section). "
                 "Medians of all runs; tsp and bash measured in the same run, interleaved.", ""]
        if picture:
            lines += ["![scale](scale.svg)", ""]
        # 1. ops
        lines += ["### Commands against the number of jobs in the table", "",
                  "Each table holds N finished jobs, every one a copy of the slot of a real `jobctl start -- true` "
                  "that ran to its end (Completed, exit code 0, no output: such a job has no spool folder, so "
                  "neither have the copies), written by `build-release/bin/table_fill` through the table's own "
                  f"API. Capacity N + {ROOM} (at 1M: {1_000_000 + ROOM:,}; JOBCTL_CAPACITY allows up to "
                  f"{MAX_CAPACITY:,}), so that `start` finds a free slot; the jobs each `start` run adds are removed after it (hyperfine `--cleanup`), and "
                  "`remove ID` removes the same job each run (the fill tool puts it back, untimed). "
                  "`start (full table)` fills the room too, so that every start evicts the oldest finished "
                  "job whose output was received (the fill's jobs all qualify: they have none); there N is the "
                  "capacity. tsp: a server of its own with `TS_MAXFINISHED=N+1000`, its list filled with N "
                  "finished `true` jobs; `tsp -s ID`, `tsp -l`, `tsp -r` (of a job added and finished before "
                  "each run, untimed), `tsp true`. `hyperfine -N`, output to /dev/null.", ""]
        sizes = sorted({n for by_n in res["ops"].values() for n in by_n})
        head = "| N | " + " | ".join(f"{op} jobctl | tsp | ×" for op in ("start", "get ID", "get (all)", "remove ID"))
        lines += [head + " | start (full table) |", "|" + "---|" * (2 + 4 * 3)]
        evict = sorted(res["evict"].items())
        for i, n in enumerate(sizes):
            cells = [fmt_count(n)]
            for op in ("start", "get ID", "get (all)", "remove ID"):
                j = res["ops"].get(f"{op}|jobctl", {}).get(n)
                t = res["ops"].get(f"{op}|tsp", {}).get(n)
                cells += [fmt_time(med(j)) if j else "—", fmt_time(med(t)) if t else "—",
                          f"{med(j) / med(t):.2f}" if j and t else "—"]
            cap, times = evict[i] if i < len(evict) else (None, None)
            cells.append(f"{fmt_time(med(times))} (N = {cap:,})" if times else "—")
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "× is jobctl / tsp (below 1: jobctl is faster).", ""]
        fills = ", ".join(f"{fmt_count(n)} in {s:.1f} s" for n, s in sorted(res["fill"].items()))
        tfills = ", ".join(f"{fmt_count(n)} in {s:.0f} s" for n, s in sorted(res["tsp_fill"].items()))
        lines += [f"Filling: jobctl (table_fill) {fills}; tsp (one `tsp true` after another) {tfills}."]
        if res["tsp_stopped"]:
            n, why = res["tsp_stopped"]
            lines += [f"tsp's curve stops before {fmt_count(n)}: {why}."]
        elif max(sizes, default=0) < 1_000_000:
            lines += ["(Quick run: up to 10k jobs; the full run goes on to 100k and 1M.)"]
        lines += [""] + self.growth_text(sizes) + [""]
        lines += self.by_id_text(sizes)
        # 2. starters
        lines += ["### Concurrent starters on one table", "",
                  "P processes at once, each running a loop of `jobctl start -q -- true` (P × loop = "
                  f"{160 if self.quick else 640} starts) on one repository; starts per second over the wall "
                  "time of all of them. `table only` is the same loop through `table_fill register` (the table's "
                  "share of a start: one `add` and one `update` under the robust lock, no process started); "
                  "tsp: P loops of `tsp true` on one server.", "",
                  "| processes | jobctl start /s | table only /s | tsp /s | jobctl / tsp |", "|---|---|---|---|---|"]
        st = res["starters"]
        for p in sorted(st.get("jobctl start", {})):
            j = med(st["jobctl start"][p])
            reg = med(st.get("table only (register + finish, no spawn)", {}).get(p, [float("nan")]))
            t = med(st.get("tsp", {}).get(p, [float("nan")]))
            lines.append(f"| {p} | {j:,.0f} | {reg:,.0f} | {t:,.0f} | {j / t:.2f} |")
        lines += [""] + self.starters_text() + [""]
        # 2b. a start beside a reader
        if "reader" in res:
            r = res["reader"]
            lines += ["### A start beside a reader of the whole table", "",
                      f"`jobctl start -q -- true` on a table of {r['jobs']:,} finished jobs: alone; beside a loop "
                      "of `jobctl get` of the whole table; and beside a `jobctl get` stopped (SIGSTOP) in the middle of "
                      "its listing (it prints as it reads: once its stdout, a pipe nobody reads, is full). Readers take no lock (they copy slots between two reads of "
                      "each slot's sequence number), so a reader costs a start only the CPU it uses, and a stopped "
                      "one nothing. Before layout 8, `get` held the lock while it copied the table: a start waited "
                      "for the whole copy, and for ever behind a stopped `get`.", "",
                      "| beside | median | max |", "|---|---|---|"]
            for key in ("alone", "beside get", "beside a stopped get"):
                if key in r:
                    lines.append(f"| {key} | {fmt_time(med(r[key]))} | {fmt_time(max(r[key]))} |")
            lines += [""]
        # 3. wait
        lines += ["### `wait --all` on running jobs", "",
                  "K jobs, each `cat FIFO` (blocked until the bench opens and closes the FIFO's write end: all "
                  "end at once), then `jobctl wait --all -q` under `ulimit -n 1024`. Beside it bash: "
                  "`for …; do cat FIFO & done; wait`, same FIFO release, same limit. Wake-up is measured from "
                  "the release to the waiter's exit (seen by waitid); for jobctl also from the last end the "
                  "jobs' workers recorded. CPU: the waiter's own user + system time (jobctl: whole life; bash: "
                  "after the release, since the same shell also started the jobs). Memory: the waiter's peak "
                  "RSS, and its PSS just before the release.", "",
                  "| K | jobctl: release → exit | last end → exit | CPU | peak RSS | PSS | bash: release → exit "
                  "| CPU | RSS | PSS | exit status |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        w = res["wait"]
        for k in sorted(w.get("jobctl wait --all", {})):
            j = w["jobctl wait --all"][k]
            b = w.get("bash wait", {}).get(k, [])
            mj = lambda key: med([x[key] for x in j])
            mb = lambda key: med([x[key] for x in b]) if b else float("nan")
            statuses = sorted({x["status"] for x in j})
            lines.append(f"| {k} | {fmt_time(mj('release_to_exit'))} | {fmt_time(mj('last_end_to_exit'))} | "
                         f"{fmt_time(mj('cpu_s'))} | {mj('maxrss_kib'):,.0f} KiB | {mj('pss_kib'):,.0f} KiB | "
                         f"{fmt_time(mb('release_to_exit'))} | {fmt_time(mb('cpu_s'))} | {mb('maxrss_kib'):,.0f} KiB | "
                         f"{mb('pss_kib'):,.0f} KiB | {', '.join(map(str, statuses))} |")
        errors = {x.get("error") for runs in w.get("jobctl wait --all", {}).values() for x in runs if x.get("error")}
        if errors:
            lines += ["", "jobctl wait said: " + "; ".join(f"`{e}`" for e in errors)]
        lines += [""] + self.wait_text() + [""]
        lines += self.listing_text()
        # 4. memory
        slot = self.slot_bytes()
        lines += ["### Memory", "",
                  f"Table: {slot:,} bytes a slot (the difference of two tables' sizes over the difference of "
                  "their capacities), the rest a fixed header; file size / capacity below includes the header.", "",
                  "| | capacity | file size | file size / capacity | allocated on disk | spool |",
                  "|---|---|---|---|---|---|"]
        for n, t in sorted(res["table"].items()):
            lines.append(f"| table with {fmt_count(n)} jobs | {t['capacity']:,} | {t['size'] / 2**20:,.1f} MiB | "
                         f"{t['size'] / t['capacity']:.0f} | {t['allocated'] / 2**20:,.1f} MiB | "
                         f"{t['spool']:,} B |")
        sp = res["spool"]
        if "jobctl" in sp:
            jobs, size, entries = sp["jobctl"]
            tjobs, tsize, tentries = sp.get("tsp", (jobs, 0, 0))
            pss, servers = sp.get("tsp_server_pss_kib", (0, 0))
            lines += ["", f"Spool per finished job with no output ({jobs} real `jobctl start -- true` jobs): "
                          f"{size / jobs:,.0f} bytes and {entries / jobs:.2f} files or folders a job (du of the "
                          f"spool folder). tsp: {tsize / tjobs:,.0f} bytes and {tentries / tjobs:.2f} files a job "
                          f"(an output file each, empty), and its server's PSS with {tjobs} finished jobs "
                          f"{pss:,} KiB ({servers} process). A jobctl job's record is its table slot: "
                          f"{self.slot_bytes():,} bytes, allocated on disk when the slot is first used (the file "
                          "has its whole size from the start but is sparse, and a slot takes memory once it is "
                          "touched)."]
        lines.append("")
        return lines

    def slot_bytes(self):
        """Bytes a slot adds to the table file: the difference of two tables' sizes over their capacities."""
        tables = sorted(self.results["table"].values(), key=lambda t: t["capacity"])
        if len(tables) < 2:
            return round(tables[0]["size"] / tables[0]["capacity"]) if tables else 0
        a, b = tables[0], tables[-1]
        return round((b["size"] - a["size"]) / (b["capacity"] - a["capacity"]))

    def growth_text(self, sizes):
        """What grows how: each op's median at the largest N over the smallest."""
        med = statistics.median
        if len(sizes) < 2:
            return []
        lo, hi = sizes[0], sizes[-1]
        parts = []
        for op in ("start", "get ID", "get (all)", "remove ID"):
            by_n = self.results["ops"].get(f"{op}|jobctl", {})
            if lo in by_n and hi in by_n:
                parts.append(f"`{op}` {fmt_time(med(by_n[lo]))} → {fmt_time(med(by_n[hi]))} "
                             f"({med(by_n[hi]) / med(by_n[lo]):.1f}×)")
        ev = sorted(self.results["evict"].items())
        if len(ev) >= 2:
            parts.append(f"`start` on a full table {fmt_time(med(ev[0][1]))} → {fmt_time(med(ev[-1][1]))} "
                         f"({med(ev[-1][1]) / med(ev[0][1]):.1f}×)")
        text = [f"From {fmt_count(lo)} to {fmt_count(hi)} jobs ({hi // lo:,}× the jobs): " + "; ".join(parts) + "."]
        grew = lambda op: (lambda by_n: lo in by_n and hi in by_n and med(by_n[hi]) > 10 * med(by_n[lo]))(
            self.results["ops"].get(f"{op}|jobctl", {}))
        if grew("get ID") or grew("remove ID"):
            text += ["", "`get ID` or `remove ID` grew with the table: they should not. Both find their jobs "
                     "through the index in the table (decision 61); `remove` walks the table only while some "
                     "unfinished job waits for another (`start --after`), and this bench has none."]
        ev = sorted(self.results["evict"].items())
        if len(ev) >= 2 and med(ev[-1][1]) > 10 * med(ev[0][1]):
            text += ["", "A start on a full table grows with it too: to free a slot it evicts through "
                     "`evict_oldest_received` (lib/src/table/job_table.cpp), which walks every slot twice, "
                     "builds a hash set and a list of every evictable family and sorts it, under the lock, to "
                     "free one slot. It stays: it happens only once the table is full, and evicting more than "
                     "the one slot needed would drop history a user may still look at; `jobctl remove "
                     "--finished` now and then keeps a big table from filling."]
        return text

    def by_id_text(self, sizes):
        """One job of each type among the N: each op's median at each N, and the largest N over the smallest."""
        med = statistics.median
        ops = sorted({key.rsplit("|", 1)[0] for key in self.results["ops"] if key.count("|") == 2})
        if not ops or len(sizes) < 1:
            return []
        lines = ["### By id and by name, for each type of job", "",
                 "Beside the N copies: a process job (`jobctl start -- true`), a foreach run of two inputs "
                 "(`--as-job`: its parent and a child), a custom job (`jobctl-example-countdown`), each "
                 "finished, and an id that was removed (`get` exits 3). Each command is timed as a user runs it "
                 "(`hyperfine -N`). The index in the table (decision 61) is meant to keep each flat: the last "
                 "column is the largest table over the smallest.", "",
                 "| command | job | " + " | ".join(fmt_count(n) for n in sizes) + " | × |",
                 "|---|---|" + "---|" * (len(sizes) + 1)]
        for op in ops:
            by_n = self.results["ops"].get(f"{op}|jobctl", {})
            command, kind = op.split("|")
            cells = [f"`{command}`", kind] + [fmt_time(med(by_n[n])) if n in by_n else "—" for n in sizes]
            lo, hi = sizes[0], sizes[-1]
            cells.append(f"{med(by_n[hi]) / med(by_n[lo]):.2f}" if lo in by_n and hi in by_n else "—")
            lines.append("| " + " | ".join(cells) + " |")
        return lines + [""]

    def starters_text(self):
        med = statistics.median
        st = self.results["starters"]
        if "jobctl start" not in st:
            return []
        best_p, best = max(((p, med(r)) for p, r in st["jobctl start"].items()), key=lambda x: x[1])
        reg = st.get("table only (register + finish, no spawn)", {})
        reg_best = max((med(r) for r in reg.values()), default=float("nan"))
        text = [f"One table sustained at most {best:,.0f} starts/s here (P = {best_p}, on {os.cpu_count()} cores), "
                f"while the table alone took {reg_best:,.0f} registrations/s (each an `add` and an `update`, two "
                f"lock rounds): the robust lock is {reg_best / best:.0f}× faster than the starts, so the spawn "
                "(the `jobctl` exec, the fork and exec of its worker, the command), not the lock, limits `jobctl start`."]
        perf = self.results.get("perf")
        if perf and "task-clock" in perf:
            text += [f"perf stat of 200 starts in a row (with their workers and commands, then `jobctl wait`): "
                     f"{perf['task-clock'] / 200:.2f} ms of CPU per start, "
                     f"{perf.get('context-switches', 0) / 200:.0f} context switches and "
                     f"{perf.get('page-faults', 0) / 200:.0f} page faults per start."]
        return text

    def wait_text(self):
        med = statistics.median
        w = self.results["wait"]
        j, b = w.get("jobctl wait --all", {}), w.get("bash wait", {})
        ks = sorted(set(j) & set(b))
        if len(ks) < 2:
            return []
        lo, hi = ks[0], ks[-1]
        m = lambda runs, key: med([x[key] for x in runs])
        ok = all(x["status"] == 0 and x.get("finished") == hi for x in j[hi])
        text = [f"With {hi:,} jobs under `ulimit -n 1024`, `jobctl wait --all` "
                + ("saw every job end and exited 0 in every run." if ok else
                   "did not end cleanly in every run (exit status and message in the table above).")]
        text += [f"Release to exit: jobctl {fmt_time(m(j[lo], 'release_to_exit'))} with {lo} job, "
                 f"{fmt_time(m(j[hi], 'release_to_exit'))} with {hi:,}; bash {fmt_time(m(b[lo], 'release_to_exit'))} "
                 f"and {fmt_time(m(b[hi], 'release_to_exit'))} (jobctl / bash = "
                 f"{m(j[lo], 'release_to_exit') / m(b[lo], 'release_to_exit'):.1f} and "
                 f"{m(j[hi], 'release_to_exit') / m(b[hi], 'release_to_exit'):.1f}). With many jobs most of it is "
                 f"the jobs ending: each jobctl job's worker wakes, records the outcome under the lock and exits, "
                 f"on {os.cpu_count()} cores; the waiter itself exits "
                 f"{fmt_time(m(j[hi], 'last_end_to_exit'))} after the last end a worker recorded."]
        rss_per_job = (m(j[hi], "maxrss_kib") - m(j[lo], "maxrss_kib")) * 1024 / (hi - lo)
        text += [f"The waiter's CPU grows from {fmt_time(m(j[lo], 'cpu_s'))} to {fmt_time(m(j[hi], 'cpu_s'))} "
                 f"and its peak RSS from {m(j[lo], 'maxrss_kib'):,.0f} to {m(j[hi], 'maxrss_kib'):,.0f} KiB "
                 f"(about {rss_per_job:,.0f} bytes a watched job); bash's own CPU after the release is "
                 f"{fmt_time(m(b[hi], 'cpu_s'))} for {hi:,} children."]
        return text


def du_bytes(path):
    path = Path(path)
    if not path.exists():
        return 0
    out = subprocess.run(["du", "-s", "-B1", str(path)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else 0


def count_entries(path):
    path = Path(path)
    if not path.exists():
        return 0
    return sum(1 for _ in path.rglob("*"))


def pids_where(predicate):
    """Pids of the processes whose (comm, argv) the predicate accepts; kernel threads (no argv) never.
    bench.py uses it too."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if predicate(comm, [a.decode(errors="replace") for a in argv if a]) and not argv == [b""]:
            pids.append(int(entry.name))
    return pids


def release(fifo):
    """Opens the FIFO's write end and closes it: every reader blocked in its open reads end-of-file."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:  # ENXIO: no reader (left)
        pass


def tsp_servers(socket):
    """The tsp server processes whose TS_SOCKET is `socket`."""
    found = []
    for pid in pids_where(lambda comm, argv: comm == "tsp"):
        try:
            if f"TS_SOCKET={socket}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.append(pid)
        except OSError:
            pass
    return found


def wchan(pid):
    """Where in the kernel the process waits (/proc/PID/wchan): "anon_pipe_write" on a full pipe."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


def listing_once(argv, env):
    """One listing read as it comes: seconds to its first line and to its end, the lines, and
    the peak of its private memory (RssAnon, sampled every 10 ms; the table's pages it maps
    are the page cache's, shared, and left out)."""
    began = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, bufsize=1 << 20)
    peak = [0]

    def sample():
        while process.poll() is None:
            try:
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                    if line.startswith("RssAnon:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    first, lines = None, 0
    for _ in process.stdout:
        if first is None:
            first = time.monotonic() - began
        lines += 1
    process.wait()
    sampler.join()
    return {"first": first, "all": time.monotonic() - began, "lines": lines, "anon_kib": peak[0]}


def minor_faults(pid):
    """Field 10 of /proc/PID/stat: the pages the process has touched so far."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(text[text.rindex(")") + 2:].split()[7])


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def memory_kib(pid):
    """(PSS, peak RSS) of a process, in KiB."""
    pss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return pss, hwm


def cpu_seconds(pid):
    """The process's own user + system time (not its children's); readable from a zombie too."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_time(text):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run(sandbox, bin_dir, quick, output_svg):
    """Runs the scale section; returns its markdown lines."""
    scale = Scale(sandbox, bin_dir, quick)
    steps = [("memory", scale.spool_case), ("commands against table size", scale.ops_case),
             ("concurrent starters", scale.starters_case), ("start beside a reader", scale.reader_case),
             ("listing", scale.listing_case), ("wait --all", scale.wait_case)]
    saved = os.environ.get("BENCH_SCALE_RESULTS")  # a results.json of an earlier run: only plot and write
    if saved:
        scale.results = load_results(Path(saved))
    else:
        only = os.environ.get("BENCH_SCALE_PARTS")  # for working on one part: e.g. "wait --all"
        for name, step in steps:
            if only and name not in only.split(","):
                continue
            print(f"Scale: {name} ...", file=sys.stderr, flush=True)
            step()
        kept = Path(tempfile.gettempdir()) / f"jobctl-bench-scale-{os.getpid()}.json"
        kept.write_text(json.dumps(scale.results))
        print(f"Scale: figures kept in {kept} (BENCH_SCALE_RESULTS={kept} plots them again)", file=sys.stderr)
    picture = scale.plot(output_svg)
    return scale.markdown(picture)


def load_results(path):
    """results.json as run() wrote it, its numeric keys (JSON strings) back to numbers."""
    def numeric(d):
        return {int(k) if k.isdigit() else k: v for k, v in d.items()}
    results = json.loads(path.read_text())
    for part in ("fill", "tsp_fill", "evict", "table"):
        results[part] = numeric(results.get(part, {}))
    results["ops"] = {key: numeric(by_n) for key, by_n in results.get("ops", {}).items()}
    for part in ("starters", "wait"):
        results[part] = {key: numeric(by) for key, by in results.get(part, {}).items()}
    return results
