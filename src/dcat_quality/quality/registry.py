"""The indicator registry: every indicator's id, dimension, points, labels and fix hint.

One mechanism registers everything: ``Registry.register(Indicator(...), check=fn)`` (or the
``@registry.indicator(Indicator(...))`` decorator). The built-in families go through it
exactly as a custom indicator would: ``quality.builtin`` builds the default registry by
calling each family's ``register_*`` function (``ecospheres_indicators``,
``mqa_indicators``), so the dictionary Metabase shows and ``dcat-quality indicators`` can
never disagree with what is computed. This module is a leaf: it knows no family.

A check receives the record of its level (``DatasetRecord`` or ``DistributionRecord``;
both for ``dataset+distribution``) and a ``CheckContext``, and returns ``True``/``False``,
``None`` when it cannot be measured (no link check, no SHACL run), or a number for
``kind="measure"`` indicators such as the fill rate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from dcat_quality.dcat.records import DatasetRecord
from dcat_quality.quality.vocabularies import Vocabularies, load_vocabularies

Level = Literal["dataset", "distribution", "dataset+distribution"]
Kind = Literal["check", "measure"]
Outcome = bool | float | None
Check = Callable[[Any, "CheckContext"], Outcome]
T = TypeVar("T")

#: The five MQA dimensions, in the methodology's order.
MQA_DIMENSIONS: tuple[str, ...] = (
    "findability",
    "accessibility",
    "interoperability",
    "reusability",
    "contextuality",
)
#: Dimensions of the informational (0-point) Ecosphères indicators.
ECOSPHERES_DIMENSIONS: tuple[str, ...] = ("completeness", "access", "syntax")

_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Indicator:
    """What an indicator is, independent of how it is computed."""

    id: str
    family: str
    dimension: str
    points: int
    level: Level
    label_fr: str
    label_en: str
    rationale: str
    fix_hint_fr: str
    dcat_property: str
    metric_iri: str | None = None
    kind: Kind = "check"
    #: How to fix a failure, in English; None when only the French hint is written.
    fix_hint_en: str | None = None


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What checks may need beyond the record: measurements made elsewhere.

    ``link_status`` maps a URL to the HTTP status the link checker got (or a pseudo-code
    such as 1100 for an unreachable host); a URL absent from it is not measured.
    ``dcat_ap_compliant`` is the SHACL verdict, ``None`` when SHACL did not run.
    ``rdf_repairs`` are the codes of the lenient readings that touched the dataset
    (``dcat.rdfxml_check``), ``None`` when the page was not published as RDF (ISO 19139).
    """

    link_status: Mapping[str, int] | None = None
    dcat_ap_compliant: bool | None = None
    vocabularies: Vocabularies = field(default_factory=load_vocabularies)
    rdf_repairs: tuple[str, ...] | None = ()


@dataclass(frozen=True, slots=True)
class RegisteredIndicator:
    """An indicator and the function computing it."""

    indicator: Indicator
    check: Check


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One indicator's outcome on a dataset (``distribution_id`` None) or a distribution."""

    indicator_id: str
    distribution_id: str | None
    value: Outcome


class Registry:
    """An ordered set of indicators, each registered once under a stable id."""

    def __init__(self) -> None:
        self._entries: dict[str, RegisteredIndicator] = {}
        self._derived: dict[Callable[[Registry], Any], Any] = {}

    def register(self, indicator: Indicator, *, check: Check) -> Indicator:
        """Add an indicator; refuse a malformed or duplicate id and negative points."""
        if not _ID.match(indicator.id):
            raise ValueError(
                f"indicator id {indicator.id!r} must look like 'family.name' "
                "(lower case, digits and underscores)"
            )
        if not indicator.id.startswith(indicator.family + "."):
            raise ValueError(
                f"indicator id {indicator.id!r} must start with its family {indicator.family!r}"
            )
        if indicator.id in self._entries:
            raise ValueError(f"indicator {indicator.id!r} is already registered")
        if indicator.points < 0:
            raise ValueError(f"indicator {indicator.id!r}: points must be >= 0")
        if indicator.kind == "measure" and indicator.points:
            raise ValueError(f"indicator {indicator.id!r}: a measure carries no points")
        self._entries[indicator.id] = RegisteredIndicator(indicator, check)
        self._derived.clear()  # tables built from the old set of indicators are stale
        return indicator

    def indicator(self, indicator: Indicator) -> Callable[[Check], Check]:
        """Decorator form of ``register``."""

        def decorate(check: Check) -> Check:
            self.register(indicator, check=check)
            return check

        return decorate

    def __iter__(self) -> Iterator[Indicator]:
        return (entry.indicator for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._entries

    def get(self, indicator_id: str) -> Indicator:
        """The indicator registered under this id (KeyError names the known families)."""
        try:
            return self._entries[indicator_id].indicator
        except KeyError:
            families = sorted({i.family for i in self})
            raise KeyError(f"no indicator {indicator_id!r}; families: {families}") from None

    def entry(self, indicator_id: str) -> RegisteredIndicator:
        """Indicator and check registered under this id."""
        self.get(indicator_id)
        return self._entries[indicator_id]

    def derived(self, build: Callable[[Registry], T]) -> T:
        """``build(self)``, kept until the next ``register``.

        Scoring runs once per dataset, tens of thousands of times per run, on a registry
        that does not change: the tables a scorer derives from it (entries by level,
        points, dimensions) are built once here instead of once per dataset. A custom
        registry gets its own tables.
        """
        try:
            return cast(T, self._derived[build])
        except KeyError:
            value = self._derived[build] = build(self)
            return value

    def family(self, name: str) -> tuple[RegisteredIndicator, ...]:
        """Every entry of one family, in registration order."""
        return tuple(e for e in self._entries.values() if e.indicator.family == name)

    def evaluate(
        self, record: DatasetRecord, context: CheckContext | None = None, family: str | None = None
    ) -> tuple[Evaluation, ...]:
        """Raw outcomes of every (or one family's) indicator, without any scoring rule."""
        context = context or CheckContext()
        out: list[Evaluation] = []
        for entry in self._entries.values():
            ind = entry.indicator
            if family is not None and ind.family != family:
                continue
            if ind.level in ("dataset", "dataset+distribution"):
                out.append(Evaluation(ind.id, None, entry.check(record, context)))
            if ind.level in ("distribution", "dataset+distribution"):
                out.extend(
                    Evaluation(ind.id, d.distribution_id, entry.check(d, context))
                    for d in record.distributions
                )
        return tuple(out)
