"""A CSW catalogue (GeoNetwork, pycsw…) harvested with ``GetRecords``, page by page.

``--source csw+https://host/geonetwork/srv/fre/csw`` (or an ``https://…/csw`` address):
``GetCapabilities`` says which output schemas ``GetRecords`` offers; the harvest asks for
GeoDCAT-AP, else DCAT, else ISO 19139 (which ``dcat.iso19139`` maps to DCAT), unless
``output_schema`` names one. Records are paged with ``startPosition`` / ``maxRecords`` and
the response's ``nextRecord`` / ``numberOfRecordsMatched``. Each response is a page of the
source: spooled to disk while listing, like the HTTP source's pages (retries, timeouts,
``Retry-After``, credentials only for the catalogue's host: the same code), so memory holds
one response at a time whatever the catalogue's size. Saved ``GetRecords`` responses in a
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.etree import ElementTree as ET

import httpx

from dcat_quality.errors import SourceError
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


def search_results(path: Path) -> SearchResults:
    """Read ``csw:SearchResults`` from a spooled response, stopping at that element.

    Raises ``SourceError`` for an ``ows:ExceptionReport`` or a response without it.
    """
    with path.open("rb") as stream:
        try:
            events = ET.iterparse(stream, events=("start",))  # noqa: S314 - expat, no entities
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
    raise SourceError(f"the CSW answered no csw:SearchResults: {_exception_text(path)}")


def _exception_text(path: Path) -> str:
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - expat, no entities
    except ET.ParseError:
        return path.read_bytes()[:200].decode("utf-8", "replace")
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
    order. Use as a context manager, or call ``close()``, to remove the spooled pages.
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

    def _harvest(self) -> list[PageRef]:
        schema = self._choose_schema()
        iri, type_names = SCHEMAS[schema]
        pages: list[PageRef] = []
        start = 1
        previous: str | None = None
        while True:
            if len(pages) >= self.max_pages:
                raise SourceError(
                    f"{self.describe()} has more than {self.max_pages} pages of "
                    f"{self.page_size} records — raise DCAT_QUALITY_HTTP_MAX_PAGES"
                )
            url = self._query(
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
            key = public_url(url)
            path = self._spool / f"page-{len(pages) + 1:06d}"
            _, size = self._download(url, path, len(pages) + 1, previous)
            results = search_results(path)
            self.records_matched = results.matched
            self.total_items = results.matched
            pages.append(PageRef(key, size))
            self._files[key] = path
            log.info(
                "harvested CSW page %d: records %d-%d of %d",
                len(pages),
                start,
                start + results.returned - 1,
                results.matched,
            )
            if self._progress is not None:
                self._progress(HarvestProgress(len(pages), key, size, results.matched, None))
            previous = key
            following = results.next_record
            if results.returned == 0 or following == 0 or following > results.matched:
                return pages
            if following <= start:
                raise SourceError(
                    f"paging loop in {self.describe()}: the response to startPosition={start} "
                    f"says nextRecord={following}; report it to the catalogue's administrator"
                )
            start = following


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
