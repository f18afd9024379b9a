"""The whole chain on real services: sample dump → parse → indicators → PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import EmptySourceError, WarehouseError
from dcat_quality.pipeline import run_chain
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source
from dcat_quality.sources.s3 import s3_client
from dcat_quality.warehouse import DatabaseTarget, Warehouse


def _scalar(url: str, query: str) -> Any:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return row[0]


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "dump"
    summary = write_sample(folder, datasets=450, page_size=100, seed=7)
    assert summary.datasets == 450
    assert len(summary.bad_pages) == 1
    return folder


def test_run_loads_everything_and_counts_reconcile(dump: Path, database_url: str) -> None:
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        result = run_chain(open_source(str(dump), Settings()), warehouse, workers=2)
    counts = result.counts
    assert counts.pages_read == 6
    assert counts.pages_rejected == 1
    assert counts.datasets_read == 450
    assert counts.datasets_loaded + counts.datasets_rejected == counts.datasets_read
    assert counts.datasets_loaded == 450
    assert result.mean_fill_rate is not None
    assert 0 < result.mean_fill_rate < 100
    assert _scalar(database_url, "select count(*) from dcat_quality.datasets") == 450
    assert _scalar(
        database_url, "select round(avg(fill_rate), 2)::float from dcat_quality.datasets"
    ) == pytest.approx(result.mean_fill_rate, abs=0.01)
    assert _scalar(database_url, "select count(*) from dcat_quality.rejections") == 1
    assert (
        _scalar(
            database_url,
            "select status || ' ' || datasets_loaded || ' ' || pages_rejected "
            "from dcat_quality.runs",
        )
        == "succeeded 450 1"
    )
    reason = _scalar(database_url, "select file || ': ' || reason from dcat_quality.rejections")
    assert result.failures[0].file in reason


def test_one_worker_and_two_workers_publish_the_same_rows(dump: Path, database_url: str) -> None:
    query = (
        "select md5(string_agg(dataset_id || coalesce(title, '') || fill_rate::text, '|' "
        "order by dataset_id)) from dcat_quality.datasets"
    )
    digests = []
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        for workers in (1, 2):
            run_chain(open_source(str(dump), Settings()), warehouse, workers=workers)
            digests.append(_scalar(database_url, query))
    assert digests[0] == digests[1]


def test_same_dataset_on_two_pages_is_loaded_once_and_reported(
    dump: Path, database_url: str
) -> None:
    shutil.copy(dump / "page-00001.json", dump / "page-00001-again.json")
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        result = run_chain(open_source(str(dump), Settings()), warehouse, workers=1)
    assert result.counts.datasets_read == 550
    assert result.counts.datasets_loaded == 450
    assert result.counts.datasets_rejected == 100
    duplicates = _scalar(
        database_url,
        "select count(*) from dcat_quality.rejections where reason like 'duplicate dataset%'",
    )
    assert duplicates == 100
    kept_from = _scalar(
        database_url, "select count(distinct source_file) from dcat_quality.datasets"
    )
    assert kept_from == 5  # the first page read wins, the copy adds nothing


def test_empty_source_is_a_clear_error(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a page")
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        with pytest.raises(EmptySourceError) as caught:
            run_chain(open_source(str(tmp_path / "empty"), Settings()), warehouse)
        assert warehouse.latest_runs() == []
    assert "notes.txt" in str(caught.value)


def test_failure_mid_run_keeps_previous_publish(dump: Path, database_url: str) -> None:
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        run_chain(open_source(str(dump), Settings()), warehouse, workers=1)

        def explode(outcome: object) -> None:
            raise RuntimeError("disk full")

        with pytest.raises(RuntimeError, match="disk full"):
            run_chain(open_source(str(dump), Settings()), warehouse, workers=1, on_page=explode)
        runs = warehouse.latest_runs()
    assert [r.status for r in runs] == ["failed", "succeeded"]
    assert runs[0].error is not None
    assert "disk full" in runs[0].error
    assert _scalar(database_url, "select count(*) from dcat_quality.datasets") == 450


@pytest.mark.slow  # a whole run from S3
def test_reads_minio_style_s3(
    dump: Path, s3_server: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("ACCESS_KEY", "minio-access")
    monkeypatch.setenv("SECRET_KEY", "minio-secret-value")
    monkeypatch.setenv("BUCKET_NAME", "ecospheres")
    client = s3_client(
        endpoint_url=s3_server, access_key="minio-access", secret_key="minio-secret-value"
    )
    client.create_bucket(Bucket="ecospheres")
    for page in sorted(dump.iterdir()):
        client.put_object(
            Bucket="ecospheres", Key=f"DUMP_INTEGRATION_JSON/{page.name}", Body=page.read_bytes()
        )
    settings = Settings()
    assert settings.effective_source == "s3://ecospheres/DUMP_INTEGRATION_JSON/"
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        result = run_chain(open_source(settings.effective_source, settings), warehouse, workers=2)
    assert result.counts.datasets_loaded == 450
    assert result.counts.pages_rejected == 1
    files = _scalar(database_url, "select min(source_file) from dcat_quality.datasets")
    assert files.startswith("s3://ecospheres/DUMP_INTEGRATION_JSON/page-")


def test_wrong_database_fails_before_reading(dump: Path) -> None:
    with pytest.raises(WarehouseError) as caught:
        Warehouse.open(
            DatabaseTarget(
                "postgresql://someone:hunter2-secret@127.0.0.1:1/nowhere?connect_timeout=2",
                "postgresql://someone:***@127.0.0.1:1/nowhere",
            )
        )
    assert "hunter2-secret" not in str(caught.value)
