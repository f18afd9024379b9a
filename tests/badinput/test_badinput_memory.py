"""A 100 MB literal: loaded whole, with memory bounded by a small multiple of the page.

The page is generated on the fly in a temporary folder (never committed). The run happens
in a child process so its peak resident memory can be measured alone; the figures are
printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from support.badinput import CONTEXT, EX, jsonld

pytestmark = pytest.mark.slow  # 100 MB pages

MB = 1024 * 1024
LITERAL_MB = 100

_CHILD = """
import json, os, resource, sys, time
from dcat_quality.config import Settings
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

baseline = peak()
started = time.monotonic()
with Warehouse.open(DatabaseTarget(os.environ["BADINPUT_DATABASE_URL"], "test")) as warehouse:
    result = run_chain(open_source(sys.argv[1], Settings()), warehouse, workers=1)
counts = result.counts
print(json.dumps({
    "baseline": baseline,
    "peak": peak(),
    "seconds": time.monotonic() - started,
    "counts": [counts.pages_read, counts.pages_rejected, counts.datasets_read,
               counts.datasets_loaded, counts.datasets_rejected],
}))
"""


def _write_big_page(path: Path, size: int) -> None:
    """A JSON-LD page whose description is ``size`` bytes, written without holding it."""
    head = (
        '{"@context": ' + json.dumps(CONTEXT) + ', "@graph": [{"@id": "' + EX + 'big/d1", '
        '"@type": "dcat:Dataset", "dct:title": "Big", "dct:description": "'
    ).encode()
    chunk = b"0123456789abcdef" * (MB // 16)
    with path.open("wb") as out:
        out.write(head)
        for _ in range(size // MB):
            out.write(chunk)
        out.write(b'"}]}')


def test_a_100_mb_literal_loads_with_bounded_memory(tmp_path: Path, database_url: str) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    size = LITERAL_MB * MB
    _write_big_page(dump / "big.json", size)
    (dump / "small.json").write_bytes(
        jsonld({"@id": f"{EX}big/d2", "@type": "dcat:Dataset", "dct:title": "Small"})
    )
    page_bytes = (dump / "big.json").stat().st_size
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(dump)],
        env={**os.environ, "BADINPUT_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    assert figures["counts"] == [2, 0, 2, 2, 0]
    grown = figures["peak"] - figures["baseline"]
    print(
        f"\n100 MB literal: page {page_bytes / MB:.0f} MB, run {figures['seconds']:.1f} s "
        f"(test {time.monotonic() - started:.1f} s), peak RSS {figures['peak'] / MB:.0f} MB, "
        f"baseline {figures['baseline'] / MB:.0f} MB, grown {grown / MB:.0f} MB "
        f"= {grown / page_bytes:.1f}× the page"
    )
    # bytes read + decoded str + the row's copies on their way to COPY: a few pages' worth
    assert grown < 6 * page_bytes, figures
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "select length(description), title from dcat_quality.datasets where dataset_id = %s",
            (f"{EX}big/d1",),
        ).fetchone()
    assert row == (size, "Big")
