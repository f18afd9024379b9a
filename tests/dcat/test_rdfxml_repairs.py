"""Lenient RDF/XML, never silent: the GeoNetwork quirks read, each recorded as a finding.

The pages are crafted on real GeoNetwork output (``support.geonetwork``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Literal
from dcat_quality.dcat.parse import read_page
from dcat_quality.errors import RdfSyntaxError
from support.geonetwork import CSW_URL, GET_RECORDS


def test_a_geonetwork_get_records_dcat_response_is_read_with_its_findings() -> None:
    page = read_page(GET_RECORDS, CSW_URL + "?request=GetRecords&startPosition=1")
    records = {d.dataset_id: d for d in page.page.datasets}
    # relative rdf:about resolved against the page's address
    assert set(records) == {
        "https://geo.example.fr/resource/a1",
        "https://geo.example.fr/resource/b2",
    }
    first = records["https://geo.example.fr/resource/a1"]
    assert first.title == "Cours d'eau"
    assert first.title_lang == "fre"  # kept as published, read as French by the text rule
    assert first.themes == ("http://inspire.ec.europa.eu/theme/hy",)  # the IRI, as rdflib
    # the text is kept as the IRI's label
    assert page.graph.objects("http://inspire.ec.europa.eu/theme/hy", v.RDFS + "label") == [
        Literal("Hydrographie", None, None)
    ]
    codes = [f.code for f in page.page.findings]
    assert codes.count("resource_with_text") == 2
    assert codes.count("csw_envelope") == 1
    assert codes.count("iso639_2_language") == 2  # one per record it is written in
    assert codes.count("relative_iri") == 6  # about ×2 and primaryTopic per record
    themes = [f for f in page.page.findings if f.code == "resource_with_text"]
    assert [(f.line, f.iri) for f in themes] == [
        (15, "http://inspire.ec.europa.eu/theme/hy"),
        (29, "http://inspire.ec.europa.eu/theme/hy"),
    ]
    assert "Hydrographie" in themes[0].message
    (envelope,) = [f for f in page.page.findings if f.code == "csw_envelope"]
    assert "2 rdf:RDF record(s)" in envelope.message
    touched = dict(page.page.dataset_findings)
    assert set(touched) == set(records)
    # each dataset gets the repairs written in its own record, not its neighbour's (both
    # link to the same theme): the positions read by hand from GET_RECORDS
    positions = {
        dataset: sorted((f.line, f.code) for f in found) for dataset, found in touched.items()
    }
    assert positions == {
        "https://geo.example.fr/resource/a1": [
            (8, "relative_iri"),  # the record's foaf:primaryTopic names the dataset
            (11, "relative_iri"),  # the dataset's rdf:about
            (13, "iso639_2_language"),  # its title
            (15, "resource_with_text"),  # its theme
        ],
        "https://geo.example.fr/resource/b2": [
            (22, "relative_iri"),
            (25, "relative_iri"),
            (27, "iso639_2_language"),
            (29, "resource_with_text"),
        ],
    }


def test_an_empty_get_records_response_is_a_page_without_datasets() -> None:
    empty = (
        b'<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">'
        b'<csw:SearchResults numberOfRecordsMatched="0" numberOfRecordsReturned="0"'
        b' nextRecord="0"/></csw:GetRecordsResponse>'
    )
    page = read_page(empty, "empty.xml")
    assert page.page.datasets == ()
    assert [f.code for f in page.page.findings] == ["csw_envelope"]


def test_a_valid_page_has_no_finding(realdata: Path) -> None:
    name = "belgium-fedict/best_dcat.rdf"
    page = read_page((realdata / name).read_bytes(), name)
    assert page.page.findings == ()
    assert page.page.dataset_findings == ()


def test_node_element_with_rdf_resource_stays_rejected(realdata: Path) -> None:
    """belgium-statbel/exemple.rdf (GeoNetwork output): ``<locn:Address rdf:resource>``
    is a node element with rdf:resource; rdflib refuses it, and whether it means
    rdf:about or a link cannot be told, so the page stays rejected, saying why."""
    name = "belgium-statbel/exemple.rdf"
    with pytest.raises(RdfSyntaxError) as raised:
        read_page((realdata / name).read_bytes(), name)
    assert raised.value.position == "line 13, column 27"  # rdflib: 13:26, 0-based
    assert "rdf:resource is not allowed on the node element" in raised.value.reason
    assert "rdflib, ckanext-dcat and udata refuse it too" in raised.value.reason


def test_element_content_beside_rdf_resource_stays_rejected() -> None:
    page = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:dcat="http://www.w3.org/ns/dcat#">\n'
        b'<dcat:Dataset rdf:about="http://e/d">\n'
        b'<dcat:theme rdf:resource="http://e/t"><rdf:Description/></dcat:theme>\n'
        b"</dcat:Dataset></rdf:RDF>"
    )
    with pytest.raises(RdfSyntaxError) as raised:
        read_page(page, "p.rdf")
    assert raised.value.position is not None
    assert raised.value.position.startswith("line 3, column")


def test_the_well_formed_rdf_indicator_reads_the_repairs() -> None:
    from dcat_quality.quality.builtin import default_registry
    from dcat_quality.quality.registry import CheckContext

    page = read_page(GET_RECORDS, CSW_URL)
    check = default_registry().entry("ecospheres.well_formed_rdf").check
    record = page.page.datasets[0]
    codes = tuple(f.code for f in dict(page.page.dataset_findings)[record.dataset_id])
    assert check(record, CheckContext(rdf_repairs=codes)) is False
    assert check(record, CheckContext(rdf_repairs=())) is True
    assert check(record, CheckContext(rdf_repairs=None)) is None  # an ISO record
