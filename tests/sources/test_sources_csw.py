"""The CSW source against a real pycsw (PyPI) on loopback, and GeoNetwork's DCAT output.

pycsw is loaded with the ISO 19139 records of shared/realdata (nine distinct records:
two files share one fileIdentifier) and harvested over HTTP with a page size smaller than
the record count; pycsw offers no DCAT output schema, so the harvest asks for ISO 19139,
which the parser maps to DCAT. GeoNetwork's DCAT output schema is played by a loopback
stand-in serving pages modelled on GeoNetwork's (``support.geonetwork``).
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dcat_quality.config import Settings
from dcat_quality.errors import SourceError
from dcat_quality.pipeline import PageFailure, parse_pages
from dcat_quality.sources import CswSource, LocalSource, open_source, require_pages
from dcat_quality.sources.csw import is_csw_location
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
