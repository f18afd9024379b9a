"""The warehouse: schema migrations, runs, staged loading, atomic publish, retention.

Each run loads into its own partitions of the ``hist_*`` tables; the views show the
latest *succeeded* run only, so a run's rows stay invisible until the one-row update that
publishes it. A run that fails keeps the previous publish untouched.

Partitions are created with ``CREATE TABLE … (LIKE …)`` + ``ATTACH PARTITION`` and
removed with ``DETACH PARTITION … CONCURRENTLY`` + ``DROP TABLE``: both take a lock on the
partitioned table that does not conflict with readers (``CREATE TABLE … PARTITION OF``
and a plain ``DROP`` would queue every Metabase query behind a long-running one).

Rejections are written in their own committed transactions, so they are kept even when
the run that found them later fails.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from types import TracebackType
from typing import Literal, LiteralString, NamedTuple, Self

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.errors import RunLockedError, WarehouseError
from dcat_quality.quality.ecospheres import EcospheresIndicators
from dcat_quality.quality.links import UNREACHABLE, LinkResult
from dcat_quality.quality.mqa import ScoreSummary
from dcat_quality.quality.shacl import Violation
from dcat_quality.warehouse import rows as _rows
from dcat_quality.warehouse.connection import DatabaseTarget, connect, scrub
from dcat_quality.warehouse.seen import SeenIds

log = logging.getLogger(__name__)

Connection = psycopg.Connection[TupleRow]

STALE_ERROR = "stale: the process running it stopped"
_MIGRATION_FILE = re.compile(r"^(\d{3})_[\w-]+\.sql$")
_PARTITION = re.compile(r"^(hist_\w+|score_history)_r(\d+)$")
_MAX_IDENTIFIER = 63
#: Seconds a partition drop may wait for readers' transactions before giving up.
RETENTION_TIMEOUT = 60.0


@dataclass(frozen=True)
class RunCounts:
    """What a run read, loaded and rejected; read = loaded + rejected."""

    pages_read: int
    pages_rejected: int
    datasets_read: int
    datasets_loaded: int
    datasets_rejected: int


@dataclass(frozen=True)
class Shard:
    """This process loads the pages ``index``, ``index + count``, … of the run ``key``."""

    key: str
    index: int
    count: int

    def __post_init__(self) -> None:
        if not self.key:
            raise WarehouseError("a sharded run needs a run key (e.g. the Kubernetes Job name)")
        if not 0 <= self.index < self.count:
            raise WarehouseError(
                f"shard index {self.index} is out of range for {self.count} shards (0…)"
            )


class IndicatorRow(NamedTuple):
    """One row of the ``indicators`` dictionary."""

    indicator_id: str
    family: str
    dimension: str
    points: int
    level: str
    kind: str
    label_fr: str
    label_en: str
    rationale: str
    fix_hint_fr: str
    dcat_property: str | None
    metric_iri: str | None
    check_position: int | None


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


def _lock_key(purpose: str, schema: str) -> int:
    """A 64-bit advisory-lock key of the schema (advisory locks are per database)."""
    digest = hashlib.blake2b(f"dcat-quality:{purpose}:{schema}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of the bundled migrations, in order."""
    found = []
    for entry in resources.files("dcat_quality.warehouse.migrations").iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Warehouse:
    """One warehouse schema on one database; one run at a time per schema."""

    def __init__(
        self, target: DatabaseTarget, conn: Connection, schema: str, keep_runs: int
    ) -> None:
        self.target = target
        self.schema = schema
        self.keep_runs = keep_runs
        self._conn = conn
        self._lock_conn: Connection | None = None
        self._run_id: int | None = None
        self._shard: Shard | None = None
        self._server_version = conn.info.server_version
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

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Turn psycopg errors into a WarehouseError saying what failed, password-free."""
        try:
            yield
        except psycopg.Error as exc:
            detail = scrub(str(exc).strip(), self.target)
            raise WarehouseError(f"{what} (warehouse {self.target.display}): {detail}") from exc

    def _sql(self, template: LiteralString, **identifiers: str) -> sql.Composed:
        """A statement with ``{schema}`` and the given names as quoted identifiers."""
        names = {key: sql.Identifier(value) for key, value in identifiers.items()}
        return sql.SQL(template).format(schema=sql.Identifier(self.schema), **names)

    # -- schema ---------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply the migrations not applied yet; returns how many were applied."""
        key = _lock_key("migrate", self.schema)
        quoted = sql.Identifier(self.schema).as_string(self._conn)
        applied = 0
        with self._errors(f"could not migrate the schema {self.schema!r}"):
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
                self._conn.execute(self._sql("CREATE SCHEMA IF NOT EXISTS {schema}"))
                self._conn.execute(
                    self._sql(
                        "CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
                        " version integer PRIMARY KEY,"
                        " applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                )
                self._conn.execute(
                    self._sql(
                        "COMMENT ON TABLE {schema}.schema_migrations IS"
                        " 'Schema versions applied by dcat-quality (it migrates its schema itself)'"
                    )
                )
                self._conn.execute(
                    self._sql(
                        "COMMENT ON COLUMN {schema}.schema_migrations.version IS"
                        " 'Number of the migration file (NNN_name.sql) applied'"
                    )
                )
                self._conn.execute(
                    self._sql(
                        "COMMENT ON COLUMN {schema}.schema_migrations.applied_at IS"
                        " 'When the migration was applied'"
                    )
                )
            for version, name, script in _migrations():
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
                    done = self._conn.execute(
                        self._sql("SELECT 1 FROM {schema}.schema_migrations WHERE version = %s"),
                        (version,),
                    ).fetchone()
                    if done:
                        continue
                    log.info("applying migration %s to schema %r", name, self.schema)
                    self._conn.execute(script.replace("{schema}", quoted).encode("utf-8"))
                    self._conn.execute(
                        self._sql("INSERT INTO {schema}.schema_migrations (version) VALUES (%s)"),
                        (version,),
                    )
                    applied += 1
        return applied

    # -- runs -----------------------------------------------------------------------------

    def begin_run(
        self,
        source: str,
        software_version: str,
        *,
        wait: bool = True,
        methodology_version: str | None = None,
        score_variant: str | None = None,
        shard: Shard | None = None,
    ) -> int:
        """Take the run lock, clean up after dead runs, create the run and its partitions.

        With ``shard``, the run lock is shared with the other shards (a single-process run
        waits for all of them), and the run is created by the first shard to come and
        joined by the others.
        """
        if self._run_id is not None:
            raise WarehouseError(f"run {self._run_id} is still in progress in this process")
        lock_conn = connect(self.target, purpose="take the run lock")
        key = _lock_key("run", self.schema)
        try:
            with self._errors("could not take the run lock"):
                if shard is not None:
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
        if shard is not None:
            try:
                run_id = self._join_sharded_run(
                    shard, source, software_version, methodology_version, score_variant
                )
            except BaseException:
                self._release()
                raise
            self._run_id, self._shard = run_id, shard
            log.info("shard %s/%s of run %s started", shard.index, shard.count, run_id)
            return run_id
        try:
            self._mark_stale_runs()
            self._clean_up()
            with self._errors("could not record the start of the run"), self._conn.transaction():
                row = self._conn.execute(
                    self._sql(
                        "INSERT INTO {schema}.runs (source, software_version,"
                        " methodology_version, score_variant)"
                        " VALUES (%s, %s, %s, %s) RETURNING run_id"
                    ),
                    (source, software_version, methodology_version, score_variant),
                ).fetchone()
                assert row is not None
                run_id = int(row[0])
                for table in _rows.DETAIL_TABLES:
                    self._create_partition(table, run_id)
        except BaseException:
            self._release()
            raise
        self._run_id = run_id
        log.info("run %s started on schema %r", run_id, self.schema)
        return run_id

    def _join_sharded_run(
        self,
        shard: Shard,
        source: str,
        software_version: str,
        methodology_version: str | None,
        score_variant: str | None,
    ) -> int:
        """Create the run of ``shard.key`` if no shard did yet, and register this shard."""
        with self._errors("could not start the shard"), self._conn.transaction():
            self._conn.execute(
                "SELECT pg_advisory_xact_lock(%s)", (_lock_key("shard:" + shard.key, self.schema),)
            )
            row = self._conn.execute(
                self._sql(
                    "SELECT run_id, status, shard_count FROM {schema}.runs WHERE run_key = %s"
                ),
                (shard.key,),
            ).fetchone()
            if row is None:
                created = self._conn.execute(
                    self._sql(
                        "INSERT INTO {schema}.runs (source, software_version,"
                        " methodology_version, score_variant, run_key, shard_count)"
                        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING run_id"
                    ),
                    (
                        source,
                        software_version,
                        methodology_version,
                        score_variant,
                        shard.key,
                        shard.count,
                    ),
                ).fetchone()
                assert created is not None
                run_id = int(created[0])
                for table in _rows.DETAIL_TABLES:
                    self._create_partition(table, run_id)
            else:
                run_id, status, count = int(row[0]), str(row[1]), row[2]
                if status != "running":
                    raise WarehouseError(
                        f"the run of key {shard.key!r} is already {status} (run {run_id}): "
                        "use a new run key for a new run"
                    )
                if count != shard.count:
                    raise WarehouseError(
                        f"the run of key {shard.key!r} has {count} shards, not {shard.count}"
                    )
            done = self._conn.execute(
                self._sql(
                    "SELECT status FROM {schema}.run_shards WHERE run_id = %s AND shard_index = %s"
                ),
                (run_id, shard.index),
            ).fetchone()
            if done is not None and done[0] == "succeeded":
                raise WarehouseError(
                    f"shard {shard.index} of run {run_id} ({shard.key!r}) is already loaded"
                )
            self._conn.execute(
                self._sql(
                    "INSERT INTO {schema}.run_shards (run_id, shard_index, status)"
                    " VALUES (%s, %s, 'running') ON CONFLICT (run_id, shard_index) DO UPDATE"
                    " SET status = 'running', started_at = now(), finished_at = NULL,"
                    " error = NULL"
                ),
                (run_id, shard.index),
            )
        return run_id

    def _publish_shard(self, run_id: int, shard: Shard, counts: RunCounts) -> bool:
        """Record this shard as done; the last one publishes the run. True if published."""
        with (
            self._errors(f"could not record shard {shard.index} of run {run_id}"),
            self._conn.transaction(),
        ):
            self._conn.execute(
                "SELECT pg_advisory_xact_lock(%s)",
                (_lock_key("shard:" + shard.key, self.schema),),
            )
            self._conn.execute(
                self._sql(
                    "UPDATE {schema}.run_shards SET status = 'succeeded',"
                    " finished_at = now(), pages_read = %s, pages_rejected = %s,"
                    " datasets_read = %s, datasets_loaded = %s, datasets_rejected = %s"
                    " WHERE run_id = %s AND shard_index = %s"
                ),
                (
                    counts.pages_read,
                    counts.pages_rejected,
                    counts.datasets_read,
                    counts.datasets_loaded,
                    counts.datasets_rejected,
                    run_id,
                    shard.index,
                ),
            )
            total = self._conn.execute(
                self._sql(
                    "SELECT count(*), sum(pages_read), sum(pages_rejected),"
                    " sum(datasets_read), sum(datasets_loaded), sum(datasets_rejected)"
                    " FROM {schema}.run_shards WHERE run_id = %s AND status = 'succeeded'"
                ),
                (run_id,),
            ).fetchone()
            assert total is not None
            if int(total[0]) < shard.count:
                return False
            summed = RunCounts(*(int(value or 0) for value in total[1:]))
            self.write_indicator_stats(self._conn, run_id)
            self._mark_published(run_id, summed)
        return True

    def write_indicator_stats(self, conn: Connection, run_id: int) -> None:
        """Pass counts per check for a run, from its score partition.

        One scan groups the datasets by their (measured, passed) masks; only those few
        hundred groups meet the indicators. Crossing every dataset with every check
        took a quarter of a second per 10,000 datasets, after the load, on the clock.
        """
        conn.execute(
            self._sql(
                "INSERT INTO {schema}.run_indicator_stats"
                " (run_id, indicator_id, measured, passed)"
                " SELECT %s, i.indicator_id,"
                "  coalesce(sum(m.n) FILTER"
                "   (WHERE (m.measured_mask >> i.check_position) & 1 = 1), 0),"
                "  coalesce(sum(m.n) FILTER"
                "   (WHERE (m.passed_mask >> i.check_position) & 1 = 1), 0)"
                " FROM {schema}.indicators i CROSS JOIN"
                "  (SELECT measured_mask, passed_mask, count(*) AS n"
                "   FROM {schema}.{partition} GROUP BY measured_mask, passed_mask) m"
                " WHERE i.check_position IS NOT NULL GROUP BY i.indicator_id",
                partition=f"score_history_r{run_id}",
            ),
            (run_id,),
        )

    def _mark_stale_runs(self) -> None:
        # We hold the run lock: nobody else is running, so a "running" row is a dead run.
        with self._errors("could not clean up after a stopped run"):
            stale = self._conn.execute(
                self._sql(
                    "UPDATE {schema}.runs SET status = 'failed', error = %s,"
                    " finished_at = now() WHERE status = 'running' RETURNING run_id"
                ),
                (STALE_ERROR,),
            ).fetchall()
        for (run_id,) in stale:
            log.warning("run %s had stopped without finishing: recorded as failed", run_id)

    def _create_partition(self, table: str, run_id: int) -> None:
        names = {
            "schema": sql.Identifier(self.schema),
            "table": sql.Identifier(table),
            "partition": sql.Identifier(f"{table}_r{run_id}"),
        }
        self._conn.execute(
            sql.SQL(
                "CREATE TABLE {schema}.{partition} (LIKE {schema}.{table} INCLUDING ALL)"
            ).format(**names)
        )
        self._conn.execute(
            sql.SQL(
                "ALTER TABLE {schema}.{table} ATTACH PARTITION {schema}.{partition}"
                " FOR VALUES IN ({run_id})"
            ).format(run_id=sql.Literal(run_id), **names)
        )
        comment = (
            f"Rows of run {run_id} in {table} (a partition; dropped when the run "
            "fails or falls out of the kept runs)."
        )
        self._conn.execute(
            sql.SQL("COMMENT ON TABLE {schema}.{partition} IS {comment}").format(
                comment=sql.Literal(comment), **names
            )
        )

    def loader(self, run_id: int, *, batch_rows: int = 2000) -> Loader:
        """A context manager that loads the run's rows in one transaction."""
        self._check_active(run_id)
        return Loader(self, run_id, batch_rows=batch_rows)

    def publish(self, run_id: int, counts: RunCounts) -> bool:
        """Make the run the one the views show, then apply retention and free the lock.

        For a shard: record it as done; the last shard publishes. True once published.
        """
        self._check_active(run_id)
        if counts.datasets_read != counts.datasets_loaded + counts.datasets_rejected:
            raise WarehouseError(
                f"run {run_id} cannot be published: its counts do not reconcile "
                f"(read {counts.datasets_read} ≠ loaded {counts.datasets_loaded} "
                f"+ rejected {counts.datasets_rejected})"
            )
        assert self._lock_conn is not None
        if self._shard is not None:
            shard = self._shard
            with self._errors(f"lost the run lock of run {run_id}"):
                self._lock_conn.execute("SELECT 1")
            published = self._publish_shard(run_id, shard, counts)
            self._release()
            if published:
                log.info("run %s published by its last shard (%s)", run_id, shard.index)
                self._clean_up()
            else:
                log.info(
                    "shard %s of run %s loaded; other shards still running", shard.index, run_id
                )
            return published
        with self._errors(f"could not publish run {run_id}"):
            self._lock_conn.execute("SELECT 1")  # still holding the lock?
            with self._conn.transaction():
                self._mark_published(run_id, counts)
        log.info("run %s published", run_id)
        self._clean_up()  # retention
        self._release()
        return True

    def _mark_published(self, run_id: int, counts: RunCounts) -> None:
        """Check the loaded rows against the counts, then mark the run succeeded."""
        row = self._conn.execute(
            self._sql(
                "SELECT count(*) FROM {schema}.{partition}",
                partition=f"hist_datasets_r{run_id}",
            )
        ).fetchone()
        loaded = int(row[0]) if row else 0
        if loaded != counts.datasets_loaded:
            raise WarehouseError(
                f"run {run_id} cannot be published: the warehouse holds {loaded} "
                f"datasets for it, the run counted {counts.datasets_loaded} loaded"
            )
        updated = self._conn.execute(
            self._sql(
                "UPDATE {schema}.runs SET status = 'succeeded', finished_at = now(),"
                " pages_read = %s, pages_rejected = %s, datasets_read = %s,"
                " datasets_loaded = %s, datasets_rejected = %s, error = NULL"
                " WHERE run_id = %s AND status = 'running'"
            ),
            (
                counts.pages_read,
                counts.pages_rejected,
                counts.datasets_read,
                counts.datasets_loaded,
                counts.datasets_rejected,
                run_id,
            ),
        ).rowcount
        if updated != 1:
            raise WarehouseError(
                f"run {run_id} cannot be published: it is no longer marked running "
                "(another process found it stale)"
            )

    def fail(
        self,
        run_id: int,
        error: str,
        *,
        status: Literal["failed", "interrupted"] = "failed",
        counts: RunCounts | None = None,
    ) -> None:
        """Record the run as failed, drop its partitions and free the lock.

        For a shard, only the shard is recorded as failed: the run stays open for a retry
        of that shard (the other shards' rows are kept).
        """
        self._check_active(run_id)
        if self._shard is not None:
            try:
                with self._errors(f"could not record the failure of shard of run {run_id}"):
                    self._conn.execute(
                        self._sql(
                            "UPDATE {schema}.run_shards SET status = 'failed', error = %s,"
                            " finished_at = now() WHERE run_id = %s AND shard_index = %s"
                        ),
                        (f"{status}: {error}", run_id, self._shard.index),
                    )
            finally:
                self._release()
            return
        try:
            with self._errors(f"could not record the failure of run {run_id}"):
                values = (
                    (None,) * 5
                    if counts is None
                    else (
                        counts.pages_read,
                        counts.pages_rejected,
                        counts.datasets_read,
                        counts.datasets_loaded,
                        counts.datasets_rejected,
                    )
                )
                self._conn.execute(
                    self._sql(
                        "UPDATE {schema}.runs SET status = %s, error = %s, finished_at = now(),"
                        " pages_read = %s, pages_rejected = %s, datasets_read = %s,"
                        " datasets_loaded = %s, datasets_rejected = %s"
                        " WHERE run_id = %s AND status = 'running'"
                    ),
                    (status, error, *values, run_id),
                )
            self._clean_up({run_id})
        finally:
            self._release()
        log.info("run %s recorded as %s", run_id, status)

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

    def latest_runs(self, limit: int = 10) -> list[RunInfo]:
        """The most recent runs, newest first."""
        with self._errors("could not read the runs"):
            rows = self._conn.execute(
                self._sql(
                    "SELECT run_id, source, started_at, finished_at, status, pages_read,"
                    " pages_rejected, datasets_read, datasets_loaded, datasets_rejected,"
                    " software_version, error FROM {schema}.runs"
                    " ORDER BY run_id DESC LIMIT %s"
                ),
                (limit,),
            ).fetchall()
        return [RunInfo(*row) for row in rows]

    # -- indicator dictionary -------------------------------------------------------------

    def write_indicators(self, indicators: Sequence[IndicatorRow]) -> None:
        """Upsert the indicator dictionary (the registry is the source of truth)."""
        columns = IndicatorRow._fields
        with self._errors("could not write the indicator dictionary"), self._conn.transaction():
            self._conn.execute(self._sql("UPDATE {schema}.indicators SET check_position = NULL"))
            statement = sql.SQL(
                "INSERT INTO {schema}.indicators ({columns}) VALUES ({values})"
                " ON CONFLICT (indicator_id) DO UPDATE SET {updates}"
            ).format(
                schema=sql.Identifier(self.schema),
                columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
                values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                updates=sql.SQL(", ").join(
                    sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns[1:]
                ),
            )
            with self._conn.cursor() as cursor:
                cursor.executemany(statement, [tuple(row) for row in indicators])

    def check_positions(self) -> dict[str, int]:
        """Indicator id → bit position in the score masks, as stored."""
        with self._errors("could not read the indicator dictionary"):
            rows = self._conn.execute(
                self._sql(
                    "SELECT indicator_id, check_position FROM {schema}.indicators"
                    " WHERE check_position IS NOT NULL"
                )
            ).fetchall()
        return {str(name): int(position) for name, position in rows}

    # -- reading the published run --------------------------------------------------------

    def published_run(self) -> RunInfo | None:
        """The run the views show (the latest succeeded one), or None before any."""
        return next((r for r in self.latest_runs(1000) if r.status == "succeeded"), None)

    def iter_check_results(self) -> Iterator[tuple[str, str, bool]]:
        """``(dataset, metric IRI, passed)`` of every measured MQA check, published run."""
        with self._errors("could not read the check results"), self._conn.transaction():
            cursor = self._conn.cursor(name="dcat_quality_checks")
            cursor.execute(
                self._sql(
                    "SELECT c.dataset_id, i.metric_iri, c.passed"
                    " FROM {schema}.dataset_checks c JOIN {schema}.indicators i"
                    " USING (indicator_id) WHERE c.passed IS NOT NULL"
                    " AND i.metric_iri IS NOT NULL ORDER BY c.dataset_id, i.check_position"
                )
            )
            for dataset_id, metric, passed in cursor:
                yield str(dataset_id), str(metric), bool(passed)

    def iter_scores(self) -> Iterator[tuple[str, int, float]]:
        """``(dataset, MQA total, fill rate)`` of the published run."""
        with self._errors("could not read the scores"), self._conn.transaction():
            cursor = self._conn.cursor(name="dcat_quality_scores")
            cursor.execute(
                self._sql(
                    "SELECT dataset_id, total, fill_rate FROM {schema}.dataset_scores"
                    " ORDER BY dataset_id"
                )
            )
            for dataset_id, total, fill_rate in cursor:
                yield str(dataset_id), int(total), float(fill_rate)

    # -- link-check cache -----------------------------------------------------------------

    def urls_to_check(self, max_age_s: float) -> list[str]:
        """Distinct access/download URLs of the published run not checked for max_age_s."""
        with self._errors("could not list the URLs to check"):
            rows = self._conn.execute(
                self._sql(
                    "SELECT u.url FROM (SELECT access_url AS url FROM {schema}.distributions"
                    "  UNION SELECT download_url FROM {schema}.distributions) u"
                    " LEFT JOIN {schema}.link_checks l ON l.url = u.url"
                    " WHERE u.url IS NOT NULL AND (l.url IS NULL"
                    "  OR l.checked_at <= now() - make_interval(secs => %s))"
                    " ORDER BY u.url"
                ),
                (max_age_s,),
            ).fetchall()
        return [str(url) for (url,) in rows]

    def write_link_results(self, results: Sequence[LinkResult]) -> None:
        """Store link-check results, replacing older ones for the same URLs."""
        if not results:
            return
        with (
            self._errors("could not store the link checks"),
            self._conn.transaction(),
            self._conn.cursor() as cursor,
        ):
            cursor.executemany(
                self._sql(
                    "INSERT INTO {schema}.link_checks (url, status_code, error, detail,"
                    " method, final_url, redirects, elapsed_s, checked_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (url) DO UPDATE SET status_code = EXCLUDED.status_code,"
                    " error = EXCLUDED.error, detail = EXCLUDED.detail,"
                    " method = EXCLUDED.method, final_url = EXCLUDED.final_url,"
                    " redirects = EXCLUDED.redirects, elapsed_s = EXCLUDED.elapsed_s,"
                    " checked_at = EXCLUDED.checked_at"
                ),
                [
                    (
                        r.url,
                        r.status_code,
                        r.error,
                        r.detail,
                        r.method,
                        r.final_url,
                        r.redirects,
                        r.elapsed_s,
                        r.checked_at,
                    )
                    for r in results
                ],
            )

    def link_codes(self, unreachable: int = UNREACHABLE) -> dict[str, int]:
        """URL → MQA measurement (status, or the pseudo-code for a failed request)."""
        with self._errors("could not read the link checks"):
            rows = self._conn.execute(
                self._sql(
                    "SELECT url, coalesce(status_code, %s) FROM {schema}.link_checks"
                    " WHERE status_code IS NOT NULL"
                    " OR error NOT IN ('invalid_url', 'unsupported_scheme')"
                ),
                (unreachable,),
            ).fetchall()
        return {str(url): int(code) for url, code in rows}

    # -- partitions -----------------------------------------------------------------------

    def _runs_to_drop(self) -> tuple[set[int], set[int]]:
        """``(failed, expired)``: runs whose partitions must all go, and succeeded runs past
        keep_runs, whose detail goes but whose score history stays."""
        with self._errors("could not list the runs to clean up"):
            rows = self._conn.execute(
                self._sql(
                    "SELECT run_id, status FROM {schema}.runs"
                    " WHERE status IN ('failed', 'interrupted')"
                    " OR (status = 'succeeded' AND run_id NOT IN ("
                    "  SELECT run_id FROM {schema}.runs WHERE status = 'succeeded'"
                    "  ORDER BY run_id DESC LIMIT %s))"
                ),
                (self.keep_runs,),
            ).fetchall()
        failed = {int(run_id) for run_id, status in rows if status != "succeeded"}
        expired = {int(run_id) for run_id, status in rows if status == "succeeded"}
        return failed, expired

    def _clean_up(self, run_ids: set[int] | None = None) -> None:
        """Drop partitions that must go, without failing the run: the next run retries."""
        try:
            if run_ids is not None:
                self._drop_partitions(run_ids)
                return
            failed, expired = self._runs_to_drop()
            self._drop_partitions(failed)
            self._drop_partitions(expired, keep=_rows.HISTORY_TABLES)
        except WarehouseError as exc:
            log.warning("old run partitions were not all dropped (the next run retries): %s", exc)

    def _drop_partitions(self, run_ids: set[int], keep: frozenset[str] = frozenset()) -> None:
        """Detach (without blocking readers) and drop the partitions of these runs.

        Half-detached partitions (an earlier detach was interrupted) are always finished.

        ``DETACH … CONCURRENTLY`` waits for every transaction that uses the table, so a
        session left idle in a transaction would hold the run forever: the wait is bounded
        by ``retention_timeout`` and an interrupted detach is finalized next time.
        """
        if not run_ids:
            return
        pending = "i.inhdetachpending" if self._server_version >= 140000 else "false"
        timeout_ms = str(int(self.retention_timeout * 1000))
        try:
            with self._errors("could not drop old run partitions"):
                self._conn.execute(
                    "SELECT set_config('statement_timeout', %s, false)", (timeout_ms,)
                )
                found = self._conn.execute(
                    sql.SQL(
                        "SELECT c.relname, p.relname, coalesce({pending}, false)"
                        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
                        " LEFT JOIN pg_class p ON p.oid = i.inhparent"
                        " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1"
                    ).format(pending=sql.SQL(pending)),
                    (self.schema,),
                ).fetchall()
                # A parent accepts one pending detach at a time: finish those first.
                found.sort(key=lambda row: not row[2])
                for name, parent, detach_pending in found:
                    match = _PARTITION.match(name)
                    if not match or (int(match.group(2)) not in run_ids and not detach_pending):
                        continue
                    if match.group(1) in keep and not detach_pending:
                        continue
                    if parent is not None:
                        if detach_pending:
                            mode: LiteralString = " FINALIZE"
                        elif self._server_version >= 140000:
                            mode = " CONCURRENTLY"
                        else:
                            mode = ""
                        self._conn.execute(
                            self._sql(
                                "ALTER TABLE {schema}.{parent} "
                                "DETACH PARTITION {schema}.{partition}" + mode,
                                parent=parent,
                                partition=name,
                            )
                        )
                    self._conn.execute(
                        self._sql("DROP TABLE IF EXISTS {schema}.{partition}", partition=name)
                    )
                    log.info("dropped partition %s", name)
        finally:
            with suppress(psycopg.Error):
                self._conn.execute("RESET statement_timeout")

    # -- used by Loader -------------------------------------------------------------------

    def _write_rejections(self, rows: list[_rows.Row]) -> None:
        """Commit rejections at once, apart from the load, so a failed run keeps them."""
        if not rows:
            return
        with self._errors("could not record rejections"), self._conn.transaction():
            cursor = self._conn.cursor()
            with cursor.copy(
                self._sql(
                    "COPY {schema}.rejections (run_id, file, position, reason, dataset_id)"
                    " FROM STDIN"
                )
            ) as copy:
                for row in rows:
                    copy.write_row(row)


_DATASET_ID = _rows.COLUMNS["hist_datasets"].index("dataset_id")
_SOURCE_FILE = _rows.COLUMNS["hist_datasets"].index("source_file")


class Loader:
    """Streams one run's rows into its partitions with COPY, in a single transaction.

    Rows are buffered per table (at most ``batch_rows`` datasets' worth) and flushed with
    one COPY per table; the transaction commits when the ``with`` block exits normally
    and rolls back on an exception. A dataset id seen twice in a run is rejected.
    """

    def __init__(self, warehouse: Warehouse, run_id: int, *, batch_rows: int) -> None:
        self._warehouse = warehouse
        self.run_id = run_id
        self._batch_rows = max(1, batch_rows)
        self._conn: Connection | None = None
        self._buffers: dict[str, list[_rows.Row]] = {t: [] for t in _rows.DETAIL_TABLES}
        self._buffered = 0
        self._rejections: list[_rows.Row] = []
        self._seen = SeenIds()
        self.loaded = 0
        self.duplicates = 0

    def __enter__(self) -> Self:
        self._conn = connect(
            self._warehouse.target, autocommit=False, purpose="open the load connection"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        assert conn is not None
        try:
            if exc_type is None:
                self._flush()
                if self._warehouse._shard is None:  # a sharded run's: at its publish
                    with self._errors("could not compute the pass rates"):
                        self._warehouse.write_indicator_stats(conn, self.run_id)
                self._warehouse._write_rejections(self._rejections)
                self._rejections = []
                with self._errors("could not commit the load"):
                    conn.commit()
                self._analyze()
            else:
                self._abandon(conn)
        except BaseException:
            self._abandon(conn)
            raise
        finally:
            conn.close()
            self._conn = None

    def _abandon(self, conn: Connection) -> None:
        with suppress(psycopg.Error):  # a lost connection was rolled back by the server
            conn.rollback()
        try:  # keep what was found wrong, even though the run fails
            self._warehouse._write_rejections(self._rejections)
        except WarehouseError as error:
            log.warning("rejections of run %s could not be recorded: %s", self.run_id, error)
        self._rejections = []

    def _errors(self, what: str) -> AbstractContextManager[None]:
        return self._warehouse._errors(f"{what} of run {self.run_id}")

    def add(
        self,
        record: DatasetRecord,
        indicators: EcospheresIndicators,
        source_file: str,
        *,
        score: ScoreSummary | None = None,
        violations: Sequence[Violation] | None = None,
    ) -> bool:
        """Queue one dataset's rows; False when the dataset was rejected as a duplicate.

        ``violations`` is None when DCAT-AP was not checked (then nothing is stored).
        """
        return self.add_rows(
            record.dataset_id,
            source_file,
            _rows.dataset_rows(
                self.run_id, record, indicators, source_file, score=score, violations=violations
            ),
        )

    def add_rows(
        self, dataset_id: str, source_file: str, rows: Sequence[tuple[str, _rows.Row]]
    ) -> bool:
        """Queue one dataset's rows (from ``rows.dataset_rows``); False for a duplicate."""
        if self._conn is None:
            raise WarehouseError("the loader is used outside its `with` block")
        first_file = None if self._seen.add(dataset_id) else self._first_copy(dataset_id)
        if first_file is not None:
            self.reject(
                source_file,
                f"duplicate dataset {dataset_id} in {source_file}: already loaded from "
                f"{first_file}; the first copy is kept — remove the duplicate from one of "
                "the pages",
                position=dataset_id,
                dataset_id=dataset_id,
            )
            self.duplicates += 1
            return False
        buffers = self._buffers
        for table, row in rows:
            buffers[table].append(row)
        self.loaded += 1
        self._buffered += 1
        if self._buffered >= self._batch_rows:
            self._flush()
        return True

    def _first_copy(self, dataset_id: str) -> str | None:
        """The page of the loaded copy of ``dataset_id``; None if there is none (the ids
        table only said "maybe": two ids shared a digest)."""
        key = _rows.stored_id(dataset_id)
        for row in self._buffers["hist_datasets"]:
            if row[_DATASET_ID] == key:
                return str(row[_SOURCE_FILE])
        assert self._conn is not None
        with self._errors("could not look for a duplicate dataset"):
            found = self._conn.execute(
                self._warehouse._sql(
                    "SELECT source_file FROM {schema}.{partition} WHERE dataset_id = %s",
                    partition=f"hist_datasets_r{self.run_id}",
                ),
                (key,),
            ).fetchone()
        return None if found is None else str(found[0])

    def reject(
        self, file: str, reason: str, *, position: str | None = None, dataset_id: str | None = None
    ) -> None:
        """Record a page or dataset that is not loaded, with the reason."""
        self._rejections.append((self.run_id, file, position, reason, dataset_id))
        if len(self._rejections) >= self._batch_rows:
            self._warehouse._write_rejections(self._rejections)
            self._rejections = []

    def _flush(self) -> None:
        conn = self._conn
        if conn is None:
            raise WarehouseError("the loader is used outside its `with` block")
        schema = sql.Identifier(self._warehouse.schema)
        with self._errors("could not load the rows"), conn.cursor() as cursor:
            for table, buffer in self._buffers.items():
                if not buffer:
                    continue
                statement = sql.SQL("COPY {schema}.{partition} ({columns}) FROM STDIN").format(
                    schema=schema,
                    partition=sql.Identifier(f"{table}_r{self.run_id}"),
                    columns=sql.SQL(", ").join(map(sql.Identifier, _rows.COLUMNS[table])),
                )
                with cursor.copy(statement) as copy:
                    for row in buffer:
                        copy.write_row(row)
                buffer.clear()
        self._buffered = 0

    def _analyze(self) -> None:
        """Fresh statistics, so the first dashboard queries get good plans (best effort)."""
        assert self._conn is not None
        self._conn.autocommit = True
        schema = sql.Identifier(self._warehouse.schema)
        try:
            with self._errors("could not analyze the loaded rows"):
                for table in _rows.DETAIL_TABLES:
                    self._conn.execute(
                        sql.SQL("ANALYZE {}.{}").format(
                            schema, sql.Identifier(f"{table}_r{self.run_id}")
                        )
                    )
        except WarehouseError as exc:  # the rows are committed; autovacuum will analyze
            log.warning("%s", exc)
