"""Structural checks of RDF/XML that pyoxigraph does not make, with line and column,
and the few repairs the established harvesters make.

Real published files break the RDF/XML grammar in ways a lenient parser silently turns
into wrong triples (an ``rdf:resource`` attribute on a node element becomes a property)
or rejects without a position. A single expat pass finds them and says where.

What rdflib (and so ckanext-dcat and udata) reads is read here too, never silently: each
case becomes an ``RdfFinding`` with its position (see ``docs/catalogues-geo.md``):

* ``resource_with_text``: a property element with ``rdf:resource`` and text (GeoNetwork
  writes ``<dcat:theme rdf:resource="…">Label</dcat:theme>``): the IRI is the value, as
  rdflib reads it, and the text is kept as the IRI's ``rdfs:label``;
* ``csw_envelope``: RDF/XML records inside a CSW ``GetRecords`` / ``GetRecordById``
  response: each ``rdf:RDF`` element inside is read, as udata's CSW-DCAT harvester does;
* ``relative_iri``: a relative ``rdf:about`` / ``rdf:resource`` (GeoNetwork without its
  site URL), resolved against the page's address as RDF/XML says, but the dataset's
  identity then depends on where the page was read;
* ``iso639_2_language``: ``xml:lang="fre"``, an ISO 639-2 code where BCP 47 wants ``fr``
  (the text rule already reads it as French).

Everything else that breaks the grammar (a node element with ``rdf:resource``, two node
elements in one property, ``rdf:datatype`` with child elements) is still refused with its
line and column: rdflib refuses those too, and no reading of them is certain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NoReturn
from xml.parsers import expat

from dcat_quality.dcat.records import RdfFinding

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


CSW_NAMESPACES = frozenset(
    {"http://www.opengis.net/cat/csw/2.0.2", "http://www.opengis.net/cat/csw/3.0"}
)
_XML_LANG = "http://www.w3.org/XML/1998/namespace" + _SEP + "lang"
_ABOUT = RDF_NS + _SEP + "about"
_RDF_RDF = RDF_NS + "RDF"  # compared with a name whose separator is removed
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
#: ISO 639-2 codes written as language tags, and the BCP 47 tag they mean.
ISO_639_2_TAGS = {
    "fre": "fr",
    "fra": "fr",
    "eng": "en",
    "ger": "de",
    "deu": "de",
    "dut": "nl",
    "nld": "nl",
    "ita": "it",
    "spa": "es",
    "por": "pt",
    "swe": "sv",
    "dan": "da",
    "fin": "fi",
    "pol": "pl",
    "cze": "cs",
    "ces": "cs",
    "gre": "el",
    "ell": "el",
    "hun": "hu",
    "rum": "ro",
    "ron": "ro",
    "bul": "bg",
    "slo": "sk",
    "slk": "sk",
    "slv": "sl",
    "est": "et",
    "lav": "lv",
    "lit": "lt",
    "hrv": "hr",
    "gle": "ga",
    "mlt": "mt",
    "ltz": "lb",
    "roh": "rm",
}


@dataclass
class RdfXmlReport:
    """What the check found: repairs to make, findings to record, the RDF/XML records
    of a CSW envelope (byte ranges), and the ``(IRI, text, lang)`` labels to add."""

    findings: list[RdfFinding] = field(default_factory=list)
    envelope: bool = False
    records: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)
    strip: list[tuple[int, int]] = field(default_factory=list)
    labels: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def needs_rewrite(self) -> bool:
        return self.envelope or bool(self.strip)


class RdfXmlStructureError(Exception):
    """A grammar violation, with 1-based line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _qname(name: str) -> str:
    namespace, _, local = name.partition(_SEP)
    return f"{{{namespace}}}{local}" if local else name


def _tag_end(data: bytes, start: int) -> int:
    """The offset just after the tag starting at ``start`` (quotes may hold ``>``)."""
    quote = 0
    for index in range(start, len(data)):
        byte = data[index]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return index + 1
    return len(data)


def check_rdfxml(data: bytes, base: str | None = None) -> RdfXmlReport:
    """The findings and repairs of an RDF/XML page; ``RdfXmlStructureError`` on the first
    grammar violation no established harvester reads. ``base`` resolves relative IRIs."""
    walk = _Walk(data, base)
    walk.run()
    report = walk.report
    report.findings.extend(_language_findings(walk.seen_langs))
    if report.envelope:
        report.findings.append(
            RdfFinding(
                "csw_envelope",
                1,
                1,
                f"RDF/XML inside a CSW response: read the {len(report.records)} rdf:RDF "
                "record(s) inside it",
                None,
            )
        )
    return report


def _language_findings(
    seen: dict[tuple[str, tuple[str, ...]], list[int]],
) -> list[RdfFinding]:
    """One ``iso639_2_language`` finding per tag and enclosing nodes, at its first use."""
    return [
        RdfFinding(
            "iso639_2_language",
            line,
            column,
            f"xml:lang={lang!r} is an ISO 639-2 code, not a BCP 47 tag "
            f"({count} element(s) here); read as {ISO_639_2_TAGS[lang.lower()]!r}",
            None,
            lang.lower(),
            inside,
        )
        for (lang, inside), (count, line, column) in seen.items()
    ]


@dataclass(slots=True)
class _OpenEmpty:
    """The open property element that must stay empty (``rdf:resource``/``rdf:nodeID``):
    where its content starts, the text read so far and where that text starts."""

    content_start: int
    iri: str | None
    lang: str | None
    text: str = ""
    line: int = 0
    column: int = 0


class _Walk:
    """One expat pass over a page: the element handlers and what they found.

    Each open element has a frame on ``stack``, whose first item is its kind: "rdf" (the
    rdf:RDF wrapper), "node", "prop", "prop-empty" (must stay empty), "prop-literal" (text
    only), "prop-resource" (children are properties), "prop-collection" (children are
    nodes), "xml" (inside parseType=Literal), "env" (a CSW envelope element outside any
    rdf:RDF). A "node" frame holds, fourth, its resolved rdf:about (None for a blank
    node). The handlers are the hot part of reading RDF/XML: the usual element (a node's
    property) takes the shortest way through ``start``.
    """

    def __init__(self, data: bytes, base: str | None) -> None:
        self.data = data
        self.base = base
        self.report = RdfXmlReport()
        self.parser = expat.ParserCreate(namespace_separator=_SEP)
        self.stack: list[list[str | int | None]] = []
        self.langs: list[str | None] = []
        self.scopes: list[list[tuple[str, str]]] = []  # namespace declarations per element
        self.pending: list[tuple[str, str]] = []
        self.seen_langs: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        self.empty = _OpenEmpty(0, None, None)

    def run(self) -> None:
        parser = self.parser
        parser.StartNamespaceDeclHandler = self.namespace
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        try:
            parser.Parse(self.data, True)
        finally:
            # The handlers are bound to this walk, which holds the parser: a cycle only
            # the garbage collector would free, holding the parser's buffers (tens of MB
            # over a few pages) until then.
            parser.StartElementHandler = parser.EndElementHandler = None
            parser.CharacterDataHandler = parser.StartNamespaceDeclHandler = None

    # -- positions and findings

    def where(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def fail(self, message: str) -> NoReturn:
        raise RdfXmlStructureError(message, *self.where())

    def within(self) -> tuple[str, ...]:
        """The IRIs of the open node elements, outermost first."""
        return tuple(str(f[3]) for f in self.stack if f[0] == "node" and f[3] is not None)

    def finding(self, code: str, message: str, iri: str | None = None) -> None:
        line, column = self.where()
        self.report.findings.append(
            RdfFinding(code, line, column, message, iri, None, self.within())
        )

    def resolve(
        self, value: str, attribute: str, node: list[str | int | None] | None = None
    ) -> str:
        """``value`` made absolute; ``node``, the frame of the node element it names."""
        if _SCHEME.match(value):
            if node is not None:
                node[3] = value
            return value
        from urllib.parse import urljoin  # noqa: PLC0415 - only pages with relative IRIs

        absolute = urljoin(self.base or "", value)
        if node is not None:
            node[3] = absolute
        self.finding(
            "relative_iri",
            f"relative IRI {value!r} in rdf:{attribute}, resolved against the page's "
            f"address: {absolute}",
            absolute,
        )
        return absolute

    # -- the handlers

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        self.pending.append((prefix or "", uri or ""))

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.scopes.append(self.pending)
        self.pending = []
        langs = self.langs
        lang = attrs.get(_XML_LANG, langs[-1] if langs else None)
        langs.append(lang)
        if lang is not None and lang.lower() in ISO_639_2_TAGS:
            seen = self.seen_langs.setdefault((lang, self.within()), [0, *self.where()])
            seen[0] += 1
        stack = self.stack
        if stack and stack[-1][0] == "node":
            # the usual element, a node's property: no rule of its parent applies
            self.start_property(name, attrs, lang)
            return
        is_rdf = name.replace(_SEP, "") == _RDF_RDF
        if not stack and name.partition(_SEP)[0] in CSW_NAMESPACES:
            self.report.envelope = True
        if self.report.envelope and (not stack or stack[-1][0] == "env"):
            self.start_enveloped(name, is_rdf)
            return
        if not stack:
            kind = "rdf" if is_rdf else "node"
        else:
            parent = stack[-1]
            if parent[0] == "xml":
                stack.append(["xml", 0])
                return
            self.check_parent(parent, name)
            kind = "node" if parent[0] in ("rdf", "prop", "prop-collection") else "prop"
        if kind == "node":
            self.start_node(name, attrs)
        elif kind == "rdf":
            stack.append([kind, 0, name])
        else:
            self.start_property(name, attrs, lang)

    def start_enveloped(self, name: str, is_rdf: bool) -> None:
        """An element of a CSW envelope, outside any record: an ``rdf:RDF`` starts one
        (with the namespaces declared above it)."""
        if not is_rdf:
            self.stack.append(["env", 0])
            return
        scopes = self.scopes
        declared = {prefix for prefix, _ in scopes[-1]}
        in_scope = {p: u for frame in scopes[:-1] for p, u in frame if p not in declared}
        self.report.records.append((self.parser.CurrentByteIndex, -1, in_scope))
        self.stack.append(["rdf", 0, name])

    def check_parent(self, parent: list[str | int | None], name: str) -> None:
        """What the open element allows as a child element (not under a node)."""
        parent_kind = parent[0]
        if parent_kind == "prop-empty":
            self.fail(
                f"property element <{_qname(str(parent[2]))}> has rdf:resource or "
                f"rdf:nodeID and must be empty, but contains <{_qname(name)}>"
            )
        if parent_kind == "prop-literal":
            self.fail(
                f"property element <{_qname(str(parent[2]))}> has rdf:datatype and "
                f"cannot contain the element <{_qname(name)}>"
            )
        if parent_kind == "prop":
            held = int(parent[1] or 0) + 1
            parent[1] = held
            if held > 1:
                self.fail(
                    f"property element <{_qname(str(parent[2]))}> holds more than "
                    f"one node element (<{_qname(name)}>)"
                )

    def start_node(self, name: str, attrs: dict[str, str]) -> None:
        bad = sorted(a for a in attrs if a.replace(_SEP, "") in _FORBIDDEN_ON_NODE)
        if bad:
            self.fail(
                f"rdf:{bad[0].split(_SEP)[-1]} is not allowed on the node element "
                f"<{_qname(name)}> (rdflib, ckanext-dcat and udata refuse it too: "
                "whether it means rdf:about or a link is not certain)"
            )
        frame: list[str | int | None] = ["node", 0, name, None]
        self.stack.append(frame)
        about = attrs.get(_ABOUT)
        if about is not None:
            self.resolve(about, "about", frame)

    def start_property(self, name: str, attrs: dict[str, str], lang: str | None) -> None:
        stack = self.stack
        if not attrs:
            stack.append(["prop", 0, name])
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
            iri = self.resolve(attrs[_RESOURCE], "resource") if _RESOURCE in attrs else None
            content_start = _tag_end(self.data, self.parser.CurrentByteIndex)
            self.empty = _OpenEmpty(content_start, iri, lang)
            # only text here can break the grammar: listen to text until this ends
            self.parser.CharacterDataHandler = self.text
        elif _DATATYPE in attrs:
            stack.append(["prop-literal", 0, name])
        else:
            stack.append(["prop", 0, name])

    def end(self, name: str) -> None:
        self.scopes.pop()
        self.langs.pop()
        kind = self.stack.pop()[0]
        if kind == "prop-empty":
            self.parser.CharacterDataHandler = None
            self.end_empty(name)
        elif kind == "rdf" and self.report.envelope:
            records = self.report.records
            begin, _, in_scope = records[-1]
            records[-1] = (begin, _tag_end(self.data, self.parser.CurrentByteIndex), in_scope)

    def end_empty(self, name: str) -> None:
        """Text in an element with ``rdf:resource`` is the IRI's label (as rdflib reads
        the IRI); with ``rdf:nodeID`` there is no IRI to label: refused."""
        empty = self.empty
        label = " ".join(empty.text.split())
        if not label:
            return
        if empty.iri is None:
            raise RdfXmlStructureError(
                f"property element <{_qname(name)}> has rdf:nodeID and must be empty, "
                "but contains text",
                empty.line,
                empty.column,
            )
        self.report.strip.append((empty.content_start, self.parser.CurrentByteIndex))
        self.report.labels.append((empty.iri, label, empty.lang or None))
        self.report.findings.append(
            RdfFinding(
                "resource_with_text",
                empty.line,
                empty.column,
                f"property element <{_qname(name)}> has rdf:resource and the text "
                f"{label[:80]!r}: read the IRI (as rdflib does) and kept the text as its "
                "rdfs:label",
                empty.iri,
                None,
                self.within(),
            )
        )

    def text(self, data_text: str) -> None:
        empty = self.empty
        if data_text.strip() and not empty.text.strip():
            empty.line, empty.column = self.where()
        empty.text += data_text
