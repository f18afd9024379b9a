"""Provisioning against the contract stub (0.50 and current), and every question's SQL
executed on real PostgreSQL over a loaded warehouse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from dcat_quality.cli.chain import demo_source
from dcat_quality.config import Settings
from dcat_quality.dashboard.spec import DashboardSpec, default_spec_path, load_spec
from dcat_quality.errors import ConfigError, MetabaseError
from dcat_quality.metabase.client import MetabaseClient, MetabaseVersion, native_query
from dcat_quality.metabase.provision import (
    ProvisionResult,
    TableDescription,
    managed_key,
    provision,
    read_descriptions,
)
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support import postgres
from support.metabase_stub import MetabaseStub

VERSIONS = {"0.50": "v0.50.15", "current": "v0.62.4"}
SCHEMA = "dcat_quality"
MQA_CARDS = {
    "mqa_mean_score", "mqa_score_variant", "mqa_ratings", "mqa_dimensions", "mqa_trend",
    "mqa_publishers_ranked", "mqa_fix_first", "mqa_datasets_to_fix",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _no_metabase_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "METABASE_URL",
        "METABASE_API_KEY",
        "METABASE_USERNAME",
        "METABASE_PASSWORD",
        "METABASE_DATABASE_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def warehouse_url(postgres_server_url: str) -> Iterator[str]:
    """A warehouse holding two runs of the shipped demo sample (one page rejected)."""
    with postgres.fresh_database(postgres_server_url, prefix="t_mb") as url:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            for _ in range(2):
                run_chain(open_source(str(demo_source()), Settings()), warehouse)
        yield url


@pytest.fixture(scope="module")
def descriptions(warehouse_url: str) -> dict[str, TableDescription]:
    return read_descriptions(DatabaseTarget(warehouse_url, "test"), SCHEMA)


@pytest.fixture
def spec() -> DashboardSpec:
    return load_spec()


@pytest.fixture(params=list(VERSIONS), ids=list(VERSIONS))
def stub(request: pytest.FixtureRequest, descriptions: dict[str, TableDescription]) -> MetabaseStub:
    """An empty Metabase of each supported version; the warehouse is not synced yet."""
    warehouse = {name: list(table.columns) for name, table in descriptions.items()}
    return MetabaseStub(version=VERSIONS[request.param], warehouse=warehouse)


def client_for(stub: MetabaseStub, *, session: bool = False) -> MetabaseClient:
    if session:
        return MetabaseClient(
            "http://metabase.test",
            username=stub.username,
            password=stub.password,
            transport=stub.transport(),
        )
    return MetabaseClient("http://metabase.test", api_key=stub.api_key, transport=stub.transport())


def run(
    stub: MetabaseStub,
    spec: DashboardSpec,
    descriptions: dict[str, TableDescription] | None,
    *,
    session: bool = False,
    dry_run: bool = False,
) -> ProvisionResult:
    with client_for(stub, session=session) as client:
        return provision(
            client,
            spec,
            database_name="dcat_quality",
            schema=SCHEMA,
            descriptions=descriptions,
            dry_run=dry_run,
            sleep=lambda _s: None,
        )


# -- spec ----------------------------------------------------------------------------------


HVD_CARDS = {"hvd_count", "hvd_categories", "hvd_publishers", "hvd_datasets"}


def test_shipped_spec_has_the_questions_and_filters_the_issue_asks_for(
    spec: DashboardSpec,
) -> None:
    assert spec.collection.name == "Qualité des métadonnées"
    filters = {f.variable for f in spec.dashboard.filters}
    assert filters == {"catalog", "organisation", "theme", "departement", "run_date"}
    keys = {c.key for c in spec.cards}
    wanted = {"mean_fill_rate", "open_access_share", "geo_coverage", "pprn"}
    wanted |= {"organisations_ranked", "fill_rate_trend", "fix_first", "rejections"}
    wanted |= MQA_CARDS
    assert wanted <= keys
    assert {p.card for p in spec.dashboard.cards} == keys
    assert set(spec.tables) <= {"hist_datasets", "hist_dataset_themes", "hist_dataset_territories",
                                "runs", "rejections", "score_history", "indicators",
                                "hist_dataset_hvd_categories"}  # fmt: skip
    # One "what to fix first" on the dashboard: the MQA one; the fill-rate list is renamed.
    assert [c.key for c in spec.cards if c.name == "À corriger en priorité"] == ["mqa_fix_first"]
    # Every MQA question honours the five filters, like the historical ones.
    for key in MQA_CARDS:
        assert set(spec.card(key).variables) == filters, key
    # The "Données de forte valeur" section, filtered like the others.
    for key in HVD_CARDS:
        assert set(spec.card(key).variables) == filters, key


def test_dashboard_layout_puts_headlines_first_and_tables_last(spec: DashboardSpec) -> None:
    place = {p.card: p for p in spec.dashboard.cards}
    headline = [k for k, p in place.items() if p.row == 0]
    assert {"datasets_count", "mqa_mean_score", "mqa_score_variant"} <= set(headline)
    assert all(spec.card(k).display == "scalar" for k in headline)
    assert sum(place[k].size_x for k in headline) == 24
    assert place["mqa_ratings"].row == place["mqa_dimensions"].row > 0
    assert place["mqa_dimensions"].row < place["mqa_trend"].row < place["mqa_fix_first"].row
    assert place["mqa_fix_first"].size_x == 24
    # Tables after charts, in the main part and in the HVD section below it.
    hvd_row = min(place[k].row for k in HVD_CARDS)
    for part in (
        [k for k in place if k not in HVD_CARDS],
        [k for k in place if k in HVD_CARDS],
    ):
        tables = [place[k].row for k in part if spec.card(k).display == "table"]
        charts = [place[k].row for k in part if spec.card(k).display not in ("table", "scalar")]
        assert min(tables) >= max(charts)
    assert all(place[k].row < hvd_row for k in place if k not in HVD_CARDS)


def _spec_with(change: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["dashboard"]["cards"][1].update(col=4), "overlap"),
        (lambda d: d["dashboard"]["cards"][2].update(col=20), "overflows the 24-column grid"),
        (lambda d: d["dashboard"]["filters"][0].update(variable="nope"), "unknown variable"),
        (
            lambda d: (
                d["dashboard"]["filters"].append({"slug": "x", "name": "X", "variable": "unused"})
                or d["variables"].update(unused={"display_name": "U"})
            ),
            "no card on the dashboard uses",
        ),
        (lambda d: d["cards"][1].update(name=d["cards"][0]["name"]), "duplicate card name"),
        (lambda d: d["cards"][0].update(sql="SELECT {{ghost}} FROM {schema}.runs"), "ghost"),
        (
            lambda d: d["dashboard"]["cards"].append({**d["dashboard"]["cards"][0], "row": 99}),
            "placed twice",
        ),
        (lambda d: d["dashboard"]["cards"][0].update(card="ghost"), "places unknown card ghost"),
        (lambda d: d["cards"][0].update(sql="SELECT 1 FROM runs"), r"must read \{schema\}"),
        (lambda d: d["cards"][1].update(key=d["cards"][0]["key"]), "duplicate card key"),
    ],
)
def test_invalid_specs_are_refused_with_the_reason(
    tmp_path: Path, change: Any, message: str
) -> None:
    path = tmp_path / "dashboard.yaml"
    path.write_text(yaml.safe_dump(_spec_with(change), allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_spec(path)
    assert str(path) in str(caught.value)


def test_every_problem_of_a_spec_is_named_in_one_message(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["cards"][1]["name"] = d["cards"][0]["name"]
        d["cards"][0]["sql"] = "SELECT {{ghost}} FROM runs"
        d["dashboard"]["cards"][0]["card"] = "ghost"
        d["dashboard"]["filters"][0]["variable"] = "nope"

    path = tmp_path / "dashboard.yaml"
    path.write_text(yaml.safe_dump(_spec_with(change), allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_spec(path)
    message = str(caught.value)
    # duplicates, then the questions, the placements and the filters, in that order
    order = ["duplicate card name", "ghost not declared", "must read", "unknown card ghost"]
    positions = [message.index(part) for part in [*order, "unknown variable nope"]]
    assert positions == sorted(positions), message


# -- provisioning against the contract stub ---------------------------------------------


@pytest.mark.parametrize("session", [False, True], ids=["api-key", "session"])
def test_first_run_creates_collection_cards_dashboard_and_descriptions(
    stub: MetabaseStub,
    spec: DashboardSpec,
    descriptions: dict[str, TableDescription],
    session: bool,
) -> None:
    result = run(stub, spec, descriptions, session=session)

    assert ("POST", "/api/database/7/sync_schema") in stub.writes
    assert stub.logins == (1 if session else 0)
    (collection,) = stub.collections.values()
    assert collection["name"] == "Qualité des métadonnées"
    assert result.collection_id == collection["id"]
    ours = [c for c in stub.cards.values() if c["collection_id"] == collection["id"]]
    assert sorted(managed_key(c["description"], "card") for c in ours) == sorted(
        c.key for c in spec.cards
    )
    (dashboard,) = stub.dashboards.values()
    assert dashboard["id"] == result.dashboard_id
    assert len(dashboard["dashcards"]) == len(spec.dashboard.cards)
    by_card = {d["card_id"]: d for d in dashboard["dashcards"]}
    runs_card = next(c for c in ours if managed_key(c["description"], "card") == "runs")
    # Only the run-date filter reaches the runs question: it has no other variable.
    assert [m["target"] for m in by_card[runs_card["id"]]["parameter_mappings"]] == [
        ["variable", ["template-tag", "run_date"]]
    ]
    # 23 questions take the five filters; runs and rejections only the run date.
    assert sum(len(d["parameter_mappings"]) for d in dashboard["dashcards"]) == 23 * 5 + 2
    fields = {(f["table_id"], f["name"]): f["description"] for f in stub.fields.values()}
    tables = {t["id"]: t["name"] for t in stub.tables.values()}
    for (table_id, column), text in fields.items():
        assert text == descriptions[tables[table_id]].columns[column]
    assert all(t["description"] for t in stub.tables.values())
    assert {a.kind for a in result.changes} >= {"collection", "card", "dashboard", "field"}


def test_second_run_writes_nothing(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    run(stub, spec, descriptions)
    before = stub.snapshot()
    stub.writes.clear()

    result = run(stub, spec, descriptions)

    assert stub.writes == []
    assert result.writes == 0
    assert stub.snapshot() == before
    assert {a.verb for a in result.actions} == {"unchanged"}


def test_second_run_by_session_writes_nothing_but_the_login(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    run(stub, spec, descriptions, session=True)
    stub.writes.clear()
    run(stub, spec, descriptions, session=True)
    assert stub.writes == []
    assert stub.logins == 2  # each process logs in once; the token is reused within it


def test_dry_run_writes_nothing_and_lists_the_plan(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    result = run(stub, spec, descriptions, dry_run=True)

    assert stub.writes == []
    assert stub.collections == {}
    assert result.dry_run
    plan = [str(a) for a in result.changes]
    assert plan[0].startswith("sync database dcat_quality")
    assert "create collection Qualité des métadonnées" in plan
    assert sum(p.startswith("create card ") for p in plan) == len(spec.cards)
    assert "create dashboard Qualité des métadonnées du catalogue" in plan


def test_dry_run_after_a_spec_change_shows_only_that_change(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    run(stub, spec, descriptions)
    stub.writes.clear()
    cards = [
        c.model_copy(update={"sql": c.sql.replace("LIMIT 200", "LIMIT 100")})
        if c.key == "fix_first"
        else c
        for c in spec.cards
    ]
    changed = spec.model_copy(update={"cards": cards})

    plan = run(stub, changed, descriptions, dry_run=True)
    assert [str(a) for a in plan.changes] == [
        "update card Jeux de données les moins bien renseignés (sql)"
    ]
    assert stub.writes == []

    applied = run(stub, changed, descriptions)
    assert [str(a) for a in applied.changes] == [
        "update card Jeux de données les moins bien renseignés (sql)"
    ]
    (write,) = stub.writes
    assert write[0] == "PUT"
    assert write[1].startswith("/api/card/")


def test_objects_we_do_not_manage_are_never_written(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    elsewhere = stub.add_collection("Équipe données")
    foreign = stub.add_user_card("Jeux de données", elsewhere)  # one of our names, elsewhere
    run(stub, spec, descriptions)
    ours = next(c for c in stub.collections.values() if c["name"] == "Qualité des métadonnées")
    mine = stub.add_user_card("Ma question", ours["id"])  # a user's question in our collection
    clash = stub.add_user_card("Jeux de données", ours["id"])  # same name, no marker
    untouched = {i: dict(stub.cards[i]) for i in (foreign, mine, clash)}
    stub.writes.clear()

    result = run(stub, spec, descriptions)

    assert stub.writes == []
    assert result.writes == 0
    for card_id, card in untouched.items():
        assert stub.cards[card_id] == card
    assert all(not c["archived"] for c in stub.cards.values())


def test_a_card_removed_from_the_spec_is_archived_not_deleted(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    run(stub, spec, descriptions)
    (before,) = stub.dashboards.values()
    placements = {d["id"] for d in before["dashcards"]}
    stub.writes.clear()
    smaller = spec.model_copy(
        update={
            "cards": [c for c in spec.cards if c.key != "themes"],
            "dashboard": spec.dashboard.model_copy(
                update={"cards": [p for p in spec.dashboard.cards if p.card != "themes"]}
            ),
        }
    )
    result = run(stub, smaller, descriptions)

    assert [str(a) for a in result.changes] == [
        "archive card Jeux de données par thème (no longer in the spec)",
        "update dashboard Qualité des métadonnées du catalogue (cards)",
    ]
    themes = next(c for c in stub.cards.values() if c["name"] == "Jeux de données par thème")
    assert themes["archived"] is True
    (dashboard,) = stub.dashboards.values()
    assert themes["id"] not in {d["card_id"] for d in dashboard["dashcards"]}
    # The other placements kept their ids: the PUT updated them instead of recreating.
    assert {d["id"] for d in dashboard["dashcards"]} < placements


def test_a_card_edited_in_metabase_is_put_back(
    stub: MetabaseStub, spec: DashboardSpec, descriptions: dict[str, TableDescription]
) -> None:
    run(stub, spec, descriptions)
    card = next(c for c in stub.cards.values() if c["name"] == "Accès ouvert (%)")
    card["display"] = "bar"
    card["dataset_query"]["native"]["query"] = "SELECT 42"
    stub.writes.clear()

    result = run(stub, spec, descriptions)

    assert [str(a) for a in result.changes] == ["update card Accès ouvert (%) (display, sql)"]
    _, sql, tags = native_query(stub.cards[card["id"]]["dataset_query"])
    assert "open_access" in sql
    assert set(tags) == {"run_date", "catalog", "organisation", "theme", "departement"}


def test_current_metabase_reads_cards_in_mbql5_unless_asked(
    descriptions: dict[str, TableDescription], spec: DashboardSpec
) -> None:
    stub = MetabaseStub(version=VERSIONS["current"], warehouse={"runs": ["run_id"]})
    card_id = stub.add_user_card("x", None, "SELECT 1")
    with client_for(stub) as client:
        assert client.get_card(card_id)["dataset_query"]["type"] == "native"
        raw = client._request("GET", f"/api/card/{card_id}")
    assert raw["dataset_query"]["lib/type"] == "mbql/query"
    assert native_query(raw["dataset_query"]) == (7, "SELECT 1", {})


# -- authentication and errors ---------------------------------------------------------


def test_an_expired_session_is_renewed_once(stub: MetabaseStub) -> None:
    with client_for(stub, session=True) as client:
        client.get_current_user()
        stub.sessions.clear()  # the server forgot the session (expiry, restart)
        assert client.get_current_user()["email"] == stub.username
    assert stub.logins == 2


@pytest.mark.parametrize("session", [False, True], ids=["api-key", "session"])
def test_refused_credentials_give_a_clear_error_without_secrets(
    stub: MetabaseStub, session: bool
) -> None:
    if session:
        client = MetabaseClient(
            "http://metabase.test",
            username=stub.username,
            password="wrong-password-123",
            transport=stub.transport(),
        )
    else:
        client = MetabaseClient(
            "http://metabase.test", api_key="wrong-key-456", transport=stub.transport()
        )
    with client, pytest.raises(MetabaseError) as caught:
        client.get_current_user()
    message = str(caught.value)
    assert caught.value.status == 401
    assert "METABASE_USERNAME" in message if session else "METABASE_API_KEY" in message
    assert "wrong-password-123" not in message
    assert "wrong-key-456" not in message


def test_no_credentials_is_a_configuration_error() -> None:
    with pytest.raises(MetabaseError, match="METABASE_API_KEY"):
        MetabaseClient("http://metabase.test")


def test_unknown_database_name_lists_what_metabase_has(
    stub: MetabaseStub, spec: DashboardSpec
) -> None:
    with client_for(stub) as client, pytest.raises(MetabaseError) as caught:
        provision(client, spec, database_name="entrepot", schema=SCHEMA)
    assert "'dcat_quality'" in str(caught.value)
    assert "METABASE_DATABASE_NAME" in str(caught.value)


def test_sync_that_never_shows_the_tables_times_out(
    stub: MetabaseStub, spec: DashboardSpec
) -> None:
    stub.warehouse = {}  # Metabase points at another database: the views never appear
    clock = iter(range(0, 10_000, 5))
    with client_for(stub) as client, pytest.raises(MetabaseError, match="still does not see"):
        provision(
            client,
            spec,
            database_name="dcat_quality",
            schema=SCHEMA,
            sleep=lambda _s: None,
            clock=lambda: float(next(clock)),
            sync_timeout=60,
        )
    assert stub.writes == [("POST", "/api/database/7/sync_schema")]


def test_versions_older_than_048_are_refused() -> None:
    stub = MetabaseStub(version="v0.46.6", api_key=None)
    with client_for(stub, session=True) as client, pytest.raises(MetabaseError, match=r"0\.48"):
        client.get_version()
    assert MetabaseVersion.parse("v1.50.15").at_least((0, 50))


# -- every question on real PostgreSQL -------------------------------------------------

_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")


def as_metabase_runs_it(sql: str, values: dict[str, Any]) -> str:
    """Substitute variables the way Metabase does: an optional clause whose variables
    have no value disappears, a value becomes a literal."""

    def optional(match: re.Match[str]) -> str:
        inner = match.group(1)
        return inner if all(v in values for v in _VARIABLE.findall(inner)) else ""

    def literal(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if isinstance(value, date):
            return f"DATE '{value.isoformat()}'"
        return "'" + str(value).replace("'", "''") + "'"

    return _VARIABLE.sub(literal, _OPTIONAL.sub(optional, sql))


#: Values that occur together in the demo sample (the apostrophe checks the quoting).
REPRESENTATIVE = {
    "catalog": "DataARA",
    "organisation": "DDT de l'Aube",
    "theme": "politique-de-la-ville",
    "departement": "971",
    "run_date": date(2999, 12, 31),
}


@pytest.mark.parametrize(
    "values",
    [{}, *({k: v} for k, v in REPRESENTATIVE.items()), REPRESENTATIVE],
    ids=["no filter", *REPRESENTATIVE, "all filters"],
)
def test_every_question_returns_rows_on_a_loaded_warehouse(
    warehouse_url: str, spec: DashboardSpec, values: dict[str, Any]
) -> None:
    with psycopg.connect(warehouse_url) as conn:
        for card in spec.cards:
            query = as_metabase_runs_it(card.render_sql(SCHEMA), values)
            rows = conn.execute(query).fetchall()  # type: ignore[call-overload]
            assert rows, f"{card.key} returned no row with {values}"
            assert any(v is not None for v in rows[0]), f"{card.key}: empty row with {values}"


def test_a_run_date_before_every_run_shows_nothing(warehouse_url: str, spec: DashboardSpec) -> None:
    with psycopg.connect(warehouse_url) as conn:
        query = as_metabase_runs_it(
            spec.card("datasets_count").render_sql(SCHEMA), {"run_date": date(2000, 1, 1)}
        )
        assert conn.execute(query).fetchone() == (0,)  # type: ignore[call-overload]


def _card_rows(
    conn: psycopg.Connection[Any], spec: DashboardSpec, key: str, values: dict[str, Any]
) -> list[tuple[Any, ...]]:
    query = as_metabase_runs_it(spec.card(key).render_sql(SCHEMA), values)
    return conn.execute(query).fetchall()  # type: ignore[call-overload]


def test_mqa_questions_agree_with_the_quality_model_views(
    warehouse_url: str, spec: DashboardSpec
) -> None:
    """Decoding the masks in the questions gives what the warehouse's own views say."""
    with psycopg.connect(warehouse_url) as conn:
        view = f"SELECT * FROM {SCHEMA}.%s"
        ((mean_percent, datasets),) = conn.execute(
            f"SELECT mean_score_percent, datasets FROM {SCHEMA}.score_trend"
            " ORDER BY run_id DESC LIMIT 1"
        ).fetchall()
        ((text, _points, max_points, percent, scored),) = _card_rows(
            conn, spec, "mqa_mean_score", {}
        )
        assert (percent, scored) == (mean_percent, datasets)
        assert text.endswith(f" / {max_points} points ({str(percent).replace('.', ',')} %)")
        ((variant, unmeasured),) = _card_rows(conn, spec, "mqa_score_variant", {})
        assert (variant, unmeasured) == ("sans vérification des liens", 80)  # the default run

        by_rating = dict(conn.execute(f"SELECT rating, datasets FROM {SCHEMA}.quality_by_rating"))
        ratings = _card_rows(conn, spec, "mqa_ratings", {})
        assert [r[0].split()[0] for r in ratings] == [
            "Excellente", "Bonne", "Suffisante", "Insuffisante"
        ]  # fmt: skip
        assert [r[1] for r in ratings] == [
            by_rating.get(k, 0) for k in ("excellent", "good", "sufficient", "bad")
        ]

        dimensions = _card_rows(conn, spec, "mqa_dimensions", {})
        assert [(r[0].split()[0], r[4]) for r in dimensions] == [
            ("Découvrabilité", 100), ("Accessibilité", 100), ("Interopérabilité", 110),
            ("Réutilisabilité", 75), ("Contexte", 20),
        ]  # fmt: skip
        for label, won, lost, not_measured, maximum, _ in dimensions:
            assert abs(won + lost + not_measured - maximum) <= Decimal("0.2"), label
        accessibility = dimensions[1]
        assert accessibility[3] == 80  # the URL status checks, without link checks
        assert accessibility[5].startswith("en partie : non mesuré")
        assert [r[5] for r in dimensions if r is not accessibility] == ["mesurée"] * 4

        ranked = {
            (label, points, failing)
            for _id, label, _en, _dim, failing, points, _hint in conn.execute(
                view % "failed_checks_ranked"
            )
        }
        fix_first = _card_rows(conn, spec, "mqa_fix_first", {})
        assert {(r[0], r[2], r[3]) for r in fix_first} == ranked
        assert [r[2] for r in fix_first] == sorted((r[2] for r in fix_first), reverse=True)
        assert all(r[6] for r in fix_first)  # every row says how to fix it

        per_dataset = dict(
            conn.execute(
                f"SELECT dataset_id, sum(points_recoverable) FROM {SCHEMA}.fix_first GROUP BY 1"
            )
        )
        top = dict(
            conn.execute(f"SELECT dataset_id, label_fr FROM {SCHEMA}.fix_first WHERE priority = 1")
        )
        to_fix = _card_rows(conn, spec, "mqa_datasets_to_fix", {})
        assert len(to_fix) == min(200, len(per_dataset))
        assert to_fix[0][5] == max(per_dataset.values())
        for row in to_fix:
            assert row[5] == per_dataset[row[-1]]
            assert row[7] == top[row[-1]]

        publishers = _card_rows(conn, spec, "mqa_publishers_ranked", {})
        assert sum(r[2] for r in publishers) == datasets
        assert [r[3] for r in publishers] == sorted((r[3] for r in publishers), reverse=True)
        assert publishers[0][0] == 1


def test_mqa_history_outlives_the_pruned_detail(warehouse_url: str, spec: DashboardSpec) -> None:
    """score_history is kept for every run, hist_* only for the last KEEP_RUNS: without a
    detail filter the MQA questions still answer for an old run; with one, they show only
    the runs still detailed (what the trend's description says)."""
    with psycopg.connect(warehouse_url) as conn:
        runs = [r for (r,) in conn.execute(f"SELECT run_id FROM {SCHEMA}.runs ORDER BY run_id")]
        old = runs[0]
        # As retention leaves it: the old run's detail gone, and it ran long ago.
        conn.execute(
            f"UPDATE {SCHEMA}.runs SET started_at = '2001-01-01', detail_kept = false"
            " WHERE run_id = %s",
            (old,),
        )
        try:
            trend = _card_rows(conn, spec, "mqa_trend", {})
            assert len(trend) == len(runs)
            assert all(r[1] == trend[-1][1] for r in trend)  # same sample each time
            assert len(_card_rows(conn, spec, "mqa_trend", {"catalog": "DataARA"})) == len(runs) - 1
            then = {"run_date": date(2001, 6, 1)}
            ((text, *_rest, scored),) = _card_rows(conn, spec, "mqa_mean_score", then)
            assert scored == trend[0][1]
            assert "points" in text
            assert sum(r[1] for r in _card_rows(conn, spec, "mqa_ratings", then)) == scored
            assert _card_rows(conn, spec, "mqa_fix_first", then)
            assert _card_rows(conn, spec, "mqa_datasets_to_fix", then) == []  # needs titles
            only_aube = {**then, "organisation": "DDT de l'Aube"}
            assert _card_rows(conn, spec, "mqa_mean_score", only_aube)[0][-1] == 0
        finally:
            conn.rollback()


def test_column_descriptions_come_from_the_warehouse_comments(
    descriptions: dict[str, TableDescription],
) -> None:
    datasets = descriptions["datasets"]
    assert datasets.description
    assert "latest successful run" in datasets.description
    assert datasets.columns["fill_rate"].startswith("Percentage (0-100)")
    assert not any(name.startswith("hist_datasets_r") for name in descriptions)


# -- the command -----------------------------------------------------------------------


def test_provision_command_prints_the_plan_then_applies_it_once(
    monkeypatch: pytest.MonkeyPatch,
    stub: MetabaseStub,
    warehouse_url: str,
) -> None:
    from typer.testing import CliRunner

    from dcat_quality.cli import app
    from dcat_quality.cli import metabase_provision as command

    def with_stub(url: str, **credentials: Any) -> MetabaseClient:
        return MetabaseClient(url, transport=stub.transport(), **credentials)

    monkeypatch.setattr(command, "MetabaseClient", with_stub)
    monkeypatch.setenv("METABASE_URL", "http://metabase.test")
    monkeypatch.setenv("METABASE_API_KEY", str(stub.api_key))
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    stub.sync_now()  # already synced: the command must not wait
    runner = CliRunner()

    plan = runner.invoke(app, ["metabase", "provision", "--dry-run"])
    assert plan.exit_code == 0, plan.output
    assert "Plan (dry run: nothing changed)" in plan.output
    assert "create card Jeux de données" in plan.output
    assert "would update" in plan.output
    assert stub.writes == []

    applied = runner.invoke(app, ["metabase", "provision"])
    assert applied.exit_code == 0, applied.output
    assert "Dashboard: http://metabase.test/dashboard/" in applied.output
    stub.writes.clear()
    again = runner.invoke(app, ["metabase", "provision"])
    assert again.exit_code == 0, again.output
    assert "0 change(s)" in again.output
    assert stub.writes == []
    for output in (plan.output, applied.output, again.output):
        assert str(stub.api_key) not in output


def test_provision_command_without_url_fails_clearly() -> None:
    from typer.testing import CliRunner

    from dcat_quality.cli import app

    result = CliRunner().invoke(app, ["metabase", "provision"])
    assert result.exit_code == 1
    assert "METABASE_URL" in result.output
