"""Record → rows of each family of per-dataset tables, in the column order of COPY.

A dataset's rows are its content only: no run, no page. The loader stores them once per
version of the dataset (see ``Family``); which run had which version is stored apart.

Kept apart from the loader so the conversion can be tested and measured alone (and so
the parse workers, which build the rows, import no database client). Every text value
goes through ``_text``: PostgreSQL refuses NUL characters and lone surrogates, and one
such value would otherwise abort the whole load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from dcat_quality.dcat.dates import parse_date
from dcat_quality.dcat.records import DatasetRecord, DistributionRecord, RdfFinding
from dcat_quality.quality.ecospheres import EcospheresIndicators
from dcat_quality.quality.hvd_vocabulary import load_hvd_vocabulary
from dcat_quality.quality.mqa import ScoreSummary
from dcat_quality.quality.shacl import Violation

Row = tuple[Any, ...]

_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of per-dataset rows.

    Stored once per dataset version in ``table`` (the ``version`` key, then ``columns``);
    read through the view ``name`` (``run_id``, ``dataset_id``, then ``columns``), which
    shows for each run the rows of the version the dataset had in it. ``history``
    families are kept for every succeeded run (scores); the others only for the runs whose
    detail is kept (``keep_runs``).
    """

    name: str
    table: str
    columns: tuple[str, ...]
    history: bool = False


#: Every family, in load order; the first one (``hist_datasets``) is the version's root.
FAMILIES: tuple[Family, ...] = (
    Family(
        "hist_datasets",
        "dataset_versions",
        (
            "dataset_id",
            "is_blank_node",
            "is_series",
            "identifier",
            "title",
            "title_lang",
            "description",
            "description_lang",
            "issued",
            "issued_text",
            "created",
            "created_text",
            "modified",
            "modified_text",
            "creator",
            "rights_holder",
            "publisher",
            "contact_name",
            "contact_email",
            "status_code",
            "status_label",
            "catalog",
            "bbox",
            "landing_page",
            "temporal_start",
            "temporal_end",
            "accrual_periodicity",
            "distribution_count",
            "fill_rate",
            "filled_fields",
            "universe",
            "geo_coverage",
            "open_access",
            "metadata_format",
        ),
    ),
    Family(
        "hist_distributions",
        "version_distributions",
        (
            "distribution_id",
            "title",
            "access_url",
            "download_url",
            "format",
            "media_type",
            "license",
            "byte_size",
            "issued",
            "modified",
            "rights",
        ),
    ),
    Family("hist_dataset_keywords", "version_keywords", ("keyword",)),
    Family("hist_dataset_themes", "version_themes", ("theme",)),
    Family(
        "hist_dataset_hvd_categories",
        "version_hvd_categories",
        ("category_iri", "category_label", "top_category_iri", "top_category_label"),
    ),
    Family(
        "hist_dataset_territories",
        "version_territories",
        ("territory_iri", "kind", "code", "departement"),
    ),
    Family("hist_dataset_spatial", "version_spatial", ("spatial_iri",)),
    Family("hist_dataset_licenses", "version_licenses", ("license",)),
    Family("hist_dataset_access_rights", "version_access_rights", ("label", "iri")),
    Family("hist_dataset_languages", "version_languages", ("language",)),
    Family(
        "hist_shacl_violations",
        "version_shacl_violations",
        ("focus", "path", "constraint_component", "severity", "message"),
    ),
    Family("hist_rdf_repairs", "version_rdf_repairs", ("code", "line", "col", "message")),
    Family(
        "score_history",
        "version_scores",
        (
            "variant",
            "total",
            "max_points",
            "rating",
            "findability",
            "accessibility",
            "interoperability",
            "reusability",
            "contextuality",
            "measured_mask",
            "passed_mask",
            "best_distribution_id",
            "fill_rate",
            "shacl_violations",
        ),
        history=True,
    ),
)

#: Family name → family.
BY_NAME: dict[str, Family] = {family.name: family for family in FAMILIES}


def keyed(version: bytes, rows: Iterable[tuple[str, Row]]) -> list[tuple[str, Row]]:
    """The rows of a version as the loader copies them: the version (its hex digits, which
    PostgreSQL reads as a uuid) first. Built in the worker, so the loading process, the
    one serial part of a run, only copies."""
    key = version.hex()
    return [(family, (key, *row)) for family, row in rows]


def text(value: str | None) -> str | None:
    """``value`` as PostgreSQL accepts it: no NUL, no lone surrogate."""
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def stored_id(dataset_id: str) -> str:
    """A dataset id as its rows store it: the key to find them again."""
    return text(dataset_id) or ""


def _date(text: str | None) -> date | None:
    return parse_date(text)


def _bigint(value: int | None) -> int | None:
    if value is None or not -_BIGINT_MAX <= value <= _BIGINT_MAX:
        return None
    return value


def score_row(score: ScoreSummary, fill_rate: float, shacl_violations: int | None) -> Row:
    """The ``score_history`` row of one dataset."""
    return (
        score.variant,
        score.total,
        score.max_points,
        score.rating,
        *score.by_dimension,
        score.measured_mask,
        score.passed_mask,
        text(score.best_distribution_id),
        fill_rate,
        shacl_violations,
    )


def violation_rows(violations: Iterable[Violation]) -> Iterator[Row]:
    """``hist_shacl_violations`` rows of one dataset."""
    for v in violations:
        yield (
            text(v.focus),
            text(v.path),
            v.constraint,
            v.severity,
            text(v.message),
        )


def repair_rows(repairs: Iterable[RdfFinding]) -> Iterator[Row]:
    """``hist_rdf_repairs`` rows of one dataset."""
    for r in repairs:
        yield (r.code, r.line, r.column, text(r.message))


#: One page's repairs of one kind: ``(code, occurrences, line, col, message)`` of the
#: first occurrence, a ``run_page_repairs`` row without its run and page.
PageRepair = tuple[str, int, int, int, str | None]


def page_repairs(findings: Iterable[RdfFinding]) -> tuple[PageRepair, ...]:
    """A page's repairs summed up by kind, each with its first occurrence (page order)."""
    first: dict[str, RdfFinding] = {}
    counts: dict[str, int] = {}
    for finding in findings:
        first.setdefault(finding.code, finding)
        counts[finding.code] = counts.get(finding.code, 0) + 1
    return tuple(
        (code, counts[code], f.line, f.column, text(f.message)) for code, f in first.items()
    )


#: ``hist_datasets.metadata_format``: what a dataset was read from.
ISO19139 = "iso19139"
DCAT = "dcat"


def metadata_format(parser: str) -> str:
    """``iso19139`` for a dataset mapped from an ISO 19139 record, ``dcat`` for RDF as
    published (``ParsedPage.parser``): the two readings the harvest comparison pairs."""
    return ISO19139 if parser == "iso19139" else DCAT


def dataset_row(
    record: DatasetRecord, indicators: EcospheresIndicators, metadata_format: str | None = None
) -> Row:
    """The ``hist_datasets`` row of one dataset (``metadata_format`` None: not known, e.g.
    a table loaded by ``load``)."""
    return (
        text(record.dataset_id),
        record.is_blank_node,
        record.is_series,
        text(record.identifier),
        text(record.title),
        text(record.title_lang),
        text(record.description),
        text(record.description_lang),
        _date(record.issued),
        text(record.issued),
        _date(record.created),
        text(record.created),
        _date(record.modified),
        text(record.modified),
        text(record.creator),
        text(record.rights_holder),
        text(record.publisher),
        text(record.contact_name),
        text(record.contact_email),
        text(indicators.status_code),
        text(indicators.status_label),
        text(record.catalog),
        text(record.bbox),
        text(record.landing_page),
        _date(record.temporal_start),
        _date(record.temporal_end),
        text(record.accrual_periodicity),
        len(record.distributions),
        indicators.fill_rate,
        indicators.filled_fields,
        text(indicators.universe),
        text(indicators.geo_coverage),
        indicators.open_access,
        metadata_format,
    )


def distribution_row(dist: DistributionRecord) -> Row:
    """The ``hist_distributions`` row of one distribution."""
    return (
        text(dist.distribution_id),
        text(dist.title),
        text(dist.access_url),
        text(dist.download_url),
        text(dist.format),
        text(dist.media_type),
        text(dist.license),
        _bigint(dist.byte_size),
        _date(dist.issued),
        _date(dist.modified),
        text(dist.rights),
    )


def _values(values: tuple[str, ...]) -> Iterator[Row]:
    seen: set[str] = set()
    for value in values:
        clean = text(value)
        if clean and clean not in seen:
            seen.add(clean)
            yield (clean,)


def _hvd_category_rows(categories: tuple[str, ...]) -> Iterator[tuple[str, Row]]:
    vocabulary = load_hvd_vocabulary()
    for (iri,) in _values(categories):
        category = vocabulary.categories.get(iri)
        top = vocabulary.top(iri)
        yield (
            "hist_dataset_hvd_categories",
            (
                iri,
                category.label("fr") if category else None,
                top.iri if top else None,
                top.label("fr") if top else None,
            ),
        )


def long_rows(record: DatasetRecord, indicators: EcospheresIndicators) -> Iterator[tuple[str, Row]]:
    """``(family, row)`` for every long-table row of one dataset (empty values skipped)."""
    for dist in record.distributions:
        yield "hist_distributions", distribution_row(dist)
    for row in _values(record.keywords):
        yield "hist_dataset_keywords", row
    for row in _values(record.themes):
        yield "hist_dataset_themes", row
    if record.hvd is not None:
        yield from _hvd_category_rows(record.hvd.categories)
    for territory in indicators.territories:
        yield (
            "hist_dataset_territories",
            (
                text(territory.iri),
                text(territory.kind),
                text(territory.code),
                text(territory.departement),
            ),
        )
    for row in _values(record.spatial):
        yield "hist_dataset_spatial", row
    for row in _values(record.licenses):
        yield "hist_dataset_licenses", row
    for (label,) in _values(record.access_rights):
        yield "hist_dataset_access_rights", (label, None)
    for (iri,) in _values(record.access_rights_iris):
        yield "hist_dataset_access_rights", (None, iri)
    for row in _values(record.languages):
        yield "hist_dataset_languages", row


def dataset_rows(
    record: DatasetRecord,
    indicators: EcospheresIndicators,
    score: ScoreSummary | None = None,
    violations: Iterable[Violation] | None = None,
    repairs: Iterable[RdfFinding] = (),
    metadata_format: str | None = None,
) -> list[tuple[str, Row]]:
    """Every ``(family, row)`` of one dataset; ``violations`` None = DCAT-AP not checked;
    ``repairs`` are the RDF/XML repairs that touched it; ``metadata_format`` what it was
    read from (``metadata_format()``).

    Built where the dataset was parsed (a worker process), so the loading process only
    copies rows.
    """
    rows: list[tuple[str, Row]] = [
        ("hist_datasets", dataset_row(record, indicators, metadata_format))
    ]
    rows.extend(long_rows(record, indicators))
    found = None if violations is None else list(violations)
    if found is not None:
        rows.extend(("hist_shacl_violations", row) for row in violation_rows(found))
    rows.extend(("hist_rdf_repairs", row) for row in repair_rows(repairs))
    if score is not None:
        rows.append(
            (
                "score_history",
                score_row(
                    score,
                    indicators.fill_rate,
                    None if found is None else sum(v.severity == "Violation" for v in found),
                ),
            )
        )
    return rows
