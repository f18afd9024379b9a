"""The tests' environment isolation covers every variable the code reads.

The list of cleared names is derived from the settings model and the command line
(``support.environment``); these tests fail when a variable escapes it: a setting
declared without environment names, or a variable read by the code some other way.
"""

from __future__ import annotations

import os
import re

import pytest

from dcat_quality.config import LIBPQ_VARIABLES, Settings
from support import environment
from support.paths import SRC

#: Variables the code reads on purpose from the real environment, in tests too.
NOT_ISOLATED = {"PATH"}

#: A literal variable name read from the environment: os.environ[...], .get(...),
#: os.getenv(...), a command-line option's envvar=.
_READ = re.compile(
    r"""(?:environ(?:\.get)?\s*[\[(]\s*|getenv\(\s*|envvar\s*=\s*)["']([A-Za-z_][A-Za-z0-9_]*)["']"""
)


def _names_read_in_source() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        names.update(_READ.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_name_of_every_setting_is_isolated() -> None:
    for name, field in Settings.model_fields.items():
        aliases = field.validation_alias
        choices = getattr(aliases, "choices", None)
        assert choices, f"setting {name} has no environment names"
        for choice in choices:
            assert environment.is_isolated(str(choice)), f"{choice} ({name}) is not isolated"


def test_every_command_line_variable_is_isolated() -> None:
    names = environment.command_line_names()
    assert "DCAT_QUALITY_LOG_LEVEL" in names  # the walk reaches the options
    assert "JOB_COMPLETION_INDEX" in names  # and the subcommands' options
    assert all(environment.is_isolated(name) for name in names)


def test_every_variable_the_code_reads_is_isolated() -> None:
    read = _names_read_in_source() | set(LIBPQ_VARIABLES)
    assert {"JOB_COMPLETION_INDEX", "XDG_DATA_HOME", "PATH"} <= read  # the scan finds reads
    escaped = sorted(n for n in read - NOT_ISOLATED if not environment.is_isolated(n))
    assert not escaped, f"read by the code but not cleared by the tests: {escaped}"


def test_the_derived_list_is_wider_than_the_settings_alone() -> None:
    names = environment.isolated_names()
    assert environment.setting_names() < names
    assert {"DATABASE_URL", "POSTGRES_URL", "VAULT_TOKEN"} <= environment.setting_names()


def test_clear_removes_every_isolated_name() -> None:
    planted = {**dict.fromkeys(environment.isolated_names(), "leak"), "PGSSLMODE": "require"}
    planted |= {"AWS_PROFILE": "leak", "VAULT_CACERT": "leak", "DCAT_QUALITY_NEW": "leak"}
    with pytest.MonkeyPatch.context() as outer:
        for name, value in planted.items():
            outer.setenv(name, value)
        with pytest.MonkeyPatch.context() as inner:
            environment.clear(inner, os.environ)
            assert environment.present(os.environ) == []
        assert all(os.environ.get(name) == value for name, value in planted.items())
    assert environment.present({"TEST_DATABASE_URL": "x", "HOME": "/root"}) == []


def test_a_test_sees_only_its_data_folder() -> None:
    assert environment.present(os.environ) == ["DCAT_QUALITY_HOME"]
