"""A run split across processes (Kubernetes Indexed Job) equals a single-process run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import WarehouseError
from dcat_quality.pipeline import run_chain
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Shard, Warehouse

#: Everything a run publishes, as one digest per view (row order does not matter).
DIGESTS = {
    "datasets": "dataset_id, title, fill_rate, universe, geo_coverage, open_access",
    "distributions": "dataset_id, distribution_id, access_url, format, license",
    "dataset_keywords": "dataset_id, keyword",
    "dataset_territories": "dataset_id, territory_iri, departement",
    "dataset_scores": "dataset_id, total, max_points, rating, findability, reusability",
    "dataset_checks": "dataset_id, indicator_id, passed, points_won",
    "shacl_violations": "dataset_id, focus, path, constraint_component",
    "indicator_pass_rates": "indicator_id, measured, passed",
}


def _digests(url: str, schema: str) -> dict[str, Any]:
    out = {}
    with psycopg.connect(url) as conn:
        for view, columns in DIGESTS.items():
            row = conn.execute(
                f"SELECT count(*), md5(string_agg(concat_ws('|', {columns}), ',' "
                f"ORDER BY concat_ws('|', {columns}))) FROM \"{schema}\".{view}"
            ).fetchone()
            out[view] = row
        counts = conn.execute(
            f"SELECT status, pages_read, pages_rejected, datasets_read, datasets_loaded, "
            f'datasets_rejected FROM "{schema}".runs'
        ).fetchall()
    out["runs"] = counts
    return out


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "dump"
    write_sample(folder, datasets=700, page_size=100, seed=11)
    return folder


@pytest.mark.slow  # three processes load one run
def test_three_shard_processes_publish_what_one_run_does(dump: Path, database_url: str) -> None:
    with Warehouse.open(DatabaseTarget(database_url, "t"), schema="single") as warehouse:
        run_chain(open_source(str(dump), Settings()), warehouse, workers=1)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DCAT_QUALITY_SCHEMA": "sharded",
        "DCAT_QUALITY_WORKERS": "1",
        "DCAT_QUALITY_RUN_KEY": "job-20261127",
        "DCAT_QUALITY_SHARDS": "3",
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dcat_quality",
                "run",
                "--source",
                str(dump),
                "--allow-rejections",
            ],
            env={**env, "JOB_COMPLETION_INDEX": str(index)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(3)
    ]
    outputs = [p.communicate(timeout=240) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert sum("succeeded" in out for out, _ in outputs) == 1  # the last one publishes
    single, sharded = _digests(database_url, "single"), _digests(database_url, "sharded")
    assert sharded == single
    assert single["datasets"][0] == 700
    with psycopg.connect(database_url) as conn:
        shards = conn.execute(
            "SELECT shard_index, status, pages_read FROM sharded.run_shards ORDER BY 1"
        ).fetchall()
    assert [(i, s) for i, s, _ in shards] == [(0, "succeeded"), (1, "succeeded"), (2, "succeeded")]
    assert sum(p for _, _, p in shards) == single["runs"][0][1]


def test_a_shard_is_not_loaded_twice_and_a_done_run_is_not_reopened(
    dump: Path, database_url: str
) -> None:
    target = DatabaseTarget(database_url, "t")
    source = open_source(str(dump), Settings())
    with Warehouse.open(target) as warehouse:
        first = run_chain(source, warehouse, shard=Shard("k", 0, 2))
        assert first.status.startswith("shard loaded")
        with pytest.raises(WarehouseError, match="already loaded"):
            run_chain(source, warehouse, shard=Shard("k", 0, 2))
        assert warehouse.published_run() is None  # nothing visible until every shard is in
        second = run_chain(source, warehouse, shard=Shard("k", 1, 2))
        assert second.status == "succeeded"
        with pytest.raises(WarehouseError, match="already succeeded"):
            run_chain(source, warehouse, shard=Shard("k", 1, 2))
        with pytest.raises(WarehouseError, match="out of range"):
            Shard("k", 2, 2)
