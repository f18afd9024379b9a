"""Resource locators (GeoDCAT-AP "Resource locator" and "Encoding"): each
``transferOptions/onLine`` becomes the dataset's landing page, a page, or a
``dcat:Distribution`` with the record's formats, licences and access rights, and an
``dcat:accessService`` when the locator is an OGC service (WMS, WFS…)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit, urlunsplit

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Literal, Term
from dcat_quality.dcat.iso19139.reading import anchor, char, code_value, find_all, find_one, is_http
from dcat_quality.dcat.iso19139.tables import FUNCTION_TARGETS, OGC_STANDARDS
from dcat_quality.dcat.iso19139.writer import RecordWriter

#: OGC service protocols recognised in ``gmd:protocol`` or in a URL's ``service=``.
_SERVICES = {
    "wms": "wms",
    "web map service": "wms",
    "wfs": "wfs",
    "web feature service": "wfs",
    "wcs": "wcs",
    "web coverage service": "wcs",
    "wmts": "wmts",
    "web map tile service": "wmts",
    "csw": "cat",
    "catalogue service": "cat",
    "sos": "sos",
    "wps": "wps",
}
_SERVICE_NAMES = "|".join(sorted(map(re.escape, _SERVICES), key=len, reverse=True))
_SERVICE_IN_PROTOCOL = re.compile(r"(?<![a-z])(" + _SERVICE_NAMES + r")(?![a-z])")


def distributions(w: RecordWriter, node: str, licences: list[Term], rights: list[Term]) -> None:
    """Every resource locator of the record, in document order."""
    formats = _formats(w)
    for online in find_all(
        w.e,
        "gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/"
        "gmd:MD_DigitalTransferOptions/gmd:onLine/gmd:CI_OnlineResource",
    ):
        url = char(find_one(online, "gmd:linkage"))
        if not url:
            continue
        protocol = char(find_one(online, "gmd:protocol"))
        service = _service(protocol, url)
        target = FUNCTION_TARGETS.get(code_value(find_one(online, "gmd:function")), "landingPage")
        if service is None and target == "landingPage":
            w.add(node, v.DCAT + "landingPage", url)
        elif service is None and target == "page":
            w.add(node, v.FOAF + "page", url)
        else:
            dist = _distribution(w, node, online, url, formats)
            for licence in licences:
                w.add(dist, v.DCT + "license", licence)
            for right in rights:
                w.add(dist, v.DCT + "accessRights", right)
            if service is not None:
                _access_service(w, dist, online, url, service)


def _formats(w: RecordWriter) -> list[str]:
    """The record's distribution formats: each ``MD_Format`` name's IRI, else its text."""
    return [
        f
        for f in (
            anchor(find_one(fmt, "gmd:name")) or char(find_one(fmt, "gmd:name"))
            for fmt in find_all(
                w.e,
                "gmd:distributionInfo/gmd:MD_Distribution/gmd:distributionFormat/gmd:MD_Format",
            )
        )
        if f
    ]


def _distribution(
    w: RecordWriter, node: str, online: ET.Element, url: str, formats: list[str]
) -> str:
    """A ``dcat:Distribution`` of the locator: access URL, title, description, formats."""
    dist = w.blank("distribution")
    w.add(node, v.DCAT + "distribution", dist)
    w.add(dist, v.TYPE, v.DCAT + "Distribution")
    w.add(dist, v.DCAT + "accessURL", url)
    w.add(dist, v.DCT + "title", w.literal(char(find_one(online, "gmd:name"))))
    description = char(find_one(online, "gmd:description"))
    w.add(dist, v.DCT + "description", w.literal(description))
    for fmt in formats:  # "Encoding": the Anchor's IRI, else a labelled node
        if is_http(fmt):
            w.add(dist, v.DCT + "format", fmt)
            continue
        media = w.blank("format")
        w.add(dist, v.DCT + "format", media)
        w.add(media, v.TYPE, v.DCT + "MediaTypeOrExtent")
        w.add(media, v.RDFS + "label", Literal(fmt, None, None))
    return dist


def _access_service(w: RecordWriter, dist: str, online: ET.Element, url: str, service: str) -> None:
    """The OGC service behind a distribution: its endpoint (the URL without its query),
    its capabilities document when the URL asks for it, the standard it conforms to."""
    endpoint = w.blank("service")
    w.add(dist, v.DCAT + "accessService", endpoint)
    w.add(endpoint, v.TYPE, v.DCAT + "DataService")
    w.add(endpoint, v.DCT + "title", w.literal(char(find_one(online, "gmd:name"))))
    parts = urlsplit(url)
    w.add(
        endpoint,
        v.DCAT + "endpointURL",
        urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
    )
    if "getcapabilities" in parts.query.lower():
        w.add(endpoint, v.DCAT + "endpointDescription", url)
    w.add(endpoint, v.DCT + "conformsTo", OGC_STANDARDS + service)


def _service(protocol: str | None, url: str) -> str | None:
    """The OGC standard a resource locator serves (``wms``, ``wfs``…), if recognisable."""
    if protocol:
        found = _SERVICE_IN_PROTOCOL.search(protocol.lower().replace(":", " "))
        if found:
            return _SERVICES[found.group(1)]
    query = urlsplit(url).query.lower()
    match = re.search(r"(?:^|&)service=([a-z]+)", query)
    # a URL names a service endpoint only with its capabilities request: a
    # GetRecordById link (the record's XML view) is a page, not an endpoint
    if match and match.group(1) in _SERVICES and "request=getcapabilities" in query:
        return _SERVICES[match.group(1)]
    return None
