"""The data.europa.eu Metadata Quality Assessment (MQA), computed as piveau computes it.

23 indicators in five dimensions, 405 points (reference: ``quality-model.md``; piveau
``piveau-dqv-vocabulary.ttl`` for points, piveau ``scoreMetrics`` for the rules):

* **Best distribution.** Each distribution is summed on its own; the one with the highest
  total counts and the others are ignored (on a tie, the first in the record's order,
  which sorts distributions by id). No distribution: every distribution check fails.
* **Issued / modified once.** The dataset-level date counts only when the best
  distribution carries no measurement of it. We read the annotator as measuring a
  distribution date only when it is present [inferred], so the 5 points are won when the
  best distribution *or* the dataset has the date, and counted once.
* **Status codes.** An access/download URL scores on a 2xx status. Without a link check
  for that URL the check is *not measured*: no points won, none at stake.
* **DCAT-AP compliance** comes from the SHACL stage; without it, not measured.
* **Ratings** (piveau metrics reporter): Excellent 351–405, Good 221–350,
  Sufficient 121–220, Bad 0–120. (``piveau-vocabularies`` ``PiveauScoring`` puts 120 in
  "enough"; the published table and both reporters say Bad, and so do we.)

**Reduced maximum.** When checks are not measured the result says which score variant it
is (``variant``) and ``max_points`` excludes the unmeasured points. data.europa.eu always
runs its URL checks, so its rating is on 405; ours rates the score *projected* on 405
(``total × 405 / max_points``), without rounding: a projected 350.6 is Good, not
Excellent. With every check measured the projection is the total and the rating is
exactly data.europa.eu's.

Deviations we know of: a property whose only value is an empty literal, or a
non-numeric ``dcat:byteSize``, counts as absent (the extraction drops such values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import compress
from typing import Any, NamedTuple

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality.registry import (
    MQA_DIMENSIONS,
    Check,
    CheckContext,
    Indicator,
    Level,
    Outcome,
    Registry,
    default_registry,
)
from dcat_quality.quality.vocabularies import (
    FormatList,
    Vocabularies,
    Vocabulary,
    load_vocabularies,
)

#: Stored with every run so scores from different methodologies are never compared blind.
METHODOLOGY_VERSION = "data.europa.eu-MQA-405/piveau-dqv-7b29f2a4/dcat-quality-1"

PV = "https://piveau.eu/ns/voc#"
MAX_POINTS = 405
DIMENSION_MAX: dict[str, int] = {
    "findability": 100,
    "accessibility": 100,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 20,
}
#: (rating, lowest total), best first.
RATINGS: tuple[tuple[str, int], ...] = (
    ("excellent", 351),
    ("good", 221),
    ("sufficient", 121),
    ("bad", 0),
)

FULL = "full"
WITHOUT_LINK_CHECKS = "without-link-checks"
WITHOUT_DCAT_AP = "without-dcat-ap"
WITHOUT_LINK_CHECKS_AND_DCAT_AP = "without-link-checks-and-dcat-ap"
VARIANTS = (FULL, WITHOUT_LINK_CHECKS, WITHOUT_DCAT_AP, WITHOUT_LINK_CHECKS_AND_DCAT_AP)

_LINK_CHECKS = frozenset({"mqa.access_url_status_code", "mqa.download_url_status_code"})
_DCAT_AP = "mqa.dcat_ap_compliance"


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One counted check of a dataset: the dataset × check row of the warehouse."""

    indicator_id: str
    dimension: str
    distribution_id: str | None
    passed: bool | None
    points_won: int
    points_at_stake: int

    @property
    def points_recoverable(self) -> int:
        """Points a fix would bring (0 when passed or not measured)."""
        return self.points_at_stake - self.points_won


@dataclass(frozen=True, slots=True)
class DistributionScore:
    """One distribution summed on its own, to show why the best one was chosen."""

    distribution_id: str
    by_dimension: Mapping[str, int]
    total: int
    is_best: bool


@dataclass(frozen=True, slots=True)
class MqaResult:
    """The MQA score of one dataset."""

    dataset_id: str
    methodology_version: str
    variant: str
    rows: tuple[CheckRow, ...]
    by_dimension: Mapping[str, int]
    max_by_dimension: Mapping[str, int]
    total: int
    max_points: int
    rating: str
    best_distribution_id: str | None
    distributions: tuple[DistributionScore, ...]

    @property
    def projected_total(self) -> float:
        """The total scaled to 405 points (equal to ``total`` in the full variant)."""
        return self.total * MAX_POINTS / self.max_points if self.max_points else 0.0

    @property
    def failed(self) -> tuple[CheckRow, ...]:
        """Failed checks, most points recoverable first (ties in methodology order)."""
        failed = [row for row in self.rows if row.passed is False]
        return tuple(sorted(failed, key=lambda row: -row.points_recoverable))

    @property
    def not_measured(self) -> tuple[CheckRow, ...]:
        """Checks this variant could not measure."""
        return tuple(row for row in self.rows if row.passed is None)


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """What the warehouse keeps of a score: totals, dimensions and two check bit masks.

    Small enough to send back from a parse worker; ``positions`` (indicator id → bit)
    must be the ones the warehouse's indicator dictionary holds.
    """

    variant: str
    total: int
    max_points: int
    rating: str
    by_dimension: tuple[int, int, int, int, int]
    measured_mask: int
    passed_mask: int
    best_distribution_id: str | None

    @classmethod
    def of(cls, result: MqaResult, positions: Mapping[str, int]) -> ScoreSummary:
        measured = passed = 0
        for check in result.rows:
            bit = 1 << positions[check.indicator_id]
            if check.passed is not None:
                measured |= bit
                if check.passed:
                    passed |= bit
        dims = result.by_dimension
        return cls(
            result.variant,
            result.total,
            result.max_points,
            result.rating,
            (
                dims.get("findability", 0),
                dims.get("accessibility", 0),
                dims.get("interoperability", 0),
                dims.get("reusability", 0),
                dims.get("contextuality", 0),
            ),
            measured,
            passed,
            result.best_distribution_id,
        )


def rating_for(total: int, max_points: int = MAX_POINTS) -> str:
    """The rating of a total, projected on 405 when the maximum is reduced (no rounding)."""
    if max_points <= 0:
        return "bad"
    # total × 405 / max_points >= lowest, in integers: exact, and no Fraction per dataset
    for name, lowest in RATINGS:
        if total * MAX_POINTS >= lowest * max_points:
            return name
    return "bad"


# -- checks ------------------------------------------------------------------------------


def _filled(value: str | None) -> bool:
    return value is not None and bool(value.strip())


def _status(url: str | None, context: CheckContext) -> bool | None:
    if url is None or not url.strip():
        return False  # nothing to check: the check fails whether or not links are checked
    if context.link_status is None or url not in context.link_status:
        return None
    return 200 <= context.link_status[url] <= 299


def _vocab(context: CheckContext) -> Vocabularies:
    return context.vocabularies


#: Vocabulary lookups are memoised (hot path): catalogs repeat the same few format,
#: media-type and licence values on every distribution, and turning an IRI into its
#: comparison key costs a regex and several string copies. Longer values are looked up
#: directly, so the memo never keeps a huge literal alive; each vocabulary's memo is
#: emptied when it reaches _MEMO_SIZE values.
_MEMO_MAX_LENGTH = 256
_MEMO_SIZE = 4096
#: id(vocabulary) → (the vocabulary, value → member). Keyed by identity because the
#: dataclass hash of a Vocabulary is computed in Python on every call; holding the
#: vocabulary keeps its id from being reused.
_MEMOS: dict[int, tuple[Vocabulary, dict[str, bool]]] = {}


def _member(vocabulary: Vocabulary, value: str | None) -> bool:
    """``value in vocabulary``, memoised for ordinary values."""
    if not isinstance(value, str) or len(value) > _MEMO_MAX_LENGTH:
        return value in vocabulary
    pinned = _MEMOS.get(id(vocabulary))
    if pinned is None:
        if len(_MEMOS) >= 64:  # vocabularies made on the fly: do not pin them all
            _MEMOS.clear()
        pinned = _MEMOS[id(vocabulary)] = (vocabulary, {})
    memo = pinned[1]
    found = memo.get(value)
    if found is None:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        found = memo[value] = value in vocabulary
    return found


def _on_list(formats: FormatList, d: DistributionRecord) -> bool:
    """``formats.matches(d.format, d.media_type)``, through the memo."""
    return _member(formats.file_types, d.format) or _member(formats.media_types, d.media_type)


def _spatial(r: DatasetRecord, c: CheckContext) -> Outcome:
    return r.has_spatial or bool(r.spatial) or _filled(r.bbox)


def _temporal(r: DatasetRecord, c: CheckContext) -> Outcome:
    return r.has_temporal or _filled(r.temporal_start) or _filled(r.temporal_end)


def _contact(r: DatasetRecord, c: CheckContext) -> Outcome:
    return r.has_contact_point or _filled(r.contact_name) or _filled(r.contact_email)


def _publisher(r: DatasetRecord, c: CheckContext) -> Outcome:
    return r.has_publisher or _filled(r.publisher)


def _access_rights(r: DatasetRecord, c: CheckContext) -> Outcome:
    return bool(r.access_rights) or bool(r.access_rights_iris)


def _access_rights_vocab(r: DatasetRecord, c: CheckContext) -> Outcome:
    return any(_member(_vocab(c).access_rights, iri) for iri in r.access_rights_iris)


def _format_vocab(d: DistributionRecord, c: CheckContext) -> Outcome:
    v = _vocab(c)
    return _member(v.file_types, d.format) and _member(v.media_types, d.media_type)


def _non_proprietary(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _on_list(_vocab(c).non_proprietary, d)


def _machine_readable(d: DistributionRecord, c: CheckContext) -> Outcome:
    return _on_list(_vocab(c).machine_readable, d)


_LABEL_HINT = (
    " Un libellé (« CSV », « ESRI Shapefile (SHP) ») n'est pas une valeur de "
    "vocabulaire : remplacer le nœud étiqueté par l'IRI."
)
_FORMAT_IRI = "http://publications.europa.eu/resource/authority/file-type/CSV"
_MEDIA_IRI = "https://www.iana.org/assignments/media-types/text/csv"

#: (name, metric, dimension, points, level, property, label_fr, label_en, rationale,
#:  fix hint, check) — in the order of the methodology table.
_MQA: tuple[tuple[str, str, str, int, Level, str, str, str, str, str, Any], ...] = (
    (
        "keyword_availability",
        "keywordAvailability",
        "findability",
        30,
        "dataset",
        "dcat:keyword",
        "Mots-clés",
        "Keyword usage",
        "Keywords let users find the dataset by search terms.",
        "Ajouter au moins un dcat:keyword (littéral @fr) au jeu de données.",
        lambda r, c: bool(r.keywords),
    ),
    (
        "category_availability",
        "categoryAvailability",
        "findability",
        30,
        "dataset",
        "dcat:theme",
        "Thèmes",
        "Categories",
        "A theme places the dataset in the portal's browsing categories.",
        "Ajouter au moins un dcat:theme, de préférence une IRI de http://publications.europa.eu/"
        "resource/authority/data-theme/ (par ex. …/data-theme/ENVI).",
        lambda r, c: bool(r.themes),
    ),
    (
        "spatial_availability",
        "spatialAvailability",
        "findability",
        20,
        "dataset",
        "dct:spatial",
        "Couverture géographique",
        "Geo search",
        "A spatial coverage lets users find data by place.",
        "Renseigner dct:spatial (IRI INSEE ou dct:Location avec dcat:bbox).",
        _spatial,
    ),
    (
        "temporal_availability",
        "temporalAvailability",
        "findability",
        20,
        "dataset",
        "dct:temporal",
        "Couverture temporelle",
        "Time-based search",
        "A temporal coverage lets users find data by period.",
        "Renseigner dct:temporal : un dct:PeriodOfTime avec dcat:startDate et dcat:endDate.",
        _temporal,
    ),
    (
        "access_url_status_code",
        "accessUrlStatusCode",
        "accessibility",
        50,
        "distribution",
        "dcat:accessURL",
        "URL d'accès joignable",
        "AccessURL accessibility",
        "The access URL must answer (HTTP 2xx) for the data to be reachable.",
        "Corriger dcat:accessURL de la distribution pour qu'elle réponde en HTTP 2xx "
        "(lien mort, redirection en boucle ou hôte injoignable).",
        lambda d, c: _status(d.access_url, c),
    ),
    (
        "download_url_availability",
        "downloadUrlAvailability",
        "accessibility",
        20,
        "distribution",
        "dcat:downloadURL",
        "URL de téléchargement",
        "DownloadURL",
        "A direct download URL lets users and machines fetch the file.",
        "Ajouter dcat:downloadURL avec le lien direct vers le fichier.",
        lambda d, c: _filled(d.download_url),
    ),
    (
        "download_url_status_code",
        "downloadUrlStatusCode",
        "accessibility",
        30,
        "distribution",
        "dcat:downloadURL",
        "URL de téléchargement joignable",
        "DownloadURL accessibility",
        "The download URL must answer (HTTP 2xx) for the file to be fetched.",
        "Ajouter ou corriger dcat:downloadURL pour qu'elle réponde en HTTP 2xx.",
        lambda d, c: _status(d.download_url, c),
    ),
    (
        "format_availability",
        "formatAvailability",
        "interoperability",
        20,
        "distribution",
        "dct:format",
        "Format",
        "Format",
        "The format tells users which tools open the file.",
        f"Renseigner dct:format de la distribution, par ex. <{_FORMAT_IRI}>.",
        lambda d, c: _filled(d.format),
    ),
    (
        "media_type_availability",
        "mediaTypeAvailability",
        "interoperability",
        10,
        "distribution",
        "dcat:mediaType",
        "Type de média",
        "Media type",
        "The media type tells machines how to read the file.",
        f"Renseigner dcat:mediaType avec le type IANA, par ex. <{_MEDIA_IRI}>.",
        lambda d, c: _filled(d.media_type),
    ),
    (
        "format_media_type_vocabulary_alignment",
        "formatMediaTypeVocabularyAlignment",
        "interoperability",
        10,
        "distribution",
        "dct:format, dcat:mediaType",
        "Format et type de média issus des vocabulaires",
        "Format / media type from vocabulary",
        "Controlled values make formats comparable across catalogs.",
        "Utiliser pour dct:format une IRI du vocabulaire européen des types de fichiers "
        f"(<{_FORMAT_IRI}>) et pour dcat:mediaType une IRI IANA (<{_MEDIA_IRI}>) : les "
        "deux sont exigés." + _LABEL_HINT,
        _format_vocab,
    ),
    (
        "format_media_type_non_proprietary",
        "formatMediaTypeNonProprietary",
        "interoperability",
        20,
        "distribution",
        "dct:format, dcat:mediaType",
        "Format non propriétaire",
        "Non-proprietary",
        "Open formats can be read without licensed software.",
        "Publier aussi une distribution dans un format ouvert (CSV, GeoJSON, GeoPackage…) "
        "et la décrire par dct:format (IRI de type de fichier) ou dcat:mediaType (type "
        "IANA)." + _LABEL_HINT,
        _non_proprietary,
    ),
    (
        "format_media_type_machine_readable",
        "formatMediaTypeMachineInterpretable",
        "interoperability",
        20,
        "distribution",
        "dct:format, dcat:mediaType",
        "Format lisible par machine",
        "Machine readable",
        "Structured formats can be processed automatically.",
        "Publier une distribution structurée (CSV, JSON, GeoJSON, SHP, GPKG…) décrite par "
        "dct:format (IRI de type de fichier) ou dcat:mediaType (type IANA)." + _LABEL_HINT,
        _machine_readable,
    ),
    (
        "dcat_ap_compliance",
        "dcatApCompliance",
        "interoperability",
        30,
        "dataset",
        "(fiche entière)",
        "Conformité DCAT-AP",
        "DCAT-AP compliance",
        "A record valid against the DCAT-AP shapes is harvested without loss.",
        "Corriger les violations SHACL DCAT-AP listées pour ce jeu de données.",
        lambda r, c: c.dcat_ap_compliant,
    ),
    (
        "licence_availability",
        "licenceAvailability",
        "reusability",
        20,
        "distribution",
        "dct:license",
        "Licence",
        "Licence information",
        "Without a licence, reuse is legally uncertain.",
        "Indiquer dct:license sur chaque distribution, par ex. "
        "<https://spdx.org/licenses/etalab-2.0>.",
        lambda d, c: _filled(d.license),
    ),
    (
        "known_licence",
        "knownLicence",
        "reusability",
        10,
        "distribution",
        "dct:license",
        "Licence connue",
        "Licence vocabulary",
        "A licence from a known list can be interpreted automatically.",
        "Donner à dct:license l'IRI d'une licence connue : <http://publications.europa.eu/resource/"
        "authority/licence/ETALAB_2_0> ou <https://spdx.org/licenses/etalab-2.0> ; un "
        "libellé ou une URL de PDF locale ne compte pas.",
        lambda d, c: _member(_vocab(c).licences, d.license),
    ),
    (
        "access_rights_availability",
        "accessRightsAvailability",
        "reusability",
        10,
        "dataset",
        "dct:accessRights",
        "Conditions d'accès",
        "Access restrictions",
        "Users must know whether they may access the data.",
        "Renseigner dct:accessRights du jeu de données.",
        _access_rights,
    ),
    (
        "access_rights_vocabulary_alignment",
        "accessRightsVocabularyAlignment",
        "reusability",
        5,
        "dataset",
        "dct:accessRights",
        "Conditions d'accès issues du vocabulaire",
        "Access restrictions vocabulary",
        "The EU access-right values are understood by every DCAT-AP portal.",
        "Donner à dct:accessRights l'IRI <http://publications.europa.eu/resource/authority/"
        "access-right/PUBLIC> (ou RESTRICTED, NON_PUBLIC) ; un texte libre, même juste, "
        "ne compte pas.",
        _access_rights_vocab,
    ),
    (
        "contact_point_availability",
        "contactPointAvailability",
        "reusability",
        20,
        "dataset",
        "dcat:contactPoint",
        "Point de contact",
        "Contact point",
        "Users need someone to ask about the data.",
        "Ajouter dcat:contactPoint (vcard:Kind avec vcard:fn et vcard:hasEmail).",
        _contact,
    ),
    (
        "publisher_availability",
        "publisherAvailability",
        "reusability",
        10,
        "dataset",
        "dct:publisher",
        "Éditeur",
        "Publisher",
        "The publisher is accountable for the data.",
        "Ajouter dct:publisher (foaf:Organization avec foaf:name) ; dct:rightsHolder ne le "
        "remplace pas.",
        _publisher,
    ),
    (
        "rights_availability",
        "rightsAvailability",
        "contextuality",
        5,
        "distribution",
        "dct:rights",
        "Droits",
        "Rights",
        "A rights statement explains reuse conditions beyond the licence.",
        "Ajouter dct:rights (dct:RightsStatement avec rdfs:label) à la distribution.",
        lambda d, c: _filled(d.rights),
    ),
    (
        "byte_size_availability",
        "byteSizeAvailability",
        "contextuality",
        5,
        "distribution",
        "dcat:byteSize",
        "Taille du fichier",
        "File size",
        "The size tells users what a download costs.",
        "Renseigner dcat:byteSize (entier, en octets) sur la distribution.",
        lambda d, c: d.byte_size is not None,
    ),
    (
        "date_issued_availability",
        "dateIssuedAvailability",
        "contextuality",
        5,
        "dataset+distribution",
        "dct:issued",
        "Date de publication",
        "Date of issue",
        "The issue date tells users how old the data is.",
        "Renseigner dct:issued (xsd:date) sur le jeu de données ou sa distribution.",
        lambda r, c: _filled(r.issued),
    ),
    (
        "date_modified_availability",
        "dateModifiedAvailability",
        "contextuality",
        5,
        "dataset+distribution",
        "dct:modified",
        "Date de modification",
        "Modification date",
        "The modification date tells users whether the data is current.",
        "Renseigner dct:modified (xsd:date) à chaque mise à jour, sur le jeu de données ou "
        "sa distribution.",
        lambda r, c: _filled(r.modified),
    ),
)


def register_mqa(registry: Registry) -> None:
    """Register the 23 MQA indicators (the same call a custom indicator uses)."""
    for (
        name,
        metric,
        dimension,
        points,
        level,
        prop,
        label_fr,
        label_en,
        rationale,
        hint,
        check,
    ) in _MQA:
        registry.register(
            Indicator(
                id=f"mqa.{name}",
                family="mqa",
                dimension=dimension,
                points=points,
                level=level,
                label_fr=label_fr,
                label_en=label_en,
                rationale=rationale,
                fix_hint_fr=hint,
                dcat_property=prop,
                metric_iri=PV + metric,
            ),
            check=check,
        )


# -- scoring -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    """One MQA indicator, flattened for the per-dataset loop (see ``_Plan``)."""

    indicator_id: str
    dimension: str
    level: Level
    slot: int  # index of the dimension in MQA_DIMENSIONS
    points: int
    position: int  # index of its row in the result (methodology order)
    check: Check
    #: The rows it can count without a distribution, by ``passed`` (False, True, None):
    #: immutable, so every dataset shares them instead of building its own.
    unattached: Mapping[bool | None, CheckRow]

    def row(self, distribution_id: str | None, outcome: Outcome) -> CheckRow:
        passed = None if outcome is None else bool(outcome)
        if distribution_id is None:
            return self.unattached[passed]
        return _check_row(self.indicator_id, self.dimension, self.points, distribution_id, passed)


def _check_row(
    indicator_id: str, dimension: str, points: int, distribution_id: str | None, passed: bool | None
) -> CheckRow:
    """A check's row: the points won when passed, at stake unless not measured."""
    return CheckRow(
        indicator_id,
        dimension,
        distribution_id,
        passed,
        points if passed else 0,
        0 if passed is None else points,
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """A registry's MQA indicators split by level, built once per registry.

    Scoring runs for every dataset of a run; filtering the registry and reading each
    indicator's attributes there cost more than the checks themselves.
    """

    entries: tuple[_Entry, ...]  # all, in methodology order
    per_dataset: tuple[_Entry, ...]
    per_distribution: tuple[_Entry, ...]
    dates: tuple[_Entry, ...]
    distribution_checks: tuple[Check, ...]  # of per_distribution
    distribution_points: tuple[int, ...]  # of per_distribution, for itertools.compress
    link_checks: tuple[int, ...]  # positions of the status-code checks
    dcat_ap: int | None  # position of the DCAT-AP compliance check


def _plan(registry: Registry) -> _Plan:
    registered = registry.family("mqa")
    if len(registered) != 23:
        raise ValueError(f"the registry holds {len(registered)} MQA indicators, not 23")
    entries: list[_Entry] = []
    for position, entry in enumerate(registered):
        ind = entry.indicator
        if ind.dimension not in MQA_DIMENSIONS:
            raise ValueError(f"MQA indicator {ind.id!r} has no MQA dimension: {ind.dimension!r}")
        unattached = {
            passed: _check_row(ind.id, ind.dimension, ind.points, None, passed)
            for passed in (False, True, None)
        }
        slot = MQA_DIMENSIONS.index(ind.dimension)
        entries.append(
            _Entry(
                ind.id,
                ind.dimension,
                ind.level,
                slot,
                ind.points,
                position,
                entry.check,
                unattached,
            )
        )
    per_distribution = tuple(e for e in entries if e.level == "distribution")
    return _Plan(
        tuple(entries),
        tuple(e for e in entries if e.level == "dataset"),
        per_distribution,
        tuple(e for e in entries if e.level == "dataset+distribution"),
        tuple(e.check for e in per_distribution),
        tuple(e.points for e in per_distribution),
        tuple(e.position for e in entries if e.indicator_id in _LINK_CHECKS),
        next((e.position for e in entries if e.indicator_id == _DCAT_AP), None),
    )


class _Tried(NamedTuple):
    """One distribution summed on its own."""

    distribution_id: str
    results: list[Outcome]  # of the plan's per_distribution checks
    dated: list[_Entry]  # the dates it carries
    total: int


def _count(
    record: DatasetRecord, context: CheckContext, plan: _Plan
) -> tuple[list[_Tried], int, list[Outcome], list[str | None]]:
    """Run the checks: every distribution tried, the index of the best one (-1: none),
    and per indicator (by position) the outcome counted and the distribution it was
    measured on (None: the dataset).

    Shared by ``score_dataset`` and ``summarise``, so the two cannot count differently.
    """
    tried: list[_Tried] = []
    best, best_total = -1, -1
    for dist in record.distributions:
        results = [check(dist, context) for check in plan.distribution_checks]
        # a distribution date is measured (and scores) only when present, see docstring
        dated = [e for e in plan.dates if e.check(dist, context)]
        total = sum(compress(plan.distribution_points, results))
        if dated:
            total += sum(e.points for e in dated)
        if total > best_total:  # strictly greater: on a tie the first one stays
            best, best_total = len(tried), total
        tried.append(_Tried(dist.distribution_id, results, dated, total))

    outcomes: list[Outcome] = [None] * len(plan.entries)
    owners: list[str | None] = [None] * len(plan.entries)
    if best >= 0:
        chosen = tried[best]
        for e, outcome in zip(plan.per_distribution, chosen.results, strict=True):
            outcomes[e.position], owners[e.position] = outcome, chosen.distribution_id
        for e in chosen.dated:
            outcomes[e.position], owners[e.position] = True, chosen.distribution_id
    else:  # no distribution: every distribution check fails
        for e in plan.per_distribution:
            outcomes[e.position] = False
    for e in plan.dates:
        if owners[e.position] is None:
            outcomes[e.position] = e.check(record, context)
    for e in plan.per_dataset:
        outcomes[e.position] = e.check(record, context)
    return tried, best, outcomes, owners


def _variant(plan: _Plan, outcomes: list[Outcome]) -> str:
    no_links = any(outcomes[position] is None for position in plan.link_checks)
    no_shacl = plan.dcat_ap is not None and outcomes[plan.dcat_ap] is None
    if no_links:
        return WITHOUT_LINK_CHECKS_AND_DCAT_AP if no_shacl else WITHOUT_LINK_CHECKS
    return WITHOUT_DCAT_AP if no_shacl else FULL


def _by_dimension(rows: tuple[CheckRow, ...]) -> tuple[dict[str, int], dict[str, int]]:
    """Points won and points at stake per dimension, in one pass."""
    won = dict.fromkeys(MQA_DIMENSIONS, 0)
    at_stake = dict.fromkeys(MQA_DIMENSIONS, 0)
    for row in rows:
        won[row.dimension] += row.points_won
        at_stake[row.dimension] += row.points_at_stake
    return won, at_stake


def _distribution_score(plan: _Plan, tried: _Tried, is_best: bool) -> DistributionScore:
    won = [0, 0, 0, 0, 0]
    for e, outcome in zip(plan.per_distribution, tried.results, strict=True):
        if outcome:
            won[e.slot] += e.points
    for e in tried.dated:
        won[e.slot] += e.points
    return DistributionScore(
        tried.distribution_id, dict(zip(MQA_DIMENSIONS, won, strict=True)), tried.total, is_best
    )


def score_dataset(
    record: DatasetRecord,
    *,
    link_status: Mapping[str, int] | None = None,
    dcat_ap_compliant: bool | None = None,
    registry: Registry | None = None,
    vocabularies: Vocabularies | None = None,
) -> MqaResult:
    """The MQA score of one dataset.

    Args:
        record: the dataset and its distributions.
        link_status: URL → HTTP status from the link-check stage; URLs missing from it
            (or ``None``: no stage) leave their checks not measured.
        dcat_ap_compliant: the SHACL verdict; ``None`` leaves the check not measured.
        registry: where the ``mqa.*`` indicators are read from (the default registry).
        vocabularies: the vocabularies to match against (the bundled ones).
    """
    plan = (registry or default_registry()).derived(_plan)
    context = CheckContext(link_status, dcat_ap_compliant, vocabularies or load_vocabularies())
    tried, best, outcomes, owners = _count(record, context, plan)
    rows = tuple(
        e.row(owner, outcome)
        for e, outcome, owner in zip(plan.entries, outcomes, owners, strict=True)
    )
    by_dimension, max_by_dimension = _by_dimension(rows)
    total = sum(by_dimension.values())
    max_points = sum(max_by_dimension.values())
    return MqaResult(
        dataset_id=record.dataset_id,
        methodology_version=METHODOLOGY_VERSION,
        variant=_variant(plan, outcomes),
        rows=rows,
        by_dimension=by_dimension,
        max_by_dimension=max_by_dimension,
        total=total,
        max_points=max_points,
        rating=rating_for(total, max_points),
        best_distribution_id=tried[best].distribution_id if best >= 0 else None,
        distributions=tuple(
            _distribution_score(plan, t, index == best) for index, t in enumerate(tried)
        ),
    )


def summarise(
    record: DatasetRecord,
    positions: Mapping[str, int],
    *,
    link_status: Mapping[str, int] | None = None,
    dcat_ap_compliant: bool | None = None,
    registry: Registry | None = None,
    vocabularies: Vocabularies | None = None,
) -> ScoreSummary:
    """``ScoreSummary.of(score_dataset(record, ...), positions)``, without the result.

    What the parse workers keep of a score is the summary; building the 23 check rows
    and the per-distribution scores only to fold them into bit masks cost more than
    the checks. Same arguments as ``score_dataset``.
    """
    plan = (registry or default_registry()).derived(_plan)
    context = CheckContext(link_status, dcat_ap_compliant, vocabularies or load_vocabularies())
    tried, best, outcomes, _ = _count(record, context, plan)
    won = [0, 0, 0, 0, 0]
    at_stake = [0, 0, 0, 0, 0]
    measured = passed = 0
    for e, outcome in zip(plan.entries, outcomes, strict=True):
        bit = 1 << positions[e.indicator_id]
        if outcome is None:
            continue
        measured |= bit
        at_stake[e.slot] += e.points
        if outcome:
            passed |= bit
            won[e.slot] += e.points
    total, max_points = sum(won), sum(at_stake)
    return ScoreSummary(
        _variant(plan, outcomes),
        total,
        max_points,
        rating_for(total, max_points),
        (won[0], won[1], won[2], won[3], won[4]),
        measured,
        passed,
        tried[best].distribution_id if best >= 0 else None,
    )
