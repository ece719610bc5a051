#!/usr/bin/env python3
"""Summarises a trace written by launch_traced.py: the median time of each step.

    .venv/bin/python bench/trace_summary.py /tmp/chat-trace.jsonl [--last]

Takes the frames whose steps came in the most common order (skipping the first quarter,
the warm-up), and prints each step's median milliseconds since the frame arrived. With
--last, prints the last frame's steps as they are (one `stream 5000` of phase c).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--last", action="store_true")
    a = ap.parse_args()
    frames: dict[float, list] = {}
    with open(a.file) as f:
        for line in f:
            row = json.loads(line)
            frames[row["id"]] = row["events"]  # the longest (last) line of each frame
    rows = list(frames.values())
    if not rows:
        print("no frames traced")
        return 1
    if a.last:
        for name, ms in rows[-1]:
            print(f"{name:22s} {ms:8.3f} ms")
        return 0
    rows = rows[len(rows) // 4 :]
    orders = collections.Counter(tuple(n for n, _ in r) for r in rows)
    order, count = orders.most_common(1)[0]
    chosen = [r for r in rows if tuple(n for n, _ in r) == order]
    print(f"# {count} of {len(rows)} frames had the most common order")
    for i, name in enumerate(order):
        print(f"{name:22s} {statistics.median(r[i][1] for r in chosen):8.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
