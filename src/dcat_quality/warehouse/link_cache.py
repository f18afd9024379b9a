"""The link-check cache: one row per URL, replaced when the URL is checked again."""

from __future__ import annotations

from collections.abc import Sequence

from dcat_quality.quality.links import UNREACHABLE, LinkResult
from dcat_quality.warehouse._sql import SchemaSession


def urls_to_check(db: SchemaSession, max_age_s: float) -> list[str]:
    """Distinct access/download URLs of the published run not checked for max_age_s."""
    with db.errors("could not list the URLs to check"):
        rows = db.conn.execute(
            db.sql(
                "SELECT u.url FROM (SELECT access_url AS url FROM {schema}.distributions"
                "  UNION SELECT download_url FROM {schema}.distributions) u"
                " LEFT JOIN {schema}.link_checks l ON l.url = u.url"
                " WHERE u.url IS NOT NULL AND (l.url IS NULL"
                "  OR l.checked_at <= now() - make_interval(secs => %s))"
                " ORDER BY u.url"
            ),
            (max_age_s,),
        ).fetchall()
    return [str(url) for (url,) in rows]


def write_link_results(db: SchemaSession, results: Sequence[LinkResult]) -> None:
    """Store link-check results, replacing older ones for the same URLs."""
    if not results:
        return
    with (
        db.errors("could not store the link checks"),
        db.conn.transaction(),
        db.conn.cursor() as cursor,
    ):
        cursor.executemany(
            db.sql(
                "INSERT INTO {schema}.link_checks (url, status_code, error, detail,"
                " method, final_url, redirects, elapsed_s, checked_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (url) DO UPDATE SET status_code = EXCLUDED.status_code,"
                " error = EXCLUDED.error, detail = EXCLUDED.detail,"
                " method = EXCLUDED.method, final_url = EXCLUDED.final_url,"
                " redirects = EXCLUDED.redirects, elapsed_s = EXCLUDED.elapsed_s,"
                " checked_at = EXCLUDED.checked_at"
            ),
            [
                (
                    r.url,
                    r.status_code,
                    r.error,
                    r.detail,
                    r.method,
                    r.final_url,
                    r.redirects,
                    r.elapsed_s,
                    r.checked_at,
                )
                for r in results
            ],
        )


def link_codes(db: SchemaSession, unreachable: int = UNREACHABLE) -> dict[str, int]:
    """URL → MQA measurement (status, or the pseudo-code for a failed request)."""
    with db.errors("could not read the link checks"):
        rows = db.conn.execute(
            db.sql(
                "SELECT url, coalesce(status_code, %s) FROM {schema}.link_checks"
                " WHERE status_code IS NOT NULL"
                " OR error NOT IN ('invalid_url', 'unsupported_scheme')"
            ),
            (unreachable,),
        ).fetchall()
    return {str(url): int(code) for url, code in rows}
