"""The command line as a user runs it: real processes, real exit codes, real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]


def dq(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    pythonpath: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    if pythonpath is not None:
        full_env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "dcat_quality", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=240,
        check=False,
    )


def count(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.slow  # the CLI in subprocesses
def test_run_on_the_demo_sample_reports_and_exits_3(database_url: str) -> None:
    result = dq("run", env={"DATABASE_URL": database_url})
    assert result.returncode == 3, result.stderr
    assert "500 read = 500 loaded + 0 rejected" in result.stdout
    assert "6 read, 1 rejected" in result.stdout
    assert "mean fill rate" in result.stdout
    assert "page-00003.json.gz" in result.stderr  # the quarantined page, with its reason
    assert count(database_url, "select count(*) from dcat_quality.datasets") == 500


@pytest.mark.slow  # the CLI in subprocesses
def test_allow_rejections_exits_0(database_url: str) -> None:
    result = dq("run", "--allow-rejections", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # the CLI in subprocesses
def test_historical_postgres_variables_are_read(database_url: str) -> None:
    conninfo = psycopg.conninfo.conninfo_to_dict(database_url)
    env = {"POSTGRES_DB": str(conninfo["dbname"]), "POSTGRES_USER": str(conninfo.get("user", ""))}
    host = str(conninfo.get("host", ""))
    env["POSTGRES_URL"] = host
    if conninfo.get("port"):
        env["POSTGRES_PORT"] = str(conninfo["port"])
    result = dq("run", "--allow-rejections", env=env)
    assert result.returncode == 0, result.stderr
    assert count(database_url, "select count(*) from dcat_quality.datasets") == 500


@pytest.mark.slow  # the CLI in subprocesses
def test_empty_source_is_a_clear_error(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "nothing").mkdir()
    result = dq("run", "--source", str(tmp_path / "nothing"), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "no dump page found" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # the CLI in subprocesses
def test_sample_then_run_turtle(tmp_path: Path, database_url: str) -> None:
    made = dq(
        "sample",
        "--datasets",
        "120",
        "--format",
        "ttl",
        "--output",
        str(tmp_path / "ttl"),
        "--no-bad-pages",
    )
    assert made.returncode == 0, made.stderr
    assert "120 datasets in 2 pages" in made.stdout
    result = dq("run", "--source", str(tmp_path / "ttl"), env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert count(database_url, "select count(*) from dcat_quality.datasets") == 120


@pytest.mark.slow  # the CLI in subprocesses
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_manual_mode_extract_transform_load(tmp_path: Path, database_url: str, suffix: str) -> None:
    metadata = tmp_path / f"metadata{suffix}"
    processed = tmp_path / f"metadata_processed{suffix}"
    extracted = dq("extract", "--output", str(metadata))
    assert extracted.returncode == 3  # the demo's bad page, listed beside the output
    assert (tmp_path / f"metadata{suffix}.rejections.csv").is_file()
    assert "500 datasets written" in extracted.stdout
    transformed = dq("transform", "--input", str(metadata), "--output", str(processed))
    assert transformed.returncode == 0, transformed.stderr
    loaded = dq("load", "--input", str(processed), env={"DATABASE_URL": database_url})
    assert loaded.returncode == 0, loaded.stderr
    assert count(database_url, "select count(*) from dcat_quality.datasets") == 500
    digest = """select md5(string_agg(concat_ws('|', dataset_id, title, modified, fill_rate,
                    universe, geo_coverage, open_access, status_code), ',' order by dataset_id))
                from dcat_quality.datasets"""
    with psycopg.connect(database_url) as conn:
        via_files = conn.execute(digest).fetchone()
    # The streaming run publishes exactly the same datasets and indicators.
    direct = dq("run", "--allow-rejections", env={"DATABASE_URL": database_url})
    assert direct.returncode == 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute(digest).fetchone() == via_files
        runs = conn.execute("select count(*) from dcat_quality.runs").fetchone()
    assert runs == (2,)


@pytest.mark.slow  # the CLI in subprocesses
def test_every_command_documents_its_options() -> None:
    for command, options in {
        "run": ["--source", "--workers", "--allow-rejections", "DCAT_QUALITY_SOURCE"],
        "extract": ["--output", "--source"],
        "transform": ["--input", "--output"],
        "load": ["--input"],
        "sample": ["--datasets", "--output", "--format", "--gzip", "--seed"],
    }.items():
        result = dq(command, "--help")
        assert result.returncode == 0
        for option in options:
            assert option in result.stdout, (command, option)


@pytest.mark.slow  # the CLI in subprocesses
def test_embedded_default_from_a_clean_clone(tmp_path: Path, home: Path) -> None:
    """The README's demo: no configuration at all, from what is committed."""
    if not (REPO / ".git").exists():
        pytest.fail("the test suite must run from a git clone")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True, timeout=60
    )
    result = dq("run", env={"DCAT_QUALITY_HOME": str(home)}, cwd=clone, pythonpath=clone / "src")
    try:
        assert result.returncode == 3, result.stderr
        assert str(clone / "src" / "dcat_quality" / "demo_data") in result.stdout + result.stderr
        assert "500 read = 500 loaded + 0 rejected" in result.stdout
        assert "psql 'postgresql://" in result.stdout
        # The embedded server persists: a second run appends to its history.
        again = dq("run", env={"DCAT_QUALITY_HOME": str(home)}, cwd=clone, pythonpath=clone / "src")
        assert again.returncode == 3
        assert "Run 2" in again.stdout
    finally:
        stopped = dq(
            "db", "stop", env={"DCAT_QUALITY_HOME": str(home)}, cwd=clone, pythonpath=clone / "src"
        )
        assert stopped.returncode == 0, stopped.stderr
