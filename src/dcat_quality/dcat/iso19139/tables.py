"""The GeoDCAT-AP mapping tables (GeoDCAT-AP 2.0, "INSPIRE and ISO 19115 mappings"
annex) and the IRIs the mapping writes."""

from __future__ import annotations

from dcat_quality.dcat import vocab as v

GEODCATAP = "http://data.europa.eu/930/"
GSP = "http://www.opengis.net/ont/geosparql#"
INSPIRE_CODELIST = "http://inspire.ec.europa.eu/metadata-codelist/"
INSPIRE_THEME = "http://inspire.ec.europa.eu/theme/"
OGC_STANDARDS = "http://www.opengeospatial.org/standards/"

XSD_DATE = v.XSD + "date"
XSD_DATETIME = v.XSD + "dateTime"
WKT = GSP + "wktLiteral"

#: ISO 19115 responsible party roles → GeoDCAT-AP properties (GeoDCAT-AP 2.0, table
#: "Responsible party roles").
ROLE_PROPERTIES = {
    "resourceProvider": GEODCATAP + "resourceProvider",
    "custodian": GEODCATAP + "custodian",
    "owner": v.DCT + "rightsHolder",
    "user": GEODCATAP + "user",
    "distributor": GEODCATAP + "distributor",
    "originator": GEODCATAP + "originator",
    "pointOfContact": v.DCAT + "contactPoint",
    "principalInvestigator": GEODCATAP + "principalInvestigator",
    "processor": GEODCATAP + "processor",
    "publisher": v.DCT + "publisher",
    "author": v.DCT + "creator",
}
#: CI_DateTypeCode → DCAT property (GeoDCAT-AP: "Temporal reference").
DATE_PROPERTIES = {
    "creation": v.DCT + "created",
    "publication": v.DCT + "issued",
    "revision": v.DCT + "modified",
}
#: CI_OnLineFunctionCode → where a resource locator goes for datasets and series
#: (GeoDCAT-AP: "Resource locator"); ``None`` (no code) is the dataset's landing page.
FUNCTION_TARGETS = {
    None: "landingPage",
    "download": "distribution",
    "offlineAccess": "distribution",
    "order": "distribution",
    "information": "page",
    "search": "page",
}
#: Prefix of the dataset IRI minted from ``gmd:fileIdentifier`` when the resource has no
#: HTTP(S) identifier (our rule; see ``docs/catalogues-geo.md``).
MINTED_PREFIX = "urn:dcat-quality:iso19139:"
