"""A thin Metabase REST client: one verb-named method per endpoint, one ``_request``.

Supports Metabase 0.48 (dashcards written through ``PUT /api/dashboard/:id``) up to the
current release; SSPCloud runs 0.50.15. The server version is read once from
``/api/session/properties`` and the client branches only where the API differs
(see ``_reference/metabase.md`` §1-§5 in the design notes):

- ``GET /api/card/:id`` answers in MBQL 5 from 0.57; ``?legacy-mbql=true`` restores the
  shape we write, and ``native_query`` reads either shape anyway;
- ``GET /api/database`` answers ``{data, total}`` (a bare list before about 0.40).

Authentication: an API key (``x-api-key``, 0.49+) or a user session (``POST
/api/session``, the token cached for the client's life and renewed once on a 401).
Errors are ``MetabaseError`` and never hold the key or the password.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from dcat_quality.errors import MetabaseError
from dcat_quality.redaction import scrub

log = logging.getLogger(__name__)

#: Oldest release whose dashboard API we speak (PUT /api/dashboard/:id with dashcards).
MINIMUM_VERSION = (0, 48)
#: From this release, card reads answer in MBQL 5 unless asked for the legacy shape.
MBQL5_VERSION = (0, 57)
DEFAULT_TIMEOUT = 30.0
_VERSION_TAG = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, order=True)
class MetabaseVersion:
    """A release as Metabase numbers it: ``v0.50.15`` (OSS) and ``v1.50.15`` (EE) are 0.50."""

    release: int
    patch: int = 0
    tag: str = ""

    @classmethod
    def parse(cls, tag: str) -> MetabaseVersion:
        match = _VERSION_TAG.search(tag or "")
        if match is None:
            raise MetabaseError(f"cannot read the Metabase version {tag!r}")
        return cls(int(match.group(2)), int(match.group(3) or 0), tag)

    def at_least(self, release: tuple[int, int]) -> bool:
        """True from ``release`` (``(0, 57)``) on, whatever the edition."""
        return self.release >= release[1]

    def __str__(self) -> str:
        return self.tag or f"0.{self.release}.{self.patch}"


def native_query(dataset_query: dict[str, Any]) -> tuple[int | None, str, dict[str, Any]]:
    """(database id, SQL, template tags) of a native query, in the legacy or MBQL 5 shape."""
    database = dataset_query.get("database")
    native = dataset_query.get("native")
    if isinstance(native, dict):
        return database, str(native.get("query") or ""), dict(native.get("template-tags") or {})
    stages = dataset_query.get("stages")
    if isinstance(stages, list) and stages and isinstance(stages[0], dict):
        stage = stages[0]
        return database, str(stage.get("native") or ""), dict(stage.get("template-tags") or {})
    return database, "", {}


class MetabaseClient:
    """One Metabase instance. Use as a context manager, or call ``close``."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not url:
            raise MetabaseError("no Metabase URL: set METABASE_URL")
        if not api_key and not (username and password):
            raise MetabaseError(
                "no Metabase credentials: set METABASE_API_KEY, or METABASE_USERNAME and "
                "METABASE_PASSWORD"
            )
        self.url = url.rstrip("/")
        self._api_key = api_key or None
        self._username = username
        self._password = password
        self._session: str | None = None
        self._version: MetabaseVersion | None = None
        self._http = httpx.Client(
            base_url=self.url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the one place requests go through -------------------------------------------

    def _scrub(self, text: str) -> str:
        return scrub(text, (self._api_key, self._password, self._session))

    def _auth_headers(self) -> dict[str, str]:
        if self._api_key:
            return {"x-api-key": self._api_key}
        if self._session is None:
            self._session = self._login()
        return {"X-Metabase-Session": self._session}

    def _login(self) -> str:
        body = self._send(
            "POST",
            "/api/session",
            json={"username": self._username, "password": self._password},
            headers={},
        )
        token = body.get("id") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise MetabaseError("Metabase login answered without a session id")
        log.debug("logged in to %s as %s", self.url, self._username)
        return token

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one authenticated request; a session that expired is renewed once."""
        try:
            return self._send(method, path, params=params, json=json, headers=self._auth_headers())
        except MetabaseError as exc:
            if exc.status != 401:
                raise
            if self._api_key:
                raise MetabaseError(
                    f"{exc}: the API key was refused (METABASE_API_KEY; Admin → Settings → "
                    "Authentication → API keys)",
                    status=401,
                ) from None
            if self._session is None:  # the login itself was refused
                raise MetabaseError(
                    f"{exc}: login refused for METABASE_USERNAME {self._username!r}",
                    status=401,
                ) from None
        self._session = None  # expired (default lifetime 14 days): log in again, once
        return self._send(method, path, params=params, json=json, headers=self._auth_headers())

    def _send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
    ) -> Any:
        where = f"{method} {path}"
        try:
            response = self._http.request(method, path, params=params, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise MetabaseError(
                f"Metabase at {self.url} unreachable ({where}): {self._scrub(str(exc))}"
            ) from None
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise MetabaseError(
                    f"{where}: Metabase answered {response.status_code} with a body that is "
                    "not JSON — is METABASE_URL the Metabase root?",
                    status=response.status_code,
                ) from None
        detail = self._scrub(response.text.strip())[:300]
        hint = {
            401: "check the Metabase credentials",
            403: "the API key's group or the user lacks permission for this",
            404: "not found (deleted, or not supported by this Metabase version)",
        }.get(response.status_code, "")
        message = f"{where}: Metabase answered {response.status_code}"
        if detail:
            message += f": {detail}"
        if hint:
            message += f" — {hint}"
        raise MetabaseError(message, status=response.status_code)

    # -- instance ----------------------------------------------------------------------

    def get_session_properties(self) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/api/session/properties")
        return result

    def get_version(self) -> MetabaseVersion:
        """The server's release, read once; refuses releases older than we support."""
        if self._version is None:
            version = self.get_session_properties().get("version") or {}
            tag = version.get("tag") if isinstance(version, dict) else None
            self._version = MetabaseVersion.parse(str(tag or ""))
            if not self._version.at_least(MINIMUM_VERSION):
                raise MetabaseError(
                    f"Metabase {self._version} is too old: provisioning needs 0.48 or later "
                    "(dashboard cards are written with PUT /api/dashboard/:id)"
                )
        return self._version

    def get_current_user(self) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/api/user/current")
        return result

    # -- databases and metadata --------------------------------------------------------

    def list_databases(self) -> list[dict[str, Any]]:
        body = self._request("GET", "/api/database")
        data = body.get("data", []) if isinstance(body, dict) else body
        return list(data or [])

    def sync_schema(self, database_id: int) -> None:
        """Ask for a schema sync; Metabase runs it in the background."""
        self._request("POST", f"/api/database/{database_id}/sync_schema")

    def get_database_metadata(self, database_id: int) -> dict[str, Any]:
        """The database with its tables and their fields."""
        result: dict[str, Any] = self._request("GET", f"/api/database/{database_id}/metadata")
        return result

    def update_table(self, table_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("PUT", f"/api/table/{table_id}", json=changes)
        return result

    def update_field(self, field_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("PUT", f"/api/field/{field_id}", json=changes)
        return result

    # -- collections -------------------------------------------------------------------

    def list_collections(self) -> list[dict[str, Any]]:
        body = self._request("GET", "/api/collection")
        data = body.get("data", []) if isinstance(body, dict) else body
        return list(data or [])

    def create_collection(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/api/collection", json=payload)
        return result

    def update_collection(self, collection_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request(
            "PUT", f"/api/collection/{collection_id}", json=changes
        )
        return result

    def list_collection_items(self, collection_id: int, *models: str) -> list[dict[str, Any]]:
        """Items of a collection (not archived), optionally only some models."""
        params = [("models", model) for model in models]
        body = self._request("GET", f"/api/collection/{collection_id}/items", params=params)
        data = body.get("data", []) if isinstance(body, dict) else body
        return list(data or [])

    # -- cards -------------------------------------------------------------------------

    def list_cards(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._request("GET", "/api/card", params={"f": "all"})
        return result

    def get_card(self, card_id: int) -> dict[str, Any]:
        """A card, its query in the legacy shape (asked for explicitly from 0.57)."""
        params = {"legacy-mbql": "true"} if self.get_version().at_least(MBQL5_VERSION) else None
        result: dict[str, Any] = self._request("GET", f"/api/card/{card_id}", params=params)
        return result

    def create_card(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/api/card", json=payload)
        return result

    def update_card(self, card_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a card; ``{"archived": true}`` moves it to the trash (DELETE is deprecated)."""
        result: dict[str, Any] = self._request("PUT", f"/api/card/{card_id}", json=changes)
        return result

    # -- dashboards --------------------------------------------------------------------

    def get_dashboard(self, dashboard_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", f"/api/dashboard/{dashboard_id}")
        return result

    def create_dashboard(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Create an empty dashboard; place its cards with ``update_dashboard``."""
        result: dict[str, Any] = self._request("POST", "/api/dashboard", json=payload)
        return result

    def update_dashboard(self, dashboard_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a dashboard. ``dashcards`` is the full list: ids < 0 create, omitted delete."""
        if "cards" in changes:  # the pre-0.48 key: here it would be ignored or wipe the grid
            raise ValueError("use 'dashcards', not 'cards'")
        result: dict[str, Any] = self._request(
            "PUT", f"/api/dashboard/{dashboard_id}", json=changes
        )
        return result
