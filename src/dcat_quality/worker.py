"""What the parse workers run: page bytes → records → indicators → warehouse rows.

Kept apart from ``pipeline`` so that a worker process imports only parsing and scoring
(pyoxigraph, orjson and our own modules), not the sources, the warehouse client or the
CLI: each of the two workers then holds about half the memory.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import NamedTuple

from dcat_quality.dcat.graph import is_iri
from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.dcat.parse import PageGraph, read_page
from dcat_quality.dcat.records import DatasetRecord, ParsedPage
from dcat_quality.errors import PageError
from dcat_quality.quality import ecospheres, hvd_indicators, mqa
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.profile import DEFAULT_PROFILE, ScoringProfile
from dcat_quality.quality.registry import CheckContext, Registry
from dcat_quality.quality.shacl import Violation, check_dataset, complies
from dcat_quality.warehouse.rows import (
    PageRepair,
    Row,
    dataset_rows,
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
    """One dataset as the warehouse rows to load, and the figures the run summary adds up.

    A plain tuple, and no records: this crosses from the worker to the loading process
    for every dataset, and unpickling dataclasses there cost more than loading the rows.
    """

    dataset_id: str
    fill_rate: float
    total: int
    max_points: int
    rating: str
    rows: list[tuple[str, Row]]


@dataclass(frozen=True, slots=True)
class ScoredPage:
    """A page's datasets, parsed and scored by the worker that read it, and the page's
    RDF/XML repairs summed up by kind (``rows.page_repairs``)."""

    datasets: tuple[ScoredDataset, ...]
    repairs: tuple[PageRepair, ...] = ()


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


def score_page(
    graph_page: PageGraph,
    link_status: Mapping[str, int] | None,
    run_id: int,
    source_file: str,
    *,
    shacl: bool = True,
    profile: ScoringProfile = DEFAULT_PROFILE,
) -> ScoredPage:
    """The Ecosphères indicators, MQA score, SHACL violations and RDF/XML repairs of every
    dataset of a page, as the rows of run ``run_id``; ``shacl=False`` leaves DCAT-AP
    unchecked. ``profile``: the run's DCAT-AP version and licence lists.
    ``ecospheres.well_formed_rdf`` reads the repairs that touched each dataset (not
    measured on an ISO 19139 page: it was not published as RDF)."""
    registry = default_registry()
    positions = _default_positions()
    vocabularies = profile.vocabularies
    page = graph_page.page
    violations = check_page(graph_page, profile.dcat_ap_version) if shacl else None
    touched = dict(page.dataset_findings)
    read_as = metadata_format(page.parser)
    published_as_rdf = read_as != "iso19139"
    scored = []
    for record in page.datasets:
        found = violations.get(record.dataset_id, ()) if violations is not None else None
        repairs = touched.get(record.dataset_id, ())
        summary = mqa.summarise(
            record,
            positions,
            dcat_ap_compliant=complies(found) if found is not None else None,
            registry=registry,
            link_status=link_status,
            vocabularies=vocabularies,
        )
        if record.hvd is not None:
            measured, passed = hvd_indicators.masks(record, positions, registry)
            summary = replace(
                summary,
                measured_mask=summary.measured_mask | measured,
                passed_mask=summary.passed_mask | passed,
            )
        context = CheckContext(
            vocabularies=vocabularies,
            rdf_repairs=tuple(r.code for r in repairs) if published_as_rdf else None,
        )
        measured, passed = masked_checks(record, positions, registry, context)
        summary = replace(
            summary,
            measured_mask=summary.measured_mask | measured,
            passed_mask=summary.passed_mask | passed,
        )
        indicators = ecospheres.compute(record)
        rows = dataset_rows(
            run_id,
            record,
            indicators,
            source_file,
            score=summary,
            violations=found,
            repairs=repairs,
            metadata_format=read_as,
        )
        scored.append(
            ScoredDataset(
                record.dataset_id,
                indicators.fill_rate,
                summary.total,
                summary.max_points,
                summary.rating,
                rows,
            )
        )
    return ScoredPage(tuple(scored), page_repairs(page.findings))


# Set once per worker process by the pool initializer: what scoring needs besides a page.
_LINK_STATUS: Mapping[str, int] | None = None
_RUN_ID = 0
_PROFILE = DEFAULT_PROFILE


def init_worker(
    link_status: Mapping[str, int] | None,
    run_id: int = 0,
    worker_process: bool = False,
    profile: ScoringProfile = DEFAULT_PROFILE,
) -> None:
    """Pool initializer: the link statuses, run id and scoring profile every page of the
    run shares.

    In a worker process, the cyclic garbage collector is also told to look rarely:
    parsing allocates millions of dicts, lists and tuples, none of them in a cycle
    (reference counting frees them all), and scanning them every 700 allocations
    cost about 7% of a worker's CPU. What the imports created is frozen out of its way.
    """
    global _LINK_STATUS, _RUN_ID, _PROFILE
    _LINK_STATUS, _RUN_ID, _PROFILE = link_status, run_id, profile
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
    """Parse and score one page, as the rows of the run set by ``init_worker``."""
    read = _read_job(data, key)
    if isinstance(read, PageFailure):
        return read
    return score_page(read, _LINK_STATUS, _RUN_ID, key, profile=_PROFILE)
