"""Publisher digests: after a run, tell each publisher what changed for the worse.

``build_digests`` reads them from the warehouse views, ``write_digests`` writes one HTML
page and one CSV per publisher with news, ``deliver`` e-mails them over SMTP, once per
run and publisher. ``dcat-quality digest`` is the thin command over these.
"""

from __future__ import annotations

from pathlib import Path

from dcat_quality.digest.build import Digest, build_digests
from dcat_quality.digest.render import render_csv, render_html, write_digest
from dcat_quality.digest.send import Delivery, DigestSendError, SmtpSender, deliver

__all__ = [
    "Delivery",
    "Digest",
    "DigestSendError",
    "SmtpSender",
    "build_digests",
    "deliver",
    "render_csv",
    "render_html",
    "write_digests",
]


def write_digests(digests: list[Digest], folder: Path) -> list[tuple[Digest, Path, Path]]:
    """Write the HTML page and the CSV of every digest with news into ``folder``."""
    return [(d, *write_digest(d, folder)) for d in digests if d.has_news]
