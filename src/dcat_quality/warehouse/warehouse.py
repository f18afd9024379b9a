"""The warehouse: one schema on one database, and the run that loads into it.

``Warehouse`` is the face the chain uses; the work is done by one module per idea:

* ``schema`` — the bundled SQL migrations;
* ``runs`` — the ``runs`` table: inserting a run (one place), publishing, failing;
* ``shards`` — runs loaded by several processes;
* ``versions`` — history stored as versions: spans of runs, staging, retention;
* ``rows``, ``digest`` — records → rows of each family, versions as digests;
* ``loader`` — COPY of what a run read;
* ``indicators``, ``link_cache``, ``queries`` — the dictionary, the link-check cache,
  and reading the published run back.

A dataset's rows are stored once per version; a run records which version of each
dataset it read. The views show the latest *succeeded* run only, so what a run wrote stays
invisible until the one-row update that publishes it. A run that fails keeps the previous
publish untouched, and what it wrote is undone before the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Literal, Self

from dcat_quality.errors import RunLockedError, WarehouseError
from dcat_quality.quality.links import UNREACHABLE, LinkResult
from dcat_quality.warehouse import indicators as _indicators
from dcat_quality.warehouse import link_cache as _link_cache
from dcat_quality.warehouse import queries as _queries
from dcat_quality.warehouse import runs as _runs
from dcat_quality.warehouse import schema as _schema
from dcat_quality.warehouse import shards as _shards
from dcat_quality.warehouse import versions as _versions
from dcat_quality.warehouse._sql import Connection, SchemaSession, lock_key
from dcat_quality.warehouse.connection import connect
from dcat_quality.warehouse.indicators import IndicatorRow
from dcat_quality.warehouse.loader import Loader
from dcat_quality.warehouse.runs import STALE_ERROR, NewRun, Reuse, RunCounts, RunInfo
from dcat_quality.warehouse.shards import Shard
from dcat_quality.warehouse.target import DatabaseTarget
from dcat_quality.warehouse.versions import (
    RETENTION_TIMEOUT,
    PublishedState,
    Retention,
    RunSummary,
)

__all__ = [
    "STALE_ERROR",
    "IndicatorRow",
    "Loader",
    "PublishedState",
    "Reuse",
    "RunCounts",
    "RunInfo",
    "RunSummary",
    "Shard",
    "Warehouse",
]

log = logging.getLogger(__name__)

_MAX_IDENTIFIER = 63


class Warehouse:
    """One warehouse schema on one database; one run at a time per schema."""

    def __init__(
        self, target: DatabaseTarget, conn: Connection, schema: str, keep_runs: int
    ) -> None:
        self.target = target
        self.schema = schema
        self.keep_runs = keep_runs
        self._conn = conn
        self.session = SchemaSession(target, conn, schema)
        self._lock_conn: Connection | None = None
        self._run_id: int | None = None
        self._shard: Shard | None = None
        self._look_up_versions = True
        self.retention_timeout = RETENTION_TIMEOUT

    # -- life cycle ---------------------------------------------------------------------

    @classmethod
    def open(
        cls, target: DatabaseTarget, schema: str = "dcat_quality", keep_runs: int = 30
    ) -> Warehouse:
        """Connect and bring the schema up to date."""
        if not schema or len(schema.encode("utf-8")) > _MAX_IDENTIFIER or "\x00" in schema:
            raise WarehouseError(f"invalid schema name {schema!r}: it must have 1 to 63 bytes")
        if keep_runs < 1:
            raise WarehouseError(f"keep_runs must be at least 1, not {keep_runs}")
        warehouse = cls(target, connect(target), schema, keep_runs)
        try:
            warehouse.migrate()
        except BaseException:
            warehouse.close()
            raise
        return warehouse

    def close(self) -> None:
        """Close the connections; a run still open is recorded as interrupted."""
        if self._run_id is not None:
            try:
                self.fail(
                    self._run_id,
                    "the warehouse was closed before the run was published",
                    status="interrupted",
                )
            except WarehouseError as exc:
                log.warning("run %s could not be recorded as interrupted: %s", self._run_id, exc)
        self._release()
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def migrate(self) -> int:
        """Apply the migrations not applied yet; returns how many were applied."""
        return _schema.migrate(self.session)

    # -- runs -----------------------------------------------------------------------------

    @property
    def sharded(self) -> bool:
        """Is the run in progress one shard of a run loaded by several processes?"""
        return self._shard is not None

    def begin_run(
        self,
        source: str,
        software_version: str,
        *,
        wait: bool = True,
        methodology_version: str | None = None,
        score_variant: str | None = None,
        shard: Shard | None = None,
        licence_list: str | None = None,
        dcat_ap_version: str | None = None,
        scoring_digest: str | None = None,
        scoring_inputs: str | None = None,
        full: bool = False,
    ) -> int:
        """Take the run lock, undo what dead runs left, and record the run.

        With ``shard``, the run lock is shared with the other shards (a single-process run
        waits for all of them), and the run is created by the first shard to come and
        joined by the others. ``scoring_inputs`` (a digest) says when the work of the
        published run can be reused; ``full`` records a complete recomputation.
        """
        if self._run_id is not None:
            raise WarehouseError(f"run {self._run_id} is still in progress in this process")
        self._take_run_lock(wait=wait, shared=shard is not None)
        run = NewRun(
            source,
            software_version,
            methodology_version,
            score_variant,
            licence_list=licence_list,
            dcat_ap_version=dcat_ap_version,
            scoring_digest=scoring_digest,
            scoring_inputs=scoring_inputs,
            incremental=not full,
        )
        try:
            if shard is not None:
                run_id = _shards.join_sharded_run(
                    self.session, shard, run, lambda _: _versions.undo_unpublished(self.session)
                )
            else:
                _runs.mark_stale_runs(self.session)
                undone = _versions.undo_unpublished(self.session)
                self._retention().clean_up(undone=undone)
                with (
                    self.session.errors("could not record the start of the run"),
                    self._conn.transaction(),
                ):
                    run_id = _runs.insert_run(self.session, run)
            self._look_up_versions = _versions.holds_versions(self.session)
        except BaseException:
            self._release()
            raise
        self._run_id, self._shard = run_id, shard
        if shard is not None:
            log.info("shard %s/%s of run %s started", shard.index, shard.count, run_id)
        else:
            log.info("run %s started on schema %r", run_id, self.schema)
        return run_id

    def published_state(self, scoring_inputs: str, *, full: bool = False) -> PublishedState:
        """What the run may reuse: the versions and clean pages of the published run, if
        its scoring inputs are ``scoring_inputs`` (nothing with ``full``)."""
        return _versions.published_state(self.session, scoring_inputs, full=full)

    def _take_run_lock(self, *, wait: bool, shared: bool) -> None:
        """The run lock of the schema, held by its own session until the run ends."""
        lock_conn = connect(self.target, purpose="take the run lock")
        key = lock_key("run", self.schema)
        try:
            with self.session.errors("could not take the run lock"):
                if shared:
                    lock_conn.execute("SELECT pg_advisory_lock_shared(%s)", (key,))
                elif wait:
                    lock_conn.execute("SELECT pg_advisory_lock(%s)", (key,))
                else:
                    row = lock_conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
                    if not row or not row[0]:
                        raise RunLockedError(
                            f"another run is loading the schema {self.schema!r} of "
                            f"{self.target.display}: wait for it to finish, or start this "
                            "run in waiting mode to queue behind it"
                        )
        except BaseException:
            lock_conn.close()
            raise
        self._lock_conn = lock_conn

    def write_indicator_stats(self, conn: Connection, run_id: int) -> None:
        """Pass counts per check for a run, through ``conn`` (see ``runs``)."""
        _runs.write_indicator_stats(self.session.on(conn), run_id)

    def finish_run(self, conn: Connection, run_id: int) -> None:
        """What the run staged becomes its spans, and its pass counts, through ``conn``
        (the loader's transaction, or the last shard's publish)."""
        _versions.finish_run(self.session.on(conn), run_id)
        self.write_indicator_stats(conn, run_id)

    def loader(self, run_id: int, *, batch_rows: int = 2000) -> Loader:
        """A context manager that loads the run's rows in one transaction."""
        self._check_active(run_id)
        return Loader(
            self,
            run_id,
            batch_rows=batch_rows,
            shard=self._shard.index if self._shard is not None else 0,
            look_up_versions=self._look_up_versions,
        )

    def summary(self, run_id: int) -> RunSummary:
        """The figures of the loaded run (of this shard's part, for a shard)."""
        self._check_active(run_id)
        shard = self._shard.index if self._shard is not None else None
        return _versions.run_summary(self.session, run_id, shard)

    def publish(self, run_id: int, counts: RunCounts, reuse: Reuse | None = None) -> bool:
        """Make the run the one the views show, then apply retention and free the lock.

        For a shard: record it as done; the last shard publishes. True once published.
        """
        self._check_active(run_id)
        reuse = reuse or Reuse()
        if not counts.reconciles():
            raise WarehouseError(
                f"run {run_id} cannot be published: its counts do not reconcile "
                f"(read {counts.datasets_read} ≠ loaded {counts.datasets_loaded} "
                f"+ rejected {counts.datasets_rejected})"
            )
        assert self._lock_conn is not None
        if self._shard is not None:
            return self._publish_shard(run_id, self._shard, counts, reuse)
        with self.session.errors(f"could not publish run {run_id}"):
            self._lock_conn.execute("SELECT 1")  # still holding the lock?
            with self._conn.transaction():
                self._mark_published(run_id, counts, reuse)
        log.info("run %s published", run_id)
        self._retention().clean_up()
        self._release()
        return True

    def _publish_shard(self, run_id: int, shard: Shard, counts: RunCounts, reuse: Reuse) -> bool:
        """Record this shard as done; the last one publishes the run. True if published."""
        assert self._lock_conn is not None
        with self.session.errors(f"lost the run lock of run {run_id}"):
            self._lock_conn.execute("SELECT 1")
        with (
            self.session.errors(f"could not record shard {shard.index} of run {run_id}"),
            self._conn.transaction(),
        ):
            whole = _shards.record_shard_done(self.session, run_id, shard, counts, reuse)
            if whole is not None:
                self.finish_run(self._conn, run_id)
                self._mark_published(run_id, *whole)
        self._release()
        if whole is not None:
            log.info("run %s published by its last shard (%s)", run_id, shard.index)
            self._retention().clean_up()
        else:
            log.info("shard %s of run %s loaded; other shards still running", shard.index, run_id)
        return whole is not None

    def _mark_published(self, run_id: int, counts: RunCounts, reuse: Reuse) -> None:
        _runs.mark_published(self.session, run_id, counts, reuse)

    def fail(
        self,
        run_id: int,
        error: str,
        *,
        status: Literal["failed", "interrupted"] = "failed",
        counts: RunCounts | None = None,
    ) -> None:
        """Record the run as failed, undo what it wrote and free the lock.

        For a shard, only the shard is recorded as failed: the run stays open for a retry
        of that shard (the other shards' rows are kept).
        """
        self._check_active(run_id)
        try:
            if self._shard is not None:
                _shards.record_shard_failure(
                    self.session, run_id, self._shard, f"{status}: {error}"
                )
                return
            _runs.mark_failed(self.session, run_id, error, status, counts)
            try:
                undone = _versions.undo_unpublished(self.session)
            except WarehouseError as exc:  # the next run undoes it before it starts
                log.warning("what run %s wrote is not undone yet: %s", run_id, exc)
            else:
                self._retention().clean_up(undone=undone)
        finally:
            self._release()
        log.info("run %s recorded as %s", run_id, status)

    def _retention(self) -> Retention:
        return Retention(self.session, self.keep_runs, self.retention_timeout)

    def _check_active(self, run_id: int) -> None:
        if self._run_id != run_id:
            raise WarehouseError(
                f"run {run_id} is not the run in progress in this process "
                f"({self._run_id if self._run_id is not None else 'none'})"
            )

    def _release(self) -> None:
        self._run_id = None
        self._shard = None
        if self._lock_conn is not None:
            self._lock_conn.close()  # ends the session: the advisory lock goes with it
            self._lock_conn = None

    # -- reading --------------------------------------------------------------------------

    def latest_runs(self, limit: int = 10) -> list[RunInfo]:
        """The most recent runs, newest first."""
        return _runs.latest_runs(self.session, limit)

    def published_run(self) -> RunInfo | None:
        """The run the views show (the latest succeeded one), or None before any."""
        return next((r for r in self.latest_runs(1000) if r.status == "succeeded"), None)

    def iter_check_results(self) -> Iterator[tuple[str, str, bool]]:
        """``(dataset, metric IRI, passed)`` of every measured MQA check, published run."""
        return _queries.iter_check_results(self.session)

    def iter_scores(self) -> Iterator[tuple[str, int, float]]:
        """``(dataset, MQA total, fill rate)`` of the published run."""
        return _queries.iter_scores(self.session)

    def stored_outcome(self, dataset_id: str) -> _queries.StoredOutcome | None:
        """The published run's score, checks and DCAT-AP results of one dataset."""
        return _queries.stored_outcome(self.session, dataset_id)

    def scoring_facts(self, run_id: int) -> dict[str, str | None]:
        """The scoring inputs a run recorded: methodology, variant, licence list, DCAT-AP
        version, scoring digest."""
        return _queries.scoring_facts(self.session, run_id)

    # -- indicator dictionary -------------------------------------------------------------

    def write_indicators(self, indicators: Sequence[IndicatorRow]) -> None:
        """Upsert the indicator dictionary (the registry is the source of truth)."""
        _indicators.write_indicators(self.session, indicators)

    def check_positions(self) -> dict[str, int]:
        """Indicator id → bit position in the score masks, as stored."""
        return _indicators.check_positions(self.session)

    # -- link-check cache -----------------------------------------------------------------

    def urls_to_check(self, max_age_s: float) -> list[str]:
        """Distinct access/download URLs of the published run not checked for max_age_s."""
        return _link_cache.urls_to_check(self.session, max_age_s)

    def write_link_results(self, results: Sequence[LinkResult]) -> None:
        """Store link-check results, replacing older ones for the same URLs."""
        _link_cache.write_link_results(self.session, results)

    def link_codes(self, unreachable: int = UNREACHABLE) -> dict[str, int]:
        """URL → MQA measurement (status, or the pseudo-code for a failed request)."""
        return _link_cache.link_codes(self.session, unreachable)
