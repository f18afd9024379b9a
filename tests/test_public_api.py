"""The public API is exactly ``__all__``: a change to it is deliberate."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dcat_quality


def test_all_names_exist() -> None:
    for name in dcat_quality.__all__:
        assert hasattr(dcat_quality, name), name


def test_public_names_are_exported() -> None:
    for name in dcat_quality.__all__:  # the names are imported on first use
        getattr(dcat_quality, name)
    public = {
        name
        for name, value in vars(dcat_quality).items()
        if not name.startswith("_")
        and not isinstance(value, type(dcat_quality))
        and name not in {"annotations"}
    }
    assert public == set(dcat_quality.__all__) - {"__version__"}


def test_parse_workers_do_not_import_the_clients() -> None:
    """A parse worker imports ``dcat_quality.worker`` only: without boto3, psycopg,
    pydantic or the CLI it holds about half the memory (the performance goal's RSS)."""
    code = (
        "import sys, dcat_quality, dcat_quality.worker\n"
        "heavy = {'boto3', 'botocore', 'psycopg', 'pydantic', 'typer', 'rich', 'httpx'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = _python(code)
    assert out.strip() == "[]"


def test_lazy_names_are_the_modules_own() -> None:
    from dcat_quality.pipeline import run_chain
    from dcat_quality.warehouse import Warehouse
    from dcat_quality.warehouse.warehouse import Warehouse as Direct

    assert dcat_quality.run_chain is run_chain
    assert Warehouse is Direct
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = dcat_quality.nothing  # type: ignore[attr-defined]


def test_console_script_imports_the_cli_only_when_called() -> None:
    """Workers re-run the console script as ``__mp_main__``: its import must stay light."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    module, _, function = project["project"]["scripts"]["dcat-quality"].partition(":")
    code = (
        f"import sys, {module}\n"
        f"assert callable({module}.{function})\n"
        "heavy = {'boto3', 'psycopg', 'pydantic', 'typer', 'rich', 'dcat_quality.cli'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = _python(code)
    assert out.strip() == "[]"


def test_worker_processes_collect_cycles_rarely() -> None:
    """Pool workers freeze the imported objects and raise the collector's threshold;
    the loading process (which calls ``init_worker`` itself for one worker) does not."""
    code = (
        "import gc\n"
        "from dcat_quality.worker import init_worker\n"
        "default = gc.get_threshold()\n"
        "init_worker(None)\n"
        "assert gc.get_threshold() == default and gc.get_freeze_count() == 0\n"
        "init_worker(None, True)\n"
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    out = _python(code)
    assert out.split() == ["50000", "True"]


def _python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (nothing imported before it)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
