"""Link checks for ``dcat:accessURL`` / ``dcat:downloadURL`` (MQA accessibility indicators).

The MQA measures each URL's HTTP status: HEAD, GET for OGC services (which reject HEAD),
points on 2xx, and a pseudo-code (``1100``) when the host cannot be reached. This module
measures; scoring and caching live elsewhere.

Rules (each one a decision, documented once here):

- **Method.** HEAD first. GET directly for OGC web services (``service=WMS|WFS|WMTS|WCS``
  or ``CSW|WPS`` in the query, or a ``wms``/``wfs``/``wmts``/``wcs``/``wxs``/``ows`` token
  in the path, case-insensitive). GET again when HEAD is refused: statuses 400, 403, 405
  and 501 (servers and signed object-store URLs answer these to HEAD only), or a server
  that drops the connection on HEAD; that GET starts again from the original URL. A GET is
  streamed and closed after the headers: no body is downloaded. Other 4xx (404, 410…) are
  believed as they are: retrying them would double the requests on broken links.
- **Redirects** are followed by hand (each hop is paced and limited like any request) up
  to ``max_redirects``; a URL seen twice in one chain is a ``redirect_loop``, and neither
  a loop nor too many redirects has a status (they measure as unreachable).
- **Host** means ``host:port`` (default ports made explicit, host lower-cased): that is
  what a connection reaches, so two servers on one machine are two hosts.
- **Politeness.** At most ``per_host`` requests in flight per host, at least ``delay``
  seconds between the starts of two requests to one host, at most ``total_concurrency``
  requests in flight overall. Each request has its own ``timeout`` (whole exchange up to
  the headers).
- **Once per URL.** A batch checks each distinct URL string once; results come in
  completion order.
- **Not checkable** URLs (relative, ``ftp:``, ``mailto:``, malformed) get a result with
  an error and no request. Their :meth:`LinkResult.code` is ``None`` (not measured), while
  a failed request measures :data:`UNREACHABLE` (the MQA pseudo-code).
- **Stateless.** No cookies are kept, so one check cannot change another's answer.

The batch's URLs are held in memory (the dedupe set needs them anyway): a catalog's
distinct URLs, not its records.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import logging
import re
import socket
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx

from dcat_quality._version import __version__

__all__ = [
    "DEFAULT_USER_AGENT",
    "HEAD_REFUSED_STATUSES",
    "UNREACHABLE",
    "LinkResult",
    "check_links",
    "check_links_sync",
    "host_key",
    "is_ogc_service",
    "needs_recheck",
]

logger = logging.getLogger(__name__)

#: Pseudo-status for a URL whose request failed (the MQA public API's value).
UNREACHABLE = 1100

#: HEAD answers that mean "this server does not do HEAD here": retried with GET.
HEAD_REFUSED_STATUSES = frozenset({400, 403, 405, 501})

DEFAULT_USER_AGENT = f"dcat-quality/{__version__} (metadata link checker)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_OGC_SERVICES = frozenset({"wms", "wfs", "wmts", "wcs", "csw", "wps"})
_OGC_PATH_TOKENS = frozenset({"wms", "wfs", "wmts", "wcs", "wxs", "ows"})
_PATH_TOKEN = re.compile(r"[a-z0-9]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}

Method = Literal["HEAD", "GET"]

#: Error codes a :class:`LinkResult` can carry.
ErrorCode = Literal[
    "invalid_url",  # not checkable: malformed or relative
    "unsupported_scheme",  # not checkable: ftp:, mailto:, …
    "timeout",
    "connection_refused",
    "dns_error",
    "tls_error",
    "connect_error",  # other connection failures (unreachable network, …)
    "network_error",  # read/write failures after connecting
    "protocol_error",  # the server spoke broken HTTP
    "redirect_loop",
    "too_many_redirects",
    "invalid_redirect",  # a Location that cannot be followed
]

_NOT_CHECKABLE: frozenset[str] = frozenset({"invalid_url", "unsupported_scheme"})


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The outcome of checking one URL: a status or an error, never both.

    ``final_url`` is the last URL requested (the redirect target, or where a loop or a
    failure happened); ``elapsed_s`` sums the request times, politeness waits excluded;
    ``checked_at`` is when the check started.
    """

    url: str
    status_code: int | None
    final_url: str | None
    method: Method | None
    error: ErrorCode | None
    detail: str | None
    elapsed_s: float
    checked_at: datetime
    redirects: int = 0

    @property
    def checkable(self) -> bool:
        """False when no request could be made (relative, non-HTTP or malformed URL)."""
        return self.error not in _NOT_CHECKABLE

    @property
    def ok(self) -> bool:
        """The MQA rule: points on 2xx only."""
        return self.status_code is not None and 200 <= self.status_code < 300

    def code(self, unreachable: int = UNREACHABLE) -> int | None:
        """The MQA measurement: the status, the pseudo-code if the request failed, or None."""
        if self.status_code is not None:
            return self.status_code
        return unreachable if self.checkable else None


def host_key(url: httpx.URL) -> str:
    """``host:port`` with the scheme's default port made explicit: what politeness counts."""
    port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 0)
    return f"{url.host.lower()}:{port}"


def is_ogc_service(url: str | httpx.URL) -> bool:
    """True for OGC web-service URLs, which are checked with GET (they reject HEAD)."""
    parsed = httpx.URL(url) if isinstance(url, str) else url
    for key, value in parsed.params.multi_items():
        if key.lower() == "service" and value.strip().lower() in _OGC_SERVICES:
            return True
    tokens = _PATH_TOKEN.findall(parsed.path.lower())
    return any(token in _OGC_PATH_TOKENS for token in tokens)


def needs_recheck(
    result_checked_at: datetime | None, max_age: timedelta, now: datetime | None = None
) -> bool:
    """True when a cached result is missing or at least ``max_age`` old (aware datetimes)."""
    if result_checked_at is None:
        return True
    current = datetime.now(UTC) if now is None else now
    if result_checked_at.tzinfo is None or current.tzinfo is None:
        raise ValueError("needs_recheck compares timezone-aware datetimes only")
    return current - result_checked_at >= max_age


def check_links_sync(
    urls: Iterable[str],
    *,
    per_host: int = 2,
    delay: float = 0.5,
    timeout: float = 10.0,
    max_redirects: int = 5,
    total_concurrency: int = 32,
    user_agent: str = DEFAULT_USER_AGENT,
    verify: bool | ssl.SSLContext = True,
) -> list[LinkResult]:
    """Run :func:`check_links` to completion (not from inside a running event loop)."""

    async def collect() -> list[LinkResult]:
        results = check_links(
            urls,
            per_host=per_host,
            delay=delay,
            timeout=timeout,
            max_redirects=max_redirects,
            total_concurrency=total_concurrency,
            user_agent=user_agent,
            verify=verify,
        )
        return [result async for result in results]

    return asyncio.run(collect())


async def check_links(
    urls: Iterable[str],
    *,
    per_host: int = 2,
    delay: float = 0.5,
    timeout: float = 10.0,
    max_redirects: int = 5,
    total_concurrency: int = 32,
    user_agent: str = DEFAULT_USER_AGENT,
    verify: bool | ssl.SSLContext = True,
) -> AsyncIterator[LinkResult]:
    """Check each distinct URL once and yield results as they complete.

    Args:
        urls: URLs to check; duplicates are checked once and reported once.
        per_host: most requests in flight at once to one ``host:port``.
        delay: least seconds between the starts of two requests to one ``host:port``.
        timeout: seconds allowed for one request, up to the response headers.
        max_redirects: redirects followed before giving up (``too_many_redirects``).
        total_concurrency: most requests in flight overall.
        user_agent: the User-Agent header, so operators can identify the checker.
        verify: TLS verification, as httpx takes it.

    Closing the iterator early cancels the checks still running.
    """
    if per_host < 1 or total_concurrency < 1:
        raise ValueError("per_host and total_concurrency must be at least 1")
    if delay < 0 or timeout <= 0 or max_redirects < 0:
        raise ValueError("delay and max_redirects must be >= 0 and timeout > 0")

    queues: dict[str, deque[tuple[str, httpx.URL]]] = {}
    seen: set[str] = set()
    for url in urls:
        if url in seen:
            continue
        seen.add(url)
        target = _target(url)
        if isinstance(target, LinkResult):
            yield target
        else:
            queues.setdefault(host_key(target), deque()).append((url, target))
    total = sum(len(queue) for queue in queues.values())
    if not total:
        return

    # The semaphores are the only bound: an httpx pool limit would add pool timeouts.
    cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(
        headers={"User-Agent": user_agent, "Accept": "*/*"},
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
        follow_redirects=False,
        cookies=cookies,
        verify=verify,
    ) as client:
        checker = _Checker(client, per_host, delay, timeout, max_redirects, total_concurrency)
        done: asyncio.Queue[LinkResult | BaseException] = asyncio.Queue()

        async def work(queue: deque[tuple[str, httpx.URL]]) -> None:
            while queue:
                url, target = queue.popleft()
                try:
                    done.put_nowait(await checker.check(url, target))
                except Exception as exc:  # a bug, not a link failure: hand it to the reader
                    done.put_nowait(exc)

        workers = [
            asyncio.create_task(work(queue))
            for queue in queues.values()
            for _ in range(min(per_host, len(queue)))
        ]
        try:
            for _ in range(total):
                item = await done.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


def _target(url: str) -> httpx.URL | LinkResult:
    """The URL to request, or a not-checkable result when no request makes sense."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        return _unchecked(url, "invalid_url", str(exc))
    if parsed.scheme and parsed.scheme not in _DEFAULT_PORTS:
        return _unchecked(url, "unsupported_scheme", f"scheme {parsed.scheme!r} is not HTTP(S)")
    problem = _url_problem(parsed)
    if problem:
        return _unchecked(url, "invalid_url", problem)
    return parsed.copy_with(fragment=None)


def _url_problem(url: httpx.URL) -> str | None:
    if url.is_relative_url or not url.scheme:
        return "relative URL: no scheme and host to request"
    if not url.host:
        return "no host"
    if "%" in url.host or any(char.isspace() for char in url.host):
        return f"invalid host {url.host!r}"
    if url.port is not None and not 0 < url.port < 65536:
        return f"invalid port {url.port}"
    return None


def _unchecked(url: str, error: ErrorCode, detail: str) -> LinkResult:
    return LinkResult(
        url=url,
        status_code=None,
        final_url=None,
        method=None,
        error=error,
        detail=detail,
        elapsed_s=0.0,
        checked_at=datetime.now(UTC),
    )


@dataclass(slots=True)
class _Host:
    """Per-host politeness state: in-flight slots and the last request start."""

    slots: asyncio.Semaphore
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float | None = None


class _Failure(Exception):
    """A request that produced no status; carries the result's error code."""

    def __init__(self, error: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.error: ErrorCode = error
        self.detail = detail


@dataclass(slots=True)
class _Chain:
    """Where one method's walk through redirects ended."""

    status: int | None = None
    final_url: str | None = None
    redirects: int = 0
    failure: _Failure | None = None
    elapsed: float = 0.0


class _Checker:
    def __init__(
        self,
        client: httpx.AsyncClient,
        per_host: int,
        delay: float,
        timeout: float,
        max_redirects: int,
        total_concurrency: int,
    ) -> None:
        self._client = client
        self._per_host = per_host
        self._delay = delay
        self._timeout = timeout
        self._max_redirects = max_redirects
        self._global = asyncio.Semaphore(total_concurrency)
        self._hosts: dict[str, _Host] = {}

    async def check(self, url: str, target: httpx.URL) -> LinkResult:
        checked_at = datetime.now(UTC)
        method: Method = "GET" if is_ogc_service(target) else "HEAD"
        chain = await self._follow(method, target)
        elapsed = chain.elapsed
        if method == "HEAD" and _head_refused(chain):
            method = "GET"
            chain = await self._follow(method, target)
            elapsed += chain.elapsed
        failure = chain.failure
        return LinkResult(
            url=url,
            status_code=None if failure else chain.status,
            final_url=chain.final_url,
            method=method,
            error=failure.error if failure else None,
            detail=failure.detail if failure else None,
            elapsed_s=round(elapsed, 6),
            checked_at=checked_at,
            redirects=chain.redirects,
        )

    async def _follow(self, method: Method, target: httpx.URL) -> _Chain:
        chain = _Chain()
        visited = {str(target)}
        current = target
        while True:
            chain.final_url = str(current)
            started = time.monotonic()
            try:
                status, location = await self._request(method, current)
            except _Failure as failure:
                chain.failure = failure
                return chain
            finally:
                chain.elapsed += time.monotonic() - started
            chain.status = status
            if status not in _REDIRECT_STATUSES or location is None:
                return chain
            try:
                following = current.join(location).copy_with(fragment=None)
            except (httpx.InvalidURL, TypeError) as exc:
                chain.failure = _Failure("invalid_redirect", f"Location {location!r}: {exc}")
                return chain
            problem = _url_problem(following)
            if following.scheme not in _DEFAULT_PORTS or problem:
                reason = problem or f"scheme {following.scheme!r}"
                chain.failure = _Failure("invalid_redirect", f"Location {location!r}: {reason}")
                return chain
            if str(following) in visited:
                chain.failure = _Failure(
                    "redirect_loop", f"{current} redirects to {following}, already visited"
                )
                return chain
            if chain.redirects >= self._max_redirects:
                chain.failure = _Failure(
                    "too_many_redirects", f"more than {self._max_redirects} redirects"
                )
                return chain
            chain.redirects += 1
            visited.add(str(following))
            current = following

    async def _request(self, method: Method, url: httpx.URL) -> tuple[int, str | None]:
        """One paced, limited request; the body is never read."""
        host = self._host(url)
        async with host.slots:
            await self._wait_turn(host, record=False)  # wait without holding a global slot
            async with self._global:
                await self._wait_turn(host, record=True)
                try:
                    async with asyncio.timeout(self._timeout):
                        response = await self._client.send(
                            self._client.build_request(method, url), stream=True
                        )
                        try:
                            return response.status_code, response.headers.get("location")
                        finally:
                            await response.aclose()
                except (TimeoutError, httpx.TimeoutException):
                    raise _Failure("timeout", f"no response within {self._timeout:g} s") from None
                except httpx.HTTPError as exc:
                    raise _classify(exc) from None
                except httpx.InvalidURL as exc:
                    raise _Failure("invalid_url", str(exc)) from None

    async def _wait_turn(self, host: _Host, *, record: bool) -> None:
        async with host.turn:
            if host.last_start is not None:
                wait = host.last_start + self._delay - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            if record:
                host.last_start = time.monotonic()

    def _host(self, url: httpx.URL) -> _Host:
        key = host_key(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self._per_host))
        return host


def _head_refused(chain: _Chain) -> bool:
    if chain.failure is not None:
        return chain.failure.error == "protocol_error"
    return chain.status in HEAD_REFUSED_STATUSES


def _classify(exc: httpx.HTTPError) -> _Failure:
    """Map an httpx error to a stable code, looking at the OS error underneath."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ConnectionRefusedError):
                return _Failure("connection_refused", detail)
            if isinstance(cause, socket.gaierror):
                return _Failure("dns_error", detail)
            if isinstance(cause, ssl.SSLError):
                return _Failure("tls_error", detail)
            cause = cause.__cause__ or cause.__context__
        return _Failure("connect_error", detail)
    if isinstance(exc, httpx.ProtocolError):
        return _Failure("protocol_error", detail)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return _Failure("invalid_url", detail)
    if isinstance(exc, httpx.TransportError):
        return _Failure("network_error", detail)
    logger.debug("unexpected httpx error", exc_info=exc)
    return _Failure("network_error", detail)
