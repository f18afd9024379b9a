"""The generated parts of the operator documentation, from the code so they cannot drift.

``python -m dcat_quality.report.docs [DOCS_FOLDER]`` (``make docs``) writes:

- ``reference/indicateurs.md``: every indicator of ``default_registry()`` with its points,
  dimension, DCAT property and fix hint;
- ``reference/variables.md``: every setting of ``Settings`` with all its environment
  names (in precedence order), its default and its description.

``tests/test_docs_site.py`` fails when the committed files differ from what this writes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dcat_quality.config import Settings
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.registry import MQA_DIMENSIONS, Indicator, Registry

GENERATED = "<!-- Généré par `make docs` (python -m dcat_quality.report.docs) : ne pas modifier à la main. -->"  # noqa: E501
INDICATORS_FILE = Path("reference/indicateurs.md")
VARIABLES_FILE = Path("reference/variables.md")

#: Environment names kept from the historical scripts (shown as such in the reference).
HISTORICAL_NAMES = frozenset({
    "BUCKET_NAME", "S3_ENDPOINT_URL", "ACCESS_KEY", "SECRET_KEY", "POSTGRES_URL",
    "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
    "KUBE_POD_NAME",
})  # fmt: skip

_DIMENSIONS_FR = {
    "findability": "Découvrabilité",
    "accessibility": "Accessibilité",
    "interoperability": "Interopérabilité",
    "reusability": "Réutilisabilité",
    "contextuality": "Contexte",
    "completeness": "Complétude",
    "access": "Accès",
}
_LEVELS_FR = {
    "dataset": "jeu de données",
    "distribution": "distribution (la meilleure compte)",
    "dataset+distribution": "jeu de données ou distribution",
}


def _cell(text: object) -> str:
    """A Markdown table cell: one line, pipes and angle brackets escaped."""
    one_line = " ".join(str(text).split())
    return one_line.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _indicator_rows(indicators: Iterable[Indicator]) -> list[list[object]]:
    return [
        [
            f"`{i.id}`",
            f"{i.label_fr} ({i.label_en})",
            i.points if i.kind == "check" else "mesure",
            _LEVELS_FR.get(i.level, i.level),
            f"`{i.dcat_property}`",
            i.fix_hint_fr,
        ]
        for i in indicators
    ]


def indicators_markdown(registry: Registry | None = None) -> str:
    """The indicator reference, in French, from the registry."""
    registry = registry or default_registry()
    mqa = [i for i in registry if i.family == "mqa"]
    hvd = [i for i in registry if i.family == "hvd"]
    others = [i for i in registry if i.family not in ("mqa", "hvd")]
    header = ["indicateur", "libellé", "points", "mesuré sur", "propriété", "comment corriger"]
    lines = [
        "# Référence des indicateurs",
        "",
        GENERATED,
        "",
        f"{len(list(registry))} indicateurs : les {len(mqa)} critères MQA de data.europa.eu "
        f"({sum(i.points for i in mqa)} points), {len(others)} indicateurs historiques "
        f"Ecosphères et {len(hvd)} contrôles des données de forte valeur (informatifs, "
        "0 point). La même liste est dans la table `indicators` de "
        "l'entrepôt et dans `dcat-quality indicators`. Le modèle est expliqué dans "
        "[le modèle de qualité](../modele-qualite.md).",
        "",
        "## Critères MQA",
        "",
    ]
    lines += _table(
        ["dimension", "points"],
        [
            [_DIMENSIONS_FR[d], sum(i.points for i in mqa if i.dimension == d)]
            for d in MQA_DIMENSIONS
        ]
        + [["**total**", f"**{sum(i.points for i in mqa)}**"]],
    )
    for dimension in MQA_DIMENSIONS:
        items = [i for i in mqa if i.dimension == dimension]
        lines += [
            "",
            f"### {_DIMENSIONS_FR[dimension]} ({sum(i.points for i in items)} points)",
            "",
        ]
        lines += _table(header, _indicator_rows(items))
    lines += ["", "## Indicateurs historiques Ecosphères", ""]
    lines += _table(header, _indicator_rows(others))
    if hvd:
        lines += [
            "",
            "## Données de forte valeur (HVD)",
            "",
            "Mesurés sur les seuls jeux de données HVD (catégorie HVD ou règlement "
            "d'exécution (UE) 2023/138 cité) ; voir [les données de forte valeur]"
            "(../donnees-forte-valeur.md).",
            "",
        ]
        lines += _table(header, _indicator_rows(hvd))
    return "\n".join(lines) + "\n"


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "calculé (voir la description)"
    if field.default is None or field.default is PydanticUndefined:
        return "—"
    return f"`{field.default}`"


def _names(field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str)]
    if isinstance(alias, str):
        return [alias]
    return []


def variables_markdown() -> str:
    """Every setting with its environment names, default and description."""
    rows = []
    for name, field in Settings.model_fields.items():
        names = _names(field)
        shown = ", ".join(
            f"`{n}`" + (" (historique)" if n in HISTORICAL_NAMES else "") for n in names
        )
        secret = "SecretStr" in str(field.annotation)
        rows.append([
            f"`{name}`",
            shown or "—",
            _default(field),
            ("**secret** (jamais affiché) — " if secret else "") + (field.description or ""),
        ])  # fmt: skip
    lines = [
        "# Référence des variables de configuration",
        "",
        GENERATED,
        "",
        "Tous les réglages de `dcat_quality.config.Settings`, dans l'ordre du code. Quand un "
        "réglage a plusieurs noms, ils sont listés par ordre de priorité : le premier présent "
        "l'emporte (le nom standard avant le nom historique). Les descriptions viennent du "
        "code (en anglais). La priorité entre sources (option, environnement, `.env`, défaut) "
        "est expliquée dans [la configuration](../configuration.md).",
        "",
    ]
    lines += _table(["réglage", "variables (par priorité)", "défaut", "description"], rows)
    return "\n".join(lines) + "\n"


def generated_files() -> dict[Path, str]:
    """Path (relative to docs/) → content of every generated file."""
    return {INDICATORS_FILE: indicators_markdown(), VARIABLES_FILE: variables_markdown()}


def write(docs: Path) -> list[Path]:
    """Write the generated files under ``docs``; returns those that changed."""
    changed = []
    for relative, content in generated_files().items():
        path = docs / relative
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":  # pragma: no cover - `make docs`
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    for written in write(folder):
        print(f"wrote {written}")
