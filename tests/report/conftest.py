"""A warehouse loaded with the demo sample, run twice (so the trend has two points)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.cli.chain import demo_source
from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.report import Report, build_report
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse


@pytest.fixture(scope="module")
def demo_warehouse_url(postgres_server_url: str) -> Iterator[str]:
    """A database holding two succeeded runs of the demo sample (shared by a module)."""
    name = f"t_report_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(postgres_server_url)
    params["dbname"] = name
    url = make_conninfo(**params)
    try:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            for _ in range(2):
                # defaults only: no environment, no .env (module scope: not isolated)
                source = open_source(str(demo_source()), Settings.model_construct())
                run_chain(source, warehouse, workers=1)
        yield url
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def demo_report(demo_warehouse_url: str) -> Report:
    """The report's content over the demo warehouse."""
    with Warehouse.open(DatabaseTarget(demo_warehouse_url, "test")) as warehouse:
        return build_report(warehouse)
