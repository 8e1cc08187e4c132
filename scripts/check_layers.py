#!/usr/bin/env python3
"""Checks the architecture's import rules on the #include lines (test.sh runs it first).

1. Only lib/src/table/ (and tests/) includes the slot layout or the headers built on it
   (TABLE_PRIVATE): nothing else reads or writes a slot's bytes. The library changes a
   job through table/job_lifecycle.hpp; JobTable::update is private to it, and
   segment_layout.hpp refuses to compile without JOBCTL_TABLE_INTERNALS, which only
   table/'s sources and the tests define.
2. The CLI (jobctl/) includes only the public headers ("jobctl/...") and its own files.
3. The library's folders import only down the layers:
   text < system < table < output < jobs < process_jobs < slurm < thread_jobs < api.

An include that broke a rule before the rule was checked is listed in
scripts/layer_exceptions.txt ("FILE -> HEADER"); the list may only shrink: a new
breach fails, and so does a listed one that is gone (take it off the list).
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["text", "system", "table", "output", "jobs", "process_jobs", "slurm", "thread_jobs", "api"]
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
    allowed = set()
    listed = ROOT / "scripts" / "layer_exceptions.txt"
    for line in listed.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            allowed.add(line)
    seen = set()
    failures = []
    for folder in ("lib", "jobctl", "worker"):
        for path in sorted((ROOT / folder).rglob("*.[ch]pp")):
            relative = path.relative_to(ROOT)
            for header in INCLUDE.findall(path.read_text()):
                for rule in breaches(relative, header):
                    key = f"{relative} -> {header}"
                    seen.add(key)
                    if key not in allowed:
                        failures.append(f"{key}: {rule}")
    for key in sorted(allowed - seen):
        failures.append(f"{key}: listed in scripts/layer_exceptions.txt but no longer there; take it off")
    for failure in failures:
        print(f"check-layers: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"check-layers: every include keeps the layers ({len(allowed)} old exceptions listed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
