"""A CSW catalogue (GeoNetwork, pycsw…) harvested with ``GetRecords``, page by page.

``--source csw+https://host/geonetwork/srv/fre/csw`` (or an ``https://…/csw`` address):
``GetCapabilities`` says which output schemas ``GetRecords`` offers; the harvest asks for
GeoDCAT-AP, else DCAT, else ISO 19139 (which ``dcat.iso19139`` maps to DCAT), unless
``output_schema`` names one. Records are paged with ``startPosition`` / ``maxRecords``.

The run lists every page before reading any (sharding and progress need the count), so
the listing must not fetch the catalogue: it asks for the first page only, whose
``numberOfRecordsMatched`` and ``nextRecord`` give every page's ``startPosition`` (the
step between pages is the server's, so a server capping ``maxRecords`` below the page
size is paged by its own size). Each later page is fetched when the run reads it, one
request at a time whatever the run's prefetch (retries, timeouts, ``Retry-After``,
credentials only for the catalogue's host: the HTTP source's code), into a temporary file
removed as soon as it is read: memory and disk hold a few responses whatever the
catalogue's size, and the first pages are scored while the last are not yet asked for.
A response whose ``numberOfRecordsMatched`` or ``nextRecord`` disagrees with the listing
(the catalogue changed during the harvest) is logged: records may then be missed or read
twice (the second copy is rejected as a duplicate). Saved ``GetRecords`` responses in a
folder are read the same way by the local source: the parser recognises both envelopes.

OWSLib, the usual Python CSW client, is not used: it sends its requests through
``requests`` (not the retry, backoff and credential scoping every other source has here),
parses every response into its own record objects (lxml) that would be thrown away since the
parser wants the raw XML, and would add ``requests`` and ``lxml`` to the image for the few
query parameters below.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.etree import ElementTree as ET

import httpx

from dcat_quality.errors import PageError, SourceError
from dcat_quality.sources._base import PageRef
from dcat_quality.sources.http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_PAGES,
    DEFAULT_READ_TIMEOUT,
    HarvestProgress,
    HttpSource,
    public_url,
)

log = logging.getLogger(__name__)

CSW = "{http://www.opengis.net/cat/csw/2.0.2}"
OWS = ("{http://www.opengis.net/ows}", "{http://www.opengis.net/ows/1.1}")
#: Output schemas, in the order they are preferred, with the ``typeNames`` they go with.
SCHEMAS = {
    "geodcat-ap": ("http://data.europa.eu/930/", "csw:Record"),
    "dcat": ("http://www.w3.org/ns/dcat#", "csw:Record"),
    "iso19139": ("http://www.isotc211.org/2005/gmd", "gmd:MD_Metadata"),
}
DEFAULT_PAGE_SIZE = 50
SCHEME_PREFIX = "csw+"


def is_csw_location(location: str) -> bool:
    """``csw+http(s)://…``, or an ``http(s)`` address whose path ends in ``/csw`` or whose
    query says ``service=CSW``."""
    if location.startswith(SCHEME_PREFIX):
        return True
    if not location.startswith(("http://", "https://")):
        return False
    parts = urlsplit(location)
    query = {k.lower(): v for k, v in parse_qsl(parts.query)}
    return parts.path.rstrip("/").lower().endswith("/csw") or query.get("service", "").upper() == (
        "CSW"
    )


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The paging attributes of a ``GetRecords`` response."""

    matched: int
    returned: int
    next_record: int


def search_results(data: bytes) -> SearchResults:
    """Read ``csw:SearchResults`` from a response, stopping at that element.

    Raises ``SourceError`` for an ``ows:ExceptionReport`` or a response without it.
    """
    try:
        events = ET.iterparse(io.BytesIO(data), events=("start",))  # noqa: S314 - expat
        for _, element in events:
            local = element.tag
            if local == CSW + "SearchResults":
                return SearchResults(
                    _int(element.get("numberOfRecordsMatched")),
                    _int(element.get("numberOfRecordsReturned")),
                    _int(element.get("nextRecord")),
                )
            if local.endswith("}ExceptionReport"):
                break
    except ET.ParseError as exc:
        raise SourceError(f"the CSW answered malformed XML ({exc})") from None
    raise SourceError(f"the CSW answered no csw:SearchResults: {_exception_text(data)}")


def _exception_text(data: bytes) -> str:
    try:
        root = ET.fromstring(data)  # noqa: S314 - expat, no entities
    except ET.ParseError:
        return data[:200].decode("utf-8", "replace")
    texts = [
        " ".join((e.text or "").split()) for e in root.iter() if e.tag.endswith("}ExceptionText")
    ]
    return "; ".join(t for t in texts if t) or root.tag


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def output_schemas(capabilities: bytes) -> set[str]:
    """The ``outputSchema`` values ``GetRecords`` accepts, from ``GetCapabilities``."""
    root = ET.parse(io.BytesIO(capabilities)).getroot()  # noqa: S314 - expat, no entities
    found: set[str] = set()
    for operation in root.iter():
        if not (operation.tag.endswith("}Operation") and operation.get("name") == "GetRecords"):
            continue
        for parameter in operation:
            if parameter.tag.endswith("}Parameter") and (
                (parameter.get("name") or "").lower() == "outputschema"
            ):
                values = [v for v in parameter.iter() if v.tag.endswith("}Value")]
                found.update((value.text or "").strip() for value in values)
    return found


class CswSource(HttpSource):
    """The records of a CSW catalogue, one ``GetRecords`` response per page.

    Keys are the ``GetRecords`` URLs. ``output_schema`` is ``geodcat-ap``, ``dcat``,
    ``iso19139``, or ``None`` to take the first one ``GetCapabilities`` offers in that
    order. Listing fetches the first page; ``read`` fetches the others (again on each
    read). Use as a context manager, or call ``close()``, to remove the temporary files.
    """

    def __init__(
        self,
        url: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        output_schema: str | None = None,
        token: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        backoff: float = 1.0,
        progress: Callable[[HarvestProgress], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = url.removeprefix(SCHEME_PREFIX)
        if page_size < 1:
            raise SourceError(f"the CSW page size must be at least 1, not {page_size}")
        if output_schema is not None and output_schema not in SCHEMAS:
            raise SourceError(
                f"unknown CSW output schema {output_schema!r}: use one of {', '.join(SCHEMAS)}"
            )
        parts = urlsplit(url)
        # the endpoint without CSW request parameters: a GetCapabilities URL works too
        kept = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _CSW_PARAMETERS]
        endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))
        super().__init__(
            endpoint,
            token=token,
            max_pages=max_pages,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            backoff=backoff,
            progress=progress,
            transport=transport,
        )
        self._client.headers["Accept"] = "application/xml, text/xml;q=0.9, */*;q=0.1"
        self.page_size = page_size
        self.output_schema = output_schema
        self.records_matched: int | None = None
        self._schema = ""  # chosen by the listing
        self._step = page_size
        self._numbers: dict[str, int] = {}  # key → page number (1-based)
        self._keys: list[str] = []
        self._first: dict[str, Path] = {}  # the listing's response, until it is read
        self._one_request = threading.Lock()
        self._warned: set[str] = set()

    def describe(self) -> str:
        return f"CSW catalogue {self.url}"

    def _query(self, **params: str | int) -> str:
        parts = urlsplit(self.url)
        query = [*parse_qsl(parts.query), *((k, str(v)) for k, v in params.items())]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))

    def _choose_schema(self) -> str:
        if self.output_schema is not None:
            return self.output_schema
        path = self._spool / "capabilities.xml"
        url = self._query(service="CSW", request="GetCapabilities", acceptVersions="2.0.2")
        self._download(url, path, 0, None)
        try:
            offered = output_schemas(path.read_bytes())
        except ET.ParseError as exc:
            raise SourceError(
                f"{self.describe()}: GetCapabilities answered malformed XML ({exc}) — is this "
                "the address of a CSW service?"
            ) from None
        finally:
            path.unlink(missing_ok=True)
        for name, (iri, _) in SCHEMAS.items():
            if iri in offered:
                log.info("%s offers %s: harvesting that output schema", self.describe(), name)
                return name
        raise SourceError(
            f"{self.describe()} offers none of the output schemas read here "
            f"(GeoDCAT-AP, DCAT, ISO 19139); it offers: {', '.join(sorted(offered)) or 'none'}"
        )

    def _page_url(self, start: int) -> str:
        iri, type_names = SCHEMAS[self._schema]
        return self._query(
            service="CSW",
            version="2.0.2",
            request="GetRecords",
            typeNames=type_names,
            namespace=(
                "xmlns(gmd=http://www.isotc211.org/2005/gmd)"
                if type_names.startswith("gmd:")
                else "xmlns(csw=http://www.opengis.net/cat/csw/2.0.2)"
            ),
            resultType="results",
            elementSetName="full",
            outputSchema=iri,
            startPosition=start,
            maxRecords=self.page_size,
        )

    def _harvest(self) -> list[PageRef]:
        """The listing: the first page is fetched (and kept until read), the others are
        named from its ``numberOfRecordsMatched`` and ``nextRecord``."""
        self._schema = self._choose_schema()
        key = public_url(self._page_url(1))
        path = self._spool / "page-000001"
        _, size = self._download(key, path, 1, None)
        try:
            results = search_results(path.read_bytes())
            starts = self._starts(results)
            if len(starts) > self.max_pages:
                raise SourceError(
                    f"{self.describe()} has more than {self.max_pages} pages of "
                    f"{self._step} records — raise DCAT_QUALITY_HTTP_MAX_PAGES"
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self.records_matched = self.total_items = results.matched
        self._keys = [key, *(public_url(self._page_url(start)) for start in starts[1:])]
        self._numbers = {k: number for number, k in enumerate(self._keys, 1)}
        self._first = {key: path}
        self._fetched(1, results, size)
        return [PageRef(key, size), *(PageRef(k) for k in self._keys[1:])]

    def _starts(self, first: SearchResults) -> list[int]:
        """Every page's ``startPosition``, from the first response: the step is where it
        says the next page starts (a server may return fewer records than asked)."""
        following = first.next_record
        if first.returned == 0 or following == 0 or following > first.matched:
            return [1]
        if following <= 1:
            raise SourceError(
                f"paging loop in {self.describe()}: the response to startPosition=1 says "
                f"nextRecord={following}; report it to the catalogue's administrator"
            )
        self._step = following - 1
        if self._step < self.page_size:
            log.info(
                "%s returns %d records per GetRecords (%d asked): paging by %d",
                self.describe(),
                self._step,
                self.page_size,
                self._step,
            )
        return list(range(1, first.matched + 1, self._step))

    def read_raw(self, ref: PageRef) -> bytes:
        """The page's response: the listing's for the first page on its first read, else
        fetched now (one request at a time), through a temporary file removed at once."""
        if self.closed:
            raise SourceError(f"{self.describe()} is closed: open the source again")
        number = self._numbers.get(ref.key)
        if number is None:
            raise PageError(
                ref.key,
                f"not a page listed by {self.describe()}",
                hint="read a page with the source that listed it",
            )
        path = self._first.pop(ref.key, None)
        fetched = path is None
        if path is None:
            path = self._fetch(ref.key, number)
        try:
            data = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
        if fetched:
            try:
                results = search_results(data)
            except SourceError as exc:
                # the listing no longer needs this page's paging: quarantine it, go on
                raise PageError(
                    ref.key,
                    str(exc),
                    hint="the catalogue failed on this page: run again later, or report it "
                    "to the catalogue's administrator",
                ) from None
            self._fetched(number, results, len(data))
            self._check_paging(number, results)
        return data

    def _fetch(self, key: str, number: int) -> Path:
        handle, name = tempfile.mkstemp(prefix=f"page-{number:06d}-", dir=self._spool)
        path = Path(name)
        try:
            with self._one_request:
                previous = self._keys[number - 2] if number > 1 else None
                self._download(key, path, number, previous)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        finally:
            os.close(handle)
        return path

    def _fetched(self, number: int, results: SearchResults, size: int) -> None:
        start = 1 + (number - 1) * self._step
        log.info(
            "harvested CSW page %d of %d: records %d-%d of %d",
            number,
            len(self._keys),
            start,
            start + results.returned - 1,
            results.matched,
        )
        if self._progress is not None:
            key = self._keys[number - 1]
            self._progress(HarvestProgress(number, key, size, results.matched, None))

    def _check_paging(self, number: int, results: SearchResults) -> None:
        """Warn (once per source) when a response disagrees with the listing."""
        listed = self.records_matched or 0
        start = 1 + (number - 1) * self._step
        following = results.next_record
        last = following == 0 or following > results.matched
        expected_last = start + self._step > listed
        if results.matched != listed:
            self._warn_once(
                "matched",
                "%s changed during the harvest: %d records matched when listed, %d when "
                "page %d was read — records added or removed meanwhile may be missing from "
                "this run or read twice (the second copy is rejected as a duplicate); run "
                "again for a complete reading",
                self.describe(),
                listed,
                results.matched,
                number,
            )
        elif last != expected_last or (not last and following != start + self._step):
            self._warn_once(
                "paging",
                "%s pages unevenly: page %d (startPosition=%d) says nextRecord=%d, the "
                "first page made it %d — records may be missing from this run or read "
                "twice; report it to the catalogue's administrator",
                self.describe(),
                number,
                start,
                following,
                0 if expected_last else start + self._step,
            )

    def _warn_once(self, kind: str, message: str, *args: object) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            log.warning(message, *args)


_CSW_PARAMETERS = frozenset(
    {
        "service",
        "request",
        "version",
        "acceptversions",
        "typenames",
        "outputschema",
        "elementsetname",
        "resulttype",
        "startposition",
        "maxrecords",
        "namespace",
        "constraintlanguage",
    }
)
