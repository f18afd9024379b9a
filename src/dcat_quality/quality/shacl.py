"""DCAT-AP compliance: the official SEMIC shapes, compiled, run natively on each dataset.

pyshacl validates about 50 datasets a second; a catalog has tens of thousands. So the
official SEMIC DCAT-AP shapes (``shared/reference/dcat-ap-shacl``, CC BY 4.0) are compiled
(``shacl_compile``) into ``shapes/dcat-ap-<version>.json`` and evaluated by
``shacl_engine`` over the parse worker's ``Graph``; ``validate_with_pyshacl`` runs pyshacl
with the official files on the same per-dataset subgraph and is the reference the tests
compare against, on every real dataset, for each version.

**Which version.** data.europa.eu's MQA validates with piveau's SHACL validator, whose
shape sets are DCAT-AP 2.1.1 ones and whose default (the fallback of ``findShapes``) is
``dcatap211level2``: DCAT-AP 2.1.1 ``shacl_shapes`` + ``shacl_shapes_recommended`` +
``shacl_deprecateduris`` (piveau ``io.piveau.validating.Vocabularies`` object
``DCATAP211Level2``, upstream gitlab.com/piveau/metrics/piveau-metrics-validating-shacl;
read in the public code index, file 3024443248). The recommended and deprecated-URI shapes
only produce ``sh:Warning``s (and the deprecated ones no result at all: their property
shapes carry no constraint), so the compliance verdict is the 2.1.1 core shapes' — the
"Base" case we compile. **2.1.1 is the default; 3.0.1 is selectable**
(``DCAT_QUALITY_DCAT_AP_VERSION``).

**Verdict.** A dataset complies when no result of severity ``sh:Violation`` is reported;
warnings (3.0.1's ``DatasetSeries`` inverse-``inSeries`` check) are listed, not counted.

**Subgraph.** Each dataset is validated alone, on every triple reachable from its node
(through IRIs and blank nodes alike), stopping at other datasets, dataset series,
catalogues and catalogue records: what a portal harvesting the dataset keeps of the page
(the per-dataset figures of ``reference/dcat-ap-shacl/README.md`` are made the same way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import orjson

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term
from dcat_quality.errors import ConfigError
from dcat_quality.quality.shacl_engine import Validator, Violation
from dcat_quality.quality.shacl_shapes import ShapeSet, set_of

__all__ = [
    "DCAT_AP_VERSIONS",
    "DEFAULT_DCAT_AP_VERSION",
    "Violation",
    "check_dataset",
    "check_graph",
    "complies",
    "dataset_subgraph",
    "shapes",
    "shapes_digest",
    "validate_with_pyshacl",
]

#: The DCAT-AP versions whose shapes ship compiled.
DCAT_AP_VERSIONS: tuple[str, ...] = ("2.1.1", "3.0.1")
#: What data.europa.eu validates against (see the module docstring).
DEFAULT_DCAT_AP_VERSION = "2.1.1"

_STOP_TYPES = frozenset((v.DATASET, v.DATASET_SERIES, v.CATALOG, v.DCAT + "CatalogRecord"))


@cache
def shapes(version: str = DEFAULT_DCAT_AP_VERSION) -> ShapeSet:
    """The compiled shapes of a DCAT-AP version (read once per process)."""
    if version not in DCAT_AP_VERSIONS:
        raise ConfigError(
            f"unknown DCAT-AP version {version!r}: choose one of {', '.join(DCAT_AP_VERSIONS)}"
        )
    return set_of(orjson.loads(_shapes_file(version).read_bytes()))


def _shapes_file(version: str) -> Path:
    return Path(__file__).parent / "shapes" / f"dcat-ap-{version}.json"


@cache
def shapes_digest(version: str = DEFAULT_DCAT_AP_VERSION) -> str:
    """A short hash of the compiled shapes: part of what a score depends on."""
    return hashlib.sha256(_shapes_file(version).read_bytes()).hexdigest()[:16]


@cache
def _validator(version: str) -> Validator:
    return Validator(shapes(version))


def complies(violations: Iterable[Violation]) -> bool:
    """The DCAT-AP verdict: no result of severity ``Violation``."""
    return all(found.severity != "Violation" for found in violations)


# -- the per-dataset subgraph ---------------------------------------------------------------


def closure(graph: Graph, dataset: str) -> list[str]:
    """The dataset and every node reachable from it whose triples belong to its subgraph.

    Breadth-first through IRIs and blank nodes; a node typed as another dataset, series,
    catalogue or catalogue record is not entered, so a dataset's result never depends on
    its neighbours.
    """
    get = graph.lookup()
    stop = _STOP_TYPES
    rdf_type = v.TYPE
    nodes = [dataset]
    seen = {dataset}
    for node in nodes:  # grows while we walk it
        props = get(node)
        if not props:
            continue
        for objects in props.values():
            for obj in objects:
                if obj.__class__ is not str or obj in seen:
                    continue
                seen.add(obj)
                found = get(obj)
                if not found:
                    continue  # an IRI described nowhere in the page: nothing to enter
                types = found.get(rdf_type)
                if types and not stop.isdisjoint(types):
                    continue
                nodes.append(obj)
    return nodes


def dataset_subgraph(graph: Graph, dataset: str) -> list[tuple[str, str, Term]]:
    """The triples of the dataset's closure: what pyshacl needs to validate it alone."""
    return [
        (node, predicate, obj)
        for node in closure(graph, dataset)
        for predicate, objects in graph.properties(node).items()
        for obj in objects
    ]


# -- native checks --------------------------------------------------------------------------


def check_dataset(
    graph: Graph,
    dataset: str,
    version: str | None = None,
    *,
    nodes: Sequence[str] | None = None,
) -> list[Violation]:
    """The shapes' results for one dataset node and everything its subgraph holds.

    Same results as pyshacl with the version's official core shapes file on
    ``dataset_subgraph(graph, dataset)``; ``version`` defaults to
    ``DEFAULT_DCAT_AP_VERSION``. The triples of ``nodes`` (``closure(graph, dataset)``,
    given when the caller has it already) are all that is read.
    """
    validator = _validator(version or DEFAULT_DCAT_AP_VERSION)
    return validator.validate(graph, closure(graph, dataset) if nodes is None else nodes)


def check_graph(graph: Graph, version: str | None = None) -> dict[str, list[Violation]]:
    """``check_dataset`` for every ``dcat:Dataset`` node of a page, keyed by node."""
    return {
        subject: check_dataset(graph, subject, version)
        for subject, props in graph.items()
        if v.DATASET in props.get(v.TYPE, ())
    }


# -- the pyshacl reference ------------------------------------------------------------------


def _pyshacl() -> tuple[Any, Any]:
    try:
        import pyshacl  # noqa: PLC0415 - optional extra
        import rdflib  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(
            'SHACL validation with pyshacl needs the "shacl" extra: '
            'pip install "dcat-quality[shacl]" (the native checks need nothing)'
        ) from exc
    return pyshacl, rdflib


@lru_cache(maxsize=8)
def _shapes_graph(paths: tuple[str, ...]) -> Any:
    _, rdflib = _pyshacl()
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def to_rdflib(rdflib: Any, term: Term) -> Any:
    """Our term as rdflib's (lexical form kept: ``sh:pattern`` and datatypes see it)."""
    if isinstance(term, Literal):
        datatype = rdflib.URIRef(term.datatype) if term.datatype else None
        return rdflib.Literal(term.value, lang=term.lang, datatype=datatype, normalize=False)
    if term.startswith("_:"):
        return rdflib.BNode(term[2:])
    return rdflib.URIRef(term)


def _from_rdflib(rdflib: Any, node: Any) -> Term:
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    if isinstance(node, rdflib.Literal):
        datatype = str(node.datatype) if node.datatype is not None else None
        if datatype == v.XSD_STRING or node.language is not None:
            datatype = None
        return Literal(str(node), node.language, datatype)
    return str(node)


def _constraint_name(component: str) -> str:
    name = component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return name[:1].lower() + name[1:]


def _path_text(rdflib: Any, report: Any, path: Any) -> str:
    if path is None:
        return ""
    if isinstance(path, rdflib.BNode):
        inverse = report.value(path, rdflib.URIRef("http://www.w3.org/ns/shacl#inversePath"))
        return f"^{inverse}" if inverse is not None else f"_:{path}"
    return str(path)


def validate_with_pyshacl(
    graph: Graph,
    dataset: str,
    shapes_files: Sequence[str | Path],
) -> list[Violation]:
    """pyshacl on ``dataset_subgraph`` with the given shapes files (read in place).

    The slow reference for ``check_dataset``; needs the ``shacl`` extra. Results keep
    pyshacl's focus, path, component, severity and value; the message is pyshacl's.
    """
    pyshacl, rdflib = _pyshacl()
    data = rdflib.Graph()
    for s, p, o in dataset_subgraph(graph, dataset):
        data.add((to_rdflib(rdflib, s), rdflib.URIRef(p), to_rdflib(rdflib, o)))
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=_shapes_graph(tuple(str(p) for p in shapes_files)),
        inference="none",
        advanced=False,
        allow_warnings=True,
        allow_infos=True,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    out: list[Violation] = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if (None, sh.result, result) not in report:
            continue  # a nested result (sh:detail), already counted by its parent
        message = report.value(result, sh.resultMessage)
        value = report.value(result, sh.value)
        shape = report.value(result, sh.sourceShape)
        out.append(
            Violation(
                focus=str(_from_rdflib(rdflib, report.value(result, sh.focusNode))),
                path=_path_text(rdflib, report, report.value(result, sh.resultPath)),
                message=str(message) if message is not None else "",
                severity=str(report.value(result, sh.resultSeverity)).rsplit("#", 1)[-1],
                constraint=_constraint_name(
                    str(report.value(result, sh.sourceConstraintComponent))
                ),
                value=_from_rdflib(rdflib, value) if value is not None else None,
                shape=str(shape) if shape is not None else "",
            )
        )
    return out
