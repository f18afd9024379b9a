"""Record → table rows, in the column order of the COPY statements.

Kept apart from the loader so the conversion can be tested and measured alone. Every
text value goes through ``_text``: PostgreSQL refuses NUL characters and lone
surrogates, and one such value would otherwise abort the whole load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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

#: Table name → columns, in COPY order. ``run_id`` is always first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "hist_datasets": (
        "run_id",
        "dataset_id",
        "source_file",
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
    "hist_distributions": (
        "run_id",
        "dataset_id",
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
    "hist_dataset_keywords": ("run_id", "dataset_id", "keyword"),
    "hist_dataset_themes": ("run_id", "dataset_id", "theme"),
    "hist_dataset_hvd_categories": (
        "run_id",
        "dataset_id",
        "category_iri",
        "category_label",
        "top_category_iri",
        "top_category_label",
    ),
    "hist_dataset_territories": (
        "run_id",
        "dataset_id",
        "territory_iri",
        "kind",
        "code",
        "departement",
    ),
    "hist_dataset_spatial": ("run_id", "dataset_id", "spatial_iri"),
    "hist_dataset_licenses": ("run_id", "dataset_id", "license"),
    "hist_dataset_access_rights": ("run_id", "dataset_id", "label", "iri"),
    "hist_dataset_languages": ("run_id", "dataset_id", "language"),
    "hist_shacl_violations": (
        "run_id",
        "dataset_id",
        "focus",
        "path",
        "constraint_component",
        "severity",
        "message",
    ),
    "hist_rdf_repairs": ("run_id", "dataset_id", "code", "line", "col", "message"),
    "score_history": (
        "run_id",
        "dataset_id",
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
}

#: Partitioned tables kept for every succeeded run (retention only drops the others).
HISTORY_TABLES: frozenset[str] = frozenset({"score_history"})

#: The partitioned detail tables, in load order.
DETAIL_TABLES: tuple[str, ...] = tuple(COLUMNS)


def _text(value: str | None) -> str | None:
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
    return _text(dataset_id) or ""


def _date(text: str | None) -> date | None:
    return parse_date(text)


def _bigint(value: int | None) -> int | None:
    if value is None or not -_BIGINT_MAX <= value <= _BIGINT_MAX:
        return None
    return value


def score_row(
    run_id: int,
    dataset_id: str,
    score: ScoreSummary,
    fill_rate: float,
    shacl_violations: int | None,
) -> Row:
    """The ``score_history`` row of one dataset."""
    return (
        run_id,
        _text(dataset_id),
        score.variant,
        score.total,
        score.max_points,
        score.rating,
        *score.by_dimension,
        score.measured_mask,
        score.passed_mask,
        _text(score.best_distribution_id),
        fill_rate,
        shacl_violations,
    )


def violation_rows(run_id: int, dataset_id: str, violations: Iterable[Violation]) -> Iterator[Row]:
    """``hist_shacl_violations`` rows of one dataset."""
    for v in violations:
        yield (
            run_id,
            _text(dataset_id),
            _text(v.focus),
            _text(v.path),
            v.constraint,
            v.severity,
            _text(v.message),
        )


def repair_rows(run_id: int, dataset_id: str, repairs: Iterable[RdfFinding]) -> Iterator[Row]:
    """``hist_rdf_repairs`` rows of one dataset."""
    for r in repairs:
        yield (run_id, _text(dataset_id), r.code, r.line, r.column, _text(r.message))


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
        (code, counts[code], f.line, f.column, _text(f.message)) for code, f in first.items()
    )


#: ``hist_datasets.metadata_format``: what a dataset was read from.
ISO19139 = "iso19139"
DCAT = "dcat"


def metadata_format(parser: str) -> str:
    """``iso19139`` for a dataset mapped from an ISO 19139 record, ``dcat`` for RDF as
    published (``ParsedPage.parser``): the two readings the harvest comparison pairs."""
    return ISO19139 if parser == "iso19139" else DCAT


def dataset_row(
    run_id: int,
    record: DatasetRecord,
    indicators: EcospheresIndicators,
    source_file: str,
    metadata_format: str | None = None,
) -> Row:
    """The ``hist_datasets`` row of one dataset (``metadata_format`` None: not known, e.g.
    a table loaded by ``load``)."""
    return (
        run_id,
        _text(record.dataset_id),
        _text(source_file),
        record.is_blank_node,
        record.is_series,
        _text(record.identifier),
        _text(record.title),
        _text(record.title_lang),
        _text(record.description),
        _text(record.description_lang),
        _date(record.issued),
        _text(record.issued),
        _date(record.created),
        _text(record.created),
        _date(record.modified),
        _text(record.modified),
        _text(record.creator),
        _text(record.rights_holder),
        _text(record.publisher),
        _text(record.contact_name),
        _text(record.contact_email),
        _text(indicators.status_code),
        _text(indicators.status_label),
        _text(record.catalog),
        _text(record.bbox),
        _text(record.landing_page),
        _date(record.temporal_start),
        _date(record.temporal_end),
        _text(record.accrual_periodicity),
        len(record.distributions),
        indicators.fill_rate,
        indicators.filled_fields,
        _text(indicators.universe),
        _text(indicators.geo_coverage),
        indicators.open_access,
        metadata_format,
    )


def distribution_row(run_id: int, dataset_id: str | None, dist: DistributionRecord) -> Row:
    """The ``hist_distributions`` row of one distribution."""
    return (
        run_id,
        dataset_id,
        _text(dist.distribution_id),
        _text(dist.title),
        _text(dist.access_url),
        _text(dist.download_url),
        _text(dist.format),
        _text(dist.media_type),
        _text(dist.license),
        _bigint(dist.byte_size),
        _date(dist.issued),
        _date(dist.modified),
        _text(dist.rights),
    )


def _values(run_id: int, dataset_id: str | None, values: tuple[str, ...]) -> Iterator[Row]:
    seen: set[str] = set()
    for value in values:
        clean = _text(value)
        if clean and clean not in seen:
            seen.add(clean)
            yield (run_id, dataset_id, clean)


def _hvd_category_rows(
    run_id: int, dataset_id: str | None, categories: tuple[str, ...]
) -> Iterator[tuple[str, Row]]:
    vocabulary = load_hvd_vocabulary()
    for _, _, iri in _values(run_id, dataset_id, categories):
        category = vocabulary.categories.get(iri)
        top = vocabulary.top(iri)
        yield (
            "hist_dataset_hvd_categories",
            (
                run_id,
                dataset_id,
                iri,
                category.label("fr") if category else None,
                top.iri if top else None,
                top.label("fr") if top else None,
            ),
        )


def long_rows(
    run_id: int, record: DatasetRecord, indicators: EcospheresIndicators
) -> Iterator[tuple[str, Row]]:
    """``(table, row)`` for every long-table row of one dataset (empty values skipped)."""
    dataset_id = _text(record.dataset_id)
    for dist in record.distributions:
        yield "hist_distributions", distribution_row(run_id, dataset_id, dist)
    for row in _values(run_id, dataset_id, record.keywords):
        yield "hist_dataset_keywords", row
    for row in _values(run_id, dataset_id, record.themes):
        yield "hist_dataset_themes", row
    if record.hvd is not None:
        yield from _hvd_category_rows(run_id, dataset_id, record.hvd.categories)
    for territory in indicators.territories:
        yield (
            "hist_dataset_territories",
            (
                run_id,
                dataset_id,
                _text(territory.iri),
                _text(territory.kind),
                _text(territory.code),
                _text(territory.departement),
            ),
        )
    for row in _values(run_id, dataset_id, record.spatial):
        yield "hist_dataset_spatial", row
    for row in _values(run_id, dataset_id, record.licenses):
        yield "hist_dataset_licenses", row
    for _, _, label in _values(run_id, dataset_id, record.access_rights):
        yield "hist_dataset_access_rights", (run_id, dataset_id, label, None)
    for _, _, iri in _values(run_id, dataset_id, record.access_rights_iris):
        yield "hist_dataset_access_rights", (run_id, dataset_id, None, iri)
    for row in _values(run_id, dataset_id, record.languages):
        yield "hist_dataset_languages", row


def dataset_rows(
    run_id: int,
    record: DatasetRecord,
    indicators: EcospheresIndicators,
    source_file: str,
    score: ScoreSummary | None = None,
    violations: Iterable[Violation] | None = None,
    repairs: Iterable[RdfFinding] = (),
    metadata_format: str | None = None,
) -> list[tuple[str, Row]]:
    """Every ``(table, row)`` of one dataset; ``violations`` None = DCAT-AP not checked;
    ``repairs`` are the RDF/XML repairs that touched it; ``metadata_format`` what it was
    read from (``metadata_format()``).

    Built where the dataset was parsed (a worker process), so the loading process only
    copies rows.
    """
    rows: list[tuple[str, Row]] = [
        ("hist_datasets", dataset_row(run_id, record, indicators, source_file, metadata_format))
    ]
    rows.extend(long_rows(run_id, record, indicators))
    found = None if violations is None else list(violations)
    if found is not None:
        rows.extend(
            ("hist_shacl_violations", row)
            for row in violation_rows(run_id, record.dataset_id, found)
        )
    rows.extend(
        ("hist_rdf_repairs", row) for row in repair_rows(run_id, record.dataset_id, repairs)
    )
    if score is not None:
        rows.append(
            (
                "score_history",
                score_row(
                    run_id,
                    record.dataset_id,
                    score,
                    indicators.fill_rate,
                    None if found is None else sum(v.severity == "Violation" for v in found),
                ),
            )
        )
    return rows
