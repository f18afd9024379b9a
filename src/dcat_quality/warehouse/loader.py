"""The loader: one run's rows streamed into its partitions with COPY, in one transaction.

Rejections are written in their own committed transactions, so they are kept even when
the run that found them later fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, suppress
from types import TracebackType
from typing import TYPE_CHECKING, Self

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
from dcat_quality.warehouse.seen import SeenIds

if TYPE_CHECKING:
    from dcat_quality.warehouse.warehouse import Warehouse

log = logging.getLogger(__name__)


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
        self._page_repairs: list[_rows.Row] = []
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
                if not self._warehouse.sharded:  # a sharded run's: at its publish
                    with self._errors("could not compute the pass rates"):
                        self._warehouse.write_indicator_stats(conn, self.run_id)
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

        ``violations`` is None when DCAT-AP was not checked (then nothing is stored).
        """
        return self.add_rows(
            record.dataset_id,
            source_file,
            _rows.dataset_rows(
                self.run_id,
                record,
                indicators,
                source_file,
                score=score,
                violations=violations,
                repairs=repairs,
                metadata_format=metadata_format,
            ),
        )

    def add_page_repairs(self, file: str, repairs: Iterable[_rows.PageRepair]) -> None:
        """Queue a page's RDF/XML repairs (``rows.page_repairs``), loaded with the run."""
        self._page_repairs.extend((self.run_id, file, *repair) for repair in repairs)

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
                self._warehouse.session.sql(
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
            write_rejections(self._warehouse.session, self._rejections)
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
            if self._page_repairs:
                with cursor.copy(
                    sql.SQL(
                        "COPY {schema}.run_page_repairs"
                        " (run_id, file, code, occurrences, line, col, message) FROM STDIN"
                    ).format(schema=schema)
                ) as copy:
                    for row in self._page_repairs:
                        copy.write_row(row)
                self._page_repairs = []
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
