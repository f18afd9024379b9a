"""SHACL shapes (Turtle) → a compiled ``ShapeSet``: the shape-compilation half of the harness.

The official shapes are not bundled (they are read in place, ``shared/reference``); what
ships is their compiled form, ``quality/shapes/dcat-ap-<version>.json``, which this module
writes and a test re-derives from the official files to catch any drift:

    python -m dcat_quality.quality.shacl_compile --reference ../shared/reference/dcat-ap-shacl

(``make shapes`` runs it). Only SHACL core is compiled, and only the part the engine
implements (``shacl_shapes.CONSTRAINT_KINDS``, ``sh:targetClass``, predicate and inverse
paths): anything else raises ``UnsupportedShape`` naming the shape and the construct, so a
new shapes file (DCAT-AP HVD, a national profile) never validates silently less than it
says. ``sh:shape``, which the 3.0.x Dataset and PeriodOfTime shapes write where they mean
``sh:node``, is not SHACL: pyshacl ignores it, and so does the compiler.

To compile another shapes file: add a ``CompileSpec`` to ``SPECS`` (or call
``compile_files``) and run the differential test pattern of ``tests/quality/test_shacl.py``
on it (native engine against pyshacl with the same files, on every real dataset).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcat_quality.dcat import rdf
from dcat_quality.dcat.graph import Graph, Literal, Term, is_blank
from dcat_quality.quality.shacl_shapes import (
    CONSTRAINT_KINDS,
    Constraint,
    Shape,
    ShapeSet,
    set_json,
)

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
_TYPE = RDF + "type"
_FIRST, _REST, _NIL = RDF + "first", RDF + "rest", RDF + "nil"

#: Predicates that say something about a shape but constrain nothing.
_DESCRIPTIVE = frozenset(
    SH + name
    for name in (
        "path",
        "severity",
        "message",
        "name",
        "description",
        "order",
        "group",
        "defaultValue",
        "property",
        "targetClass",
        "deactivated",
        "flags",
        "shape",  # not SHACL (3.0.x writes it for sh:node): pyshacl ignores it
    )
)
_KIND = {
    SH + "minCount": "minCount",
    SH + "maxCount": "maxCount",
    SH + "nodeKind": "nodeKind",
    SH + "datatype": "datatype",
    SH + "class": "class",
    SH + "in": "in",
    SH + "hasValue": "hasValue",
    SH + "pattern": "pattern",
    SH + "node": "node",
    SH + "or": "or",
}
_NODE_KINDS = frozenset(
    SH + k
    for k in ("IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral")
)
_SEVERITIES = {SH + "Violation": "Violation", SH + "Warning": "Warning", SH + "Info": "Info"}


class UnsupportedShape(ValueError):
    """A shapes file uses SHACL the engine does not implement (named in the message)."""


@dataclass(frozen=True, slots=True)
class CompileSpec:
    """One validation case to compile: its name, files (relative to the reference
    folder), and the provenance written into the compiled file."""

    version: str
    name: str
    files: tuple[str, ...]
    source: str
    licence: str


_SEMIC_LICENCE = (
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Copyright © European Union; "
    "SEMIC DCAT-AP, https://github.com/SEMICeu/DCAT-AP. Compiled (not copied) by "
    "dcat_quality.quality.shacl_compile."
)

#: The DCAT-AP validation cases shipped compiled: the "Base" case (the version's core
#: shapes file) of the SEMIC validator, which is what decides DCAT-AP compliance.
SPECS: dict[str, CompileSpec] = {
    "3.0.1": CompileSpec(
        "3.0.1",
        "DCAT-AP 3.0.1, Base (SEMIC validator case 3.0.1 base0/base: shapes.ttl)",
        ("3.0.1/shapes.ttl",),
        "SEMICeu/DCAT-AP @ 7c531da7f154794da620fd0e57a3e8afe0286c0f: "
        "releases/3.0.1/html/shacl/shapes.ttl (blob 550615d7479d, release commit 729eddfc)",
        _SEMIC_LICENCE,
    ),
    "2.1.1": CompileSpec(
        "2.1.1",
        "DCAT-AP 2.1.1, Base (SEMIC validator case 2.1.1 base0/base: shacl_shapes.ttl)",
        ("2.1.1/dcat-ap_2.1.1_shacl_shapes.ttl",),
        "SEMICeu/DCAT-AP @ 7c531da7f154794da620fd0e57a3e8afe0286c0f: "
        "releases/2.1.1/dcat-ap_2.1.1_shacl_shapes.ttl (blob 8c44152920e3, release commit "
        "ab32315e)",
        _SEMIC_LICENCE,
    ),
}


class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.library: dict[str, Shape] = {}

    def one(self, node: str, predicate: str) -> Term | None:
        values = self.g.properties(node).get(predicate, ())
        if len(values) > 1:
            raise UnsupportedShape(f"{node}: several values for <{predicate}>")
        return values[0] if values else None

    def items(self, head: Term) -> list[Term]:
        """The members of an RDF list."""
        out: list[Term] = []
        node = head
        while node != _NIL:
            if not isinstance(node, str):
                raise UnsupportedShape(f"a literal in an RDF list: {node!r}")
            props = self.g.properties(node)
            first, rest = props.get(_FIRST, ()), props.get(_REST, ())
            if len(first) != 1 or len(rest) != 1:
                raise UnsupportedShape(f"malformed RDF list at {node}")
            out.append(first[0])
            node = rest[0]
        return out

    def text(self, node: str, predicate: str) -> str | None:
        values = [v for v in self.g.properties(node).get(predicate, ()) if isinstance(v, Literal)]
        if not values:
            return None
        english = [v for v in values if v.lang in ("en", None)]
        return min(english or values, key=lambda v: (v.lang or "", v.value)).value

    def shape(self, node: str, shape_id: str, *, targeted: bool) -> Shape:
        props = self.g.properties(node)
        types = props.get(_TYPE, ())
        if RDFS + "Class" in types or OWL + "Class" in types:
            raise UnsupportedShape(f"{shape_id}: implicit class targets are not supported")
        for predicate in props:
            if (
                predicate.startswith(SH)
                and predicate not in _DESCRIPTIVE
                and predicate not in _KIND
            ):
                raise UnsupportedShape(f"{shape_id}: <{predicate}> is not supported")
        path: str | None = None
        inverse = False
        raw_path = self.one(node, SH + "path")
        if raw_path is not None:
            path, inverse = self.path(raw_path, shape_id)
        severity_term = self.one(node, SH + "severity")
        severity = "Violation"
        if severity_term is not None:
            if not isinstance(severity_term, str) or severity_term not in _SEVERITIES:
                raise UnsupportedShape(f"{shape_id}: severity {severity_term!r}")
            severity = _SEVERITIES[severity_term]
        properties = tuple(
            self.reference(p, f"{shape_id}#property-{index}")
            for index, p in enumerate(props.get(SH + "property", ()))
        )
        if path is not None and properties:
            raise UnsupportedShape(f"{shape_id}: sh:property inside a property shape")
        targets = tuple(t for t in props.get(SH + "targetClass", ()) if isinstance(t, str))
        if targets and not targeted:
            raise UnsupportedShape(f"{shape_id}: a target on a nested shape")
        return Shape(
            id=shape_id,
            path=path,
            inverse=inverse,
            severity=severity,
            message=self.text(node, SH + "message"),
            name=self.text(node, SH + "name") or self.text(node, RDFS + "label"),
            targets=targets,
            properties=properties,
            constraints=self.constraints(node, shape_id),
        )

    def path(self, raw: Term, shape_id: str) -> tuple[str, bool]:
        if isinstance(raw, Literal):
            raise UnsupportedShape(f"{shape_id}: a literal path")
        if not is_blank(raw):
            return raw, False
        inverse = self.g.properties(raw).get(SH + "inversePath", ())
        if len(inverse) == 1 and isinstance(inverse[0], str) and not is_blank(inverse[0]):
            return inverse[0], True
        raise UnsupportedShape(f"{shape_id}: only predicate and inverse paths are supported")

    def reference(self, node: Term, shape_id: str) -> Shape:
        """A shape referenced from another (``sh:property``): compiled inline."""
        if not isinstance(node, str):
            raise UnsupportedShape(f"{shape_id}: a literal where a shape is expected")
        return self.shape(node, node if not is_blank(node) else shape_id, targeted=False)

    def named(self, node: Term, fallback_id: str) -> str:
        """A shape referenced by ``sh:node`` or ``sh:or``: compiled once into the library."""
        if not isinstance(node, str):
            raise UnsupportedShape(f"{fallback_id}: a literal where a shape is expected")
        shape_id = fallback_id if is_blank(node) else node
        if shape_id not in self.library:
            self.library[shape_id] = Shape(id=shape_id)  # a placeholder breaks cycles
            self.library[shape_id] = self.shape(node, shape_id, targeted=False)
        return shape_id

    def constraints(self, node: str, shape_id: str) -> tuple[Constraint, ...]:
        props = self.g.properties(node)
        found: dict[str, Any] = {}
        for predicate, kind in _KIND.items():
            values = props.get(predicate, ())
            if not values:
                continue
            if len(values) > 1:
                raise UnsupportedShape(f"{shape_id}: several <{predicate}>")
            found[kind] = self.argument(kind, values[0], node, shape_id)
        return tuple((kind, found[kind]) for kind in CONSTRAINT_KINDS if kind in found)

    def argument(self, kind: str, value: Term, node: str, shape_id: str) -> Any:
        """A constraint's argument, as the engine reads it (``UnsupportedShape`` if odd)."""
        if kind in ("minCount", "maxCount", "pattern"):
            if not isinstance(value, Literal):
                raise UnsupportedShape(f"{shape_id}: {kind} {value!r}")
            if kind != "pattern":
                return int(value.value)
            flags = self.one(node, SH + "flags")
            return (value.value, flags.value if isinstance(flags, Literal) else "")
        if kind == "nodeKind":
            if value not in _NODE_KINDS:
                raise UnsupportedShape(f"{shape_id}: nodeKind {value!r}")
            return str(value)[len(SH) :]
        if kind in ("datatype", "class") and (not isinstance(value, str) or is_blank(value)):
            raise UnsupportedShape(f"{shape_id}: {kind} {value!r}")
        if kind == "in":
            return tuple(self.items(value))
        if kind == "node":
            return self.named(value, f"{shape_id}#node")
        if kind == "or":
            return tuple(
                self.named(member, f"{shape_id}#or-{index}")
                for index, member in enumerate(self.items(value))
            )
        return value  # datatype, class, hasValue: the term itself


def read_shapes_graph(paths: Iterable[Path]) -> Graph:
    """The union of the Turtle files, as our ``Graph`` (document order kept)."""
    graph = Graph()
    for path in paths:
        for subject, props in rdf.parse_graph(path.read_bytes(), "turtle").items():
            for predicate, objects in props.items():
                for obj in objects:
                    graph.add(subject, predicate, obj)
    return graph


def compile_graph(graph: Graph, spec: CompileSpec) -> ShapeSet:
    """Every targeted node shape of ``graph``, compiled."""
    compiler = _Compiler(graph)
    shapes = []
    for subject, props in graph.items():
        if not props.get(SH + "targetClass"):
            continue
        if is_blank(subject):
            raise UnsupportedShape("a targeted blank-node shape has no stable name")
        if SH + "path" in props:
            raise UnsupportedShape(f"{subject}: a targeted property shape")
        if any(
            SH + name in props for name in ("targetNode", "targetSubjectsOf", "targetObjectsOf")
        ):
            raise UnsupportedShape(f"{subject}: only sh:targetClass targets are supported")
        deactivated = props.get(SH + "deactivated", ())
        if any(isinstance(d, Literal) and d.value == "true" for d in deactivated):
            continue
        shapes.append(compiler.shape(subject, subject, targeted=True))
    for subject, props in graph.items():  # targets written some other way are refused
        for name in ("targetNode", "targetSubjectsOf", "targetObjectsOf"):
            if props.get(SH + name):
                raise UnsupportedShape(f"{subject}: sh:{name} is not supported")
    return ShapeSet(
        name=spec.name,
        version=spec.version,
        files=spec.files,
        source=spec.source,
        licence=spec.licence,
        shapes=tuple(shapes),
        library=compiler.library,
    )


def compile_files(reference: Path, spec: CompileSpec) -> ShapeSet:
    """The spec's files (under ``reference``), read in place and compiled."""
    return compile_graph(read_shapes_graph(reference / f for f in spec.files), spec)


def bundled_path(version: str) -> Path:
    """Where the compiled shapes of a DCAT-AP version ship."""
    return Path(__file__).parent / "shapes" / f"dcat-ap-{version}.json"


def dump(shapes: ShapeSet) -> str:
    """The JSON text of a compiled set, as the bundled files hold it."""
    return json.dumps(set_json(shapes), indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Recompile the bundled shapes from the official files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reference",
        type=Path,
        required=True,
        help="the folder holding the SEMIC files (2.1.1/, 3.0.1/)",
    )
    parser.add_argument("--version", choices=sorted(SPECS), action="append")
    args = parser.parse_args(argv)
    for version in args.version or sorted(SPECS):
        shapes = compile_files(args.reference, SPECS[version])
        bundled_path(version).write_text(dump(shapes), encoding="utf-8")
        print(f"{bundled_path(version)}: {len(shapes.shapes)} targeted shapes")


if __name__ == "__main__":
    main()
