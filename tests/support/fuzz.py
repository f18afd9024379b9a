"""Hypothesis profiles and strategies shared by the fuzz tests.

``HYPOTHESIS_PROFILE`` picks the profile: ``dcat-quality-fuzz-ci`` (the default: bounded so
the folder runs in well under a minute) or ``dcat-quality-fuzz-long`` (local runs,
thousands of examples per property). The profiles are applied per test (``FUZZ``), so
they never change the settings of other hypothesis tests.

``ckan_pages`` draws compact JSON-LD pages of the shape ckanext-dcat writes (prefix-only
``@context``, a flat ``@graph``), with everything real catalogs put in them: IRI and
blank-node datasets, distributions, labels, language-tagged and typed literals, native
numbers and booleans, embedded nodes, lists with duplicates, empty strings, Unicode and
very long strings. ``loose=True`` also draws JSON-LD the fast path hands to pyoxigraph
(``@vocab``, ``@list``, floats, relative IRIs, compact IRIs in the context…).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dcat_quality.dcat import vocab as v

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "dcat-quality-fuzz-ci",
    max_examples=200,
    deadline=2000,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)
settings.register_profile(
    "dcat-quality-fuzz-long",
    max_examples=5000,
    deadline=5000,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dcat-quality-fuzz-ci")
if not PROFILE.startswith("dcat-quality-fuzz-"):
    PROFILE = "dcat-quality-fuzz-ci"
#: Decorator applying the chosen profile to one property.
FUZZ = settings(settings.get_profile(PROFILE))

#: Examples executed per property in this process (every run of a test body).
EXECUTIONS: Counter[str] = Counter()

#: The user property of a test's report that carries its executions (a dict), read by
#: the root conftest: under xdist each worker counts its own, the controller adds them.
EXECUTIONS_PROPERTY = "fuzz_executions"


def count(name: str) -> None:
    """Record one executed example of the property ``name``."""
    EXECUTIONS[name] += 1


# -- text ----------------------------------------------------------------------------------

ODD_STRINGS = (
    "",
    " ",
    "\t\n",
    "é",
    "Zones exposées au bruit en Haute-Savoie",
    "e\u0301\u0302",  # combining marks
    "👩‍🚀🇫🇷",  # ZWJ sequence, flag
    "مرحبا بالعالم",  # RTL
    "\u202eevil\u202c",  # bidi override
    "שלום",
    "日本語のデータ",
    "\u0000nul",
    "\ufeffbom",
    "line\r\nbreak",
    "2024-05-31",
    "2024-05-31T12:00:00Z",
    "29.05..2017",
    "jeweils Montags",
    "mailto:contact@example.org",
    "https://example.org/contact@example.org",
    "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED",
    "pprn",
    "Pas de restriction d'accès public selon INSPIRE",
)
_CHARS = st.characters(exclude_categories=("Cs",))
_SHORT_TEXTS = st.one_of(st.sampled_from(ODD_STRINGS), st.text(_CHARS, max_size=40))
_LONG_TEXTS = st.text(_CHARS, min_size=1, max_size=3).map(lambda s: s * 20_000)
#: Any text; about one in forty is very long (20 000 to 60 000 characters).
texts = st.integers(0, 39).flatmap(lambda i: _LONG_TEXTS if i == 0 else _SHORT_TEXTS)

# -- IRIs ------------------------------------------------------------------------------------

#: Characters IRIs get in the wild, valid or not (pyoxigraph parses leniently).
_IRI_CHARS = st.one_of(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='<>"\\'),
    st.sampled_from(list("éàç€日本👩ñ\u0301مש ")),
)
_PATH = st.text(_IRI_CHARS, max_size=20).filter(lambda s: not s.startswith("//"))
_SCHEMES = st.sampled_from(["http://", "https://", "urn:", "mailto:", "ftp://", "tag:", "x-y.z+w:"])
_HOSTS = st.sampled_from(["example.org/", "data.gouv.fr/", "xn--dtaille-fya.fr/", "[::1]/", ""])
absolute_iris = st.builds(lambda s, h, p: s + h + p, _SCHEMES, _HOSTS, _PATH).filter(
    lambda iri: not iri.startswith("_:")
)
#: Prefixes ckanext-dcat declares, plus the vocabularies the extraction reads.
PREFIXES = {
    "dcat": v.DCAT,
    "dct": v.DCT,
    "foaf": v.FOAF,
    "vcard": v.VCARD,
    "adms": v.ADMS,
    "skos": v.SKOS,
    "rdfs": v.RDFS,
    "rdf": v.RDF,
    "xsd": v.XSD,
    "locn": v.LOCN,
    "hydra": v.HYDRA,
    "schema": v.SCHEMA_HTTPS,
    "ex": "http://example.org/ns#",
}
_SUFFIX = st.text(_IRI_CHARS, max_size=12).filter(lambda s: not s.startswith("//"))


_BLANK_IDS = st.text(st.sampled_from(list("abcXYZ019_.-~")), min_size=1, max_size=8).map(
    lambda label: "_:" + label
)


def _compact(prefixes: dict[str, str]) -> st.SearchStrategy[str]:
    return st.builds(lambda p, s: f"{p}:{s}", st.sampled_from(sorted(prefixes)), _SUFFIX)


# -- literals --------------------------------------------------------------------------------

LANGUAGES = st.one_of(
    st.sampled_from(["fr", "en", "de", "FR", "fr-FR", "en-GB", "fr-ca", "zh-Hant-TW"]),
    st.sampled_from(["i-klingon", "x-private", "sgn-BE-FR", "abcdefgh-12345678", "EN-us"]),
    st.from_regex(r"\A[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,3}\Z"),
)
_DATATYPES = st.sampled_from(
    [
        "xsd:date",
        "xsd:dateTime",
        "xsd:gYear",
        "xsd:gYearMonth",
        "xsd:integer",
        "xsd:decimal",
        "xsd:string",
        "xsd:boolean",
        "xsd:nonNegativeInteger",
        "rdf:langString",  # without a language: odd but parseable
        "rdf:HTML",
        "ex:customType",
        "http://example.org/dt/x%20y",
        "urn:odd:datatype",
    ]
)
_LEXICAL = st.one_of(
    texts,
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.integers(-(10**30), 10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["2023-02-29", "0000-01-01", "2024-13-01", "2024", "2024-05", "-1", "1e3"]),
)


#: A JSON-LD literal: plain, language-tagged, typed, or a native JSON value.
LITERALS = st.one_of(
    texts,
    st.builds(lambda t, lang: {"@value": t, "@language": lang}, texts, LANGUAGES),
    st.builds(lambda t, dt: {"@value": t, "@type": dt}, _LEXICAL, _DATATYPES),
    st.integers(-(10**18), 10**18),
    st.booleans(),
    st.just(None),
)


# -- pages -----------------------------------------------------------------------------------

_LOOSE_VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.builds(lambda xs: {"@list": xs}, st.lists(texts, max_size=3)),
    st.builds(lambda t: {"@value": t, "@language": "en", "@direction": "rtl"}, texts),
    st.builds(lambda t: {"@id": t}, st.sampled_from(["relative/path", "../up", "#frag", "?q=1"])),
    st.lists(st.lists(texts, max_size=2), max_size=2),
    st.builds(lambda t: {"@value": t, "@type": "@json"}, texts),
    st.builds(lambda t: {"@value": {"a": t}, "@type": "@json"}, texts),
)
_LOOSE_CONTEXT = st.sampled_from(
    [
        {"@vocab": "http://example.org/vocab#"},
        {"@language": "fr"},
        {"sub": "dcat:sub/"},  # a compact IRI as a prefix: expands through dcat
        {"title": "http://purl.org/dc/terms/title"},
        {"title": {"@id": "dct:title", "@language": "fr"}},
        {"noslash": "http://example.org/x"},  # not usable as a prefix
        {"http": "http://example.org/"},  # shadows a scheme
    ]
)


NAMING = ["foaf:name", "vcard:fn", "vcard:hasEmail", "skos:prefLabel", "rdfs:label", "dct:title"]
DATASET_PROPERTIES = (
    "dct:title",
    "dct:description",
    "dct:identifier",
    "dct:issued",
    "dct:created",
    "dct:modified",
    "dct:accessRights",
    "dcat:theme",
    "dcat:keyword",
    "dct:creator",
    "dct:rightsHolder",
    "dct:publisher",
    "dcat:contactPoint",
    "adms:status",
    "dct:spatial",
    "dct:license",
    "dcat:landingPage",
    "dct:language",
    "dct:temporal",
    "dct:accrualPeriodicity",
    "dcat:distribution",
    "foaf:isPrimaryTopicOf",
    "dcat:inCatalog",
    "dcat:bbox",
    "locn:geometry",
    "dcat:startDate",
    "dcat:endDate",
    "http://purl.org/dc/terms/title",
    "ex:unknown",
)
DISTRIBUTION_PROPERTIES = (
    "dct:title",
    "dcat:accessURL",
    "dcat:downloadURL",
    "dct:format",
    "dcat:mediaType",
    "dct:license",
    "dcat:byteSize",
    "dct:issued",
    "dct:modified",
    "dct:rights",
)
HYDRA_PROPERTIES = (
    "hydra:totalItems",
    "hydra:itemsPerPage",
    "hydra:nextPage",
    "hydra:next",
    "hydra:lastPage",
    "hydra:last",
)


#: Optional extra prefixes: a page may declare them or not (then ``a.b:x`` is an IRI).
EXTRA_PREFIXES = {"é": "http://example.org/é/", "a.b": "urn:x:", "x-1": "https://e.x/#"}
_ALL_PREFIXES = {**PREFIXES, **EXTRA_PREFIXES}
IRIS = st.one_of(absolute_iris, _compact(_ALL_PREFIXES))
#: A small fixed pool of node ids so that nodes of a page refer to each other; two of
#: them name the same IRI, one compact and one absolute.
NODE_IDS = (
    "http://example.org/d1",
    "ex:d1",
    "http://example.org/ns#d1",
    "https://data.gouv.fr/é 1",
    "dcat:x",
    "_:b1",
    "_:b2",
    "_:ckan-3",
)
_IDS = st.one_of(st.sampled_from(NODE_IDS), IRIS, _BLANK_IDS)
_REF = st.builds(lambda i: {"@id": i}, _IDS)


def _with_duplicate(xs: list[Any]) -> list[Any]:
    return [*xs, xs[0]] if xs else xs


def _embedded(props: list[str], inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(
        lambda ident, items: {**({"@id": ident} if ident else {}), **dict(items)},
        st.one_of(st.none(), st.sampled_from(NODE_IDS)),
        st.lists(st.tuples(st.sampled_from(props), inner), max_size=3),
    )


def _values(loose: bool) -> st.SearchStrategy[Any]:
    """Property values: one or a list, literals, references, embedded nodes (3 deep)."""
    inner: st.SearchStrategy[Any] | None = None
    for _depth in range(4):
        options = [LITERALS, _REF]
        if inner is not None:
            options += [_embedded(NAMING, inner), _embedded(list(DATASET_PROPERTIES), inner)]
        if loose:
            options.append(_LOOSE_VALUES)
        single = st.one_of(*options)
        inner = st.one_of(
            single,
            st.lists(single, max_size=4),
            st.lists(single, min_size=1, max_size=3).map(_with_duplicate),
        )
    assert inner is not None
    return inner


def _nodes(
    values: st.SearchStrategy[Any], types: list[str], props: tuple[str, ...] | list[str]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _node,
        st.one_of(st.none(), _IDS),
        st.sampled_from(types).map(lambda t: t.split() if " " in t else t),
        st.lists(st.tuples(st.sampled_from(props), values), max_size=8),
    )


def _graph_items(loose: bool) -> st.SearchStrategy[dict[str, Any]]:
    values = _values(loose)
    datasets = _nodes(
        values,
        ["dcat:Dataset", "dcat:Dataset dcat:DatasetSeries", "dcat:Dataset ex:Other"],
        DATASET_PROPERTIES,
    )
    distributions = _nodes(values, ["dcat:Distribution", "ex:Thing"], DISTRIBUTION_PROPERTIES)
    others = _nodes(
        values,
        ["skos:Concept", "foaf:Organization", "vcard:Kind", "dcat:Catalog", "dct:PeriodOfTime"],
        [*NAMING, "dcat:dataset", "dct:title", "dcat:startDate", "dcat:endDate"],
    )
    hydra = _nodes(
        values, ["hydra:PagedCollection", "hydra:PartialCollectionView"], HYDRA_PROPERTIES
    )
    bare = st.builds(lambda i: {"@id": i}, st.sampled_from(NODE_IDS))  # states nothing
    return st.one_of(datasets, datasets, distributions, others, hydra, bare)


_EXTRA_CONTEXT = st.dictionaries(st.sampled_from(sorted(EXTRA_PREFIXES)), st.none()).map(
    lambda names: {name: EXTRA_PREFIXES[name] for name in names}
)


def ckan_pages(*, loose: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A compact JSON-LD page with datasets, distributions, labels, catalog and Hydra."""
    context = _EXTRA_CONTEXT.map(lambda extra: {**PREFIXES, **extra})
    if loose:
        context = st.one_of(
            context,
            st.builds(lambda c, more: {**c, **more}, context, _LOOSE_CONTEXT),
        )
    return st.builds(
        lambda ctx, graph: {"@context": ctx, "@graph": graph},
        context,
        st.lists(_ITEMS[loose], max_size=8),
    )


def _node(
    ident: str | None, types: str | list[str], items: list[tuple[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {} if ident is None else {"@id": ident}
    out["@type"] = types
    for key, value in items:
        out[key] = value
    return out


_ITEMS = {False: _graph_items(False), True: _graph_items(True)}
