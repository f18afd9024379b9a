"""How many CPUs this process may really use, for the default number of parse workers.

``os.cpu_count()`` is the machine's count: in a container limited to 2 CPUs on a
32-core node it would start 32 workers (1.4 GB of them) that the CPU quota then
throttles. The affinity mask and the cgroup v2 quota (``cpu.max``) say what is usable.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def available_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """CPUs usable by this process: its affinity mask, capped by the cgroup's quota
    (rounded up: a quota of 1.5 CPUs keeps 2 workers busy)."""
    if hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS, Windows
        count = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            count = min(count, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):  # no cgroup v2 here, or an unreadable line
        pass
    return max(1, count)
