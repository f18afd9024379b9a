"""The fast path: walk a compact CKAN JSON-LD page with orjson, no JSON-LD processor.

ckanext-dcat (and rdflib's compaction) write pages whose ``@context`` only declares
prefixes and whose ``@graph`` holds flat node objects. For that shape, JSON-LD's RDF
conversion is plain string work, about four times faster than a full processor. Anything
else — term definitions, ``@vocab``, ``@list``, relative IRIs, native floats… — raises
``NotFastPath`` and the page goes to pyoxigraph, so the records never differ
(differential tests compare both paths on every real JSON-LD file).
"""

from __future__ import annotations

import re
from typing import Any

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term


class NotFastPath(Exception):
    """The page uses JSON-LD the fast path does not handle; use pyoxigraph."""


_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_GEN_DELIMS = tuple(":/?#[]@")
_NODE_KEYS_OK = frozenset({"@id", "@type"})
_GENERATED = "_:fastpath~"  # labels of blank nodes without @id


class _Walker:
    __slots__ = ("blank_counter", "expanded", "graph", "prefixes")

    def __init__(self, context: Any) -> None:
        self.prefixes = _prefixes(context)
        self.graph = Graph()
        self.blank_counter = 0
        # Pages repeat the same few dozen property and type names thousands of times.
        self.expanded: dict[str, str] = {}

    def iri(self, text: str) -> str:
        """Expand a compact or absolute IRI; blank-node ids pass through."""
        found = self.expanded.get(text)
        if found is not None:
            return found
        found = self._expand(text)
        if len(self.expanded) < 4096:
            self.expanded[text] = found
        return found

    def _expand(self, text: str) -> str:
        if text.startswith("_:"):
            if text.startswith(_GENERATED):
                raise NotFastPath("blank-node label like the fast path's own")
            return text
        prefix, sep, suffix = text.partition(":")
        if sep:
            namespace = self.prefixes.get(prefix)
            if namespace is not None:
                if suffix.startswith("//"):
                    raise NotFastPath("prefix shadows a scheme")
                return namespace + suffix
            if _ABSOLUTE.match(text):
                return text
        raise NotFastPath(f"relative IRI {text!r}")

    def node(self, obj: dict[str, Any]) -> str:
        """Emit a node object's triples; return its subject."""
        raw_id = obj.get("@id")
        if raw_id is None:
            self.blank_counter += 1
            subject = f"{_GENERATED}{self.blank_counter}"
        elif isinstance(raw_id, str):
            subject = self.iri(raw_id)
        else:
            raise NotFastPath("non-string @id")
        add = self.graph.add
        for key, value in obj.items():
            if key[:1] == "@":
                if key == "@id":
                    continue
                if key == "@type":
                    for t in value if isinstance(value, list) else (value,):
                        if not isinstance(t, str):
                            raise NotFastPath("non-string @type")
                        add(subject, v.TYPE, self.iri(t))
                    continue
                raise NotFastPath(f"keyword {key} on a node")
            if ":" not in key:  # also the empty key
                raise NotFastPath(f"term {key!r} needs a term definition")
            predicate = self.iri(key)
            if predicate.startswith("_:"):
                raise NotFastPath("blank-node predicate")
            for item in value if isinstance(value, list) else (value,):
                obj_term = self.value(item)
                if obj_term is not None:
                    add(subject, predicate, obj_term)
        return subject

    def value(self, item: Any) -> Term | None:
        if isinstance(item, str):
            return Literal(item)
        if isinstance(item, dict):
            if "@value" in item:
                return self.literal(item)
            if item.keys() <= {"@id"} and "@id" in item:
                ref = item["@id"]
                if not isinstance(ref, str):
                    raise NotFastPath("non-string @id")
                return self.iri(ref)
            if any(k[:1] == "@" and k not in _NODE_KEYS_OK for k in item):
                raise NotFastPath("keyword in an embedded object")
            return self.node(item)
        if item is None:
            return None
        if isinstance(item, bool):
            return Literal("true" if item else "false", None, v.XSD + "boolean")
        if isinstance(item, int) and abs(item) < 10**21:
            return Literal(str(item), None, v.XSD + "integer")
        raise NotFastPath(f"value of type {type(item).__name__}")

    def literal(self, item: dict[str, Any]) -> Literal:
        text = item["@value"]
        if not isinstance(text, str) or not item.keys() <= {"@value", "@language", "@type"}:
            raise NotFastPath("non-string or decorated @value")
        lang = item.get("@language")
        datatype = item.get("@type")
        if lang is not None:
            if datatype is not None or not isinstance(lang, str) or not _LANG.match(lang):
                raise NotFastPath("unusual language tag")
            return Literal(text, lang.lower(), None)
        if datatype is not None:
            if not isinstance(datatype, str):
                raise NotFastPath("non-string @type")
            expanded = self.iri(datatype)
            if expanded.startswith("_:"):
                raise NotFastPath("blank-node datatype")
            return Literal(text, None, None if expanded == v.XSD_STRING else expanded)
        return Literal(text)


def _prefixes(context: Any) -> dict[str, str]:
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise NotFastPath("context is not an inline object")
    prefixes: dict[str, str] = {}
    for name, iri in context.items():
        if not isinstance(iri, str) or not name or name.startswith("@") or ":" in name:
            raise NotFastPath(f"context entry {name!r} is more than a prefix")
        if not iri.endswith(_GEN_DELIMS) or not _ABSOLUTE.match(iri):
            raise NotFastPath(f"context entry {name!r} cannot serve as a prefix")
        prefixes[name] = iri
    for name, iri in prefixes.items():
        scheme, _, rest = iri.partition(":")
        if scheme in prefixes and not rest.startswith("//"):
            # "x": "dct:sub/" is a compact IRI, expanded through the "dct" prefix
            raise NotFastPath(f"context entry {name!r} is a compact IRI")
    return prefixes


def parse_graph(document: Any) -> Graph:
    """Triples of an already-decoded compact JSON-LD document.

    Raises ``NotFastPath`` for anything outside the simple CKAN shape.
    """
    if isinstance(document, list):
        walker = _Walker(None)
        nodes: Any = document
    elif isinstance(document, dict):
        walker = _Walker(document.get("@context"))
        extra = document.keys() - {"@context", "@graph"}
        if "@graph" in document:
            if extra:
                raise NotFastPath("named or decorated top-level graph")
            nodes = document["@graph"]
        else:
            nodes = [{k: val for k, val in document.items() if k != "@context"}]
    else:
        raise NotFastPath("not a JSON object or array")
    if not isinstance(nodes, list):
        nodes = [nodes]
    for node in nodes:
        if not isinstance(node, dict) or "@value" in node or "@context" in node:
            raise NotFastPath("unexpected item in @graph")
        if "@id" in node and len(node) == 1:
            continue  # a bare reference states nothing
        walker.node(node)
    return walker.graph
