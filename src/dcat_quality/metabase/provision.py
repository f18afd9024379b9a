"""Apply the dashboard spec to a Metabase instance, idempotently.

Metabase has no upsert: we read what is there, compare it with what the spec wants, and
write only the differences, so a second run writes nothing. ``dry_run`` stops before the
first write and returns the plan.

What we manage, and nothing else:

- the collection named in the spec, at the root (found by exact name, created if absent);
- inside it, the cards and the dashboard whose description ends with our marker
  ``[dcat-quality:card:<key>]`` / ``[dcat-quality:dashboard:<key>]``. The key, not the
  name, is the identity: renaming a question in the spec renames it in Metabase. A
  managed card whose key left the spec is archived (moved to the trash, never deleted).
  Anything else in the collection (a user's own question, even one with one of our
  names) and anything outside it is never written;
- the descriptions of the warehouse's tables and columns in Metabase, set from the
  PostgreSQL ``COMMENT``s (the same dictionary; Metabase copies a comment only when it
  has no description, and never updates it).

Edits made in Metabase to managed objects are overwritten on the next run: change the
spec instead.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dcat_quality.dashboard.spec import AXIS_DISPLAYS, Card, DashboardSpec, stable_id
from dcat_quality.errors import MetabaseError
from dcat_quality.metabase.client import MetabaseClient, native_query
from dcat_quality.warehouse.connection import DatabaseTarget, connect

log = logging.getLogger(__name__)

#: Dashboard filter type for each variable type (the pairs Metabase accepts for a
#: plain template-tag variable, reference §6), and the card parameter type.
FILTER_TYPE: dict[str, str] = {"text": "string/=", "number": "number/=", "date": "date/single"}
FILTER_SECTION: dict[str, str] = {"text": "string", "number": "number", "date": "date"}
CARD_PARAMETER_TYPE: dict[str, str] = {
    "text": "category",
    "number": "number/=",
    "date": "date/single",
}

_MARKER = re.compile(r"\[dcat-quality:(card|dashboard):([a-z][a-z0-9_]*)\]\s*$")
#: Seconds between two looks at Metabase's metadata while a sync runs (dbt-metabase: 5).
POLL_INTERVAL = 5.0
SYNC_TIMEOUT = 300.0

Verb = Literal["create", "update", "archive", "sync", "unchanged"]
Kind = Literal["database", "collection", "card", "dashboard", "table", "field"]


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
    metabase_version: str
    database_id: int
    actions: list[Action] = field(default_factory=list)
    collection_id: int | None = None
    dashboard_id: int | None = None

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.verb != "unchanged"]

    @property
    def writes(self) -> int:
        return len(self.changes)


@dataclass(frozen=True)
class TableDescription:
    """A table's or view's COMMENT and its columns' COMMENTs."""

    description: str | None
    columns: Mapping[str, str]


Descriptions = Mapping[str, TableDescription]


def read_descriptions(target: DatabaseTarget, schema: str) -> dict[str, TableDescription]:
    """The COMMENTs of the warehouse schema, as PostgreSQL holds them (``pg_description``).

    Partitions are left out: they repeat their parent's columns and are not for Metabase.
    """
    tables: dict[str, str | None] = {}
    columns: dict[str, dict[str, str]] = {}
    with connect(target, purpose="read the column descriptions from") as conn:
        for name, comment in conn.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class AS c "
            "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND NOT c.relispartition",
            (schema,),
        ):
            tables[name] = comment
        for name, column, comment in conn.execute(
            "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) "
            "FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid "
            "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND a.attnum > 0 AND NOT a.attisdropped "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition",
            (schema,),
        ):
            if comment:
                columns.setdefault(name, {})[column] = comment
    return {
        name: TableDescription(comment, columns.get(name, {})) for name, comment in tables.items()
    }


def marker(kind: Literal["card", "dashboard"], key: str) -> str:
    return f"[dcat-quality:{kind}:{key}]"


def managed_key(description: object, kind: str) -> str | None:
    """The spec key of an object we manage, from the marker ending its description."""
    if not isinstance(description, str):
        return None
    match = _MARKER.search(description)
    if match is None or match.group(1) != kind:
        return None
    return match.group(2)


def _described(text: str, kind: Literal["card", "dashboard"], key: str) -> str:
    return f"{text.strip()}\n\n{marker(kind, key)}"


# -- desired state -----------------------------------------------------------------------


def visualization_settings(card: Card) -> dict[str, Any]:
    """The spec's neutral chart columns in Metabase's words, plus its own extras."""
    settings: dict[str, Any] = {}
    if card.x is not None and card.display in AXIS_DISPLAYS:
        settings["graph.dimensions"] = [card.x]
        settings["graph.metrics"] = list(card.y)
    elif card.x is not None and card.display == "pie":
        settings["pie.dimension"] = card.x
        settings["pie.metric"] = card.y[0]
    if card.value is not None:
        settings["scalar.field"] = card.value
    if card.stacked:
        settings["stackable.stack_type"] = "stacked"
    if card.colors:
        settings["series_settings"] = {name: {"color": c} for name, c in card.colors.items()}
    return {**settings, **card.metabase}


def card_payload(
    card: Card, spec: DashboardSpec, *, database_id: int, collection_id: int | None, schema: str
) -> dict[str, Any]:
    """The card as we write it: legacy native ``dataset_query`` with its template tags."""
    tags: dict[str, dict[str, Any]] = {}
    parameters: list[dict[str, Any]] = []
    for name in card.variables:
        variable = spec.variables[name]
        tag_id = stable_id("tag", card.key, name)
        tags[name] = {
            "id": tag_id,
            "name": name,
            "display-name": variable.display_name,
            "type": variable.type,
            "required": False,
        }
        parameters.append(
            {
                "id": tag_id,
                "type": CARD_PARAMETER_TYPE[variable.type],
                "target": ["variable", ["template-tag", name]],
                "name": variable.display_name,
                "slug": name,
            }
        )
    return {
        "name": card.name,
        "type": "question",
        "display": card.display,
        "description": _described(card.description, "card", card.key),
        "collection_id": collection_id,
        "visualization_settings": visualization_settings(card),
        "parameters": parameters,
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": card.render_sql(schema), "template-tags": tags},
        },
    }


def dashboard_parameters(spec: DashboardSpec) -> list[dict[str, Any]]:
    parameters = []
    for flt in spec.dashboard.filters:
        kind = spec.variables[flt.variable].type
        parameter: dict[str, Any] = {
            "id": flt.id,
            "name": flt.name,
            "slug": flt.slug,
            "type": FILTER_TYPE[kind],
            "sectionId": FILTER_SECTION[kind],
        }
        if flt.default is not None:
            parameter["default"] = flt.default
        parameters.append(parameter)
    return parameters


def dashcards(spec: DashboardSpec, card_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    """The placed cards, each filter mapped to the cards whose SQL uses its variable."""
    result = []
    for place in spec.dashboard.cards:
        card = spec.card(place.card)
        card_id = card_ids[place.card]
        result.append(
            {
                "card_id": card_id,
                "row": place.row,
                "col": place.col,
                "size_x": place.size_x,
                "size_y": place.size_y,
                "parameter_mappings": [
                    {
                        "parameter_id": flt.id,
                        "card_id": card_id,
                        "target": ["variable", ["template-tag", flt.variable]],
                    }
                    for flt in spec.dashboard.filters
                    if flt.variable in card.variables
                ],
                "visualization_settings": {},
                "series": [],
            }
        )
    return result


# -- comparison ----------------------------------------------------------------------------


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


def card_differences(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    """Which attributes of a card differ from what we want (empty: leave it alone)."""
    changed = [
        key
        for key in ("name", "description", "display", "collection_id", "visualization_settings")
        if want[key] != have.get(key)
    ]
    if have.get("archived"):
        changed.append("archived")
    if have.get("type", "question") != want["type"]:
        changed.append("type")
    w_db, w_sql, w_tags = native_query(want["dataset_query"])
    h_db, h_sql, h_tags = native_query(have.get("dataset_query") or {})
    if w_db != h_db:
        changed.append("database")
    if w_sql.strip() != h_sql.strip():
        changed.append("sql")
    if set(w_tags) != set(h_tags) or _subset_differs(w_tags, h_tags):
        changed.append("variables")
    if _subset_differs(want["parameters"], have.get("parameters") or []):
        changed.append("parameters")
    return changed


def _layout(cards: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    def mapping(m: Mapping[str, Any]) -> tuple[Any, ...]:
        return (m.get("parameter_id"), m.get("card_id"), json.dumps(m.get("target")))

    return sorted(
        (
            c.get("card_id") or 0,
            c.get("row"),
            c.get("col"),
            c.get("size_x"),
            c.get("size_y"),
            tuple(sorted(mapping(m) for m in c.get("parameter_mappings") or [])),
            json.dumps(c.get("visualization_settings") or {}, sort_keys=True),
        )
        for c in cards
    )


def _dashcards_of(dashboard: Mapping[str, Any]) -> list[dict[str, Any]]:
    # "ordered_cards" is the pre-0.48 name of the same list.
    return list(dashboard.get("dashcards") or dashboard.get("ordered_cards") or [])


def dashboard_differences(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    changed = [
        key for key in ("name", "description", "collection_id") if want[key] != have.get(key)
    ]
    if have.get("archived"):
        changed.append("archived")
    if _subset_differs(want["parameters"], have.get("parameters") or []):
        changed.append("filters")
    if _layout(want["dashcards"]) != _layout(_dashcards_of(have)):
        changed.append("cards")
    if have.get("tabs"):
        changed.append("tabs")
    return changed


# -- the run -------------------------------------------------------------------------------


class _Provisioner:
    def __init__(
        self,
        client: MetabaseClient,
        spec: DashboardSpec,
        *,
        schema: str,
        dry_run: bool,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.spec = spec
        self.schema = schema
        self.dry_run = dry_run
        self.sleep = sleep
        self.clock = clock
        self.actions: list[Action] = []
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

    def find_database(self, name: str) -> dict[str, Any]:
        databases = self.client.list_databases()
        found = [d for d in databases if d.get("name") == name]
        if not found:
            known = ", ".join(sorted(repr(d.get("name")) for d in databases)) or "none"
            raise MetabaseError(
                f"Metabase has no database named {name!r} (it has: {known}); add the "
                "warehouse in Admin → Databases, or set METABASE_DATABASE_NAME"
            )
        if len(found) > 1:
            raise MetabaseError(
                f"Metabase has {len(found)} databases named {name!r}: rename all but the warehouse"
            )
        database = found[0]
        if database.get("engine") not in (None, "postgres"):
            raise MetabaseError(
                f"Metabase database {name!r} is a {database.get('engine')} database, "
                "not the PostgreSQL warehouse"
            )
        return database

    def _missing(
        self, metadata: Mapping[str, Any], required: Mapping[str, Iterable[str]]
    ) -> list[str]:
        seen = {
            t.get("name"): {f.get("name") for f in t.get("fields") or []}
            for t in metadata.get("tables") or []
            if t.get("schema") == self.schema and t.get("active", True)
        }
        missing = []
        for table, columns in required.items():
            if table not in seen:
                missing.append(table)
            else:
                missing.extend(f"{table}.{c}" for c in columns if c not in seen[table])
        return sorted(missing)

    def synced_metadata(
        self,
        database: Mapping[str, Any],
        required: Mapping[str, Iterable[str]],
        *,
        timeout: float,
        interval: float,
    ) -> dict[str, Any]:
        """The database's metadata once Metabase sees every table and column we need."""
        database_id = int(database["id"])
        metadata = self.client.get_database_metadata(database_id)
        missing = self._missing(metadata, required)
        name = str(database.get("name"))
        if not missing:
            self.record(Action("unchanged", "database", name, ("schema synced",)))
            return metadata
        shown = (*missing[:5], f"… {len(missing) - 5} more") if len(missing) > 5 else missing
        if not self.record(Action("sync", "database", name, tuple(shown))):
            return metadata
        self.client.sync_schema(database_id)
        deadline = self.clock() + timeout
        while missing:
            if self.clock() >= deadline:
                raise MetabaseError(
                    f"after {timeout:.0f} s of schema sync, Metabase still does not see "
                    f"{', '.join(missing[:5])} in schema {self.schema!r} of database "
                    f"{name!r}: check that this Metabase database is the warehouse "
                    "(DCAT_QUALITY_SCHEMA) and that dcat-quality run has loaded it"
                )
            self.sleep(interval)
            metadata = self.client.get_database_metadata(database_id)
            missing = self._missing(metadata, required)
        return metadata

    # collection ---------------------------------------------------------------------------

    def collection(self) -> int | None:
        wanted = self.spec.collection
        found = [
            c
            for c in self.client.list_collections()
            if c.get("name") == wanted.name
            and isinstance(c.get("id"), int)
            and not c.get("archived")
            and c.get("personal_owner_id") is None
            and c.get("location", "/") == "/"
        ]
        if not found:
            payload = {"name": wanted.name, "description": wanted.description, "parent_id": None}
            if self.record(Action("create", "collection", wanted.name)):
                return int(self.client.create_collection(payload)["id"])
            return None
        current = min(found, key=lambda c: int(c["id"]))
        collection_id = int(current["id"])
        if current.get("description") != wanted.description:
            if self.record(Action("update", "collection", wanted.name, ("description",))):
                self.client.update_collection(collection_id, {"description": wanted.description})
        else:
            self.record(Action("unchanged", "collection", wanted.name))
        return collection_id

    # cards ------------------------------------------------------------------------------

    def managed(
        self, collection_id: int | None, kind: Literal["card", "dashboard"]
    ) -> dict[str, dict[str, Any]]:
        """Our objects of one kind in the collection, by spec key (lowest id wins)."""
        if collection_id is None:
            return {}
        result: dict[str, dict[str, Any]] = {}
        items = self.client.list_collection_items(collection_id, kind)
        for item in sorted(items, key=lambda i: int(i.get("id") or 0)):
            if item.get("model") != kind:
                continue
            full = (
                self.client.get_card(int(item["id"]))
                if kind == "card"
                else self.client.get_dashboard(int(item["id"]))
            )
            key = managed_key(full.get("description"), kind)
            if key is None or full.get("collection_id") != collection_id:
                continue  # not ours: a user's question or dashboard
            if key in result:
                log.warning("%s %s duplicates our %s %s: left alone", kind, full["id"], kind, key)
                continue
            result[key] = full
        return result

    def cards(self, database_id: int, collection_id: int | None) -> dict[str, int]:
        existing = self.managed(collection_id, "card")
        ids: dict[str, int] = {}
        for card in self.spec.cards:
            want = card_payload(
                card,
                self.spec,
                database_id=database_id,
                collection_id=collection_id,
                schema=self.schema,
            )
            have = existing.get(card.key)
            if have is None:
                if self.record(Action("create", "card", card.name)):
                    ids[card.key] = int(self.client.create_card(want)["id"])
                else:
                    ids[card.key] = self.placeholder_id()
                continue
            ids[card.key] = int(have["id"])
            changed = card_differences(want, have)
            if not changed:
                self.record(Action("unchanged", "card", card.name))
            elif self.record(Action("update", "card", card.name, tuple(changed))):
                self.client.update_card(int(have["id"]), {**want, "archived": False})
        declared = {c.key for c in self.spec.cards}
        for key, have in existing.items():
            if key not in declared and self.record(
                Action("archive", "card", str(have.get("name")), ("no longer in the spec",))
            ):
                self.client.update_card(int(have["id"]), {"archived": True})
        return ids

    # dashboard --------------------------------------------------------------------------

    def dashboard(self, collection_id: int | None, card_ids: Mapping[str, int]) -> int | None:
        spec = self.spec.dashboard
        existing = self.managed(collection_id, "dashboard")
        want: dict[str, Any] = {
            "name": spec.name,
            "description": _described(spec.description, "dashboard", spec.key),
            "collection_id": collection_id,
            "parameters": dashboard_parameters(self.spec),
            "dashcards": dashcards(self.spec, card_ids),
        }
        have = existing.get(spec.key)
        if have is None:
            if not self.record(Action("create", "dashboard", spec.name)):
                return None
            created = self.client.create_dashboard(
                {k: want[k] for k in ("name", "description", "collection_id", "parameters")}
            )
            dashboard_id = int(created["id"])
            self._put_dashboard(dashboard_id, want, current=[])
            return dashboard_id
        dashboard_id = int(have["id"])
        changed = dashboard_differences(want, have)
        if not changed:
            self.record(Action("unchanged", "dashboard", spec.name))
        elif self.record(Action("update", "dashboard", spec.name, tuple(changed))):
            self._put_dashboard(dashboard_id, want, current=_dashcards_of(have))
        return dashboard_id

    def _put_dashboard(
        self, dashboard_id: int, want: Mapping[str, Any], *, current: list[dict[str, Any]]
    ) -> None:
        """One full PUT: existing placements keep their id, new ones get negative ids."""
        reusable: dict[int, list[int]] = {}
        for dashcard in current:
            if dashcard.get("card_id") is not None:
                reusable.setdefault(int(dashcard["card_id"]), []).append(int(dashcard["id"]))
        body = []
        next_new = -1
        for dashcard in want["dashcards"]:
            ids = reusable.get(dashcard["card_id"])
            if ids:
                dashcard_id = ids.pop(0)
            else:
                dashcard_id, next_new = next_new, next_new - 1
            body.append({"id": dashcard_id, **dashcard})
        self.client.update_dashboard(
            dashboard_id,
            {
                "name": want["name"],
                "description": want["description"],
                "collection_id": want["collection_id"],
                "archived": False,
                "parameters": want["parameters"],
                "tabs": [],
                "dashcards": body,
            },
        )
        # Some 0.49/0.50 releases answer 200 and keep nothing (#42642): check.
        kept = self.client.get_dashboard(dashboard_id)
        if _layout(want["dashcards"]) != _layout(_dashcards_of(kept)):
            raise MetabaseError(
                f"Metabase accepted dashboard {dashboard_id} but did not keep its cards "
                "(a known Metabase bug in some 0.49/0.50 releases): run provision again, or "
                "upgrade Metabase"
            )

    # descriptions -----------------------------------------------------------------------

    def descriptions(self, metadata: Mapping[str, Any], descriptions: Descriptions) -> None:
        for table in metadata.get("tables") or []:
            wanted = descriptions.get(str(table.get("name")))
            if table.get("schema") != self.schema or wanted is None:
                continue
            name = str(table["name"])
            if (
                wanted.description
                and table.get("description") != wanted.description
                and self.record(Action("update", "table", name, ("description",)))
            ):
                self.client.update_table(int(table["id"]), {"description": wanted.description})
            for column in table.get("fields") or []:
                text = wanted.columns.get(str(column.get("name")))
                if text and column.get("description") != text:
                    label = f"{name}.{column['name']}"
                    if self.record(Action("update", "field", label, ("description",))):
                        self.client.update_field(int(column["id"]), {"description": text})


def provision(
    client: MetabaseClient,
    spec: DashboardSpec,
    *,
    database_name: str,
    schema: str,
    descriptions: Descriptions | None = None,
    dry_run: bool = False,
    sync_timeout: float = SYNC_TIMEOUT,
    poll_interval: float = POLL_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ProvisionResult:
    """Make Metabase hold the spec's collection, questions and dashboard; return the plan.

    Args:
        client: an authenticated client (API key or user session).
        spec: the dashboard spec (``load_spec()``).
        database_name: the warehouse's name in Metabase (``METABASE_DATABASE_NAME``).
        schema: the warehouse schema the questions read (``DCAT_QUALITY_SCHEMA``).
        descriptions: table and column COMMENTs to push (``read_descriptions``); None
            leaves Metabase's descriptions alone.
        dry_run: plan only; no request that changes anything is sent (not even a sync).
        sync_timeout, poll_interval: how long to wait for a schema sync, and how often
            to look.
    """
    version = client.get_version()
    client.get_current_user()  # fails early, and clearly, on bad credentials
    runner = _Provisioner(client, spec, schema=schema, dry_run=dry_run, sleep=sleep, clock=clock)
    database = runner.find_database(database_name)
    required: dict[str, set[str]] = {table: set() for table in spec.tables}
    if descriptions:
        for table in spec.tables:
            if table in descriptions:
                required[table] = set(descriptions[table].columns)
    metadata = runner.synced_metadata(
        database, required, timeout=sync_timeout, interval=poll_interval
    )
    result = ProvisionResult(
        dry_run=dry_run, metabase_version=str(version), database_id=int(database["id"])
    )
    result.collection_id = runner.collection()
    card_ids = runner.cards(result.database_id, result.collection_id)
    result.dashboard_id = runner.dashboard(result.collection_id, card_ids)
    if descriptions is not None:
        runner.descriptions(metadata, descriptions)
    result.actions = runner.actions
    return result
