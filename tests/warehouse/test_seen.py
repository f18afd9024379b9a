"""The loader's table of loaded dataset ids: repeats found, growth, memory."""

from __future__ import annotations

import tracemalloc

from dcat_quality.warehouse.seen import SeenIds


def test_a_repeated_id_is_reported_seen() -> None:
    seen = SeenIds()
    assert seen.add("http://e/d1") is True
    assert seen.add("http://e/d2") is True
    assert seen.add("http://e/d1") is False
    assert seen.add("http://e/d1") is False
    assert len(seen) == 2


def test_growth_from_a_tiny_table_keeps_every_id() -> None:
    """Start at 16 slots: the table grows many times and probes past full slots."""
    seen = SeenIds(capacity=16)
    ids = [f"https://example.org/dataset/{n}" for n in range(50_000)]
    assert all(seen.add(dataset_id) for dataset_id in ids)
    assert seen.slots == 1 << 17  # at most half full
    assert not any(seen.add(dataset_id) for dataset_id in ids)
    assert len(seen) == len(ids)
    assert seen.add("https://example.org/dataset/new") is True


def test_ids_cost_about_sixteen_bytes_each() -> None:
    """8 bytes a slot, at most half full (a dict of digests took ~100 bytes an id):
    16 MB at a million datasets."""
    tracemalloc.start()
    try:
        seen = SeenIds()
        for n in range(200_000):
            seen.add(f"https://example.org/dataset/{n}")
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen.slots == 1 << 19
    assert current < 8 * seen.slots + 2**16, current  # 4 MiB
    assert len(seen) == 200_000


def test_growing_holds_no_more_than_the_old_and_the_new_table() -> None:
    """The peak while the table doubles is the old table plus the new one, not a third,
    temporary copy: it is the run's memory peak at a million ids."""
    seen = SeenIds()
    n = 0
    while (len(seen) + 1) * 2 <= seen.slots or seen.slots < 1 << 18:
        seen.add(f"https://example.org/dataset/{n}")
        n += 1
    old_slots = seen.slots
    tracemalloc.start()
    try:
        seen.add("https://example.org/dataset/the-one-that-doubles")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen.slots == 2 * old_slots
    new_table = 8 * seen.slots
    assert new_table <= peak < new_table + 2**20, (peak, new_table)
