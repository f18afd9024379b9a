"""A real PostgreSQL server for the tests, and fresh databases on it.

The server is ``TEST_DATABASE_URL`` when set (a developer's or CI's own server), else a
pgserver instance (PyPI's PostgreSQL 16 in a wheel) in a temporary folder. Under
pytest-xdist the workers of one run share that instance: each asks pgserver for the
server of the same data folder (named after the run), pgserver counts the handles, and
the last worker to leave stops it and deletes the folder. The folder is never under
pytest's basetemp: pytest prunes old basetemps, and the server runs as another user who
must traverse the folder's parents.

The pgserver instance is a throw-away test server, so it runs without durability
(``fsync``, ``synchronous_commit`` and ``full_page_writes`` off): dropping a database
then costs milliseconds instead of a checkpoint's flush. A ``TEST_DATABASE_URL`` server
is used as it is configured.

Every test gets its own database, dropped afterwards: an empty one (``CREATE
DATABASE``), or a clone of a template in which the warehouse's default schema is already
migrated (``CREATE DATABASE … TEMPLATE``), so that the migrations run once per server
instead of once per test. The template is named after a digest of the warehouse package
(its code and migrations): a change to either builds a new template, and a server that
outlives the run (``TEST_DATABASE_URL``) keeps the template for the next run, like a
cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

#: Settings of the throw-away pgserver instance (a test server needs no durability).
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _run_id() -> str:
    """One id per test run, the same in every xdist worker of the run."""
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex


@contextlib.contextmanager
def server() -> Iterator[str]:
    """URL of the maintenance database of a running server, for the whole session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver

    folder = Path(tempfile.gettempdir()) / f"dcat-quality-test-pg-{_run_id()[:16]}"
    folder.mkdir(mode=0o700, exist_ok=True)
    instance = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        url = instance.get_uri()
        with psycopg.connect(url, autocommit=True) as conn:
            for name, value in FAST_SETTINGS.items():
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
            conn.execute("SELECT pg_reload_conf()")
        yield url
    finally:
        instance.cleanup()  # the last handle of the run stops the server, deletes the folder


def with_database(url: str, name: str) -> str:
    """``url`` pointing at the database ``name`` instead."""
    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo(**params)


def create_database(server_url: str, prefix: str = "t", template: str | None = None) -> str:
    """A new database (empty, or a copy of ``template``); returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(statement)
    return with_database(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    """Drop the database of ``url``, closing whatever sessions still use it."""
    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name)))
        )


@contextlib.contextmanager
def fresh_database(
    server_url: str, prefix: str = "t", template: str | None = None
) -> Iterator[str]:
    """A new database for the block, dropped when it ends."""
    url = create_database(server_url, prefix, template)
    try:
        yield url
    finally:
        drop_database(server_url, url)


def _warehouse_digest() -> str:
    """A digest of the warehouse package: its migrations and the code that applies them."""
    import dcat_quality.warehouse

    package = Path(dcat_quality.warehouse.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".sql"} and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def migrated_template(server_url: str) -> str:
    """Name of a template database whose default warehouse schema is migrated.

    Built once per server and warehouse digest, under an advisory lock so that the xdist
    workers (or two runs sharing a ``TEST_DATABASE_URL`` server) build it once; built
    under a temporary name and renamed when complete, so a crash never leaves a half
    template. Connections to it are refused afterwards: a session connected to a template
    would make every ``CREATE DATABASE … TEMPLATE`` fail.
    """
    from dcat_quality.warehouse import DatabaseTarget, Warehouse

    name = f"dcat_quality_test_template_{_warehouse_digest()}"
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return name
            url = create_database(server_url, prefix="dcat_quality_test_template_build")
            try:
                with Warehouse.open(DatabaseTarget(url, "test template")):
                    pass
                built = sql.Identifier(str(conninfo_to_dict(url)["dbname"]))
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(built, sql.Identifier(name))
                )
            except BaseException:
                drop_database(server_url, url)
                raise
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
                    sql.Identifier(name)
                )
            )
            return name
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
