"""The whole chain: source pages → records → indicators → warehouse, streaming.

Pages are read in order with a small prefetch, parsed in a pool of processes (parsing
is CPU-bound), and loaded as they come back, so memory holds only the pages in flight.
Counts reconcile by construction: every dataset read is loaded or rejected, every page
read is parsed or rejected.
"""

from __future__ import annotations

import hashlib
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
from dcat_quality.warehouse.loader import Loader
from dcat_quality.warehouse.runs import Reuse
from dcat_quality.worker import (
    PageFailure,
    ScoredDataset,
    ScoredPage,
    ScoringContext,
    UnchangedDataset,
    check_positions,
    fingerprint,
    init_worker,
    parse_job,
    score_job,
    score_page,
    scoring_inputs,
)

__all__ = [
    "PageFailure",
    "PageOutcome",
    "RunResult",
    "ScoredDataset",
    "ScoredPage",
    "UnchangedDataset",
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
    incremental: bool = True
    pages_skipped: int = 0
    datasets_reused: int = 0

    @property
    def anything_rejected(self) -> bool:
        return bool(self.counts.pages_rejected or self.counts.datasets_rejected)


class UnchangedPage:
    """A page whose bytes the published run had: not parsed, its datasets are known."""


UNCHANGED_PAGE = UnchangedPage()


@dataclass(frozen=True, slots=True)
class PageSkip:
    """The pages a run need not parse: their fingerprint is the one the published run
    recorded (only when the run may reuse the published run's work)."""

    known: Mapping[str, str]

    def unread(self, ref: PageRef) -> bool:
        """Unchanged by its listing alone (S3 ETag and size): not even downloaded."""
        return ref.fingerprint is not None and self.known.get(ref.key) == ref.fingerprint


def page_fingerprint(ref: PageRef, data: bytes | None) -> str:
    """What identifies a page's bytes: the listing's (S3 ETag and size), else a digest."""
    if ref.fingerprint is not None or data is None:
        return ref.fingerprint or ""
    return "blake2b:" + hashlib.blake2b(data, digest_size=16).hexdigest()


def _in_order(
    source: Source,
    refs: Iterable[PageRef],
    job: Callable[[bytes, str], T],
    *,
    workers: int,
    window: int | None,
    context: ScoringContext | None = None,
    skip: PageSkip | None = None,
    fingerprints: bool = False,
) -> Iterator[tuple[PageRef, str | None, T | PageFailure | UnchangedPage]]:
    """Run ``job`` on every page in ``workers`` processes; results in page order, with
    the page's fingerprint when ``fingerprints``. Pages ``skip`` knows come back as
    ``UNCHANGED_PAGE``, unparsed."""
    # compressed bytes cross to the workers, which gunzip them: less to copy, and the
    # loading process (the one serial part of the run) does less
    unread = skip.unread if skip is not None else None
    pages = iter_pages(source, refs, prefetch=max(2, workers), raw=True, unread=unread)

    def print_of(ref: PageRef, data: bytes | PageError | None) -> str | None:
        if not fingerprints or isinstance(data, PageError):
            return None
        return page_fingerprint(ref, data)

    def known(data: bytes | None, print_: str | None, ref: PageRef) -> bool:
        return data is None or (skip is not None and skip.known.get(ref.key) == print_)

    if workers <= 1:
        init_worker(context)
        for ref, data in pages:
            print_ = print_of(ref, data)
            if isinstance(data, PageError):
                yield ref, print_, PageFailure.of(data)
            elif known(data, print_, ref):
                yield ref, print_, UNCHANGED_PAGE
            else:
                assert data is not None
                yield ref, print_, job(data, ref.key)
        return
    in_flight = window or workers * 3
    mp_context = multiprocessing.get_context("forkserver")
    # The pool starts its processes at the first page to parse: none when no page changed.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp_context,
        initializer=init_worker,
        initargs=(context, True),
    ) as pool:
        pending: deque[tuple[PageRef, str | None, Future[T] | PageFailure | UnchangedPage]] = (
            deque()
        )

        def settle() -> tuple[PageRef, str | None, T | PageFailure | UnchangedPage]:
            ref, print_, task = pending.popleft()
            return ref, print_, task.result() if isinstance(task, Future) else task

        for ref, data in pages:
            print_ = print_of(ref, data)
            if isinstance(data, PageError):
                pending.append((ref, print_, PageFailure.of(data)))
            elif known(data, print_, ref):
                pending.append((ref, print_, UNCHANGED_PAGE))
            else:
                assert data is not None
                pending.append((ref, print_, pool.submit(job, data, ref.key)))
            if len(pending) >= in_flight:
                yield settle()
        while pending:
            yield settle()


def parse_pages(
    source: Source, refs: Iterable[PageRef], *, workers: int = 1, window: int | None = None
) -> Iterator[tuple[PageRef, ParsedPage | PageFailure]]:
    """Parse pages in order, in ``workers`` processes, ``window`` pages in flight at most."""
    for ref, _, parsed in _in_order(source, refs, parse_job, workers=workers, window=window):
        assert not isinstance(parsed, UnchangedPage)
        yield ref, parsed


def score_pages(
    source: Source,
    refs: Iterable[PageRef],
    *,
    workers: int = 1,
    window: int | None = None,
    context: ScoringContext | None = None,
) -> Iterator[tuple[PageRef, ScoredPage | PageFailure]]:
    """Parse and score pages in order, the CPU work spread over ``workers`` processes;
    each dataset comes back as the rows of its version (or as unchanged, when
    ``context.known`` holds its version)."""
    for ref, _, scored in _in_order(
        source, refs, score_job, workers=workers, window=window, context=context
    ):
        assert not isinstance(scored, UnchangedPage)
        yield ref, scored


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


@dataclass(slots=True)
class _Tally:
    """What a run has read, loaded and rejected so far; the one place counts are kept."""

    pages_read: int = 0
    pages_rejected: int = 0
    datasets_read: int = 0
    datasets_loaded: int = 0
    datasets_rejected: int = 0
    empty_pages: int = 0
    pages_skipped: int = 0
    failures: list[PageFailure] = field(default_factory=list)

    def counts(self) -> RunCounts:
        return RunCounts(
            self.pages_read,
            self.pages_rejected,
            self.datasets_read,
            self.datasets_loaded,
            self.datasets_rejected,
        )


def _load_page(
    loader: Loader,
    tally: _Tally,
    ref: PageRef,
    page_print: str | None,
    scored: ScoredPage | PageFailure | UnchangedPage,
) -> PageOutcome:
    """Load what became of one page (its datasets, or its rejection); what to report."""
    tally.pages_read += 1
    if isinstance(scored, PageFailure):
        tally.pages_rejected += 1
        tally.failures.append(scored)
        loader.reject(scored.file, scored.message, position=scored.position)
        log.info("page rejected: %s", scored.message)
        return PageOutcome(ref, 0, 0, scored)
    if isinstance(scored, UnchangedPage):
        tally.pages_skipped += 1
        loaded, duplicates = loader.add_known_page(ref.key)
        found = loaded + duplicates
    else:
        loader.add_page_repairs(ref.key, scored.repairs)
        found, loaded = len(scored.datasets), 0
        for item in scored.datasets:
            rows = item.rows if isinstance(item, ScoredDataset) else None
            # False: the same dataset on an earlier page, the first copy is kept
            loaded += loader.add_dataset(item.dataset_id, item.version, ref.key, rows)
    tally.datasets_read += found
    tally.datasets_loaded += loaded
    tally.datasets_rejected += found - loaded
    if not found:
        tally.empty_pages += 1
        log.info("%s holds no dcat:Dataset", ref.key)
    if found == loaded and page_print:
        loader.page_loaded(ref.key, page_print, loaded)
    return PageOutcome(ref, found, loaded)


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
    full: bool = False,
    profile: ScoringProfile = DEFAULT_PROFILE,
) -> RunResult:
    """Read every page of ``source``, score it and publish it in ``warehouse``.

    A page that cannot be parsed is quarantined in ``rejections`` and the run goes on;
    the same dataset on two pages is loaded once (first page wins) and the later copy
    rejected. Any other error fails the run, leaving the previous publish untouched.

    Incremental: a dataset whose version (content and scoring inputs) the published run
    holds is neither scored nor written again, and a page whose bytes are those the
    published run read is not parsed (not even downloaded, when the listing tells: S3).
    ``full`` recomputes everything.

    ``link_status`` (URL → HTTP status, from the link-check cache) makes the score the
    full variant; without it the two URL status checks are "not measured". Its pages
    are always parsed (their datasets' link results may have changed).

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
    link_checks = link_status is not None
    inputs = fingerprint(scoring_inputs(registry, profile, link_checks=link_checks))
    run_id = warehouse.begin_run(
        description,
        __version__,
        wait=wait_for_lock,
        methodology_version=mqa.METHODOLOGY_VERSION,
        score_variant=variant,
        shard=shard,
        licence_list=profile.licence_list,
        dcat_ap_version=profile.dcat_ap_version,
        scoring_digest=scoring_digest(profile, link_checks=link_checks),
        scoring_inputs=inputs,
        full=full,
    )
    tally = _Tally()
    try:
        warehouse.write_indicators(indicator_rows(registry))
        if warehouse.check_positions() != check_positions(registry):
            raise DcatQualityError("the indicator dictionary disagrees with the registry")
        state = warehouse.published_state(inputs, full=full)
        context = ScoringContext(link_status, inputs, state.known, profile=profile)
        skip = PageSkip(state.pages) if state.reusable and link_status is None else None
        with warehouse.loader(run_id) as loader:
            for ref, page_print, scored in _in_order(
                source,
                refs,
                score_job,
                workers=workers,
                window=None,
                context=context,
                skip=skip,
                fingerprints=True,
            ):
                outcome = _load_page(loader, tally, ref, page_print, scored)
                if on_page:
                    on_page(outcome)
        summary = warehouse.summary(run_id)
        reuse = Reuse(tally.pages_skipped, loader.reused)
        published = warehouse.publish(run_id, tally.counts(), reuse)
    except KeyboardInterrupt:
        warehouse.fail(
            run_id,
            "interrupted (signal or Ctrl-C) before publishing",
            status="interrupted",
            counts=tally.counts(),
        )
        raise
    except BaseException as exc:
        warehouse.fail(run_id, _describe_error(exc), counts=tally.counts())
        raise
    return RunResult(
        run_id=run_id,
        source=description,
        status="succeeded" if published else "shard loaded, waiting for the other shards",
        counts=tally.counts(),
        mean_fill_rate=summary.mean_fill_rate,
        duration_s=time.monotonic() - started,
        empty_pages=tally.empty_pages,
        score_variant=variant,
        licence_list=profile.licence_list,
        dcat_ap_version=profile.dcat_ap_version,
        mean_score=summary.mean_score,
        mean_max_points=summary.mean_max_points,
        ratings=summary.ratings,
        skipped_objects=list(source.skipped),
        failures=tally.failures,
        incremental=not full,
        pages_skipped=reuse.pages_skipped,
        datasets_reused=reuse.datasets_reused,
    )


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, DcatQualityError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
