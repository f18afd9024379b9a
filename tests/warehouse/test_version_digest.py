"""Versions as digests: every input counts, the same inputs give the same version in
any process, and the set of published versions answers membership."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.warehouse.digest import KnownVersions, rows_digest, version_digest
from support.warehouse import RICH

_IN_ANOTHER_PROCESS = """
from dcat_quality.warehouse.digest import version_digest
from support.warehouse import RICH
from dataclasses import replace
print(version_digest("f", replace(RICH, present=frozenset({"a", "b", "c", "d"}))).hex())
"""


def test_every_field_counts_even_those_left_out_of_repr() -> None:
    base = version_digest("f", RICH)
    assert version_digest("f", RICH) == base
    assert version_digest("g", RICH) != base  # the scoring inputs
    assert version_digest("f", replace(RICH, present=frozenset({"dct:title"}))) != base
    moved = replace(RICH.distributions[0], position=3)
    assert version_digest("f", replace(RICH, distributions=(moved,))) != base


def test_integers_beyond_64_bits_and_bytes_are_digested_exactly() -> None:
    huge = DistributionRecord("d", byte_size=2**70)
    record = DatasetRecord("x", distributions=(huge,))
    other = DatasetRecord("x", distributions=(replace(huge, byte_size=2**70 + 1),))
    assert version_digest("f", record) != version_digest("f", other)
    assert version_digest("f", (b"\x01", record)) != version_digest("f", (b"\x02", record))
    assert len(rows_digest([("hist_datasets", ("x", 2**80))])) == 16


def test_the_same_inputs_give_the_same_version_whatever_the_hash_seed() -> None:
    """Sets are sorted before they are digested: string hashing differs per process."""
    seen = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", _IN_ANOTHER_PROCESS],
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": ":".join(sys.path)},
            capture_output=True,
            text=True,
            check=True,
        )
        seen.add(out.stdout.strip())
    assert len(seen) == 1


@pytest.mark.parametrize("count", [0, 1, 1000])
def test_known_versions_answer_membership(count: int) -> None:
    versions = [version_digest("f", n) for n in range(count)]
    known = KnownVersions(versions)
    assert len(known) == count
    assert all(v in known for v in versions)
    assert version_digest("f", -1) not in known
    assert "not bytes" not in known
