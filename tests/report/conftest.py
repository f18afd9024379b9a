"""A warehouse loaded with the demo sample, run twice (so the trend has two points)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dcat_quality.cli.chain import demo_source
from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.report import Report, build_report
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support import postgres


@pytest.fixture(scope="module")
def demo_warehouse_url(postgres_server_url: str) -> Iterator[str]:
    """A database holding two succeeded runs of the demo sample (shared by a module)."""
    with postgres.fresh_database(postgres_server_url, prefix="t_report") as url:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            for _ in range(2):
                # defaults only: no environment, no .env (module scope: not isolated)
                source = open_source(str(demo_source()), Settings.model_construct())
                run_chain(source, warehouse, workers=1)
        yield url


@pytest.fixture(scope="module")
def demo_report(demo_warehouse_url: str) -> Report:
    """The report's content over the demo warehouse."""
    with Warehouse.open(DatabaseTarget(demo_warehouse_url, "test")) as warehouse:
        return build_report(warehouse)
