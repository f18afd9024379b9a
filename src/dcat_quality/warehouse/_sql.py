"""What every warehouse module shares: a connection bound to one schema, the statements
written against it, the errors turned into ``WarehouseError``, the advisory-lock keys."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse.target import DatabaseTarget, scrub

Connection = psycopg.Connection[TupleRow]


@dataclass(frozen=True, slots=True)
class SchemaSession:
    """One connection to the warehouse ``schema`` of ``target``."""

    target: DatabaseTarget
    conn: Connection
    schema: str

    def sql(self, template: LiteralString, **identifiers: str) -> sql.Composed:
        """A statement with ``{schema}`` and the given names as quoted identifiers."""
        names = {key: sql.Identifier(value) for key, value in identifiers.items()}
        return sql.SQL(template).format(schema=sql.Identifier(self.schema), **names)

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn psycopg errors into a WarehouseError saying what failed, password-free."""
        try:
            yield
        except psycopg.Error as exc:
            detail = scrub(str(exc).strip(), self.target)
            raise WarehouseError(f"{what} (warehouse {self.target.display}): {detail}") from exc

    def on(self, conn: Connection) -> SchemaSession:
        """The same schema, through another connection (the loader's)."""
        return SchemaSession(self.target, conn, self.schema)


def lock_key(purpose: str, schema: str) -> int:
    """A 64-bit advisory-lock key of the schema (advisory locks are per database)."""
    digest = hashlib.blake2b(f"dcat-quality:{purpose}:{schema}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)
