"""Incremental runs: a run costs what changed, and answers what a complete run answers.

Each test runs the chain on a small dump, changes the dump (or the scoring), runs it
again, and checks both what the run did not redo (pages not parsed, datasets not scored,
rows not written) and that the views show exactly what a complete recomputation
(``full=True``, on a warehouse of its own) shows.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality import worker
from dcat_quality.config import Settings
from dcat_quality.pipeline import RunResult, run_chain
from dcat_quality.quality import mqa, profile
from dcat_quality.sample import write_sample
from dcat_quality.sources import open_source
from dcat_quality.sources.s3 import S3Source, s3_client
from dcat_quality.warehouse import DatabaseTarget, Warehouse

PAGES = 4
DATASETS = 120
#: The views a dashboard reads, compared between an incremental and a complete run.
COMPARED = (
    "datasets",
    "distributions",
    "dataset_keywords",
    "dataset_themes",
    "dataset_territories",
    "dataset_scores",
    "dataset_checks",
    "shacl_violations",
    "score_changes",
    "check_changes_last_run",
    "hist_datasets",
    "score_history",
    "indicator_pass_rates",
)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("original")
    write_sample(folder, datasets=DATASETS, page_size=DATASETS // PAGES, seed=16, bad_pages=False)
    return folder


@pytest.fixture
def dump(tmp_path: Path, original: Path) -> Path:
    """A copy of the dump that the test may change."""
    return Path(shutil.copytree(original, tmp_path / "dump"))


@pytest.fixture
def other_url(postgres_server_url: str) -> Iterator[str]:
    """A second fresh database, for the complete recomputation to compare with."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(**{**conninfo_to_dict(postgres_server_url), "dbname": name})
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def run(url: str, folder: Path | str, **options: Any) -> RunResult:
    source = open_source(str(folder), Settings())
    with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
        return run_chain(source, warehouse, **options)


def pages(folder: Path) -> list[Path]:
    return sorted(folder.glob("page-*"))


def edit_page(page: Path, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    document = orjson.loads(page.read_bytes())
    document["@graph"] = change(document["@graph"])
    page.write_bytes(orjson.dumps(document))


def is_dataset(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    return "dcat:Dataset" in (types if isinstance(types, list) else [types])


def datasets_of(page: Path) -> list[str]:
    return [n["@id"] for n in orjson.loads(page.read_bytes())["@graph"] if is_dataset(n)]


def rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query.encode(), params or None).fetchall()


def views(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every compared view, as text rows (the run times left out: they differ)."""
    out = {}
    with psycopg.connect(url) as conn:
        for view in COMPARED:
            columns = [
                c
                for (c,) in conn.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass"
                    " AND attnum > 0 ORDER BY attnum",
                    (f"dcat_quality.{view}",),
                ).fetchall()
                if c not in ("started_at",)
            ]
            query = sql.SQL("SELECT ({}) ::text FROM dcat_quality.{} ORDER BY 1").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(view)
            )
            out[view] = conn.execute(query).fetchall()
    return out


class Counting:
    """Counts the pages parsed and the datasets scored (workers=1: in this process)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed = self.scored = 0
        read_page, score = worker.read_page, worker._score

        def counting_read(*args: Any, **kwargs: Any) -> Any:
            self.parsed += 1
            return read_page(*args, **kwargs)

        def counting_score(*args: Any, **kwargs: Any) -> Any:
            self.scored += 1
            return score(*args, **kwargs)

        monkeypatch.setattr(worker, "read_page", counting_read)
        monkeypatch.setattr(worker, "_score", counting_score)

    def reset(self) -> None:
        self.parsed = self.scored = 0


def test_an_unchanged_catalog_is_neither_parsed_nor_scored_nor_written_again(
    dump: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = Counting(monkeypatch)
    first = run(database_url, dump)
    assert (counting.parsed, counting.scored) == (PAGES, DATASETS)
    stored = rows(
        database_url,
        "SELECT (SELECT count(*) FROM dcat_quality.dataset_versions),"
        " (SELECT count(*) FROM dcat_quality.version_keywords),"
        " (SELECT count(*) FROM dcat_quality.dataset_spans)",
    )
    before = views(database_url)
    counting.reset()

    second = run(database_url, dump)

    assert (counting.parsed, counting.scored) == (0, 0)
    assert (second.pages_skipped, second.datasets_reused) == (PAGES, DATASETS)
    assert second.counts == first.counts
    assert (second.mean_score, second.mean_fill_rate, second.ratings) == (
        first.mean_score,
        first.mean_fill_rate,
        first.ratings,
    )
    assert (
        rows(
            database_url,
            "SELECT (SELECT count(*) FROM dcat_quality.dataset_versions),"
            " (SELECT count(*) FROM dcat_quality.version_keywords),"
            " (SELECT count(*) FROM dcat_quality.dataset_spans)",
        )
        == stored
    )  # not one row more
    after = views(database_url)
    for view in ("datasets", "distributions", "dataset_keywords", "dataset_scores"):
        assert after[view] == before[view]
    assert rows(
        database_url,
        "SELECT count(*) FROM (SELECT dataset_id, total, rating FROM dcat_quality.score_history"
        " WHERE run_id = 1 EXCEPT SELECT dataset_id, total, rating"
        " FROM dcat_quality.score_history WHERE run_id = 2) x",
    ) == [(0,)]
    assert rows(
        database_url,
        "SELECT run_id, incremental, pages_skipped, datasets_reused, datasets_loaded"
        " FROM dcat_quality.runs ORDER BY 1",
    ) == [(1, True, 0, 0, DATASETS), (2, True, PAGES, DATASETS, DATASETS)]
    assert rows(
        database_url, "SELECT count(*) FROM dcat_quality.score_history WHERE run_id = 2"
    ) == [(DATASETS,)]


def test_changed_new_and_removed_datasets_show_in_the_change_views(
    dump: Path, database_url: str, other_url: str, original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(database_url, dump)
    run(other_url, dump, full=True)
    first, second = pages(dump)[0], pages(dump)[1]
    changed, removed = datasets_of(first)[:2]
    added = "https://example.org/dataset/added"

    def change_first(graph: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for node in graph:
            if node.get("@id") == removed:
                continue
            if node.get("@id") == changed:
                out.append({k: v for k, v in node.items() if k != "dcat:keyword"})
            else:
                out.append(node)
        return out

    def add_one(graph: list[dict[str, Any]]) -> list[dict[str, Any]]:
        copy = {**next(n for n in graph if is_dataset(n)), "@id": added}
        return [*graph, copy]

    edit_page(first, change_first)
    edit_page(second, add_one)
    counting = Counting(monkeypatch)

    result = run(database_url, dump)
    assert (counting.parsed, counting.scored) == (2, 2)  # the edited pages; changed, added
    complete = run(other_url, dump, full=True)

    assert result.pages_skipped == PAGES - 2
    assert result.datasets_reused == DATASETS - 2  # all but the changed and the added one
    assert complete.datasets_reused == 0
    changes = dict(rows(database_url, "SELECT dataset_id, change FROM dcat_quality.score_changes"))
    assert changes == {changed: "lost", removed: "removed", added: "new"}
    lost = rows(
        database_url,
        "SELECT c.dataset_id, c.change, i.dcat_property FROM dcat_quality.check_changes_last_run c"
        " JOIN dcat_quality.indicators i USING (indicator_id)",
    )
    assert lost == [(changed, "lost", "dcat:keyword")]
    assert views(database_url) == views(other_url)


def test_a_methodology_change_scores_everything_again_and_shows_in_the_change_views(
    dump: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    run(database_url, dump)
    counting = Counting(monkeypatch)
    summarise = mqa.summarise

    def one_point_less(*args: Any, **kwargs: Any) -> mqa.ScoreSummary:
        summary = summarise(*args, **kwargs)
        return replace(summary, total=summary.total - 1)

    changed = mqa.METHODOLOGY_VERSION + "+test"
    monkeypatch.setattr(mqa, "METHODOLOGY_VERSION", changed)
    monkeypatch.setattr(profile, "METHODOLOGY_VERSION", changed)  # the scoring identity's
    profile._identity.cache_clear()
    request.addfinalizer(profile._identity.cache_clear)  # the next tests' identity is real
    monkeypatch.setattr(mqa, "summarise", one_point_less)

    result = run(database_url, dump)

    assert (result.pages_skipped, result.datasets_reused) == (0, 0)
    assert (counting.parsed, counting.scored) == (PAGES, DATASETS)
    assert rows(
        database_url, "SELECT change, delta, count(*) FROM dcat_quality.score_changes GROUP BY 1, 2"
    ) == [("lost", -1, DATASETS)]
    assert rows(
        database_url,
        "SELECT count(DISTINCT scoring_inputs), count(DISTINCT scoring_digest),"
        " count(DISTINCT methodology_version) FROM dcat_quality.runs",
    ) == [(2, 2, 2)]


def test_full_recomputes_everything_and_is_recorded(
    dump: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(database_url, dump)
    before = views(database_url)
    counting = Counting(monkeypatch)

    result = run(database_url, dump, full=True)

    assert (counting.parsed, counting.scored) == (PAGES, DATASETS)
    assert (result.incremental, result.pages_skipped, result.datasets_reused) == (False, 0, 0)
    assert rows(database_url, "SELECT incremental FROM dcat_quality.runs ORDER BY run_id") == [
        (True,),
        (False,),
    ]
    # Same versions: nothing new stored, and the current views are unchanged.
    assert rows(database_url, "SELECT count(*) FROM dcat_quality.dataset_versions") == [(DATASETS,)]
    after = views(database_url)
    for view in ("datasets", "dataset_scores", "dataset_checks", "distributions"):
        assert after[view] == before[view]


def test_shifted_pages_are_parsed_but_their_datasets_are_not_scored_again(
    dump: Path, database_url: str, other_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paginated dump whose pages shift (a dataset published at the top pushes every
    page down one place): every page's bytes change, so every page is parsed again; the
    datasets that moved are the same versions, not scored again, on a new page."""
    run(database_url, dump)
    files = pages(dump)
    for page in reversed(files):
        number = int(page.name.split("-")[1].split(".")[0])
        page.rename(page.with_name(page.name.replace(f"{number:05d}", f"{number + 1:05d}")))
    first_page = orjson.loads(pages(dump)[0].read_bytes())
    new = {
        **next(n for n in first_page["@graph"] if is_dataset(n)),
        "@id": "https://example.org/new",
    }
    files[0].write_bytes(orjson.dumps({"@context": first_page["@context"], "@graph": [new]}))
    counting = Counting(monkeypatch)

    result = run(database_url, dump)

    assert (result.pages_skipped, counting.parsed) == (0, PAGES + 1)
    assert (result.datasets_reused, counting.scored) == (DATASETS, 1)
    assert rows(
        database_url,
        "SELECT count(*) FROM dcat_quality.datasets WHERE source_file LIKE %s",
        "%page-00005%",
    ) == [(DATASETS // PAGES,)]
    run(other_url, dump, full=True)
    assert views(database_url)["datasets"] == views(other_url)["datasets"]


def test_unchanged_s3_pages_are_not_even_downloaded(
    original: Path, s3_server: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = s3_client(
        endpoint_url=s3_server, access_key="key", secret_key="secret", region="us-east-1"
    )
    client.create_bucket(Bucket="incremental")
    for page in pages(original):
        client.put_object(Bucket="incremental", Key=f"dump/{page.name}", Body=page.read_bytes())
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("ACCESS_KEY", "key")
    monkeypatch.setenv("SECRET_KEY", "secret")
    reads: list[str] = []
    read_raw = S3Source.read_raw

    def counting(self: S3Source, ref: Any) -> bytes:
        reads.append(ref.key)
        return read_raw(self, ref)

    monkeypatch.setattr(S3Source, "read_raw", counting)
    run(database_url, "s3://incremental/dump/")
    assert len(reads) == PAGES
    edited = pages(original)[2]
    body = orjson.loads(edited.read_bytes())
    body["@graph"] = body["@graph"][1:]  # one node less: new bytes, new ETag
    client.put_object(Bucket="incremental", Key=f"dump/{edited.name}", Body=orjson.dumps(body))
    reads.clear()

    result = run(database_url, "s3://incremental/dump/")

    assert reads == [f"s3://incremental/dump/{edited.name}"]
    assert result.pages_skipped == PAGES - 1
    assert result.counts.datasets_read in (DATASETS, DATASETS - 1)
