"""Native evaluation of compiled SHACL shapes over one dataset's subgraph.

The validation half of the harness (``shacl_compile`` is the other): given a
``ShapeSet`` and the nodes whose triples make a data graph, it reports what pyshacl
reports for the same shapes and graph — same focus nodes, paths, constraint components,
severities and values (``tests/quality/test_shacl.py`` checks it on every real dataset,
both DCAT-AP versions, and on generated graphs). The semantics followed, from SHACL core
as pyshacl 0.40 implements it:

* focus nodes of ``sh:targetClass C``: nodes typed ``C`` or a subclass of ``C`` by
  ``rdfs:subClassOf`` triples of the data graph (no other inference);
* value nodes: the distinct objects (or, for an inverse path, subjects) of the path;
* ``sh:minCount``/``maxCount``/``hasValue``: one result per focus node; the other
  constraints: one per failing value node; ``sh:datatype`` as ``quality.xsd`` says;
  ``sh:class`` through the data graph's types only; ``sh:node``/``sh:or``: a value
  conforms to a nested shape when that shape reports nothing about it, at any severity;
* each result carries the severity of the shape declaring the constraint (default
  ``Violation``). Warnings and infos are reported but never make a dataset fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dcat_quality.dcat.graph import Graph, Literal, Term, is_blank
from dcat_quality.quality.shacl_shapes import Shape, ShapeSet
from dcat_quality.quality.xsd import matches_datatype

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

_NO_PROPS: dict[str, list[Term]] = {}

#: Prefixes used to write paths and classes in messages.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("dct:", "http://purl.org/dc/terms/"),
    ("dcat:", "http://www.w3.org/ns/dcat#"),
    ("dcatap:", "http://data.europa.eu/r5r/"),
    ("foaf:", "http://xmlns.com/foaf/0.1/"),
    ("vcard:", "http://www.w3.org/2006/vcard/ns#"),
    ("adms:", "http://www.w3.org/ns/adms#"),
    ("skos:", "http://www.w3.org/2004/02/skos/core#"),
    ("locn:", "http://www.w3.org/ns/locn#"),
    ("spdx:", "http://spdx.org/rdf/terms#"),
    ("prov:", "http://www.w3.org/ns/prov#"),
    ("odrl:", "http://www.w3.org/ns/odrl/2/"),
    ("time:", "http://www.w3.org/2006/time#"),
    ("xsd:", "http://www.w3.org/2001/XMLSchema#"),
    ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
    ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
)


@lru_cache(maxsize=4096)
def curie(iri: str) -> str:
    """``dct:title`` for ``http://purl.org/dc/terms/title``; other IRIs in brackets."""
    for prefix, namespace in PREFIXES:
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return f"<{iri}>"


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL validation result: the node, the property, what is wrong, and where
    the constraint comes from. ``severity`` is ``Violation``, ``Warning`` or ``Info``;
    only ``Violation`` makes a dataset non-compliant."""

    focus: str
    path: str
    message: str
    severity: str
    constraint: str
    value: Term | None = None
    shape: str = ""


#: sh:nodeKind tests, called as value checks (value, data); terms are ``str`` or ``Literal``.
_KIND_OK: dict[str, Callable[[Term, object], bool]] = {
    "IRI": lambda t, _: t.__class__ is str and not t.startswith("_:"),
    "BlankNode": lambda t, _: t.__class__ is str and t.startswith("_:"),
    "Literal": lambda t, _: t.__class__ is not str,
    "BlankNodeOrIRI": lambda t, _: t.__class__ is str,
    "BlankNodeOrLiteral": lambda t, _: t.__class__ is not str or t.startswith("_:"),
    "IRIOrLiteral": lambda t, _: t.__class__ is not str or not t.startswith("_:"),
}
_KIND_TEXT = {
    "IRI": "an IRI",
    "BlankNode": "a blank node",
    "Literal": "a literal",
    "BlankNodeOrIRI": "an IRI or a blank node",
    "BlankNodeOrLiteral": "a blank node or a literal",
    "IRIOrLiteral": "an IRI or a literal",
}
#: Nested-shape verdicts remembered per value (dates, formats) before the memo is emptied.
_MEMO_SIZE = 4096
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: str) -> re.Pattern[str]:
    value = 0
    for flag in flags:
        value |= _FLAGS.get(flag, 0)
    return re.compile(pattern, value)


def show(term: Term) -> str:
    """A value as a message shows it (long literals cut)."""
    if isinstance(term, Literal):
        text = term.value if len(term.value) <= 60 else term.value[:57] + "..."
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        if term.lang:
            return f'"{text}"@{term.lang}'
        return f'"{text}"^^{curie(term.datatype)}' if term.datatype else f'"{text}"'
    return "a blank node" if is_blank(term) else f"<{term}>"


class _Data:
    """The data graph of one validation: the given nodes' triples, nothing else."""

    __slots__ = ("props_of", "reverse", "supers")

    def __init__(self, graph: Graph, nodes: Sequence[str]) -> None:
        get = graph.lookup()
        props_of: dict[str, dict[str, list[Term]]] = {}
        supers: dict[str, set[str]] = {}
        for node in nodes:  # one lookup per node, read by everything below
            props = props_of[node] = get(node) or _NO_PROPS
            parents = props.get(SUBCLASS_OF)
            if parents:
                supers.setdefault(node, set()).update(p for p in parents if isinstance(p, str))
        self.props_of = props_of
        self.reverse: dict[str, dict[str, list[str]]] = {}
        self.supers = supers

    def props(self, node: Term) -> Mapping[str, list[Term]]:
        """A node's triples if the graph holds them (a literal never is a key)."""
        return self.props_of.get(node, _NO_PROPS)  # type: ignore[arg-type]  # a literal is never a key: default

    def is_instance(self, node: Term, cls: str) -> bool:
        types = self.props(node).get(RDF_TYPE, ())
        if cls in types:
            return True
        if not self.supers:
            return False
        seen: set[str] = set()
        todo = [t for t in types if isinstance(t, str)]
        while todo:
            current = todo.pop()
            if current == cls:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(self.supers.get(current, ()))
        return False

    def subjects(self, predicate: str, obj: str) -> list[str]:
        index = self.reverse.get(predicate)
        if index is None:
            index = self.reverse[predicate] = {}
            for node, props in self.props_of.items():
                for value in props.get(predicate, ()):
                    if isinstance(value, str):
                        index.setdefault(value, []).append(node)
        return index.get(obj, [])


class _Plan:
    """A shape prepared for the per-node loop (built once per ``Validator``).

    Property shapes are split into those that must run on every focus node (a minimum
    count or a required value can fail with no value) and those that can only fail on a
    value, looked up by the focus node's own properties: a node with 12 properties is
    checked against the shapes of those 12, not against all 40 of a Dataset shape.
    """

    __slots__ = (
        "always",
        "by_path",
        "checks",
        "has_value",
        "max_count",
        "min_count",
        "path",
        "result_path",
        "shape",
        "value_only",
    )

    def __init__(self, shape: Shape, validator: Validator) -> None:
        self.shape = shape
        self.path = shape.path
        self.result_path = "" if shape.path is None else ("^" if shape.inverse else "") + shape.path
        self.min_count = 0
        self.max_count: int | None = None
        self.has_value: Term | None = None
        self.checks: list[tuple[str, Any, Callable[[Term, _Data], bool]]] = []
        for kind, arg in shape.constraints:
            if kind == "minCount":
                self.min_count = arg
            elif kind == "maxCount":
                self.max_count = arg
            elif kind == "hasValue":
                self.has_value = arg
            else:
                self.checks.append((kind, arg, validator.value_check(kind, arg)))
        self.always: list[_Plan] = []
        self.by_path: dict[str, list[_Plan]] = {}
        for prop in shape.properties:
            plan = _Plan(prop, validator)
            if prop.inverse or plan.min_count > 0 or plan.has_value is not None:
                self.always.append(plan)
            else:
                assert prop.path is not None
                self.by_path.setdefault(prop.path, []).append(plan)
        # Whether conformance depends on the value alone (no property, no class, nested
        # shapes alike): then it is remembered per value (dates repeat on every dataset).
        self.value_only = not shape.properties and all(
            kind in ("nodeKind", "datatype", "in", "pattern")
            or (kind == "node" and validator.value_only(arg))
            or (kind == "or" and all(validator.value_only(m) for m in arg))
            for kind, arg in shape.constraints
        )


class Validator:
    """A ``ShapeSet`` ready to run: shapes by target class, nested shapes by id."""

    def __init__(self, shapes: ShapeSet) -> None:
        self.shapes = shapes
        self.library: dict[str, _Plan] = {}
        self._memo: dict[tuple[str, Term], bool] = {}
        for shape_id in shapes.library:
            self.plan(shape_id)
        self.targets: dict[str, list[_Plan]] = {}
        for shape in shapes.shapes:
            plan = _Plan(shape, self)
            for cls in shape.targets:
                self.targets.setdefault(cls, []).append(plan)
        self._target_classes = frozenset(self.targets)

    def validate(self, graph: Graph, nodes: Sequence[str]) -> list[Violation]:
        """The results of every targeted shape on the graph made of ``nodes``' triples."""
        data = _Data(graph, nodes)
        out: list[Violation] = []
        targets = self._target_classes
        for node, props in data.props_of.items():
            types = props.get(RDF_TYPE)
            if not types:
                continue
            if data.supers:
                matched = [cls for cls in self.targets if data.is_instance(node, cls)]
            elif targets.isdisjoint(types):
                continue
            else:
                matched = [cls for cls in types if cls in targets]
            if len(matched) == 1 and len(self.targets[matched[0]]) == 1:  # the usual case
                plan = self.targets[matched[0]][0]
                self._node(plan, node, data, out, plan.shape.name or "node")
                continue
            seen: set[str] = set()
            for cls in matched:
                for plan in self.targets[cls]:
                    if plan.shape.id not in seen:  # a shape matched through two classes
                        seen.add(plan.shape.id)
                        self._node(plan, node, data, out, plan.shape.name or "node")
        return out

    def plan(self, shape_id: str) -> _Plan:
        """The prepared nested shape ``shape_id`` (prepared on first use)."""
        plan = self.library.get(shape_id)
        if plan is None:
            plan = self.library[shape_id] = _Plan(self.shapes.library[shape_id], self)
        return plan

    def value_only(self, shape_id: str) -> bool:
        return self.plan(shape_id).value_only

    def conforms(self, shape_id: str, node: Term, data: _Data) -> bool:
        """True when the nested shape reports nothing about ``node``, at any severity."""
        plan = self.library[shape_id]
        if not plan.value_only:
            return self._node_ok(plan, node, data)
        key = (shape_id, node)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            found = self._memo[key] = self._node_ok(plan, node, data)
        return found

    def _node_ok(self, plan: _Plan, focus: Term, data: _Data) -> bool:
        if not self._values_ok(plan, (focus,), data):
            return False
        props = data.props(focus)
        for prop in plan.always:
            if prop.shape.inverse:
                assert prop.path is not None
                values: Sequence[Term] = (
                    data.subjects(prop.path, focus) if isinstance(focus, str) else ()
                )
            else:
                values = props.get(prop.path, ())  # type: ignore[arg-type]
            if not self._values_ok(prop, values, data):
                return False
        by_path = plan.by_path
        if by_path:
            for path, values in props.items():
                for prop in by_path.get(path, ()):
                    if not self._values_ok(prop, values, data):
                        return False
        return True

    @staticmethod
    def _values_ok(plan: _Plan, values: Sequence[Term], data: _Data) -> bool:
        count = len(values)
        if count < plan.min_count or (plan.max_count is not None and count > plan.max_count):
            return False
        if plan.has_value is not None and plan.has_value not in values:
            return False
        for _, _, ok in plan.checks:
            for value in values:
                if not ok(value, data):
                    return False
        return True

    def _node(self, plan: _Plan, focus: Term, data: _Data, out: list[Violation], noun: str) -> None:
        """A node shape (or the node-level part of one) on one focus node."""
        if plan.checks or plan.min_count or plan.max_count is not None or plan.has_value:
            self._values(plan, focus, (focus,), data, out, noun)
        props = data.props(focus)
        for prop in plan.always:
            if prop.shape.inverse:
                assert prop.path is not None
                values: Sequence[Term] = (
                    data.subjects(prop.path, focus) if isinstance(focus, str) else ()
                )
            else:
                values = props.get(prop.path, ())  # type: ignore[arg-type]
            self._values(prop, focus, values, data, out, noun)
        by_path = plan.by_path
        if by_path:
            for path, values in props.items():
                plans = by_path.get(path)
                if plans is not None:
                    for prop in plans:
                        self._values(prop, focus, values, data, out, noun)

    def _values(
        self,
        plan: _Plan,
        focus: Term,
        values: Sequence[Term],
        data: _Data,
        out: list[Violation],
        noun: str,
    ) -> None:
        count = len(values)
        if count < plan.min_count:
            self._report(
                plan,
                focus,
                noun,
                "minCount",
                None,
                f"{count} value(s), at least {plan.min_count} required",
                out,
            )
        if plan.max_count is not None and count > plan.max_count:
            self._report(
                plan,
                focus,
                noun,
                "maxCount",
                None,
                f"{count} values, at most {plan.max_count} allowed",
                out,
            )
        if plan.has_value is not None and plan.has_value not in values:
            self._report(
                plan,
                focus,
                noun,
                "hasValue",
                None,
                f"the value {show(plan.has_value)} is required",
                out,
            )
        for kind, arg, ok in plan.checks:
            for value in values:
                if not ok(value, data):
                    problem = self._problem(kind, arg)
                    self._report(plan, focus, noun, kind, value, f"{show(value)} {problem}", out)

    @staticmethod
    def _report(
        plan: _Plan,
        focus: Term,
        noun: str,
        kind: str,
        value: Term | None,
        message: str,
        out: list[Violation],
    ) -> None:
        shape = plan.shape
        where = (
            noun
            if shape.path is None
            else (f"{noun} {'^' if shape.inverse else ''}{curie(shape.path)}")
        )
        text = f"{where}: {message}" + (f" ({shape.message})" if shape.message else "")
        focus_id = focus if isinstance(focus, str) else ""
        out.append(
            Violation(focus_id, plan.result_path, text, shape.severity, kind, value, shape.id)
        )

    def value_check(self, kind: str, arg: Any) -> Callable[[Term, _Data], bool]:
        """The test one value constraint makes on a value node."""
        if kind == "nodeKind":
            return _KIND_OK[arg]
        if kind == "datatype":
            return lambda value, data: (
                isinstance(value, Literal)
                and matches_datatype(value.value, value.lang, value.datatype, arg)
            )
        if kind == "class":
            return lambda value, data: (
                not isinstance(value, Literal) and data.is_instance(value, arg)
            )
        if kind == "in":
            return lambda value, data: value in arg
        if kind == "pattern":
            regex = _regex(arg[0], arg[1])
            return lambda value, data: (
                not is_blank(value)
                and (regex.search(value.value if isinstance(value, Literal) else value) is not None)
            )
        if kind == "node":
            return lambda value, data: self.conforms(arg, value, data)
        if kind == "or":
            return lambda value, data: any(self.conforms(m, value, data) for m in arg)
        raise ValueError(f"unknown constraint kind {kind!r}")

    def _problem(self, kind: str, arg: Any) -> str:
        """What a failed value constraint says about the value."""
        if kind == "nodeKind":
            return f"is not {_KIND_TEXT[arg]}"
        if kind == "datatype":
            return f"is not a well-formed {curie(arg)} literal"
        if kind == "class":
            return f"is not typed {curie(arg)}"
        if kind == "in":
            return "is not one of the allowed values"
        if kind == "pattern":
            return f"does not match the pattern {arg[0]!r}"
        if kind == "node":
            nested = self.library[arg].shape
            return f"does not conform to {nested.name or curie(arg)}" + (
                f": {nested.message}" if nested.message else ""
            )
        return "conforms to none of the allowed shapes"
