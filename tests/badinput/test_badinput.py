"""The bad-input corpus through the whole chain, into real PostgreSQL.

One run reads every case of ``support.badinput.CASES`` from a local folder (two worker
processes, as in production) and checks, case by case, what the table declares: the
rejected page quarantined with a message naming file, position, reason and what to do;
the loaded page with its datasets and field values; counts that reconcile; and the good
pages around the bad ones all loaded. Both parsing paths must agree on every case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dcat_quality.config import Settings
from dcat_quality.dcat.parse import read_page
from dcat_quality.errors import PageError
from dcat_quality.pipeline import PageOutcome, RunResult, run_chain
from dcat_quality.sources import decode_page, open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from dcat_quality.worker import check_page
from support import postgres
from support.badinput import CASES, Case, Loaded, Rejected

REJECTED = [c for c in CASES if isinstance(c.expect, Rejected)]
LOADED = [c for c in CASES if isinstance(c.expect, Loaded)]


def test_the_corpus_is_big_enough_and_keys_are_unique() -> None:
    assert len(CASES) >= 30
    assert len({c.key for c in CASES}) == len(CASES)
    assert len(REJECTED) >= 15
    assert len(LOADED) >= 15


def _outcome(data: bytes, key: str, *, fast: bool) -> Any:
    try:
        page = read_page(decode_page(key, data), key, fast=fast)
    except PageError as exc:
        return ("rejected", str(exc))
    return ("loaded", page.page.datasets, check_page(page))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_both_parsing_paths_agree(case: Case) -> None:
    """The fast JSON-LD path and pyoxigraph give the same records or the same refusal."""
    assert _outcome(case.data, case.key, fast=True) == _outcome(case.data, case.key, fast=False)


def _rows(url: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@pytest.fixture(scope="module")
def corpus_run(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[tuple[RunResult, dict[str, PageOutcome], str]]:
    """Every case in one local folder, one run on a fresh database."""
    folder = tmp_path_factory.mktemp("badinput") / "dump"
    for case in CASES:
        path = folder / case.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data)
    outcomes: dict[str, PageOutcome] = {}
    with postgres.fresh_database(postgres_server_url, prefix="t_badinput") as url:
        with Warehouse.open(DatabaseTarget(url, "test")) as warehouse:
            result = run_chain(
                open_source(str(folder), Settings()),
                warehouse,
                workers=2,
                on_page=lambda outcome: outcomes.__setitem__(outcome.ref.key, outcome),
            )
        yield result, outcomes, url


def test_counts_reconcile(corpus_run: tuple[RunResult, dict[str, PageOutcome], str]) -> None:
    result, outcomes, url = corpus_run
    counts = result.counts
    duplicates = sum(len(c.expect.duplicates) for c in LOADED if isinstance(c.expect, Loaded))
    loaded = sum(c.expect.datasets for c in LOADED if isinstance(c.expect, Loaded))
    assert result.status == "succeeded"
    assert counts.pages_read == len(CASES) == len(outcomes)
    assert counts.pages_rejected == len(REJECTED)
    assert counts.pages_read == counts.pages_rejected + len(LOADED)
    assert counts.datasets_read == counts.datasets_loaded + counts.datasets_rejected
    assert counts.datasets_loaded == loaded
    assert counts.datasets_rejected == duplicates
    assert result.empty_pages == sum(
        1 for c in LOADED if isinstance(c.expect, Loaded) and c.expect.datasets == 0
    )
    ((db_loaded,),) = _rows(url, "select count(*) from dcat_quality.datasets")
    assert db_loaded == loaded
    ((pages, datasets),) = _rows(
        url,
        "select count(*) filter (where dataset_id is null), count(dataset_id) "
        "from dcat_quality.rejections",
    )
    assert (pages, datasets) == (len(REJECTED), duplicates)
    ((run,),) = _rows(
        url,
        "select row(status, pages_read, pages_rejected, datasets_read, datasets_loaded, "
        "datasets_rejected)::text from dcat_quality.runs",
    )
    assert run == (
        f"(succeeded,{len(CASES)},{len(REJECTED)},{loaded + duplicates},{loaded},{duplicates})"
    )


@pytest.mark.parametrize("case", REJECTED, ids=lambda c: c.key)
def test_rejected_page_is_quarantined_with_a_clear_message(
    case: Case, corpus_run: tuple[RunResult, dict[str, PageOutcome], str]
) -> None:
    _, outcomes, url = corpus_run
    expect = case.expect
    assert isinstance(expect, Rejected)
    outcome = outcomes[case.key]
    assert outcome.failure is not None, f"{case.key} was not rejected"
    assert (outcome.datasets, outcome.loaded) == (0, 0)
    rows = _rows(
        url,
        "select position, reason, dataset_id from dcat_quality.rejections where file = %s",
        (case.key,),
    )
    assert len(rows) == 1
    position, message, dataset_id = rows[0]
    assert dataset_id is None
    # file, position, reason — what to do
    assert message.startswith(case.key), message
    assert expect.reason in message, message
    where, _, hint = message.partition(" — ")
    assert expect.hint in hint, message
    if expect.position is None:
        assert position is None, message
    else:
        assert position is not None, message
        assert expect.position in position, message
        assert f"({position})" in where
    assert outcome.failure.message == message


@pytest.mark.parametrize("case", LOADED, ids=lambda c: c.key)
def test_loaded_page_gives_the_expected_datasets(
    case: Case, corpus_run: tuple[RunResult, dict[str, PageOutcome], str]
) -> None:
    _, outcomes, url = corpus_run
    expect = case.expect
    assert isinstance(expect, Loaded)
    outcome = outcomes[case.key]
    assert outcome.failure is None, outcome.failure and outcome.failure.message
    assert outcome.loaded == expect.datasets
    assert outcome.datasets == expect.datasets + len(expect.duplicates)
    ((in_db,),) = _rows(
        url, "select count(*) from dcat_quality.datasets where source_file = %s", (case.key,)
    )
    assert in_db == expect.datasets
    for dataset_id, fields in expect.fields.items():
        columns = ", ".join(fields)
        rows = _rows(
            url,
            f"select {columns} from dcat_quality.datasets where dataset_id = %s",
            (dataset_id,),
        )
        assert len(rows) == 1, f"{dataset_id} not loaded"
        got = dict(zip(fields, map(_plain, rows[0]), strict=True))
        assert got == dict(fields)
    for query, expected in expect.checks:
        ((value,),) = _rows(url, query)
        assert _plain(value) == expected, query
    for dataset_id, substrings in expect.duplicates.items():
        rows = _rows(
            url,
            "select position, reason from dcat_quality.rejections "
            "where file = %s and dataset_id = %s",
            (case.key, dataset_id),
        )
        assert len(rows) == 1
        position, reason = rows[0]
        assert position == dataset_id
        for text in substrings:
            assert text in reason, reason


def test_nothing_secret_or_foreign_is_loaded(
    corpus_run: tuple[RunResult, dict[str, PageOutcome], str],
) -> None:
    """The external-entity page never pulled /etc/passwd into the warehouse."""
    _, _, url = corpus_run
    ((hits,),) = _rows(
        url,
        "select count(*) from dcat_quality.hist_datasets "
        "where description like '%root:%' or title like '%root:%'",
    )
    assert hits == 0


def test_the_local_folder_holds_every_case(tmp_path: Path) -> None:
    """Keys with spaces and sub-folders are listed as written (guards the corpus itself)."""
    for case in CASES:
        path = tmp_path / case.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data)
    keys = [ref.key for ref in open_source(str(tmp_path), Settings()).list_pages()]
    assert keys == sorted(c.key for c in CASES)


def test_many_values_of_one_property_cost_linear_time() -> None:
    """100,000 keywords: duplicates found by a set, not a list scan (was quadratic).

    Counted, not timed: a list scan compares each new value with every earlier one (about
    n²/2 comparisons), a set compares it with the values of the same hash only.
    """
    from dcat_quality.dcat.graph import Graph, Literal

    comparisons = 0

    class Counted(str):
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            nonlocal comparisons
            comparisons += 1
            return str.__eq__(self, other)

    graph = Graph()
    for i in range(100_000):
        graph.add(
            "http://example.org/d", "http://www.w3.org/ns/dcat#keyword", Literal(Counted(f"k{i}"))
        )
    graph.add("http://example.org/d", "http://www.w3.org/ns/dcat#keyword", Literal(Counted("k5")))
    assert comparisons < 1_000_000  # a list scan would make about 5,000,000,000
    assert graph.triples == 100_000
    assert len(graph.objects("http://example.org/d", "http://www.w3.org/ns/dcat#keyword")) == (
        100_000
    )
