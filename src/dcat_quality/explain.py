"""``dcat-quality explain``: one dataset of the latest run, check by check.

The warehouse holds what the run decided (score, each check, DCAT-AP results) but not
everything a check looked at (a value without a label, whether a format was an IRI…), so
the page the dataset came from is read again from the source and scored with the run's own
scoring inputs (``quality.profile.ScoringProfile.of_run``); the result is compared with
what the run stored. When the page cannot be read any more, or has changed, the stored
outcome is shown, and a note says so.
"""

from __future__ import annotations

import logging

from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.dcat.parse import read_page
from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.errors import ConfigError, DcatQualityError
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.explain import CheckExplanation, Explanation, explain_record
from dcat_quality.quality.mqa import FULL, METHODOLOGY_VERSION, WITHOUT_DCAT_AP
from dcat_quality.quality.profile import ScoringProfile
from dcat_quality.quality.shacl import Violation
from dcat_quality.sources import Source
from dcat_quality.warehouse import Warehouse
from dcat_quality.warehouse.queries import StoredOutcome
from dcat_quality.worker import check_page

log = logging.getLogger(__name__)


def explain_dataset(warehouse: Warehouse, dataset_id: str, source: Source | None) -> Explanation:
    """The explanation of ``dataset_id`` as of the published run.

    ``source`` is where the run read its pages (None: explain from the stored outcome).
    Raises ``ConfigError`` when there is no published run or no such dataset in it.
    """
    run = warehouse.published_run()
    if run is None:
        raise ConfigError("no published run yet: run `dcat-quality run` first")
    stored = warehouse.stored_outcome(dataset_id)
    if stored is None:
        raise ConfigError(
            f"no dataset {dataset_id!r} in run {run.run_id}: give its id as the views show "
            "it (datasets.dataset_id)"
        )
    facts = warehouse.scoring_facts(run.run_id)
    profile = ScoringProfile.of_run(facts["licence_list"], facts["dcat_ap_version"])
    variant = facts["score_variant"] or stored.variant
    link_status = warehouse.link_codes() if variant in (FULL, WITHOUT_DCAT_AP) else None
    shacl = "dcat-ap" not in variant
    reread = _from_the_page(source, stored, dataset_id, profile, shacl)
    if reread is not None:
        record, violations = reread
        explanation = explain_record(
            record,
            link_status=link_status,
            violations=violations,
            profile=profile,
            run_id=run.run_id,
        )
        if _outcomes(explanation) == _stored_outcomes(stored):
            return explanation
        note = (
            f"the page has changed since run {run.run_id} (or the scoring has): what the run "
            f"stored is shown; today's page would score {explanation.total}"
        )
    else:
        note = (
            f"the page {stored.source_file!r} could not be read again: the values each check "
            "looked at are not shown"
        )
    return _from_the_store(stored, dataset_id, run.run_id, profile, facts, note)


def _from_the_page(
    source: Source | None,
    stored: StoredOutcome,
    dataset_id: str,
    profile: ScoringProfile,
    shacl: bool,
) -> tuple[DatasetRecord, tuple[Violation, ...] | None] | None:
    if source is None or not stored.source_file:
        return None
    try:
        ref = next((r for r in source.list_pages() if r.key == stored.source_file), None)
        if ref is None:
            return None
        page = read_page(decode_page(ref.key, source.read_raw(ref)), ref.key)
    except DcatQualityError as exc:
        log.info("explain: %s not read again (%s)", stored.source_file, exc)
        return None
    record = next((r for r in page.page.datasets if r.dataset_id == dataset_id), None)
    if record is None:
        return None
    violations = check_page(page, profile.dcat_ap_version).get(dataset_id) if shacl else None
    return record, violations


def _outcomes(explanation: Explanation) -> dict[str, tuple[bool | None, int]]:
    return {c.indicator_id: (c.passed, c.points_won) for c in explanation.checks}


def _stored_outcomes(stored: StoredOutcome) -> dict[str, tuple[bool | None, int]]:
    return {
        indicator: (passed, won)
        for indicator, (passed, won, _, _) in stored.checks.items()
        if indicator.startswith("mqa.")
    }


def _from_the_store(
    stored: StoredOutcome,
    dataset_id: str,
    run_id: int,
    profile: ScoringProfile,
    facts: dict[str, str | None],
    note: str,
) -> Explanation:
    registry = default_registry()
    checks = []
    for indicator in registry.family("mqa"):
        ind = indicator.indicator
        passed, won, _, on = stored.checks.get(ind.id, (None, 0, 0, None))
        checks.append(
            CheckExplanation(
                ind.id,
                ind.label_en,
                ind.dimension,
                ind.points,
                passed,
                won,
                on or "dataset",
                {},
                ind.fix_hint_fr,
            )
        )
    best = next((on for _, _, _, on in stored.checks.values() if on), None)
    return Explanation(
        dataset_id=dataset_id,
        title=stored.title,
        run_id=run_id,
        variant=stored.variant,
        total=stored.total,
        max_points=stored.max_points,
        rating=stored.rating,
        licence_list=profile.licence_list,
        dcat_ap_version=profile.dcat_ap_version,
        methodology_version=facts["methodology_version"] or METHODOLOGY_VERSION,
        checks=tuple(checks),
        distributions=(),
        best_distribution_id=best,
        best_reason="the best distribution the run kept (its total is not stored)",
        violations=tuple(
            Violation(focus, path, message, severity, constraint)
            for focus, path, constraint, severity, message in stored.violations
        ),
        notes=(note,),
    )
