"""The tool-neutral dashboard spec: chart columns validated, every filter offers values."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from dcat_quality.dashboard.spec import Card, load_spec
from dcat_quality.metabase.provision import visualization_settings


def _card(**fields: Any) -> Card:
    return Card.model_validate(
        {"key": "k", "name": "N", "description": "D", "sql": "SELECT 1", **fields}
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"display": "bar", "x": "a"}, "x and y go together"),
        ({"display": "table", "x": "a", "y": ["b"]}, "for charts, not table"),
        ({"display": "pie", "x": "a", "y": ["b", "c"]}, "one measure"),
        ({"display": "bar", "value": "a"}, "value is for a scalar"),
        ({"display": "bar", "x": "a", "y": ["b"], "colors": {"c": "#fff"}}, "unknown measures"),
    ],
)
def test_chart_columns_are_checked(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _card(**fields)


def test_neutral_columns_become_metabase_settings() -> None:
    bar = _card(
        display="bar",
        x="a",
        y=["b", "c"],
        stacked=True,
        colors={"b": "#111111"},
        metabase={"graph.x_axis.scale": "ordinal"},
    )
    assert visualization_settings(bar) == {
        "graph.dimensions": ["a"],
        "graph.metrics": ["b", "c"],
        "stackable.stack_type": "stacked",
        "series_settings": {"b": {"color": "#111111"}},
        "graph.x_axis.scale": "ordinal",
    }
    assert visualization_settings(_card(display="pie", x="a", y=["b"])) == {
        "pie.dimension": "a",
        "pie.metric": "b",
    }
    assert visualization_settings(_card(display="scalar", value="v")) == {"scalar.field": "v"}
    assert visualization_settings(_card()) == {}


def test_every_filter_offers_its_values() -> None:
    spec = load_spec()
    for flt in spec.dashboard.filters:
        values = spec.variables[flt.variable].render_values("dcat_quality")
        assert values is not None, flt.slug
        assert "dcat_quality." in values
        assert f"AS {flt.variable}" in values or f".{flt.variable}" in values, flt.slug
