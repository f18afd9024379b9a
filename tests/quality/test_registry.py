"""The indicator registry: the 23 MQA indicators and their points, one registration path."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dcat_quality.dcat.parse import parse_page
from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.ecospheres import compute
from dcat_quality.quality.ecospheres_indicators import register_ecospheres
from dcat_quality.quality.registry import (
    MQA_DIMENSIONS,
    CheckContext,
    Indicator,
    Registry,
)

MQA_IDS = (
    "mqa.keyword_availability",
    "mqa.category_availability",
    "mqa.spatial_availability",
    "mqa.temporal_availability",
    "mqa.access_url_status_code",
    "mqa.download_url_availability",
    "mqa.download_url_status_code",
    "mqa.format_availability",
    "mqa.media_type_availability",
    "mqa.format_media_type_vocabulary_alignment",
    "mqa.format_media_type_non_proprietary",
    "mqa.format_media_type_machine_readable",
    "mqa.dcat_ap_compliance",
    "mqa.licence_availability",
    "mqa.known_licence",
    "mqa.access_rights_availability",
    "mqa.access_rights_vocabulary_alignment",
    "mqa.contact_point_availability",
    "mqa.publisher_availability",
    "mqa.rights_availability",
    "mqa.byte_size_availability",
    "mqa.date_issued_availability",
    "mqa.date_modified_availability",
)


def _custom(id_: str = "custom.has_title", points: int = 0) -> Indicator:
    return Indicator(
        id=id_,
        family=id_.split(".", maxsplit=1)[0],
        dimension="completeness",
        points=points,
        level="dataset",
        label_fr="Titre",
        label_en="Title",
        rationale="A title.",
        fix_hint_fr="Renseigner dct:title.",
        dcat_property="dct:title",
    )


def test_exactly_23_mqa_indicators_with_the_documented_points() -> None:
    mqa = [i for i in default_registry() if i.family == "mqa"]
    assert tuple(i.id for i in mqa) == MQA_IDS  # stable ids, methodology order
    per_dimension = Counter[str]()
    for indicator in mqa:
        per_dimension[indicator.dimension] += indicator.points
    assert dict(per_dimension) == {
        "findability": 30 + 30 + 20 + 20,  # 100
        "accessibility": 50 + 20 + 30,  # 100
        "interoperability": 20 + 10 + 10 + 20 + 20 + 30,  # 110
        "reusability": 20 + 10 + 10 + 5 + 20 + 10,  # 75
        "contextuality": 5 + 5 + 5 + 5,  # 20
    }
    assert sum(per_dimension.values()) == 405
    assert set(per_dimension) == set(MQA_DIMENSIONS)


def test_every_indicator_is_documented() -> None:
    for indicator in default_registry():
        assert indicator.label_fr
        assert indicator.label_en
        assert indicator.rationale
        assert indicator.fix_hint_fr
        assert indicator.dcat_property
        if indicator.family == "mqa":
            assert indicator.metric_iri
            assert indicator.metric_iri.startswith("https://piveau.eu/ns/voc#")
            first_property = indicator.dcat_property.split(",")[0]
            if first_property.startswith(("dcat:", "dct:")):
                assert first_property in indicator.fix_hint_fr, indicator.id
        else:
            assert indicator.points == 0  # Ecosphères indicators are informational


def test_mqa_levels() -> None:
    levels = {i.id: i.level for i in default_registry() if i.family == "mqa"}
    assert Counter(levels.values()) == {"dataset": 9, "distribution": 12, "dataset+distribution": 2}
    assert levels["mqa.date_issued_availability"] == "dataset+distribution"


def test_custom_indicator_registers_like_the_builtins() -> None:
    registry = Registry()
    register_ecospheres(registry)

    @registry.indicator(_custom())
    def has_title(record: DatasetRecord, context: CheckContext) -> bool:
        return bool(record.title)

    assert "custom.has_title" in registry
    assert registry.get("custom.has_title").family == "custom"
    outcomes = registry.evaluate(DatasetRecord(dataset_id="d", title="T"), family="custom")
    assert [(e.indicator_id, e.distribution_id, e.value) for e in outcomes] == [
        ("custom.has_title", None, True)
    ]


def test_registration_refuses_bad_entries() -> None:
    registry = Registry()
    registry.register(_custom(), check=lambda r, c: True)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(_custom(), check=lambda r, c: True)
    with pytest.raises(ValueError, match=r"family\.name"):
        registry.register(_custom("NoDot"), check=lambda r, c: True)
    with pytest.raises(ValueError, match="must start with its family"):
        registry.register(_mismatched(), check=lambda r, c: True)
    with pytest.raises(ValueError, match="points"):
        registry.register(_custom("custom.neg", points=-1), check=lambda r, c: True)
    with pytest.raises(KeyError, match="families"):
        registry.get("nope.nothing")


def _mismatched() -> Indicator:
    base = _custom("other.x")
    return Indicator(
        id=base.id,
        family="custom",
        dimension=base.dimension,
        points=0,
        level="dataset",
        label_fr="x",
        label_en="x",
        rationale="x",
        fix_hint_fr="x",
        dcat_property="x",
    )


def test_ecospheres_field_checks_add_up_to_the_fill_rate(realdata: Path) -> None:
    registry = default_registry()
    path = realdata / "ecospheres-ckan" / "test_dcat_exposition.json"
    page = parse_page(path.read_bytes(), path.name)
    assert len(page.datasets) == 75
    for record in page.datasets:
        outcomes = {e.indicator_id: e.value for e in registry.evaluate(record, family="ecospheres")}
        filled = sum(
            1
            for key, value in outcomes.items()
            if key.startswith("ecospheres.filled_") and value is True
        )
        indicators = compute(record)
        assert filled == indicators.filled_fields
        assert outcomes["ecospheres.fill_rate"] == indicators.fill_rate
        assert outcomes["ecospheres.open_access"] == indicators.open_access
