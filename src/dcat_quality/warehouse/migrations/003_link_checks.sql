-- dcat-quality warehouse, version 3: the link-check cache.
--
-- One row per distinct URL, replaced when the URL is checked again (after
-- DCAT_QUALITY_LINK_MAX_AGE). Runs with link checks score the accessibility indicators
-- from it; without them those indicators are "not measured".

CREATE TABLE {schema}.link_checks (
    url          text PRIMARY KEY,
    status_code  integer,
    error        text,
    detail       text,
    method       text,
    final_url    text,
    redirects    integer NOT NULL DEFAULT 0,
    elapsed_s    real,
    checked_at   timestamptz NOT NULL
);
CREATE INDEX link_checks_checked_at_idx ON {schema}.link_checks (checked_at);
COMMENT ON TABLE {schema}.link_checks IS 'Link-check cache: the last HTTP check of every accessURL and downloadURL (HEAD, or GET for OGC services and servers refusing HEAD).';
COMMENT ON COLUMN {schema}.link_checks.url IS 'The URL as published.';
COMMENT ON COLUMN {schema}.link_checks.status_code IS 'HTTP status of the last response (after redirects); empty when the request failed.';
COMMENT ON COLUMN {schema}.link_checks.error IS 'Why the request failed (timeout, connection_refused, redirect_loop, unsupported_scheme...); empty when a status was received.';
COMMENT ON COLUMN {schema}.link_checks.detail IS 'Details of the failure.';
COMMENT ON COLUMN {schema}.link_checks.method IS 'HEAD or GET.';
COMMENT ON COLUMN {schema}.link_checks.final_url IS 'The last URL requested (redirect target).';
COMMENT ON COLUMN {schema}.link_checks.redirects IS 'Redirects followed.';
COMMENT ON COLUMN {schema}.link_checks.elapsed_s IS 'Seconds spent in requests.';
COMMENT ON COLUMN {schema}.link_checks.checked_at IS 'When the URL was checked.';

CREATE VIEW {schema}.link_status AS
    SELECT l.url, l.status_code, l.status_code BETWEEN 200 AND 299 AS ok, l.error,
           l.final_url, l.checked_at,
           (SELECT count(*) FROM {schema}.distributions d
             WHERE d.access_url = l.url OR d.download_url = l.url) AS distributions
    FROM {schema}.link_checks l;
COMMENT ON VIEW {schema}.link_status IS 'Every checked URL with its status and how many distributions of the latest run use it.';
COMMENT ON COLUMN {schema}.link_status.url IS 'The URL.';
COMMENT ON COLUMN {schema}.link_status.status_code IS 'HTTP status; empty when the request failed.';
COMMENT ON COLUMN {schema}.link_status.ok IS 'True for a 2xx answer.';
COMMENT ON COLUMN {schema}.link_status.error IS 'Why the request failed.';
COMMENT ON COLUMN {schema}.link_status.final_url IS 'Where redirects led.';
COMMENT ON COLUMN {schema}.link_status.checked_at IS 'When it was checked.';
COMMENT ON COLUMN {schema}.link_status.distributions IS 'Distributions of the latest run using the URL.';
