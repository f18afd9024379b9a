"""What the parse workers run: page bytes → records → indicators → warehouse rows.

A dataset whose version (the digest of its inputs and of the run's scoring inputs) the
published run already holds is not scored: it comes back as that version only.

Kept apart from ``pipeline`` so that a worker process imports only parsing and scoring
(pyoxigraph, orjson and our own modules), not the sources, the warehouse client or the
CLI: each of the two workers then holds about half the memory.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import NamedTuple

import orjson

from dcat_quality._version import __version__
from dcat_quality.dcat.graph import Graph, is_iri
from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.dcat.parse import PageGraph, read_page
from dcat_quality.dcat.records import DatasetRecord, ParsedPage, RdfFinding
from dcat_quality.errors import PageError
from dcat_quality.quality import ecospheres, hvd_indicators, mqa
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.profile import DEFAULT_PROFILE, ScoringProfile, scoring_identity
from dcat_quality.quality.registry import CheckContext, Registry
from dcat_quality.quality.shacl import Violation, check_dataset, closure, complies
from dcat_quality.warehouse.digest import KnownVersions, version_digest
from dcat_quality.warehouse.rows import (
    ISO19139,
    PageRepair,
    Row,
    dataset_rows,
    keyed,
    metadata_format,
    page_repairs,
)


@dataclass(frozen=True, slots=True)
class PageFailure:
    """Why a page was quarantined (a picklable copy of its ``PageError``)."""

    file: str
    reason: str
    position: str | None
    hint: str | None

    @classmethod
    def of(cls, error: PageError) -> PageFailure:
        return cls(error.file, error.reason, error.position, error.hint)

    @property
    def message(self) -> str:
        where = self.file + (f" ({self.position})" if self.position else "")
        return f"{where}: {self.reason}" + (f" — {self.hint}" if self.hint else "")


class ScoredDataset(NamedTuple):
    """One dataset as the warehouse rows to load (its version's), with its score.

    A plain tuple, and no records: this crosses from the worker to the loading process
    for every dataset, and unpickling dataclasses there cost more than loading the rows.
    """

    dataset_id: str
    version: bytes
    fill_rate: float
    total: int
    max_points: int
    rating: str
    rows: list[tuple[str, Row]]


class UnchangedDataset(NamedTuple):
    """A dataset whose version the published run already holds: not scored again."""

    dataset_id: str
    version: bytes


@dataclass(frozen=True, slots=True)
class ScoredPage:
    """A page's datasets, parsed and scored by the worker that read it, and the page's
    RDF/XML repairs summed up by kind (``rows.page_repairs``)."""

    datasets: tuple[ScoredDataset | UnchangedDataset, ...]
    repairs: tuple[PageRepair, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoringContext:
    """What scoring a page needs besides the page, the same for every page of a run.

    ``fingerprint`` digests the scoring inputs (``scoring_inputs``); ``known`` holds the
    versions of the published run, whose datasets are not scored again (empty for a
    complete recomputation); ``profile`` holds the run's scoring choices (DCAT-AP
    version, licence lists).
    """

    link_status: Mapping[str, int] | None = None
    fingerprint: str = ""
    known: KnownVersions = field(default_factory=KnownVersions)
    shacl: bool = True
    profile: ScoringProfile = DEFAULT_PROFILE


class DatasetInputs(NamedTuple):
    """Everything a dataset's rows are made from, besides the run's scoring inputs.

    Its digest is the dataset's version: what enters the rows must be here. A new
    per-dataset input (a finding, a measurement) is one more field, and so part of the
    version without anything else to change.

    The DCAT-AP results are not here but what they are computed from (``subgraph``, see
    ``subgraph_inputs``): so a dataset whose version is known is not even checked.
    """

    record: DatasetRecord
    subgraph: list[object] | None  # subgraph_inputs; None: DCAT-AP not checked
    findings: tuple[RdfFinding, ...]  # lenient RDF/XML readings that touched it
    read_as: str  # rows.metadata_format: ISO 19139 (well-formed RDF not measured) or DCAT
    links: tuple[tuple[str, int | None], ...] | None  # its URLs' statuses (full variant)

    def version(self, fingerprint: str) -> bytes:
        return version_digest(fingerprint, self)


def subgraph_inputs(
    graph: Graph, nodes: Sequence[str], node_ids: Mapping[str, str]
) -> list[object]:
    """What the DCAT-AP results of a dataset are made from, to be digested.

    The validator reads the triples of the dataset's closure (``nodes``,
    ``quality.shacl.closure``) and nothing else, in the closure's order; the results
    then name nodes by the stable ids of ``node_ids`` (``_stable_focus``). So: each node
    of the closure with its properties, in that order, every node (subject or object)
    written as itself, or as ``[itself, stable id]`` when it has one. A blank node is
    "itself" by its rank of first appearance, never by its label: pyoxigraph draws
    labels at random and the fast JSON-LD path counts them along the page, so a label
    would make a new version of an unchanged dataset at every parse, or whenever a
    neighbour before it on the page gained a blank node.
    """
    get = graph.lookup()
    names: dict[str, object] = {}

    def name(term: str) -> object:
        found = names.get(term)
        if found is None:
            own = f"_:{len(names)}" if term.startswith("_:") else term
            stable = node_ids.get(term)
            found = names[term] = own if stable is None else [own, stable]
        return found

    out: list[object] = []
    for node in nodes:
        props = get(node) or {}
        out.append(name(node))
        out.append(
            {
                predicate: [obj if obj.__class__ is not str else name(obj) for obj in objects]
                for predicate, objects in props.items()
            }
        )
    return out


def _link_inputs(
    record: DatasetRecord, link_status: Mapping[str, int] | None
) -> tuple[tuple[str, int | None], ...] | None:
    """The link-check results the score of ``record`` reads (None without link checks)."""
    if link_status is None:
        return None
    urls = {u for d in record.distributions for u in (d.access_url, d.download_url) if u}
    return tuple((url, link_status.get(url)) for url in sorted(urls))


def scoring_inputs(
    registry: Registry, profile: ScoringProfile, *, link_checks: bool, shacl: bool = True
) -> dict[str, str]:
    """Everything besides a dataset that changes its rows: the inputs of a score
    (``quality.profile.scoring_identity``: methodology, vocabularies, licence lists,
    DCAT-AP shapes, variant), the indicators and their bits in the masks, and the software
    itself. A change of any of them makes every dataset a new version."""
    indicators = [(i.id, i.family, i.dimension, i.points, i.level, i.kind) for i in registry]
    return {
        **scoring_identity(profile, link_checks=link_checks, dcat_ap=shacl),
        "software": __version__,
        "indicators": hashlib.blake2b(orjson.dumps(indicators), digest_size=16).hexdigest(),
        "check positions": orjson.dumps(check_positions(registry)).decode(),
    }


def fingerprint(inputs: Mapping[str, str]) -> str:
    """The digest of ``scoring_inputs``, as recorded in ``runs.scoring_inputs``."""
    return hashlib.blake2b(orjson.dumps(dict(sorted(inputs.items()))), digest_size=16).hexdigest()


#: Families whose checks get a bit in the score masks: MQA first, then the HVD checks
#: (appended, so the MQA bits of earlier runs keep their meaning).
MASKED_FAMILIES = ("mqa", "hvd")
#: Checks of other families that get a bit too, after those families' checks: the ones
#: whose outcome no column of the dataset row holds (the other Ecosphères checks are
#: read from hist_datasets).
MASKED_CHECKS = ("ecospheres.well_formed_rdf",)


def check_positions(registry: Registry) -> dict[str, int]:
    """Bit of each MQA and HVD check, then of each ``MASKED_CHECKS`` registered, in the
    score masks (registry order, MQA first)."""
    positions: dict[str, int] = {}
    for family in MASKED_FAMILIES:
        for indicator in registry:
            if indicator.family != family or indicator.kind != "check":
                continue
            positions[indicator.id] = len(positions)
    for indicator_id in MASKED_CHECKS:
        if indicator_id in registry and registry.get(indicator_id).kind == "check":
            positions[indicator_id] = len(positions)
    if len(positions) > 31:  # the masks are PostgreSQL integers
        raise ValueError(f"{len(positions)} checks do not fit in the 31-bit score masks")
    return positions


@cache
def _default_positions() -> dict[str, int]:
    """``check_positions`` of the default registry, computed once per process."""
    return check_positions(default_registry())


def check_page(
    page: PageGraph, version: str = DEFAULT_PROFILE.dcat_ap_version
) -> dict[str, tuple[Violation, ...]]:
    """The DCAT-AP SHACL results of every dataset of a page, keyed by dataset id.

    Checked on the page graph, so in the process that parsed the page; blank-node focus
    labels are replaced by the stable ids of the records.
    """
    return {
        record.dataset_id: _stable_focus(
            check_dataset(page.graph, subject, version), node_ids, record.dataset_id
        )
        for record, subject, node_ids in page.nodes
    }


def _stable_focus(
    violations: list[Violation], node_ids: dict[str, str], dataset_id: str
) -> tuple[Violation, ...]:
    def stable(node: str) -> str:
        found = node_ids.get(node)
        if found is None:
            found = node if is_iri(node) else f"{dataset_id}#blank-node"
        return found

    out = []
    for violation in violations:
        focus = stable(violation.focus)
        value = violation.value
        if isinstance(value, str):  # a blank node's label is the parser's: never kept
            value = stable(value)
        if focus != violation.focus or value != violation.value:
            violation = Violation(  # noqa: PLW2901 - not dataclasses.replace: hot path
                focus,
                violation.path,
                violation.message,
                violation.severity,
                violation.constraint,
                value,
                violation.shape,
            )
        out.append(violation)
    return tuple(sorted(out, key=lambda x: (x.focus, x.path, x.constraint, x.message)))


def masked_checks(
    record: DatasetRecord,
    positions: Mapping[str, int],
    registry: Registry,
    context: CheckContext,
) -> tuple[int, int]:
    """The measured and passed bits of the ``MASKED_CHECKS`` of one dataset."""
    measured = passed = 0
    for indicator_id in MASKED_CHECKS:
        position = positions.get(indicator_id)
        if position is None:
            continue
        outcome = registry.entry(indicator_id).check(record, context)
        if outcome is not None:
            measured |= 1 << position
            if outcome:
                passed |= 1 << position
    return measured, passed


def score_page(graph_page: PageGraph, context: ScoringContext | None = None) -> ScoredPage:
    """The Ecosphères indicators, MQA score and SHACL findings of every dataset of a page,
    as the rows of its version; a dataset whose version ``context.known`` holds comes back
    as an ``UnchangedDataset``, not scored. ``context.shacl=False`` leaves DCAT-AP
    unchecked."""
    context = context or _DEFAULT_CONTEXT
    registry = default_registry()
    positions = _default_positions()
    link_status = context.link_status
    graph, page = graph_page.graph, graph_page.page
    findings = dict(page.dataset_findings)
    read_as = metadata_format(page.parser)
    scored: list[ScoredDataset | UnchangedDataset] = []
    for record, subject, node_ids in graph_page.nodes:
        nodes = closure(graph, subject) if context.shacl else None
        inputs = DatasetInputs(
            record,
            subgraph_inputs(graph, nodes, node_ids) if nodes is not None else None,
            findings.get(record.dataset_id, ()),
            read_as,
            _link_inputs(record, link_status),
        )
        version = inputs.version(context.fingerprint)
        if version in context.known:
            scored.append(UnchangedDataset(record.dataset_id, version))
            continue
        violations = None
        if nodes is not None:
            found = check_dataset(graph, subject, context.profile.dcat_ap_version, nodes=nodes)
            violations = _stable_focus(found, node_ids, record.dataset_id)
        scored.append(_score(inputs, violations, version, registry, positions, context))
    return ScoredPage(tuple(scored), page_repairs(page.findings))


def _score(
    inputs: DatasetInputs,
    violations: tuple[Violation, ...] | None,
    version: bytes,
    registry: Registry,
    positions: dict[str, int],
    context: ScoringContext,
) -> ScoredDataset:
    """One dataset's rows, made from ``inputs`` (and the run's scoring inputs) alone."""
    record, found = inputs.record, violations
    summary = mqa.summarise(
        record,
        positions,
        dcat_ap_compliant=complies(found) if found is not None else None,
        registry=registry,
        link_status=context.link_status,
        vocabularies=context.profile.vocabularies,
    )
    if record.hvd is not None:
        measured, passed = hvd_indicators.masks(record, positions, registry)
        summary = replace(
            summary,
            measured_mask=summary.measured_mask | measured,
            passed_mask=summary.passed_mask | passed,
        )
    checks = CheckContext(
        vocabularies=context.profile.vocabularies,
        rdf_repairs=(
            tuple(r.code for r in inputs.findings) if inputs.read_as != ISO19139 else None
        ),
    )
    measured, passed = masked_checks(record, positions, registry, checks)
    summary = replace(
        summary,
        measured_mask=summary.measured_mask | measured,
        passed_mask=summary.passed_mask | passed,
    )
    indicators = ecospheres.compute(record)
    return ScoredDataset(
        record.dataset_id,
        version,
        indicators.fill_rate,
        summary.total,
        summary.max_points,
        summary.rating,
        keyed(
            version,
            dataset_rows(
                record,
                indicators,
                score=summary,
                violations=found,
                repairs=inputs.findings,
                metadata_format=inputs.read_as,
            ),
        ),
    )


_DEFAULT_CONTEXT = ScoringContext()


class _Worker:
    """Set once per worker process by the pool initializer."""

    context = _DEFAULT_CONTEXT


def init_worker(context: ScoringContext | None = None, worker_process: bool = False) -> None:
    """Pool initializer: the scoring context every page of the run shares.

    In a worker process, the cyclic garbage collector is also told to look rarely:
    parsing allocates millions of dicts, lists and tuples, none of them in a cycle
    (reference counting frees them all), and scanning them every 700 allocations
    cost about 7% of a worker's CPU. What the imports created is frozen out of its way.
    """
    _Worker.context = context or _DEFAULT_CONTEXT
    if worker_process:
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)


def _read_job(data: bytes, key: str) -> PageGraph | PageFailure:
    try:
        return read_page(decode_page(key, data), key)
    except PageError as exc:
        return PageFailure.of(exc)


def parse_job(data: bytes, key: str) -> ParsedPage | PageFailure:
    """Parse one page as stored (gzipped or not); a bad page comes back as its
    ``PageFailure``."""
    read = _read_job(data, key)
    return read if isinstance(read, PageFailure) else read.page


def score_job(data: bytes, key: str) -> ScoredPage | PageFailure:
    """Parse and score one page in the context set by ``init_worker``."""
    read = _read_job(data, key)
    if isinstance(read, PageFailure):
        return read
    return score_page(read, _Worker.context)
