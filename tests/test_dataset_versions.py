"""A dataset's version stands for its DCAT-AP results: what a run skips, it may skip.

An incremental run does not run the DCAT-AP check of a dataset whose version is known:
the version digests what the check reads (``worker.subgraph_inputs``) instead of its
results. These tests hold that shortcut to what it claims, on every real dataset of the
shared files (Turtle, RDF/XML, N-Triples, JSON-LD, ISO 19139):

* the same page parsed again gives the same versions — pyoxigraph names blank nodes at
  random, so a label in the digest would make every dataset with a blank node "changed"
  at every run;
* every triple the check reads counts: remove one and the version changes;
* nothing else counts: a change outside the dataset's subgraph keeps the version, and
  then the check's results are the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dcat_quality.dcat.graph import Graph, Term
from dcat_quality.dcat.parse import PageGraph, read_page
from dcat_quality.errors import PageError
from dcat_quality.quality.shacl import check_dataset, closure
from dcat_quality.warehouse.digest import KnownVersions, version_digest
from dcat_quality.worker import (
    ScoredDataset,
    ScoringContext,
    _stable_focus,
    score_page,
    subgraph_inputs,
)
from support.paths import REALDATA


def _pages() -> Iterator[tuple[str, bytes]]:
    for path in sorted(REALDATA.rglob("*")):
        if path.is_file() and path.suffix in (".rdf", ".xml", ".ttl", ".nt", ".json", ".jsonld"):
            yield str(path.relative_to(REALDATA)), path.read_bytes()


def _read(name: str, data: bytes) -> PageGraph | None:
    try:
        return read_page(data, name)
    except PageError:
        return None  # the shared files include broken ones on purpose


@pytest.fixture(scope="module")
def pages(realdata: Path) -> list[tuple[str, bytes, PageGraph]]:
    out = []
    for name, data in _pages():
        read = _read(name, data)
        if read is not None and read.nodes:
            out.append((name, data, read))
    assert sum(len(p.nodes) for _, _, p in out) >= 250  # the shared files' datasets
    return out


def _versions(page: PageGraph) -> dict[str, bytes]:
    scored = score_page(page, ScoringContext(fingerprint="f"))
    return {d.dataset_id: d.version for d in scored.datasets}


def _digest(graph: Graph, subject: str, node_ids: dict[str, str]) -> bytes:
    return version_digest("", subgraph_inputs(graph, closure(graph, subject), node_ids))


def _results(graph: Graph, subject: str, node_ids: dict[str, str], dataset_id: str) -> object:
    return _stable_focus(check_dataset(graph, subject), node_ids, dataset_id)


def _copy(graph: Graph, *, without: tuple[str, str, Term] | None = None) -> Graph:
    out = Graph()
    for subject, props in graph.items():
        for predicate, objects in props.items():
            for obj in objects:
                if (subject, predicate, obj) != without:
                    out.add(subject, predicate, obj)
    return out


def test_a_page_read_again_gives_the_same_versions(
    pages: list[tuple[str, bytes, PageGraph]],
) -> None:
    with_blank_nodes = 0
    for name, data, first in pages:
        again = read_page(data, name)
        assert _versions(again) == _versions(first), name
        with_blank_nodes += any(
            any(n.startswith("_:") for n in closure(first.graph, subject))
            for _, subject, _ in first.nodes
        )
    assert with_blank_nodes >= 10  # pages where a parser's label could have leaked in


def _renaming() -> Callable[[Term], Term]:
    """Each blank node gets a new label (in another order than the parser's)."""
    rename: dict[str, str] = {}

    def renamed(term: Term) -> Term:
        if isinstance(term, str) and term.startswith("_:"):
            return rename.setdefault(term, f"_:renamed{len(rename) * 7 + 3}")
        return term

    return renamed


def test_blank_node_labels_do_not_count(pages: list[tuple[str, bytes, PageGraph]]) -> None:
    """Every blank node renamed (as another parse, or a neighbour's new blank node
    earlier on the page, would): same versions."""
    for name, _, page in pages:
        renamed = _renaming()

        graph = Graph()
        for subject, props in page.graph.items():
            for predicate, objects in props.items():
                for obj in objects:
                    graph.add(str(renamed(subject)), predicate, renamed(obj))
        for record, subject, node_ids in page.nodes:
            moved = {str(renamed(k)): v for k, v in node_ids.items()}
            assert _digest(graph, str(renamed(subject)), moved) == _digest(
                page.graph, subject, node_ids
            ), (name, record.dataset_id)


def test_every_triple_the_check_reads_counts_and_nothing_else_does(
    pages: list[tuple[str, bytes, PageGraph]],
) -> None:
    rng = random.Random(16)
    inside = outside = results_differ = 0
    for name, _, page in pages:
        graph = page.graph
        for record, subject, node_ids in page.nodes[:20]:
            nodes = closure(graph, subject)
            before = _digest(graph, subject, node_ids)
            results = _results(graph, subject, node_ids, record.dataset_id)
            triples = [
                (node, predicate, obj)
                for node in nodes
                for predicate, objects in graph.properties(node).items()
                for obj in objects
            ]
            others = [
                (node, predicate, obj)
                for node, props in graph.items()
                if node not in set(nodes)
                for predicate, objects in props.items()
                for obj in objects
            ]
            for triple in rng.sample(triples, min(3, len(triples))):
                changed = _copy(graph, without=triple)
                assert _digest(changed, subject, node_ids) != before, (name, triple)
                inside += 1
                if _results(changed, subject, node_ids, record.dataset_id) != results:
                    results_differ += 1
            for triple in rng.sample(others, min(3, len(others))):
                changed = _copy(graph, without=triple)
                if _digest(changed, subject, node_ids) == before:
                    outside += 1
                    assert _results(changed, subject, node_ids, record.dataset_id) == results
    # The test saw both kinds of changes, and changes the check reports.
    assert inside >= 300
    assert outside >= 100
    assert results_differ >= 20


def test_a_dataset_checked_again_only_when_its_subgraph_changed(
    pages: list[tuple[str, bytes, PageGraph]],
) -> None:
    """What the run does with it: a known version is not checked, and comes back as
    unchanged; the same dataset after a change the record does not read (a property of a
    node of its subgraph, e.g. its contact point) is a new version, checked again."""
    name, data, page = next(p for p in pages if p[0].endswith("catalog_SVV.ttl"))
    known = KnownVersions(_versions(page).values())
    again = score_page(read_page(data, name), ScoringContext(fingerprint="f", known=known))
    assert not any(isinstance(d, ScoredDataset) for d in again.datasets)

    record, _, node = next(
        (r, s, n) for r, s, _ in page.nodes for n in closure(page.graph, s) if n.startswith("_:")
    )  # a blank node of its own subgraph
    page.graph.add(node, "http://example.org/unread-by-the-record", "http://example.org/x")
    changed = score_page(page, ScoringContext(fingerprint="f", known=known))
    rescored = [d.dataset_id for d in changed.datasets if isinstance(d, ScoredDataset)]
    assert rescored == [record.dataset_id]
