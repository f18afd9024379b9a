"""Which PostgreSQL to use, and how to connect to it.

Precedence, first found wins: ``DATABASE_URL``; the historical ``POSTGRES_URL`` (a host
name, not a URL) with ``POSTGRES_PORT``/``POSTGRES_DB``/``POSTGRES_USER``/
``POSTGRES_PASSWORD``; the libpq ``PG*`` variables (an empty conninfo lets libpq read
them); else the embedded server in ``<home>/postgres``.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow

from dcat_quality.config import Settings
from dcat_quality.errors import WarehouseError
from dcat_quality.redaction import MASK
from dcat_quality.warehouse.embedded import start_embedded
from dcat_quality.warehouse.target import DatabaseTarget, redact, scrub

# The target and its redaction live in ``warehouse.target``; these names stay importable
# from here for the modules written before the move.
__all__ = [
    "APPLICATION_NAME",
    "CONNECT_TIMEOUT",
    "MASK",
    "DatabaseTarget",
    "connect",
    "redact",
    "resolve_database",
    "scrub",
]

APPLICATION_NAME = "dcat-quality"
CONNECT_TIMEOUT = 10


def resolve_database(settings: Settings) -> DatabaseTarget:
    """The warehouse the settings name, starting the embedded server when none is named."""
    if settings.database_url is not None and settings.database_url.get_secret_value():
        url = settings.database_url.get_secret_value()
        return DatabaseTarget(url, redact(url), embedded=False)
    if settings.postgres_host:
        params: dict[str, Any] = {"host": settings.postgres_host}
        if settings.postgres_port is not None:
            params["port"] = settings.postgres_port
        if settings.postgres_db:
            params["dbname"] = settings.postgres_db
        if settings.postgres_user:
            params["user"] = settings.postgres_user
        if settings.postgres_password is not None:
            params["password"] = settings.postgres_password.get_secret_value()
        conninfo = make_conninfo(**params)
        return DatabaseTarget(conninfo, redact(conninfo), embedded=False)
    if settings.database_configured():
        return DatabaseTarget("", redact(""), embedded=False)
    uri = start_embedded(settings.home)
    return DatabaseTarget(
        uri, f"embedded PostgreSQL in {settings.home / 'postgres'} ({uri})", embedded=True
    )


def connect(
    target: DatabaseTarget, *, autocommit: bool = True, purpose: str = "connect"
) -> psycopg.Connection[TupleRow]:
    """A connection named ``dcat-quality``, with a bounded connect time."""
    try:
        return psycopg.connect(
            target.conninfo,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=APPLICATION_NAME,
        )
    except psycopg.Error as exc:
        raise WarehouseError(
            f"could not {purpose} to the warehouse {target.display}: "
            f"{scrub(str(exc).strip(), target)} — check the database settings "
            "(DATABASE_URL, POSTGRES_*, PG*) and that the server is reachable"
        ) from None
