"""Charts drawn on the server as small SVG documents, shown as <img> from a data: URI (the site's
Content-Security-Policy allows data: images and nothing inline, and an image runs no script). Each chart sits
beside its table, which is what a screen reader reads: the image's alt text says so."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Colour-blind-safe palette (Okabe-Ito), dark enough on white for the 3:1 contrast of graphics.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 36, 56


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Chart:
    """A stacked bar chart ("bar") or a line chart ("line") of series over labelled columns."""

    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    kind: str = "bar"

    @property
    def data_uri(self) -> str:
        svg = render(self).encode()
        return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()

    @property
    def alt(self) -> str:
        names = ", ".join(series.name for series in self.series)
        return f"Chart: {self.title} ({names}). The table beside it gives the same figures."


def _nice_top(largest: float) -> float:
    """A round top for the axis with four whole-number steps (4 x 1, 2 or 5 times a power of ten), at least
    `largest`: counts never get a tick at 2.5."""
    power = 1
    while True:
        for step in (1, 2, 5):
            if 4 * step * power >= largest:
                return 4 * step * power
        power *= 10


def _stack_tops(chart: Chart) -> list[float]:
    if chart.kind == "line":
        return [
            max((float(series.values[i]) for series in chart.series), default=0)
            for i in range(len(chart.labels))
        ]
    return [sum(float(series.values[i]) for series in chart.series) for i in range(len(chart.labels))]


def render(chart: Chart) -> str:
    top = _nice_top(max(_stack_tops(chart), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    columns = max(len(chart.labels), 1)
    step = plot_w / columns

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}"'
        ' font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ccc"/>'
        )
        parts.append(f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{_short(value)}</text>')
    label_every = max(1, columns // 12)
    for index, label in enumerate(chart.labels):
        if index % label_every == 0:
            x = LEFT + step * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="end" '
                f'transform="rotate(-40 {x:.1f} {HEIGHT - BOTTOM + 14})">{escape(str(label))}</text>'
            )
    parts.extend(_lines(chart, step, y) if chart.kind == "line" else _bars(chart, step, y))
    parts.extend(_legend(chart))
    parts.append("</svg>")
    return "".join(parts)


def _bars(chart: Chart, step: float, y) -> list[str]:
    parts = []
    width = step * 0.7
    for index in range(len(chart.labels)):
        base = 0.0
        x = LEFT + step * index + (step - width) / 2
        for number, series in enumerate(chart.series):
            value = float(series.values[index])
            if value:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(base + value):.1f}" width="{width:.1f}" '
                    f'height="{y(base) - y(base + value):.1f}" fill="{PALETTE[number % len(PALETTE)]}"/>'
                )
            base += value
    return parts


def _lines(chart: Chart, step: float, y) -> list[str]:
    parts = []
    for number, series in enumerate(chart.series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(
            f"{LEFT + step * (index + 0.5):.1f},{y(float(value)):.1f}"
            for index, value in enumerate(series.values)
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for index, value in enumerate(series.values):
            parts.append(
                f'<circle cx="{LEFT + step * (index + 0.5):.1f}" cy="{y(float(value)):.1f}" '
                f'r="3" fill="{colour}"/>'
            )
    return parts


def _legend(chart: Chart) -> list[str]:
    parts, x = [], LEFT
    for number, series in enumerate(chart.series):
        parts.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{PALETTE[number % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16}" y="20">{escape(series.name)}</text>')
        x += 24 + 7 * len(series.name)
    return parts


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
