"""The quality model in the warehouse: checks per dataset, history over runs, changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.quality.mqa import METHODOLOGY_VERSION
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _dataset(number: int, *, keyword: bool = True, temporal: bool = False) -> list[dict[str, Any]]:
    node: dict[str, Any] = {
        "@id": f"http://example.org/d{number}",
        "@type": "dcat:Dataset",
        "dct:title": {"@value": f"Jeu {number}", "@language": "fr"},
        "dct:description": {"@value": "Description", "@language": "fr"},
        "dcat:distribution": {"@id": f"http://example.org/d{number}/csv"},
    }
    if keyword:
        node["dcat:keyword"] = {"@value": "eau", "@language": "fr"}
    if temporal:
        node["dct:temporal"] = {"@id": f"_:t{number}"}
    nodes = [
        node,
        {
            "@id": f"http://example.org/d{number}/csv",
            "@type": "dcat:Distribution",
            "dcat:accessURL": {"@id": f"http://files.example.org/{number}.csv"},
        },
    ]
    if temporal:
        nodes.append(
            {
                "@id": f"_:t{number}",
                "@type": "dct:PeriodOfTime",
                "dcat:startDate": {"@value": "2020-01-01", "@type": "xsd:date"},
            }
        )
    return nodes


def _write(folder: Path, graph: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page-1.json").write_bytes(orjson.dumps({"@context": CONTEXT, "@graph": graph}))
    return folder


def _rows(url: str, query: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture
def three_runs(tmp_path: Path, database_url: str) -> str:
    """Run 1: d1, d2. Run 2: d1 loses its keyword. Run 3: d2 gains a temporal coverage."""
    pages = [
        _dataset(1) + _dataset(2),
        _dataset(1, keyword=False) + _dataset(2),
        _dataset(1, keyword=False) + _dataset(2, temporal=True),
    ]
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        for number, graph in enumerate(pages, start=1):
            folder = _write(tmp_path / f"run{number}", graph)
            run_chain(open_source(str(folder), Settings()), warehouse, workers=1)
    return database_url


def test_every_dataset_has_one_row_per_mqa_check(three_runs: str) -> None:
    rows = _rows(
        three_runs,
        "select dataset_id, count(*), sum(points_won), sum(points_at_stake)"
        " from dcat_quality.dataset_checks where indicator_id like 'mqa.%%'"
        " group by 1 order by 1",
    )
    scores = _rows(
        three_runs,
        "select dataset_id, total, max_points from dcat_quality.dataset_scores order by 1",
    )
    assert [(r[0], r[1]) for r in rows] == [
        ("http://example.org/d1", 23),
        ("http://example.org/d2", 23),
    ]
    assert [(r[0], r[2], r[3]) for r in rows] == scores
    # Without link checks the accessURL status (50 points) is not measured; these
    # distributions have no downloadURL, so its status check fails rather than waits.
    assert {s[2] for s in scores} == {405 - 50}
    not_measured = _rows(
        three_runs,
        "select distinct indicator_id from dcat_quality.dataset_checks"
        " where passed is null and indicator_id like 'mqa.%%' order by 1",
    )
    assert not_measured == [("mqa.access_url_status_code",)]
    # No dataset here is high-value: the seven HVD checks are listed, not measured.
    hvd = _rows(
        three_runs,
        "select count(*), count(passed), sum(points_at_stake) from dcat_quality.dataset_checks"
        " where indicator_id like 'hvd.%%'",
    )
    assert hvd == [(2 * 7, 0, 0)]


def test_history_keeps_every_run_and_the_change_views_show_what_changed(three_runs: str) -> None:
    trend = _rows(three_runs, "select run_id, datasets from dcat_quality.score_trend order by 1")
    assert trend == [(1, 2), (2, 2), (3, 2)]
    # Between runs 1 and 2, d1 lost the keyword check (30 points).
    assert _rows(three_runs, "select * from dcat_quality.check_changes(1, 2)") == [
        ("http://example.org/d1", "mqa.keyword_availability", "lost", 30)
    ]
    # The views compare the last two runs: d2 gained the temporal check.
    assert _rows(
        three_runs,
        "select dataset_id, indicator_id, change, points from dcat_quality.check_changes_last_run",
    ) == [("http://example.org/d2", "mqa.temporal_availability", "gained", 20)]
    changes = _rows(
        three_runs,
        "select dataset_id, previous_run, current_run, delta, change"
        " from dcat_quality.score_changes",
    )
    assert changes == [("http://example.org/d2", 2, 3, 20, "gained")]
    totals = dict(
        _rows(
            three_runs,
            "select run_id, total from dcat_quality.score_history"
            " where dataset_id = 'http://example.org/d1'",
        )
    )
    assert totals[1] - totals[2] == 30
    assert totals[2] == totals[3]


def test_pass_rates_and_dictionary(three_runs: str) -> None:
    rates = _rows(
        three_runs,
        "select run_id, passed, measured from dcat_quality.indicator_pass_rates"
        " where indicator_id = 'mqa.keyword_availability' order by 1",
    )
    assert rates == [(1, 2, 2), (2, 1, 2), (3, 1, 2)]
    (count,) = _rows(
        three_runs, "select count(*) from dcat_quality.indicators where check_position is not null"
    )[0]
    assert count == 23 + 7 + 1  # the MQA checks, the HVD ones, ecospheres.well_formed_rdf
    (points,) = _rows(
        three_runs, "select sum(points) from dcat_quality.indicators where family = 'mqa'"
    )[0]
    assert points == 405
    runs = _rows(
        three_runs, "select distinct methodology_version, score_variant from dcat_quality.runs"
    )
    assert runs == [(METHODOLOGY_VERSION, "without-link-checks")]


def test_fix_first_ranks_failed_checks_by_points(three_runs: str) -> None:
    rows = _rows(
        three_runs,
        "select indicator_id, points_recoverable, priority"
        " from dcat_quality.fix_first where dataset_id = 'http://example.org/d1'"
        " order by priority, indicator_id",
    )
    recoverable = [r[1] for r in rows]
    assert recoverable == sorted(recoverable, reverse=True)
    assert rows[0][2] == 1
    assert ("mqa.keyword_availability", 30) in [(r[0], r[1]) for r in rows]
    ranked = _rows(
        three_runs,
        "select indicator_id, datasets_failing, points_recoverable"
        " from dcat_quality.failed_checks_ranked"
        " where indicator_id = 'mqa.keyword_availability'",
    )
    assert ranked == [("mqa.keyword_availability", 1, 30)]


def test_shacl_violations_are_stored_and_counted(tmp_path: Path, database_url: str) -> None:
    graph = _dataset(1)
    del graph[0]["dct:title"]  # DCAT-AP: a dataset must have a title
    folder = _write(tmp_path / "bad", graph + _dataset(2))
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        run_chain(open_source(str(folder), Settings()), warehouse, workers=1)
    violations = _rows(
        database_url, "select dataset_id, focus, path from dcat_quality.shacl_violations"
    )
    assert violations == [
        ("http://example.org/d1", "http://example.org/d1", "http://purl.org/dc/terms/title")
    ]
    compliance = dict(
        _rows(
            database_url,
            "select dataset_id, passed from dcat_quality.dataset_checks"
            " where indicator_id = 'mqa.dcat_ap_compliance'",
        )
    )
    assert compliance == {"http://example.org/d1": False, "http://example.org/d2": True}
    counts = dict(
        _rows(database_url, "select dataset_id, shacl_violations from dcat_quality.dataset_scores")
    )
    assert counts == {"http://example.org/d1": 1, "http://example.org/d2": 0}


def test_aggregate_views_answer(three_runs: str) -> None:
    for view in ("quality_by_catalog", "quality_by_publisher", "quality_by_rating"):
        assert _rows(three_runs, f"select count(*) from dcat_quality.{view}")[0][0] >= 1
    ratings = _rows(three_runs, "select sum(datasets) from dcat_quality.quality_by_rating")
    assert ratings == [(2,)]


def test_dqv_export_holds_one_measurement_per_measured_check(
    three_runs: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    import pyoxigraph as ox

    (measured,) = _rows(
        three_runs,
        "select count(*) from dcat_quality.dataset_checks"
        " where passed is not null and starts_with(indicator_id, 'mqa.')",  # what DQV exports
    )[0]
    for suffix, fmt in ((".ttl", ox.RdfFormat.TURTLE), (".jsonld", ox.RdfFormat.JSON_LD)):
        output = tmp_path / f"dqv{suffix}"
        result = subprocess.run(
            [sys.executable, "-m", "dcat_quality", "export", "dqv", "--output", str(output)],
            env={**__import__("os").environ, "DATABASE_URL": three_runs},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        store = ox.Store()
        store.load(path=str(output), format=fmt)
        measurements = list(
            store.quads_for_pattern(
                None,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("http://www.w3.org/ns/dqv#QualityMeasurement"),
            )
        )
        assert len(measurements) == measured + 2 * 2  # + total and fill rate per dataset
        keyword = list(
            store.quads_for_pattern(
                None,
                ox.NamedNode("http://www.w3.org/ns/dqv#isMeasurementOf"),
                ox.NamedNode("https://piveau.eu/ns/voc#keywordAvailability"),
            )
        )
        assert len(keyword) == 2
        # the run that generated them names its scoring inputs, the licence list first
        licence_list = list(
            store.quads_for_pattern(
                None, ox.NamedNode("urn:dcat-quality:run-fact:licence_list"), None
            )
        )
        assert [q.object.value for q in licence_list] == ["EU licence authority table"]
        generated = list(
            store.quads_for_pattern(
                None, ox.NamedNode("http://www.w3.org/ns/prov#wasGeneratedBy"), None
            )
        )
        assert len(generated) == len(measurements)


@pytest.mark.slow  # the CLI in subprocesses
def test_indicators_command_lists_the_registry() -> None:
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "dcat_quality", "indicators", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    items = json.loads(result.stdout)
    mqa = [i for i in items if i["family"] == "mqa"]
    assert len(mqa) == 23
    assert sum(i["points"] for i in mqa) == 405
    assert all(i["fix_hint_fr"] and i["label_fr"] and i["label_en"] for i in items)


def test_pass_counts_equal_the_bits_of_every_score(three_runs: str) -> None:
    """``run_indicator_stats`` (grouped by mask pair in SQL) counts, for every run and
    check, exactly the datasets whose masks have that check's bit set."""
    positions = dict(
        _rows(
            three_runs,
            "select indicator_id, check_position from dcat_quality.indicators"
            " where check_position is not null",
        )
    )
    masks = _rows(
        three_runs, "select run_id, measured_mask, passed_mask from dcat_quality.score_history"
    )
    expected = {
        (run, indicator): (
            sum(1 for r, m, _ in masks if r == run and m >> bit & 1),
            sum(1 for r, _, p in masks if r == run and p >> bit & 1),
        )
        for run in {r for r, _, _ in masks}
        for indicator, bit in positions.items()
    }
    stats = {
        (run, indicator): (measured, passed)
        for run, indicator, measured, passed in _rows(
            three_runs,
            "select run_id, indicator_id, measured, passed from dcat_quality.run_indicator_stats",
        )
    }
    assert stats == expected
    assert any(passed < measured for measured, passed in stats.values())
