"""The spec in Superset's shapes, without a server: Jinja SQL, layout, URLs, markers."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

from dcat_quality.dashboard.spec import load_spec
from dcat_quality.superset.build import (
    SUPERSET_COLUMNS,
    _widths,
    chart_params,
    jinja_sql,
    managed_key,
    marker,
    positions,
)
from dcat_quality.superset.provision import sqlalchemy_url


def _render(template: str, filters: dict[str, list[Any]]) -> str:
    """Render as Superset does: ``filter_values(column)`` lists the filter's values."""
    environment = SandboxedEnvironment()
    return environment.from_string(template).render(
        filter_values=lambda column, default=None, remove_filter=False: filters.get(column, [])
    )


SQL = (
    "SELECT 1 FROM t AS d WHERE TRUE [[AND d.catalog = {{catalog}}]]\n"
    "[[AND {{organisation}} IN (d.publisher, d.rights_holder)]]"
)


def test_optional_clauses_become_jinja_conditions() -> None:
    template = jinja_sql(SQL)
    assert "[[" not in template
    assert "filter_values('catalog', remove_filter=True)" in template
    assert _render(template, {}).split() == ["SELECT", "1", "FROM", "t", "AS", "d", "WHERE", "TRUE"]
    assert " AND d.catalog = 'geo'" in _render(template, {"catalog": ["geo"]})
    both = _render(template, {"catalog": ["geo"], "organisation": ["DDT"]})
    assert "d.catalog = 'geo'" in both
    assert "'DDT' IN (d.publisher" in both


def test_a_filter_value_cannot_break_out_of_its_literal() -> None:
    rendered = _render(jinja_sql(SQL), {"catalog": ["x' OR '1'='1"]})
    assert "d.catalog = 'x'' OR ''1''=''1'" in rendered


def test_every_question_of_the_spec_renders() -> None:
    spec = load_spec()
    for card in spec.cards:
        values = {v: ["2026-01-01" if v == "run_date" else "x"] for v in card.variables}
        for filters in ({}, values):
            rendered = _render(jinja_sql(card.render_sql("dcat_quality")), filters)
            assert "{{" not in rendered, card.key
            assert "[[" not in rendered, card.key


@pytest.mark.parametrize(
    "spans", [[5, 6, 5, 4, 4], [8, 16], [8, 8, 8], [24], [12, 12], [7, 5, 5, 7]]
)
def test_widths_fill_superset_twelve_columns(spans: list[int]) -> None:
    widths = _widths(spans)
    assert sum(widths) == SUPERSET_COLUMNS * sum(spans) // 24
    assert all(w >= 1 for w in widths)


def test_the_layout_places_every_card_once() -> None:
    spec = load_spec()
    ids = {c.key: i for i, c in enumerate(spec.cards, 1)}
    layout = positions(spec, ids)
    charts = [v for v in layout.values() if isinstance(v, dict) and v.get("type") == "CHART"]
    assert sorted(c["meta"]["chartId"] for c in charts) == sorted(
        ids[p.card] for p in spec.dashboard.cards
    )
    for row in layout["GRID_ID"]["children"]:
        assert sum(layout[c]["meta"]["width"] for c in layout[row]["children"]) <= 12


def test_charts_draw_the_spec_columns() -> None:
    spec = load_spec()
    bar = chart_params(spec.card("mqa_dimensions"), 7, {})
    assert bar["viz_type"] == "echarts_timeseries_bar"
    assert bar["x_axis"]["sqlExpression"] == '"Dimension"'
    assert bar["stack"] == "Stack"
    assert [m["label"] for m in bar["metrics"]] == spec.card("mqa_dimensions").y
    assert chart_params(spec.card("themes"), 7, {})["orientation"] == "horizontal"
    number = chart_params(
        spec.card("datasets_count"), 7, {"Jeux de données": 0, "dcat_quality_row": 0}
    )
    assert number["viz_type"] == "big_number_total"
    columns = {"Variante": 1, "Points": 0, "dcat_quality_row": 0}
    text = chart_params(spec.card("mqa_score_variant"), 7, columns)
    assert text["viz_type"] == "table"
    assert text["groupby"] == ["Variante", "Points"]


def test_markers_name_the_kind_and_key() -> None:
    text = "Une question.\n\n" + marker("card", "themes")
    assert managed_key(text, "card") == "themes"
    assert managed_key(text, "dataset") is None
    assert managed_key("no marker", "card") is None


@pytest.mark.parametrize(
    ("conninfo", "url"),
    [
        ("postgresql://u:p%40ss@h:5433/db", "postgresql://u:p%40ss@h:5433/db"),
        ("host=h port=5432 dbname=db user=u password=s'x", "postgresql://u:s%27x@h:5432/db"),
        ("host=/tmp/sock dbname=db user=u", "postgresql://u@/db?host=%2Ftmp%2Fsock"),
        ("host=h dbname=db sslmode=require", "postgresql://h/db?sslmode=require"),
    ],
)
def test_sqlalchemy_urls(conninfo: str, url: str) -> None:
    assert sqlalchemy_url(conninfo) == url


def test_the_client_never_echoes_a_secret() -> None:
    import httpx

    from dcat_quality.errors import SupersetError
    from dcat_quality.superset.client import SupersetClient

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/security/login":
            return httpx.Response(200, json={"access_token": "tok-123"})
        if request.url.path == "/api/v1/security/csrf_token/":
            return httpx.Response(200, json={"result": "csrf-456"})
        body = request.content.decode()
        return httpx.Response(422, text=f"cannot connect with {body} (tok-123, csrf-456)")

    with (
        SupersetClient(
            "http://superset.test",
            username="admin",
            password="pw-789",
            secrets=("s3cr#t",),
            transport=httpx.MockTransport(handler),
        ) as client,
        pytest.raises(SupersetError) as raised,
    ):
        client.create_database(
            {"sqlalchemy_uri": "postgresql://r:s3cr%23t@h/db", "note": "s3cr#t pw-789"}
        )
    message = str(raised.value)
    for secret in ("s3cr#t", "s3cr%23t", "pw-789", "tok-123", "csrf-456"):
        assert secret not in message, message
    assert raised.value.status == 422
