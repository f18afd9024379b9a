"""Reading the published run back, for the commands that export it (DQV)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dcat_quality.warehouse._sql import SchemaSession


def iter_check_results(db: SchemaSession) -> Iterator[tuple[str, str, bool]]:
    """``(dataset, metric IRI, passed)`` of every measured MQA and HVD check, published run.

    HVD checks have no data.europa.eu metric: theirs is ours, ``urn:dcat-quality:metric:``
    followed by the indicator id (``quality.dqv.OWN_METRIC``).
    """
    with db.errors("could not read the check results"), db.conn.transaction():
        cursor = db.conn.cursor(name="dcat_quality_checks")
        cursor.execute(
            db.sql(
                "SELECT c.dataset_id,"
                " coalesce(i.metric_iri, 'urn:dcat-quality:metric:' || i.indicator_id), c.passed"
                " FROM {schema}.dataset_checks c JOIN {schema}.indicators i"
                " USING (indicator_id) WHERE c.passed IS NOT NULL"
                " AND (i.metric_iri IS NOT NULL OR i.family = 'hvd')"
                " ORDER BY c.dataset_id, i.check_position"
            )
        )
        for dataset_id, metric, passed in cursor:
            yield str(dataset_id), str(metric), bool(passed)


def iter_scores(db: SchemaSession) -> Iterator[tuple[str, int, float]]:
    """``(dataset, MQA total, fill rate)`` of the published run."""
    with db.errors("could not read the scores"), db.conn.transaction():
        cursor = db.conn.cursor(name="dcat_quality_scores")
        cursor.execute(
            db.sql(
                "SELECT dataset_id, total, fill_rate FROM {schema}.dataset_scores"
                " ORDER BY dataset_id"
            )
        )
        for dataset_id, total, fill_rate in cursor:
            yield str(dataset_id), int(total), float(fill_rate)


#: What ``runs`` records of the inputs a run's scores depend on (issue 13), by column.
SCORING_COLUMNS = (
    "methodology_version",
    "score_variant",
    "licence_list",
    "dcat_ap_version",
    "scoring_digest",
)


def scoring_facts(db: SchemaSession, run_id: int) -> dict[str, str | None]:
    """The scoring inputs run ``run_id`` recorded (``SCORING_COLUMNS``; None when not set)."""
    with db.errors("could not read the run's scoring inputs"):
        row = db.conn.execute(
            db.sql(
                "SELECT methodology_version, score_variant, licence_list, dcat_ap_version,"
                " scoring_digest FROM {schema}.runs WHERE run_id = %s"
            ),
            (run_id,),
        ).fetchone()
    if row is None:
        return dict.fromkeys(SCORING_COLUMNS)
    return {
        name: (str(value) if value is not None else None)
        for name, value in zip(SCORING_COLUMNS, row, strict=True)
    }


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """What the published run stored about one dataset's score (``explain``)."""

    source_file: str | None
    title: str | None
    total: int
    max_points: int
    rating: str
    variant: str
    checks: dict[str, tuple[bool | None, int, int, str | None]]  # id → passed, won, stake, on
    violations: list[tuple[str, str, str, str, str]]  # focus, path, constraint, severity, message


def stored_outcome(db: SchemaSession, dataset_id: str) -> StoredOutcome | None:
    """The published run's score, checks and DCAT-AP results of one dataset; None when the
    run has no such dataset."""
    with db.errors("could not read the dataset's score"):
        score = db.conn.execute(
            db.sql(
                "SELECT d.source_file, s.title, s.total, s.max_points, s.rating, s.variant"
                " FROM {schema}.dataset_scores s JOIN {schema}.datasets d USING (dataset_id)"
                " WHERE s.dataset_id = %s"
            ),
            (dataset_id,),
        ).fetchone()
        if score is None:
            return None
        checks = db.conn.execute(
            db.sql(
                "SELECT indicator_id, passed, points_won, points_at_stake, distribution_id"
                " FROM {schema}.dataset_checks WHERE dataset_id = %s"
            ),
            (dataset_id,),
        ).fetchall()
        violations = db.conn.execute(
            db.sql(
                "SELECT focus, path, constraint_component, severity, message"
                " FROM {schema}.shacl_violations WHERE dataset_id = %s ORDER BY 1, 2, 3"
            ),
            (dataset_id,),
        ).fetchall()
    source_file, title, total, max_points, rating, variant = score
    return StoredOutcome(
        source_file,
        title,
        int(total),
        int(max_points),
        str(rating),
        str(variant),
        {str(i): (p, int(w), int(a), d) for i, p, w, a, d in checks},
        [tuple(map(str, v)) for v in violations],  # type: ignore[misc]
    )
