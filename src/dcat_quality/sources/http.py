"""A live DCAT endpoint, harvested page by page along its Hydra paging links.

CKAN's ckanext-dcat (``/catalog.jsonld?page=N``), udata and piveau expose a catalog as
pages linked by ``hydra:nextPage`` (or ``hydra:next``). The pipeline lists every page
before reading any, and for HTTP listing means walking those links, which needs each
page's body. So listing downloads each page once, spools it to a temporary folder owned
by the source, and ``read`` returns the spooled bytes: memory holds one page at a time,
the disk holds the catalog until ``close()`` (or interpreter exit).

The next link is found by the light scan of ``sources.hydra``, not by the parser.
"""

from __future__ import annotations

import email.utils
import logging
import random
import tempfile
import time
import weakref
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from dcat_quality._version import __version__
from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.errors import PageError, SourceError, TransientSourceError
from dcat_quality.sources._base import PageRef
from dcat_quality.sources.hydra import HYDRA, HydraLinks, hydra_links

__all__ = [
    "HYDRA",
    "USER_AGENT",
    "HarvestProgress",
    "HttpSource",
    "HydraLinks",
    "accept_header",
    "hydra_links",
    "public_url",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 100_000
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 120.0  # CKAN renders a 100-dataset page on the fly: it can be slow
DEFAULT_BACKOFF = 1.0
MAX_BACKOFF = 60.0
MAX_RETRY_AFTER = 300.0
USER_AGENT = f"dcat-quality/{__version__} (DCAT metadata-quality harvester)"

#: Answers worth another try: timeouts, throttling, server errors.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

_ACCEPT_ANY = (
    "application/ld+json, application/json;q=0.9, text/turtle;q=0.8, "
    "application/rdf+xml;q=0.7, application/xml;q=0.5, */*;q=0.1"
)
_ACCEPT = {
    ".jsonld": "application/ld+json, application/json;q=0.9, */*;q=0.1",
    ".json": "application/ld+json, application/json;q=0.9, */*;q=0.1",
    ".ttl": "text/turtle, application/x-turtle;q=0.9, */*;q=0.1",
    ".n3": "text/turtle, text/n3;q=0.9, */*;q=0.1",
    ".rdf": "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
    ".xml": "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
    ".owl": "application/rdf+xml, application/xml;q=0.9, */*;q=0.1",
    ".nt": "application/n-triples, text/plain;q=0.5, */*;q=0.1",
}


def accept_header(url: str) -> str:
    """The Accept header for ``url``: its extension's media type, else JSON-LD first."""
    path = urlsplit(url).path.lower()
    if path.endswith(".gz"):
        path = path[:-3]
    for extension, accept in _ACCEPT.items():
        if path.endswith(extension):
            return accept
    return _ACCEPT_ANY


def public_url(url: str) -> str:
    """``url`` without user info or fragment: what keys, logs and errors show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


# --------------------------------------------------------------------------- the source


@dataclass(frozen=True, slots=True)
class HarvestProgress:
    """Reported after each downloaded page."""

    pages: int
    url: str
    size: int
    total_items: int | None
    last_page: str | None


class _BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class HttpSource:
    """The pages of a DCAT endpoint, from ``url`` along ``hydra:nextPage``/``hydra:next``.

    Keys are page URLs in harvest order. The first ``list_pages`` downloads every page
    once into a temporary folder; later calls reuse it. Credentials (``token``, or
    ``user:password@`` in the URL) are only sent to the first page's origin. Use as a
    context manager, or call ``close()``, to remove the spooled pages.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        backoff: float = DEFAULT_BACKOFF,
        max_retry_after: float = MAX_RETRY_AFTER,
        progress: Callable[[HarvestProgress], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(f"{public_url(url)} is not an http(s) URL of a DCAT endpoint")
        if max_pages < 1:
            raise SourceError(f"max_pages must be at least 1, not {max_pages}")
        self.url = public_url(url)
        self.max_pages = max_pages
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._progress = progress
        self._origin = _origin(self.url)
        self._accept = accept_header(self.url)
        self._auth: httpx.Auth | None = None
        if token:
            self._auth = _BearerAuth(token)
        elif parts.username is not None:
            self._auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
        self._client = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": self._accept},
            transport=transport,
        )
        self._spool_dir = tempfile.TemporaryDirectory(prefix="dcat-quality-http-")
        self._spool = Path(self._spool_dir.name)
        # Also runs at interpreter exit, the CLI's case: it does not close its sources.
        self._finalizer = weakref.finalize(self, _cleanup, self._client, self._spool_dir)
        self._pages: list[PageRef] | None = None
        self._files: dict[str, Path] = {}
        self.total_items: int | None = None
        self.last_page: str | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client and remove the spooled pages."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    @property
    def spool(self) -> Path:
        """The temporary folder holding the downloaded pages."""
        return self._spool

    @property
    def skipped(self) -> Sequence[str]:
        return ()

    def describe(self) -> str:
        return f"DCAT endpoint {self.url}"

    def list_pages(self) -> Iterator[PageRef]:
        """Pages in harvest order; the first call downloads them all, once."""
        if self.closed:
            raise SourceError(f"{self.describe()} is closed: open the source again")
        if self._pages is None:
            self._pages = self._harvest()
        yield from self._pages

    def read(self, ref: PageRef) -> bytes:
        return decode_page(ref.key, self.read_raw(ref))

    def read_raw(self, ref: PageRef) -> bytes:
        path = self._files.get(ref.key)
        if path is None:
            raise PageError(
                ref.key,
                f"not a page harvested from {self.describe()}",
                hint="read a page with the source that listed it",
            )
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(
                f"the spooled copy of {ref.key} is gone: {self.describe()} was closed "
                "— read the pages before closing the source"
            ) from None
        return data

    # -- harvest

    def _harvest(self) -> list[PageRef]:
        pages: list[PageRef] = []
        files: dict[str, Path] = {}
        seen: dict[str, int] = {}
        url: str | None = self.url
        previous: str | None = None
        links = HydraLinks()
        while url is not None:
            key = public_url(url)
            if key in seen:
                raise SourceError(
                    f"paging loop in {self.describe()}: page {len(pages)} ({previous}) links "
                    f"to {key}, already read as page {seen[key] + 1} — the catalog's "
                    "hydra:nextPage links go round in circles; report it to its publisher"
                )
            if len(pages) >= self.max_pages:
                raise SourceError(
                    f"{self.describe()} has more than {self.max_pages} pages (next: {key}) — "
                    "raise DCAT_QUALITY_HTTP_MAX_PAGES if the catalog is that large"
                )
            seen[key] = len(pages)
            path = self._spool / f"page-{len(pages) + 1:06d}"
            final_url, size = self._download(url, path, len(pages) + 1, previous)
            ref = PageRef(key, size)
            pages.append(ref)
            files[key] = path
            links = hydra_links(path.read_bytes(), final_url)
            if links.total_items is not None:
                self.total_items = links.total_items
            if links.last_page is not None:
                self.last_page = public_url(links.last_page)
            log.info(
                "harvested page %d: %s (%d bytes; the catalog reports %s items)",
                len(pages),
                key,
                size,
                self.total_items if self.total_items is not None else "no total of",
            )
            if self._progress is not None:
                self._progress(
                    HarvestProgress(len(pages), key, size, self.total_items, self.last_page)
                )
            previous = key
            url = links.next_page
        self._files = files
        if len(pages) > 1 and links == HydraLinks():
            # a last page still carries its Hydra block; one without any is likely an
            # error page served with 200 (the parser will reject it)
            log.warning(
                "%s: page %s has no Hydra paging block although the previous pages had "
                "one, so the harvest stopped there after %d page(s) (the catalog reports "
                "%s items, last page %s) — the page may be broken, see the rejections",
                self.describe(),
                previous,
                len(pages),
                self.total_items,
                self.last_page,
            )
        return pages

    def _auth_for(self, url: str) -> httpx.Auth | None:
        return self._auth if _origin(url) == self._origin else None

    def _download(self, url: str, path: Path, number: int, previous: str | None) -> tuple[str, int]:
        """Download ``url`` into ``path``, retrying; (final URL, size in bytes)."""
        where = public_url(url)
        if previous is not None:
            where += f" (page {number}, linked from {previous})"
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            try:
                with self._client.stream("GET", url, auth=self._auth_for(url)) as response:
                    status = response.status_code
                    if status in RETRY_STATUSES:
                        if last:
                            raise TransientSourceError(
                                f"cannot harvest {where}: the server answered HTTP {status} "
                                f"after {attempt} attempt(s) — it is overloaded or down; "
                                "check the endpoint in a browser and run again later"
                            )
                        delay = self._retry_after(response)
                        if delay is None:
                            delay = self._delay(attempt)
                        log.warning("HTTP %d from %s, retrying in %.1f s", status, where, delay)
                    elif status >= 400:
                        raise self._refused(where, status)
                    else:
                        with path.open("wb") as out:
                            for chunk in response.iter_bytes():
                                out.write(chunk)
                        return str(response.url), path.stat().st_size
            except (
                httpx.TimeoutException,
                httpx.NetworkError,
                httpx.RemoteProtocolError,
                httpx.DecodingError,
            ) as exc:
                if last:
                    raise TransientSourceError(
                        f"cannot harvest {where} after {attempt} attempt(s): "
                        f"{type(exc).__name__}: {exc} — check the URL, that the server is up "
                        "and reachable from here (proxy, firewall), then run again"
                    ) from None
                delay = self._delay(attempt)
                log.warning("%s on %s, retrying in %.1f s", type(exc).__name__, where, delay)
            except httpx.TooManyRedirects:
                raise SourceError(
                    f"cannot harvest {where}: too many redirects — open the URL in a browser "
                    "and give the address it ends on"
                ) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise SourceError(
                    f"cannot harvest {where}: {type(exc).__name__}: {exc} — check the URL"
                ) from None
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int) -> float:
        base = min(MAX_BACKOFF, self._backoff * 2.0 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
        return min(max(seconds, 0.0), self._max_retry_after)

    def _refused(self, where: str, status: int) -> SourceError:
        if status in (401, 403):
            return SourceError(
                f"cannot harvest {where}: access denied (HTTP {status}) — the endpoint wants "
                "credentials: set DCAT_QUALITY_HTTP_TOKEN (bearer token) or give "
                "https://user:password@host/… , and check they are valid"
            )
        if status in (404, 410):
            return SourceError(
                f"cannot harvest {where}: not found (HTTP {status}) — check the URL (with "
                "CKAN's ckanext-dcat the catalog is /catalog.jsonld, /catalog.ttl or "
                "/catalog.rdf)"
            )
        if status == 406:
            return SourceError(
                f"cannot harvest {where}: the server has no representation for Accept: "
                f"{self._accept} (HTTP 406) — name the format in the URL (.jsonld, .ttl, .rdf)"
            )
        return SourceError(
            f"cannot harvest {where}: the server refused the request (HTTP {status}) — "
            "check the URL and its query parameters"
        )


def _cleanup(client: httpx.Client, spool: tempfile.TemporaryDirectory[str]) -> None:
    client.close()
    spool.cleanup()
