"""The warehouse as it was before history was stored as versions (schema version 8).

The reference of the differential tests: the real migrations 001-008 (bundled, never
edited), and a loader doing exactly what the loader of that version did with the same
rows — one partition per run and table, every row of every dataset written at every run,
the pass counts from the run's score partition, the publishing update, and retention
dropping the partitions of failed runs and the detail of the runs past ``keep_runs``.
The views, where the answers are defined, are the old schema's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from dcat_quality.warehouse import schema as _schema
from dcat_quality.warehouse._sql import SchemaSession
from dcat_quality.warehouse.rows import FAMILIES, Row
from dcat_quality.warehouse.target import DatabaseTarget

#: The last schema version with run partitions.
LEGACY_VERSION = 8

#: One dataset of a run: its id, its page, and its rows (``rows.dataset_rows``).
Dataset = tuple[str, str, Sequence[tuple[str, Row]]]


class LegacyWarehouse:
    """A schema at version 8, loaded the way version 8 did."""

    def __init__(self, database_url: str, schema: str, keep_runs: int) -> None:
        self.conn = psycopg.connect(database_url, autocommit=True)
        self.schema = schema
        self.keep_runs = keep_runs
        db = SchemaSession(DatabaseTarget(database_url, "legacy"), self.conn, schema)
        _schema.migrate(db, up_to=LEGACY_VERSION)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> LegacyWarehouse:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _sql(self, template: str, **names: str) -> sql.Composed:
        identifiers = {k: sql.Identifier(v) for k, v in names.items()}
        return sql.SQL(template).format(schema=sql.Identifier(self.schema), **identifiers)  # type: ignore[arg-type]

    def write_indicators(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """The indicator dictionary, as the chain writes it."""
        with self.conn.transaction():
            self.conn.execute(self._sql("DELETE FROM {schema}.indicators"))
            rows = [tuple(row) for row in rows]
            with self.conn.cursor() as cursor:
                cursor.executemany(
                    self._sql(
                        "INSERT INTO {schema}.indicators VALUES ("
                        + ", ".join(["%s"] * len(rows[0]))
                        + ")"
                    ),
                    rows,
                )

    def run(
        self,
        datasets: Iterable[Dataset],
        *,
        fail: bool = False,
        rejections: Sequence[tuple[str, str | None, str, str | None]] = (),
    ) -> int:
        """One run of these datasets (first copy of an id kept), published unless ``fail``."""
        conn = self.conn
        run_id = int(
            conn.execute(
                self._sql("INSERT INTO {schema}.runs (source) VALUES ('test') RETURNING run_id")
            ).fetchone()[0]  # type: ignore[index]
        )
        tables = [family.name for family in FAMILIES]
        for table in tables:
            partition = f"{table}_r{run_id}"
            conn.execute(
                self._sql(
                    "CREATE TABLE {schema}.{p} (LIKE {schema}.{t} INCLUDING ALL)",
                    p=partition,
                    t=table,
                )
            )
            conn.execute(
                self._sql(
                    "ALTER TABLE {schema}.{t} ATTACH PARTITION {schema}.{p}"
                    " FOR VALUES IN (" + str(run_id) + ")",
                    t=table,
                    p=partition,
                )
            )
        seen: set[str] = set()
        loaded = 0
        with conn.transaction(), conn.cursor() as cursor:
            for dataset_id, source_file, rows in datasets:
                if dataset_id in seen:
                    continue
                seen.add(dataset_id)
                loaded += 1
                for family, row in rows:
                    if family == "hist_datasets":  # (dataset_id, …) → (run, id, page, …)
                        values: tuple[Any, ...] = (run_id, row[0], source_file, *row[1:])
                    else:
                        values = (run_id, dataset_id, *row)
                    cursor.execute(
                        self._sql(
                            "INSERT INTO {schema}.{t} VALUES ("
                            + ", ".join(["%s"] * len(values))
                            + ")",
                            t=family,
                        ),
                        values,
                    )
            for file, position, reason, dataset_id in rejections:
                cursor.execute(
                    self._sql(
                        "INSERT INTO {schema}.rejections (run_id, file, position, reason,"
                        " dataset_id) VALUES (%s, %s, %s, %s, %s)"
                    ),
                    (run_id, file, position, reason, dataset_id),
                )
            cursor.execute(
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
                    "   FROM {schema}.{p} GROUP BY measured_mask, passed_mask) m"
                    " WHERE i.check_position IS NOT NULL GROUP BY i.indicator_id",
                    p=f"score_history_r{run_id}",
                ),
                (run_id,),
            )
        status = "failed" if fail else "succeeded"
        conn.execute(
            self._sql(
                "UPDATE {schema}.runs SET status = %s, finished_at = now(),"
                " datasets_read = %s, datasets_loaded = %s, datasets_rejected = 0"
                " WHERE run_id = %s"
            ),
            (status, loaded, loaded, run_id),
        )
        self._retention(tables)
        return run_id

    def _retention(self, tables: list[str]) -> None:
        rows = self.conn.execute(
            self._sql(
                "SELECT run_id, status FROM {schema}.runs WHERE status = 'failed'"
                " OR (status = 'succeeded' AND run_id NOT IN (SELECT run_id FROM {schema}.runs"
                "  WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT %s))"
            ),
            (self.keep_runs,),
        ).fetchall()
        for run_id, status in rows:
            for table in tables:
                if status == "succeeded" and table == "score_history":
                    continue
                self.conn.execute(
                    self._sql("DROP TABLE IF EXISTS {schema}.{p}", p=f"{table}_r{run_id}")
                )
