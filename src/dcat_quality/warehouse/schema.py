"""The warehouse's schema: the bundled SQL migrations, applied in order, each once.

Migrations are ``migrations/NNN_name.sql`` files whose ``{schema}`` is replaced by the
quoted schema name; ``schema_migrations`` records the versions applied. Concurrent
processes migrate one at a time (an advisory lock per schema).
"""

from __future__ import annotations

import logging
import re
from importlib import resources

from psycopg import sql

from dcat_quality.warehouse._sql import SchemaSession, lock_key

log = logging.getLogger(__name__)

_MIGRATION_FILE = re.compile(r"^(\d{3})_[\w-]+\.sql$")


def bundled_migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of the bundled migrations, in order."""
    found = []
    for entry in resources.files("dcat_quality.warehouse.migrations").iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _create_migrations_table(db: SchemaSession) -> None:
    db.conn.execute(db.sql("CREATE SCHEMA IF NOT EXISTS {schema}"))
    db.conn.execute(
        db.sql(
            "CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    )
    db.conn.execute(
        db.sql(
            "COMMENT ON TABLE {schema}.schema_migrations IS"
            " 'Schema versions applied by dcat-quality (it migrates its schema itself)'"
        )
    )
    db.conn.execute(
        db.sql(
            "COMMENT ON COLUMN {schema}.schema_migrations.version IS"
            " 'Number of the migration file (NNN_name.sql) applied'"
        )
    )
    db.conn.execute(
        db.sql(
            "COMMENT ON COLUMN {schema}.schema_migrations.applied_at IS"
            " 'When the migration was applied'"
        )
    )


def migrate(db: SchemaSession, up_to: int | None = None) -> int:
    """Apply the migrations not applied yet (up to version ``up_to``); how many were."""
    key = lock_key("migrate", db.schema)
    quoted = sql.Identifier(db.schema).as_string(db.conn)
    applied = 0
    with db.errors(f"could not migrate the schema {db.schema!r}"):
        with db.conn.transaction():
            db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            _create_migrations_table(db)
        for version, name, script in bundled_migrations():
            if up_to is not None and version > up_to:
                break
            with db.conn.transaction():
                db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
                done = db.conn.execute(
                    db.sql("SELECT 1 FROM {schema}.schema_migrations WHERE version = %s"),
                    (version,),
                ).fetchone()
                if done:
                    continue
                log.info("applying migration %s to schema %r", name, db.schema)
                db.conn.execute(script.replace("{schema}", quoted).encode("utf-8"))
                db.conn.execute(
                    db.sql("INSERT INTO {schema}.schema_migrations (version) VALUES (%s)"),
                    (version,),
                )
                applied += 1
    return applied
