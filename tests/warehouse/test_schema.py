"""The schema: migrations are idempotent, everything is commented, names are quoted."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support import postgres
from support.warehouse import BLANK, RICH, load_and_publish, partitions, query

HISTORY = {
    "hist_datasets",
    "hist_distributions",
    "hist_dataset_keywords",
    "hist_dataset_themes",
    "hist_dataset_territories",
    "hist_dataset_spatial",
    "hist_dataset_licenses",
    "hist_dataset_access_rights",
    "hist_dataset_languages",
    "hist_shacl_violations",
    "hist_dataset_hvd_categories",
    "hist_rdf_repairs",
    "score_history",
}
TABLES = {
    "runs",
    "rejections",
    "schema_migrations",
    "dataset_versions",
    "version_distributions",
    "version_keywords",
    "version_themes",
    "version_territories",
    "version_spatial",
    "version_licenses",
    "version_access_rights",
    "version_languages",
    "version_shacl_violations",
    "version_scores",
    "version_hvd_categories",
    "version_rdf_repairs",
    "run_page_repairs",
    "dataset_spans",
    "page_spans",
    "run_staged_datasets",
    "run_staged_pages",
    "indicators",
    "run_indicator_stats",
    "link_checks",
    "run_shards",
    "digests_sent",
}
VIEWS = HISTORY | {
    "dataset_hvd_categories",
    "hvd_datasets",
    "hvd_by_publisher",
    "hvd_gaps",
    "dataset_rdf_repairs",
    "page_rdf_repairs",
    "harvest_pairs",
    "harvest_check_changes",
    "harvest_comparison",
    "harvest_by_publisher",
    "run_versions",
    "current_run",
    "datasets",
    "distributions",
    "dataset_keywords",
    "dataset_themes",
    "dataset_territories",
    "dataset_spatial",
    "dataset_licenses",
    "dataset_access_rights",
    "dataset_languages",
    "historical_datasets",
    "dataset_scores",
    "dataset_checks",
    "fix_first",
    "failed_checks_ranked",
    "shacl_violations",
    "score_trend",
    "indicator_pass_rates",
    "last_two_runs",
    "score_changes",
    "check_changes_last_run",
    "quality_by_catalog",
    "quality_by_publisher",
    "quality_by_theme",
    "quality_by_departement",
    "quality_by_rating",
    "link_status",
}
HOSTILE = 'we"ird sch;ema'


def _relations(conn: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v')",
        (schema,),
    ).fetchall()
    return dict(rows)


def _snapshot(conn: psycopg.Connection[Any], schema: str) -> list[tuple[Any, ...]]:
    """Every relation, column, type and comment of the schema."""
    return conn.execute(
        "SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod),"
        " obj_description(c.oid, 'pg_class'), col_description(c.oid, a.attnum)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
        " AND NOT a.attisdropped WHERE n.nspname = %s ORDER BY 1, 3",
        (schema,),
    ).fetchall()


def missing_comments(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    """Tables, views and columns of the schema without a COMMENT."""
    rows = conn.execute(
        "SELECT c.relname, NULL FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %(s)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        " AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''"
        " UNION ALL"
        " SELECT c.relname, a.attname FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = %(s)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        " AND coalesce(col_description(c.oid, a.attnum), '') = ''",
        {"s": schema},
    ).fetchall()
    return sorted(f"{table}.{column}" if column else table for table, column in rows)


def test_migrate_creates_every_table_and_view(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    relations = _relations(db, "dcat_quality")
    assert {name for name, kind in relations.items() if kind in "rp"} == TABLES
    assert {name for name, kind in relations.items() if kind == "v"} == VIEWS
    assert query(db, "SELECT version FROM {schema}.schema_migrations ORDER BY 1") == [
        (n,) for n in range(1, 10)
    ]


def test_a_fresh_migration_gives_the_template_the_tests_clone(
    postgres_server_url: str, db: psycopg.Connection[Any]
) -> None:
    """The warehouse tests start from a clone of a migrated template: migrating an empty
    database here must give the very same schema."""
    with postgres.fresh_database(postgres_server_url) as empty:
        with Warehouse.open(DatabaseTarget(empty, "empty")) as fresh:
            assert fresh.migrate() == 0  # open migrated everything
        with psycopg.connect(empty, autocommit=True) as conn:
            migrated = _snapshot(conn, "dcat_quality")
    assert migrated == _snapshot(db, "dcat_quality")


def test_second_migrate_applies_nothing_and_changes_nothing(
    warehouse: Warehouse, target: DatabaseTarget, db: psycopg.Connection[Any]
) -> None:
    before = _snapshot(db, "dcat_quality")
    assert warehouse.migrate() == 0
    with Warehouse.open(target) as again:  # open migrates too
        assert again.migrate() == 0
    assert _snapshot(db, "dcat_quality") == before


def test_every_table_view_and_column_has_a_comment(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    load_and_publish(warehouse, [RICH, BLANK])
    assert missing_comments(db, "dcat_quality") == []


def test_the_comment_check_sees_a_missing_comment(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    db.execute("CREATE TABLE dcat_quality.stray (x int)")
    assert missing_comments(db, "dcat_quality") == ["stray", "stray.x"]


@pytest.mark.empty_database  # asserts the default schema is never created
def test_hostile_schema_name_works_end_to_end(
    target: DatabaseTarget, db: psycopg.Connection[Any]
) -> None:
    with Warehouse.open(target, schema=HOSTILE, keep_runs=1) as warehouse:
        assert warehouse.migrate() == 0
        load_and_publish(warehouse, [RICH])
        load_and_publish(warehouse, [RICH, BLANK])  # retention drops run 1's partitions
        runs = warehouse.latest_runs()
    assert [run.status for run in runs] == ["succeeded", "succeeded"]
    assert query(db, "SELECT count(*) FROM {schema}.datasets", HOSTILE) == [(2,)]
    assert query(db, "SELECT dataset FROM {schema}.historical_datasets ORDER BY 1", HOSTILE) == [
        (BLANK.dataset_id,),
        (RICH.dataset_id,),
    ]
    # Run 1's detail is gone from the views; its scores stay.
    assert query(db, "SELECT DISTINCT run_id FROM {schema}.hist_datasets", HOSTILE) == [(2,)]
    assert query(db, "SELECT DISTINCT run_id FROM {schema}.score_history ORDER BY 1", HOSTILE) == []
    assert not partitions(db, HOSTILE)
    assert missing_comments(db, HOSTILE) == []
    assert "dcat_quality" not in _schemas(db)


def _schemas(conn: psycopg.Connection[Any]) -> set[str]:
    return {name for (name,) in conn.execute("SELECT nspname FROM pg_namespace").fetchall()}


def test_two_schemas_in_one_database_are_independent(
    target: DatabaseTarget, db: psycopg.Connection[Any]
) -> None:
    with Warehouse.open(target, schema="a") as first, Warehouse.open(target, schema="b") as second:
        run_a = first.begin_run("a", "test")
        run_b = second.begin_run("b", "test", wait=False)  # its own lock
        assert (run_a, run_b) == (1, 1)


@pytest.mark.parametrize("schema", ["", "x" * 64])
def test_invalid_schema_name_is_refused(target: DatabaseTarget, schema: str) -> None:
    with pytest.raises(WarehouseError, match="invalid schema name"):
        Warehouse.open(target, schema=schema)
