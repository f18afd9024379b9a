"""The CSW source against a real pycsw (PyPI) on loopback, and GeoNetwork's DCAT output.

pycsw is loaded with the ISO 19139 records of shared/realdata (nine distinct records:
two files share one fileIdentifier) and harvested over HTTP with a page size smaller than
the record count; pycsw offers no DCAT output schema, so the harvest asks for ISO 19139,
which the parser maps to DCAT. GeoNetwork's DCAT output schema is played by a loopback
stand-in serving pages modelled on GeoNetwork's (``support.geonetwork``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import PageError, SourceError
from dcat_quality.pipeline import PageFailure, parse_pages
from dcat_quality.sources import (
    CswSource,
    LocalSource,
    PageRef,
    iter_pages,
    open_source,
    require_pages,
)
from dcat_quality.sources.csw import is_csw_location, search_results
from support import geonetwork
from support.iso_records import EXPECTED
from support.loopback import serve
from support.pycsw import PycswServer, PycswUnavailable, pycsw_server


@pytest.fixture(scope="module")
def pycsw(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PycswServer]:
    try:
        with pycsw_server(realdata, tmp_path_factory.mktemp("pycsw")) as server:
            yield server
    except PycswUnavailable as exc:
        pytest.skip(str(exc))


def _titles(source: CswSource | LocalSource) -> list[str]:
    titles = []
    for _, page in parse_pages(source, require_pages(source)):
        assert not isinstance(page, PageFailure), page
        titles.extend(d.title or "" for d in page.datasets)
    return titles


@pytest.mark.slow  # a real pycsw in its own virtualenv
def test_pycsw_is_harvested_page_by_page_as_iso_19139(pycsw: PycswServer) -> None:
    with CswSource("csw+" + pycsw.url, page_size=4) as source:
        pages = require_pages(source)
        assert source.records_matched == 9
        assert len(pages) == 3  # 4 + 4 + 1 records
        gmd = "outputSchema=http%3A%2F%2Fwww.isotc211.org%2F2005%2Fgmd"
        assert all(gmd in p.key for p in pages)
        assert [parse_qs(urlsplit(p.key).query)["startPosition"] for p in pages] == [
            ["1"],
            ["5"],
            ["9"],
        ]
        titles = _titles(source)
    assert len(titles) == 9
    assert set(titles) == {e.title for e in EXPECTED.values()}


@pytest.mark.slow  # a real pycsw in its own virtualenv
def test_saved_get_records_responses_are_read_the_same_way(
    pycsw: PycswServer, tmp_path: Path
) -> None:
    with CswSource(pycsw.url, page_size=5) as source:
        for index, ref in enumerate(require_pages(source)):
            (tmp_path / f"getrecords-{index}.xml").write_bytes(source.read(ref))
        harvested = sorted(_titles(source))
    assert sorted(_titles(LocalSource(tmp_path))) == harvested


@pytest.mark.slow  # a real pycsw in its own virtualenv
def test_csw_locations_open_a_csw_source(pycsw: PycswServer) -> None:
    settings = Settings.model_validate({"DCAT_QUALITY_CSW_PAGE_SIZE": 7})
    capabilities = pycsw.url + "?service=CSW&request=GetCapabilities"
    for location in ("csw+" + pycsw.url, pycsw.url, capabilities):
        source = open_source(location, settings)
        assert isinstance(source, CswSource), location
        with source:
            assert source.page_size == 7
            assert source.url == pycsw.url
    assert is_csw_location("https://geo.example.fr/geonetwork/srv/fre/csw")
    assert not is_csw_location("https://data.example.fr/catalog.jsonld")


@pytest.mark.slow  # a real pycsw in its own virtualenv
def test_an_output_schema_the_server_lacks_is_refused_with_its_reason(pycsw: PycswServer) -> None:
    with CswSource(pycsw.url, output_schema="dcat") as source, pytest.raises(SourceError) as caught:
        require_pages(source)
    assert "no csw:SearchResults" in str(caught.value)


# -- GeoNetwork's DCAT output schema, played by a stand-in ------------------------------

_CAPABILITIES = b"""<?xml version="1.0" encoding="UTF-8"?>
<csw:Capabilities xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"
    xmlns:ows="http://www.opengis.net/ows" version="2.0.2">
  <ows:OperationsMetadata>
    <ows:Operation name="GetRecords">
      <ows:Parameter name="outputSchema">
        <ows:Value>http://www.opengis.net/cat/csw/2.0.2</ows:Value>
        <ows:Value>http://www.isotc211.org/2005/gmd</ows:Value>
        <ows:Value>http://www.w3.org/ns/dcat#</ows:Value>
      </ows:Parameter>
    </ows:Operation>
  </ows:OperationsMetadata>
</csw:Capabilities>"""


def test_a_geonetwork_dcat_output_is_harvested_with_its_repairs() -> None:
    asked: list[dict[str, list[str]]] = []

    class GeoNetwork(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            asked.append(query)
            if query["request"] == ["GetCapabilities"]:
                body = _CAPABILITIES
            else:
                start = int(query["startPosition"][0])
                body = geonetwork.page(start, int(query["maxRecords"][0]), 5)
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve(GeoNetwork) as base:  # noqa: SIM117 - the source's URL needs the base
        with CswSource(base + "/geonetwork/srv/fre/csw", page_size=2) as source:
            refs = require_pages(source)
            pages = list(parse_pages(source, refs))
    assert len(refs) == 3
    assert [q["outputSchema"] for q in asked[1:]] == [["http://www.w3.org/ns/dcat#"]] * 3
    datasets = [d for _, page in pages if not isinstance(page, PageFailure) for d in page.datasets]
    assert sorted(d.title or "" for d in datasets) == [f"Jeu {n}" for n in range(1, 6)]
    # relative rdf:about resolved against the GetRecords URL the page came from
    assert all(d.dataset_id.startswith(base + "/resource/r") for d in datasets)
    for _, page in pages:
        assert not isinstance(page, PageFailure)
        assert {f.code for f in page.findings} >= {"csw_envelope", "resource_with_text"}


# -- page by page: the listing fetches the first page, reading fetches the others --------


class _Catalogue:
    """A GeoNetwork stand-in of ``total`` records answering at most ``cap`` per request;
    ``answer`` may replace a GetRecords response (by ``startPosition``)."""

    def __init__(self, total: int, *, cap: int = 1000) -> None:
        self.total = total
        self.cap = cap
        self.asked: list[int] = []  # startPosition of each GetRecords, in arrival order
        self.in_flight = 0
        self.most_in_flight = 0
        self.answer: dict[int, Callable[[], tuple[int, bytes]]] = {}
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        catalogue = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                status, body = 200, _CAPABILITIES
                if query["request"] == ["GetRecords"]:
                    start = int(query["startPosition"][0])
                    status, body = catalogue.get_records(start, int(query["maxRecords"][0]))
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def get_records(self, start: int, size: int) -> tuple[int, bytes]:
        with self._lock:
            self.asked.append(start)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.02)  # long enough for a concurrent request to overlap this one
            if start in self.answer:
                return self.answer[start]()
            return 200, geonetwork.page(start, min(size, self.cap), self.total)
        finally:
            with self._lock:
                self.in_flight -= 1


def _read_all(source: CswSource, refs: list[PageRef]) -> tuple[list[str], list[PageFailure]]:
    titles: list[str] = []
    failures: list[PageFailure] = []
    for _, page in parse_pages(source, refs):
        if isinstance(page, PageFailure):
            failures.append(page)
        else:
            titles.extend(d.title or "" for d in page.datasets)
    return titles, failures


def test_the_listing_fetches_the_first_page_and_each_read_fetches_its_own() -> None:
    catalogue = _Catalogue(7)
    progress: list[tuple[int, int | None]] = []
    with serve(catalogue.handler()) as base:
        with CswSource(
            base + "/geonetwork/srv/fre/csw",
            page_size=2,
            progress=lambda p: progress.append((p.pages, p.total_items)),
        ) as source:
            refs = require_pages(source)
            assert catalogue.asked == [1]
            assert source.records_matched == 7
            assert progress == [(1, 7)]
            assert [parse_qs(urlsplit(r.key).query)["startPosition"] for r in refs] == [
                ["1"],
                ["3"],
                ["5"],
                ["7"],
            ]
            assert [p.name for p in source.spool.iterdir()] == ["page-000001"]
            seen = []
            for ref, data in iter_pages(source, refs, prefetch=4):
                assert not isinstance(data, PageError)
                assert data is not None
                seen.append((ref.key, search_results(data).returned))
            assert [n for _, n in seen] == [2, 2, 2, 1]
            # each response's temporary file went as soon as it was read
            assert list(source.spool.iterdir()) == []
            assert sorted(catalogue.asked) == [1, 3, 5, 7]
            assert sorted(progress) == [(1, 7), (2, 7), (3, 7), (4, 7)]  # one per response
            # one request at a time, whatever the prefetch
            assert catalogue.most_in_flight == 1
            # a page read again is fetched again
            source.read(refs[0])
            assert catalogue.asked[-1] == 1
        with pytest.raises(SourceError, match="closed"):
            source.read(refs[1])


def test_a_server_answering_fewer_records_than_asked_is_paged_by_its_own_size() -> None:
    catalogue = _Catalogue(10, cap=3)  # pycsw and GeoNetwork cap maxRecords
    with serve(catalogue.handler()) as base:  # noqa: SIM117 - the source's URL needs the base
        with CswSource(base + "/csw", page_size=5) as source:
            refs = require_pages(source)
            titles, failures = _read_all(source, refs)
    assert [parse_qs(urlsplit(r.key).query)["startPosition"][0] for r in refs] == [
        "1",
        "4",
        "7",
        "10",
    ]
    assert not failures
    assert sorted(titles) == sorted(f"Jeu {n}" for n in range(1, 11))


def test_a_failing_page_is_quarantined_and_the_others_are_read() -> None:
    catalogue = _Catalogue(6)
    report = (
        b'<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0">'
        b'<ows:Exception exceptionCode="NoApplicableCode"><ows:ExceptionText>'
        b"Index read failed</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"
    )
    catalogue.answer[3] = lambda: (200, report)
    with serve(catalogue.handler()) as base:  # noqa: SIM117 - the source's URL needs the base
        with CswSource(base + "/csw", page_size=2) as source:
            refs = require_pages(source)
            titles, failures = _read_all(source, refs)
    assert sorted(titles) == ["Jeu 1", "Jeu 2", "Jeu 5", "Jeu 6"]
    assert [f.file for f in failures] == [refs[1].key]
    assert "Index read failed" in failures[0].reason


def test_a_page_answering_503_is_retried_when_read() -> None:
    catalogue = _Catalogue(4)
    answers = iter([(503, b"busy")])
    catalogue.answer[3] = lambda: next(answers, None) or (200, geonetwork.page(3, 2, 4))
    with serve(catalogue.handler()) as base:  # noqa: SIM117 - the source's URL needs the base
        with CswSource(base + "/csw", page_size=2, backoff=0.0) as source:
            titles, failures = _read_all(source, require_pages(source))
    assert not failures
    assert sorted(titles) == [f"Jeu {n}" for n in range(1, 5)]
    assert sorted(catalogue.asked) == [1, 3, 3]


def test_a_catalogue_changing_during_the_harvest_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    catalogue = _Catalogue(6)
    catalogue.answer[5] = lambda: (200, geonetwork.page(5, 2, 8))  # two records added
    with serve(catalogue.handler()) as base:  # noqa: SIM117 - the source's URL needs the base
        with CswSource(base + "/csw", page_size=2) as source:
            refs = require_pages(source)
            with caplog.at_level(logging.WARNING, logger="dcat_quality.sources.csw"):
                titles, _ = _read_all(source, refs)
    assert len(refs) == 3
    assert len(titles) == 6
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "6 records matched when listed, 8 when page 3 was read" in warnings[0]


def test_more_pages_than_allowed_are_refused_at_the_listing() -> None:
    catalogue = _Catalogue(9)
    with serve(catalogue.handler()) as base:  # noqa: SIM117 - the source's URL needs the base
        with CswSource(base + "/csw", page_size=2, max_pages=4) as source:
            with pytest.raises(SourceError, match="more than 4 pages of 2 records"):
                require_pages(source)
            assert list(source.spool.iterdir()) == []
    assert catalogue.asked == [1]
