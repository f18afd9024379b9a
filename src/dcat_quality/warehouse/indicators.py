"""The ``indicators`` dictionary: one row per indicator of the registry (the source of
truth), with the bit each scored check has in the score masks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from psycopg import sql

from dcat_quality.warehouse._sql import SchemaSession


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
    fix_hint_en: str | None = None


def write_indicators(db: SchemaSession, indicators: Sequence[IndicatorRow]) -> None:
    """Upsert the indicator dictionary (the registry is the source of truth)."""
    columns = IndicatorRow._fields
    with db.errors("could not write the indicator dictionary"), db.conn.transaction():
        db.conn.execute(db.sql("UPDATE {schema}.indicators SET check_position = NULL"))
        statement = sql.SQL(
            "INSERT INTO {schema}.indicators ({columns}) VALUES ({values})"
            " ON CONFLICT (indicator_id) DO UPDATE SET {updates}"
        ).format(
            schema=sql.Identifier(db.schema),
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            updates=sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns[1:]
            ),
        )
        with db.conn.cursor() as cursor:
            cursor.executemany(statement, [tuple(row) for row in indicators])


def check_positions(db: SchemaSession) -> dict[str, int]:
    """Indicator id → bit position in the score masks, as stored."""
    with db.errors("could not read the indicator dictionary"):
        rows = db.conn.execute(
            db.sql(
                "SELECT indicator_id, check_position FROM {schema}.indicators"
                " WHERE check_position IS NOT NULL"
            )
        ).fetchall()
    return {str(name): int(position) for name, position in rows}
