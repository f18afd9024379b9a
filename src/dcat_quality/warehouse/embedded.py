"""Embedded PostgreSQL (the ``embedded`` extra, PyPI ``pgserver``).

With no warehouse configured the chain runs on a real PostgreSQL started in
``<home>/postgres``. The server keeps running after the process exits so that the user
can look at the tables with psql; ``stop_embedded`` stops it. pgserver listens on a Unix
socket only (no TCP port).
"""

from __future__ import annotations

import os
import shlex
import shutil
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from dcat_quality.errors import EmbeddedDatabaseError
from dcat_quality.warehouse.target import DatabaseTarget, redact

DATABASE = "dcat_quality"
USER = "postgres"


def _pgserver() -> Any:
    """The pgserver module, imported only when the embedded server is wanted."""
    try:
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset: not the user's concern.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver  # noqa: PLC0415 (optional extra)
    except ImportError:
        raise EmbeddedDatabaseError(
            "no warehouse is configured and the embedded PostgreSQL is not installed: "
            'run `pip install "dcat-quality[embedded]"`, or set DATABASE_URL'
        ) from None
    return pgserver


def _pgdata(home: Path) -> Path:
    return Path(home).expanduser().resolve() / "postgres"


def _uri(socket_dir: str, database: str = DATABASE) -> str:
    return f"postgresql://{USER}@/{quote(database)}?host={quote(socket_dir, safe='')}"


def start_embedded(home: Path) -> str:
    """Start (or reuse) the server in ``home/postgres`` and return the URI of its database."""
    pgserver = _pgserver()
    pgdata = _pgdata(home)
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        with server._lock:  # another handle in this process may have stopped it meanwhile
            server.ensure_postgres_running()
        info = server.get_postmaster_info()
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL in {pgdata} could not start: {exc} — see {pgdata / 'log'}"
        ) from exc
    if info.socket_dir is None:
        raise EmbeddedDatabaseError(f"the embedded PostgreSQL in {pgdata} has no socket")
    socket_dir = str(info.socket_dir)
    try:
        with psycopg.connect(_uri(socket_dir, "postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
    except psycopg.Error as exc:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL in {pgdata} started but refused a connection: {exc}"
        ) from exc
    return _uri(socket_dir)


def stop_embedded(home: Path) -> bool:
    """Stop the server of ``home/postgres``; False when it was not running."""
    pgserver = _pgserver()

    pgdata = _pgdata(home)
    info = pgserver.utils.PostmasterInfo.read_from_pgdata(pgdata) if pgdata.is_dir() else None
    if info is None or not info.is_running():
        return False
    user = "pgserver" if os.name == "posix" and os.geteuid() == 0 else None
    try:
        pgserver._commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL in {pgdata} could not be stopped: {exc}"
        ) from exc
    return True


def psql_uri(where: DatabaseTarget | Path) -> str:
    """The shell-quoted argument to give psql (``psql <this>``), never with a password.

    ``where`` is a target (as ``resolve_database`` returns) or the home folder of a
    running embedded server.
    """
    if isinstance(where, DatabaseTarget):
        if not where.conninfo:
            return ""  # psql reads the PG* variables itself
        return shlex.quote(where.conninfo if where.embedded else redact(where.conninfo))
    pgserver = _pgserver()
    pgdata = _pgdata(where)
    info = pgserver.utils.PostmasterInfo.read_from_pgdata(pgdata) if pgdata.is_dir() else None
    if info is None or not info.is_running() or info.socket_dir is None:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL in {pgdata} is not running: run the chain once "
            "(dcat-quality run) to start it"
        )
    return shlex.quote(_uri(str(info.socket_dir)))


def psql_executable() -> str:
    """psql from the PATH, else the one bundled with pgserver."""
    found = shutil.which("psql")
    if found:
        return found
    return str(Path(_pgserver().__file__).parent / "pginstall" / "bin" / "psql")
