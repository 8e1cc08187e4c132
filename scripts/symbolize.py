#!/usr/bin/env python3
"""Symbolizes the stack traces of a sanitizer or libFuzzer report read on stdin.

The fuzz targets run in a sandbox that cannot start the symbolizer, so their
frames read "#3 0x... (path/to/binary+0x1234)"; this prints each such frame
with its function and source line (llvm-symbolizer), the rest unchanged.
  scripts/symbolize.py < build-fuzz/fuzz_cli.log
"""
import re
import subprocess
import sys

frame = re.compile(r"^(\s*#\d+ 0x[0-9a-f]+) +\((/[^+()]+)\+(0x[0-9a-f]+)\)")
for line in sys.stdin:
    match = frame.match(line)
    if not match:
        sys.stdout.write(line)
        continue
    result = subprocess.run(["llvm-symbolizer-14", "--obj=" + match.group(2), match.group(3)],
                            capture_output=True, text=True)
    parts = [part for part in result.stdout.split("\n") if part]
    where = " / ".join(f"{parts[i]} {parts[i + 1]}" for i in range(0, len(parts) - 1, 2))
    sys.stdout.write(f"{match.group(1)} {where or match.group(2) + '+' + match.group(3)}\n")
