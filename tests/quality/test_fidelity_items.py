"""The nine fidelity items of issue 13, each on the real files it names.

Every expected value is worked out from the RDF of the file (quoted in the comments) and
the MQA points (keyword 30, theme 30, spatial 20, temporal 20 | accessURL status 50,
downloadURL 20, downloadURL status 30 | format 20, media type 10, vocabulary 10,
non-proprietary 20, machine-readable 20, DCAT-AP 30 | licence 20, known licence 10,
access rights 10, access-rights vocabulary 5, contact 20, publisher 10 | rights 5,
byte size 5, issued 5, modified 5).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcat_quality.dcat.parse import parse_page, read_page
from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.mqa import (
    WITHOUT_LINK_CHECKS,
    WITHOUT_LINK_CHECKS_AND_DCAT_AP,
    MqaResult,
    score_dataset,
    summarise,
)
from dcat_quality.quality.profile import DEFAULT_PROFILE, ScoringProfile
from dcat_quality.quality.registry import CheckContext
from dcat_quality.quality.vocabularies import load_vocabularies
from dcat_quality.worker import check_positions

EXTRAS = ScoringProfile.of("2.1.1", licence_extras=True)


def _records(realdata: Path, name: str, *, fast: bool = True) -> list[DatasetRecord]:
    return list(parse_page((realdata / name).read_bytes(), name, fast=fast).datasets)


def _rows(result: MqaResult) -> dict[str, bool | None]:
    return {row.indicator_id: row.passed for row in result.rows}


def _check(indicator: str) -> object:
    return default_registry().entry(indicator).check


# -- 1. blank-node themes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "themes"),
    [
        # dcat:theme [ a skos:Concept ; skos:prefLabel "…"@fr ; skos:inScheme [ … ] ], …
        (
            "ecospheres-iso-dcat/geoide_1.ttl",
            ("Aménagement Urbanisme/Zonages Planification", "Usage des sols"),
        ),
        (
            "ecospheres-iso-dcat/geoide_2.ttl",
            (
                "Eau/Utilisation Autre",
                "Zones de gestion, de restriction ou de réglementation et unités de déclaration",
            ),
        ),
    ],
)
def test_blank_node_themes_count_and_keep_their_label(
    realdata: Path, name: str, themes: tuple[str, ...]
) -> None:
    (record,) = _records(realdata, name)
    assert record.themes == themes
    assert _rows(score_dataset(record))["mqa.category_availability"] is True


def test_sextant_blank_themes_count(realdata: Path) -> None:
    (record,) = _records(realdata, "ecospheres-iso-dcat/sextant_1.ttl")
    assert len(record.themes) == 8  # eight labelled skos:Concept blank nodes
    assert "Répartition des espèces" in record.themes
    assert _rows(score_dataset(record))["mqa.category_availability"] is True


# -- 2. rights as a blank node without a label (and every presence check) -------------------


def test_unlabelled_rights_statement_counts(realdata: Path) -> None:
    """Hamburg's WMS distribution: ``dct:rights`` is an ``odrs:RightsStatement`` blank node
    with attribution texts but no label."""
    (record,) = _records(realdata, "hamburg-transparenz/dcatap-de_catalog.rdf")
    wms = next(d for d in record.distributions if d.distribution_id.endswith("SERVICE=WMS"))
    assert wms.rights is None  # nothing to show …
    assert _check("mqa.rights_availability")(wms, CheckContext()) is True  # … but present
    scores = {d.distribution_id: d for d in score_dataset(record).distributions}
    # WMS: media type 10 + machine-readable (gml+xml) 20 | licence 20 (DCAT-AP.de IRI, not
    # in the EU table) | rights 5 + issued 5 + modified 5; no downloadURL, no format
    assert dict(scores[wms.distribution_id].by_dimension) == {
        "findability": 0,
        "accessibility": 0,
        "interoperability": 10 + 20,
        "reusability": 20,
        "contextuality": 5 + 5 + 5,
    }
    assert scores[wms.distribution_id].total == 65


def test_presence_is_any_value_whatever_its_kind() -> None:
    """IRI, labelled or bare blank node, literal, even an empty literal: the property is
    there, and the availability check passes (Zürich writes dct:accessRights "")."""
    page = parse_page(
        b"""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <https://x/iri> a dcat:Dataset ; dct:accessRights <https://x/r> .
        <https://x/labelled> a dcat:Dataset ; dct:accessRights [ dct:title "Public" ] .
        <https://x/bare> a dcat:Dataset ; dct:accessRights [ a dct:RightsStatement ] .
        <https://x/text> a dcat:Dataset ; dct:accessRights "public" .
        <https://x/empty> a dcat:Dataset ; dct:accessRights "" .
        <https://x/none> a dcat:Dataset ; dct:title "no access rights" .
        """,
        "page.ttl",
    )
    check = _check("mqa.access_rights_availability")
    verdicts = {r.dataset_id.rsplit("/", 1)[-1]: check(r, CheckContext()) for r in page.datasets}
    assert verdicts == {
        "iri": True,
        "labelled": True,
        "bare": True,
        "text": True,
        "empty": True,
        "none": False,
    }


# -- 3. known licence: the EU table with all its exact matches -----------------------------


def test_exact_match_of_the_eu_table_is_a_known_licence(realdata: Path) -> None:
    """Nobel Prize (Sweden): <http://creativecommons.org/licenses/by-nc/3.0/>, the
    skos:exactMatch of CC_BYNC_3_0."""
    (record,) = _records(realdata, "ckanext-dcat-examples/dataset_sweden.rdf")
    (dist,) = record.distributions
    assert dist.license == "http://creativecommons.org/licenses/by-nc/3.0/"
    assert _rows(score_dataset(record))["mqa.known_licence"] is True


def test_spdx_etalab_is_known_only_with_our_extras(realdata: Path) -> None:
    """Ecosphères: <https://spdx.org/licenses/etalab-2.0> is not in the EU table."""
    records = _records(realdata, "ecospheres-ckan/test_dcat_exposition.json")
    licensed = [r for r in records if any(d.license for d in r.distributions)]
    assert len(licensed) == 74
    default = [_rows(score_dataset(r))["mqa.known_licence"] for r in licensed]
    extras = [
        _rows(score_dataset(r, vocabularies=EXTRAS.vocabularies))["mqa.known_licence"]
        for r in licensed
    ]
    assert default == [False] * 74
    assert extras == [True] * 74
    assert DEFAULT_PROFILE.licence_list == "EU licence authority table"
    assert EXTRAS.licence_list == "EU licence authority table + dcat-quality licence extras"


# -- 4. formats and media types must be IRIs ---------------------------------------------------


def test_literal_formats_and_media_types_are_off_the_vocabularies(realdata: Path) -> None:
    """opendata.swiss 1894: ``dct:format "PDF"`` and ``dcat:mediaType "application/pdf"``
    are text. ``application/pdf`` is an IANA type, but only its IRI would count."""
    (record,) = _records(realdata, "opendata-swiss/1894.xml")
    pdf = next(d for d in record.distributions if d.format == "PDF")
    assert (pdf.media_type, pdf.not_iri) == (
        "application/pdf",
        frozenset({"http://purl.org/dc/terms/format", "http://www.w3.org/ns/dcat#mediaType"}),
    )
    context = CheckContext(vocabularies=load_vocabularies())
    for indicator in (
        "mqa.format_media_type_vocabulary_alignment",
        "mqa.format_media_type_non_proprietary",
        "mqa.format_media_type_machine_readable",
    ):
        assert _check(indicator)(pdf, context) is False, indicator
    for indicator in ("mqa.format_availability", "mqa.media_type_availability"):
        assert _check(indicator)(pdf, context) is True, indicator
    hint = default_registry().get("mqa.format_media_type_vocabulary_alignment").fix_hint_fr
    assert "text/csv" in hint
    assert "https://www.iana.org/assignments/media-types/text/csv" in hint


def test_norway_text_formats_score_presence_only(realdata: Path) -> None:
    """Statens vegvesen writes every format as text ("CSV", "JSON", "ukjent", …)."""
    records = _records(realdata, "norway-svv-ckan/catalog_SVV.ttl")
    dists = [d for r in records for d in r.distributions if d.format is not None]
    assert dists
    assert all("http://purl.org/dc/terms/format" in d.not_iri for d in dists)
    for record in records:
        rows = _rows(score_dataset(record))
        assert rows["mqa.format_media_type_machine_readable"] is False
        assert rows["mqa.format_media_type_non_proprietary"] is False


# -- 6. ties: the first distribution in the page -----------------------------------------------


def test_tie_on_the_ecospheres_page_keeps_the_first_in_the_page(realdata: Path) -> None:
    """Zones exposées au bruit: two distributions of 20 + 20 + 20 each; the intranet Atom
    feed comes first in the page, though its blank-node id sorts second. Both parsing
    paths read the same document order."""
    name = "ecospheres-ckan/test_dcat_exposition.json"
    wanted = "jdd-0a3ba9b5-5d70-4bca-9cac-11748af921cf"
    for fast in (True, False):
        record = next(
            r for r in _records(realdata, name, fast=fast) if r.dataset_id.endswith(wanted)
        )
        first_in_page = min(record.distributions, key=lambda d: d.position)
        assert first_in_page.access_url is not None
        assert "e2.rie.gouv.fr" in first_in_page.access_url
        assert record.distributions.index(first_in_page) == 1  # second by id
        assert score_dataset(record).best_distribution_id == first_in_page.distribution_id


def _tie_links(record: DatasetRecord) -> dict[str, int]:
    """Every URL answers, except the PDF's: the two HTML distributions then tie on top."""
    status = {}
    for dist in record.distributions:
        for url in (dist.access_url, dist.download_url):
            if url:
                status[url] = (
                    404 if dist.format == "PDF" or dist.media_type == "application/pdf" else 200
                )
    return status


def test_tie_on_opendata_swiss_1894_follows_the_page(realdata: Path) -> None:
    """Each HTML distribution: format 20 + media type 10 + rights 5 + issued 5 + accessURL
    200 50 = 90; the PDF one: downloadURL 20 + format 20 + media type 10 + rights 5 +
    issued 5, its URLs 404 = 60. The German HTML one (…/1c3e9272…) is first in the page."""
    data = (realdata / "opendata-swiss/1894.xml").read_bytes()
    (record,) = parse_page(data, "1894.xml").datasets
    result = score_dataset(record, link_status=_tie_links(record))
    assert sorted(d.total for d in result.distributions) == [60, 90, 90]
    assert result.best_distribution_id is not None
    assert result.best_distribution_id.endswith("1c3e9272-0ac8-4e41-90e3-db857c2e4791")
    # the same record with the two HTML blocks in the other order: the French one wins,
    # although its id sorts after the German one's
    german = data[data.index(b"    <dcat:distribution>") : data.index(b"    <dct:relation>")]
    start = data.index(b"    <dcat:distribution>", data.index(b"</dct:relation>"))
    french = data[
        start : data.index(b"</dcat:distribution>", start) + len(b"</dcat:distribution>\n")
    ]
    swapped = data.replace(german, b"\x00").replace(french, german).replace(b"\x00", french)
    (record,) = parse_page(swapped, "1894.xml").datasets
    result = score_dataset(record, link_status=_tie_links(record))
    assert result.best_distribution_id is not None
    assert result.best_distribution_id.endswith("c8ec6ca0-6923-4cf3-92f2-95a10e6f8e25")


def test_tie_on_opendata_swiss_catalog(realdata: Path) -> None:
    """catalog.xml (blank-node datasets and distributions): the two HTML distributions of
    each dataset tie once their accessURLs answer; the first in the page is kept."""
    for record in _records(realdata, "opendata-swiss/catalog.xml"):
        result = score_dataset(record, link_status=_tie_links(record))
        html = sorted(
            (d for d in record.distributions if d.media_type == "text/html"),
            key=lambda d: d.position,
        )
        totals = {d.distribution_id: d.total for d in result.distributions}
        assert totals[html[0].distribution_id] == totals[html[1].distribution_id]
        assert result.best_distribution_id == html[0].distribution_id


# -- 7. every dataset of a run carries the run's variant ---------------------------------------


def test_a_dataset_without_distribution_carries_the_run_variant(realdata: Path) -> None:
    (record,) = _records(realdata, "ecospheres-iso-dcat/sextant_1.ttl")
    assert record.distributions == ()
    assert score_dataset(record).variant == WITHOUT_LINK_CHECKS_AND_DCAT_AP
    assert score_dataset(record, dcat_ap_compliant=False).variant == WITHOUT_LINK_CHECKS
    positions = check_positions(default_registry())
    assert summarise(record, positions, dcat_ap_compliant=False).variant == WITHOUT_LINK_CHECKS


# -- 8 and 9. dates: the best distribution's, the dataset's only without distribution ----------


def test_dates_come_from_where_they_are_counted(realdata: Path) -> None:
    """opendata.swiss 1894: the dataset has dct:issued and dct:modified; its best
    distribution (the PDF one) only dct:issued. piveau counts the distribution's: issued
    passes on the distribution, modified fails there (the dataset's does not make up)."""
    (record,) = _records(realdata, "opendata-swiss/1894.xml")
    result = score_dataset(record)
    rows = {row.indicator_id: row for row in result.rows}
    assert rows["mqa.date_issued_availability"].passed is True
    assert rows["mqa.date_modified_availability"].passed is False
    for date in ("mqa.date_issued_availability", "mqa.date_modified_availability"):
        assert rows[date].distribution_id == result.best_distribution_id
    # without distributions, the dataset's own dates count and say so
    alone = score_dataset(DatasetRecord("https://x/d", issued="2020", modified="2021"))
    rows = {row.indicator_id: row for row in alone.rows}
    assert rows["mqa.date_modified_availability"].passed is True
    assert rows["mqa.date_modified_availability"].distribution_id is None


def test_read_page_keeps_document_order_positions(realdata: Path) -> None:
    page = read_page((realdata / "opendata-swiss/1894.xml").read_bytes(), "1894.xml").page
    (record,) = page.datasets
    assert sorted(d.position for d in record.distributions) == [0, 1, 2]
