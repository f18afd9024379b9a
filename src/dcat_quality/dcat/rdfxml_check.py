"""Structural checks of RDF/XML that pyoxigraph does not make, with line and column.

Real published files break the RDF/XML grammar in ways a lenient parser silently turns
into wrong triples (an ``rdf:resource`` attribute on a node element becomes a property)
or rejects without a position. A single expat pass finds them and says where.
"""

from __future__ import annotations

from xml.parsers import expat

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SEP = "\x1f"
_PARSE_TYPE = RDF_NS + _SEP + "parseType"
_RESOURCE = RDF_NS + _SEP + "resource"
_NODE_ID = RDF_NS + _SEP + "nodeID"
_DATATYPE = RDF_NS + _SEP + "datatype"
#: Attributes that may not appear on a node element (RDF/XML grammar, 7.2.11).
_FORBIDDEN_ON_NODE = frozenset(
    RDF_NS + name
    for name in (
        "resource",
        "datatype",
        "parseType",
        "li",
        "RDF",
        "aboutEach",
        "aboutEachPrefix",
        "bagID",
    )
)


class RdfXmlStructureError(Exception):
    """A grammar violation, with 1-based line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _qname(name: str) -> str:
    namespace, _, local = name.partition(_SEP)
    return f"{{{namespace}}}{local}" if local else name


def check_rdfxml(data: bytes) -> None:
    """Raise ``RdfXmlStructureError`` on the first grammar violation found."""
    parser = expat.ParserCreate(namespace_separator=_SEP)
    # Each open element: "rdf" (the rdf:RDF wrapper), "node", "prop", "prop-empty"
    # (must stay empty), "prop-literal" (text only), "prop-resource" (children are
    # properties), "prop-collection" (children are nodes), "xml" (inside parseType=Literal).
    stack: list[list[str | int]] = []

    def fail(message: str) -> None:
        raise RdfXmlStructureError(
            message, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        if stack and stack[-1][0] == "node":
            kind = "prop"  # the usual element, a node's property: no rule of its parent
        elif not stack:
            kind = "rdf" if name.replace(_SEP, "") == RDF_NS + "RDF" else "node"
        else:
            parent = stack[-1]
            parent_kind = parent[0]
            if parent_kind == "xml":
                stack.append(["xml", 0])
                return
            kind = "node" if parent_kind in ("rdf", "prop", "prop-collection") else "prop"
            if parent_kind == "prop-empty":
                fail(
                    f"property element <{_qname(str(parent[2]))}> has rdf:resource or "
                    f"rdf:nodeID and must be empty, but contains <{_qname(name)}>"
                )
            if parent_kind == "prop-literal":
                fail(
                    f"property element <{_qname(str(parent[2]))}> has rdf:datatype and "
                    f"cannot contain the element <{_qname(name)}>"
                )
            if parent_kind == "prop":
                parent[1] = int(parent[1]) + 1
                if int(parent[1]) > 1:
                    fail(
                        f"property element <{_qname(str(parent[2]))}> holds more than "
                        f"one node element (<{_qname(name)}>)"
                    )
        if kind == "node":
            bad = sorted(a for a in attrs if a.replace(_SEP, "") in _FORBIDDEN_ON_NODE)
            if bad:
                fail(
                    f"rdf:{bad[0].split(_SEP)[-1]} is not allowed on the node element "
                    f"<{_qname(name)}>"
                )
            stack.append([kind, 0, name])
            return
        if kind == "rdf":
            stack.append([kind, 0, name])
            return
        parse_type = attrs.get(_PARSE_TYPE)
        if parse_type == "Literal":
            stack.append(["xml", 0])
        elif parse_type == "Resource":
            stack.append(["prop-resource", 0, name])
        elif parse_type == "Collection":
            stack.append(["prop-collection", 0, name])
        elif _RESOURCE in attrs or _NODE_ID in attrs:
            stack.append(["prop-empty", 0, name])
            # only text here can break the grammar: listen to text until this ends
            parser.CharacterDataHandler = text
        elif _DATATYPE in attrs:
            stack.append(["prop-literal", 0, name])
        else:
            stack.append(["prop", 0, name])

    def end(_name: str) -> None:
        if stack.pop()[0] == "prop-empty":
            parser.CharacterDataHandler = None

    def text(data_text: str) -> None:
        if data_text.strip():
            fail(
                f"property element <{_qname(str(stack[-1][2]))}> has rdf:resource or "
                f"rdf:nodeID and must be empty, but contains text"
            )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    finally:
        # The handlers close over the parser: a cycle only the garbage collector would
        # free, holding the parser's buffers (tens of MB over a few pages) until then.
        parser.StartElementHandler = parser.EndElementHandler = None
        parser.CharacterDataHandler = None
