"""Fidelity of the scores on real records: what issue 13 measures before and after.

A harness, not a test: it prints figures and asserts nothing.

    .venv/bin/python benchmarks/fidelity.py                  # everything
    .venv/bin/python benchmarks/fidelity.py --no-pyshacl     # scores only (seconds)
    .venv/bin/python benchmarks/fidelity.py --json out.json  # the figures as JSON too

For every file of ``shared/realdata`` that holds datasets (and for the Ecosphères page on
its own) it prints the number of datasets passing each of the 23 MQA indicators and the
mean MQA score, in the ``without-link-checks`` variant (no URL is fetched) with the
DCAT-AP compliance verdict of our native checks.

Then the **compliance agreement**: for each dataset, our verdict against pyshacl with the
official SEMIC shapes (``shared/reference/dcat-ap-shacl``, read in place), DCAT-AP 3.0.1
and 2.1.1, "Base" case (the version's ``shapes`` file; a dataset complies when pyshacl
reports no ``sh:Violation``). The reference graph of a dataset is built here, on its own:
every triple reachable from the dataset node, following IRIs and blank nodes, stopping at
other datasets, catalogues and catalogue records (the per-dataset figures of
``reference/dcat-ap-shacl/README.md`` are made the same way). Last, the time our native
checks and pyshacl take per dataset.

The script reads the library through the functions that exist at the revision it runs
on, so the same figures can be taken before and after a change (``benchmarks/
fidelity-before.txt`` holds the output taken before issue 13's changes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
if not (SHARED / "realdata").is_dir():  # a worktree under /work/wt: shared/ is beside it
    SHARED = ROOT.parent.parent / "shared"
ECOSPHERES = "ecospheres-ckan/test_dcat_exposition.json"
VERSIONS = {"3.0.1": "3.0.1/shapes.ttl", "2.1.1": "2.1.1/dcat-ap_2.1.1_shacl_shapes.ttl"}

DCAT = "http://www.w3.org/ns/dcat#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_STOP = frozenset(
    (DCAT + "Dataset", DCAT + "DatasetSeries", DCAT + "Catalog", DCAT + "CatalogRecord")
)


@dataclass
class Dataset:
    """One dataset of a real file, with what each measurement needs."""

    file: str
    record: Any
    graph: Any
    node: str
    violations: int = 0  # of our native checks (default version)
    native: dict[str, bool] = field(default_factory=dict)  # version → our verdict
    official: dict[str, int] = field(default_factory=dict)  # version → pyshacl violations


def _read_page(data: bytes, name: str) -> tuple[Any, list[tuple[Any, str]]]:
    """(page graph, [(record, dataset node)]) with whatever this revision offers."""
    from dcat_quality.dcat import parse

    read_page = getattr(parse, "read_page", None)
    if read_page is not None:  # the API of issue 15 onwards
        page = read_page(data, name)
        return page.graph, [(record, subject) for record, subject, _ in page.nodes]
    from dcat_quality.dcat.extract import extract_datasets_with_nodes

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    fmt = parse.detect_format(data, name)
    if fmt == "jsonld":
        graph, _ = parse._jsonld_graph(data, name, True)
    elif fmt == "rdfxml":
        graph = parse._rdfxml_graph(data, name)
    else:
        graph = parse._pyoxigraph(data, fmt, name)
    return graph, [(r, s) for r, s, _ in extract_datasets_with_nodes(graph)]


def _is_rdf(name: str) -> bool:
    """An ``.xml`` real file that is RDF/XML rather than ISO 19139."""
    return "iso19139" not in name and not name.startswith("ecospheres-iso-dcat/")


def load(realdata: Path) -> list[Dataset]:
    """Every dataset of every real file the parser reads."""
    from dcat_quality.errors import PageError

    out: list[Dataset] = []
    for path in sorted(realdata.rglob("*")):
        if not path.is_file() or path.name == "MANIFEST.md":
            continue
        name = str(path.relative_to(realdata))
        try:
            graph, found = _read_page(path.read_bytes(), name)
        except PageError:
            continue
        out.extend(Dataset(name, record, graph, node) for record, node in found)
    return out


def _native(version: str | None = None) -> Callable[[Any, str], list[Any]]:
    """Our checks; with a version, the DCAT-AP version's (after issue 13)."""
    from dcat_quality.quality import shacl

    if version is None:
        return shacl.check_dataset  # type: ignore[no-any-return]
    return lambda graph, node: shacl.check_dataset(graph, node, version)


def _complies(violations: list[Any]) -> bool:
    """Our verdict: no violation (before issue 13 every result was one)."""
    return all(getattr(v, "severity", "Violation") != "Violation" for v in violations)


def _versioned() -> bool:
    from dcat_quality.quality import shacl

    return hasattr(shacl, "DCAT_AP_VERSIONS")


def _score(record: Any, compliant: bool) -> Any:
    from dcat_quality.quality import mqa

    return mqa.score_dataset(record, dcat_ap_compliant=compliant)


# -- scores ----------------------------------------------------------------------------------


def score_table(datasets: list[Dataset]) -> tuple[dict[str, int], dict[str, int], float, int]:
    """(passes per indicator, not measured per indicator, mean total, datasets)."""
    passes: Counter[str] = Counter()
    unmeasured: Counter[str] = Counter()
    totals = []
    for ds in datasets:
        result = _score(ds.record, ds.violations == 0)
        totals.append(result.total)
        for row in result.rows:
            if row.passed:
                passes[row.indicator_id] += 1
            elif row.passed is None:
                unmeasured[row.indicator_id] += 1
    mean = statistics.fmean(totals) if totals else 0.0
    return dict(passes), dict(unmeasured), mean, len(datasets)


def _indicators() -> list[str]:
    try:
        from dcat_quality.quality.builtin import default_registry
    except ImportError:  # before issue 14 split the registry
        from dcat_quality.quality.registry import default_registry

    return [i.id for i in default_registry() if i.family == "mqa"]


# -- compliance -------------------------------------------------------------------------------


def reachable(graph: Any, dataset: str) -> list[tuple[str, str, Any]]:
    """Every triple reachable from the dataset, stopping at other datasets and catalogues."""
    props = graph.properties
    nodes, seen = [dataset], {dataset}
    for node in nodes:
        for objects in props(node).values():
            for obj in objects:
                if not isinstance(obj, str) or obj in seen:
                    continue
                seen.add(obj)
                if _STOP.isdisjoint(props(obj).get(RDF_TYPE, ())):
                    nodes.append(obj)
    return [(n, p, o) for n in nodes for p, objects in props(n).items() for o in objects]


def _rdflib_graph(triples: Iterable[tuple[str, str, Any]]) -> Any:
    import rdflib

    def term(value: Any) -> Any:
        if not isinstance(value, str):
            datatype = rdflib.URIRef(value.datatype) if value.datatype else None
            return rdflib.Literal(value.value, lang=value.lang, datatype=datatype, normalize=False)
        return rdflib.BNode(value[2:]) if value.startswith("_:") else rdflib.URIRef(value)

    graph = rdflib.Graph()
    for s, p, o in triples:
        graph.add((term(s), rdflib.URIRef(p), term(o)))
    return graph


def pyshacl_violations(data: Any, shapes: Any) -> int:
    """Results of severity sh:Violation pyshacl reports (warnings do not fail)."""
    import pyshacl
    import rdflib

    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return sum(
        1
        for result in report.subjects(rdflib.RDF.type, sh.ValidationResult)
        if (None, sh.result, result) in report
        and report.value(result, sh.resultSeverity) == sh.Violation
    )


def official(datasets: list[Dataset], reference: Path) -> dict[str, float]:
    """pyshacl on each dataset's reachable graph, per version; median ms per dataset."""
    import rdflib

    timings: dict[str, float] = {}
    for version, relative in VERSIONS.items():
        shapes = rdflib.Graph().parse(reference / relative, format="turtle")
        times = []
        for ds in datasets:
            data = _rdflib_graph(reachable(ds.graph, ds.node))
            started = time.perf_counter()
            ds.official[version] = pyshacl_violations(data, shapes)
            times.append(time.perf_counter() - started)
        timings[version] = 1000 * statistics.median(times)
    return timings


def native_timing(datasets: list[Dataset], version: str | None = None, rounds: int = 20) -> float:
    """Median µs per dataset of our native checks (best of ``rounds`` per dataset)."""
    check = _native(version)
    times = []
    for ds in datasets:
        best = min(_timed(check, ds) for _ in range(rounds))
        times.append(best)
    return 1e6 * statistics.median(times)


def _timed(check: Callable[[Any, str], list[Any]], ds: Dataset) -> float:
    started = time.perf_counter()
    check(ds.graph, ds.node)
    return time.perf_counter() - started


# -- report -----------------------------------------------------------------------------------


def _score_lines(title: str, datasets: list[Dataset], ids: list[str]) -> tuple[list[str], Any]:
    passes, unmeasured, mean, count = score_table(datasets)
    lines = [f"\n{title}: {count} datasets, mean MQA score {mean:.1f} / 405", ""]
    lines.append(f"  {'indicator':<44}{'passed':>8}{'not measured':>14}")
    for indicator in ids:
        lines.append(
            f"  {indicator:<44}{passes.get(indicator, 0):>8}{unmeasured.get(indicator, 0):>14}"
        )
    return lines, {"datasets": count, "mean": mean, "passed": passes, "not_measured": unmeasured}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--realdata", type=Path, default=SHARED / "realdata")
    parser.add_argument("--reference", type=Path, default=SHARED / "reference" / "dcat-ap-shacl")
    parser.add_argument("--no-pyshacl", action="store_true", help="skip the compliance part")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    everything = load(args.realdata)
    check = _native()
    for ds in everything:
        ds.violations = 0 if _complies(check(ds.graph, ds.node)) else 1
        for version in VERSIONS:
            ds.native[version] = (
                _complies(_native(version)(ds.graph, ds.node))
                if _versioned()
                else ds.violations == 0
            )
    # the 28 RDF files measured before issue 13; ISO 19139 records (read since issue 15)
    # are reported apart so that the before/after figures stay comparable
    datasets = [ds for ds in everything if not ds.file.endswith(".xml") or _is_rdf(ds.file)]
    iso = [ds for ds in everything if ds not in datasets]
    files = sorted({ds.file for ds in datasets})
    ids = _indicators()
    figures: dict[str, Any] = {"files": len(files)}
    lines = [f"{len(files)} real RDF files hold {len(datasets)} datasets:"]
    lines += [f"  {name} ({sum(ds.file == name for ds in datasets)})" for name in files]
    block, figures["realdata"] = _score_lines("All real RDF files", datasets, ids)
    lines += block
    if iso:
        block, figures["iso19139"] = _score_lines(
            f"ISO 19139 records mapped to DCAT ({len({d.file for d in iso})} files)", iso, ids
        )
        lines += block
    block, figures["ecospheres"] = _score_lines(
        "Ecosphères page", [ds for ds in datasets if ds.file == ECOSPHERES], ids
    )
    lines += block
    native_us = native_timing(datasets)
    figures["native_us_per_dataset"] = native_us
    if not args.no_pyshacl:
        pyshacl_ms = official(datasets, args.reference)
        figures["pyshacl_ms_per_dataset"] = pyshacl_ms
        ours_default = [ds.violations == 0 for ds in datasets]
        lines.append(
            f"\nDCAT-AP compliance: our default check says compliant for {sum(ours_default)}"
            f" of {len(datasets)} datasets"
        )
        figures["compliance"] = {"ours_compliant": sum(ours_default)}
        for version in VERSIONS:
            ours = [ds.native[version] for ds in datasets]
            theirs = [ds.official[version] == 0 for ds in datasets]
            agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
            false_pass = sum(a and not b for a, b in zip(ours, theirs, strict=True))
            false_fail = sum(b and not a for a, b in zip(ours, theirs, strict=True))
            lines.append(
                f"  DCAT-AP {version}: ours {sum(ours)}, official shapes {sum(theirs)}; "
                f"agreement {agree}/{len(datasets)} ({100 * agree / len(datasets):.1f} %), "
                f"we pass {false_pass} they fail, we fail {false_fail} they pass"
            )
            figures["compliance"][version] = {
                "official_compliant": sum(theirs),
                "agree": agree,
                "we_pass_they_fail": false_pass,
                "we_fail_they_pass": false_fail,
            }
        lines.append("\nSpeed per dataset (median):")
        lines.append(f"  native checks, default version  {native_us:10.1f} µs")
        if _versioned():
            for version in VERSIONS:
                us = native_timing(datasets, version)
                figures[f"native_us_per_dataset_{version}"] = us
                lines.append(f"  native checks, DCAT-AP {version}  {us:10.1f} µs")
        for version, ms in pyshacl_ms.items():
            ratio = 1000 * ms / native_us
            lines.append(f"  pyshacl {version}  {1000 * ms:10.1f} µs  (×{ratio:.0f})")
    else:
        lines.append(f"\nnative checks: {native_us:.1f} µs per dataset (median)")
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=dict))


if __name__ == "__main__":
    main()
