"""Page-level behaviour: formats, contexts, positions, and what is refused."""

from __future__ import annotations

import gc
import gzip

import orjson
import pytest

from dcat_quality.dcat.dates import parse_date
from dcat_quality.dcat.parse import parse_page
from dcat_quality.dcat.rdfxml_check import check_rdfxml
from dcat_quality.errors import RdfSyntaxError, RemoteContextError, UnsupportedFormatError

DCAT_PAGE = {
    "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
    "@graph": [
        {
            "@id": "http://example.org/d1",
            "@type": "dcat:Dataset",
            "dct:title": [
                {"@value": "Title", "@language": "EN"},
                {"@value": "Titre", "@language": "fr"},
            ],
        },
    ],
}


def test_french_literal_is_kept_and_language_recorded() -> None:
    page = parse_page(orjson.dumps(DCAT_PAGE), "p.json")
    (record,) = page.datasets
    assert (record.title, record.title_lang) == ("Titre", "fr")


def test_first_language_when_no_french() -> None:
    doc = orjson.loads(orjson.dumps(DCAT_PAGE))
    doc["@graph"][0]["dct:title"] = [
        {"@value": "Titel", "@language": "de"},
        {"@value": "Title", "@language": "en"},
    ]
    (record,) = parse_page(orjson.dumps(doc), "p.json").datasets
    assert (record.title, record.title_lang) == ("Title", "en")


def test_bundled_remote_context_is_used_without_network() -> None:
    doc = {
        "@context": [
            "https://www.w3.org/ns/hydra/context.jsonld",
            {"dcat": "http://www.w3.org/ns/dcat#"},
        ],
        "@graph": [
            {
                "@id": "http://example.org/page?p=2",
                "@type": "PagedCollection",
                "totalItems": 250,
                "nextPage": "http://example.org/page?p=3",
            },
            {"@id": "http://example.org/d1", "@type": "dcat:Dataset"},
        ],
    }
    page = parse_page(orjson.dumps(doc), "p.json")
    assert len(page.datasets) == 1
    assert page.hydra is not None
    assert page.hydra.total_items == 250
    assert page.hydra.next_page == "http://example.org/page?p=3"


def test_unknown_remote_context_names_the_url() -> None:
    doc = {"@context": "https://example.org/unknown-context.jsonld", "@id": "http://x/d"}
    with pytest.raises(RemoteContextError) as caught:
        parse_page(orjson.dumps(doc), "p.json")
    assert "https://example.org/unknown-context.jsonld" in str(caught.value)
    assert "p.json" in str(caught.value)


def test_truncated_json_gives_line_and_column() -> None:
    data = orjson.dumps(DCAT_PAGE, option=orjson.OPT_INDENT_2)[:-40]
    with pytest.raises(RdfSyntaxError) as caught:
        parse_page(data, "dump/page-7.json")
    assert caught.value.file == "dump/page-7.json"
    assert caught.value.position is not None
    assert caught.value.position.startswith("line ")


def test_html_error_page_saved_as_json() -> None:
    with pytest.raises(UnsupportedFormatError, match="HTML"):
        parse_page(b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "p.json")


def test_plain_json_is_not_jsonld() -> None:
    with pytest.raises(UnsupportedFormatError, match="not JSON-LD"):
        parse_page(b'{"success": false, "error": "timeout"}', "p.json")


def test_empty_file() -> None:
    with pytest.raises(UnsupportedFormatError, match="empty"):
        parse_page(b"   \n", "p.json")


def test_bom_is_ignored() -> None:
    page = parse_page(b"\xef\xbb\xbf" + orjson.dumps(DCAT_PAGE), "p.json")
    assert len(page.datasets) == 1


def test_turtle_error_has_position() -> None:
    with pytest.raises(RdfSyntaxError) as caught:
        parse_page(b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> a dcat:Dataset\n<b", "p.ttl")
    assert caught.value.position is not None
    assert caught.value.position.startswith("line ")


def test_relative_iris_resolve_against_the_page_location() -> None:
    data = b"<d1> a <http://www.w3.org/ns/dcat#Dataset> ."
    (record,) = parse_page(data, "s3://bucket/dump/page 1.ttl").datasets
    assert record.dataset_id == "s3://bucket/dump/d1"


def test_counts_described_datasets_not_catalog_links() -> None:
    doc = orjson.loads(orjson.dumps(DCAT_PAGE))
    doc["@graph"].append(
        {
            "@id": "http://example.org/cat",
            "@type": "dcat:Catalog",
            "dct:title": "Cat",
            "dcat:dataset": [
                {"@id": "http://example.org/d1"},
                {"@id": "http://example.org/elsewhere"},
            ],
        }
    )
    page = parse_page(orjson.dumps(doc), "p.json")
    assert [d.dataset_id for d in page.datasets] == ["http://example.org/d1"]
    assert page.datasets[0].catalog == "Cat"


def test_gzip_bytes_are_not_this_layers_job() -> None:
    """Sources gunzip; a gzip blob reaching the parser is refused, not misread."""
    with pytest.raises(UnsupportedFormatError, match="gzip"):
        parse_page(gzip.compress(orjson.dumps(DCAT_PAGE)), "p.json")


def test_text_named_json_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedFormatError, match="named like JSON"):
        parse_page(b"Internal error, try later", "p.json")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-08-02", "2018-08-02"),
        ("2019-03-29T22:45:00.000412", "2019-03-29"),
        ("2020", "2020-01-01"),
        ("2020-05", "2020-05-01"),
        ("31.12.2020", "2020-12-31"),
        ("2021-01-01T00:00:00+02:00", "2021-01-01"),
        ("jeweils Montags", None),
        ("29.05..2017", None),
        ("", None),
        ("2020-13-01", None),
    ],
)
def test_dates(text: str, expected: str | None) -> None:
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected


def test_urls_keep_their_query_as_base_and_for_the_format() -> None:
    from dcat_quality.dcat.parse import base_iri_for, detect_format

    assert base_iri_for("https://h/catalog.ttl?page=2") == "https://h/catalog.ttl?page=2"
    assert detect_format(b"@prefix a: <x> .", "https://h/catalog.ttl?page=2") == "turtle"
    nt = b'<http://a/b> <http://purl.org/dc/terms/title> "x" .'
    assert detect_format(nt, "https://h/catalog?page=2") == "turtle"
    (record,) = parse_page(
        b"<d1> a <http://www.w3.org/ns/dcat#Dataset> .", "https://h/dcat/catalog.ttl?page=2"
    ).datasets
    assert record.dataset_id == "https://h/dcat/d1"


def test_rdfxml_grammar_check_leaves_no_reference_cycle() -> None:
    """The expat handlers close over their parser; left in place, each page's parser and
    buffers waited for the cyclic collector, which the workers run rarely (RDF/XML
    workers grew to 90 MB)."""
    page = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://e/d">'
        b'<dct:title>T</dct:title><dct:license rdf:resource="http://e/l"/>'
        b"</rdf:Description></rdf:RDF>"
    )
    gc.collect()
    gc.disable()
    try:
        check_rdfxml(page)
        assert gc.collect() == 0
    finally:
        gc.enable()


_RDF_HEAD = (
    b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    b' xmlns:dct="http://purl.org/dc/terms/">\n<rdf:Description rdf:about="http://e/d">\n'
)


@pytest.mark.parametrize(
    ("body", "message", "position"),
    [
        (  # text is only readable beside an IRI (dcat.rdfxml_check): nodeID + text fails
            b'<dct:license rdf:nodeID="b1">CC-BY</dct:license>',
            "has rdf:nodeID and must be empty, but contains text",
            "line 4, column",
        ),
        (
            b'<dct:license rdf:nodeID="b1"><rdf:Description/></dct:license>',
            "must be empty, but contains <{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
            "Description>",
            "line 4, column 30",
        ),
        (
            b'<dct:issued rdf:datatype="http://www.w3.org/2001/XMLSchema#date"><x/></dct:issued>',
            "has rdf:datatype and cannot contain the element <x>",
            "line 4, column 66",
        ),
        (
            b'<dct:publisher><rdf:Description rdf:resource="http://e/p"/></dct:publisher>',
            "rdf:resource is not allowed on the node element",
            "line 4, column 16",
        ),
    ],
)
def test_rdfxml_grammar_errors_inside_a_node_give_the_position(
    body: bytes, message: str, position: str
) -> None:
    page = _RDF_HEAD + body + b"\n</rdf:Description>\n</rdf:RDF>\n"
    with pytest.raises(RdfSyntaxError) as raised:
        parse_page(page, "page.rdf")
    assert message in raised.value.reason
    assert raised.value.position is not None
    assert raised.value.position.startswith(position)
