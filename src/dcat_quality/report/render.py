"""Render a ``Report`` as one self-contained HTML file (inline CSS and SVG, no script).

Templates are package data (``report/templates``), rendered with autoescaping on: every
value from the warehouse (titles, publishers, fix hints…) is escaped; only the SVG this
package draws is inserted as markup.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from dcat_quality.report import svg
from dcat_quality.report.build import Report
from dcat_quality.report.messages import LANGUAGES, MESSAGES, Lang


def _number(value: float, digits: int, lang: Lang) -> str:
    text = f"{value:,.{digits}f}"
    if lang == "fr":  # 12 345,6 (narrow no-break space for thousands)
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def _environment(lang: Lang) -> Environment:
    env = Environment(
        loader=PackageLoader("dcat_quality.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda value, digits=0: _number(float(value), digits, lang)
    env.filters["when"] = lambda value: (
        value.strftime("%Y-%m-%d %H:%M %Z") if isinstance(value, datetime) else ""
    )
    return env


def _charts(report: Report, lang: Lang) -> dict[str, Markup]:
    m = MESSAGES[lang]
    ratings = svg.stacked_bar(
        [
            svg.Segment(
                r.rating,
                f"{m['rating_' + r.rating]}: {r.datasets} ({_number(r.share_percent, 1, lang)} %)",
                r.datasets,
            )
            for r in report.overview.ratings
        ],
        m["ratings"],
    )
    dimensions = svg.bars(
        [
            svg.Bar(
                label=m["dim_" + d.dimension],
                value=d.mean_points,
                maximum=d.maximum,
                unmeasured=d.not_measured_points,
                caption=(
                    f"{_number(d.mean_points, 1, lang)} / {d.maximum}"
                    + (
                        f" · {m['not_measured']}"
                        if not d.measured
                        else f" · {d.not_measured_points} {m['partly_measured']}"
                        if d.not_measured_points
                        else ""
                    )
                ),
            )
            for d in report.dimensions
        ],
        m["dimensions"],
    )
    trend = svg.line_chart(
        [f"#{p.run_id} {p.started_at:%d/%m}" for p in report.trend],
        [
            svg.Series(m["mean_score_percent"], [p.mean_score_percent for p in report.trend]),
            svg.Series(m["mean_fill_rate"], [p.mean_fill_rate for p in report.trend]),
        ],
        m["trend"],
    )
    return {"ratings": ratings, "dimensions": dimensions, "trend": trend}


def render_report(report: Report, lang: Lang = "fr") -> str:
    """The report as one HTML document in French (default) or English."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LANGUAGES)}")
    template = _environment(lang).get_template("report.html.j2")
    variants = {p.score_variant for p in report.trend}
    return template.render(
        r=report,
        m=MESSAGES[lang],
        lang=lang,
        charts=_charts(report, lang),
        variant_changed=len(variants) > 1,
        anchors={s.publisher.publisher: f"publisher-{i}" for i, s in enumerate(report.sections, 1)},
    )


def write_report(report: Report, output: Path, lang: Lang = "fr") -> Path:
    """Render and write the report atomically (a failure leaves an older file alone)."""
    html = render_report(report, lang)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o644)
        Path(tmp).replace(output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return output
