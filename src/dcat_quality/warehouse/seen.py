"""The dataset ids a run has loaded so far, and the page each came from.

The loading process must remember every id to reject a dataset published twice (first
copy kept). A dict of per-id digests costs about 100 bytes an id: 100 MB at a million
datasets, which would break the flat-memory goal. This open-addressing table keeps a
64-bit digest and a page number per slot, 12 bytes, in two arrays at most half full:
about 24 MB at a million ids.

Two different ids share a 64-bit digest with probability about n² / 2⁶⁵, 3 × 10⁻⁸ for a
million ids; the later one would then be reported as a duplicate of the first.
"""

from __future__ import annotations

import hashlib
from array import array

_EMPTY = 0


def _digest(dataset_id: str) -> int:
    digest = hashlib.blake2b(dataset_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1  # 0 marks an empty slot


def _empty_slots(size: int) -> tuple[array[int], array[int]]:
    # Repeating a one-item array allocates the table once; building it from
    # ``bytes(8 * size)`` held a second copy as long, and the table's doubling at a
    # million ids made the run's memory peak 16 MB higher.
    return array("Q", [_EMPTY]) * size, array("I", [0]) * size


class SeenIds:
    """A set of dataset ids, each with the page it was first seen on."""

    __slots__ = ("_count", "_digests", "_page_numbers", "_page_of", "_pages")

    def __init__(self, capacity: int = 1 << 14) -> None:
        size = 1 << max(4, (capacity - 1).bit_length())
        self._digests, self._page_numbers = _empty_slots(size)
        self._pages: list[str] = []
        self._page_of: dict[str, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def first_page(self, dataset_id: str, page: str) -> str | None:
        """The page ``dataset_id`` was first seen on, or None (and it is recorded now as
        seen on ``page``)."""
        digest = _digest(dataset_id)
        digests = self._digests
        mask = len(digests) - 1
        slot = digest & mask
        while True:
            found = digests[slot]
            if found == digest:
                return self._pages[self._page_numbers[slot]]
            if found == _EMPTY:
                break
            slot = (slot + 1) & mask
        number = self._page_of.get(page)
        if number is None:
            number = self._page_of[page] = len(self._pages)
            self._pages.append(page)
        digests[slot] = digest
        self._page_numbers[slot] = number
        self._count += 1
        if self._count * 2 > len(digests):
            self._grow()
        return None

    def _grow(self) -> None:
        old_digests, old_numbers = self._digests, self._page_numbers
        size = len(old_digests) * 2
        mask = size - 1
        digests, numbers = _empty_slots(size)
        for digest, number in zip(old_digests, old_numbers, strict=True):
            if digest == _EMPTY:
                continue
            slot = digest & mask
            while digests[slot] != _EMPTY:
                slot = (slot + 1) & mask
            digests[slot] = digest
            numbers[slot] = number
        self._digests, self._page_numbers = digests, numbers
