"""A bar chart as server-rendered SVG: no script, no CDN, colours from the page (it follows
light and dark), each bar titled with its numbers for a pointer or a screen reader."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 1000, 260
LEFT, BOTTOM, TOP = 60, 30, 12


def _short(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:g}"


def bars(points: list[tuple[str, float, str]], *, label: str) -> SafeString:
    """`points`: (label under the bar, value, title of the bar)."""
    if not points:
        return SafeString("")
    peak = max(value for _l, value, _t in points) or 1
    inner_w, inner_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = inner_w / len(points)
    width = max(step * 0.7, 1)
    every = -(-len(points) // 6)  # at most six labels under the bars: they stay apart
    shapes: list[tuple[Any, ...]] = []
    for index, (_name, value, title) in enumerate(points):
        height = inner_h * value / peak
        x = LEFT + index * step + (step - width) / 2
        y = TOP + inner_h - height
        shapes.append((f"{x:.1f}", f"{y:.1f}", f"{width:.1f}", f"{height:.1f}", title))
    rects = format_html_join(
        "",
        '<rect class="usage-chart__bar" x="{}" y="{}" width="{}" height="{}">'
        "<title>{}</title></rect>",
        shapes,
    )
    names = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (f"{LEFT + i * step + step / 2:.1f}", HEIGHT - 8, name)
            for i, (name, _v, _t) in enumerate(points)
            if i % every == 0
        ),
    )
    grid = format_html_join(
        "",
        '<line class="usage-chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (LEFT, WIDTH - 8, f"{y:.1f}", f"{y:.1f}", LEFT - 6, f"{y + 4:.1f}", _short(v))
            for v, y in ((peak * f, TOP + inner_h * (1 - f)) for f in (0, 0.5, 1))
        ),
    )
    return format_html(
        '<svg class="usage-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMidYMid meet">{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        grid,
        rects,
        names,
    )
