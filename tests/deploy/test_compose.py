"""The local full stack (deploy/compose.yaml): parses, pinned images, no literal secret."""

from __future__ import annotations

import re

import yaml

from support import environment
from support.deploy import COMPOSE, DEPLOY, ROOT, SECRET_NAME, URL_WITH_PASSWORD, Doc

STACK: Doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
SERVICES: dict[str, Doc] = STACK["services"]
REFERENCE = re.compile(r"^\$\{\w+(:?[?-][^}]*)?\}$")
#: An exact release: x.y.z (v0.50.15), PostgreSQL's two-part 16.10, MinIO's RELEASE.<date>.
PINNED = re.compile(
    r"^[\w./-]+:(v?\d+\.\d+\.\d+|\d{2,}\.\d+|RELEASE\.[\dT:-]+Z)(-[\w.-]+)?"
    r"(@sha256:[0-9a-f]{64})?$"
)


def _environment(service: Doc) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_the_stack_has_its_services() -> None:
    assert {
        "minio",
        "minio-setup",
        "warehouse",
        "metabase-db",
        "metabase",
        "dcat-quality",
    } <= set(SERVICES)
    assert SERVICES["metabase"]["image"] == "metabase/metabase:v0.50.15"
    assert SERVICES["warehouse"]["image"].startswith("postgres:16.")


def test_every_image_is_pinned_or_built_here() -> None:
    for name, service in SERVICES.items():
        if "build" in service:
            assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
            assert (DEPLOY / service["build"]["context"]).resolve() == ROOT
            continue
        image = service["image"]
        assert "latest" not in image, name
        assert PINNED.match(image), f"{name}: {image} is not pinned to a release"


def test_no_literal_secret() -> None:
    for name, service in SERVICES.items():
        for variable, value in _environment(service).items():
            if SECRET_NAME.search(variable):
                assert REFERENCE.match(value), f"{name}: {variable} given in clear"
                assert ":-" not in value, f"{name}: {variable} has a default value"
            assert not URL_WITH_PASSWORD.search(value), f"{name}: {variable} holds a password"


def test_the_env_example_names_every_variable_the_stack_needs() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{(\w+)", text))
    example = (DEPLOY / "compose.env.example").read_text(encoding="utf-8")
    given = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    assert needed == given
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored  # deploy/.env, where the real values go, is never committed


def test_the_one_shot_job_runs_the_chain_like_the_cronjob() -> None:
    job = SERVICES["dcat-quality"]
    assert job["command"] == ["run", "--allow-rejections"]
    assert job["read_only"] is True
    assert job["user"] == "1000:1000"
    assert job["depends_on"]["minio-setup"]["condition"] == "service_completed_successfully"
    setup = SERVICES["minio-setup"]
    assert "../src/dcat_quality/demo_data:/demo:ro" in setup["volumes"]


def test_our_services_set_only_variables_dcat_quality_reads() -> None:
    known = environment.read_names()
    for name, service in SERVICES.items():
        if "build" in service:
            assert set(_environment(service)) <= known, name
