"""DCAT-AP compliance: native checks against pyshacl, our shapes and the official ones."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from pathlib import Path

import orjson
import pytest

from dcat_quality.dcat import jsonld_fast, rdf
from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal
from dcat_quality.dcat.parse import base_iri_for, detect_format, parse_page
from dcat_quality.errors import PageError
from dcat_quality.quality import shacl
from dcat_quality.quality.shacl import (
    Violation,
    check_dataset,
    check_graph,
    dataset_subgraph,
    is_date_literal,
    validate_with_pyshacl,
)

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "dcat-ap-shacl"
if not OFFICIAL.is_dir():  # CI lays shared/ beside the clone
    OFFICIAL = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "dcat-ap-shacl"

DCT, DCAT, XSD = v.DCT, v.DCAT, v.XSD
EX = "https://example.org/"

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
"""

#: A record breaking every constraint we cover, each in a way the official shapes see too
#: (plus a blank description and bad dataset dates, which only ours see).
INVALID = (
    PREFIXES
    + """
ex:bad a dcat:Dataset ;
    dct:description "   "@fr ;
    dct:publisher ex:org-a, ex:org-b ;
    dct:accessRights "public" ;
    dct:issued "12/03/2020" ;
    dct:modified "2020-02-30"^^xsd:date ;
    dcat:distribution ex:no-url, ex:untyped, "a CSV file", [
        a dcat:Distribution ;
        dcat:accessURL "www.example.org/data.csv" ;
        dcat:downloadURL "data.csv" ;
        dct:issued "31/12/2019" ;
        dct:modified "2020-01-01"^^xsd:date, "2021-01-01"^^xsd:date
    ] .
ex:no-url a dcat:Distribution ; dct:title "CSV" .
ex:untyped dcat:accessURL ex:data .
"""
)

VALID = (
    PREFIXES
    + """
ex:good a dcat:Dataset ;
    dct:title "Qualité de l'air"@fr, "Air quality"@en ;
    dct:description "Mesures horaires des polluants atmosphériques."@fr ;
    dct:publisher [ a foaf:Agent ; foaf:name "Ministère de la transition écologique" ] ;
    dct:issued "2020-01-01"^^xsd:date ;
    dct:modified "2024-05-31T12:00:00+02:00"^^xsd:dateTime ;
    dcat:distribution [
        a dcat:Distribution ;
        dcat:accessURL <https://example.org/air> ;
        dcat:downloadURL <https://example.org/air.csv> ;
        dct:issued "2020"^^xsd:gYear ;
        dct:modified "2024-05"^^xsd:gYearMonth
    ] .
"""
)


def _graph(turtle: str) -> Graph:
    return rdf.parse_graph(turtle.encode(), "turtle")


def _keys(violations: list[Violation]) -> Counter[tuple[str, str, str]]:
    return Counter((x.focus, x.path, x.constraint) for x in violations)


def _blank_distribution(graph: Graph, dataset: str) -> str:
    return next(
        str(d)
        for d in graph.objects(dataset, DCAT + "distribution")
        if isinstance(d, str) and d.startswith("_:")
    )


# -- crafted records --------------------------------------------------------------------------


def test_invalid_record_violations() -> None:
    graph = _graph(INVALID)
    ds = EX + "bad"
    blank = _blank_distribution(graph, ds)
    expected = Counter(
        {
            (ds, DCT + "title", "minCount"): 1,
            (ds, DCT + "description", "pattern"): 1,
            (ds, DCT + "publisher", "maxCount"): 1,
            (ds, DCT + "accessRights", "nodeKind"): 1,
            (ds, DCT + "issued", "node"): 1,
            (ds, DCT + "modified", "node"): 1,
            (ds, DCAT + "distribution", "nodeKind"): 1,  # the literal
            (ds, DCAT + "distribution", "class"): 2,  # the literal and ex:untyped
            (EX + "no-url", DCAT + "accessURL", "minCount"): 1,
            (blank, DCAT + "accessURL", "nodeKind"): 1,
            (blank, DCAT + "downloadURL", "nodeKind"): 1,
            (blank, DCT + "issued", "node"): 1,
            (blank, DCT + "modified", "maxCount"): 1,
        }
    )
    violations = check_dataset(graph, ds)
    assert _keys(violations) == expected
    assert {x.severity for x in violations} == {"Violation"}


def test_invalid_record_messages_say_what_to_fill() -> None:
    graph = _graph(INVALID)
    messages = {
        (x.path, x.constraint): x.message
        for x in check_dataset(graph, EX + "bad")
        if x.focus in (EX + "bad", EX + "no-url")
    }
    assert messages[DCT + "title", "minCount"] == (
        "The dataset has no dct:title: add one (a short text literal, one per language)."
    )
    assert messages[DCAT + "accessURL", "minCount"].startswith(
        "The distribution has no dcat:accessURL: add one (the IRI of the page"
    )
    assert (
        '"12/03/2020" is not a typed date: write it as "2024-05-31"^^xsd:date'
        in (messages[DCT + "issued", "node"])
    )
    assert "has 2 dct:publisher values: keep one" in messages[DCT + "publisher", "maxCount"]
    assert '"public", which is not a node' in messages[DCT + "accessRights", "nodeKind"]


def test_valid_record_has_no_violation() -> None:
    graph = _graph(VALID)
    assert check_dataset(graph, EX + "good") == []
    assert check_graph(graph) == {EX + "good": []}


@pytest.mark.slow
@pytest.mark.parametrize(("turtle", "dataset"), [(INVALID, EX + "bad"), (VALID, EX + "good")])
def test_crafted_records_agree_with_pyshacl(turtle: str, dataset: str) -> None:
    graph = _graph(turtle)
    assert _keys(validate_with_pyshacl(graph, dataset)) == _keys(check_dataset(graph, dataset))


def test_untyped_node_is_not_a_target() -> None:
    """As in SHACL: a node is checked only when its own rdf:type names the class."""
    graph = _graph(PREFIXES + "ex:d dct:title ex:x ; dcat:distribution [ dct:title 'x' ] .")
    assert check_dataset(graph, EX + "d") == []


# -- the subgraph -----------------------------------------------------------------------------


def test_subgraph_stops_at_other_datasets_and_catalogs() -> None:
    graph = _graph(
        PREFIXES
        + """
        ex:cat a dcat:Catalog ; dcat:dataset ex:a, ex:b .
        ex:a a dcat:Dataset ; dct:title "A" ; dct:hasPart ex:b, [ a dcat:Dataset ; dct:title "C" ] ;
            dct:publisher ex:org ; dct:temporal [ dcat:startDate "2020-01-01"^^xsd:date ] ;
            dcat:distribution ex:dist .
        ex:dist a dcat:Distribution ; dcat:accessService [ dct:title "WMS" ] .
        ex:b a dcat:Dataset ; dct:title "B" .
        ex:org foaf:name "Org" .
    """
    )
    subjects = {s for s, _, _ in dataset_subgraph(graph, EX + "a")}
    assert EX + "a" in subjects
    assert EX + "dist" in subjects  # a distribution IRI is followed
    assert not subjects & {EX + "b", EX + "cat", EX + "org"}
    blanks = {s for s in subjects if s.startswith("_:")}
    assert len(blanks) == 2  # the temporal node and the access service, not the nested dataset
    assert (EX + "a", DCT + "publisher", EX + "org") in dataset_subgraph(graph, EX + "a")


# -- dates ------------------------------------------------------------------------------------

DATE_CASES = [
    ("2020-01-01", XSD + "date", True),
    ("2020-01-01Z", XSD + "date", True),
    ("2020-01-01+14:00", XSD + "date", True),
    ("2020-02-29", XSD + "date", True),
    ("2021-02-29", XSD + "date", False),
    ("0000-01-01", XSD + "date", False),
    ("2020-1-1", XSD + "date", False),
    ("2020-01-01T00:00:00", XSD + "date", False),  # rdflib alone would accept it
    ("2020-01-01\n", XSD + "date", False),
    ("", XSD + "date", False),
    ("2020-01-01T10:00:00", XSD + "dateTime", True),
    ("2020-01-01T10:00:00.123456789Z", XSD + "dateTime", True),
    ("2020-01-01T10:00:00-05:30", XSD + "dateTime", True),
    ("2020-01-01T10:00", XSD + "dateTime", False),  # rdflib alone would accept it
    ("2020-01-01 10:00:00", XSD + "dateTime", False),  # rdflib alone would accept it
    ("2020-01-01T24:00:00", XSD + "dateTime", False),
    ("2020-01-01T10:00:00+15:00", XSD + "dateTime", False),
    ("2020", XSD + "gYear", True),
    ("2020Z", XSD + "gYear", True),
    ("20", XSD + "gYear", False),
    ("2020-05", XSD + "gYearMonth", True),
    ("2020-13", XSD + "gYearMonth", False),
    ("2020-01-01", None, False),
    ("2020-01-01", XSD + "string", False),
    ("٢٠٢٠", XSD + "gYear", False),  # Arabic-Indic digits are not XSD digits
]


@pytest.mark.parametrize(("text", "datatype", "ok"), DATE_CASES)
def test_date_literal(text: str, datatype: str | None, ok: bool) -> None:
    assert is_date_literal(Literal(text, None, datatype)) is ok


def test_date_literal_rejects_language_tags_and_nodes() -> None:
    assert not is_date_literal(Literal("2020-01-01", "fr", None))
    assert not is_date_literal(EX + "2020")
    assert not is_date_literal("_:b0")


@pytest.mark.slow
def test_date_cases_agree_with_pyshacl() -> None:
    graph = Graph()
    ds = EX + "d"
    for i, (text, datatype, _) in enumerate(DATE_CASES):
        dist = f"{EX}dist/{i}"
        graph.add(ds, DCAT + "distribution", dist)
        graph.add(dist, v.TYPE, shacl.DISTRIBUTION)
        graph.add(dist, DCAT + "accessURL", EX + "data")
        graph.add(dist, DCT + "issued", Literal(text, None, datatype))
    native = check_dataset(graph, ds)
    assert {x.focus for x in native} == {
        f"{EX}dist/{i}" for i, (_, _, ok) in enumerate(DATE_CASES) if not ok
    }
    assert _keys(validate_with_pyshacl(graph, ds)) == _keys(native)


# -- random graphs: native == pyshacl -----------------------------------------------------------

_DATATYPES = [
    None,
    XSD + "date",
    XSD + "dateTime",
    XSD + "gYear",
    XSD + "gYearMonth",
    XSD + "integer",
]
_TEXTS = [
    "",
    " ",
    "\n",
    "x",
    "Titre",
    "2020",
    "2020\n",
    "2020-05",
    "2020-01-01",
    "2020-02-30",
    "0000-01-01",
    "2020-01-01Z\n",
    "2020-01-01T10:00",
    "2020-01-01T10:00:00",
    "2020-01-01T10:00:00.5+14:00",
    "2020-01-01T23:59:60",
    "12/03/2020",
    "-2020-01-01",
]
_PATHS = sorted({rule.path for _, rules in shacl.SHAPES for rule in rules})


def _random_literal(rng: random.Random) -> Literal:
    if rng.random() < 0.7:
        text = rng.choice(_TEXTS)
    else:  # any characters, digits of other scripts included
        text = "".join(
            chr(rng.choice((rng.randrange(32, 127), rng.randrange(0x80, 0x3000))))
            for _ in range(rng.randrange(13))
        )
    datatype = rng.choice(_DATATYPES)
    lang = rng.choice([None, "fr"]) if datatype is None else None
    return Literal(text, lang, datatype)


def _random_graph(seed: int) -> Graph:
    rng = random.Random(seed)
    nodes = [EX + "d", EX + "n1", EX + "n2", "_:b1", "_:b2"]
    graph = Graph()
    for node in nodes:
        for _ in range(rng.randrange(3)):
            graph.add(node, v.TYPE, rng.choice([v.DATASET, shacl.DISTRIBUTION, v.CATALOG]))
        for path in _PATHS:
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                value = rng.choice(nodes) if rng.random() < 0.3 else _random_literal(rng)
                graph.add(node, path, value)
    return graph


@pytest.mark.slow
def test_random_graphs_agree_with_pyshacl() -> None:
    """Seeded random graphs (dates, blanks, counts, types, node kinds): same violations."""
    for seed in range(80):
        graph = _random_graph(seed)
        native = _keys(check_dataset(graph, EX + "d"))
        assert _keys(validate_with_pyshacl(graph, EX + "d")) == native, f"seed {seed}"


# -- real data: native == pyshacl on every dataset --------------------------------------------


def _realdata_graphs(realdata: Path) -> list[tuple[str, Graph]]:
    """Every file ``parse_page`` accepts, as pyoxigraph reads it (and the fast path, too)."""
    graphs: list[tuple[str, Graph]] = []
    for path in sorted(realdata.rglob("*")):
        if not path.is_file() or path.suffix == ".md":
            continue
        data = path.read_bytes()
        name = str(path.relative_to(realdata))
        try:
            parse_page(data, name)
        except PageError:
            continue
        fmt = detect_format(data, name)
        if fmt not in rdf.FORMATS:  # ISO 19139: mapped to DCAT by dcat.iso19139, not RDF
            continue
        graphs.append((name, rdf.parse_graph(data, fmt, base_iri=base_iri_for(name))))
        if fmt == "jsonld":
            with contextlib.suppress(jsonld_fast.NotFastPath):
                graphs.append((f"{name} (fast path)", jsonld_fast.parse_graph(orjson.loads(data))))
    return graphs


#: Native violations per file on the real data (pyshacl finds the same ones).
EXPECTED_REALDATA = {
    "ckanext-dcat-examples/dataset_deri.ttl": 2,
    "ckanext-dcat-examples/dataset_gob_es.ttl": 1,
    "ckanext-dcat-examples/dataset_sweden.rdf": 2,
    "ecospheres-ckan/test_dcat_exposition.json": 74,
    "ecospheres-ckan/test_dcat_exposition.json (fast path)": 74,
    "ecospheres-dido-fixture/rdf_dummy.xml": 1,
    "govdata-de/catalog-endpoint.rdf": 1,
    "opendata-swiss/1894.xml": 1,
    "opendata-swiss/1901.xml": 1,
    "opendata-swiss/catalog.xml": 10,
    "opendata-swiss/dataset-datetimes.xml": 6,
    "zurich-ckan/dcatap-ch_catalog.ttl": 497,
}


@pytest.mark.slow
def test_realdata_native_equals_pyshacl(realdata: Path) -> None:
    counts: dict[str, int] = {}
    mismatches: list[str] = []
    datasets = 0
    for name, graph in _realdata_graphs(realdata):
        native = check_graph(graph)
        datasets += len(native)
        for dataset, violations in native.items():
            reference = validate_with_pyshacl(graph, dataset)
            if _keys(reference) != _keys(violations):
                mismatches.append(
                    f"{name} {dataset}: pyshacl {_keys(reference)}, native {_keys(violations)}"
                )
            if violations:
                counts[name] = counts.get(name, 0) + len(violations)
    assert mismatches == []
    assert counts == EXPECTED_REALDATA
    assert datasets >= 330


def test_realdata_ecospheres_violations(realdata: Path) -> None:
    """The Ecosphères page: 74 of 75 datasets state dct:accessRights twice."""
    name = "ecospheres-ckan/test_dcat_exposition.json"
    graph = rdf.parse_graph((realdata / name).read_bytes(), "jsonld")
    by_dataset = check_graph(graph)
    assert len(by_dataset) == 75
    found = Counter((x.path, x.constraint) for vs in by_dataset.values() for x in vs)
    assert found == {(DCT + "accessRights", "maxCount"): 74}


# -- the shapes file and the native rules say the same thing ----------------------------------


def test_shapes_file_matches_native_rules() -> None:
    import rdflib
    from rdflib.namespace import SH

    shapes = rdflib.Graph().parse(shacl.shapes_path(), format="turtle")
    declared = set()
    for shape, target in shapes.subject_objects(SH.targetClass):
        for prop in shapes.objects(shape, SH.property):

            def one(predicate: rdflib.URIRef, _p: rdflib.term.Node = prop) -> str | None:
                value = shapes.value(_p, predicate)
                return None if value is None else str(value)

            min_count = one(SH.minCount)
            max_count = one(SH.maxCount)
            kind = one(SH.nodeKind)
            declared.add(
                (
                    str(target),
                    one(SH.path),
                    int(min_count) if min_count else 0,
                    int(max_count) if max_count else None,
                    kind.rsplit("#", 1)[-1] if kind else None,
                    one(SH["class"]),
                    one(SH.pattern) == r"\S",
                    (one(SH.node) or "").endswith(":DateOrDateTime"),
                )
            )
    native = {
        (target, r.path, r.min_count, r.max_count, r.node_kind, r.class_, r.non_blank, r.date)
        for target, rules in shacl.SHAPES
        for rule in rules
        for r in (rule,)
    }
    assert declared == native

    patterns = {}
    (options,) = shapes.objects(None, SH["or"])
    for option in shapes.items(options):
        patterns[str(shapes.value(option, SH.datatype))] = str(shapes.value(option, SH.pattern))
    assert patterns == {
        XSD + "date": f"^{shacl._DATE.pattern}$",
        XSD + "dateTime": f"^{shacl._DATETIME.pattern}$",
        XSD + "gYear": shacl._GYEAR.pattern,
        XSD + "gYearMonth": shacl._GYEARMONTH.pattern,
    }


# -- the official SEMIC shapes agree on what we both check ------------------------------------

_DATASET_FOCUS, _OTHER_FOCUS = "dataset", "distribution"
#: (focus kind, path, constraint) that DCAT-AP 3.0.1 (shapes + range) and we both check.
BOTH = {
    *(
        (_DATASET_FOCUS, DCT + p, c)
        for p in ("title", "description")
        for c in ("minCount", "nodeKind")
    ),
    *(
        (_DATASET_FOCUS, DCT + p, c)
        for p in ("publisher", "accessRights")
        for c in ("maxCount", "nodeKind")
    ),
    (_DATASET_FOCUS, DCAT + "distribution", "nodeKind"),
    (_DATASET_FOCUS, DCAT + "distribution", "class"),
    (_DATASET_FOCUS, DCT + "issued", "maxCount"),
    (_DATASET_FOCUS, DCT + "modified", "maxCount"),
    (_OTHER_FOCUS, DCAT + "accessURL", "minCount"),
    (_OTHER_FOCUS, DCAT + "accessURL", "nodeKind"),
    (_OTHER_FOCUS, DCAT + "downloadURL", "nodeKind"),
    *((_OTHER_FOCUS, DCT + p, c) for p in ("issued", "modified") for c in ("maxCount", "node")),
}


def _official(version: str) -> list[Path]:
    folder = OFFICIAL / version
    if not folder.is_dir():
        pytest.fail(f"official DCAT-AP shapes not found at {folder}")
    return [folder / "shapes.ttl", folder / "range.ttl"]


def _covered(violations: list[Violation], dataset: str) -> Counter[tuple[str, str, str]]:
    return Counter(
        (x.focus, x.path, x.constraint)
        for x in violations
        if ((_DATASET_FOCUS if x.focus == dataset else _OTHER_FOCUS), x.path, x.constraint) in BOTH
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.0.0", "3.0.1"])
def test_official_shapes_agree_on_invalid_record(version: str) -> None:
    graph = _graph(INVALID)
    ds = EX + "bad"
    official = validate_with_pyshacl(graph, ds, shapes=_official(version))
    native = check_dataset(graph, ds)
    assert _covered(official, ds) == _covered(native, ds)
    assert sum(_covered(native, ds).values()) == 11  # all but the two only we see
    # What only our shapes see here: a blank description and wrong dataset dates.
    only_ours = _keys(native) - _keys(official)
    assert only_ours == Counter(
        {
            (ds, DCT + "description", "pattern"): 1,
            (ds, DCT + "issued", "node"): 1,
            (ds, DCT + "modified", "node"): 1,
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.0.0", "3.0.1"])
def test_official_shapes_accept_valid_record(version: str) -> None:
    graph = _graph(VALID)
    assert validate_with_pyshacl(graph, EX + "good", shapes=_official(version)) == []
    assert check_dataset(graph, EX + "good") == []


@pytest.mark.slow
def test_official_shapes_are_laxer_where_we_say_so() -> None:
    """The documented differences: lexical date forms, blank-node URLs, dataset dates."""
    graph = _graph(
        PREFIXES
        + """
        ex:d a dcat:Dataset ; dct:title "T" ; dct:description "D" ;
            dct:modified "not a date" ;
            dcat:distribution [ a dcat:Distribution ; dcat:accessURL [ ] ;
                                dct:issued "2020-01-01T10:00"^^xsd:dateTime ] .
    """
    )
    official = _keys(validate_with_pyshacl(graph, EX + "d", shapes=_official("3.0.1")))
    native = _keys(check_dataset(graph, EX + "d"))
    assert not official
    assert sorted((p.rsplit("/", 1)[-1].rsplit("#", 1)[-1], c) for _, p, c in native) == [
        ("accessURL", "nodeKind"),
        ("issued", "node"),
        ("modified", "node"),
    ]


def test_missing_pyshacl_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from dcat_quality.errors import ConfigError

    real_import = builtins.__import__

    def no_pyshacl(name: str, *args: object, **kwargs: object) -> object:
        if name == "pyshacl":
            raise ImportError("No module named 'pyshacl'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_pyshacl)
    with pytest.raises(ConfigError, match=r'pip install "dcat-quality\[shacl\]"'):
        validate_with_pyshacl(_graph(VALID), EX + "good")
