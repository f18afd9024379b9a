"""ISO 19139 (``gmd:MD_Metadata``) → the DCAT graph the rest of the chain reads.

Written by us from the GeoDCAT-AP specification's mapping tables ("INSPIRE and ISO 19115
mappings" annex of GeoDCAT-AP 2.0: the Core table, the Extended table and the per-element
sections), not from another project's code. Each rule names the element it maps; the
French manual (``docs/catalogues-geo.md``) has the table, and every difference from the
mapping the Ecosphères pipeline used (the SEMIC XSLT outputs in realdata) is listed there.

The result is a ``Graph`` like any parsed page, so an ISO record is scored exactly like its
DCAT equivalent (same extraction, MQA, SHACL and Ecosphères indicators).

Records are read one ``MD_Metadata`` at a time with ``iterparse`` and each element is
cleared once converted, so a CSW response of thousands of records keeps memory flat. The
stdlib XML parser (expat) is used: it resolves no external entity and refuses entity
expansion bombs.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Graph, Literal, Term

GMD = "{http://www.isotc211.org/2005/gmd}"
GCO = "{http://www.isotc211.org/2005/gco}"
GMX = "{http://www.isotc211.org/2005/gmx}"
SRV = "{http://www.isotc211.org/2005/srv}"
GML_NAMESPACES = ("{http://www.opengis.net/gml}", "{http://www.opengis.net/gml/3.2}")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

GMD_NS = "http://www.isotc211.org/2005/gmd"
#: The record element this module maps.
MD_METADATA = GMD + "MD_Metadata"

PROV = "http://www.w3.org/ns/prov#"
GEODCATAP = "http://data.europa.eu/930/"
GSP = "http://www.opengis.net/ont/geosparql#"
INSPIRE_CODELIST = "http://inspire.ec.europa.eu/metadata-codelist/"
INSPIRE_THEME = "http://inspire.ec.europa.eu/theme/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
OGC_STANDARDS = "http://www.opengeospatial.org/standards/"

_XSD_DATE = v.XSD + "date"
_XSD_DATETIME = v.XSD + "dateTime"
_WKT = GSP + "wktLiteral"

#: ISO 639-2/B codes (what ISO 19139 records carry) → the ISO 639-2/T code the EU
#: language authority list uses in its IRIs (GeoDCAT-AP: "the URI of the relevant
#: language available from the register operated by the EU Publications Office").
_BIBLIOGRAPHIC_TO_TERMINOLOGIC = {
    "alb": "sqi",
    "arm": "hye",
    "baq": "eus",
    "bur": "mya",
    "chi": "zho",
    "cze": "ces",
    "dut": "nld",
    "fre": "fra",
    "geo": "kat",
    "ger": "deu",
    "gre": "ell",
    "ice": "isl",
    "mac": "mkd",
    "mao": "mri",
    "may": "msa",
    "per": "fas",
    "rum": "ron",
    "slo": "slk",
    "tib": "bod",
    "wel": "cym",
}
#: ISO 639-2 → the BCP 47 tag (ISO 639-1) RDF literals take (``xml:lang``), for the
#: languages of the EU and its neighbours; GeoDCAT-AP: "a mapping from the actual value
#: of the metadata language is needed".
_BCP47 = {
    "bul": "bg",
    "hrv": "hr",
    "ces": "cs",
    "dan": "da",
    "nld": "nl",
    "eng": "en",
    "est": "et",
    "fin": "fi",
    "fra": "fr",
    "deu": "de",
    "ell": "el",
    "hun": "hu",
    "gle": "ga",
    "ita": "it",
    "lav": "lv",
    "lit": "lt",
    "mlt": "mt",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "slk": "sk",
    "slv": "sl",
    "spa": "es",
    "swe": "sv",
    "isl": "is",
    "nor": "no",
    "nob": "nb",
    "nno": "nn",
    "cat": "ca",
    "eus": "eu",
    "glg": "gl",
    "ltz": "lb",
    "roh": "rm",
    "cym": "cy",
    "sqi": "sq",
    "mkd": "mk",
    "srp": "sr",
    "bos": "bs",
    "tur": "tr",
    "ukr": "uk",
    "rus": "ru",
}

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
#: The 34 INSPIRE spatial data themes (INSPIRE registry ``/theme``), by their English and
#: French names, for keywords whose thesaurus is "GEMET - INSPIRE themes": GeoDCAT-AP maps
#: them to ``dcat:theme`` with the registry's IRI.
INSPIRE_THEMES = {
    "ac": ("Atmospheric conditions", "Conditions atmosphériques"),
    "ad": ("Addresses", "Adresses"),
    "af": ("Agricultural and aquaculture facilities", "Installations agricoles et aquacoles"),
    "am": (
        "Area management/restriction/regulation zones and reporting units",
        "Zones de gestion, de restriction ou de réglementation et unités de déclaration",
    ),
    "au": ("Administrative units", "Unités administratives"),
    "br": ("Bio-geographical regions", "Régions biogéographiques"),
    "bu": ("Buildings", "Bâtiments"),
    "cp": ("Cadastral parcels", "Parcelles cadastrales"),
    "ef": ("Environmental monitoring facilities", "Installations de suivi environnemental"),
    "el": ("Elevation", "Altitude"),
    "er": ("Energy resources", "Sources d'énergie"),
    "ge": ("Geology", "Géologie"),
    "gg": ("Geographical grid systems", "Systèmes de maillage géographique"),
    "gn": ("Geographical names", "Dénominations géographiques"),
    "hb": ("Habitats and biotopes", "Habitats et biotopes"),
    "hh": ("Human health and safety", "Santé et sécurité des personnes"),
    "hy": ("Hydrography", "Hydrographie"),
    "lc": ("Land cover", "Occupation des terres"),
    "lu": ("Land use", "Usage des sols"),
    "mf": (
        "Meteorological geographical features",
        "Caractéristiques géographiques météorologiques",
    ),
    "mr": ("Mineral resources", "Ressources minérales"),
    "nz": ("Natural risk zones", "Zones à risque naturel"),
    "of": (
        "Oceanographic geographical features",
        "Caractéristiques géographiques océanographiques",
    ),
    "oi": ("Orthoimagery", "Ortho-imagerie"),
    "pd": ("Population distribution — demography", "Répartition de la population — démographie"),
    "pf": ("Production and industrial facilities", "Lieux de production et sites industriels"),
    "ps": ("Protected sites", "Sites protégés"),
    "rs": ("Coordinate reference systems", "Référentiels de coordonnées"),
    "sd": ("Species distribution", "Répartition des espèces"),
    "so": ("Soil", "Sols"),
    "sr": ("Sea regions", "Régions maritimes"),
    "su": ("Statistical units", "Unités statistiques"),
    "tn": ("Transport networks", "Réseaux de transport"),
    "us": (
        "Utility and governmental services",
        "Services d'utilité publique et services publics",
    ),
}
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
#: Prefix of the dataset IRI minted from ``gmd:fileIdentifier`` when the resource has no
#: HTTP(S) identifier (our rule; see the module docstring of ``docs/catalogues-geo.md``).
MINTED_PREFIX = "urn:dcat-quality:iso19139:"


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\s\-–—/’']+", " ", plain).split())


_THEME_BY_LABEL = {
    _normalise(label): code for code, labels in INSPIRE_THEMES.items() for label in labels
}


def language_tag(code: str | None) -> str | None:
    """The BCP 47 tag of an ISO 639-2 code (``fre`` → ``fr``); None when unknown."""
    if not code:
        return None
    code = code.strip().lower()
    if len(code) == 2:
        return code
    return _BCP47.get(_BIBLIOGRAPHIC_TO_TERMINOLOGIC.get(code, code))


def language_iri(code: str | None) -> str | None:
    """The EU language authority IRI of an ISO 639-2 code (``fre`` → ``…/language/FRA``)."""
    if not code or len(code.strip()) != 3:
        return None
    code = code.strip().lower()
    return EU_LANGUAGE + _BIBLIOGRAPHIC_TO_TERMINOLOGIC.get(code, code).upper()


@dataclass
class Conversion:
    """What converting a document gave: the graph, and notes on what was not a dataset."""

    graph: Graph = field(default_factory=Graph)
    records: int = 0
    services: list[str] = field(default_factory=list)


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


def convert(data: bytes) -> Conversion:
    """The DCAT graph of every ISO 19139 record of a document (raises ``ET.ParseError``)."""
    out = Conversion()
    for record in iter_records(data):
        out.records += 1
        _Record(record, out).convert()
    return out


# -- reading ISO values ------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split()) if "\n" in text or "  " in text else text.strip()
    return text or None


def _char(element: ET.Element | None) -> str | None:
    """The text of a ``gco:CharacterString`` / ``gmx:Anchor`` / code-list holder."""
    if element is None:
        return None
    for child in element:
        if child.tag.startswith(GCO) or child.tag in (GMX + "Anchor", GMD + "URL"):
            return _clean(child.text)  # CharacterString, Decimal, Real, Integer…
        if child.tag == GMD + "PT_FreeText":
            continue
        code = child.get("codeListValue")
        if code:
            return code.strip() or None
    return _clean(element.text)


def _anchor(element: ET.Element | None) -> str | None:
    """The ``xlink:href`` of a ``gmx:Anchor`` child, when the value is one."""
    if element is None:
        return None
    for child in element:
        if child.tag == GMX + "Anchor":
            href = (child.get(XLINK_HREF) or "").strip()
            return href if _is_http(href) else None
    return None


def _code(element: ET.Element | None) -> str | None:
    """The ``codeListValue`` of a code-list element's child."""
    if element is None:
        return None
    for child in element:
        value = (child.get("codeListValue") or child.text or "").strip()
        if value:
            return value
    return None


def _is_http(text: str | None) -> bool:
    return bool(text) and re.match(r"^https?://[^\s]+$", text or "") is not None


def _all(element: ET.Element, path: str) -> list[ET.Element]:
    return element.findall(path.replace("gmd:", GMD).replace("gco:", GCO).replace("srv:", SRV))


def _one(element: ET.Element, path: str) -> ET.Element | None:
    found = _all(element, path)
    return found[0] if found else None


class _Record:
    """One ``MD_Metadata`` turned into triples of ``out.graph``."""

    def __init__(self, element: ET.Element, out: Conversion) -> None:
        self.e = element
        self.out = out
        self.g = out.graph
        # literals take the metadata language; without one, the resource's (our fallback)
        self.lang = next(
            (
                tag
                for holder in (
                    _one(element, "gmd:language"),
                    _one(element, "gmd:identificationInfo/*/gmd:language"),
                )
                if holder is not None
                for tag in (language_tag(_code(holder)) or _text_language(_char(holder)),)
                if tag
            ),
            None,
        )
        self.locales = self._locales()
        self._blank = 0
        self.file_id = _char(_one(element, "gmd:fileIdentifier"))

    # -- helpers

    def blank(self, hint: str) -> str:
        self._blank += 1
        key = quote(self.file_id or "record", safe="")
        return f"_:iso{self.out.records}-{key}-{hint}{self._blank}"

    def add(self, subject: str, predicate: str, obj: Term | None) -> None:
        if obj is not None:
            self.g.add(subject, predicate, obj)

    def literal(self, text: str | None, lang: str | None = None) -> Literal | None:
        return Literal(text, lang or self.lang, None) if text else None

    def texts(self, element: ET.Element | None) -> list[Literal]:
        """The value in the metadata language and its ``PT_FreeText`` translations."""
        if element is None:
            return []
        out = []
        main = _char(element)
        if main:
            out.append(Literal(main, self.lang, None))
        for group in element.iter(GMD + "LocalisedCharacterString"):
            text = _clean(group.text)
            locale = (group.get("locale") or "").lstrip("#")
            lang = self.locales.get(locale)
            if text and lang and lang != self.lang:
                out.append(Literal(text, lang, None))
        return out

    def _locales(self) -> dict[str, str]:
        locales: dict[str, str] = {}
        for locale in self.e.iter(GMD + "PT_Locale"):
            ident = locale.get("id")
            tag = language_tag(_code(_one(locale, "gmd:languageCode")))
            if ident and tag:
                locales[ident] = tag
        return locales

    # -- the record

    def convert(self) -> None:
        ident = _one(self.e, "gmd:identificationInfo")
        info = ident[0] if ident is not None and len(ident) else None
        if info is None:
            return
        scope = _code(_one(self.e, "gmd:hierarchyLevel")) or "dataset"
        if info.tag == SRV + "SV_ServiceIdentification" or scope == "service":
            self.service(info)
            return
        citation = _one(info, "gmd:citation/gmd:CI_Citation")
        # GeoDCAT-AP "Unique resource identifier": the namespace (codeSpace, if any)
        # followed by the code; an HTTP URI is also the resource's IRI
        codes = [
            _identifier(_char(_one(i, "gmd:codeSpace")), code)
            for i in (_all(citation, "gmd:identifier/*") if citation is not None else [])
            for code in (_char(_one(i, "gmd:code")),)
            if code
        ]
        http_codes = sorted(c for c in codes if _is_http(c))
        if http_codes:
            node = http_codes[0]
        elif self.file_id:
            node = MINTED_PREFIX + quote(self.file_id, safe="")
        else:
            node = self.blank("dataset")
        self.add(node, v.TYPE, v.DATASET)
        series = scope == "series"
        if series:  # GeoDCAT-AP 3 / DCAT-AP 3: a series is a dcat:DatasetSeries
            self.add(node, v.TYPE, v.DATASET_SERIES)
        resource_type = "series" if series else "dataset"
        self.add(node, v.DCT + "type", INSPIRE_CODELIST + "ResourceType/" + resource_type)
        for code in codes:
            self.add(node, v.DCT + "identifier", Literal(code, None, None))
        if citation is not None:
            for value in self.texts(_one(citation, "gmd:title")):
                self.add(node, v.DCT + "title", value)
            self.dates(node, citation)
        for value in self.texts(_one(info, "gmd:abstract")):
            self.add(node, v.DCT + "description", value)
        self.keywords(node, info)
        for topic in _all(info, "gmd:topicCategory/gmd:MD_TopicCategoryCode"):
            topic_code = _clean(topic.text)
            if topic_code:
                self.add(node, v.DCT + "subject", INSPIRE_CODELIST + "TopicCategory/" + topic_code)
        for party in _all(info, "gmd:pointOfContact/gmd:CI_ResponsibleParty"):
            self.party(node, party)
        for language in _all(info, "gmd:language"):
            self.add(node, v.DCT + "language", language_iri(_code(language) or _char(language)))
        self.extents(node, info)
        self.frequency(node, info)
        self.lineage(node)
        self.crs(node)
        licences, rights = self.constraints(info)
        for right in rights:
            self.add(node, v.DCT + "accessRights", right)
        self.distributions(node, licences, rights)
        self.catalog_record(node)

    def service(self, info: ET.Element) -> None:
        """A service record: a ``dcat:DataService``, which is not scored as a dataset."""
        node = MINTED_PREFIX + quote(self.file_id or f"service-{self.out.records}", safe="")
        self.add(node, v.TYPE, v.DCAT + "DataService")
        citation = _one(info, "gmd:citation/gmd:CI_Citation")
        title = _char(_one(citation, "gmd:title")) if citation is not None else None
        self.add(node, v.DCT + "title", self.literal(title))
        self.out.services.append(title or self.file_id or node)

    def dates(self, node: str, citation: ET.Element) -> None:
        for date in _all(citation, "gmd:date/gmd:CI_Date"):
            kind = _code(_one(date, "gmd:dateType"))
            prop = DATE_PROPERTIES.get(kind or "")
            holder = _one(date, "gmd:date")
            if prop is None or holder is None:
                continue
            for child in holder:
                text = _clean(child.text)
                if text and child.tag in (GCO + "Date", GCO + "DateTime"):
                    datatype = _XSD_DATE if child.tag == GCO + "Date" else _XSD_DATETIME
                    self.add(node, prop, Literal(text, None, datatype))

    def keywords(self, node: str, info: ET.Element) -> None:
        for block in _all(info, "gmd:descriptiveKeywords/gmd:MD_Keywords"):
            thesaurus = _one(block, "gmd:thesaurusName/gmd:CI_Citation")
            thesaurus_title = _char(_one(thesaurus, "gmd:title")) if thesaurus is not None else None
            inspire = thesaurus_title is not None and "inspire" in thesaurus_title.lower()
            for keyword in _all(block, "gmd:keyword"):
                values = self.texts(keyword)
                if not values:
                    continue
                href = _anchor(keyword)
                if thesaurus is None and href is None:
                    for value in values:  # free keyword
                        self.add(node, v.DCAT + "keyword", value)
                    continue
                code = _THEME_BY_LABEL.get(_normalise(values[0].value)) if inspire else None
                if href is None and code is not None:
                    href = INSPIRE_THEME + code
                if href is not None:
                    self.add(node, v.DCAT + "theme", href)
                    continue
                concept = self.blank("concept")
                self.add(node, v.DCAT + "theme", concept)
                self.add(concept, v.TYPE, v.SKOS + "Concept")
                for value in values:
                    self.add(concept, v.SKOS + "prefLabel", value)
                if thesaurus is not None:
                    scheme = self.blank("scheme")
                    self.add(concept, v.SKOS + "inScheme", scheme)
                    self.add(scheme, v.TYPE, v.SKOS + "ConceptScheme")
                    self.add(scheme, v.DCT + "title", self.literal(thesaurus_title))
                    self.dates(scheme, thesaurus)

    def agent(self, party: ET.Element, *, vcard: bool) -> str:
        """A responsible party as a ``foaf:Organization`` or (contact point) a ``vcard``."""
        agent = self.blank("agent")
        organisation = _char(_one(party, "gmd:organisationName"))
        person = _char(_one(party, "gmd:individualName"))
        emails = [
            e
            for e in (
                _char(x)
                for x in _all(
                    party,
                    "gmd:contactInfo/gmd:CI_Contact/gmd:address/gmd:CI_Address/"
                    "gmd:electronicMailAddress",
                )
            )
            if e
        ]
        if vcard:
            self.add(agent, v.TYPE, v.VCARD + ("Organization" if organisation else "Individual"))
            self.add(agent, v.VCARD + "fn", self.literal(organisation or person))
            if organisation and person:
                self.add(agent, v.VCARD + "organization-name", self.literal(organisation))
            for email in emails:
                self.add(agent, v.VCARD + "hasEmail", "mailto:" + email)
        else:
            self.add(agent, v.TYPE, v.FOAF + ("Organization" if organisation else "Person"))
            self.add(agent, v.FOAF + "name", self.literal(organisation or person))
            for email in emails:
                self.add(agent, v.FOAF + "mbox", "mailto:" + email)
        return agent

    def party(self, node: str, party: ET.Element) -> None:
        role = _code(_one(party, "gmd:role"))
        prop = ROLE_PROPERTIES.get(role or "")
        if prop is None:
            return
        agent = self.agent(party, vcard=prop == v.DCAT + "contactPoint")
        self.add(node, prop, agent)

    def extents(self, node: str, info: ET.Element) -> None:
        for extent in _all(info, "gmd:extent/gmd:EX_Extent") + _all(
            info, f"{SRV}extent/gmd:EX_Extent"
        ):
            for box in _all(extent, "gmd:geographicElement/gmd:EX_GeographicBoundingBox"):
                corners = [
                    _char(_one(box, f"gmd:{side}"))
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
                location = self.blank("location")
                self.add(node, v.DCT + "spatial", location)
                self.add(location, v.TYPE, v.DCT + "Location")
                wkt = Literal(_wkt(*numbers), None, _WKT)
                self.add(location, v.DCAT + "bbox", wkt)
            for description in _all(
                extent,
                "gmd:geographicElement/gmd:EX_GeographicDescription/gmd:geographicIdentifier/*",
            ):
                code = _one(description, "gmd:code")
                href = _anchor(code) or (_char(code) if _is_http(_char(code)) else None)
                if href:
                    self.add(node, v.DCT + "spatial", href)
                elif _char(code):
                    location = self.blank("location")
                    self.add(node, v.DCT + "spatial", location)
                    self.add(location, v.TYPE, v.DCT + "Location")
                    self.add(location, v.SKOS + "prefLabel", self.literal(_char(code)))
            for temporal in _all(extent, "gmd:temporalElement/*/gmd:extent"):
                self.period(node, temporal)

    def period(self, node: str, holder: ET.Element) -> None:
        start = end = None
        for element in holder.iter():
            local = element.tag.rpartition("}")[2]
            if element.tag.startswith(GML_NAMESPACES):
                text = _clean(element.text)
                if local in ("beginPosition", "begin") and text:
                    start = text
                elif local in ("endPosition", "end") and text:
                    end = text
                elif local == "timePosition" and text:
                    start = end = text
        if start is None and end is None:
            return
        period = self.blank("period")
        self.add(node, v.DCT + "temporal", period)
        self.add(period, v.TYPE, v.DCT + "PeriodOfTime")
        for prop, value in ((v.DCAT + "startDate", start), (v.DCAT + "endDate", end)):
            if value:
                datatype = _XSD_DATETIME if "T" in value else _XSD_DATE
                self.add(period, prop, Literal(value, None, datatype))

    def frequency(self, node: str, info: ET.Element) -> None:
        code = _code(
            _one(
                info,
                "gmd:resourceMaintenance/gmd:MD_MaintenanceInformation/"
                "gmd:maintenanceAndUpdateFrequency",
            )
        )
        if code:
            frequency = INSPIRE_CODELIST + "MaintenanceFrequency/" + code
            self.add(node, v.DCT + "accrualPeriodicity", frequency)

    def lineage(self, node: str) -> None:
        path = "gmd:dataQualityInfo/*/gmd:lineage/gmd:LI_Lineage/gmd:statement"
        for statement in _all(self.e, path):
            values = self.texts(statement)
            if not values:
                continue
            provenance = self.blank("provenance")
            self.add(node, v.DCT + "provenance", provenance)
            self.add(provenance, v.TYPE, v.DCT + "ProvenanceStatement")
            for value in values:
                self.add(provenance, v.RDFS + "label", value)

    def crs(self, node: str) -> None:
        for code in _all(
            self.e, "gmd:referenceSystemInfo/*/gmd:referenceSystemIdentifier/*/gmd:code"
        ):
            href = _anchor(code)
            if href:
                self.add(node, v.DCT + "conformsTo", href)

    def statement(self, holder: ET.Element, kind: str) -> Term | None:
        """A constraint as the IRI of its ``gmx:Anchor``, else a labelled statement."""
        href = _anchor(holder)
        values = self.texts(holder)
        if href is not None:
            for value in values:  # the anchor's text names the IRI
                self.add(href, v.RDFS + "label", value)
            return href
        if not values:
            return None
        node = self.blank("statement")
        self.add(node, v.TYPE, v.DCT + kind)
        for value in values:
            self.add(node, v.RDFS + "label", value)
        return node

    def constraints(self, info: ET.Element) -> tuple[list[Term], list[Term]]:
        """(licences, access rights), GeoDCAT-AP "Conditions for access and use and
        limitations on public access", for INSPIRE TG 2.0 records and legacy ones:

        * ``otherConstraints`` of a block with ``accessConstraints`` → ``dct:accessRights``;
        * ``otherConstraints`` of a block with only ``useConstraints`` → ``dct:license``;
        * ``useLimitation`` (TG 1.3 "conditions applying to access and use") → licence.
        """
        licences: list[Term] = []
        rights: list[Term] = []
        for block in _all(info, "gmd:resourceConstraints/*"):
            for limitation in _all(block, "gmd:useLimitation"):
                found = self.statement(limitation, "LicenseDocument")
                if found is not None:
                    licences.append(found)
            access = _one(block, "gmd:accessConstraints") is not None
            use = _one(block, "gmd:useConstraints") is not None
            for other in _all(block, "gmd:otherConstraints"):
                if access:
                    found = self.statement(other, "RightsStatement")
                    if found is not None:
                        rights.append(found)
                elif use:
                    found = self.statement(other, "LicenseDocument")
                    if found is not None:
                        licences.append(found)
        return licences, rights

    def distributions(self, node: str, licences: list[Term], rights: list[Term]) -> None:
        formats = [
            f
            for f in (
                _anchor(_one(fmt, "gmd:name")) or _char(_one(fmt, "gmd:name"))
                for fmt in _all(
                    self.e,
                    "gmd:distributionInfo/gmd:MD_Distribution/gmd:distributionFormat/gmd:MD_Format",
                )
            )
            if f
        ]
        for online in _all(
            self.e,
            "gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/"
            "gmd:MD_DigitalTransferOptions/gmd:onLine/gmd:CI_OnlineResource",
        ):
            url = _char(_one(online, "gmd:linkage"))
            if not url:
                continue
            protocol = _char(_one(online, "gmd:protocol"))
            service = _service(protocol, url)
            target = FUNCTION_TARGETS.get(_code(_one(online, "gmd:function")), "landingPage")
            if service is None and target == "landingPage":
                self.add(node, v.DCAT + "landingPage", url)
                continue
            if service is None and target == "page":
                self.add(node, v.FOAF + "page", url)
                continue
            dist = self.blank("distribution")
            self.add(node, v.DCAT + "distribution", dist)
            self.add(dist, v.TYPE, v.DCAT + "Distribution")
            self.add(dist, v.DCAT + "accessURL", url)
            name = _char(_one(online, "gmd:name"))
            self.add(dist, v.DCT + "title", self.literal(name))
            description = _char(_one(online, "gmd:description"))
            self.add(dist, v.DCT + "description", self.literal(description))
            for fmt in formats:  # "Encoding": the Anchor's IRI, else a labelled node
                if _is_http(fmt):
                    self.add(dist, v.DCT + "format", fmt)
                    continue
                media = self.blank("format")
                self.add(dist, v.DCT + "format", media)
                self.add(media, v.TYPE, v.DCT + "MediaTypeOrExtent")
                self.add(media, v.RDFS + "label", Literal(fmt, None, None))
            for licence in licences:
                self.add(dist, v.DCT + "license", licence)
            for right in rights:
                self.add(dist, v.DCT + "accessRights", right)
            if service is not None:
                endpoint = self.blank("service")
                self.add(dist, v.DCAT + "accessService", endpoint)
                self.add(endpoint, v.TYPE, v.DCAT + "DataService")
                self.add(endpoint, v.DCT + "title", self.literal(name))
                parts = urlsplit(url)
                self.add(
                    endpoint,
                    v.DCAT + "endpointURL",
                    urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                )
                if "getcapabilities" in parts.query.lower():
                    self.add(endpoint, v.DCAT + "endpointDescription", url)
                self.add(endpoint, v.DCT + "conformsTo", OGC_STANDARDS + service)

    def catalog_record(self, node: str) -> None:
        """Metadata on metadata: the ``dcat:CatalogRecord`` (GeoDCAT-AP "Metadata date",
        "Metadata language", "Metadata point of contact")."""
        record = self.blank("record")
        self.add(node, v.FOAF + "isPrimaryTopicOf", record)
        self.add(record, v.TYPE, v.DCAT + "CatalogRecord")
        self.add(record, v.FOAF + "primaryTopic", node)
        if self.file_id:
            self.add(record, v.DCT + "identifier", Literal(self.file_id, None, None))
        stamp = _one(self.e, "gmd:dateStamp")
        if stamp is not None:
            for child in stamp:
                text = _clean(child.text)
                if text:
                    datatype = _XSD_DATE if child.tag == GCO + "Date" else _XSD_DATETIME
                    self.add(record, v.DCT + "modified", Literal(text, None, datatype))
        language = _one(self.e, "gmd:language")
        self.add(record, v.DCT + "language", language_iri(_code(language) or _char(language)))
        for party in _all(self.e, "gmd:contact/gmd:CI_ResponsibleParty"):
            self.add(record, v.DCAT + "contactPoint", self.agent(party, vcard=True))


def _text_language(text: str | None) -> str | None:
    return language_tag(text) if text and len(text.strip()) == 3 else None


def _identifier(namespace: str | None, code: str) -> str:
    """Namespace and code concatenated (GeoDCAT-AP); an HTTP namespace without a final
    ``/`` or ``#`` gets a ``/`` between them (the reference XSLT does the same), or the
    concatenation would not be the URI it means."""
    if not namespace or _is_http(code):
        return code
    if _is_http(namespace) and not namespace.endswith(("/", "#")):
        return f"{namespace}/{code}"
    return namespace + code


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
