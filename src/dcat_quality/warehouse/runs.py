"""The ``runs`` table: one row per run, inserted in one place, then marked published or
failed; the pass-rate statistics of a run; reading the runs back."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse._sql import SchemaSession
from dcat_quality.warehouse.versions import datasets_at

log = logging.getLogger(__name__)

STALE_ERROR = "stale: the process running it stopped"


@dataclass(frozen=True)
class RunCounts:
    """What a run read, loaded and rejected; read = loaded + rejected."""

    pages_read: int
    pages_rejected: int
    datasets_read: int
    datasets_loaded: int
    datasets_rejected: int

    def reconciles(self) -> bool:
        return self.datasets_read == self.datasets_loaded + self.datasets_rejected

    def values(self) -> tuple[int, int, int, int, int]:
        """The five counts, in the column order of ``runs`` and ``run_shards``."""
        return (
            self.pages_read,
            self.pages_rejected,
            self.datasets_read,
            self.datasets_loaded,
            self.datasets_rejected,
        )


@dataclass(frozen=True)
class RunInfo:
    """One row of the ``runs`` table."""

    run_id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    pages_read: int | None
    pages_rejected: int | None
    datasets_read: int | None
    datasets_loaded: int | None
    datasets_rejected: int | None
    software_version: str | None
    error: str | None


@dataclass(frozen=True)
class NewRun:
    """What a run is recorded with when it starts."""

    source: str
    software_version: str
    methodology_version: str | None = None
    score_variant: str | None = None
    run_key: str | None = None
    shard_count: int | None = None
    licence_list: str | None = None
    dcat_ap_version: str | None = None
    scoring_digest: str | None = None
    scoring_inputs: str | None = None
    incremental: bool = True


def insert_run(db: SchemaSession, run: NewRun) -> int:
    """Record a new run as running; its id. The one place a run is inserted."""
    row = db.conn.execute(
        db.sql(
            "INSERT INTO {schema}.runs (source, software_version, methodology_version,"
            " score_variant, run_key, shard_count, licence_list, dcat_ap_version,"
            " scoring_digest, scoring_inputs, incremental)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING run_id"
        ),
        (
            run.source,
            run.software_version,
            run.methodology_version,
            run.score_variant,
            run.run_key,
            run.shard_count,
            run.licence_list,
            run.dcat_ap_version,
            run.scoring_digest,
            run.scoring_inputs,
            run.incremental,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def mark_stale_runs(db: SchemaSession) -> None:
    """Record as failed the runs still marked running: call with the run lock held, when
    nobody else is running, so such a run is a dead one."""
    with db.errors("could not clean up after a stopped run"):
        stale = db.conn.execute(
            db.sql(
                "UPDATE {schema}.runs SET status = 'failed', error = %s,"
                " finished_at = now() WHERE status = 'running' RETURNING run_id"
            ),
            (STALE_ERROR,),
        ).fetchall()
    for (run_id,) in stale:
        log.warning("run %s had stopped without finishing: recorded as failed", run_id)


def write_indicator_stats(db: SchemaSession, run_id: int) -> None:
    """Pass counts per check for a run, from the scores of its datasets' versions.

    One scan groups the datasets by their (measured, passed) masks; only those few
    hundred groups meet the indicators. Crossing every dataset with every check
    took a quarter of a second per 10,000 datasets, after the load, on the clock.
    """
    db.conn.execute(
        db.sql(
            "INSERT INTO {schema}.run_indicator_stats"
            " (run_id, indicator_id, measured, passed)"
            " SELECT %(run)s, i.indicator_id,"
            "  coalesce(sum(m.n) FILTER"
            "   (WHERE (m.measured_mask >> i.check_position) & 1 = 1), 0),"
            "  coalesce(sum(m.n) FILTER"
            "   (WHERE (m.passed_mask >> i.check_position) & 1 = 1), 0)"
            " FROM {schema}.indicators i CROSS JOIN"
            "  (SELECT x.measured_mask, x.passed_mask, count(*) AS n"
            "   FROM {schema}.dataset_spans s JOIN {schema}.version_scores x USING (version)"
            "   WHERE s.first_run <= %(run)s AND (s.end_run IS NULL OR %(run)s < s.end_run)"
            "   GROUP BY x.measured_mask, x.passed_mask) m"
            " WHERE i.check_position IS NOT NULL GROUP BY i.indicator_id"
        ),
        {"run": run_id},
    )


@dataclass(frozen=True)
class Reuse:
    """How much of the published run a run reused."""

    pages_skipped: int = 0
    datasets_reused: int = 0


def mark_published(db: SchemaSession, run_id: int, counts: RunCounts, reuse: Reuse) -> None:
    """Check the run's datasets against the counts, then mark the run succeeded."""
    loaded = datasets_at(db, run_id)
    if loaded != counts.datasets_loaded:
        raise WarehouseError(
            f"run {run_id} cannot be published: the warehouse holds {loaded} "
            f"datasets for it, the run counted {counts.datasets_loaded} loaded"
        )
    updated = db.conn.execute(
        db.sql(
            "UPDATE {schema}.runs SET status = 'succeeded', finished_at = now(),"
            " pages_read = %s, pages_rejected = %s, datasets_read = %s,"
            " datasets_loaded = %s, datasets_rejected = %s, error = NULL,"
            " pages_skipped = %s, datasets_reused = %s"
            " WHERE run_id = %s AND status = 'running'"
        ),
        (*counts.values(), reuse.pages_skipped, reuse.datasets_reused, run_id),
    ).rowcount
    if updated != 1:
        raise WarehouseError(
            f"run {run_id} cannot be published: it is no longer marked running "
            "(another process found it stale)"
        )


def mark_failed(
    db: SchemaSession,
    run_id: int,
    error: str,
    status: Literal["failed", "interrupted"],
    counts: RunCounts | None,
) -> None:
    """Record the run as failed (or interrupted), with the counts reached if known."""
    with db.errors(f"could not record the failure of run {run_id}"):
        db.conn.execute(
            db.sql(
                "UPDATE {schema}.runs SET status = %s, error = %s, finished_at = now(),"
                " pages_read = %s, pages_rejected = %s, datasets_read = %s,"
                " datasets_loaded = %s, datasets_rejected = %s"
                " WHERE run_id = %s AND status = 'running'"
            ),
            (status, error, *(counts.values() if counts else (None,) * 5), run_id),
        )


def latest_runs(db: SchemaSession, limit: int = 10) -> list[RunInfo]:
    """The most recent runs, newest first."""
    with db.errors("could not read the runs"):
        rows = db.conn.execute(
            db.sql(
                "SELECT run_id, source, started_at, finished_at, status, pages_read,"
                " pages_rejected, datasets_read, datasets_loaded, datasets_rejected,"
                " software_version, error FROM {schema}.runs"
                " ORDER BY run_id DESC LIMIT %s"
            ),
            (limit,),
        ).fetchall()
    return [RunInfo(*row) for row in rows]
