"""The dashboard spec in Superset's shapes: Jinja SQL, chart params, layout, native filters.

Pure functions, no request: ``provision`` sends what they build.

Filters. A Superset native filter only adds ``WHERE column IN (…)`` around a chart's
dataset; our questions aggregate inside their SQL, so the filter value must reach the
inside. Superset's way is Jinja in the virtual dataset: ``filter_values('catalog',
remove_filter=True)`` reads the value and keeps it out of the outer query. Each spec
clause ``[[ AND d.catalog = {{catalog}} ]]`` becomes ``{% if filter_values('catalog',
remove_filter=True) %} AND d.catalog = '<value, quotes doubled>' {% endif %}``. This needs
the ``ENABLE_TEMPLATE_PROCESSING`` feature flag on the Superset server (off by default;
docs/superset.md says how to turn it on, SSPCloud included). Each filter lists the values
of its variable's ``values`` query, from a small dataset of its own, and applies to the
charts whose SQL uses the variable.

Layout. The spec's 24-column grid becomes Superset's 12 columns: the cards placed on one
spec row form one Superset row, their widths scaled to 12 (largest remainder).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from dcat_quality.dashboard.spec import GRID_COLUMNS, Card, DashboardSpec, Filter, stable_id

#: Superset's dashboard grid.
SUPERSET_COLUMNS = 12
#: Height of one spec grid row, in Superset's 8-pixel units.
ROW_HEIGHT = 10
#: Rows a chart reads at most (tables show 200 at most anyway).
ROW_LIMIT = 10_000
#: Superset's ``type_generic`` for numbers (0), text (1) and time (2).
NUMERIC = 0
#: The column holding a question's row order in its Superset dataset.
ORDER_COLUMN = "dcat_quality_row"

Kind = Literal["card", "dataset", "dashboard"]
_MARKER = re.compile(r"\[dcat-quality:(card|dataset|dashboard):([a-z][a-z0-9_]*)\]\s*$")
_CLAUSE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")

#: Superset viz type for each spec display (scalars are decided by their column).
VIZ_TYPE: dict[str, str] = {
    "table": "table",
    "bar": "echarts_timeseries_bar",
    "row": "echarts_timeseries_bar",
    "line": "echarts_timeseries_line",
    "combo": "echarts_timeseries_line",
    "area": "echarts_area",
    "pie": "pie",
    "scalar": "big_number_total",
    "progress": "big_number_total",
    "funnel": "funnel",
}


def marker(kind: Kind, key: str) -> str:
    return f"[dcat-quality:{kind}:{key}]"


def managed_key(description: object, kind: Kind) -> str | None:
    """The spec key of an object we manage, from the marker ending its description."""
    if not isinstance(description, str):
        return None
    match = _MARKER.search(description)
    if match is None or match.group(1) != kind:
        return None
    return match.group(2)


def described(text: str, kind: Kind, key: str) -> str:
    return f"{text.strip()}\n\n{marker(kind, key)}"


def _literal(variable: str) -> str:
    # A single-quoted SQL literal of the filter's (first) value, quotes doubled.
    return "'{{ filter_values('" + variable + "')|first|string|replace(\"'\", \"''\") }}'"


def jinja_sql(sql: str) -> str:
    """The spec's template language in Superset's Jinja (``filter_values``)."""

    def clause(match: re.Match[str]) -> str:
        body = match.group(1)
        names = list(dict.fromkeys(_VARIABLE.findall(body)))
        if not names:
            return body
        test = " and ".join(f"filter_values('{n}', remove_filter=True)" for n in names)
        return (
            "{% if "
            + test
            + " %}"
            + _VARIABLE.sub(lambda m: _literal(m.group(1)), body)
            + ("{% endif %}")
        )

    return _VARIABLE.sub(lambda m: _literal(m.group(1)), _CLAUSE.sub(clause, sql))


def ordered(sql: str) -> str:
    """The question's SQL with its row order kept in a column (tables sort by it)."""
    return f"SELECT q.*, row_number() OVER () AS {ORDER_COLUMN}\nFROM (\n{sql}\n) AS q"


def dataset_name(key: str) -> str:
    """The virtual dataset's table name (unique per database and schema)."""
    return f"dcat_quality_{key}"


def filter_dataset_key(variable: str) -> str:
    return f"filter_{variable}"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def column(name: str) -> dict[str, Any]:
    """A column of the dataset, as a custom SQL column quoting its name.

    Superset 4.1 checks a column name it sends as SQL (a numeric x axis) by parsing
    ``SELECT (<name>)``: an unquoted French label with spaces or parentheses fails
    ("Custom SQL fields cannot contain sub-queries"); quoted, it parses in 4.1 and 6.x.
    """
    return {"expressionType": "SQL", "sqlExpression": _quoted(name), "label": name}


def metric(column: str) -> dict[str, Any]:
    """A measure the SQL already computed: one row per x, so MAX is the value itself."""
    return {
        "expressionType": "SQL",
        "sqlExpression": f"MAX({_quoted(column)})",
        "label": column,
        "optionName": "metric_" + stable_id("metric", column)[:8],
    }


def _scalar_column(card: Card, columns: Mapping[str, int]) -> str | None:
    """The column a scalar shows, when it is a number (else a one-row table is shown)."""
    shown = [c for c in columns if c != ORDER_COLUMN]
    name = card.value or (shown[0] if len(shown) == 1 else None)
    if name is None and not columns:
        return card.value
    if name is None or columns.get(name, NUMERIC) != NUMERIC:
        return None
    return name


def chart_params(card: Card, dataset_id: int, columns: Mapping[str, int]) -> dict[str, Any]:
    """The chart's form data (``params``) for a card over its dataset's columns.

    ``columns`` maps each column of the dataset to its ``type_generic``; it decides what
    a scalar can show (a text value is shown as a one-row table).
    """
    base: dict[str, Any] = {"datasource": f"{dataset_id}__table", "adhoc_filters": []}
    display = card.display
    if display in ("scalar", "progress"):
        shown = _scalar_column(card, columns)
        if shown is not None:
            return {
                **base,
                "viz_type": "big_number_total",
                "metric": metric(shown),
                "header_font_size": 0.4,
                "subheader_font_size": 0.15,
                "y_axis_format": "SMART_NUMBER",
                "time_range": "No filter",
            }
        display = "table"
    if display == "table" or card.x is None:
        # Aggregate mode over every column, sorted by the question's own row order:
        # Superset 4.1 rejects French labels as raw-mode columns, and its front end
        # stalls on quoted custom columns there; group-by columns are looked up by name.
        return {
            **base,
            "viz_type": "table",
            "query_mode": "aggregate",
            "groupby": [name for name in columns if name != ORDER_COLUMN],
            "metrics": [],
            "timeseries_limit_metric": {
                "expressionType": "SQL",
                "sqlExpression": f"MIN({_quoted(ORDER_COLUMN)})",
                "label": ORDER_COLUMN,
            },
            "order_desc": False,
            "row_limit": ROW_LIMIT,
            "server_pagination": False,
            "include_search": False,
            "show_cell_bars": False,
            "table_timestamp_format": "smart_date",
            "time_range": "No filter",
        }
    if display == "pie":
        return {
            **base,
            "viz_type": "pie",
            "groupby": [card.x],
            "metric": metric(card.y[0]),
            "row_limit": ROW_LIMIT,
            "sort_by_metric": True,
            "show_legend": True,
            "legendOrientation": "top",
            "show_labels": True,
            "label_type": "key_percent",
            "number_format": "SMART_NUMBER",
            "time_range": "No filter",
        }
    params: dict[str, Any] = {
        **base,
        "viz_type": VIZ_TYPE[display],
        "x_axis": column(card.x),
        "time_grain_sqla": None,
        "x_axis_sort_asc": True,
        "metrics": [metric(y) for y in card.y],
        "groupby": [],
        "row_limit": ROW_LIMIT,
        "truncate_metric": True,
        "show_legend": len(card.y) > 1,
        "legendOrientation": "top",
        "rich_tooltip": True,
        "y_axis_format": "SMART_NUMBER",
        "time_range": "No filter",
        "markerEnabled": display in ("line", "combo"),
    }
    if display == "row":
        params["orientation"] = "horizontal"
    if card.stacked:
        params["stack"] = "Stack"
    return params


# -- layout -----------------------------------------------------------------------------


def _widths(spans: list[int]) -> list[int]:
    """Spec widths (of 24) scaled to Superset's 12 columns, largest remainder first."""
    exact = [s * SUPERSET_COLUMNS / GRID_COLUMNS for s in spans]
    widths = [max(1, int(e)) for e in exact]
    budget = min(SUPERSET_COLUMNS, round(sum(exact)))
    order = sorted(range(len(spans)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order:
        if sum(widths) >= budget:
            break
        widths[i] += 1
    return widths


def positions(spec: DashboardSpec, chart_ids: Mapping[str, int]) -> dict[str, Any]:
    """``position_json``: ROOT → GRID → one ROW per spec row → the CHARTs."""
    rows: dict[int, list[Any]] = {}
    for place in spec.dashboard.cards:
        rows.setdefault(place.row, []).append(place)
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": spec.dashboard.name}},
    }
    for number, places in sorted(rows.items()):
        places.sort(key=lambda p: p.col)
        row_id = f"ROW-{number}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for place, width in zip(places, _widths([p.size_x for p in places]), strict=True):
            chart_id = f"CHART-{place.card}"
            layout[row_id]["children"].append(chart_id)
            layout[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": chart_ids[place.card],
                    "width": width,
                    "height": place.size_y * ROW_HEIGHT,
                    "sliceName": spec.card(place.card).name,
                },
            }
    return layout


# -- filters ----------------------------------------------------------------------------


def filter_id(flt: Filter) -> str:
    return "NATIVE_FILTER-" + stable_id("superset-filter", flt.slug)[:12]


def native_filters(
    spec: DashboardSpec, chart_ids: Mapping[str, int], dataset_ids: Mapping[str, int]
) -> list[dict[str, Any]]:
    """One select filter per spec filter, over its values dataset, scoped to the charts
    whose SQL uses its variable."""
    placed = [p.card for p in spec.dashboard.cards]
    result = []
    for flt in spec.dashboard.filters:
        in_scope = [chart_ids[k] for k in placed if flt.variable in spec.card(k).variables]
        excluded = [chart_ids[k] for k in placed if flt.variable not in spec.card(k).variables]
        is_date = spec.variables[flt.variable].type == "date"
        default: dict[str, Any] = {"extraFormData": {}, "filterState": {}, "ownState": {}}
        if flt.default is not None:
            value = [str(flt.default)]
            default = {
                "extraFormData": {"filters": [{"col": flt.variable, "op": "IN", "val": value}]},
                "filterState": {"value": value},
                "ownState": {},
            }
        result.append(
            {
                "id": filter_id(flt),
                "name": flt.name,
                "description": "",
                "filterType": "filter_select",
                "type": "NATIVE_FILTER",
                "targets": [
                    {
                        "datasetId": dataset_ids[filter_dataset_key(flt.variable)],
                        "column": {"name": flt.variable},
                    }
                ],
                "controlValues": {
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "multiSelect": False,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                    "sortAscending": not is_date,
                },
                "defaultDataMask": default,
                "cascadeParentIds": [],
                "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
                "chartsInScope": in_scope,
                "tabsInScope": [],
            }
        )
    return result


def json_metadata(
    spec: DashboardSpec, chart_ids: Mapping[str, int], dataset_ids: Mapping[str, int]
) -> dict[str, Any]:
    """The dashboard's ``json_metadata``: filters, the layout again, measure colours."""
    colors = {name: color for card in spec.cards for name, color in card.colors.items()}
    return {
        "native_filter_configuration": native_filters(spec, chart_ids, dataset_ids),
        "positions": positions(spec, chart_ids),
        "label_colors": colors,
        "refresh_frequency": 0,
        "timed_refresh_immune_slices": [],
        "expanded_slices": {},
        "cross_filters_enabled": False,
        "color_scheme": "",
    }


def parsed(value: object) -> Any:
    """A JSON field as Superset returns it (a string, sometimes empty) as Python."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except ValueError:
            return {}
    return value if value is not None else {}
