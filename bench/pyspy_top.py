#!/usr/bin/env python3
"""Summarises a py-spy `--format raw` profile (collapsed stacks) written by run.py --profile.

    .venv/bin/python bench/pyspy_top.py /tmp/pyspy-c-*.txt [--top 30] [--filter chat/]

Prints the share of samples in which each function is on the stack (inclusive) and on
top of it (self), for functions whose file matches --filter (default: everything).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys

IDLE = {"EpollSelector.select", "select", "poll", "PollSelector.select", "epoll.poll"}
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    f = m.group("file")
    for cut in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if cut in f:
            f = f.split(cut, 1)[1]
    return f"{m.group('func')} ({f})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--filter", default="")
    ap.add_argument("--idle", action="store_true", help="keep samples of an idle event loop")
    a = ap.parse_args()
    incl: collections.Counter[str] = collections.Counter()
    self_: collections.Counter[str] = collections.Counter()
    total = 0
    for path in a.files:
        with open(path) as fh:
            for line in fh:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if not stack:
                    continue
                n = int(count)
                frames = [short(f) for f in stack.split(";")]
                if not a.idle and frames and frames[-1].split(" (")[0] in IDLE:
                    continue
                total += n
                for f in set(frames):
                    incl[f] += n
                self_[frames[-1]] += n
    if not total:
        print("no samples")
        return 1
    print(f"# {total} busy samples")
    print("# inclusive")
    for f, n in incl.most_common():
        if a.filter in f:
            print(f"{100 * n / total:5.1f}%  {f}")
            a.top -= 1
            if a.top <= 0:
                break
    print("# self (top 25)")
    for f, n in self_.most_common(25):
        print(f"{100 * n / total:5.1f}%  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
