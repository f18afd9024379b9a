"""The operator documentation in docs/: generated parts up to date, every link resolving."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from dcat_quality.config import Settings
from dcat_quality.quality.builtin import default_registry
from dcat_quality.report import docs as generator

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code (links there are not links)."""
    return _CODE.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*|\*|_(?=\W)|(?<=\W)_", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8")))}


def test_the_docs_exist_with_an_english_index() -> None:
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    for expected in (
        "README.md", "demarrage.md", "configuration.md", "modele-qualite.md", "rapport.md",
        "deploiement-sspcloud.md", "metabase.md", "sauvegarde-restauration.md",
        "depannage.md", "reference/indicateurs.md", "reference/variables.md",
        "sources.md", "entrepot.md",
    ):  # fmt: skip
        assert expected in names, expected
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in names - {"README.md"}:
        assert f"({page})" in index, f"docs/README.md does not link {page}"


@pytest.mark.parametrize("relative", sorted(generator.generated_files()), ids=str)
def test_generated_pages_are_up_to_date(relative: Path) -> None:
    committed = (DOCS / relative).read_text(encoding="utf-8")
    assert committed == generator.generated_files()[relative], (
        f"docs/{relative} is out of date: run `make docs` and commit it"
    )


def test_every_indicator_is_in_the_generated_reference() -> None:
    text = (DOCS / generator.INDICATORS_FILE).read_text(encoding="utf-8")
    for indicator in default_registry():
        row = next((line for line in text.splitlines() if f"`{indicator.id}`" in line), None)
        assert row is not None, indicator.id
        assert generator._cell(indicator.fix_hint_fr) in row, indicator.id
        assert indicator.label_fr in row, indicator.id
        if indicator.kind == "check":
            assert f"| {indicator.points} |" in row, indicator.id
    assert "405 points" in text


def test_every_setting_name_is_in_the_variables_reference() -> None:
    text = (DOCS / generator.VARIABLES_FILE).read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`{name}`" in text, name
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), name
        for choice in alias.choices:
            assert f"`{choice}`" in text, f"{choice} ({name})"


def test_every_command_is_in_the_docs() -> None:
    from dcat_quality.cli import app

    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    commands = [
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    ]
    groups = [g.name for g in app.registered_groups]
    for command in [*commands, *groups]:
        assert f"dcat-quality {command}" in text, f"dcat-quality {command} is not in docs/"


def test_the_generator_writes_what_the_test_expects(tmp_path: Path) -> None:
    written = generator.write(tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in written) == sorted(generator.generated_files())
    assert generator.write(tmp_path) == []  # a second run changes nothing


#: Pages outside docs/ whose links are checked too.
LINKED_PAGES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md"]


def _links() -> list[tuple[Path, str]]:
    return [
        (page, target)
        for page in [*PAGES, *LINKED_PAGES]
        for target in _LINK.findall(_prose(page.read_text(encoding="utf-8")))
    ]


def test_the_docs_have_links() -> None:
    assert len(_links()) > 30


@pytest.mark.parametrize(
    ("page", "target"),
    [pytest.param(p, t, id=f"{p.relative_to(ROOT)}->{t}") for p, t in _links()],
)
def test_every_link_resolves(page: Path, target: str) -> None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto:: outside the repository
        assert not target.startswith("file:"), target
        return
    path_part, _, anchor = target.partition("#")
    destination = (page.parent / path_part).resolve() if path_part else page
    assert destination.exists(), f"{page.relative_to(ROOT)}: {target} does not exist"
    assert destination.is_relative_to(ROOT), target
    if anchor:
        assert destination.suffix == ".md", target
        assert anchor in _anchors(destination), (
            f"{page.relative_to(ROOT)}: no heading #{anchor} in {destination.relative_to(ROOT)}"
        )


def test_slugs_follow_github() -> None:
    assert _slug("5. Lancer un chargement tout de suite") == "5-lancer-un-chargement-tout-de-suite"
    assert _slug("Dans l'entrepôt") == "dans-lentrepôt"
    assert _slug("Critères MQA") == "critères-mqa"
