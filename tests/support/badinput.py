"""The bad-input corpus: every case is one small page built here, with its expected outcome.

A case is either **rejected** (the whole page quarantined in ``rejections`` with a message
naming the file, the position when one is meaningful, the reason and what to do) or
**loaded** (so many datasets, with the field values stated). The table ``CASES`` is the
specification; ``test_badinput.py`` runs it through ``run_chain`` into real PostgreSQL.

Rules the cases pin down:

* the same dataset IRI on two pages: the first page read (key order) wins, the later
  copy is rejected as a dataset, its reason naming both pages;
* dates that name no calendar day (free text, ``dd.mm.yyyy`` impossible days) load as a
  NULL date with the text kept in ``*_text``; an empty typed date counts as absent;
* unknown ``adms:status`` and licence IRIs are kept as published;
* relative IRIs resolve against the page's location (``file:///<key>`` for a local
  folder, ``s3://bucket/<key>`` for S3; spaces and accents percent-encoded);
* ``fre`` / ``fra`` (ISO 639-2, written by ISO 19139 exports) count as French like
  ``fr`` / ``fr-*``; the tag is recorded as published; ``fr`` beats ``fre`` among equals.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
CONTEXT = {
    "dcat": DCAT,
    "dct": DCT,
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": XSD,
}
EX = "http://example.org/"


@dataclass(frozen=True, slots=True)
class Rejected:
    """The page is quarantined; each attribute is a substring of what is recorded."""

    reason: str
    position: str | None  # None: the whole page is concerned (no position recorded)
    hint: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """``datasets`` loaded from the page, with field expectations.

    ``fields``: dataset id → column of the ``datasets`` view → value.
    ``checks``: SQL returning one scalar → expected value.
    ``duplicates``: dataset id → substrings of its rejection (the same IRI on an earlier
    page); the rejection's ``file`` is this page, its reason names the earlier one.
    """

    datasets: int
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    checks: tuple[tuple[str, Any], ...] = ()
    duplicates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Case:
    """One page of the corpus: its key in the dump, its bytes, what must become of it."""

    key: str
    data: bytes
    expect: Rejected | Loaded
    about: str


def dataset(case: str, n: int = 1, **props: Any) -> dict[str, Any]:
    """A dataset node with an IRI unique to ``case`` and a title unless overridden."""
    node: dict[str, Any] = {
        "@id": f"{EX}{case}/d{n}",
        "@type": "dcat:Dataset",
        "dct:title": {"@value": f"{case} {n}", "@language": "fr"},
    }
    node.update(props)
    return {k: v for k, v in node.items() if v is not None}


def jsonld(*nodes: dict[str, Any], context: Any = None) -> bytes:
    return orjson.dumps({"@context": CONTEXT if context is None else context, "@graph": nodes})


def iri(case: str, n: int = 1) -> str:
    return f"{EX}{case}/d{n}"


def _good(case: str) -> bytes:
    """A well-described page of three datasets: it must load whatever surrounds it."""
    return jsonld(
        *(
            dataset(
                case,
                n,
                **{
                    "dct:description": f"Description {n}",
                    "dct:modified": {"@value": "2024-03-01", "@type": "xsd:date"},
                    "dcat:keyword": ["eau", "air"],
                    "dcat:distribution": {
                        "@id": f"{EX}{case}/d{n}/csv",
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": {"@id": f"{EX}{case}/d{n}.csv"},
                        "dct:license": {"@id": "https://www.etalab.gouv.fr/licence-ouverte"},
                    },
                },
            )
            for n in (1, 2, 3)
        )
    )


_RDF_HEAD = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    f'xmlns:dcat="{DCAT}" xmlns:dct="{DCT}">'
)


def _rdfxml(body: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return f"{declaration}\n{_RDF_HEAD}\n{body}\n</rdf:RDF>\n"


def _nested_embedded(levels: int) -> bytes:
    """A dataset whose description nests ``levels`` embedded node objects."""
    head = (
        b'{"@context": {"dcat": "' + DCAT.encode() + b'", "dct": "' + DCT.encode() + b'"}, '
        b'"@id": "' + iri("deep-embedded").encode() + b'", "@type": "dcat:Dataset", '
        b'"dct:title": "Deep", "dct:relation": '
    )
    return head + b'{"dct:relation": ' * levels + b'"bottom"' + b"}" * levels + b"}"


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY a "' + "a" * 48 + '">']
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        entities.append(f'<!ENTITY {name} "{f"&{previous};" * 16}">')
    doctype = "<!DOCTYPE rdf:RDF [\n" + "\n".join(entities) + "\n]>"
    body = f'<dcat:Dataset rdf:about="{iri("laughs")}"><dct:title>&g;</dct:title></dcat:Dataset>'
    return _rdfxml(body, '<?xml version="1.0"?>\n' + doctype).encode()


_ISO = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd">'
    b"<gmd:fileIdentifier/></gmd:MD_Metadata>\n"
)
_ISO_TRUNCATED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd"\n'
    b'  xmlns:gco="http://www.isotc211.org/2005/gco">\n'
    b"<gmd:fileIdentifier><gco:CharacterString>abc</gco:CharacterString>\n"
)
_LATIN1_JSON = (
    '{"@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},\n'
    ' "@id": "http://example.org/latin1/d1", "@type": "dcat:Dataset",\n'
    ' "dct:title": "Données sur la qualité de l\'air"}\n'
).encode("latin-1")
_TRUNCATED_GZIP = gzip.compress(_good("never-read"))[:-30]
_KEYWORDS = 20_000


CASES: tuple[Case, ...] = (
    # -- pages that must be rejected ---------------------------------------------------
    Case(
        "malformed/truncated.json",
        orjson.dumps(orjson.loads(_good("truncated")), option=orjson.OPT_INDENT_2)[:-60],
        Rejected("invalid JSON", "line ", "truncated or corrupt; export it again"),
        "malformed JSON: the page stops in the middle",
    ),
    Case(
        "malformed/trailing-comma.json",
        b'{"@context": {"dct": "http://purl.org/dc/terms/"},\n "@graph": [{"@id": "x"},]}',
        Rejected("invalid JSON", "line 2, column", "export it again"),
        "malformed JSON: a trailing comma",
    ),
    Case(
        "gzip/truncated.json.gz",
        _TRUNCATED_GZIP,
        Rejected("cannot gunzip the page", None, "truncated or corrupt: upload it again"),
        "gzip stream cut short",
    ),
    Case(
        "gzip/not-gzip.json.gz",
        b'{"@context": {}}',
        Rejected("cannot gunzip the page", None, "upload it again"),
        "named .gz but not compressed",
    ),
    Case(
        "encoding/latin1.json",
        _LATIN1_JSON,
        Rejected("not UTF-8 (byte 0xE9", "line 3, column 20", "re-encode the page as UTF-8"),
        "wrong encoding: Latin-1 JSON (position of the first bad byte)",
    ),
    Case(
        "encoding/utf16.json",
        '{"@context": {}, "@id": "http://example.org/utf16"}'.encode("utf-16"),
        Rejected("UTF-16", "byte 0", "re-encode the page as UTF-8"),
        "wrong encoding: UTF-16 with its byte-order mark",
    ),
    Case(
        "encoding/latin1.ttl",
        (f'<{iri("latin1-ttl")}> a <{DCAT}Dataset> ;\n  <{DCT}title> "Données" .\n').encode(
            "latin-1"
        ),
        Rejected("Invalid UTF-8", "line 2", "re-encode it as UTF-8"),
        "wrong encoding: Latin-1 Turtle",
    ),
    Case(
        "encoding/lone-surrogate.json",
        jsonld(dataset("surrogate")).replace(b'"surrogate 1"', b'"broken \\ud800 text"'),
        Rejected("lone UTF-16 surrogate", "line 1, column", "fix the exporter"),
        "a lone surrogate escape in a JSON string",
    ),
    Case(
        "rdfxml/not-well-formed.rdf",
        _rdfxml(f'<dcat:Dataset rdf:about="{iri("xml")}">\n<dct:title>A</dcat:Dataset>').encode(),
        Rejected("malformed XML: mismatched tag", "line 4, column", "not well-formed XML"),
        "invalid RDF/XML: not well-formed",
    ),
    Case(
        "rdfxml/grammar.rdf",
        _rdfxml(
            f'<dcat:Dataset rdf:about="{iri("grammar")}">\n'
            "<dct:publisher><dct:Agent/><dct:Agent/></dct:publisher>\n</dcat:Dataset>"
        ).encode(),
        Rejected("holds more than one node element", "line 4, column", "fix the export"),
        "invalid RDF/XML: well-formed XML breaking the RDF/XML grammar",
    ),
    Case(
        "rdfxml/billion-laughs.rdf",
        _billion_laughs(),
        Rejected("amplification", "line ", "billion laughs"),
        "entity expansion bomb: refused, not expanded",
    ),
    Case(
        "rdfxml/external-entity.rdf",
        _rdfxml(
            f'<dcat:Dataset rdf:about="{iri("xxe")}"><dct:title>&xxe;</dct:title></dcat:Dataset>',
            '<?xml version="1.0"?>\n'
            '<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
        ).encode(),
        Rejected("invalid RDF/XML", None, "fix the page at its source"),
        "external entity (XXE): refused, the file is never read",
    ),
    Case(
        "rdfxml/iso19139.xml",
        _ISO,
        Loaded(0),
        "an ISO 19139 record without identification: read, no dataset in it",
    ),
    Case(
        "rdfxml/iso19139-truncated.xml",
        _ISO_TRUNCATED,
        Rejected("malformed ISO 19139 XML", "line 5, column 1", "export the record again"),
        "a truncated ISO 19139 record: rejected with its position",
    ),
    Case(
        "html/error-page.json",
        b"\n<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>\n",
        Rejected("an HTML page, not DCAT metadata", "line 1", "fetch the page again"),
        "an HTML error page saved as .json",
    ),
    Case(
        "context/unknown-remote.json",
        orjson.dumps(
            {
                "@context": "https://example.org/contexts/unknown.jsonld",
                "@id": iri("remote"),
                "@type": "Dataset",
            }
        ),
        Rejected(
            "'https://example.org/contexts/unknown.jsonld' is not bundled",
            "@context",
            "parsing never uses the network",
        ),
        "a remote @context we do not have: refused, naming the URL (no network access)",
    ),
    Case(
        "deep/nested-10000.json",
        b'{"@context": {}, "@graph": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        Rejected("nests too deeply", "line 1, column", "flatten the graph"),
        "10,000 levels of JSON: a clear rejection, no RecursionError",
    ),
    Case(
        "deep/remote-context-300.json",
        b'{"@context": "https://schema.org/", "@id": "'
        + iri("deep-context").encode()
        + b'", "name": '
        + b"[" * 300
        + b'"v"'
        + b"]" * 300
        + b"}",
        Rejected("nested this deeply", "@context", "inline the context"),
        "300 levels with a remote context: too deep to rewrite, said so",
    ),
    Case(
        "empty/zero-bytes.json",
        b"",
        Rejected("the page is empty", "byte 0", "re-export the page"),
        "an empty page (0 bytes)",
    ),
    Case(
        "empty/blank.ttl",
        b" \n\t\n",
        Rejected("the page is empty", "byte 0", "re-export the page"),
        "a page of white space",
    ),
    Case(
        "empty/bom-only.json",
        b"\xef\xbb\xbf",
        Rejected("the page is empty", "byte 0", "re-export the page"),
        "a UTF-8 byte-order mark and nothing else",
    ),
    Case(
        "nondcat/api-error.json",
        b'{"success": false, "error": {"message": "timeout"}}',
        Rejected("JSON but not JSON-LD", "document root", "not a DCAT export"),
        "non-DCAT JSON (an API error)",
    ),
    Case(
        "nondcat/null.json",
        b"null",
        Rejected("named like JSON but does not start with { or [", "byte 0", "re-export"),
        "the JSON literal null",
    ),
    Case(
        "nondcat/plain-text.json",
        b"Service temporarily unavailable",
        Rejected("named like JSON", "byte 0", "check what was saved under this name"),
        "plain text saved as .json",
    ),
    Case(
        "rdf/bad-line.nt",
        (
            f"<{iri('nt')}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DCAT}Dataset> .\n"
            f'<{iri("nt")}> <{DCT}title> "unterminated .\n'
        ).encode(),
        Rejected("invalid N-Triples", "line 2", "fix the page at its source"),
        "N-Triples with a bad line",
    ),
    Case(
        "rdf/undefined-prefix.ttl",
        (
            f'@prefix dcat: <{DCAT}> .\n<{iri("ttl-prefix")}> a dcat:Dataset ; dct:title "x" .\n'
        ).encode(),
        Rejected("The prefix dct: has not been declared", "line 2, column", "fix the page"),
        "Turtle with an undefined prefix",
    ),
    # -- pages that load -------------------------------------------------------------
    Case(
        "000-good-first.json",
        _good("good-first"),
        Loaded(3, {iri("good-first", 2): {"title": "good-first 2"}}),
        "a good page before every bad one",
    ),
    Case(
        "zzz-good-last.json",
        _good("good-last"),
        Loaded(3, {iri("good-last", 3): {"description": "Description 3"}}),
        "a good page after every bad one",
    ),
    Case(
        "encoding/bom.json",
        b"\xef\xbb\xbf" + jsonld(dataset("bom", **{"dct:title": "Données à jour"})),
        Loaded(1, {iri("bom"): {"title": "Données à jour"}}),
        "UTF-8 byte-order mark before JSON",
    ),
    Case(
        "encoding/bom.ttl",
        b"\xef\xbb\xbf" + f"<{iri('bom-ttl')}> a <{DCAT}Dataset> .".encode(),
        Loaded(1),
        "UTF-8 byte-order mark before Turtle",
    ),
    Case(
        "encoding/declared-latin1.rdf",
        _rdfxml(
            f'<dcat:Dataset rdf:about="{iri("latin1-xml")}"><dct:title>Données</dct:title>'
            "</dcat:Dataset>",
            '<?xml version="1.0" encoding="ISO-8859-1"?>',
        ).encode("latin-1"),
        Loaded(1, {iri("latin1-xml"): {"title": "Données"}}),
        "RDF/XML declaring ISO-8859-1: read in its encoding",
    ),
    Case(
        "gzip/gzipped-but-named.json",
        gzip.compress(jsonld(dataset("gzip-magic"))),
        Loaded(1),
        "gzip bytes under a .json name: recognised by the magic number",
    ),
    Case(
        "context/bundled-remote.json",
        orjson.dumps(
            {
                "@context": ["https://www.w3.org/ns/hydra/context.jsonld", CONTEXT],
                "@graph": [
                    {"@id": f"{EX}bundled?page=1", "@type": "PagedCollection", "totalItems": 1},
                    dataset("bundled"),
                ],
            }
        ),
        Loaded(1, {iri("bundled"): {"title": "bundled 1"}}),
        "a remote @context we bundle: used without network",
    ),
    Case(
        "deep/embedded-600.json",
        _nested_embedded(600),
        Loaded(1, {iri("deep-embedded"): {"title": "Deep"}}),
        "600 embedded node objects: too deep for the fast path, pyoxigraph reads it",
    ),
    Case(
        "dup/a.json",
        jsonld(dataset("dup", 1), dataset("dup", 2)),
        Loaded(2, {iri("dup"): {"title": "dup 1", "source_file": "dup/a.json"}}),
        "the same dataset IRI on two pages: the first page read keeps it",
    ),
    Case(
        "dup/b.json",
        jsonld(dataset("dup", 1, **{"dct:title": "second copy"}), dataset("dup", 3)),
        Loaded(
            1,
            duplicates={
                iri("dup"): ("duplicate dataset", "already loaded from dup/a.json", "first copy")
            },
        ),
        "… and the later copy is rejected, naming both pages",
    ),
    Case(
        "fields/no-title.json",
        jsonld(dataset("no-title", **{"dct:title": None, "dct:description": "untitled"})),
        Loaded(
            1,
            {iri("no-title"): {"title": None, "filled_fields": 0, "fill_rate": 0.0}},
            checks=(
                (
                    "select count(*) from dcat_quality.shacl_violations "
                    f"where dataset_id = '{iri('no-title')}' and path = '{DCT}title'",
                    1,
                ),
                (
                    "select shacl_violations > 0 from dcat_quality.dataset_scores "
                    f"where dataset_id = '{iri('no-title')}'",
                    True,
                ),
            ),
        ),
        "a dataset without title: loaded; fill rate and DCAT-AP findings say it",
    ),
    Case(
        "fields/free-text-dates.json",
        jsonld(
            dataset(
                "dates",
                **{
                    "dct:issued": "jeweils Montags",
                    "dct:modified": "31.12.2020",
                    "dct:created": {"@value": "", "@type": "xsd:date"},
                },
            ),
            dataset(
                "dates",
                2,
                **{
                    "dct:issued": {"@value": "32.13.2020", "@type": "xsd:date"},
                    "dct:modified": "dd.mm.yyyy",
                },
            ),
        ),
        Loaded(
            2,
            {
                iri("dates"): {
                    "issued": None,
                    "issued_text": "jeweils Montags",
                    "modified": "2020-12-31",
                    "modified_text": "31.12.2020",
                    "created": None,
                    "created_text": None,
                },
                iri("dates", 2): {
                    "issued": None,
                    "issued_text": "32.13.2020",
                    "modified": None,
                    "modified_text": "dd.mm.yyyy",
                },
            },
        ),
        "dates in free text, impossible dd.mm.yyyy, empty typed dates: NULL date, text kept",
    ),
    Case(
        "fields/unknown-status-licence.json",
        jsonld(
            dataset(
                "unknown",
                **{
                    "adms:status": {"@id": f"{EX}status/Fantasy"},
                    "dct:license": {"@id": f"{EX}licences/my-own-licence"},
                },
            )
        ),
        Loaded(
            1,
            {iri("unknown"): {"status_code": "Fantasy", "status_label": None}},
            checks=(
                (
                    "select string_agg(license, ' ') from dcat_quality.dataset_licenses "
                    f"where dataset_id = '{iri('unknown')}'",
                    f"{EX}licences/my-own-licence",
                ),
            ),
        ),
        "unknown status and licence IRIs: kept as published",
    ),
    Case(
        "relative dir/relative iris.ttl",
        (
            f"@prefix dcat: <{DCAT}> .\n"
            "<d1> a dcat:Dataset ; dcat:landingPage <../landing/page?x=1> ;\n"
            f'  <{DCT}title> "relative" .\n'
        ).encode(),
        Loaded(
            1,
            {
                "file:///relative%20dir/d1": {
                    "title": "relative",
                    "landing_page": "file:///landing/page?x=1",
                }
            },
        ),
        "relative IRIs (Turtle) resolved against the page's location",
    ),
    Case(
        "relative/relative.json",
        orjson.dumps(
            {
                "@context": CONTEXT,
                "@graph": [{"@id": "d1", "@type": "dcat:Dataset", "dct:title": "rel json"}],
            }
        ),
        Loaded(1, {"file:///relative/d1": {"title": "rel json"}}),
        "relative @id (JSON-LD) resolved against the page's location",
    ),
    Case(
        "lang/fre.json",
        jsonld(
            dataset(
                "fre",
                **{
                    "dct:title": [
                        {"@value": "Title", "@language": "en"},
                        {"@value": "Titre", "@language": "fre"},
                    ],
                    "dct:description": [
                        {"@value": "Beschreibung", "@language": "de"},
                        {"@value": "Description", "@language": "fra"},
                    ],
                },
            )
        ),
        Loaded(
            1,
            {
                iri("fre"): {
                    "title": "Titre",
                    "title_lang": "fre",
                    "description": "Description",
                    "description_lang": "fra",
                }
            },
        ),
        "ISO 639-2 fre / fra count as French",
    ),
    Case(
        "lang/fr-and-fre.ttl",
        (
            f"<{iri('fr-fre')}> a <{DCAT}Dataset> ;\n"
            f'  <{DCT}title> "Titre fre"@fre, "Titre fr"@fr, "Title"@en .\n'
        ).encode(),
        Loaded(1, {iri("fr-fre"): {"title": "Titre fr", "title_lang": "fr"}}),
        "fr and fre both French: fr wins among equals",
    ),
    Case(
        "empty/zero-datasets.json",
        orjson.dumps(
            {
                "@context": ["https://www.w3.org/ns/hydra/context.jsonld", CONTEXT],
                "@graph": [
                    {"@id": f"{EX}catalog?page=9", "@type": "PagedCollection", "totalItems": 0}
                ],
            }
        ),
        Loaded(0),
        "a valid page of 0 datasets: read, counted as empty",
    ),
    Case(
        "empty/no-dataset-nodes.json",
        jsonld({"@id": f"{EX}someone", "@type": "foaf:Person", "foaf:name": "Someone"}),
        Loaded(0),
        "valid JSON-LD without any dcat:Dataset",
    ),
    Case(
        "jsonld/list.json",
        jsonld(dataset("list", **{"dcat:keyword": {"@list": ["a", "b"]}})),
        Loaded(
            1,
            checks=(
                (
                    "select count(*) from dcat_quality.dataset_keywords "
                    f"where dataset_id = '{iri('list')}'",
                    0,
                ),
            ),
        ),
        "@list keywords: an rdf:List node, not keyword literals (no keyword kept)",
    ),
    Case(
        "jsonld/top-level-array.json",
        orjson.dumps(
            [
                {"@context": CONTEXT, **dataset("array", 1)},
                {"@context": CONTEXT, **dataset("array", 2)},
            ]
        ),
        Loaded(2),
        "a JSON array at top level",
    ),
    Case(
        "jsonld/native-numbers.json",
        jsonld(dataset("floats", **{"dcat:spatialResolutionInMeters": 12.5})),
        Loaded(1),
        "native JSON floats (the fast path declines, pyoxigraph reads)",
    ),
    Case(
        "text/nul.json",
        jsonld(dataset("nul", **{"dct:description": "before\u0000after"})),
        Loaded(1, {iri("nul"): {"description": "beforeafter"}}),
        "a NUL character in a literal: dropped (PostgreSQL refuses it), the rest kept",
    ),
    Case(
        "text/nul.ttl",
        f'<{iri("nul-ttl")}> a <{DCAT}Dataset> ; <{DCT}title> "a\\u0000b" .'.encode(),
        Loaded(1, {iri("nul-ttl"): {"title": "ab"}}),
        "a NUL escape in a Turtle literal",
    ),
    Case(
        "fields/byte-sizes.json",
        jsonld(
            dataset(
                "sizes",
                **{
                    "dcat:distribution": [
                        {"@id": f"{EX}sizes/{name}", "@type": "dcat:Distribution", **size}
                        for name, size in (
                            ("5gb", {"dcat:byteSize": 5_000_000_000}),
                            ("negative", {"dcat:byteSize": -42}),
                            ("overflow", {"dcat:byteSize": "1e400"}),
                            ("nan", {"dcat:byteSize": {"@value": "NaN", "@type": "xsd:double"}}),
                            ("words", {"dcat:byteSize": "12 Mo"}),
                            (
                                "decimal",
                                {"dcat:byteSize": {"@value": "1.5E3", "@type": "xsd:double"}},
                            ),
                        )
                    ]
                },
            )
        ),
        Loaded(
            1,
            {iri("sizes"): {"distribution_count": 6}},
            checks=(
                (
                    "select string_agg(split_part(distribution_id, '/', 5) || '='"
                    " || coalesce(byte_size::text, 'null'), ' ' order by distribution_id) "
                    f"from dcat_quality.distributions where dataset_id = '{iri('sizes')}'",
                    "5gb=5000000000 decimal=1500 nan=null negative=null overflow=null words=null",
                ),
            ),
        ),
        "byteSize of 5 GB (kept), negative, 1e400, NaN, words (NULL), 1.5E3 (1500)",
    ),
    Case(
        "fields/many-keywords.json",
        jsonld(dataset("keywords", **{"dcat:keyword": [f"mot-{i}" for i in range(_KEYWORDS)]})),
        Loaded(
            1,
            checks=(
                (
                    "select count(*) from dcat_quality.dataset_keywords "
                    f"where dataset_id = '{iri('keywords')}'",
                    _KEYWORDS,
                ),
            ),
        ),
        f"{_KEYWORDS:,} keywords on one dataset",
    ),
)
