-- dcat-quality warehouse, version 2: the quality model (MQA score, checks, history).
--
-- Per-dataset check results are stored compactly, one row per dataset and run, with two
-- bit masks (which checks were measured, which passed; bit = indicators.check_position);
-- the views unfold them into one row per dataset x check. One narrow row per dataset
-- keeps the load fast at catalog scale, and the table is kept for every run (history).

ALTER TABLE {schema}.runs
    ADD COLUMN methodology_version text,
    ADD COLUMN score_variant text;
COMMENT ON COLUMN {schema}.runs.methodology_version IS 'Version of the MQA scoring methodology the run applied.';
COMMENT ON COLUMN {schema}.runs.score_variant IS 'Which MQA score the run computed: full, or without the link checks and/or the DCAT-AP check (those are then "not measured").';

-- The indicator dictionary --------------------------------------------------------------

CREATE TABLE {schema}.indicators (
    indicator_id    text PRIMARY KEY,
    family          text NOT NULL,
    dimension       text NOT NULL,
    points          smallint NOT NULL,
    level           text NOT NULL,
    kind            text NOT NULL,
    label_fr        text NOT NULL,
    label_en        text NOT NULL,
    rationale       text NOT NULL,
    fix_hint_fr     text NOT NULL,
    dcat_property   text,
    metric_iri      text,
    check_position  smallint UNIQUE
);
COMMENT ON TABLE {schema}.indicators IS 'The indicator dictionary: every quality indicator with its points, labels and how to fix it; written by dcat-quality at each run from its registry.';
COMMENT ON COLUMN {schema}.indicators.indicator_id IS 'Stable identifier (mqa.keyword_availability, ecospheres.fill_rate...).';
COMMENT ON COLUMN {schema}.indicators.family IS 'mqa (data.europa.eu Metadata Quality Assessment) or ecospheres (historical indicators).';
COMMENT ON COLUMN {schema}.indicators.dimension IS 'Quality dimension: findability, accessibility, interoperability, reusability, contextuality (MQA), or the Ecospheres grouping.';
COMMENT ON COLUMN {schema}.indicators.points IS 'Points the indicator is worth in the MQA score (405 in all); 0 for informational indicators.';
COMMENT ON COLUMN {schema}.indicators.level IS 'Where it is measured: dataset, distribution (the best one counts), or both.';
COMMENT ON COLUMN {schema}.indicators.kind IS 'check (passed or failed) or measure (a number, such as the fill rate).';
COMMENT ON COLUMN {schema}.indicators.label_fr IS 'Name in French.';
COMMENT ON COLUMN {schema}.indicators.label_en IS 'Name in English.';
COMMENT ON COLUMN {schema}.indicators.rationale IS 'Why the indicator matters, in one line.';
COMMENT ON COLUMN {schema}.indicators.fix_hint_fr IS 'How to fix a failure, in French: the DCAT property to fill and how.';
COMMENT ON COLUMN {schema}.indicators.dcat_property IS 'The DCAT property the indicator reads.';
COMMENT ON COLUMN {schema}.indicators.metric_iri IS 'The DQV metric IRI of the data.europa.eu methodology, for MQA indicators.';
COMMENT ON COLUMN {schema}.indicators.check_position IS 'Bit of the check in the measured/passed masks of dataset_scores; empty for indicators stored elsewhere.';

-- Scores, one row per dataset and run, kept for every run ----------------------------

CREATE TABLE {schema}.score_history (
    run_id               bigint NOT NULL,
    dataset_id           text NOT NULL,
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
    shacl_violations     integer,
    PRIMARY KEY (run_id, dataset_id)
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.score_history IS 'MQA score of every dataset at every run (partitioned by run; kept for every succeeded run, unlike the hist_* detail tables). Read dataset_scores, dataset_checks and the change views.';
COMMENT ON COLUMN {schema}.score_history.run_id IS 'The run (see runs).';
COMMENT ON COLUMN {schema}.score_history.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.score_history.variant IS 'full, or which checks were not measured (without-link-checks, without-dcat-ap, both).';
COMMENT ON COLUMN {schema}.score_history.total IS 'Points won out of max_points.';
COMMENT ON COLUMN {schema}.score_history.max_points IS 'Points at stake: 405 minus the points of the checks not measured.';
COMMENT ON COLUMN {schema}.score_history.rating IS 'excellent, good, sufficient or bad (data.europa.eu thresholds, applied to the total projected on 405).';
COMMENT ON COLUMN {schema}.score_history.findability IS 'Points won in the findability dimension (out of 100).';
COMMENT ON COLUMN {schema}.score_history.accessibility IS 'Points won in the accessibility dimension (out of 100).';
COMMENT ON COLUMN {schema}.score_history.interoperability IS 'Points won in the interoperability dimension (out of 110).';
COMMENT ON COLUMN {schema}.score_history.reusability IS 'Points won in the reusability dimension (out of 75).';
COMMENT ON COLUMN {schema}.score_history.contextuality IS 'Points won in the contextuality dimension (out of 20).';
COMMENT ON COLUMN {schema}.score_history.measured_mask IS 'Bit i set when the check at indicators.check_position = i was measured.';
COMMENT ON COLUMN {schema}.score_history.passed_mask IS 'Bit i set when the check at indicators.check_position = i passed.';
COMMENT ON COLUMN {schema}.score_history.best_distribution_id IS 'The distribution whose checks count (the best one); empty when the dataset has none.';
COMMENT ON COLUMN {schema}.score_history.fill_rate IS 'Historical Ecospheres fill rate (0-100) at that run.';
COMMENT ON COLUMN {schema}.score_history.shacl_violations IS 'Number of DCAT-AP SHACL violations found; empty when not checked.';

CREATE TABLE {schema}.hist_shacl_violations (
    run_id      bigint NOT NULL,
    dataset_id  text NOT NULL,
    focus       text NOT NULL,
    path        text NOT NULL,
    constraint_component text NOT NULL,
    severity    text NOT NULL,
    message     text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_shacl_violations IS 'DCAT-AP SHACL violations found per dataset (partitioned by run; read shacl_violations).';
COMMENT ON COLUMN {schema}.hist_shacl_violations.run_id IS 'The run (see runs).';
COMMENT ON COLUMN {schema}.hist_shacl_violations.dataset_id IS 'The dataset whose description breaks the constraint.';
COMMENT ON COLUMN {schema}.hist_shacl_violations.focus IS 'The node that breaks it: the dataset or one of its distributions.';
COMMENT ON COLUMN {schema}.hist_shacl_violations.path IS 'The property concerned (IRI).';
COMMENT ON COLUMN {schema}.hist_shacl_violations.constraint_component IS 'The SHACL constraint broken (sh:MinCountConstraintComponent...).';
COMMENT ON COLUMN {schema}.hist_shacl_violations.severity IS 'Violation, Warning or Info.';
COMMENT ON COLUMN {schema}.hist_shacl_violations.message IS 'What is wrong and what to fill.';

CREATE TABLE {schema}.run_indicator_stats (
    run_id        bigint NOT NULL REFERENCES {schema}.runs (run_id),
    indicator_id  text NOT NULL,
    measured      integer NOT NULL,
    passed        integer NOT NULL,
    PRIMARY KEY (run_id, indicator_id)
);
COMMENT ON TABLE {schema}.run_indicator_stats IS 'Per run and indicator: how many datasets were measured and how many passed (the pass-rate history).';
COMMENT ON COLUMN {schema}.run_indicator_stats.run_id IS 'The run (see runs).';
COMMENT ON COLUMN {schema}.run_indicator_stats.indicator_id IS 'The indicator (see indicators).';
COMMENT ON COLUMN {schema}.run_indicator_stats.measured IS 'Datasets for which the check was measured.';
COMMENT ON COLUMN {schema}.run_indicator_stats.passed IS 'Datasets that passed it.';

-- Views --------------------------------------------------------------------------------

CREATE VIEW {schema}.dataset_scores AS
    SELECT s.dataset_id, d.title, d.catalog, coalesce(d.publisher, d.rights_holder) AS publisher,
           s.total, s.max_points, round(100.0 * s.total / nullif(s.max_points, 0), 1) AS score_percent,
           s.rating, s.findability, s.accessibility, s.interoperability, s.reusability,
           s.contextuality, s.variant, s.fill_rate, s.shacl_violations
    FROM {schema}.score_history s
    JOIN {schema}.hist_datasets d ON d.run_id = s.run_id AND d.dataset_id = s.dataset_id
    WHERE s.run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_scores IS 'MQA score of every dataset as of the latest successful run, by dimension, with its rating.';
COMMENT ON COLUMN {schema}.dataset_scores.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_scores.title IS 'Title of the dataset.';
COMMENT ON COLUMN {schema}.dataset_scores.catalog IS 'Catalog the dataset belongs to.';
COMMENT ON COLUMN {schema}.dataset_scores.publisher IS 'Publisher, or the rights holder when no publisher is given.';
COMMENT ON COLUMN {schema}.dataset_scores.total IS 'Points won out of max_points.';
COMMENT ON COLUMN {schema}.dataset_scores.max_points IS 'Points at stake: 405 minus the points of the checks not measured.';
COMMENT ON COLUMN {schema}.dataset_scores.score_percent IS 'total as a percentage of max_points.';
COMMENT ON COLUMN {schema}.dataset_scores.rating IS 'excellent, good, sufficient or bad (data.europa.eu thresholds).';
COMMENT ON COLUMN {schema}.dataset_scores.findability IS 'Points won in findability (out of 100).';
COMMENT ON COLUMN {schema}.dataset_scores.accessibility IS 'Points won in accessibility (out of 100; not measured without link checks).';
COMMENT ON COLUMN {schema}.dataset_scores.interoperability IS 'Points won in interoperability (out of 110).';
COMMENT ON COLUMN {schema}.dataset_scores.reusability IS 'Points won in reusability (out of 75).';
COMMENT ON COLUMN {schema}.dataset_scores.contextuality IS 'Points won in contextuality (out of 20).';
COMMENT ON COLUMN {schema}.dataset_scores.variant IS 'Which score this is: full, or which checks were not measured.';
COMMENT ON COLUMN {schema}.dataset_scores.fill_rate IS 'Historical Ecospheres fill rate (0-100).';
COMMENT ON COLUMN {schema}.dataset_scores.shacl_violations IS 'Number of DCAT-AP SHACL violations (see shacl_violations).';

CREATE VIEW {schema}.dataset_checks AS
    SELECT s.dataset_id, i.indicator_id, i.dimension, i.label_fr, i.label_en,
           CASE WHEN i.level = 'dataset' THEN NULL ELSE s.best_distribution_id END AS distribution_id,
           CASE WHEN (s.measured_mask >> i.check_position) & 1 = 0 THEN NULL
                ELSE (s.passed_mask >> i.check_position) & 1 = 1 END AS passed,
           CASE WHEN (s.passed_mask >> i.check_position) & 1 = 1 THEN i.points ELSE 0 END AS points_won,
           CASE WHEN (s.measured_mask >> i.check_position) & 1 = 1 THEN i.points ELSE 0 END AS points_at_stake,
           CASE WHEN (s.measured_mask >> i.check_position) & 1 = 1
                 AND (s.passed_mask >> i.check_position) & 1 = 0 THEN i.points ELSE 0 END AS points_recoverable,
           i.fix_hint_fr
    FROM {schema}.score_history s
    CROSS JOIN {schema}.indicators i
    WHERE i.check_position IS NOT NULL
      AND s.run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_checks IS 'One row per dataset and MQA check as of the latest successful run: passed or not (empty: not measured), points won and at stake.';
COMMENT ON COLUMN {schema}.dataset_checks.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_checks.indicator_id IS 'The check (see indicators).';
COMMENT ON COLUMN {schema}.dataset_checks.dimension IS 'Its MQA dimension.';
COMMENT ON COLUMN {schema}.dataset_checks.label_fr IS 'Name of the check in French.';
COMMENT ON COLUMN {schema}.dataset_checks.label_en IS 'Name of the check in English.';
COMMENT ON COLUMN {schema}.dataset_checks.distribution_id IS 'For a distribution-level check, the distribution that counts (the best one).';
COMMENT ON COLUMN {schema}.dataset_checks.passed IS 'True when passed, false when failed, empty when not measured in this score variant.';
COMMENT ON COLUMN {schema}.dataset_checks.points_won IS 'Points won (the check''s points when passed, else 0).';
COMMENT ON COLUMN {schema}.dataset_checks.points_at_stake IS 'Points at stake (0 when not measured).';
COMMENT ON COLUMN {schema}.dataset_checks.points_recoverable IS 'Points to win back by fixing it (at stake and not won).';
COMMENT ON COLUMN {schema}.dataset_checks.fix_hint_fr IS 'How to fix it, in French.';

CREATE VIEW {schema}.fix_first AS
    SELECT c.dataset_id, d.title, coalesce(d.publisher, d.rights_holder) AS publisher,
           c.indicator_id, c.label_fr, c.points_recoverable, c.fix_hint_fr,
           rank() OVER (PARTITION BY c.dataset_id ORDER BY c.points_recoverable DESC, c.indicator_id) AS priority
    FROM {schema}.dataset_checks c
    JOIN {schema}.datasets d USING (dataset_id)
    WHERE c.points_recoverable > 0;
COMMENT ON VIEW {schema}.fix_first IS 'What to fix first: the failed checks of every dataset, ranked by points recoverable (priority 1 first).';
COMMENT ON COLUMN {schema}.fix_first.dataset_id IS 'The dataset.';
COMMENT ON COLUMN {schema}.fix_first.title IS 'Its title.';
COMMENT ON COLUMN {schema}.fix_first.publisher IS 'Its publisher, or rights holder.';
COMMENT ON COLUMN {schema}.fix_first.indicator_id IS 'The failed check.';
COMMENT ON COLUMN {schema}.fix_first.label_fr IS 'Name of the check in French.';
COMMENT ON COLUMN {schema}.fix_first.points_recoverable IS 'Points won back by fixing it.';
COMMENT ON COLUMN {schema}.fix_first.fix_hint_fr IS 'How to fix it, in French.';
COMMENT ON COLUMN {schema}.fix_first.priority IS 'Rank of the fix within the dataset (1 = most points).';

CREATE VIEW {schema}.failed_checks_ranked AS
    SELECT indicator_id, label_fr, label_en, dimension, count(*) AS datasets_failing,
           sum(points_recoverable) AS points_recoverable, min(fix_hint_fr) AS fix_hint_fr
    FROM {schema}.dataset_checks
    WHERE points_recoverable > 0
    GROUP BY indicator_id, label_fr, label_en, dimension;
COMMENT ON VIEW {schema}.failed_checks_ranked IS 'Catalog-wide: each failed check, how many datasets fail it and how many points fixing it everywhere would win back.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.indicator_id IS 'The check.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.label_fr IS 'Name in French.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.label_en IS 'Name in English.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.dimension IS 'MQA dimension.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.datasets_failing IS 'Datasets failing the check.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.points_recoverable IS 'Points won back if every failing dataset were fixed.';
COMMENT ON COLUMN {schema}.failed_checks_ranked.fix_hint_fr IS 'How to fix it, in French.';

CREATE VIEW {schema}.shacl_violations AS
    SELECT dataset_id, focus, path, constraint_component, severity, message
    FROM {schema}.hist_shacl_violations
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.shacl_violations IS 'DCAT-AP SHACL violations as of the latest successful run.';
COMMENT ON COLUMN {schema}.shacl_violations.dataset_id IS 'The dataset.';
COMMENT ON COLUMN {schema}.shacl_violations.focus IS 'The node breaking the constraint (dataset or distribution).';
COMMENT ON COLUMN {schema}.shacl_violations.path IS 'The property concerned.';
COMMENT ON COLUMN {schema}.shacl_violations.constraint_component IS 'The SHACL constraint broken.';
COMMENT ON COLUMN {schema}.shacl_violations.severity IS 'Violation, Warning or Info.';
COMMENT ON COLUMN {schema}.shacl_violations.message IS 'What is wrong and what to fill.';

-- History ------------------------------------------------------------------------------

CREATE VIEW {schema}.score_trend AS
    SELECT r.run_id, r.started_at, r.score_variant, count(s.dataset_id) AS datasets,
           round(avg(s.total), 1) AS mean_total, round(avg(100.0 * s.total / nullif(s.max_points, 0)), 1) AS mean_score_percent,
           round(avg(s.fill_rate), 2) AS mean_fill_rate,
           count(*) FILTER (WHERE s.rating = 'excellent') AS excellent,
           count(*) FILTER (WHERE s.rating = 'good') AS good,
           count(*) FILTER (WHERE s.rating = 'sufficient') AS sufficient,
           count(*) FILTER (WHERE s.rating = 'bad') AS bad
    FROM {schema}.runs r JOIN {schema}.score_history s USING (run_id)
    WHERE r.status = 'succeeded'
    GROUP BY r.run_id, r.started_at, r.score_variant;
COMMENT ON VIEW {schema}.score_trend IS 'Quality over time: one row per succeeded run with the mean score, mean fill rate and ratings.';
COMMENT ON COLUMN {schema}.score_trend.run_id IS 'The run.';
COMMENT ON COLUMN {schema}.score_trend.started_at IS 'When it ran.';
COMMENT ON COLUMN {schema}.score_trend.score_variant IS 'Which score it computed (compare runs of the same variant).';
COMMENT ON COLUMN {schema}.score_trend.datasets IS 'Datasets scored.';
COMMENT ON COLUMN {schema}.score_trend.mean_total IS 'Mean points won.';
COMMENT ON COLUMN {schema}.score_trend.mean_score_percent IS 'Mean of total / max_points, in percent.';
COMMENT ON COLUMN {schema}.score_trend.mean_fill_rate IS 'Mean historical fill rate.';
COMMENT ON COLUMN {schema}.score_trend.excellent IS 'Datasets rated excellent.';
COMMENT ON COLUMN {schema}.score_trend.good IS 'Datasets rated good.';
COMMENT ON COLUMN {schema}.score_trend.sufficient IS 'Datasets rated sufficient.';
COMMENT ON COLUMN {schema}.score_trend.bad IS 'Datasets rated bad.';

CREATE VIEW {schema}.indicator_pass_rates AS
    SELECT s.run_id, r.started_at, s.indicator_id, s.measured, s.passed,
           round(100.0 * s.passed / nullif(s.measured, 0), 1) AS pass_rate
    FROM {schema}.run_indicator_stats s JOIN {schema}.runs r USING (run_id)
    WHERE r.status = 'succeeded';
COMMENT ON VIEW {schema}.indicator_pass_rates IS 'Per succeeded run and indicator: the share of datasets passing it.';
COMMENT ON COLUMN {schema}.indicator_pass_rates.run_id IS 'The run.';
COMMENT ON COLUMN {schema}.indicator_pass_rates.started_at IS 'When it ran.';
COMMENT ON COLUMN {schema}.indicator_pass_rates.indicator_id IS 'The indicator.';
COMMENT ON COLUMN {schema}.indicator_pass_rates.measured IS 'Datasets measured.';
COMMENT ON COLUMN {schema}.indicator_pass_rates.passed IS 'Datasets passing.';
COMMENT ON COLUMN {schema}.indicator_pass_rates.pass_rate IS 'passed / measured, in percent.';

-- What changed between two runs: a function for any pair, views for the last two.
CREATE FUNCTION {schema}.check_changes(from_run bigint, to_run bigint)
RETURNS TABLE (dataset_id text, indicator_id text, change text, points integer)
LANGUAGE sql STABLE AS $$
    SELECT b.dataset_id, i.indicator_id,
           CASE WHEN (b.passed_mask >> i.check_position) & 1 = 1 THEN 'gained' ELSE 'lost' END,
           i.points::integer
    FROM {schema}.score_history a
    JOIN {schema}.score_history b ON b.dataset_id = a.dataset_id
    CROSS JOIN {schema}.indicators i
    WHERE a.run_id = from_run AND b.run_id = to_run AND i.check_position IS NOT NULL
      AND (a.measured_mask >> i.check_position) & (b.measured_mask >> i.check_position) & 1 = 1
      AND ((a.passed_mask # b.passed_mask) >> i.check_position) & 1 = 1
$$;
COMMENT ON FUNCTION {schema}.check_changes(bigint, bigint) IS 'Checks whose result changed for a dataset between two runs (gained or lost), with their points.';

CREATE VIEW {schema}.last_two_runs AS
    SELECT max(run_id) FILTER (WHERE rn = 2) AS previous_run, max(run_id) FILTER (WHERE rn = 1) AS current_run
    FROM (SELECT run_id, row_number() OVER (ORDER BY run_id DESC) AS rn
          FROM {schema}.runs WHERE status = 'succeeded') r
    WHERE rn <= 2;
COMMENT ON VIEW {schema}.last_two_runs IS 'The latest succeeded run and the one before it (one row), compared by the change views.';
COMMENT ON COLUMN {schema}.last_two_runs.previous_run IS 'The succeeded run before the latest one.';
COMMENT ON COLUMN {schema}.last_two_runs.current_run IS 'The latest succeeded run.';

CREATE VIEW {schema}.score_changes AS
    SELECT coalesce(b.dataset_id, a.dataset_id) AS dataset_id, l.previous_run, l.current_run,
           a.total AS previous_total, b.total AS current_total,
           coalesce(b.total, 0) - coalesce(a.total, 0) AS delta,
           CASE WHEN a.dataset_id IS NULL THEN 'new' WHEN b.dataset_id IS NULL THEN 'removed'
                WHEN b.total > a.total THEN 'gained' WHEN b.total < a.total THEN 'lost'
                ELSE 'unchanged' END AS change
    FROM {schema}.last_two_runs l
    JOIN {schema}.score_history b ON b.run_id = l.current_run
    FULL JOIN {schema}.score_history a ON a.run_id = l.previous_run AND a.dataset_id = b.dataset_id
    WHERE (a.run_id = l.previous_run OR a.run_id IS NULL)
      AND (b.total IS DISTINCT FROM a.total OR a.dataset_id IS NULL OR b.dataset_id IS NULL);
COMMENT ON VIEW {schema}.score_changes IS 'Datasets whose MQA total changed between the last two succeeded runs (gained, lost, new or removed).';
COMMENT ON COLUMN {schema}.score_changes.dataset_id IS 'The dataset.';
COMMENT ON COLUMN {schema}.score_changes.previous_run IS 'The earlier run compared.';
COMMENT ON COLUMN {schema}.score_changes.current_run IS 'The later run compared.';
COMMENT ON COLUMN {schema}.score_changes.previous_total IS 'Points at the earlier run; empty for a new dataset.';
COMMENT ON COLUMN {schema}.score_changes.current_total IS 'Points at the later run; empty for a removed dataset.';
COMMENT ON COLUMN {schema}.score_changes.delta IS 'Points gained (positive) or lost (negative).';
COMMENT ON COLUMN {schema}.score_changes.change IS 'gained, lost, new or removed.';

CREATE VIEW {schema}.check_changes_last_run AS
    SELECT c.dataset_id, c.indicator_id, c.change, c.points, l.previous_run, l.current_run
    FROM {schema}.last_two_runs l, {schema}.check_changes(l.previous_run, l.current_run) c;
COMMENT ON VIEW {schema}.check_changes_last_run IS 'Which checks changed for which dataset between the last two succeeded runs.';
COMMENT ON COLUMN {schema}.check_changes_last_run.dataset_id IS 'The dataset.';
COMMENT ON COLUMN {schema}.check_changes_last_run.indicator_id IS 'The check whose result changed.';
COMMENT ON COLUMN {schema}.check_changes_last_run.change IS 'gained (now passes) or lost (now fails).';
COMMENT ON COLUMN {schema}.check_changes_last_run.points IS 'Points of the check.';
COMMENT ON COLUMN {schema}.check_changes_last_run.previous_run IS 'The earlier run compared.';
COMMENT ON COLUMN {schema}.check_changes_last_run.current_run IS 'The later run compared.';

-- Aggregates ---------------------------------------------------------------------------

CREATE VIEW {schema}.quality_by_catalog AS
    SELECT coalesce(catalog, '(sans catalogue)') AS catalog, count(*) AS datasets,
           round(avg(total), 1) AS mean_total, round(avg(score_percent), 1) AS mean_score_percent,
           round(avg(fill_rate), 2) AS mean_fill_rate,
           count(*) FILTER (WHERE rating IN ('excellent', 'good')) AS good_or_better
    FROM {schema}.dataset_scores GROUP BY 1;
COMMENT ON VIEW {schema}.quality_by_catalog IS 'Quality per source catalog (latest run).';
COMMENT ON COLUMN {schema}.quality_by_catalog.catalog IS 'Catalog title.';
COMMENT ON COLUMN {schema}.quality_by_catalog.datasets IS 'Datasets.';
COMMENT ON COLUMN {schema}.quality_by_catalog.mean_total IS 'Mean MQA points.';
COMMENT ON COLUMN {schema}.quality_by_catalog.mean_score_percent IS 'Mean MQA score in percent of the points at stake.';
COMMENT ON COLUMN {schema}.quality_by_catalog.mean_fill_rate IS 'Mean historical fill rate.';
COMMENT ON COLUMN {schema}.quality_by_catalog.good_or_better IS 'Datasets rated good or excellent.';

CREATE VIEW {schema}.quality_by_publisher AS
    SELECT coalesce(publisher, '(non renseigné)') AS publisher, count(*) AS datasets,
           round(avg(total), 1) AS mean_total, round(avg(score_percent), 1) AS mean_score_percent,
           round(avg(fill_rate), 2) AS mean_fill_rate,
           count(*) FILTER (WHERE rating IN ('excellent', 'good')) AS good_or_better
    FROM {schema}.dataset_scores GROUP BY 1;
COMMENT ON VIEW {schema}.quality_by_publisher IS 'Quality per publisher, or rights holder when no publisher is given (latest run).';
COMMENT ON COLUMN {schema}.quality_by_publisher.publisher IS 'Publisher or rights holder.';
COMMENT ON COLUMN {schema}.quality_by_publisher.datasets IS 'Datasets.';
COMMENT ON COLUMN {schema}.quality_by_publisher.mean_total IS 'Mean MQA points.';
COMMENT ON COLUMN {schema}.quality_by_publisher.mean_score_percent IS 'Mean MQA score in percent of the points at stake.';
COMMENT ON COLUMN {schema}.quality_by_publisher.mean_fill_rate IS 'Mean historical fill rate.';
COMMENT ON COLUMN {schema}.quality_by_publisher.good_or_better IS 'Datasets rated good or excellent.';

CREATE VIEW {schema}.quality_by_theme AS
    SELECT t.theme, count(*) AS datasets, round(avg(s.total), 1) AS mean_total,
           round(avg(s.score_percent), 1) AS mean_score_percent, round(avg(s.fill_rate), 2) AS mean_fill_rate
    FROM {schema}.dataset_scores s JOIN {schema}.dataset_themes t USING (dataset_id) GROUP BY t.theme;
COMMENT ON VIEW {schema}.quality_by_theme IS 'Quality per theme (a dataset counts once per theme; latest run).';
COMMENT ON COLUMN {schema}.quality_by_theme.theme IS 'Theme IRI.';
COMMENT ON COLUMN {schema}.quality_by_theme.datasets IS 'Datasets with this theme.';
COMMENT ON COLUMN {schema}.quality_by_theme.mean_total IS 'Mean MQA points.';
COMMENT ON COLUMN {schema}.quality_by_theme.mean_score_percent IS 'Mean MQA score in percent.';
COMMENT ON COLUMN {schema}.quality_by_theme.mean_fill_rate IS 'Mean historical fill rate.';

CREATE VIEW {schema}.quality_by_departement AS
    SELECT t.departement, count(DISTINCT s.dataset_id) AS datasets, round(avg(s.total), 1) AS mean_total,
           round(avg(s.score_percent), 1) AS mean_score_percent, round(avg(s.fill_rate), 2) AS mean_fill_rate
    FROM {schema}.dataset_scores s
    JOIN (SELECT DISTINCT dataset_id, departement FROM {schema}.dataset_territories
          WHERE departement IS NOT NULL) t USING (dataset_id)
    GROUP BY t.departement;
COMMENT ON VIEW {schema}.quality_by_departement IS 'Quality per French departement (from the INSEE territories of each dataset; latest run).';
COMMENT ON COLUMN {schema}.quality_by_departement.departement IS 'Departement code (01-95, 2A, 2B, 971-976).';
COMMENT ON COLUMN {schema}.quality_by_departement.datasets IS 'Datasets covering it.';
COMMENT ON COLUMN {schema}.quality_by_departement.mean_total IS 'Mean MQA points.';
COMMENT ON COLUMN {schema}.quality_by_departement.mean_score_percent IS 'Mean MQA score in percent.';
COMMENT ON COLUMN {schema}.quality_by_departement.mean_fill_rate IS 'Mean historical fill rate.';

CREATE VIEW {schema}.quality_by_rating AS
    SELECT rating, count(*) AS datasets,
           round(100.0 * count(*) / nullif(sum(count(*)) OVER (), 0), 1) AS share_percent
    FROM {schema}.dataset_scores GROUP BY rating;
COMMENT ON VIEW {schema}.quality_by_rating IS 'How many datasets have each rating (latest run).';
COMMENT ON COLUMN {schema}.quality_by_rating.rating IS 'excellent, good, sufficient or bad.';
COMMENT ON COLUMN {schema}.quality_by_rating.datasets IS 'Datasets with this rating.';
COMMENT ON COLUMN {schema}.quality_by_rating.share_percent IS 'Share of all datasets, in percent.';
