"""Kubernetes stops the pod: SIGTERM mid-run ends it cleanly, and runs never interleave.

``python -m dcat_quality run`` is started on a dump that takes a while; SIGTERM goes to
that process only (as the kubelet sends it to the container's PID 1). It must exit 130,
record the run ``interrupted``, leave the previous publish exactly as it was and no
parser process behind. Meanwhile a second run with ``--no-wait`` is refused (exit 1,
clear message) and a third one waits for the lock, then publishes once the first is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from dcat_quality.sample import write_sample
from support.cli import base_env, dq, dq_command
from support.warehouse import published_digest

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    stat = handle.read()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_sigterm_ends_the_run_interrupted_and_runs_never_interleave(
    tmp_path: Path, database_url: str
) -> None:
    big = tmp_path / "big"
    write_sample(big, datasets=20_000, page_size=100, seed=3, bad_pages=False)
    env = {"DATABASE_URL": database_url}

    first = dq("run", "--allow-rejections", env=env)  # the demo sample: the previous publish
    assert first.returncode == 0, first.stderr

    def scalar(conn: psycopg.Connection[object], query: str) -> object:
        row = conn.execute(query).fetchone()
        return row[0] if row else None

    with psycopg.connect(database_url, autocommit=True) as db:
        before = published_digest(db)
        published = scalar(db, "SELECT run_id FROM dcat_quality.current_run")

        stopping = subprocess.Popen(
            dq_command("run", "--source", str(big), "--workers", "2"),
            env={**base_env(), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Loading: rows of the new run are going into its partitions.
            _wait_for(
                lambda: (
                    scalar(
                        db,
                        "SELECT count(*) FROM pg_stat_progress_copy p JOIN pg_stat_activity a"
                        " USING (pid) WHERE a.datname = current_database()",
                    )
                    != 0
                    or scalar(
                        db, "SELECT count(*) FROM dcat_quality.hist_datasets WHERE run_id > 1"
                    )
                    != 0
                ),
                60,
                "the big run to start loading",
            )
            running = scalar(db, "SELECT max(run_id) FROM dcat_quality.runs")
            assert scalar(db, f"SELECT status FROM dcat_quality.runs WHERE run_id = {running}") == (
                "running"
            )

            # A second run refuses to start with --no-wait…
            refused = dq("run", "--no-wait", "--allow-rejections", env=env)
            assert refused.returncode == 1
            assert "another run is loading the schema 'dcat_quality'" in refused.stderr
            assert "Traceback" not in refused.stderr
            # …a third one waits for the lock, without creating its run.
            waiting = subprocess.Popen(
                dq_command("run", "--allow-rejections"),
                env={**base_env(), **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            _wait_for(
                lambda: (
                    scalar(
                        db,
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                        " WHERE l.locktype = 'advisory' AND NOT l.granted"
                        " AND a.datname = current_database()",
                    )
                    == 1
                ),
                30,
                "the third run to wait for the run lock",
            )
            assert scalar(db, "SELECT max(run_id) FROM dcat_quality.runs") == running

            workers = _children(stopping.pid)
            assert len(workers) >= 2, "no parser processes seen"  # forkserver + workers
            stopping.send_signal(signal.SIGTERM)
            _, stderr = stopping.communicate(timeout=60)
        finally:
            if stopping.poll() is None:
                stopping.kill()
                stopping.communicate()
        assert stopping.returncode == 130, stderr
        assert "interrupted: the run was recorded as interrupted" in stderr
        assert "Traceback" not in stderr
        # The views still show the previous publish (the waiting run, which may already
        # be loading, publishes the same demo sample: its rows have the same digest).
        assert published_digest(db) == before
        _wait_for(lambda: not any(_alive(pid) for pid in workers), 10, "the workers to exit")

        row = db.execute(
            "SELECT status, error, finished_at FROM dcat_quality.runs WHERE run_id = %s",
            (running,),
        ).fetchone()
        assert row is not None
        assert row[0] == "interrupted"
        assert "interrupted" in row[1]
        stopped_at = row[2]
        assert stopped_at is not None
        assert not db.execute(
            "SELECT relname FROM pg_class WHERE relname ~ %s", (f"_r{running}$",)
        ).fetchall()

        # The waiting run starts only now, and publishes.
        out, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, err
        after = db.execute(
            "SELECT run_id, status, started_at FROM dcat_quality.runs WHERE run_id > %s",
            (running,),
        ).fetchall()
        assert len(after) == 1
        new_run, status, started_at = after[0]
        assert status == "succeeded"
        assert started_at >= stopped_at  # the runs did not overlap
        assert scalar(db, "SELECT run_id FROM dcat_quality.current_run") == new_run
        assert [
            r[0] for r in db.execute("SELECT status FROM dcat_quality.runs ORDER BY run_id")
        ] == [
            "succeeded",
            "interrupted",
            "succeeded",
        ]
        assert published == 1
        # The previous publish was intact the whole time; the new run shows the same dump.
        assert published_digest(db) == before
        assert "500 read = 500 loaded" in out
