"""Differential fuzzing: the orjson fast path and pyoxigraph give identical records.

Every generated page goes through ``read_page`` twice (fast, then ``fast=False``); when
pyoxigraph accepts the page, datasets, Hydra block and SHACL findings must be equal,
whether the fast path handled the page or fell back. When pyoxigraph refuses it, the
default path must refuse it too (a ``PageError``), never return records. The same graph
re-serialised as Turtle and N-Triples must give the same records again.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyoxigraph as ox
import pytest
from hypothesis import currently_in_test_context, example, given
from hypothesis import event as hypothesis_event

from dcat_quality.dcat import jsonld_fast
from dcat_quality.dcat.parse import PageGraph, base_iri_for, read_page
from dcat_quality.errors import PageError
from dcat_quality.worker import check_page
from support.fuzz import FUZZ, ckan_pages, count

NAME = "fuzz/page-1.json"


def _parse(data: bytes, *, fast: bool) -> PageGraph | PageError:
    try:
        return read_page(data, NAME, fast=fast)
    except PageError as exc:
        return exc


def _assert_same(fast: PageGraph, slow: PageGraph) -> None:
    assert fast.page.datasets == slow.page.datasets
    assert fast.page.hydra == slow.page.hydra
    assert check_page(fast) == check_page(slow)  # SHACL findings, on each path's graph


def event(text: str) -> None:
    if currently_in_test_context():  # also called by the plain regression tests
        hypothesis_event(text)


def _relabel(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Fresh blank-node labels: JSON-LD allows ``_:.``, which Turtle's writer copies as is."""
    fresh: dict[str, ox.BlankNode] = {}

    def term(node: Any) -> Any:
        if isinstance(node, ox.BlankNode):
            return fresh.setdefault(node.value, ox.BlankNode())
        return node

    return [ox.Quad(term(q.subject), q.predicate, term(q.object)) for q in quads]


def check_both_paths(document: Any) -> PageGraph | None:
    """The differential property; returns pyoxigraph's page when it accepted it."""
    data = orjson.dumps(document)
    slow = _parse(data, fast=False)
    fast = _parse(data, fast=True)
    if isinstance(slow, PageError):
        event("pyoxigraph refused the page")
        assert isinstance(fast, PageError), f"fast path accepted what pyoxigraph refuses: {slow}"
        assert str(fast) == str(slow)
        return None
    assert not isinstance(fast, PageError), f"fast path refused a valid page: {fast}"
    event(f"parser: {fast.page.parser}")
    datasets = len(slow.page.datasets)
    event(f"datasets: {min(datasets, 3)}{'+' if datasets >= 3 else ''}")
    _assert_same(fast, slow)
    return slow


# Regression examples: each one broke the fast path before it was fixed.
_CTX = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"}
_HYDRA = "http://www.w3.org/ns/hydra/core#"
_DATASET = {"@id": "http://example.org/d", "@type": "dcat:Dataset"}
REGRESSIONS: list[dict[str, Any]] = [
    # an empty property name: IndexError in the fast path
    {"@context": _CTX, "@graph": [{**_DATASET, "": "x"}]},
    {"@context": _CTX, "@graph": [{**_DATASET, "dct:publisher": {"": "x"}}]},
    # an empty term in the context: pyoxigraph refuses the page, the fast path read it
    {"@context": {**_CTX, "": "http://example.org/"}, "@graph": [{**_DATASET, ":p": "x"}]},
    # a prefix defined by a compact IRI expands through the other prefix: t:title is dct:title
    {"@context": {**_CTX, "t": "dct:"}, "@graph": [{**_DATASET, "t:title": "T"}]},
    # a blank-node datatype: pyoxigraph refuses the page
    {"@context": _CTX, "@graph": [{**_DATASET, "dct:title": {"@value": "t", "@type": "_:dt"}}]},
    # an explicit blank node named like the fast path's generated ones
    {
        "@context": _CTX,
        "@graph": [
            {**_DATASET, "dct:publisher": {"@id": "_:fastpath~1"}},
            {"@type": "dcat:Dataset", "dct:title": "second"},
            {"@id": "_:fastpath~1", "dct:description": "not the second dataset's"},
        ],
    },
    # an upper-case language tag: pyoxigraph's JSON-LD parser keeps the case
    {
        "@context": _CTX,
        "@graph": [{**_DATASET, "dct:title": [{"@value": "T", "@language": "FR"}, "u"]}],
    },
    # a blank-node e-mail and a Hydra block on a blank node: labels differ per path
    {
        "@context": {**_CTX, "vcard": "http://www.w3.org/2006/vcard/ns#"},
        "@graph": [
            {**_DATASET, "dcat:contactPoint": {"vcard:hasEmail": {"vcard:x": "y"}}},
            {
                "@type": "http://www.w3.org/ns/hydra/core#PagedCollection",
                "http://www.w3.org/ns/hydra/core#nextPage": {"@id": "_:n"},
                "http://www.w3.org/ns/hydra/core#totalItems": 3,
            },
        ],
    },
    # two Hydra blocks: the first one met depended on triple order
    {
        "@context": _CTX,
        "@graph": [
            {
                "@id": "http://e/2",
                _HYDRA + "p": {"@id": "http://e/1", "@type": _HYDRA + "PagedCollection"},
                "@type": _HYDRA + "PagedCollection",
                _HYDRA + "totalItems": 2,
            },
            _DATASET,
        ],
    },
]


@pytest.mark.parametrize("document", REGRESSIONS)
def test_regressions_agree(document: dict[str, Any]) -> None:
    check_both_paths(document)


@FUZZ
@given(ckan_pages())
def test_fast_path_equals_pyoxigraph(document: dict[str, Any]) -> None:
    count("fast path == pyoxigraph (CKAN-shaped pages)")
    check_both_paths(document)


@FUZZ
@given(ckan_pages(loose=True))
@example({"@context": {"@vocab": "http://example.org/v#"}, "@graph": [{"@type": "T"}]})
def test_fast_path_equals_pyoxigraph_on_loose_jsonld(document: dict[str, Any]) -> None:
    count("fast path == pyoxigraph (loose JSON-LD, fallbacks)")
    check_both_paths(document)


@FUZZ
@given(ckan_pages())
def test_fast_path_handles_or_declines_cleanly(document: dict[str, Any]) -> None:
    """The fast path returns a graph or raises ``NotFastPath``; nothing else."""
    count("fast path: graph or NotFastPath")
    try:
        jsonld_fast.parse_graph(document)
    except jsonld_fast.NotFastPath as exc:
        event(f"NotFastPath: {str(exc).split(' ', 1)[0]}")


@FUZZ
@given(ckan_pages())
def test_turtle_and_ntriples_give_the_same_records(document: dict[str, Any]) -> None:
    count("JSON-LD == Turtle == N-Triples")
    data = orjson.dumps(document)
    page = check_both_paths(document)
    if page is None:
        return
    quads = _relabel(
        list(ox.parse(data, format=ox.RdfFormat.JSON_LD, base_iri=base_iri_for(NAME), lenient=True))
    )
    if not quads:
        return  # an empty Turtle file is an empty page, refused by design
    for fmt, name in ((ox.RdfFormat.TURTLE, "page.ttl"), (ox.RdfFormat.N_TRIPLES, "page.nt")):
        text = ox.serialize(quads, format=fmt)
        assert text is not None
        other = read_page(text, name)
        assert other.page.datasets == page.page.datasets, name
        assert other.page.hydra == page.page.hydra, name
        assert check_page(other) == check_page(page), name
