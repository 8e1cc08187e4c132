#!/usr/bin/env python3
"""The C++ examples of the docs compile against the library and work.

Usage: cpp_examples.py --cxx COMPILER --source DIR --build DIR FILE.md...

Every fenced ```cpp block must be one of:
  ```cpp example         a whole program. It is compiled against the
                         library of the build (lib/include, libjobctl.a) and
                         run in a fresh JOBCTL_HOME; it must exit 0. If the
                         next fenced block is ```text output, what the
                         program printed on stdout must be that text.
  ```cpp file=PATH       a copy of the source file PATH (relative to the
                         source tree), which the build compiles and a test
                         runs; the block must be the file, byte for byte.
A ```cpp block with neither fails the test: the docs hold no C++ that no
compiler has seen.

Each example gets a temporary folder (its source, its program, its jobctl
home); the folder goes, with any process still carrying that home, even
when the example fails. Exit status: 0 when every example is as the docs
say, 1 otherwise.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

RUN_TIMEOUT = 60  # seconds for one example program


def parse_blocks(path):
    """[(line, info words, text)] of every fenced block."""
    blocks = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)(.*)$", lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        blocks.append((start + 1, [m.group(1)] + m.group(2).split(), "\n".join(body) + "\n"))
        i += 1
    return blocks


def processes_with(variable):
    wanted = variable.encode()
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if wanted in f.read().split(b"\0"):
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def kill_leftovers(jobctl_home):
    for pid in processes_with("JOBCTL_HOME=" + jobctl_home):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_example(where, source, expected, args):
    folder = tempfile.mkdtemp(prefix="jobctl-cpp-example-")
    jobctl_home = os.path.join(folder, "home")
    try:
        program = os.path.join(folder, "example")
        with open(program + ".cpp", "w", encoding="utf-8") as f:
            f.write(source)
        compiler = [args.cxx, "-std=c++20", "-Wall", "-Wextra", "-Werror", "-O1",
                    "-I", os.path.join(args.source, "lib", "include"), program + ".cpp",
                    os.path.join(args.build, "lib", "libjobctl.a"), "-pthread", "-o", program]
        if shutil.which("ccache"):
            compiler.insert(0, "ccache")
        built = subprocess.run(compiler, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if built.returncode != 0:
            return [f"{where}: does not compile:\n{built.stdout}"]
        env = {key: value for key, value in os.environ.items() if not key.startswith("JOBCTL_")}
        env.update(JOBCTL_HOME=jobctl_home, JOBCTL_WORKER=os.path.join(args.build, "bin", "jobctl-worker"))
        try:
            ran = subprocess.run([program], cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return [f"{where}: did not finish within {RUN_TIMEOUT} s"]
        failures = []
        if ran.returncode != 0:
            failures.append(f"{where}: exited {ran.returncode}; stderr:\n{ran.stderr}")
        if expected is not None and ran.stdout != expected:
            failures.append(f"{where}: the docs say it prints:\n{expected}it printed:\n{ran.stdout}")
        return failures
    finally:
        kill_leftovers(jobctl_home)
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cxx", required=True)
    parser.add_argument("--source", required=True, help="the source tree")
    parser.add_argument("--build", required=True, help="the build folder (lib/libjobctl.a, bin/jobctl-worker)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    args.source = os.path.abspath(args.source)
    args.build = os.path.abspath(args.build)
    failures = []
    examples = copies = 0
    for path in args.files:
        blocks = parse_blocks(path)
        for k, (line, info, text) in enumerate(blocks):
            if info[0] != "cpp":
                continue
            where = f"{path}:{line}"
            copy_of = [word[len("file="):] for word in info if word.startswith("file=")]
            if copy_of:
                copies += 1
                with open(os.path.join(args.source, copy_of[0]), encoding="utf-8") as f:
                    if f.read() != text:
                        failures.append(f"{where}: is not the same as {copy_of[0]}")
            elif "example" in info:
                examples += 1
                following = blocks[k + 1] if k + 1 < len(blocks) else None
                expected = following[2] if following and following[1][:2] == ["text", "output"] else None
                result = run_example(where, text, expected, args)
                print(f"{where}: {'FAILED' if result else 'ok'}", flush=True)
                failures += result
            else:
                failures.append(f"{where}: a cpp block must be marked 'example' or 'file=PATH'")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"C++ examples: {examples} built and run, {copies} copies of source files, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
