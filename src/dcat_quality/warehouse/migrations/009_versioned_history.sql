-- dcat-quality warehouse, version 9: history stored as versions.
--
-- {schema} is replaced by the quoted schema name before this script runs.
--
-- Until version 8, every run wrote every row of every dataset into its own partitions of
-- the hist_* tables and score_history. From version 9, a dataset's rows (its record,
-- distributions, multi-valued rows, SHACL findings, RDF/XML repairs, score) are stored once per distinct
-- version, a content digest, in the version_* tables and dataset_versions; dataset_spans
-- says which version of each dataset was current from which run to which run. A run in
-- which a dataset did not change writes nothing for it.
--
-- The relations the readers know keep their names, columns and answers: hist_* and
-- score_history become views (run_id, dataset_id, then the same columns) over the spans
-- and the versions, and every other view is recreated unchanged on top of them.
--
-- This script moves the existing history into the new tables (each run's rows become
-- versions, consecutive runs sharing a version share a span), keeps the definition, the
-- comments and the grants of every view of the schema (views added by later features
-- included), then drops the partitioned tables.

SET LOCAL search_path TO {schema};

-- 1. Every view of the schema, as it is now -------------------------------------------

CREATE TEMPORARY TABLE dq_saved_views ON COMMIT DROP AS
    SELECT c.oid, c.relname, c.relkind = 'v' AS is_view,
           CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END AS definition,
           obj_description(c.oid, 'pg_class') AS description, c.relacl, false AS done
    FROM pg_class c
    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND c.relkind IN ('v', 'p');
-- (The partitioned tables become views of the same name: their grants and comments go
-- to the views.)

CREATE TEMPORARY TABLE dq_saved_columns ON COMMIT DROP AS
    SELECT c.relname, a.attname, col_description(c.oid, a.attnum) AS description
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
      AND c.relkind IN ('v', 'p') AND NOT a.attisdropped;

-- Dropped dependents first (latest created first); an object outside the schema that
-- depends on one of these views stops the migration rather than being dropped with it.
DO $$
DECLARE
    v record;
    progress boolean := true;
    left_over text;
BEGIN
    WHILE progress LOOP
        progress := false;
        FOR v IN SELECT oid, relname FROM dq_saved_views WHERE is_view AND NOT done
                 ORDER BY oid DESC LOOP
            BEGIN
                EXECUTE format('DROP VIEW %I', v.relname);
                UPDATE dq_saved_views SET done = true WHERE oid = v.oid;
                progress := true;
            EXCEPTION WHEN dependent_objects_still_exist THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
    SELECT string_agg(relname, ', ') INTO left_over FROM dq_saved_views WHERE is_view AND NOT done;
    IF left_over IS NOT NULL THEN
        RAISE EXCEPTION 'views % of schema % are used by objects outside it', left_over,
            current_schema()
            USING HINT = 'drop those objects (e.g. your own views over the warehouse), migrate, then create them again';
    END IF;
    UPDATE dq_saved_views SET done = false;
END
$$;

-- 2. Runs ------------------------------------------------------------------------------

ALTER TABLE runs
    ADD COLUMN incremental boolean,
    ADD COLUMN scoring_inputs text,
    ADD COLUMN pages_skipped integer,
    ADD COLUMN datasets_reused integer,
    ADD COLUMN detail_kept boolean NOT NULL DEFAULT true;

COMMENT ON COLUMN runs.incremental IS 'True when the run reused the work of the published run (unchanged pages not parsed, unchanged datasets not scored nor written); false for a run with --full; empty for the runs before version 9 of the schema.';
COMMENT ON COLUMN runs.scoring_inputs IS 'Digest of everything besides a dataset that changes its rows: the scoring inputs of scoring_digest, the indicators and their bits, the software version. Work is reused only between runs with the same digest.';
COMMENT ON COLUMN runs.pages_skipped IS 'Pages whose bytes were unchanged since the published run and were not parsed again.';
COMMENT ON COLUMN runs.datasets_reused IS 'Datasets found unchanged (same content, same scoring inputs): neither scored nor written again.';
COMMENT ON COLUMN runs.detail_kept IS 'False once retention dropped the detail of the run (it is past keep_runs): the hist_* views no longer show it, score_history still does.';

ALTER TABLE run_shards
    ADD COLUMN pages_skipped integer,
    ADD COLUMN datasets_reused integer;
COMMENT ON COLUMN run_shards.pages_skipped IS 'Pages of the shard not parsed again (unchanged since the published run).';
COMMENT ON COLUMN run_shards.datasets_reused IS 'Datasets of the shard found unchanged: neither scored nor written again.';

-- A succeeded run whose detail partitions were dropped by retention.
UPDATE runs SET detail_kept = to_regclass(format('%I', 'hist_datasets_r' || run_id)) IS NOT NULL
WHERE status = 'succeeded';

-- 3. Versions and spans ---------------------------------------------------------------

CREATE TABLE dataset_versions (
    version             uuid PRIMARY KEY,
    dataset_id          text NOT NULL,
    is_blank_node       boolean NOT NULL,
    is_series           boolean NOT NULL,
    identifier          text,
    title               text,
    title_lang          text,
    description         text,
    description_lang    text,
    issued              date,
    issued_text         text,
    created             date,
    created_text        text,
    modified            date,
    modified_text       text,
    creator             text,
    rights_holder       text,
    publisher           text,
    contact_name        text,
    contact_email       text,
    status_code         text,
    status_label        text,
    catalog             text,
    bbox                text,
    landing_page        text,
    temporal_start      date,
    temporal_end        date,
    accrual_periodicity text,
    distribution_count  integer NOT NULL,
    fill_rate           numeric(5, 2) NOT NULL,
    filled_fields       smallint NOT NULL,
    universe            text,
    geo_coverage        text,
    open_access         boolean NOT NULL,
    metadata_format     text
);

CREATE TABLE version_distributions (
    version         uuid NOT NULL,
    distribution_id text NOT NULL,
    title           text,
    access_url      text,
    download_url    text,
    format          text,
    media_type      text,
    license         text,
    byte_size       bigint,
    issued          date,
    modified        date,
    rights          text
);
CREATE TABLE version_keywords (version uuid NOT NULL, keyword text NOT NULL);
CREATE TABLE version_themes (version uuid NOT NULL, theme text NOT NULL);
CREATE TABLE version_hvd_categories (
    version            uuid NOT NULL,
    category_iri       text NOT NULL,
    category_label     text,
    top_category_iri   text,
    top_category_label text
);
CREATE TABLE version_territories (
    version       uuid NOT NULL,
    territory_iri text NOT NULL,
    kind          text NOT NULL,
    code          text NOT NULL,
    departement   text
);
CREATE TABLE version_spatial (version uuid NOT NULL, spatial_iri text NOT NULL);
CREATE TABLE version_licenses (version uuid NOT NULL, license text NOT NULL);
CREATE TABLE version_access_rights (
    version uuid NOT NULL,
    label   text,
    iri     text,
    CHECK ((label IS NULL) <> (iri IS NULL))
);
CREATE TABLE version_languages (version uuid NOT NULL, language text NOT NULL);
CREATE TABLE version_shacl_violations (
    version              uuid NOT NULL,
    focus                text NOT NULL,
    path                 text NOT NULL,
    constraint_component text NOT NULL,
    severity             text NOT NULL,
    message              text NOT NULL
);
CREATE TABLE version_rdf_repairs (
    version uuid NOT NULL,
    code    text NOT NULL,
    line    integer NOT NULL,
    col     integer NOT NULL,
    message text NOT NULL
);
CREATE TABLE version_scores (
    version              uuid PRIMARY KEY,
    variant              text NOT NULL,
    total                smallint NOT NULL,
    max_points           smallint NOT NULL,
    rating               text NOT NULL,
    findability          smallint NOT NULL,
    accessibility        smallint NOT NULL,
    interoperability     smallint NOT NULL,
    reusability          smallint NOT NULL,
    contextuality        smallint NOT NULL,
    measured_mask        integer NOT NULL,
    passed_mask          integer NOT NULL,
    best_distribution_id text,
    fill_rate            numeric(5, 2) NOT NULL,
    shacl_violations     integer
);

CREATE TABLE dataset_spans (
    dataset_id  text NOT NULL,
    version     uuid NOT NULL,
    source_file text,
    first_run   bigint NOT NULL,
    end_run     bigint,
    CHECK (end_run IS NULL OR end_run > first_run)
);
CREATE UNIQUE INDEX dataset_spans_open_idx ON dataset_spans (dataset_id) WHERE end_run IS NULL;
CREATE INDEX dataset_spans_open_page_idx ON dataset_spans (source_file) WHERE end_run IS NULL;

CREATE TABLE page_spans (
    source_file text NOT NULL,
    fingerprint text NOT NULL,
    datasets    integer NOT NULL,
    first_run   bigint NOT NULL,
    end_run     bigint,
    CHECK (end_run IS NULL OR end_run > first_run)
);
CREATE UNIQUE INDEX page_spans_open_idx ON page_spans (source_file) WHERE end_run IS NULL;

-- What a run in progress has read, before its spans are written (cleared when it ends;
-- unlogged: nothing here outlives a run, so nothing here needs the WAL).
CREATE UNLOGGED TABLE run_staged_datasets (
    run_id      bigint NOT NULL,
    shard       integer NOT NULL,
    dataset_id  text NOT NULL,
    version     uuid NOT NULL,
    source_file text NOT NULL
);
CREATE INDEX run_staged_datasets_id_idx ON run_staged_datasets (dataset_id);
CREATE UNLOGGED TABLE run_staged_pages (
    run_id      bigint NOT NULL,
    shard       integer NOT NULL,
    source_file text NOT NULL,
    fingerprint text NOT NULL,
    datasets    integer NOT NULL
);

COMMENT ON TABLE dataset_versions IS 'Each distinct version of a dataset''s description, stored once (the columns of hist_datasets); its other rows are in the version_* tables. Read the datasets view, or hist_datasets for a given run.';
COMMENT ON COLUMN dataset_versions.version IS 'The version: a digest of the dataset''s content and of the scoring inputs (see runs.scoring_inputs); the key of its rows in every version_* table.';
COMMENT ON TABLE version_distributions IS 'Distributions of each dataset version (read distributions or hist_distributions).';
COMMENT ON TABLE version_keywords IS 'Keywords of each dataset version (read dataset_keywords or hist_dataset_keywords).';
COMMENT ON TABLE version_themes IS 'Themes of each dataset version (read dataset_themes or hist_dataset_themes).';
COMMENT ON TABLE version_hvd_categories IS 'High-value dataset categories of each dataset version (read dataset_hvd_categories or hist_dataset_hvd_categories).';
COMMENT ON TABLE version_territories IS 'INSEE territories of each dataset version (read dataset_territories or hist_dataset_territories).';
COMMENT ON TABLE version_spatial IS 'dct:spatial IRIs of each dataset version (read dataset_spatial or hist_dataset_spatial).';
COMMENT ON TABLE version_licenses IS 'Licences of each dataset version (read dataset_licenses or hist_dataset_licenses).';
COMMENT ON TABLE version_access_rights IS 'Access rights of each dataset version: one row per label and one per IRI (read dataset_access_rights or hist_dataset_access_rights).';
COMMENT ON TABLE version_languages IS 'Languages of each dataset version (read dataset_languages or hist_dataset_languages).';
COMMENT ON TABLE version_shacl_violations IS 'DCAT-AP SHACL violations of each dataset version (read shacl_violations or hist_shacl_violations).';
COMMENT ON TABLE version_rdf_repairs IS 'RDF/XML repairs that touched each dataset version (read dataset_rdf_repairs or hist_rdf_repairs).';
COMMENT ON TABLE version_scores IS 'MQA score of each dataset version; kept as long as any succeeded run used the version (read dataset_scores or score_history).';
COMMENT ON TABLE dataset_spans IS 'Which version of each dataset was current from which run to which: one row per dataset and stretch of runs with the same version and page. Kept for every succeeded run, so that every run''s scores stay answerable.';
COMMENT ON COLUMN dataset_spans.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN dataset_spans.version IS 'Its version in those runs (see dataset_versions, version_scores).';
COMMENT ON COLUMN dataset_spans.source_file IS 'The catalog page it was read from in those runs; empty for runs whose detail was dropped before version 9 of the schema.';
COMMENT ON COLUMN dataset_spans.first_run IS 'The first run of the stretch.';
COMMENT ON COLUMN dataset_spans.end_run IS 'The first run after the stretch (the dataset changed, moved or disappeared in it); empty while the version is current.';
COMMENT ON TABLE page_spans IS 'The fingerprint of each catalog page loaded without rejection, from which run to which: a page whose fingerprint has not changed is not parsed again.';
COMMENT ON COLUMN page_spans.source_file IS 'The page (file or URL).';
COMMENT ON COLUMN page_spans.fingerprint IS 'What identifies its bytes: S3 ETag and size, or a digest of the bytes.';
COMMENT ON COLUMN page_spans.datasets IS 'How many datasets were loaded from it.';
COMMENT ON COLUMN page_spans.first_run IS 'The first run of the stretch.';
COMMENT ON COLUMN page_spans.end_run IS 'The first run after the stretch; empty while current.';
COMMENT ON TABLE run_staged_datasets IS 'Work table of the run in progress: the version and page of every dataset it read, turned into dataset_spans when the run is published, then cleared.';
COMMENT ON COLUMN run_staged_datasets.run_id IS 'The run in progress.';
COMMENT ON COLUMN run_staged_datasets.shard IS 'The shard that read it (0 for a run in one process).';
COMMENT ON COLUMN run_staged_datasets.dataset_id IS 'The dataset.';
COMMENT ON COLUMN run_staged_datasets.version IS 'Its version in this run.';
COMMENT ON COLUMN run_staged_datasets.source_file IS 'The page it was read from.';
COMMENT ON TABLE run_staged_pages IS 'Work table of the run in progress: the fingerprint of every page it loaded without rejection, turned into page_spans when the run is published, then cleared.';
COMMENT ON COLUMN run_staged_pages.run_id IS 'The run in progress.';
COMMENT ON COLUMN run_staged_pages.shard IS 'The shard that read it (0 for a run in one process).';
COMMENT ON COLUMN run_staged_pages.source_file IS 'The page.';
COMMENT ON COLUMN run_staged_pages.fingerprint IS 'Its fingerprint (see page_spans).';
COMMENT ON COLUMN run_staged_pages.datasets IS 'How many datasets were loaded from it.';

-- Column comments of the version tables: those of the tables they replace.
DO $$
DECLARE
    pair text[];
    c record;
BEGIN
    FOREACH pair SLICE 1 IN ARRAY ARRAY[
        ['hist_datasets', 'dataset_versions'], ['hist_distributions', 'version_distributions'],
        ['hist_dataset_keywords', 'version_keywords'], ['hist_dataset_themes', 'version_themes'],
        ['hist_dataset_hvd_categories', 'version_hvd_categories'],
        ['hist_dataset_territories', 'version_territories'],
        ['hist_dataset_spatial', 'version_spatial'], ['hist_dataset_licenses', 'version_licenses'],
        ['hist_dataset_access_rights', 'version_access_rights'],
        ['hist_dataset_languages', 'version_languages'],
        ['hist_shacl_violations', 'version_shacl_violations'],
        ['hist_rdf_repairs', 'version_rdf_repairs'], ['score_history', 'version_scores']
    ] LOOP
        FOR c IN SELECT s.attname, s.description FROM dq_saved_columns s
                 JOIN pg_attribute a ON a.attrelid = to_regclass(format('%I', pair[2]))
                  AND a.attname = s.attname AND a.attnum > 0
                 WHERE s.relname = pair[1] AND s.attname <> 'version' LOOP
            EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', pair[2], c.attname, c.description);
        END LOOP;
        IF pair[2] <> 'dataset_versions' THEN
            EXECUTE format('COMMENT ON COLUMN %I.version IS %L', pair[2],
                           'The dataset version (see dataset_versions and dataset_spans).');
        END IF;
    END LOOP;
END
$$;

-- 4. The existing history, as versions ------------------------------------------------

-- One key per (succeeded run, dataset): a digest of every row the run holds for it.
CREATE TEMPORARY TABLE dq_keys ON COMMIT DROP AS
WITH
d AS (SELECT run_id, dataset_id, source_file,
             md5((is_blank_node, is_series, identifier, title, title_lang, description,
                  description_lang, issued, issued_text, created, created_text, modified,
                  modified_text, creator, rights_holder, publisher, contact_name,
                  contact_email, status_code, status_label, catalog, bbox, landing_page,
                  temporal_start, temporal_end, accrual_periodicity, distribution_count,
                  fill_rate, filled_fields, universe, geo_coverage, open_access,
                  metadata_format)::text) AS h
      FROM hist_datasets),
di AS (SELECT run_id, dataset_id, md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
        SELECT run_id, dataset_id, (distribution_id, title, access_url, download_url, format,
               media_type, license, byte_size, issued, modified, rights)::text AS t
        FROM hist_distributions) x GROUP BY 1, 2),
kw AS (SELECT run_id, dataset_id, md5(string_agg(keyword, '|' ORDER BY keyword)) AS h
       FROM hist_dataset_keywords GROUP BY 1, 2),
th AS (SELECT run_id, dataset_id, md5(string_agg(theme, '|' ORDER BY theme)) AS h
       FROM hist_dataset_themes GROUP BY 1, 2),
hv AS (SELECT run_id, dataset_id, md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
        SELECT run_id, dataset_id,
               (category_iri, category_label, top_category_iri, top_category_label)::text AS t
        FROM hist_dataset_hvd_categories) x GROUP BY 1, 2),
te AS (SELECT run_id, dataset_id, md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
        SELECT run_id, dataset_id, (territory_iri, kind, code, departement)::text AS t
        FROM hist_dataset_territories) x GROUP BY 1, 2),
sp AS (SELECT run_id, dataset_id, md5(string_agg(spatial_iri, '|' ORDER BY spatial_iri)) AS h
       FROM hist_dataset_spatial GROUP BY 1, 2),
li AS (SELECT run_id, dataset_id, md5(string_agg(license, '|' ORDER BY license)) AS h
       FROM hist_dataset_licenses GROUP BY 1, 2),
ar AS (SELECT run_id, dataset_id, md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
        SELECT run_id, dataset_id, (label, iri)::text AS t FROM hist_dataset_access_rights) x
       GROUP BY 1, 2),
la AS (SELECT run_id, dataset_id, md5(string_agg(language, '|' ORDER BY language)) AS h
       FROM hist_dataset_languages GROUP BY 1, 2),
sh AS (SELECT run_id, dataset_id, md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
        SELECT run_id, dataset_id, (focus, path, constraint_component, severity, message)::text
               AS t FROM hist_shacl_violations) x GROUP BY 1, 2),
rr AS (SELECT run_id, dataset_id, md5(string_agg(t, '|' ORDER BY t)) AS h FROM (
        SELECT run_id, dataset_id, (code, line, col, message)::text AS t
        FROM hist_rdf_repairs) x GROUP BY 1, 2),
sc AS (SELECT run_id, dataset_id,
              md5((variant, total, max_points, rating, findability, accessibility,
                   interoperability, reusability, contextuality, measured_mask, passed_mask,
                   best_distribution_id, fill_rate, shacl_violations)::text) AS h
       FROM score_history)
SELECT run_id, dataset_id, d.source_file, d.h IS NOT NULL AS has_detail,
       md5(concat_ws(',', 'v4', coalesce(d.h, '-'), coalesce(di.h, '-'), coalesce(kw.h, '-'),
                     coalesce(th.h, '-'), coalesce(te.h, '-'), coalesce(sp.h, '-'),
                     coalesce(li.h, '-'), coalesce(ar.h, '-'), coalesce(la.h, '-'),
                     coalesce(sh.h, '-'), coalesce(sc.h, '-'), coalesce(hv.h, '-'),
                     coalesce(rr.h, '-')))::uuid
           AS version,
       sc.h IS NOT NULL AS has_score
FROM d FULL JOIN sc USING (run_id, dataset_id)
LEFT JOIN di USING (run_id, dataset_id) LEFT JOIN kw USING (run_id, dataset_id)
LEFT JOIN th USING (run_id, dataset_id) LEFT JOIN te USING (run_id, dataset_id)
LEFT JOIN sp USING (run_id, dataset_id) LEFT JOIN li USING (run_id, dataset_id)
LEFT JOIN ar USING (run_id, dataset_id) LEFT JOIN la USING (run_id, dataset_id)
LEFT JOIN sh USING (run_id, dataset_id) LEFT JOIN hv USING (run_id, dataset_id)
LEFT JOIN rr USING (run_id, dataset_id)
WHERE run_id IN (SELECT run_id FROM runs WHERE status = 'succeeded');

-- One run holding each version, whose rows are copied.
CREATE TEMPORARY TABLE dq_sources ON COMMIT DROP AS
    SELECT DISTINCT ON (version) version, run_id, dataset_id
    FROM dq_keys WHERE has_detail ORDER BY version, run_id;
CREATE TEMPORARY TABLE dq_score_sources ON COMMIT DROP AS
    SELECT DISTINCT ON (version) version, run_id, dataset_id
    FROM dq_keys WHERE has_score ORDER BY version, run_id;

INSERT INTO dataset_versions
    SELECT s.version, d.dataset_id, d.is_blank_node, d.is_series, d.identifier, d.title,
           d.title_lang, d.description, d.description_lang, d.issued, d.issued_text,
           d.created, d.created_text, d.modified, d.modified_text, d.creator, d.rights_holder,
           d.publisher, d.contact_name, d.contact_email, d.status_code, d.status_label,
           d.catalog, d.bbox, d.landing_page, d.temporal_start, d.temporal_end,
           d.accrual_periodicity, d.distribution_count, d.fill_rate, d.filled_fields,
           d.universe, d.geo_coverage, d.open_access, d.metadata_format
    FROM dq_sources s JOIN hist_datasets d USING (run_id, dataset_id);
INSERT INTO version_distributions
    SELECT s.version, x.distribution_id, x.title, x.access_url, x.download_url, x.format,
           x.media_type, x.license, x.byte_size, x.issued, x.modified, x.rights
    FROM dq_sources s JOIN hist_distributions x USING (run_id, dataset_id);
INSERT INTO version_keywords
    SELECT s.version, x.keyword FROM dq_sources s JOIN hist_dataset_keywords x USING (run_id, dataset_id);
INSERT INTO version_themes
    SELECT s.version, x.theme FROM dq_sources s JOIN hist_dataset_themes x USING (run_id, dataset_id);
INSERT INTO version_hvd_categories
    SELECT s.version, x.category_iri, x.category_label, x.top_category_iri, x.top_category_label
    FROM dq_sources s JOIN hist_dataset_hvd_categories x USING (run_id, dataset_id);
INSERT INTO version_territories
    SELECT s.version, x.territory_iri, x.kind, x.code, x.departement
    FROM dq_sources s JOIN hist_dataset_territories x USING (run_id, dataset_id);
INSERT INTO version_spatial
    SELECT s.version, x.spatial_iri FROM dq_sources s JOIN hist_dataset_spatial x USING (run_id, dataset_id);
INSERT INTO version_licenses
    SELECT s.version, x.license FROM dq_sources s JOIN hist_dataset_licenses x USING (run_id, dataset_id);
INSERT INTO version_access_rights
    SELECT s.version, x.label, x.iri
    FROM dq_sources s JOIN hist_dataset_access_rights x USING (run_id, dataset_id);
INSERT INTO version_languages
    SELECT s.version, x.language FROM dq_sources s JOIN hist_dataset_languages x USING (run_id, dataset_id);
INSERT INTO version_shacl_violations
    SELECT s.version, x.focus, x.path, x.constraint_component, x.severity, x.message
    FROM dq_sources s JOIN hist_shacl_violations x USING (run_id, dataset_id);
INSERT INTO version_rdf_repairs
    SELECT s.version, x.code, x.line, x.col, x.message
    FROM dq_sources s JOIN hist_rdf_repairs x USING (run_id, dataset_id);
INSERT INTO version_scores
    SELECT s.version, x.variant, x.total, x.max_points, x.rating, x.findability,
           x.accessibility, x.interoperability, x.reusability, x.contextuality,
           x.measured_mask, x.passed_mask, x.best_distribution_id, x.fill_rate,
           x.shacl_violations
    FROM dq_score_sources s JOIN score_history x USING (run_id, dataset_id);

-- Consecutive succeeded runs in which a dataset kept its version and page: one span,
-- ending at the next succeeded run (open when it reaches the latest one).
WITH succeeded AS (
    SELECT run_id, row_number() OVER (ORDER BY run_id) AS n,
           lead(run_id) OVER (ORDER BY run_id) AS next_run
    FROM runs WHERE status = 'succeeded'),
islands AS (
    SELECT k.dataset_id, k.version, k.source_file, k.run_id, s.next_run,
           s.n - row_number() OVER (PARTITION BY k.dataset_id, k.version, k.source_file
                                    ORDER BY s.n) AS island
    FROM dq_keys k JOIN succeeded s USING (run_id))
INSERT INTO dataset_spans (dataset_id, version, source_file, first_run, end_run)
    SELECT dataset_id, version, source_file, min(run_id),
           CASE WHEN bool_or(next_run IS NULL) THEN NULL ELSE max(next_run) END
    FROM islands GROUP BY dataset_id, version, source_file, island;

DROP TABLE hist_datasets, hist_distributions, hist_dataset_keywords, hist_dataset_themes,
    hist_dataset_territories, hist_dataset_spatial, hist_dataset_licenses,
    hist_dataset_access_rights, hist_dataset_languages, hist_shacl_violations, score_history,
    hist_dataset_hvd_categories, hist_rdf_repairs;

-- 5. The relations the readers know, as views -----------------------------------------

CREATE VIEW run_versions AS
    SELECT r.run_id, s.dataset_id, s.version, s.source_file, r.detail_kept
    FROM runs r
    JOIN dataset_spans s ON s.first_run <= r.run_id AND (s.end_run IS NULL OR r.run_id < s.end_run)
    WHERE r.status = 'succeeded';
COMMENT ON VIEW run_versions IS 'Every succeeded run with the version of each dataset it held: the spine of the hist_* views and score_history.';
COMMENT ON COLUMN run_versions.run_id IS 'The run (see runs).';
COMMENT ON COLUMN run_versions.dataset_id IS 'A dataset of that run.';
COMMENT ON COLUMN run_versions.version IS 'Its version in that run (see dataset_versions, version_scores).';
COMMENT ON COLUMN run_versions.source_file IS 'The page it was read from in that run.';
COMMENT ON COLUMN run_versions.detail_kept IS 'False when retention has dropped the detail of that run (see runs.detail_kept).';

CREATE VIEW hist_datasets AS
    SELECT k.run_id, k.dataset_id, k.source_file, v.is_blank_node, v.is_series, v.identifier,
           v.title, v.title_lang, v.description, v.description_lang, v.issued, v.issued_text,
           v.created, v.created_text, v.modified, v.modified_text, v.creator,
           v.rights_holder, v.publisher, v.contact_name, v.contact_email, v.status_code,
           v.status_label, v.catalog, v.bbox, v.landing_page, v.temporal_start,
           v.temporal_end, v.accrual_periodicity, v.distribution_count, v.fill_rate,
           v.filled_fields, v.universe, v.geo_coverage, v.open_access, v.metadata_format
    FROM run_versions k JOIN dataset_versions v USING (version) WHERE k.detail_kept;
CREATE VIEW hist_distributions AS
    SELECT k.run_id, k.dataset_id, x.distribution_id, x.title, x.access_url, x.download_url,
           x.format, x.media_type, x.license, x.byte_size, x.issued, x.modified, x.rights
    FROM run_versions k JOIN version_distributions x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_keywords AS
    SELECT k.run_id, k.dataset_id, x.keyword
    FROM run_versions k JOIN version_keywords x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_themes AS
    SELECT k.run_id, k.dataset_id, x.theme
    FROM run_versions k JOIN version_themes x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_hvd_categories AS
    SELECT k.run_id, k.dataset_id, x.category_iri, x.category_label, x.top_category_iri,
           x.top_category_label
    FROM run_versions k JOIN version_hvd_categories x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_territories AS
    SELECT k.run_id, k.dataset_id, x.territory_iri, x.kind, x.code, x.departement
    FROM run_versions k JOIN version_territories x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_spatial AS
    SELECT k.run_id, k.dataset_id, x.spatial_iri
    FROM run_versions k JOIN version_spatial x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_licenses AS
    SELECT k.run_id, k.dataset_id, x.license
    FROM run_versions k JOIN version_licenses x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_access_rights AS
    SELECT k.run_id, k.dataset_id, x.label, x.iri
    FROM run_versions k JOIN version_access_rights x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_dataset_languages AS
    SELECT k.run_id, k.dataset_id, x.language
    FROM run_versions k JOIN version_languages x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_shacl_violations AS
    SELECT k.run_id, k.dataset_id, x.focus, x.path, x.constraint_component, x.severity,
           x.message
    FROM run_versions k JOIN version_shacl_violations x USING (version) WHERE k.detail_kept;
CREATE VIEW hist_rdf_repairs AS
    SELECT k.run_id, k.dataset_id, x.code, x.line, x.col, x.message
    FROM run_versions k JOIN version_rdf_repairs x USING (version) WHERE k.detail_kept;
CREATE VIEW score_history AS
    SELECT k.run_id, k.dataset_id, x.variant, x.total, x.max_points, x.rating, x.findability,
           x.accessibility, x.interoperability, x.reusability, x.contextuality,
           x.measured_mask, x.passed_mask, x.best_distribution_id, x.fill_rate,
           x.shacl_violations
    FROM run_versions k JOIN version_scores x USING (version);

-- 6. Every saved view back on top, with its comments and grants -----------------------

DO $$
DECLARE
    v record;
    c record;
    g record;
    progress boolean := true;
    left_over text;
BEGIN
    -- In the order they were first created; one that needs a later one waits its turn.
    WHILE progress LOOP
        progress := false;
        FOR v IN SELECT oid, relname, definition FROM dq_saved_views WHERE is_view AND NOT done
                 ORDER BY oid LOOP
            BEGIN
                EXECUTE format('CREATE VIEW %I AS %s', v.relname, v.definition);
                UPDATE dq_saved_views SET done = true WHERE oid = v.oid;
                progress := true;
            EXCEPTION WHEN undefined_table OR undefined_column OR undefined_function THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
    SELECT string_agg(relname, ', ') INTO left_over FROM dq_saved_views WHERE is_view AND NOT done;
    IF left_over IS NOT NULL THEN
        RAISE EXCEPTION 'could not recreate the views % on the versioned history', left_over;
    END IF;
    FOR v IN SELECT * FROM dq_saved_views LOOP
        IF v.description IS NOT NULL THEN
            EXECUTE format('COMMENT ON VIEW %I IS %L', v.relname, v.description);
        END IF;
        FOR c IN SELECT s.attname, s.description FROM dq_saved_columns s
                 JOIN pg_attribute a ON a.attrelid = to_regclass(format('%I', v.relname))
                  AND a.attname = s.attname AND a.attnum > 0
                 WHERE s.relname = v.relname AND s.description IS NOT NULL LOOP
            EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', v.relname, c.attname, c.description);
        END LOOP;
        FOR g IN SELECT a.privilege_type, a.is_grantable,
                        CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                             ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee
                 FROM aclexplode(v.relacl) a
                 WHERE a.grantee <> (SELECT relowner FROM pg_class
                                     WHERE oid = to_regclass(format('%I', v.relname))) LOOP
            EXECUTE format('GRANT %s ON %I TO %s%s', g.privilege_type, v.relname, g.grantee,
                           CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END LOOP;
END
$$;

-- The hist_* views and score_history now read from the versions.
COMMENT ON VIEW hist_datasets IS 'One row per dataset and run (history; runs whose detail is kept, see keep_runs), read from the dataset''s version in that run. Read the datasets view for the current catalog.';
COMMENT ON VIEW score_history IS 'MQA score of every dataset at every succeeded run (kept for every run, unlike the hist_* detail), read from the dataset''s version in that run. Read dataset_scores, dataset_checks and the change views.';

-- score_changes never listed a removed dataset: the FULL JOIN's condition named the
-- current run's side, so a row of the previous run alone was filtered out. Same columns,
-- now with the 'removed' rows its comment promises.
CREATE OR REPLACE VIEW score_changes AS
    SELECT c.dataset_id, l.previous_run, l.current_run, c.previous_total, c.current_total,
           coalesce(c.current_total, 0) - coalesce(c.previous_total, 0) AS delta,
           CASE WHEN c.previous_total IS NULL THEN 'new'
                WHEN c.current_total IS NULL THEN 'removed'
                WHEN c.current_total > c.previous_total THEN 'gained'
                WHEN c.current_total < c.previous_total THEN 'lost'
                ELSE 'unchanged' END AS change
    FROM last_two_runs l
    CROSS JOIN LATERAL (
        SELECT coalesce(b.dataset_id, a.dataset_id) AS dataset_id, a.total AS previous_total,
               b.total AS current_total
        FROM (SELECT dataset_id, total FROM score_history WHERE run_id = l.current_run) b
        FULL JOIN (SELECT dataset_id, total FROM score_history WHERE run_id = l.previous_run) a
          ON a.dataset_id = b.dataset_id
        WHERE b.total IS DISTINCT FROM a.total OR a.dataset_id IS NULL OR b.dataset_id IS NULL
    ) c;
