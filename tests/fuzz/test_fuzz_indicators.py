"""The indicators on arbitrary records: no crash, scores within bounds and consistent."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality import ecospheres
from dcat_quality.quality.mqa import (
    DIMENSION_MAX,
    MAX_POINTS,
    RATINGS,
    VARIANTS,
    rating_for,
    score_dataset,
)
from support.fuzz import FUZZ, ODD_STRINGS, count

#: Values the checks look for, so that passing checks are drawn too.
_REAL = (
    "http://publications.europa.eu/resource/authority/file-type/CSV",
    "http://publications.europa.eu/resource/authority/file-type/PDF",
    "https://www.iana.org/assignments/media-types/text/csv",
    "text/csv",
    "CSV",
    "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
    "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "https://spdx.org/licenses/etalab-2.0",
    "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    "http://id.insee.fr/geo/commune/97411",
    "http://id.insee.fr/geo/departement/2A",
    "http://id.insee.fr/geo/region/84",
    "https://example.org/data.csv",
    "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED",
    "onGoing",
    "Licence Ouverte",
    "2024-05-31",
)
_TEXT = st.one_of(
    st.sampled_from(ODD_STRINGS), st.sampled_from(_REAL), st.text(max_size=30), st.just("")
)
_OPT = st.one_of(st.none(), _TEXT)
_TUPLE = st.lists(_TEXT, max_size=4).map(tuple)

DISTRIBUTIONS = st.builds(
    DistributionRecord,
    distribution_id=_TEXT,
    title=_OPT,
    access_url=_OPT,
    download_url=_OPT,
    format=_OPT,
    media_type=_OPT,
    license=_OPT,
    byte_size=st.one_of(st.none(), st.integers(-(2**70), 2**70)),
    issued=_OPT,
    modified=_OPT,
    rights=_OPT,
)
RECORDS = st.builds(
    DatasetRecord,
    dataset_id=_TEXT,
    is_blank_node=st.booleans(),
    is_series=st.booleans(),
    **dict.fromkeys(
        (
            "identifier",
            "title",
            "title_lang",
            "description",
            "description_lang",
            "issued",
            "created",
            "modified",
            "keywords_lang",
            "creator",
            "rights_holder",
            "publisher",
            "contact_name",
            "contact_email",
            "status",
            "catalog",
            "bbox",
            "landing_page",
            "temporal_start",
            "temporal_end",
            "accrual_periodicity",
        ),
        _OPT,
    ),
    **dict.fromkeys(
        (
            "access_rights",
            "access_rights_iris",
            "themes",
            "keywords",
            "spatial",
            "licenses",
            "languages",
        ),
        _TUPLE,
    ),
    distributions=st.lists(DISTRIBUTIONS, max_size=4).map(tuple),
    has_contact_point=st.booleans(),
    has_publisher=st.booleans(),
    has_spatial=st.booleans(),
    has_temporal=st.booleans(),
)


def _urls(record: DatasetRecord) -> list[str]:
    return [u for d in record.distributions for u in (d.access_url, d.download_url) if u]


@st.composite
def link_statuses(draw: st.DrawFn, record: DatasetRecord) -> dict[str, int] | None:
    if draw(st.booleans()):
        return None
    urls = _urls(record)
    if not urls:
        return {}
    chosen = draw(st.lists(st.sampled_from(urls), max_size=len(urls)))
    return {url: draw(st.sampled_from([200, 204, 301, 404, 500, 0, 999])) for url in chosen}


@FUZZ
@given(RECORDS)
def test_ecospheres_indicators_never_crash(record: DatasetRecord) -> None:
    count("ecospheres.compute on arbitrary records")
    result = ecospheres.compute(record)
    assert 0 <= result.filled_fields <= len(ecospheres.FILL_RATE_FIELDS)
    assert 0.0 <= result.fill_rate <= 100.0
    assert result.status_label is None or result.status_code is not None
    assert set(result.communes) <= {t.code for t in result.territories}


@FUZZ
@given(st.data(), RECORDS, st.sampled_from([None, True, False]))
def test_mqa_scores_are_bounded_and_consistent(
    data: Any, record: DatasetRecord, compliant: bool | None
) -> None:
    count("mqa.score_dataset on arbitrary records")
    links = data.draw(link_statuses(record))
    result = score_dataset(record, link_status=links, dcat_ap_compliant=compliant)
    assert 0 <= result.total <= result.max_points <= MAX_POINTS
    assert result.variant in VARIANTS
    assert sum(result.by_dimension.values()) == result.total
    assert sum(result.max_by_dimension.values()) == result.max_points
    for dimension, points in result.by_dimension.items():
        assert 0 <= points <= result.max_by_dimension[dimension] <= DIMENSION_MAX[dimension]
    assert sum(row.points_won for row in result.rows) == result.total
    assert all(0 <= row.points_won <= row.points_at_stake for row in result.rows)
    assert result.rating == rating_for(result.total, result.max_points)
    projected = result.projected_total
    assert 0.0 <= projected <= MAX_POINTS
    expected = next(name for name, lowest in RATINGS if projected >= lowest - 1e-9)
    if result.max_points:
        assert result.rating == expected
    else:
        assert result.rating == "bad"
    if compliant is None:
        assert result.variant in ("without-dcat-ap", "without-link-checks-and-dcat-ap")
    if record.distributions:
        assert sum(d.is_best for d in result.distributions) == 1
        assert result.best_distribution_id in {d.distribution_id for d in record.distributions}
    else:
        assert result.best_distribution_id is None


@FUZZ
@given(st.integers(0, MAX_POINTS), st.integers(1, MAX_POINTS))
def test_rating_thresholds(total: int, max_points: int) -> None:
    count("mqa.rating_for thresholds")
    rating = rating_for(min(total, max_points), max_points)
    projected = min(total, max_points) * MAX_POINTS / max_points
    lows = dict(RATINGS)
    highs = {"excellent": MAX_POINTS, "good": 350, "sufficient": 220, "bad": 120}
    assert lows[rating] <= projected
    # upper bound: below the next rating's lowest total (no rounding up)
    assert projected < highs[rating] + 1 or rating == "excellent"
