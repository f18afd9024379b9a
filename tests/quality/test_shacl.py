"""DCAT-AP compliance: the compiled official shapes, run natively, against pyshacl.

The reference is pyshacl with the official SEMIC files read in place
(``shared/reference/dcat-ap-shacl``, never copied); the native engine must report the same
results (focus, path, constraint component, severity, value) on every real dataset, for
DCAT-AP 3.0.1 and 2.1.1, and on seeded random graphs.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dcat_quality.dcat import rdf
from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term
from dcat_quality.dcat.parse import read_page
from dcat_quality.errors import ConfigError, PageError
from dcat_quality.quality import shacl, shacl_compile
from dcat_quality.quality.shacl import (
    DEFAULT_DCAT_AP_VERSION,
    Violation,
    check_dataset,
    check_graph,
    complies,
    dataset_subgraph,
    validate_with_pyshacl,
)
from dcat_quality.quality.shacl_compile import SPECS, UnsupportedShape

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "dcat-ap-shacl"
if not OFFICIAL.is_dir():  # CI lays shared/ beside the clone
    OFFICIAL = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "dcat-ap-shacl"

VERSIONS = ("3.0.1", "2.1.1")
DCT, DCAT, XSD, SKOS = v.DCT, v.DCAT, v.XSD, v.SKOS
EX = "https://example.org/"
DISTRIBUTION = DCAT + "Distribution"


def _files(version: str) -> list[Path]:
    """The version's official core shapes file(s), read in place."""
    return [OFFICIAL / name for name in SPECS[version].files]


def _keys(violations: Iterable[Violation]) -> Counter[tuple[str, str, str, str, Term | None]]:
    return Counter((x.focus, x.path, x.constraint, x.severity, x.value) for x in violations)


@dataclass(frozen=True)
class RealDataset:
    file: str
    graph: Graph
    node: str


@pytest.fixture(scope="session")
def real_datasets(realdata: Path) -> list[RealDataset]:
    """Every dataset of every real file the chain reads, with its page graph."""
    found: list[RealDataset] = []
    for path in sorted(realdata.rglob("*")):
        if not path.is_file() or path.suffix == ".md":
            continue
        name = str(path.relative_to(realdata))
        try:
            page = read_page(path.read_bytes(), name)
        except PageError:
            continue
        found.extend(RealDataset(name, page.graph, subject) for _, subject, _ in page.nodes)
    return found


def _one(datasets: list[RealDataset], file: str) -> RealDataset:
    matches = [ds for ds in datasets if ds.file == file]
    assert len(matches) == 1, file
    return matches[0]


# -- the compiled shapes are the official ones --------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_bundled_shapes_are_the_official_files_compiled(version: str) -> None:
    """The shipped JSON is what the compiler makes of the official files today (drift)."""
    compiled = shacl_compile.compile_files(OFFICIAL, SPECS[version])
    assert shacl_compile.dump(compiled) == shacl_compile.bundled_path(version).read_text(
        encoding="utf-8"
    ), "regenerate with `make shapes`"
    assert shacl.shapes(version).shapes == compiled.shapes
    assert len(compiled.shapes) == {"3.0.1": 15, "2.1.1": 14}[version]


def test_unsupported_shacl_is_refused_by_name() -> None:
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
    cases = {
        "closed": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
        "targetNode": "ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:property [ sh:path ex:p ] .",
        "sequence path": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        "sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] .",
        "minLength": "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minLength 2 ] .",
    }
    spec = shacl_compile.CompileSpec("x", "x", (), "", "")
    for case, turtle in cases.items():
        graph = rdf.parse_graph((prefixes + turtle).encode(), "turtle")
        with pytest.raises(UnsupportedShape):
            shacl_compile.compile_graph(graph, spec)
        assert case  # each case names what it exercises


def test_default_version_is_the_one_data_europa_eu_uses() -> None:
    assert DEFAULT_DCAT_AP_VERSION == "2.1.1"
    with pytest.raises(ConfigError, match="choose one of"):
        shacl.shapes("3.0.0")


# -- native == pyshacl on every real dataset ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_native_equals_pyshacl_on_every_real_dataset(
    real_datasets: list[RealDataset], version: str
) -> None:
    mismatches = []
    compliant = 0
    for ds in real_datasets:
        native = check_dataset(ds.graph, ds.node, version)
        reference = validate_with_pyshacl(ds.graph, ds.node, _files(version))
        if _keys(native) != _keys(reference):
            mismatches.append(
                f"{ds.file} {ds.node}: native-only {_keys(native) - _keys(reference)}, "
                f"pyshacl-only {_keys(reference) - _keys(native)}"
            )
        compliant += complies(native)
    assert mismatches == []
    assert len(real_datasets) >= 260
    # far from the 76 of 260 the mandatory subset passed before issue 13
    assert compliant == {"3.0.1": 13, "2.1.1": 61}[version]


def _paths(violations: Iterable[Violation]) -> Counter[tuple[str, str, str]]:
    return Counter((x.path, x.constraint, x.severity) for x in violations)


def test_norway_formats_written_as_text_fail_3_0_1_only(real_datasets: list[RealDataset]) -> None:
    """SVV writes ``dct:format "CSV"``: 3.0.x asks for an IRI there, 2.1.1 does not."""
    svv = [ds for ds in real_datasets if ds.file == "norway-svv-ckan/catalog_SVV.ttl"]
    assert len(svv) == 43
    assert all(complies(check_dataset(ds.graph, ds.node, "2.1.1")) for ds in svv)
    failing = [ds for ds in svv if not complies(check_dataset(ds.graph, ds.node, "3.0.1"))]
    assert len(failing) == 38
    for ds in failing:
        found = _paths(check_dataset(ds.graph, ds.node, "3.0.1"))
        assert set(found) == {(DCT + "format", "nodeKind", "Violation")}


def test_eurostat_concepts_without_label(real_datasets: list[RealDataset]) -> None:
    """The Eurostat record: five skos:Concept without skos:prefLabel, an agent without
    foaf:name (both versions), in each of its four serialisations."""
    for suffix in ("jsonld", "nt", "rdf", "ttl"):
        ds = _one(
            real_datasets,
            f"plume-mtes/dcat_eurostat_bilan_nutritif_brut_terre_agricole.{suffix}",
        )
        for version in VERSIONS:
            found = _paths(check_dataset(ds.graph, ds.node, version))
            assert found[(SKOS + "prefLabel", "minCount", "Violation")] == 5, (suffix, version)
            assert found[(v.FOAF + "name", "minCount", "Violation")] == 1


def test_statbel_location_with_two_bounding_boxes(real_datasets: list[RealDataset]) -> None:
    statbel = [ds for ds in real_datasets if ds.file.startswith("belgium-statbel/statbel")]
    assert len(statbel) == 10
    for version in VERSIONS:
        boxes = sum(
            _paths(check_dataset(ds.graph, ds.node, version))[
                (DCAT + "bbox", "maxCount", "Violation")
            ]
            for ds in statbel
        )
        assert boxes >= 1, version


def test_geoide_2_distribution_with_several_licences(real_datasets: list[RealDataset]) -> None:
    ds = _one(real_datasets, "ecospheres-iso-dcat/geoide_2.ttl")
    found = check_dataset(ds.graph, ds.node, "3.0.1")
    licences = [x for x in found if x.path == DCT + "license" and x.constraint == "maxCount"]
    assert licences
    assert all("Distribution" in x.message for x in licences)
    assert not complies(found)


def test_warnings_are_listed_but_do_not_fail() -> None:
    """3.0.1's DatasetSeries shape warns when no dataset points to the series."""
    graph = _turtle(
        """
        ex:s a dcat:Dataset, dcat:DatasetSeries ;
            dct:title "Séries"@fr ; dct:description "Une série."@fr .
        """
    )
    found = check_dataset(graph, EX + "s", "3.0.1")
    assert [(x.severity, x.constraint, x.path) for x in found] == [
        ("Warning", "minCount", "^" + DCAT + "inSeries")
    ]
    assert complies(found)
    assert _keys(found) == _keys(validate_with_pyshacl(graph, EX + "s", _files("3.0.1")))


# -- crafted and random graphs ----------------------------------------------------------------

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
"""


def _turtle(body: str) -> Graph:
    return rdf.parse_graph((PREFIXES + body).encode(), "turtle")


@pytest.mark.parametrize("version", VERSIONS)
def test_subclasses_of_the_data_graph_are_followed(version: str) -> None:
    """A node typed with a subclass of dcat:Dataset (declared in the data) is a target."""
    graph = _turtle(
        """
        ex:d a ex:SpecialDataset ; dct:publisher ex:a, ex:b ; ex:kind ex:SpecialDataset .
        ex:SpecialDataset rdfs:subClassOf dcat:Dataset .
        """
    )
    found = check_dataset(graph, EX + "d", version)
    assert _keys(found) == _keys(validate_with_pyshacl(graph, EX + "d", _files(version)))
    assert (DCT + "title", "minCount") in {(x.path, x.constraint) for x in found}


def test_the_subgraph_stops_at_other_datasets_and_catalogues() -> None:
    graph = _turtle(
        """
        ex:a a dcat:Dataset ; dct:title "A" ; dct:description "A" ;
            dct:relation ex:b ; dct:publisher ex:org ; dcat:distribution [ a dcat:Distribution ] .
        ex:b a dcat:Dataset .
        ex:org a foaf:Agent ; foaf:name "Org" .
        ex:cat a dcat:Catalog ; dcat:dataset ex:a .
        """
    )
    subjects = {s for s, _, _ in dataset_subgraph(graph, EX + "a")}
    assert EX + "b" not in subjects
    assert EX + "cat" not in subjects
    assert EX + "org" in subjects  # IRIs described in the page are followed too
    assert len(subjects) == 3  # the dataset, the agent, the blank distribution
    assert check_graph(graph, "3.0.1").keys() == {EX + "a", EX + "b"}


_LEXICAL = {
    XSD + "date": [
        "2020-01-01",
        "2020-1-1",
        "2020-02-30",
        "2020-01-01Z",
        "2020-01-01+02:00",
        "20200101",
        "2020-01-01T10:00",
        "",
        "-2020-01-01",
        "2020-W01-1",
    ],
    XSD + "dateTime": [
        "2020-01-01T10:00:00",
        "2020-01-01 10:00",
        "2020-01-01",
        "2020-13-01T00:00",
        "2020-01-01T10:00:00.123456+01:00",
        "now",
    ],
    XSD + "gYear": ["2020", "twenty"],
    XSD + "decimal": ["1.5", "1e3", " 12 ", "NaN", "abc", "1_000", "-0"],
    XSD + "nonNegativeInteger": ["12", "-3", "1.0", " 7", "+5", "x"],
    XSD + "duration": ["P1D", "PT5M", "P", "1D", "P2020-01-01T00:00:00", "-P1Y2M"],
    XSD + "hexBinary": ["0fA1", "0f1", "zz", ""],
    XSD + "string": ["text"],
}


def _random_literal(rng: random.Random) -> Literal:
    roll = rng.random()
    if roll < 0.15:
        return Literal(rng.choice(["Titre", "", "  "]), rng.choice([None, "fr", "en"]), None)
    datatype = rng.choice(list(_LEXICAL))
    return Literal(
        rng.choice(_LEXICAL[datatype]), None, None if datatype.endswith("string") else datatype
    )


def _random_graph(seed: int, version: str) -> Graph:
    """Nodes typed with the shapes' target classes, values of every kind on their paths."""
    rng = random.Random(seed)
    compiled = shacl.shapes(version)
    classes = sorted({cls for shape in compiled.shapes for cls in shape.targets})
    paths = sorted({p.path for shape in compiled.shapes for p in shape.properties if p.path})
    nodes = [EX + "d", EX + "n1", EX + "n2", "_:b1", "_:b2", "_:b3"]
    graph = Graph()
    graph.add(EX + "d", v.TYPE, v.DATASET)
    for node in nodes:
        for _ in range(rng.randrange(3)):
            graph.add(node, v.TYPE, rng.choice(classes))
        for path in rng.sample(paths, 8):
            for _ in range(rng.choice((1, 1, 2, 3))):
                kind = rng.random()
                value: Term = (
                    rng.choice(nodes)
                    if kind < 0.35
                    else EX + "x"
                    if kind < 0.45
                    else _random_literal(rng)
                )
                graph.add(node, path, value)
    return graph


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_random_graphs_native_equals_pyshacl(version: str) -> None:
    for seed in range(30):
        graph = _random_graph(seed, version)
        native = check_dataset(graph, EX + "d", version)
        reference = validate_with_pyshacl(graph, EX + "d", _files(version))
        assert _keys(native) == _keys(reference), f"seed {seed}"


def test_the_coverage_table_names_every_semic_shape() -> None:
    """docs/conformite-dcat-ap.md lists each named shape of each official file."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "conformite-dcat-ap.md").read_text()
    sh = "http://www.w3.org/ns/shacl#"
    missing = []
    for version in VERSIONS:
        for path in sorted((OFFICIAL / version).rglob("*.ttl")):
            graph = rdf.parse_graph(path.read_bytes(), "turtle")
            for subject, props in graph.items():
                if subject.startswith("_:"):
                    continue
                if sh + "NodeShape" in props.get(v.TYPE, ()) or sh + "targetClass" in props:
                    name = subject.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                    if name not in doc or path.name not in doc:
                        missing.append(f"{version}/{path.name}: {name}")
    assert missing == []
