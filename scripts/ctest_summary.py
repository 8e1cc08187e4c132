#!/usr/bin/env python3
"""One line out of ctest's JUnit reports (ctest --output-junit FILE).

    scripts/ctest_summary.py LABEL=FILE...

Prints how many tests ran, passed, failed and were skipped, and why they
were skipped, grouped ("not root", "no Slurm cluster", ...), for each
report in the order given, e.g.

    tests: 262 ran: 221 passed, 0 failed, 41 skipped (32 no Slurm cluster, 9 not root)

A report that is missing (its run never started) is left out. The reason of
a skipped GoogleTest test is the message after its "Skipped" line.
"""
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter

# Checked in this order: the first that matches names the group.
GROUPS = [
    (re.compile(r"Slurm|slurm|cluster|scontrol"), "no Slurm cluster"),
    (re.compile(r"\broot\b|CAP_SYS_ADMIN|not permitted|Operation not permitted"), "not root"),
    (re.compile(r"cron daemon"), "no cron daemon"),
    (re.compile(r"not installed"), "a program not installed"),
    (re.compile(r"ThreadSanitizer"), "not under ThreadSanitizer"),
]


def reason_of(output):
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.rstrip().endswith(": Skipped") and index + 1 < len(lines):
            message = lines[index + 1].strip()
            for pattern, group in GROUPS:
                if pattern.search(message):
                    return group
            return message[:60] or "no reason given"
    return "no reason given"


def summarise(label, path):
    try:
        suite = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    passed = failed = 0
    skipped = Counter()
    for case in suite.iter("testcase"):
        status = case.get("status")
        output = case.findtext("system-out") or ""
        if status == "run":
            passed += 1
        elif status == "fail":
            failed += 1
        elif status == "notrun" or case.find("skipped") is not None:
            skipped[reason_of(output)] += 1
        else:
            failed += 1
    total = passed + failed + sum(skipped.values())
    text = f"{label}: {total} ran: {passed} passed, {failed} failed, {sum(skipped.values())} skipped"
    if skipped:
        text += " (" + ", ".join(f"{count} {why}" for why, count in skipped.most_common()) + ")"
    return text


def main(arguments):
    parts = []
    for argument in arguments:
        label, _, path = argument.partition("=")
        part = summarise(label, path)
        if part is not None:
            parts.append(part)
    print("test.sh: " + ("; ".join(parts) if parts else "no test ran"))


if __name__ == "__main__":
    main(sys.argv[1:])
