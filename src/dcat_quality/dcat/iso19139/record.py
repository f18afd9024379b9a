"""One ISO 19139 record → DCAT: the mapping's steps in the order GeoDCAT-AP lists them.

A dataset or series record becomes a ``dcat:Dataset`` (a series also a
``dcat:DatasetSeries``) with its ``dcat:CatalogRecord``; a service record a
``dcat:DataService``, which is not scored as a dataset.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Literal
from dcat_quality.dcat.iso19139.constraints import constraints
from dcat_quality.dcat.iso19139.distributions import distributions
from dcat_quality.dcat.iso19139.extents import crs, extents
from dcat_quality.dcat.iso19139.languages import language_iri
from dcat_quality.dcat.iso19139.parties import agent, party
from dcat_quality.dcat.iso19139.reading import (
    GCO,
    SRV,
    char,
    clean,
    code_value,
    find_all,
    find_one,
    is_http,
    iter_records,
)
from dcat_quality.dcat.iso19139.tables import (
    INSPIRE_CODELIST,
    MINTED_PREFIX,
    XSD_DATE,
    XSD_DATETIME,
)
from dcat_quality.dcat.iso19139.themes import keywords
from dcat_quality.dcat.iso19139.writer import Conversion, RecordWriter


def convert(data: bytes) -> Conversion:
    """The DCAT graph of every ISO 19139 record of a document (raises ``ET.ParseError``)."""
    out = Conversion()
    for element in iter_records(data):
        out.records += 1
        convert_record(RecordWriter(element, out))
    return out


def convert_record(w: RecordWriter) -> None:
    """One record into ``w``'s graph; a record without identification info gives nothing."""
    ident = find_one(w.e, "gmd:identificationInfo")
    info = ident[0] if ident is not None and len(ident) else None
    if info is None:
        return
    scope = code_value(find_one(w.e, "gmd:hierarchyLevel")) or "dataset"
    if info.tag == SRV + "SV_ServiceIdentification" or scope == "service":
        _service(w, info)
        return
    citation = find_one(info, "gmd:citation/gmd:CI_Citation")
    codes = _identifiers(citation)
    node = _dataset_node(w, codes)
    _dataset_type(w, node, scope)
    for code in codes:
        w.add(node, v.DCT + "identifier", Literal(code, None, None))
    _description(w, node, citation, info)
    for element in find_all(info, "gmd:pointOfContact/gmd:CI_ResponsibleParty"):
        party(w, node, element)
    for language in find_all(info, "gmd:language"):
        w.add(node, v.DCT + "language", language_iri(code_value(language) or char(language)))
    extents(w, node, info)
    _frequency(w, node, info)
    _lineage(w, node)
    crs(w, node)
    licences, rights = constraints(w, info)
    for right in rights:
        w.add(node, v.DCT + "accessRights", right)
    distributions(w, node, licences, rights)
    _catalog_record(w, node)


def _identifiers(citation: ET.Element | None) -> list[str]:
    """GeoDCAT-AP "Unique resource identifier": the namespace (codeSpace, if any)
    followed by the code, for each identifier of the citation."""
    return [
        _identifier(char(find_one(i, "gmd:codeSpace")), code)
        for i in (find_all(citation, "gmd:identifier/*") if citation is not None else [])
        for code in (char(find_one(i, "gmd:code")),)
        if code
    ]


def _identifier(namespace: str | None, code: str) -> str:
    """Namespace and code concatenated (GeoDCAT-AP); an HTTP namespace without a final
    ``/`` or ``#`` gets a ``/`` between them (the reference XSLT does the same), or the
    concatenation would not be the URI it means."""
    if not namespace or is_http(code):
        return code
    if is_http(namespace) and not namespace.endswith(("/", "#")):
        return f"{namespace}/{code}"
    return namespace + code


def _dataset_node(w: RecordWriter, codes: list[str]) -> str:
    """The dataset's IRI: its first HTTP identifier, else one minted from the
    ``fileIdentifier`` (``MINTED_PREFIX``), else a blank node."""
    http_codes = sorted(c for c in codes if is_http(c))
    if http_codes:
        return http_codes[0]
    if w.file_id:
        return MINTED_PREFIX + quote(w.file_id, safe="")
    return w.blank("dataset")


def _dataset_type(w: RecordWriter, node: str, scope: str) -> None:
    """``dcat:Dataset``, a series also ``dcat:DatasetSeries`` (GeoDCAT-AP 3 / DCAT-AP 3),
    and the INSPIRE resource type."""
    w.add(node, v.TYPE, v.DATASET)
    series = scope == "series"
    if series:
        w.add(node, v.TYPE, v.DATASET_SERIES)
    resource_type = "series" if series else "dataset"
    w.add(node, v.DCT + "type", INSPIRE_CODELIST + "ResourceType/" + resource_type)


def _description(w: RecordWriter, node: str, citation: ET.Element | None, info: ET.Element) -> None:
    """Title and dates of the citation, abstract, keywords and topic categories."""
    if citation is not None:
        for value in w.texts(find_one(citation, "gmd:title")):
            w.add(node, v.DCT + "title", value)
        w.dates(node, citation)
    for value in w.texts(find_one(info, "gmd:abstract")):
        w.add(node, v.DCT + "description", value)
    keywords(w, node, info)
    for topic in find_all(info, "gmd:topicCategory/gmd:MD_TopicCategoryCode"):
        topic_code = clean(topic.text)
        if topic_code:
            w.add(node, v.DCT + "subject", INSPIRE_CODELIST + "TopicCategory/" + topic_code)


def _frequency(w: RecordWriter, node: str, info: ET.Element) -> None:
    """The maintenance frequency as the INSPIRE code list's IRI."""
    code = code_value(
        find_one(
            info,
            "gmd:resourceMaintenance/gmd:MD_MaintenanceInformation/"
            "gmd:maintenanceAndUpdateFrequency",
        )
    )
    if code:
        frequency = INSPIRE_CODELIST + "MaintenanceFrequency/" + code
        w.add(node, v.DCT + "accrualPeriodicity", frequency)


def _lineage(w: RecordWriter, node: str) -> None:
    """Each lineage statement as a ``dct:ProvenanceStatement``."""
    path = "gmd:dataQualityInfo/*/gmd:lineage/gmd:LI_Lineage/gmd:statement"
    for statement in find_all(w.e, path):
        values = w.texts(statement)
        if not values:
            continue
        provenance = w.blank("provenance")
        w.add(node, v.DCT + "provenance", provenance)
        w.add(provenance, v.TYPE, v.DCT + "ProvenanceStatement")
        for value in values:
            w.add(provenance, v.RDFS + "label", value)


def _catalog_record(w: RecordWriter, node: str) -> None:
    """Metadata on metadata: the ``dcat:CatalogRecord`` (GeoDCAT-AP "Metadata date",
    "Metadata language", "Metadata point of contact")."""
    record = w.blank("record")
    w.add(node, v.FOAF + "isPrimaryTopicOf", record)
    w.add(record, v.TYPE, v.DCAT + "CatalogRecord")
    w.add(record, v.FOAF + "primaryTopic", node)
    if w.file_id:
        w.add(record, v.DCT + "identifier", Literal(w.file_id, None, None))
    stamp = find_one(w.e, "gmd:dateStamp")
    if stamp is not None:
        for child in stamp:
            text = clean(child.text)
            if text:
                datatype = XSD_DATE if child.tag == GCO + "Date" else XSD_DATETIME
                w.add(record, v.DCT + "modified", Literal(text, None, datatype))
    language = find_one(w.e, "gmd:language")
    w.add(record, v.DCT + "language", language_iri(code_value(language) or char(language)))
    for element in find_all(w.e, "gmd:contact/gmd:CI_ResponsibleParty"):
        w.add(record, v.DCAT + "contactPoint", agent(w, element, vcard=True))


def _service(w: RecordWriter, info: ET.Element) -> None:
    """A service record: a ``dcat:DataService``, which is not scored as a dataset."""
    node = MINTED_PREFIX + quote(w.file_id or f"service-{w.out.records}", safe="")
    w.add(node, v.TYPE, v.DCAT + "DataService")
    citation = find_one(info, "gmd:citation/gmd:CI_Citation")
    title = char(find_one(citation, "gmd:title")) if citation is not None else None
    w.add(node, v.DCT + "title", w.literal(title))
    w.out.services.append(title or w.file_id or node)
