"""The image (no Docker engine here: the Dockerfile is read and checked by rule)."""

from __future__ import annotations

import re
import tomllib

import pytest

from support.deploy import (
    DOCKERFILE,
    ROOT,
    Stage,
    dockerignore_excludes,
    dockerignore_patterns,
    exec_form,
    expand,
    read_dockerfile,
)

GLOBAL_ARGS, STAGES = read_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
FINAL = STAGES[-1]
#: An image tag naming an exact release: python:3.11.14-slim-bookworm, not python:3.11.
PINNED_TAG = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$")


def _args(stage: Stage) -> dict[str, str]:
    args = dict(GLOBAL_ARGS)
    for rest in stage.all("ARG"):
        name, _, default = rest.partition("=")
        args[name] = default or args.get(name, "")
    return args


def test_multi_stage_with_a_builder() -> None:
    names = [s.name for s in STAGES]
    assert len(STAGES) >= 2
    assert "builder" in names
    assert any("--from=builder /opt/venv" in c for c in FINAL.all("COPY"))


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name or s.base)
def test_every_base_image_is_pinned_to_a_release(stage: Stage) -> None:
    stage_names = {s.name for s in STAGES}
    base = expand(stage.base, GLOBAL_ARGS)
    if base in stage_names:
        return
    assert "latest" not in base
    assert PINNED_TAG.match(base), f"{base}: not an exact release tag"
    assert "slim" in base


def test_the_base_python_satisfies_requires_python() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = re.fullmatch(r">=\s*3\.(\d+)", project["requires-python"])
    assert floor is not None
    base = expand(STAGES[0].base, GLOBAL_ARGS)
    match = re.search(r"python:3\.(\d+)\.\d+", base)
    assert match is not None
    assert int(match[1]) >= int(floor[1])


def test_final_stage_runs_as_uid_1000() -> None:
    users = FINAL.all("USER")
    assert users
    assert users[-1].split(":")[0] == "1000"


def test_entrypoint_is_dcat_quality_and_runs_the_chain_by_default() -> None:
    assert exec_form(FINAL.all("ENTRYPOINT")[-1]) == ["dcat-quality"]
    assert exec_form(FINAL.all("CMD")[-1]) == ["run"]


def test_nothing_is_pip_installed_in_the_final_stage() -> None:
    for run in FINAL.all("RUN"):
        assert not re.search(r"\bpip3?\s+install\b|\buv\s+pip\b|python\S*\s+-m\s+pip\b", run)


def test_the_postgresql_client_major_is_a_build_argument() -> None:
    args = _args(FINAL)
    assert args.get("PG_MAJOR") == "16"
    installs = " ".join(FINAL.all("RUN"))
    assert "postgresql-client-${PG_MAJOR}" in installs
    assert "apt.postgresql.org" in installs
    assert "rm -rf /var/lib/apt/lists/*" in installs
    env = " ".join(FINAL.all("ENV"))
    assert "/usr/lib/postgresql/${PG_MAJOR}/bin" in env


def test_runtime_environment_suits_a_read_only_root() -> None:
    env = " ".join(FINAL.all("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "HOME=/home/app" in env
    assert "DCAT_QUALITY_HOME=/home/app/" in env
    assert "useradd --uid 1000" in " ".join(FINAL.all("RUN"))


def test_oci_labels() -> None:
    labels = " ".join(FINAL.all("LABEL"))
    for name in ("title", "description", "version", "revision", "licenses"):
        assert f"org.opencontainers.image.{name}=" in labels


def test_the_build_context_holds_what_the_builder_copies_and_nothing_else() -> None:
    patterns = dockerignore_patterns()
    builder = next(s for s in STAGES if s.name == "builder")
    sources = [
        word for copy in builder.all("COPY") if "--from" not in copy for word in copy.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert not dockerignore_excludes(source, patterns), source
    assert not dockerignore_excludes("src/dcat_quality/cli/__init__.py", patterns)
    assert not dockerignore_excludes("src/dcat_quality/demo_data/page-00001.json.gz", patterns)
    for left_out in (
        ".git/config",
        ".venv/bin/python",
        "tests/conftest.py",
        "deploy/.env",
        "src/dcat_quality/__pycache__/cli.cpython-311.pyc",
        "metabase.dump",
    ):
        assert dockerignore_excludes(left_out, patterns), left_out
