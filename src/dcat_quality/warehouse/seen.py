"""The dataset ids a run has loaded so far, as 64-bit digests.

The loading process must remember every id to reject a dataset published twice (first
copy kept). A dict of per-id digests costs about 100 bytes an id: 100 MB at a million
datasets, which would break the flat-memory goal. This open-addressing table keeps one
64-bit digest per slot, at most half full: 16 MB at a million ids.

The table only says "maybe seen": the loader then looks for the first copy among the rows
it loaded (which also names its page). Two different ids share a digest with probability
about n² / 2⁶⁵ (3 × 10⁻⁸ for a million ids); the loader finds no first copy then and
loads the dataset, so no dataset is ever rejected for a collision.
"""

from __future__ import annotations

import hashlib
from array import array

_EMPTY = 0


def _digest(dataset_id: str) -> int:
    digest = hashlib.blake2b(dataset_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1  # 0 marks an empty slot


def _empty_slots(size: int) -> array[int]:
    # Repeating a one-item array allocates the table once; building it from
    # ``bytes(8 * size)`` held a second copy as long, and the table's doubling at a
    # million ids made the run's memory peak 16 MB higher.
    return array("Q", [_EMPTY]) * size


class SeenIds:
    """A set of dataset ids, kept as digests: membership may err on the side of "seen"."""

    __slots__ = ("_count", "_digests")

    def __init__(self, capacity: int = 1 << 14) -> None:
        self._digests = _empty_slots(1 << max(4, (capacity - 1).bit_length()))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def slots(self) -> int:
        """The table's size (its memory is 8 bytes a slot)."""
        return len(self._digests)

    def add(self, dataset_id: str) -> bool:
        """Record ``dataset_id``; False when it (or an id with the same digest) was seen."""
        digest = _digest(dataset_id)
        digests = self._digests
        mask = len(digests) - 1
        slot = digest & mask
        while True:
            found = digests[slot]
            if found == digest:
                return False
            if found == _EMPTY:
                break
            slot = (slot + 1) & mask
        digests[slot] = digest
        self._count += 1
        if self._count * 2 > len(digests):
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._digests
        size = len(old) * 2
        mask = size - 1
        digests = _empty_slots(size)
        for digest in old:
            if digest == _EMPTY:
                continue
            slot = digest & mask
            while digests[slot] != _EMPTY:
                slot = (slot + 1) & mask
            digests[slot] = digest
        self._digests = digests
