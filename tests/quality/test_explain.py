"""``dcat-quality explain``: one dataset of the latest run, on real records read in place.

Expected values are worked out from the RDF of Hamburg's record (5 distributions, quoted
in test_fidelity_items.py) and of Sextant's (no distribution).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcat_quality.config import Settings
from dcat_quality.dcat.parse import parse_page
from dcat_quality.errors import ConfigError
from dcat_quality.explain import explain_dataset
from dcat_quality.pipeline import run_chain
from dcat_quality.quality.explain import UNLABELLED, as_json, explain_record
from dcat_quality.quality.mqa import score_dataset
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support.cli import dq

HAMBURG = "hamburg-transparenz/dcatap-de_catalog.rdf"
DATASET = "https://www.govdata.de/web/guest/suchen/-/details/naturraume-geest-und-marsch3"
WFS = "http://geodienste.hamburg.de/HH_WFS_Grundwasserschutz?REQUEST=GetCapabilities&SERVICE=WFS"
WMS = "http://geodienste.hamburg.de/HH_WMS_Grundwasserschutz?REQUEST=GetCapabilities&SERVICE=WMS"


def test_explanation_of_a_record(realdata: Path) -> None:
    (record,) = parse_page((realdata / HAMBURG).read_bytes(), HAMBURG).datasets
    explanation = explain_record(record)
    assert explanation.total == score_dataset(record).total
    # WFS GetCapabilities: downloadURL 20 | format WFS 20 + media type 10 + vocabulary 10
    # (both IRIs on their lists) + machine-readable gml+xml 20 | licence 20 | byte size 5 +
    # issued 5 + modified 5 = 115... its total is the highest of the five
    totals = {d.distribution_id: d.total for d in explanation.distributions}
    assert explanation.best_distribution_id == WFS
    assert totals[WFS] == max(totals.values())
    assert totals[WMS] == 65
    assert explanation.best_reason == f"the highest total ({totals[WFS]} points) of 5"
    checks = {c.indicator_id: c for c in explanation.checks}
    licence = checks["mqa.known_licence"]
    assert licence.passed is False
    assert licence.looked_at == {"dct:license": "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}
    assert licence.on == WFS
    assert "licence" in licence.fix.lower()
    assert checks["mqa.publisher_availability"].on == "dataset"
    assert checks["mqa.access_url_status_code"].passed is None  # no link check
    # the WMS one's rights statement is a node without label: present, nothing to show
    wms = next(d for d in record.distributions if d.distribution_id == WMS)
    wms_record = record.__class__(record.dataset_id, distributions=(wms,))
    rights = {c.indicator_id: c for c in explain_record(wms_record).checks}[
        "mqa.rights_availability"
    ]
    assert (rights.passed, rights.looked_at) == (True, {"dct:rights": UNLABELLED})


def test_a_dataset_without_distribution_says_so(realdata: Path) -> None:
    name = "ecospheres-iso-dcat/sextant_1.ttl"
    (record,) = parse_page((realdata / name).read_bytes(), name).datasets
    data = as_json(explain_record(record))
    assert data["best_distribution"] == {
        "id": None,
        "why": "no distribution: every distribution check fails, and the dataset's own dates count",
    }
    format_check = next(c for c in data["checks"] if c["indicator"] == "mqa.format_availability")
    assert format_check["looked_at"] == {"dcat:distribution": "(no distribution)"}
    assert format_check["status"] == "failed"
    assert format_check["fix"]


@pytest.fixture
def published(realdata: Path, database_url: str) -> str:
    """Hamburg's record, run and published from the real file read in place."""
    source = open_source(str(realdata / HAMBURG), Settings())
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        run_chain(source, warehouse, workers=1)
    return database_url


def test_explain_reads_the_page_again_and_agrees_with_the_run(
    realdata: Path, published: str
) -> None:
    source = open_source(str(realdata / HAMBURG), Settings())
    with Warehouse.open(DatabaseTarget(published, "test")) as warehouse:
        explanation = explain_dataset(warehouse, DATASET, source)
        stored = warehouse.stored_outcome(DATASET)
        stored_only = explain_dataset(warehouse, DATASET, None)
        with pytest.raises(ConfigError, match="no dataset 'nope'"):
            explain_dataset(warehouse, "nope", source)
    assert stored is not None
    assert explanation.notes == ()
    assert explanation.total == stored.total
    assert explanation.variant == "without-link-checks"
    assert explanation.dcat_ap_version == "2.1.1"
    assert explanation.licence_list == "EU licence authority table"
    assert explanation.violations  # 2.1.1: the distributions' decimal byte sizes and more
    # without the page: the stored outcome, and a note saying what is missing
    assert stored_only.total == stored.total
    assert [c.passed for c in stored_only.checks] == [c.passed for c in explanation.checks]
    assert stored_only.notes
    assert "could not be read again" in stored_only.notes[0]


def test_explain_command(realdata: Path, published: str) -> None:
    env = {
        "DATABASE_URL": published,
        "DCAT_QUALITY_SOURCE": str(realdata / HAMBURG),
    }
    text = dq("explain", DATASET, env=env)
    assert text.returncode == 0, text.stderr
    assert "best distribution" in text.stdout
    assert "the highest total" in text.stdout
    assert "known licences: EU licence authority table" in text.stdout
    as_json_result = dq("explain", DATASET, "--format", "json", env=env)
    assert as_json_result.returncode == 0, as_json_result.stderr
    data = json.loads(as_json_result.stdout)
    assert data["dataset_id"] == DATASET
    assert data["best_distribution"]["id"] == WFS
    assert len(data["checks"]) == 23
    assert data["scored_with"]["licence_list"] == "EU licence authority table"
    missing = dq("explain", "nope", env=env)
    assert missing.returncode != 0
    assert "no dataset 'nope'" in missing.stderr + missing.stdout
