"""The scoring inputs: named by every run, hashed for incremental scoring (issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import ConfigError
from dcat_quality.pipeline import run_chain
from dcat_quality.quality import mqa, shacl
from dcat_quality.quality.profile import (
    DEFAULT_PROFILE,
    ScoringProfile,
    scoring_digest,
    scoring_identity,
)
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse

EXTRAS = ScoringProfile.of("2.1.1", licence_extras=True)


def test_the_defaults_are_what_data_europa_eu_computes() -> None:
    assert ScoringProfile.of("2.1.1", licence_extras=False) == DEFAULT_PROFILE
    assert DEFAULT_PROFILE.licence_lists == ("eu-licence-authority",)
    identity = scoring_identity(link_checks=False)
    assert identity["methodology"] == mqa.METHODOLOGY_VERSION
    assert identity["licence lists"] == "EU licence authority table"
    assert identity["DCAT-AP"].startswith("2.1.1 (DCAT-AP 2.1.1, Base")
    assert shacl.shapes_digest("2.1.1") in identity["DCAT-AP"]
    assert identity["link checks"] == "not measured"
    # every vocabulary is named with its version
    for name in (
        "EU file types",
        "IANA media types",
        "EU access rights",
        "EU high-value dataset categories",
        "HVD-compatible licences",
    ):
        assert name in identity


def test_each_input_changes_the_digest() -> None:
    base = scoring_digest(link_checks=False)
    assert base == scoring_digest(DEFAULT_PROFILE, link_checks=False)  # stable
    others = {
        scoring_digest(link_checks=True),
        scoring_digest(link_checks=False, dcat_ap=False),
        scoring_digest(ScoringProfile("3.0.1"), link_checks=False),
        scoring_digest(EXTRAS, link_checks=False),
    }
    assert base not in others
    assert len(others) == 4


def test_unknown_choices_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"2\.1\.1 or 3\.0\.1"):
        ScoringProfile("3.0.0")
    with pytest.raises(ConfigError, match="unknown licence list"):
        ScoringProfile("2.1.1", ("eu-licence-authority", "mine"))


def _page(folder: Path) -> Path:
    """Dataset a: dated, its distribution not; dataset b: dated, no distribution."""
    folder.mkdir()
    graph: list[dict[str, Any]] = [
        {
            "@id": "http://example.org/a",
            "@type": "dcat:Dataset",
            "dct:title": "A",
            "dct:description": "A",
            "dct:issued": {"@value": "2020-01-01", "@type": "xsd:date"},
            "dcat:distribution": {"@id": "http://example.org/a/d"},
        },
        {
            "@id": "http://example.org/a/d",
            "@type": "dcat:Distribution",
            "dcat:accessURL": {"@id": "http://example.org/a.csv"},
            "dct:license": {"@id": "https://spdx.org/licenses/etalab-2.0"},
        },
        {
            "@id": "http://example.org/b",
            "@type": "dcat:Dataset",
            "dct:title": "B",
            "dct:description": "B",
            "dct:issued": {"@value": "2020-01-01", "@type": "xsd:date"},
        },
    ]
    context = {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
    (folder / "page.json").write_bytes(orjson.dumps({"@context": context, "@graph": graph}))
    return folder


def test_runs_name_their_scoring_inputs_and_dates_say_where_they_come_from(
    tmp_path: Path, database_url: str
) -> None:
    source = open_source(str(_page(tmp_path / "dump")), Settings())
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        first = run_chain(source, warehouse, workers=1)
        second = run_chain(source, warehouse, workers=1, profile=EXTRAS)
    assert (first.licence_list, first.dcat_ap_version) == ("EU licence authority table", "2.1.1")
    assert second.licence_list == "EU licence authority table + dcat-quality licence extras"
    with psycopg.connect(database_url) as conn:
        runs = conn.execute(
            "select licence_list, dcat_ap_version, scoring_digest from dcat_quality.runs"
            " order by run_id"
        ).fetchall()
        checks = dict(
            conn.execute(
                "select dataset_id, distribution_id from dcat_quality.dataset_checks"
                " where indicator_id = 'mqa.date_issued_availability'"
            ).fetchall()
        )
        known = conn.execute(
            "select passed from dcat_quality.dataset_checks"
            " where indicator_id = 'mqa.known_licence' and dataset_id = 'http://example.org/a'"
        ).fetchall()
    assert runs == [
        ("EU licence authority table", "2.1.1", scoring_digest(link_checks=False)),
        (
            "EU licence authority table + dcat-quality licence extras",
            "2.1.1",
            scoring_digest(EXTRAS, link_checks=False),
        ),
    ]
    # a's date check was measured on its distribution (which has none), b's on b itself
    assert checks == {
        "http://example.org/a": "http://example.org/a/d",
        "http://example.org/b": None,
    }
    assert known == [(True,)]  # the latest run counted our extras
