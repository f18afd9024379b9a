"""The historical indicators, with each historical defect pinned by a test."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dcat_quality.dcat.parse import parse_page
from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality.ecospheres import FILL_RATE_FIELDS, compute, status_code
from dcat_quality.quality.geo import departement_of_commune, parse_insee

INSEE = "http://id.insee.fr/geo/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
NO_LIMITATIONS = (
    "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations"
)


@pytest.mark.parametrize(
    ("commune", "departement"),
    [
        ("74173", "74"),
        ("2A004", "2A"),
        ("2B033", "2B"),
        ("97101", "971"),
        ("97411", "974"),
        ("97611", "976"),
        ("01001", "01"),
        ("98735", "987"),
        ("123", None),
    ],
)
def test_departement_of_commune_handles_corsica_and_overseas(
    commune: str, departement: str | None
) -> None:
    assert departement_of_commune(commune) == departement


def test_parse_insee_ignores_other_iris() -> None:
    assert parse_insee("http://www.geonames.org/3017382") is None
    territory = parse_insee(INSEE + "commune/97411")
    assert territory is not None
    assert (territory.kind, territory.code, territory.departement) == ("commune", "97411", "974")


def test_empty_record_fills_nothing() -> None:
    """Defect 1: empty lists counted as filled; here nothing counts."""
    indicators = compute(DatasetRecord(dataset_id="http://x/d"))
    assert indicators.filled_fields == 0
    assert indicators.fill_rate == 0.0


def test_blank_values_do_not_count_as_filled() -> None:
    record = DatasetRecord(
        dataset_id="http://x/d",
        title="  ",
        catalog="",
        access_rights=("",),
        licenses=(),
        spatial=("http://other/1",),
    )
    assert compute(record).filled_fields == 0


def test_every_field_counts_once() -> None:
    record = DatasetRecord(
        dataset_id="http://x/d",
        title="T",
        catalog="C",
        contact_email="a@b.fr",
        licenses=("https://spdx.org/licenses/etalab-2.0",),
        modified="2020-01-01",
        rights_holder="DDT",
        access_rights=("Licence Ouverte",),
        spatial=(INSEE + "commune/97411",),
        status="http://publications.europa.eu/resource/authority/dataset-status/COMPLETED",
    )
    indicators = compute(record)
    assert indicators.filled_fields == len(FILL_RATE_FIELDS) == 9
    assert indicators.fill_rate == 100.0
    assert indicators.communes == ("97411",)
    assert indicators.departements == ("974",)  # defect 2: was "97"
    assert indicators.geo_coverage == "Communale"
    assert indicators.open_access is True


def test_unknown_status_is_kept_not_fatal() -> None:
    """Defect 3: an unknown adms:status raised KeyError and stopped the run."""
    record = DatasetRecord(dataset_id="http://x/d", status="http://example.org/status/Weird")
    indicators = compute(record)
    assert indicators.status_code == "Weird"
    assert indicators.status_label is None
    assert "status" in FILL_RATE_FIELDS
    assert indicators.filled_fields == 1


def test_status_code_takes_last_segment() -> None:
    assert status_code("http://registre/ISO19139ProgressCode/onGoing") == "onGoing"
    assert status_code("http://x/status#DEPRECATED") == "DEPRECATED"
    assert status_code("  ") is None


@pytest.mark.parametrize(
    ("title", "description", "expected"),
    [
        ("PPRn du Marquenterre", None, "PPRN"),
        ("Plan de Prévention des Risques Naturels", None, "PPRN"),
        ("Zonage", "plan de prevention des risques naturels de X", "PPRN"),
        ("Plan de prévention des risques technologiques", None, None),
    ],
)
def test_pprn_universe(title: str, description: str | None, expected: str | None) -> None:
    record = DatasetRecord(dataset_id="http://x/d", title=title, description=description)
    assert compute(record).universe == expected


def test_open_access_reads_labels_across_newlines() -> None:
    labels = ("Pas de restriction d'accès\npublic selon INSPIRE",)
    assert compute(DatasetRecord(dataset_id="http://x/d", access_rights=labels)).open_access
    closed = ("Accès restreint (L.124-4 du code de l'environnement)",)
    assert not compute(DatasetRecord(dataset_id="http://x/d", access_rights=closed)).open_access


def test_departement_only_coverage() -> None:
    record = DatasetRecord(dataset_id="http://x/d", spatial=(INSEE + "departement/2A",))
    indicators = compute(record)
    assert indicators.geo_coverage == "Départementale"
    assert indicators.departements == ("2A",)
    assert indicators.communes == ()


def test_open_access_reads_the_typographic_apostrophe_of_geoide(realdata: Path) -> None:
    """Géo-IDE's INSPIRE anchor (geoide_1.xml, line 295) is « Pas de restriction d’accès
    public selon INSPIRE » with U+2019, the only label there saying access is open."""
    name = "ecospheres-iso-dcat/geoide_1.xml"
    (record,) = parse_page((realdata / name).read_bytes(), name).datasets
    assert "Pas de restriction d\u2019accès public selon INSPIRE" in record.access_rights
    other = tuple(label for label in record.access_rights if "\u2019" not in label)
    labels_only = replace(record, access_rights_iris=())
    assert compute(labels_only).open_access is True
    assert compute(replace(labels_only, access_rights=other)).open_access is False


def test_open_access_reads_inspire_no_limitations(realdata: Path) -> None:
    """The same anchor's IRI (geoide_1.xml, line 295) says it without its label: INSPIRE's
    LimitationsOnPublicAccess/noLimitations, mapped to dct:accessRights."""
    name = "ecospheres-iso-dcat/geoide_1.xml"
    (record,) = parse_page((realdata / name).read_bytes(), name).datasets
    assert NO_LIMITATIONS in record.access_rights_iris
    # no label says access is open: the IRI alone decides
    unlabelled = replace(record, access_rights=("No restriction",))
    assert compute(unlabelled).open_access is True
    without = replace(unlabelled, access_rights_iris=())
    assert compute(without).open_access is False


def test_open_access_reads_the_eu_access_right_iri(realdata: Path) -> None:
    """FPS Economy's records (belgium-fedict/fpsecocbe.xml, lines 106, 240, 416) name the
    EU access-right IRIs without a label saying access is open: PUBLIC counts, RESTRICTED
    does not. dcat-multilang.rdf (line 46) gives the PUBLIC IRI with no label at all."""
    name = "belgium-fedict/fpsecocbe.xml"
    records = {d.dataset_id: d for d in parse_page((realdata / name).read_bytes(), name).datasets}
    public = records["http://data.gov.be/dataset/fpseco/cbeopen"]
    assert public.access_rights_iris == (EU_ACCESS_RIGHT + "PUBLIC",)
    assert public.access_rights == ("publicly available",)  # no historical marker
    assert compute(public).open_access is True
    (restricted,) = (d for d in records.values() if d is not public)
    assert restricted.access_rights_iris == (EU_ACCESS_RIGHT + "RESTRICTED",)
    assert compute(restricted).open_access is False
    name = "belgium-fedict/dcat-multilang.rdf"
    (record,) = parse_page((realdata / name).read_bytes(), name).datasets
    assert record.access_rights == (EU_ACCESS_RIGHT + "PUBLIC",)  # the IRI, unlabelled
    assert compute(record).open_access is True
