"""A contract stub of the Metabase REST API, as an ``httpx.MockTransport`` handler.

It keeps collections, cards, dashboards, databases and fields in memory and checks every
request against the documented API (``../shared/reference/metabase.md``): a request
outside the contract raises ``ContractViolation`` inside the client, so the test fails.
Behaviours follow the version it plays:

- 0.50 (SSPCloud's 0.50.15): card reads in the legacy shape; ``legacy-mbql`` is not a
  parameter it knows;
- 0.57 and later ("current"): card reads in MBQL 5 unless ``?legacy-mbql=true``.

Both: ``GET /api/database`` answers ``{data, total}``; dashcards are written only with
``PUT /api/dashboard/:id`` (``POST …/cards`` is gone, ``PUT …/cards`` deprecated);
tables appear in the metadata only after a schema sync has run.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

GRID = 24
DISPLAYS = {
    "table", "bar", "row", "line", "area", "pie", "scalar", "progress", "combo", "funnel",
    "smartscalar", "gauge", "map", "scatter", "waterfall", "pivot", "object",
}  # fmt: skip
TAG_TYPES = {"text", "number", "date", "dimension", "card", "snippet", "boolean"}
#: Dashboard filter type → the template-tag types it may set (reference §6).
FILTER_TAG_TYPES = {
    "string/=": {"text"},
    "category": {"text"},
    "number/=": {"number"},
    "date/single": {"date"},
}
CARD_KEYS = {
    "name", "type", "display", "description", "collection_id", "collection_position",
    "visualization_settings", "parameters", "parameter_mappings", "dataset_query",
    "cache_ttl", "result_metadata", "archived", "enable_embedding", "embedding_params",
}  # fmt: skip
DASHCARD_KEYS = {
    "id", "card_id", "row", "col", "size_x", "size_y", "parameter_mappings",
    "visualization_settings", "series", "dashboard_tab_id", "action_id",
}  # fmt: skip
DASHBOARD_PUT_KEYS = {
    "name", "description", "collection_id", "collection_position", "parameters",
    "dashcards", "tabs", "archived", "cache_ttl", "enable_embedding", "embedding_params",
    "width", "auto_apply_filters", "points_of_interest", "caveats", "show_in_getting_started",
    "position",
}  # fmt: skip
FIELD_KEYS = {
    "description", "display_name", "semantic_type", "has_field_values", "visibility_type",
    "settings", "coercion_strategy", "fk_target_field_id", "nfc_path", "json_unfolding",
}  # fmt: skip
TABLE_KEYS = {
    "description", "display_name", "visibility_type", "entity_type", "caveats",
    "points_of_interest", "show_in_getting_started", "field_order",
}  # fmt: skip
VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
WRITE_METHODS = {"POST", "PUT", "DELETE"}


class ContractViolation(AssertionError):
    """The client sent something the documented Metabase API does not accept."""


def _violation(condition: bool, message: str) -> None:
    if not condition:
        raise ContractViolation(message)


def _non_blank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


@dataclass
class MetabaseStub:
    """In-memory Metabase. ``writes`` lists every change request (login excluded)."""

    version: str = "v0.50.15"
    api_key: str | None = "mb_test_api_key_0123456789"
    username: str = "admin@example.org"
    password: str = "s3cret-password"
    database_name: str = "dcat_quality"
    schema: str = "dcat_quality"
    #: table → columns the warehouse holds (what a sync will find).
    warehouse: dict[str, list[str]] = field(default_factory=dict)
    #: metadata reads needed after a sync before the tables show (sync is asynchronous).
    sync_delay: int = 1
    writes: list[tuple[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    logins: int = 0
    sessions: set[str] = field(default_factory=set)
    collections: dict[int, dict[str, Any]] = field(default_factory=dict)
    cards: dict[int, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[int, dict[str, Any]] = field(default_factory=dict)
    databases: dict[int, dict[str, Any]] = field(default_factory=dict)
    tables: dict[int, dict[str, Any]] = field(default_factory=dict)
    fields: dict[int, dict[str, Any]] = field(default_factory=dict)
    _ids: int = 100
    _sync_countdown: int | None = None

    def __post_init__(self) -> None:
        self.databases[2] = {"id": 2, "name": "Sample Database", "engine": "h2"}
        self.databases[7] = {"id": 7, "name": self.database_name, "engine": "postgres"}

    # -- helpers for tests ---------------------------------------------------------------

    @property
    def release(self) -> int:
        return int(re.match(r"v?\d+\.(\d+)", self.version).group(1))  # type: ignore[union-attr]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def new_id(self) -> int:
        self._ids += 1
        return self._ids

    def sync_now(self) -> None:
        """Make the warehouse's tables visible, as a finished schema sync does."""
        for name, columns in self.warehouse.items():
            if any(t["name"] == name for t in self.tables.values()):
                continue
            table_id = self.new_id()
            self.tables[table_id] = {
                "id": table_id,
                "db_id": 7,
                "name": name,
                "schema": self.schema,
                "description": None,
                "active": True,
            }
            for column in columns:
                field_id = self.new_id()
                self.fields[field_id] = {
                    "id": field_id,
                    "table_id": table_id,
                    "name": column,
                    "description": None,
                }

    def add_collection(self, name: str, **extra: Any) -> int:
        collection_id = self.new_id()
        self.collections[collection_id] = {
            "id": collection_id,
            "name": name,
            "description": None,
            "location": "/",
            "archived": False,
            "personal_owner_id": None,
            **extra,
        }
        return collection_id

    def add_user_card(self, name: str, collection_id: int | None, sql: str = "SELECT 1") -> int:
        """A question a user made by hand (no marker)."""
        card_id = self.new_id()
        self.cards[card_id] = {
            "id": card_id,
            "name": name,
            "type": "question",
            "display": "table",
            "description": None,
            "collection_id": collection_id,
            "archived": False,
            "visualization_settings": {},
            "parameters": [],
            "dataset_query": {"type": "native", "database": 7, "native": {"query": sql}},
        }
        return card_id

    def snapshot(self) -> str:
        return json.dumps(
            [self.collections, self.cards, self.dashboards, self.tables, self.fields],
            sort_keys=True,
            default=str,
        )

    # -- the handler ---------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        method, path = request.method, request.url.path
        self.requests.append((method, path))
        body: Any = None
        if request.content:
            _violation(
                request.headers.get("content-type", "").startswith("application/json"),
                f"{method} {path}: body is not JSON",
            )
            body = json.loads(request.content)
        if (method, path) == ("POST", "/api/session"):
            return self._login(body)
        if not self._authenticated(request):
            return _json(401, "Unauthenticated")
        if method in WRITE_METHODS:
            self.writes.append((method, path))
        for pattern, route in self._routes():
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                return route(request, body, *[int(g) for g in match.groups()])
        raise ContractViolation(f"{method} {path} is not an endpoint of Metabase {self.version}")

    def _routes(self) -> list[tuple[str, Any]]:
        return [
            (r"GET /api/session/properties", self._properties),
            (r"GET /api/user/current", self._current_user),
            (r"GET /api/database", self._list_databases),
            (r"GET /api/database/(\d+)/metadata", self._metadata),
            (r"POST /api/database/(\d+)/sync_schema", self._sync_schema),
            (r"PUT /api/table/(\d+)", self._put_table),
            (r"PUT /api/field/(\d+)", self._put_field),
            (r"GET /api/collection", self._list_collections),
            (r"POST /api/collection", self._post_collection),
            (r"PUT /api/collection/(\d+)", self._put_collection),
            (r"GET /api/collection/(\d+)/items", self._collection_items),
            (r"GET /api/card", self._list_cards),
            (r"GET /api/card/(\d+)", self._get_card),
            (r"POST /api/card", self._post_card),
            (r"PUT /api/card/(\d+)", self._put_card),
            (r"GET /api/dashboard/(\d+)", self._get_dashboard),
            (r"POST /api/dashboard", self._post_dashboard),
            (r"PUT /api/dashboard/(\d+)", self._put_dashboard),
        ]

    # -- auth ----------------------------------------------------------------------------

    def _login(self, body: Any) -> httpx.Response:
        _violation(isinstance(body, dict), "POST /api/session needs a JSON body")
        _violation(set(body) == {"username", "password"}, f"POST /api/session keys {set(body)}")
        if body["username"] != self.username or body["password"] != self.password:
            return _json(401, {"errors": {"password": "did not match stored password"}})
        self.logins += 1
        token = str(uuid.uuid4())
        self.sessions.add(token)
        return _json(200, {"id": token})

    def _authenticated(self, request: httpx.Request) -> bool:
        key = request.headers.get("x-api-key")
        session = request.headers.get("x-metabase-session")
        _violation(not (key and session), "send either x-api-key or X-Metabase-Session, not both")
        _violation(
            "x-metabase-apikey" not in request.headers,
            "X-METABASE-APIKEY is the legacy MB_API_KEY header, for /api/notify only",
        )
        if key is not None:
            _violation(self.release >= 49, f"API keys need Metabase 0.49+ ({self.version})")
            return self.api_key is not None and key == self.api_key
        return session is not None and session in self.sessions

    # -- instance and databases ---------------------------------------------------------

    def _properties(self, request: httpx.Request, body: Any) -> httpx.Response:
        return _json(200, {"version": {"tag": self.version, "hash": "abc"}, "site-name": "MB"})

    def _current_user(self, request: httpx.Request, body: Any) -> httpx.Response:
        return _json(200, {"id": 1, "email": self.username, "is_superuser": True})

    def _list_databases(self, request: httpx.Request, body: Any) -> httpx.Response:
        data = list(self.databases.values())
        return _json(200, {"data": data, "total": len(data)})

    def _metadata(self, request: httpx.Request, body: Any, database_id: int) -> httpx.Response:
        if database_id not in self.databases:
            return _json(404, "Not found.")
        if self._sync_countdown is not None:
            self._sync_countdown -= 1
            if self._sync_countdown <= 0:
                self._sync_countdown = None
                self.sync_now()
        tables = [
            {**t, "fields": [f for f in self.fields.values() if f["table_id"] == t["id"]]}
            for t in self.tables.values()
            if t["db_id"] == database_id
        ]
        return _json(200, {**self.databases[database_id], "tables": tables})

    def _sync_schema(self, request: httpx.Request, body: Any, database_id: int) -> httpx.Response:
        _violation(database_id in self.databases, f"sync of unknown database {database_id}")
        self._sync_countdown = self.sync_delay
        return _json(200, {"status": "ok"})

    def _put_described(
        self, store: dict[int, dict[str, Any]], allowed: set[str], body: Any, object_id: int
    ) -> httpx.Response:
        _violation(isinstance(body, dict) and set(body) <= allowed, f"unexpected keys {body}")
        if "description" in body:
            _violation(
                body["description"] is None or _non_blank(body["description"]),
                "descriptions are null or non-blank, never empty (#26268)",
            )
        if object_id not in store:
            return _json(404, "Not found.")
        store[object_id].update(body)
        return _json(200, store[object_id])

    def _put_table(self, request: httpx.Request, body: Any, table_id: int) -> httpx.Response:
        return self._put_described(self.tables, TABLE_KEYS, body, table_id)

    def _put_field(self, request: httpx.Request, body: Any, field_id: int) -> httpx.Response:
        return self._put_described(self.fields, FIELD_KEYS, body, field_id)

    # -- collections -----------------------------------------------------------------------

    def _list_collections(self, request: httpx.Request, body: Any) -> httpx.Response:
        root = {"id": "root", "name": "Our analytics", "location": None}
        visible = [c for c in self.collections.values() if not c["archived"]]
        return _json(200, [root, *visible])

    def _post_collection(self, request: httpx.Request, body: Any) -> httpx.Response:
        _violation(isinstance(body, dict), "collection body")
        allowed = {"name", "description", "parent_id", "namespace", "authority_level", "color"}
        _violation(
            set(body) <= allowed, f"POST /api/collection: unknown keys {set(body) - allowed}"
        )
        _violation(_non_blank(body.get("name")), "collection name must be non-blank")
        _violation(
            body.get("description") is None or _non_blank(body["description"]),
            "collection description must be null or non-blank",
        )
        parent = body.get("parent_id")
        _violation(parent is None or parent in self.collections, f"unknown parent {parent}")
        collection_id = self.add_collection(body["name"], description=body.get("description"))
        return _json(200, self.collections[collection_id])

    def _put_collection(
        self, request: httpx.Request, body: Any, collection_id: int
    ) -> httpx.Response:
        allowed = {"name", "description", "parent_id", "archived", "authority_level", "color"}
        _violation(isinstance(body, dict) and set(body) <= allowed, f"collection PUT {body}")
        if collection_id not in self.collections:
            return _json(404, "Not found.")
        self.collections[collection_id].update(body)
        return _json(200, self.collections[collection_id])

    def _collection_items(
        self, request: httpx.Request, body: Any, collection_id: int
    ) -> httpx.Response:
        models = request.url.params.get_list("models")
        _violation(
            set(models) <= {"card", "dataset", "dashboard", "collection", "snippet", "metric"},
            f"unknown models {models}",
        )
        if collection_id not in self.collections:
            return _json(404, "Not found.")
        items = []
        if not models or "card" in models:
            items += [
                {"id": c["id"], "name": c["name"], "model": "card"}
                for c in self.cards.values()
                if c["collection_id"] == collection_id and not c["archived"]
            ]
        if not models or "dashboard" in models:
            items += [
                {"id": d["id"], "name": d["name"], "model": "dashboard"}
                for d in self.dashboards.values()
                if d["collection_id"] == collection_id and not d["archived"]
            ]
        return _json(200, {"data": items, "total": len(items), "models": models})

    # -- cards ---------------------------------------------------------------------------

    def _list_cards(self, request: httpx.Request, body: Any) -> httpx.Response:
        return _json(200, [self._card_view(c, legacy=False) for c in self.cards.values()])

    def _card_view(self, card: dict[str, Any], *, legacy: bool) -> dict[str, Any]:
        if legacy or self.release < 57:
            return card
        query = card["dataset_query"]
        native = query.get("native", {})
        stage = {"lib/type": "mbql.stage/native", "native": native.get("query")}
        if native.get("template-tags"):
            stage["template-tags"] = native["template-tags"]
        mbql5 = {"lib/type": "mbql/query", "database": query.get("database"), "stages": [stage]}
        return {**card, "dataset_query": mbql5}

    def _get_card(self, request: httpx.Request, body: Any, card_id: int) -> httpx.Response:
        params = dict(request.url.params)
        if self.release < 57:
            _violation(not params, f"GET /api/card/:id takes no parameter in {self.version}")
        else:
            _violation(set(params) <= {"legacy-mbql", "ignore_view"}, f"params {params}")
        if card_id not in self.cards:
            return _json(404, "Not found.")
        legacy = params.get("legacy-mbql") == "true"
        return _json(200, self._card_view(self.cards[card_id], legacy=legacy))

    def _check_card(self, body: Any, *, creating: bool) -> None:
        _violation(isinstance(body, dict), "card body must be an object")
        _violation(set(body) <= CARD_KEYS, f"card body: unknown keys {set(body) - CARD_KEYS}")
        if creating:
            for key in ("name", "display", "dataset_query", "visualization_settings"):
                _violation(key in body, f"POST /api/card needs {key}")
        if "name" in body:
            _violation(_non_blank(body["name"]), "card name must be non-blank")
        if "description" in body:
            _violation(
                body["description"] is None or _non_blank(body["description"]),
                "card description must be null or non-blank (empty strings are rejected)",
            )
        if "type" in body:
            _violation(body["type"] in {"question", "model", "metric"}, f"type {body['type']}")
        if "display" in body:
            _violation(body["display"] in DISPLAYS, f"display {body['display']}")
        if "visualization_settings" in body:
            _violation(isinstance(body["visualization_settings"], dict), "viz settings")
        if "collection_id" in body:
            collection = body["collection_id"]
            _violation(
                collection is None or collection in self.collections,
                f"unknown collection {collection}",
            )
        if "dataset_query" in body:
            self._check_native_query(body["dataset_query"], body.get("parameters"))

    def _check_native_query(self, query: Any, parameters: Any) -> None:
        _violation(isinstance(query, dict), "dataset_query must be an object")
        _violation(
            "stages" not in query and "lib/type" not in query,
            "write legacy (MBQL 4) queries: MBQL 5 copied from a read makes POST fail (#74615)",
        )
        _violation(query.get("type") == "native", "only native queries here")
        _violation(query.get("database") in self.databases, f"database {query.get('database')}")
        native = query.get("native")
        _violation(isinstance(native, dict) and _non_blank(native.get("query")), "native.query")
        tags = native.get("template-tags", {})
        _violation(isinstance(tags, dict), "template-tags must be an object")
        used = set(VARIABLE.findall(native["query"]))
        _violation(used == set(tags), f"template tags {set(tags)} != variables used {used}")
        for name, tag in tags.items():
            _violation(tag.get("name") == name, f"template tag key {name} != its name")
            _violation(_non_blank(tag.get("display-name")), f"tag {name}: display-name")
            _violation(tag.get("type") in TAG_TYPES, f"tag {name}: type {tag.get('type')}")
            _violation(
                isinstance(tag.get("id"), str) and bool(uuid.UUID(tag["id"])), f"tag {name}: id"
            )
            if tag["type"] == "dimension":
                _violation("dimension" in tag and "widget-type" in tag, f"tag {name}: field")
        for parameter in parameters or []:
            for key in ("id", "type", "target", "slug", "name"):
                _violation(key in parameter, f"card parameter without {key}: {parameter}")
            target = parameter["target"]
            _violation(
                target[0] in {"variable", "dimension"} and target[1][0] == "template-tag",
                f"card parameter target {target}",
            )
            tag = tags.get(target[1][1])
            _violation(tag is not None and tag["id"] == parameter["id"], "parameter ≠ its tag")

    def _post_card(self, request: httpx.Request, body: Any) -> httpx.Response:
        self._check_card(body, creating=True)
        card_id = self.new_id()
        self.cards[card_id] = {
            "description": None,
            "collection_id": None,
            "type": "question",
            "parameters": [],
            **body,
            "id": card_id,
            "archived": False,
        }
        return _json(200, self._card_view(self.cards[card_id], legacy=False))

    def _put_card(self, request: httpx.Request, body: Any, card_id: int) -> httpx.Response:
        self._check_card(body, creating=False)
        if card_id not in self.cards:
            return _json(404, "Not found.")
        self.cards[card_id].update(body)
        return _json(200, self._card_view(self.cards[card_id], legacy=False))

    # -- dashboards ------------------------------------------------------------------------

    def _get_dashboard(
        self, request: httpx.Request, body: Any, dashboard_id: int
    ) -> httpx.Response:
        if dashboard_id not in self.dashboards:
            return _json(404, "Not found.")
        return _json(200, self.dashboards[dashboard_id])

    def _check_parameters(self, parameters: Any) -> None:
        _violation(isinstance(parameters, list), "dashboard parameters must be a list")
        ids = [p.get("id") for p in parameters]
        _violation(len(ids) == len(set(ids)), "dashboard parameter ids must be unique")
        for parameter in parameters:
            _violation(_non_blank(parameter.get("id")), f"parameter id: {parameter}")
            _violation(parameter.get("type") in FILTER_TAG_TYPES, f"parameter type {parameter}")
            for key in ("name", "slug"):
                _violation(_non_blank(parameter.get(key)), f"parameter {key}: {parameter}")

    def _post_dashboard(self, request: httpx.Request, body: Any) -> httpx.Response:
        _violation(isinstance(body, dict), "dashboard body")
        allowed = {"name", "description", "collection_id", "parameters", "cache_ttl",
                   "collection_position"}  # fmt: skip
        _violation(
            set(body) <= allowed,
            f"POST /api/dashboard takes no {set(body) - allowed} (place cards with PUT)",
        )
        _violation(_non_blank(body.get("name")), "dashboard name")
        _violation(body.get("collection_id") in self.collections, "dashboard collection")
        self._check_parameters(body.get("parameters", []))
        dashboard_id = self.new_id()
        self.dashboards[dashboard_id] = {
            "id": dashboard_id,
            "name": body["name"],
            "description": body.get("description"),
            "collection_id": body["collection_id"],
            "parameters": body.get("parameters", []),
            "archived": False,
            "dashcards": [],
            "tabs": [],
        }
        return _json(200, self.dashboards[dashboard_id])

    def _put_dashboard(
        self, request: httpx.Request, body: Any, dashboard_id: int
    ) -> httpx.Response:
        _violation(isinstance(body, dict), "dashboard body")
        _violation(
            "cards" not in body and "ordered_cards" not in body,
            "dashcards go under 'dashcards' (the old 'cards' key has wiped dashboards)",
        )
        _violation(
            set(body) <= DASHBOARD_PUT_KEYS, f"unknown keys {set(body) - DASHBOARD_PUT_KEYS}"
        )
        if dashboard_id not in self.dashboards:
            return _json(404, "Not found.")
        dashboard = self.dashboards[dashboard_id]
        parameters = body.get("parameters", dashboard["parameters"])
        self._check_parameters(parameters)
        if "dashcards" in body:
            dashboard["dashcards"] = self._apply_dashcards(
                dashboard, body["dashcards"], {p["id"]: p for p in parameters}
            )
        dashboard.update({k: v for k, v in body.items() if k not in {"dashcards"}})
        return _json(200, dashboard)

    def _apply_dashcards(
        self, dashboard: dict[str, Any], dashcards: Any, parameters: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _violation(isinstance(dashcards, list), "dashcards must be a list (the full list)")
        existing = {d["id"]: d for d in dashboard["dashcards"]}
        ids = [d.get("id") for d in dashcards]
        _violation(len(ids) == len(set(ids)), "dashcard ids must be unique")
        cells: dict[tuple[int, int], int] = {}
        kept = []
        for dashcard in dashcards:
            _violation(set(dashcard) <= DASHCARD_KEYS, f"dashcard keys {set(dashcard)}")
            for key in ("id", "card_id", "row", "col", "size_x", "size_y", "parameter_mappings"):
                _violation(key in dashcard, f"dashcard without {key}: {dashcard}")
            dashcard_id = dashcard["id"]
            _violation(
                isinstance(dashcard_id, int) and (dashcard_id < 0 or dashcard_id in existing),
                f"dashcard id {dashcard_id}: negative to create, else one of this dashboard's",
            )
            card = self.cards.get(dashcard["card_id"])
            _violation(card is not None and not card["archived"], f"card {dashcard['card_id']}")
            row, col, size_x, size_y = (dashcard[k] for k in ("row", "col", "size_x", "size_y"))
            _violation(
                min(row, col) >= 0 and size_x >= 1 and size_y >= 1 and col + size_x <= GRID,
                f"dashcard outside the {GRID}-column grid: {dashcard}",
            )
            for r in range(row, row + size_y):
                for c in range(col, col + size_x):
                    _violation((r, c) not in cells, f"dashcards overlap at {(r, c)}")
                    cells[(r, c)] = dashcard_id
            tags = card["dataset_query"]["native"].get("template-tags", {})
            for mapping in dashcard["parameter_mappings"]:
                for key in ("parameter_id", "card_id", "target"):
                    _violation(key in mapping, f"parameter mapping without {key} (#77693)")
                _violation(mapping["card_id"] == dashcard["card_id"], "mapping card_id ≠ card")
                parameter = parameters.get(mapping["parameter_id"])
                _violation(parameter is not None, f"unknown parameter {mapping['parameter_id']}")
                kind, (ref, tag_name) = mapping["target"]
                _violation(kind == "variable" and ref == "template-tag", "variable target")
                tag = tags.get(tag_name)
                _violation(tag is not None, f"card {card['id']} has no variable {tag_name}")
                _violation(
                    tag["type"] in FILTER_TAG_TYPES[parameter["type"]],
                    f"filter {parameter['type']} cannot set a {tag['type']} variable",
                )
            new_id = self.new_id() if dashcard_id < 0 else dashcard_id
            kept.append({**dashcard, "id": new_id, "dashboard_id": dashboard["id"]})
        return kept
