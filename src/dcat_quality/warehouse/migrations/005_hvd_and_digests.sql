-- dcat-quality warehouse, version 5: high-value datasets (HVD) and publisher digests.
--
-- The seven hvd.* checks are stored in the score masks like the MQA ones (bits 23-29),
-- so dataset_checks already shows them; the views below pivot them per dataset and per
-- publisher. The HVD categories of a dataset are a long table like the themes. The
-- digests sent are recorded in a plain table, never twice for one run and publisher.

COMMENT ON VIEW {schema}.dataset_checks IS 'One row per dataset and check (the 23 MQA checks, then the 7 HVD ones, worth 0 points) as of the latest successful run: passed or not (empty: not measured; HVD checks are measured on HVD datasets only), points won and at stake.';

CREATE TABLE {schema}.hist_dataset_hvd_categories (
    run_id             bigint NOT NULL,
    dataset_id         text NOT NULL,
    category_iri       text NOT NULL,
    category_label     text,
    top_category_iri   text,
    top_category_label text
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_dataset_hvd_categories IS 'One row per HVD category (dcatap:hvdCategory) of a dataset and run (history). Read dataset_hvd_categories.';
COMMENT ON COLUMN {schema}.hist_dataset_hvd_categories.run_id IS 'The run that loaded the row (see runs).';
COMMENT ON COLUMN {schema}.hist_dataset_hvd_categories.dataset_id IS 'The dataset (see hist_datasets).';
COMMENT ON COLUMN {schema}.hist_dataset_hvd_categories.category_iri IS 'One dcatap:hvdCategory value, as published.';
COMMENT ON COLUMN {schema}.hist_dataset_hvd_categories.category_label IS 'French label of the category in the EU HVD category scheme; empty when the IRI is not in the scheme.';
COMMENT ON COLUMN {schema}.hist_dataset_hvd_categories.top_category_iri IS 'The one of the six HVD categories of the regulation it belongs to; empty when unknown.';
COMMENT ON COLUMN {schema}.hist_dataset_hvd_categories.top_category_label IS 'French label of that category (Géospatiales, Statistiques...); empty when unknown.';

CREATE VIEW {schema}.dataset_hvd_categories AS
    SELECT dataset_id, category_iri, category_label, top_category_iri, top_category_label
    FROM {schema}.hist_dataset_hvd_categories
    WHERE run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_hvd_categories IS 'HVD categories of the datasets, one row per dataset and category (latest successful run).';
COMMENT ON COLUMN {schema}.dataset_hvd_categories.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_hvd_categories.category_iri IS 'One dcatap:hvdCategory value.';
COMMENT ON COLUMN {schema}.dataset_hvd_categories.category_label IS 'French label of the category; empty when not in the EU scheme.';
COMMENT ON COLUMN {schema}.dataset_hvd_categories.top_category_iri IS 'The HVD category of the regulation it belongs to.';
COMMENT ON COLUMN {schema}.dataset_hvd_categories.top_category_label IS 'French label of that category.';

CREATE VIEW {schema}.hvd_datasets AS
    WITH checks AS (
        SELECT dataset_id,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.category') AS category_ok,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.legislation') AS legislation_ok,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.licence') AS licence_ok,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.api') AS api_served,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.api_documented') AS api_documented,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.bulk_download') AS bulk_download,
               bool_or(passed) FILTER (WHERE indicator_id = 'hvd.contact_point') AS contact_point,
               count(*) FILTER (WHERE NOT passed) AS gaps
        FROM {schema}.dataset_checks
        WHERE indicator_id LIKE 'hvd.%' AND passed IS NOT NULL
        GROUP BY dataset_id),
    categories AS (
        SELECT dataset_id,
               string_agg(DISTINCT coalesce(top_category_label, category_iri), ', ') AS top_categories,
               string_agg(DISTINCT coalesce(category_label, category_iri), ', ') AS categories
        FROM {schema}.dataset_hvd_categories GROUP BY dataset_id)
    SELECT d.dataset_id, d.title, d.catalog, coalesce(d.publisher, d.rights_holder) AS publisher,
           c.top_categories, c.categories, d.contact_name, d.contact_email,
           k.category_ok, k.legislation_ok, k.licence_ok, k.api_served, k.api_documented,
           k.bulk_download, k.contact_point, k.gaps
    FROM checks k
    JOIN {schema}.datasets d USING (dataset_id)
    LEFT JOIN categories c USING (dataset_id);
COMMENT ON VIEW {schema}.hvd_datasets IS 'High-value datasets (with an HVD category or Regulation (EU) 2023/138 as applicable legislation), one row each, with their category, contact point and whether each HVD check passes (latest successful run).';
COMMENT ON COLUMN {schema}.hvd_datasets.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.hvd_datasets.title IS 'Its title.';
COMMENT ON COLUMN {schema}.hvd_datasets.catalog IS 'Catalog it belongs to.';
COMMENT ON COLUMN {schema}.hvd_datasets.publisher IS 'Publisher, or the rights holder when no publisher is given.';
COMMENT ON COLUMN {schema}.hvd_datasets.top_categories IS 'The regulation''s HVD categories it belongs to (Géospatiales, Statistiques...), comma-separated; empty when it states none.';
COMMENT ON COLUMN {schema}.hvd_datasets.categories IS 'The HVD categories it states, by label (or IRI when not in the EU scheme), comma-separated.';
COMMENT ON COLUMN {schema}.hvd_datasets.contact_name IS 'Name of its dcat:contactPoint.';
COMMENT ON COLUMN {schema}.hvd_datasets.contact_email IS 'E-mail of its dcat:contactPoint.';
COMMENT ON COLUMN {schema}.hvd_datasets.category_ok IS 'hvd.category: at least one category, all from the EU HVD category scheme.';
COMMENT ON COLUMN {schema}.hvd_datasets.legislation_ok IS 'hvd.legislation: Regulation (EU) 2023/138 cited as dcatap:applicableLegislation.';
COMMENT ON COLUMN {schema}.hvd_datasets.licence_ok IS 'hvd.licence: a distribution under CC BY 4.0 or a less restrictive licence (see the HVD documentation for the list).';
COMMENT ON COLUMN {schema}.hvd_datasets.api_served IS 'hvd.api: served by an API (a dcat:DataService with an endpoint URL).';
COMMENT ON COLUMN {schema}.hvd_datasets.api_documented IS 'hvd.api_documented: that API has an endpoint description or a documentation page.';
COMMENT ON COLUMN {schema}.hvd_datasets.bulk_download IS 'hvd.bulk_download: at least one distribution (bulk download).';
COMMENT ON COLUMN {schema}.hvd_datasets.contact_point IS 'hvd.contact_point: a dcat:contactPoint is given.';
COMMENT ON COLUMN {schema}.hvd_datasets.gaps IS 'Number of HVD checks failed.';

CREATE VIEW {schema}.hvd_by_publisher AS
    SELECT coalesce(publisher, '(non renseigné)') AS publisher, count(*) AS hvd_datasets,
           count(*) FILTER (WHERE category_ok) AS with_category,
           count(*) FILTER (WHERE contact_point) AS with_contact_point,
           count(*) FILTER (WHERE api_served) AS with_api,
           count(*) FILTER (WHERE api_documented) AS with_documented_api,
           count(*) FILTER (WHERE licence_ok) AS with_compatible_licence,
           count(*) FILTER (WHERE bulk_download) AS with_bulk_download,
           count(*) FILTER (WHERE gaps = 0) AS complete
    FROM {schema}.hvd_datasets GROUP BY 1;
COMMENT ON VIEW {schema}.hvd_by_publisher IS 'High-value datasets per publisher (or rights holder): how many, and how many have a category, a contact point, an API, a documented API, a compatible licence, a bulk download, and all of these (latest successful run).';
COMMENT ON COLUMN {schema}.hvd_by_publisher.publisher IS 'Publisher or rights holder.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.hvd_datasets IS 'High-value datasets.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.with_category IS 'With an HVD category from the EU scheme.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.with_contact_point IS 'With a contact point.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.with_api IS 'Served by an API (data service with an endpoint URL).';
COMMENT ON COLUMN {schema}.hvd_by_publisher.with_documented_api IS 'With a documented API.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.with_compatible_licence IS 'With a distribution under a licence compatible with the regulation.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.with_bulk_download IS 'With at least one distribution.';
COMMENT ON COLUMN {schema}.hvd_by_publisher.complete IS 'Passing all seven HVD checks.';

CREATE VIEW {schema}.hvd_gaps AS
    SELECT c.dataset_id, d.title, coalesce(d.publisher, d.rights_holder) AS publisher,
           c.indicator_id, c.label_fr, c.label_en, c.fix_hint_fr
    FROM {schema}.dataset_checks c
    JOIN {schema}.datasets d USING (dataset_id)
    WHERE c.indicator_id LIKE 'hvd.%' AND c.passed = false;
COMMENT ON VIEW {schema}.hvd_gaps IS 'What high-value datasets miss: one row per HVD dataset and failed HVD check, with how to fix it (latest successful run).';
COMMENT ON COLUMN {schema}.hvd_gaps.dataset_id IS 'The high-value dataset.';
COMMENT ON COLUMN {schema}.hvd_gaps.title IS 'Its title.';
COMMENT ON COLUMN {schema}.hvd_gaps.publisher IS 'Its publisher, or rights holder.';
COMMENT ON COLUMN {schema}.hvd_gaps.indicator_id IS 'The failed HVD check.';
COMMENT ON COLUMN {schema}.hvd_gaps.label_fr IS 'Name of the check in French.';
COMMENT ON COLUMN {schema}.hvd_gaps.label_en IS 'Name of the check in English.';
COMMENT ON COLUMN {schema}.hvd_gaps.fix_hint_fr IS 'How to fix it, in French.';

-- Publisher digests --------------------------------------------------------------------

CREATE TABLE {schema}.digests_sent (
    run_id      bigint NOT NULL REFERENCES {schema}.runs (run_id),
    publisher   text NOT NULL,
    recipients  text NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    datasets    integer NOT NULL,
    PRIMARY KEY (run_id, publisher)
);
COMMENT ON TABLE {schema}.digests_sent IS 'Publisher digests e-mailed by dcat-quality digest --send: one row per run and publisher, so a digest is never sent twice; kept forever.';
COMMENT ON COLUMN {schema}.digests_sent.run_id IS 'The run the digest reported on (see runs).';
COMMENT ON COLUMN {schema}.digests_sent.publisher IS 'The publisher (or rights holder) it was about.';
COMMENT ON COLUMN {schema}.digests_sent.recipients IS 'The addresses it was sent to, comma-separated.';
COMMENT ON COLUMN {schema}.digests_sent.sent_at IS 'When the mail server accepted it.';
COMMENT ON COLUMN {schema}.digests_sent.datasets IS 'How many datasets the digest named.';
