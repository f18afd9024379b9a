"""Which database the settings name, and that its password never shows."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from dcat_quality.config import Settings
from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse import DatabaseTarget, Warehouse, redact, resolve_database

SECRET = "s3cr!t@pw"


def _assert_hidden(target: DatabaseTarget) -> None:
    for text in (target.display, str(target), repr(target)):
        assert SECRET not in text
        assert "s3cr" not in text


def test_database_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://quality:s3cr%21t%40pw@db.example:5433/warehouse?sslmode=require"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("POSTGRES_URL", "other-host")
    monkeypatch.setenv("PGHOST", "third-host")
    target = resolve_database(Settings())
    assert target.conninfo == url
    assert target.embedded is False
    assert target.display == "postgresql://quality:***@db.example:5433/warehouse?sslmode=require"
    _assert_hidden(target)
    assert target.password == SECRET


def test_historical_postgres_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_URL", "postgres.example")  # a host, not a URL
    monkeypatch.setenv("POSTGRES_PORT", "5433")
    monkeypatch.setenv("POSTGRES_DB", "metadata")
    monkeypatch.setenv("POSTGRES_USER", "quality")
    monkeypatch.setenv("POSTGRES_PASSWORD", SECRET)
    monkeypatch.setenv("PGHOST", "ignored-host")
    target = resolve_database(Settings())
    assert conninfo_to_dict(target.conninfo) == {
        "host": "postgres.example",
        "port": "5433",
        "dbname": "metadata",
        "user": "quality",
        "password": SECRET,
    }
    assert "postgres.example" in target.display
    _assert_hidden(target)


def test_libpq_variables(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    for key, value in conninfo_to_dict(database_url).items():
        env = {"host": "PGHOST", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER"}
        if key in env and value:
            monkeypatch.setenv(env[key], str(value))
    monkeypatch.setenv("PGPASSWORD", SECRET)  # trust auth here: ignored by the server
    target = resolve_database(Settings())
    assert target.conninfo == ""
    assert target.display.startswith("libpq defaults (")
    _assert_hidden(target)
    with Warehouse.open(target) as warehouse:  # libpq really reads them
        assert warehouse.latest_runs() == []


@pytest.mark.parametrize(
    ("conninfo", "shown"),
    [
        ("postgresql://u:pw%20x@h/db", "postgresql://u:***@h/db"),
        ("postgres://u@h:5432/db", "postgres://u@h:5432/db"),
        ("postgresql:///db?host=/tmp&password=pw", "postgresql:///db?host=/tmp&password=***"),
        ("host=h user=u password='p w' dbname=d", "host=h user=u password=*** dbname=d"),
        ("host=h dbname=d", "host=h dbname=d"),
    ],
)
def test_redact(conninfo: str, shown: str) -> None:
    assert redact(conninfo) == shown


def test_connection_error_names_the_target_but_not_the_password() -> None:
    target = DatabaseTarget(
        f"host=127.0.0.1 port=1 user=u password='{SECRET}' dbname=d",
        redact(f"host=127.0.0.1 port=1 user=u password='{SECRET}'"),
    )
    with pytest.raises(WarehouseError) as caught:
        Warehouse.open(target)
    assert "could not connect" in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None


def test_malformed_conninfo_does_not_echo_the_password() -> None:
    conninfo = f"host=h password={SECRET} nonsense"
    assert SECRET not in redact(conninfo)
    with pytest.raises(WarehouseError) as caught:
        Warehouse.open(DatabaseTarget(conninfo, redact(conninfo)))
    assert SECRET not in str(caught.value)
