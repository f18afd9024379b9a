"""Run partitions of the detail tables: created when a run begins, dropped when it fails
or falls out of the kept runs (retention).

Partitions are created with ``CREATE TABLE … (LIKE …)`` + ``ATTACH PARTITION`` and
removed with ``DETACH PARTITION … CONCURRENTLY`` + ``DROP TABLE``: both take a lock on the
partitioned table that does not conflict with readers (``CREATE TABLE … PARTITION OF``
and a plain ``DROP`` would queue every Metabase query behind a long-running one).
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from typing import LiteralString

import psycopg
from psycopg import sql

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse import rows as _rows
from dcat_quality.warehouse._sql import SchemaSession

log = logging.getLogger(__name__)

_PARTITION = re.compile(r"^(hist_\w+|score_history)_r(\d+)$")
#: Seconds a partition drop may wait for readers' transactions before giving up.
RETENTION_TIMEOUT = 60.0


def create_partitions(db: SchemaSession, run_id: int) -> None:
    """The run's partition of every detail table."""
    for table in _rows.DETAIL_TABLES:
        _create_partition(db, table, run_id)


def _create_partition(db: SchemaSession, table: str, run_id: int) -> None:
    names = {
        "schema": sql.Identifier(db.schema),
        "table": sql.Identifier(table),
        "partition": sql.Identifier(f"{table}_r{run_id}"),
    }
    db.conn.execute(
        sql.SQL("CREATE TABLE {schema}.{partition} (LIKE {schema}.{table} INCLUDING ALL)").format(
            **names
        )
    )
    db.conn.execute(
        sql.SQL(
            "ALTER TABLE {schema}.{table} ATTACH PARTITION {schema}.{partition}"
            " FOR VALUES IN ({run_id})"
        ).format(run_id=sql.Literal(run_id), **names)
    )
    comment = (
        f"Rows of run {run_id} in {table} (a partition; dropped when the run "
        "fails or falls out of the kept runs)."
    )
    db.conn.execute(
        sql.SQL("COMMENT ON TABLE {schema}.{partition} IS {comment}").format(
            comment=sql.Literal(comment), **names
        )
    )


def runs_to_drop(db: SchemaSession, keep_runs: int) -> tuple[set[int], set[int]]:
    """``(failed, expired)``: runs whose partitions must all go, and succeeded runs past
    keep_runs, whose detail goes but whose score history stays."""
    with db.errors("could not list the runs to clean up"):
        rows = db.conn.execute(
            db.sql(
                "SELECT run_id, status FROM {schema}.runs"
                " WHERE status IN ('failed', 'interrupted')"
                " OR (status = 'succeeded' AND run_id NOT IN ("
                "  SELECT run_id FROM {schema}.runs WHERE status = 'succeeded'"
                "  ORDER BY run_id DESC LIMIT %s))"
            ),
            (keep_runs,),
        ).fetchall()
    failed = {int(run_id) for run_id, status in rows if status != "succeeded"}
    expired = {int(run_id) for run_id, status in rows if status == "succeeded"}
    return failed, expired


class Retention:
    """Drops the partitions that must go, without blocking readers."""

    def __init__(self, db: SchemaSession, keep_runs: int, timeout: float) -> None:
        self.db = db
        self.keep_runs = keep_runs
        self.timeout = timeout

    def clean_up(self, run_ids: set[int] | None = None) -> None:
        """Drop partitions that must go, without failing the run: the next run retries.

        ``run_ids``: only those runs' partitions (a failed run's); else every failed
        run's, and the detail of the succeeded runs past ``keep_runs``.
        """
        try:
            if run_ids is not None:
                self.drop_partitions(run_ids)
                return
            failed, expired = runs_to_drop(self.db, self.keep_runs)
            self.drop_partitions(failed)
            self.drop_partitions(expired, keep=_rows.HISTORY_TABLES)
        except WarehouseError as exc:
            log.warning("old run partitions were not all dropped (the next run retries): %s", exc)

    def drop_partitions(self, run_ids: set[int], keep: frozenset[str] = frozenset()) -> None:
        """Detach (without blocking readers) and drop the partitions of these runs.

        Half-detached partitions (an earlier detach was interrupted) are always finished.

        ``DETACH … CONCURRENTLY`` waits for every transaction that uses the table, so a
        session left idle in a transaction would hold the run forever: the wait is bounded
        by ``timeout`` and an interrupted detach is finalized next time.
        """
        if not run_ids:
            return
        db = self.db
        server_version = db.conn.info.server_version
        pending = "i.inhdetachpending" if server_version >= 140000 else "false"
        timeout_ms = str(int(self.timeout * 1000))
        try:
            with db.errors("could not drop old run partitions"):
                db.conn.execute("SELECT set_config('statement_timeout', %s, false)", (timeout_ms,))
                found = db.conn.execute(
                    sql.SQL(
                        "SELECT c.relname, p.relname, coalesce({pending}, false)"
                        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
                        " LEFT JOIN pg_class p ON p.oid = i.inhparent"
                        " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1"
                    ).format(pending=sql.SQL(pending)),
                    (db.schema,),
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
                        elif server_version >= 140000:
                            mode = " CONCURRENTLY"
                        else:
                            mode = ""
                        db.conn.execute(
                            db.sql(
                                "ALTER TABLE {schema}.{parent} "
                                "DETACH PARTITION {schema}.{partition}" + mode,
                                parent=parent,
                                partition=name,
                            )
                        )
                    db.conn.execute(
                        db.sql("DROP TABLE IF EXISTS {schema}.{partition}", partition=name)
                    )
                    log.info("dropped partition %s", name)
        finally:
            with suppress(psycopg.Error):
                db.conn.execute("RESET statement_timeout")
