"""DCAT HTTP endpoint source against a local threaded HTTP server (loopback only)."""

from __future__ import annotations

import gzip
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.dcat.parse import parse_page
from dcat_quality.errors import SourceError, TransientSourceError
from dcat_quality.pipeline import run_chain
from dcat_quality.sample import HTML_502, HYDRA, build_page, serialize_page
from dcat_quality.sources import HttpSource, iter_pages, open_source, require_pages
from dcat_quality.sources.http import USER_AGENT
from dcat_quality.sources.hydra import hydra_links
from dcat_quality.warehouse import DatabaseTarget, Warehouse

TOKEN = "tok-Secret-9f8e7d"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class CatalogServer:
    """Routes ``path?query`` to replies; a list of replies is served in turn (last repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                reply = server.reply(self.path, dict(self.headers.items()))
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.base + path

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Seen(path, headers))
            replies = self.routes.get(path)
            if not replies:
                return Reply(404, b"not found")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[CatalogServer]:
    catalog = CatalogServer()
    try:
        yield catalog
    finally:
        catalog.close()


def page_document(
    number: int, *, pages: int, count: int, next_link: str | None, last_link: str | None = None
) -> dict[str, Any]:
    """A realistic CKAN-like page whose Hydra links point wherever the test wants."""
    document, _ = build_page(
        11, number, pages=pages, count=count, total=pages * count, page_size=count
    )
    hydra = document["@graph"][-1]
    assert hydra["@type"] == HYDRA + "PagedCollection"
    hydra.pop(HYDRA + "nextPage", None)
    if next_link is not None:
        hydra[HYDRA + "nextPage"] = next_link
    if last_link is not None:
        hydra[HYDRA + "lastPage"] = last_link
    return document


def jsonld_ok(body: bytes) -> Reply:
    return Reply(200, body, {"Content-Type": "application/ld+json"})


def quick(url: str, **options: Any) -> HttpSource:
    """A source with test-sized backoff."""
    options.setdefault("backoff", 0.01)
    return HttpSource(url, **options)


# ----------------------------------------------------------------------------- paging


def test_three_jsonld_pages_with_absolute_and_relative_links(
    server: CatalogServer, caplog: pytest.LogCaptureFixture
) -> None:
    # ?page=10 sorts before ?page=9: keys must keep harvest order, not alphabetical order
    paths = ["/catalog.jsonld", "/catalog.jsonld?page=9", "/catalog.jsonld?page=10"]
    nexts: list[str | None] = [server.base + paths[1], "catalog.jsonld?page=10", None]
    bodies = []
    for number, (path, link) in enumerate(zip(paths, nexts, strict=True), start=1):
        body = serialize_page(
            page_document(number, pages=3, count=4, next_link=link, last_link=paths[-1]),
            "jsonld",
        )
        bodies.append(body)
        server.route(path, jsonld_ok(body))
    progress: list[int] = []
    with quick(server.base + paths[0], progress=lambda p: progress.append(p.pages)) as source:
        refs = require_pages(source)
        assert [r.key for r in refs] == [server.base + p for p in paths]
        assert [r.size for r in refs] == [len(b) for b in bodies]
        assert list(source.list_pages()) == refs  # listed once, downloaded once
        read = list(iter_pages(source, refs, prefetch=2))
        assert [ref for ref, _ in read] == refs
        assert [data for _, data in read] == bodies
        assert source.total_items == 12
        assert source.last_page == server.base + paths[-1]
        assert source.skipped == ()
        assert source.describe() == f"DCAT endpoint {server.base}/catalog.jsonld"
    assert progress == [1, 2, 3]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [server.hits(p) for p in paths] == [1, 1, 1]
    first = server.requests[0].headers
    assert first["User-Agent"] == USER_AGENT
    assert "dcat-quality" in USER_AGENT
    assert first["Accept"].startswith("application/ld+json")
    assert "gzip" in first["Accept-Encoding"]
    for ref, body in zip(refs, bodies, strict=True):
        assert len(parse_page(body, ref.key).datasets) == 4


def test_turtle_pages_are_followed_and_parse(server: CatalogServer) -> None:
    paths = ["/catalog.ttl", "/catalog.ttl?page=2", "/catalog.ttl?page=3"]
    links: list[str | None] = ["?page=2", server.base + paths[2], None]
    for number, (path, link) in enumerate(zip(paths, links, strict=True), start=1):
        document = page_document(number, pages=3, count=3, next_link=link)
        server.route(
            path, Reply(200, serialize_page(document, "ttl"), {"Content-Type": "text/turtle"})
        )
    with quick(server.base + paths[0]) as source:
        refs = require_pages(source)
        assert [r.key for r in refs] == [server.base + p for p in paths]
        datasets = [len(parse_page(source.read(r), r.key).datasets) for r in refs]
    assert datasets == [3, 3, 3]
    assert server.requests[0].headers["Accept"].startswith("text/turtle")


def test_content_encoding_gzip_is_decoded(server: CatalogServer) -> None:
    body = serialize_page(page_document(1, pages=1, count=2, next_link=None), "jsonld")
    server.route(
        "/catalog",
        Reply(
            200,
            gzip.compress(body),
            {"Content-Encoding": "gzip", "Content-Type": "application/ld+json"},
        ),
    )
    with quick(server.base + "/catalog") as source:
        (ref,) = require_pages(source)
        assert source.read(ref) == body
    accept = server.requests[0].headers["Accept"]
    assert accept.startswith("application/ld+json")
    assert "text/turtle" in accept


def test_a_single_page_without_hydra_is_the_whole_catalog(
    server: CatalogServer, realdata: Path
) -> None:
    body = (realdata / "ckanext-dcat-examples" / "dataset_gob_es.ttl").read_bytes()
    url = server.route("/one.ttl", Reply(200, body))
    with quick(url) as source:
        assert [r.key for r in require_pages(source)] == [url]


# ----------------------------------------------------------------------------- failures


def test_503_twice_then_200_is_retried(server: CatalogServer) -> None:
    body = serialize_page(page_document(1, pages=1, count=2, next_link=None), "jsonld")
    url = server.route(
        "/catalog.jsonld",
        Reply(503, b"busy", {"Retry-After": "0"}),
        Reply(503, b"busy"),
        jsonld_ok(body),
    )
    with quick(url, max_attempts=3) as source:
        (ref,) = require_pages(source)
        assert source.read(ref) == body
    assert server.hits("/catalog.jsonld") == 3


def test_5xx_after_every_attempt_is_transient_and_names_the_url(server: CatalogServer) -> None:
    url = server.route("/catalog.jsonld", Reply(502, b"bad gateway"))
    with quick(url, max_attempts=2) as source, pytest.raises(TransientSourceError) as caught:
        require_pages(source)
    message = str(caught.value)
    assert url in message
    assert "502" in message
    assert "2 attempt" in message
    assert server.hits("/catalog.jsonld") == 2


def test_429_waits_for_retry_after(server: CatalogServer) -> None:
    body = serialize_page(page_document(1, pages=1, count=1, next_link=None), "jsonld")
    url = server.route("/c.jsonld", Reply(429, b"slow down", {"Retry-After": "1"}), jsonld_ok(body))
    started = time.monotonic()
    with quick(url, backoff=0.0) as source:
        require_pages(source)
    assert time.monotonic() - started >= 0.9
    assert server.hits("/c.jsonld") == 2


def test_404_is_a_source_error_naming_the_url(server: CatalogServer) -> None:
    url = server.base + "/nothing-here.jsonld"
    with quick(url) as source, pytest.raises(SourceError) as caught:
        require_pages(source)
    assert not isinstance(caught.value, TransientSourceError)
    assert url in str(caught.value)
    assert "404" in str(caught.value)
    assert server.hits("/nothing-here.jsonld") == 1  # not retried


def test_404_on_a_later_page_names_the_page_linking_to_it(server: CatalogServer) -> None:
    body = serialize_page(page_document(1, pages=2, count=1, next_link="/gone?page=2"), "jsonld")
    first = server.route("/catalog.jsonld", jsonld_ok(body))
    with quick(first) as source, pytest.raises(SourceError) as caught:
        require_pages(source)
    message = str(caught.value)
    assert f"{server.base}/gone?page=2" in message
    assert f"linked from {first}" in message


def test_401_asks_for_credentials_and_never_shows_the_token(server: CatalogServer) -> None:
    url = server.route("/private.jsonld", Reply(401, b"who are you"))
    with quick(url, token=TOKEN) as source, pytest.raises(SourceError) as caught:
        require_pages(source)
    assert "DCAT_QUALITY_HTTP_TOKEN" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_connection_refused_is_transient(server: CatalogServer) -> None:
    url = server.base + "/catalog.jsonld"
    server.close()
    with quick(url, max_attempts=2) as source, pytest.raises(TransientSourceError) as caught:
        require_pages(source)
    assert url in str(caught.value)
    assert "ConnectError" in str(caught.value)


def test_a_paging_loop_stops_with_a_clear_error(server: CatalogServer) -> None:
    one = server.base + "/catalog.jsonld?page=1"
    two = server.base + "/catalog.jsonld?page=2"
    server.route(
        "/catalog.jsonld?page=1",
        jsonld_ok(serialize_page(page_document(1, pages=2, count=1, next_link=two), "jsonld")),
    )
    server.route(
        "/catalog.jsonld?page=2",
        jsonld_ok(serialize_page(page_document(2, pages=2, count=1, next_link=one), "jsonld")),
    )
    with quick(one) as source, pytest.raises(SourceError) as caught:
        require_pages(source)
    message = str(caught.value)
    assert "loop" in message
    assert f"links to {one}" in message
    assert server.hits("/catalog.jsonld?page=1") == 1


def test_max_pages_is_respected(server: CatalogServer) -> None:
    for number in (1, 2, 3):
        link = f"/p?page={number + 1}" if number < 3 else None
        server.route(
            f"/p?page={number}",
            jsonld_ok(
                serialize_page(page_document(number, pages=3, count=1, next_link=link), "jsonld")
            ),
        )
    with (
        quick(server.base + "/p?page=1", max_pages=2) as source,
        pytest.raises(SourceError) as caught,
    ):
        require_pages(source)
    assert "more than 2 pages" in str(caught.value)
    assert "DCAT_QUALITY_HTTP_MAX_PAGES" in str(caught.value)
    assert server.hits("/p?page=3") == 0


def test_a_broken_page_ends_the_harvest_and_is_left_to_the_parser(
    server: CatalogServer, caplog: pytest.LogCaptureFixture
) -> None:
    last = server.base + "/c?page=3"
    server.route(
        "/c?page=1",
        jsonld_ok(
            serialize_page(
                page_document(1, pages=3, count=1, next_link="/c?page=2", last_link=last), "jsonld"
            )
        ),
    )
    server.route("/c?page=2", Reply(200, HTML_502, {"Content-Type": "text/html"}))
    with caplog.at_level(logging.WARNING), quick(server.base + "/c?page=1") as source:
        refs = require_pages(source)
        assert [r.key for r in refs] == [server.base + "/c?page=1", server.base + "/c?page=2"]
        assert source.read(refs[1]) == HTML_502
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"page {server.base}/c?page=2 has no Hydra paging block" in warnings[0]
    assert last in warnings[0]


# ----------------------------------------------------------------------------- lifecycle


def test_spool_is_removed_on_close_and_reads_then_fail(server: CatalogServer) -> None:
    url = server.route(
        "/catalog.jsonld",
        jsonld_ok(serialize_page(page_document(1, pages=1, count=1, next_link=None), "jsonld")),
    )
    source = quick(url)
    (ref,) = require_pages(source)
    spool = source.spool
    assert len(list(spool.iterdir())) == 1
    source.close()
    assert not spool.exists()
    assert source.closed
    source.close()  # idempotent
    with pytest.raises(SourceError, match="closed"):
        source.read(ref)
    with pytest.raises(SourceError, match="closed"):
        list(source.list_pages())


def test_context_exit_removes_the_spool(server: CatalogServer) -> None:
    url = server.route("/x.jsonld", jsonld_ok(b'{"@id": "http://x/c"}'))
    with quick(url) as source:
        require_pages(source)
        spool = source.spool
        assert spool.is_dir()
    assert not spool.exists()


def test_open_source_reads_settings_and_keeps_secrets_out(
    server: CatalogServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in (1, 2):
        link = "/s?page=2" if number == 1 else None
        server.route(
            f"/s?page={number}",
            jsonld_ok(
                serialize_page(page_document(number, pages=2, count=1, next_link=link), "jsonld")
            ),
        )
    monkeypatch.setenv("DCAT_QUALITY_HTTP_TOKEN", TOKEN)
    monkeypatch.setenv("DCAT_QUALITY_HTTP_MAX_PAGES", "1")
    source = open_source(server.base + "/s?page=1", Settings())
    assert isinstance(source, HttpSource)
    with source, pytest.raises(SourceError, match="more than 1 pages"):
        require_pages(source)
    assert TOKEN not in source.describe()
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_basic_auth_in_the_url_is_sent_but_never_shown(server: CatalogServer) -> None:
    body = serialize_page(page_document(1, pages=1, count=1, next_link=None), "jsonld")
    server.route("/c.jsonld", jsonld_ok(body))
    url = server.base.replace("http://", "http://harvester:pa%24%24@") + "/c.jsonld"
    with quick(url) as source:
        (ref,) = require_pages(source)
        assert "pa" not in ref.key.split("//", 1)[1].split("/", 1)[0]
        assert ref.key == server.base + "/c.jsonld"
        assert "harvester" not in source.describe()
    assert server.requests[0].headers["Authorization"].startswith("Basic ")


def test_credentials_are_not_sent_to_another_origin(server: CatalogServer) -> None:
    other = CatalogServer()
    try:
        body = serialize_page(page_document(2, pages=2, count=1, next_link=None), "jsonld")
        other_url = other.route("/elsewhere.jsonld", jsonld_ok(body))
        server.route(
            "/c.jsonld",
            jsonld_ok(
                serialize_page(page_document(1, pages=2, count=1, next_link=other_url), "jsonld")
            ),
        )
        with quick(server.base + "/c.jsonld", token=TOKEN) as source:
            assert len(require_pages(source)) == 2
        assert "Authorization" in server.requests[0].headers
        assert "Authorization" not in other.requests[0].headers
    finally:
        other.close()


# ----------------------------------------------------------------------------- scan


@pytest.mark.parametrize(
    "relative",
    [
        "ecospheres-ckan/test_dcat_exposition.json",
        "zurich-ckan/dcatap-ch_catalog.ttl",
        "norway-svv-ckan/catalog_SVV.ttl",
        "govdata-de/catalog-endpoint.rdf",
    ],
)
def test_scan_agrees_with_the_parser_on_real_pages(realdata: Path, relative: str) -> None:
    data = (realdata / relative).read_bytes()
    parsed = parse_page(data, relative).hydra
    assert parsed is not None
    links = hydra_links(data, "https://catalog.example/" + relative)
    assert (links.next_page, links.total_items, links.last_page) == (
        parsed.next_page,
        parsed.total_items,
        parsed.last_page,
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (  # udata / piveau style: hydra:view with Hydra's own context terms
            b'{"@context": ["http://www.w3.org/ns/hydra/context.jsonld", {"dcat": "x"}],'
            b' "@id": "c", "view": {"@type": "PartialCollectionView", "next": "?page=3"},'
            b' "totalItems": 7}',
            ("https://h.example/dcat/catalog?page=3", 7),
        ),
        (  # a prefix not named hydra
            b'{"@context": {"h": "http://www.w3.org/ns/hydra/core#"}, "@graph": '
            b'[{"@id": "p", "h:next": {"@id": "/cat?page=2"}, "h:totalItems": "12"}]}',
            ("https://h.example/cat?page=2", 12),
        ),
        (
            b"@prefix hy: <http://www.w3.org/ns/hydra/core#> .\n"
            b"<?page=1> a hy:PartialCollectionView ; hy:next <?page=2> ; hy:totalItems 5 .\n",
            ("https://h.example/dcat/catalog?page=2", 5),
        ),
        (
            b"<http://h.example/p> <http://www.w3.org/ns/hydra/core#nextPage> "
            b'"http://h.example/p?page=2" .\n',
            ("http://h.example/p?page=2", None),
        ),
        (
            b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            b' xmlns:hydra="http://www.w3.org/ns/hydra/core#"><hydra:PagedCollection rdf:about="x">'
            b'<hydra:nextPage rdf:resource="cat.rdf?page=2&amp;q=1"/>'
            b'<hydra:totalItems rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">9'
            b"</hydra:totalItems></hydra:PagedCollection></rdf:RDF>",
            ("https://h.example/dcat/cat.rdf?page=2&q=1", 9),
        ),
        (b"<html><body>502</body></html>", (None, None)),
        (b'{"help": "hydra", "truncated": ', (None, None)),
    ],
)
def test_scan_reads_the_usual_hydra_spellings(
    data: bytes, expected: tuple[str | None, int | None]
) -> None:
    links = hydra_links(data, "https://h.example/dcat/catalog?page=1")
    assert (links.next_page, links.total_items) == expected


# ----------------------------------------------------------------------------- chain


def _scalar(url: str, query: str) -> Any:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return row[0]


def test_run_chain_from_an_http_endpoint(server: CatalogServer, database_url: str) -> None:
    count = 15
    paths = [f"/dcat/catalog.jsonld?page={n}" for n in (1, 2, 3, 4)]
    for number, path in enumerate(paths[:3], start=1):
        document = page_document(
            number, pages=4, count=count, next_link=paths[number], last_link=paths[3]
        )
        server.route(path, jsonld_ok(serialize_page(document, "jsonld")))
    server.route(paths[3], Reply(200, HTML_502, {"Content-Type": "text/html"}))
    source = open_source(server.base + paths[0], Settings())
    with source, Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        assert isinstance(source, HttpSource)
        result = run_chain(source, warehouse, workers=2)
    counts = result.counts
    assert (counts.pages_read, counts.pages_rejected) == (4, 1)
    assert counts.datasets_read == counts.datasets_loaded == 3 * count
    assert result.source == f"DCAT endpoint {server.base}{paths[0]}"
    assert [server.hits(p) for p in paths] == [1, 1, 1, 1]
    assert _scalar(database_url, "select count(*) from dcat_quality.datasets") == 3 * count
    assert _scalar(database_url, "select file from dcat_quality.rejections") == (
        server.base + paths[3]
    )
    assert "HTML" in _scalar(database_url, "select reason from dcat_quality.rejections")
    assert not source.spool.exists()


def test_open_source_takes_web_addresses_without_fetching_yet() -> None:
    source = open_source("https://example.org/catalog.jsonld", Settings())
    assert isinstance(source, HttpSource)
    with source:
        assert source.describe() == "DCAT endpoint https://example.org/catalog.jsonld"
        assert source.max_pages == 100_000
