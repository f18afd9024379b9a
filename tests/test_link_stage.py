"""The link-check stage end to end: cache in the warehouse, then the full MQA variant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import orjson
import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.link_stage import refresh_link_cache
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support.loopback import serve


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_HEAD(self) -> None:
        self.hits.append(self.path)
        self.send_response(200 if self.path.startswith("/ok") else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def files_server() -> Iterator[str]:
    with serve(_Handler) as url:
        yield url


def _page(folder: Path, base: str) -> Path:
    graph: list[dict[str, Any]] = []
    for name in ("ok", "missing"):
        graph += [
            {
                "@id": f"http://example.org/{name}",
                "@type": "dcat:Dataset",
                "dct:title": "T",
                "dct:description": "D",
                "dcat:distribution": {"@id": f"http://example.org/{name}/d"},
            },
            {
                "@id": f"http://example.org/{name}/d",
                "@type": "dcat:Distribution",
                "dcat:accessURL": {"@id": f"{base}/{name}.csv"},
                "dcat:downloadURL": {"@id": f"{base}/{name}.csv"},
            },
        ]
    folder.mkdir()
    (folder / "page.json").write_bytes(
        orjson.dumps(
            {
                "@context": {
                    "dcat": "http://www.w3.org/ns/dcat#",
                    "dct": "http://purl.org/dc/terms/",
                },
                "@graph": graph,
            }
        )
    )
    return folder


def test_links_are_checked_cached_and_scored(
    tmp_path: Path, database_url: str, files_server: str
) -> None:
    source = open_source(str(_page(tmp_path / "dump", files_server)), Settings())
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        first = run_chain(source, warehouse, workers=1)
        assert first.score_variant == "without-link-checks"
        stage = refresh_link_cache(warehouse, max_age=timedelta(days=7), delay=0.0)
        assert (stage.checked, stage.ok, stage.failed) == (2, 1, 1)
        # Fresh results are not checked again.
        again = refresh_link_cache(warehouse, max_age=timedelta(days=7), delay=0.0)
        assert again.checked == 0
        second = run_chain(source, warehouse, workers=1, link_status=warehouse.link_codes())
    assert second.score_variant == "full"
    assert sorted(_Handler.hits) == ["/missing.csv", "/ok.csv"]
    with psycopg.connect(database_url) as conn:
        checks = conn.execute(
            "select dataset_id, indicator_id, passed from dcat_quality.dataset_checks"
            " where indicator_id like '%status_code' order by 1, 2"
        ).fetchall()
        cache = conn.execute(
            "select url, status_code from dcat_quality.link_status order by 1"
        ).fetchall()
        maxima = conn.execute(
            "select distinct max_points from dcat_quality.dataset_scores"
        ).fetchall()
    assert checks == [
        ("http://example.org/missing", "mqa.access_url_status_code", False),
        ("http://example.org/missing", "mqa.download_url_status_code", False),
        ("http://example.org/ok", "mqa.access_url_status_code", True),
        ("http://example.org/ok", "mqa.download_url_status_code", True),
    ]
    assert cache == [(f"{files_server}/missing.csv", 404), (f"{files_server}/ok.csv", 200)]
    assert maxima == [(405,)]
