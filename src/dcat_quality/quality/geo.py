"""INSEE territory IRIs → commune and département codes.

``http://id.insee.fr/geo/commune/2A004`` is Ajaccio: its département is ``2A``. Overseas
communes (``97101``…) belong to three-character départements (``971``…``976``); the
historical scripts cut them to ``97``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INSEE = re.compile(
    r"insee\.fr/geo/(?P<kind>commune|departement|region|pays|arrondissement|"
    r"communeDeleguee|communeAssociee|canton|intercommunalite|epci)/(?P<code>[^/?#\s]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Territory:
    """One INSEE territory named by a dataset's ``dct:spatial``."""

    iri: str
    kind: str
    code: str
    departement: str | None


def departement_of_commune(code: str) -> str | None:
    """Département code of an INSEE commune code (``2A004`` → ``2A``, ``97411`` → ``974``)."""
    code = code.strip().upper()
    if len(code) != 5:
        return None
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    return code[:2]


def parse_insee(iri: str) -> Territory | None:
    """The territory an INSEE IRI names, or None for any other IRI."""
    match = _INSEE.search(iri)
    if match is None:
        return None
    kind = match.group("kind").lower()
    code = match.group("code")
    if kind == "commune":
        return Territory(iri, "commune", code, departement_of_commune(code))
    if kind == "departement":
        return Territory(iri, "departement", code.upper(), code.upper())
    return Territory(iri, kind, code, None)
