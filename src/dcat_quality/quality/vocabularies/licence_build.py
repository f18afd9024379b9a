"""Build ``licences_eu.json`` from the EU licence authority table: how to regenerate it.

The "known licence" check (``mqa.known_licence``) counts a ``dct:license`` IRI when it is
a concept of the Publications Office's licence table or one of its ``skos:exactMatch``
IRIs, compared exactly, as piveau does (``io.piveau.vocabularies.License``: the concept
scheme's resources plus ``exactMatch`` lookups). This script writes that list from one or
more copies of the table:

* ``--nal FILE``: the table as RDF (RDF/XML or Turtle by extension), as published on
  https://op.europa.eu/en/web/eu-vocabularies (Authority table "Licence",
  http://publications.europa.eu/resource/authority/licence; download the SKOS/RDF file);
* ``--csv FILE``: a restatement as CSV rows ``concept IRI, code, exactMatch IRI`` plus
  reverse rows ``exactMatch IRI, code, concept IRI`` (the shape of
  ``mjanez/metadata-quality-stack`` ``docs/vocabularies/licenses.csv``).

Several copies are merged (every concept and every exact match of any of them).

    python -m dcat_quality.quality.vocabularies.licence_build \\
        --nal licence.rdf --version 20250611-0 --source "…" > licences_eu.json

The bundled file names the copies it was built from, their version and licence.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

SCHEME = "http://publications.europa.eu/resource/authority/licence"
PREFIX = SCHEME + "/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

Entries = dict[str, set[str]]  # concept IRI → its exact-match IRIs


def read_nal(data: bytes, turtle: bool = False) -> Entries:
    """Concepts of the licence scheme and their ``skos:exactMatch``, from the table's RDF."""
    fmt = ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.RDF_XML
    concepts: set[str] = set()
    in_scheme: set[str] = set()
    matches: dict[str, set[str]] = {}
    for quad in ox.parse(data, format=fmt):
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode) or not isinstance(obj, ox.NamedNode):
            continue
        if predicate == _TYPE and obj.value == _SKOS + "Concept":
            concepts.add(subject.value)
        elif predicate == _SKOS + "inScheme" and obj.value == SCHEME:
            in_scheme.add(subject.value)
        elif predicate == _SKOS + "exactMatch":
            matches.setdefault(subject.value, set()).add(obj.value)
    found = {iri for iri in concepts if iri in in_scheme or iri.startswith(PREFIX)}
    return {iri: matches.get(iri, set()) for iri in found}


def read_restatement(text: str) -> Entries:
    """Concepts and exact matches from a restatement CSV (see the module docstring)."""
    out: Entries = {}
    rows = [row for row in csv.reader(io.StringIO(text)) if len(row) >= 2]
    for row in rows:
        if row[0].startswith(PREFIX):
            out.setdefault(row[0], set())
            if len(row) > 2 and row[2].strip():
                out[row[0]].add(row[2].strip())
    for row in rows:  # reverse rows: an exact match, then the concept it matches
        if not row[0].startswith(PREFIX) and len(row) > 2 and row[2].startswith(PREFIX):
            out.setdefault(row[2], set()).add(row[0].strip())
    return out


def merge(copies: Iterable[Entries]) -> Entries:
    """Every concept and every exact match of any copy."""
    out: Entries = {}
    for copy in copies:
        for iri, matches in copy.items():
            out.setdefault(iri, set()).update(matches)
    return out


def document(entries: Entries, *, version: str, source: str, licence: str) -> dict[str, object]:
    """The JSON document ``vocabularies.load_vocabularies`` reads."""
    return {
        "id": "eu-licence-authority",
        "name": "EU licence authority table",
        "source": source,
        "version": version,
        "licence": licence,
        "matching": "exact",
        "entries": [
            {"code": iri[len(PREFIX) :], "iri": iri, "exact_match": sorted(entries[iri])}
            for iri in sorted(entries)
        ],
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Write the list built from the given copies of the table to standard output."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nal", type=Path, action="append", default=[])
    parser.add_argument("--csv", type=Path, action="append", default=[])
    parser.add_argument("--version", required=True, help="the table's version (owl:versionInfo)")
    parser.add_argument("--source", required=True, help="where each copy comes from")
    parser.add_argument(
        "--licence",
        default="The EU licence authority table is published by the Publications Office of "
        "the European Union under Commission Decision 2011/833/EU (reuse allowed, source "
        "acknowledged).",
    )
    args = parser.parse_args(argv)
    copies = [read_nal(p.read_bytes(), turtle=p.suffix == ".ttl") for p in args.nal]
    copies += [read_restatement(p.read_text(encoding="utf-8")) for p in args.csv]
    if not copies:
        parser.error("give at least one --nal or --csv copy of the table")
    doc = document(merge(copies), version=args.version, source=args.source, licence=args.licence)
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
