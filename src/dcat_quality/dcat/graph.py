"""A small in-memory index of one page's triples, shared by both parsing paths.

Terms are plain Python values so the two paths can build identical graphs cheaply:
an IRI is a ``str``, a blank node a ``str`` starting with ``_:`` (no IRI can: ``_`` is not
a scheme), and a literal a ``Literal``. ``datatype`` is ``None`` for plain and
language-tagged strings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeAlias, TypeGuard


class Literal(NamedTuple):
    """An RDF literal: lexical value, lower-case language tag, datatype IRI."""

    value: str
    lang: str | None = None
    datatype: str | None = None


Term: TypeAlias = str | Literal

#: ``new_tuple(Literal, (value, lang, datatype))`` builds a literal the way ``tuple``
#: does. The NamedTuple constructor is a Python call, and pages hold hundreds of thousands
#: of literals: both parsing paths build theirs with this.
new_tuple = tuple.__new__

#: Up to this many objects per (subject, predicate), duplicates are found by a list scan;
#: beyond it a set takes over, so 20,000 keywords cost linear, not quadratic, time.
_LINEAR = 16


_NO_PROPERTIES: dict[str, list[Term]] = {}


def is_blank(term: Term) -> TypeGuard[str]:
    """True for a blank-node identifier (a ``str``, for the type checker too)."""
    return isinstance(term, str) and term.startswith("_:")


def is_iri(term: Term) -> TypeGuard[str]:
    """True for an IRI (a ``str``, for the type checker too)."""
    return isinstance(term, str) and not term.startswith("_:")


class Graph:
    """Subject → predicate → objects, plus the reverse of ``dcat:dataset`` links."""

    __slots__ = ("_index", "_large", "triples")

    def __init__(self) -> None:
        self._index: dict[str, dict[str, list[Term]]] = {}
        self._large: dict[tuple[str, str], set[Term]] = {}
        self.triples = 0

    def add(self, subject: str, predicate: str, obj: Term) -> None:
        """Add one triple (duplicates are kept once)."""
        props = self._index.get(subject)
        if props is None:
            props = self._index[subject] = {}
        values = props.get(predicate)
        if values is None:
            props[predicate] = [obj]
        elif len(values) < _LINEAR:
            if obj in values:
                return
            values.append(obj)
        else:
            seen = self._large.get((subject, predicate))
            if seen is None:
                seen = self._large[(subject, predicate)] = set(values)
            if obj in seen:
                return
            seen.add(obj)
            values.append(obj)
        self.triples += 1

    def merge(self, subject: str, props: dict[str, list[Term]]) -> None:
        """Add every (predicate, objects) of one node at once; ``props`` is taken over.

        The usual case, a subject seen for the first time, costs one dict store per node
        instead of one ``add`` per triple.
        """
        known = self._index.get(subject)
        if known is not None:
            for predicate, objects in props.items():
                for obj in objects:
                    self.add(subject, predicate, obj)
            return
        count = 0
        for predicate, objects in props.items():
            size = len(objects)
            if size > 1:
                unique = list(dict.fromkeys(objects))
                if len(unique) != size:
                    props[predicate] = unique
                    size = len(unique)
            count += size
        self._index[subject] = props
        self.triples += count

    def objects(self, subject: Term, predicate: str) -> list[Term]:
        """Objects of (subject, predicate), in no meaningful order."""
        return self.properties(subject).get(predicate, [])

    def properties(self, subject: Term) -> dict[str, list[Term]]:
        """Predicate → objects of a subject; empty for a literal or an unknown node.

        One lookup for all of a node's properties: extraction reads a dozen of each.
        The dict is the graph's own: read it, do not change it.
        """
        if isinstance(subject, str):
            return self._index.get(subject, _NO_PROPERTIES)
        return _NO_PROPERTIES

    def lookup(self) -> Callable[[str], dict[str, list[Term]] | None]:
        """``subject → properties or None`` for IRIs and blank nodes only: the bare dict
        lookup, for loops that walk thousands of nodes (``properties`` also accepts a
        literal, at the cost of a type test per call). Read the dicts, do not change them."""
        return self._index.get

    def has(self, subject: Term) -> bool:
        """True when the subject is described by at least one triple."""
        return isinstance(subject, str) and subject in self._index

    def subjects_with(self, predicate: str, obj: Term) -> list[str]:
        """Subjects having (predicate, obj): a linear scan, used for rare lookups."""
        return [s for s, props in self._index.items() if obj in props.get(predicate, ())]

    def items(self) -> list[tuple[str, dict[str, list[Term]]]]:
        """All subjects with their properties."""
        return list(self._index.items())
