"""The README stays a newcomer's page true to the code: the two commands first, every
command in its table, at most about 200 lines, the rest linked where it lives."""

from __future__ import annotations

from dcat_quality.cli import app
from support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    commands = [
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    ]
    groups = [g.name for g in app.registered_groups]
    assert commands
    for command in [*commands, *groups]:
        assert f"dcat-quality {command}" in README, command


def test_readme_starts_with_the_two_commands() -> None:
    head = README.split("## ", 1)[0]
    assert "make demo" in head
    assert "make test" in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_fits_a_newcomers_page() -> None:
    assert len(README.splitlines()) <= 200, "move the detail to docs/ and link it"


def test_readme_links_the_settings_reference_and_the_manuals() -> None:
    for target in (
        "docs/reference/variables.md",  # every setting, generated from the code
        "docs/README.md",
        "benchmarks/README.md",
    ):
        assert f"]({target})" in README, target
