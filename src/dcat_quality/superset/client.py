"""A thin Superset REST client: one verb-named method per endpoint, one ``_request``.

Written against the endpoints and fields that Superset 4.1 (what the SSPCloud chart
deploys) and 6.x both accept: the write schemas of charts, datasets and dashboards are
the same in both, apart from fields we do not send (``uuid``, ``theme_id``).

Authentication: ``POST /api/v1/security/login`` (a database user) gives a JWT; every
write also needs the ``X-CSRFToken`` header **and** the session cookie that came with
the token (``GET /api/v1/security/csrf_token/``): the client keeps its cookies. An
expired token (401) is renewed once. Errors are ``SupersetError`` and never hold the
password, the token or a database password.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx

from dcat_quality.errors import SupersetError
from dcat_quality.redaction import scrub

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
PAGE_SIZE = 100
_RISON_ID = re.compile(r"^[A-Za-z_./~][A-Za-z0-9_./~-]*$")
_WRITES = frozenset({"POST", "PUT", "DELETE"})
_BOOTSTRAP = re.compile(r'data-bootstrap="([^"]*)"')


@dataclass(frozen=True)
class ServerInfo:
    """What Superset's login page tells anyone: its version and feature flags.

    Superset has no API for either; every page carries them in its ``data-bootstrap``
    attribute (``common.feature_flags``, ``common.menu_data.navbar_right.version_string``):
    in 4.1 the FAB login page through Superset's ``appbuilder/baselayout.html``, in 6.x
    the React login page. ``readable`` is False when the page held no such data.
    """

    readable: bool
    version: str | None = None
    feature_flags: dict[str, bool] = field(default_factory=dict)


def server_info_from_page(page: str) -> ServerInfo:
    """The ``ServerInfo`` in the HTML of a Superset page (unreadable if none)."""
    for match in _BOOTSTRAP.finditer(page):
        try:
            data = json.loads(html.unescape(match.group(1)))
        except ValueError:
            continue
        common = data.get("common") if isinstance(data, dict) else None
        if not isinstance(common, dict) or not isinstance(common.get("feature_flags"), dict):
            continue
        menu = common.get("menu_data")
        navbar = menu.get("navbar_right") if isinstance(menu, dict) else None
        version = navbar.get("version_string") if isinstance(navbar, dict) else None
        flags = {str(k): bool(v) for k, v in common["feature_flags"].items()}
        return ServerInfo(True, str(version) if version else None, flags)
    return ServerInfo(False)


def rison(value: Any) -> str:
    """``value`` in Rison, the notation of Superset's ``q`` query parameter."""
    if value is None:
        return "!n"
    if value is True:
        return "!t"
    if value is False:
        return "!f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if value and _RISON_ID.match(value):
            return value
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, dict):
        return "(" + ",".join(f"{rison(str(k))}:{rison(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(v) for v in value) + ")"
    raise TypeError(f"cannot write {type(value).__name__} in Rison")


class SupersetClient:
    """One Superset instance. Use as a context manager, or call ``close``."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None,
        password: str | None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secrets: tuple[str, ...] = (),
    ) -> None:
        if not url:
            raise SupersetError("no Superset URL: set SUPERSET_URL")
        if not (username and password):
            raise SupersetError(
                "no Superset credentials: set SUPERSET_USERNAME and SUPERSET_PASSWORD"
            )
        self.url = url.rstrip("/")
        self._username = username
        self._password = password
        self._secrets = tuple(s for s in secrets if s)
        self._token: str | None = None
        self._csrf: str | None = None
        self._http = httpx.Client(
            base_url=self.url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json", "Referer": self.url + "/"},
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
        return scrub(text, (self._password, self._token, self._csrf, *self._secrets))

    def _login(self) -> None:
        body = self._send(
            "POST",
            "/api/v1/security/login",
            json={
                "username": self._username,
                "password": self._password,
                "provider": "db",
                "refresh": False,
            },
            headers={},
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SupersetError("Superset login answered without an access token")
        self._token = token
        csrf = self._send(
            "GET", "/api/v1/security/csrf_token/", headers={"Authorization": f"Bearer {token}"}
        )
        result = csrf.get("result") if isinstance(csrf, dict) else None
        if not isinstance(result, str) or not result:
            raise SupersetError("Superset answered no CSRF token")
        self._csrf = result
        log.debug("logged in to %s as %s", self.url, self._username)

    def _headers(self, method: str) -> dict[str, str]:
        if self._token is None:
            self._login()
        headers = {"Authorization": f"Bearer {self._token}"}
        if method in _WRITES and self._csrf:
            headers["X-CSRFToken"] = self._csrf
        return headers

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        raw: bool = False,
    ) -> Any:
        """Send one authenticated request; an expired token is renewed once."""
        try:
            return self._send(
                method, path, params=params, json=json, headers=self._headers(method), raw=raw
            )
        except SupersetError as exc:
            if exc.status != 401 or self._token is None:
                raise
        self._token = None  # expired: log in again, once
        return self._send(
            method, path, params=params, json=json, headers=self._headers(method), raw=raw
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        params: dict[str, Any] | None = None,
        json: Any = None,
        raw: bool = False,
    ) -> Any:
        where = f"{method} {path}"
        try:
            response = self._http.request(method, path, params=params, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise SupersetError(
                f"Superset at {self.url} unreachable ({where}): {self._scrub(str(exc))}"
            ) from None
        if response.is_success:
            if raw:
                return response.content
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise SupersetError(
                    f"{where}: Superset answered {response.status_code} with a body that is "
                    "not JSON — is SUPERSET_URL the Superset root?",
                    status=response.status_code,
                ) from None
        detail = self._scrub(response.text.strip())[:400]
        hint = {
            401: "check SUPERSET_USERNAME and SUPERSET_PASSWORD",
            403: "the user lacks a permission for this (an Admin can provision)",
            404: "not found (deleted, or not visible to this user)",
        }.get(response.status_code, "")
        message = f"{where}: Superset answered {response.status_code}"
        if detail:
            message += f": {detail}"
        if hint:
            message += f" — {hint}"
        raise SupersetError(message, status=response.status_code)

    def _list(self, resource: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every object of a list endpoint matching ``filters``, page after page."""
        found: list[dict[str, Any]] = []
        page = 0
        while True:
            query = {"filters": filters, "page": page, "page_size": PAGE_SIZE}
            body = self._request("GET", f"/api/v1/{resource}/", params={"q": rison(query)})
            batch = list(body.get("result") or [])
            found.extend(batch)
            if len(batch) < PAGE_SIZE or len(found) >= int(body.get("count") or 0):
                return found
            page += 1

    # -- the server ---------------------------------------------------------------------

    def server_info(self) -> ServerInfo:
        """Version and feature flags, read from the login page (no login needed)."""
        try:
            response = self._http.get("/login/", follow_redirects=True, headers={"Accept": "*/*"})
        except httpx.HTTPError as exc:
            raise SupersetError(
                f"Superset at {self.url} unreachable (GET /login/): {self._scrub(str(exc))}"
            ) from None
        if not response.is_success:
            raise SupersetError(
                f"GET /login/: Superset answered {response.status_code} — is SUPERSET_URL the "
                "Superset root?",
                status=response.status_code,
            )
        return server_info_from_page(response.text)

    def current_user(self) -> dict[str, Any]:
        """The logged-in user (``GET /api/v1/me/``): logs in first."""
        result: dict[str, Any] = self._request("GET", "/api/v1/me/")["result"]
        return result

    # -- databases ----------------------------------------------------------------------

    def find_databases(self, name: str) -> list[dict[str, Any]]:
        return self._list("database", [{"col": "database_name", "opr": "eq", "value": name}])

    def database_schemas(self, database_id: int) -> list[str]:
        """The schemas Superset sees through a connection (it connects to list them)."""
        body = self._request("GET", f"/api/v1/database/{database_id}/schemas/")
        return [str(s) for s in body.get("result") or []]

    def create_database(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/api/v1/database/", json=payload)
        return result

    # -- datasets -----------------------------------------------------------------------

    def list_datasets(self, database_id: int) -> list[dict[str, Any]]:
        return self._list("dataset", [{"col": "database", "opr": "rel_o_m", "value": database_id}])

    def get_dataset(self, dataset_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", f"/api/v1/dataset/{dataset_id}")["result"]
        return result

    def create_dataset(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A virtual dataset (``sql``); Superset reads its columns by running it."""
        result: dict[str, Any] = self._request("POST", "/api/v1/dataset/", json=payload)
        return result

    def update_dataset(self, dataset_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("PUT", f"/api/v1/dataset/{dataset_id}", json=changes)
        return result

    def refresh_dataset(self, dataset_id: int) -> None:
        """Read the dataset's columns again (after its SQL changed)."""
        self._request("PUT", f"/api/v1/dataset/{dataset_id}/refresh")

    # -- charts -------------------------------------------------------------------------

    def find_charts(self, description_contains: str) -> list[dict[str, Any]]:
        return self._list(
            "chart", [{"col": "description", "opr": "ct", "value": description_contains}]
        )

    def get_chart(self, chart_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", f"/api/v1/chart/{chart_id}")["result"]
        return result

    def create_chart(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/api/v1/chart/", json=payload)
        return result

    def update_chart(self, chart_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("PUT", f"/api/v1/chart/{chart_id}", json=changes)
        return result

    def delete_chart(self, chart_id: int) -> None:
        self._request("DELETE", f"/api/v1/chart/{chart_id}")

    def chart_data(self, query_context: dict[str, Any]) -> dict[str, Any]:
        """Run a query as a chart would (``POST /api/v1/chart/data``)."""
        result: dict[str, Any] = self._request("POST", "/api/v1/chart/data", json=query_context)
        return result

    # -- dashboards ---------------------------------------------------------------------

    def find_dashboards(self, slug: str) -> list[dict[str, Any]]:
        return self._list("dashboard", [{"col": "slug", "opr": "eq", "value": slug}])

    def get_dashboard(self, dashboard_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", f"/api/v1/dashboard/{dashboard_id}")["result"]
        return result

    def create_dashboard(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/api/v1/dashboard/", json=payload)
        return result

    def update_dashboard(self, dashboard_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request(
            "PUT", f"/api/v1/dashboard/{dashboard_id}", json=changes
        )
        return result

    def export_dashboards(self, *dashboard_ids: int) -> bytes:
        """The import/export bundle (a zip) of dashboards with their charts and datasets."""
        data: bytes = self._request(
            "GET",
            "/api/v1/dashboard/export/",
            params={"q": rison(list(dashboard_ids))},
            raw=True,
        )
        return data
