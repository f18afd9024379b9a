"""The inline SVG charts: well-formed XML, escaped text, bars to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dcat_quality.report import svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_stacked_bar_is_proportional_and_escaped() -> None:
    root = _parse(
        svg.stacked_bar(
            [
                svg.Segment("good", "Bonne <b>", 3),
                svg.Segment("bad", "x", 1),
                svg.Segment("excellent", "none", 0),
            ],
            "Répartition & co",
            width=400,
        )
    )
    assert root.find(f"{NS}title").text == "Répartition & co"  # type: ignore[union-attr]
    widths = [float(r.get("width", 0)) for r in root.iter(f"{NS}rect")][1:]
    assert widths == [300, 100]
    assert [t.text for t in root.iter(f"{NS}title")][1] == "Bonne <b>"


def test_bars_draw_the_unmeasured_part_hatched() -> None:
    root = _parse(
        svg.bars(
            [
                svg.Bar("Accessibilité", 20, 100, 80, "20 / 100"),
                svg.Bar("Contexte", 10, 20, 0, "10 / 20"),
            ],
            "Score",
            width=800,
        )
    )
    rects = list(root.iter(f"{NS}rect"))
    hatched = [r for r in rects if r.get("fill") == "url(#hatch)"]
    assert len(hatched) == 1
    track = 800 - 170 - 250
    assert float(hatched[0].get("width", 0)) == track * 0.8
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Accessibilité" in texts
    assert "10 / 20" in texts


def test_line_chart_one_point_per_value_and_clamped() -> None:
    root = _parse(
        svg.line_chart(
            ["#1", "#2", "#3"],
            [svg.Series("score", [10, 50, 130]), svg.Series("fill", [0, -5, 100])],
            "Trend",
        )
    )
    circles = list(root.iter(f"{NS}circle"))
    assert len(circles) == 6
    ys = [float(c.get("cy", 0)) for c in circles]
    assert min(ys) >= 16
    assert max(ys) <= 260 - 56
    assert len(list(root.iter(f"{NS}polyline"))) == 2


def test_line_chart_with_a_single_run() -> None:
    root = _parse(svg.line_chart(["#1"], [svg.Series("s", [42])], "t"))
    assert len(list(root.iter(f"{NS}circle"))) == 1
    assert not list(root.iter(f"{NS}polyline"))
