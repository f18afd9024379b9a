"""The official DCAT-AP HVD shapes run by pyshacl on one dataset: the reference for
``quality.hvd``.

The shapes are read in place from ``shared/reference/dcat-ap-hvd-shacl`` (never copied).
They assume every resource is HVD ("At this moment the SHACL templates assume that all
resources are subject to DCAT-AP HVD"), so the comparison runs our checks as if every
dataset were HVD. The EU category scheme the shapes import (``owl:imports``) is remote:
its concepts are added to the data graph from our bundled copy, as the EU validator
loads the imported scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term
from dcat_quality.quality.hvd_vocabulary import SCHEME, load_hvd_vocabulary

DCATAP = v.DCATAP
API_SHAPE = "https://semiceu.github.io/DCAT-AP/releases/3.0.0-hvd#dcat:DatasetShape/API"


@dataclass(frozen=True)
class Result:
    focus: str
    path: str
    constraint: str
    shape: str
    blank_value: bool = False  # the value node (sh:value) is a blank node


def shapes_file(reference: Path) -> Path:
    return reference / "dcat-ap-hvd-shacl" / "3.0.0" / "hvd-SHACL-full.ttl"


def reached_services(graph: Graph, dataset: str) -> list[str]:
    """The data-service nodes the API rule reaches (both routes)."""
    nodes = list(graph.subjects_with(v.DCAT + "servesDataset", dataset))
    for dist in graph.objects(dataset, v.DCAT + "distribution"):
        nodes.extend(s for s in graph.objects(dist, v.DCAT + "accessService") if isinstance(s, str))
    return sorted(set(nodes))


def subgraph(graph: Graph, dataset: str) -> list[tuple[str, str, Term]]:
    """The dataset, its distributions, the services reached, and blank nodes below them."""
    start = [dataset]
    start += [d for d in graph.objects(dataset, v.DCAT + "distribution") if isinstance(d, str)]
    start += reached_services(graph, dataset)
    seen = set(start)
    nodes = list(start)
    for node in nodes:
        for objects in graph.properties(node).values():
            for obj in objects:
                if isinstance(obj, str) and obj.startswith("_:") and obj not in seen:
                    seen.add(obj)
                    nodes.append(obj)
    return [(n, p, o) for n in nodes for p, objs in graph.properties(n).items() for o in objs]


def _shapes(path: Path, cache: dict[str, Any] = {}) -> Any:  # noqa: B006 - a memo
    import rdflib

    key = str(path)
    if key not in cache:
        cache[key] = rdflib.Graph().parse(path, format="turtle")
    return cache[key]


def validate(graph: Graph, datasets: list[str], shapes: Path) -> list[Result]:
    """pyshacl's results (violations, warnings) for some datasets with the HVD shapes.

    One validation for all of them, on the union of their subgraphs: the constraints
    compared are about each focus node's own values, so the union changes nothing but
    the time (one pyshacl run per page rather than per dataset).
    """
    import pyshacl
    import rdflib

    def term(t: Term) -> Any:
        if isinstance(t, Literal):
            dt = rdflib.URIRef(t.datatype) if t.datatype else None
            return rdflib.Literal(t.value, lang=t.lang, datatype=dt, normalize=False)
        return rdflib.BNode(t[2:]) if t.startswith("_:") else rdflib.URIRef(t)

    data = rdflib.Graph()
    for dataset in datasets:
        for s, p, o in subgraph(graph, dataset):
            data.add((term(s), rdflib.URIRef(p), term(o)))
    skos = rdflib.Namespace(v.SKOS)
    for iri in load_hvd_vocabulary().categories:
        data.add((rdflib.URIRef(iri), rdflib.RDF.type, skos.Concept))
        data.add((rdflib.URIRef(iri), skos.inScheme, rdflib.URIRef(SCHEME)))
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=_shapes(shapes),
        inference="none",
        advanced=False,
        allow_warnings=True,
        allow_infos=True,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    out = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if (None, sh.result, result) not in report:
            continue
        focus = report.value(result, sh.focusNode)
        path = report.value(result, sh.resultPath)
        component = str(report.value(result, sh.sourceConstraintComponent))
        name = component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        out.append(
            Result(
                f"_:{focus}" if isinstance(focus, rdflib.BNode) else str(focus),
                "" if path is None or isinstance(path, rdflib.BNode) else str(path),
                name[:1].lower() + name[1:],
                str(report.value(result, sh.sourceShape)),
                isinstance(report.value(result, sh.value), rdflib.BNode),
            )
        )
    return out


def official_outcomes(graph: Graph, dataset: str, results: list[Result]) -> dict[str, bool]:
    """What the shapes say about each HVD check that has an official counterpart."""

    def on(focus: str, path: str, constraints: set[str]) -> bool:
        return any(
            r.focus == focus and r.path == path and r.constraint in constraints for r in results
        )

    services = reached_services(graph, dataset)
    # pyshacl 0.40 reports sh:nodeKind sh:BlankNodeOrIRI as broken by a blank-node
    # service reached through the API shape's sh:alternativePath, which SHACL says it
    # satisfies (a blank node is a BlankNodeOrIRI): those results are its defect, not the
    # shape's verdict (test_pyshacl_defect_on_blank_services pins it).
    api_missing = any(
        r.focus == dataset
        and r.shape == API_SHAPE
        and not (r.constraint == "nodeKind" and r.blank_value)
        for r in results
    )
    no_endpoint = all(on(s, v.DCAT + "endpointURL", {"minCount"}) for s in services)
    no_page = all(on(s, v.FOAF + "page", {"minCount"}) for s in services)
    return {
        "hvd.category": not on(
            dataset, DCATAP + "hvdCategory", {"minCount", "node", "class", "nodeKind"}
        ),
        "hvd.legislation": not on(
            dataset, DCATAP + "applicableLegislation", {"minCount", "hasValue", "nodeKind"}
        ),
        "hvd.api": not (api_missing or not services or no_endpoint),
        "hvd.api_documented": not (api_missing or not services or no_page),
        "hvd.bulk_download": not on(dataset, v.DCAT + "distribution", {"minCount"}),
    }
