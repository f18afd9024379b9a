"""The embedded PostgreSQL: started when nothing is configured, keeps its data."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import EmbeddedDatabaseError
from dcat_quality.warehouse import (
    DatabaseTarget,
    Warehouse,
    psql_executable,
    psql_uri,
    resolve_database,
    start_embedded,
    stop_embedded,
)
from support.warehouse import load_and_publish, record


@pytest.fixture
def embedded_home(home: Path) -> Iterator[Path]:
    """The DCAT_QUALITY_HOME of the test; its server is stopped afterwards."""
    yield home
    stop_embedded(home)


@pytest.mark.slow
def test_nothing_configured_runs_on_an_embedded_server_that_keeps_its_data(
    embedded_home: Path,
) -> None:
    settings = Settings()
    home = embedded_home
    assert settings.home == home
    target = resolve_database(settings)
    assert target.embedded is True
    assert str(home / "postgres") in target.display
    with Warehouse.open(target) as warehouse:
        load_and_publish(warehouse, [record(1)])

    argument = psql_uri(home)
    assert psql_uri(target) == argument
    assert argument.startswith("'postgresql://postgres@/dcat_quality?host=")
    command = f"{shlex.quote(psql_executable())} {argument} -Atc 'SELECT title FROM datasets'"
    output = subprocess.run(
        command,
        shell=True,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PGOPTIONS": "-c search_path=dcat_quality"},
    ).stdout
    assert output.strip() == "Dataset 1"

    assert stop_embedded(home) is True
    assert stop_embedded(home) is False
    with pytest.raises(EmbeddedDatabaseError, match="not running"):
        psql_uri(home)

    uri_again = start_embedded(home)
    assert start_embedded(home) == uri_again  # reused, not started twice
    with psycopg.connect(uri_again) as conn:
        rows = conn.execute("SELECT title FROM dcat_quality.datasets").fetchall()
    assert rows == [("Dataset 1",)]


def test_missing_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pgserver", None)  # what an absent package looks like
    with pytest.raises(EmbeddedDatabaseError, match=r'pip install "dcat-quality\[embedded\]"'):
        start_embedded(tmp_path)


def test_psql_argument_of_a_server_target_hides_the_password() -> None:
    target = DatabaseTarget("postgresql://u:secret@h/db", "h")
    assert psql_uri(target) == "'postgresql://u:***@h/db'"
    assert psql_uri(DatabaseTarget("", "libpq defaults")) == ""


def test_stopping_a_server_that_never_ran(tmp_path: Path) -> None:
    assert stop_embedded(tmp_path / "nowhere") is False
