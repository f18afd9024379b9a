"""Reading ISO 19139 XML: the namespaces, the records of a document, and the values of
the ISO wrappers (``gco:CharacterString``, ``gmx:Anchor``, code lists).

Records are read one ``MD_Metadata`` at a time with ``iterparse`` and each element is
cleared once converted, so a CSW response of thousands of records keeps memory flat. The
stdlib XML parser (expat) is used: it resolves no external entity and refuses entity
expansion bombs.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

GMD = "{http://www.isotc211.org/2005/gmd}"
GCO = "{http://www.isotc211.org/2005/gco}"
GMX = "{http://www.isotc211.org/2005/gmx}"
SRV = "{http://www.isotc211.org/2005/srv}"
GML_NAMESPACES = ("{http://www.opengis.net/gml}", "{http://www.opengis.net/gml/3.2}")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

GMD_NS = "http://www.isotc211.org/2005/gmd"
#: The record element this package maps.
MD_METADATA = GMD + "MD_Metadata"


def is_iso19139(data: bytes) -> bool:
    """True when the page holds ISO 19139 records (alone or in a CSW envelope)."""
    head = data[:65536]
    return GMD_NS.encode() in head and b"MD_Metadata" in head


def iter_records(data: bytes) -> Iterator[ET.Element]:
    """Every top-level ``gmd:MD_Metadata`` element, each cleared after use.

    Raises ``ET.ParseError`` (with ``position``) on malformed XML.
    """
    depth = 0
    # expat: no external entity is fetched, entity bombs are refused (amplification limit)
    parser = ET.iterparse(io.BytesIO(data), events=("start", "end"))  # noqa: S314
    for event, element in parser:
        if element.tag != MD_METADATA:
            continue
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 0:
            yield element
            element.clear()


def clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split()) if "\n" in text or "  " in text else text.strip()
    return text or None


def char(element: ET.Element | None) -> str | None:
    """The text of a ``gco:CharacterString`` / ``gmx:Anchor`` / code-list holder."""
    if element is None:
        return None
    for child in element:
        if child.tag.startswith(GCO) or child.tag in (GMX + "Anchor", GMD + "URL"):
            return clean(child.text)  # CharacterString, Decimal, Real, Integer…
        if child.tag == GMD + "PT_FreeText":
            continue
        code = child.get("codeListValue")
        if code:
            return code.strip() or None
    return clean(element.text)


def anchor(element: ET.Element | None) -> str | None:
    """The ``xlink:href`` of a ``gmx:Anchor`` child, when the value is one."""
    if element is None:
        return None
    for child in element:
        if child.tag == GMX + "Anchor":
            href = (child.get(XLINK_HREF) or "").strip()
            return href if is_http(href) else None
    return None


def code_value(element: ET.Element | None) -> str | None:
    """The ``codeListValue`` of a code-list element's child."""
    if element is None:
        return None
    for child in element:
        value = (child.get("codeListValue") or child.text or "").strip()
        if value:
            return value
    return None


def is_http(text: str | None) -> bool:
    return bool(text) and re.match(r"^https?://[^\s]+$", text or "") is not None


def find_all(element: ET.Element, path: str) -> list[ET.Element]:
    """``findall`` with the ``gmd:``, ``gco:`` and ``srv:`` prefixes of ``path`` expanded."""
    return element.findall(path.replace("gmd:", GMD).replace("gco:", GCO).replace("srv:", SRV))


def find_one(element: ET.Element, path: str) -> ET.Element | None:
    found = find_all(element, path)
    return found[0] if found else None
