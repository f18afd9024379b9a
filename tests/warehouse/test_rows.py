"""Record → rows: column order, cleaned text, long rows."""

from __future__ import annotations

from datetime import date

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord, RdfFinding
from dcat_quality.quality.ecospheres import compute
from dcat_quality.warehouse.rows import (
    BY_NAME,
    FAMILIES,
    dataset_row,
    dataset_rows,
    distribution_row,
    long_rows,
    page_repairs,
)
from support.warehouse import BLANK, RICH

COLUMNS = {family.name: family.columns for family in FAMILIES}


def test_dataset_row_matches_its_columns() -> None:
    row = dict(zip(COLUMNS["hist_datasets"], dataset_row(RICH, compute(RICH)), strict=True))
    assert row["dataset_id"] == RICH.dataset_id
    assert "run_id" not in row  # a version's content only: no run, no page
    assert "source_file" not in row
    assert row["created"] == date(2023, 5, 4)
    assert row["created_text"] == "04.05.2023"
    assert row["status_label"] == "Finalisé"
    assert row["distribution_count"] == 1


def test_long_rows_of_every_table_match_their_columns() -> None:
    tables = set()
    for table, row in long_rows(RICH, compute(RICH)):
        assert len(row) == len(COLUMNS[table])
        tables.add(table)
    assert tables == set(COLUMNS) - {
        "hist_datasets",
        "score_history",
        "hist_shacl_violations",
        "hist_rdf_repairs",  # dataset_rows' (see test_rdf_repairs_are_stored_...)
        "hist_dataset_hvd_categories",  # RICH is no high-value dataset: see the next test
    }
    assert list(long_rows(BLANK, compute(BLANK))) == []


def test_hvd_categories_are_stored_with_their_labels_and_top_category() -> None:
    from dataclasses import replace

    from dcat_quality.dcat.records import HvdFacts

    addresses = "http://data.europa.eu/bna/c_c3de25e4"
    unknown = "http://example.org/not-a-category"
    record = replace(RICH, hvd=HvdFacts(categories=(addresses, unknown)))
    rows = [row for table, row in long_rows(record, compute(record)) if "hvd" in table]
    assert rows == [
        (
            addresses,
            "Adresses",  # the official French label of the sub-category
            "http://data.europa.eu/bna/c_ac64a52d",
            "Géospatiales",
        ),
        (unknown, None, None, None),
    ]


def test_every_family_is_one_table_and_only_scores_are_history() -> None:
    assert len({f.table for f in FAMILIES}) == len(FAMILIES)
    assert FAMILIES[0].name == "hist_datasets"  # the version's root
    assert {f.name for f in FAMILIES if f.history} == {"score_history"}
    assert {name for name, _ in dataset_rows(RICH, compute(RICH))} <= set(BY_NAME)


def test_access_rights_give_label_rows_and_iri_rows() -> None:
    rows = [
        row
        for table, row in long_rows(RICH, compute(RICH))
        if table == "hist_dataset_access_rights"
    ]
    assert rows == [(RICH.access_rights[0], None), (None, RICH.access_rights_iris[0])]


def test_text_is_cleaned_and_empty_values_skipped() -> None:
    rec = DatasetRecord(
        "d\x00", title="a\x00b", keywords=("x", "", "x\x00"), description="caf\udce9"
    )
    row = dict(zip(COLUMNS["hist_datasets"], dataset_row(rec, compute(rec)), strict=True))
    assert (row["dataset_id"], row["title"], row["description"]) == ("d", "ab", "caf?")
    assert [
        row for table, row in long_rows(rec, compute(rec)) if table == "hist_dataset_keywords"
    ] == [("x",)]


def test_byte_size_beyond_bigint_is_dropped() -> None:
    too_big = DistributionRecord("x", byte_size=2**70)
    row = dict(zip(COLUMNS["hist_distributions"], distribution_row(too_big), strict=True))
    assert row["byte_size"] is None


def test_score_row_packs_checks_into_bit_masks() -> None:
    from dcat_quality.pipeline import check_positions
    from dcat_quality.quality.builtin import default_registry
    from dcat_quality.quality.mqa import ScoreSummary, score_dataset
    from dcat_quality.warehouse.rows import score_row

    positions = check_positions(default_registry())
    # MQA, then HVD, then the Ecosphères check kept nowhere else: 31 bits, all used
    assert sorted(positions.values()) == list(range(23 + 7 + 1))
    assert max(positions[i] for i in positions if i.startswith("mqa.")) == 22
    assert positions["ecospheres.well_formed_rdf"] == 30
    score = score_dataset(RICH, dcat_ap_compliant=True)
    summary = ScoreSummary.of(score, positions)
    row = dict(
        zip(
            COLUMNS["score_history"],
            score_row(summary, 55.5, 0),
            strict=True,
        )
    )
    passed = {c.indicator_id for c in score.rows if c.passed}
    measured = {c.indicator_id for c in score.rows if c.passed is not None}
    assert row["passed_mask"] == sum(1 << positions[i] for i in passed)
    assert row["measured_mask"] == sum(1 << positions[i] for i in measured)
    assert row["total"] == score.total
    dims = ("findability", "accessibility", "interoperability", "reusability", "contextuality")
    assert sum(row[d] for d in dims) == score.total
    assert row["shacl_violations"] == 0


THEME = RdfFinding("resource_with_text", 15, 73, "theme text\x00", "http://t/hy")
ABOUT = RdfFinding("relative_iri", 11, 7, "relative rdf:about", "file:///r/a1")
LATER_ABOUT = RdfFinding("relative_iri", 25, 7, "another relative rdf:about", "file:///r/b2")


def test_rdf_repairs_are_stored_one_row_each_with_their_position() -> None:
    rows = dataset_rows(RICH, compute(RICH), repairs=(THEME, ABOUT))
    repairs = [row for table, row in rows if table == "hist_rdf_repairs"]
    assert all(len(row) == len(COLUMNS["hist_rdf_repairs"]) for row in repairs)
    assert repairs == [
        ("resource_with_text", 15, 73, "theme text"),  # NUL dropped
        ("relative_iri", 11, 7, "relative rdf:about"),
    ]
    assert not any(t == "hist_rdf_repairs" for t, _ in dataset_rows(RICH, compute(RICH)))


def test_page_repairs_are_summed_up_by_kind_with_the_first_occurrence() -> None:
    envelope = RdfFinding("csw_envelope", 1, 1, "2 records")
    assert page_repairs((ABOUT, THEME, LATER_ABOUT, envelope)) == (
        ("relative_iri", 2, 11, 7, "relative rdf:about"),
        ("resource_with_text", 1, 15, 73, "theme text"),
        ("csw_envelope", 1, 1, 1, "2 records"),
    )
    assert page_repairs(()) == ()
