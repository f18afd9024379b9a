"""The CLI as a subprocess: ``python -m dcat_quality`` with an exact environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def dq_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dcat_quality", *args]


def dq(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """``python -m dcat_quality ARGS`` with exactly ``env`` on top of a clean base."""
    return subprocess.run(
        dq_command(*args),
        capture_output=True,
        text=True,
        env={**base_env(), **env},
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def base_env() -> dict[str, str]:
    """The test process's environment (already isolated by the root conftest), wide."""
    return {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
