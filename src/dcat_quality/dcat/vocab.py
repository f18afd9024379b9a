"""IRIs of the vocabularies the extraction reads."""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ADMS = "http://www.w3.org/ns/adms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LOCN = "http://www.w3.org/ns/locn#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SCHEMA_HTTP = "http://schema.org/"
SCHEMA_HTTPS = "https://schema.org/"
OWL = "http://www.w3.org/2002/07/owl#"
#: DCAT-AP's own namespace (``dcatap:hvdCategory``, ``dcatap:applicableLegislation``).
DCATAP = "http://data.europa.eu/r5r/"

TYPE = RDF + "type"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = RDF + "langString"

DATASET = DCAT + "Dataset"
DATASET_SERIES = DCAT + "DatasetSeries"
CATALOG = DCAT + "Catalog"
DATA_SERVICE = DCAT + "DataService"

#: ELI of Commission Implementing Regulation (EU) 2023/138 (high-value datasets), the
#: value DCAT-AP HVD 3.0.0 requires in ``dcatap:applicableLegislation``.
HVD_ELI = "http://data.europa.eu/eli/reg_impl/2023/138/oj"

#: Properties whose value names a thing (organisation, contact): read its name from these.
NAME_PROPERTIES = (
    FOAF + "name",
    VCARD + "fn",
    VCARD + "organization-name",
    SKOS + "prefLabel",
    RDFS + "label",
)
#: Properties whose value labels a concept or statement.
LABEL_PROPERTIES = (RDFS + "label", SKOS + "prefLabel", DCT + "title", RDF + "value")
