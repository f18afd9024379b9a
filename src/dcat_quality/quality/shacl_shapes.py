"""SHACL shapes compiled to plain data: what the native validator runs.

``shacl_compile`` turns a SHACL shapes graph (the official SEMIC files, read in place)
into a ``ShapeSet``; ``shacl_engine`` evaluates one. The set is stored as JSON beside this
module (``shapes/*.json``), with the source files, their repository commit, and their
licence, so the chain needs neither the Turtle files nor rdflib.

A constraint is a tuple ``(kind, argument)``; the kinds are the SHACL core constraint
components the engine implements (``CONSTRAINT_KINDS``). Terms are plain values: an IRI
is a ``str``, a literal a ``[value, lang, datatype]`` list in JSON and a ``Literal`` in
memory, as in ``dcat.graph``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dcat_quality.dcat.graph import Literal, Term

#: Constraint kinds in the order the engine checks them (and reports their results).
CONSTRAINT_KINDS: tuple[str, ...] = (
    "minCount",
    "maxCount",
    "nodeKind",
    "datatype",
    "class",
    "in",
    "hasValue",
    "pattern",
    "node",
    "or",
)

Constraint = tuple[str, Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """A node shape (``path`` None) or a property shape, compiled.

    ``id`` is the shape's IRI, or for a blank shape a stable name made from its parent
    (``…/Dataset_Shape#property-3``), so that a result can always name its source shape.
    ``targets`` are the ``sh:targetClass`` classes (node shapes only); ``properties``
    the ``sh:property`` shapes; ``constraints`` the shape's own constraints.
    """

    id: str
    path: str | None = None
    inverse: bool = False
    severity: str = "Violation"
    message: str | None = None
    name: str | None = None
    targets: tuple[str, ...] = ()
    properties: tuple[Shape, ...] = ()
    constraints: tuple[Constraint, ...] = ()


@dataclass(frozen=True, slots=True)
class ShapeSet:
    """The compiled shapes of one validation case, with where they come from."""

    name: str
    version: str
    files: tuple[str, ...]
    source: str
    licence: str
    shapes: tuple[Shape, ...]  # targeted node shapes, in the files' order
    library: Mapping[str, Shape] = field(default_factory=dict)  # shapes referenced by id


def _term_json(term: Term) -> Any:
    return [term.value, term.lang, term.datatype] if isinstance(term, Literal) else term


def _term_of(data: Any) -> Term:
    if isinstance(data, list):
        return Literal(data[0], data[1], data[2])
    return str(data)


def _argument_json(kind: str, argument: Any) -> Any:
    if kind in ("in",):
        return [_term_json(t) for t in argument]
    if kind == "hasValue":
        return _term_json(argument)
    if kind in ("or",):
        return list(argument)
    if kind == "pattern":
        return list(argument)
    return argument


def _argument_of(kind: str, data: Any) -> Any:
    if kind == "in":
        return tuple(_term_of(t) for t in data)
    if kind == "hasValue":
        return _term_of(data)
    if kind in ("or", "pattern"):
        return tuple(data)
    return data


def shape_json(shape: Shape) -> dict[str, Any]:
    """A shape as JSON-ready data (defaults left out, so the files diff well)."""
    out: dict[str, Any] = {"id": shape.id}
    if shape.path is not None:
        out["path"] = shape.path
    if shape.inverse:
        out["inverse"] = True
    if shape.severity != "Violation":
        out["severity"] = shape.severity
    for key in ("message", "name"):
        if getattr(shape, key) is not None:
            out[key] = getattr(shape, key)
    if shape.targets:
        out["targets"] = list(shape.targets)
    if shape.properties:
        out["properties"] = [shape_json(p) for p in shape.properties]
    if shape.constraints:
        out["constraints"] = [[k, _argument_json(k, a)] for k, a in shape.constraints]
    return out


def shape_of(data: Mapping[str, Any]) -> Shape:
    """The shape ``shape_json`` wrote."""
    return Shape(
        id=data["id"],
        path=data.get("path"),
        inverse=data.get("inverse", False),
        severity=data.get("severity", "Violation"),
        message=data.get("message"),
        name=data.get("name"),
        targets=tuple(data.get("targets", ())),
        properties=tuple(shape_of(p) for p in data.get("properties", ())),
        constraints=tuple((k, _argument_of(k, a)) for k, a in data.get("constraints", ())),
    )


def set_json(shapes: ShapeSet) -> dict[str, Any]:
    """A whole compiled set as JSON-ready data."""
    return {
        "name": shapes.name,
        "version": shapes.version,
        "files": list(shapes.files),
        "source": shapes.source,
        "licence": shapes.licence,
        "shapes": [shape_json(s) for s in shapes.shapes],
        "library": {key: shape_json(s) for key, s in sorted(shapes.library.items())},
    }


def set_of(data: Mapping[str, Any]) -> ShapeSet:
    """The compiled set ``set_json`` wrote."""
    return ShapeSet(
        name=data["name"],
        version=data["version"],
        files=tuple(data["files"]),
        source=data["source"],
        licence=data["licence"],
        shapes=tuple(shape_of(s) for s in data["shapes"]),
        library={key: shape_of(s) for key, s in data["library"].items()},
    )
