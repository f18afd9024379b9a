"""What needs no running Superset: reading the login page's bootstrap data (as Superset
4.1 and 6.x write it) and choosing where its metadata database is (direct or kube)."""

from __future__ import annotations

import html
import json

import pytest

from dcat_quality.backup import KubeTarget, superset_location
from dcat_quality.config import Settings
from dcat_quality.errors import ConfigError
from dcat_quality.superset.client import server_info_from_page

COMMON = {
    "feature_flags": {"ENABLE_TEMPLATE_PROCESSING": True, "DRILL_BY": False},
    "menu_data": {"navbar_right": {"version_string": "4.1.2", "user_is_anonymous": True}},
}


def _attribute(data: object) -> str:
    """A ``data-bootstrap`` value as Jinja's autoescape writes it (``&#34;`` for ``"``)."""
    return html.escape(json.dumps(data), quote=True).replace("&quot;", "&#34;")


def test_the_4_1_login_page_carries_the_flags_in_its_layout() -> None:
    # 4.1: FAB's login form in Superset's appbuilder/baselayout.html, whose
    # <div id="app" data-bootstrap="{{ bootstrap_data() }}"> holds {"common": …}.
    page = (
        '<html><body><div id="app" data-bootstrap="'
        + _attribute({"common": COMMON})
        + '"></div><form name="login"></form></body></html>'
    )
    info = server_info_from_page(page)
    assert info.readable
    assert info.version == "4.1.2"
    assert info.feature_flags == {"ENABLE_TEMPLATE_PROCESSING": True, "DRILL_BY": False}


def test_the_6_x_page_and_pages_without_flags() -> None:
    spa = {"user": {"roles": {"Public": []}}, "common": {**COMMON, "menu_data": []}}
    info = server_info_from_page(f'<div data-bootstrap="{_attribute(spa)}"></div>')
    assert info.readable
    assert info.version is None  # no navbar: the version is not shown
    assert info.feature_flags["ENABLE_TEMPLATE_PROCESSING"] is True
    for page in (
        "<html>a proxy's page</html>",
        '<div data-bootstrap="not json"></div>',
        f'<div data-bootstrap="{_attribute({"common": {}})}"></div>',
    ):
        assert not server_info_from_page(page).readable


def test_the_metadata_database_direct_or_in_its_pod(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="SUPERSET_METADATA_DATABASE_URL") as caught:
        superset_location(Settings())
    assert "SUPERSET_KUBE_POD" in str(caught.value)

    monkeypatch.setenv("SUPERSET_METADATA_DATABASE_URL", "postgresql://s:hush@db:5432/superset")
    direct = superset_location(Settings())
    assert not isinstance(direct, KubeTarget)
    assert "hush" not in direct.display

    monkeypatch.setenv("SUPERSET_KUBE_POD", "superset-postgresql-0")
    with pytest.raises(ConfigError, match="both"):
        superset_location(Settings())
    with pytest.raises(ConfigError, match="not both"):
        superset_location(Settings(), kube_pod="p", database_url="postgresql://x/y")

    monkeypatch.delenv("SUPERSET_METADATA_DATABASE_URL")
    monkeypatch.setenv("SUPERSET_DB_PASS", "pod-secret")
    monkeypatch.setenv("DCAT_QUALITY_KUBE_NAMESPACE", "projet-x")
    pod = superset_location(Settings())
    assert isinstance(pod, KubeTarget)
    # the defaults are the bundled PostgreSQL of Superset's Helm chart
    assert (pod.pod, pod.database, pod.user, pod.namespace) == (
        "superset-postgresql-0",
        "superset",
        "superset",
        "projet-x",
    )
    assert pod.password == "pod-secret"
    assert "pod-secret" not in repr(pod)
    pod = superset_location(Settings(), db_name="meta", db_user="admin", container="pg")
    assert isinstance(pod, KubeTarget)
    assert (pod.database, pod.user, pod.container) == ("meta", "admin", "pg")
