"""The warehouse connection killed at seeded random points during load and publish.

Each point terminates one of the chain's PostgreSQL sessions (``application_name =
'dcat-quality'``; the loader's, the publisher's or the run lock's, the one that matters
at that moment) from another connection, then checks: the previous publish is intact
(the views show exactly the previous run's rows, by digest), the run is recorded failed
(at once, or as stale by the next ``begin_run``), what the killed run wrote is undone,
and the next run succeeds. Consecutive runs alternate between two different dumps, so a
wrongly published killed run would change the digest.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import WarehouseError
from dcat_quality.pipeline import run_chain
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from dcat_quality.warehouse.warehouse import STALE_ERROR, Loader
from support.warehouse import published_digest, run_statuses

pytestmark = pytest.mark.slow  # the chain in subprocesses, its sessions killed

SEED = 20_261_127
COPY_POINTS = 13
TIME_POINTS = 7
#: Kill points at publish: (name, which session dies, when).
PUBLISH_POINTS = (
    "loader before its commit",  # after the last COPY, in the pass-rate statistics
    "lock lost before publish",
    "publisher before publish",
    "publisher before its commit",  # the publishing UPDATE ran, its COMMIT did not
    "loader at its first COPY row",
)


@dataclass
class Sessions:
    """The backends of the run in progress, found from the objects that own them."""

    warehouse: Warehouse | None = None
    loader: Loader | None = None

    def pid(self, which: str) -> int | None:
        if which == "loader":
            conn = self.loader._conn if self.loader is not None else None
        elif which == "lock":
            conn = self.warehouse._lock_conn if self.warehouse is not None else None
        else:
            conn = self.warehouse._conn if self.warehouse is not None else None
        if conn is None or conn.closed:
            return None
        return int(conn.info.backend_pid)


def terminate(database_url: str, pid: int) -> bool:
    """Kill one of the chain's sessions from another connection; True once it is gone."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE pid = %s AND application_name = 'dcat-quality'",
            (pid,),
        ).fetchone()
    return bool(row and row[0])


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dumps")
    a, b = root / "a", root / "b"
    write_sample(a, datasets=120, page_size=30, seed=1, bad_pages=False)
    write_sample(b, datasets=150, page_size=30, seed=2, bad_pages=False)
    return a, b


def test_killed_connection_never_touches_the_published_run(
    database_url: str, dumps: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(SEED)
    target = DatabaseTarget(database_url, "test database")
    sessions = Sessions()
    hooks: dict[str, Callable[[], None]] = {}

    def hook(name: str) -> None:
        action = hooks.pop(name, None)
        if action is not None:
            action()

    rows_written = 0
    original_write_row = psycopg.Copy.write_row

    def write_row(self: psycopg.Copy, row: Any) -> None:
        nonlocal rows_written
        rows_written += 1
        hook(f"copy row {rows_written}")
        original_write_row(self, row)

    original_enter = Loader.__enter__

    def loader_enter(self: Loader) -> Loader:
        sessions.loader = original_enter(self)
        return self

    original_stats = Warehouse.write_indicator_stats

    def write_stats(self: Warehouse, conn: Any, run_id: int) -> None:
        hook("stats")
        original_stats(self, conn, run_id)

    original_publish = Warehouse.publish

    def publish(self: Warehouse, run_id: int, counts: Any, reuse: Any = None) -> bool:
        hook("publish")
        return original_publish(self, run_id, counts, reuse)

    original_mark = Warehouse._mark_published

    def mark_published(self: Warehouse, run_id: int, counts: Any, reuse: Any) -> None:
        original_mark(self, run_id, counts, reuse)
        hook("published, not committed")

    monkeypatch.setattr(psycopg.Copy, "write_row", write_row)
    monkeypatch.setattr(Loader, "__enter__", loader_enter)
    monkeypatch.setattr(Warehouse, "write_indicator_stats", write_stats)
    monkeypatch.setattr(Warehouse, "publish", publish)
    monkeypatch.setattr(Warehouse, "_mark_published", mark_published)

    def kill(which: str) -> Callable[[], None]:
        def action() -> None:
            pid = sessions.pid(which)
            assert pid is not None, f"no {which} session to kill"
            assert terminate(database_url, pid)
            killed.append(which)

        return action

    def one_run(dump: Path) -> int:
        nonlocal rows_written
        rows_written = 0
        with Warehouse.open(target) as warehouse:
            sessions.warehouse, sessions.loader = warehouse, None
            result = run_chain(open_source(str(dump), Settings()), warehouse, workers=1)
        return result.run_id

    # The first publish, and how many COPY rows and seconds a run of each dump takes once
    # both dumps' versions are stored (then a run writes little more than its spans).
    dump_rows: dict[Path, int] = {}
    durations: list[float] = []
    for dump in (*dumps, *dumps, dumps[0]):
        started = time.monotonic()
        published = one_run(dump)
        durations.append(time.monotonic() - started)
        dump_rows[dump] = rows_written
    duration = min(durations)

    points = ["copy"] * COPY_POINTS + ["time"] * TIME_POINTS + list(PUBLISH_POINTS)
    rng.shuffle(points)

    interrupted = 0
    survived_time_points = 0
    killed: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as reader:
        for number, kind in enumerate(points):
            before = published_digest(reader)
            dump = dumps[(number + 1) % 2]  # not the dump of the published run
            killed.clear()
            hooks.clear()
            timer: threading.Timer | None = None
            if kind == "copy":
                hooks[f"copy row {rng.randint(1, dump_rows[dump])}"] = kill("loader")
            elif kind == "time":
                delay = rng.uniform(0.0, 0.6 * duration)  # most land before the publish

                def by_time() -> None:
                    which = "loader" if sessions.pid("loader") is not None else "main"
                    pid = sessions.pid(which)
                    if pid is not None and terminate(database_url, pid):
                        killed.append(which)

                timer = threading.Timer(delay, by_time)
            elif kind == "loader before its commit":
                hooks["stats"] = kill("loader")
            elif kind == "lock lost before publish":
                hooks["publish"] = kill("lock")
            elif kind == "publisher before publish":
                hooks["publish"] = kill("main")
            elif kind == "publisher before its commit":
                hooks["published, not committed"] = kill("main")
            else:
                hooks["copy row 1"] = kill("loader")

            rows_written = 0
            warehouse = Warehouse.open(target)
            sessions.warehouse, sessions.loader = warehouse, None
            source = open_source(str(dump), Settings())
            if timer is not None:
                timer.start()
            failed: BaseException | None = None
            try:
                run_chain(source, warehouse, workers=1)
            except Exception as exc:  # checked just below
                failed = exc
            finally:
                if timer is not None:
                    timer.join()
                warehouse.close()
            statuses = run_statuses(reader)
            killed_run = max(statuses)

            if failed is None:  # only a timer that fired after the publish
                assert kind == "time", f"{kind}: the run survived the kill {killed}"
                assert statuses[killed_run] == "succeeded"
                survived_time_points += 1
                published = killed_run
                continue
            interrupted += 1
            assert isinstance(failed, WarehouseError), f"{kind} {killed}: {failed!r}"
            assert killed, f"{kind}: the run failed without a kill: {failed}"
            # The previous publish is intact: same run, same rows.
            assert published_digest(reader) == before, f"{kind}: the views changed"
            assert reader.execute("SELECT run_id FROM dcat_quality.current_run").fetchone() == (
                published,
            )
            if killed_run == published:  # killed in begin_run: no run recorded
                assert kind == "time"
            else:
                assert statuses[killed_run] in ("failed", "running"), (kind, statuses[killed_run])
            # The next run marks a dead run stale, undoes what it wrote and publishes.
            following = one_run(dump)
            statuses = run_statuses(reader)
            assert killed_run == published or statuses[killed_run] == "failed", kind
            assert statuses[following] == "succeeded"
            assert (
                reader.execute(
                    "SELECT (SELECT count(*) FROM dcat_quality.dataset_spans"
                    "  WHERE first_run = %(r)s OR end_run = %(r)s)"
                    " + (SELECT count(*) FROM dcat_quality.run_staged_datasets"
                    "  WHERE run_id = %(r)s)",
                    {"r": killed_run},
                ).fetchone()
                == (0,)
                or killed_run == published
            )
            assert published_digest(reader) != before
            published = following
        stale = reader.execute(
            "SELECT count(*) FROM dcat_quality.runs WHERE error = %s", (STALE_ERROR,)
        ).fetchone()

    print(
        f"{len(points)} kill points, {interrupted} interrupted a run "
        f"({survived_time_points} timed kills came after the publish); "
        f"{stale[0] if stale else 0} runs found stale by the next run"
    )
    assert interrupted >= 20
