#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Counts TAP results in meson test logs (testlog JSON lines) or TAP text.

Usage: tally.py --meson LOG.json | --tap FILE
Prints "passed failed skipped". A program that failed without reporting a
failing case (crash, timeout, bad exit) counts as one failure."""
import json
import re
import sys

OK = re.compile(r"^ok \d+")
NOT_OK = re.compile(r"^not ok \d+")


def count_tap(text):
    p = f = s = 0
    for line in text.splitlines():
        if NOT_OK.match(line):
            f += 1
        elif OK.match(line):
            if "# SKIP" in line or "# skip" in line:
                s += 1
            else:
                p += 1
    return p, f, s


def main():
    mode, path = sys.argv[1], sys.argv[2]
    p = f = s = 0
    if mode == "--tap":
        with open(path, errors="replace") as fh:
            text = fh.read()
        p, f, s = count_tap(text)
        if p + f + s == 0:
            f = 1
    else:
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                tp, tf, ts = count_tap(rec.get("stdout") or "")
                if rec.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL") and tf == 0:
                    tf = 1
                    print("# %s: %s" % (rec.get("name"), rec.get("result")),
                          file=sys.stderr)
                p, f, s = p + tp, f + tf, s + ts
    print(p, f, s)


if __name__ == "__main__":
    main()
