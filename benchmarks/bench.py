"""Performance harness for dcat-quality (not a test: it measures, it does not assert).

For each catalog size and format it generates a dump with `dcat-quality sample`, serves
it from moto's S3 server over HTTP, and measures:

* the decode floor: orjson.loads of every JSON-LD page on one core (the fastest any
  reader of these pages can go);
* the parse stage alone (pages → records, parallel, local files);
* the whole `dcat-quality run` (S3 → indicators → published in PostgreSQL) as a
  subprocess, with the peak RSS of its whole process tree;

then prints a table and writes the figures to benchmarks/results/<time>.json.

    .venv/bin/python benchmarks/bench.py --sizes 10000,100000 --formats jsonld,ttl
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import boto3
import orjson

from dcat_quality.config import Settings
from dcat_quality.pipeline import parse_pages
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source, require_pages

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"


@dataclass
class Measure:
    """One measured stage."""

    stage: str
    fmt: str
    datasets: int
    seconds: float
    peak_rss_mb: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.datasets / self.seconds if self.seconds else 0.0


def catalog(size: int, fmt: str) -> Path:
    """A generated dump, cached between runs (generation is not what we measure)."""
    folder = CACHE / f"{fmt}-{size}"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating {size:,} datasets ({fmt}) in {folder} …", flush=True)
        write_sample(folder, datasets=size, fmt=fmt, gzip=True, bad_pages=False)  # type: ignore[arg-type]
        marker.write_text("ok")
    return folder


def decode_floor(folder: Path, size: int) -> Measure:
    """orjson.loads of every page, one core; gunzip is not counted."""
    total = 0.0
    for page in sorted(folder.glob("page-*")):
        data = gzip.decompress(page.read_bytes())
        started = time.perf_counter()
        orjson.loads(data)
        total += time.perf_counter() - started
    return Measure("decode floor (1 core)", "jsonld", size, total)


def parse_stage(folder: Path, size: int, fmt: str, workers: int) -> Measure:
    source = open_source(str(folder), Settings())
    refs = require_pages(source)
    started = time.perf_counter()
    count = 0
    for _, parsed in parse_pages(source, refs, workers=workers):
        count += len(getattr(parsed, "datasets", ()))
    elapsed = time.perf_counter() - started
    assert count == size, (count, size)
    return Measure(f"parse ({workers} workers)", fmt, size, elapsed)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss[int(entry)] = int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def end_to_end(
    folder: Path, size: int, fmt: str, endpoint: str, database_url: str, workers: int
) -> Measure:
    """`dcat-quality run` from S3 into PostgreSQL, timed, with the process tree's peak RSS."""
    bucket = f"bench-{fmt}-{size}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    for page in sorted(folder.glob("page-*")):
        client.put_object(
            Bucket=bucket, Key=f"DUMP_INTEGRATION_JSON/{page.name}", Body=page.read_bytes()
        )
    env = {
        **os.environ,
        "S3_ENDPOINT_URL": endpoint,
        "ACCESS_KEY": "bench",
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": database_url,
        "DCAT_QUALITY_SCHEMA": f"bench_{fmt}_{size}",
        "DCAT_QUALITY_WORKERS": str(workers),
    }
    command = [
        sys.executable,
        "-m",
        "dcat_quality",
        "run",
        "--allow-rejections",
        "--source",
        f"s3://{bucket}/DUMP_INTEGRATION_JSON/",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"run failed ({process.returncode}):\n{err.decode()[-2000:]}")
    return Measure(
        "end to end (S3 → PostgreSQL)",
        fmt,
        size,
        elapsed,
        peak_rss_mb=peak / 1024,
        extra={"stdout_tail": out.decode()[-400:]},
    )


def _database() -> tuple[str, object | None]:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        return url, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    server = pgserver.get_server(tempfile.mkdtemp(prefix="dq-bench-pg-"), cleanup_mode="stop")
    return server.get_uri(), server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated catalog sizes (datasets); 1000000 for the full goal",
    )
    parser.add_argument("--formats", default="jsonld", help="jsonld, ttl, rdfxml")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    database_url, server = _database()
    measures: list[Measure] = []
    try:
        for fmt in formats:
            for size in sizes:
                folder = catalog(size, fmt)
                floor = decode_floor(catalog(size, "jsonld"), size)
                stages = [
                    floor,
                    parse_stage(folder, size, fmt, args.workers),
                    end_to_end(
                        folder, size, fmt, f"http://127.0.0.1:{port}", database_url, args.workers
                    ),
                ]
                for stage in stages[1:]:
                    stage.extra["ratio_to_floor"] = round(floor.rate / stage.rate, 2)
                measures.extend(stages if fmt == "jsonld" else stages[1:])
                for m in stages:
                    print(
                        f"{m.fmt:7s} {m.datasets:>9,} {m.stage:32s} {m.seconds:8.2f} s "
                        f"{m.rate:>10,.0f} ds/s "
                        f"{'x' + str(m.extra.get('ratio_to_floor', '')):>6s} "
                        f"{(f'{m.peak_rss_mb:.0f} MB' if m.peak_rss_mb else ''):>8s}",
                        flush=True,
                    )
    finally:
        moto.stop()
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / time.strftime("%Y%m%dT%H%M%S.json")
    out.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "workers": args.workers,
                "measures": [{**asdict(m), "datasets_per_s": round(m.rate)} for m in measures],
            },
            indent=2,
        )
    )
    print(f"results written to {out}")


if __name__ == "__main__":
    threading.excepthook = lambda hook: None  # moto's threads may complain at shutdown
    main()
