"""Every real-world file in shared/realdata: counts, rejections, field values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from dcat_quality.dcat import extract
from dcat_quality.dcat.parse import parse_page, read_page
from dcat_quality.errors import PageError, RdfSyntaxError
from dcat_quality.quality.ecospheres import compute
from dcat_quality.worker import check_page

#: Dataset counts from shared/realdata/MANIFEST.md (rdflib's ``rdf:type dcat:Dataset``).
EXPECTED_DATASETS = {
    "belgium-fedict/best_dcat.rdf": 2,
    "belgium-fedict/dcat-multilang.rdf": 1,
    "belgium-fedict/fodbosa_enhanced.nt": 1,
    "belgium-fedict/fpsecocbe.xml": 2,
    "belgium-fedict/fpsjust.xml": 1,
    "belgium-statbel/statbel_opendata_subset.ttl": 10,
    "ckanext-dcat-examples/dataset_deri.ttl": 1,
    "ckanext-dcat-examples/dataset_gob_es.ttl": 1,
    "ckanext-dcat-examples/dataset_gov_de.rdf": 1,
    "ckanext-dcat-examples/dataset_sweden.rdf": 1,
    "ecospheres-ckan/test_dcat_exposition.json": 75,
    "ecospheres-dido-fixture/rdf_dummy.xml": 1,
    "ecospheres-iso-dcat/geoide_1.ttl": 1,
    "ecospheres-iso-dcat/geoide_2.ttl": 1,
    "ecospheres-iso-dcat/naturefrance_1.ttl": 0,
    "ecospheres-iso-dcat/sextant_1.ttl": 1,
    "govdata-de/catalog-endpoint.rdf": 6,
    "hamburg-transparenz/dcatap-de_catalog.rdf": 1,
    "norway-svv-ckan/catalog_SVV.ttl": 43,
    "opendata-swiss/1894.xml": 1,
    "opendata-swiss/1901.xml": 1,
    "opendata-swiss/catalog.xml": 2,
    "opendata-swiss/dataset-datetimes.xml": 1,
    "plume-mtes/dcat_data_gouv_gestionnaires_rrn.rdf": 1,
    "plume-mtes/dcat_eurostat_bilan_nutritif_brut_terre_agricole.jsonld": 1,
    "plume-mtes/dcat_eurostat_bilan_nutritif_brut_terre_agricole.nt": 1,
    "plume-mtes/dcat_eurostat_bilan_nutritif_brut_terre_agricole.rdf": 1,
    "plume-mtes/dcat_eurostat_bilan_nutritif_brut_terre_agricole.ttl": 1,
    "zurich-ckan/dcatap-ch_catalog.ttl": 100,
}
#: The invalid Belgian RDF/XML files, with the line the grammar breaks on.
INVALID_RDFXML = {
    "belgium-statbel/exemple.rdf": 13,
    "belgium-fedict/favv_dcat.rdf": 42,
    "belgium-fedict/fpsbosabudget.xml": 49,
}
ISO_19139 = [
    "ecospheres-iso-dcat/geoide_1.xml",
    "ecospheres-iso-dcat/geoide_2.xml",
    "ecospheres-iso-dcat/sextant_1.xml",
    "ecospheres-iso-dcat/naturefrance_1.xml",
    "plume-mtes/iso19139/iso_datara_territoire_fonds_air_bois.xml",
    "plume-mtes/iso19139/iso_geoide_lot_ppr_montardon.xml",
    "plume-mtes/iso19139/iso_geoide_quartiers_cucs_paris.xml",
    "plume-mtes/iso19139/iso_geoide_zac_paris.xml",
    "plume-mtes/iso19139/iso_geolittoral_sentier_du_littoral.xml",
    "plume-mtes/iso19139/iso_ignf_bdaltir_2_0.xml",
]
ECOSPHERES = "ecospheres-ckan/test_dcat_exposition.json"
GEOIDE = "http://catalogue.geo-ide.developpement-durable.gouv.fr/catalogue/srv/fre/catalog.search#/metadata/"


def test_every_realdata_file_is_covered(realdata: Path) -> None:
    on_disk = {str(p.relative_to(realdata)) for p in realdata.rglob("*") if p.is_file()} - {
        "MANIFEST.md"
    }
    assert on_disk == set(EXPECTED_DATASETS) | set(INVALID_RDFXML) | set(ISO_19139)


@pytest.mark.parametrize(("name", "count"), sorted(EXPECTED_DATASETS.items()))
def test_dataset_count_matches_manifest(realdata: Path, name: str, count: int) -> None:
    page = parse_page((realdata / name).read_bytes(), name)
    assert len(page.datasets) == count
    assert len({d.dataset_id for d in page.datasets}) == count


@pytest.mark.parametrize(("name", "line"), sorted(INVALID_RDFXML.items()))
def test_invalid_belgian_rdfxml_is_rejected_with_position(
    realdata: Path, name: str, line: int
) -> None:
    with pytest.raises(RdfSyntaxError) as caught:
        parse_page((realdata / name).read_bytes(), name)
    error = caught.value
    assert error.file == name
    assert error.position is not None
    assert error.position.startswith(f"line {line}, column ")
    assert "invalid RDF/XML" in error.reason
    assert error.hint


@pytest.mark.parametrize("name", ISO_19139)
def test_iso19139_is_read_as_one_dataset_per_record(realdata: Path, name: str) -> None:
    """Each file holds one gmd:MD_Metadata: one dataset (values: test_iso19139.py)."""
    page = parse_page((realdata / name).read_bytes(), name)
    assert page.parser == "iso19139"
    assert len(page.datasets) == 1


JSONLD_FILES = sorted(n for n in EXPECTED_DATASETS if n.endswith((".json", ".jsonld")))


def test_fast_path_is_used_on_the_ckan_page(realdata: Path) -> None:
    page = parse_page((realdata / ECOSPHERES).read_bytes(), ECOSPHERES)
    assert page.parser == "fast-jsonld"


def test_jsonld_list_covers_every_jsonld_file(realdata: Path) -> None:
    found = sorted(
        str(p.relative_to(realdata))
        for p in realdata.rglob("*")
        if p.suffix in (".json", ".jsonld")
    )
    assert found == JSONLD_FILES


@pytest.mark.parametrize("name", JSONLD_FILES)
def test_fast_path_equals_pyoxigraph_on_every_jsonld_file(realdata: Path, name: str) -> None:
    data = (realdata / name).read_bytes()
    fast = read_page(data, name)
    slow = read_page(data, name, fast=False)
    assert slow.page.parser == "pyoxigraph"
    assert fast.page.datasets == slow.page.datasets
    assert fast.page.hydra == slow.page.hydra
    assert check_page(fast) == check_page(slow)


@pytest.mark.parametrize("name", sorted(EXPECTED_DATASETS))
def test_fast_path_equals_pyoxigraph_on_jsonld_reserialisations(realdata: Path, name: str) -> None:
    """Every real graph, re-serialised as expanded JSON-LD, through both paths.

    Also checks that blank-node dataset ids are stable: the re-serialisation renames
    every blank node, and the records must not change.
    """
    original = read_page((realdata / name).read_bytes(), name)
    fmt = {
        ".ttl": ox.RdfFormat.TURTLE,
        ".nt": ox.RdfFormat.N_TRIPLES,
        ".json": ox.RdfFormat.JSON_LD,
        ".jsonld": ox.RdfFormat.JSON_LD,
    }.get(Path(name).suffix, ox.RdfFormat.RDF_XML)
    quads = ox.parse(
        (realdata / name).read_bytes(), format=fmt, lenient=True, base_iri="file:///" + name
    )
    as_jsonld = ox.serialize(quads, format=ox.RdfFormat.JSON_LD)
    assert as_jsonld is not None
    fast = read_page(as_jsonld, "reserialised.jsonld")
    slow = read_page(as_jsonld, "reserialised.jsonld", fast=False)
    assert fast.page.parser == "fast-jsonld"
    assert fast.page.datasets == slow.page.datasets
    assert fast.page.datasets == original.page.datasets
    # SHACL findings are keyed by stable ids, so they survive blank-node renaming too.
    assert check_page(fast) == check_page(slow) == check_page(original)


def test_serialisations_of_one_graph_give_identical_records(realdata: Path) -> None:
    stem = "plume-mtes/dcat_eurostat_bilan_nutritif_brut_terre_agricole"
    records = {
        ext: parse_page((realdata / (stem + ext)).read_bytes(), stem + ext).datasets
        for ext in (".jsonld", ".ttl", ".rdf", ".nt")
    }
    assert len(set(records.values())) == 1
    (dataset,) = records[".ttl"]
    assert dataset.title == "Bilan nutritif brut de la terre agricole"
    assert dataset.title_lang == "fr"
    assert dataset.temporal_start == "1990-01-01"
    assert len(dataset.distributions) == 6


def test_blank_node_datasets_get_stable_ids(realdata: Path) -> None:
    name = "opendata-swiss/catalog.xml"
    first = parse_page((realdata / name).read_bytes(), name)
    again = parse_page((realdata / name).read_bytes(), "elsewhere/catalog.xml")
    assert [d.dataset_id for d in first.datasets] == [d.dataset_id for d in again.datasets]
    assert all(d.is_blank_node for d in first.datasets)
    assert all(d.dataset_id.startswith("urn:dcat-quality:blank-dataset:") for d in first.datasets)


def test_zurich_free_text_dates_and_empty_access_rights_are_kept(realdata: Path) -> None:
    name = "zurich-ckan/dcatap-ch_catalog.ttl"
    page = parse_page((realdata / name).read_bytes(), name)
    modified = {d.modified for d in page.datasets}
    assert "jeweils Montags" in modified
    assert "29.05..2017" in modified  # a dd.mm.yyyy date with a typo
    # 94 datasets publish dct:accessRights "": an empty literal is not a value.
    assert sum(d.access_rights == () for d in page.datasets) == 94
    assert page.hydra is not None
    assert page.hydra.total_items == 350


# -- exact values on three named datasets of the real Ecosphères page ---------------------


@pytest.fixture(scope="module")
def ecospheres(realdata: Path) -> dict[str, object]:
    page = parse_page((realdata / ECOSPHERES).read_bytes(), ECOSPHERES)
    return {d.dataset_id: d for d in page.datasets}


def test_ecospheres_noise_map_haute_savoie(ecospheres: dict[str, object]) -> None:
    record = ecospheres[GEOIDE + "fr-120066022-jdd-0a3ba9b5-5d70-4bca-9cac-11748af921cf"]
    from dcat_quality.dcat.records import DatasetRecord

    assert isinstance(record, DatasetRecord)
    assert record.title == "Zones exposées au bruit en Haute-Savoie (Lden)"
    assert record.title_lang == "fr"
    assert (record.issued, record.created, record.modified) == (
        "2018-08-06",
        "2018-08-02",
        "2018-08-02",
    )
    assert record.access_rights == (
        "Aucun des articles de la loi ne peut être invoqué pour justifier d'une restriction "
        "d'accès public.",
        "Pas de restriction d'accès public selon INSPIRE",
    )
    assert record.themes == (
        "http://registre.data.developpement-durable.gouv.fr/ecospheres/themes-ecospheres/bruit",
    )
    assert record.keywords == (
        "Nuisance/Bruit",
        "Zones de gestion, de restriction ou de réglementation et unités de déclaration",
        "directive 2002/49/ce",
        "données ouvertes",
        "zone de bruit",
    )
    assert record.rights_holder is None
    assert record.contact_email == "ddt-stem-sig@haute-savoie.gouv.fr"
    assert record.status == (
        "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED"
    )
    assert record.catalog == "GéoIDE Catalogue"
    assert record.spatial == ("http://id.insee.fr/geo/departement/74",)
    assert record.bbox is not None
    assert record.bbox.startswith("POLYGON((7.04230595 46.40787506")
    assert record.licenses == ("https://spdx.org/licenses/etalab-2.0",)
    assert record.languages == ("http://publications.europa.eu/resource/authority/language/FRA",)
    assert len(record.distributions) == 2
    assert {d.format for d in record.distributions} == {"ESRI Shapefile (SHP)"}
    indicators = compute(record)
    # 8 of 9: only the rights holder is missing.
    assert indicators.filled_fields == 8
    assert indicators.fill_rate == 88.89
    assert indicators.universe is None
    assert indicators.communes == ()
    assert indicators.departements == ("74",)
    assert indicators.geo_coverage == "Départementale"
    assert indicators.open_access is True
    assert indicators.status_label == "Finalisé"


def test_ecospheres_pprn_megeve(ecospheres: dict[str, object]) -> None:
    from dcat_quality.dcat.records import DatasetRecord

    record = ecospheres[GEOIDE + "fr-120066022-jdd-1a806a05-2389-4cd4-96af-11e97918ae9a"]
    assert isinstance(record, DatasetRecord)
    assert record.title == (
        "Périmètre du plan de prévention des risques naturels de Megève (Haute-Savoie) – "
        "approuvé le 14/08/2012"
    )
    assert record.rights_holder == (
        "DDT 74 (Direction Départementale des Territoires de la Haute-Savoie)"
    )
    assert record.modified == "2018-05-03"
    assert record.created is None
    indicators = compute(record)
    assert indicators.filled_fields == 9
    assert indicators.fill_rate == 100.0
    assert indicators.universe == "PPRN"
    assert indicators.communes == ("74173",)
    assert indicators.departements == ("74",)
    assert indicators.geo_coverage == "Communale"


def test_ecospheres_bonifacio_corsica(ecospheres: dict[str, object]) -> None:
    from dcat_quality.dcat.records import DatasetRecord

    record = ecospheres[GEOIDE + "fr-120066022-jdd-2be17f15-ee42-49b0-b4f5-b309cf107297"]
    assert isinstance(record, DatasetRecord)
    assert record.title == "Zone d'aléa Mouvement de terrain - commune de Bonifacio"
    assert record.contact_email == "ddtm-sig@corse-du-sud.gouv.fr"
    assert record.keywords == (
        "Risque/Mouvement de terrain",
        "Zones à risque naturel",
        "données ouvertes",
        "pprmt de bonifacio",
    )
    indicators = compute(record)
    assert indicators.communes == ("2A041",)
    assert indicators.departements == ("2A",)
    assert indicators.geo_coverage == "Communale"
    assert indicators.universe is None
    assert indicators.fill_rate == 88.89


def test_ecospheres_page_statistics(ecospheres: dict[str, object]) -> None:
    from dcat_quality.dcat.records import DatasetRecord

    records = [r for r in ecospheres.values() if isinstance(r, DatasetRecord)]
    assert len(records) == 75
    assert sum(r.is_series for r in records) == 30
    assert sum(r.modified is not None for r in records) == 45
    assert sum(r.rights_holder is not None for r in records) == 31
    assert sum(len(r.distributions) for r in records) == 192
    statuses = {compute(r).status_code for r in records}
    assert statuses == {None, "COMPLETED", "onGoing"}


def test_page_error_is_a_page_error() -> None:
    with pytest.raises(PageError):
        parse_page(b"<html><body>502 Bad Gateway</body></html>", "page-1.json")


@pytest.mark.parametrize("name", sorted(EXPECTED_DATASETS))
def test_blank_distribution_ids_are_the_dataclass_repr_digest(realdata: Path, name: str) -> None:
    """The fast digest of a distribution is the digest of ``repr((dist,))``: blank
    distributions keep the ids earlier versions stored."""
    page = parse_page((realdata / name).read_bytes(), name)
    for dataset in page.datasets:
        for dist in dataset.distributions:
            blank = replace(dist, distribution_id="")
            assert extract._distribution_digest(blank) == extract._digest(blank)
            assert extract._distribution_digest(dist) == extract._digest(dist)
