"""The report in a real browser: headless Chromium on loopback, no console error, a screenshot.

The screenshots are written to ``tests/report/artifacts/`` (git-ignored) for review.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dcat_quality.report import Report, write_report
from support.chromium import CHROMIUM, INSTALL_HINT, open_page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PNG = b"\x89PNG\r\n\x1a\n"

if CHROMIUM is None:  # say why, loudly: `make test` installs it (target `chromium`)
    print(f"\nchromium not found: the browser tests are skipped; {INSTALL_HINT}")
pytestmark = [
    pytest.mark.slow,  # headless Chromium
    pytest.mark.skipif(CHROMIUM is None, reason=f"chromium not found: {INSTALL_HINT}"),
]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_renders_without_console_errors(
    demo_report: Report, tmp_path: Path, lang: str
) -> None:
    write_report(demo_report, tmp_path / "report.html", lang)  # type: ignore[arg-type]
    shot = ARTIFACTS / f"report-{lang}.png"
    page = open_page(tmp_path, "report.html", shot)

    assert page.errors == [], page.errors
    # self-contained: the page itself is the only thing requested (no font, image, script)
    assert page.requests == [page.url], page.requests
    assert page.facts["lang"] == lang
    assert page.facts["sections"] == [
        "overview",
        "dimensions",
        "trend",
        "publishers",
        "fix-first",
        "ecospheres",
        "hvd",
        "repairs",
        "by-publisher",
    ]
    assert page.facts["publishers"] == len(demo_report.sections)
    assert len(page.facts["charts"]) == 3
    assert all(width > 600 for width in page.facts["charts"]), page.facts["charts"]
    assert f"{demo_report.run.run_id}" in page.facts["title"]
    assert shot.read_bytes()[:8] == PNG
    assert shot.stat().st_size > 20_000  # a blank 1280×4000 PNG is a few KB


@pytest.mark.slow
def test_the_browser_check_does_see_errors(tmp_path: Path) -> None:
    """The harness is not blind: a script error, a console.error and a missing image show."""
    (tmp_path / "broken.html").write_text(
        "<!DOCTYPE html><html lang='fr'><head><link rel='icon' href='data:,'>"
        "<title>t</title></head><body><main><section id='x'>x</section></main>"
        "<img src='missing.png' alt=''>"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    page = open_page(tmp_path, "broken.html", tmp_path / "broken.png")
    text = "\n".join(page.errors)
    assert "console.error: boom" in text
    assert "undefinedFunction" in text
    assert "missing.png" in text or "404" in text
    assert any(url.endswith("/missing.png") for url in page.requests)


def test_chromium_is_the_debian_one_when_present() -> None:
    assert CHROMIUM is not None
    assert Path(CHROMIUM).resolve().exists()
    assert shutil.which(Path(CHROMIUM).name)
