"""The two lists the high-value-dataset checks match against, bundled as JSON.

* ``vocabularies/hvd_categories.json``: the EU "High-value dataset categories" concept
  scheme (``http://data.europa.eu/bna/asd487ae75``), each concept with its broader one and
  its labels;
* ``vocabularies/hvd_licences.json``: the licences we count as "CC BY 4.0 or less
  restrictive" (Implementing Regulation (EU) 2023/138, Article 4), each with its reason.

Each file names its source, version and licence. Category IRIs are matched exactly, as the
official shapes do (``sh:hasValue`` on ``skos:inScheme``); licence IRIs with the tolerance
of the other vocabularies (``vocabularies.iri_key``: http/https, trailing slash, case of
the last segment), because catalogs write the same licence so.

Regenerate the categories from the Publications Office's SKOS file (RDF/XML, the
``high-value-dataset-category.rdf`` distribution of the dataset
``http://publications.europa.eu/resource/dataset/high-value-dataset-category``)::

    python -m dcat_quality.quality.hvd_vocabulary high-value-dataset-category.rdf
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson
import pyoxigraph as ox

from dcat_quality.dcat import vocab as v
from dcat_quality.quality.vocabularies import iri_key

CATEGORIES_FILE = "hvd_categories.json"
LICENCES_FILE = "hvd_licences.json"
SCHEME = "http://data.europa.eu/bna/asd487ae75"
#: Languages kept when regenerating, in the order labels are looked up.
LANGUAGES = ("fr", "en", "de")


@dataclass(frozen=True, slots=True)
class Category:
    """One concept of the HVD category scheme."""

    iri: str
    broader: str | None
    labels: Mapping[str, str]

    def label(self, lang: str = "fr") -> str:
        """The label in ``lang``, else French, English, German, else the code."""
        for code in (lang, *LANGUAGES):
            if code in self.labels:
                return self.labels[code]
        return self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class HvdVocabulary:
    """The HVD category scheme and the licences compatible with the regulation."""

    categories: Mapping[str, Category]
    licence_keys: Mapping[str, str]  # iri_key → licence code
    source: str
    version: str
    licences_source: str = ""
    licences_version: str = ""

    def describe(self) -> dict[str, str]:
        """List name → ``source (version)``, as ``Vocabularies.describe`` for the MQA ones:
        the scoring inputs name them, so a new version re-scores every dataset."""
        return {
            "EU high-value dataset categories": f"{self.source} ({self.version})",
            "HVD-compatible licences": f"{self.licences_source} ({self.licences_version})",
        }

    def top(self, iri: str) -> Category | None:
        """The top-level category (one of the six) a concept belongs to; None if unknown."""
        category = self.categories.get(iri)
        seen: set[str] = set()
        while category is not None and category.broader and category.iri not in seen:
            seen.add(category.iri)
            category = self.categories.get(category.broader)
        return category

    def licence_code(self, iri: str | None) -> str | None:
        """The listed compatible licence an IRI names, or None."""
        key = iri_key(iri)
        return self.licence_keys.get(key) if key else None


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(
        files("dcat_quality.quality.vocabularies").joinpath(name).read_bytes()
    )
    return data


@cache
def load_hvd_vocabulary() -> HvdVocabulary:
    """The bundled lists (read once per process)."""
    cats = _read(CATEGORIES_FILE)
    prefix = cats["iri_prefix"]
    categories = {
        prefix + e["code"]: Category(
            prefix + e["code"],
            prefix + e["broader"] if e["broader"] else None,
            dict(e["labels"]),
        )
        for e in cats["entries"]
    }
    licences = _read(LICENCES_FILE)
    keys = {
        key: entry["code"]
        for entry in licences["entries"]
        for iri in entry["iris"]
        if (key := iri_key(iri))
    }
    return HvdVocabulary(
        categories, keys, cats["source"], cats["version"], licences["source"], licences["version"]
    )


def build_categories(skos: bytes, source: str) -> dict[str, Any]:
    """The ``hvd_categories.json`` document from the Publications Office's SKOS RDF/XML.

    Keeps every ``skos:Concept`` in the scheme, its ``skos:broader`` and its
    ``skos:prefLabel`` in French, English and German.
    """
    store = ox.Store()
    store.load(skos, ox.RdfFormat.RDF_XML)
    in_scheme = ox.NamedNode(v.SKOS + "inScheme")
    scheme = ox.NamedNode(SCHEME)
    entries = []
    prefix = "http://data.europa.eu/bna/"
    for quad in store.quads_for_pattern(None, in_scheme, scheme):
        concept = quad.subject
        if not isinstance(concept, ox.NamedNode) or not concept.value.startswith(prefix):
            continue
        labels: dict[str, str] = {}
        for label in store.quads_for_pattern(concept, ox.NamedNode(v.SKOS + "prefLabel"), None):
            obj = label.object
            if isinstance(obj, ox.Literal) and obj.language in LANGUAGES:
                labels[obj.language] = obj.value
        broader = [
            q.object.value
            for q in store.quads_for_pattern(concept, ox.NamedNode(v.SKOS + "broader"), None)
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(prefix)
        ]
        entries.append(
            {
                "code": concept.value[len(prefix) :],
                "broader": min(broader)[len(prefix) :] if broader else None,
                "labels": {lang: labels[lang] for lang in LANGUAGES if lang in labels},
            }
        )
    if not entries:
        raise ValueError(f"no concept of the scheme {SCHEME} in {source}")
    entries.sort(key=lambda e: str(e["code"]))
    return {
        "name": "EU high-value dataset categories",
        "scheme": SCHEME,
        "iri_prefix": prefix,
        "source": f"Publications Office of the EU, EU Vocabularies, concept scheme "
        f"'High-value dataset categories' ({SCHEME}), read from {source}",
        "version": f"{len(entries)} concepts",
        "licence": "European Union; re-use authorised under Commission Decision "
        "2011/833/EU (CC BY 4.0 for Commission documents, Decision C(2019) 1655)",
        "entries": entries,
    }


def main(argv: list[str]) -> int:
    """``python -m dcat_quality.quality.hvd_vocabulary SKOS_FILE [OUTPUT]``."""
    if not argv or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0])
    output = (
        Path(argv[1])
        if len(argv) == 2
        else Path(str(files("dcat_quality.quality.vocabularies").joinpath(CATEGORIES_FILE)))
    )
    document = build_categories(source.read_bytes(), source.name)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(document['entries'])} categories written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
