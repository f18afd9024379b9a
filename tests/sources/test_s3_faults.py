"""S3 faults through the whole read: a local proxy in front of moto's server.

The proxy (a thread on loopback) forwards every request to moto, except the first N
requests for a chosen path, which get a fault: a 503 ``ServiceUnavailable``, a 503
``SlowDown`` (throttling), no answer until the client's read timeout makes it give up, or
a body cut short. ``read()`` and ``list_pages()`` must succeed once the fault clears
within the bounded attempts, and fail with a ``TransientSourceError`` naming the endpoint,
the bucket and the key (never a secret) when it persists.

Timing on a loaded machine: a delayed answer is held until the client closes the
connection (its read timeout fired), never for a fixed time the timeout might outlast;
and a test that needs the forwarded answer to arrive uses ``READ_TIMEOUT``, far above
moto's answer time, while a test where every answer is a fault uses ``FAULT_TIMEOUT``,
low, since it waits for each timeout.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import TransientSourceError
from dcat_quality.sources import PageRef, open_source
from dcat_quality.sources.s3 import S3Source, s3_client

pytestmark = pytest.mark.slow  # faults wait for timeouts

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS = "fault-access-AKIA9876"
SECRET = "fault-secret-Qw7/abc+99"
TOKEN = "fault-session-token-SECRET-555"
PREFIX = "DUMP_INTEGRATION_JSON"
BODY = b'{"@graph": [{"@id": "https://example.org/d/1", "title": "D\xc3\xa9j\xc3\xa0"}]}'

_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
    "<Message>{message}</Message><RequestId>fault</RequestId></Error>"
)
FAULTS = ("unavailable", "slowdown", "delay", "truncated")
#: The read timeout when the read must get moto's answer through the proxy: moto answers
#: in milliseconds, so only a machine stalled for seconds could miss it.
READ_TIMEOUT = 3.0
#: The read timeout when every answer is a fault: nothing real has to arrive in time.
FAULT_TIMEOUT = 1.0
#: The longest a delayed answer is held if the client never gives up: far beyond either.
HOLD_LIMIT = 60.0


class FaultProxy:
    """Forwards to ``upstream``; the first ``count`` requests whose decoded path is
    ``path`` (and whose query holds ``query``, when given) get ``fault`` instead."""

    def __init__(self, upstream: str, *, hold_limit: float = HOLD_LIMIT) -> None:
        self.upstream = urlsplit(upstream)
        self.hold_limit = hold_limit
        self.path = ""
        self.query: str | None = None
        self.fault = ""
        self.count = 0
        self.hits: Counter[str] = Counter()
        self.faults_served = 0
        self.given_up = 0  # delayed answers the client stopped waiting for
        self._lock = threading.Condition()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def _handle(self) -> None:
                proxy.handle(self)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # a client that gave up (read timeout) breaks the pipe: expected, not worth a trace
        self.server.handle_error = lambda *_: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def inject(self, fault: str, path: str, count: int, query: str | None = None) -> None:
        with self._lock:
            self.fault, self.path, self.count, self.query = fault, path, count, query
            self.hits.clear()
            self.faults_served = 0
            self.given_up = 0

    def _take_fault(self, handler: BaseHTTPRequestHandler) -> str | None:
        parts = urlsplit(handler.path)
        if unquote(parts.path) != self.path or (self.query and self.query not in parts.query):
            return None
        with self._lock:
            self.hits[self.path] += 1
            if self.faults_served >= self.count:
                return None
            self.faults_served += 1
            return self.fault

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        fault = self._take_fault(handler)
        if fault in ("unavailable", "slowdown"):
            code, message = (
                ("SlowDown", "Please reduce your request rate.")
                if fault == "slowdown"
                else ("ServiceUnavailable", "The service is unavailable.")
            )
            payload = _ERROR.format(code=code, message=message).encode()
            handler.send_response(503)
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        if fault == "delay":
            self._hold(handler)
            return
        status, headers, data = self._forward(handler, body)
        handler.send_response(status)
        for name, value in headers:
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        if fault == "truncated":
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data[: len(data) // 2] if fault == "truncated" else data)
        if fault == "truncated":
            handler.wfile.flush()

    def _hold(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer nothing until the client gives up: its read timeout closes the
        connection, which makes the socket readable (end of file)."""
        readable, _, _ = select.select([handler.connection], [], [], self.hold_limit)
        if readable and not handler.connection.recv(1, socket.MSG_PEEK):
            with self._lock:
                self.given_up += 1
                self._lock.notify_all()
        handler.close_connection = True

    def wait_given_up(self, count: int) -> bool:
        """Whether the client gave up on ``count`` delayed answers (their handlers see
        the closed connection a moment after the client has moved on)."""
        with self._lock:
            return self._lock.wait_for(lambda: self.given_up >= count, self.hold_limit)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30
        )
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "connection"}
            conn.request(handler.command, handler.path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def upstream(s3_server: str) -> S3Client:
    return s3_client(endpoint_url=s3_server, access_key=ACCESS, secret_key=SECRET)


@pytest.fixture
def bucket(upstream: S3Client) -> str:
    name = f"faults-{uuid.uuid4().hex[:10]}"
    upstream.create_bucket(Bucket=name)
    upstream.put_object(Bucket=name, Key=f"{PREFIX}/page été 1.json", Body=BODY)
    return name


@pytest.fixture
def proxy(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server) as running:
        monkeypatch.setenv("S3_ENDPOINT_URL", running.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
        yield running


def _source(bucket: str, read_timeout: float) -> S3Source:
    source = open_source(
        f"s3://{bucket}/{PREFIX}/", Settings(), max_attempts=3, read_timeout=read_timeout
    )
    assert isinstance(source, S3Source)
    return source


def _page(bucket: str) -> PageRef:
    """The bucket's one page, listed before any fault (its answers must arrive)."""
    [ref] = list(_source(bucket, READ_TIMEOUT).list_pages())
    return ref


@pytest.mark.parametrize("fault", FAULTS)
def test_read_succeeds_after_transient_faults(fault: str, proxy: FaultProxy, bucket: str) -> None:
    source = _source(bucket, READ_TIMEOUT)
    [ref] = list(source.list_pages())
    proxy.inject(fault, f"/{bucket}/{PREFIX}/page été 1.json", count=2)
    assert source.read(ref) == BODY
    assert proxy.faults_served == 2
    assert proxy.hits[proxy.path] == 3  # two faults, then the forwarded answer
    if fault == "delay":  # each delayed attempt ended by the client's read timeout
        assert proxy.wait_given_up(2)


@pytest.mark.parametrize("fault", FAULTS)
def test_persistent_fault_is_transient_and_clear(
    fault: str, proxy: FaultProxy, bucket: str
) -> None:
    ref = _page(bucket)
    source = _source(bucket, FAULT_TIMEOUT)
    proxy.inject(fault, f"/{bucket}/{PREFIX}/page été 1.json", count=1000)
    with pytest.raises(TransientSourceError) as info:
        source.read(ref)
    # exactly max_attempts requests, whether botocore or our body-read loop retries
    assert proxy.hits[proxy.path] == 3
    message = str(info.value)
    assert proxy.url in message
    assert f"s3://{bucket}/{PREFIX}/page été 1.json" in message
    assert "3 attempt(s)" in message
    rendered = "".join(traceback.format_exception(info.value)) + repr(source) + message
    for secret in (SECRET, TOKEN, ACCESS):
        assert secret not in rendered


@pytest.mark.parametrize("fault", ["unavailable", "delay"])
def test_requests_are_bounded_by_max_attempts(fault: str, proxy: FaultProxy, bucket: str) -> None:
    ref = _page(bucket)
    source = _source(bucket, FAULT_TIMEOUT)
    proxy.inject(fault, f"/{bucket}/{PREFIX}/page été 1.json", count=1000)
    with pytest.raises(TransientSourceError):
        source.read(ref)
    assert proxy.hits[proxy.path] == 3


@pytest.mark.parametrize("fault", ["unavailable", "slowdown", "delay"])
def test_listing_succeeds_after_transient_faults(
    fault: str, proxy: FaultProxy, bucket: str
) -> None:
    source = _source(bucket, READ_TIMEOUT)
    proxy.inject(fault, f"/{bucket}", count=2, query="list-type=2")
    refs = list(source.list_pages())
    assert [r.key for r in refs] == [f"s3://{bucket}/{PREFIX}/page été 1.json"]
    assert proxy.faults_served == 2
    assert source.read(refs[0]) == BODY
    if fault == "delay":
        assert proxy.wait_given_up(2)


def test_persistent_listing_fault_is_transient(proxy: FaultProxy, bucket: str) -> None:
    source = _source(bucket, FAULT_TIMEOUT)
    proxy.inject("slowdown", f"/{bucket}", count=1000, query="list-type=2")
    with pytest.raises(TransientSourceError, match=r"SlowDown after 3 attempt") as info:
        list(source.list_pages())
    assert proxy.url in str(info.value)
    assert f"s3://{bucket}/{PREFIX}/" in str(info.value)
    assert SECRET not in str(info.value)
