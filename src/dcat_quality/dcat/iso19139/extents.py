"""Where and when: bounding boxes and geographic identifiers (``dct:spatial``), temporal
extents (``dct:temporal``) and the reference system (``dct:conformsTo``), GeoDCAT-AP
"Geographic bounding box", "Temporal extent" and "Coordinate reference system"."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Literal
from dcat_quality.dcat.iso19139.reading import (
    GML_NAMESPACES,
    SRV,
    anchor,
    char,
    clean,
    find_all,
    find_one,
    is_http,
)
from dcat_quality.dcat.iso19139.tables import WKT, XSD_DATE, XSD_DATETIME
from dcat_quality.dcat.iso19139.writer import RecordWriter


def extents(w: RecordWriter, node: str, info: ET.Element) -> None:
    """Every ``EX_Extent`` of the resource (``srv:extent`` too): boxes, geographic
    identifiers, time spans."""
    for extent in find_all(info, "gmd:extent/gmd:EX_Extent") + find_all(
        info, f"{SRV}extent/gmd:EX_Extent"
    ):
        _bounding_boxes(w, node, extent)
        _geographic_identifiers(w, node, extent)
        for temporal in find_all(extent, "gmd:temporalElement/*/gmd:extent"):
            period(w, node, temporal)


def _bounding_boxes(w: RecordWriter, node: str, extent: ET.Element) -> None:
    """Each box with four numeric corners as a ``dct:Location`` with a WKT ``dcat:bbox``."""
    for box in find_all(extent, "gmd:geographicElement/gmd:EX_GeographicBoundingBox"):
        corners = [
            char(find_one(box, f"gmd:{side}"))
            for side in (
                "westBoundLongitude",
                "eastBoundLongitude",
                "southBoundLatitude",
                "northBoundLatitude",
            )
        ]
        numbers = [c for c in corners if c is not None and _is_number(c)]
        if len(numbers) != 4:
            continue
        location = w.blank("location")
        w.add(node, v.DCT + "spatial", location)
        w.add(location, v.TYPE, v.DCT + "Location")
        wkt = Literal(_wkt(*numbers), None, WKT)
        w.add(location, v.DCAT + "bbox", wkt)


def _geographic_identifiers(w: RecordWriter, node: str, extent: ET.Element) -> None:
    """A geographic identifier: its IRI, else a ``dct:Location`` labelled with its code."""
    for description in find_all(
        extent,
        "gmd:geographicElement/gmd:EX_GeographicDescription/gmd:geographicIdentifier/*",
    ):
        code = find_one(description, "gmd:code")
        href = anchor(code) or (char(code) if is_http(char(code)) else None)
        if href:
            w.add(node, v.DCT + "spatial", href)
        elif char(code):
            location = w.blank("location")
            w.add(node, v.DCT + "spatial", location)
            w.add(location, v.TYPE, v.DCT + "Location")
            w.add(location, v.SKOS + "prefLabel", w.literal(char(code)))


def period(w: RecordWriter, node: str, holder: ET.Element) -> None:
    """A GML time period or instant as a ``dct:PeriodOfTime``."""
    start = end = None
    for element in holder.iter():
        local = element.tag.rpartition("}")[2]
        if element.tag.startswith(GML_NAMESPACES):
            text = clean(element.text)
            if local in ("beginPosition", "begin") and text:
                start = text
            elif local in ("endPosition", "end") and text:
                end = text
            elif local == "timePosition" and text:
                start = end = text
    if start is None and end is None:
        return
    span = w.blank("period")
    w.add(node, v.DCT + "temporal", span)
    w.add(span, v.TYPE, v.DCT + "PeriodOfTime")
    for prop, value in ((v.DCAT + "startDate", start), (v.DCAT + "endDate", end)):
        if value:
            datatype = XSD_DATETIME if "T" in value else XSD_DATE
            w.add(span, prop, Literal(value, None, datatype))


def crs(w: RecordWriter, node: str) -> None:
    """The reference systems named by an IRI (``gmx:Anchor``)."""
    for code in find_all(w.e, "gmd:referenceSystemInfo/*/gmd:referenceSystemIdentifier/*/gmd:code"):
        href = anchor(code)
        if href:
            w.add(node, v.DCT + "conformsTo", href)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _wkt(w: str, e: str, s: str, n: str) -> str:
    """The bounding box as a WKT polygon in CRS84 (longitude latitude), the GeoDCAT-AP
    example's vertex order (west-north, east-north, east-south, west-south, west-north);
    the coordinates are written as published."""
    return f"POLYGON(({w} {n},{e} {n},{e} {s},{w} {s},{w} {n}))"
