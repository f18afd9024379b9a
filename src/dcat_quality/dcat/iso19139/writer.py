"""Writing one record's triples: the graph shared by a document's records, the record's
language and translations, its blank nodes, and the helpers every mapping step uses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import quote

from dcat_quality.dcat.graph import Graph, Literal, Term
from dcat_quality.dcat.iso19139.languages import language_tag, text_language
from dcat_quality.dcat.iso19139.reading import (
    GCO,
    GMD,
    char,
    clean,
    code_value,
    find_all,
    find_one,
)
from dcat_quality.dcat.iso19139.tables import DATE_PROPERTIES, XSD_DATE, XSD_DATETIME


@dataclass
class Conversion:
    """What converting a document gave: the graph, and notes on what was not a dataset."""

    graph: Graph = field(default_factory=Graph)
    records: int = 0
    services: list[str] = field(default_factory=list)


class RecordWriter:
    """One ``MD_Metadata`` being turned into triples of ``out.graph``."""

    def __init__(self, element: ET.Element, out: Conversion) -> None:
        self.e = element
        self.out = out
        self.g = out.graph
        # literals take the metadata language; without one, the resource's (our fallback)
        self.lang = next(
            (
                tag
                for holder in (
                    find_one(element, "gmd:language"),
                    find_one(element, "gmd:identificationInfo/*/gmd:language"),
                )
                if holder is not None
                for tag in (language_tag(code_value(holder)) or text_language(char(holder)),)
                if tag
            ),
            None,
        )
        self.locales = self._locales()
        self._blank = 0
        self.file_id = char(find_one(element, "gmd:fileIdentifier"))

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
        main = char(element)
        if main:
            out.append(Literal(main, self.lang, None))
        for group in element.iter(GMD + "LocalisedCharacterString"):
            text = clean(group.text)
            locale = (group.get("locale") or "").lstrip("#")
            lang = self.locales.get(locale)
            if text and lang and lang != self.lang:
                out.append(Literal(text, lang, None))
        return out

    def _locales(self) -> dict[str, str]:
        locales: dict[str, str] = {}
        for locale in self.e.iter(GMD + "PT_Locale"):
            ident = locale.get("id")
            tag = language_tag(code_value(find_one(locale, "gmd:languageCode")))
            if ident and tag:
                locales[ident] = tag
        return locales

    def dates(self, node: str, citation: ET.Element) -> None:
        """A citation's creation, publication and revision dates (GeoDCAT-AP "Temporal
        reference")."""
        for date in find_all(citation, "gmd:date/gmd:CI_Date"):
            kind = code_value(find_one(date, "gmd:dateType"))
            prop = DATE_PROPERTIES.get(kind or "")
            holder = find_one(date, "gmd:date")
            if prop is None or holder is None:
                continue
            for child in holder:
                text = clean(child.text)
                if text and child.tag in (GCO + "Date", GCO + "DateTime"):
                    datatype = XSD_DATE if child.tag == GCO + "Date" else XSD_DATETIME
                    self.add(node, prop, Literal(text, None, datatype))
