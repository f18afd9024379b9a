"""The sample generator: deterministic, parseable, counted right, shaped like Ecosphères."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyoxigraph as ox
import pytest

from dcat_quality.sample import SampleSummary, write_sample

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
SERIES = ox.NamedNode("http://www.w3.org/ns/dcat#DatasetSeries")
FORMATS = {
    "jsonld": ox.RdfFormat.JSON_LD,
    "ttl": ox.RdfFormat.TURTLE,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _triples(path: Path, fmt: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(_read(path), format=FORMATS[fmt])]


def _count(triples: list[ox.Triple], cls: ox.NamedNode = DATASET) -> int:
    return len({t.subject for t in triples if t.predicate == RDF_TYPE and t.object == cls})


def _good_pages(summary: SampleSummary) -> list[Path]:
    return [p for p in sorted(summary.output.iterdir()) if p.name not in summary.bad_pages]


@pytest.fixture(scope="module")
def jsonld_sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return write_sample(tmp_path_factory.mktemp("jsonld"), datasets=530, page_size=50)


def test_summary_counts(jsonld_sample: SampleSummary) -> None:
    assert jsonld_sample.datasets == 530
    assert jsonld_sample.good_pages == 11
    assert len(jsonld_sample.bad_pages) == 1  # at least one from 3 good pages
    assert jsonld_sample.pages == 12
    names = sorted(p.name for p in jsonld_sample.output.iterdir())
    assert names == [f"page-{i:05d}.json" for i in range(1, 13)]


def test_is_deterministic_byte_for_byte(tmp_path: Path, jsonld_sample: SampleSummary) -> None:
    again = write_sample(tmp_path / "again", datasets=530, page_size=50)
    assert again.bad_pages == jsonld_sample.bad_pages
    for path in sorted(jsonld_sample.output.iterdir()):
        assert (again.output / path.name).read_bytes() == path.read_bytes(), path.name
    other = write_sample(tmp_path / "other", datasets=50, page_size=50, seed=7)
    assert (other.output / "page-00001.json").read_bytes() != (
        jsonld_sample.output / "page-00001.json"
    ).read_bytes()


def test_every_good_page_parses_and_counts_match(jsonld_sample: SampleSummary) -> None:
    total = 0
    distributions = 0
    for path in _good_pages(jsonld_sample):
        triples = _triples(path, "jsonld")
        total += _count(triples)
        distributions += _count(triples, ox.NamedNode("http://www.w3.org/ns/dcat#Distribution"))
    assert total == jsonld_sample.datasets
    assert distributions == jsonld_sample.distributions


def test_pages_look_like_the_ecospheres_exposition(jsonld_sample: SampleSummary) -> None:
    page = orjson.loads((jsonld_sample.output / "page-00003.json").read_bytes())
    assert {"dcat", "dcterms", "foaf", "rdfs", "xsd"} <= set(page["@context"])
    graph = page["@graph"]
    [hydra] = [n for n in graph if str(n["@type"]).endswith("hydra/core#PagedCollection")]
    assert hydra["http://www.w3.org/ns/hydra/core#totalItems"] == 530
    assert hydra["http://www.w3.org/ns/hydra/core#itemsPerPage"] == 50
    assert hydra["http://www.w3.org/ns/hydra/core#nextPage"].endswith("page=4")
    assert hydra["http://www.w3.org/ns/hydra/core#previousPage"].endswith("page=2")
    catalog = next(n for n in graph if "dcat:dataset" in n)
    described = [n for n in graph if "dcat:Dataset" in n["@type"]]
    assert len(catalog["dcat:dataset"]) >= len(described) == 50
    text = b"".join(p.read_bytes() for p in _good_pages(jsonld_sample)).decode()
    for expected in (
        "dcterms:rights_holder",
        "dcterms:rightsHolder",
        "dcterms:publisher",
        "http://www.w3.org/ns/adms#status",
        "dataset-status/COMPLETED",
        "onGoing",
        "http://id.insee.fr/geo/commune/2A",
        "http://id.insee.fr/geo/commune/2B",
        "http://id.insee.fr/geo/commune/974",
        "http://id.insee.fr/geo/departement/976",
        "prévention des risques naturels",
        "PPRN",
        "Pas de restriction d'accès public selon INSPIRE",
        "Licence Ouverte",
        "https://spdx.org/licenses/etalab-2.0",
        "https://www.iana.org/assignments/media-types/",
        "xsd:nonNegativeInteger",
        "xsd:decimal",
        "dcat:DatasetSeries",
        "POLYGON((",
        "rdf:langString",
        "dcat:CatalogRecord",
        "vcard/ns#hasEmail",
    ):
        assert expected in text, expected


def test_fill_rates_are_close_to_the_real_page(jsonld_sample: SampleSummary) -> None:
    dcat = "http://www.w3.org/ns/dcat#"
    dct = "http://purl.org/dc/terms/"
    datasets: dict[object, set[str]] = {}
    blank = 0
    for path in _good_pages(jsonld_sample):
        triples = _triples(path, "jsonld")
        typed = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == DATASET}
        blank += sum(isinstance(s, ox.BlankNode) for s in typed)
        for t in triples:
            if t.subject in typed:
                datasets.setdefault(t.subject, set()).add(t.predicate.value)
    n = len(datasets)

    def rate(prop: str) -> float:
        return sum(prop in props for props in datasets.values()) / n

    assert rate(dct + "title") == 1.0
    assert 0.5 < rate(dct + "modified") < 0.7  # real page: 45/75
    assert 0.55 < rate(dcat + "contactPoint") < 0.8  # 50/75
    assert rate(dcat + "theme") > 0.9
    assert rate(dct + "spatial") == 1.0
    assert 0 < blank < n * 0.1


def test_bad_pages_really_fail(jsonld_sample: SampleSummary) -> None:
    [name] = jsonld_sample.bad_pages
    with pytest.raises(SyntaxError):
        _triples(jsonld_sample.output / name, "jsonld")


def test_bad_page_kinds(tmp_path: Path) -> None:
    summary = write_sample(tmp_path, datasets=1000, page_size=5)  # 200 pages → 4 bad ones
    assert len(summary.bad_pages) == 4
    contents = [(tmp_path / name).read_bytes() for name in summary.bad_pages]
    assert contents[1].startswith(b"<html>")
    assert b"502 Bad Gateway" in contents[1]
    # a JSON answer that is not DCAT: valid JSON-LD without a single triple
    assert orjson.loads(contents[2])["success"] is False
    assert list(ox.parse(contents[2], format=ox.RdfFormat.JSON_LD)) == []
    for content in (contents[0], contents[1], contents[3]):
        with pytest.raises(SyntaxError):
            list(ox.parse(content, format=ox.RdfFormat.JSON_LD))


@pytest.mark.parametrize(("fmt", "suffix"), [("ttl", ".ttl"), ("rdfxml", ".rdf")])
def test_turtle_and_rdfxml_hold_the_same_graph(
    tmp_path: Path, jsonld_sample: SampleSummary, fmt: str, suffix: str
) -> None:
    summary = write_sample(tmp_path, datasets=530, page_size=50, fmt=fmt)  # type: ignore[arg-type]
    assert summary.bad_pages == tuple(n.replace(".json", suffix) for n in jsonld_sample.bad_pages)
    assert summary.datasets == jsonld_sample.datasets
    assert summary.distributions == jsonld_sample.distributions
    total = 0
    for path in _good_pages(summary):
        assert path.suffix == suffix
        triples = _triples(path, fmt)
        reference = _triples(jsonld_sample.output / path.name.replace(suffix, ".json"), "jsonld")
        assert len(triples) == len(reference)
        assert _count(triples, SERIES) == _count(reference, SERIES)
        total += _count(triples)
    assert total == summary.datasets
    for name in summary.bad_pages:
        with pytest.raises(SyntaxError):
            _triples(tmp_path / name, fmt)


def test_gzip_variant(tmp_path: Path, jsonld_sample: SampleSummary) -> None:
    summary = write_sample(tmp_path, datasets=530, page_size=50, gzip=True)
    assert all(p.name.endswith(".json.gz") for p in tmp_path.iterdir())
    good = _good_pages(summary)
    assert _read(good[0]) == (jsonld_sample.output / "page-00001.json").read_bytes()
    assert sum(_count(_triples(p, "jsonld")) for p in good) == 530
    again = write_sample(tmp_path / "again", datasets=530, page_size=50, gzip=True)
    assert (again.output / good[0].name).read_bytes() == good[0].read_bytes()


def test_truncated_gzip_page_is_read_as_a_page_error(tmp_path: Path) -> None:
    from dcat_quality.errors import PageError
    from dcat_quality.sources import LocalSource, iter_pages

    summary = write_sample(tmp_path, datasets=200 * 5, page_size=5, gzip=True)
    source = LocalSource(tmp_path)
    results = dict(iter_pages(source, source.list_pages()))
    errors = [ref.key for ref, data in results.items() if isinstance(data, PageError)]
    assert errors == [summary.bad_pages[3]]  # the fourth kind: a truncated gzip


def test_rewriting_replaces_previous_pages_only(tmp_path: Path) -> None:
    write_sample(tmp_path, datasets=500, page_size=50)
    (tmp_path / "notes.txt").write_text("mine")
    summary = write_sample(tmp_path, datasets=20, page_size=50, bad_pages=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "page-00001.json"]
    assert summary.bad_pages == ()
    assert summary.pages == 1


def test_small_samples_have_no_bad_page(tmp_path: Path) -> None:
    summary = write_sample(tmp_path, datasets=100, page_size=50)
    assert summary.bad_pages == ()
    assert summary.pages == 2
    empty = write_sample(tmp_path / "empty", datasets=0)
    assert empty.pages == 0
    assert empty.datasets == 0
    with pytest.raises(ValueError, match="page_size"):
        write_sample(tmp_path, datasets=1, page_size=0)
