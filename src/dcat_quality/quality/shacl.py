"""DCAT-AP compliance: our SHACL shapes, run natively over the page ``Graph``.

pyshacl validates about 50 datasets a second; a catalog has tens of thousands. So the
constraints of ``shapes/dcat-ap-mandatory.ttl`` (DCAT-AP 3.0.1, mandatory subset) are
compiled by hand into ``check_dataset``, a pure function over the parse worker's
``Graph``; ``validate_with_pyshacl`` runs pyshacl with the same file on the same
per-dataset subgraph and is the reference the tests compare against.

Covered (DCAT-AP 3.0.1; ``constraint`` is the SHACL parameter that failed):

==================  ======================  ===========================================
focus               path                    constraints
==================  ======================  ===========================================
dcat:Dataset        dct:title               minCount 1, nodeKind Literal, pattern \\S *
dcat:Dataset        dct:description         minCount 1, nodeKind Literal, pattern \\S *
dcat:Dataset        dcat:distribution       nodeKind BlankNodeOrIRI, class Distribution
dcat:Dataset        dct:publisher           maxCount 1, nodeKind BlankNodeOrIRI
dcat:Dataset        dct:accessRights        maxCount 1, nodeKind BlankNodeOrIRI
dcat:Dataset        dct:issued, modified    maxCount 1, node DateOrDateTime *
dcat:Distribution   dcat:accessURL          minCount 1, nodeKind IRI *
dcat:Distribution   dcat:downloadURL        nodeKind IRI *
dcat:Distribution   dct:issued, modified    maxCount 1, node DateOrDateTime *
==================  ======================  ===========================================

\\* stricter than the official shapes: non-blank text; dates also checked on datasets
(the official Dataset shape misspells ``sh:node``); XSD lexical forms for dates; an
access or download URL must be an IRI (DCAT-AP accepts a blank node).

Not covered: the other DCAT-AP classes (Catalog, CatalogRecord, DataService, Agent,
DatasetSeries…), the optional properties' node kinds and cardinalities, the range
(class) shapes except ``dcat:distribution``, controlled vocabularies (see the MQA
indicators), and ``rdfs:subClassOf`` reasoning: types are read as stated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term, is_blank
from dcat_quality.errors import ConfigError

DCAT_AP_VERSION = "3.0.1"
SHAPES_FILE = "dcat-ap-mandatory.ttl"

DISTRIBUTION = v.DCAT + "Distribution"
_STOP_TYPES = frozenset((v.DATASET, v.DATASET_SERIES, v.CATALOG, v.DCAT + "CatalogRecord"))
_DCAT_DISTRIBUTION = v.DCAT + "distribution"
_XSD_DATE = v.XSD + "date"
_XSD_DATETIME = v.XSD + "dateTime"
_XSD_GYEAR = v.XSD + "gYear"
_XSD_GYEARMONTH = v.XSD + "gYearMonth"
_NON_BLANK = re.compile(r"\S")
_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YMD = r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_DATE = re.compile(_YMD + _TZ)
_DATETIME = re.compile(_YMD + r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?" + _TZ)
# gYear and gYearMonth are matched as pyshacl does (``re.search`` with ``^…$``), which lets
# one trailing newline through: nothing else checks these two datatypes.
_GYEAR = re.compile("^[0-9]{4}" + _TZ + "$")
_GYEARMONTH = re.compile("^[0-9]{4}-(0[1-9]|1[0-2])" + _TZ + "$")


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed constraint: the node, the property, what to fix, and which check."""

    focus: str
    path: str
    message: str
    severity: str
    constraint: str


class _Rule(NamedTuple):
    """One property shape: its path and the constraints it carries, with fix hints."""

    path: str
    label: str
    min_count: int = 0
    max_count: int | None = None
    node_kind: str | None = None  # "Literal", "IRI" or "BlankNodeOrIRI"
    class_: str | None = None
    non_blank: bool = False  # sh:pattern "\S"
    date: bool = False  # sh:node dq:DateOrDateTime
    hint: str = ""


_TEXT_HINT = "a short text literal, one per language"
_DATE_HINT = 'write it as "2024-05-31"^^xsd:date or "2024-05-31T12:00:00"^^xsd:dateTime'

_DATASET_RULES = (
    _Rule(
        v.DCT + "title",
        "dct:title",
        min_count=1,
        node_kind="Literal",
        non_blank=True,
        hint=_TEXT_HINT,
    ),
    _Rule(
        v.DCT + "description",
        "dct:description",
        min_count=1,
        node_kind="Literal",
        non_blank=True,
        hint="a few sentences saying what the data is, one per language",
    ),
    _Rule(
        _DCAT_DISTRIBUTION,
        "dcat:distribution",
        node_kind="BlankNodeOrIRI",
        class_=DISTRIBUTION,
        hint="a node typed dcat:Distribution with its dcat:accessURL",
    ),
    _Rule(
        v.DCT + "publisher",
        "dct:publisher",
        max_count=1,
        node_kind="BlankNodeOrIRI",
        hint="the one organisation responsible, as an IRI or a foaf:Agent node",
    ),
    _Rule(
        v.DCT + "accessRights",
        "dct:accessRights",
        max_count=1,
        node_kind="BlankNodeOrIRI",
        hint="one IRI of the EU access-right table (PUBLIC, RESTRICTED or NON_PUBLIC)",
    ),
    _Rule(v.DCT + "issued", "dct:issued", max_count=1, date=True, hint=_DATE_HINT),
    _Rule(v.DCT + "modified", "dct:modified", max_count=1, date=True, hint=_DATE_HINT),
)
_DISTRIBUTION_RULES = (
    _Rule(
        v.DCAT + "accessURL",
        "dcat:accessURL",
        min_count=1,
        node_kind="IRI",
        hint="the IRI of the page, file or service giving access to the data",
    ),
    _Rule(
        v.DCAT + "downloadURL",
        "dcat:downloadURL",
        node_kind="IRI",
        hint="the IRI of the downloadable file",
    ),
    _Rule(v.DCT + "issued", "dct:issued", max_count=1, date=True, hint=_DATE_HINT),
    _Rule(v.DCT + "modified", "dct:modified", max_count=1, date=True, hint=_DATE_HINT),
)
#: (target class, rules) in the order the shapes file declares them.
SHAPES: tuple[tuple[str, tuple[_Rule, ...]], ...] = (
    (v.DATASET, _DATASET_RULES),
    (DISTRIBUTION, _DISTRIBUTION_RULES),
)
_NOUN = {v.DATASET: "dataset", DISTRIBUTION: "distribution"}
_KIND_TEXT = {
    "Literal": "a text literal",
    "IRI": "an IRI",
    "BlankNodeOrIRI": "a node (IRI or blank node)",
}


def shapes_path() -> Path:
    """The bundled shapes file (``shapes/dcat-ap-mandatory.ttl``)."""
    return Path(str(resources.files("dcat_quality.quality") / "shapes" / SHAPES_FILE))


# -- the per-dataset subgraph ---------------------------------------------------------------


def _closure(graph: Graph, dataset: str) -> list[str]:
    """The dataset, its distributions (IRI or blank) and every blank node reachable.

    Traversal stops at other datasets, catalogues and catalogue records, so a dataset's
    result never depends on its neighbours.
    """
    properties = graph.properties
    nodes = [dataset]
    seen = {dataset}
    for node in nodes:  # grows while we walk it: a breadth-first traversal
        for predicate, objects in properties(node).items():
            follow_iris = predicate == _DCAT_DISTRIBUTION
            for obj in objects:
                if not isinstance(obj, str) or obj in seen:
                    continue
                if not follow_iris and not obj.startswith("_:"):
                    continue
                seen.add(obj)
                types = properties(obj).get(v.TYPE)
                if types and not _STOP_TYPES.isdisjoint(types):
                    continue
                nodes.append(obj)
    return nodes


def dataset_subgraph(graph: Graph, dataset: str) -> list[tuple[str, str, Term]]:
    """The triples of the dataset's closure: what pyshacl needs to validate it alone."""
    return [
        (node, predicate, obj)
        for node in _closure(graph, dataset)
        for predicate, objects in graph.properties(node).items()
        for obj in objects
    ]


# -- native checks --------------------------------------------------------------------------


def _show(term: Term) -> str:
    if isinstance(term, Literal):
        text = term.value if len(term.value) <= 60 else term.value[:57] + "..."
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        suffix = (
            f"@{term.lang}"
            if term.lang
            else (f"^^{_curie(term.datatype)}" if term.datatype else "")
        )
        return f'"{text}"{suffix}'
    return "a blank node" if is_blank(term) else f"<{term}>"


def _curie(iri: str) -> str:
    return "xsd:" + iri[len(v.XSD) :] if iri.startswith(v.XSD) else f"<{iri}>"


def _node_kind_ok(kind: str, term: Term) -> bool:
    if kind == "Literal":
        return isinstance(term, Literal)
    if kind == "IRI":
        return isinstance(term, str) and not term.startswith("_:")
    return isinstance(term, str)  # BlankNodeOrIRI


def is_date_literal(term: Term) -> bool:
    """True for a literal typed xsd:date, dateTime, gYear or gYearMonth in XSD form."""
    if not isinstance(term, Literal) or term.lang is not None:
        return False
    datatype, text = term.datatype, term.value
    if datatype in (_XSD_DATE, _XSD_DATETIME):
        match = (_DATE if datatype == _XSD_DATE else _DATETIME).fullmatch(text)
        if match is None:
            return False
        try:  # the calendar: no 2023-02-29, no year 0000
            date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return False
        return True
    if datatype == _XSD_GYEAR:
        return _GYEAR.search(text) is not None
    if datatype == _XSD_GYEARMONTH:
        return _GYEARMONTH.search(text) is not None
    return False


def _check(
    out: list[Violation],
    focus: str,
    noun: str,
    rule: _Rule,
    values: Sequence[Term],
    types_of: Mapping[str, Sequence[Term]],
) -> None:
    """Append the violations of one property shape on one node.

    Hot path (a dozen calls per dataset): a plain function appending to ``out`` rather
    than a generator, and messages formatted only when a constraint fails.
    """
    count = len(values)
    if count < rule.min_count:
        out.append(
            Violation(
                focus,
                rule.path,
                f"The {noun} has no {rule.label}: add one ({rule.hint}).",
                "Violation",
                "minCount",
            )
        )
    if rule.max_count is not None and count > rule.max_count:
        out.append(
            Violation(
                focus,
                rule.path,
                f"The {noun} has {count} {rule.label} values: keep one ({rule.hint}).",
                "Violation",
                "maxCount",
            )
        )
    if rule.node_kind is not None:
        for value in values:
            if not _node_kind_ok(rule.node_kind, value):
                out.append(
                    Violation(
                        focus,
                        rule.path,
                        f"The {noun}'s {rule.label} is {_show(value)}, which is not "
                        f"{_KIND_TEXT[rule.node_kind]}: give {rule.hint}.",
                        "Violation",
                        "nodeKind",
                    )
                )
    if rule.class_ is not None:
        for value in values:
            if isinstance(value, Literal) or rule.class_ not in types_of.get(value, ()):
                out.append(
                    Violation(
                        focus,
                        rule.path,
                        f"The {noun}'s {rule.label} {_show(value)} is not typed "
                        f"{_curie_class(rule.class_)}: give {rule.hint}.",
                        "Violation",
                        "class",
                    )
                )
    if rule.non_blank:
        for value in values:
            text = value.value if isinstance(value, Literal) else value
            if is_blank(value) or not _NON_BLANK.search(text):
                out.append(
                    Violation(
                        focus,
                        rule.path,
                        f"The {noun}'s {rule.label} is empty: fill it ({rule.hint}).",
                        "Violation",
                        "pattern",
                    )
                )
    if rule.date:
        for value in values:
            if not is_date_literal(value):
                out.append(
                    Violation(
                        focus,
                        rule.path,
                        f"The {noun}'s {rule.label} {_show(value)} is not a typed date: "
                        f"{rule.hint}.",
                        "Violation",
                        "node",
                    )
                )


def _curie_class(iri: str) -> str:
    return "dcat:" + iri[len(v.DCAT) :] if iri.startswith(v.DCAT) else f"<{iri}>"


def check_dataset(graph: Graph, dataset: str) -> list[Violation]:
    """The shapes' violations for one dataset node and the distributions it reaches.

    Same semantics as pyshacl with the shapes file on ``dataset_subgraph(graph, dataset)``:
    a node is a target when its own ``rdf:type`` says so.
    """
    closure = _closure(graph, dataset)
    props_of = [(node, graph.properties(node)) for node in closure]
    types_of = {node: props.get(v.TYPE, ()) for node, props in props_of}
    out: list[Violation] = []
    for node, props in props_of:
        types = types_of[node]
        if not types:
            continue
        for target, rules in SHAPES:
            if target in types:
                noun = _NOUN[target]
                for rule in rules:
                    values = props.get(rule.path, ())
                    # hot path: an absent optional property cannot fail (skip the generator)
                    if values or rule.min_count:
                        _check(out, node, noun, rule, values, types_of)
    return out


def check_graph(graph: Graph) -> dict[str, list[Violation]]:
    """``check_dataset`` for every ``dcat:Dataset`` node of a page, keyed by node."""
    return {
        subject: check_dataset(graph, subject)
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
    shapes = rdflib.Graph()
    for path in paths:
        shapes.parse(path, format="turtle")
    return shapes


def _to_rdflib(rdflib: Any, term: Term) -> Any:
    if isinstance(term, Literal):
        # normalize=False: sh:pattern must see the page's lexical form, not rdflib's.
        datatype = rdflib.URIRef(term.datatype) if term.datatype else None
        return rdflib.Literal(term.value, lang=term.lang, datatype=datatype, normalize=False)
    if term.startswith("_:"):
        return rdflib.BNode(term[2:])
    return rdflib.URIRef(term)


def _from_rdflib(rdflib: Any, node: Any) -> str:
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


def _constraint_name(component: str) -> str:
    name = component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return name[:1].lower() + name[1:]


def validate_with_pyshacl(
    graph: Graph,
    dataset: str,
    shapes: Sequence[str | Path] | None = None,
) -> list[Violation]:
    """pyshacl on ``dataset_subgraph``: the slow reference for ``check_dataset``.

    ``shapes`` defaults to the bundled shapes file; pass other Turtle files (such as the
    official SEMIC shapes) to compare. Needs the ``shacl`` extra.
    """
    pyshacl, rdflib = _pyshacl()
    paths = tuple(str(p) for p in (shapes or (shapes_path(),)))
    data = rdflib.Graph()
    for s, p, o in dataset_subgraph(graph, dataset):
        data.add((_to_rdflib(rdflib, s), rdflib.URIRef(p), _to_rdflib(rdflib, o)))
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=_shapes_graph(paths),
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
        path = report.value(result, sh.resultPath)
        message = report.value(result, sh.resultMessage)
        out.append(
            Violation(
                focus=_from_rdflib(rdflib, report.value(result, sh.focusNode)),
                path=_from_rdflib(rdflib, path) if path is not None else "",
                message=str(message) if message is not None else "",
                severity=str(report.value(result, sh.resultSeverity)).rsplit("#", 1)[-1],
                constraint=_constraint_name(
                    str(report.value(result, sh.sourceConstraintComponent))
                ),
            )
        )
    return out
