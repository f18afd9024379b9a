"""A crash in the middle of an incremental run leaves the previous publish intact.

An incremental run changes the spans of the published run's datasets (closing some,
opening others) in the transaction that commits its load, before it publishes. Whether
the process dies before that commit (the loader's connection killed) or right after it
(the process killed before publishing), the views show exactly the previous run, and the
next run undoes what the dead one wrote and publishes what a complete run would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.config import Settings
from dcat_quality.errors import WarehouseError
from dcat_quality.pipeline import run_chain
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse, versions
from support.cli import base_env
from support.warehouse import published_digest, run_statuses

#: Run the chain, and die (no cleanup, no failure recorded) once the load is committed.
_DIE_BEFORE_PUBLISH = """
import os, sys
from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse

def die(*args, **kwargs):
    os._exit(9)

Warehouse.publish = die
warehouse = Warehouse.open(DatabaseTarget(sys.argv[1], "test"))
run_chain(open_source(sys.argv[2], Settings()), warehouse)
"""


@pytest.fixture
def dumps(tmp_path: Path) -> tuple[Path, Path]:
    """A dump, and the same dump with one page edited (a dataset less, one changed)."""
    before = tmp_path / "before"
    write_sample(before, datasets=90, page_size=30, seed=23, bad_pages=False)
    after = Path(shutil.copytree(before, tmp_path / "after"))
    page = sorted(after.glob("page-*"))[1]
    document = orjson.loads(page.read_bytes())
    datasets = [n for n in document["@graph"] if n.get("@type") == "dcat:Dataset"]
    gone, changed = datasets[0]["@id"], datasets[1]["@id"]
    document["@graph"] = [
        {**n, "dcat:keyword": []} if n.get("@id") == changed else n
        for n in document["@graph"]
        if n.get("@id") != gone
    ]
    page.write_bytes(orjson.dumps(document))
    return before, after


def _run(url: str, folder: Path, **options: Any) -> int:
    with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
        return run_chain(open_source(str(folder), Settings()), warehouse, **options).run_id


def _traces(conn: psycopg.Connection[Any], run_id: int) -> tuple[Any, ...] | None:
    return conn.execute(
        "SELECT (SELECT count(*) FROM dcat_quality.dataset_spans"
        "  WHERE first_run = %(r)s OR end_run = %(r)s),"
        " (SELECT count(*) FROM dcat_quality.run_staged_datasets WHERE run_id = %(r)s)",
        {"r": run_id},
    ).fetchone()


def test_killed_before_its_load_commits(
    dumps: tuple[Path, Path], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = dumps
    first = _run(database_url, before)
    finish = versions.finish_run

    def killed(db: Any, run_id: int) -> None:
        with psycopg.connect(database_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s, 5000)", (db.conn.info.backend_pid,))
        finish(db, run_id)

    with psycopg.connect(database_url, autocommit=True) as reader:
        published = published_digest(reader)
        monkeypatch.setattr(versions, "finish_run", killed)
        with pytest.raises(WarehouseError):
            _run(database_url, after)
        monkeypatch.setattr(versions, "finish_run", finish)
        assert published_digest(reader) == published
        assert run_statuses(reader) == {first: "succeeded", first + 1: "failed"}
        assert _traces(reader, first + 1) == (0, 0)
        following = _run(database_url, after)
        assert published_digest(reader) != published
        assert reader.execute(
            "SELECT change, count(*) FROM dcat_quality.score_changes GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("lost", 1), ("removed", 1)]
        assert following == first + 2


def test_killed_after_its_load_commits_before_it_publishes(
    dumps: tuple[Path, Path], database_url: str, other: str
) -> None:
    before, after = dumps
    first = _run(database_url, before)
    with psycopg.connect(database_url, autocommit=True) as reader:
        published = published_digest(reader)
        died = subprocess.run(
            [sys.executable, "-c", _DIE_BEFORE_PUBLISH, database_url, str(after)],
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert died.returncode == 9, died.stderr
        crashed = first + 1
        assert run_statuses(reader)[crashed] == "running"
        # Its spans are written (committed), yet nothing it did is visible.
        assert _traces(reader, crashed)[0] > 0  # type: ignore[index]
        assert published_digest(reader) == published

        following = _run(database_url, after)  # finds it stale, undoes it, publishes

        assert run_statuses(reader)[crashed] == "failed"
        assert _traces(reader, crashed) == (0, 0)
        assert following == crashed + 1
        _run(other, before, full=True)
        _run(other, after, full=True)
        with psycopg.connect(other, autocommit=True) as complete:
            assert published_digest(reader) == published_digest(complete)


@pytest.fixture
def other(postgres_server_url: str) -> Any:
    """A second database, for the complete recomputation."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_conninfo(**{**conninfo_to_dict(postgres_server_url), "dbname": name})
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
