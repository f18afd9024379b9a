"""Keywords (GeoDCAT-AP "Keyword" and "Spatial data theme"): free keywords as
``dcat:keyword``; a keyword of a thesaurus as ``dcat:theme``, the IRI of its
``gmx:Anchor`` or of the INSPIRE theme it names, else a ``skos:Concept`` of its scheme."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

from dcat_quality.dcat import vocab as v
from dcat_quality.dcat.graph import Literal
from dcat_quality.dcat.iso19139.reading import anchor, char, find_all, find_one
from dcat_quality.dcat.iso19139.tables import INSPIRE_THEME
from dcat_quality.dcat.iso19139.writer import RecordWriter

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


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\s\-–—/’']+", " ", plain).split())


_THEME_BY_LABEL = {
    _normalise(label): code for code, labels in INSPIRE_THEMES.items() for label in labels
}


def keywords(w: RecordWriter, node: str, info: ET.Element) -> None:
    """Every keyword of every ``MD_Keywords`` block of the resource."""
    for block in find_all(info, "gmd:descriptiveKeywords/gmd:MD_Keywords"):
        thesaurus = find_one(block, "gmd:thesaurusName/gmd:CI_Citation")
        thesaurus_title = char(find_one(thesaurus, "gmd:title")) if thesaurus is not None else None
        inspire = thesaurus_title is not None and "inspire" in thesaurus_title.lower()
        for keyword in find_all(block, "gmd:keyword"):
            values = w.texts(keyword)
            if not values:
                continue
            href = anchor(keyword)
            if thesaurus is None and href is None:
                for value in values:  # free keyword
                    w.add(node, v.DCAT + "keyword", value)
                continue
            code = _THEME_BY_LABEL.get(_normalise(values[0].value)) if inspire else None
            if href is None and code is not None:
                href = INSPIRE_THEME + code
            if href is not None:
                w.add(node, v.DCAT + "theme", href)
            else:
                _concept(w, node, values, thesaurus, thesaurus_title)


def _concept(
    w: RecordWriter,
    node: str,
    values: list[Literal],
    thesaurus: ET.Element | None,
    thesaurus_title: str | None,
) -> None:
    """A keyword without IRI as a ``skos:Concept``, in a scheme when it has a thesaurus."""
    concept = w.blank("concept")
    w.add(node, v.DCAT + "theme", concept)
    w.add(concept, v.TYPE, v.SKOS + "Concept")
    for value in values:
        w.add(concept, v.SKOS + "prefLabel", value)
    if thesaurus is not None:
        scheme = w.blank("scheme")
        w.add(concept, v.SKOS + "inScheme", scheme)
        w.add(scheme, v.TYPE, v.SKOS + "ConceptScheme")
        w.add(scheme, v.DCT + "title", w.literal(thesaurus_title))
        w.dates(scheme, thesaurus)
