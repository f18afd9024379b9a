"""Warehouse fixtures: a target on a fresh database, an open warehouse, a reader."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support import postgres

# platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset, and warnings are
# errors here: import it once quietly before the root conftest's fixture does.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pgserver  # noqa: F401


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, postgres_server_url: str, migrated_template: str
) -> Iterator[str]:
    """Here, a fresh database whose default schema is already migrated (a clone of the
    template: the migrations run once per test server, not once per test); an empty one
    for a test marked ``empty_database``."""
    empty = request.node.get_closest_marker("empty_database") is not None
    template = None if empty else migrated_template
    with postgres.fresh_database(postgres_server_url, template=template) as url:
        yield url


@pytest.fixture
def target(database_url: str) -> DatabaseTarget:
    """The fresh test database as a warehouse target."""
    return DatabaseTarget(database_url, "test database")


@pytest.fixture
def warehouse(target: DatabaseTarget) -> Iterator[Warehouse]:
    """An open, migrated warehouse in the default schema."""
    with Warehouse.open(target) as opened:
        yield opened


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A reader's connection (autocommit, so it never holds a snapshot)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn
