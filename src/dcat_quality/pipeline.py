"""The whole chain: source pages → records → indicators → warehouse, streaming.

Pages are read in order with a small prefetch, parsed in a pool of processes (parsing
is CPU-bound), and loaded as they come back, so memory holds only the pages in flight.
Counts reconcile by construction: every dataset read is loaded or rejected, every page
read is parsed or rejected.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from dcat_quality._version import __version__
from dcat_quality.dcat.records import ParsedPage
from dcat_quality.errors import DcatQualityError, PageError
from dcat_quality.quality import mqa
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.profile import DEFAULT_PROFILE, ScoringProfile, scoring_digest
from dcat_quality.quality.registry import Registry
from dcat_quality.sources import PageRef, Source, iter_pages, require_pages
from dcat_quality.warehouse import RunCounts, Shard, Warehouse
from dcat_quality.warehouse.indicators import IndicatorRow
from dcat_quality.worker import (
    PageFailure,
    ScoredDataset,
    ScoredPage,
    check_positions,
    init_worker,
    parse_job,
    score_job,
    score_page,
)

__all__ = [
    "PageFailure",
    "PageOutcome",
    "RunResult",
    "ScoredDataset",
    "ScoredPage",
    "check_positions",
    "indicator_rows",
    "parse_pages",
    "run_chain",
    "score_page",
    "score_pages",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What became of one page, reported to the progress hook."""

    ref: PageRef
    datasets: int
    loaded: int
    failure: PageFailure | None = None


@dataclass(slots=True)
class RunResult:
    """The summary of a run: counts reconcile (read = loaded + rejected)."""

    run_id: int
    source: str
    status: str
    counts: RunCounts
    mean_fill_rate: float | None
    duration_s: float
    empty_pages: int = 0
    score_variant: str = ""
    licence_list: str = ""
    dcat_ap_version: str = ""
    mean_score: float | None = None
    mean_max_points: float | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    skipped_objects: list[str] = field(default_factory=list)
    failures: list[PageFailure] = field(default_factory=list)

    @property
    def anything_rejected(self) -> bool:
        return bool(self.counts.pages_rejected or self.counts.datasets_rejected)


def _in_order(
    source: Source,
    refs: Iterable[PageRef],
    job: Callable[[bytes, str], T],
    *,
    workers: int,
    window: int | None,
    link_status: Mapping[str, int] | None = None,
    run_id: int = 0,
    profile: ScoringProfile = DEFAULT_PROFILE,
) -> Iterator[tuple[PageRef, T | PageFailure]]:
    """Run ``job`` on every page in ``workers`` processes; results in page order."""
    # compressed bytes cross to the workers, which gunzip them: less to copy, and the
    # loading process (the one serial part of the run) does less
    pages = iter_pages(source, refs, prefetch=max(2, workers), raw=True)
    if workers <= 1:
        init_worker(link_status, run_id, False, profile)
        for ref, data in pages:
            yield ref, PageFailure.of(data) if isinstance(data, PageError) else job(data, ref.key)
        return
    in_flight = window or workers * 3
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(link_status, run_id, True, profile),
    ) as pool:
        pending: deque[tuple[PageRef, Future[T] | PageFailure]] = deque()

        def settle() -> tuple[PageRef, T | PageFailure]:
            ref, task = pending.popleft()
            return ref, task if isinstance(task, PageFailure) else task.result()

        for ref, data in pages:
            if isinstance(data, PageError):
                pending.append((ref, PageFailure.of(data)))
            else:
                pending.append((ref, pool.submit(job, data, ref.key)))
            if len(pending) >= in_flight:
                yield settle()
        while pending:
            yield settle()


def parse_pages(
    source: Source, refs: Iterable[PageRef], *, workers: int = 1, window: int | None = None
) -> Iterator[tuple[PageRef, ParsedPage | PageFailure]]:
    """Parse pages in order, in ``workers`` processes, ``window`` pages in flight at most."""
    yield from _in_order(source, refs, parse_job, workers=workers, window=window)


def score_pages(
    source: Source,
    refs: Iterable[PageRef],
    *,
    run_id: int,
    workers: int = 1,
    window: int | None = None,
    link_status: Mapping[str, int] | None = None,
    profile: ScoringProfile = DEFAULT_PROFILE,
) -> Iterator[tuple[PageRef, ScoredPage | PageFailure]]:
    """Parse and score pages in order, the CPU work spread over ``workers`` processes;
    each dataset comes back as the rows of run ``run_id``, scored with ``profile``."""
    yield from _in_order(
        source,
        refs,
        score_job,
        workers=workers,
        window=window,
        link_status=link_status,
        run_id=run_id,
        profile=profile,
    )


def indicator_rows(registry: Registry) -> list[IndicatorRow]:
    """The registry as dictionary rows; MQA checks get their bit in the score masks."""
    positions = check_positions(registry)
    rows: list[IndicatorRow] = []
    for indicator in registry:
        rows.append(
            IndicatorRow(
                indicator.id,
                indicator.family,
                indicator.dimension,
                indicator.points,
                indicator.level,
                indicator.kind,
                indicator.label_fr,
                indicator.label_en,
                indicator.rationale,
                indicator.fix_hint_fr,
                indicator.dcat_property,
                indicator.metric_iri,
                positions.get(indicator.id),
                indicator.fix_hint_en,
            )
        )
    return rows


def run_chain(
    source: Source,
    warehouse: Warehouse,
    *,
    workers: int = 1,
    on_listing: Callable[[list[PageRef]], None] | None = None,
    on_page: Callable[[PageOutcome], None] | None = None,
    wait_for_lock: bool = True,
    link_status: Mapping[str, int] | None = None,
    shard: Shard | None = None,
    profile: ScoringProfile = DEFAULT_PROFILE,
) -> RunResult:
    """Read every page of ``source``, score it and publish it in ``warehouse``.

    A page that cannot be parsed is quarantined in ``rejections`` and the run goes on;
    the same dataset on two pages is loaded once (first page wins) and the later copy
    rejected. Any other error fails the run, leaving the previous publish untouched.

    ``link_status`` (URL → HTTP status, from the link-check cache) makes the score the
    full variant; without it the two URL status checks are "not measured".

    ``shard`` loads only the pages ``index``, ``index + count``, … (in key order) into
    the run shared by every shard of ``shard.key``; the last shard to finish publishes.

    ``profile`` holds the run's scoring choices (DCAT-AP version, licence lists); the run
    row names them, with the digest of every scoring input (``quality.profile``).
    """
    started = time.monotonic()
    refs = require_pages(source)
    if shard is not None:
        refs = refs[shard.index :: shard.count]
    if on_listing is not None:
        on_listing(refs)
    description = source.describe()
    registry = default_registry()
    variant = "without-link-checks" if link_status is None else "full"
    run_id = warehouse.begin_run(
        description,
        __version__,
        wait=wait_for_lock,
        methodology_version=mqa.METHODOLOGY_VERSION,
        score_variant=variant,
        shard=shard,
        licence_list=profile.licence_list,
        dcat_ap_version=profile.dcat_ap_version,
        scoring_digest=scoring_digest(profile, link_checks=link_status is not None),
    )
    pages_read = pages_rejected = datasets_read = datasets_loaded = datasets_rejected = 0
    empty_pages = 0
    fill_total = 0.0
    score_total = max_total = 0
    ratings: dict[str, int] = {}
    failures: list[PageFailure] = []

    def counts() -> RunCounts:
        return RunCounts(
            pages_read, pages_rejected, datasets_read, datasets_loaded, datasets_rejected
        )

    try:
        warehouse.write_indicators(indicator_rows(registry))
        if warehouse.check_positions() != check_positions(registry):
            raise DcatQualityError("the indicator dictionary disagrees with the registry")
        with warehouse.loader(run_id) as loader:
            for ref, scored in score_pages(
                source,
                refs,
                workers=workers,
                link_status=link_status,
                run_id=run_id,
                profile=profile,
            ):
                pages_read += 1
                if isinstance(scored, PageFailure):
                    pages_rejected += 1
                    failures.append(scored)
                    loader.reject(scored.file, scored.message, position=scored.position)
                    log.info("page rejected: %s", scored.message)
                    if on_page:
                        on_page(PageOutcome(ref, 0, 0, scored))
                    continue
                loaded_here = 0
                loader.add_page_repairs(ref.key, scored.repairs)
                if not scored.datasets:
                    empty_pages += 1
                    log.info("%s holds no dcat:Dataset", ref.key)
                for item in scored.datasets:
                    datasets_read += 1
                    if loader.add_rows(item.dataset_id, ref.key, item.rows):
                        fill_total += item.fill_rate
                        score_total += item.total
                        max_total += item.max_points
                        ratings[item.rating] = ratings.get(item.rating, 0) + 1
                        datasets_loaded += 1
                        loaded_here += 1
                    else:  # the same dataset on an earlier page: first copy kept
                        datasets_rejected += 1
                if on_page:
                    on_page(PageOutcome(ref, len(scored.datasets), loaded_here))
        published = warehouse.publish(run_id, counts())
    except KeyboardInterrupt:
        warehouse.fail(
            run_id,
            "interrupted (signal or Ctrl-C) before publishing",
            status="interrupted",
            counts=counts(),
        )
        raise
    except BaseException as exc:
        warehouse.fail(run_id, _describe_error(exc), counts=counts())
        raise
    return RunResult(
        run_id=run_id,
        source=description,
        status="succeeded" if published else "shard loaded, waiting for the other shards",
        counts=counts(),
        mean_fill_rate=round(fill_total / datasets_loaded, 2) if datasets_loaded else None,
        duration_s=time.monotonic() - started,
        empty_pages=empty_pages,
        score_variant=variant,
        licence_list=profile.licence_list,
        dcat_ap_version=profile.dcat_ap_version,
        mean_score=round(score_total / datasets_loaded, 1) if datasets_loaded else None,
        mean_max_points=round(max_total / datasets_loaded, 1) if datasets_loaded else None,
        ratings=ratings,
        skipped_objects=list(source.skipped),
        failures=failures,
    )


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, DcatQualityError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
