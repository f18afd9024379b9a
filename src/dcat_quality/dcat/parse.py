"""Page bytes → ``ParsedPage``: recognise the format, pick the path, explain failures.

Every failure becomes a ``PageError`` naming the file, the position when known, the
reason and what to do, so the run can quarantine the page and go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

import orjson

from dcat_quality.dcat import iso19139, jsonld_fast, rdf
from dcat_quality.dcat.contexts import bundled_context
from dcat_quality.dcat.extract import extract_datasets_with_nodes, extract_hydra
from dcat_quality.dcat.graph import Graph, Literal, Term
from dcat_quality.dcat.rdfxml_check import RdfXmlReport, RdfXmlStructureError, check_rdfxml
from dcat_quality.dcat.records import DatasetRecord, ParsedPage, RdfFinding
from dcat_quality.errors import (
    PageError,
    RdfSyntaxError,
    RemoteContextError,
    UnsupportedFormatError,
)

_EXTENSIONS = {
    ".json": "jsonld",
    ".jsonld": "jsonld",
    ".ttl": "turtle",
    ".n3": "turtle",
    ".nt": "ntriples",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "xml",
}
_BOM = b"\xef\xbb\xbf"
_ISO_19115_3 = b"http://standards.iso.org/iso/19115/-3/mdb"
_ISO_HINT = (
    "ISO 19115-3 (mdb) records are not mapped to DCAT here (ISO 19139 gmd records are): "
    "ask the catalog for the ISO 19139 or DCAT output schema"
)
_JSONLD_KEYWORDS = (b'"@context"', b'"@graph"', b'"@id"', b'"@type"')
_IRI_FIRST = re.compile(rb"<[^\s<>\"]*/[^\s<>\"]*>")
_URL_SAFE = "/:@?=&%#+,;~!$'()*[]"


def base_iri_for(name: str) -> str:
    """An IRI to resolve relative IRIs against: the page's own location.

    URLs keep their query and escapes (``?page=2``); other characters (spaces, accents)
    are percent-encoded. An S3 key or a file name is a name, not a URL: its ``%``, ``?``
    and ``#`` are characters of the name and are percent-encoded too.
    """
    if name.startswith("s3://"):
        return "s3://" + quote(name[len("s3://") :], safe="/:@!$&'()*+,;=")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", name):
        scheme, rest = name.split("://", 1)
        return f"{scheme}://{quote(rest, safe=_URL_SAFE)}"
    path = name if name.startswith("/") else f"/{name}"
    return "file://" + quote(path, safe="/:@")


def _suffixes(name: str) -> list[str]:
    """Lower-case suffixes of the file part of a path or URL (query and fragment ignored;
    an S3 key has neither: its ``?`` and ``#`` are characters of the name)."""
    path = urlsplit(name).path if "://" in name and not name.startswith("s3://") else name
    return PurePosixPath(path.lower()).suffixes


def detect_format(data: bytes, name: str) -> str:
    """``jsonld``, ``turtle``, ``ntriples``, ``rdfxml`` or ``iso19139``; raise when it is
    none of them."""
    suffixes = _suffixes(name)
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    by_name = _EXTENSIONS.get(suffixes[-1]) if suffixes else None
    head = data[:4096].lstrip()
    first = head[:1]
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:200]:
        raise UnsupportedFormatError(
            name,
            "an HTML page, not DCAT metadata",
            position="line 1",
            hint="the export probably failed and saved an error page; fetch the page again",
        )
    if first in (b"{", b"["):
        return "jsonld"
    if first == b"<":
        if by_name in ("turtle", "ntriples") and not head.startswith((b"<?xml", b"<!")):
            return by_name
        if _IRI_FIRST.match(head):  # "<http://…> <…>": Turtle or N-Triples, not XML
            return by_name if by_name in ("turtle", "ntriples") else "turtle"
        if iso19139.is_iso19139(data) and b"rdf:RDF" not in head:
            return "iso19139"
        if _ISO_19115_3 in data[:65536] and b"rdf:RDF" not in head:
            raise UnsupportedFormatError(
                name, "ISO 19115-3 metadata, not DCAT", position="root element", hint=_ISO_HINT
            )
        return "rdfxml"
    if not head:
        raise UnsupportedFormatError(
            name,
            "the page is empty",
            position="byte 0",
            hint="re-export the page; an empty file holds no data",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedFormatError(
            name,
            "UTF-16 text (it starts with a UTF-16 byte-order mark)",
            position="byte 0",
            hint="re-encode the page as UTF-8",
        )
    if data.startswith(b"\x1f\x8b"):
        raise UnsupportedFormatError(
            name,
            "gzip-compressed data in a file not named .gz",
            position="byte 0",
            hint="rename the file to end in .gz",
        )
    if by_name in ("jsonld", "rdfxml", "xml"):
        expected = "{ or [" if by_name == "jsonld" else "<"
        raise UnsupportedFormatError(
            name,
            f"named like {'JSON' if by_name == 'jsonld' else 'XML'} but does not start "
            f"with {expected} (starts with {data[:16]!r})",
            position="byte 0",
            hint="check what was saved under this name; re-export the page",
        )
    return by_name or "turtle"


def _inline_contexts(document: Any, name: str) -> Any:
    """Replace remote ``@context`` URLs by bundled copies, in place; refuse unknown ones.

    Iterative: a deeply nested page must not exhaust Python's stack.
    """
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    node[key] = _resolve_context(value, name)
                else:
                    stack.append(value)
    return document


def _resolve_context(value: Any, name: str) -> Any:
    if isinstance(value, list):
        return [_resolve_context(item, name) for item in value]
    if isinstance(value, str):
        bundled = bundled_context(value)
        if bundled is None:
            raise RemoteContextError(
                name,
                f"remote JSON-LD @context {value!r} is not bundled",
                position="@context",
                hint="parsing never uses the network: inline the context in the page, or "
                "add a copy under dcat_quality/dcat/contexts/",
            )
        return bundled
    return value


def _has_remote_context(document: Any, data: bytes) -> bool:
    if data.count(b'"@context"') > 1:
        return True
    context = document.get("@context") if isinstance(document, dict) else None
    return isinstance(context, str | list)


def _line_column(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - data.rfind(b"\n", 0, offset)
    return f"line {line}, column {column} (byte {offset})"


def _decode_json(data: bytes, name: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        position = f"line {exc.lineno}, column {exc.colno} (byte {exc.pos})"
        reason = f"invalid JSON: {exc.msg}"
        hint = "the page is truncated or corrupt; export it again"
        message = exc.msg.lower()
        not_utf8 = None
        if "utf-8" in message or "unicode" in message:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                not_utf8 = bad.start
        if not_utf8 is not None:
            position = _line_column(data, not_utf8)
            reason = (
                f"the page is not UTF-8 (byte 0x{data[not_utf8]:02X} is no UTF-8 character; "
                "Latin-1 or Windows-1252 text?)"
            )
            hint = "re-encode the page as UTF-8 (JSON must be UTF-8)"
        elif "surrogate" in message:
            reason = f"invalid JSON: a lone UTF-16 surrogate escape ({exc.msg})"
            hint = "a \\uD800-\\uDFFF escape without its pair is no character; fix the exporter"
        elif "depth" in message or "recursion" in message:
            reason = f"the JSON nests too deeply ({exc.msg}; 1024 levels at most)"
            hint = "no DCAT export nests that deep: check the exporter, flatten the graph"
        raise RdfSyntaxError(name, reason, position=position, hint=hint) from None


def _jsonld_graph(data: bytes, name: str, fast: bool) -> tuple[Graph, str]:
    document = _decode_json(data, name)
    if not isinstance(document, dict | list) or not any(k in data for k in _JSONLD_KEYWORDS):
        raise UnsupportedFormatError(
            name,
            "JSON but not JSON-LD (no @context, @graph, @id or @type)",
            position="document root",
            hint="this file is not a DCAT export; check what was saved under this name",
        )
    if _has_remote_context(document, data):
        document = _inline_contexts(document, name)
        try:
            data = orjson.dumps(document)
        except orjson.JSONEncodeError as exc:  # nests deeper than orjson writes (254)
            raise PageError(
                name,
                f"cannot put the bundled @context into a page nested this deeply ({exc})",
                position="@context",
                hint="inline the context in the page or flatten the graph (one node "
                "object per subject)",
            ) from None
    if fast:
        try:
            return jsonld_fast.parse_graph(document), "fast-jsonld"
        except (jsonld_fast.NotFastPath, RecursionError):  # too deep to walk: pyoxigraph
            pass
    return _pyoxigraph(data, "jsonld", name), "pyoxigraph"


def _pyoxigraph(data: bytes, fmt: str, name: str) -> Graph:
    try:
        return rdf.parse_graph(data, fmt, base_iri=base_iri_for(name))
    except SyntaxError as exc:
        position = None
        if exc.lineno is not None:
            position = f"line {exc.lineno}"
            if exc.offset is not None:
                position += f", column {exc.offset}"
        label = {
            "jsonld": "JSON-LD",
            "turtle": "Turtle",
            "ntriples": "N-Triples",
            "rdfxml": "RDF/XML",
        }[fmt]
        hint = "fix the page at its source (the publisher's export) and run again"
        if "utf-8" in exc.msg.lower():
            hint = f"the page is not UTF-8: re-encode it as UTF-8 ({label} must be UTF-8)"
        raise RdfSyntaxError(
            name, f"invalid {label}: {exc.msg}", position=position, hint=hint
        ) from None
    except ValueError as exc:  # e.g. undecodable text inside the parser
        raise RdfSyntaxError(
            name, f"unreadable {fmt}: {exc}", hint="check the file's encoding (UTF-8 expected)"
        ) from None


def _rdfxml_graph(data: bytes, name: str) -> tuple[Graph, tuple[RdfFinding, ...]]:
    base = base_iri_for(name)
    try:
        report = check_rdfxml(data, base)
    except RdfXmlStructureError as exc:
        raise RdfSyntaxError(
            name,
            f"invalid RDF/XML: {exc}",
            position=f"line {exc.line}, column {exc.column}",
            hint="the publisher's RDF/XML breaks the grammar; fix the export at its source",
        ) from None
    except expat.ExpatError as exc:
        hint = "the file is truncated or not well-formed XML; export it again"
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_AMPLIFICATION_LIMIT_BREACH]:
            hint = "its entities expand explosively ('billion laughs'): refused for safety"
        raise RdfSyntaxError(
            name,
            f"malformed XML: {expat.ErrorString(exc.code)}",
            position=f"line {exc.lineno}, column {exc.offset + 1}",
            hint=hint,
        ) from None
    if not report.needs_rewrite:
        return _pyoxigraph(_as_utf8_xml(data, name), "rdfxml", name), tuple(report.findings)
    graph = Graph()
    for index, fragment in enumerate(_repaired(data, report)):
        part = _pyoxigraph(_as_utf8_xml(fragment, name), "rdfxml", name)
        for subject, props in part.items():  # blank nodes of each record kept apart
            for predicate, objects in props.items():
                for obj in objects:
                    graph.add(_apart_node(subject, index), predicate, _apart(obj, index))
    for iri, label, lang in report.labels:
        graph.add(iri, RDFS_LABEL, Literal(label, lang.lower() if lang else None, None))
    return graph, tuple(report.findings)


RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _apart(term: Term, index: int) -> Term:
    return _apart_node(term, index) if isinstance(term, str) else term


def _apart_node(term: str, index: int) -> str:
    return f"_:r{index}-{term[2:]}" if term.startswith("_:") else term


def _repaired(data: bytes, report: RdfXmlReport) -> list[bytes]:
    """The page's RDF/XML without the text of ``rdf:resource`` property elements, split
    into the ``rdf:RDF`` records of a CSW envelope (each with the namespaces in scope)."""
    strips = sorted(report.strip)

    def cut(start: int, end: int) -> bytes:
        out, at = [], start
        for begin, stop in strips:
            if begin >= start and stop <= end:
                out.append(data[at:begin])
                at = stop
        out.append(data[at:end])
        return b"".join(out)

    if not report.envelope:
        return [cut(0, len(data))]
    match = _XML_DECLARATION.match(data)
    declaration = match.group(0) if match else b'<?xml version="1.0" encoding="UTF-8"?>'
    fragments = []
    for start, end, in_scope in report.records:
        body = cut(start, end)
        name_end = re.match(rb"<[^\s/>]+", body)
        at = name_end.end() if name_end else 0
        extra = "".join(
            f" xmlns={quoteattr(uri)}" if not prefix else f" xmlns:{prefix}={quoteattr(uri)}"
            for prefix, uri in sorted(in_scope.items())
        )
        fragments.append(declaration + b"\n" + body[:at] + extra.encode() + body[at:])
    return fragments


def _iso_graph(data: bytes, name: str) -> Graph:
    """ISO 19139 records (alone or in a CSW response) mapped to DCAT (``dcat.iso19139``)."""
    try:
        return iso19139.convert(data).graph
    except ET.ParseError as exc:
        line, column = exc.position
        raise RdfSyntaxError(
            name,
            f"malformed ISO 19139 XML: {exc.msg if hasattr(exc, 'msg') else exc}",
            position=f"line {line}, column {column + 1}",
            hint="the file is truncated or not well-formed XML; export the record again",
        ) from None


_XML_DECLARATION = re.compile(
    rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._\-]+)["'][^>]*\?>"""
)


def _as_utf8_xml(data: bytes, name: str) -> bytes:
    """RDF/XML declared in another encoding (ISO-8859-1…) re-encoded as UTF-8 for pyoxigraph.

    The XML check above already read the page in its declared encoding.
    """
    match = _XML_DECLARATION.match(data)
    if match is None:
        return data
    encoding = match.group(1).decode("ascii")
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return data
    try:
        text = data[match.end() :].decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise RdfSyntaxError(
            name,
            f"cannot read the page in its declared encoding {encoding!r}: {exc}",
            position="line 1",
            hint="fix the encoding in the XML declaration, or re-encode the page as UTF-8",
        ) from None
    return b'<?xml version="1.0" encoding="UTF-8"?>' + text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class PageGraph:
    """A parsed page with the graph it came from, for the checks that need the graph.

    The graph-level checks (SHACL) run in the scoring stage, in the process that parsed
    the page: a ``PageGraph`` is never sent to another process (``page`` is what crosses).
    ``nodes`` gives, per dataset record, its subject in ``graph`` and the stable ids its
    nodes got (dataset and distributions), so findings can name them by those ids.
    """

    page: ParsedPage
    graph: Graph
    nodes: tuple[tuple[DatasetRecord, str, dict[str, str]], ...]


def read_page(data: bytes, name: str, *, fast: bool = True) -> PageGraph:
    """Turn one page into records, keeping its graph. ``fast=False`` forces pyoxigraph.

    Raises ``PageError`` (with file, position, reason, hint) when the page is unusable.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    fmt = detect_format(data, name)
    parser = "pyoxigraph"
    findings: tuple[RdfFinding, ...] = ()
    if fmt == "jsonld":
        graph, parser = _jsonld_graph(data, name, fast)
    elif fmt == "rdfxml":
        graph, findings = _rdfxml_graph(data, name)
    elif fmt == "iso19139":
        graph, parser = _iso_graph(data, name), "iso19139"
    else:
        graph = _pyoxigraph(data, fmt, name)
    try:
        found = extract_datasets_with_nodes(graph)
    except RecursionError:
        raise PageError(
            name,
            "the page nests too deeply to read",
            hint="flatten the graph (one node object per subject)",
        ) from None
    page = ParsedPage(
        datasets=tuple(record for record, _, _ in found),
        hydra=extract_hydra(graph),
        parser=parser,
        triples=graph.triples,
        findings=findings,
        dataset_findings=_touched(graph, found, findings) if findings else (),
    )
    return PageGraph(page, graph, tuple(found))


def _touched(
    graph: Graph,
    found: list[tuple[DatasetRecord, str, dict[str, str]]],
    findings: tuple[RdfFinding, ...],
) -> tuple[tuple[str, tuple[RdfFinding, ...]], ...]:
    """The findings each dataset is touched by.

    A finding written inside the element of the dataset, of one of its distributions or of
    its catalogue record touches it; so does a relative IRI naming the dataset or a
    resource it links to (its value depends on where the page was read). A finding
    written outside any node with an IRI (a blank-node dataset) falls back on the graph:
    an IRI the dataset is or links to, a language tag its literals carry. The CSW envelope
    concerns the page, not its datasets.
    """
    out = []
    for record, subject, node_ids in found:
        nodes = {subject, *node_ids}
        nodes.update(n for n in graph.objects(subject, _PRIMARY_TOPIC_OF) if isinstance(n, str))
        iris: set[str] = set(nodes)
        langs: set[str] = set()
        for node in nodes:
            for objects in graph.properties(node).values():
                for obj in objects:
                    if isinstance(obj, str):
                        iris.add(obj)
                    elif obj.lang:
                        langs.add(obj.lang)
        mine = tuple(f for f in findings if _touches(f, nodes, iris, langs))
        if mine:
            out.append((record.dataset_id, mine))
    return tuple(out)


def _touches(finding: RdfFinding, nodes: set[str], iris: set[str], langs: set[str]) -> bool:
    if finding.code == "relative_iri" and finding.iri in iris:
        return True
    if finding.within:
        return not nodes.isdisjoint(finding.within)
    return (finding.iri is not None and finding.iri in iris) or (
        finding.lang is not None and finding.lang in langs
    )


_PRIMARY_TOPIC_OF = "http://xmlns.com/foaf/0.1/isPrimaryTopicOf"


def parse_page(data: bytes, name: str, *, fast: bool = True) -> ParsedPage:
    """Turn one page into records (``read_page`` without the graph)."""
    return read_page(data, name, fast=fast).page
