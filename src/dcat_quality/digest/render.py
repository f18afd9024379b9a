"""A digest as one self-contained HTML page and one CSV file, and where they are written.

The HTML has its style inline and no external resource, so it reads the same in a mail
client and from a folder. The CSV (``;``-separated, UTF-8 with BOM for spreadsheet
programs, like ``extract``) holds one row per item of every section.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from dcat_quality.digest.build import Digest

CSV_COLUMNS = ("section", "dataset_id", "title", "indicator_id", "check", "points", "fix")


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("dcat_quality.digest", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(digest: Digest) -> str:
    """The digest as one HTML page (French)."""
    return _environment().get_template("digest.html.j2").render(d=digest)


def _csv_rows(digest: Digest) -> Iterable[tuple[object, ...]]:
    for change in digest.lost_points:
        for lost in change.lost or ():
            yield ("points perdus", change.dataset_id, change.title, lost.indicator_id,
                   lost.label_fr, -lost.points, lost.fix_hint_fr)  # fmt: skip
        if not change.lost:
            yield ("points perdus", change.dataset_id, change.title, "", "",
                   -change.points_lost, "")  # fmt: skip
    for change in digest.new_failing:
        for check in change.lost:
            yield ("nouveau jeu en échec", change.dataset_id, change.title, check.indicator_id,
                   check.label_fr, check.points, check.fix_hint_fr)  # fmt: skip
    for gap in digest.hvd_gaps:
        section = "forte valeur (nouveau)" if gap.new else "forte valeur"
        yield (section, gap.dataset_id, gap.title, gap.indicator_id, gap.label_fr, 0,
               gap.fix_hint_fr)  # fmt: skip
    for fix in digest.top_fixes:
        yield ("correction prioritaire", "", f"{fix.datasets} jeu(x)", fix.indicator_id,
               fix.label_fr, fix.points, fix.fix_hint_fr)  # fmt: skip


def render_csv(digest: Digest) -> str:
    """The digest as CSV text (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(digest))
    return out.getvalue()


def file_stem(publisher: str) -> str:
    """A file name for a publisher: its name in ASCII letters, digits and dashes, then a
    short hash of the full name (two names that read alike never share a file)."""
    text = unicodedata.normalize("NFKD", publisher).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "editeur"
    return f"{slug}-{hashlib.sha256(publisher.encode()).hexdigest()[:6]}"


def write_digest(digest: Digest, folder: Path) -> tuple[Path, Path]:
    """Write ``<publisher>.html`` and ``<publisher>.csv`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"run-{digest.run_id}-{file_stem(digest.publisher)}"
    html = folder / f"{stem}.html"
    table = folder / f"{stem}.csv"
    html.write_text(render_html(digest), encoding="utf-8")
    table.write_text("\ufeff" + render_csv(digest), encoding="utf-8")
    return html, table
