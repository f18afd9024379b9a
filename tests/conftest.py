"""Shared fixtures: an isolated environment, real PostgreSQL, moto's S3 server over HTTP,
a real OpenBao, the real-data folder.

The code behind each fixture lives in the ``support`` package (``tests/support/``, its
docstring lists the modules); the fixtures here only give it a scope.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import environment, fuzz, postgres, s3
from support import openbao as bao
from support.paths import REALDATA


def pytest_configure(config: pytest.Config) -> None:
    """Clear the developer's settings for the whole session: session and module fixtures
    (a server, a demo warehouse) run isolated too, not only the tests."""
    for name in environment.present(os.environ):
        del os.environ[name]


#: Fuzz examples executed per property, added up from the tests' reports.
_FUZZ_EXECUTIONS: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":
        for key, value in report.user_properties:
            if key == fuzz.EXECUTIONS_PROPERTY:
                _FUZZ_EXECUTIONS.update(value)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many examples each fuzz property executed, when fuzz tests ran."""
    if not _FUZZ_EXECUTIONS:
        return
    terminalreporter.section(f"fuzz executions (hypothesis profile {fuzz.PROFILE})")
    for name, runs in sorted(_FUZZ_EXECUTIONS.items()):
        terminalreporter.write_line(f"{name}: {runs}")
    terminalreporter.write_line(f"total: {sum(_FUZZ_EXECUTIONS.values())}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the modules holding slow tests go first: a long module (the reliability
    tests take minutes) started last would leave one worker running alone at the end."""
    if not getattr(config.option, "numprocesses", None):
        return
    slow = {item.module for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.module not in slow)  # stable: modules stay together


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
    environment.clear(monkeypatch, os.environ)
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
    """URL of a real PostgreSQL server's maintenance database (see ``support.postgres``)."""
    with postgres.server() as url:
        yield url


@pytest.fixture
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    with postgres.fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url: str) -> str:
    """Name of the template database whose default warehouse schema is migrated."""
    return postgres.migrated_template(postgres_server_url)


@pytest.fixture
def migrated_database_url(postgres_server_url: str, migrated_template: str) -> Iterator[str]:
    """A fresh database whose default schema (``dcat_quality``) is already migrated: a
    clone of the template, dropped afterwards."""
    with postgres.fresh_database(postgres_server_url, template=migrated_template) as url:
        yield url


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """Endpoint URL of moto's S3 server, over HTTP on loopback (stands in for MinIO)."""
    with s3.server() as url:
        yield url


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bao.OpenBao]:
    """A real OpenBao dev server: KV v2 at ``onyxia-kv``, AppRole, JWT auth."""
    with bao.server(tmp_path_factory.mktemp("bao")) as server:
        yield server
