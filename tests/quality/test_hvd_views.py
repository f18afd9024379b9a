"""The HVD views, on a real run over the three real files that carry HVD tags."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse

FILES = (
    "belgium-fedict/best_dcat.rdf",
    "ckanext-dcat-examples/dataset_gov_de.rdf",
    "belgium-fedict/fpsecocbe.xml",
)
BEST = "http://data.gov.be/dataset/fpsbosa/best/full"
ROSTOCK = "https://www.opendata-hro.de/dataset/c1be4007-d811-48fb-8818-2cb358b06a63"
CBE = "http://data.gov.be/dataset/fpseco/cbefull"


def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture(scope="module")
def loaded(
    realdata: Path, tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[str]:
    """One run over the three files, in a database shared by this module's tests."""
    folder = tmp_path_factory.mktemp("hvd-dump")
    for name in FILES:  # copied at test time into a temporary dump, never into the repo
        shutil.copy(realdata / name, folder / name.replace("/", "__"))
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(**{**conninfo_to_dict(postgres_server_url), "dbname": name})
    try:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            run_chain(open_source(str(folder), Settings()), warehouse, workers=1)
        yield url
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_hvd_datasets_view_shows_each_check_by_hand(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select dataset_id, top_categories, contact_email, category_ok, legislation_ok,"
        " licence_ok, api_served, api_documented, bulk_download, contact_point, gaps"
        " from dcat_quality.hvd_datasets order by 1",
    )
    assert rows == [
        (BEST, "Géospatiales", "opendata@bosa.belgium.be", *[True] * 7, 0),
        (CBE, "Entreprises et propriété d'entreprises", "helpdesk.bce@economie.fgov.be",
         True, True, False, True, True, True, True, 1),
        (ROSTOCK, "Statistiques", "geodienste@rostock.de",
         True, True, True, False, False, True, True, 2),
    ]  # fmt: skip


def test_hvd_by_publisher_counts(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select publisher, hvd_datasets, with_category, with_contact_point, with_api,"
        " with_documented_api, with_compatible_licence, with_bulk_download, complete"
        " from dcat_quality.hvd_by_publisher order by 1",
    )
    by_publisher = {row[0]: row[1:] for row in rows}
    assert by_publisher["SPF BOSA"] == (1, 1, 1, 1, 1, 1, 1, 1)
    assert sum(r[1] for r in rows) == 3
    assert sum(r[4] for r in rows) == 2  # two are served by an API
    assert sum(r[8] for r in rows) == 1  # only BeST passes everything


def test_hvd_gaps_name_the_failed_checks_with_a_fix(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select dataset_id, indicator_id, fix_hint_fr is not null"
        " from dcat_quality.hvd_gaps order by 1, 2",
    )
    assert rows == [
        (CBE, "hvd.licence", True),
        (ROSTOCK, "hvd.api", True),
        (ROSTOCK, "hvd.api_documented", True),
    ]


def test_non_hvd_datasets_are_not_in_the_hvd_views(loaded: str) -> None:
    (count,) = _rows(loaded, "select count(*) from dcat_quality.datasets")[0]
    assert count == 5  # BeST's derived CSVs and the open CBE extract are not HVD
    (hvd,) = _rows(loaded, "select count(*) from dcat_quality.hvd_datasets")[0]
    assert hvd == 3


def test_dqv_export_carries_the_hvd_measurements(loaded: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import pyoxigraph as ox

    output = tmp_path / "dqv.ttl"
    result = subprocess.run(
        [sys.executable, "-m", "dcat_quality", "export", "dqv", "--output", str(output)],
        env={**os.environ, "DATABASE_URL": loaded},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    store = ox.Store()
    store.load(path=str(output), format=ox.RdfFormat.TURTLE)
    found = {}
    for quad in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/ns/dqv#isMeasurementOf"), None
    ):
        metric = quad.object.value
        if metric.startswith("urn:dcat-quality:metric:hvd."):
            (dataset,) = store.quads_for_pattern(
                quad.subject, ox.NamedNode("http://www.w3.org/ns/dqv#computedOn"), None
            )
            (value,) = store.quads_for_pattern(
                quad.subject, ox.NamedNode("http://www.w3.org/ns/dqv#value"), None
            )
            found[(dataset.object.value, metric.rsplit(":", 1)[1])] = value.object.value
    assert len(found) == 3 * 7  # the three HVD datasets, seven checks each
    assert found[(ROSTOCK, "hvd.api")] == "false"
    assert found[(BEST, "hvd.api")] == "true"
    assert found[(CBE, "hvd.licence")] == "false"


def test_dashboard_hvd_section_on_the_real_hvd_records(loaded: str) -> None:
    """The four "Données de forte valeur" questions of the shared dashboard spec, run
    without filters (optional clauses dropped, as both BI tools do) on the real records."""
    import re

    from dcat_quality.dashboard.spec import load_spec

    spec = load_spec()
    answers = {}
    with psycopg.connect(loaded) as conn:
        for key in ("hvd_count", "hvd_categories", "hvd_publishers", "hvd_datasets"):
            text = re.sub(r"\[\[.*?\]\]", "", spec.card(key).render_sql("dcat_quality"), flags=re.S)
            answers[key] = conn.execute(text).fetchall()  # type: ignore[call-overload]
    assert answers["hvd_count"] == [(3, 1)]
    assert sorted(answers["hvd_categories"]) == [
        ("Entreprises et propriété d'entreprises", 1),
        ("Géospatiales", 1),
        ("Statistiques", 1),
    ]
    assert sum(row[1] for row in answers["hvd_publishers"]) == 3
    by_title = {row[0]: row for row in answers["hvd_datasets"]}
    rostock = next(row for row in answers["hvd_datasets"] if row[-1] == ROSTOCK)
    assert rostock[4:9] == ("non", "non", "oui", "oui", 2)  # no API, hence undocumented
    assert len(by_title) == 3


def test_report_has_the_hvd_section(loaded: str) -> None:
    from dcat_quality.report import build_report
    from dcat_quality.report.render import render_report

    with Warehouse.open(DatabaseTarget(loaded, "test")) as warehouse:
        report = build_report(warehouse)
    assert report.hvd is not None
    assert (report.hvd.count, report.hvd.complete) == (3, 1)
    assert [d.gaps for d in report.hvd.datasets] == [2, 1, 0]
    french = render_report(report, "fr")
    assert 'id="hvd"' in french
    assert "Données de forte valeur" in french
    assert "geodienste@rostock.de" in french
    assert "High-value datasets" in render_report(report, "en")
