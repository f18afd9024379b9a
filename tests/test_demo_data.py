"""The demo dump shipped in the package is exactly what the generator writes."""

from __future__ import annotations

from pathlib import Path

from dcat_quality.cli.chain import demo_source
from dcat_quality.sample import write_sample


def test_shipped_demo_matches_the_generator(tmp_path: Path) -> None:
    shipped = demo_source()
    summary = write_sample(tmp_path, datasets=500, gzip=True, seed=42)
    pages = sorted(p.name for p in shipped.iterdir() if p.name.startswith("page-"))
    assert pages == sorted(p.name for p in tmp_path.iterdir())
    for name in pages:
        assert (shipped / name).read_bytes() == (tmp_path / name).read_bytes(), name
    assert summary.datasets == 500
    assert len(summary.bad_pages) == 1
