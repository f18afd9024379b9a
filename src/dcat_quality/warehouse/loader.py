"""The loader: what one run read, streamed into the warehouse with COPY, in one transaction.

For every dataset the run stages its version and page (``run_staged_datasets``); the rows
of a version are written only when the warehouse does not hold that version yet. When
the ``with`` block ends, the staged rows become spans (``versions.finish_run``; a sharded
run's last shard does it when it publishes) and the transaction commits: nothing of the
run is visible until it is published.

Rejections are written in their own committed transactions, so they are kept even when
the run that found them later fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, suppress
from types import TracebackType
from typing import Protocol, Self

import psycopg
from psycopg import sql

from dcat_quality.dcat.records import DatasetRecord, RdfFinding
from dcat_quality.errors import WarehouseError
from dcat_quality.quality.ecospheres import EcospheresIndicators
from dcat_quality.quality.mqa import ScoreSummary
from dcat_quality.quality.shacl import Violation
from dcat_quality.warehouse import rows as _rows
from dcat_quality.warehouse._sql import Connection, SchemaSession
from dcat_quality.warehouse.connection import connect
from dcat_quality.warehouse.digest import rows_digest
from dcat_quality.warehouse.seen import SeenIds
from dcat_quality.warehouse.target import DatabaseTarget

log = logging.getLogger(__name__)

_STAGED_COLUMNS = ("run_id", "shard", "dataset_id", "version", "source_file")
_PAGE_COLUMNS = ("run_id", "shard", "source_file", "fingerprint", "datasets")
_REPAIR_COLUMNS = ("run_id", "file", "code", "occurrences", "line", "col", "message")
_ID, _FILE = _STAGED_COLUMNS.index("dataset_id"), _STAGED_COLUMNS.index("source_file")
#: Versions written by a run beyond which it refreshes the planner's statistics.
_ANALYZE_AFTER = 1000


def write_rejections(db: SchemaSession, rows: list[_rows.Row]) -> None:
    """Commit rejections at once, apart from the load, so a failed run keeps them."""
    if not rows:
        return
    with db.errors("could not record rejections"), db.conn.transaction():
        cursor = db.conn.cursor()
        with cursor.copy(
            db.sql(
                "COPY {schema}.rejections (run_id, file, position, reason, dataset_id) FROM STDIN"
            )
        ) as copy:
            for row in rows:
                copy.write_row(row)


class LoadingRun(Protocol):
    """What the loader needs of the warehouse whose run it loads (``Warehouse``)."""

    @property
    def target(self) -> DatabaseTarget: ...

    @property
    def session(self) -> SchemaSession: ...

    @property
    def sharded(self) -> bool: ...

    def finish_run(self, conn: Connection, run_id: int) -> None: ...


class Loader:
    """Streams one run's datasets into the warehouse with COPY, in a single transaction.

    Rows are buffered (at most ``batch_rows`` datasets' worth) and flushed with one COPY
    per table; the transaction commits when the ``with`` block exits normally and rolls
    back on an exception. A dataset id seen twice in a run is rejected.

    ``look_up_versions`` False skips asking whether a version is stored already (the
    warehouse holds none: a first run).
    """

    def __init__(
        self,
        warehouse: LoadingRun,
        run_id: int,
        *,
        batch_rows: int,
        shard: int = 0,
        look_up_versions: bool = True,
    ) -> None:
        self._warehouse = warehouse
        self.run_id = run_id
        self.shard = shard
        self._batch_rows = max(1, batch_rows)
        self._look_up = look_up_versions
        self._conn: Connection | None = None
        self._new: list[tuple[str, Sequence[tuple[str, _rows.Row]]]] = []
        self._staged: list[_rows.Row] = []
        self._pages: list[_rows.Row] = []
        self._page_repairs: list[_rows.Row] = []
        self._known_pages: list[str] = []
        self._rejections: list[_rows.Row] = []
        self._seen = SeenIds()
        self.loaded = 0
        self.duplicates = 0
        self.reused = 0  # datasets whose version was stored already
        self.versions_written = 0

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
                self._copy_known_page_repairs()
                if not self._warehouse.sharded:  # a sharded run's: at its publish
                    with self._errors("could not record the run's versions"):
                        self._warehouse.finish_run(conn, self.run_id)
                write_rejections(self._warehouse.session, self._rejections)
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
            write_rejections(self._warehouse.session, self._rejections)
        except WarehouseError as error:
            log.warning("rejections of run %s could not be recorded: %s", self.run_id, error)
        self._rejections = []

    def _errors(self, what: str) -> AbstractContextManager[None]:
        return self._warehouse.session.errors(f"{what} of run {self.run_id}")

    @property
    def _session(self) -> SchemaSession:
        if self._conn is None:
            raise WarehouseError("the loader is used outside its `with` block")
        return self._warehouse.session.on(self._conn)

    # -- datasets -----------------------------------------------------------------------

    def add(
        self,
        record: DatasetRecord,
        indicators: EcospheresIndicators,
        source_file: str,
        *,
        score: ScoreSummary | None = None,
        violations: Sequence[Violation] | None = None,
        repairs: Iterable[RdfFinding] = (),
        metadata_format: str | None = None,
    ) -> bool:
        """Queue one dataset's rows; False when the dataset was rejected as a duplicate.

        ``violations`` is None when DCAT-AP was not checked (then nothing is stored). The
        version is the digest of the rows themselves.
        """
        rows = _rows.dataset_rows(
            record,
            indicators,
            score=score,
            violations=violations,
            repairs=repairs,
            metadata_format=metadata_format,
        )
        version = rows_digest(rows)
        return self.add_dataset(record.dataset_id, version, source_file, _rows.keyed(version, rows))

    def add_dataset(
        self,
        dataset_id: str,
        version: bytes,
        source_file: str,
        rows: Sequence[tuple[str, _rows.Row]] | None = None,
    ) -> bool:
        """Record that the run read ``dataset_id`` at ``version`` on ``source_file``, with
        the version's rows (``rows.keyed(version, rows.dataset_rows(…))``) unless the
        published run holds it already (None). False when the dataset was rejected as a
        duplicate."""
        self._session  # noqa: B018 (inside the `with` block?)
        if not self._accept(dataset_id, source_file):
            return False
        key = version.hex()
        if rows is None:
            self.reused += 1
        else:
            self._new.append((key, rows))
        self._staged.append(
            (self.run_id, self.shard, _rows.stored_id(dataset_id), key, _rows.text(source_file))
        )
        self.loaded += 1
        if len(self._staged) >= self._batch_rows:
            self._flush()
        return True

    def add_known_page(self, source_file: str) -> tuple[int, int]:
        """The run read ``source_file`` unchanged: its datasets are those it had in the
        published run, at the same versions. ``(loaded, rejected as duplicates)``."""
        db = self._session
        with self._errors(f"could not read the datasets of {source_file}"):
            known = db.conn.execute(
                db.sql(
                    "SELECT dataset_id, version FROM {schema}.dataset_spans"
                    " WHERE end_run IS NULL AND source_file = %s ORDER BY dataset_id"
                ),
                (_rows.text(source_file),),
            ).fetchall()
        self._known_pages.append(source_file)
        loaded = duplicates = 0
        for dataset_id, version in known:
            if not self._accept(str(dataset_id), source_file):
                duplicates += 1
                continue
            self._staged.append(
                (self.run_id, self.shard, dataset_id, version, _rows.text(source_file))
            )
            self.reused += 1
            self.loaded += 1
            loaded += 1
        if len(self._staged) >= self._batch_rows:
            self._flush()
        return loaded, duplicates

    def add_page_repairs(self, file: str, repairs: Iterable[_rows.PageRepair]) -> None:
        """Queue a page's RDF/XML repairs (``rows.page_repairs``), loaded with the run."""
        self._page_repairs.extend((self.run_id, file, *repair) for repair in repairs)

    def _copy_known_page_repairs(self) -> None:
        """The repairs of the pages not parsed again: those the published run read."""
        if not self._known_pages:
            return
        db = self._session
        with self._errors("could not keep the repairs of the unchanged pages"):
            db.conn.execute(
                db.sql(
                    "INSERT INTO {schema}.run_page_repairs"
                    " (run_id, file, code, occurrences, line, col, message)"
                    " SELECT %s, file, code, occurrences, line, col, message"
                    " FROM {schema}.run_page_repairs WHERE file = ANY(%s) AND run_id = ("
                    "  SELECT max(run_id) FROM {schema}.runs WHERE status = 'succeeded')"
                ),
                (self.run_id, self._known_pages),
            )
        self._known_pages = []

    def page_loaded(self, source_file: str, fingerprint: str, datasets: int) -> None:
        """Record the fingerprint of a page loaded without rejection: if its bytes are the
        same next time, it is not parsed again."""
        self._pages.append(
            (self.run_id, self.shard, _rows.text(source_file), fingerprint, datasets)
        )

    def _accept(self, dataset_id: str, source_file: str) -> bool:
        """False (and a rejection) when ``dataset_id`` was loaded already in this run."""
        first_file = None if self._seen.add(dataset_id) else self._first_copy(dataset_id)
        if first_file is None:
            return True
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

    def _first_copy(self, dataset_id: str) -> str | None:
        """The page of the loaded copy of ``dataset_id``; None if there is none (the ids
        table only said "maybe": two ids shared a digest)."""
        key = _rows.stored_id(dataset_id)
        for row in self._staged:
            if row[_ID] == key:
                return str(row[_FILE])
        db = self._session
        with self._errors("could not look for a duplicate dataset"):
            found = db.conn.execute(
                db.sql(
                    "SELECT source_file FROM {schema}.run_staged_datasets"
                    " WHERE dataset_id = %s AND run_id = %s AND shard = %s"
                ),
                (key, self.run_id, self.shard),
            ).fetchone()
        return None if found is None else str(found[0])

    def reject(
        self, file: str, reason: str, *, position: str | None = None, dataset_id: str | None = None
    ) -> None:
        """Record a page or dataset that is not loaded, with the reason."""
        self._rejections.append((self.run_id, file, position, reason, dataset_id))
        if len(self._rejections) >= self._batch_rows:
            write_rejections(self._warehouse.session, self._rejections)
            self._rejections = []

    # -- COPY ---------------------------------------------------------------------------

    def _flush(self) -> None:
        db = self._session
        with self._errors("could not load the rows"), db.conn.cursor() as cursor:
            tables = self._version_rows(db)
            tables["run_staged_datasets"] = (_STAGED_COLUMNS, self._staged)
            tables["run_staged_pages"] = (_PAGE_COLUMNS, self._pages)
            tables["run_page_repairs"] = (_REPAIR_COLUMNS, self._page_repairs)
            for table, (columns, buffer) in tables.items():
                if not buffer:
                    continue
                statement = sql.SQL("COPY {schema}.{table} ({columns}) FROM STDIN").format(
                    schema=sql.Identifier(db.schema),
                    table=sql.Identifier(table),
                    columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
                )
                with cursor.copy(statement) as copy:
                    for row in buffer:
                        copy.write_row(row)
        self._new, self._staged, self._pages, self._page_repairs = [], [], [], []

    def _version_rows(
        self, db: SchemaSession
    ) -> dict[str, tuple[tuple[str, ...], list[_rows.Row]]]:
        """The rows of the new versions not stored yet, per table."""
        stored: dict[bool, set[str]] = {False: set(), True: set()}
        if self._look_up and self._new:
            keys = [key for key, _ in self._new]
            for history, root in ((False, "dataset_versions"), (True, "version_scores")):
                found = db.conn.execute(
                    db.sql(
                        "SELECT version FROM {schema}.{root} WHERE version = ANY(%s::uuid[])",
                        root=root,
                    ),
                    (keys,),
                ).fetchall()
                stored[history] = {value.hex for (value,) in found}
        buffers: dict[str, list[_rows.Row]] = {f.name: [] for f in _rows.FAMILIES}
        kept_for = {f.name: f.history for f in _rows.FAMILIES}
        for key, rows in self._new:
            if key in stored[False] or key in stored[True]:
                for family, row in rows:
                    if key not in stored[kept_for[family]]:
                        buffers[family].append(row)
                continue
            self.versions_written += 1
            for family, row in rows:
                buffers[family].append(row)
        return {f.table: (("version", *f.columns), buffers[f.name]) for f in _rows.FAMILIES}

    def _analyze(self) -> None:
        """Fresh statistics after a large load, so the first dashboard queries get good
        plans (best effort)."""
        if self.versions_written < _ANALYZE_AFTER:
            return
        assert self._conn is not None
        self._conn.autocommit = True
        schema = sql.Identifier(self._warehouse.session.schema)
        tables = ["dataset_spans", *(f.table for f in _rows.FAMILIES)]
        try:
            with self._errors("could not analyze the loaded rows"):
                for table in tables:
                    self._conn.execute(
                        sql.SQL("ANALYZE {}.{}").format(schema, sql.Identifier(table))
                    )
        except WarehouseError as exc:  # the rows are committed; autovacuum will analyze
            log.warning("%s", exc)
