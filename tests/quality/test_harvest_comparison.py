"""Source versus harvest on the real Géo-IDE pairs: each record read at its source (ISO
19139, ``ecospheres-iso-dcat/geoide_N.xml``) and as the Ecosphères pipeline harvested it
(the SEMIC XSLT's GeoDCAT-AP, ``geoide_N.ttl``), in one run of two sources.

The differences were worked out by hand from the files (no link check: 355 points at
stake on both sides):

* ``dct:accessRights`` (mqa.access_rights_availability, 10 points, lost by both): the ISO
  records state their access constraints (``gmd:accessConstraints`` + ``otherConstraints``,
  geoide_1.xml lines 291-299, geoide_2.xml line 367), which GeoDCAT-AP maps onto the
  dataset; the XSLT put ``dcterms:accessRights`` on the distributions only (geoide_1.ttl
  line 164, geoide_2.ttl line 175), so the harvested dataset has none.
* the format (mqa.format_media_type_machine_readable, 20 points, lost by geoide_2 only):
  geoide_2.xml names it with an anchor to the EU file type
  ``…/file-type/SHP`` (line 456), machine-readable for MQA; the XSLT kept only a blank
  ``dcterms:MediaType`` labelled « ESRI Shapefile (SHP) » (geoide_2.ttl lines 180-183).
  geoide_1.xml gives the same label as plain text (line 387): both readings fail it.
* every other check has the same outcome on both readings (same keywords, themes, contact
  point, bounding box, licence, distribution URL); ``ecospheres.well_formed_rdf`` is not
  measured on the ISO reading (not RDF), so it is no difference.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.errors import SourceError
from dcat_quality.sources import CombinedSource, LocalSource, require_pages
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support import postgres
from support.cli import dq

GEOIDE_1 = (
    "http://catalogue.geo-ide.developpement-durable.gouv.fr/23811dae-62cc-439c-bcf2-9159fe92cba2"
)
GEOIDE_2 = "http://descartes-dev.cete-mediterranee.i2/90dd3756-8b73-4dbc-a99f-01503b507228"
DDTM_40 = "DDTM 40 (Direction Départementale des Territoires et de la Mer des Landes)"


@pytest.fixture(scope="module")
def loaded(
    realdata: Path, tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[str]:
    """``dcat-quality run --source SOURCE --source HARVEST`` over the two Géo-IDE pairs."""
    source = tmp_path_factory.mktemp("geoide-source")
    harvest = tmp_path_factory.mktemp("ecospheres-harvest")
    for n in (1, 2):  # real files copied at test time, never into the repository
        shutil.copy(realdata / f"ecospheres-iso-dcat/geoide_{n}.xml", source)
        shutil.copy(realdata / f"ecospheres-iso-dcat/geoide_{n}.ttl", harvest)
    with postgres.fresh_database(postgres_server_url, prefix="t_harvest") as url:
        result = dq(
            "run", "--source", str(source), "--source", str(harvest), env={"DATABASE_URL": url}
        )
        assert result.returncode == 0, result.stderr
        yield url


def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_each_dataset_row_says_what_it_was_read_from(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select source_file, metadata_format, identifier from dcat_quality.datasets order by 1",
    )
    assert rows == [
        ("geoide_1.ttl", "dcat", GEOIDE_1),
        ("geoide_1.xml", "iso19139", GEOIDE_1),
        ("geoide_2.ttl", "dcat", GEOIDE_2),
        ("geoide_2.xml", "iso19139", GEOIDE_2),
    ]
    ((source,),) = _rows(loaded, "select source from dcat_quality.runs")
    assert source.count("local folder") == 2
    assert " + " in source


def test_the_checks_the_harvest_lost_are_the_ones_worked_out_by_hand(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select identifier, indicator_id, source_passed, harvest_passed, source_points,"
        " harvest_points, points_change, change from dcat_quality.harvest_check_changes"
        " order by 1, 2",
    )
    assert rows == [
        (GEOIDE_1, "mqa.access_rights_availability", True, False, 10, 0, -10, "lost"),
        (GEOIDE_2, "mqa.access_rights_availability", True, False, 10, 0, -10, "lost"),
        (GEOIDE_2, "mqa.format_media_type_machine_readable", True, False, 20, 0, -20, "lost"),
    ]


def test_per_dataset_the_scores_and_the_points_lost(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select identifier, publisher, source_total, source_max_points, harvest_total,"
        " harvest_max_points, points_change, points_lost, points_gained, checks_lost,"
        " checks_gained, lost, gained from dcat_quality.harvest_comparison order by 1",
    )
    assert rows == [
        (GEOIDE_1, None, 150, 355, 140, 355, -10, 10, 0, 1, 0,
         "mqa.access_rights_availability", None),
        (GEOIDE_2, DDTM_40, 150, 355, 120, 355, -30, 30, 0, 2, 0,
         "mqa.access_rights_availability, mqa.format_media_type_machine_readable", None),
    ]  # fmt: skip


def test_per_publisher_the_points_lost(loaded: str) -> None:
    rows = _rows(
        loaded,
        "select publisher, datasets, mean_source_total, mean_harvest_total, points_lost,"
        " points_gained, points_change, datasets_losing, datasets_gaining"
        " from dcat_quality.harvest_by_publisher order by 1",
    )
    assert [tuple(float(v) if hasattr(v, "as_tuple") else v for v in r) for r in rows] == [
        ("(non renseigné)", 1, 150.0, 140.0, 10, 0, -10, 1, 0),
        (DDTM_40, 1, 150.0, 120.0, 30, 0, -30, 1, 0),
    ]


def test_the_report_shows_the_comparison(loaded: str) -> None:
    from dcat_quality.report import build_report, render_report

    with Warehouse.open(DatabaseTarget(loaded, "test")) as warehouse:
        report = build_report(warehouse)
    assert report.harvest is not None
    assert (report.harvest.pairs, report.harvest.points_lost) == (2, 40)
    assert [(c.indicator_id, c.datasets, c.points) for c in report.harvest.checks] == [
        ("mqa.access_rights_availability", 2, -20),
        ("mqa.format_media_type_machine_readable", 1, -20),
    ]
    french, english = render_report(report, "fr"), render_report(report, "en")
    assert "Source et moisson" in french
    assert "Source versus harvest" in english
    assert DDTM_40 in french


def test_two_sources_with_a_page_of_the_same_name_are_refused(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "page.ttl").write_text("")
    combined = CombinedSource([LocalSource(tmp_path / "a"), LocalSource(tmp_path / "b")])
    with pytest.raises(SourceError, match=r"two sources hold a page named 'page\.ttl'"):
        require_pages(combined)
