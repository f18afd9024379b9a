"""Constraints (GeoDCAT-AP "Conditions for access and use" and "Limitations on public
access"): licences and access rights, as the IRI of a ``gmx:Anchor`` or a labelled
statement."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Term
from dcat_quality.dcat.iso19139.reading import anchor, find_all, find_one
from dcat_quality.dcat.iso19139.writer import RecordWriter


def statement(w: RecordWriter, holder: ET.Element, kind: str) -> Term | None:
    """A constraint as the IRI of its ``gmx:Anchor``, else a labelled statement."""
    href = anchor(holder)
    values = w.texts(holder)
    if href is not None:
        for value in values:  # the anchor's text names the IRI
            w.add(href, v.RDFS + "label", value)
        return href
    if not values:
        return None
    node = w.blank("statement")
    w.add(node, v.TYPE, v.DCT + kind)
    for value in values:
        w.add(node, v.RDFS + "label", value)
    return node


def constraints(w: RecordWriter, info: ET.Element) -> tuple[list[Term], list[Term]]:
    """(licences, access rights), GeoDCAT-AP "Conditions for access and use and
    limitations on public access", for INSPIRE TG 2.0 records and legacy ones:

    * ``otherConstraints`` of a block with ``accessConstraints`` → ``dct:accessRights``;
    * ``otherConstraints`` of a block with only ``useConstraints`` → ``dct:license``;
    * ``useLimitation`` (TG 1.3 "conditions applying to access and use") → licence.
    """
    licences: list[Term] = []
    rights: list[Term] = []
    for block in find_all(info, "gmd:resourceConstraints/*"):
        for limitation in find_all(block, "gmd:useLimitation"):
            found = statement(w, limitation, "LicenseDocument")
            if found is not None:
                licences.append(found)
        access = find_one(block, "gmd:accessConstraints") is not None
        use = find_one(block, "gmd:useConstraints") is not None
        for other in find_all(block, "gmd:otherConstraints"):
            if access:
                found = statement(w, other, "RightsStatement")
                if found is not None:
                    rights.append(found)
            elif use:
                found = statement(w, other, "LicenseDocument")
                if found is not None:
                    licences.append(found)
    return licences, rights
