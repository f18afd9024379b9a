"""Runs: load, publish, history, retention, failures, killed loads, the run lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.errors import RunLockedError, WarehouseError
from dcat_quality.quality.ecospheres import compute
from dcat_quality.warehouse import DatabaseTarget, RunCounts, Warehouse
from dcat_quality.warehouse.warehouse import STALE_ERROR
from support.warehouse import BLANK, RICH, load_and_publish, query, record, traces


def _dicts(conn: psycopg.Connection[Any], template: str) -> list[dict[str, Any]]:
    statement = template.replace("{schema}", "dcat_quality")
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cursor:
        return cursor.execute(statement.encode()).fetchall()


def _current_ids(conn: psycopg.Connection[Any]) -> list[str]:
    return [row[0] for row in query(conn, "SELECT dataset_id FROM {schema}.datasets ORDER BY 1")]


def _status(warehouse: Warehouse) -> dict[int, tuple[str, str | None]]:
    return {run.run_id: (run.status, run.error) for run in warehouse.latest_runs()}


def test_published_run_shows_exact_values(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    load_and_publish(warehouse, [RICH, BLANK])

    rows = _dicts(db, "SELECT * FROM {schema}.datasets ORDER BY dataset_id")
    assert [row["dataset_id"] for row in rows] == [BLANK.dataset_id, RICH.dataset_id]
    blank, rich = rows
    assert blank["is_blank_node"] is True
    assert blank["is_series"] is True
    assert blank["fill_rate"] == Decimal("11.11")
    assert blank["distribution_count"] == 0
    assert rich == {
        "dataset_id": RICH.dataset_id,
        "source_file": "page-1.json",
        "is_blank_node": False,
        "is_series": False,
        "identifier": "pprn-ajaccio",
        "title": "PPRN Ajaccio",
        "title_lang": "fr",
        "description": "Plan de prévention des risques naturels",
        "description_lang": "fr",
        "issued": date(2023, 5, 4),
        "issued_text": "2023-05-04",
        "created": date(2023, 5, 4),
        "created_text": "04.05.2023",
        "modified": None,
        "modified_text": "jeweils Montags",
        "creator": "DDTM 2A",
        "rights_holder": "Préfecture",
        "publisher": "DDTM",
        "contact_name": "Service risques",
        "contact_email": "risques@example.org",
        "status_code": "COMPLETED",
        "status_label": "Finalisé",
        "catalog": "Ecosphères",
        "bbox": "POLYGON((8 41, 9 41, 9 42, 8 42, 8 41))",
        "landing_page": "https://example.org/pprn",
        "temporal_start": date(2020, 1, 1),
        "temporal_end": date(2024, 12, 31),
        "accrual_periodicity": "http://purl.org/cld/freq/annual",
        "distribution_count": 1,
        "fill_rate": Decimal("100.00"),
        "filled_fields": 9,
        "universe": "PPRN",
        "geo_coverage": "Communale",
        "open_access": True,
        "metadata_format": None,  # loaded by Loader.add without saying
    }
    assert query(
        db,
        "SELECT dataset_id, territory_iri, kind, code, departement"
        " FROM {schema}.dataset_territories ORDER BY code",
    ) == [
        (RICH.dataset_id, "http://id.insee.fr/geo/commune/2A004", "commune", "2A004", "2A"),
        (RICH.dataset_id, "http://id.insee.fr/geo/commune/97411", "commune", "97411", "974"),
    ]
    assert query(
        db, "SELECT dataset_id, keyword FROM {schema}.dataset_keywords ORDER BY keyword"
    ) == [
        (RICH.dataset_id, "risques"),
        (RICH.dataset_id, "zone de bruit"),
    ]
    assert query(db, "SELECT theme FROM {schema}.dataset_themes") == [
        ("http://example.org/theme/risques",)
    ]
    assert query(db, "SELECT spatial_iri FROM {schema}.dataset_spatial ORDER BY 1") == [
        (iri,) for iri in RICH.spatial
    ]
    assert query(db, "SELECT license FROM {schema}.dataset_licenses") == [(RICH.licenses[0],)]
    assert query(db, "SELECT language FROM {schema}.dataset_languages") == [(RICH.languages[0],)]
    assert query(db, "SELECT label, iri FROM {schema}.dataset_access_rights ORDER BY 1") == [
        (RICH.access_rights[0], None),
        (None, RICH.access_rights_iris[0]),
    ]
    assert _dicts(db, "SELECT * FROM {schema}.distributions") == [
        {
            "dataset_id": RICH.dataset_id,
            "distribution_id": "https://example.org/dist/1",
            "title": "Zonage",
            "access_url": None,
            "download_url": "https://example.org/zonage.zip",
            "format": "SHP",
            "media_type": None,
            "license": RICH.licenses[0],
            "byte_size": 123456789012,
            "issued": date(2023, 5, 4),
            "modified": None,
            "rights": None,
        }
    ]
    historical = _dicts(db, "SELECT * FROM {schema}.historical_datasets ORDER BY dataset")
    assert historical[1] == {
        "dataset": RICH.dataset_id,
        "title": "PPRN Ajaccio",
        "description": "Plan de prévention des risques naturels",
        "modification": None,
        "right_statement": "Pas de restriction d'accès public selon INSPIRE",
        "themes": "http://example.org/theme/risques",
        "key_words": "risques, zone de bruit",
        "creator": "DDTM 2A",
        "rights_holder": "Préfecture",
        "contact_point": "risques@example.org",
        "status": "Finalisé",
        "catalog": "Ecosphères",
        "spatial": "http://id.insee.fr/geo/commune/2A004, http://id.insee.fr/geo/commune/97411",
        "licenses": RICH.licenses[0],
        "percantage_filling": Decimal("100.00"),
        "univers": "PPRN",
        "commune": "2A004, 97411",
        "departement": "2A, 974",
        "geo_coverage": "Communale",
        "right_statement_processed": True,
    }
    assert historical[0]["key_words"] is None


def test_second_run_replaces_the_views_and_keeps_history(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    first = load_and_publish(warehouse, [record(1), record(2)])
    second = load_and_publish(warehouse, [record(2, title="Renamed"), record(3)])

    assert _current_ids(db) == ["https://example.org/d/2", "https://example.org/d/3"]
    assert query(db, "SELECT title FROM {schema}.datasets ORDER BY 1") == [
        ("Dataset 3",),
        ("Renamed",),
    ]
    assert query(db, "SELECT keyword FROM {schema}.dataset_keywords ORDER BY 1") == [
        ("k2",),
        ("k3",),
    ]
    assert query(
        db, "SELECT run_id, count(*) FROM {schema}.hist_datasets GROUP BY 1 ORDER BY 1"
    ) == [(first, 2), (second, 2)]
    assert query(db, "SELECT run_id FROM {schema}.current_run") == [(second,)]


def test_retention_keeps_only_the_latest_runs_details(
    target: DatabaseTarget, db: psycopg.Connection[Any]
) -> None:
    with Warehouse.open(target, keep_runs=1) as warehouse:
        first = load_and_publish(warehouse, [record(1)])
        second = load_and_publish(warehouse, [record(2)])
        # Detail goes with retention (the views no longer show it, its versions are
        # deleted); the runs and the spans stay, so every run's scores stay answerable.
        assert query(db, "SELECT DISTINCT run_id FROM {schema}.hist_dataset_keywords") == [
            (second,)
        ]
        assert query(db, "SELECT dataset_id FROM {schema}.dataset_versions") == [
            ("https://example.org/d/2",)
        ]
        assert query(db, "SELECT keyword FROM {schema}.version_keywords") == [("k2",)]
        assert query(db, "SELECT run_id, detail_kept FROM {schema}.runs ORDER BY 1") == [
            (first, False),
            (second, True),
        ]
        assert query(db, "SELECT first_run, end_run FROM {schema}.dataset_spans ORDER BY 1") == [
            (first, second),
            (second, None),
        ]
        assert [run.status for run in warehouse.latest_runs()] == ["succeeded"] * 2
    assert _current_ids(db) == ["https://example.org/d/2"]


def test_unpublished_rows_are_invisible(warehouse: Warehouse, db: psycopg.Connection[Any]) -> None:
    load_and_publish(warehouse, [record(1)])
    run_id = warehouse.begin_run("test", "test")
    with warehouse.loader(run_id) as loader:
        loader.add(record(2), compute(record(2)), "p.json")
    assert _current_ids(db) == ["https://example.org/d/1"]  # committed, not yet published
    warehouse.publish(run_id, RunCounts(1, 0, 1, 1, 0))
    assert _current_ids(db) == ["https://example.org/d/2"]


def test_failed_run_leaves_the_previous_publish_and_keeps_its_rejections(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    load_and_publish(warehouse, [record(1)])
    run_id = warehouse.begin_run("test", "test")

    def load_then_crash() -> None:
        with warehouse.loader(run_id) as loader:
            loader.add(record(2), compute(record(2)), "p.json")
            loader.reject("bad.json", "not RDF", position="line 1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        load_then_crash()
    warehouse.fail(run_id, "boom", counts=RunCounts(2, 1, 1, 1, 0))

    assert _current_ids(db) == ["https://example.org/d/1"]
    assert _status(warehouse)[run_id] == ("failed", "boom")
    assert traces(db, run_id) == 0
    assert query(db, "SELECT run_id, file, position, reason FROM {schema}.rejections") == [
        (run_id, "bad.json", "line 1", "not RDF")
    ]
    assert query(
        db,
        "SELECT pages_read, finished_at IS NOT NULL FROM {schema}.runs WHERE run_id = %s",
        params=(run_id,),
    ) == [(2, True)]

    following = load_and_publish(warehouse, [record(3)])
    assert _current_ids(db) == ["https://example.org/d/3"]
    assert _status(warehouse)[following] == ("succeeded", None)


def test_duplicate_dataset_is_rejected_not_loaded(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    run_id = warehouse.begin_run("test", "test")
    with warehouse.loader(run_id) as loader:
        assert loader.add(record(1), compute(record(1)), "a.json") is True
        assert loader.add(record(1), compute(record(1)), "b.json") is False
    assert (loader.loaded, loader.duplicates) == (1, 1)
    warehouse.publish(run_id, RunCounts(2, 0, 2, 1, 1))
    assert query(db, "SELECT file, dataset_id FROM {schema}.rejections") == [
        ("b.json", "https://example.org/d/1")
    ]


@pytest.mark.parametrize("batch_rows", [1, 2000], ids=["first-copy-flushed", "first-copy-buffered"])
def test_duplicate_names_the_page_of_the_first_copy(
    warehouse: Warehouse, db: psycopg.Connection[Any], batch_rows: int
) -> None:
    """The ids table keeps digests only: the first copy's page is found among the loaded
    rows, whether still buffered or already copied into PostgreSQL."""
    run_id = warehouse.begin_run("test", "test")
    with warehouse.loader(run_id, batch_rows=batch_rows) as loader:
        for n in range(1, 6):
            assert loader.add(record(n), compute(record(n)), "page-1.json") is True
        assert loader.add(record(2), compute(record(2)), "page-2.json") is False
        assert loader.add(record(2), compute(record(2)), "page-3.json") is False
    warehouse.publish(run_id, RunCounts(3, 0, 7, 5, 2))
    assert query(db, "SELECT file, reason FROM {schema}.rejections ORDER BY file") == [
        (
            f"page-{n}.json",
            f"duplicate dataset https://example.org/d/2 in page-{n}.json: already loaded "
            "from page-1.json; the first copy is kept — remove the duplicate from one of "
            "the pages",
        )
        for n in (2, 3)
    ]


def test_ids_sharing_a_digest_are_both_loaded(
    warehouse: Warehouse, db: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A digest collision (3 × 10⁻⁸ at a million ids) must not reject a dataset: forced
    here by giving every id the same digest."""
    monkeypatch.setattr("dcat_quality.warehouse.seen._digest", lambda _id: 42)
    run_id = warehouse.begin_run("test", "test")
    with warehouse.loader(run_id, batch_rows=2) as loader:
        for n in range(1, 6):
            assert loader.add(record(n), compute(record(n)), "page-1.json") is True
        assert loader.add(record(4), compute(record(4)), "page-2.json") is False
    assert (loader.loaded, loader.duplicates) == (5, 1)
    warehouse.publish(run_id, RunCounts(2, 0, 6, 5, 1))
    assert _current_ids(db) == [f"https://example.org/d/{n}" for n in range(1, 6)]


def test_publish_refuses_counts_that_do_not_match(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    run_id = warehouse.begin_run("test", "test")
    with warehouse.loader(run_id) as loader:
        loader.add(record(1), compute(record(1)), "a.json")
    with pytest.raises(WarehouseError, match="do not reconcile"):
        warehouse.publish(run_id, RunCounts(1, 0, 3, 1, 1))
    with pytest.raises(WarehouseError, match="holds 1 datasets"):
        warehouse.publish(run_id, RunCounts(1, 0, 2, 2, 0))
    assert _status(warehouse)[run_id] == ("running", None)
    warehouse.publish(run_id, RunCounts(1, 0, 1, 1, 0))
    assert _current_ids(db) == ["https://example.org/d/1"]


def test_closing_with_a_run_in_progress_records_it_interrupted(target: DatabaseTarget) -> None:
    with Warehouse.open(target) as warehouse:
        run_id = warehouse.begin_run("test", "test")
    with Warehouse.open(target) as warehouse:
        status, error = _status(warehouse)[run_id]
    assert status == "interrupted"
    assert "closed before" in (error or "")


def test_text_that_postgresql_refuses_is_cleaned(
    warehouse: Warehouse, db: psycopg.Connection[Any]
) -> None:
    bad = record(
        1, title="nul\x00byte", description="lone \udc80 surrogate", keywords=("a\x00", "a")
    )
    load_and_publish(warehouse, [bad])
    assert query(db, "SELECT title, description FROM {schema}.datasets") == [
        ("nulbyte", "lone ? surrogate")
    ]
    assert query(db, "SELECT keyword FROM {schema}.dataset_keywords") == [("a",)]


# -- killed loads -------------------------------------------------------------------------


def _kill_the_run(database_url: str) -> None:
    """What the server sees when the process running the chain dies: its sessions end."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = 'dcat-quality'"
        )


def _many(start: int, count: int) -> Iterator[DatasetRecord]:
    for number in range(start, start + count):
        yield record(number, keywords=(f"k{number}", "common"), description="x" * 500)


@pytest.mark.parametrize("point", ["after_begin", "mid_load", "after_load", "mid_copy"])
def test_killed_run_leaves_the_previous_publish_and_is_found_stale(
    target: DatabaseTarget, database_url: str, db: psycopg.Connection[Any], point: str
) -> None:
    with Warehouse.open(target) as first:
        published = load_and_publish(first, [record(1)])
    dying = Warehouse.open(target)
    run_id = dying.begin_run("test", "test")
    if point == "after_begin":
        _kill_the_run(database_url)
    elif point == "mid_load":
        with pytest.raises(WarehouseError):
            _feed(
                dying,
                run_id,
                _many(100, 1000),
                batch_rows=10,
                at_500=lambda: _kill_the_run(database_url),
            )
    elif point == "after_load":
        with dying.loader(run_id) as loader:
            for rec in _many(100, 100):
                loader.add(rec, compute(rec), "p.json")
        _kill_the_run(database_url)
    else:
        _load_until_killed_in_copy(dying, run_id, database_url)
    dying.close()  # cannot record anything: its sessions are gone

    assert _current_ids(db) == ["https://example.org/d/1"]
    with Warehouse.open(target) as warehouse:
        assert _status(warehouse)[run_id] == ("running", None)
        following = warehouse.begin_run("test", "test")
        assert _status(warehouse)[run_id] == ("failed", STALE_ERROR)
        assert traces(db, run_id) == 0
        assert _current_ids(db) == ["https://example.org/d/1"]
        with warehouse.loader(following) as loader:
            loader.add(record(2), compute(record(2)), "p.json")
        warehouse.publish(following, RunCounts(1, 0, 1, 1, 0))
    assert _current_ids(db) == ["https://example.org/d/2"]
    assert published < run_id < following


def _feed(
    warehouse: Warehouse,
    run_id: int,
    records: Iterator[DatasetRecord],
    *,
    batch_rows: int,
    at_500: Callable[[], None] | None = None,
) -> None:
    with warehouse.loader(run_id, batch_rows=batch_rows) as loader:
        for number, rec in enumerate(records):
            if number == 500 and at_500 is not None:
                at_500()
            loader.add(rec, compute(rec), "p.json")


def _load_until_killed_in_copy(warehouse: Warehouse, run_id: int, database_url: str) -> None:
    """Feed rows until another session sees a COPY in progress and kills the backends."""
    seen_copy = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 20
        with psycopg.connect(database_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                if conn.execute(
                    "SELECT 1 FROM pg_stat_progress_copy WHERE tuples_processed > 0"
                ).fetchone():
                    seen_copy.set()
                    break
        _kill_the_run(database_url)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with pytest.raises(WarehouseError):
            _feed(warehouse, run_id, _many(100, 10_000_000), batch_rows=2000)
    finally:
        watcher.join()
    assert seen_copy.is_set()


# -- the run lock -------------------------------------------------------------------------


def test_second_run_without_wait_is_refused_while_one_runs(target: DatabaseTarget) -> None:
    with Warehouse.open(target) as first, Warehouse.open(target) as second:
        run_id = first.begin_run("test", "test")
        with pytest.raises(RunLockedError, match="another run"):
            second.begin_run("test", "test", wait=False)
        first.publish(run_id, RunCounts(0, 0, 0, 0, 0))
        later = second.begin_run("test", "test", wait=False)
        assert later > run_id
        assert _status(second)[run_id] == ("succeeded", None)  # not mistaken for stale


def test_second_run_waits_for_the_first(target: DatabaseTarget) -> None:
    with Warehouse.open(target) as first, Warehouse.open(target) as second:
        run_id = first.begin_run("test", "test")
        started: list[int] = []
        waiter = threading.Thread(target=lambda: started.append(second.begin_run("t", "t")))
        waiter.start()
        time.sleep(0.3)
        assert started == []
        first.publish(run_id, RunCounts(0, 0, 0, 0, 0))
        waiter.join(10)
        assert started == [run_id + 1]
        assert _status(second)[run_id] == ("succeeded", None)


def test_operations_on_a_run_not_in_progress_are_refused(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="not the run in progress"):
        warehouse.loader(7)
    run_id = warehouse.begin_run("test", "test")
    with pytest.raises(WarehouseError, match="still in progress"):
        warehouse.begin_run("test", "test")
    warehouse.fail(run_id, "stopped", status="interrupted")
    with pytest.raises(WarehouseError, match="not the run in progress"):
        warehouse.publish(run_id, RunCounts(0, 0, 0, 0, 0))


# -- readers ------------------------------------------------------------------------------


def test_readers_are_never_blocked_by_runs_nor_retention(
    target: DatabaseTarget, database_url: str, db: psycopg.Connection[Any]
) -> None:
    """A dashboard query left open keeps its snapshot; runs, publishing and retention only
    write rows, so they never wait for it and it never waits for them."""
    with Warehouse.open(target, keep_runs=1) as warehouse:
        load_and_publish(warehouse, [record(1)])
        with psycopg.connect(database_url) as reader:  # a dashboard query left open
            reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            reader.execute("SET lock_timeout = '2s'")  # blocked readers fail the test
            assert _current_ids(reader) == ["https://example.org/d/1"]
            second = load_and_publish(warehouse, [record(2)])  # retention drops run 1
            assert _current_ids(reader) == ["https://example.org/d/1"]  # its snapshot
            assert _current_ids(db) == ["https://example.org/d/2"]  # a new reader
            with psycopg.connect(database_url, autocommit=True) as other:
                other.execute("SET lock_timeout = '2s'")
                third = warehouse.begin_run("test", "test")
                assert _current_ids(other) == ["https://example.org/d/2"]
                assert query(other, "SELECT DISTINCT run_id FROM {schema}.hist_datasets") == [
                    (second,)
                ]
        warehouse.fail(third, "stopped")
        fourth = load_and_publish(warehouse, [record(4)])
        assert query(db, "SELECT dataset_id FROM {schema}.dataset_versions") == [
            ("https://example.org/d/4",)
        ]
    assert second < third < fourth
