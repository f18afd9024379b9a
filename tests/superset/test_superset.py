"""The dashboard spec provisioned into a real Superset, then looked at in a real browser.

One Superset for the session (conftest.py); the tests run in file order and each leaves
the dashboard as provisioned.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.backup import database_target, restore
from dcat_quality.dashboard.spec import DashboardSpec, load_spec
from dcat_quality.doctor import (
    SUPERSET,
    SUPERSET_DB,
    SUPERSET_PG_DUMP,
    SUPERSET_TEMPLATING,
    SUPERSET_WAREHOUSE,
    Check,
    DoctorReport,
    Status,
    run_doctor,
)
from dcat_quality.superset import local
from dcat_quality.superset.build import filter_id, marker, metric
from dcat_quality.superset.client import SupersetClient
from dcat_quality.superset.local import LocalSuperset
from dcat_quality.superset.provision import ProvisionResult, provision, sqlalchemy_url
from support.chromium import CHROMIUM, INSTALL_HINT
from support.kubectl import fake_kubectl
from support.loopback import serve
from support.processes import CmdlineWatcher
from support.superset_browser import (
    CHARTS_STATE,
    SCREENSHOTS,
    browser,
    charts_state,
    choose_filter_value,
)

# The first test also pays for the session's Superset: its first-time install (one to
# two and a half minutes) and metadata setup (half a minute) count in its timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
SCHEMA = "dcat_quality"
DATABASE = "dcat-quality"


@pytest.fixture(scope="module")
def client(superset_server: LocalSuperset) -> Iterator[SupersetClient]:
    with SupersetClient(
        superset_server.url,
        username=superset_server.username,
        password=superset_server.password,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def spec() -> DashboardSpec:
    return load_spec()


@pytest.fixture(scope="module")
def runs(
    client: SupersetClient, spec: DashboardSpec, superset_warehouse: str
) -> tuple[ProvisionResult, ProvisionResult, ProvisionResult]:
    """A dry run on the empty Superset, the first provisioning, and a second one."""
    url = sqlalchemy_url(superset_warehouse)
    options: dict[str, Any] = {"database_name": DATABASE, "schema": SCHEMA, "warehouse_url": url}
    dry = provision(client, spec, dry_run=True, **options)
    first = provision(client, spec, **options)
    second = provision(client, spec, **options)
    return dry, first, second


def _again(client: SupersetClient, spec: DashboardSpec) -> ProvisionResult:
    return provision(client, spec, database_name=DATABASE, schema=SCHEMA)


def test_provision_creates_everything_then_writes_nothing(
    client: SupersetClient,
    spec: DashboardSpec,
    runs: tuple[ProvisionResult, ProvisionResult, ProvisionResult],
) -> None:
    dry, first, second = runs
    filters = len(spec.dashboard.filters)
    expected = 1 + len(spec.cards) + filters + len(spec.cards) + 1  # db, datasets, charts, dash
    assert dry.writes == expected
    assert dry.dashboard_id is None
    assert first.writes == expected
    assert [str(a) for a in first.changes] == [str(a) for a in dry.changes]
    assert second.writes == 0, [str(a) for a in second.changes]
    assert second.dashboard_id == first.dashboard_id
    assert second.chart_ids == first.chart_ids
    charts = client.find_charts("[dcat-quality:card:")
    assert len(charts) == len(spec.cards)
    assert all(c["is_managed_externally"] for c in charts)


def test_the_warehouse_connection_uses_the_read_only_role_and_hides_its_password(
    client: SupersetClient, runs: tuple[ProvisionResult, ...], superset_warehouse: str
) -> None:
    (database,) = client.find_databases(DATABASE)
    path = f"/api/v1/database/{database['id']}/connection"
    shown = client._request("GET", path)["result"]
    assert "reader-secret-1" not in json.dumps(shown)
    assert re.match(r"postgresql://reader_[0-9a-f]{8}:X+@", shown["sqlalchemy_uri"]), shown


def test_every_chart_answers_with_data(
    client: SupersetClient, spec: DashboardSpec, runs: tuple[ProvisionResult, ...]
) -> None:
    first = runs[1]
    for card in spec.cards:
        chart = client.get_chart(first.chart_ids[card.key])
        params = json.loads(chart["params"])
        columns = params.get("groupby") or ([params["x_axis"]] if "x_axis" in params else [])
        metrics = params.get("metrics") or ([params["metric"]] if "metric" in params else [])
        answer = client.chart_data(
            {
                "datasource": {"id": first.dataset_ids[card.key], "type": "table"},
                "queries": [{"columns": columns, "metrics": metrics, "row_limit": 10}],
                "result_format": "json",
                "result_type": "full",
            }
        )["result"][0]
        assert not answer.get("error"), (card.key, answer.get("error"))
        assert answer["data"], card.key


def test_the_filters_are_wired_to_the_charts_using_their_variable(
    client: SupersetClient, spec: DashboardSpec, runs: tuple[ProvisionResult, ...]
) -> None:
    first = runs[1]
    metadata = json.loads(client.get_dashboard(first.dashboard_id or 0)["json_metadata"])
    configured = {f["id"]: f for f in metadata["native_filter_configuration"]}
    ids = {v: k for k, v in first.chart_ids.items()}
    for flt in spec.dashboard.filters:
        native = configured[filter_id(flt)]
        assert native["name"] == flt.name
        (target,) = native["targets"]
        assert target["column"]["name"] == flt.variable
        assert target["datasetId"] == first.dataset_ids[f"filter_{flt.variable}"]
        in_scope = {ids[i] for i in native["chartsInScope"]}
        assert in_scope == {
            p.card for p in spec.dashboard.cards if flt.variable in spec.card(p.card).variables
        }
        assert set(native["scope"]["excluded"]).isdisjoint(native["chartsInScope"])
    # A filter value reaches the inside of a question's SQL (Jinja filter_values).
    count = metric("Jeux de données")

    def datasets(filters: list[dict[str, Any]]) -> int:
        answer = client.chart_data(
            {
                "datasource": {"id": first.dataset_ids["datasets_count"], "type": "table"},
                "queries": [{"columns": [], "metrics": [count], "filters": filters}],
                "result_format": "json",
                "result_type": "full",
            }
        )["result"][0]
        return int(answer["data"][0]["Jeux de données"])

    everything = datasets([])
    one = datasets([{"col": "organisation", "op": "IN", "val": ["DEAL de La Réunion"]}])
    quoted = datasets([{"col": "organisation", "op": "IN", "val": ["DDT de l'Aube"]}])
    assert 0 < one < everything
    assert 0 < quoted < everything  # a quote in a value is a literal, not SQL


def test_a_hand_edited_managed_chart_is_put_back(
    client: SupersetClient, spec: DashboardSpec, runs: tuple[ProvisionResult, ...]
) -> None:
    chart_id = runs[1].chart_ids["themes"]
    before = client.get_chart(chart_id)
    params = json.loads(before["params"])
    client.update_chart(
        chart_id,
        {"slice_name": "Renamed by hand", "params": json.dumps({**params, "row_limit": 3})},
    )
    repaired = _again(client, spec)
    assert [str(a) for a in repaired.changes] == [
        "update chart Jeux de données par thème (slice_name, params)"
    ]
    after = client.get_chart(chart_id)
    assert after["slice_name"] == before["slice_name"]
    assert json.loads(after["params"])["row_limit"] == params["row_limit"]
    assert _again(client, spec).writes == 0


def test_a_users_own_chart_is_left_alone(
    client: SupersetClient, spec: DashboardSpec, runs: tuple[ProvisionResult, ...]
) -> None:
    first = runs[1]
    dataset_id = first.dataset_ids["datasets_count"]
    own = client.create_chart(
        {
            "slice_name": "Jeux de données",  # the same name as one of ours
            "viz_type": "big_number_total",
            "datasource_id": dataset_id,
            "datasource_type": "table",
            "description": "Mon graphique à moi",
            "params": json.dumps(
                {"viz_type": "big_number_total", "datasource": f"{dataset_id}__table"}
            ),
        }
    )
    again = _again(client, spec)
    assert again.writes == 0, [str(a) for a in again.changes]
    kept = client.get_chart(int(own["id"]))
    assert kept["slice_name"] == "Jeux de données"
    assert kept["description"] == "Mon graphique à moi"
    assert marker("card", "datasets_count") not in (kept["description"] or "")
    client.delete_chart(int(own["id"]))


def _number(text: str) -> float:
    """The number a big-number chart shows."""
    found = re.findall(r"\d+(?:[.,]\d+)?", text)
    assert found, text
    return float(found[-1].replace(",", "."))


@pytest.mark.skipif(CHROMIUM is None, reason=f"chromium not found: {INSTALL_HINT}")
def test_the_dashboard_renders_in_a_browser_and_the_producteur_filter_works(
    superset_server: LocalSuperset,
    spec: DashboardSpec,
    runs: tuple[ProvisionResult, ...],
    superset_timings: dict[str, float],
) -> None:
    first = runs[1]
    placed = len(spec.dashboard.cards)
    names = {spec.card(p.card).name for p in spec.dashboard.cards}
    with browser(superset_server.url) as page:
        page.login(superset_server.username, superset_server.password)
        page.navigate(f"/superset/dashboard/{first.dashboard_id}/?standalone=1")
        before = charts_state(page, placed)
        page.screenshot(SCREENSHOTS / "dashboard.png")
        assert {c["title"].strip() for c in before} == names
        for chart in before:
            assert not chart["error"], chart
            assert chart["canvas"] > 3000 or chart["rows"] > 0 or chart["value"], chart
        was = {c["title"]: c for c in before}
        choose_filter_value(page, "Producteur", "DEAL de La Réunion")
        page.wait_for(
            f"{CHARTS_STATE}.some(c => c.title === 'Jeux de données' && c.value "
            f"&& c.value !== {json.dumps(was['Jeux de données']['value'])})",
            90,
            "the number of datasets to change with the filter",
        )
        after = charts_state(page, placed)
        page.screenshot(SCREENSHOTS / "dashboard-producteur.png")
    by_title = {c["title"].strip(): c for c in after}
    for chart in after:
        assert not chart["error"], chart
    assert _number(by_title["Jeux de données"]["value"]) < _number(was["Jeux de données"]["value"])
    # Charts out of the filter's scope (they do not use the producer) are unchanged.
    assert (
        by_title["Historique des chargements"]["text"] == was["Historique des chargements"]["text"]
    )
    (SCREENSHOTS / "timings.json").write_text(json.dumps(superset_timings, indent=2))


def test_the_cli_provisions_and_backs_up_with_the_bundle(
    superset_server: LocalSuperset,
    superset_metadata: str,
    superset_warehouse: str,
    spec: DashboardSpec,
    runs: tuple[ProvisionResult, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    postgres_server_url: str,
) -> None:
    from typer.testing import CliRunner

    from dcat_quality.cli import app

    monkeypatch.setenv("SUPERSET_URL", superset_server.url)
    monkeypatch.setenv("SUPERSET_USERNAME", superset_server.username)
    monkeypatch.setenv("SUPERSET_PASSWORD", superset_server.password)
    monkeypatch.setenv("SUPERSET_WAREHOUSE_URL", superset_warehouse)
    monkeypatch.setenv("SUPERSET_METADATA_DATABASE_URL", superset_metadata)
    runner = CliRunner()
    provisioned = runner.invoke(app, ["superset", "provision"])
    assert provisioned.exit_code == 0, provisioned.output
    assert "0 change(s)" in provisioned.output
    assert "reader-secret-1" not in provisioned.output

    dump = tmp_path / "superset.dump"
    backed_up = runner.invoke(app, ["superset", "backup", "--output", str(dump)])
    assert backed_up.exit_code == 0, backed_up.output
    assert (tmp_path / "superset.dump.sha256").is_file()
    bundle = tmp_path / "superset.dump.bundle.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
    assert any("/dashboards/" in n for n in names)
    assert sum("/charts/" in n for n in names) == len(spec.dashboard.cards)
    assert not any("reader-secret-1" in zipfile.ZipFile(bundle).read(n).decode() for n in names)

    # The dump restores (into a fresh database: the live one has Superset connected).
    fresh = local.create_database(postgres_server_url, f"t_superset_restored_{tmp_path.name[-8:]}")
    try:
        restored = restore(dump, database_url=database_target(fresh), yes=True)
        assert restored.rows["slices"] == len(spec.cards)
        assert restored.rows["dashboards"] == 1
        assert restored.checksum_verified
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            name = conninfo_to_dict(fresh)["dbname"]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- doctor ------------------------------------------------------------------------------


class _LoginPage(BaseHTTPRequestHandler):
    """A stand-in answering only ``/login/``, with the page the test sets."""

    page = ""

    def do_GET(self) -> None:
        body = self.page.encode() if self.path == "/login/" else b"Not found"
        self.send_response(200 if self.path == "/login/" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _superset_rows(report: DoctorReport) -> dict[str, Check]:
    return {c.name: c for c in report.checks if "Superset" in c.name}


def test_doctor_checks_superset_and_gives_a_fix_for_each_failure(
    superset_server: LocalSuperset,
    superset_metadata: str,
    client: SupersetClient,
    runs: tuple[ProvisionResult, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The admin's password made distinctive for the test (admin/admin would hide a leak),
    # and put back afterwards.
    secret = f"doctor-{uuid.uuid4().hex}"
    client._request("PUT", "/api/v1/me/", json={"password": secret})
    try:
        _doctor_scenarios(superset_server, superset_metadata, secret, monkeypatch)
    finally:
        client._request("PUT", "/api/v1/me/", json={"password": superset_server.password})


def _doctor_scenarios(
    superset_server: LocalSuperset,
    superset_metadata: str,
    secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from dcat_quality.cli import app

    monkeypatch.setenv("SUPERSET_URL", superset_server.url)
    monkeypatch.setenv("SUPERSET_USERNAME", superset_server.username)
    monkeypatch.setenv("SUPERSET_PASSWORD", secret)
    monkeypatch.setenv("SUPERSET_DATABASE_NAME", DATABASE)
    monkeypatch.setenv("SUPERSET_METADATA_DATABASE_URL", superset_metadata)
    report = run_doctor(timeout=60)
    rows = _superset_rows(report)
    assert {name: c.status for name, c in rows.items()} == {
        SUPERSET: Status.PASSED,
        SUPERSET_TEMPLATING: Status.PASSED,
        SUPERSET_WAREHOUSE: Status.PASSED,
        SUPERSET_DB: Status.PASSED,
        SUPERSET_PG_DUMP: Status.PASSED,
    }, rows
    assert f"Superset {local.SUPERSET_VERSION} at {superset_server.url}" in rows[SUPERSET].detail
    assert f"as {superset_server.username}" in rows[SUPERSET].detail
    assert rows[SUPERSET_TEMPLATING].detail == "ENABLE_TEMPLATE_PROCESSING is on"
    assert f"connection {DATABASE!r}" in rows[SUPERSET_WAREHOUSE].detail
    assert f"sees {SCHEMA!r}" in rows[SUPERSET_WAREHOUSE].detail
    assert secret not in str(report)
    shown = CliRunner().invoke(app, ["doctor", "--timeout", "60"])
    assert shown.exit_code == 0, shown.output
    assert "Superset Jinja templating" in shown.output
    assert secret not in shown.output
    assert secret not in CliRunner().invoke(app, ["doctor", "--format", "json"]).output

    # A wrong password: the login fails with its fix, the password shown nowhere; the
    # login page (anonymous) still tells the templating flag.
    wrong = f"wrong-{uuid.uuid4().hex}"
    monkeypatch.setenv("SUPERSET_PASSWORD", wrong)
    report = run_doctor(timeout=60)
    rows = _superset_rows(report)
    assert rows[SUPERSET].status is Status.FAILED
    assert "401" in rows[SUPERSET].detail
    assert "SUPERSET_PASSWORD" in rows[SUPERSET].fix
    assert rows[SUPERSET_TEMPLATING].status is Status.PASSED
    assert rows[SUPERSET_WAREHOUSE].status is Status.SKIPPED
    assert wrong not in str(report)
    shown = CliRunner().invoke(app, ["doctor", "--timeout", "60"])
    assert shown.exit_code == 1
    assert "✘" in shown.output
    assert wrong not in shown.output
    monkeypatch.setenv("SUPERSET_PASSWORD", secret)

    # No connection of that name; a schema the connection does not see.
    monkeypatch.setenv("SUPERSET_DATABASE_NAME", "not-provisioned")
    check = _superset_rows(run_doctor(timeout=60))[SUPERSET_WAREHOUSE]
    assert check.status is Status.FAILED
    assert "no database connection named 'not-provisioned'" in check.detail
    assert "dcat-quality superset provision" in check.fix
    monkeypatch.setenv("SUPERSET_DATABASE_NAME", DATABASE)
    monkeypatch.setenv("DCAT_QUALITY_SCHEMA", "not_loaded_yet")
    check = _superset_rows(run_doctor(timeout=60))[SUPERSET_WAREHOUSE]
    assert check.status is Status.FAILED
    assert "does not see the schema 'not_loaded_yet'" in check.detail
    assert "GRANT" in check.fix or "grant" in check.fix

    # Templating off: Superset's own login page with the flag turned off, and a page
    # that is no Superset's.
    page = httpx.get(superset_server.url + "/login/", timeout=60).text
    flag = "ENABLE_TEMPLATE_PROCESSING&#34;: true"
    assert page.count(flag) == 1
    _LoginPage.page = page.replace(flag, "ENABLE_TEMPLATE_PROCESSING&#34;: false")
    with serve(_LoginPage) as url:
        monkeypatch.setenv("SUPERSET_URL", url)
        check = _superset_rows(run_doctor(timeout=60))[SUPERSET_TEMPLATING]
        assert check.status is Status.FAILED
        assert "ENABLE_TEMPLATE_PROCESSING is off" in check.detail
        assert 'FEATURE_FLAGS = {"ENABLE_TEMPLATE_PROCESSING": True}' in check.fix
        _LoginPage.page = "<html><body>a reverse proxy's page</body></html>"
        check = _superset_rows(run_doctor(timeout=60))[SUPERSET_TEMPLATING]
        assert check.status is Status.FAILED
        assert "no feature flags" in check.detail
        assert "SUPERSET_URL" in check.fix


# -- kube mode ---------------------------------------------------------------------------


def test_backup_and_restore_in_kube_mode_send_the_password_on_stdin_only(
    superset_server: LocalSuperset,
    superset_metadata: str,
    spec: DashboardSpec,
    runs: tuple[ProvisionResult, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    postgres_server_url: str,
) -> None:
    from typer.testing import CliRunner

    from dcat_quality.cli import app

    kube = fake_kubectl(
        superset_metadata, tmp_path, monkeypatch, pod="superset-postgresql-0", container=None
    )
    password = kube.password
    monkeypatch.setenv("SUPERSET_URL", superset_server.url)  # the bundle beside the dump
    monkeypatch.setenv("SUPERSET_USERNAME", superset_server.username)
    monkeypatch.setenv("SUPERSET_PASSWORD", superset_server.password)
    monkeypatch.setenv("SUPERSET_KUBE_POD", "superset-postgresql-0")
    monkeypatch.setenv("DCAT_QUALITY_KUBE_NAMESPACE", "ecospheres")
    monkeypatch.setenv("SUPERSET_DB_NAME", kube.target.database)
    monkeypatch.setenv("SUPERSET_DB_USER", kube.target.user)
    monkeypatch.setenv("SUPERSET_DB_PASS", password)
    name = f"t_superset_kube_{uuid.uuid4().hex[:8]}"
    local.create_database(postgres_server_url, name)
    runner = CliRunner()
    dump = tmp_path / "superset.dump"
    try:
        with CmdlineWatcher() as watcher:
            backed_up = runner.invoke(app, ["superset", "backup", "--output", str(dump)])
            restored = runner.invoke(
                app, ["superset", "restore", "--input", str(dump), "--db-name", name, "--yes"]
            )
        assert backed_up.exit_code == 0, backed_up.output
        assert restored.exit_code == 0, restored.output
        with psycopg.connect(_database(postgres_server_url, name)) as conn:
            slices = conn.execute("SELECT count(*) FROM slices").fetchone()
            dashboards = conn.execute("SELECT count(*) FROM dashboards").fetchone()
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert "kube mode" in backed_up.output
    assert "kube mode" in restored.output
    assert (tmp_path / "superset.dump.sha256").is_file()
    assert (tmp_path / "superset.dump.bundle.zip").is_file()
    assert slices == (len(spec.cards),)
    assert dashboards == (1,)

    # Every tool ran in the pod, through kubectl exec in its namespace ...
    logged = kube.logged()
    assert logged
    assert all(a[0] == "exec" and "superset-postgresql-0" in a for a in logged)
    assert all(a[a.index("-n") + 1] == "ecospheres" for a in logged)
    restore_call = next(a for a in logged if "pg_restore --clean" in " ".join(a))
    assert restore_call[-2:] == [kube.target.user, name]
    # ... and received the password on stdin, never on a command line.
    assert all(password not in arg for argv in logged for arg in argv)
    assert watcher.scans > 0
    assert not [c for c in watcher.seen if password.encode() in c]
    received = [line for line in kube.received() if not line.endswith("<unset>")]
    assert received
    assert all(line.endswith(f" {password}") for line in received)
    assert {line.split()[0] for line in received} == {"psql", "pg_dump", "pg_restore"}
    assert password not in backed_up.output + restored.output
    assert password not in (tmp_path / "superset.dump.json").read_text()


def _database(server_url: str, name: str) -> str:
    params = conninfo_to_dict(server_url)
    params["dbname"] = name
    return make_conninfo("", **params)
