"""ISO 19139 → DCAT on every ISO record of shared/realdata, value by value.

The expected values, read by hand from each XML file, are in ``support.iso_records``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcat_quality.dcat import iso19139
from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal
from dcat_quality.dcat.parse import PageGraph, read_page
from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality import ecospheres
from dcat_quality.worker import check_page, score_page
from support.iso_records import EXPECTED, NO_LIMITATIONS


def _read(realdata: Path, name: str) -> tuple[PageGraph, DatasetRecord]:
    page = read_page((realdata / name).read_bytes(), name)
    assert page.page.parser == "iso19139"
    (record,) = page.page.datasets
    return page, record


def _subject(page: PageGraph) -> str:
    ((_, subject, _),) = page.nodes
    return subject


def _label_or_iri(graph: Graph, node: object) -> str:
    if isinstance(node, str) and not node.startswith("_:"):
        return node
    (label,) = graph.objects(node, v.RDFS + "label")  # type: ignore[arg-type]
    assert isinstance(label, Literal)
    return label.value


def test_the_list_covers_every_iso_file(realdata: Path) -> None:
    found = {
        str(p.relative_to(realdata))
        for p in realdata.rglob("*.xml")
        if iso19139.is_iso19139(p.read_bytes())
    }
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_iso_record_values_match_the_xml(realdata: Path, name: str) -> None:
    expected = EXPECTED[name]
    page, record = _read(realdata, name)
    graph, subject = page.graph, _subject(page)
    assert record.title == expected.title
    assert record.title_lang == "fr"  # gmd:language fre (naturefrance: the resource's)
    assert record.contact_email == expected.email
    assert record.bbox == expected.bbox
    spatial = graph.objects(subject, v.DCT + "spatial")
    boxes = [b for s in spatial for b in graph.objects(s, v.DCAT + "bbox")]
    assert len(boxes) == expected.boxes
    assert {d.access_url for d in record.distributions} == expected.access_urls
    licences = {
        _label_or_iri(graph, lic)
        for dist in graph.objects(subject, v.DCAT + "distribution")
        for lic in graph.objects(dist, v.DCT + "license")
    }
    assert licences == expected.licences
    # the record keeps one licence per distribution, by the extraction's rule
    assert set(record.licenses) <= expected.licences
    assert bool(record.licenses) == bool(expected.licences)
    assert record.is_series == expected.series
    catalogue_records = graph.objects(subject, v.FOAF + "isPrimaryTopicOf")
    emails = {
        str(mail)
        for rec in catalogue_records
        for point in graph.objects(rec, v.DCAT + "contactPoint")
        for mail in graph.objects(point, v.VCARD + "hasEmail")
    }
    assert emails == ({f"mailto:{expected.record_email}"} if expected.record_email else set())


def test_geoide_1_maps_every_listed_element(realdata: Path) -> None:
    """The elements of the issue's list, on one real Géo-IDE record."""
    page, record = _read(realdata, "ecospheres-iso-dcat/geoide_1.xml")
    graph, subject = page.graph, _subject(page)
    # unique resource identifier: codeSpace "http://catalogue.geo-ide…gouv.fr" and code
    # "23811dae-…" → dct:identifier, an HTTP URI, so also the dataset's IRI
    identifier = "http://catalogue.geo-ide.developpement-durable.gouv.fr/23811dae-62cc-439c-bcf2-9159fe92cba2"
    assert record.identifier == identifier
    assert record.dataset_id == identifier
    assert record.description is not None
    assert record.description.startswith("La table L_ZAC_S_075 recense")
    # dates: creation, publication, revision
    assert (record.created, record.issued, record.modified) == (
        "2011-01-01",
        "2017-01-11",
        "2020-01-21",
    )
    # free keyword → dcat:keyword; "GEMET - INSPIRE themes" keyword "Usage des sols" →
    # the INSPIRE registry IRI; COVADIS keyword → a skos:Concept in its scheme (a blank
    # node whose label the record keeps as a theme)
    assert record.keywords == ("données ouvertes",)
    assert record.themes == (
        "Aménagement Urbanisme/Zonages Planification",
        "http://inspire.ec.europa.eu/theme/lu",
    )
    concepts = [t for t in graph.objects(subject, v.DCAT + "theme") if str(t).startswith("_:")]
    (concept,) = concepts
    assert graph.objects(concept, v.SKOS + "prefLabel") == [
        Literal("Aménagement Urbanisme/Zonages Planification", "fr", None)
    ]
    # topic category → dct:subject in the INSPIRE code list
    assert graph.objects(subject, v.DCT + "subject") == [
        "http://inspire.ec.europa.eu/metadata-codelist/TopicCategory/planningCadastre"
    ]
    # resource language fre → EU authority FRA (ISO 639-2/T)
    assert record.languages == ("http://publications.europa.eu/resource/authority/language/FRA",)
    # geographic identifier as an Anchor → dct:spatial IRI
    assert record.spatial == ("http://id.insee.fr/geo/departement/75",)
    # INSPIRE "no limitations" Anchor → dct:accessRights IRI, with its text as a label
    assert record.access_rights_iris == (NO_LIMITATIONS,)
    assert "Pas de restriction d’accès public selon INSPIRE" in record.access_rights
    # lineage → dct:provenance
    (provenance,) = graph.objects(subject, v.DCT + "provenance")
    (label,) = graph.objects(provenance, v.RDFS + "label")
    assert isinstance(label, Literal)
    assert label.value.startswith("DÉLIMITATION DES ZONES")
    assert record.accrual_periodicity == (
        "http://inspire.ec.europa.eu/metadata-codelist/MaintenanceFrequency/asNeeded"
    )
    # function "information" → foaf:page; no function → dcat:landingPage
    assert record.landing_page == (
        "http://catalogue.geo-ide.developpement-durable.gouv.fr/catalogue/srv/fre/"
        "catalog.search#/metadata/fr-120066022-jdd-a307d028-d9d2-4605-a1e5-8d31bc573bef"
    )
    pages = graph.objects(subject, v.FOAF + "page")
    assert len(pages) == 2
    # a service endpoint: dcat:accessService with endpointURL (no query) and conformsTo
    services = [
        s
        for dist in graph.objects(subject, v.DCAT + "distribution")
        for s in graph.objects(dist, v.DCAT + "accessService")
    ]
    assert len(services) == 4
    standards = {str(c) for s in services for c in graph.objects(s, v.DCT + "conformsTo")}
    assert standards == {
        "http://www.opengeospatial.org/standards/wms",
        "http://www.opengeospatial.org/standards/wfs",
    }
    assert {d.format for d in record.distributions} == {"ESRI Shapefile (SHP)"}
    assert v.DATASET in graph.objects(subject, v.TYPE)
    assert graph.objects(subject, v.DCT + "type") == [
        "http://inspire.ec.europa.eu/metadata-codelist/ResourceType/dataset"
    ]


def test_roles_map_to_their_geodcat_ap_properties(realdata: Path) -> None:
    page, record = _read(realdata, "plume-mtes/iso19139/iso_geolittoral_sentier_du_littoral.xml")
    graph, subject = page.graph, _subject(page)
    assert record.rights_holder == "Ministère en charge de l'environnement / DGALN"  # owner
    (custodian,) = graph.objects(subject, iso19139.GEODCATAP + "custodian")
    assert graph.objects(custodian, v.FOAF + "name") == [
        Literal("CEREMA Normandie-Centre", "fr", None)
    ]
    assert graph.objects(custodian, v.FOAF + "mbox") == [
        "mailto:geolittoral.geel.dadt.dternc@cerema.fr"
    ]
    page, record = _read(realdata, "ecospheres-iso-dcat/naturefrance_1.xml")
    # no resource identifier at all: the IRI is minted from gmd:fileIdentifier
    assert record.identifier is None
    assert record.dataset_id == iso19139.MINTED_PREFIX + "f00ce900-4381-4be2-aed5-991208499b79"
    page, record = _read(realdata, "ecospheres-iso-dcat/sextant_1.xml")
    assert record.publisher == "Ifremer"  # publisher
    assert record.creator == "Ifremer"  # author
    assert record.temporal_start == "2014-01-01T00:00:00"  # gml:TimePeriod
    assert record.temporal_end == "2014-12-31T00:00:00"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_iso_record_is_scored_like_any_dcat_page(realdata: Path, name: str) -> None:
    page, record = _read(realdata, name)
    assert ecospheres.compute(record).fill_rate > 0
    scored = score_page(page)
    assert [d.dataset_id for d in scored.datasets] == [record.dataset_id]
    (dataset,) = scored.datasets
    assert 0 < dataset.total <= dataset.max_points
    assert record.dataset_id in check_page(page)


def test_a_csw_get_records_response_gives_one_dataset_per_record(realdata: Path) -> None:
    """Several ISO records in one CSW envelope, as GetRecords returns them."""
    bodies = []
    names = ("ecospheres-iso-dcat/geoide_2.xml", "plume-mtes/iso19139/iso_ignf_bdaltir_2_0.xml")
    for name in names:
        text = (realdata / name).read_text("utf-8")
        start = text.index("<gmd:MD_Metadata")
        end = text.rindex("</gmd:MD_Metadata>") + len("</gmd:MD_Metadata>")
        bodies.append(text[start:end])
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<csw:GetRecordsResponse '
        'xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" '
        'xmlns:gmd="http://www.isotc211.org/2005/gmd" '
        'xmlns:gco="http://www.isotc211.org/2005/gco" '
        'xmlns:gmx="http://www.isotc211.org/2005/gmx" '
        'xmlns:gml="http://www.opengis.net/gml" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<csw:SearchStatus timestamp="2026-01-01T00:00:00Z"/>'
        '<csw:SearchResults numberOfRecordsMatched="2" numberOfRecordsReturned="2" '
        'nextRecord="0" elementSet="full">' + "".join(bodies) + "</csw:SearchResults>"
        "</csw:GetRecordsResponse>"
    )
    page = read_page(envelope.encode(), "csw-page-1.xml")
    titles = sorted(d.title or "" for d in page.page.datasets)
    assert titles == [
        "BD ALTI®",
        "Campagne d'irrigation hors-étiage 2022-2023, période hivernale, hors ZRE - "
        "Département des Landes",
    ]


def test_language_codes() -> None:
    assert iso19139.language_tag("fre") == "fr"
    assert iso19139.language_tag("fra") == "fr"
    assert iso19139.language_tag("ger") == "de"
    assert iso19139.language_tag("dut") == "nl"
    assert iso19139.language_tag("xxx") is None
    assert iso19139.language_iri("fre") == (
        "http://publications.europa.eu/resource/authority/language/FRA"
    )
    assert iso19139.language_iri("eng") == (
        "http://publications.europa.eu/resource/authority/language/ENG"
    )
