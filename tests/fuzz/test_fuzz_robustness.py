"""Arbitrary bytes and arbitrary JSON into ``parse_page``: a ``PageError`` or records.

No other exception may escape (the run quarantines a ``PageError`` and goes on), and no
page may take longer than the profile's deadline.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from dcat_quality.dcat.parse import parse_page
from dcat_quality.dcat.records import ParsedPage
from dcat_quality.errors import PageError
from support.fuzz import FUZZ, ckan_pages, count

NAMES = st.sampled_from(
    [
        "page.json",
        "page.jsonld",
        "page.ttl",
        "page.nt",
        "page.rdf",
        "page.xml",
        "page",
        "dump/page 1 (é).json",
        "https://example.org/catalog.jsonld?page=2",
    ]
)
#: Beginnings that steer random bytes into each parser.
_HEADS = st.sampled_from(
    [
        b"",
        b"{",
        b"[",
        b'{"@context": {"dcat": "http://www.w3.org/ns/dcat#"}, "@graph": [',
        b"<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>",
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rdf:RDF>',
        b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n",
        b"<http://a> <http://b> ",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\x1f\x8b",
        b"<html>",
    ]
)
_BYTES = st.builds(lambda head, tail: head + tail, _HEADS, st.binary(max_size=300))

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["@id", "@type", "@graph", "@context", "@value", "@list", "_:b", "x:y"]),
)
_KEYS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            "@context",
            "@graph",
            "@id",
            "@type",
            "@value",
            "@language",
            "@list",
            "@set",
            "@reverse",
            "@included",
            "@nest",
            "@vocab",
            "@base",
            "dcat:Dataset",
            "http://purl.org/dc/terms/title",
            "",
        ]
    ),
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=25,
)


def _mutate(document: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A valid page with one node's property (or the context) replaced by anything."""
    graph = document["@graph"]
    if key == "@context" or not graph:
        return {**document, "@context": value}
    return {**document, "@graph": [*graph[:-1], {**graph[-1], key: value}]}


def _accepts_or_rejects(data: bytes, name: str) -> ParsedPage | None:
    page = None
    for fast in (True, False):
        error = None
        try:
            page = parse_page(data, name, fast=fast)
        except PageError as exc:  # a recorded rejection: names the file and a reason
            error = exc
        if error is not None:
            assert error.file == name
            assert error.reason
            page = None
    return page


@FUZZ
@given(_BYTES, NAMES)
@example(b"\x00", "page.json")
@example(b"[" * 2000, "page.json")
@example(b'{"@id": "' + b"\\ud800" + b'"}', "page.json")
def test_arbitrary_bytes_only_raise_page_error(data: bytes, name: str) -> None:
    count("arbitrary bytes → records or PageError")
    _accepts_or_rejects(data, name)


@FUZZ
@given(JSON, NAMES.filter(lambda n: "json" in n))
@example({"@context": "https://example.org/unknown-context.jsonld", "@id": "x"}, "page.json")
@example({"@context": [{"@vocab": "http://e/"}, None], "@type": "T"}, "page.json")
@example([{"@id": "http://e/a", "http://e/p": {"@list": [[{"@value": 1e308}]]}}], "page.json")
def test_arbitrary_json_only_raises_page_error(document: Any, name: str) -> None:
    count("arbitrary JSON → records or PageError")
    try:
        data = orjson.dumps(document)
    except orjson.JSONEncodeError:
        return  # not JSON (a lone surrogate in a key): nothing a file can hold
    _accepts_or_rejects(data, name)


@FUZZ
@given(ckan_pages(), st.sampled_from(["@context", "@id", "@type", "dct:title", "ex:p"]), JSON)
def test_valid_pages_with_one_arbitrary_value(
    document: dict[str, Any], key: str, value: Any
) -> None:
    count("CKAN page with one arbitrary value → records or PageError")
    try:
        data = orjson.dumps(_mutate(document, key, value))
    except orjson.JSONEncodeError:
        return
    _accepts_or_rejects(data, "page.json")
