"""History stored as versions answers exactly as the run partitions did.

Differential: the same sequence of runs (changed, new, removed, reverted and moved
datasets, duplicates, a failed run, a change of every score, an empty run, retention) is
loaded into the schema of version 8 (run partitions) by its own loader
(``support.legacy_warehouse``) and into the
versioned schema by the warehouse; after every run, every view and every ``hist_*``
relation of the old schema holds the same rows in the new one (digests). Migration: a
warehouse of version 8 holding several runs is migrated, and every answer and count is
what it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg import sql

from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.pipeline import indicator_rows
from dcat_quality.quality import ecospheres, mqa
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.shacl import Violation
from dcat_quality.warehouse import DatabaseTarget, RunCounts, Warehouse
from dcat_quality.warehouse.digest import rows_digest
from dcat_quality.warehouse.rows import dataset_rows, keyed
from dcat_quality.worker import check_positions
from support.legacy_warehouse import Dataset, LegacyWarehouse
from support.warehouse import BLANK, RICH, record

VIOLATION = Violation("x", "http://purl.org/dc/terms/title", "no title", "Violation", "minCount")


def rows_of(rec: DatasetRecord, *, shifted: bool = False, violations: int = 0) -> Dataset:
    """A dataset's rows as a run writes them; ``shifted`` scores it under another
    methodology (every check's outcome flipped), as a change of the scoring would."""
    found = [replace(VIOLATION, focus=f"{rec.dataset_id}#{n}") for n in range(violations)]
    score = mqa.summarise(
        rec,
        check_positions(default_registry()),
        dcat_ap_compliant=not found,
        registry=default_registry(),
    )
    if shifted:
        score = replace(score, passed_mask=score.measured_mask & ~score.passed_mask)
    indicators = ecospheres.compute(rec)
    return rec.dataset_id, "", dataset_rows(rec, indicators, score=score, violations=found)


def on_page(dataset: Dataset, page: str) -> Dataset:
    return dataset[0], page, dataset[2]


def _sequence() -> Iterator[tuple[list[Dataset], bool]]:
    """``(datasets, the run fails)`` of each run, in order."""
    base = [on_page(rows_of(record(n)), f"p{n // 4}") for n in range(1, 11)]
    rich = on_page(rows_of(RICH, violations=2), "p9")
    blank = on_page(rows_of(BLANK), "p9")
    yield [*base, rich, blank], False
    yield [*base, rich, blank], False  # nothing changed
    changed = on_page(rows_of(record(3, title="Renamed", keywords=())), "p0")
    yield [*base[:2], changed, *base[3:9], rich, on_page(rows_of(record(11)), "p2")], False
    yield [on_page(rows_of(record(99)), "p0")], True  # a failed run
    # record 3 back as it was (a version seen before), record 4 moved to another page,
    # record 2 twice (the first copy kept), BLANK back after a run away
    moved = on_page(base[3], "p7")
    yield [*base[:3], moved, *base[4:], base[1], rich, blank], False
    shifted = [on_page(rows_of(record(n), shifted=True), f"p{n // 4}") for n in range(1, 11)]
    yield [*shifted, rich, blank], False  # every score changes (a new methodology)
    yield [], False  # an empty catalog
    yield [*base, rich], False


def _digests(conn: psycopg.Connection[Any], schema: str, relations: list[str]) -> dict[str, str]:
    out = {}
    for name in relations:
        rows = conn.execute(
            sql.SQL("SELECT t::text FROM {}.{} t ORDER BY 1").format(
                sql.Identifier(schema), sql.Identifier(name)
            )
        ).fetchall()
        text = "\n".join(row for (row,) in rows)
        out[name] = f"{len(rows)} rows, {hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return out


def _relations(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    """The views and partitioned tables of the version 8 schema: what readers read."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('v', 'p') ORDER BY 1",
        (schema,),
    ).fetchall()
    return [name for (name,) in rows]


def _same_clock(conn: psycopg.Connection[Any], schema: str) -> None:
    """Run times from the run number, so that both warehouses show the same ones."""
    conn.execute(
        sql.SQL(
            "UPDATE {}.runs SET started_at = '2026-01-01'::timestamptz + run_id * interval '1 day',"
            " finished_at = '2026-01-01'::timestamptz + run_id * interval '1 day 1 hour'"
        ).format(sql.Identifier(schema))
    )


def _load_new(warehouse: Warehouse, datasets: list[Dataset], *, fail: bool) -> int:
    run_id = warehouse.begin_run("test", "test")
    with warehouse.loader(run_id) as loader:
        for dataset_id, page, rows in datasets:
            version = rows_digest(rows)
            loader.add_dataset(dataset_id, version, page, keyed(version, rows))
        loaded, duplicates = loader.loaded, loader.duplicates
    counts = RunCounts(1, 0, loaded + duplicates, loaded, duplicates)
    if fail:
        warehouse.fail(run_id, "failed on purpose", counts=counts)
    else:
        warehouse.publish(run_id, counts)
    return run_id


def test_views_answer_as_the_run_partitions_did(database_url: str, target: DatabaseTarget) -> None:
    with LegacyWarehouse(database_url, "legacy", keep_runs=3) as legacy:
        legacy.write_indicators(indicator_rows(default_registry()))
        relations = _relations(legacy.conn, "legacy")
        assert {"hist_datasets", "score_history", "datasets", "score_changes"} <= set(relations)
        with Warehouse.open(target, schema="versioned", keep_runs=3) as warehouse:
            warehouse.write_indicators(indicator_rows(default_registry()))
            for number, (datasets, fail) in enumerate(_sequence(), start=1):
                assert legacy.run(datasets, fail=fail) == number
                assert _load_new(warehouse, datasets, fail=fail) == number
                _same_clock(legacy.conn, "legacy")
                _same_clock(legacy.conn, "versioned")
                old = _digests(legacy.conn, "legacy", relations)
                new = _digests(legacy.conn, "versioned", relations)
                # score_changes now also lists the removed datasets (fixed in version 9).
                removed = legacy.conn.execute(
                    "SELECT count(*) FROM versioned.score_changes WHERE change = 'removed'"
                ).fetchone()
                old_changes = legacy.conn.execute(
                    "SELECT t::text FROM legacy.score_changes t ORDER BY 1"
                ).fetchall()
                new_changes = legacy.conn.execute(
                    "SELECT t::text FROM versioned.score_changes t"
                    " WHERE change <> 'removed' ORDER BY 1"
                ).fetchall()
                assert new_changes == old_changes, f"run {number}: score_changes"
                del old["score_changes"], new["score_changes"]
                assert new == old, f"after run {number}"
                if number == 3:
                    assert removed == (2,)  # BLANK and record 10
            # Every version is stored once: 12 in run 1, 2 in run 3 (record 3 renamed, record
            # 11), 10 in run 6; the failed run's one is deleted, nothing else is new. Retention
            # dropped the detail no kept run (6, 7, 8) needs (renamed record 3, record 11) and
            # kept the scores of every succeeded run's versions.
            counts = legacy.conn.execute(
                "SELECT (SELECT count(*) FROM versioned.dataset_versions),"
                " (SELECT count(*) FROM versioned.version_scores),"
                " (SELECT count(DISTINCT run_id) FROM versioned.score_history)"
            ).fetchone()
            assert counts == (22, 24, 6)


@pytest.mark.empty_database  # the warehouse is built at version 8, then migrated
def test_migration_keeps_every_run_and_every_answer(
    database_url: str, target: DatabaseTarget
) -> None:
    with LegacyWarehouse(database_url, "dcat_quality", keep_runs=3) as legacy:
        legacy.write_indicators(indicator_rows(default_registry()))
        rejection = ("p1.json", "line 3", "not RDF", None)
        for datasets, fail in _sequence():
            legacy.run(datasets, fail=fail, rejections=[rejection])
        relations = _relations(legacy.conn, "dcat_quality")
        before = _digests(legacy.conn, "dcat_quality", relations)
        counts_sql = (
            "SELECT (SELECT count(*) FROM dcat_quality.runs),"
            " (SELECT count(*) FROM dcat_quality.rejections),"
            " (SELECT count(*) FROM dcat_quality.run_indicator_stats),"
            " (SELECT array_agg(n ORDER BY run_id) FROM (SELECT run_id, count(*) AS n"
            "   FROM dcat_quality.score_history GROUP BY run_id) s),"
            " (SELECT array_agg(n ORDER BY run_id) FROM (SELECT run_id, count(*) AS n"
            "   FROM dcat_quality.hist_distributions GROUP BY run_id) d)"
        )
        counts = legacy.conn.execute(counts_sql).fetchone()
        assert counts is not None
        assert counts[0] == 8  # eight runs: one failed, one empty, six with datasets
        assert len(counts[3]) == 6
        with Warehouse.open(target) as warehouse:  # migrates
            assert legacy.conn.execute(
                "SELECT max(version) FROM dcat_quality.schema_migrations"
            ).fetchone() == (9,)
            # (score_changes too: the last two runs removed no dataset.)
            assert _digests(legacy.conn, "dcat_quality", relations) == before
            assert legacy.conn.execute(counts_sql).fetchone() == counts
            # Detail of the runs past keep_runs was already gone: they are marked so.
            assert legacy.conn.execute(
                "SELECT array_agg(run_id ORDER BY run_id) FROM dcat_quality.runs"
                " WHERE status = 'succeeded' AND NOT detail_kept"
            ).fetchone() == ([1, 2, 3, 5],)
            # The migrated warehouse goes on: a run on top, then every view still answers.
            run_id = _load_new(warehouse, [rows_of(record(1))], fail=False)
            assert legacy.conn.execute(
                "SELECT dataset_id FROM dcat_quality.datasets"
            ).fetchall() == [("https://example.org/d/1",)]
            assert legacy.conn.execute(
                "SELECT count(DISTINCT run_id) FROM dcat_quality.score_history"
            ).fetchone() == (7,)  # the six migrated runs with datasets, and this one
            assert run_id == 9


@pytest.mark.parametrize("schema", ['we"ird sch;ema'])
def test_migration_of_a_hostile_schema_name(
    database_url: str, target: DatabaseTarget, schema: str
) -> None:
    with LegacyWarehouse(database_url, schema, keep_runs=30) as legacy:
        legacy.write_indicators(indicator_rows(default_registry()))
        for datasets, fail in list(_sequence())[:3]:
            legacy.run(datasets, fail=fail)
        relations = _relations(legacy.conn, schema)
        before = _digests(legacy.conn, schema, relations)
        with Warehouse.open(target, schema=schema):
            after = _digests(legacy.conn, schema, relations)
            # run 3 removed two datasets, which score_changes now lists
            assert (before.pop("score_changes")[:6], after.pop("score_changes")[:6]) == (
                "2 rows",
                "4 rows",
            )
            assert after == before


@pytest.mark.empty_database
def test_a_view_of_the_operator_stops_the_migration_instead_of_being_dropped(
    database_url: str, target: DatabaseTarget
) -> None:
    with LegacyWarehouse(database_url, "dcat_quality", keep_runs=30) as legacy:
        legacy.conn.execute(
            "CREATE VIEW public.mine AS SELECT dataset_id FROM dcat_quality.datasets"
        )
        legacy.conn.execute("GRANT SELECT ON dcat_quality.datasets TO PUBLIC")
        from dcat_quality.errors import WarehouseError

        with pytest.raises(WarehouseError, match="used by objects outside it"):
            Warehouse.open(target)
        legacy.conn.execute("DROP VIEW public.mine")
        with Warehouse.open(target):
            acl = legacy.conn.execute(
                "SELECT relacl::text FROM pg_class WHERE oid = 'dcat_quality.datasets'::regclass"
            ).fetchone()
            assert acl is not None
            assert "=r/" in str(acl[0])
