"""Workload (h): token rates over the first and the last window of a long answer.

Shared by both sides (run.py for ours, chainlit_long.py and compare.py for Chainlit), so
that one definition measures both.

Input: (time, tokens so far) points, one per frame (or per DOM change, or per poll). A
frame that carries many tokens (a server that coalesces them) has them spread evenly over
the time since the previous point: the tokens the server gathered since its last frame.
Without that, a window that starts and ends inside one frame lasts no time and its rate
is undefined; a server sending one token per frame is measured exactly as before.
"""

from __future__ import annotations

import math


def arrival(points: list[tuple[float, int]], k: float) -> float:
    """When the k-th token arrived, reading between points linearly."""
    t_prev, k_prev = points[0]
    if k <= k_prev:
        return t_prev
    for t, count in points[1:]:
        if count >= k:
            return t_prev + (k - k_prev) / (count - k_prev) * (t - t_prev)
        t_prev, k_prev = t, count
    return math.nan


def window_rates(points: list[tuple[float, int]], n: int, w: int) -> tuple[float, float]:
    """(tokens/s over the w tokens after the first point, tokens/s over the last w of n)."""
    if not points:
        return math.nan, math.nan
    t0, k0 = points[0]
    first_end = arrival(points, k0 + w)
    last_start, last_end = arrival(points, n - w), arrival(points, n)
    r_first = w / (first_end - t0) if first_end > t0 else math.nan
    r_last = w / (last_end - last_start) if last_end > last_start else math.nan
    return r_first, r_last
