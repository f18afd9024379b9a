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
from typing import Any, TypeVar

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term, new_tuple


class NotFastPath(Exception):
    """The page uses JSON-LD the fast path does not handle; use pyoxigraph."""


_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_GEN_DELIMS = tuple(":/?#[]@")
_NODE_KEYS_OK = frozenset({"@id", "@type"})
_GENERATED = "_:fastpath~"  # labels of blank nodes without @id

_LITERAL_KEYS = frozenset({"@value", "@language", "@type"})
_CACHE_LIMIT = 4096
_V = TypeVar("_V")


def _remember(memo: dict[str, _V], key: str, value: _V) -> _V:
    """Store ``value`` in one of a walk's memos, unless it is full (a page of a million
    distinct IRIs must not double its memory); return it."""
    if len(memo) < _CACHE_LIMIT:
        memo[key] = value
    return value


class _Walker:
    """One page's walk. The hot loop handles the two shapes CKAN writes almost every
    value in (a plain string, a one-key ``{"@id": …}`` reference) inline, and memoises
    what pages repeat thousands of times: property and type names, schemes, language
    tags and datatypes."""

    __slots__ = (
        "blank_counter",
        "datatypes",
        "expanded",
        "graph",
        "langs",
        "prefixes",
        "schemes",
    )

    def __init__(self, context: Any) -> None:
        self.prefixes = _prefixes(context)
        self.graph = Graph()
        self.blank_counter = 0
        self.expanded: dict[str, str] = {}
        self.schemes: dict[str, bool] = {}
        self.langs: dict[str, str] = {}
        self.datatypes: dict[str, str] = {}  # "" for xsd:string, which is no datatype

    def iri(self, text: str) -> str:
        """Expand a compact or absolute IRI; blank-node ids pass through."""
        found = self.expanded.get(text)
        if found is not None:
            return found
        return _remember(self.expanded, text, self._expand(text))

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
            # ``prefix`` is everything before the first colon, so it is a scheme exactly
            # when the whole IRI starts with one.
            is_scheme = self.schemes.get(prefix)
            if is_scheme is None:
                is_scheme = _remember(self.schemes, prefix, _ABSOLUTE.match(text) is not None)
            if is_scheme:
                return text
        raise NotFastPath(f"relative IRI {text!r}")

    def predicate(self, key: str) -> str:
        found = self.expanded.get(key)
        if found is not None:
            return found
        if ":" not in key:  # also the empty key
            raise NotFastPath(f"term {key!r} needs a term definition")
        found = self.iri(key)
        if found.startswith("_:"):
            raise NotFastPath("blank-node predicate")
        return found

    def node(self, obj: dict[str, Any]) -> str:
        """Emit a node object's triples; return its subject."""
        raw_id = obj.get("@id")
        if raw_id is None:
            self.blank_counter += 1
            subject = f"{_GENERATED}{self.blank_counter}"
        elif type(raw_id) is str:
            subject = self.iri(raw_id)
        else:
            raise NotFastPath("non-string @id")
        props: dict[str, list[Term]] = {}
        for key, value in obj.items():
            if key[:1] == "@":
                if key == "@id":
                    continue
                if key != "@type":
                    raise NotFastPath(f"keyword {key} on a node")
                predicate = v.TYPE
                terms: list[Term] = []
                for t in value if type(value) is list else (value,):
                    if type(t) is not str:
                        raise NotFastPath("non-string @type")
                    terms.append(self.iri(t))
            else:
                predicate = self.predicate(key)
                terms = self.values(value)
            if not terms:
                continue
            known = props.get(predicate)
            if known is None:
                props[predicate] = terms
            else:  # two spellings of one property (prefixed and absolute)
                known.extend(terms)
        if props:
            self.graph.merge(subject, props)
        return subject

    def values(self, value: Any) -> list[Term]:
        """The objects of one property value (a JSON value or array of them)."""
        out: list[Term] = []
        cached_iri = self.expanded.get
        for item in value if type(value) is list else (value,):
            kind = type(item)
            if kind is str:
                out.append(new_tuple(Literal, (item, None, None)))
            elif kind is dict:
                if "@value" in item:
                    out.append(self.literal(item))
                elif len(item) == 1 and "@id" in item:
                    ref = item["@id"]
                    if type(ref) is not str:
                        raise NotFastPath("non-string @id")
                    out.append(cached_iri(ref) or self.iri(ref))
                elif any(k[:1] == "@" and k not in _NODE_KEYS_OK for k in item):
                    raise NotFastPath("keyword in an embedded object")
                else:
                    out.append(self.node(item))
            elif item is None:
                continue
            elif kind is bool:
                out.append(Literal("true" if item else "false", None, v.XSD + "boolean"))
            elif kind is int and abs(item) < 10**21:
                out.append(Literal(str(item), None, v.XSD + "integer"))
            else:
                raise NotFastPath(f"value of type {kind.__name__}")
        return out

    def literal(self, item: dict[str, Any]) -> Literal:
        text = item["@value"]
        if type(text) is not str:
            raise NotFastPath("non-string or decorated @value")
        size = len(item)
        lang = item.get("@language")
        datatype = item.get("@type")
        # a key count that the two keys read do not explain: check the whole set
        # ("@language": null and the like pass)
        if (
            size > 1
            and size != (lang is not None) + (datatype is not None) + 1
            and not item.keys() <= _LITERAL_KEYS
        ):
            raise NotFastPath("non-string or decorated @value")
        if lang is not None:
            if datatype is not None or type(lang) is not str:
                raise NotFastPath("unusual language tag")
            lowered = self.langs.get(lang)
            if lowered is None:
                if not _LANG.match(lang):
                    raise NotFastPath("unusual language tag")
                lowered = _remember(self.langs, lang, lang.lower())
            return new_tuple(Literal, (text, lowered, None))
        if datatype is not None:
            if type(datatype) is not str:
                raise NotFastPath("non-string @type")
            expanded = self.datatypes.get(datatype)
            if expanded is None:
                iri = self.iri(datatype)
                if iri.startswith("_:"):
                    raise NotFastPath("blank-node datatype")
                expanded = _remember(self.datatypes, datatype, "" if iri == v.XSD_STRING else iri)
            return new_tuple(Literal, (text, None, expanded or None))
        return new_tuple(Literal, (text, None, None))


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
