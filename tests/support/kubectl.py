"""A stand-in ``kubectl`` on PATH for the backup's kube mode: ``kubectl exec`` runs the
command here, against the test PostgreSQL server, as if inside the database pod.

It logs every argument list it receives, answers ``pods "x" not found`` for any other
pod, and puts shims of pg_dump / pg_restore / psql first on the "pod's" PATH that record
the ``PGPASSWORD`` each tool received (from stdin's first line, the backup's way) before
running the real tool. Tests then check that the password reached every tool and never
an argument list.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from dcat_quality.backup import KubeTarget, pick_pg_tool

KUBECTL = """#!{python}
import json, os, sys

args = sys.argv[1:]
with open(os.environ["FAKE_KUBECTL_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if not args or args[0] != "exec" or "--" not in args:
    sys.exit("fake kubectl: only 'exec ... -- command' is supported")
flags, command = args[1 : args.index("--")], args[args.index("--") + 1 :]
pod, stdin, i = None, False, 0
while i < len(flags):
    if flags[i] == "-i":
        stdin = True
    elif flags[i] in ("-n", "-c"):
        i += 1
    elif flags[i].startswith("-"):
        sys.exit(f"fake kubectl: unexpected flag {{flags[i]}}")
    else:
        pod = flags[i]
    i += 1
if pod != os.environ["FAKE_KUBECTL_POD"]:
    print(f'Error from server (NotFound): pods "{{pod}}" not found', file=sys.stderr)
    sys.exit(1)
if not stdin:
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
env = dict(os.environ)
env.update(json.loads(os.environ["FAKE_POD_ENV"]))
os.execvpe(command[0], command, env)
"""

SHIM = """#!/bin/sh
printf '%s %s\\n' "{name}" "${{PGPASSWORD-<unset>}}" >> "$FAKE_POD_SECRETS"
exec "{real}" "$@"
"""


@dataclass(frozen=True)
class FakeKube:
    """The pod's database as a ``KubeTarget``, and what the stand-in recorded."""

    target: KubeTarget
    log: Path
    secrets: Path
    password: str

    def logged(self) -> list[list[str]]:
        """Every argument list kubectl received, in order."""
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def received(self) -> list[str]:
        """``<tool> <PGPASSWORD>`` for each tool run in the pod, in order."""
        return self.secrets.read_text().splitlines()


def fake_kubectl(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    pod: str,
    namespace: str | None = "ecospheres",
    container: str | None = "postgresql",
) -> FakeKube:
    """Put a kubectl on PATH whose pod ``pod`` holds the server of ``database_url``.

    The target's password is the URL's, else a made-up one (a server that trusts local
    connections ignores it; the test still sees where it travelled).
    """
    bin_dir = tmp_path / "kubectl-bin"
    pod_bin = tmp_path / "pod-bin"
    bin_dir.mkdir()
    pod_bin.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(KUBECTL.format(python=sys.executable))
    kubectl.chmod(0o755)
    with psycopg.connect(database_url) as conn:
        major = conn.info.server_version // 10000
    real = Path(pick_pg_tool("pg_dump", at_least=major, why="the fake pod").path)
    for name in ("pg_dump", "pg_restore", "psql"):
        shim = pod_bin / name
        shim.write_text(SHIM.format(name=name, real=real.parent / name))
        shim.chmod(0o755)
    params = conninfo_to_dict(database_url)
    pod_env = {"PATH": f"{pod_bin}{os.pathsep}{os.environ['PATH']}"}
    if params.get("host"):
        pod_env["PGHOST"] = str(params["host"])
    if params.get("port"):
        pod_env["PGPORT"] = str(params["port"])
    log = tmp_path / "kubectl.log"
    secrets = tmp_path / "pod-secrets.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(log))
    monkeypatch.setenv("FAKE_KUBECTL_POD", pod)
    monkeypatch.setenv("FAKE_POD_ENV", json.dumps(pod_env))
    monkeypatch.setenv("FAKE_POD_SECRETS", str(secrets))
    password = str(params.get("password") or f"kube-pw-{uuid.uuid4().hex}")
    target = KubeTarget(
        pod=pod,
        database=str(params["dbname"]),
        user=str(params.get("user") or "postgres"),
        password=password,
        namespace=namespace,
        container=container,
    )
    return FakeKube(target, log, secrets, password)
