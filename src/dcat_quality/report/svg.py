"""The report's charts as inline SVG, drawn here so the HTML file needs no script nor network.

Every function returns ``Markup`` (safe to insert as is): all text that reaches the SVG
goes through ``escape``. Sizes are in the SVG's own units; the chart scales to its
container through ``viewBox``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Colour of each rating (data.europa.eu's traffic-light order, colour-blind friendly enough
#: with the labels beside them).
RATING_COLOURS: dict[str, str] = {
    "excellent": "#1a7f37",
    "good": "#74b566",
    "sufficient": "#e3b341",
    "bad": "#cf3a2b",
}
SERIES_COLOURS: tuple[str, ...] = ("#1f5fa8", "#c2571a", "#6b4fa0")
TRACK = "#e6e9ef"
INK = "#1d2433"
MUTED = "#5c6475"


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a stacked bar."""

    key: str
    label: str
    value: float


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar out of its own maximum; ``unmeasured`` points are drawn hatched."""

    label: str
    value: float
    maximum: float
    unmeasured: float
    caption: str


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a line chart: a name and one value per x position."""

    name: str
    values: Sequence[float]


def _n(value: float) -> str:
    """A coordinate, short and locale-free."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked_bar(segments: Sequence[Segment], title: str, *, width: int = 800) -> Markup:
    """One horizontal bar split into segments proportional to their values."""
    height = 36
    total = sum(s.value for s in segments) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="none">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" rx="4" fill="{TRACK}"/>',
    ]
    x = 0.0
    for segment in segments:
        w = width * segment.value / total
        if w <= 0:
            continue
        colour = RATING_COLOURS.get(segment.key, SERIES_COLOURS[0])
        parts.append(
            f'<rect x="{_n(x)}" y="0" width="{_n(w)}" height="{height}" fill="{colour}">'
            f"<title>{escape(segment.label)}</title></rect>"
        )
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text above went through escape()


def bars(items: Sequence[Bar], title: str, *, width: int = 800) -> Markup:
    """Horizontal bars, each out of its own maximum, with a caption on the right."""
    row, label_w, caption_w = 34, 170, 250
    track_w = width - label_w - caption_w
    height = row * len(items) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f5f8"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#b3b9c6" stroke-width="2"/></pattern></defs>',
    ]
    for index, item in enumerate(items):
        y = 4 + index * row
        scale = track_w / item.maximum if item.maximum else 0.0
        measured_w = (item.maximum - item.unmeasured) * scale
        parts.append(
            f'<text x="0" y="{y + 19}" font-size="14" fill="{INK}">{escape(item.label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{_n(track_w)}" height="22" rx="3" '
            f'fill="{TRACK}"/>'
        )
        if item.unmeasured:
            parts.append(
                f'<rect x="{_n(label_w + measured_w)}" y="{y + 4}" '
                f'width="{_n(item.unmeasured * scale)}" height="22" fill="url(#hatch)"/>'
            )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{_n(max(item.value, 0) * scale)}" '
            f'height="22" rx="3" fill="{SERIES_COLOURS[0]}"/>'
            f'<text x="{label_w + track_w + 10}" y="{y + 19}" font-size="13" '
            f'fill="{MUTED}">{escape(item.caption)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text above went through escape()


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    *,
    y_max: float = 100.0,
    y_suffix: str = " %",
    width: int = 800,
    height: int = 260,
) -> Markup:
    """Lines over runs (x: run labels, evenly spaced; y: 0 to ``y_max``), with a legend."""
    left, right, top, bottom = 48, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(x_labels)

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y_at(v: float) -> float:
        return top + plot_h * (1 - min(max(v, 0.0), y_max) / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        v = y_max * tick / 4
        y = y_at(v)
        parts.append(
            f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" '
            f'stroke="{TRACK}"/><text x="{left - 6}" y="{_n(y + 4)}" font-size="11" '
            f'text-anchor="end" fill="{MUTED}">{escape(_n(v) + y_suffix)}</text>'
        )
    step = max(1, count // 12)  # at most ~12 x labels
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == count - 1:
            anchor = (
                "middle"
                if count == 1
                else "start"
                if i == 0
                else ("end" if i == count - 1 else "middle")
            )
            parts.append(
                f'<text x="{_n(x_at(i))}" y="{height - bottom + 18}" font-size="11" '
                f'text-anchor="{anchor}" fill="{MUTED}">{escape(label)}</text>'
            )
    for s_index, s in enumerate(series):
        colour = SERIES_COLOURS[s_index % len(SERIES_COLOURS)]
        points = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in enumerate(s.values))
        if len(s.values) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        parts.extend(
            f'<circle cx="{_n(x_at(i))}" cy="{_n(y_at(v))}" r="3.5" fill="{colour}">'
            f"<title>{escape(f'{s.name} — {x_labels[i]}: {_n(v)}{y_suffix}')}</title></circle>"
            for i, v in enumerate(s.values)
        )
        lx = left + s_index * 260
        parts.append(
            f'<rect x="{lx}" y="{height - 22}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{lx + 20}" y="{height - 16}" font-size="12" fill="{INK}">'
            f"{escape(s.name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text above went through escape()
