"""MQA scores computed by hand: every indicator, both special rules, ratings, vocabularies.

Each expected figure is written as the arithmetic it comes from (points as in the
methodology table: keyword 30, theme 30, spatial 20, temporal 20 | accessURL status 50,
downloadURL 20, downloadURL status 30 | format 20, media type 10, vocabulary 10,
non-proprietary 20, machine-readable 20, DCAT-AP 30 | licence 20, known licence 10,
access rights 10, access-rights vocabulary 5, contact 20, publisher 10 | rights 5,
byte size 5, issued 5, modified 5).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dcat_quality.dcat.parse import parse_page
from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality.mqa import (
    FULL,
    METHODOLOGY_VERSION,
    WITHOUT_DCAT_AP,
    WITHOUT_LINK_CHECKS,
    WITHOUT_LINK_CHECKS_AND_DCAT_AP,
    MqaResult,
    rating_for,
    score_dataset,
)
from dcat_quality.quality.vocabularies import iri_key, load_vocabularies, media_type_key

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
ACCESS, DOWNLOAD = "https://data.example.fr/a", "https://data.example.fr/d.csv"
LINKS_OK = {ACCESS: 200, DOWNLOAD: 200}

DIST = DistributionRecord(
    distribution_id="https://data.example.fr/d/1",
    access_url=ACCESS,
    download_url=DOWNLOAD,
    format=EU + "file-type/CSV",
    media_type=IANA + "text/csv",
    license=EU + "licence/ETALAB_2_0",
    rights="Licence Ouverte 2.0",
    byte_size=1024,
    issued="2024-01-02",
    modified="2024-06-01",
)
PERFECT = DatasetRecord(
    dataset_id="https://data.example.fr/d",
    keywords=("eau",),
    themes=(EU + "data-theme/ENVI",),
    spatial=("http://id.insee.fr/geo/departement/74",),
    temporal_start="2020-01-01",
    access_rights=(EU + "access-right/PUBLIC",),
    access_rights_iris=(EU + "access-right/PUBLIC",),
    contact_email="contact@example.fr",
    publisher="DDT 74",
    issued="2024-01-01",
    modified="2024-06-01",
    distributions=(DIST,),
)


def full(record: DatasetRecord) -> MqaResult:
    return score_dataset(record, link_status=LINKS_OK, dcat_ap_compliant=True)


def failed_ids(result: MqaResult) -> set[str]:
    return {row.indicator_id for row in result.failed}


def test_perfect_dataset_scores_405_excellent() -> None:
    result = full(PERFECT)
    assert result.variant == FULL
    assert result.methodology_version == METHODOLOGY_VERSION
    assert result.total == result.max_points == 405
    assert dict(result.by_dimension) == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert result.rating == "excellent"
    assert len(result.rows) == 23
    assert result.failed == ()
    assert result.best_distribution_id == DIST.distribution_id


def _dist(**changes: Any) -> dict[str, Any]:
    return {"distributions": (replace(DIST, **changes),)}


# (what is removed, record changes, failed indicators, points lost)
MUTATIONS: list[tuple[str, dict[str, Any], set[str], int]] = [
    ("keyword", {"keywords": ()}, {"mqa.keyword_availability"}, 30),
    ("theme", {"themes": ()}, {"mqa.category_availability"}, 30),
    ("spatial", {"spatial": ()}, {"mqa.spatial_availability"}, 20),
    ("temporal", {"temporal_start": None}, {"mqa.temporal_availability"}, 20),
    ("accessURL", _dist(access_url=None), {"mqa.access_url_status_code"}, 50),
    (
        "downloadURL",
        _dist(download_url=None),
        {"mqa.download_url_availability", "mqa.download_url_status_code"},
        20 + 30,
    ),
    (
        "format",
        _dist(format=None),
        {"mqa.format_availability", "mqa.format_media_type_vocabulary_alignment"},
        20 + 10,
    ),
    (
        "media type",
        _dist(media_type=None),
        {"mqa.media_type_availability", "mqa.format_media_type_vocabulary_alignment"},
        10 + 10,
    ),
    (
        "format and media type",
        _dist(format=None, media_type=None),
        {
            "mqa.format_availability",
            "mqa.media_type_availability",
            "mqa.format_media_type_vocabulary_alignment",
            "mqa.format_media_type_non_proprietary",
            "mqa.format_media_type_machine_readable",
        },
        20 + 10 + 10 + 20 + 20,
    ),
    (
        "format as a label",
        _dist(format="CSV", media_type=None),
        {
            "mqa.media_type_availability",
            "mqa.format_media_type_vocabulary_alignment",
            "mqa.format_media_type_non_proprietary",
            "mqa.format_media_type_machine_readable",
        },
        10 + 10 + 20 + 20,
    ),
    (
        "proprietary, not machine-readable",
        _dist(format=EU + "file-type/PDF", media_type=IANA + "application/pdf"),
        {"mqa.format_media_type_non_proprietary", "mqa.format_media_type_machine_readable"},
        20 + 20,
    ),
    (
        "machine-readable but proprietary",
        _dist(format=EU + "file-type/XLSX", media_type=None),
        {
            "mqa.media_type_availability",
            "mqa.format_media_type_vocabulary_alignment",
            "mqa.format_media_type_non_proprietary",
        },
        10 + 10 + 20,
    ),
    ("licence", _dist(license=None), {"mqa.licence_availability", "mqa.known_licence"}, 20 + 10),
    ("licence as a label", _dist(license="Licence Ouverte"), {"mqa.known_licence"}, 10),
    (
        "access rights",
        {"access_rights": (), "access_rights_iris": ()},
        {"mqa.access_rights_availability", "mqa.access_rights_vocabulary_alignment"},
        10 + 5,
    ),
    (
        "access rights as text",
        {"access_rights": ("Accès libre",), "access_rights_iris": ()},
        {"mqa.access_rights_vocabulary_alignment"},
        5,
    ),
    ("contact point", {"contact_email": None}, {"mqa.contact_point_availability"}, 20),
    ("publisher", {"publisher": None}, {"mqa.publisher_availability"}, 10),
    ("rights", _dist(rights=None), {"mqa.rights_availability"}, 5),
    ("byte size", _dist(byte_size=None), {"mqa.byte_size_availability"}, 5),
    (
        "issued everywhere",
        {"issued": None, **_dist(issued=None)},
        {"mqa.date_issued_availability"},
        5,
    ),
    (
        "modified everywhere",
        {"modified": None, **_dist(modified=None)},
        {"mqa.date_modified_availability"},
        5,
    ),
]


@pytest.mark.parametrize(
    ("what", "changes", "failed", "lost"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
def test_each_indicator_costs_its_points(
    what: str, changes: dict[str, Any], failed: set[str], lost: int
) -> None:
    result = full(replace(PERFECT, **changes))
    assert failed_ids(result) == failed
    assert result.total == 405 - lost
    assert sum(row.points_recoverable for row in result.failed) == lost


def test_dcat_ap_violation_costs_30() -> None:
    result = score_dataset(PERFECT, link_status=LINKS_OK, dcat_ap_compliant=False)
    assert failed_ids(result) == {"mqa.dcat_ap_compliance"}
    assert result.total == 405 - 30
    assert result.variant == FULL


def test_presence_flags_count_nodes_without_readable_values() -> None:
    """A contact point, publisher or period with nothing we can read still counts."""
    bare = replace(
        PERFECT,
        contact_email=None,
        publisher=None,
        temporal_start=None,
        spatial=(),
        has_contact_point=True,
        has_publisher=True,
        has_temporal=True,
        has_spatial=True,
    )
    assert full(bare).total == 405


@pytest.mark.parametrize(
    ("status", "passed"),
    [
        (200, True),
        (204, True),
        (299, True),
        (301, False),
        (404, False),
        (500, False),
        (1100, False),
    ],
)
def test_status_codes_score_on_2xx_only(status: int, passed: bool) -> None:
    result = score_dataset(
        PERFECT, link_status={ACCESS: status, DOWNLOAD: status}, dcat_ap_compliant=True
    )
    rows = {r.indicator_id: r for r in result.rows}
    assert rows["mqa.access_url_status_code"].passed is passed
    assert rows["mqa.download_url_status_code"].passed is passed
    assert result.total == (405 if passed else 405 - 50 - 30)


def test_without_link_checks_the_url_checks_are_not_measured() -> None:
    result = score_dataset(PERFECT, dcat_ap_compliant=True)
    assert result.variant == WITHOUT_LINK_CHECKS
    assert {r.indicator_id for r in result.not_measured} == {
        "mqa.access_url_status_code",
        "mqa.download_url_status_code",
    }
    assert result.max_points == 405 - 50 - 30  # 325
    assert result.total == 325
    assert result.max_by_dimension["accessibility"] == 20
    assert result.rating == "excellent"  # 325 × 405 / 325 = 405
    # a URL the checker did not reach is not measured either; the run's variant stays
    partial = score_dataset(PERFECT, link_status={ACCESS: 200}, dcat_ap_compliant=True)
    assert partial.variant == FULL
    assert partial.max_points == 405 - 30


def test_variants_name_what_was_not_measured() -> None:
    assert score_dataset(PERFECT, link_status=LINKS_OK).variant == WITHOUT_DCAT_AP
    both = score_dataset(PERFECT)
    assert both.variant == WITHOUT_LINK_CHECKS_AND_DCAT_AP
    assert both.max_points == 405 - 50 - 30 - 30  # 295
    # a missing URL fails even without link checks: nothing to check
    no_download = score_dataset(replace(PERFECT, **_dist(download_url=None)))
    rows = {r.indicator_id: r for r in no_download.rows}
    assert rows["mqa.download_url_status_code"].passed is False
    assert no_download.max_points == 405 - 50 - 30  # only accessURL status + DCAT-AP unmeasured
    assert no_download.total == 325 - 20 - 30


def test_best_distribution_only() -> None:
    poor = DistributionRecord(distribution_id="https://data.example.fr/d/0", format="CSV")
    record = replace(PERFECT, distributions=(poor, DIST))
    result = full(record)
    # poor: format 20 = 20 points; DIST: A 100 + I 80 + R 30 + C 20 = 230 points → DIST wins
    assert {d.distribution_id: d.total for d in result.distributions} == {
        poor.distribution_id: 20,
        DIST.distribution_id: (50 + 20 + 30)
        + (20 + 10 + 10 + 20 + 20)
        + (20 + 10)
        + (5 + 5 + 5 + 5),
    }
    assert result.best_distribution_id == DIST.distribution_id
    assert result.total == 405  # not an average of the two


def test_best_distribution_tie_keeps_the_first_in_the_page() -> None:
    """piveau's reduce keeps the first of equals in document order, whatever the ids."""
    in_page_first = replace(
        DIST, distribution_id="https://data.example.fr/d/z", rights=None, position=0
    )
    in_page_second = replace(
        DIST, distribution_id="https://data.example.fr/d/a", byte_size=None, position=1
    )
    # the record sorts distributions by id: /d/a before /d/z
    result = full(replace(PERFECT, distributions=(in_page_second, in_page_first)))
    assert [d.total for d in result.distributions] == [230 - 5, 230 - 5]
    assert [d.distribution_id for d in result.distributions] == [
        in_page_first.distribution_id,
        in_page_second.distribution_id,
    ]
    assert result.best_distribution_id == in_page_first.distribution_id
    assert failed_ids(result) == {"mqa.rights_availability"}
    assert result.total == 405 - 5


def test_no_distribution_fails_every_distribution_check() -> None:
    result = full(replace(PERFECT, distributions=()))
    distribution_checks = {
        r.indicator_id for r in result.rows if r.distribution_id is None and r.passed is False
    }
    assert len(distribution_checks) == 12
    # dataset level only: F 100 + DCAT-AP 30 + R (10 + 5 + 20 + 10) + issued 5 + modified 5
    assert result.total == 100 + 30 + (10 + 5 + 20 + 10) + 5 + 5
    assert result.best_distribution_id is None


def test_dates_are_the_best_distributions() -> None:
    """piveau measures both dates on every distribution and then skips the dataset's own
    (scoreMetrics): the dataset's dates count only when it has no distribution."""
    rows = {r.indicator_id: r for r in full(PERFECT).rows}
    assert rows["mqa.date_issued_availability"].points_won == 5
    assert rows["mqa.date_issued_availability"].distribution_id == DIST.distribution_id
    assert full(PERFECT).by_dimension["contextuality"] == 5 + 5 + 5 + 5

    # the distribution has none: the dataset's dates do not make up for it
    undated = replace(PERFECT, **_dist(issued=None, modified=None))
    result = full(undated)
    rows = {r.indicator_id: r for r in result.rows}
    assert rows["mqa.date_issued_availability"].passed is False
    assert rows["mqa.date_issued_availability"].distribution_id == DIST.distribution_id
    assert result.total == 405 - 5 - 5

    # only the distribution has them: they count
    assert full(replace(PERFECT, issued=None, modified=None)).total == 405

    # no distribution at all: the dataset's dates count, and say so
    alone = full(replace(PERFECT, distributions=()))
    rows = {r.indicator_id: r for r in alone.rows}
    assert rows["mqa.date_modified_availability"].passed is True
    assert rows["mqa.date_modified_availability"].distribution_id is None


def test_dates_weigh_in_the_choice_of_the_best_distribution() -> None:
    best = replace(DIST, issued=None, modified=None)
    dated = DistributionRecord(
        distribution_id="https://data.example.fr/d/z", issued="2024-01-01", modified="2024-01-01"
    )
    result = full(replace(PERFECT, issued=None, modified=None, distributions=(best, dated)))
    assert result.best_distribution_id == best.distribution_id  # 230 - 5 - 5 vs 5 + 5
    assert failed_ids(result) == {"mqa.date_issued_availability", "mqa.date_modified_availability"}
    assert result.total == 405 - 5 - 5


def test_failed_checks_are_ranked_by_points_recoverable() -> None:
    record = replace(
        PERFECT,
        keywords=(),
        publisher=None,
        temporal_start=None,
        **_dist(byte_size=None, access_url=None),
    )
    ranked = [(r.indicator_id, r.points_recoverable) for r in full(record).failed]
    assert ranked == [
        ("mqa.access_url_status_code", 50),
        ("mqa.keyword_availability", 30),
        ("mqa.temporal_availability", 20),
        ("mqa.publisher_availability", 10),
        ("mqa.byte_size_availability", 5),
    ]


@pytest.mark.parametrize(
    ("total", "rating"),
    [
        (405, "excellent"),
        (351, "excellent"),
        (350, "good"),
        (221, "good"),
        (220, "sufficient"),
        (121, "sufficient"),
        (120, "bad"),
        (0, "bad"),
    ],
)
def test_rating_thresholds(total: int, rating: str) -> None:
    assert rating_for(total) == rating


def test_rating_on_a_reduced_maximum_projects_without_rounding() -> None:
    assert rating_for(260, 300) == "excellent"  # 260 × 405 / 300 = 351
    assert rating_for(259, 300) == "good"  # 349.65
    assert rating_for(164, 300) == "good"  # 221.4
    assert rating_for(163, 300) == "sufficient"  # 220.05
    assert rating_for(89, 300) == "bad"  # 120.15 < 121
    assert rating_for(90, 300) == "sufficient"  # 121.5


# -- vocabularies -------------------------------------------------------------------------


def test_vocabularies_say_where_they_come_from() -> None:
    vocabularies = load_vocabularies()
    for text in vocabularies.describe().values():
        assert "(" in text
        assert len(text) > 40
    assert len(vocabularies.file_types) == 203
    assert len(vocabularies.access_rights) == 3


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (EU + "file-type/CSV", True),
        # EU tables are matched as the Publications Office writes the IRI (piveau: Jena)
        ("https://publications.europa.eu/resource/authority/file-type/CSV", False),
        (EU + "file-type/CSV/", False),
        (EU + "file-type/csv", False),
        ("http://PUBLICATIONS.europa.eu/resource/authority/file-type/CSV", False),
        ("CSV", False),
        ("ESRI Shapefile (SHP)", False),
        (EU + "file-type/CSV?x=1", False),
        (EU + "file-type/NOPE", False),
    ],
)
def test_file_type_matching(value: str, accepted: bool) -> None:
    assert (value in load_vocabularies().file_types) is accepted


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (IANA + "text/csv", True),
        ("http://www.iana.org/assignments/media-types/text/csv", True),
        (IANA + "text/csv/", True),
        (IANA + "Text/CSV", True),  # media types are case-insensitive (RFC 6838)
        (IANA + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
        # a bare media type is text, not an IRI: never on the vocabulary
        ("text/csv", False),
        ("Text/CSV", False),
        ("text/csv; charset=utf-8", False),
        ("https://example.org/media-types/text/csv", False),
        ("csv", False),
        (IANA + "application/x-unknown-thing", False),
    ],
)
def test_media_type_matching(value: str, accepted: bool) -> None:
    assert (value in load_vocabularies().media_types) is accepted


EXTRAS = ("eu-licence-authority", "dcat-quality-extras")


@pytest.mark.parametrize(
    ("value", "eu", "with_extras"),
    [
        (EU + "licence/ETALAB_2_0", True, True),
        (EU + "licence/CC_BY_4_0", True, True),
        # skos:exactMatch of the EU table (CC_BY_4_0, CC_BYNC_3_0, ETALAB_2_0)
        ("http://creativecommons.org/licenses/by/4.0/", True, True),
        ("http://creativecommons.org/licenses/by-nc/3.0/", True, True),
        ("https://www.etalab.gouv.fr/licence-ouverte-open-licence/", True, True),
        # variants and SPDX/Etalab IRIs the EU table does not hold: extras only
        ("https://creativecommons.org/licenses/by/4.0", False, True),
        ("https://www.etalab.gouv.fr/licence-ouverte-open-licence", False, True),
        ("https://spdx.org/licenses/etalab-2.0", False, True),
        ("http://spdx.org/licenses/Etalab-2.0/", False, True),
        (
            "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
            False,
            True,
        ),
        ("https://spdx.org/licenses/etalab-2.0.html", False, False),
        ("Licence Ouverte", False, False),
        ("https://example.fr/ma-licence.pdf", False, False),
    ],
)
def test_licence_matching(value: str, eu: bool, with_extras: bool) -> None:
    assert (value in load_vocabularies().licences) is eu
    assert (value in load_vocabularies(EXTRAS).licences) is with_extras


def test_licence_lists_name_themselves() -> None:
    assert load_vocabularies().licences.name == "EU licence authority table"
    assert load_vocabularies(EXTRAS).licences.name == (
        "EU licence authority table + dcat-quality licence extras"
    )
    assert len(load_vocabularies().licences) == 308  # 160 concepts + 148 exact matches


def test_access_rights_and_format_lists() -> None:
    v = load_vocabularies()
    assert EU + "access-right/PUBLIC" in v.access_rights
    assert EU + "access-right/NON_PUBLIC" in v.access_rights
    assert "PUBLIC" not in v.access_rights
    assert v.non_proprietary.matches(EU + "file-type/GEOJSON", None)
    assert v.non_proprietary.matches(None, IANA + "text/csv")
    assert not v.non_proprietary.matches(None, "text/csv")
    assert not v.non_proprietary.matches(EU + "file-type/SHP", None)
    assert v.machine_readable.matches(EU + "file-type/SHP", None)
    assert not v.machine_readable.matches(EU + "file-type/PDF", IANA + "application/pdf")
    assert not v.machine_readable.matches("ESRI Shapefile (SHP)", None)


def test_key_functions() -> None:
    assert iri_key("nope") is None
    assert iri_key("https://Example.org/A/B/") == "example.org/A/b"
    assert media_type_key(IANA + "Text/CSV") == "text/csv"
    assert media_type_key("text/csv") is None
    assert media_type_key(None) is None


# -- extraction feeds the presence checks ------------------------------------------------


def test_extraction_records_presence_of_unnamed_nodes() -> None:
    turtle = b"""
    @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    <https://x/d> a dcat:Dataset ; dct:title "T"@fr ;
        dcat:contactPoint [ a <http://www.w3.org/2006/vcard/ns#Kind> ] ;
        dct:publisher [ a <http://xmlns.com/foaf/0.1/Organization> ] ;
        dct:temporal [ a dct:PeriodOfTime ] ;
        dct:spatial [ a dct:Location ] .
    <https://x/e> a dcat:Dataset ; dct:title "E"@fr ; dct:publisher "" .
    """
    first, second = parse_page(turtle, "page.ttl").datasets
    assert (
        first.has_contact_point,
        first.has_publisher,
        first.has_temporal,
        first.has_spatial,
    ) == (True, True, True, True)
    assert (first.contact_name, first.contact_email, first.publisher) == (None, None, None)
    assert not (second.has_contact_point)
    assert not (second.has_publisher)
    assert not (second.has_temporal)
    assert not (second.has_spatial)
    assert full(first).by_dimension["findability"] == 20 + 20  # spatial + temporal


# -- the real Ecosphères page ---------------------------------------------------------------

GEOIDE = (
    "http://catalogue.geo-ide.developpement-durable.gouv.fr/catalogue/srv/fre/"
    "catalog.search#/metadata/fr-120066022-"
)


@pytest.fixture(scope="module")
def ecospheres(realdata: Path) -> dict[str, MqaResult]:
    path = realdata / "ecospheres-ckan" / "test_dcat_exposition.json"
    page = parse_page(path.read_bytes(), path.name)
    return {record.dataset_id: score_dataset(record) for record in page.datasets}


def test_ecospheres_score_distribution(ecospheres: dict[str, MqaResult]) -> None:
    results = list(ecospheres.values())
    assert len(results) == 75
    assert {r.variant for r in results} == {WITHOUT_LINK_CHECKS_AND_DCAT_AP}
    assert {r.max_points for r in results} == {405 - 50 - 30 - 30}
    assert Counter(r.total for r in results) == {170: 49, 150: 22, 120: 3, 140: 1}
    assert Counter(r.rating for r in results) == {"good": 49, "sufficient": 26}
    failures = Counter(row.indicator_id for r in results for row in r.failed)
    # no distribution of the page carries a media type, a byte size, rights or a date
    # (192 distributions: only accessService, accessURL, downloadURL, format, title and,
    # for 190, licence); no dataset a temporal coverage, a publisher or an access-rights
    # IRI; formats are labelled blank nodes, licences the SPDX etalab-2.0 IRI, which the
    # EU licence table does not hold
    for always in (
        "mqa.temporal_availability",
        "mqa.publisher_availability",
        "mqa.media_type_availability",
        "mqa.format_media_type_vocabulary_alignment",
        "mqa.format_media_type_non_proprietary",
        "mqa.format_media_type_machine_readable",
        "mqa.known_licence",
        "mqa.rights_availability",
        "mqa.byte_size_availability",
        "mqa.access_rights_vocabulary_alignment",
        "mqa.date_issued_availability",
        "mqa.date_modified_availability",
    ):
        assert failures[always] == 75, always
    assert failures["mqa.contact_point_availability"] == 25
    assert failures["mqa.category_availability"] == 3


def test_ecospheres_noise_map_haute_savoie_by_hand(ecospheres: dict[str, MqaResult]) -> None:
    """Zones exposées au bruit en Haute-Savoie: two equal distributions, labels for formats."""
    result = ecospheres[GEOIDE + "jdd-0a3ba9b5-5d70-4bca-9cac-11748af921cf"]
    assert dict(result.by_dimension) == {
        "findability": 30 + 30 + 20,  # keyword, theme IRI, spatial (INSEE 74); no temporal
        "accessibility": 20,  # downloadURL; status codes not measured
        "interoperability": 20,  # format: a labelled blank node, present but not an IRI
        "reusability": 20 + 10 + 20,  # licence (SPDX etalab-2.0: not known), rights, contact
        "contextuality": 0,  # no date on the distributions: the dataset's do not count
    }
    assert result.total == 80 + 20 + 20 + 50 + 0 == 170
    assert result.max_points == 295
    assert result.rating == "good"  # 170 × 405 / 295 = 233.4
    # both distributions total 20 + 20 + 20: the first in the page (the intranet Atom
    # feed, _:N8212…) is kept, although its id sorts second
    assert [d.total for d in result.distributions] == [60, 60]
    assert result.distributions[0].is_best
    assert result.best_distribution_id == result.distributions[0].distribution_id


def test_ecospheres_forest_series_by_hand(ecospheres: dict[str, MqaResult]) -> None:
    """Forêts dans le département de la Haute-Savoie: a series without theme or contact."""
    result = ecospheres[GEOIDE + "ldd-d70c76a4-0ce5-4db8-83e7-23931a6b709d"]
    assert dict(result.by_dimension) == {
        "findability": 30 + 20,  # keyword, spatial; no theme, no temporal
        "accessibility": 20,
        "interoperability": 20,
        "reusability": 20 + 10,  # licence (not a known one), access rights
        "contextuality": 0,
    }
    assert result.total == 50 + 20 + 20 + 30 == 120
    assert result.rating == "sufficient"  # 120 × 405 / 295 = 164.7
    assert [(r.indicator_id, r.points_recoverable) for r in result.failed][:5] == [
        ("mqa.category_availability", 30),
        ("mqa.temporal_availability", 20),
        ("mqa.format_media_type_non_proprietary", 20),
        ("mqa.format_media_type_machine_readable", 20),
        ("mqa.contact_point_availability", 20),
    ]


def test_ecospheres_plu_without_licence_by_hand(ecospheres: dict[str, MqaResult]) -> None:
    """PLU de Buigny Saint Maclou: contact but no licence on either distribution, and
    dct:rights instead of dct:accessRights on the dataset."""
    result = ecospheres[GEOIDE + "ldd-7ee1b06f-be10-4c06-9bf7-83e393095606"]
    assert result.by_dimension["findability"] == 30 + 30 + 20  # spatial from the bbox
    assert result.by_dimension["reusability"] == 20  # contact point only
    assert result.total == 80 + 20 + 20 + 20 + 0 == 140
    assert "mqa.licence_availability" in failed_ids(result)
    assert "mqa.access_rights_availability" in failed_ids(result)
