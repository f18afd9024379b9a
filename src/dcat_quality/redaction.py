"""Secrets out of everything printed: the one place where they are masked.

Every message, log line and error that may carry a secret goes through ``scrub``; every
connection string shown goes through ``redact_url`` or ``redact_conninfo``. A secret is
not always written as it was given: a URL carries it percent-encoded (``p%40ss`` for
``p@ss``, ``+`` for a space in a form), a libpq conninfo backslash-escapes quotes, a JSON
body escapes quotes and backslashes, an exception's ``repr`` escapes them too. ``scrub``
masks each of these spellings, longest first (percent-encoding in either case), so a
secret that a library re-encoded on the way never shows.

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

MASK = "***"

_PASSWORD_PARAM = re.compile(r"(?P<key>\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/:@\s]*):[^/@\s]*@", re.IGNORECASE)


def spellings(secret: str) -> list[str]:
    """Every form in which ``secret`` may appear in a text, longest first."""
    forms = {
        secret,
        quote(secret, safe=""),  # a URL's userinfo or query value, fully encoded
        quote(secret),  # encoded with "/" kept (a path)
        quote_plus(secret),  # form-encoded: "+" for a space
        secret.replace("\\", "\\\\").replace("'", "\\'"),  # a quoted libpq conninfo value
        json.dumps(secret)[1:-1],  # inside a JSON string
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],  # inside a Python repr (an exception's arguments)
    }
    return sorted((form for form in forms if form), key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every spelling of every secret (None and "" skipped) as ``***``."""
    for secret in secrets:
        if not secret:
            continue
        for form in spellings(secret):
            if "%" in form:  # percent-encoding may come back in lower case
                text = re.sub(re.escape(form), MASK, text, flags=re.IGNORECASE)
            else:
                text = text.replace(form, MASK)
    return text


def redact_url(url: str) -> str:
    """A URL with the password of its userinfo and any ``password=`` parameter masked."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, hosts = netloc.rsplit("@", 1)
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{MASK}@{hosts}" if ":" in userinfo else f"{user}@{hosts}"
        query = [
            (k, MASK if k == "password" else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        shown = f"{parts.scheme}://{netloc}{parts.path}"
        if query:
            shown += "?" + urlencode(query, safe="/*")
        return shown
    except ValueError:
        return "<unreadable connection URL>"


def redact_conninfo(conninfo: str) -> str:
    """A libpq ``key=value`` conninfo with its ``password`` value masked."""
    return _PASSWORD_PARAM.sub(rf"\g<key>{MASK}", conninfo)


def mask_url_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` in it masked."""
    return _URL_PASSWORD.sub(rf"\g<head>:{MASK}@", text)
