"""Shared fixtures: real PostgreSQL, moto's S3 server over HTTP, the real-data folder.

PostgreSQL comes from ``TEST_DATABASE_URL`` when set, else from a pgserver instance in a
temporary folder; each test that asks for ``database_url`` gets a fresh database.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
if not REALDATA.is_dir():  # CI lays shared/ beside the clone
    REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"

#: Environment variables that would leak the developer's configuration into tests.
_ISOLATED = (
    "DATABASE_URL",
    "POSTGRES_URL",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "PGHOST",
    "PGHOSTADDR",
    "PGDATABASE",
    "PGSERVICE",
    "PGUSER",
    "PGPASSWORD",
    "PGPORT",
    "BUCKET_NAME",
    "S3_ENDPOINT_URL",
    "AWS_ENDPOINT_URL",
    "AWS_S3_ENDPOINT",
    "ACCESS_KEY",
    "SECRET_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "DCAT_QUALITY_SOURCE",
    "DCAT_QUALITY_SCHEMA",
    "DCAT_QUALITY_HOME",
    "DCAT_QUALITY_WORKERS",
    "DCAT_QUALITY_KEEP_RUNS",
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_MOUNT",
    "VAULT_TOP_DIR",
)


@pytest.fixture
def home() -> Iterator[Path]:
    """A data folder for the embedded PostgreSQL, outside pytest's basetemp.

    pgserver runs PostgreSQL as another user, which must traverse the folder's parents;
    pytest keeps its basetemp private (0700) and prunes it, so it cannot host a server.
    """
    folder = Path(tempfile.mkdtemp(prefix="dcat-quality-test-home-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home: Path) -> None:
    for name in _ISOLATED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DCAT_QUALITY_HOME", str(home))
    monkeypatch.chdir(tmp_path)  # no stray .env is read


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real-world DCAT files (read them in place, never copy them)."""
    if not REALDATA.is_dir():
        pytest.fail(f"shared real data not found at {REALDATA}")
    return REALDATA


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a real PostgreSQL server's maintenance database.

    The pgserver data folder is not under pytest's basetemp: pytest prunes old basetemp
    folders, which would pull the data folder from under a server still in use by a
    concurrent session.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver

    folder = Path(tempfile.mkdtemp(prefix="dcat-quality-test-pg-"))
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo(**params)


@pytest.fixture
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(postgres_server_url, name)
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """Endpoint URL of moto's S3 server, over HTTP on loopback (stands in for MinIO)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
