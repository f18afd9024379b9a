"""ISO 19139 (``gmd:MD_Metadata``) → the DCAT graph the rest of the chain reads.

Written by us from the GeoDCAT-AP specification's mapping tables ("INSPIRE and ISO 19115
mappings" annex of GeoDCAT-AP 2.0: the Core table, the Extended table and the per-element
sections), not from another project's code. Each rule names the element it maps; the
French manual (``docs/catalogues-geo.md``) has the table, and every difference from the
mapping the Ecosphères pipeline used (the SEMIC XSLT outputs in realdata) is listed there.

The result is a ``Graph`` like any parsed page, so an ISO record is scored exactly like its
DCAT equivalent (same extraction, MQA, SHACL and Ecosphères indicators).

The package follows the mapping's sections, one module each, on top of reading the XML
(``reading``: namespaces, records one at a time, the ISO value wrappers) and writing one
record's triples (``writer``): ``record`` (the steps of a record, identity, description,
lineage, the catalogue record), ``themes`` (keywords and INSPIRE themes), ``parties``
(responsible parties by role), ``extents`` (bounding boxes, time, reference systems),
``constraints`` (licences and access rights), ``distributions`` (resource locators and
OGC services), ``languages`` and ``tables`` (the mapping tables).
"""

from __future__ import annotations

from dcat_quality.dcat.iso19139.languages import language_iri, language_tag
from dcat_quality.dcat.iso19139.reading import MD_METADATA, is_iso19139, iter_records
from dcat_quality.dcat.iso19139.record import convert
from dcat_quality.dcat.iso19139.tables import GEODCATAP, MINTED_PREFIX, ROLE_PROPERTIES
from dcat_quality.dcat.iso19139.writer import Conversion

__all__ = [
    "GEODCATAP",
    "MD_METADATA",
    "MINTED_PREFIX",
    "ROLE_PROPERTIES",
    "Conversion",
    "convert",
    "is_iso19139",
    "iter_records",
    "language_iri",
    "language_tag",
]
