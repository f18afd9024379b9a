"""History as versions: which version of each dataset each run had, and retention.

A dataset's rows are stored once per version (``rows.FAMILIES``: ``dataset_versions`` and
the ``version_*`` tables). ``dataset_spans`` says which version of each dataset was
current from which run (``first_run``) until which (``end_run``, the first run without it;
empty while current); ``page_spans`` does the same for the fingerprints of the pages
loaded without rejection. The views (``run_versions``, then ``hist_*`` and
``score_history``) turn the spans back into one row per dataset and succeeded run.

A run stages what it read (``run_staged_*``); ``finish_run`` turns that into spans, in
the transaction that commits the load. Spans opened or closed by a run that then fails
are undone before the next run starts (``undo_unpublished``): the views only show
succeeded runs, so until then nobody sees them.

Retention (``Retention``) marks the runs past ``keep_runs`` as without detail, then
deletes the versions whose rows no run needs any more: the detail of versions no kept run
had, the scores of versions no succeeded run had (left by failed runs). Spans are kept, so
the scores of every run stay answerable. Only row deletes: readers are never blocked.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field

import psycopg

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse import rows as _rows
from dcat_quality.warehouse._sql import SchemaSession
from dcat_quality.warehouse.digest import KnownVersions

log = logging.getLogger(__name__)

#: Seconds a retention statement may take before giving up (the next run retries).
RETENTION_TIMEOUT = 60.0

_UNPUBLISHED = "('failed', 'interrupted')"

#: A span covers run ``r`` (the condition of the ``run_versions`` view).
_AT_RUN = "s.first_run <= %(run)s AND (s.end_run IS NULL OR %(run)s < s.end_run)"


@dataclass(frozen=True)
class PublishedState:
    """What a run may reuse from the published run: its versions and clean pages."""

    known: KnownVersions = field(default_factory=KnownVersions)
    pages: dict[str, str] = field(default_factory=dict)  # page → fingerprint
    reusable: bool = False  # the scoring inputs are those of the published run


def published_state(db: SchemaSession, scoring_inputs: str, *, full: bool) -> PublishedState:
    """The versions and page fingerprints of the published run, when its scoring inputs
    are ``scoring_inputs`` (else nothing can be reused) and ``full`` is not asked."""
    if full:
        return PublishedState()
    with db.errors("could not read what the published run holds"):
        row = db.conn.execute(
            db.sql(
                "SELECT scoring_inputs FROM {schema}.runs WHERE status = 'succeeded'"
                " ORDER BY run_id DESC LIMIT 1"
            )
        ).fetchone()
        if row is None or row[0] != scoring_inputs:
            return PublishedState()
        versions = db.conn.execute(
            db.sql("SELECT version FROM {schema}.dataset_spans WHERE end_run IS NULL"),
            binary=True,
        )
        known = KnownVersions(value.bytes for (value,) in versions)
        pages = db.conn.execute(
            db.sql("SELECT source_file, fingerprint FROM {schema}.page_spans WHERE end_run IS NULL")
        ).fetchall()
    return PublishedState(known, {str(page): str(fp) for page, fp in pages}, reusable=True)


def holds_versions(db: SchemaSession) -> bool:
    """Does the warehouse store any version yet? (A first run need not look for them.)"""
    with db.errors("could not read the versions"):
        row = db.conn.execute(
            db.sql(
                "SELECT EXISTS (SELECT 1 FROM {schema}.dataset_versions)"
                " OR EXISTS (SELECT 1 FROM {schema}.version_scores)"
            )
        ).fetchone()
    return bool(row and row[0])


def undo_unpublished(db: SchemaSession) -> int:
    """Remove what failed, interrupted or stale runs wrote into the spans and staging
    tables; how many rows it touched. Idempotent."""
    touched = 0
    with db.errors("could not undo the spans of unpublished runs"), db.conn.transaction():
        for statement in (
            "DELETE FROM {schema}.dataset_spans s USING {schema}.runs r"
            " WHERE s.first_run = r.run_id AND r.status IN " + _UNPUBLISHED,
            "UPDATE {schema}.dataset_spans s SET end_run = NULL FROM {schema}.runs r"
            " WHERE s.end_run = r.run_id AND r.status IN " + _UNPUBLISHED,
            "DELETE FROM {schema}.page_spans s USING {schema}.runs r"
            " WHERE s.first_run = r.run_id AND r.status IN " + _UNPUBLISHED,
            "UPDATE {schema}.page_spans s SET end_run = NULL FROM {schema}.runs r"
            " WHERE s.end_run = r.run_id AND r.status IN " + _UNPUBLISHED,
            "DELETE FROM {schema}.run_staged_datasets s USING {schema}.runs r"
            " WHERE s.run_id = r.run_id AND r.status <> 'running'",
            "DELETE FROM {schema}.run_staged_pages s USING {schema}.runs r"
            " WHERE s.run_id = r.run_id AND r.status <> 'running'",
        ):
            touched += db.conn.execute(db.sql(statement)).rowcount
    return touched


def clear_shard(db: SchemaSession, run_id: int, shard: int) -> None:
    """Forget what an earlier attempt of this shard staged (it is loaded again)."""
    for table in ("run_staged_datasets", "run_staged_pages"):
        db.conn.execute(
            db.sql("DELETE FROM {schema}.{table} WHERE run_id = %s AND shard = %s", table=table),
            (run_id, shard),
        )


def finish_run(db: SchemaSession, run_id: int) -> None:
    """Turn what the run staged into spans, in the caller's transaction.

    Spans the run does not continue (same version, same page) end at this run; staged
    datasets without an open span start one. Every staged version must be stored: a
    version a worker took for the published one but which is not stored (a 64-bit
    collision, or a warehouse edited by hand) stops the run here.
    """
    params = {"run": run_id}
    missing = db.conn.execute(
        db.sql(
            "SELECT n.dataset_id FROM {schema}.run_staged_datasets n"
            " WHERE n.run_id = %(run)s AND NOT EXISTS (SELECT 1 FROM {schema}.dataset_versions v"
            "  WHERE v.version = n.version) LIMIT 5"
        ),
        params,
    ).fetchall()
    if missing:
        raise WarehouseError(
            f"run {run_id} refers to dataset versions the warehouse does not hold (e.g. "
            f"{', '.join(str(m[0]) for m in missing)}): run again with --full"
        )
    db.conn.execute(
        db.sql(
            "UPDATE {schema}.dataset_spans s SET end_run = %(run)s"
            " WHERE s.end_run IS NULL AND s.first_run < %(run)s AND NOT EXISTS ("
            "  SELECT 1 FROM {schema}.run_staged_datasets n WHERE n.run_id = %(run)s"
            "  AND n.dataset_id = s.dataset_id AND n.version = s.version"
            "  AND n.source_file IS NOT DISTINCT FROM s.source_file)"
        ),
        params,
    )
    db.conn.execute(
        db.sql(
            "INSERT INTO {schema}.dataset_spans (dataset_id, version, source_file, first_run)"
            " SELECT n.dataset_id, n.version, n.source_file, %(run)s"
            " FROM {schema}.run_staged_datasets n WHERE n.run_id = %(run)s AND NOT EXISTS ("
            "  SELECT 1 FROM {schema}.dataset_spans s"
            "  WHERE s.end_run IS NULL AND s.dataset_id = n.dataset_id)"
        ),
        params,
    )
    db.conn.execute(
        db.sql(
            "UPDATE {schema}.page_spans s SET end_run = %(run)s"
            " WHERE s.end_run IS NULL AND s.first_run < %(run)s AND NOT EXISTS ("
            "  SELECT 1 FROM {schema}.run_staged_pages n WHERE n.run_id = %(run)s"
            "  AND n.source_file = s.source_file AND n.fingerprint = s.fingerprint"
            "  AND n.datasets = s.datasets)"
        ),
        params,
    )
    db.conn.execute(
        db.sql(
            "INSERT INTO {schema}.page_spans (source_file, fingerprint, datasets, first_run)"
            " SELECT n.source_file, n.fingerprint, n.datasets, %(run)s"
            " FROM {schema}.run_staged_pages n WHERE n.run_id = %(run)s AND NOT EXISTS ("
            "  SELECT 1 FROM {schema}.page_spans s"
            "  WHERE s.end_run IS NULL AND s.source_file = n.source_file)"
        ),
        params,
    )
    # Emptied by TRUNCATE when only this run's rows are there (always, but while another
    # run's shard retries): a DELETE would leave the table's pages to the next vacuum.
    for table in ("run_staged_datasets", "run_staged_pages"):
        others = db.conn.execute(
            db.sql(
                "SELECT EXISTS (SELECT 1 FROM {schema}.{table} WHERE run_id <> %(run)s)",
                table=table,
            ),
            params,
        ).fetchone()
        if others and others[0]:
            db.conn.execute(
                db.sql("DELETE FROM {schema}.{table} WHERE run_id = %(run)s", table=table), params
            )
        else:
            db.conn.execute(db.sql("TRUNCATE {schema}.{table}", table=table))


def datasets_at(db: SchemaSession, run_id: int) -> int:
    """How many datasets the spans give run ``run_id``."""
    row = db.conn.execute(
        db.sql("SELECT count(*) FROM {schema}.dataset_spans s WHERE " + _AT_RUN),
        {"run": run_id},
    ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class RunSummary:
    """The figures a run prints: mean fill rate and score, ratings."""

    datasets: int
    mean_fill_rate: float | None
    mean_score: float | None
    mean_max_points: float | None
    ratings: dict[str, int]


def run_summary(db: SchemaSession, run_id: int, shard: int | None = None) -> RunSummary:
    """The figures of run ``run_id`` once finished; with ``shard``, of what that shard
    staged (the run is finished by its last shard)."""
    if shard is None:
        source = "SELECT s.version FROM {schema}.dataset_spans s WHERE " + _AT_RUN
    else:
        source = (
            "SELECT version FROM {schema}.run_staged_datasets"
            " WHERE run_id = %(run)s AND shard = %(shard)s"
        )
    with db.errors(f"could not sum up run {run_id}"):
        rows = db.conn.execute(
            db.sql(
                "SELECT x.rating, count(*), sum(coalesce(x.fill_rate, d.fill_rate)),"
                " sum(x.total), sum(x.max_points)"
                " FROM (" + source + ") k"
                " LEFT JOIN {schema}.version_scores x USING (version)"
                " LEFT JOIN {schema}.dataset_versions d USING (version) GROUP BY x.rating"
            ),
            {"run": run_id, "shard": shard},
        ).fetchall()
    datasets = sum(int(r[1]) for r in rows)
    fill = sum(float(r[2] or 0) for r in rows)
    scored = [r for r in rows if r[0] is not None]
    scored_n = sum(int(r[1]) for r in scored)
    return RunSummary(
        datasets=datasets,
        mean_fill_rate=round(fill / datasets, 2) if datasets else None,
        mean_score=round(sum(int(r[3]) for r in scored) / scored_n, 1) if scored_n else None,
        mean_max_points=(round(sum(int(r[4]) for r in scored) / scored_n, 1) if scored_n else None),
        ratings={str(r[0]): int(r[1]) for r in scored},
    )


class Retention:
    """Deletes the versions no run needs any more."""

    def __init__(self, db: SchemaSession, keep_runs: int, timeout: float) -> None:
        self.db = db
        self.keep_runs = keep_runs
        self.timeout = timeout

    def clean_up(self, *, undone: int = 0) -> None:
        """Expire the detail of the runs past ``keep_runs`` and delete what nobody needs
        (also after ``undone`` rows were undone); never fails the run: the next retries."""
        db = self.db
        try:
            with db.errors("could not apply retention"):
                db.conn.execute(
                    "SELECT set_config('statement_timeout', %s, false)",
                    (str(int(self.timeout * 1000)),),
                )
                if self._expire() or undone:
                    self._drop_versions()
        except WarehouseError as exc:
            log.warning("old versions were not all dropped (the next run retries): %s", exc)
        finally:
            with suppress(psycopg.Error):
                db.conn.execute("RESET statement_timeout")

    def _expire(self) -> int:
        """Mark the succeeded runs past ``keep_runs`` as without detail; how many."""
        return self.db.conn.execute(
            self.db.sql(
                "UPDATE {schema}.runs SET detail_kept = false"
                " WHERE status = 'succeeded' AND detail_kept AND run_id NOT IN ("
                "  SELECT run_id FROM {schema}.runs WHERE status = 'succeeded'"
                "  ORDER BY run_id DESC LIMIT %s)"
            ),
            (self.keep_runs,),
        ).rowcount

    def _drop_versions(self) -> None:
        db = self.db
        with db.conn.transaction():
            # A span covers a kept run exactly when it ends after the first kept run: its
            # first run is a succeeded one, and every succeeded run after that is kept.
            db.conn.execute(
                db.sql(
                    "CREATE TEMPORARY TABLE dq_doomed ON COMMIT DROP AS"
                    " SELECT v.version, false AS scores FROM {schema}.dataset_versions v"
                    " WHERE NOT EXISTS (SELECT 1 FROM {schema}.dataset_spans s"
                    "  WHERE s.version = v.version AND (s.end_run IS NULL OR s.end_run > ("
                    "   SELECT min(run_id) FROM {schema}.runs"
                    "   WHERE status = 'succeeded' AND detail_kept)))"
                    " UNION ALL SELECT x.version, true FROM {schema}.version_scores x"
                    " WHERE NOT EXISTS (SELECT 1 FROM {schema}.dataset_spans s"
                    "  WHERE s.version = x.version)"
                )
            )
            for family in _rows.FAMILIES:
                deleted = db.conn.execute(
                    db.sql(
                        "DELETE FROM {schema}.{table} t USING dq_doomed d"
                        " WHERE t.version = d.version AND d.scores = %s",
                        table=family.table,
                    ),
                    (family.history,),
                ).rowcount
                if deleted:
                    log.info("dropped %s rows of %s no kept run needs", deleted, family.table)
