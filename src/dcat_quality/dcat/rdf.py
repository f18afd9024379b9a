"""The general path: pyoxigraph parses any RDF serialisation into our ``Graph``."""

from __future__ import annotations

import pyoxigraph as ox

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term, new_tuple

FORMATS = {
    "jsonld": ox.RdfFormat.JSON_LD,
    "turtle": ox.RdfFormat.TURTLE,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "ntriples": ox.RdfFormat.N_TRIPLES,
}


def _term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term | None:
    if isinstance(node, ox.NamedNode):
        return node.value
    if isinstance(node, ox.BlankNode):
        return "_:" + node.value
    if isinstance(node, ox.Literal):
        lang = node.language
        if lang is not None:  # pyoxigraph's JSON-LD parser keeps the case, Turtle's does not
            return new_tuple(Literal, (node.value, lang.lower(), None))
        datatype = node.datatype.value
        return new_tuple(
            Literal, (node.value, None, None if datatype == v.XSD_STRING else datatype)
        )
    return None  # RDF-star quoted triples carry no DCAT field


def parse_graph(data: bytes, fmt: str, base_iri: str | None = None) -> Graph:
    """Parse a page with pyoxigraph (lenient: IRIs are not validated, as in the fast path).

    Raises ``SyntaxError`` (pyoxigraph's) when the page is not valid in ``fmt``.
    """
    graph = Graph()
    add = graph.add
    named, blank = ox.NamedNode, ox.BlankNode
    # ``_term`` inlined for the two shapes nearly every subject and object have: this
    # loop runs once per triple, and a call per term was a tenth of a Turtle page's cost.
    for quad in ox.parse(data, format=FORMATS[fmt], base_iri=base_iri, lenient=True):
        node = quad.subject
        kind = type(node)
        if kind is named:
            subject = node.value
        elif kind is blank:
            subject = "_:" + node.value
        else:
            continue  # an RDF-star quoted triple as subject carries no DCAT field
        node = quad.object
        kind = type(node)
        if kind is named:
            add(subject, quad.predicate.value, node.value)
        else:
            obj = _term(node)
            if obj is not None:
                add(subject, quad.predicate.value, obj)
    return graph
