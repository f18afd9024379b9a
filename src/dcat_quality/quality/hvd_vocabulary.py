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

    python -m dcat_quality.quality.hvd_vocabulary high-value-dataset-category.rdf \\
        --source "where the file was obtained"
"""

from __future__ import annotations

import argparse
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
    ``skos:prefLabel`` in French, English and German (whitespace collapsed); the version
    is the scheme's own (``owl:versionInfo``, ``dct:issued``). ``source`` says where the
    file was read from.
    """
    store = ox.Store()
    store.load(skos, ox.RdfFormat.RDF_XML)
    entries = [
        _entry(store, quad.subject)
        for quad in store.quads_for_pattern(
            None, ox.NamedNode(v.SKOS + "inScheme"), ox.NamedNode(SCHEME)
        )
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(_PREFIX)
    ]
    if not entries:
        raise ValueError(f"no concept of the scheme {SCHEME} in {source}")
    entries.sort(key=lambda e: str(e["code"]))
    return {
        "name": "EU high-value dataset categories",
        "scheme": SCHEME,
        "iri_prefix": _PREFIX,
        "source": f"Publications Office of the EU, EU Vocabularies, concept scheme "
        f"'High-value dataset categories' ({SCHEME}; dataset "
        "http://publications.europa.eu/resource/dataset/high-value-dataset-category), "
        f"SKOS file read from {source}",
        "version": f"{_scheme_version(store)}: {len(entries)} concepts",
        "licence": "European Union; re-use authorised under Commission Decision "
        "2011/833/EU (CC BY 4.0 for Commission documents, Decision C(2019) 1655)",
        "entries": entries,
    }


_PREFIX = "http://data.europa.eu/bna/"


def _entry(store: ox.Store, concept: ox.NamedNode) -> dict[str, Any]:
    """One concept: its code, its broader concept's code, its labels."""
    labels: dict[str, str] = {}
    for quad in store.quads_for_pattern(concept, ox.NamedNode(v.SKOS + "prefLabel"), None):
        obj = quad.object
        if isinstance(obj, ox.Literal) and obj.language in LANGUAGES:
            labels[obj.language] = " ".join(obj.value.split())
    broader = [
        q.object.value
        for q in store.quads_for_pattern(concept, ox.NamedNode(v.SKOS + "broader"), None)
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(_PREFIX)
    ]
    return {
        "code": concept.value[len(_PREFIX) :],
        "broader": min(broader)[len(_PREFIX) :] if broader else None,
        "labels": {lang: labels[lang] for lang in LANGUAGES if lang in labels},
    }


def _scheme_version(store: ox.Store) -> str:
    """``version 2.1 of 2024-10-02`` from the scheme's description, as far as it says."""

    def value(predicate: str) -> str | None:
        for quad in store.quads_for_pattern(ox.NamedNode(SCHEME), ox.NamedNode(predicate), None):
            return quad.object.value.strip() if isinstance(quad.object, ox.Literal) else None
        return None

    number = value("http://www.w3.org/2002/07/owl#versionInfo")
    issued = value("http://purl.org/dc/terms/issued")
    text = f"version {number}" if number else "version not stated"
    return text + (f" of {issued}" if issued else "")


def main(argv: list[str]) -> int:
    """``python -m dcat_quality.quality.hvd_vocabulary SKOS_FILE [OUTPUT] [--source TEXT]``."""
    parser = argparse.ArgumentParser(
        prog="python -m dcat_quality.quality.hvd_vocabulary",
        description="Rewrite hvd_categories.json from the Publications Office's SKOS file.",
    )
    parser.add_argument("skos_file", type=Path)
    parser.add_argument("output", type=Path, nargs="?")
    parser.add_argument(
        "--source",
        help="where the SKOS file was obtained (default: its file name), kept in the JSON",
    )
    args = parser.parse_args(argv)
    output = args.output or Path(
        str(files("dcat_quality.quality.vocabularies").joinpath(CATEGORIES_FILE))
    )
    document = build_categories(args.skos_file.read_bytes(), args.source or args.skos_file.name)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(document['entries'])} categories written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
