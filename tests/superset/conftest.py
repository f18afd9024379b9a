"""One real Superset for the whole session, on loopback, over a demo warehouse run twice.

Superset (6.1.0 and the three fixes its plain install needs) is installed by
``dcat_quality.superset.local`` into its own virtualenv in the cache folder
(``~/.cache/dcat-quality/superset-6.1.0``): about a minute the first time, nothing
afterwards. Its metadata database is restored from a template set up once. Where
Superset cannot be installed (no package index), the tests are skipped with the reason.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.cli.chain import demo_source
from dcat_quality.config import Settings
from dcat_quality.errors import SupersetError
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.superset import local
from dcat_quality.warehouse import DatabaseTarget, Warehouse

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def superset_timings() -> dict[str, float]:
    """Seconds spent installing, setting up and starting Superset in this session."""
    return TIMINGS


def _database(server_url: str, name: str) -> str:
    params = conninfo_to_dict(server_url)
    params["dbname"] = name
    return make_conninfo(**params)


@pytest.fixture(scope="session")
def superset_venv() -> Path:
    started = time.monotonic()
    try:
        venv = local.install()
    except SupersetError as exc:
        pytest.skip(f"Superset {local.SUPERSET_VERSION} cannot be installed here: {exc}")
    TIMINGS["install"] = time.monotonic() - started
    return venv


@pytest.fixture(scope="session")
def superset_warehouse(postgres_server_url: str) -> Iterator[str]:
    """A warehouse holding two succeeded runs of the demo sample, and a read-only role
    for Superset (what docs/superset.md recommends)."""
    name = f"t_superset_{uuid.uuid4().hex[:10]}"
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _database(postgres_server_url, name)
    try:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            for _ in range(2):
                source = open_source(str(demo_source()), Settings.model_construct())
                run_chain(source, warehouse, workers=1)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'reader-secret-1'")
            conn.execute(f'GRANT CONNECT ON DATABASE "{name}" TO {role}')
            conn.execute(f"GRANT USAGE ON SCHEMA dcat_quality TO {role}")
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA dcat_quality TO {role}")
        params = conninfo_to_dict(url)
        params.update(user=role, password="reader-secret-1")
        yield make_conninfo(**params)
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture(scope="session")
def superset_metadata(postgres_server_url: str) -> Iterator[str]:
    """Superset's metadata database (throw-away)."""
    name = f"t_superset_meta_{uuid.uuid4().hex[:10]}"
    url = local.create_database(postgres_server_url, name)
    try:
        yield url
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def superset_server(superset_venv: Path, superset_metadata: str) -> Iterator[local.LocalSuperset]:
    folder = Path(tempfile.mkdtemp(prefix="dcat-quality-test-superset-"))
    try:
        started = time.monotonic()
        config = local.set_up_metadata(superset_venv, superset_metadata, folder)
        TIMINGS["metadata setup"] = time.monotonic() - started
        started = time.monotonic()
        server = local.start(superset_venv, config)
        TIMINGS["start"] = time.monotonic() - started
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
