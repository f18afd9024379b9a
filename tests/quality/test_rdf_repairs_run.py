"""RDF/XML repairs through a whole run: stored per dataset and per page, scored by
``ecospheres.well_formed_rdf``, shown in the views and the report.

The run reads a folder holding a crafted GeoNetwork ``GetRecords`` page (two records,
each needing three kinds of repair), a valid RDF/XML page and an ISO 19139 record of the
real data: the three outcomes of the check (failed, passed, not measured).
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.report import build_report, render_report
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support import postgres
from support.geonetwork import GET_RECORDS

CHECK = "ecospheres.well_formed_rdf"
A1 = "file:///resource/a1"  # relative rdf:about resolved against the page's name
B2 = "file:///resource/b2"
BEST = "http://data.gov.be/dataset/fpsbosa/best/full"  # belgium-fedict/best_dcat.rdf (2)
BEST_DERIVED = "http://data.gov.be/dataset/fpsbosa/best/fd-deriv"
GEOIDE = (
    "http://catalogue.geo-ide.developpement-durable.gouv.fr/23811dae-62cc-439c-bcf2-9159fe92cba2"
)


@pytest.fixture(scope="module")
def loaded(
    realdata: Path, tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("repairs")
    (folder / "getrecords.xml").write_bytes(GET_RECORDS)
    # real files copied at test time into a temporary dump, never into the repository
    shutil.copy(realdata / "belgium-fedict/best_dcat.rdf", folder / "best.rdf")
    shutil.copy(realdata / "ecospheres-iso-dcat/geoide_1.xml", folder / "geoide_1.xml")
    with postgres.fresh_database(postgres_server_url, prefix="t_repairs") as url:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            run_chain(open_source(str(folder), Settings.model_construct()), warehouse)
        yield url


def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_the_check_fails_on_the_repaired_datasets_with_its_fix_hint(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select dataset_id, passed, points_at_stake, fix_hint_fr from dcat_quality.dataset_checks"
        f" where indicator_id = '{CHECK}' order by dataset_id",
    )
    outcomes = {dataset: passed for dataset, passed, _, _ in rows}
    # repaired: failed; read as published: passed; ISO 19139 (not RDF): not measured
    assert outcomes == {A1: False, B2: False, BEST: True, BEST_DERIVED: True, GEOIDE: None}
    assert {points for _, _, points, _ in rows} == {0}
    assert all('xml:lang="fr", pas "fre"' in hint for _, _, _, hint in rows)
    ((measured, passed),) = _rows(
        loaded,
        "select measured, passed from dcat_quality.run_indicator_stats"
        f" where indicator_id = '{CHECK}'",
    )
    assert (measured, passed) == (4, 2)


def test_the_dataset_view_lists_every_repair_with_its_position(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select dataset_id, source_file, code, line, col from dcat_quality.dataset_rdf_repairs"
        " order by dataset_id, line, col, code",
    )
    a1 = [row[1:] for row in rows if row[0] == A1]
    # read by hand from GET_RECORDS (support.geonetwork): record a1 is lines 5-18
    assert a1 == [
        ("getrecords.xml", "relative_iri", 8, 9),  # the record's primaryTopic
        ("getrecords.xml", "relative_iri", 11, 7),  # the dataset's rdf:about
        ("getrecords.xml", "iso639_2_language", 13, 9),  # its title
        ("getrecords.xml", "resource_with_text", 15, 73),  # the text of its theme
    ]
    assert {row[0] for row in rows} == {A1, B2}


def test_the_page_view_sums_the_repairs_up_by_kind(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select file, code, occurrences, datasets_touched, line from dcat_quality.page_rdf_repairs"
        " order by file, code",
    )
    assert rows == [
        ("getrecords.xml", "csw_envelope", 1, 0, 1),
        ("getrecords.xml", "iso639_2_language", 2, 2, 13),
        ("getrecords.xml", "relative_iri", 6, 2, 7),  # 3 per record, the first at line 7
        ("getrecords.xml", "resource_with_text", 2, 2, 15),
    ]


def test_the_report_lists_the_repairs_in_french_and_english(loaded: str) -> None:
    with Warehouse.open(DatabaseTarget(loaded, "test")) as warehouse:
        report = build_report(warehouse)
    assert (report.repairs.pages, report.repairs.datasets) == (1, 2)
    assert [d.dataset_id for d in report.repairs.by_dataset] == [A1, B2]
    assert report.repairs.by_dataset[0].codes == (
        "iso639_2_language",
        "relative_iri",
        "resource_with_text",
    )
    french, english = (html.unescape(render_report(report, lang)) for lang in ("fr", "en"))
    assert "Réparations RDF/XML" in french
    assert "Texte à côté de rdf:resource" in french
    assert 'pas "fre"' in french  # the French fix hint
    assert "RDF/XML repairs" in english
    assert "Text beside rdf:resource" in english
    assert 'not "fre"' in english  # the English fix hint
