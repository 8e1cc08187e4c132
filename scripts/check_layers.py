#!/usr/bin/env python3
"""Checks the architecture's import rules on the #include lines (test.sh runs it first).

1. Only lib/src/table/ (and tests/) includes the slot layout or the headers built on it
   (TABLE_PRIVATE): nothing else reads or writes a slot's bytes. The library changes a
   job through table/job_lifecycle.hpp; JobTable::update is private to it, and
   segment_layout.hpp refuses to compile without JOBCTL_TABLE_INTERNALS, which only
   table/'s sources and the tests define.
2. The CLI (jobctl/) includes only the public headers ("jobctl/...") and its own files.
3. The library's folders import only down the layers:
   text < system < table < output < jobs < ssh < process_jobs < slurm < thread_jobs < api.

Every breach fails; there are no exceptions (issue 23 took the last of them away: the
CLI builds against the public library target, without lib/src on its include path).
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["text", "system", "table", "output", "jobs", "ssh", "process_jobs", "slurm", "thread_jobs", "api"]
TABLE_PRIVATE = {"table/segment_layout.hpp", "table/slot_access.hpp", "table/slot_patch.hpp",
                 "table/state_history.hpp", "table/slot_sequence.hpp"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def breaches(path, header):
    """The rules `path` breaks by including `header` (both relative to the root / lib/src)."""
    found = []
    folder = path.parts
    if header in TABLE_PRIVATE and not str(path).startswith("lib/src/table/"):
        if folder[0] in ("lib", "jobctl", "worker"):
            found.append("the slot layout outside table/")
    if folder[0] == "jobctl" and "/" in header and not header.startswith("jobctl/"):
        own = (ROOT / "jobctl" / header).exists()
        if not own:
            found.append("the CLI includes a library-internal header")
    if folder[:2] == ("lib", "src") and len(folder) > 3 and "/" in header:
        here, there = folder[2], header.split("/")[0]
        if here in LAYERS and there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
            found.append(f"{here} imports up, from {there}")
    return found


def main():
    failures = []
    for folder in ("lib", "jobctl", "worker"):
        for path in sorted((ROOT / folder).rglob("*.[ch]pp")):
            relative = path.relative_to(ROOT)
            for header in INCLUDE.findall(path.read_text()):
                for rule in breaches(relative, header):
                    failures.append(f"{relative} -> {header}: {rule}")
    for failure in failures:
        print(f"check-layers: {failure}", file=sys.stderr)
    if failures:
        return 1
    print("check-layers: every include keeps the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
