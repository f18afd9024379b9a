"""Why a dataset scores what it scores: every MQA check, what it looked at, how to fix it.

``explain_record`` turns one record and its score into an ``Explanation``: for each of the
23 checks, passed / failed / not measured, the points won and at stake, the values the
check read (on the dataset or on the best distribution), and the fix hint; for each
distribution its total, and why the best one was chosen (highest total, the first in the
page on a tie). ``dcat-quality explain`` shows it for a dataset of the latest run
(``dcat_quality.explain`` reads the run and the page); ``as_json`` is the same for tools.
Pure: no warehouse, no source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.mqa import MqaResult, score_dataset
from dcat_quality.quality.profile import DEFAULT_PROFILE, ScoringProfile
from dcat_quality.quality.registry import Registry
from dcat_quality.quality.shacl import Violation

DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"

#: What each check reads: (property shown, record attribute, property IRI for presence).
_LOOKED_AT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "mqa.keyword_availability": (("dcat:keyword", "keywords", DCAT + "keyword"),),
    "mqa.category_availability": (("dcat:theme", "themes", DCAT + "theme"),),
    "mqa.spatial_availability": (
        ("dct:spatial", "spatial", DCT + "spatial"),
        ("dcat:bbox", "bbox", ""),
    ),
    "mqa.temporal_availability": (
        ("dcat:startDate", "temporal_start", DCT + "temporal"),
        ("dcat:endDate", "temporal_end", ""),
    ),
    "mqa.access_url_status_code": (("dcat:accessURL", "access_url", DCAT + "accessURL"),),
    "mqa.download_url_availability": (("dcat:downloadURL", "download_url", DCAT + "downloadURL"),),
    "mqa.download_url_status_code": (("dcat:downloadURL", "download_url", DCAT + "downloadURL"),),
    "mqa.format_availability": (("dct:format", "format", DCT + "format"),),
    "mqa.media_type_availability": (("dcat:mediaType", "media_type", DCAT + "mediaType"),),
    "mqa.format_media_type_vocabulary_alignment": (
        ("dct:format", "format", DCT + "format"),
        ("dcat:mediaType", "media_type", DCAT + "mediaType"),
    ),
    "mqa.format_media_type_non_proprietary": (
        ("dct:format", "format", DCT + "format"),
        ("dcat:mediaType", "media_type", DCAT + "mediaType"),
    ),
    "mqa.format_media_type_machine_readable": (
        ("dct:format", "format", DCT + "format"),
        ("dcat:mediaType", "media_type", DCAT + "mediaType"),
    ),
    "mqa.licence_availability": (("dct:license", "license", DCT + "license"),),
    "mqa.known_licence": (("dct:license", "license", DCT + "license"),),
    "mqa.access_rights_availability": (
        ("dct:accessRights", "access_rights", DCT + "accessRights"),
    ),
    "mqa.access_rights_vocabulary_alignment": (
        ("dct:accessRights", "access_rights_iris", DCT + "accessRights"),
    ),
    "mqa.contact_point_availability": (
        ("dcat:contactPoint", "contact_email", DCAT + "contactPoint"),
        ("vcard:fn", "contact_name", ""),
    ),
    "mqa.publisher_availability": (("dct:publisher", "publisher", DCT + "publisher"),),
    "mqa.rights_availability": (("dct:rights", "rights", DCT + "rights"),),
    "mqa.byte_size_availability": (("dcat:byteSize", "byte_size", DCAT + "byteSize"),),
    "mqa.date_issued_availability": (("dct:issued", "issued", DCT + "issued"),),
    "mqa.date_modified_availability": (("dct:modified", "modified", DCT + "modified"),),
}
ABSENT = "(absent)"
UNLABELLED = "(a value without a readable label)"


@dataclass(frozen=True, slots=True)
class CheckExplanation:
    """One MQA check of one dataset."""

    indicator_id: str
    label: str
    dimension: str
    points: int
    passed: bool | None
    points_won: int
    on: str  # "dataset" or the distribution id it was measured on
    looked_at: Mapping[str, str]
    fix: str


@dataclass(frozen=True, slots=True)
class DistributionExplanation:
    """One distribution summed on its own."""

    distribution_id: str
    position: int
    title: str | None
    total: int
    by_dimension: Mapping[str, int]
    best: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything ``explain`` shows about one dataset."""

    dataset_id: str
    title: str | None
    run_id: int | None
    variant: str
    total: int
    max_points: int
    rating: str
    licence_list: str
    dcat_ap_version: str
    methodology_version: str
    checks: tuple[CheckExplanation, ...]
    distributions: tuple[DistributionExplanation, ...]
    best_distribution_id: str | None
    best_reason: str
    violations: tuple[Violation, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _shown(value: Any) -> str:
    if value is None or value == ():
        return ABSENT
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


def _looked_at(
    indicator_id: str,
    owner: DatasetRecord | DistributionRecord | None,
    link_status: Mapping[str, int] | None,
) -> dict[str, str]:
    out: dict[str, str] = {}
    if indicator_id == "mqa.dcat_ap_compliance":
        return out
    if owner is None:
        return {"dcat:distribution": "(no distribution)"}
    for label, attribute, iri in _LOOKED_AT.get(indicator_id, ()):
        value = getattr(owner, attribute, None)
        text = _shown(value)
        if text == ABSENT and iri and iri in owner.present:
            text = UNLABELLED
        elif text != ABSENT and isinstance(owner, DistributionRecord) and iri in owner.not_iri:
            text += " (text, not an IRI)"
        out[label] = text
    if indicator_id.endswith("status_code") and isinstance(owner, DistributionRecord):
        url = owner.access_url if "access" in indicator_id else owner.download_url
        if url and link_status is not None:
            status = link_status.get(url)
            out["HTTP status"] = str(status) if status is not None else "(not checked yet)"
    return out


def _best_reason(result: MqaResult, record: DatasetRecord) -> str:
    if not result.distributions:
        return "no distribution: every distribution check fails, and the dataset's own dates count"
    best = next(d for d in result.distributions if d.is_best)
    tied = [d for d in result.distributions if d.total == best.total]
    if len(result.distributions) == 1:
        return f"the only distribution ({best.total} points)"
    if len(tied) > 1:
        return (
            f"{len(tied)} distributions tie at {best.total} points: the first in the page "
            "is kept, as data.europa.eu does"
        )
    return f"the highest total ({best.total} points) of {len(result.distributions)}"


def explain_record(
    record: DatasetRecord,
    *,
    link_status: Mapping[str, int] | None = None,
    violations: Sequence[Violation] | None = None,
    profile: ScoringProfile = DEFAULT_PROFILE,
    registry: Registry | None = None,
    run_id: int | None = None,
) -> Explanation:
    """The explanation of one record's MQA score (``violations`` None: DCAT-AP unchecked)."""
    registry = registry or default_registry()
    compliant = None
    if violations is not None:
        compliant = all(v.severity != "Violation" for v in violations)
    result = score_dataset(
        record,
        link_status=link_status,
        dcat_ap_compliant=compliant,
        registry=registry,
        vocabularies=profile.vocabularies,
    )
    by_id = {d.distribution_id: d for d in record.distributions}
    checks = []
    for row in result.rows:
        indicator = registry.get(row.indicator_id)
        owner: DatasetRecord | DistributionRecord | None
        if row.distribution_id is not None:
            owner = by_id[row.distribution_id]
        elif indicator.level == "distribution":
            owner = None  # no distribution at all
        else:
            owner = record
        checks.append(
            CheckExplanation(
                indicator_id=row.indicator_id,
                label=indicator.label_en,
                dimension=row.dimension,
                points=indicator.points,
                passed=row.passed,
                points_won=row.points_won,
                on=row.distribution_id or "dataset",
                looked_at=_looked_at(row.indicator_id, owner, link_status),
                fix=indicator.fix_hint_fr,
            )
        )
    distributions = tuple(
        DistributionExplanation(
            d.distribution_id,
            by_id[d.distribution_id].position,
            by_id[d.distribution_id].title,
            d.total,
            dict(d.by_dimension),
            d.is_best,
        )
        for d in result.distributions
    )
    return Explanation(
        dataset_id=record.dataset_id,
        title=record.title,
        run_id=run_id,
        variant=result.variant,
        total=result.total,
        max_points=result.max_points,
        rating=result.rating,
        licence_list=profile.licence_list,
        dcat_ap_version=profile.dcat_ap_version,
        methodology_version=result.methodology_version,
        checks=tuple(checks),
        distributions=distributions,
        best_distribution_id=result.best_distribution_id,
        best_reason=_best_reason(result, record),
        violations=tuple(violations or ()),
    )


def as_json(explanation: Explanation) -> dict[str, Any]:
    """The explanation as JSON-ready data (``explain --format json``)."""
    return {
        "dataset_id": explanation.dataset_id,
        "title": explanation.title,
        "run_id": explanation.run_id,
        "score": {
            "total": explanation.total,
            "max_points": explanation.max_points,
            "rating": explanation.rating,
            "variant": explanation.variant,
        },
        "scored_with": {
            "methodology": explanation.methodology_version,
            "licence_list": explanation.licence_list,
            "dcat_ap_version": explanation.dcat_ap_version,
        },
        "best_distribution": {
            "id": explanation.best_distribution_id,
            "why": explanation.best_reason,
        },
        "distributions": [
            {
                "id": d.distribution_id,
                "position": d.position,
                "title": d.title,
                "total": d.total,
                "by_dimension": dict(d.by_dimension),
                "best": d.best,
            }
            for d in explanation.distributions
        ],
        "checks": [
            {
                "indicator": c.indicator_id,
                "label": c.label,
                "dimension": c.dimension,
                "status": _status(c.passed),
                "points_won": c.points_won,
                "points": c.points,
                "on": c.on,
                "looked_at": dict(c.looked_at),
                "fix": c.fix if c.passed is False else None,
            }
            for c in explanation.checks
        ],
        "dcat_ap_violations": [
            {
                "focus": v.focus,
                "path": v.path,
                "constraint": v.constraint,
                "severity": v.severity,
                "message": v.message,
            }
            for v in explanation.violations
        ],
        "notes": list(explanation.notes),
    }


def _status(passed: bool | None) -> str:
    return "not measured" if passed is None else "passed" if passed else "failed"
