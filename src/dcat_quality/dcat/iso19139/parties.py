"""Responsible parties (GeoDCAT-AP "Responsible organisation" and "Metadata point of
contact"): each ISO role becomes its GeoDCAT-AP property, the party a ``foaf`` agent, or
a ``vcard`` for a contact point."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.iso19139.reading import char, code_value, find_all, find_one
from dcat_quality.dcat.iso19139.tables import ROLE_PROPERTIES
from dcat_quality.dcat.iso19139.writer import RecordWriter


def agent(w: RecordWriter, party: ET.Element, *, vcard: bool) -> str:
    """A responsible party as a ``foaf:Organization`` or (contact point) a ``vcard``."""
    node = w.blank("agent")
    organisation = char(find_one(party, "gmd:organisationName"))
    person = char(find_one(party, "gmd:individualName"))
    emails = [
        e
        for e in (
            char(x)
            for x in find_all(
                party,
                "gmd:contactInfo/gmd:CI_Contact/gmd:address/gmd:CI_Address/"
                "gmd:electronicMailAddress",
            )
        )
        if e
    ]
    if vcard:
        w.add(node, v.TYPE, v.VCARD + ("Organization" if organisation else "Individual"))
        w.add(node, v.VCARD + "fn", w.literal(organisation or person))
        if organisation and person:
            w.add(node, v.VCARD + "organization-name", w.literal(organisation))
        for email in emails:
            w.add(node, v.VCARD + "hasEmail", "mailto:" + email)
    else:
        w.add(node, v.TYPE, v.FOAF + ("Organization" if organisation else "Person"))
        w.add(node, v.FOAF + "name", w.literal(organisation or person))
        for email in emails:
            w.add(node, v.FOAF + "mbox", "mailto:" + email)
    return node


def party(w: RecordWriter, node: str, element: ET.Element) -> None:
    """A ``CI_ResponsibleParty`` of the resource, by its role; unmapped roles are left."""
    role = code_value(find_one(element, "gmd:role"))
    prop = ROLE_PROPERTIES.get(role or "")
    if prop is None:
        return
    w.add(node, prop, agent(w, element, vcard=prop == v.DCAT + "contactPoint"))
