"""What the HTML report shows, read from the warehouse views: one function per section.

Every section is read in one read-only, repeatable-read transaction, so the report shows
one consistent state even when a run publishes while it is being built. The queries read
the views Metabase reads (``dataset_scores``, ``failed_checks_ranked``, ``score_trend``…),
so the report and the dashboard cannot disagree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from dcat_quality.errors import WarehouseError
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.registry import MQA_DIMENSIONS
from dcat_quality.warehouse import Warehouse
from dcat_quality.warehouse.connection import connect
from dcat_quality.warehouse.target import scrub

log = logging.getLogger(__name__)

Connection = psycopg.Connection[TupleRow]

#: The data.europa.eu ratings, best first.
RATINGS: tuple[str, ...] = ("excellent", "good", "sufficient", "bad")
#: Label of datasets without publisher nor rights holder (as in ``quality_by_publisher``).
NO_PUBLISHER = "(non renseigné)"


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The published run the report shows."""

    run_id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    score_variant: str
    methodology_version: str | None
    software_version: str | None
    licence_list: str | None = None
    dcat_ap_version: str | None = None

    @property
    def link_checks_measured(self) -> bool:
        """False when the URL status checks were not measured in this variant."""
        return "link" not in self.score_variant


@dataclass(frozen=True, slots=True)
class RatingCount:
    """How many datasets have one rating."""

    rating: str
    datasets: int
    share_percent: float


@dataclass(frozen=True, slots=True)
class Overview:
    """The catalog's overall score and rating distribution."""

    datasets: int
    mean_total: float
    mean_max_points: float
    mean_score_percent: float
    ratings: tuple[RatingCount, ...]


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One MQA dimension: mean points won out of the points at stake and the maximum."""

    dimension: str
    maximum: int
    mean_points: float
    mean_at_stake: float
    not_measured_points: int

    @property
    def measured(self) -> bool:
        """False when none of the dimension's points were at stake."""
        return self.mean_at_stake > 0


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One succeeded run in the history."""

    run_id: int
    started_at: datetime
    score_variant: str
    datasets: int
    mean_score_percent: float
    mean_fill_rate: float


@dataclass(frozen=True, slots=True)
class PublisherScore:
    """One publisher (or rights holder) with its mean score."""

    publisher: str
    datasets: int
    mean_total: float
    mean_score_percent: float
    mean_fill_rate: float
    good_or_better: int


@dataclass(frozen=True, slots=True)
class FailedCheck:
    """A check that fails, with how many datasets fail it and the points to win back."""

    indicator_id: str
    label_fr: str
    label_en: str
    dimension: str
    points: int
    datasets_failing: int
    points_recoverable: int
    fix_hint_fr: str


@dataclass(frozen=True, slots=True)
class CoverageCount:
    """Datasets per historical geographic coverage (communale, départementale, none)."""

    coverage: str | None
    datasets: int


@dataclass(frozen=True, slots=True)
class EcospheresSummary:
    """The historical Ecosphères indicators over the published run."""

    datasets: int
    mean_fill_rate: float
    open_access: int
    geo_coverage: tuple[CoverageCount, ...]
    pprn: int

    @property
    def open_access_percent(self) -> float:
        return 100.0 * self.open_access / self.datasets if self.datasets else 0.0


@dataclass(frozen=True, slots=True)
class WorstDataset:
    """A low-scoring dataset and the fix that wins back the most points."""

    dataset_id: str
    title: str | None
    total: int
    max_points: int
    rating: str
    fix_label_fr: str | None
    fix_points: int | None
    fix_hint_fr: str | None


@dataclass(frozen=True, slots=True)
class PublisherSection:
    """Everything the report says about one publisher."""

    publisher: PublisherScore
    top_failed: tuple[FailedCheck, ...]
    worst: tuple[WorstDataset, ...]


@dataclass(frozen=True, slots=True)
class PageRepairs:
    """One page's RDF/XML repairs of one kind (``page_rdf_repairs``)."""

    file: str
    code: str
    occurrences: int
    datasets_touched: int
    line: int
    col: int
    message: str


@dataclass(frozen=True, slots=True)
class DatasetRepairs:
    """One dataset touched by RDF/XML repairs (``dataset_rdf_repairs``), its kinds listed."""

    dataset_id: str
    title: str | None
    publisher: str
    source_file: str | None
    codes: tuple[str, ...]
    repairs: int
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Repairs:
    """The lenient RDF/XML readings of the published run, per page and per dataset, and
    the fix hint of ``ecospheres.well_formed_rdf`` (the datasets touched fail it)."""

    pages: int
    datasets: int
    by_page: tuple[PageRepairs, ...]
    by_dataset: tuple[DatasetRepairs, ...]
    fix_hint_fr: str | None
    fix_hint_en: str | None


@dataclass(frozen=True, slots=True)
class HarvestCheck:
    """One check the harvest changed, over every paired dataset."""

    indicator_id: str
    label_fr: str
    label_en: str
    datasets: int
    points: int  # total change of points (negative: lost)
    lost: int
    gained: int


@dataclass(frozen=True, slots=True)
class HarvestPublisher:
    """One publisher's datasets read at both ends (``harvest_by_publisher``)."""

    publisher: str
    datasets: int
    mean_source_total: float
    mean_harvest_total: float
    points_lost: int
    points_gained: int
    datasets_losing: int


@dataclass(frozen=True, slots=True)
class HarvestDataset:
    """One paired dataset (``harvest_comparison``)."""

    identifier: str
    title: str | None
    publisher: str
    source_total: int
    harvest_total: int
    points_change: int
    lost: str | None
    gained: str | None


@dataclass(frozen=True, slots=True)
class HarvestSummary:
    """Source versus harvest: the datasets read both as ISO 19139 records and in a DCAT
    dump, paired by identifier, and what the harvest changed."""

    pairs: int
    source_only: int  # ISO records whose identifier no DCAT reading carries
    mean_source_total: float
    mean_harvest_total: float
    points_lost: int
    points_gained: int
    checks: tuple[HarvestCheck, ...]
    publishers: tuple[HarvestPublisher, ...]
    datasets: tuple[HarvestDataset, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """All the report's sections, as read from the warehouse."""

    generated_at: datetime
    schema: str
    run: RunSummary
    overview: Overview
    dimensions: tuple[DimensionScore, ...]
    trend: tuple[TrendPoint, ...]
    publishers: tuple[PublisherScore, ...]
    fix_first: tuple[FailedCheck, ...]
    ecospheres: EcospheresSummary
    sections: tuple[PublisherSection, ...]
    hvd: HvdSummary | None = None
    repairs: Repairs | None = None
    harvest: HarvestSummary | None = None


class _Reader:
    """Runs the report's queries on one connection, ``{schema}`` quoted."""

    def __init__(self, conn: Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    def rows(self, template: LiteralString, *params: Any) -> list[tuple[Any, ...]]:
        query = sql.SQL(template).format(schema=sql.Identifier(self.schema))
        return self.conn.execute(query, params).fetchall()


def _f(value: Decimal | float | int | None) -> float:
    return float(value) if value is not None else 0.0


def run_summary(reader: _Reader) -> RunSummary:
    """The published run (the latest succeeded one); refuses before the first."""
    rows = reader.rows(
        "SELECT run_id, source, started_at, finished_at, coalesce(score_variant, 'full'),"
        " methodology_version, software_version, licence_list, dcat_ap_version"
        " FROM {schema}.runs"
        " WHERE run_id = (SELECT run_id FROM {schema}.current_run)"
    )
    if not rows:
        raise WarehouseError(
            f"no published run in the schema {reader.schema!r} yet: "
            "run `dcat-quality run` first, then write the report"
        )
    return RunSummary(*rows[0])


def overview(reader: _Reader) -> Overview:
    """Mean score and how many datasets have each rating."""
    ((count, mean_total, mean_max, mean_pct),) = reader.rows(
        "SELECT count(*), avg(total), avg(max_points), avg(score_percent)"
        " FROM {schema}.dataset_scores"
    )
    by_rating = {
        str(r): (int(n), _f(s))
        for r, n, s in reader.rows(
            "SELECT rating, datasets, share_percent FROM {schema}.quality_by_rating"
        )
    }
    ratings = tuple(RatingCount(name, *by_rating.get(name, (0, 0.0))) for name in RATINGS)
    return Overview(int(count), _f(mean_total), _f(mean_max), _f(mean_pct), ratings)


def dimension_scores(reader: _Reader, run_id: int) -> tuple[DimensionScore, ...]:
    """Mean points per MQA dimension, out of the points at stake and the maximum.

    Points at stake come from the run's pass-rate statistics (``measured`` datasets per
    check), so a check not measured in this score variant counts neither way.
    """
    registry = [i for i in default_registry() if i.family == "mqa"]
    maximum = {d: sum(i.points for i in registry if i.dimension == d) for d in MQA_DIMENSIONS}
    ((count, *means),) = reader.rows(
        "SELECT count(*), avg(findability), avg(accessibility), avg(interoperability),"
        " avg(reusability), avg(contextuality) FROM {schema}.dataset_scores"
    )
    measured = {
        str(ind): int(n)
        for ind, n in reader.rows(
            "SELECT indicator_id, measured FROM {schema}.run_indicator_stats WHERE run_id = %s",
            run_id,
        )
    }
    out = []
    for dimension, mean in zip(MQA_DIMENSIONS, means, strict=True):
        checks = [i for i in registry if i.dimension == dimension]
        at_stake = sum(i.points * measured.get(i.id, 0) / count for i in checks) if count else 0.0
        unmeasured = sum(i.points for i in checks if measured.get(i.id, 0) == 0)
        out.append(DimensionScore(dimension, maximum[dimension], _f(mean), at_stake, unmeasured))
    return tuple(out)


def trend(reader: _Reader) -> tuple[TrendPoint, ...]:
    """Every succeeded run: mean score (percent of the points at stake) and fill rate."""
    return tuple(
        TrendPoint(int(run), started, str(variant), int(n), _f(pct), _f(fill))
        for run, started, variant, n, pct, fill in reader.rows(
            "SELECT run_id, started_at, coalesce(score_variant, 'full'), datasets,"
            " mean_score_percent, mean_fill_rate FROM {schema}.score_trend ORDER BY run_id"
        )
    )


def publishers(reader: _Reader) -> tuple[PublisherScore, ...]:
    """Publishers ranked by mean score, best first (ties: more datasets first)."""
    return tuple(
        PublisherScore(str(p), int(n), _f(t), _f(pct), _f(fill), int(good))
        for p, n, t, pct, fill, good in reader.rows(
            "SELECT publisher, datasets, mean_total, mean_score_percent, mean_fill_rate,"
            " good_or_better FROM {schema}.quality_by_publisher"
            " ORDER BY mean_score_percent DESC, datasets DESC, publisher"
        )
    )


def fix_first(reader: _Reader, limit: int = 15) -> tuple[FailedCheck, ...]:
    """The checks whose fixing would win back the most points, catalog-wide."""
    return tuple(
        FailedCheck(*row)
        for row in reader.rows(
            "SELECT f.indicator_id, f.label_fr, f.label_en, f.dimension, i.points,"
            " f.datasets_failing, f.points_recoverable, f.fix_hint_fr"
            " FROM {schema}.failed_checks_ranked f JOIN {schema}.indicators i USING (indicator_id)"
            " ORDER BY f.points_recoverable DESC, f.indicator_id LIMIT %s",
            limit,
        )
    )


def ecospheres(reader: _Reader) -> EcospheresSummary:
    """Mean fill rate, open access share, geographic coverage split, PPRN count."""
    ((count, fill, open_access, pprn),) = reader.rows(
        "SELECT count(*), avg(fill_rate), count(*) FILTER (WHERE open_access),"
        " count(*) FILTER (WHERE universe = 'PPRN') FROM {schema}.datasets"
    )
    coverage = tuple(
        CoverageCount(c, int(n))
        for c, n in reader.rows(
            "SELECT geo_coverage, count(*) FROM {schema}.datasets GROUP BY 1"
            " ORDER BY geo_coverage NULLS LAST"
        )
    )
    return EcospheresSummary(int(count), _f(fill), int(open_access), coverage, int(pprn))


@dataclass(frozen=True, slots=True)
class HvdPublisher:
    """One publisher's high-value datasets (the ``hvd_by_publisher`` view)."""

    publisher: str
    datasets: int
    with_category: int
    with_contact_point: int
    with_api: int
    with_documented_api: int
    with_compatible_licence: int
    with_bulk_download: int
    complete: int


@dataclass(frozen=True, slots=True)
class HvdDataset:
    """A high-value dataset with its gaps (the ``hvd_datasets`` view)."""

    title: str
    publisher: str | None
    categories: str | None
    contact_email: str | None
    api_served: bool
    api_documented: bool
    licence_ok: bool
    gaps: int


@dataclass(frozen=True, slots=True)
class HvdSummary:
    """The high-value datasets of the published run: per publisher, and the datasets."""

    publishers: tuple[HvdPublisher, ...]
    datasets: tuple[HvdDataset, ...]

    @property
    def count(self) -> int:
        return sum(p.datasets for p in self.publishers)

    @property
    def complete(self) -> int:
        return sum(p.complete for p in self.publishers)


def hvd(reader: _Reader, limit: int = 50) -> HvdSummary:
    """High-value datasets per publisher, and those with the most gaps first."""
    publishers = tuple(
        HvdPublisher(str(row[0]), *(int(v) for v in row[1:]))
        for row in reader.rows(
            "SELECT publisher, hvd_datasets, with_category, with_contact_point, with_api,"
            " with_documented_api, with_compatible_licence, with_bulk_download, complete"
            " FROM {schema}.hvd_by_publisher ORDER BY hvd_datasets DESC, publisher"
        )
    )
    datasets = tuple(
        HvdDataset(
            str(title or dataset_id),
            publisher,
            categories,
            email,
            bool(api),
            bool(documented),
            bool(licence),
            int(gaps),
        )
        for dataset_id, title, publisher, categories, email, api, documented, licence, gaps in (
            reader.rows(
                "SELECT dataset_id, title, publisher, top_categories, contact_email, api_served,"
                " api_documented, licence_ok, gaps FROM {schema}.hvd_datasets"
                " ORDER BY gaps DESC, title, dataset_id LIMIT %s",
                limit,
            )
        )
    )
    return HvdSummary(publishers, datasets)


def repairs(reader: _Reader, limit: int = 50) -> Repairs:
    """The RDF/XML repairs: the pages and datasets with the most of them, ``limit`` each."""
    ((pages, datasets),) = reader.rows(
        "SELECT (SELECT count(DISTINCT file) FROM {schema}.page_rdf_repairs),"
        " (SELECT count(DISTINCT dataset_id) FROM {schema}.dataset_rdf_repairs)"
    )
    by_page = tuple(
        PageRepairs(*row)
        for row in reader.rows(
            "SELECT file, code, occurrences, datasets_touched, line, col, message"
            " FROM {schema}.page_rdf_repairs ORDER BY occurrences DESC, file, code LIMIT %s",
            limit,
        )
    )
    by_dataset = tuple(
        DatasetRepairs(dataset_id, title, publisher, source_file, tuple(codes), n, line, col)
        for dataset_id, title, publisher, source_file, codes, n, line, col in reader.rows(
            "SELECT dataset_id, title, coalesce(publisher, %s), source_file,"
            " array_agg(DISTINCT code ORDER BY code), count(*),"
            " (array_agg(line ORDER BY line, col))[1], (array_agg(col ORDER BY line, col))[1]"
            " FROM {schema}.dataset_rdf_repairs"
            " GROUP BY dataset_id, title, publisher, source_file"
            " ORDER BY count(*) DESC, dataset_id LIMIT %s",
            NO_PUBLISHER,
            limit,
        )
    )
    hints = reader.rows(
        "SELECT fix_hint_fr, fix_hint_en FROM {schema}.indicators"
        " WHERE indicator_id = 'ecospheres.well_formed_rdf'"
    )
    hint_fr, hint_en = hints[0] if hints else (None, None)
    return Repairs(int(pages), int(datasets), by_page, by_dataset, hint_fr, hint_en)


def harvest(reader: _Reader, limit: int = 50) -> HarvestSummary | None:
    """Source versus harvest; None when no dataset was read at both ends."""
    ((pairs, mean_source, mean_harvest, lost, gained),) = reader.rows(
        "SELECT count(*), avg(source_total), avg(harvest_total), sum(points_lost),"
        " sum(points_gained) FROM {schema}.harvest_comparison"
    )
    if not pairs:
        return None
    ((source_only,),) = reader.rows(
        "SELECT count(*) FROM {schema}.datasets s WHERE s.metadata_format = 'iso19139'"
        " AND NOT EXISTS (SELECT 1 FROM {schema}.harvest_pairs p"
        "  WHERE p.source_dataset_id = s.dataset_id)"
    )
    checks = tuple(
        HarvestCheck(str(i), str(fr), str(en), int(n), int(points), int(lost_n), int(gained_n))
        for i, fr, en, n, points, lost_n, gained_n in reader.rows(
            "SELECT indicator_id, label_fr, label_en, count(*), sum(points_change),"
            " count(*) FILTER (WHERE change = 'lost'), count(*) FILTER (WHERE change = 'gained')"
            " FROM {schema}.harvest_check_changes GROUP BY indicator_id, label_fr, label_en"
            " ORDER BY sum(points_change), count(*) DESC, indicator_id"
        )
    )
    publishers = tuple(
        HarvestPublisher(str(p), int(n), _f(s), _f(h), int(pl), int(pg), int(losing))
        for p, n, s, h, pl, pg, losing in reader.rows(
            "SELECT publisher, datasets, mean_source_total, mean_harvest_total, points_lost,"
            " points_gained, datasets_losing FROM {schema}.harvest_by_publisher"
            " ORDER BY points_change, datasets DESC, publisher"
        )
    )
    datasets = tuple(
        HarvestDataset(*row)
        for row in reader.rows(
            "SELECT identifier, title, coalesce(publisher, %s), source_total, harvest_total,"
            " points_change, lost, gained FROM {schema}.harvest_comparison"
            " ORDER BY points_change, identifier LIMIT %s",
            NO_PUBLISHER,
            limit,
        )
    )
    return HarvestSummary(
        int(pairs),
        int(source_only),
        _f(mean_source),
        _f(mean_harvest),
        int(lost or 0),
        int(gained or 0),
        checks,
        publishers,
        datasets,
    )


def publisher_sections(
    reader: _Reader, ranked: tuple[PublisherScore, ...], *, checks: int = 5, worst: int = 5
) -> tuple[PublisherSection, ...]:
    """Per publisher: its top failed checks and its worst datasets with their top fix."""
    failed: dict[str, list[FailedCheck]] = {}
    for publisher, *row in reader.rows(
        "SELECT publisher, indicator_id, label_fr, label_en, dimension, points,"
        " datasets_failing, points_recoverable, fix_hint_fr FROM ("
        "  SELECT f.publisher, f.indicator_id, i.label_fr, i.label_en, i.dimension, i.points,"
        "   count(*) AS datasets_failing, sum(f.points_recoverable) AS points_recoverable,"
        "   i.fix_hint_fr, row_number() OVER (PARTITION BY f.publisher"
        "    ORDER BY sum(f.points_recoverable) DESC, f.indicator_id) AS position"
        "  FROM (SELECT coalesce(publisher, %s) AS publisher, indicator_id, points_recoverable"
        "        FROM {schema}.fix_first) f"
        "  JOIN {schema}.indicators i USING (indicator_id)"
        "  GROUP BY f.publisher, f.indicator_id, i.label_fr, i.label_en, i.dimension, i.points,"
        "   i.fix_hint_fr) ranked"
        " WHERE position <= %s ORDER BY publisher, position",
        NO_PUBLISHER,
        checks,
    ):
        failed.setdefault(str(publisher), []).append(FailedCheck(*row))
    low: dict[str, list[WorstDataset]] = {}
    for publisher, *row in reader.rows(
        "SELECT publisher, dataset_id, title, total, max_points, rating, fix_label,"
        " fix_points, fix_hint FROM ("
        "  SELECT coalesce(s.publisher, %s) AS publisher, s.dataset_id, s.title, s.total,"
        "   s.max_points, s.rating, f.label_fr AS fix_label, f.points_recoverable AS fix_points,"
        "   f.fix_hint_fr AS fix_hint,"
        "   row_number() OVER (PARTITION BY coalesce(s.publisher, %s)"
        "    ORDER BY s.score_percent, s.total, s.dataset_id) AS position"
        "  FROM {schema}.dataset_scores s"
        "  LEFT JOIN (SELECT DISTINCT ON (dataset_id) dataset_id, label_fr,"
        "             points_recoverable, fix_hint_fr FROM {schema}.fix_first"
        "             ORDER BY dataset_id, priority, indicator_id) f USING (dataset_id)) ranked"
        " WHERE position <= %s ORDER BY publisher, position",
        NO_PUBLISHER,
        NO_PUBLISHER,
        worst,
    ):
        low.setdefault(str(publisher), []).append(WorstDataset(*row))
    return tuple(
        PublisherSection(p, tuple(failed.get(p.publisher, ())), tuple(low.get(p.publisher, ())))
        for p in sorted(ranked, key=lambda p: (-p.datasets, p.publisher))
    )


def collect(conn: Connection, schema: str) -> Report:
    """Read every section on ``conn`` (in the transaction the caller opened)."""
    reader = _Reader(conn, schema)
    run = run_summary(reader)
    ranked = publishers(reader)
    return Report(
        generated_at=datetime.now(UTC),
        schema=schema,
        run=run,
        overview=overview(reader),
        dimensions=dimension_scores(reader, run.run_id),
        trend=trend(reader),
        publishers=ranked,
        fix_first=fix_first(reader),
        ecospheres=ecospheres(reader),
        sections=publisher_sections(reader, ranked),
        hvd=hvd(reader),
        repairs=repairs(reader),
        harvest=harvest(reader),
    )


def build_report(warehouse: Warehouse) -> Report:
    """The report's content for the warehouse's published run, read consistently."""
    conn = connect(warehouse.target, autocommit=False, purpose="read the report")
    try:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        report = collect(conn, warehouse.schema)
        conn.rollback()
    except psycopg.Error as exc:
        detail = scrub(str(exc).strip(), warehouse.target)
        raise WarehouseError(
            f"could not read the report (warehouse {warehouse.target.display}): {detail}"
        ) from exc
    finally:
        conn.close()
    log.info("report read: run %s, %s datasets", report.run.run_id, report.overview.datasets)
    return report
