"""Generate a realistic DCAT dump shaped like the Ecosphères CKAN JSON-LD exposition.

Used for the demo data, the tests and the benchmark catalogs (1M datasets): JSON-LD is
written straight from Python dicts with orjson; Turtle and RDF/XML are the same graph,
parsed back and serialised by pyoxigraph. Output is byte-identical for a given seed.
Field fill rates follow the real Ecosphères page (see shared/realdata/MANIFEST.md), and
the quirks the readers must survive are there on purpose: blank-node datasets,
``dcat:DatasetSeries``, the non-standard ``dcterms:rights_holder``, full-IRI
``adms:status`` with unknown values, ``rdf:langString`` labels without a language,
catalog links to datasets the page does not describe, and a few broken pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import gzip as gzip_module
import itertools
import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson
import pyoxigraph as ox

Format = Literal["jsonld", "ttl", "rdfxml"]

_EXTENSIONS: dict[str, str] = {"jsonld": ".json", "ttl": ".ttl", "rdfxml": ".rdf"}
_OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "rdfxml": ox.RdfFormat.RDF_XML}
_OLD_PAGE = re.compile(r"page-\d{5,}\.(json|ttl|rdf)(\.gz)?")

#: One bad page for about this many good ones (at least one from 3 good pages).
BAD_PAGE_EVERY = 50

SITE = "https://ecospheres.example.org"
PAGE_URL = SITE + "/dcat/catalog/jsonld?page={}"
METADATA = "https://geo.example.org/catalogue/srv/fre/catalog.search#/metadata/"
THEMES = "http://registre.data.developpement-durable.gouv.fr/ecospheres/themes-ecospheres/"
INSEE = "http://id.insee.fr/geo/"
ADMS_STATUS = "http://www.w3.org/ns/adms#status"
VCARD = "http://www.w3.org/2006/vcard/ns#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
MEDIA = "https://www.iana.org/assignments/media-types/"

CONTEXT: dict[str, str] = {
    "adms": "http://www.w3.org/ns/adms#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": VCARD,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# (commune code, commune, département code, département, longitude, latitude)
PLACES: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("74010", "Annecy", "74", "Haute-Savoie", 6.13, 45.90),
    ("74056", "Chamonix-Mont-Blanc", "74", "Haute-Savoie", 6.87, 45.92),
    ("74281", "Thonon-les-Bains", "74", "Haute-Savoie", 6.48, 46.37),
    ("69123", "Lyon", "69", "Rhône", 4.84, 45.76),
    ("38185", "Grenoble", "38", "Isère", 5.72, 45.19),
    ("13055", "Marseille", "13", "Bouches-du-Rhône", 5.37, 43.30),
    ("06088", "Nice", "06", "Alpes-Maritimes", 7.26, 43.70),
    ("31555", "Toulouse", "31", "Haute-Garonne", 1.44, 43.60),
    ("33063", "Bordeaux", "33", "Gironde", -0.58, 44.84),
    ("44109", "Nantes", "44", "Loire-Atlantique", -1.55, 47.22),
    ("59350", "Lille", "59", "Nord", 3.06, 50.63),
    ("67482", "Strasbourg", "67", "Bas-Rhin", 7.75, 48.58),
    ("35238", "Rennes", "35", "Ille-et-Vilaine", -1.68, 48.11),
    ("34172", "Montpellier", "34", "Hérault", 3.88, 43.61),
    ("10387", "Troyes", "10", "Aube", 4.08, 48.30),
    ("62041", "Arras", "62", "Pas-de-Calais", 2.78, 50.29),
    ("68066", "Colmar", "68", "Haut-Rhin", 7.36, 48.08),
    ("2A004", "Ajaccio", "2A", "Corse-du-Sud", 8.74, 41.93),
    ("2A247", "Porto-Vecchio", "2A", "Corse-du-Sud", 9.28, 41.59),
    ("2B033", "Bastia", "2B", "Haute-Corse", 9.45, 42.70),
    ("2B096", "Corte", "2B", "Haute-Corse", 9.15, 42.31),
    ("97101", "Les Abymes", "971", "Guadeloupe", -61.50, 16.27),
    ("97120", "Pointe-à-Pitre", "971", "Guadeloupe", -61.53, 16.24),
    ("97209", "Fort-de-France", "972", "Martinique", -61.07, 14.62),
    ("97302", "Cayenne", "973", "Guyane", -52.33, 4.94),
    ("97411", "Saint-Denis", "974", "La Réunion", 55.45, -20.88),
    ("97416", "Saint-Pierre", "974", "La Réunion", 55.48, -21.34),
    ("97611", "Mamoudzou", "976", "Mayotte", 45.23, -12.78),
)

# (title template, theme slugs, is about natural-risk prevention plans)
SUBJECTS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    (
        "Plan de prévention des risques naturels (PPRN) inondation de {c}",
        ("reglementation-de-prevention-des-risques-naturels", "risques"),
        True,
    ),
    (
        "Zonage réglementaire du PPRN mouvements de terrain — {c}",
        ("reglementation-de-prevention-des-risques-naturels",),
        True,
    ),
    ("Aléas du plan de prévention des risques naturels d'avalanche ({d})", ("risques",), True),
    ("Zones exposées au bruit en {d} (Lden)", ("bruit",), False),
    ("Plan local d'urbanisme de {c}", ("planification", "amenagement-et-urbanisme"), False),
    ("Carte communale de {c}", ("planification",), False),
    ("Quartiers prioritaires de la politique de la ville — {c}", ("politique-de-la-ville",), False),
    ("Secteurs d'information sur les sols ({d})", ("sols-et-sous-sols",), False),
    ("Zones humides inventoriées en {d}", ("eau", "biodiversite"), False),
    ("Réseau routier départemental de {d}", ("transport-et-deplacements",), False),
    ("Installations de production d'énergie renouvelable ({d})", ("energie",), False),
    ("Espaces naturels sensibles de {d}", ("biodiversite",), False),
)

SENTENCES = (
    "Données produites par la direction départementale des territoires.",
    "Le standard de données COVADIS décrit la structure de cette série.",
    "Les limites sont issues de la numérisation des documents graphiques approuvés.",
    "Ces données sont mises à jour à chaque révision de la procédure.",
    "La précision géométrique est celle du cadastre (échelle 1:5000).",
    "Une extraction peut être produite sur demande adressée au contact.",
    "Les objets sont diffusés en Lambert-93 (EPSG:2154).",
)
PPRN_SENTENCES = (
    "Le plan de prévention des risques naturels prévisibles délimite les zones exposées.",
    "Ce PPRN vaut servitude d'utilité publique et est annexé au document d'urbanisme.",
    "La prévention des risques naturels relève de la compétence de l'État.",
)
KEYWORDS = (
    "données ouvertes",
    "Zones de gestion, de restriction ou de réglementation et unités de déclaration",
    "Risque/Zonages Risque naturel",
    "Nuisance/Bruit",
    "urbanisme",
    "Aménagement/Urbanisme/Zonages Planification",
    "inondation",
    "PPR",
    "directive 2002/49/ce",
    "environnement",
    "biodiversité",
    "eau",
    "mouvement de terrain",
    "Usage des sols",
    "Sites protégés",
    "Réseaux de transport",
    "énergie",
)
OPEN_RIGHTS = (
    "Aucun des articles de la loi ne peut être invoqué pour justifier d'une restriction "
    "d'accès public.",
    "Pas de restriction d'accès public selon INSPIRE",
)
OTHER_RIGHTS = (
    ("Licence Ouverte",),
    ("Licence Ouverte version 2.0", "Pas de restriction d'accès public selon INSPIRE"),
    (
        "- Conditions concernant le public :\nDiffusion restreinte aux services de l'État "
        "(L124-5-II-3)",
    ),
    (
        "Les droits de propriété intellectuelle. (L124-5-II-3)",
        "Usage restreint aux services de l'État",
    ),
)
ORGANISATIONS = (
    ("DDT 74 (Direction Départementale des Territoires de la Haute-Savoie)", "ddt-sig@74"),
    ("DREAL Auvergne-Rhône-Alpes", "sig.dreal-ara@ara"),
    ("DDTM 2A (Corse-du-Sud)", "ddtm-sig@2a"),
    ("DEAL de La Réunion", "sig.deal@reunion"),
    ("DDT de l'Aube", "ddt-sig@10"),
    ("Ministère de la Transition écologique", "contact@mte"),
)
SOURCE_CATALOGS = ("GéoIDE Catalogue", "GéoIDE Catalogue", "Sextant", "DataARA", "Géolittoral")
STATUSES = (
    "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED",
    "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED",
    "http://publications.europa.eu/resource/authority/dataset-status/COMPLETED",
    "http://registre.data.developpement-durable.gouv.fr/plume/ISO19139ProgressCode/onGoing",
    "http://publications.europa.eu/resource/authority/dataset-status/DEPRECATED",
    "http://registre.data.developpement-durable.gouv.fr/plume/ISO19139ProgressCode/"
    "underDevelopment",
)
LICENSES = (
    "https://spdx.org/licenses/etalab-2.0",
    "https://spdx.org/licenses/ODbL-1.0",
    "https://spdx.org/licenses/CC-BY-4.0",
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
)
FORMATS = (
    ("ESRI Shapefile (SHP)", "application/zip"),
    ("MapInfo TAB", "application/zip"),
    ("GeoPackage", "application/geopackage+sqlite3"),
    ("CSV", "text/csv"),
    ("PDF", "application/pdf"),
    ("GeoJSON", "application/geo+json"),
    ("Inconnu", None),
)
PERIODICITY = "http://publications.europa.eu/resource/authority/frequency/"

_EPOCH = dt.date(2008, 1, 1).toordinal()
_DAYS = dt.date(2024, 6, 30).toordinal() - _EPOCH


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """What ``write_sample`` wrote; bad pages hold no counted dataset."""

    output: Path
    format: str
    pages: int
    datasets: int
    distributions: int
    bad_pages: tuple[str, ...]

    @property
    def good_pages(self) -> int:
        return self.pages - len(self.bad_pages)


def _bbox(lon: float, lat: float, half: float) -> str:
    w, e, s, n = lon - half, lon + half, lat - half * 0.7, lat + half * 0.7
    ring = f"{e:.8f} {n:.8f},{e:.8f} {s:.8f},{w:.8f} {s:.8f},{w:.8f} {n:.8f},{e:.8f} {n:.8f}"
    return f"POLYGON(({ring}))"


# Pre-built nodes and values: the generator's speed comes from reusing them.
_COMMUNE_IRIS = [{"@id": f"{INSEE}commune/{p[0]}"} for p in PLACES]
_DEPT_IRIS = [{"@id": f"{INSEE}departement/{p[2]}"} for p in PLACES]
_COMMUNE_BBOX = [{"@type": "geo:wktLiteral", "@value": _bbox(p[4], p[5], 0.08)} for p in PLACES]
_DEPT_BBOX = [{"@type": "geo:wktLiteral", "@value": _bbox(p[4], p[5], 0.6)} for p in PLACES]
_KEYWORDS = [{"@language": "fr", "@value": k} for k in KEYWORDS]
_FR = {"@id": "http://publications.europa.eu/resource/authority/language/FRA"}
_EPSG = {"@id": "http://www.opengis.net/def/crs/EPSG/0/2154"}
_ATOM = {"@id": "https://tools.ietf.org/html/rfc4287"}


def _fr(text: str) -> dict[str, str]:
    return {"@language": "fr", "@value": text}


# Every possible date, built once: orjson writes shared dicts as fast as fresh ones.
_DATES = [
    {"@type": "xsd:date", "@value": dt.date.fromordinal(_EPOCH + day).isoformat()}
    for day in range(_DAYS)
]
_ORG_NAMES = [_fr(name) for name, _ in ORGANISATIONS]
_MAILBOXES = [{"@id": f"{SITE}/dcat/catalog/{box}.example.fr"} for _, box in ORGANISATIONS]
_OPEN_RIGHTS = [_fr(label) for label in OPEN_RIGHTS]
_OTHER_RIGHTS = [[_fr(label) for label in labels] for labels in OTHER_RIGHTS]
_CATALOG_TITLES = [_fr(title) for title in SOURCE_CATALOGS]
_STATUSES = [{"@id": status} for status in STATUSES]
_LICENSES = [{"@id": iri} for iri in LICENSES]
_FORMATS = [
    (
        # rdflib's compaction writes these labels as language-less rdf:langString
        {"@type": "rdf:langString", "@value": label},
        _fr(label),
        _fr(f"Téléchargement ({label})"),
        {"@id": MEDIA + media} if media else None,
    )
    for label, media in FORMATS
]
_PERIODICITIES = [{"@id": PERIODICITY + p} for p in ("ANNUAL", "IRREG", "CONT", "MONTHLY")]
_PROVENANCE = _fr("Données numérisées à partir des documents approuvés.")
_HOMEPAGE = {"@id": "https://geo.example.org"}
_RECORD_EPOCH = dt.datetime(2019, 1, 1)


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Page:
    """Builds one page's ``@graph``; blank-node labels are unique within the page."""

    def __init__(self, rng: random.Random, page: int) -> None:
        self.rng = rng
        self.graph: list[dict[str, Any]] = []
        self.distributions = 0
        self._prefix = f"_:N{page:x}x"
        self._next = itertools.count(1).__next__

    def blank(self) -> str:
        return f"{self._prefix}{self._next():x}"

    def dataset(self) -> str:
        rng = self.rng
        r = rng.random
        blank = self.blank
        graph = self.graph
        uid = _uuid(rng)
        is_blank = r() < 0.05
        ident = f"fr-120066022-jdd-{uid}"
        iri = blank() if is_blank else METADATA + ident
        is_series = r() < 0.3
        place = int(r() * len(PLACES))
        commune_level = r() < 0.55
        _, commune, _, dept, _, _ = PLACES[place]
        template, theme_slugs, pprn = SUBJECTS[int(r() * len(SUBJECTS))]
        title = template.format(c=commune if commune_level else dept, d=dept)
        sentences = [SENTENCES[int(r() * len(SENTENCES))] for _ in range(1 + int(r() * 3))]
        if pprn:
            sentences.insert(0, PPRN_SENTENCES[int(r() * len(PPRN_SENTENCES))])
        ds: dict[str, Any] = {
            "@id": iri,
            "@type": ["dcat:Dataset", "dcat:DatasetSeries"] if is_series else "dcat:Dataset",
        }
        if r() < 0.67:
            org = int(r() * len(ORGANISATIONS))
            kind: dict[str, Any] = {"@id": blank(), "@type": VCARD + "Kind"}
            if r() < 0.5:
                kind[VCARD + "fn"] = _ORG_NAMES[org]
            kind[VCARD + "hasEmail"] = _MAILBOXES[org]
            graph.append(kind)
            ds["dcat:contactPoint"] = {"@id": kind["@id"]}
        dists = [self.distribution(r() < 0.01) for _ in range(1 + int(r() * 4))]
        ds["dcat:distribution"] = dists[0] if len(dists) == 1 else dists
        n_kw = 1 + int(r() * 5)
        start = int(r() * len(_KEYWORDS))
        ds["dcat:keyword"] = [_KEYWORDS[(start + k * 3) % len(_KEYWORDS)] for k in range(n_kw)]
        if not is_blank:
            ds["dcat:landingPage"] = {"@id": iri}
        if is_series:
            ds["dcat:seriesMember"] = [
                {"@id": f"{METADATA}fr-120066022-jdd-{_uuid(rng)}"} for _ in range(1 + int(r() * 3))
            ]
        elif r() < 0.35:
            ds["dcat:inSeries"] = {"@id": f"{METADATA}fr-120066022-ldd-{_uuid(rng)}"}
        if r() < 0.96:
            themes = [{"@id": THEMES + slug} for slug in theme_slugs]
            ds["dcat:theme"] = themes[0] if len(themes) == 1 else themes
        if r() < 0.99:
            labels = _OPEN_RIGHTS if r() < 0.85 else _OTHER_RIGHTS[int(r() * len(_OTHER_RIGHTS))]
            rights = []
            for label in labels:
                node = blank()
                graph.append({"@id": node, "@type": "dcterms:RightsStatement", "rdfs:label": label})
                rights.append({"@id": node})
            ds["dcterms:accessRights"] = rights[0] if len(rights) == 1 else rights
        if r() < 0.1:
            ds["dcterms:accrualPeriodicity"] = _PERIODICITIES[int(r() * 4)]
        ds["dcterms:conformsTo"] = _EPSG
        issued = _DATES[int(r() * _DAYS)]
        if r() < 0.71:
            ds["dcterms:created"] = issued if r() < 0.5 else _DATES[int(r() * _DAYS)]
        ds["dcterms:description"] = _fr(" ".join(sentences))
        ds["dcterms:issued"] = issued
        ds["dcterms:language"] = _FR
        if r() < 0.6:
            ds["dcterms:modified"] = _DATES[int(r() * _DAYS)]
        if r() < 0.13:
            node = blank()
            graph.append(
                {"@id": node, "@type": "dcterms:ProvenanceStatement", "rdfs:label": _PROVENANCE}
            )
            ds["dcterms:provenance"] = {"@id": node}
        ds["dcterms:spatial"] = self.spatial(place, commune_level)
        ds["dcterms:title"] = _fr(title)
        if r() < 0.41:
            org = int(r() * len(ORGANISATIONS))
            node = blank()
            graph.append(
                {
                    "@id": node,
                    "@type": "foaf:Organization",
                    "foaf:mbox": _MAILBOXES[org],
                    "foaf:name": _ORG_NAMES[org],
                }
            )
            which = r()
            prop = (
                "dcterms:rights_holder"
                if which < 0.7
                else "dcterms:rightsHolder"
                if which < 0.85
                else "dcterms:publisher"
            )
            ds[prop] = {"@id": node}
        if r() < 0.28:
            ds[ADMS_STATUS] = _STATUSES[int(r() * len(_STATUSES))]
        ds["foaf:isPrimaryTopicOf"] = self.record(ident)
        if not is_blank:
            ds["foaf:page"] = {"@id": iri}
        graph.append(ds)
        return iri

    def spatial(self, place: int, commune_level: bool) -> list[dict[str, Any]]:
        r = self.rng.random
        node = self.blank()
        spatial: list[dict[str, Any]] = [{"@id": node}]
        if r() < 0.95:  # else a dct:spatial object without any triple, as in the real page
            self.graph.append(
                {
                    "@id": node,
                    "@type": "dcterms:Location",
                    "dcat:bbox": (_COMMUNE_BBOX if commune_level else _DEPT_BBOX)[place],
                }
            )
        if commune_level:
            spatial.append(_COMMUNE_IRIS[place])
            for _ in range(int(r() * 3)):
                spatial.append(_COMMUNE_IRIS[int(r() * len(PLACES))])
            if r() < 0.3:
                spatial.append(_DEPT_IRIS[place])
        else:
            spatial.append(_DEPT_IRIS[place])
        return spatial

    def distribution(self, no_license: bool) -> dict[str, str]:
        r = self.rng.random
        blank = self.blank
        graph = self.graph
        self.distributions += 1
        lang_less, labelled, title, media = _FORMATS[int(r() * len(_FORMATS))]
        url = {
            "@id": f"https://atom.example.org/atomArchive/GetResource?id={_uuid(self.rng)}"
            "&dataType=dataset"
        }
        node, service, fmt = blank(), blank(), blank()
        graph.append({"@id": service, "@type": "dcat:DataService", "dcterms:conformsTo": _ATOM})
        graph.append(
            {
                "@id": fmt,
                "@type": "dcterms:MediaTypeOrExtent",
                "rdfs:label": lang_less if r() < 0.8 else labelled,
            }
        )
        dist: dict[str, Any] = {
            "@id": node,
            "@type": "dcat:Distribution",
            "dcat:accessService": {"@id": service},
            "dcat:accessURL": url,
            "dcat:downloadURL": url,
            "dcterms:format": {"@id": fmt},
        }
        if not no_license:
            x = r()
            dist["dcterms:license"] = _LICENSES[0 if x < 0.85 else 1 + int(x * 7) % 3]
        dist["dcterms:title"] = title
        if media and r() < 0.3:
            dist["dcat:mediaType"] = media
        if r() < 0.2:
            size = 1000 + int(r() * 50_000_000)
            dist["dcat:byteSize"] = (
                {"@type": "xsd:decimal", "@value": f"{size}.0"}
                if r() < 0.5
                else {"@type": "xsd:nonNegativeInteger", "@value": str(size)}
            )
        graph.append(dist)
        return {"@id": node}

    def record(self, ident: str) -> dict[str, str]:
        r = self.rng.random
        catalog, record = self.blank(), self.blank()
        self.graph.append(
            {
                "@id": catalog,
                "@type": "dcat:Catalog",
                "dcterms:title": _CATALOG_TITLES[int(r() * len(_CATALOG_TITLES))],
                "foaf:homepage": _HOMEPAGE,
            }
        )
        when = _RECORD_EPOCH + dt.timedelta(
            seconds=int(r() * 150_000_000), microseconds=int(r() * 1_000_000)
        )
        self.graph.append(
            {
                "@id": record,
                "@type": "dcat:CatalogRecord",
                "dcat:inCatalog": {"@id": catalog},
                "dcterms:identifier": ident,
                "dcterms:language": _FR,
                "dcterms:modified": {"@type": "xsd:dateTime", "@value": when.isoformat()},
            }
        )
        return {"@id": record}


def build_page(
    seed: int, page: int, *, pages: int, count: int, total: int, page_size: int
) -> tuple[dict[str, Any], int]:
    """One page as a JSON-LD document, and its number of distributions.

    Each page has its own random stream, so pages could be generated in parallel.
    """
    rng = random.Random(f"{seed}:{page}")  # noqa: S311 - sample data, not secrets
    builder = _Page(rng, page)
    links = [{"@id": builder.dataset()} for _ in range(count)]
    # the catalog lists more datasets than the page describes, like CKAN's exposition
    links += [
        {"@id": f"{METADATA}fr-120066022-jdd-{_uuid(rng)}"}
        for _ in range(int(count * 0.3 * rng.random()))
    ]
    hydra: dict[str, Any] = {
        "@id": PAGE_URL.format(page),
        "@type": HYDRA + "PagedCollection",
        HYDRA + "firstPage": PAGE_URL.format(1),
        HYDRA + "itemsPerPage": page_size,
        HYDRA + "lastPage": PAGE_URL.format(pages),
    }
    if page < pages:
        hydra[HYDRA + "nextPage"] = PAGE_URL.format(page + 1)
    if page > 1:
        hydra[HYDRA + "previousPage"] = PAGE_URL.format(page - 1)
    hydra[HYDRA + "totalItems"] = total
    catalog = {
        "@id": SITE,
        "@type": "dcat:Catalog",
        "dcat:dataset": links,
        "dcterms:issued": {"@type": "xsd:dateTime", "@value": "2022-10-01T00:00:00"},
        "dcterms:language": {"@id": SITE + "/dcat/catalog/fr"},
        "dcterms:title": "Ecosphères (démonstration)",
        "foaf:homepage": {"@id": SITE + "/#"},
    }
    document = {"@context": CONTEXT, "@graph": [*builder.graph, catalog, hydra]}
    return document, builder.distributions


_LANG_STRING = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")


def _plain(term: Any) -> Any:
    # Turtle refuses rdf:langString without a language (JSON-LD lets it through)
    if isinstance(term, ox.Literal) and term.datatype == _LANG_STRING and not term.language:
        return ox.Literal(term.value)
    return term


def serialize_page(document: dict[str, Any], fmt: Format) -> bytes:
    """The page in ``fmt``: JSON-LD as built, or the same graph through pyoxigraph."""
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if fmt == "jsonld":
        return data
    triples = [
        ox.Triple(quad.subject, quad.predicate, _plain(quad.object))
        for quad in ox.parse(data, format=ox.RdfFormat.JSON_LD)
    ]
    serialized = ox.serialize(triples, format=_OX_FORMATS[fmt], prefixes=CONTEXT)
    assert serialized is not None  # no output file given: bytes come back
    return serialized


HTML_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""

NOT_DCAT = orjson.dumps(
    {
        "help": SITE + "/api/3/action/help_show?name=package_search",
        "success": False,
        "error": {"message": "Solr returned an error: timeout", "__type": "Search Error"},
    },
    option=orjson.OPT_INDENT_2,
)


def _truncated(good: bytes, fmt: Format) -> bytes:
    cut = len(good) * 3 // 5
    if fmt == "ttl":  # end inside a literal, so the cut can never fall on a statement end
        cut = good.index(b'"', cut) + 1
    return good[:cut]


def _bad_page(kind: str, seed: int, number: int, fmt: Format) -> bytes:
    if kind == "html-502":
        return HTML_502
    if kind == "not-dcat-json":
        return NOT_DCAT
    document, _ = build_page(seed ^ 0x5EED, number, pages=number, count=5, total=5, page_size=5)
    good = serialize_page(document, fmt)
    if kind == "truncated-gzip":
        packed = gzip_module.compress(good, compresslevel=1, mtime=0)
        return packed[: len(packed) // 2]
    return _truncated(good, fmt)


def _bad_kinds(gzip: bool) -> tuple[str, ...]:
    kinds = ("truncated", "html-502", "not-dcat-json")
    return (*kinds, "truncated-gzip") if gzip else kinds


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: pages are acyclic dicts, and its scans halved the speed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_sample(
    output: Path,
    *,
    datasets: int,
    fmt: Format = "jsonld",
    seed: int = 42,
    page_size: int = 100,
    bad_pages: bool = True,
    gzip: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SampleSummary:
    """Write a generated dump of ``datasets`` datasets into ``output`` (created if needed).

    Pages are ``page-00001.json`` (``.ttl``, ``.rdf``; ``+ .gz`` when ``gzip``). When
    ``bad_pages``, about one extra broken page per 50 good ones is interleaved (truncated
    page, an HTML "502 Bad Gateway" page, a non-DCAT JSON answer, a truncated gzip), so
    every dataset asked for is still in a good page. Page files left in ``output`` by a
    previous sample are removed first; nothing else is touched. ``progress`` is called
    with the number of datasets written after each page.
    """
    if datasets < 0 or page_size < 1:
        raise ValueError("datasets must be ≥ 0 and page_size ≥ 1")
    if fmt not in _EXTENSIONS:
        raise ValueError(f"unknown format {fmt!r}: choose jsonld, ttl or rdfxml")
    output.mkdir(parents=True, exist_ok=True)
    for old in output.iterdir():
        if old.is_file() and _OLD_PAGE.fullmatch(old.name):
            old.unlink()

    good = math.ceil(datasets / page_size)
    n_bad = max(1, good // BAD_PAGE_EVERY) if bad_pages and good >= 3 else 0
    # bad page k follows good page after_good[k]: spread evenly, never first
    after_good = [max(1, (2 * k + 1) * good // (2 * n_bad)) for k in range(n_bad)]
    width = max(5, len(str(good + n_bad)))
    extension = _EXTENSIONS[fmt] + (".gz" if gzip else "")
    kinds = _bad_kinds(gzip)

    def write(number: int, data: bytes, compress: bool) -> str:
        name = f"page-{number:0{width}d}{extension}"
        if compress:
            data = gzip_module.compress(data, compresslevel=1, mtime=0)
        (output / name).write_bytes(data)
        return name

    number = 0
    written = 0
    distributions = 0
    bad_names: list[str] = []
    bad_index = 0
    with _gc_paused():
        for page in range(1, good + 1):
            count = min(page_size, datasets - written)
            document, n_dist = build_page(
                seed, page, pages=good, count=count, total=datasets, page_size=page_size
            )
            number += 1
            write(number, serialize_page(document, fmt), gzip)
            written += count
            distributions += n_dist
            while bad_index < n_bad and after_good[bad_index] == page:
                kind = kinds[bad_index % len(kinds)]
                number += 1
                data = _bad_page(kind, seed, number, fmt)
                bad_names.append(write(number, data, gzip and kind != "truncated-gzip"))
                bad_index += 1
            if progress is not None:
                progress(written)
    return SampleSummary(
        output=output,
        format=fmt,
        pages=number,
        datasets=written,
        distributions=distributions,
        bad_pages=tuple(bad_names),
    )
