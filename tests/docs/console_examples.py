#!/usr/bin/env python3
"""The docs cannot drift from the program: every console example is run.

Usage: console_examples.py --bin DIR [--block FILE:LINE] [--packages SETUP_SH README] FILE.md...

A fenced block opened with ```console is an example to run. Each line that
starts with "$ " is a command (a line ending in "\\" goes on with the next
line); the lines after it, up to the next command, are what it prints,
stdout and stderr together. A block opened with ```console no-run is shown
but not run: keep those for what needs Slurm, cron, ssh or a long wait.

Each block runs in one bash, with its commands in order, in a fresh folder
that stands for /home/alice, with a fresh JOBCTL_HOME in it
(/home/alice/.local/state/jobctl) and the programs of --bin first on PATH.
Before comparing, both sides are masked (see mask()): times, pids, boot ids,
the file system's name, the host name and the temporary folder, so that
what is left is what the program decides. Runs of blanks count as two, so a
table whose masked column got wider or narrower still matches. An expected
line "..." stands for any number of lines.

Whatever happens, each block's repositories are deleted with
`jobctl repository delete --force` (which stops their jobs), any process
still carrying the block's JOBCTL_HOME is killed, and the folder is removed.
With --packages, it also checks that the README names every Debian package
that scripts/setup.sh installs (the README once left cron out).
Exit status: 0 when every example printed what the docs say, 1 otherwise.
"""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BLOCK_TIMEOUT = 120  # seconds for one block; a block that takes longer fails
DOC_HOME = "/home/alice"
MARKER = "@@jobctl-docs-command@@"


class Block:
    def __init__(self, path, line, info):
        self.path = path
        self.line = line  # of the opening fence, 1-based
        self.info = info  # the words after ```console
        self.commands = []  # [(line, command text, [expected lines])]

    def where(self):
        return f"{self.path}:{self.line}"


def parse_blocks(path):
    blocks = []
    block = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        text = lines[i]
        if block is None:
            m = re.match(r"^```console\b(.*)$", text)
            if m:
                block = Block(path, i + 1, m.group(1).split())
            elif text.startswith("```"):
                # Skip any other fenced block whole, so that its lines are not taken for fences.
                i += 1
                while i < len(lines) and not lines[i].startswith("```"):
                    i += 1
            i += 1
            continue
        if text.startswith("```"):
            blocks.append(block)
            block = None
        elif text.startswith("$ "):
            start = i + 1
            command = text[2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command + "\n" + lines[i]
            block.commands.append((start, command, []))
        elif block.commands:
            block.commands[-1][2].append(text)
        elif text.strip():
            raise SystemExit(f"{path}:{i + 1}: a console block must start with a '$ ' command")
        i += 1
    if block is not None:
        raise SystemExit(f"{block.where()}: the console block is not closed")
    return blocks


def mask(text, home, host):
    """What varies from run to run or machine to machine, made constant."""
    if home:
        text = text.replace(home, DOC_HOME)
    if host and host != "vm":
        text = re.sub(r"(?<![\w.-])" + re.escape(host) + r"(?![\w.-])", "vm", text)
    # Times: ISO 8601 in UTC (JSON, --timestamps) and local times of tables and watch lines.
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d(\.\d+)?)?", "<time>", text)
    # Pids, as JSON fields and in messages.
    text = re.sub(r'"(owner_pid|process_id)": \d+', r'"\1": <pid>', text)
    text = re.sub(r"\b(pid|process) \d+", r"\1 <pid>", text)
    # The boot id, and the file system the jobctl home is on.
    text = re.sub(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<boot-id>", text)
    text = re.sub(r"^(Filesystem\s+)\S+", r"\1<fs>", text, flags=re.M)
    text = re.sub(r'"filesystem": "[^"]*"', '"filesystem": "<fs>"', text)
    # Measured figures (get --resources): times with two decimals, and memory
    # on the same lines.
    text = re.sub(r"^(.*\b\d+\.\d\ds\b.*)$",
                  lambda line: re.sub(r"\b\d+(\.\d)?[KMGT]\b", "<mem>",
                                      re.sub(r"\b\d+\.\d\ds\b", "<time>", line.group(1))),
                  text, flags=re.M)
    # Blanks: runs of them count as two, and none at the end of a line.
    text = re.sub(r"[ \t]{2,}", "  ", text)
    text = re.sub(r"[ \t]+$", "", text, flags=re.M)
    return text


def lines_match(expected, actual):
    """expected may hold "..." lines, each standing for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(lines_match(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and lines_match(expected[1:], actual[1:])


def processes_with(variable):
    """Pids of the processes whose environment holds `variable` (NAME=VALUE)."""
    wanted = variable.encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if wanted in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def clean_up(folder, jobctl_home, env):
    """Stop and delete every repository of the block, kill what is left, remove the folder."""
    if os.path.isdir(jobctl_home):
        for name in sorted(os.listdir(jobctl_home)):
            if os.path.exists(os.path.join(jobctl_home, name, "table")):
                subprocess.run(["jobctl", "repository", "delete", "--force"],
                               env=dict(env, JOBCTL_REPOSITORY=name), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    for _ in range(10):  # a process may fork while it is killed: look again
        pids = processes_with("JOBCTL_HOME=" + jobctl_home)
        if not pids:
            break
        for pid in pids:
            try:
                handle = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                signal.pidfd_send_signal(handle, signal.SIGKILL)
                select.select([handle], [], [], 5)  # readable once it has died
            except OSError:
                pass
            finally:
                os.close(handle)
    shutil.rmtree(folder, ignore_errors=True)


def run_block(block, bin_dir, host):
    folder = tempfile.mkdtemp(prefix="jobctl-docs-")
    jobctl_home = os.path.join(folder, ".local", "state", "jobctl")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JOBCTL_", "XDG_"))}
    env.update(HOME=folder, JOBCTL_HOME=jobctl_home, PATH=bin_dir + os.pathsep + env.get("PATH", ""),
               LC_ALL="C.UTF-8", TZ="UTC", COLUMNS="200", NO_COLOR="1", TERM="dumb")
    script = ["exec 2>&1"]
    for index, (_, command, _) in enumerate(block.commands):
        script.append(f"printf '{MARKER} {index}\\n'")
        script.append(command)
    script.append(f"printf '{MARKER} end\\n'")
    failures = []
    process = subprocess.Popen(["bash", "--noprofile", "--norc", "-c", "\n".join(script)], cwd=folder, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True)
    try:
        try:
            output, _ = process.communicate(timeout=BLOCK_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            failures.append(f"{block.where()}: did not finish within {BLOCK_TIMEOUT} s")
        text = output.decode("utf-8", errors="replace")
        pieces = re.split(re.escape(MARKER) + r" (\d+|end)\n", text)
        printed = {}
        for k in range(1, len(pieces) - 1, 2):
            if pieces[k] != "end":
                printed[int(pieces[k])] = pieces[k + 1]
        for index, (line, command, expected) in enumerate(block.commands):
            if index not in printed:
                failures.append(f"{block.path}:{line}: never ran: $ {command}")
                continue
            want = mask("\n".join(expected), folder, host).split("\n")
            got = mask(printed[index], folder, host).rstrip("\n")
            got = got.split("\n") if got else []
            want = want if want != [""] else []
            if not lines_match(want, got):
                failures.append(f"{block.path}:{line}: $ {command}\n"
                                + "  the docs say:\n" + "".join(f"    {w}\n" for w in want)
                                + "  the program printed:\n" + "".join(f"    {g}\n" for g in got))
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        clean_up(folder, jobctl_home, env)
    return failures


def packages_of(setup_script):
    """The Debian packages of the packages=(...) list of scripts/setup.sh."""
    with open(setup_script, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("packages=(")), None)
    if start is None:
        raise SystemExit(f"{setup_script}: no packages=(...) list")
    words = []
    for line in lines[start:]:
        code = line.split("#")[0]
        if line is lines[start]:
            code = code[len("packages=("):]
        words += code.split(")")[0].split()
        if ")" in code:
            return words
    raise SystemExit(f"{setup_script}: the packages=(...) list is not closed")


def check_packages(setup_script, readme):
    """Every package setup.sh installs is named in the README's Install section."""
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Install\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if not m:
        return [f"{readme}: no '## Install' section"]
    return [f"{readme}: the Install section does not name the package '{package}' that {setup_script} installs"
            for package in packages_of(setup_script)
            if not re.search(r"(?<![\w.+-])" + re.escape(package) + r"(?![\w.+-])", m.group(1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="the folder of jobctl and jobctl-worker")
    parser.add_argument("--block", action="append", default=[], help="run only the block opened at FILE:LINE")
    parser.add_argument("--packages", nargs=2, metavar=("SETUP_SH", "README"),
                        help="also check that README names every package SETUP_SH installs")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin)
    host = socket.gethostname()
    failures = check_packages(*args.packages) if args.packages else []
    ran = skipped = 0
    for path in args.files:
        for block in parse_blocks(path):
            if args.block and not any(block.where().endswith(b) for b in args.block):
                continue
            if "no-run" in block.info:
                skipped += 1
                continue
            if not block.commands:
                failures.append(f"{block.where()}: a console block without a command")
                continue
            started = time.monotonic()
            block_failures = run_block(block, bin_dir, host)
            ran += 1
            status = "FAILED" if block_failures else "ok"
            print(f"{block.where()}: {len(block.commands)} commands, {time.monotonic() - started:.1f} s: {status}",
                  flush=True)
            failures += block_failures
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"console examples: {ran} blocks run, {skipped} not run (no-run), {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
