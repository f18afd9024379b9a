"""The historical Ecosphères indicators, with the historical defects fixed.

Fixes (see README, "Historical indicators"):

1. the fill rate counts a field only when it holds a non-empty value (the scripts counted
   the strings ``"[]"`` and ``"[None]"`` as filled);
2. the département of an overseas commune has three characters (``97411`` → ``974``);
3. an unknown ``adms:status`` is kept as is instead of stopping the run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality.geo import Territory, parse_insee

#: The nine fields of the historical ``percantage_filling`` (sic), in its order.
FILL_RATE_FIELDS: tuple[str, ...] = (
    "catalog",
    "contact_point",
    "licenses",
    "modification",
    "rights_holder",
    "right_statement",
    "spatial",
    "status",
    "title",
)

_OPEN_ACCESS_MARKERS = (
    "pas de restriction d'accès public selon inspire",
    "licence ouverte",
    "open licence",
)

#: Any of the markers, in one search (hot path: one per access-rights label and dataset).
_OPEN_ACCESS = re.compile("|".join(map(re.escape, _OPEN_ACCESS_MARKERS)))
#: Access-rights IRIs that say public access is unrestricted, whatever their label:
#: PUBLIC of the EU Publications Office's access-right authority table
#: (http://publications.europa.eu/resource/authority/access-right: "publicly accessible
#: by everyone"), the vocabulary DCAT-AP sets for ``dct:accessRights`` (SEMIC's
#: DCAT-AP 3.0.1 shapes, ``mdr-vocabularies.shape.ttl``, ``:AccessRightRestriction``);
#: and noLimitations of INSPIRE's LimitationsOnPublicAccess code list
#: (http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess, "no
#: limitations to public access"), the anchor INSPIRE metadata (TG 2.0) cites in
#: ``gmd:otherConstraints`` beside ``gmd:accessConstraints`` and GeoDCAT-AP maps to
#: ``dct:accessRights``.
OPEN_ACCESS_IRIS = frozenset(
    {
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
        "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations",
    }
)
#: Typographic apostrophes read as the ASCII one: Géo-IDE's INSPIRE anchor says « Pas de
#: restriction d’accès public selon INSPIRE » with U+2019, as French typography wants.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_STATUS_SEPARATOR = re.compile(r"[/#]")
_ASCII = frozenset(map(chr, range(128)))

#: ``adms:status`` / EU dataset-status codes and their French labels.
STATUS_LABELS: dict[str, str] = {
    "COMPLETED": "Finalisé",
    "completed": "Finalisé",
    "DEVELOP": "En cours de développement",
    "DEPRECATED": "Obsolète",
    "WITHDRAWN": "Retiré",
    "OP_DATPRO": "Provisoire",
    "underDevelopment": "En cours de développement",
    "onGoing": "Mise à jour continue",
    "historicalArchive": "Archivé",
    "obsolete": "Obsolète",
    "planned": "Planifié",
    "required": "Requis",
    "deprecated": "Obsolète",
}


@dataclass(frozen=True, slots=True)
class EcospheresIndicators:
    """The historical indicators of one dataset."""

    fill_rate: float
    filled_fields: int
    universe: str | None
    territories: tuple[Territory, ...]
    communes: tuple[str, ...]
    departements: tuple[str, ...]
    geo_coverage: str | None
    open_access: bool
    status_code: str | None
    status_label: str | None


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    # Hot path (every title and description): testing each character in Python cost more
    # than all the other indicators. Only the distinct non-ASCII characters are tested
    # (no ASCII character combines); each mark found is then removed by str.replace, in
    # C, without the pointer per character a join would hold on a huge literal.
    for mark in [ch for ch in set(decomposed) - _ASCII if unicodedata.combining(ch)]:
        decomposed = decomposed.replace(mark, "")
    return decomposed


def status_code(status: str | None) -> str | None:
    """Last segment of an ``adms:status`` IRI (``…/dataset-status/COMPLETED`` → ``COMPLETED``)."""
    if not status or not status.strip():
        return None
    return _STATUS_SEPARATOR.split(status.strip().rstrip("/#"))[-1] or None


def is_pprn(record: DatasetRecord) -> bool:
    """The natural-risk-prevention-plan universe, detected in the title or description."""
    text = _strip_accents(f"{record.title or ''} {record.description or ''}").lower()
    return "pprn" in text or "prevention des risques naturels" in text


def is_open_access(labels: tuple[str, ...], iris: tuple[str, ...] = ()) -> bool:
    """True when an access-rights IRI is one of ``OPEN_ACCESS_IRIS``, or a label says
    public access is unrestricted or open: the historical rule, on labels only (whitespace
    runs and typographic apostrophes read as one space and ``'``)."""
    return any(iri in OPEN_ACCESS_IRIS for iri in iris) or any(
        _OPEN_ACCESS.search(" ".join(label.lower().translate(_APOSTROPHES).split()))
        for label in labels
    )


def is_filled(value: object) -> bool:
    """The fill-rate rule: a value counts when it holds something other than blanks.

    ``None`` and a blank string are empty; a tuple counts when one of its items does
    (the historical scripts counted the strings ``"[]"`` and ``"[None]"``).
    """
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, tuple):
        return any(is_filled(item) for item in value)
    return True


def fill_rate_values(
    record: DatasetRecord,
    territories: tuple[Territory, ...] | None = None,
    code: str | None = None,
) -> tuple[object, ...]:
    """The values of the nine ``FILL_RATE_FIELDS``, in their order.

    ``territories`` and ``code`` (the INSEE territories and status code, which
    ``compute`` has already worked out) are computed here when not given.
    """
    if territories is None:
        territories = tuple(t for t in map(parse_insee, record.spatial) if t is not None)
        code = status_code(record.status)
    # a tuple in FILL_RATE_FIELDS' order, not a dict by name: hot path
    return (
        record.catalog,
        record.contact_email,
        record.licenses,
        record.modified,
        record.rights_holder,
        record.access_rights,
        tuple(t.iri for t in territories),
        code,
        record.title,
    )


def compute(record: DatasetRecord) -> EcospheresIndicators:
    """All historical indicators of one dataset."""
    territories = tuple(t for t in map(parse_insee, record.spatial) if t is not None)
    communes = tuple(sorted({t.code for t in territories if t.kind == "commune"}))
    departements = tuple(sorted({t.departement for t in territories if t.departement}))
    if communes:
        coverage: str | None = "Communale"
    elif any(t.kind == "departement" for t in territories):
        coverage = "Départementale"
    else:
        coverage = None
    code = status_code(record.status)
    filled = sum(map(is_filled, fill_rate_values(record, territories, code)))
    return EcospheresIndicators(
        fill_rate=round(100.0 * filled / len(FILL_RATE_FIELDS), 2),
        filled_fields=filled,
        universe="PPRN" if is_pprn(record) else None,
        territories=territories,
        communes=communes,
        departements=departements,
        geo_coverage=coverage,
        open_access=is_open_access(record.access_rights, record.access_rights_iris),
        status_code=code,
        status_label=STATUS_LABELS.get(code) if code else None,
    )
