"""The default worker count follows the CPUs usable here, container quota included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dcat_quality.config import Settings
from dcat_quality.cpus import available_cpus

AFFINITY = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", AFFINITY),  # no quota
        ("100000 100000\n", 1),
        ("50000 100000\n", 1),  # half a CPU still needs one worker
        ("150000 100000\n", min(AFFINITY, 2)),  # 1.5 CPUs keep two workers busy
        ("6400000 100000\n", AFFINITY),  # a quota above the affinity mask
        ("garbage\n", AFFINITY),
    ],
)
def test_quota_caps_the_affinity_mask(tmp_path: Path, cpu_max: str, expected: int) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max)
    assert available_cpus(path) == expected


def test_without_cgroup_v2_the_affinity_mask_counts(tmp_path: Path) -> None:
    assert available_cpus(tmp_path / "absent") == AFFINITY


def test_workers_default_is_the_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DCAT_QUALITY_WORKERS", raising=False)
    assert Settings(_env_file=None).workers == available_cpus()  # type: ignore[call-arg]
    monkeypatch.setenv("DCAT_QUALITY_WORKERS", "3")
    assert Settings(_env_file=None).workers == 3  # type: ignore[call-arg]
