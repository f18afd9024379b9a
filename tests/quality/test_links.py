"""Link checks against local HTTP servers on loopback (no other network).

Each server records every request (method, path, arrival time, headers) and the requests
in flight, per server and across all servers of a test, so politeness can be asserted.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dcat_quality.quality import links
from dcat_quality.quality.links import (
    DEFAULT_USER_AGENT,
    UNREACHABLE,
    LinkResult,
    check_links,
    check_links_sync,
    host_key,
    is_ogc_service,
    needs_recheck,
)

BIG_BODY = 64 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass
class Hit:
    server: str
    method: str
    path: str
    at: float
    user_agent: str | None


@dataclass
class Recorder:
    """What the servers of one test saw; shared by all of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    hits: list[Hit] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    total_in_flight: int = 0
    max_total_in_flight: int = 0
    body_sent: int = 0
    body_aborted: bool = False
    body_done: threading.Event = field(default_factory=threading.Event)

    def enter(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)
            count = self.in_flight[hit.server] = self.in_flight.get(hit.server, 0) + 1
            self.max_in_flight[hit.server] = max(self.max_in_flight.get(hit.server, 0), count)
            self.total_in_flight += 1
            self.max_total_in_flight = max(self.max_total_in_flight, self.total_in_flight)

    def leave(self, server: str) -> None:
        with self.lock:
            self.in_flight[server] -= 1
            self.total_in_flight -= 1

    def seen(self, path: str) -> list[str]:
        """Methods that reached ``path`` (query included), in arrival order."""
        with self.lock:
            return [hit.method for hit in self.hits if hit.path == path]


class Handler(BaseHTTPRequestHandler):
    """Routes by path; counts itself out of "in flight" before answering."""

    server: TestServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, method: str) -> None:
        recorder, name = self.server.recorder, self.server.name
        recorder.enter(
            Hit(name, method, self.path, time.monotonic(), self.headers.get("User-Agent"))
        )
        left = False

        def leave() -> None:
            nonlocal left
            if not left:
                left = True
                recorder.leave(name)

        try:
            self._route(method, urlsplit(self.path).path, leave)
        except OSError:  # the client went away (timeouts, streamed GET closed early)
            pass
        finally:
            leave()

    def _route(self, method: str, path: str, leave: Callable[[], None]) -> None:
        stop = self.server.recorder.stop
        if path == "/ok":
            leave()
            self._answer(200)
        elif path == "/missing":
            leave()
            self._answer(404)
        elif path == "/redirect":
            leave()
            self._answer(302, location="/ok")
        elif path.startswith("/hop/"):
            left_hops = int(path.rsplit("/", 1)[1])
            leave()
            if left_hops:
                self._answer(301, location=f"{self.server.base}/hop/{left_hops - 1}")
            else:
                self._answer(200)
        elif path == "/loop/a":
            leave()
            self._answer(302, location="/loop/b")
        elif path == "/loop/b":
            leave()
            self._answer(307, location="/loop/a")
        elif path == "/to-ftp":
            leave()
            self._answer(301, location="ftp://example.org/file")
        elif path == "/slow":
            stop.wait(5.0)
            leave()
            self._answer(200)
        elif path == "/work":  # busy for ?ms= milliseconds
            stop.wait(int(parse_qs(urlsplit(self.path).query).get("ms", ["300"])[0]) / 1000)
            leave()
            self._answer(200)
        elif path in ("/no-head", "/signed"):
            leave()
            refused = 405 if path == "/no-head" else 403
            self._answer(refused if method == "HEAD" else 200)
        elif path == "/drop-head":
            leave()
            if method == "HEAD":
                self.close_connection = True  # no response at all
            else:
                self._answer(200)
        elif path == "/geoserver/ows":
            leave()
            if method == "HEAD":
                self._answer(400)
            else:
                self._stream_big_body()
        else:
            leave()
            self._answer(500)

    def _answer(self, status: int, *, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream_big_body(self) -> None:
        recorder = self.server.recorder
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(BIG_BODY))
            self.end_headers()
            chunk = b"x" * CHUNK
            while recorder.body_sent < BIG_BODY and not recorder.stop.is_set():
                self.wfile.write(chunk)
                recorder.body_sent += CHUNK
        except OSError:
            recorder.body_aborted = True
        finally:
            recorder.body_done.set()


class TestServer(ThreadingHTTPServer):
    """A loopback server whose request threads are joined on close."""

    __test__ = False
    daemon_threads = False
    block_on_close = True

    def __init__(self, name: str, recorder: Recorder) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.name = name
        self.recorder = recorder
        self.base = f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up early is what several tests do on purpose


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_server(recorder: Recorder) -> Iterator[Callable[[str], str]]:
    """Start named loopback servers on free ports; returns their base URLs."""
    started: list[tuple[TestServer, threading.Thread]] = []

    def start(name: str) -> str:
        server = TestServer(name, recorder)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        started.append((server, thread))
        return server.base

    yield start
    recorder.stop.set()
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def base(make_server: Callable[[str], str]) -> str:
    return make_server("a")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def check_one(url: str, **options: float) -> LinkResult:
    options.setdefault("delay", 0.0)
    results = check_links_sync([url], **options)  # type: ignore[arg-type]
    assert len(results) == 1
    return results[0]


# --- outcomes of one check -------------------------------------------------------------


def test_2xx_is_ok_with_head_only(base: str, recorder: Recorder) -> None:
    result = check_one(f"{base}/ok")
    assert (result.status_code, result.method, result.error, result.ok) == (200, "HEAD", None, True)
    assert result.final_url == f"{base}/ok"
    assert result.code() == 200
    assert result.checked_at.tzinfo is UTC
    assert 0 < result.elapsed_s < 2
    assert recorder.seen("/ok") == ["HEAD"]
    assert recorder.hits[0].user_agent == DEFAULT_USER_AGENT


def test_404_is_measured_and_not_retried_with_get(base: str, recorder: Recorder) -> None:
    result = check_one(f"{base}/missing")
    assert (result.status_code, result.method, result.ok) == (404, "HEAD", False)
    assert result.code() == 404
    assert recorder.seen("/missing") == ["HEAD"]


def test_redirect_is_followed_to_the_final_url(base: str) -> None:
    result = check_one(f"{base}/redirect")
    assert (result.status_code, result.final_url, result.redirects) == (200, f"{base}/ok", 1)
    assert result.ok


def test_redirect_loop_is_detected(base: str, recorder: Recorder) -> None:
    result = check_one(f"{base}/loop/a", max_redirects=10)
    assert (result.error, result.status_code, result.ok) == ("redirect_loop", None, False)
    assert result.code() == UNREACHABLE
    assert recorder.seen("/loop/a") == ["HEAD"]  # stopped at the first repeat
    assert recorder.seen("/loop/b") == ["HEAD"]


def test_redirects_beyond_the_limit_fail(base: str) -> None:
    assert check_one(f"{base}/hop/3", max_redirects=3).status_code == 200
    result = check_one(f"{base}/hop/4", max_redirects=3)
    assert (result.error, result.redirects, result.final_url) == (
        "too_many_redirects",
        3,
        f"{base}/hop/1",
    )


def test_redirect_to_another_scheme_is_invalid(base: str) -> None:
    result = check_one(f"{base}/to-ftp")
    assert (result.error, result.code()) == ("invalid_redirect", UNREACHABLE)


def test_slow_server_times_out(base: str) -> None:
    started = time.monotonic()
    result = check_one(f"{base}/slow", timeout=0.3)
    assert time.monotonic() - started < 2
    assert (result.error, result.status_code, result.method) == ("timeout", None, "HEAD")
    assert result.code() == UNREACHABLE
    assert result.code(unreachable=999) == 999  # the pseudo-code is the caller's choice


@pytest.mark.parametrize(("path", "refused"), [("/no-head", "405"), ("/signed", "403")])
def test_head_refused_falls_back_to_get(
    base: str, recorder: Recorder, path: str, refused: str
) -> None:
    result = check_one(f"{base}{path}")
    assert (result.status_code, result.method, result.ok) == (200, "GET", True)
    assert recorder.seen(path) == ["HEAD", "GET"], refused


def test_connection_dropped_on_head_falls_back_to_get(base: str, recorder: Recorder) -> None:
    result = check_one(f"{base}/drop-head")
    assert (result.status_code, result.method) == (200, "GET")
    assert recorder.seen("/drop-head") == ["HEAD", "GET"]


def test_ogc_service_is_checked_with_get_without_downloading_the_body(
    base: str, recorder: Recorder
) -> None:
    path = "/geoserver/ows?SERVICE=WMS&REQUEST=GetCapabilities"
    result = check_one(f"{base}{path}")
    assert (result.status_code, result.method, result.ok) == (200, "GET", True)
    assert recorder.seen(path) == ["GET"]  # no HEAD first
    assert recorder.body_done.wait(10)
    assert recorder.body_aborted  # the client hung up after the headers
    assert recorder.body_sent < BIG_BODY


def test_connection_refused(closed_port: int) -> None:
    result = check_one(f"http://127.0.0.1:{closed_port}/x")
    assert (result.error, result.status_code, result.method) == ("connection_refused", None, "HEAD")
    assert result.checkable
    assert result.code() == UNREACHABLE


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/file.zip", "unsupported_scheme"),
        ("mailto:someone@example.org", "unsupported_scheme"),
        ("/relative/path.csv", "invalid_url"),
        ("", "invalid_url"),
        ("http://", "invalid_url"),
        ("http://[::1", "invalid_url"),
        ("http://exa mple.org/", "invalid_url"),
        ("http://example.org:99999/", "invalid_url"),
    ],
)
def test_not_checkable_urls_make_no_request(url: str, error: str) -> None:
    result = check_one(url)
    assert (result.error, result.method, result.status_code) == (error, None, None)
    assert not result.checkable
    assert result.code() is None  # not measured, unlike an unreachable host
    assert result.detail


# --- batches ---------------------------------------------------------------------------


def test_each_distinct_url_is_checked_once(base: str, recorder: Recorder) -> None:
    urls = [f"{base}/ok", f"{base}/missing", f"{base}/ok", "ftp://x/y", f"{base}/ok", "ftp://x/y"]
    results = check_links_sync(urls, delay=0.0)
    assert sorted(result.url for result in results) == sorted(set(urls))
    assert recorder.seen("/ok") == ["HEAD"]


def test_results_stream_as_they_complete_and_closing_cancels(base: str) -> None:
    async def run() -> tuple[list[tuple[str, float]], float]:
        started = time.monotonic()
        seen: list[tuple[str, float]] = []
        async with aclosing(
            check_links([f"{base}/slow", f"{base}/ok"], delay=0.0, timeout=4.0)
        ) as results:
            async for result in results:
                seen.append((result.url, time.monotonic() - started))
                break
        return seen, time.monotonic() - started

    seen, total = asyncio.run(run())
    assert seen[0][0] == f"{base}/ok"
    assert seen[0][1] < 1.0
    assert total < 2.0  # the slow check was cancelled, not awaited


def test_per_host_limits_delay_and_parallel_hosts(
    make_server: Callable[[str], str], recorder: Recorder
) -> None:
    """Each host: ≤ per_host in flight, starts ≥ delay apart; the two hosts overlap.

    Requests last 0.4 s and start 0.15 s apart, so without the slot limit a third one
    would start while two are busy, and without the delay the first two start together.
    """
    bases = {"a": make_server("a"), "b": make_server("b")}
    per_host, delay, tolerance = 2, 0.15, 0.04
    urls = [f"{bases[name]}/work?ms=400&n={n}" for n in range(4) for name in bases]
    # The first request of a process imports httpx's transport (anyio, h11: about 70
    # modules) after its turn was taken: on a slow machine it reached the server over
    # 0.1 s late, and the servers saw the first two starts 3 ms apart. Warm up first.
    check_links_sync([f"{make_server('warm-up')}/ok"], delay=0.0)
    started = time.monotonic()
    results = check_links_sync(urls, per_host=per_host, delay=delay, timeout=5.0)
    elapsed = time.monotonic() - started

    assert len(results) == 8
    assert all(result.ok for result in results)
    for name in bases:
        assert recorder.max_in_flight[name] == per_host  # respected, and used
        starts = sorted(hit.at for hit in recorder.hits if hit.server == name)
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        assert min(gaps) >= delay - tolerance, gaps
    assert recorder.max_total_in_flight > per_host  # hosts ran in parallel
    # one host takes ~0.95 s (starts at 0, 0.15, 0.4, 0.55); both in sequence ≥ 1.9 s
    assert elapsed < 1.5


def test_total_concurrency_caps_all_hosts(
    make_server: Callable[[str], str], recorder: Recorder
) -> None:
    bases = [make_server("a"), make_server("b")]
    urls = [f"{base}/work?ms=200&n={n}" for base in bases for n in range(2)]
    results = check_links_sync(urls, per_host=2, delay=0.0, total_concurrency=1)
    assert all(result.ok for result in results)
    assert recorder.max_total_in_flight == 1


def test_redirect_hops_are_paced_per_host(
    base: str, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three requests of a two-hop chain start ``delay`` apart on the checker's own
    clock (the start it records for the host, the one it waits on), and each reaches the
    server only after its start. Times taken where the requests arrive would not do: on
    a loaded machine one request's arrival can lag more than the next one's."""
    delay = 0.15
    starts: list[float] = []
    wait_turn = links._Checker._wait_turn

    async def recording(checker: links._Checker, host: links._Host, *, record: bool) -> None:
        await wait_turn(checker, host, record=record)
        if record:
            assert host.last_start is not None
            starts.append(host.last_start)

    monkeypatch.setattr(links._Checker, "_wait_turn", recording)
    check_one(f"{base}/hop/2", delay=delay)
    arrivals = [hit.at for hit in recorder.hits]
    assert len(starts) == len(arrivals) == 3
    # asyncio may wake a timer up to its clock resolution early (1 ns here): 1 ms of slack
    assert all(later - earlier >= delay - 1e-3 for earlier, later in itertools.pairwise(starts))
    assert all(start < arrival for start, arrival in zip(starts, arrivals, strict=True))


@pytest.mark.parametrize(
    "options",
    [
        {"per_host": 0},
        {"total_concurrency": 0},
        {"delay": -1},
        {"timeout": 0},
        {"max_redirects": -1},
    ],
)
def test_invalid_options_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        check_links_sync(["http://127.0.0.1:9/"], **options)  # type: ignore[arg-type]


# --- pure helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.fr/geoserver/ows?service=WMS&request=GetCapabilities", True),
        ("https://x.fr/anything?SERVICE=wfs&REQUEST=GetFeature", True),
        ("https://x.fr/cgi?Service=WMTS", True),
        ("https://ogc.geo-ide.developpement-durable.gouv.fr/wxs?map=/a.map", True),
        ("http://geodienste.hamburg.de/HH_WFS_Grundwasserschutz", True),
        ("http://www.geoportal.rlp.de/mapbender/php/wms.php?layer_id=1", True),
        ("https://data.geopf.fr/wms-r/wms", True),
        ("https://x.fr/csw?service=CSW&request=GetRecords", True),
        ("https://x.fr/data.csv", False),
        ("https://x.fr/shows/list", False),
        ("https://x.fr/api?service=csv", False),
        ("https://x.fr/download?file=wms.zip", False),
    ],
)
def test_is_ogc_service(url: str, expected: bool) -> None:
    assert is_ogc_service(url) is expected


def test_host_key_is_host_and_effective_port() -> None:
    assert host_key(httpx.URL("http://Example.org/a")) == "example.org:80"
    assert host_key(httpx.URL("http://example.org:80/b")) == "example.org:80"
    assert host_key(httpx.URL("https://example.org/")) == "example.org:443"
    assert host_key(httpx.URL("http://127.0.0.1:8001/")) != host_key(
        httpx.URL("http://127.0.0.1:8002/")
    )


def test_needs_recheck() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    week = timedelta(days=7)
    assert needs_recheck(None, week, now)
    assert not needs_recheck(now - timedelta(days=6), week, now)
    assert needs_recheck(now - week, week, now)
    assert not needs_recheck(datetime.now(UTC), week)
    with pytest.raises(ValueError, match="timezone-aware"):
        needs_recheck(datetime(2025, 1, 1), week, now)
