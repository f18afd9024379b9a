"""The data.europa.eu Metadata Quality Assessment (MQA), computed as piveau computes it.

23 indicators in five dimensions, 405 points (reference: ``quality-model.md``; piveau
``piveau-dqv-vocabulary.ttl`` for points). The scoring rules are those of piveau's score
service, Kotlin ``io.piveau.metrics.scoreMetrics`` and ``scoreDistribution`` (upstream
gitlab.com/piveau/metrics; read in the public code index, file 2765004499):

* **Best distribution.** Each distribution is summed on its own (its distribution checks
  and its two dates); the one with the highest total counts and the others are ignored.
  On a tie **the first in the page** stays: ``reduce { d1, d2 -> if (sum(d1) >= sum(d2))
  d1 else d2 }`` over the dataset's ``dcat:distribution`` values, read here in document
  order (``DistributionRecord.position``, the same on both parsing paths). No
  distribution: every distribution check fails.
* **Issued / modified.** ``scoreDistribution`` flags a date when the distribution carries
  a *measurement* of it, whatever its value, and ``scoreMetrics`` then skips the
  dataset's own measurement. piveau measures the dates on every distribution, true or
  false: its metrics cache reports them as a percentage of the distributions ("need to be
  added for both, the dataset itself and its distributions", ``getDistributionMetrics``,
  public code index file 3353967117), which only means something when each distribution
  has a yes/no measurement. So the best distribution's dates count, present or not, and
  the dataset's dates count only for a dataset without distributions. (The Norwegian
  copy of the method, fdk-mqa-scoring-service @ 74db9b95 ``score.rs``, takes the best of
  the two instead; we follow piveau.)
* **Status codes.** An access/download URL scores on a 2xx status. Without a link check
  for that URL the check is *not measured*: no points won, none at stake.
* **DCAT-AP compliance** comes from the SHACL stage (``quality.shacl``); without it, not
  measured.
* **Variant.** Which measurements the *run* made: without link checks and/or without
  DCAT-AP. Every dataset of a run carries the run's variant, whether or not it has a URL.
* **Ratings** (piveau metrics reporter): Excellent 351–405, Good 221–350,
  Sufficient 121–220, Bad 0–120. (``piveau-vocabularies`` ``PiveauScoring`` puts 120 in
  "enough"; the published table and both reporters say Bad, and so do we.)

**Reduced maximum.** When checks are not measured ``max_points`` excludes the unmeasured
points. data.europa.eu always runs its URL checks, so its rating is on 405; ours rates
the score *projected* on 405 (``total × 405 / max_points``), without rounding: a projected
350.6 is Good, not Excellent. With every check measured the projection is the total and
the rating is exactly data.europa.eu's.

Presence and vocabulary rules are the checks' own (``mqa_indicators``: a property counts
whatever the kind of its value; only IRIs are on a vocabulary).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import compress
from typing import NamedTuple

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.registry import (
    MQA_DIMENSIONS,
    Check,
    CheckContext,
    Level,
    Outcome,
    Registry,
)
from dcat_quality.quality.vocabularies import Vocabularies, load_vocabularies

#: Stored with every run so scores from different methodologies are never compared blind.
METHODOLOGY_VERSION = "data.europa.eu-MQA-405/piveau-dqv-7b29f2a4/dcat-quality-2"

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
    date_points: tuple[int, ...]  # of dates


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
    dates = tuple(e for e in entries if e.level == "dataset+distribution")
    return _Plan(
        tuple(entries),
        tuple(e for e in entries if e.level == "dataset"),
        per_distribution,
        dates,
        tuple(e.check for e in per_distribution),
        tuple(e.points for e in per_distribution),
        tuple(e.points for e in dates),
    )


class _Tried(NamedTuple):
    """One distribution summed on its own."""

    distribution_id: str
    results: list[Outcome]  # of the plan's per_distribution checks
    dates: list[Outcome]  # of the plan's dates, measured on the distribution
    total: int


def _position(dist: DistributionRecord) -> int:
    return dist.position


def _count(
    record: DatasetRecord, context: CheckContext, plan: _Plan
) -> tuple[list[_Tried], int, list[Outcome], list[str | None]]:
    """Run the checks: every distribution tried (in document order), the index of the
    best one (-1: none), and per indicator (by position) the outcome counted and the
    distribution it was measured on (None: the dataset).

    Shared by ``score_dataset`` and ``summarise``, so the two cannot count differently.
    """
    tried: list[_Tried] = []
    best, best_total = -1, -1
    distributions = record.distributions
    if len(distributions) > 1:
        distributions = tuple(sorted(distributions, key=_position))  # stable: id order on ties
    for dist in distributions:
        results = [check(dist, context) for check in plan.distribution_checks]
        dates = [e.check(dist, context) for e in plan.dates]
        total = sum(compress(plan.distribution_points, results))
        total += sum(compress(plan.date_points, dates))
        if total > best_total:  # strictly greater: on a tie the first in the page stays
            best, best_total = len(tried), total
        tried.append(_Tried(dist.distribution_id, results, dates, total))

    outcomes: list[Outcome] = [None] * len(plan.entries)
    owners: list[str | None] = [None] * len(plan.entries)
    if best >= 0:
        chosen = tried[best]
        for e, outcome in zip(plan.per_distribution, chosen.results, strict=True):
            outcomes[e.position], owners[e.position] = outcome, chosen.distribution_id
        for e, outcome in zip(plan.dates, chosen.dates, strict=True):
            outcomes[e.position], owners[e.position] = outcome, chosen.distribution_id
    else:  # no distribution: every distribution check fails, the dataset's dates count
        for e in plan.per_distribution:
            outcomes[e.position] = False
        for e in plan.dates:
            outcomes[e.position] = e.check(record, context)
    for e in plan.per_dataset:
        outcomes[e.position] = e.check(record, context)
    return tried, best, outcomes, owners


def _variant(context: CheckContext) -> str:
    """The run's variant: which measurements the run made, the same for all its datasets."""
    no_links = context.link_status is None
    no_shacl = context.dcat_ap_compliant is None
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
    for e, outcome in zip(plan.dates, tried.dates, strict=True):
        if outcome:
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
        variant=_variant(context),
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
        _variant(context),
        total,
        max_points,
        rating_for(total, max_points),
        (won[0], won[1], won[2], won[3], won[4]),
        measured,
        passed,
        tried[best].distribution_id if best >= 0 else None,
    )
