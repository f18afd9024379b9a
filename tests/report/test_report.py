"""The report over a loaded warehouse: every section, both languages, self-contained, escaped."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from markupsafe import escape
from typer.testing import CliRunner

from dcat_quality.cli import app
from dcat_quality.errors import WarehouseError
from dcat_quality.quality.registry import MQA_DIMENSIONS
from dcat_quality.report import Report, build_report, render_report, write_report
from dcat_quality.report.messages import MESSAGES
from dcat_quality.warehouse import DatabaseTarget, Warehouse

SECTIONS = (
    "overview",
    "dimensions",
    "trend",
    "publishers",
    "fix-first",
    "ecospheres",
    "hvd",
    "by-publisher",
)
_ATTRIBUTE = re.compile(r"""\b(?:src|href|action|poster|srcset)\s*=\s*["']?([^"'\s>]*)""", re.I)


def _scalar(url: str, query: str) -> object:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return row[0]


def test_content_matches_the_warehouse(demo_report: Report, demo_warehouse_url: str) -> None:
    r = demo_report
    assert r.run.run_id == 2
    assert r.run.score_variant == "without-link-checks"
    assert not r.run.link_checks_measured
    assert (r.run.licence_list, r.run.dcat_ap_version) == ("EU licence authority table", "2.1.1")
    assert r.overview.datasets == _scalar(
        demo_warehouse_url, "select count(*) from dcat_quality.dataset_scores"
    )
    assert sum(x.datasets for x in r.overview.ratings) == r.overview.datasets
    assert [x.rating for x in r.overview.ratings] == ["excellent", "good", "sufficient", "bad"]
    assert [t.run_id for t in r.trend] == [1, 2]
    assert r.trend[-1].mean_fill_rate == pytest.approx(r.ecospheres.mean_fill_rate, abs=0.01)
    assert [d.dimension for d in r.dimensions] == list(MQA_DIMENSIONS)
    assert sum(d.maximum for d in r.dimensions) == 405
    access = r.dimensions[1]
    assert access.not_measured_points == 80  # accessURL (50) and downloadURL (30) status
    assert access.mean_at_stake == pytest.approx(20)
    assert sum(d.mean_points for d in r.dimensions) == pytest.approx(r.overview.mean_total)
    assert sum(p.datasets for p in r.publishers) == r.overview.datasets
    scores = [p.mean_score_percent for p in r.publishers]
    assert scores == sorted(scores, reverse=True)
    assert {s.publisher.publisher for s in r.sections} == {p.publisher for p in r.publishers}
    points = [c.points_recoverable for c in r.fix_first]
    assert points == sorted(points, reverse=True)
    assert points
    assert r.ecospheres.datasets == r.overview.datasets
    assert sum(c.datasets for c in r.ecospheres.geo_coverage) == r.ecospheres.datasets
    assert 0 < r.ecospheres.pprn < r.ecospheres.datasets
    for section in r.sections:
        assert 0 < len(section.worst) <= 5
        assert len(section.top_failed) <= 5
        totals = [d.total / d.max_points for d in section.worst]
        assert totals == sorted(totals)
        assert all(d.fix_label_fr and d.fix_hint_fr and d.fix_points for d in section.worst)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_section_in_both_languages(demo_report: Report, lang: str) -> None:
    html = render_report(demo_report, lang)  # type: ignore[arg-type]
    m = MESSAGES[lang]  # type: ignore[index]
    assert f'<html lang="{lang}">' in html
    assert f"<dt>{m['licence_list']}</dt><dd>EU licence authority table</dd>" in html
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
    for key in (
        "overview",
        "dimensions",
        "trend",
        "publishers",
        "fix_first",
        "ecospheres",
        "per_publisher",
        "mean_fill_rate",
        "open_access",
        "geo_coverage",
        "pprn",
    ):
        assert escape(m[key]) in html, key
    assert html.count('<article id="publisher-') == len(demo_report.sections)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert "without-link-checks" in html
    assert m["not_measured"] not in ("",)
    assert escape(m["variant_without-link-checks"]) in html
    assert f"#{demo_report.run.run_id}" in html
    for check in demo_report.fix_first:
        assert escape(check.label_fr if lang == "fr" else check.label_en) in html
    other = MESSAGES["en" if lang == "fr" else "fr"]
    assert escape(other["per_publisher"]) not in html


def test_message_catalogues_have_the_same_keys() -> None:
    assert MESSAGES["fr"].keys() == MESSAGES["en"].keys()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_self_contained(demo_report: Report, lang: str) -> None:
    html = render_report(demo_report, lang)  # type: ignore[arg-type]
    targets = _ATTRIBUTE.findall(html)
    assert targets  # the table of contents, the publisher links
    external = [t for t in targets if not (t.startswith("#") or t.startswith("data:"))]
    assert external == []
    assert "<script" not in html
    assert '<link rel="stylesheet"' not in html
    assert "@import" not in html
    assert not re.search(r"url\((?!#)", html)  # CSS/SVG url() only to inline ids


def _hostile(report: Report) -> Report:
    evil = '<script>alert(1)</script> & "quoted"'
    section = report.sections[0]
    worst = dataclasses.replace(section.worst[0], title=evil, dataset_id='x"><img src=x>')
    publisher = dataclasses.replace(section.publisher, publisher=evil)
    return dataclasses.replace(
        report,
        publishers=tuple(publisher if p == section.publisher else p for p in report.publishers),
        sections=(
            dataclasses.replace(section, publisher=publisher, worst=(worst,)),
            *report.sections[1:],
        ),
        run=dataclasses.replace(report.run, source="</code><script>x()</script>"),
    )


def test_everything_is_escaped(demo_report: Report) -> None:
    html = render_report(_hostile(demo_report), "fr")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34;" in html


def test_a_single_run_has_a_trend_note(demo_report: Report) -> None:
    one = dataclasses.replace(demo_report, trend=demo_report.trend[-1:])
    assert escape(MESSAGES["fr"]["trend_single"]) in render_report(one, "fr")
    assert escape(MESSAGES["en"]["trend_single"]) in render_report(one, "en")


def test_unknown_language_is_refused(demo_report: Report) -> None:
    with pytest.raises(ValueError, match="unknown report language"):
        render_report(demo_report, "de")  # type: ignore[arg-type]


def test_write_is_atomic_and_leaves_no_temporary(demo_report: Report, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.html"
    write_report(demo_report, out, "en")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_no_published_run_is_a_clear_error(database_url: str) -> None:
    with (
        Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse,
        pytest.raises(WarehouseError, match="no published run"),
    ):
        build_report(warehouse)


def test_cli_writes_the_report(
    demo_warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_warehouse_url)
    out = tmp_path / "rapport.html"
    result = CliRunner().invoke(app, ["report", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "run 2" in result.output
    assert "rapport.html" in result.output.replace("\n", "")  # the path wraps at 80 columns
    assert MESSAGES["fr"]["per_publisher"] in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert MESSAGES["en"]["per_publisher"] in out.read_text(encoding="utf-8")


def test_cli_without_a_published_run_exits_1(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["report", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "no published run" in result.output
    assert not (tmp_path / "r.html").exists()


def test_generated_at_is_aware(demo_report: Report) -> None:
    assert demo_report.generated_at.tzinfo is not None
    assert demo_report.generated_at <= datetime.now(UTC)
