"""The Kubernetes manifests: schema-valid for the cluster versions we target, and within
our policy (pinned image, secrets by reference only, the restricted security profile,
the CronJob settings); each policy rule fails on a manifest that breaks it."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes_validate import ValidationError, validate
from kubernetes_validate.utils import all_versions

from support import environment
from support.deploy import (
    BASE,
    OVERLAYS,
    Doc,
    check_manifests,
    containers_of,
    load_docs,
    patch_files,
    render,
    resource_files,
    split_image,
)

#: The version the README names for SSPCloud; 1.27 is the oldest where CronJob.timeZone
#: is GA; the newest is whatever kubernetes-validate bundles.
SSPCLOUD_VERSION = "1.30"
VERSIONS = sorted({"1.27", SSPCLOUD_VERSION, all_versions()[-1].rsplit(".", 1)[0]})
SSPCLOUD = next(p for p in OVERLAYS if p.name == "sspcloud")
RENDERS = {"base": BASE, **{f"overlay {p.name}": p for p in OVERLAYS}}


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Doc]]:
    return {label: render(folder) for label, folder in RENDERS.items()}


def _ids(path: Path) -> str:
    return str(path.relative_to(BASE.parents[1]))


# ------------------------------------------------------------------- schema


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", resource_files(), ids=_ids)
def test_every_manifest_file_validates_strictly(path: Path, version: str) -> None:
    docs = load_docs(path)
    assert docs
    for doc in docs:
        assert validate(doc, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("label", RENDERS)
def test_kustomize_output_validates_strictly(
    rendered: dict[str, list[Doc]], label: str, version: str
) -> None:
    kinds = sorted(d["kind"] for d in rendered[label])
    assert kinds == ["ConfigMap", "CronJob", "ServiceAccount"]
    for doc in rendered[label]:
        assert validate(doc, version, strict=True)


def test_strict_validation_catches_a_misspelt_field(rendered: dict[str, list[Doc]]) -> None:
    cronjob = copy.deepcopy(_cronjob(rendered["base"]))
    cronjob["spec"]["startingDeadlineSecond"] = cronjob["spec"].pop("startingDeadlineSeconds")
    with pytest.raises(ValidationError):
        validate(cronjob, SSPCLOUD_VERSION, strict=True)


def test_every_patch_targets_a_rendered_resource() -> None:
    files = patch_files()
    assert files
    for path in files:
        for doc in load_docs(path):
            assert {"apiVersion", "kind", "metadata"} <= set(doc), path


def test_split_image() -> None:
    assert split_image("host:5000/a/b:1.0@sha256:ab") == ("host:5000/a/b", "1.0", "sha256:ab")
    assert split_image("host:5000/a/b") == ("host:5000/a/b", "", "")


# ------------------------------------------------------------------- policy


@pytest.mark.parametrize("label", RENDERS)
def test_our_manifests_pass_the_policy(rendered: dict[str, list[Doc]], label: str) -> None:
    assert check_manifests(rendered[label]) == []


@pytest.mark.parametrize("path", resource_files(), ids=_ids)
def test_every_manifest_file_passes_the_policy(path: Path) -> None:
    assert check_manifests(load_docs(path)) == []


def _cronjob(docs: list[Doc]) -> Doc:
    return next(d for d in docs if d["kind"] == "CronJob")


def _pod(docs: list[Doc]) -> Doc:
    pod: Doc = _cronjob(docs)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def _job(docs: list[Doc]) -> Doc:
    job: Doc = _cronjob(docs)["spec"]["jobTemplate"]["spec"]
    return job


def _main(docs: list[Doc]) -> Doc:
    container: Doc = _pod(docs)["containers"][0]
    return container


def _init(docs: list[Doc]) -> Doc:
    container: Doc = _pod(docs)["initContainers"][0]
    return container


def _set(getter: Callable[[list[Doc]], Doc], path: str, value: Any) -> Callable[[list[Doc]], None]:
    """A mutation setting ``path`` (dotted) under what ``getter`` returns; None removes."""

    def mutate(docs: list[Doc]) -> None:
        node = getter(docs)
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value

    return mutate


def _add_env(name: str, value: str) -> Callable[[list[Doc]], None]:
    def mutate(docs: list[Doc]) -> None:
        _init(docs).setdefault("env", []).append({"name": name, "value": value})

    return mutate


def _configmap(docs: list[Doc]) -> Doc:
    data: Doc = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    return data


def _add_secret(docs: list[Doc]) -> None:
    docs.append(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"a": "b"}}
    )


REPO = "registry.example.org/dcat-quality"
MUTATIONS: dict[str, tuple[Callable[[list[Doc]], None], str]] = {
    "tag latest, no digest": (_set(_init, "image", f"{REPO}:latest"), "image-latest"),
    "tag only": (_set(_main, "image", f"{REPO}:0.1.0"), "image-digest"),
    "no tag, no digest": (_set(_main, "image", REPO), "image-digest"),
    "short digest": (_set(_main, "image", f"{REPO}@sha256:abc"), "image-digest"),
    "literal password": (_add_env("POSTGRES_PASSWORD", "hunter2"), "secret-literal"),
    "literal secret key": (_add_env("AWS_SECRET_ACCESS_KEY", "abc"), "secret-literal"),
    "literal access key": (_add_env("AWS_ACCESS_KEY_ID", "abc"), "secret-literal"),
    "literal token": (_add_env("VAULT_TOKEN", "hvs.x"), "secret-literal"),
    "literal MB_DB_PASS": (_add_env("MB_DB_PASS", "x"), "secret-literal"),
    "URL with password": (
        _add_env("DATABASE_URL", "postgresql://u:pw@db/x"),
        "secret-literal",
    ),
    "secret in ConfigMap": (_set(_configmap, "POSTGRES_PASSWORD", "x"), "secret-literal"),
    "URL with password in ConfigMap": (
        _set(_configmap, "METABASE_DATABASE_URL", "postgresql://postgres:pw@metabase-db/m"),
        "secret-literal",
    ),
    "Secret with values": (_add_secret, "secret-literal"),
    "runAsNonRoot missing": (
        lambda d: (
            _set(_pod, "securityContext.runAsNonRoot", None)(d),
            _set(_init, "securityContext.runAsNonRoot", None)(d),
        ),
        "run-as-non-root",
    ),
    "runAsNonRoot false": (_set(_main, "securityContext.runAsNonRoot", False), "run-as-non-root"),
    "runAsUser 0": (_set(_init, "securityContext.runAsUser", 0), "run-as-user"),
    "allowPrivilegeEscalation missing": (
        _set(_main, "securityContext.allowPrivilegeEscalation", None),
        "allow-privilege-escalation",
    ),
    "privileged": (_set(_init, "securityContext.privileged", True), "privileged"),
    "capabilities not dropped": (
        _set(_init, "securityContext.capabilities", None),
        "capabilities-drop-all",
    ),
    "capability added": (
        _set(_main, "securityContext.capabilities.add", ["SYS_ADMIN"]),
        "capabilities-drop-all",
    ),
    "seccomp Unconfined": (
        lambda d: (
            _set(_pod, "securityContext.seccompProfile", None)(d),
            _set(_main, "securityContext.seccompProfile.type", "Unconfined")(d),
        ),
        "seccomp",
    ),
    "writable root": (
        _set(_main, "securityContext.readOnlyRootFilesystem", False),
        "read-only-root",
    ),
    "no /tmp emptyDir": (_set(_init, "volumeMounts", []), "writable-tmp"),
    "hostPath volume": (
        lambda d: _pod(d)["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
        "volume-types",
    ),
    "hostNetwork": (_set(_pod, "hostNetwork", True), "host-namespaces"),
    "no limits": (_set(_main, "resources.limits", None), "resources"),
    "no memory request": (_set(_init, "resources.requests.memory", None), "resources"),
    "token mounted": (_set(_pod, "automountServiceAccountToken", None), "service-account-token"),
    "restart OnFailure": (_set(_pod, "restartPolicy", "OnFailure"), "restart-policy"),
    "backoffLimit 6": (_set(_job, "backoffLimit", 6), "job-limits"),
    "no activeDeadlineSeconds": (_set(_job, "activeDeadlineSeconds", None), "job-limits"),
    "no ttlSecondsAfterFinished": (_set(_job, "ttlSecondsAfterFinished", None), "job-limits"),
    "concurrency Allow": (
        lambda d: _cronjob(d)["spec"].update(concurrencyPolicy="Allow"),
        "cronjob-settings",
    ),
    "no startingDeadlineSeconds": (
        lambda d: _cronjob(d)["spec"].pop("startingDeadlineSeconds"),
        "cronjob-settings",
    ),
    "no history limit": (
        lambda d: _cronjob(d)["spec"].pop("failedJobsHistoryLimit"),
        "cronjob-settings",
    ),
    "no timeZone": (lambda d: _cronjob(d)["spec"].pop("timeZone"), "cronjob-settings"),
    "name too long": (
        lambda d: _cronjob(d)["metadata"].update(name="x" * 53),
        "cronjob-settings",
    ),
}


@pytest.mark.parametrize("label", RENDERS)
@pytest.mark.parametrize("mutation", MUTATIONS)
def test_each_policy_rule_fails_on_a_bad_manifest(
    rendered: dict[str, list[Doc]], label: str, mutation: str
) -> None:
    mutate, rule = MUTATIONS[mutation]
    docs = copy.deepcopy(rendered[label])
    mutate(docs)
    rules = {v.rule for v in check_manifests(docs)}
    assert rule in rules, f"{mutation}: {rules}"


def test_every_rule_has_a_failing_example() -> None:
    from support import deploy

    source = Path(deploy.__file__).read_text()
    declared = set(re.findall(r'(?:Violation\(|fail\()\s*"([a-z-]+)"', source))
    assert declared == {rule for _, rule in MUTATIONS.values()}


# ---------------------------------------------------------------- what runs


def test_the_pod_runs_the_chain_then_the_metabase_backup(rendered: dict[str, list[Doc]]) -> None:
    for docs in rendered.values():
        cronjob = _cronjob(docs)
        assert cronjob["spec"]["schedule"] == "0 0 * * *"
        assert cronjob["spec"]["timeZone"] == "Europe/Paris"
        pod = _pod(docs)
        steps = [c["args"] for c in pod["initContainers"]]
        if docs is rendered.get("overlay sspcloud-digest"):  # the digests, opted in
            assert steps == [
                ["run", "--allow-rejections"],
                ["digest", "--send", "--to-contact-points", "--output", "/tmp/digests"],
            ]
        else:  # off by default
            assert steps == [["run", "--allow-rejections"]]
        assert [c["args"][:3] for c in pod["containers"]] == [["metabase", "backup", "--s3"]]
        for container in [*pod["initContainers"], *pod["containers"]]:
            assert "command" not in container  # the image's ENTRYPOINT, dcat-quality
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert {"/tmp", "/home/app"} <= mounts  # HOME and DCAT_QUALITY_HOME


def test_the_overlay_pins_the_image_by_tag_and_digest(rendered: dict[str, list[Doc]]) -> None:
    for container in containers_of(rendered["overlay sspcloud"]):
        _, tag, digest = split_image(container["image"])
        assert tag
        assert digest.startswith("sha256:")


def _env(container: Doc) -> dict[str, tuple[str, str]]:
    return {
        e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for e in container.get("env", [])
    }


def test_sspcloud_maps_the_platform_secrets(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["overlay sspcloud"]
    run, backup = _init(docs), _main(docs)
    discovery = "discoverable-postgresql"
    assert _env(run) == {
        "POSTGRES_URL": (discovery, "postgres-service"),
        "POSTGRES_PORT": (discovery, "postgres-port"),
        "POSTGRES_DB": (discovery, "postgres-database"),
        "POSTGRES_USER": (discovery, "postgres-username"),
        "POSTGRES_PASSWORD": (discovery, "password"),
        **{k: ("dcat-quality-s3", k) for k in _S3_KEYS},
    }
    assert _env(backup) == {
        "PGPASSWORD": ("metabase-db", "postgres-password"),
        **{k: ("dcat-quality-s3", k) for k in _S3_KEYS},
    }
    for container in (run, backup):
        assert container["envFrom"] == [{"configMapRef": {"name": "dcat-quality"}}]
    settings = _configmap(docs)
    # direct mode on the Metabase chart's Service; the password is not in the URL
    assert settings["METABASE_DATABASE_URL"] == (
        "postgresql://postgres@metabase-db:5432/metabase-metadata"
    )


_S3_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ENDPOINT", "AWS_DEFAULT_REGION")


@pytest.mark.parametrize("label", RENDERS)
def test_every_variable_set_is_one_dcat_quality_reads(
    rendered: dict[str, list[Doc]], label: str
) -> None:
    known = environment.read_names()
    docs = rendered[label]
    assert set(_configmap(docs)) <= known
    for container in containers_of(docs):
        assert {e["name"] for e in container.get("env", [])} <= known
