"""Performance harness for dcat-quality (not a test: it measures, it does not assert).

For each catalog size and format it generates a dump with `dcat-quality sample`, serves
it from moto's S3 server over HTTP, and measures:

* the decode floor: orjson.loads of every JSON-LD page of that size on one core (the
  fastest any reader of these pages can go);
* the CPU cost per dataset of each step on one core (gunzip, decode, parse, score), on a
  sample of pages;
* the parse stage (pages → records) and the parse + score stage (pages → warehouse rows),
  in N worker processes, from local files;
* the whole `dcat-quality run` (S3 → indicators → published in PostgreSQL) as a
  subprocess, publishing over a previous (small) publish: wall time, peak RSS of its
  process tree, CPU, and the latency of a dashboard query run in a loop meanwhile;

then prints each goal of the performance issue with the measured figure and met/missed,
and writes everything to benchmarks/results/<time>.json.

    .venv/bin/python benchmarks/bench.py --quick
    .venv/bin/python benchmarks/bench.py --sizes 10000,100000,1000000 --formats jsonld,ttl,rdfxml
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import multiprocessing
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import boto3
import orjson
import psycopg
from psycopg import sql

from dcat_quality.config import Settings
from dcat_quality.dcat.parse import read_page
from dcat_quality.pipeline import parse_pages, score_page, score_pages
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source, require_pages

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
FORMATS = ("jsonld", "ttl", "rdfxml")
PREFIX = "DUMP_INTEGRATION_JSON"
WARMUP_PREFIX = "WARMUP"
WARMUP_PAGES = 2

# The goals of the performance issue (2 cores, CKAN JSON-LD pages unless said otherwise).
GOAL_JSONLD_RATE = 10_000  # datasets/s end to end
GOAL_FLOOR_RATIO = 1.6  # end to end ≤ 1.6 × the one-core decode floor
GOAL_RDF_RATE = 2_000  # datasets/s end to end, Turtle and RDF/XML
GOAL_RSS_MB = 300
GOAL_RSS_FLAT = 1.2  # "flat": peak at the largest size ≤ 1.2 × peak at the smallest
GOAL_1M_SECONDS = 180
GOAL_1M_SIZE = 1_000_000
GOAL_BLOCK_MS = 100
GOAL_QUALITY_SHARE = 0.25
GOAL_CORES = 2
# The goals of the incremental issue (JSON-LD, after the first run of the catalog).
GOAL_UNCHANGED_SPEEDUP = 4.0  # a second run over an unchanged catalog ≥ 4× faster
GOAL_UNCHANGED_GROWTH = 0.02  # … growing the database by ≤ 2 % of the first run's size
GOAL_CHANGED_SHARE = 1 / 3  # a run with 1 % of the datasets changed ≤ 1/3 of the first
GOAL_FIRST_RUN_DRIFT = 0.05  # the first run no slower than before (±5 %, --baseline)
GOAL_NIGHTS_STORAGE = 1.5  # thirty nights of 1 % change ≤ 1.5 × one run's storage
CHANGED_SHARE = 0.01

# The reader's dashboard query: one dataset's score, through the published view (which
# joins score_history, hist_datasets and runs). Cheap when nothing blocks it, so its
# latency is the time readers wait.
READER_QUERY = "SELECT total, rating, title FROM {schema}.dataset_scores WHERE dataset_id = %s"


# -- figures ------------------------------------------------------------------------------


@dataclass
class Stage:
    """One timed stage over a whole catalog."""

    name: str
    datasets: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.datasets / self.seconds if self.seconds else 0.0


@dataclass
class ReaderStats:
    """Latencies of the dashboard query run in a loop during the measured run."""

    queries: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    max_at_s: float  # when the slowest query started, seconds after the run started
    publish_start_s: float  # the publish window, seconds after the run started
    publish_end_s: float
    publish_queries: int  # queries that overlapped the publish window
    publish_max_ms: float | None


@dataclass
class RunMeasure:
    """The measured `dcat-quality run`."""

    seconds: float
    datasets: int
    peak_rss_mb: float
    peak_pss_mb: float
    cpu_run_s: float  # user + system CPU of the run's process tree
    cpu_run_main_s: float  # of its main process alone (reading, loading; the rest: workers)
    cpu_postgres_s: float  # of every postgres process of this machine, during the run
    cpu_harness_s: float  # of this process: moto's S3 server (+ the sampler)
    cpu_machine_busy_s: float  # every CPU of the machine, busy time (others' work too)
    cpu_others_s: float  # machine busy time not accounted for: other users' work
    startup_s: float  # process start → run recorded (imports, connect, lock, listing)
    load_s: float  # run recorded → publish transaction begins (read, score, COPY)
    publish_s: float  # publish transaction begins → process exit (publish, retention)
    cpu_reader_s: float = 0.0  # the reader's client process (its backend: in postgres)
    schema_mb: float = 0.0  # the bench schema's relations after the run (indexes, TOAST)
    wal_mb: float = 0.0  # WAL the server wrote during the run (the whole cluster's)
    pages_skipped: int = 0  # pages not parsed: unchanged since the published run
    datasets_reused: int = 0  # datasets neither scored nor written: unchanged
    reader: ReaderStats | None = None
    stdout_tail: str = ""

    @property
    def rate(self) -> float:
        return self.datasets / self.seconds if self.seconds else 0.0

    @property
    def cpu_workers_s(self) -> float:
        """CPU of the run's worker processes (and forkserver): its tree but the main one."""
        return self.cpu_run_s - self.cpu_run_main_s

    def chain_us_per_dataset(self) -> dict[str, float]:
        """CPU µs per dataset of each part of the chain (the reader and others excluded)."""
        parts = {
            "workers": self.cpu_workers_s,
            "loading process": self.cpu_run_main_s,
            "postgres": self.cpu_postgres_s,
            "S3 server": self.cpu_harness_s,
        }
        return {
            name: 1e6 * s / self.datasets if self.datasets else 0.0 for name, s in parts.items()
        }

    @property
    def busy_elsewhere(self) -> bool:
        """Did other processes use more than 10 % of the machine during the run?"""
        return self.cpu_others_s > 0.1 * self.seconds * (os.cpu_count() or 1)


@dataclass
class CatalogResult:
    """Every figure measured on one catalog (format × size)."""

    fmt: str
    size: int
    workers: int
    floor: Stage
    parse: Stage | None  # None above --stages-up-to: the run alone is measured
    score: Stage | None
    run: RunMeasure
    cpu_us_per_dataset: dict[str, float]
    cpu_sample_datasets: int
    incremental: IncrementalResult | None = None  # the runs after the first (JSON-LD)
    baseline_s: float | None = None  # the first run of the --baseline results

    def ratio(self, seconds: float) -> float:
        """How many times slower than the decode floor (same number of datasets)."""
        return seconds / self.floor.seconds if self.floor.seconds else float("inf")

    @property
    def quality_share(self) -> float | None:
        """Wall time the scoring adds to parsing (same workers, local files), as a share
        of the end-to-end run; None when the stages were not measured."""
        if self.parse is None or self.score is None:
            return None
        return max(0.0, self.score.seconds - self.parse.seconds) / self.run.seconds

    @property
    def quality_cpu_share(self) -> float:
        """Scoring's share of the one-core CPU cost of a page (gunzip + parse + score)."""
        cpu = self.cpu_us_per_dataset
        return cpu["score"] / (cpu["gunzip"] + cpu["parse"] + cpu["score"])


@dataclass
class Goal:
    goal: str
    scope: str
    measured: str
    target: str
    status: Literal["met", "MISSED", "not measured"]
    value: float | None = None


# -- catalogs -----------------------------------------------------------------------------


def catalog(size: int, fmt: str) -> Path:
    """A generated dump, cached between runs (generation is not what we measure)."""
    folder = CACHE / f"{fmt}-{size}"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating {size:,} datasets ({fmt}) in {folder} …", flush=True)
        step = max(size // 10, 1)
        reported = [0]

        def progress(done: int) -> None:
            if done - reported[0] >= step and done < size:
                reported[0] = done
                print(f"  … {done:,} datasets", flush=True)

        write_sample(
            folder,
            datasets=size,
            fmt=fmt,  # type: ignore[arg-type]
            gzip=True,
            bad_pages=False,
            progress=progress,
        )
        marker.write_text("ok")
    return folder


def pages_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("page-*"))


# -- in-process stages --------------------------------------------------------------------


def decode_floor(folder: Path, size: int) -> Stage:
    """orjson.loads of every JSON-LD page, one core; gunzip is not counted."""
    total = 0.0
    for page in pages_of(folder):
        data = gzip.decompress(page.read_bytes())
        started = time.perf_counter()
        orjson.loads(data)
        total += time.perf_counter() - started
    return Stage("decode floor (orjson, 1 core)", size, total)


def cpu_per_dataset(folder: Path, fmt: str, pages: int) -> tuple[dict[str, float], int]:
    """CPU µs per dataset of each step, one core, on ``pages`` pages spread over the dump.

    Thread CPU time, so moto's threads and other processes do not count.
    """
    files = pages_of(folder)
    chosen = files[:: max(1, len(files) // max(pages, 1))][:pages]
    # Warm the caches (registry, SHACL shapes, …) on one page, untimed.
    warm = gzip.decompress(chosen[0].read_bytes())
    score_page(read_page(warm, chosen[0].name))
    steps = {"gunzip": 0.0, "parse": 0.0, "score": 0.0, "decode (within parse)": 0.0}
    datasets = 0
    for path in chosen:
        raw = path.read_bytes()
        t0 = time.thread_time()
        data = gzip.decompress(raw)
        t1 = time.thread_time()
        if fmt == "jsonld":
            orjson.loads(data)
        t2 = time.thread_time()
        parsed = read_page(data, path.name)
        t3 = time.thread_time()
        score_page(parsed)
        t4 = time.thread_time()
        steps["gunzip"] += t1 - t0
        steps["decode (within parse)"] += t2 - t1
        steps["parse"] += t3 - t2
        steps["score"] += t4 - t3
        datasets += len(parsed.page.datasets)
    if fmt != "jsonld":
        del steps["decode (within parse)"]
    return {k: round(v / datasets * 1e6, 1) for k, v in steps.items()}, datasets


def pool_stage(folder: Path, size: int, workers: int, *, score: bool) -> Stage:
    """parse_pages (or score_pages) over local files in ``workers`` processes."""
    source = open_source(str(folder), Settings())
    refs = require_pages(source)
    count = 0
    started = time.perf_counter()
    if score:
        for _, scored in score_pages(source, refs, workers=workers):
            count += len(getattr(scored, "datasets", ()))
    else:
        for _, parsed in parse_pages(source, refs, workers=workers):
            count += len(getattr(parsed, "datasets", ()))
    elapsed = time.perf_counter() - started
    if count != size:
        raise SystemExit(f"{folder}: {count:,} datasets parsed, {size:,} expected")
    name = "parse + score" if score else "parse"
    return Stage(f"{name} ({workers} workers, local files)", size, elapsed)


# -- processes: memory and CPU from /proc -------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


class ProcessMonitor:
    """Samples a process tree (RSS, PSS, CPU) and the CPU of every postgres process."""

    def __init__(self) -> None:
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self._tree_ticks: dict[int, int] = {}
        self._pg_base: dict[int, int] = {}
        self._pg_ticks: dict[int, int] = {}
        for pid, (_, comm, ticks) in self._scan().items():
            if comm == "postgres":
                self._pg_base[pid] = ticks

    @staticmethod
    def _scan() -> dict[int, tuple[int, str, int]]:
        """pid → (parent pid, command name, utime + stime in clock ticks)."""
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _read(f"/proc/{entry}/stat")
            if stat is None:
                continue
            comm = stat[stat.find("(") + 1 : stat.rfind(")")]
            fields = stat[stat.rfind(")") + 2 :].split()
            # fields[0] is the state (field 3 of proc(5)): ppid is 4, utime 14, stime 15.
            found[int(entry)] = (int(fields[1]), comm, int(fields[11]) + int(fields[12]))
        return found

    def sample(self, root: int) -> None:
        processes = self._scan()
        children: dict[int, list[int]] = {}
        for pid, (ppid, comm, ticks) in processes.items():
            children.setdefault(ppid, []).append(pid)
            if comm == "postgres":
                self._pg_ticks[pid] = ticks
        rss = pss = 0
        stack = [root]
        while stack:
            pid = stack.pop()
            if pid not in processes:
                continue
            self._tree_ticks[pid] = processes[pid][2]
            statm = _read(f"/proc/{pid}/statm")
            rss += int(statm.split()[1]) * _PAGE_KB if statm else 0
            rollup = _read(f"/proc/{pid}/smaps_rollup") or ""
            pss += next(
                (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")),
                0,
            )
            stack.extend(children.get(pid, []))
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)

    @property
    def tree_cpu_s(self) -> float:
        return sum(self._tree_ticks.values()) / _TICK

    def main_cpu_s(self, root: int) -> float:
        return self._tree_ticks.get(root, 0) / _TICK

    @property
    def postgres_cpu_s(self) -> float:
        used = sum(t - self._pg_base.get(pid, 0) for pid, t in self._pg_ticks.items())
        return max(used, 0) / _TICK


def machine_busy_s() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat)."""
    first = (_read("/proc/stat") or "cpu 0").splitlines()[0].split()[1:]
    ticks = [int(x) for x in first]
    idle = sum(ticks[3:5])  # idle, iowait; guest time is already counted in user
    return (sum(ticks[:7]) - idle) / _TICK  # steal (8th) is not ours: left out


# -- the concurrent reader ----------------------------------------------------------------


def _reader_main(
    database_url: str,
    schema: str,
    ids: list[str],
    interval: float,
    ready: Event,
    stop: Event,
    out: Connection,
) -> None:
    """Run the dashboard query in a loop until ``stop``; send (start, latency, error)s.

    Its own process, so that neither the GIL of the harness (moto serves S3 from threads)
    nor the run slows it down. Autocommit: one query, one transaction, as a dashboard
    does; never idle in a transaction (that would hold up DETACH … CONCURRENTLY).
    """
    samples: list[tuple[float, float, str | None]] = []
    cpu_at_start = time.process_time()
    with psycopg.connect(
        database_url,
        autocommit=True,
        prepare_threshold=None,  # planned afresh each time, like ad-hoc dashboard SQL
        application_name="dcat-quality-bench-reader",
    ) as conn:
        query = sql.SQL(READER_QUERY).format(schema=sql.Identifier(schema))
        ready.set()
        index = 0
        while not stop.is_set():
            started_wall = time.time()
            started = time.perf_counter()
            error = None
            try:
                conn.execute(query, (ids[index % len(ids)],)).fetchall()
            except psycopg.Error as exc:  # e.g. relation does not exist: keep going
                error = type(exc).__name__
            samples.append((started_wall, time.perf_counter() - started, error))
            index += 1
            if interval:
                time.sleep(interval)
    out.send((samples, time.process_time() - cpu_at_start))
    out.close()


class Reader:
    """The reader process: start before the run, stop after it, then ``samples``."""

    def __init__(self, database_url: str, schema: str, ids: list[str], interval: float):
        context = multiprocessing.get_context("spawn")
        self._ready, self._stop = context.Event(), context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_reader_main,
            args=(database_url, schema, ids, interval, self._ready, self._stop, send),
            daemon=True,
        )
        self._send = send

    def start(self) -> None:
        self._process.start()
        self._send.close()
        if not self._ready.wait(60):
            raise SystemExit("the reader process did not connect to PostgreSQL")

    def stop(self) -> tuple[list[tuple[float, float, str | None]], float]:
        """The (start, latency, error) of every query, and the CPU seconds of the loop."""
        self._stop.set()
        try:
            samples, cpu = self._receive.recv()
        except EOFError:  # the reader died: its traceback is on stderr
            print("  warning: the reader process sent no latencies", flush=True)
            samples, cpu = [], 0.0
        self._process.join(30)
        return samples, float(cpu)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def reader_stats(
    samples: list[tuple[float, float, str | None]], started: float, window: tuple[float, float]
) -> ReaderStats:
    """Latency figures; ``window`` (wall-clock seconds) is the publish moment."""
    ok = [(t, lat) for t, lat, error in samples if error is None]
    latencies = sorted(lat for _, lat in ok)
    slowest = max(ok, key=lambda s: s[1], default=(started, 0.0))
    during = [lat for t, lat in ok if t <= window[1] and t + lat >= window[0]]
    return ReaderStats(
        queries=len(samples),
        errors=len(samples) - len(ok),
        p50_ms=round(_percentile(latencies, 0.50) * 1000, 2),
        p99_ms=round(_percentile(latencies, 0.99) * 1000, 2),
        max_ms=round(slowest[1] * 1000, 2),
        max_at_s=round(slowest[0] - started, 2),
        publish_start_s=round(window[0] - started, 2),
        publish_end_s=round(window[1] - started, 2),
        publish_queries=len(during),
        publish_max_ms=round(max(during) * 1000, 2) if during else None,
    )


# -- S3 (moto) and PostgreSQL -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_client(endpoint: str) -> S3Client:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
        region_name="us-east-1",
    )


def upload(client: S3Client, bucket: str, prefix: str, pages: Iterable[Path]) -> None:
    """Put the pages in parallel (moto keeps them in this process's memory)."""

    def put(page: Path) -> None:
        client.put_object(Bucket=bucket, Key=f"{prefix}/{page.name}", Body=page.read_bytes())

    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in pool.map(put, pages):
            pass


def reset_moto(endpoint: str) -> None:
    """Forget every bucket: frees the memory of the catalog just measured."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        answer.read()


def _database() -> tuple[str, Any]:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        return url, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    folder = tempfile.mkdtemp(prefix="dq-bench-pg-")
    server = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
    return server.get_uri(), server


def _query(database_url: str, query: sql.SQL | sql.Composed, *params: object) -> list[Any]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


def schema_bytes(database_url: str, schema: str) -> int:
    """Bytes on disk of the schema's tables, with their indexes and TOAST."""
    row = _query(
        database_url,
        sql.SQL(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'm')"
        ),
        schema,
    )
    return int(row[0][0])


def wal_position(database_url: str) -> str:
    """The server's current WAL position (an LSN); the cluster's, not only the schema's."""
    return str(_query(database_url, sql.SQL("SELECT pg_current_wal_lsn()::text"))[0][0])


def wal_bytes_since(database_url: str, since: str) -> int:
    row = _query(
        database_url, sql.SQL("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)"), since
    )
    return int(row[0][0])


# -- the end-to-end run -------------------------------------------------------------------


@dataclass
class RunTarget:
    endpoint: str
    bucket: str
    database_url: str
    schema: str
    workers: int
    keep_runs: int = 1

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "S3_ENDPOINT_URL": self.endpoint,
            "ACCESS_KEY": "bench",
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": self.database_url,
            "DCAT_QUALITY_SCHEMA": self.schema,
            "DCAT_QUALITY_WORKERS": str(self.workers),
            # The first run's steady state: its publish also drops the detail of the previous
            # (warm-up) run. The incremental scenarios keep 30 runs, the default.
            "DCAT_QUALITY_KEEP_RUNS": str(self.keep_runs),
        }

    def command(self, prefix: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "dcat_quality",
            "run",
            "--allow-rejections",
            "--source",
            f"s3://{self.bucket}/{prefix}/",
        ]


def run_cli(
    target: RunTarget,
    prefix: str,
    datasets: int,
    *,
    interval: float = 0.2,
) -> tuple[RunMeasure, float, float]:
    """One `dcat-quality run`; returns its measure, and its start and end (wall clock)."""
    monitor = ProcessMonitor()
    wal_before = wal_position(target.database_url)
    harness_before = resource.getrusage(resource.RUSAGE_SELF)
    machine_before = machine_busy_s()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started_wall = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(
            target.command(prefix), env=target.environment(), stdout=stdout, stderr=stderr
        )
        while True:
            monitor.sample(process.pid)
            try:
                process.wait(timeout=interval)  # returns as soon as the run exits
                break
            except subprocess.TimeoutExpired:
                pass
        elapsed = time.perf_counter() - started
        ended_wall = time.time()
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read().decode(errors="replace"), stderr.read().decode(errors="replace")
    harness_after = resource.getrusage(resource.RUSAGE_SELF)
    machine_after = machine_busy_s()
    if process.returncode != 0:
        raise SystemExit(f"run failed ({process.returncode}):\n{err[-3000:]}")
    row = _query(
        target.database_url,
        sql.SQL(
            "SELECT extract(epoch FROM started_at)::float8,"
            " extract(epoch FROM finished_at)::float8, datasets_loaded,"
            " coalesce(pages_skipped, 0), coalesce(datasets_reused, 0)"
            " FROM {schema}.runs WHERE status = 'succeeded'"
            " ORDER BY run_id DESC LIMIT 1"
        ).format(schema=sql.Identifier(target.schema)),
    )[0]
    recorded, published, loaded = float(row[0]), float(row[1]), int(row[2])
    if loaded != datasets:
        raise SystemExit(f"the run loaded {loaded:,} datasets, {datasets:,} expected")
    harness_cpu = (harness_after.ru_utime + harness_after.ru_stime) - (
        harness_before.ru_utime + harness_before.ru_stime
    )
    tree_cpu, pg_cpu = monitor.tree_cpu_s, monitor.postgres_cpu_s
    measure = RunMeasure(
        seconds=elapsed,
        datasets=datasets,
        peak_rss_mb=round(monitor.peak_rss_kb / 1024, 1),
        peak_pss_mb=round(monitor.peak_pss_kb / 1024, 1),
        cpu_run_s=round(tree_cpu, 2),
        cpu_run_main_s=round(monitor.main_cpu_s(process.pid), 2),
        cpu_postgres_s=round(pg_cpu, 2),
        cpu_harness_s=round(harness_cpu, 2),
        cpu_machine_busy_s=round(machine_after - machine_before, 2),
        cpu_others_s=round(
            max(0.0, machine_after - machine_before - tree_cpu - pg_cpu - harness_cpu), 2
        ),
        startup_s=round(recorded - started_wall, 2),
        load_s=round(published - recorded, 2),
        publish_s=round(ended_wall - published, 2),
        schema_mb=round(schema_bytes(target.database_url, target.schema) / 2**20, 1),
        wal_mb=round(wal_bytes_since(target.database_url, wal_before) / 2**20, 1),
        pages_skipped=int(row[3]),
        datasets_reused=int(row[4]),
        stdout_tail=out[-600:],
    )
    return measure, started_wall, published


def end_to_end(
    folder: Path, size: int, target: RunTarget, reader_interval: float | None
) -> RunMeasure:
    """Upload the dump, publish a warm-up run, then measure a run publishing over it."""
    client = s3_client(target.endpoint)
    client.create_bucket(Bucket=target.bucket)
    pages = pages_of(folder)
    started = time.perf_counter()
    upload(client, target.bucket, PREFIX, pages)
    upload(client, target.bucket, WARMUP_PREFIX, pages[:WARMUP_PAGES])
    print(f"  uploaded {len(pages):,} pages in {time.perf_counter() - started:.1f} s", flush=True)

    # A fresh schema (the bench's own), migrated and holding a small published run.
    _query(
        target.database_url,
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(target.schema)),
    )
    warm, _, _ = run_cli(target, WARMUP_PREFIX, min(size, WARMUP_PAGES * 100))
    print(f"  warm-up run (migrations + {warm.datasets} datasets): {warm.seconds:.1f} s")

    reader = None
    if reader_interval is not None:
        ids = [
            str(r[0])
            for r in _query(
                target.database_url,
                sql.SQL("SELECT dataset_id FROM {}.dataset_scores ORDER BY 1 LIMIT 100").format(
                    sql.Identifier(target.schema)
                ),
            )
        ]
        if not ids:
            raise SystemExit("the warm-up run published no dataset for the reader to query")
        reader = Reader(target.database_url, target.schema, ids, reader_interval)
        reader.start()
    try:
        measure, run_started, published = run_cli(target, PREFIX, size)
    finally:
        samples, reader_cpu = reader.stop() if reader is not None else ([], 0.0)
    if reader is not None:
        run_ended = run_started + measure.seconds
        measure.reader = reader_stats(samples, run_started, (published, run_ended))
        measure.cpu_reader_s = round(reader_cpu, 2)
        measure.cpu_others_s = round(max(0.0, measure.cpu_others_s - reader_cpu), 2)
    return measure


# -- incremental runs ---------------------------------------------------------------------


@dataclass
class IncrementalResult:
    """The runs after the first one: unchanged, 1 % changed, nights of 1 % change."""

    unchanged: RunMeasure
    spread: RunMeasure  # 1 % of the datasets changed, anywhere (most pages touched)
    clustered: RunMeasure  # 1 % of the datasets changed, on 1 % of the pages
    nights: list[RunMeasure]  # one run a night, 1 % of the datasets changed each time
    pages_touched_spread: int = 0


def _is_dataset(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    return "dcat:Dataset" in (types if isinstance(types, list) else [types])


def _change_page(page: Path, picks: int | None, rng: Any, mark: str) -> None:
    """Give ``picks`` datasets of the page (all of them: None) one keyword more."""
    document = orjson.loads(gzip.decompress(page.read_bytes()))
    datasets = [n for n in document["@graph"] if _is_dataset(n)]
    chosen = datasets if picks is None else rng.sample(datasets, min(picks, len(datasets)))
    for node in chosen:
        keywords = node.get("dcat:keyword", [])
        keywords = keywords if isinstance(keywords, list) else [keywords]
        node["dcat:keyword"] = [*keywords, {"@language": "fr", "@value": mark}]
    page.write_bytes(gzip.compress(orjson.dumps(document), compresslevel=6))


def change_catalog(
    folder: Path, rng: Any, mark: str, *, clustered: bool, share: float = CHANGED_SHARE
) -> list[Path]:
    """Change ``share`` of the datasets of the (JSON-LD) dump in ``folder``; the pages
    changed. Spread: each dataset with probability ``share``, so most pages are touched
    (1 − 0.99¹⁰⁰ ≈ 63 % of them); clustered: every dataset of ``share`` of the pages."""
    pages = pages_of(folder)
    if clustered:
        changed = rng.sample(pages, max(1, round(share * len(pages))))
        for page in changed:
            _change_page(page, None, rng, mark)
        return changed
    changed = []
    for page in pages:
        picks = sum(rng.random() < share for _ in range(100))
        if picks:
            _change_page(page, picks, rng, mark)
            changed.append(page)
    return changed


def incremental_runs(
    folder: Path, size: int, target: RunTarget, nights: int, seed: int
) -> IncrementalResult:
    """After the first run: the same catalog again, then 1 % of it changed (spread, then
    clustered), then ``nights`` runs with 1 % changed before each, keeping 30 runs."""
    import random

    rng = random.Random(seed)
    client = s3_client(target.endpoint)
    keeping = RunTarget(**{**asdict(target), "keep_runs": 30})
    with tempfile.TemporaryDirectory(prefix="dq-bench-changes-") as tmp:
        work = Path(tmp) / folder.name
        shutil.copytree(folder, work)

        def measure(label: str) -> RunMeasure:
            run, _, _ = run_cli(keeping, PREFIX, size)
            print(
                f"  {label}: {run.seconds:.1f} s, {run.pages_skipped:,} pages not parsed, "
                f"{run.datasets_reused:,} datasets reused, schema {run.schema_mb:,.1f} MB, "
                f"WAL {run.wal_mb:,.1f} MB, RSS {run.peak_rss_mb:.0f} MB",
                flush=True,
            )
            return run

        unchanged = measure("unchanged catalog")
        touched = change_catalog(work, rng, "spread", clustered=False)
        upload(client, target.bucket, PREFIX, touched)
        spread = measure(f"1 % changed on {len(touched)} pages")
        upload(client, target.bucket, PREFIX, change_catalog(work, rng, "cluster", clustered=True))
        clustered = measure("1 % changed on 1 % of the pages")
        every = []
        for night in range(1, nights + 1):
            upload(
                client,
                target.bucket,
                PREFIX,
                change_catalog(work, rng, f"night {night}", clustered=False),
            )
            every.append(measure(f"night {night}"))
    return IncrementalResult(unchanged, spread, clustered, every, len(touched))


# -- goals --------------------------------------------------------------------------------


def _scope(result: CatalogResult) -> str:
    return f"{result.fmt} {result.size:,}"


def _status(ok: bool) -> Literal["met", "MISSED"]:
    return "met" if ok else "MISSED"


def _each(
    results: Iterable[CatalogResult],
    figure: Callable[[CatalogResult], float | None],
    show: Callable[[float], str],
    ok: Callable[[float], bool],
) -> list[Goal]:
    """One goal row per catalog: the figure, as shown, and whether it meets the goal
    (a figure of None was not measured on that catalog)."""
    return [
        Goal("", _scope(r), show(value), "", _status(ok(value)), value)
        if value is not None
        else Goal("", _scope(r), "-", "", "not measured")
        for r in results
        for value in [figure(r)]
    ]


def _rss_growth(results: list[CatalogResult]) -> list[Goal]:
    """Peak RSS at the largest size over the smallest, per format measured at ≥ 2 sizes."""
    rows = []
    for fmt in FORMATS:
        by_size = sorted((r for r in results if r.fmt == fmt), key=lambda r: r.size)
        if len(by_size) < 2:
            continue
        small, large = by_size[0].run, by_size[-1].run
        growth = large.peak_rss_mb / small.peak_rss_mb
        shown = f"×{growth:.2f} ({small.peak_rss_mb:.0f} → {large.peak_rss_mb:.0f} MB)"
        scope = f"{fmt} {by_size[0].size:,} → {by_size[-1].size:,}"
        rows.append(Goal("", scope, shown, "", _status(growth <= GOAL_RSS_FLAT), growth))
    return rows


def _blocking(results: list[CatalogResult]) -> list[Goal]:
    """The slowest reader query that overlapped the publish window, per catalog."""
    rows = []
    for r in results:
        stats = r.run.reader
        if stats is None or stats.publish_max_ms is None:
            continue
        shown = (
            f"{stats.publish_max_ms:.0f} ms, {stats.publish_queries} queries"
            f" (whole run: max {stats.max_ms:.0f}, p99 {stats.p99_ms:.0f} ms)"
        )
        ok = stats.publish_max_ms < GOAL_BLOCK_MS
        rows.append(Goal("", _scope(r), shown, "", _status(ok), stats.publish_max_ms))
    return rows


def evaluate(results: list[CatalogResult]) -> list[Goal]:
    """Every goal of the issue, each with the figure measured (or 'not measured')."""
    goals: list[Goal] = []

    def add(name: str, target: str, rows: list[Goal]) -> None:
        for row in rows:
            row.goal, row.target = name, target
        goals.extend(rows or [Goal(name, "", "", target, "not measured")])

    jsonld = [r for r in results if r.fmt == "jsonld"]

    def rate(r: CatalogResult) -> float:
        return r.run.rate

    def per_s(value: float) -> str:
        return f"{value:,.0f} datasets/s"

    add(
        "end to end (JSON-LD)",
        f"≥ {GOAL_JSONLD_RATE:,} datasets/s",
        _each(jsonld, rate, per_s, lambda v: v >= GOAL_JSONLD_RATE),
    )
    add(
        "end to end ÷ one-core decode floor (JSON-LD)",
        f"≤ ×{GOAL_FLOOR_RATIO}",
        _each(
            jsonld,
            lambda r: r.ratio(r.run.seconds),
            lambda v: f"×{v:.2f}",
            lambda v: v <= GOAL_FLOOR_RATIO,
        ),
    )
    for fmt, label in (("ttl", "Turtle"), ("rdfxml", "RDF/XML")):
        add(
            f"end to end ({label})",
            f"≥ {GOAL_RDF_RATE:,} datasets/s",
            _each([r for r in results if r.fmt == fmt], rate, per_s, lambda v: v >= GOAL_RDF_RATE),
        )
    add(
        "peak RSS of the run's process tree",
        f"≤ {GOAL_RSS_MB} MB",
        _each(
            results,
            lambda r: r.run.peak_rss_mb,
            lambda v: f"{v:.0f} MB",
            lambda v: v <= GOAL_RSS_MB,
        ),
    )
    add(
        "peak RSS flat from 10k to 1M (largest size ÷ smallest)",
        f"≤ ×{GOAL_RSS_FLAT}",
        _rss_growth(results),
    )
    add(
        "1M datasets end to end (JSON-LD)",
        f"≤ {GOAL_1M_SECONDS // 60} min",
        _each(
            [r for r in jsonld if r.size >= GOAL_1M_SIZE],
            lambda r: r.run.seconds,
            lambda v: f"{v / 60:.1f} min",
            lambda v: v <= GOAL_1M_SECONDS,
        ),
    )
    add(
        "publishing blocks readers (slowest query during publish)",
        f"< {GOAL_BLOCK_MS} ms",
        _blocking(results),
    )
    _incremental_goals(results, add)
    add(
        "quality stage (no link checks) share of the run",
        f"< {GOAL_QUALITY_SHARE:.0%}",
        _each(
            results,
            lambda r: r.quality_share,
            lambda v: f"{v:.1%}",
            lambda v: v < GOAL_QUALITY_SHARE,
        ),
    )
    return goals


def _incremental_goals(
    results: list[CatalogResult], add: Callable[[str, str, list[Goal]], None]
) -> None:
    """The goals of the incremental issue, on the catalogs whose later runs were measured."""
    done = [r for r in results if r.incremental is not None]

    def later(
        figure: Callable[[CatalogResult, IncrementalResult], float],
    ) -> Callable[[CatalogResult], float | None]:
        return lambda r: figure(r, r.incremental) if r.incremental is not None else None

    add(
        "unchanged catalog: second run faster than the first",
        f"≥ ×{GOAL_UNCHANGED_SPEEDUP:.0f}",
        _each(
            done,
            later(lambda r, i: r.run.seconds / i.unchanged.seconds),
            lambda v: f"×{v:.1f}",
            lambda v: v >= GOAL_UNCHANGED_SPEEDUP,
        ),
    )
    add(
        "unchanged catalog: database growth (share of the first run's size)",
        f"≤ {GOAL_UNCHANGED_GROWTH:.0%}",
        _each(
            done,
            later(lambda r, i: (i.unchanged.schema_mb - r.run.schema_mb) / r.run.schema_mb),
            lambda v: f"{v:.2%}",
            lambda v: v <= GOAL_UNCHANGED_GROWTH,
        ),
    )
    for label, pick in (
        ("spread over the pages", lambda i: i.spread),
        ("on 1 % of the pages", lambda i: i.clustered),
    ):
        add(
            f"1 % of the datasets changed, {label}: time ÷ first run",
            f"≤ {GOAL_CHANGED_SHARE:.2f}",
            _each(
                done,
                later(lambda r, i, pick=pick: pick(i).seconds / r.run.seconds),  # type: ignore[misc]
                lambda v: f"{v:.2f}",
                lambda v: v <= GOAL_CHANGED_SHARE,
            ),
        )
    add(
        "first run against the --baseline results",
        f"≤ +{GOAL_FIRST_RUN_DRIFT:.0%}",
        _each(
            results,
            lambda r: r.run.seconds / r.baseline_s - 1 if r.baseline_s else None,
            lambda v: f"{v:+.1%}",
            lambda v: v <= GOAL_FIRST_RUN_DRIFT,
        ),
    )
    add(
        "peak RSS of every later run",
        f"≤ {GOAL_RSS_MB} MB",
        _each(
            done,
            later(
                lambda r, i: max(
                    m.peak_rss_mb for m in (i.unchanged, i.spread, i.clustered, *i.nights)
                )
            ),
            lambda v: f"{v:.0f} MB",
            lambda v: v <= GOAL_RSS_MB,
        ),
    )
    add(
        "nights of 1 % change: storage ÷ one run's",
        f"≤ ×{GOAL_NIGHTS_STORAGE}",
        _each(
            [r for r in done if r.incremental and r.incremental.nights],
            later(lambda r, i: i.nights[-1].schema_mb / r.run.schema_mb),
            lambda v: f"×{v:.2f}",
            lambda v: v <= GOAL_NIGHTS_STORAGE,
        ),
    )


# -- output -------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]], right: Iterable[int] = ()) -> str:
    """A plain-text table; columns listed in ``right`` are right-aligned."""
    aligned = set(right)
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in aligned else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("─" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def stage_rows(result: CatalogResult) -> list[list[str]]:
    run = result.run
    rows = []
    stages = [result.floor, *(s for s in (result.parse, result.score) if s is not None)]
    for name, seconds, extra in (
        *((stage.name, stage.seconds, "") for stage in stages),
        (
            "end to end (S3 → PostgreSQL)",
            run.seconds,
            f"RSS {run.peak_rss_mb:.0f} MB (PSS {run.peak_pss_mb:.0f})",
        ),
    ):
        rows.append(
            [
                result.fmt,
                f"{result.size:,}",
                name,
                f"{seconds:.2f} s",
                f"{result.size / seconds:,.0f}" if seconds else "-",
                f"×{result.ratio(seconds):.2f}",
                extra,
            ]
        )
    return rows


STAGE_HEADERS = ["format", "datasets", "stage", "time", "datasets/s", "÷ floor", "memory"]


def _chain_line(run: RunMeasure, cores: int) -> str:
    """What the chain costs per dataset in CPU, all processes together, and so the rate
    these cores could reach at best: the ceiling of the end-to-end goal on this machine."""
    parts = run.chain_us_per_dataset()
    total = sum(parts.values())
    ceiling = cores * 1e6 / total if total else 0.0
    shown = ", ".join(f"{name} {us:,.0f}" for name, us in parts.items())
    return (
        f"  CPU µs per dataset, whole chain: {total:,.0f} ({shown}): at most "
        f"{ceiling:,.0f} datasets/s on {cores} cores kept fully busy"
    )


def details(result: CatalogResult) -> str:
    run = result.run
    cores = os.cpu_count() or 1
    steps = ", ".join(f"{k} {v:,.0f}" for k, v in result.cpu_us_per_dataset.items())
    lines = [
        f"  CPU µs per dataset, one core ({result.cpu_sample_datasets:,} datasets): {steps}",
        f"  run: startup {run.startup_s:.1f} s, read+score+load {run.load_s:.1f} s, "
        f"publish+exit {run.publish_s:.1f} s",
        f"  storage: schema {run.schema_mb:,.1f} MB after the run, "
        f"WAL written during it {run.wal_mb:,.1f} MB",
        f"  CPU during the run: run's processes {run.cpu_run_s:.1f} s (main process "
        f"{run.cpu_run_main_s:.1f} s, workers {run.cpu_workers_s:.1f} s), "
        f"postgres {run.cpu_postgres_s:.1f} s, moto S3 server {run.cpu_harness_s:.1f} s, "
        f"reader {run.cpu_reader_s:.1f} s; "
        f"machine busy {run.cpu_machine_busy_s:.1f} of {run.seconds * cores:.1f} core-s",
        _chain_line(run, cores),
        "  quality share of the run: "
        + (
            f"{result.quality_share:.1%} (parse + score − parse = "
            f"{result.score.seconds - result.parse.seconds:.2f} s)"
            if result.quality_share is not None and result.score and result.parse
            else "stages not measured at this size"
        )
        + f"; of the workers' CPU, one core: {result.quality_cpu_share:.0%}",
    ]
    if result.incremental is not None:
        inc = result.incremental
        nights = inc.nights
        lines.append(
            f"  later runs: unchanged {inc.unchanged.seconds:.1f} s "
            f"(WAL {inc.unchanged.wal_mb:.1f} MB); 1 % changed on {inc.pages_touched_spread} "
            f"pages {inc.spread.seconds:.1f} s (WAL {inc.spread.wal_mb:.1f} MB); on 1 % of "
            f"the pages {inc.clustered.seconds:.1f} s (WAL {inc.clustered.wal_mb:.1f} MB)"
        )
        if nights:
            seconds = sum(n.seconds for n in nights) / len(nights)
            wal = sum(n.wal_mb for n in nights) / len(nights)
            lines.append(
                f"  {len(nights)} nights of 1 % change: {seconds:.1f} s a night, WAL "
                f"{wal:.1f} MB a night; schema {run.schema_mb:,.1f} → "
                f"{nights[-1].schema_mb:,.1f} MB"
            )
    if run.busy_elsewhere:
        lines.append(
            f"  warning: other processes kept the machine busy {run.cpu_others_s:.1f} core-s "
            "during the run: these are not the figures of an idle machine"
        )
    if run.reader is not None:
        r = run.reader
        lines.append(
            f"  reader: {r.queries:,} queries ({r.errors} errors), p50 {r.p50_ms:.1f} ms, "
            f"p99 {r.p99_ms:.1f} ms, max {r.max_ms:.1f} ms at {r.max_at_s:.1f} s; publish "
            f"{r.publish_start_s:.1f}–{r.publish_end_s:.1f} s: max "
            + (f"{r.publish_max_ms:.1f} ms" if r.publish_max_ms is not None else "-")
            + f" over {r.publish_queries} queries"
        )
    return "\n".join(lines)


def goal_table(goals: list[Goal]) -> str:
    return table(
        ["goal", "scope", "measured", "target", "result"],
        [[g.goal, g.scope, g.measured, g.target, g.status] for g in goals],
    )


def _git() -> dict[str, object]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=HERE, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(changed),
        "changed": changed,
    }


def python_speed_ns() -> float:
    """Nanoseconds per iteration of a plain Python loop, the best of five.

    Every stage but the decode floor runs Python code, so its figures move with the
    interpreter's build and the CPU's speed, which on a shared VM drifts during a session:
    measured at the start and at the end, it tells whether two results can be compared.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter_ns()
        total = 0
        for n in range(1_000_000):
            total += n
        best = min(best, (time.perf_counter_ns() - started) / 1_000_000)
    return round(best, 1)


def _interpreter() -> dict[str, object]:
    config = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    return {
        "executable": sys.executable,
        "build": platform.python_build()[1],
        "compiler": platform.python_compiler(),
        "optimizations": [
            flag for flag in ("--enable-optimizations", "--with-lto") if flag in config
        ],
        "loop_ns_per_iteration": python_speed_ns(),
    }


def _machine(database_url: str) -> dict[str, object]:
    meminfo = _read("/proc/meminfo") or ""
    total_kb = next(
        (int(x.split()[1]) for x in meminfo.splitlines() if x.startswith("MemTotal")), 0
    )
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "interpreter": _interpreter(),
        "postgresql": str(_query(database_url, sql.SQL("SHOW server_version"))[0][0]),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# -- main ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        help="comma-separated catalog sizes in datasets (default 10000,100000; "
        "1000000 for the 1M goals)",
    )
    parser.add_argument(
        "--formats", default="jsonld", help="comma-separated: jsonld, ttl, rdfxml (default jsonld)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,000 datasets only")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes of the stages and of the run (default: the CPU count)",
    )
    parser.add_argument(
        "--reader-interval-ms",
        type=float,
        default=10.0,
        help="pause between two queries of the concurrent reader (default 10)",
    )
    parser.add_argument("--no-reader", action="store_true", help="do not run the concurrent reader")
    parser.add_argument(
        "--stages-up-to",
        type=int,
        default=100_000,
        help="measure the parse and parse + score stages only up to this size; larger "
        "catalogs get the end-to-end run alone (default 100000)",
    )
    parser.add_argument(
        "--nights",
        type=int,
        default=30,
        help="nightly runs with 1 %% of the datasets changed, after the first run (default "
        "30; JSON-LD catalogs)",
    )
    parser.add_argument(
        "--no-incremental",
        action="store_true",
        help="measure the first run only (not the unchanged, 1 %% changed and nightly runs)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a results file of an earlier revision: its first runs are the reference of the "
        "'first run no slower' goal (measure both in the same session: the VM drifts)",
    )
    parser.add_argument(
        "--profile-pages",
        type=int,
        default=20,
        help="pages timed one by one for the CPU cost per dataset (default 20)",
    )
    args = parser.parse_args()
    sizes = args.sizes or ("10000" if args.quick else "10000,100000")
    args.sizes = [int(s) for s in sizes.split(",")]
    args.formats = args.formats.split(",")
    unknown = set(args.formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown format(s) {', '.join(sorted(unknown))}: choose among {FORMATS}")
    return args


def measure_catalog(
    fmt: str, size: int, args: argparse.Namespace, endpoint: str, database_url: str
) -> CatalogResult:
    print(f"\n{fmt} {size:,} datasets", flush=True)
    folder = catalog(size, fmt)
    floor = decode_floor(catalog(size, "jsonld"), size)
    cpu, sampled = cpu_per_dataset(folder, fmt, args.profile_pages)
    parse = score = None
    if size <= args.stages_up_to:
        parse = pool_stage(folder, size, args.workers, score=False)
        score = pool_stage(folder, size, args.workers, score=True)
    target = RunTarget(
        endpoint=endpoint,
        bucket=f"bench-{fmt}-{size}",
        database_url=database_url,
        schema=f"bench_{fmt}_{size}",
        workers=args.workers,
    )
    reader_interval = None if args.no_reader else args.reader_interval_ms / 1000
    later = None
    try:
        run = end_to_end(folder, size, target, reader_interval)
        if fmt == "jsonld" and not args.no_incremental:
            later = incremental_runs(folder, size, target, args.nights, seed=size)
    finally:
        reset_moto(endpoint)
    result = CatalogResult(
        fmt,
        size,
        args.workers,
        floor,
        parse,
        score,
        run,
        cpu,
        sampled,
        later,
        _baseline_seconds(args.baseline, fmt, size),
    )
    print(table(STAGE_HEADERS, stage_rows(result), right=(1, 3, 4, 5)))
    print(details(result), flush=True)
    return result


def _baseline_seconds(path: Path | None, fmt: str, size: int) -> float | None:
    """The first run of the same catalog in an earlier results file."""
    if path is None:
        return None
    document = json.loads(path.read_text())
    for catalog_ in document.get("catalogs", []):
        if catalog_["fmt"] == fmt and catalog_["size"] == size:
            return float(catalog_["run"]["seconds"])
    return None


def main() -> None:
    args = parse_args()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    database_url, server = _database()
    started = time.strftime("%Y%m%dT%H%M%S")
    results: list[CatalogResult] = []
    try:
        machine = _machine(database_url)
        for fmt in args.formats:
            for size in args.sizes:
                results.append(measure_catalog(fmt, size, args, endpoint, database_url))
    finally:
        moto.stop()
        if server is not None:
            server.cleanup()

    goals = evaluate(results)
    every_stage = [row for r in results for row in stage_rows(r)]
    print("\n" + table(STAGE_HEADERS, every_stage, right=(1, 3, 4, 5)))
    print("\n" + goal_table(goals))
    if machine["cpus"] != GOAL_CORES:
        print(f"note: the goals are set for {GOAL_CORES} cores; this machine has {machine['cpus']}")
    busy = [_scope(r) for r in results if r.run.busy_elsewhere]
    if busy:
        print(
            f"note: other processes used more than 10 % of the machine during the run of "
            f"{', '.join(busy)}: run again on an idle machine for figures to compare"
        )
    if args.workers != machine["cpus"]:
        print(f"note: {args.workers} workers on {machine['cpus']} CPUs")
    interpreter = machine["interpreter"]
    assert isinstance(interpreter, dict)
    loop_at_end = python_speed_ns()
    print(
        f"note: Python {machine['python']} ({interpreter['executable']}) ran a plain loop at "
        f"{interpreter['loop_ns_per_iteration']} ns an iteration at the start, {loop_at_end} "
        "at the end; the figures above scale with it (see benchmarks/README.md, "
        "'Comparing machines')"
    )

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{started}.json"
    document = {
        "started": started,
        "machine": {
            **machine,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "loop_ns_per_iteration_at_end": loop_at_end,
        },
        "git": _git(),
        "settings": {
            "sizes": args.sizes,
            "formats": args.formats,
            "workers": args.workers,
            "reader_interval_ms": None if args.no_reader else args.reader_interval_ms,
            "reader_query": READER_QUERY,
        },
        "catalogs": [
            {
                **asdict(r),
                "rates": {
                    "floor": round(r.floor.rate),
                    "parse": round(r.parse.rate) if r.parse else None,
                    "parse_score": round(r.score.rate) if r.score else None,
                    "end_to_end": round(r.run.rate),
                },
                "ratio_to_floor": {
                    "parse": round(r.ratio(r.parse.seconds), 2) if r.parse else None,
                    "parse_score": round(r.ratio(r.score.seconds), 2) if r.score else None,
                    "end_to_end": round(r.ratio(r.run.seconds), 2),
                },
                "quality_share": None if r.quality_share is None else round(r.quality_share, 3),
                "quality_cpu_share": round(r.quality_cpu_share, 3),
            }
            for r in results
        ],
        "goals": [asdict(g) for g in goals],
    }
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    threading.excepthook = lambda hook: None  # moto's threads may complain at shutdown
    main()
