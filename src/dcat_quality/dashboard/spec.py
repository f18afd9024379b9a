"""The dashboard spec, written once for every BI tool: questions, filters and layout in YAML.

A question is SQL over the warehouse views, a chart kind, French titles and the chart's
columns (``x``, ``y``, ``value``); a filter sets one variable in every question that uses
it; the layout is a 24-column grid. The spec names no tool and no id: ``metabase`` and
``superset`` each turn it into their own objects at provisioning time, so adding a
question is one more entry under ``cards`` and, to put it on the dashboard, one under
``dashboard.cards``.

SQL reads the warehouse through ``{schema}`` (replaced by the quoted schema name) and
uses the spec's small template language: ``{{name}}`` is a variable, ``[[ ... ]]`` an
optional clause dropped when its variables have no value. Metabase speaks this language
natively; the Superset side renders it into Jinja.
"""

from __future__ import annotations

import re
import uuid
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dcat_quality.errors import ConfigError

#: The spec's grid has 24 columns (Metabase's since 0.47; Superset's 12 are halved).
GRID_COLUMNS = 24
#: Namespace of the stable ids derived for template tags and dashboard filters.
_ID_NAMESPACE = uuid.UUID("5b0e3c1e-6f53-4c1a-9d2e-0c4b7a9d51f0")
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
_KEY = r"^[a-z][a-z0-9_]*$"
_PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

Display = Literal[
    "table", "bar", "row", "line", "area", "pie", "scalar", "progress", "combo", "funnel"
]
VariableType = Literal["text", "number", "date"]
#: Chart kinds drawn along an axis (``x`` against the ``y`` measures).
AXIS_DISPLAYS = frozenset({"bar", "row", "line", "area", "combo"})


def stable_id(*parts: str) -> str:
    """A UUID derived from names, so ids are identical from one run to the next."""
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


def quote_schema(schema: str) -> str:
    """The schema as it must appear in SQL: bare when plain, else double-quoted."""
    if _PLAIN_IDENTIFIER.match(schema):
        return schema
    return '"' + schema.replace('"', '""') + '"'


def render_schema(sql: str, schema: str) -> str:
    """The SQL with ``{schema}`` replaced by the quoted schema name."""
    return sql.replace("{schema}", quote_schema(schema)).strip()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variable(_Model):
    """A variable that questions may use and dashboard filters may set."""

    display_name: str = Field(min_length=1)
    type: VariableType = "text"
    values: str | None = Field(
        default=None,
        description="SQL listing the values a filter offers, in one column named after "
        "the variable (a tool that shows a list of choices reads it).",
    )

    def render_values(self, schema: str) -> str | None:
        return None if self.values is None else render_schema(self.values, schema)


class Card(_Model):
    """A question: SQL, chart kind and the columns the chart draws."""

    key: str = Field(pattern=_KEY, description="Stable identity, kept when the name changes.")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    display: Display = "table"
    sql: str = Field(min_length=1)
    x: str | None = Field(default=None, description="The dimension of a chart or pie.")
    y: list[str] = Field(default_factory=list, description="The measures drawn against x.")
    value: str | None = Field(default=None, description="The column a scalar shows.")
    stacked: bool = False
    colors: dict[str, str] = Field(default_factory=dict, description="Colour per measure.")
    metabase: dict[str, Any] = Field(
        default_factory=dict, description="Extra Metabase visualization settings."
    )

    @model_validator(mode="after")
    def _chart_columns(self) -> Card:
        if (self.x is None) != (not self.y):
            raise ValueError(f"card {self.key}: x and y go together")
        if self.x is not None and self.display not in (*AXIS_DISPLAYS, "pie"):
            raise ValueError(f"card {self.key}: x and y are for charts, not {self.display}")
        if self.display == "pie" and len(self.y) > 1:
            raise ValueError(f"card {self.key}: a pie shows one measure")
        if self.value is not None and self.display != "scalar":
            raise ValueError(f"card {self.key}: value is for a scalar")
        unknown = sorted(set(self.colors) - set(self.y))
        if unknown:
            raise ValueError(f"card {self.key}: colors for unknown measures {unknown}")
        return self

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """The variables the SQL uses, in order of first use."""
        return tuple(dict.fromkeys(_VARIABLE.findall(self.sql)))

    @cached_property
    def tables(self) -> tuple[str, ...]:
        """The warehouse tables and views the SQL reads (``{schema}.name``)."""
        return tuple(dict.fromkeys(re.findall(r"\{schema\}\.(\w+)", self.sql)))

    def render_sql(self, schema: str) -> str:
        return render_schema(self.sql, schema)


class Filter(_Model):
    """A dashboard filter, wired to one variable in every dashboard card that uses it."""

    slug: str = Field(pattern=_KEY)
    name: str = Field(min_length=1)
    variable: str
    default: Any = None

    @property
    def id(self) -> str:
        return stable_id("filter", self.slug)[:8]


class Placement(_Model):
    """A card on the dashboard grid (24 columns wide, rows of the same height)."""

    card: str
    row: int = Field(ge=0)
    col: int = Field(ge=0, lt=GRID_COLUMNS)
    size_x: int = Field(ge=1, le=GRID_COLUMNS)
    size_y: int = Field(ge=1)

    def cells(self) -> set[tuple[int, int]]:
        return {
            (r, c)
            for r in range(self.row, self.row + self.size_y)
            for c in range(self.col, self.col + self.size_x)
        }


class Dashboard(_Model):
    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    filters: list[Filter] = Field(default_factory=list)
    cards: list[Placement] = Field(min_length=1)


class Collection(_Model):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class DashboardSpec(_Model):
    """The whole spec; construction validates it (names unique, filters wired, grid)."""

    version: Literal[1] = 1
    collection: Collection
    variables: dict[str, Variable] = Field(default_factory=dict)
    cards: list[Card] = Field(min_length=1)
    dashboard: Dashboard

    @field_validator("variables")
    @classmethod
    def _variable_names(cls, value: dict[str, Variable]) -> dict[str, Variable]:
        for name in value:
            if not re.match(_KEY, name):
                raise ValueError(f"variable name {name!r} must match {_KEY}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DashboardSpec:
        placement_problems, placed_vars = self._placement_problems()
        problems = [
            *self._duplicate_problems(),
            *self._card_problems(),
            *placement_problems,
            *self._filter_problems(placed_vars),
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _duplicate_problems(self) -> list[str]:
        """Card keys and names, filter slugs, names and variables: each used once."""
        problems: list[str] = []
        for what, values in (
            ("card key", [c.key for c in self.cards]),
            ("card name", [c.name for c in self.cards]),
            ("filter slug", [f.slug for f in self.dashboard.filters]),
            ("filter name", [f.name for f in self.dashboard.filters]),
            ("filter variable", [f.variable for f in self.dashboard.filters]),
        ):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            if duplicates:
                problems.append(f"duplicate {what}: {', '.join(duplicates)}")
        return problems

    def _card_problems(self) -> list[str]:
        """Each question uses declared variables only and reads ``{schema}.<view>``."""
        problems: list[str] = []
        for card in self.cards:
            undeclared = [v for v in card.variables if v not in self.variables]
            if undeclared:
                problems.append(
                    f"card {card.key}: variable(s) {', '.join(undeclared)} not declared "
                    "under variables"
                )
            if "{schema}." not in card.sql:
                problems.append(f"card {card.key}: the SQL must read {{schema}}.<view>")
        return problems

    def _placement_problems(self) -> tuple[list[str], set[str]]:
        """Placed cards exist, fit the grid, do not overlap and are placed once; also
        returns the variables the placed cards use (the filters must wire to one)."""
        problems: list[str] = []
        cards = {c.key: c for c in self.cards}
        placed_vars: set[str] = set()
        taken: dict[tuple[int, int], str] = {}
        for place in self.dashboard.cards:
            placed = cards.get(place.card)
            if placed is None:
                problems.append(f"dashboard places unknown card {place.card}")
                continue
            placed_vars.update(placed.variables)
            if place.col + place.size_x > GRID_COLUMNS:
                problems.append(
                    f"card {place.card} at col {place.col} with size_x {place.size_x} "
                    f"overflows the {GRID_COLUMNS}-column grid"
                )
            overlap = _overlap(place, taken)
            if overlap:
                problems.append(overlap)
        keys = [p.card for p in self.dashboard.cards]
        twice = sorted({c for c in keys if keys.count(c) > 1})
        if twice:
            problems.append(f"cards placed twice: {', '.join(twice)}")
        return problems, placed_vars

    def _filter_problems(self, placed_vars: set[str]) -> list[str]:
        """Each filter's variable is declared and used by a card on the dashboard."""
        problems: list[str] = []
        for flt in self.dashboard.filters:
            if flt.variable not in self.variables:
                problems.append(f"filter {flt.slug}: unknown variable {flt.variable}")
            elif flt.variable not in placed_vars:
                problems.append(
                    f"filter {flt.slug}: no card on the dashboard uses {{{{{flt.variable}}}}}"
                )
        return problems

    def card(self, key: str) -> Card:
        return next(c for c in self.cards if c.key == key)

    @property
    def tables(self) -> tuple[str, ...]:
        """Every warehouse table or view some question reads."""
        return tuple(dict.fromkeys(t for c in self.cards for t in c.tables))


def _overlap(place: Placement, taken: dict[tuple[int, int], str]) -> str | None:
    """The first cell ``place`` shares with a card placed before it (None: none); the
    cells it takes are recorded in ``taken`` up to that one."""
    for cell in place.cells():
        other = taken.get(cell)
        if other is not None and other != place.card:
            return f"cards {other} and {place.card} overlap at {cell}"
        taken[cell] = place.card
    return None


def default_spec_path() -> Path:
    """The spec shipped with the package."""
    return Path(str(resources.files("dcat_quality.dashboard").joinpath("dashboard.yaml")))


def load_spec(path: Path | None = None) -> DashboardSpec:
    """Read and validate a spec (default: the shipped one); errors name the file."""
    path = path or default_spec_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the dashboard spec {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return DashboardSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{path}: invalid dashboard spec: {problems}") from None
