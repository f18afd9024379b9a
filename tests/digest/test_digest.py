"""Publisher digests end to end: three real runs into PostgreSQL, a real SMTP server on
loopback (aiosmtpd) with STARTTLS and AUTH, mails checked for recipients, subject, HTML
and CSV attachment, and no credential in any log or output."""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import orjson
import pytest

from dcat_quality.config import Settings
from dcat_quality.digest import build_digests, deliver, write_digests
from dcat_quality.digest.send import DigestSendError
from dcat_quality.pipeline import run_chain
from dcat_quality.sources import open_source
from dcat_quality.warehouse import DatabaseTarget, Warehouse

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd (dev extra) is not installed")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

USER = "digest-bot"
PASSWORD = "s3cret-Pa55-never-logged"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}


# -- a real SMTP server with STARTTLS and AUTH -------------------------------------------------


@dataclass
class Inbox:
    """What the server received."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (cryptography, dev extra)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class SmtpServer:
    host: str
    port: int
    ca_file: Path
    inbox: Inbox


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    import ssl

    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        inbox.logins.append((data.login.decode() if isinstance(data, LoginPassword) else "", ok))
        return AuthResult(success=ok, handled=False)

    with socket.socket() as sock:  # a free loopback port
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticate,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, cert, inbox)
    finally:
        controller.stop()


# -- three runs: a publisher loses points in the second -------------------------------------------


def _dataset(
    number: int, publisher: str, email_address: str, *, keyword: bool
) -> list[dict[str, Any]]:
    node: dict[str, Any] = {
        "@id": f"http://example.org/d{number}",
        "@type": "dcat:Dataset",
        "dct:title": {"@value": f"Jeu {number}", "@language": "fr"},
        "dct:description": {"@value": "Description", "@language": "fr"},
        "dct:publisher": {"@id": f"_:p{number}"},
        "dcat:contactPoint": {"@id": f"_:c{number}"},
        "dcat:distribution": {"@id": f"http://example.org/d{number}/csv"},
    }
    if keyword:
        node["dcat:keyword"] = {"@value": "eau", "@language": "fr"}
    return [
        node,
        {"@id": f"_:p{number}", "@type": "foaf:Organization", "foaf:name": publisher},
        {
            "@id": f"_:c{number}",
            "@type": "vcard:Kind",
            "vcard:hasEmail": {"@id": f"mailto:{email_address}"},
        },
        {
            "@id": f"http://example.org/d{number}/csv",
            "@type": "dcat:Distribution",
            "dcat:accessURL": {"@id": f"http://files.example.org/{number}.csv"},
        },
    ]


def _run(warehouse: Warehouse, folder: Path, *, d1_keyword: bool) -> None:
    folder.mkdir(parents=True)
    graph = _dataset(1, "DREAL Bretagne", "contact@dreal.example", keyword=d1_keyword)
    graph += _dataset(2, "DDT Vendée", "sig@ddt.example", keyword=True)
    (folder / "page.json").write_bytes(orjson.dumps({"@context": CONTEXT, "@graph": graph}))
    run_chain(open_source(str(folder), Settings()), warehouse, workers=1)


def _settings(server: SmtpServer, recipients: Path | None = None, **extra: Any) -> Settings:
    values = {
        "DCAT_QUALITY_SMTP_HOST": server.host,
        "DCAT_QUALITY_SMTP_PORT": server.port,
        "DCAT_QUALITY_SMTP_USERNAME": USER,
        "DCAT_QUALITY_SMTP_PASSWORD": PASSWORD,
        "DCAT_QUALITY_SMTP_FROM": "qualite@observatoire.example",
        "DCAT_QUALITY_SMTP_CA_FILE": str(server.ca_file),
        **({"DCAT_QUALITY_DIGEST_RECIPIENTS": str(recipients)} if recipients else {}),
        **extra,
    }
    from dcat_quality.config import validate_settings

    return validate_settings(values)


def test_three_runs_one_digest_naming_the_lost_check(
    tmp_path: Path,
    database_url: str,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text("DREAL Bretagne: [qualite@dreal.example, chef@dreal.example]\n")
    settings = _settings(smtp_server, recipients)
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        _run(warehouse, tmp_path / "run1", d1_keyword=True)
        # One run: nothing to compare with, nobody is told anything.
        assert build_digests(warehouse) == []

        _run(warehouse, tmp_path / "run2", d1_keyword=False)  # d1 loses its keyword
        digests = build_digests(warehouse)
        by_publisher = {d.publisher: d for d in digests}
        dreal = by_publisher["DREAL Bretagne"]
        assert dreal.has_news
        assert [(c.dataset_id, [x.indicator_id for x in c.lost]) for c in dreal.lost_points] == [
            ("http://example.org/d1", ["mqa.keyword_availability"])
        ]
        assert dreal.lost_points[0].points_lost == 30
        assert not by_publisher["DDT Vendée"].has_news  # nothing new: nothing for it

        written = write_digests(digests, tmp_path / "out")
        assert [d.publisher for d, _, _ in written] == ["DREAL Bretagne"]
        _, html_path, csv_path = written[0]
        assert "Mots-clés (−30 pts)" in html_path.read_text(encoding="utf-8")
        assert "mqa.keyword_availability" in csv_path.read_text(encoding="utf-8-sig")

        # Dry run: who would get what, nothing sent, nothing recorded.
        planned = deliver(warehouse, digests, settings, dry_run=True)
        assert [(d.publisher, d.status) for d in planned] == [
            ("DDT Vendée", "no news"),
            ("DREAL Bretagne", "would send"),
        ]
        assert smtp_server.inbox.messages == []

        sent = deliver(warehouse, digests, settings)
        assert [(d.publisher, d.status) for d in sent if d.status != "no news"] == [
            ("DREAL Bretagne", "sent")
        ]
        # A second --send for the same run sends nothing.
        again = deliver(warehouse, build_digests(warehouse), settings)
        assert [d.status for d in again if d.publisher == "DREAL Bretagne"] == ["already sent"]

        _run(warehouse, tmp_path / "run3", d1_keyword=False)  # nothing changes
        third = deliver(warehouse, build_digests(warehouse), settings, to_contact_points=True)
        assert {d.status for d in third} == {"no news"}

    assert len(smtp_server.inbox.messages) == 1
    rcpt, message = smtp_server.inbox.messages[0]
    assert rcpt == ["qualite@dreal.example", "chef@dreal.example"]
    assert message["To"] == "qualite@dreal.example, chef@dreal.example"
    assert message["Subject"] == (
        "[dcat-quality] Qualité des métadonnées : DREAL Bretagne (chargement 2)"
    )
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "http://example.org/d1" in html.get_content()
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename().endswith("-run-2.csv")
    assert attachments[0].get_content_type() == "text/csv"
    csv_text = attachments[0].get_payload(decode=True).decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "section;dataset_id;title;indicator_id;check;points;fix"
    assert "points perdus;http://example.org/d1;Jeu 1;mqa.keyword_availability" in csv_text
    # The login went over TLS and succeeded once; the password is in no log.
    assert smtp_server.inbox.logins == [(USER, True)]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "DREAL Bretagne" in logged  # the log says what was sent...
    assert PASSWORD not in logged  # ...never with what credential
    assert USER not in logged


def test_a_refused_login_is_a_clear_error_without_the_password(
    tmp_path: Path, database_url: str, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        _run(warehouse, tmp_path / "run1", d1_keyword=True)
        _run(warehouse, tmp_path / "run2", d1_keyword=False)
        digests = build_digests(warehouse)
        wrong = _settings(smtp_server, DCAT_QUALITY_SMTP_PASSWORD="wrong-password-xyz")
        with pytest.raises(DigestSendError, match="refused the login") as info:
            deliver(warehouse, digests, wrong, to_contact_points=True)
        assert "wrong-password-xyz" not in str(info.value)
        # Nothing was recorded: the next try with the right password sends.
        sent = deliver(warehouse, digests, _settings(smtp_server), to_contact_points=True)
    assert [d.recipients for d in sent if d.status == "sent"] == [("contact@dreal.example",)]
    assert "wrong-password-xyz" not in caplog.text


@pytest.mark.slow  # the CLI in subprocesses
def test_the_command_sends_and_prints_no_secret(
    tmp_path: Path, database_url: str, smtp_server: SmtpServer
) -> None:
    with Warehouse.open(DatabaseTarget(database_url, "dcat_quality")) as warehouse:
        _run(warehouse, tmp_path / "run1", d1_keyword=True)
        _run(warehouse, tmp_path / "run2", d1_keyword=False)
    env = {
        **os.environ,
        "COLUMNS": "200",
        "DATABASE_URL": database_url,
        "DCAT_QUALITY_SMTP_HOST": smtp_server.host,
        "DCAT_QUALITY_SMTP_PORT": str(smtp_server.port),
        "DCAT_QUALITY_SMTP_USERNAME": USER,
        "DCAT_QUALITY_SMTP_PASSWORD": PASSWORD,
        "DCAT_QUALITY_SMTP_FROM": "qualite@observatoire.example",
        "DCAT_QUALITY_SMTP_CA_FILE": str(smtp_server.ca_file),
    }

    def dq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dcat_quality", "--log-level", "debug", *args],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip

    dry = dq("digest", "-o", str(tmp_path / "d"), "--send", "--dry-run", "--to-contact-points")
    assert dry.returncode == 0, dry.stderr
    assert "would send" in dry.stdout
    assert "contact@dreal.example" in dry.stdout
    assert smtp_server.inbox.messages == []
    sent = dq("digest", "-o", str(tmp_path / "d"), "--send", "--to-contact-points")
    assert sent.returncode == 0, sent.stderr
    assert "sent" in sent.stdout
    assert len(smtp_server.inbox.messages) == 1
    assert sorted(p.suffix for p in (tmp_path / "d").iterdir()) == [".csv", ".html"]
    for output in (dry.stdout, dry.stderr, sent.stdout, sent.stderr):
        assert PASSWORD not in output
        assert USER not in output


def test_recipients_file_errors_name_the_file(tmp_path: Path) -> None:
    from dcat_quality.digest.send import load_recipients
    from dcat_quality.errors import ConfigError

    bad = tmp_path / "r.yaml"
    bad.write_text("DREAL: not-an-address\n")
    with pytest.raises(ConfigError, match=r"r\.yaml: publisher 'DREAL' must map"):
        load_recipients(bad)
    assert load_recipients(None) == {}
