"""Shared by the reliability tests: the CLI as a subprocess, a digest of the published
views, killing the chain's sessions, watching the process table."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

#: The views a dashboard reads: the digest covers every row of each.
VIEWS = (
    "datasets",
    "distributions",
    "dataset_keywords",
    "dataset_themes",
    "dataset_territories",
    "dataset_checks",
    "dataset_scores",
    "historical_datasets",
)


def dq_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dcat_quality", *args]


def dq(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``python -m dcat_quality ARGS`` with exactly ``env`` on top of a clean base."""
    return subprocess.run(
        dq_command(*args),
        capture_output=True,
        text=True,
        env={**base_env(), **env},
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def base_env() -> dict[str, str]:
    """The test process's environment (already isolated by the root conftest), wide."""
    return {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def published_digest(conn: psycopg.Connection[Any], schema: str = "dcat_quality") -> str:
    """A digest of every row the published views show, in a stable order."""
    digest = hashlib.sha256()
    for view in VIEWS:
        rows = conn.execute(
            sql.SQL("SELECT t::text FROM {}.{} t ORDER BY 1").format(
                sql.Identifier(schema), sql.Identifier(view)
            )
        ).fetchall()
        digest.update(f"{view}:{len(rows)}\n".encode())
        for (text,) in rows:
            digest.update(text.encode() + b"\n")
    return digest.hexdigest()


def run_statuses(conn: psycopg.Connection[Any], schema: str = "dcat_quality") -> dict[int, str]:
    rows = conn.execute(
        sql.SQL("SELECT run_id, status FROM {}.runs ORDER BY run_id").format(sql.Identifier(schema))
    ).fetchall()
    return {int(run_id): str(status) for run_id, status in rows}


class CmdlineWatcher:
    """Reads every process's arguments (``/proc/*/cmdline``) in a loop while it runs."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.seen: set[bytes] = set()
        self.scans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> CmdlineWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.scan()
            self._stop.wait(self.interval)

    def scan(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    self.seen.add(handle.read())
            except OSError:  # gone, or not ours to read
                continue
        self.scans += 1
