"""Which PostgreSQL to use, and how to show it without its password.

Precedence, first found wins: ``DATABASE_URL``; the historical ``POSTGRES_URL`` (a host
name, not a URL) with ``POSTGRES_PORT``/``POSTGRES_DB``/``POSTGRES_USER``/
``POSTGRES_PASSWORD``; the libpq ``PG*`` variables (an empty conninfo lets libpq read
them); else the embedded server in ``<home>/postgres``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from dcat_quality.config import Settings
from dcat_quality.errors import WarehouseError

MASK = "***"
APPLICATION_NAME = "dcat-quality"
CONNECT_TIMEOUT = 10

_PASSWORD_PARAM = re.compile(r"(?P<key>\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)")

#: libpq variables shown (never PGPASSWORD) when the conninfo comes from the environment.
_SHOWN_LIBPQ = ("PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER")


@dataclass(frozen=True, repr=False)
class DatabaseTarget:
    """A database to connect to; ``conninfo`` is secret, ``display`` is safe to print."""

    conninfo: str = field(repr=False)
    display: str
    embedded: bool = False

    def __repr__(self) -> str:
        return f"DatabaseTarget(display={self.display!r}, embedded={self.embedded})"

    def __str__(self) -> str:
        return self.display

    @property
    def password(self) -> str | None:
        """The password in the conninfo, if any (to scrub it from error messages)."""
        try:
            password = conninfo_to_dict(self.conninfo).get("password")
        except psycopg.ProgrammingError:
            return None
        return str(password) if password else None


def redact(conninfo: str) -> str:
    """The conninfo (URI or ``key=value``) with its password replaced by ``***``."""
    if not conninfo.strip():
        shown = [f"{name}={os.environ[name]}" for name in _SHOWN_LIBPQ if os.environ.get(name)]
        return "libpq defaults" + (f" ({', '.join(shown)})" if shown else "")
    if conninfo.startswith(("postgresql://", "postgres://")):
        return _redact_uri(conninfo)
    try:
        conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "<unreadable connection string>"
    return _PASSWORD_PARAM.sub(rf"\g<key>{MASK}", conninfo)


def _redact_uri(uri: str) -> str:
    try:
        parts = urlsplit(uri)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, hosts = netloc.rsplit("@", 1)
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{MASK}@{hosts}" if ":" in userinfo else f"{user}@{hosts}"
        query = [
            (k, MASK if k == "password" else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        shown = f"{parts.scheme}://{netloc}{parts.path}"
        if query:
            shown += "?" + urlencode(query, safe="/*")
        return shown
    except ValueError:
        return "<unreadable connection URL>"


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
    from dcat_quality.warehouse.embedded import start_embedded  # noqa: PLC0415 (import cycle)

    uri = start_embedded(settings.home)
    return DatabaseTarget(
        uri, f"embedded PostgreSQL in {settings.home / 'postgres'} ({uri})", embedded=True
    )


def scrub(message: str, target: DatabaseTarget) -> str:
    """The message without the target's password in it."""
    password = target.password
    if password:
        message = message.replace(password, MASK)
        message = message.replace(quote(password, safe=""), MASK)
    return message


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
