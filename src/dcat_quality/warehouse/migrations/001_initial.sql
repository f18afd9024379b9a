-- dcat-quality warehouse, version 1.
--
-- {schema} is replaced by the quoted schema name before this script runs.
-- Detail tables (hist_*) are partitioned by run: each run loads into its own partitions,
-- created when the run begins; the views show the latest successful run only.

COMMENT ON SCHEMA {schema} IS
  'dcat-quality metadata-quality warehouse: run history, rejected pages and datasets, and per-run detail tables; read the views (datasets, distributions, dataset_*), which show the latest successful run.';

-- Runs -------------------------------------------------------------------------------

CREATE TABLE {schema}.runs (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source            text NOT NULL,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    status            text NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    pages_read        integer,
    pages_rejected    integer,
    datasets_read     integer,
    datasets_loaded   integer,
    datasets_rejected integer,
    software_version  text,
    error             text
);
CREATE INDEX runs_succeeded_idx ON {schema}.runs (run_id) WHERE status = 'succeeded';

COMMENT ON TABLE {schema}.runs IS
  'One row per run of the chain (read the catalog, score it, load it), kept forever. Only succeeded runs are shown by the views.';
COMMENT ON COLUMN {schema}.runs.run_id IS 'Run number, increasing with time; identifies the rows of the run in every hist_* table.';
COMMENT ON COLUMN {schema}.runs.source IS 'Where the catalog was read (folder, s3://bucket/prefix or endpoint URL), without credentials.';
COMMENT ON COLUMN {schema}.runs.started_at IS 'When the run began.';
COMMENT ON COLUMN {schema}.runs.finished_at IS 'When the run was published or recorded as failed; empty while it runs.';
COMMENT ON COLUMN {schema}.runs.status IS 'running, succeeded (published: the views show it if it is the latest), failed (error, or process stopped) or interrupted (stopped by the user).';
COMMENT ON COLUMN {schema}.runs.pages_read IS 'Number of catalog pages (files) read.';
COMMENT ON COLUMN {schema}.runs.pages_rejected IS 'Number of pages that could not be read or parsed (see rejections).';
COMMENT ON COLUMN {schema}.runs.datasets_read IS 'Number of datasets found in the pages read; equals datasets_loaded + datasets_rejected.';
COMMENT ON COLUMN {schema}.runs.datasets_loaded IS 'Number of datasets loaded into the warehouse.';
COMMENT ON COLUMN {schema}.runs.datasets_rejected IS 'Number of datasets found but not loaded (see rejections).';
COMMENT ON COLUMN {schema}.runs.software_version IS 'Version of dcat-quality that ran.';
COMMENT ON COLUMN {schema}.runs.error IS 'Why the run failed; empty for a succeeded run.';

CREATE TABLE {schema}.rejections (
    run_id     bigint NOT NULL REFERENCES {schema}.runs (run_id),
    file       text NOT NULL,
    position   text,
    reason     text NOT NULL,
    dataset_id text
);
CREATE INDEX rejections_run_idx ON {schema}.rejections (run_id);

COMMENT ON TABLE {schema}.rejections IS
  'Pages and datasets a run could not load, with the reason; kept forever, also for runs that later failed.';
COMMENT ON COLUMN {schema}.rejections.run_id IS 'The run that rejected it (see runs).';
COMMENT ON COLUMN {schema}.rejections.file IS 'The page (file or URL) concerned.';
COMMENT ON COLUMN {schema}.rejections.position IS 'Where in the page (line and column, JSON path); empty when the whole page is concerned.';
COMMENT ON COLUMN {schema}.rejections.reason IS 'What was wrong, and what to do about it.';
COMMENT ON COLUMN {schema}.rejections.dataset_id IS 'The dataset rejected; empty when a whole page was rejected.';

-- Detail tables, one partition per run -------------------------------------------------

CREATE TABLE {schema}.hist_datasets (
    run_id              bigint NOT NULL,
    dataset_id          text NOT NULL,
    source_file         text,
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
    PRIMARY KEY (run_id, dataset_id)
) PARTITION BY LIST (run_id);

COMMENT ON TABLE {schema}.hist_datasets IS
  'One row per dataset and run (history; recent runs only, see keep_runs). Read the datasets view for the current catalog.';
COMMENT ON COLUMN {schema}.hist_datasets.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_datasets.dataset_id IS 'Dataset IRI; for a dataset published as a blank node, a stable id derived from its content.';
COMMENT ON COLUMN {schema}.hist_datasets.source_file IS 'The catalog page (file or URL) the dataset was read from.';
COMMENT ON COLUMN {schema}.hist_datasets.is_blank_node IS 'True when the catalog gives the dataset no IRI (blank node).';
COMMENT ON COLUMN {schema}.hist_datasets.is_series IS 'True for a dcat:DatasetSeries.';
COMMENT ON COLUMN {schema}.hist_datasets.identifier IS 'dct:identifier of the dataset.';
COMMENT ON COLUMN {schema}.hist_datasets.title IS 'dct:title (French when the catalog gives several languages).';
COMMENT ON COLUMN {schema}.hist_datasets.title_lang IS 'Language tag of the title kept.';
COMMENT ON COLUMN {schema}.hist_datasets.description IS 'dct:description (French when several languages).';
COMMENT ON COLUMN {schema}.hist_datasets.description_lang IS 'Language tag of the description kept.';
COMMENT ON COLUMN {schema}.hist_datasets.issued IS 'dct:issued as a date; empty when missing or unreadable (see issued_text).';
COMMENT ON COLUMN {schema}.hist_datasets.issued_text IS 'dct:issued exactly as published.';
COMMENT ON COLUMN {schema}.hist_datasets.created IS 'dct:created as a date; empty when missing or unreadable (see created_text).';
COMMENT ON COLUMN {schema}.hist_datasets.created_text IS 'dct:created exactly as published.';
COMMENT ON COLUMN {schema}.hist_datasets.modified IS 'dct:modified as a date; empty when missing or unreadable (see modified_text).';
COMMENT ON COLUMN {schema}.hist_datasets.modified_text IS 'dct:modified exactly as published.';
COMMENT ON COLUMN {schema}.hist_datasets.creator IS 'Name of the dct:creator.';
COMMENT ON COLUMN {schema}.hist_datasets.rights_holder IS 'Name of the rights holder (dct:rightsHolder, or the Ecospheres dct:rights_holder).';
COMMENT ON COLUMN {schema}.hist_datasets.publisher IS 'Name of the dct:publisher.';
COMMENT ON COLUMN {schema}.hist_datasets.contact_name IS 'Name of the dcat:contactPoint.';
COMMENT ON COLUMN {schema}.hist_datasets.contact_email IS 'E-mail of the dcat:contactPoint, without mailto:.';
COMMENT ON COLUMN {schema}.hist_datasets.status_code IS 'Last segment of the adms:status IRI (COMPLETED, onGoing...); unknown codes are kept.';
COMMENT ON COLUMN {schema}.hist_datasets.status_label IS 'French label of status_code; empty for an unknown code.';
COMMENT ON COLUMN {schema}.hist_datasets.catalog IS 'Title of the catalog the dataset record belongs to.';
COMMENT ON COLUMN {schema}.hist_datasets.bbox IS 'Bounding box of dct:spatial (dcat:bbox), as published (WKT or GeoJSON).';
COMMENT ON COLUMN {schema}.hist_datasets.landing_page IS 'dcat:landingPage IRI.';
COMMENT ON COLUMN {schema}.hist_datasets.temporal_start IS 'Start of the dct:temporal period; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.hist_datasets.temporal_end IS 'End of the dct:temporal period; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.hist_datasets.accrual_periodicity IS 'dct:accrualPeriodicity IRI (update frequency).';
COMMENT ON COLUMN {schema}.hist_datasets.distribution_count IS 'Number of distributions of the dataset (see distributions).';
COMMENT ON COLUMN {schema}.hist_datasets.fill_rate IS 'Percentage (0-100) of the nine historical fields that hold a non-empty value (catalog, contact e-mail, licenses, modified, rights holder, access rights, INSEE spatial, status, title).';
COMMENT ON COLUMN {schema}.hist_datasets.filled_fields IS 'How many of the nine fill-rate fields hold a non-empty value.';
COMMENT ON COLUMN {schema}.hist_datasets.universe IS 'PPRN when the title or description is about natural-risk prevention plans; else empty.';
COMMENT ON COLUMN {schema}.hist_datasets.geo_coverage IS 'Communale when a commune is named in dct:spatial, Départementale when only a département is; else empty.';
COMMENT ON COLUMN {schema}.hist_datasets.open_access IS 'True when an access-rights label says public access is unrestricted or the licence is open.';

CREATE TABLE {schema}.hist_distributions (
    run_id          bigint NOT NULL,
    dataset_id      text NOT NULL,
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
) PARTITION BY LIST (run_id);

COMMENT ON TABLE {schema}.hist_distributions IS
  'One row per distribution of a dataset and run (history). Read the distributions view for the current catalog.';
COMMENT ON COLUMN {schema}.hist_distributions.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_distributions.dataset_id IS 'The dataset the distribution belongs to (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_distributions.distribution_id IS 'Distribution IRI, or a stable id for a blank node.';
COMMENT ON COLUMN {schema}.hist_distributions.title IS 'dct:title of the distribution.';
COMMENT ON COLUMN {schema}.hist_distributions.access_url IS 'dcat:accessURL.';
COMMENT ON COLUMN {schema}.hist_distributions.download_url IS 'dcat:downloadURL.';
COMMENT ON COLUMN {schema}.hist_distributions.format IS 'dct:format (IRI or label, as published).';
COMMENT ON COLUMN {schema}.hist_distributions.media_type IS 'dcat:mediaType.';
COMMENT ON COLUMN {schema}.hist_distributions.license IS 'dct:license IRI or label.';
COMMENT ON COLUMN {schema}.hist_distributions.byte_size IS 'dcat:byteSize in bytes; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.hist_distributions.issued IS 'dct:issued as a date; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.hist_distributions.modified IS 'dct:modified as a date; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.hist_distributions.rights IS 'dct:rights statement of the distribution.';

CREATE TABLE {schema}.hist_dataset_keywords (
    run_id     bigint NOT NULL,
    dataset_id text NOT NULL,
    keyword    text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_keywords IS 'One row per keyword of a dataset and run (history).';
COMMENT ON COLUMN {schema}.hist_dataset_keywords.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_keywords.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_keywords.keyword IS 'One dcat:keyword, as published.';

CREATE TABLE {schema}.hist_dataset_themes (
    run_id     bigint NOT NULL,
    dataset_id text NOT NULL,
    theme      text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_themes IS 'One row per theme of a dataset and run (history).';
COMMENT ON COLUMN {schema}.hist_dataset_themes.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_themes.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_themes.theme IS 'One dcat:theme IRI.';

CREATE TABLE {schema}.hist_dataset_territories (
    run_id        bigint NOT NULL,
    dataset_id    text NOT NULL,
    territory_iri text NOT NULL,
    kind          text NOT NULL,
    code          text NOT NULL,
    departement   text
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_territories IS 'One row per INSEE territory named by the dct:spatial of a dataset, per run (history).';
COMMENT ON COLUMN {schema}.hist_dataset_territories.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_territories.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_territories.territory_iri IS 'The INSEE IRI (http://id.insee.fr/geo/...).';
COMMENT ON COLUMN {schema}.hist_dataset_territories.kind IS 'Kind of territory: commune, departement, region, ...';
COMMENT ON COLUMN {schema}.hist_dataset_territories.code IS 'INSEE code of the territory (commune 2A004, département 974, ...).';
COMMENT ON COLUMN {schema}.hist_dataset_territories.departement IS 'Département code of a commune or département (2A, 974, ...); empty for other kinds.';

CREATE TABLE {schema}.hist_dataset_spatial (
    run_id      bigint NOT NULL,
    dataset_id  text NOT NULL,
    spatial_iri text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_spatial IS 'One row per dct:spatial IRI of a dataset and run, INSEE or not (history).';
COMMENT ON COLUMN {schema}.hist_dataset_spatial.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_spatial.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_spatial.spatial_iri IS 'One dct:spatial IRI, as published.';

CREATE TABLE {schema}.hist_dataset_licenses (
    run_id     bigint NOT NULL,
    dataset_id text NOT NULL,
    license    text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_licenses IS 'One row per distinct licence of a dataset (from its distributions), per run (history).';
COMMENT ON COLUMN {schema}.hist_dataset_licenses.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_licenses.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_licenses.license IS 'One dct:license IRI or label.';

CREATE TABLE {schema}.hist_dataset_access_rights (
    run_id     bigint NOT NULL,
    dataset_id text NOT NULL,
    label      text,
    iri        text,
    CHECK ((label IS NULL) <> (iri IS NULL))
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_access_rights IS
  'dct:accessRights of a dataset, per run (history): one row per label (label set, iri empty) and one row per IRI (iri set, label empty); catalogs give labels and IRIs without telling which belong together.';
COMMENT ON COLUMN {schema}.hist_dataset_access_rights.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_access_rights.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_access_rights.label IS 'One access-rights label (rdfs:label of the dct:accessRights node); empty on an IRI row.';
COMMENT ON COLUMN {schema}.hist_dataset_access_rights.iri IS 'One access-rights IRI; empty on a label row.';

CREATE TABLE {schema}.hist_dataset_languages (
    run_id     bigint NOT NULL,
    dataset_id text NOT NULL,
    language   text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_languages IS 'One row per dct:language of a dataset and run (history).';
COMMENT ON COLUMN {schema}.hist_dataset_languages.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_languages.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_languages.language IS 'One dct:language IRI or code.';

-- Views: the latest successful run ----------------------------------------------------

CREATE VIEW {schema}.current_run AS
    SELECT max(run_id) AS run_id FROM {schema}.runs WHERE status = 'succeeded';
COMMENT ON VIEW {schema}.current_run IS 'The run the other views show: the latest succeeded run (one row).';
COMMENT ON COLUMN {schema}.current_run.run_id IS 'Number of the latest succeeded run; empty before the first one.';

CREATE VIEW {schema}.datasets AS
    SELECT dataset_id, source_file, is_blank_node, is_series, identifier, title, title_lang,
           description, description_lang, issued, issued_text, created, created_text,
           modified, modified_text, creator, rights_holder, publisher, contact_name,
           contact_email, status_code, status_label, catalog, bbox, landing_page,
           temporal_start, temporal_end, accrual_periodicity, distribution_count, fill_rate,
           filled_fields, universe, geo_coverage, open_access
    FROM {schema}.hist_datasets
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.datasets IS 'The datasets of the catalog as of the latest successful run, one row each, with their Ecospheres indicators.';
COMMENT ON COLUMN {schema}.datasets.dataset_id IS 'Dataset IRI; for a dataset published as a blank node, a stable id derived from its content.';
COMMENT ON COLUMN {schema}.datasets.source_file IS 'The catalog page (file or URL) the dataset was read from.';
COMMENT ON COLUMN {schema}.datasets.is_blank_node IS 'True when the catalog gives the dataset no IRI (blank node).';
COMMENT ON COLUMN {schema}.datasets.is_series IS 'True for a dcat:DatasetSeries.';
COMMENT ON COLUMN {schema}.datasets.identifier IS 'dct:identifier of the dataset.';
COMMENT ON COLUMN {schema}.datasets.title IS 'dct:title (French when the catalog gives several languages).';
COMMENT ON COLUMN {schema}.datasets.title_lang IS 'Language tag of the title kept.';
COMMENT ON COLUMN {schema}.datasets.description IS 'dct:description (French when several languages).';
COMMENT ON COLUMN {schema}.datasets.description_lang IS 'Language tag of the description kept.';
COMMENT ON COLUMN {schema}.datasets.issued IS 'dct:issued as a date; empty when missing or unreadable (see issued_text).';
COMMENT ON COLUMN {schema}.datasets.issued_text IS 'dct:issued exactly as published.';
COMMENT ON COLUMN {schema}.datasets.created IS 'dct:created as a date; empty when missing or unreadable (see created_text).';
COMMENT ON COLUMN {schema}.datasets.created_text IS 'dct:created exactly as published.';
COMMENT ON COLUMN {schema}.datasets.modified IS 'dct:modified as a date; empty when missing or unreadable (see modified_text).';
COMMENT ON COLUMN {schema}.datasets.modified_text IS 'dct:modified exactly as published.';
COMMENT ON COLUMN {schema}.datasets.creator IS 'Name of the dct:creator.';
COMMENT ON COLUMN {schema}.datasets.rights_holder IS 'Name of the rights holder (dct:rightsHolder, or the Ecospheres dct:rights_holder).';
COMMENT ON COLUMN {schema}.datasets.publisher IS 'Name of the dct:publisher.';
COMMENT ON COLUMN {schema}.datasets.contact_name IS 'Name of the dcat:contactPoint.';
COMMENT ON COLUMN {schema}.datasets.contact_email IS 'E-mail of the dcat:contactPoint, without mailto:.';
COMMENT ON COLUMN {schema}.datasets.status_code IS 'Last segment of the adms:status IRI (COMPLETED, onGoing...); unknown codes are kept.';
COMMENT ON COLUMN {schema}.datasets.status_label IS 'French label of status_code; empty for an unknown code.';
COMMENT ON COLUMN {schema}.datasets.catalog IS 'Title of the catalog the dataset record belongs to.';
COMMENT ON COLUMN {schema}.datasets.bbox IS 'Bounding box of dct:spatial (dcat:bbox), as published (WKT or GeoJSON).';
COMMENT ON COLUMN {schema}.datasets.landing_page IS 'dcat:landingPage IRI.';
COMMENT ON COLUMN {schema}.datasets.temporal_start IS 'Start of the dct:temporal period; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.datasets.temporal_end IS 'End of the dct:temporal period; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.datasets.accrual_periodicity IS 'dct:accrualPeriodicity IRI (update frequency).';
COMMENT ON COLUMN {schema}.datasets.distribution_count IS 'Number of distributions of the dataset (see distributions).';
COMMENT ON COLUMN {schema}.datasets.fill_rate IS 'Percentage (0-100) of the nine historical fields that hold a non-empty value (catalog, contact e-mail, licenses, modified, rights holder, access rights, INSEE spatial, status, title).';
COMMENT ON COLUMN {schema}.datasets.filled_fields IS 'How many of the nine fill-rate fields hold a non-empty value.';
COMMENT ON COLUMN {schema}.datasets.universe IS 'PPRN when the title or description is about natural-risk prevention plans; else empty.';
COMMENT ON COLUMN {schema}.datasets.geo_coverage IS 'Communale when a commune is named in dct:spatial, Départementale when only a département is; else empty.';
COMMENT ON COLUMN {schema}.datasets.open_access IS 'True when an access-rights label says public access is unrestricted or the licence is open.';

CREATE VIEW {schema}.distributions AS
    SELECT dataset_id, distribution_id, title, access_url, download_url, format, media_type,
           license, byte_size, issued, modified, rights
    FROM {schema}.hist_distributions
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.distributions IS 'The distributions of the datasets, as of the latest successful run.';
COMMENT ON COLUMN {schema}.distributions.dataset_id IS 'The dataset the distribution belongs to (see datasets).';
COMMENT ON COLUMN {schema}.distributions.distribution_id IS 'Distribution IRI, or a stable id for a blank node.';
COMMENT ON COLUMN {schema}.distributions.title IS 'dct:title of the distribution.';
COMMENT ON COLUMN {schema}.distributions.access_url IS 'dcat:accessURL.';
COMMENT ON COLUMN {schema}.distributions.download_url IS 'dcat:downloadURL.';
COMMENT ON COLUMN {schema}.distributions.format IS 'dct:format (IRI or label, as published).';
COMMENT ON COLUMN {schema}.distributions.media_type IS 'dcat:mediaType.';
COMMENT ON COLUMN {schema}.distributions.license IS 'dct:license IRI or label.';
COMMENT ON COLUMN {schema}.distributions.byte_size IS 'dcat:byteSize in bytes; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.distributions.issued IS 'dct:issued as a date; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.distributions.modified IS 'dct:modified as a date; empty when missing or unreadable.';
COMMENT ON COLUMN {schema}.distributions.rights IS 'dct:rights statement of the distribution.';

CREATE VIEW {schema}.dataset_keywords AS
    SELECT dataset_id, keyword FROM {schema}.hist_dataset_keywords
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_keywords IS 'Keywords of the datasets, one row per dataset and keyword (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_keywords.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_keywords.keyword IS 'One dcat:keyword, as published.';

CREATE VIEW {schema}.dataset_themes AS
    SELECT dataset_id, theme FROM {schema}.hist_dataset_themes
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_themes IS 'Themes of the datasets, one row per dataset and theme (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_themes.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_themes.theme IS 'One dcat:theme IRI.';

CREATE VIEW {schema}.dataset_territories AS
    SELECT dataset_id, territory_iri, kind, code, departement
    FROM {schema}.hist_dataset_territories
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_territories IS 'INSEE territories named by the datasets, one row per dataset and territory (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_territories.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_territories.territory_iri IS 'The INSEE IRI (http://id.insee.fr/geo/...).';
COMMENT ON COLUMN {schema}.dataset_territories.kind IS 'Kind of territory: commune, departement, region, ...';
COMMENT ON COLUMN {schema}.dataset_territories.code IS 'INSEE code of the territory (commune 2A004, département 974, ...).';
COMMENT ON COLUMN {schema}.dataset_territories.departement IS 'Département code of a commune or département (2A, 974, ...); empty for other kinds.';

CREATE VIEW {schema}.dataset_spatial AS
    SELECT dataset_id, spatial_iri FROM {schema}.hist_dataset_spatial
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_spatial IS 'Every dct:spatial IRI of the datasets, INSEE or not (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_spatial.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_spatial.spatial_iri IS 'One dct:spatial IRI, as published.';

CREATE VIEW {schema}.dataset_licenses AS
    SELECT dataset_id, license FROM {schema}.hist_dataset_licenses
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_licenses IS 'Distinct licences of each dataset, from its distributions (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_licenses.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_licenses.license IS 'One dct:license IRI or label.';

CREATE VIEW {schema}.dataset_access_rights AS
    SELECT dataset_id, label, iri FROM {schema}.hist_dataset_access_rights
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_access_rights IS 'Access rights of the datasets: one row per label and one per IRI (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_access_rights.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_access_rights.label IS 'One access-rights label; empty on an IRI row.';
COMMENT ON COLUMN {schema}.dataset_access_rights.iri IS 'One access-rights IRI; empty on a label row.';

CREATE VIEW {schema}.dataset_languages AS
    SELECT dataset_id, language FROM {schema}.hist_dataset_languages
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_languages IS 'Languages of the datasets, one row per dataset and language (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_languages.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_languages.language IS 'One dct:language IRI or code.';

-- Compatibility with the historical "datasets" table (to_sql of the 2023 scripts).
-- The one place where lists are joined into text (', '-separated), so that questions
-- written against the historical table keep working; new questions should use the
-- long views instead.
CREATE VIEW {schema}.historical_datasets AS
    SELECT d.dataset_id AS dataset,
           d.title,
           d.description,
           d.modified AS modification,
           ar.right_statement,
           th.themes,
           kw.key_words,
           d.creator,
           d.rights_holder,
           d.contact_email AS contact_point,
           d.status_label AS status,
           d.catalog,
           te.spatial,
           li.licenses,
           d.fill_rate AS percantage_filling,
           d.universe AS univers,
           te.commune,
           te.departement,
           d.geo_coverage,
           d.open_access AS right_statement_processed
    FROM {schema}.datasets AS d
    LEFT JOIN (SELECT dataset_id, string_agg(label, ', ' ORDER BY label) AS right_statement
               FROM {schema}.dataset_access_rights WHERE label IS NOT NULL
               GROUP BY dataset_id) AS ar USING (dataset_id)
    LEFT JOIN (SELECT dataset_id, string_agg(theme, ', ' ORDER BY theme) AS themes
               FROM {schema}.dataset_themes GROUP BY dataset_id) AS th USING (dataset_id)
    LEFT JOIN (SELECT dataset_id, string_agg(keyword, ', ' ORDER BY keyword) AS key_words
               FROM {schema}.dataset_keywords GROUP BY dataset_id) AS kw USING (dataset_id)
    LEFT JOIN (SELECT dataset_id, string_agg(license, ', ' ORDER BY license) AS licenses
               FROM {schema}.dataset_licenses GROUP BY dataset_id) AS li USING (dataset_id)
    LEFT JOIN (SELECT dataset_id,
                      string_agg(territory_iri, ', ' ORDER BY territory_iri) AS spatial,
                      string_agg(DISTINCT code, ', ' ORDER BY code)
                          FILTER (WHERE kind = 'commune') AS commune,
                      string_agg(DISTINCT departement, ', ' ORDER BY departement)
                          AS departement
               FROM {schema}.dataset_territories GROUP BY dataset_id) AS te USING (dataset_id);
COMMENT ON VIEW {schema}.historical_datasets IS
  'Compatibility view with the column names of the historical datasets table (2023 scripts), latest successful run; list columns are joined with '', '' (the only view that holds lists). Prefer the datasets view and the dataset_* long views for new questions.';
COMMENT ON COLUMN {schema}.historical_datasets.dataset IS 'Dataset IRI (datasets.dataset_id).';
COMMENT ON COLUMN {schema}.historical_datasets.title IS 'dct:title.';
COMMENT ON COLUMN {schema}.historical_datasets.description IS 'dct:description.';
COMMENT ON COLUMN {schema}.historical_datasets.modification IS 'dct:modified as a date (datasets.modified); the historical table held the raw text, see datasets.modified_text.';
COMMENT ON COLUMN {schema}.historical_datasets.right_statement IS 'Access-rights labels, joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.themes IS 'dcat:theme IRIs, joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.key_words IS 'Keywords, joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.creator IS 'Name of the dct:creator.';
COMMENT ON COLUMN {schema}.historical_datasets.rights_holder IS 'Name of the rights holder.';
COMMENT ON COLUMN {schema}.historical_datasets.contact_point IS 'E-mail of the contact point (datasets.contact_email).';
COMMENT ON COLUMN {schema}.historical_datasets.status IS 'French label of the adms:status (datasets.status_label).';
COMMENT ON COLUMN {schema}.historical_datasets.catalog IS 'Title of the catalog.';
COMMENT ON COLUMN {schema}.historical_datasets.spatial IS 'INSEE territory IRIs of dct:spatial, joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.licenses IS 'Distinct licences of the distributions, joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.percantage_filling IS 'Fill rate in percent (datasets.fill_rate), with the historical defect fixed: empty values no longer count as filled. The misspelt name is historical.';
COMMENT ON COLUMN {schema}.historical_datasets.univers IS 'PPRN for natural-risk prevention plans, else empty (datasets.universe).';
COMMENT ON COLUMN {schema}.historical_datasets.commune IS 'INSEE commune codes, joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.departement IS 'Département codes (also those of the communes; overseas ones have three characters), joined with '', ''.';
COMMENT ON COLUMN {schema}.historical_datasets.geo_coverage IS 'Communale, Départementale or empty.';
COMMENT ON COLUMN {schema}.historical_datasets.right_statement_processed IS 'True when access is open (datasets.open_access).';
