"""The README stays true to the code: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices

from dcat_quality.cli import app
from dcat_quality.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_name_is_in_the_readme() -> None:
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), name
        for choice in alias.choices:
            assert f"`{choice}`" in README, f"{choice} ({name}) is not documented in README.md"


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
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in ci
