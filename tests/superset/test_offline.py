"""What needs no running Superset: choosing where its metadata database is (direct or
kube)."""

from __future__ import annotations

import pytest

from dcat_quality.backup import KubeTarget, superset_location
from dcat_quality.config import Settings
from dcat_quality.errors import ConfigError


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
