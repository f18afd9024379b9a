-- dcat-quality warehouse, version 8: source versus harvest.
--
-- {schema} is replaced by the quoted schema name before this script runs.
--
-- A catalogue team scores a catalogue at its source (ISO 19139 records of a GeoNetwork,
-- mapped to DCAT by dcat-quality) and where it is harvested (the DCAT dump of the
-- catalogue that harvests it) in one run, several --source options. Each dataset row says
-- what it was read from (metadata_format); the views below pair the two readings of a
-- dataset by dct:identifier and show the points the harvest lost or gained, on which
-- checks, per dataset and per publisher. They are built on datasets, dataset_scores and
-- dataset_checks, so they follow the latest successful run like every other view.

ALTER TABLE {schema}.hist_datasets ADD COLUMN metadata_format text;
COMMENT ON COLUMN {schema}.hist_datasets.metadata_format IS 'What the dataset was read from: iso19139 (an ISO 19139 record, mapped to DCAT by dcat-quality following GeoDCAT-AP) or dcat (RDF as published: RDF/XML, Turtle, JSON-LD, N-Triples); empty for runs before version 8 and tables loaded by dcat-quality load.';

CREATE OR REPLACE VIEW {schema}.datasets AS
    SELECT dataset_id, source_file, is_blank_node, is_series, identifier, title, title_lang,
           description, description_lang, issued, issued_text, created, created_text,
           modified, modified_text, creator, rights_holder, publisher, contact_name,
           contact_email, status_code, status_label, catalog, bbox, landing_page,
           temporal_start, temporal_end, accrual_periodicity, distribution_count, fill_rate,
           filled_fields, universe, geo_coverage, open_access, metadata_format
    FROM {schema}.hist_datasets
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON COLUMN {schema}.datasets.metadata_format IS 'What the dataset was read from: iso19139 (an ISO 19139 record, mapped to DCAT by dcat-quality) or dcat (RDF as published); empty when not known.';

-- The pairs ----------------------------------------------------------------------------

CREATE VIEW {schema}.harvest_pairs AS
    SELECT s.identifier,
           coalesce(s.title, h.title) AS title,
           coalesce(s.publisher, s.rights_holder, h.publisher, h.rights_holder) AS publisher,
           s.dataset_id AS source_dataset_id, s.source_file AS source_file,
           h.dataset_id AS harvest_dataset_id, h.source_file AS harvest_file
    FROM {schema}.datasets s
    JOIN {schema}.datasets h ON h.identifier = s.identifier AND h.dataset_id <> s.dataset_id
    WHERE s.metadata_format = 'iso19139' AND h.metadata_format = 'dcat';
COMMENT ON VIEW {schema}.harvest_pairs IS 'The two readings of each dataset read both at its source (an ISO 19139 record) and in a harvested DCAT dump, paired by dct:identifier (latest successful run).';
COMMENT ON COLUMN {schema}.harvest_pairs.identifier IS 'The dct:identifier both readings carry (the ISO resource identifier, codeSpace and code).';
COMMENT ON COLUMN {schema}.harvest_pairs.title IS 'Title of the dataset (the source''s, else the harvest''s).';
COMMENT ON COLUMN {schema}.harvest_pairs.publisher IS 'Publisher, or rights holder, of the source reading (else of the harvest).';
COMMENT ON COLUMN {schema}.harvest_pairs.source_dataset_id IS 'The dataset as read at the source (see datasets).';
COMMENT ON COLUMN {schema}.harvest_pairs.source_file IS 'The page the source reading comes from.';
COMMENT ON COLUMN {schema}.harvest_pairs.harvest_dataset_id IS 'The dataset as read in the harvested dump (see datasets).';
COMMENT ON COLUMN {schema}.harvest_pairs.harvest_file IS 'The page the harvested reading comes from.';

CREATE VIEW {schema}.harvest_check_changes AS
    SELECT p.identifier, p.title, p.publisher, p.source_dataset_id, p.harvest_dataset_id,
           s.indicator_id, s.label_fr, s.label_en,
           s.passed AS source_passed, h.passed AS harvest_passed,
           s.points_won AS source_points, h.points_won AS harvest_points,
           h.points_won - s.points_won AS points_change,
           CASE WHEN h.points_won < s.points_won THEN 'lost'
                WHEN h.points_won > s.points_won THEN 'gained'
                WHEN s.passed THEN 'lost' ELSE 'gained' END AS change,
           s.fix_hint_fr
    FROM {schema}.harvest_pairs p
    JOIN {schema}.dataset_checks s ON s.dataset_id = p.source_dataset_id
    JOIN {schema}.dataset_checks h ON h.dataset_id = p.harvest_dataset_id
                                   AND h.indicator_id = s.indicator_id
    WHERE h.points_won <> s.points_won
       OR (s.passed IS NOT NULL AND h.passed IS NOT NULL AND s.passed <> h.passed);
COMMENT ON VIEW {schema}.harvest_check_changes IS 'Source versus harvest, check by check: one row per paired dataset and check whose outcome the harvest changed (points won differ, or both readings measured it and one passed), latest successful run.';
COMMENT ON COLUMN {schema}.harvest_check_changes.identifier IS 'The dct:identifier pairing the two readings.';
COMMENT ON COLUMN {schema}.harvest_check_changes.title IS 'Title of the dataset.';
COMMENT ON COLUMN {schema}.harvest_check_changes.publisher IS 'Publisher, or rights holder, of the source reading.';
COMMENT ON COLUMN {schema}.harvest_check_changes.source_dataset_id IS 'The source reading (ISO 19139).';
COMMENT ON COLUMN {schema}.harvest_check_changes.harvest_dataset_id IS 'The harvested reading (DCAT).';
COMMENT ON COLUMN {schema}.harvest_check_changes.indicator_id IS 'The check (see indicators).';
COMMENT ON COLUMN {schema}.harvest_check_changes.label_fr IS 'Name of the check in French.';
COMMENT ON COLUMN {schema}.harvest_check_changes.label_en IS 'Name of the check in English.';
COMMENT ON COLUMN {schema}.harvest_check_changes.source_passed IS 'Outcome at the source (empty: not measured).';
COMMENT ON COLUMN {schema}.harvest_check_changes.harvest_passed IS 'Outcome in the harvest (empty: not measured).';
COMMENT ON COLUMN {schema}.harvest_check_changes.source_points IS 'Points won at the source.';
COMMENT ON COLUMN {schema}.harvest_check_changes.harvest_points IS 'Points won in the harvest.';
COMMENT ON COLUMN {schema}.harvest_check_changes.points_change IS 'harvest_points - source_points: negative when the harvest lost points.';
COMMENT ON COLUMN {schema}.harvest_check_changes.change IS 'lost (the harvest fails what the source passes, or wins fewer points) or gained.';
COMMENT ON COLUMN {schema}.harvest_check_changes.fix_hint_fr IS 'How to fix the check, in French.';

CREATE VIEW {schema}.harvest_comparison AS
    SELECT p.identifier, p.title, p.publisher, p.source_dataset_id, p.harvest_dataset_id,
           s.total AS source_total, s.max_points AS source_max_points,
           h.total AS harvest_total, h.max_points AS harvest_max_points,
           h.total - s.total AS points_change,
           coalesce(c.points_lost, 0) AS points_lost,
           coalesce(c.points_gained, 0) AS points_gained,
           coalesce(c.checks_lost, 0) AS checks_lost,
           coalesce(c.checks_gained, 0) AS checks_gained,
           c.lost, c.gained
    FROM {schema}.harvest_pairs p
    JOIN {schema}.dataset_scores s ON s.dataset_id = p.source_dataset_id
    JOIN {schema}.dataset_scores h ON h.dataset_id = p.harvest_dataset_id
    LEFT JOIN (
        SELECT source_dataset_id, harvest_dataset_id,
               -sum(points_change) FILTER (WHERE points_change < 0) AS points_lost,
               sum(points_change) FILTER (WHERE points_change > 0) AS points_gained,
               count(*) FILTER (WHERE change = 'lost') AS checks_lost,
               count(*) FILTER (WHERE change = 'gained') AS checks_gained,
               string_agg(indicator_id, ', ' ORDER BY indicator_id)
                   FILTER (WHERE change = 'lost') AS lost,
               string_agg(indicator_id, ', ' ORDER BY indicator_id)
                   FILTER (WHERE change = 'gained') AS gained
        FROM {schema}.harvest_check_changes
        GROUP BY source_dataset_id, harvest_dataset_id
    ) c USING (source_dataset_id, harvest_dataset_id);
COMMENT ON VIEW {schema}.harvest_comparison IS 'Source versus harvest, per dataset: the MQA score of each reading, the points the harvest lost and gained, and on which checks (latest successful run).';
COMMENT ON COLUMN {schema}.harvest_comparison.identifier IS 'The dct:identifier pairing the two readings.';
COMMENT ON COLUMN {schema}.harvest_comparison.title IS 'Title of the dataset.';
COMMENT ON COLUMN {schema}.harvest_comparison.publisher IS 'Publisher, or rights holder, of the source reading.';
COMMENT ON COLUMN {schema}.harvest_comparison.source_dataset_id IS 'The source reading (ISO 19139).';
COMMENT ON COLUMN {schema}.harvest_comparison.harvest_dataset_id IS 'The harvested reading (DCAT).';
COMMENT ON COLUMN {schema}.harvest_comparison.source_total IS 'MQA points of the source reading.';
COMMENT ON COLUMN {schema}.harvest_comparison.source_max_points IS 'Points at stake for the source reading.';
COMMENT ON COLUMN {schema}.harvest_comparison.harvest_total IS 'MQA points of the harvested reading.';
COMMENT ON COLUMN {schema}.harvest_comparison.harvest_max_points IS 'Points at stake for the harvested reading.';
COMMENT ON COLUMN {schema}.harvest_comparison.points_change IS 'harvest_total - source_total: negative when the harvest lost points overall.';
COMMENT ON COLUMN {schema}.harvest_comparison.points_lost IS 'Points of the checks the harvest lost.';
COMMENT ON COLUMN {schema}.harvest_comparison.points_gained IS 'Points of the checks the harvest gained.';
COMMENT ON COLUMN {schema}.harvest_comparison.checks_lost IS 'How many checks the harvest lost (see harvest_check_changes).';
COMMENT ON COLUMN {schema}.harvest_comparison.checks_gained IS 'How many checks the harvest gained.';
COMMENT ON COLUMN {schema}.harvest_comparison.lost IS 'The checks lost, comma-separated; empty when none.';
COMMENT ON COLUMN {schema}.harvest_comparison.gained IS 'The checks gained, comma-separated; empty when none.';

CREATE VIEW {schema}.harvest_by_publisher AS
    SELECT coalesce(publisher, '(non renseigné)') AS publisher,
           count(*) AS datasets,
           round(avg(source_total), 1) AS mean_source_total,
           round(avg(harvest_total), 1) AS mean_harvest_total,
           sum(points_lost) AS points_lost,
           sum(points_gained) AS points_gained,
           sum(points_change) AS points_change,
           count(*) FILTER (WHERE points_change < 0) AS datasets_losing,
           count(*) FILTER (WHERE points_change > 0) AS datasets_gaining
    FROM {schema}.harvest_comparison
    GROUP BY 1;
COMMENT ON VIEW {schema}.harvest_by_publisher IS 'Source versus harvest, per publisher of the source reading: mean scores of both readings and the points the harvest lost and gained (latest successful run).';
COMMENT ON COLUMN {schema}.harvest_by_publisher.publisher IS 'Publisher, or rights holder, of the source reading.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.datasets IS 'Datasets read at both ends.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.mean_source_total IS 'Mean MQA points at the source.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.mean_harvest_total IS 'Mean MQA points in the harvest.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.points_lost IS 'Points of the checks the harvest lost, all datasets together.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.points_gained IS 'Points of the checks the harvest gained.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.points_change IS 'Total change of MQA points from source to harvest (negative: lost).';
COMMENT ON COLUMN {schema}.harvest_by_publisher.datasets_losing IS 'Datasets the harvest scores lower than their source.';
COMMENT ON COLUMN {schema}.harvest_by_publisher.datasets_gaining IS 'Datasets the harvest scores higher than their source.';
