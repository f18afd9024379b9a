"""The loader's table of loaded dataset ids: duplicates found, first page named, growth."""

from __future__ import annotations

import tracemalloc

from dcat_quality.warehouse.seen import SeenIds


def test_first_copy_wins_and_its_page_is_named() -> None:
    seen = SeenIds()
    assert seen.first_page("http://e/d1", "page-1.json") is None
    assert seen.first_page("http://e/d2", "page-1.json") is None
    assert seen.first_page("http://e/d1", "page-2.json") == "page-1.json"
    assert seen.first_page("http://e/d1", "page-3.json") == "page-1.json"  # still the first
    assert len(seen) == 2


def test_growth_from_a_tiny_table_keeps_every_id_and_page() -> None:
    """Start at 16 slots: the table grows many times and probes past full slots."""
    seen = SeenIds(capacity=16)
    ids = [f"https://example.org/dataset/{n}" for n in range(50_000)]
    for n, dataset_id in enumerate(ids):
        assert seen.first_page(dataset_id, f"page-{n // 100}") is None
    assert len(seen) == len(ids)
    for n, dataset_id in enumerate(ids):
        assert seen.first_page(dataset_id, "later") == f"page-{n // 100}"
    assert len(seen) == len(ids)
    assert seen.first_page("https://example.org/dataset/new", "later") is None


def test_ids_cost_about_thirty_bytes_each() -> None:
    """About 12 bytes a slot, at most half full (a dict of digests took ~100 bytes an id):
    tens of megabytes at a million datasets."""
    tracemalloc.start()
    try:
        seen = SeenIds()
        for n in range(200_000):
            seen.first_page(f"https://example.org/dataset/{n}", f"page-{n // 100:05d}")
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 2^19 slots × 12 bytes = 6 MiB, plus the 2,000 page names
    assert current < 8 * 2**20, current
    assert len(seen) == 200_000


def test_growing_holds_no_more_than_the_old_and_the_new_table() -> None:
    """The peak while the table doubles is the old table plus the new one (12 + 24 bytes a
    slot), not a third, temporary copy: it is the run's memory peak at a million ids."""
    seen = SeenIds()
    n = 0
    while len(seen._digests) < 1 << 18:  # fill to the brink of a doubling
        seen.first_page(f"https://example.org/dataset/{n}", "page")
        n += 1
    while (len(seen) + 1) * 2 <= len(seen._digests):
        seen.first_page(f"https://example.org/dataset/{n}", "page")
        n += 1
    old_slots = len(seen._digests)
    tracemalloc.start()
    try:
        seen.first_page("https://example.org/dataset/the-one-that-doubles", "page")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(seen._digests) == 2 * old_slots
    new_table = 12 * 2 * old_slots
    assert new_table <= peak < new_table + 2**20, (peak, new_table)
