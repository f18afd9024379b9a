"""The one secret scrubber masks a secret in every spelling it reaches text in."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from dcat_quality.redaction import (
    MASK,
    mask_url_passwords,
    redact_conninfo,
    redact_url,
    scrub,
    spellings,
)

#: Characters that URL-encoding, libpq quoting, JSON and repr each treat specially.
SECRET = "p@ss w/rd:'é\"\\%+&="


def _no_trace(text: str, secret: str = SECRET) -> None:
    for form in spellings(secret):
        assert form not in text, form
    assert quote(secret, safe="").lower() not in text.lower()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"login failed for {SECRET} here", id="plain"),
        pytest.param(f"token={quote(SECRET, safe='')}&x=1", id="url-encoded"),
        pytest.param(f"token={quote(SECRET, safe='').lower()}", id="url-encoded-lower-case"),
        pytest.param(f"a/{quote(SECRET)}/b", id="url-encoded-path"),
        pytest.param(f"password={quote_plus(SECRET)}", id="form-encoded"),
        pytest.param(
            f"postgresql://user:{quote(SECRET, safe='')}@db.example:5432/dq", id="url-userinfo"
        ),
        pytest.param(make_conninfo(host="db", user="u", password=SECRET), id="libpq-conninfo"),
        pytest.param(json.dumps({"error": f"bad key {SECRET}"}), id="json-body"),
        pytest.param(json.dumps({"error": SECRET}, ensure_ascii=False), id="json-body-utf8"),
        pytest.param(str(ValueError("refused", SECRET)), id="exception-args-repr"),
        pytest.param(repr(RuntimeError(f"bad {SECRET}")), id="exception-repr"),
    ],
)
def test_every_spelling_of_a_secret_is_masked(text: str) -> None:
    scrubbed = scrub(text, [SECRET])
    _no_trace(scrubbed)
    assert MASK in scrubbed


def test_a_psycopg_error_about_a_conninfo_loses_its_password() -> None:
    conninfo = make_conninfo(host="/nonexistent-socket-dir", user="u", password=SECRET)
    with pytest.raises(psycopg.Error) as caught:
        psycopg.connect(conninfo, connect_timeout=1)
    _no_trace(scrub(f"{caught.value} ({conninfo})", [SECRET]))


def test_other_text_stays_and_empty_secrets_are_skipped() -> None:
    assert scrub("nothing secret here", [None, "", SECRET]) == "nothing secret here"
    assert scrub("a=1 b=2", ["2"]) == f"a=1 b={MASK}"
    assert scrub("two secrets: s1 s2", ["s1", "s2"]) == f"two secrets: {MASK} {MASK}"


def test_spellings_are_longest_first_so_no_fragment_is_left() -> None:
    forms = spellings(SECRET)
    assert forms == sorted(forms, key=len, reverse=True)
    assert SECRET in forms
    assert quote(SECRET, safe="") in forms
    assert scrub(quote(SECRET, safe=""), [SECRET]) == MASK


def test_redact_url_masks_userinfo_and_password_parameters() -> None:
    url = f"postgresql://quality:{quote(SECRET, safe='')}@db:5433/dq?sslmode=require"
    assert redact_url(url) == f"postgresql://quality:{MASK}@db:5433/dq?sslmode=require"
    assert redact_url("postgresql://db/dq?password=x&user=u") == (
        f"postgresql://db/dq?password={MASK}&user=u"
    )
    assert redact_url("postgresql://u@db/dq") == "postgresql://u@db/dq"


def test_redact_conninfo_masks_quoted_and_bare_passwords() -> None:
    assert redact_conninfo("host=db password=x user=u") == f"host=db password={MASK} user=u"
    quoted = make_conninfo(host="db", password=SECRET)
    assert SECRET.replace("'", "\\'") not in redact_conninfo(quoted)
    assert f"password={MASK}" in redact_conninfo(quoted)


def test_mask_url_passwords_in_any_text() -> None:
    text = "see https://bob:hunter2@example.org/x and s3://k:s@bucket/p"
    assert mask_url_passwords(text) == (
        f"see https://bob:{MASK}@example.org/x and s3://k:{MASK}@bucket/p"
    )
