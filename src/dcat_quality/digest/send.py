"""Who gets which digest, and sending it over SMTP, once per run and publisher.

Recipients: the mapping file (``DCAT_QUALITY_DIGEST_RECIPIENTS``, YAML ``publisher:
address`` or ``publisher: [addresses]``) first; with ``to_contact_points`` the contact
point e-mails of the publisher's datasets for a publisher the file does not name. A
publisher with no address gets nothing, and is reported.

Never twice: before a mail goes out its (run, publisher) row is claimed in
``digests_sent`` (``INSERT … ON CONFLICT DO NOTHING``); a second sender, even a
concurrent one, finds the row and skips; a mail the server refuses gives the claim back.

The connection is switched to TLS with STARTTLS (the server's certificate verified:
system CAs plus ``DCAT_QUALITY_SMTP_CA_FILE``) before the login; without STARTTLS no
login is sent. Neither the login nor the password is ever logged or put in an error.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from dcat_quality.config import Settings
from dcat_quality.digest.build import Digest
from dcat_quality.digest.render import file_stem, render_csv, render_html
from dcat_quality.errors import ConfigError, DcatQualityError, WarehouseError
from dcat_quality.redaction import scrub as scrub_secrets
from dcat_quality.warehouse import Warehouse
from dcat_quality.warehouse.connection import connect, scrub

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0


class DigestSendError(DcatQualityError):
    """The mail server could not be reached, refused the login or a message."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one publisher's digest."""

    publisher: str
    recipients: tuple[str, ...]
    status: str  # "sent", "would send", "already sent", "no news", "no recipient"
    datasets: int


def load_recipients(path: Path | None) -> dict[str, tuple[str, ...]]:
    """The publisher → addresses mapping file; an empty mapping without a file."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the digest recipients file {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{path}: not valid YAML ({exc}); write one line per publisher, "
            "'Publisher name: address' or 'Publisher name: [address, address]'"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping 'Publisher name: address(es)'")
    out: dict[str, tuple[str, ...]] = {}
    for publisher, value in data.items():
        addresses = [value] if isinstance(value, str) else value
        if not isinstance(addresses, list) or not all(
            isinstance(a, str) and "@" in a for a in addresses
        ):
            raise ConfigError(
                f"{path}: publisher {publisher!r} must map to an e-mail address or a list of them"
            )
        out[str(publisher)] = tuple(a.strip() for a in addresses)
    return out


def recipients_for(
    digest: Digest, mapping: Mapping[str, tuple[str, ...]], to_contact_points: bool
) -> tuple[str, ...]:
    """The addresses one digest goes to (see the module docstring)."""
    if digest.publisher in mapping:
        return mapping[digest.publisher]
    if to_contact_points:
        return digest.contact_emails
    return ()


def build_message(digest: Digest, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The mail: a plain-text summary, the HTML page as the rich part, the CSV attached."""
    message = EmailMessage()
    message["Subject"] = (
        f"[dcat-quality] Qualité des métadonnées : {digest.publisher} (chargement {digest.run_id})"
    )
    message["From"] = formataddr(("dcat-quality", sender))
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(
        f"Qualité des métadonnées de {digest.publisher}, chargement {digest.run_id} comparé "
        f"au chargement {digest.previous_run_id} : {len(digest.lost_points)} jeu(x) ont perdu "
        f"des points, {len(digest.new_failing)} nouveau(x) jeu(x) échoue(nt), "
        f"{len(digest.hvd_gaps)} manque(s) sur les données de forte valeur. "
        "Le détail est dans la version HTML de ce message et dans le fichier CSV joint.\n"
    )
    message.add_alternative(render_html(digest), subtype="html")
    message.add_attachment(
        ("\ufeff" + render_csv(digest)).encode("utf-8"),
        maintype="text",
        subtype="csv",
        filename=f"{file_stem(digest.publisher)}-run-{digest.run_id}.csv",
    )
    return message


class SmtpSender:
    """One SMTP session: connect, STARTTLS, login, send each message, quit."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not settings.smtp_host:
            raise ConfigError(
                "no mail server: set DCAT_QUALITY_SMTP_HOST (and DCAT_QUALITY_SMTP_USERNAME, "
                "DCAT_QUALITY_SMTP_PASSWORD) in the environment, .env or Vault"
            )
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.sender = settings.smtp_from or settings.smtp_username or ""
        if "@" not in self.sender:
            raise ConfigError(
                "no sender address: set DCAT_QUALITY_SMTP_FROM (the login is not an address)"
            )
        self._settings = settings
        self._timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self._settings.smtp_ca_file is not None:
            try:
                context.load_verify_locations(cafile=str(self._settings.smtp_ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    f"cannot read DCAT_QUALITY_SMTP_CA_FILE {self._settings.smtp_ca_file}: {exc}"
                ) from None
        return context

    def __enter__(self) -> SmtpSender:
        settings = self._settings
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
            self._smtp = smtp
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls(context=self._context())
                smtp.ehlo()
                if settings.smtp_username and settings.smtp_password is not None:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            elif settings.smtp_username:
                log.warning("STARTTLS is off: no login is sent to %s", self.where)
        except smtplib.SMTPAuthenticationError as exc:
            self._close()
            raise DigestSendError(
                f"the mail server {self.where} refused the login (SMTP {exc.smtp_code}): check "
                "DCAT_QUALITY_SMTP_USERNAME and DCAT_QUALITY_SMTP_PASSWORD"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise DigestSendError(
                f"cannot talk to the mail server {self.where}: {type(exc).__name__}: "
                f"{_safe(exc, settings)}"
            ) from None
        log.info("connected to the mail server %s", self.where)
        return self

    def send(self, message: EmailMessage) -> None:
        assert self._smtp is not None
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPException as exc:
            raise DigestSendError(
                f"the mail server {self.where} refused the digest: {_safe(exc, self._settings)}"
            ) from None
        if refused:
            log.warning("%d recipient(s) refused by %s", len(refused), self.where)

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __exit__(self, *exc: object) -> None:
        self._close()


def _safe(exc: BaseException, settings: Settings) -> str:
    """An error's text with the login and password masked."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return scrub_secrets(str(exc), (password, settings.smtp_username))


# -- the record of digests sent ---------------------------------------------------------------


def _claim(conn: psycopg.Connection, schema: str, digest: Digest, recipients: str) -> bool:
    query = sql.SQL(
        "INSERT INTO {schema}.digests_sent (run_id, publisher, recipients, datasets)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING run_id"
    ).format(schema=sql.Identifier(schema))
    return (
        conn.execute(
            query, (digest.run_id, digest.publisher, recipients, digest.datasets)
        ).fetchone()
        is not None
    )


def _release(conn: psycopg.Connection, schema: str, digest: Digest) -> None:
    query = sql.SQL(
        "DELETE FROM {schema}.digests_sent WHERE run_id = %s AND publisher = %s"
    ).format(schema=sql.Identifier(schema))
    conn.execute(query, (digest.run_id, digest.publisher))


def already_sent(warehouse: Warehouse, run_id: int) -> set[str]:
    """Publishers whose digest of this run was sent."""
    conn = connect(warehouse.target, autocommit=True, purpose="read the digests sent")
    try:
        query = sql.SQL("SELECT publisher FROM {schema}.digests_sent WHERE run_id = %s").format(
            schema=sql.Identifier(warehouse.schema)
        )
        return {str(p) for (p,) in conn.execute(query, (run_id,)).fetchall()}
    except psycopg.Error as exc:
        raise WarehouseError(
            f"could not read digests_sent: {scrub(str(exc).strip(), warehouse.target)}"
        ) from exc
    finally:
        conn.close()


def deliver(
    warehouse: Warehouse,
    digests: Sequence[Digest],
    settings: Settings,
    *,
    to_contact_points: bool = False,
    dry_run: bool = False,
    sender_factory: Callable[[Settings], SmtpSender] = SmtpSender,
) -> list[Delivery]:
    """Send each digest with news to its recipients, once per run and publisher.

    ``dry_run`` sends nothing and records nothing: it says who would get what.
    """
    mapping = load_recipients(settings.digest_recipients)
    out: list[Delivery] = []
    pending: list[tuple[Digest, tuple[str, ...]]] = []
    sent_before = already_sent(warehouse, digests[0].run_id) if digests else set()
    for digest in digests:
        recipients = recipients_for(digest, mapping, to_contact_points)
        if not digest.has_news:
            status = "no news"
        elif digest.publisher in sent_before:
            status = "already sent"
        elif not recipients:
            status = "no recipient"
        else:
            status = "would send"
            pending.append((digest, recipients))
        out.append(Delivery(digest.publisher, recipients, status, digest.datasets))
    if dry_run or not pending:
        return out
    sent: set[str] = set()
    conn = connect(warehouse.target, autocommit=True, purpose="record the digests sent")
    try:
        with sender_factory(settings) as smtp:
            for digest, recipients in pending:
                if not _claim(conn, warehouse.schema, digest, ", ".join(recipients)):
                    continue  # another sender got there first
                try:
                    smtp.send(build_message(digest, smtp.sender, recipients))
                except BaseException:
                    _release(conn, warehouse.schema, digest)
                    raise
                sent.add(digest.publisher)
                log.info("digest of %s sent to %d address(es)", digest.publisher, len(recipients))
    except psycopg.Error as exc:
        raise WarehouseError(
            f"could not record a digest sent: {scrub(str(exc).strip(), warehouse.target)}"
        ) from exc
    finally:
        conn.close()
    return [
        Delivery(d.publisher, d.recipients, "sent", d.datasets)
        if d.publisher in sent
        else (
            Delivery(d.publisher, d.recipients, "already sent", d.datasets)
            if d.status == "would send"
            else d
        )
        for d in out
    ]
