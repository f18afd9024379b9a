"""Apply the dashboard spec to a Superset instance, idempotently, through its REST API.

We read what is there, compare it with what the spec wants, and write only the
differences, so a second run writes nothing. ``dry_run`` stops before the first write
and returns the plan.

What we manage, and nothing else:

- the warehouse connection named ``SUPERSET_DATABASE_NAME``: used as it is when it
  exists (never changed), created when it does not;
- in it, the virtual datasets whose description ends with ``[dcat-quality:dataset:<key>]``
  (one per question, one per filter's list of values);
- the charts whose description ends with ``[dcat-quality:card:<key>]``, flagged
  *managed externally* (Superset then offers no edit button); a managed chart whose key
  left the spec is deleted;
- the dashboard with the spec's slug (``dcat-quality-<key>``), its layout and its native
  filters.

A managed object edited by hand is put back on the next run. A user's own charts,
datasets and dashboards (no marker, another slug) are never read for writing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

from dcat_quality.dashboard.spec import DashboardSpec
from dcat_quality.errors import SupersetError
from dcat_quality.superset.build import (
    NUMERIC,
    chart_params,
    dataset_name,
    described,
    filter_dataset_key,
    jinja_sql,
    json_metadata,
    managed_key,
    marker,
    ordered,
    parsed,
    positions,
)
from dcat_quality.superset.client import SupersetClient

log = logging.getLogger(__name__)

Verb = Literal["create", "update", "delete", "unchanged"]
Kind = Literal["database", "dataset", "chart", "dashboard"]
TEMPLATING_HINT = (
    "turn on Jinja templating in Superset: FEATURE_FLAGS = "
    '{"ENABLE_TEMPLATE_PROCESSING": True} in superset_config.py (docs/superset.md)'
)


@dataclass(frozen=True)
class Action:
    """One step of the plan: what is done (or would be) to which object, and why."""

    verb: Verb
    kind: Kind
    name: str
    changes: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.verb} {self.kind} {self.name}"
        return text + (f" ({', '.join(self.changes)})" if self.changes else "")


@dataclass
class ProvisionResult:
    """The plan, carried out unless ``dry_run``; ``writes`` counts the changes."""

    dry_run: bool
    actions: list[Action] = field(default_factory=list)
    database_id: int | None = None
    dashboard_id: int | None = None
    chart_ids: dict[str, int] = field(default_factory=dict)
    dataset_ids: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.verb != "unchanged"]

    @property
    def writes(self) -> int:
        return len(self.changes)


def dashboard_slug(spec: DashboardSpec) -> str:
    return "dcat-quality-" + spec.dashboard.key.replace("_", "-")


def sqlalchemy_url(conninfo: str) -> str:
    """A libpq conninfo (URL or ``key=value``) as the SQLAlchemy URL Superset stores."""
    params = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    user = quote(params.pop("user", ""), safe="")
    password = params.pop("password", "")
    host = params.pop("host", "")
    port = params.pop("port", "")
    dbname = quote(params.pop("dbname", ""), safe="")
    query: dict[str, str] = {}
    if host.startswith("/"):  # a socket folder: libpq takes it as the host parameter
        query["host"] = host
        host = ""
    auth = user + (":" + quote(password, safe="") if password else "")
    netloc = (auth + "@" if auth else "") + host + (f":{port}" if port and host else "")
    if port and not host:
        query["port"] = port
    query.update({k: v for k, v in params.items() if k in ("sslmode", "application_name")})
    return f"postgresql://{netloc}/{dbname}" + ("?" + urlencode(query) if query else "")


def _subset_differs(want: Any, have: Any) -> bool:
    """True when ``have`` lacks or changes something ``want`` sets (extra keys are fine)."""
    if isinstance(want, dict):
        return not isinstance(have, dict) or any(
            _subset_differs(v, have.get(k)) for k, v in want.items()
        )
    if isinstance(want, list):
        return (
            not isinstance(have, list)
            or len(want) != len(have)
            or any(_subset_differs(w, h) for w, h in zip(want, have, strict=True))
        )
    return bool(want != have)


class _Provisioner:
    def __init__(
        self, client: SupersetClient, spec: DashboardSpec, *, schema: str, dry_run: bool
    ) -> None:
        self.client = client
        self.spec = spec
        self.schema = schema
        self.dry_run = dry_run
        self.actions: list[Action] = []
        self.dataset_columns: dict[str, dict[str, int]] = {}
        self._placeholder = 0

    def record(self, action: Action) -> bool:
        """Note an action; True when it must be carried out now."""
        self.actions.append(action)
        log.info("%s%s", "(dry run) " if self.dry_run else "", action)
        return action.verb != "unchanged" and not self.dry_run

    def placeholder_id(self) -> int:
        """An id for an object a dry run would create (negative: never a real id)."""
        self._placeholder -= 1
        return self._placeholder

    # database ---------------------------------------------------------------------------

    def database(self, name: str, warehouse_url: str | None) -> int:
        found = self.client.find_databases(name)
        found = [d for d in found if d.get("database_name") == name]
        if len(found) > 1:
            raise SupersetError(f"Superset has {len(found)} databases named {name!r}")
        if found:
            self.record(Action("unchanged", "database", name))
            return int(found[0]["id"])
        if warehouse_url is None:
            raise SupersetError(
                f"Superset has no database named {name!r} and no warehouse URL to create "
                "it from: set SUPERSET_WAREHOUSE_URL (a read-only role is recommended)"
            )
        if not self.record(Action("create", "database", name)):
            return self.placeholder_id()
        created = self.client.create_database(
            {
                "database_name": name,
                "sqlalchemy_uri": warehouse_url,
                "expose_in_sqllab": True,
                "allow_dml": False,
                "allow_run_async": False,
            }
        )
        return int(created["id"])

    # datasets ---------------------------------------------------------------------------

    def wanted_datasets(self) -> dict[str, tuple[str, str]]:
        """Spec key → (title, Jinja SQL) of every dataset we manage."""
        wanted: dict[str, tuple[str, str]] = {}
        for card in self.spec.cards:
            wanted[card.key] = (card.name, jinja_sql(ordered(card.render_sql(self.schema))))
        for flt in self.spec.dashboard.filters:
            variable = self.spec.variables[flt.variable]
            values = variable.render_values(self.schema)
            if values is None:
                raise SupersetError(
                    f"filter {flt.slug}: variable {flt.variable} has no `values` query in "
                    "the spec (Superset's filters list their values)"
                )
            wanted[filter_dataset_key(flt.variable)] = (f"Filtre : {flt.name}", values)
        return wanted

    def datasets(self, database_id: int) -> dict[str, dict[str, int]]:
        """Spec key → the dataset's id and its columns' ``type_generic``."""
        existing: dict[str, dict[str, Any]] = {}
        if database_id > 0:
            for item in sorted(self.client.list_datasets(database_id), key=lambda d: d["id"]):
                key = managed_key(item.get("description"), "dataset")
                if key is not None and key not in existing:
                    existing[key] = item
        ids: dict[str, int] = {}
        columns: dict[str, dict[str, int]] = {}
        for key, (title, sql) in self.wanted_datasets().items():
            name = dataset_name(key)
            want = {
                "table_name": name,
                "schema": self.schema,
                "sql": sql,
                "description": described(title, "dataset", key),
            }
            have = existing.get(key)
            if have is None:
                if not self.record(Action("create", "dataset", name)):
                    ids[key] = self.placeholder_id()
                    columns[key] = {}
                    continue
                created = self.client.create_dataset(
                    {"database": database_id, "schema": self.schema, "table_name": name, "sql": sql}
                )
                ids[key] = int(created["id"])
                self.client.update_dataset(ids[key], {"description": want["description"]})
            else:
                ids[key] = int(have["id"])
                changed = [k for k, v in want.items() if (have.get(k) or None) != v]
                if not changed:
                    self.record(Action("unchanged", "dataset", name))
                elif self.record(Action("update", "dataset", name, tuple(changed))):
                    self.client.update_dataset(ids[key], want)
                    if "sql" in changed:
                        self.client.refresh_dataset(ids[key])
            columns[key] = self._columns(ids[key], key)
        self.dataset_columns = columns
        return {k: {"id": ids[k]} for k in ids}

    def _columns(self, dataset_id: int, key: str) -> dict[str, int]:
        if dataset_id < 0:
            return {}
        dataset = self.client.get_dataset(dataset_id)
        found = {
            str(c["column_name"]): NUMERIC if c.get("type_generic") is None else c["type_generic"]
            for c in dataset.get("columns") or []
        }
        if not found:
            raise SupersetError(
                f"Superset read no column from dataset {dataset_name(key)}: its SQL did not "
                f"run — if the error names '{{%', {TEMPLATING_HINT}"
            )
        return found

    # dashboard --------------------------------------------------------------------------

    def find_dashboard(self) -> dict[str, Any] | None:
        slug = dashboard_slug(self.spec)
        found = [d for d in self.client.find_dashboards(slug) if d.get("slug") == slug]
        return self.client.get_dashboard(int(found[0]["id"])) if found else None

    def dashboard_shell(self, have: dict[str, Any] | None) -> int:
        """The dashboard's id, creating it empty when missing (charts need its id)."""
        if have is not None:
            return int(have["id"])
        spec = self.spec.dashboard
        if not self.record(Action("create", "dashboard", spec.name)):
            return self.placeholder_id()
        created = self.client.create_dashboard(
            {
                "dashboard_title": spec.name,
                "slug": dashboard_slug(self.spec),
                "published": True,
            }
        )
        return int(created["id"])

    def dashboard(
        self,
        dashboard_id: int,
        have: dict[str, Any] | None,
        chart_ids: Mapping[str, int],
        dataset_ids: Mapping[str, int],
    ) -> None:
        spec = self.spec.dashboard
        want_position = positions(self.spec, chart_ids)
        want_metadata = json_metadata(self.spec, chart_ids, dataset_ids)
        want = {
            "dashboard_title": spec.name,
            "slug": dashboard_slug(self.spec),
            "published": True,
            "is_managed_externally": True,
            "certified_by": "dcat-quality",
            "certification_details": marker("dashboard", spec.key),
        }
        changed: list[str] = []
        if have is not None:
            changed = [k for k, v in want.items() if have.get(k) != v]
            position = parsed(have.get("position_json"))
            if set(position) != set(want_position) or _subset_differs(want_position, position):
                changed.append("layout")
            # "positions" ties the charts to the dashboard on write; Superset keeps the
            # layout in position_json and drops it from json_metadata.
            compared = {k: v for k, v in want_metadata.items() if k != "positions"}
            if _subset_differs(compared, parsed(have.get("json_metadata"))):
                changed.append("filters")
            if not changed:
                self.record(Action("unchanged", "dashboard", spec.name))
                return
            if not self.record(Action("update", "dashboard", spec.name, tuple(changed))):
                return
        elif self.dry_run:
            return
        self.client.update_dashboard(
            dashboard_id,
            {
                **want,
                "position_json": json.dumps(want_position),
                "json_metadata": json.dumps(want_metadata),
            },
        )

    # charts -----------------------------------------------------------------------------

    def charts(self, dashboard_id: int, dataset_ids: Mapping[str, int]) -> dict[str, int]:
        existing: dict[str, dict[str, Any]] = {}
        for item in sorted(self.client.find_charts("[dcat-quality:card:"), key=lambda c: c["id"]):
            key = managed_key(item.get("description"), "card")
            if key is not None and key not in existing:
                existing[key] = item
        ids: dict[str, int] = {}
        for card in self.spec.cards:
            dataset_id = dataset_ids[card.key]
            params = chart_params(card, dataset_id, self.dataset_columns.get(card.key, {}))
            want = {
                "slice_name": card.name,
                "viz_type": params["viz_type"],
                "description": described(card.description, "card", card.key),
                "datasource_id": dataset_id,
                "datasource_type": "table",
                "is_managed_externally": True,
            }
            have = existing.get(card.key)
            if have is None:
                if self.record(Action("create", "chart", card.name)):
                    created = self.client.create_chart(
                        {**want, "params": json.dumps(params), "dashboards": [dashboard_id]}
                    )
                    ids[card.key] = int(created["id"])
                else:
                    ids[card.key] = self.placeholder_id()
                continue
            ids[card.key] = int(have["id"])
            changed = [k for k, v in want.items() if have.get(k) != v]
            if _subset_differs(params, parsed(have.get("params"))):
                changed.append("params")
            on = {d.get("id") for d in have.get("dashboards") or [] if isinstance(d, dict)}
            if dashboard_id > 0 and dashboard_id not in on:
                changed.append("dashboards")
            if not changed:
                self.record(Action("unchanged", "chart", card.name))
            elif self.record(Action("update", "chart", card.name, tuple(changed))):
                dashboards = sorted({*(i for i in on if isinstance(i, int)), dashboard_id})
                self.client.update_chart(
                    ids[card.key],
                    {**want, "params": json.dumps(params), "dashboards": dashboards},
                )
        declared = {c.key for c in self.spec.cards}
        for key, have in existing.items():
            if key not in declared and self.record(
                Action("delete", "chart", str(have.get("slice_name")), ("no longer in the spec",))
            ):
                self.client.delete_chart(int(have["id"]))
        return ids


def provision(
    client: SupersetClient,
    spec: DashboardSpec,
    *,
    database_name: str,
    schema: str,
    warehouse_url: str | None = None,
    dry_run: bool = False,
) -> ProvisionResult:
    """Make Superset hold the spec's datasets, charts and dashboard; return the plan.

    Args:
        client: a client with the credentials of a user allowed to create all this.
        spec: the dashboard spec (``load_spec()``).
        database_name: the warehouse connection's name (``SUPERSET_DATABASE_NAME``).
        schema: the warehouse schema the questions read (``DCAT_QUALITY_SCHEMA``).
        warehouse_url: SQLAlchemy URL to create the connection with, when it is missing.
        dry_run: plan only; no request that changes anything is sent.
    """
    runner = _Provisioner(client, spec, schema=schema, dry_run=dry_run)
    result = ProvisionResult(dry_run=dry_run)
    result.database_id = runner.database(database_name, warehouse_url)
    datasets = runner.datasets(result.database_id)
    result.dataset_ids = {k: v["id"] for k, v in datasets.items()}
    have = runner.find_dashboard()
    dashboard_id = runner.dashboard_shell(have)
    result.chart_ids = runner.charts(dashboard_id, result.dataset_ids)
    runner.dashboard(dashboard_id, have, result.chart_ids, result.dataset_ids)
    result.dashboard_id = dashboard_id if dashboard_id > 0 else None
    result.actions = runner.actions
    return result
