"""What each publisher is told after a run, read from the warehouse views.

A publisher's digest compares the latest succeeded run with the one before it
(``last_two_runs``): datasets that lost points and which checks (``score_changes``,
``check_changes_last_run``), new datasets that fail checks, HVD checks newly failed and
every current HVD gap (``hvd_gaps``), and the five fixes worth the most points over the
publisher's datasets (``fix_first``). The same views feed the dashboard and the report,
so the three never disagree. A publisher with nothing new (no loss, no new failing
dataset, no HVD check newly failed) gets no digest. With a single run there is nothing to
compare with, and nobody gets one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from dcat_quality.errors import WarehouseError
from dcat_quality.warehouse import Warehouse
from dcat_quality.warehouse.connection import connect, scrub

Connection = psycopg.Connection[TupleRow]

#: The publisher name the views give datasets without publisher nor rights holder.
NO_PUBLISHER = "(non renseigné)"
TOP_FIXES = 5


@dataclass(frozen=True, slots=True)
class LostCheck:
    """A check a dataset passed at the previous run and fails now."""

    indicator_id: str
    label_fr: str
    points: int
    fix_hint_fr: str


@dataclass(frozen=True, slots=True)
class DatasetChange:
    """A dataset of the digest: its score then and now, and the checks it lost."""

    dataset_id: str
    title: str | None
    previous_total: int | None
    current_total: int | None
    lost: tuple[LostCheck, ...] = ()

    @property
    def points_lost(self) -> int:
        return max(0, (self.previous_total or 0) - (self.current_total or 0))


@dataclass(frozen=True, slots=True)
class HvdGap:
    """An HVD check a high-value dataset fails now; ``new`` when it passed before."""

    dataset_id: str
    title: str | None
    indicator_id: str
    label_fr: str
    fix_hint_fr: str
    new: bool


@dataclass(frozen=True, slots=True)
class Fix:
    """One check to fix over the publisher's datasets, with the points it would win."""

    indicator_id: str
    label_fr: str
    fix_hint_fr: str
    datasets: int
    points: int


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one publisher is told about one run."""

    publisher: str
    run_id: int
    previous_run_id: int
    lost_points: tuple[DatasetChange, ...] = ()
    new_failing: tuple[DatasetChange, ...] = ()
    hvd_gaps: tuple[HvdGap, ...] = ()
    top_fixes: tuple[Fix, ...] = ()
    contact_emails: tuple[str, ...] = field(default=())

    @property
    def has_news(self) -> bool:
        """Something changed for the worse: only then is the digest sent."""
        return bool(self.lost_points or self.new_failing or any(g.new for g in self.hvd_gaps))

    @property
    def datasets(self) -> int:
        """How many distinct datasets the digest names."""
        ids = {d.dataset_id for d in self.lost_points + self.new_failing}
        return len(ids | {g.dataset_id for g in self.hvd_gaps})


class _Reader:
    def __init__(self, conn: Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    def rows(self, template: LiteralString, *params: Any) -> list[tuple[Any, ...]]:
        query = sql.SQL(template).format(schema=sql.Identifier(self.schema))
        return self.conn.execute(query, params).fetchall()


def _publisher(value: str | None) -> str:
    return value if value else NO_PUBLISHER


_Titles = dict[str, tuple[str | None, str]]  # dataset → (title, publisher)


def collect(conn: Connection, schema: str) -> list[Digest]:
    """Every publisher's digest for the latest run, news or not (see ``Digest.has_news``)."""
    reader = _Reader(conn, schema)
    runs = reader.rows("SELECT previous_run, current_run FROM {schema}.last_two_runs")
    if not runs or runs[0][0] is None or runs[0][1] is None:
        return []
    previous_run, current_run = int(runs[0][0]), int(runs[0][1])
    titles, emails = _datasets(reader)
    lost_checks, hvd_lost = _lost_checks(reader)
    lost_points, new_ids = _score_changes(reader, titles, lost_checks)
    new_failing = _new_failing(reader, titles, new_ids)
    gaps = _hvd_gaps(reader, hvd_lost)
    fixes = _top_fixes(reader)
    publishers = sorted({p for _, p in titles.values()})
    return [
        Digest(
            publisher=p,
            run_id=current_run,
            previous_run_id=previous_run,
            lost_points=tuple(lost_points.get(p, ())),
            new_failing=tuple(new_failing.get(p, ())),
            hvd_gaps=tuple(gaps.get(p, ())),
            top_fixes=tuple(fixes.get(p, ())),
            contact_emails=tuple(sorted(emails.get(p, ()))),
        )
        for p in publishers
    ]


def _datasets(reader: _Reader) -> tuple[_Titles, dict[str, set[str]]]:
    """Each dataset's title and publisher, and each publisher's contact e-mails."""
    titles: _Titles = {}
    emails: dict[str, set[str]] = {}
    for dataset_id, title, publisher, email in reader.rows(
        "SELECT dataset_id, title, coalesce(publisher, rights_holder), contact_email"
        " FROM {schema}.datasets"
    ):
        name = _publisher(publisher)
        titles[dataset_id] = (title, name)
        if email:
            emails.setdefault(name, set()).add(str(email))
    return titles, emails


def _lost_checks(reader: _Reader) -> tuple[dict[str, list[LostCheck]], set[tuple[str, str]]]:
    """The checks each dataset lost in the last run: the scored ones with their points,
    and the HVD ones (dataset, check) apart, as they carry no points."""
    lost_checks: dict[str, list[LostCheck]] = {}
    hvd_lost: set[tuple[str, str]] = set()
    for dataset_id, indicator_id, points, label, hint in reader.rows(
        "SELECT c.dataset_id, c.indicator_id, c.points, i.label_fr, i.fix_hint_fr"
        " FROM {schema}.check_changes_last_run c JOIN {schema}.indicators i USING (indicator_id)"
        " WHERE c.change = 'lost' ORDER BY c.dataset_id, c.points DESC, c.indicator_id"
    ):
        if indicator_id.startswith("hvd."):
            hvd_lost.add((dataset_id, indicator_id))
        elif points:
            lost_checks.setdefault(dataset_id, []).append(
                LostCheck(indicator_id, label, int(points), hint)
            )
    return lost_checks, hvd_lost


def _score_changes(
    reader: _Reader, titles: _Titles, lost_checks: dict[str, list[LostCheck]]
) -> tuple[dict[str, list[DatasetChange]], list[tuple[str, int | None]]]:
    """Per publisher, the datasets that lost points (with the checks lost); and the new
    datasets with their score. Datasets removed since have no publisher to tell."""
    lost_points: dict[str, list[DatasetChange]] = {}
    new_ids: list[tuple[str, int | None]] = []
    for dataset_id, previous_total, current_total, change in reader.rows(
        "SELECT dataset_id, previous_total, current_total, change FROM {schema}.score_changes"
        " ORDER BY delta, dataset_id"
    ):
        if dataset_id not in titles:
            continue  # removed since: no publisher to tell
        title, publisher = titles[dataset_id]
        if change == "lost":
            lost_points.setdefault(publisher, []).append(
                DatasetChange(
                    dataset_id,
                    title,
                    previous_total,
                    current_total,
                    tuple(lost_checks.get(dataset_id, ())),
                )
            )
        elif change == "new":
            new_ids.append((dataset_id, current_total))
    return lost_points, new_ids


def _new_failing(
    reader: _Reader, titles: _Titles, new_ids: list[tuple[str, int | None]]
) -> dict[str, list[DatasetChange]]:
    """Per publisher, the new datasets that fail a check, with the checks to fix first."""
    failing: dict[str, list[LostCheck]] = {}
    for dataset_id, indicator_id, label, points, hint in reader.rows(
        "SELECT dataset_id, indicator_id, label_fr, points_recoverable, fix_hint_fr"
        " FROM {schema}.fix_first ORDER BY dataset_id, priority, indicator_id"
    ):
        failing.setdefault(dataset_id, []).append(LostCheck(indicator_id, label, int(points), hint))
    new_failing: dict[str, list[DatasetChange]] = {}
    for dataset_id, total in new_ids:
        if failing.get(dataset_id):
            title, publisher = titles[dataset_id]
            new_failing.setdefault(publisher, []).append(
                DatasetChange(dataset_id, title, None, total, tuple(failing[dataset_id]))
            )
    return new_failing


def _hvd_gaps(reader: _Reader, hvd_lost: set[tuple[str, str]]) -> dict[str, list[HvdGap]]:
    """Per publisher, the HVD checks its high-value datasets fail (new ones marked)."""
    gaps: dict[str, list[HvdGap]] = {}
    for dataset_id, title, publisher, indicator_id, label, hint in reader.rows(
        "SELECT dataset_id, title, publisher, indicator_id, label_fr, fix_hint_fr"
        " FROM {schema}.hvd_gaps ORDER BY dataset_id, indicator_id"
    ):
        gaps.setdefault(_publisher(publisher), []).append(
            HvdGap(
                dataset_id, title, indicator_id, label, hint, (dataset_id, indicator_id) in hvd_lost
            )
        )
    return gaps


def _top_fixes(reader: _Reader) -> dict[str, list[Fix]]:
    """Per publisher, the ``TOP_FIXES`` fixes worth the most points."""
    fixes: dict[str, list[Fix]] = {}
    for publisher, indicator_id, label, hint, datasets, points in reader.rows(
        "SELECT coalesce(publisher, %s), indicator_id, label_fr, min(fix_hint_fr),"
        " count(*), sum(points_recoverable) FROM {schema}.fix_first"
        " GROUP BY 1, 2, 3 ORDER BY 1, 6 DESC, 2",
        NO_PUBLISHER,
    ):
        if len(fixes.setdefault(publisher, [])) < TOP_FIXES:
            fixes[publisher].append(Fix(indicator_id, label, hint, int(datasets), int(points)))
    return fixes


def build_digests(warehouse: Warehouse) -> list[Digest]:
    """Every publisher's digest for the published run, read in one consistent snapshot."""
    conn = connect(warehouse.target, autocommit=False, purpose="read the digests")
    try:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        digests = collect(conn, warehouse.schema)
        conn.rollback()
    except psycopg.Error as exc:
        detail = scrub(str(exc).strip(), warehouse.target)
        raise WarehouseError(
            f"could not read the digests (warehouse {warehouse.target.display}): {detail}"
        ) from exc
    finally:
        conn.close()
    return digests
