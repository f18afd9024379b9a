"""Where things are: the repository, its folders, and the shared real-world files.

The shared folder (``shared/``: real DCAT files, official SHACL shapes) lies beside the
worktree on a developer's machine and beside the clone in CI; tests read it in place.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SRC = ROOT / "src" / "dcat_quality"


def _shared() -> Path:
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared"


SHARED = _shared()
REALDATA = SHARED / "realdata"
