-- dcat-quality warehouse, version 7: the lenient RDF/XML readings (repairs).
--
-- {schema} is replaced by the quoted schema name before this script runs.
--
-- The RDF/XML reader reads what rdflib and the harvesters built on it (ckanext-dcat,
-- udata) read in pages that break the RDF/XML grammar, and records each such reading as
-- a repair with its line and column (dcat.rdfxml_check). The repairs that touch a dataset
-- are kept with the dataset, partitioned by run like its SHACL violations; the page's
-- repairs are summed up per page and kind, with the page. The Ecosphères check
-- ecospheres.well_formed_rdf (no repair touched the dataset) takes the bit after the HVD
-- checks in the score masks, so dataset_checks shows it.

CREATE TABLE {schema}.hist_rdf_repairs (
    run_id      bigint NOT NULL,
    dataset_id  text NOT NULL,
    code        text NOT NULL,
    line        integer NOT NULL,
    col         integer NOT NULL,
    message     text NOT NULL
) PARTITION BY LIST (run_id);
COMMENT ON TABLE {schema}.hist_rdf_repairs IS 'RDF/XML repairs that touched each dataset: what the page broke and how it was read (partitioned by run; read dataset_rdf_repairs).';
COMMENT ON COLUMN {schema}.hist_rdf_repairs.run_id IS 'The run (see runs).';
COMMENT ON COLUMN {schema}.hist_rdf_repairs.dataset_id IS 'The dataset the repair touched (the dataset itself, or a resource it links to).';
COMMENT ON COLUMN {schema}.hist_rdf_repairs.code IS 'Kind of repair: resource_with_text (text beside rdf:resource, kept as the label of the IRI), relative_iri (relative rdf:about or rdf:resource, resolved against the page address), iso639_2_language (xml:lang in ISO 639-2, such as fre, read as its BCP 47 tag).';
COMMENT ON COLUMN {schema}.hist_rdf_repairs.line IS 'Line of the repaired element in the page (1 = first line).';
COMMENT ON COLUMN {schema}.hist_rdf_repairs.col IS 'Column of the repaired element in its line (1 = first column).';
COMMENT ON COLUMN {schema}.hist_rdf_repairs.message IS 'What the page says, how it was read and what to change in the export.';

CREATE TABLE {schema}.run_page_repairs (
    run_id      bigint NOT NULL REFERENCES {schema}.runs (run_id),
    file        text NOT NULL,
    code        text NOT NULL,
    occurrences integer NOT NULL,
    line        integer NOT NULL,
    col         integer NOT NULL,
    message     text NOT NULL,
    PRIMARY KEY (run_id, file, code)
);
COMMENT ON TABLE {schema}.run_page_repairs IS 'RDF/XML repairs per page, summed up by kind: one row per run, page and kind of repair, with the first occurrence; written with the run''s rows and kept like the rejections. Read page_rdf_repairs.';
COMMENT ON COLUMN {schema}.run_page_repairs.run_id IS 'The run that read the page (see runs).';
COMMENT ON COLUMN {schema}.run_page_repairs.file IS 'The page (file or URL).';
COMMENT ON COLUMN {schema}.run_page_repairs.code IS 'Kind of repair: resource_with_text, relative_iri, iso639_2_language (see hist_rdf_repairs.code), or csw_envelope (RDF/XML records inside a CSW GetRecords or GetRecordById response, read one by one; concerns the page only).';
COMMENT ON COLUMN {schema}.run_page_repairs.occurrences IS 'How many times the page needed this repair.';
COMMENT ON COLUMN {schema}.run_page_repairs.line IS 'Line of the first occurrence in the page.';
COMMENT ON COLUMN {schema}.run_page_repairs.col IS 'Column of the first occurrence.';
COMMENT ON COLUMN {schema}.run_page_repairs.message IS 'What the first occurrence says and how it was read.';

-- English fix hints (the registry's optional Indicator.fix_hint_en) -------------------

ALTER TABLE {schema}.indicators ADD COLUMN fix_hint_en text;
COMMENT ON COLUMN {schema}.indicators.fix_hint_en IS 'How to fix a failure, in English; empty when the indicator has only the French hint.';

COMMENT ON VIEW {schema}.dataset_checks IS 'One row per dataset and check (the 23 MQA checks, then the 7 HVD ones and the Ecosphères check ecospheres.well_formed_rdf, all three families'' extras worth 0 points) as of the latest successful run: passed or not (empty: not measured; HVD checks are measured on HVD datasets only, well_formed_rdf on datasets published as RDF), points won and at stake.';

-- Views ---------------------------------------------------------------------------------

CREATE VIEW {schema}.dataset_rdf_repairs AS
    SELECT r.dataset_id, d.title, coalesce(d.publisher, d.rights_holder) AS publisher,
           d.source_file, r.code, r.line, r.col, r.message
    FROM {schema}.hist_rdf_repairs r
    JOIN {schema}.datasets d USING (dataset_id)
    WHERE r.run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.dataset_rdf_repairs IS 'RDF/XML repairs of the datasets, one row per dataset and repair (latest successful run); the dataset then fails ecospheres.well_formed_rdf (see dataset_checks).';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.dataset_id IS 'The dataset (see datasets).';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.title IS 'Its title.';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.publisher IS 'Its publisher, or rights holder.';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.source_file IS 'The page it was read from, where line and col point.';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.code IS 'Kind of repair: resource_with_text, relative_iri or iso639_2_language.';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.line IS 'Line of the repaired element in the page.';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.col IS 'Column of the repaired element.';
COMMENT ON COLUMN {schema}.dataset_rdf_repairs.message IS 'What the page says, how it was read and what to change in the export.';

CREATE VIEW {schema}.page_rdf_repairs AS
    SELECT p.file, p.code, p.occurrences, coalesce(t.datasets, 0) AS datasets_touched,
           p.line, p.col, p.message
    FROM {schema}.run_page_repairs p
    LEFT JOIN (SELECT source_file, code, count(DISTINCT dataset_id) AS datasets
               FROM {schema}.dataset_rdf_repairs GROUP BY source_file, code) t
        ON t.source_file = p.file AND t.code = p.code
    WHERE p.run_id = (SELECT run_id FROM {schema}.current_run);
COMMENT ON VIEW {schema}.page_rdf_repairs IS 'RDF/XML repairs per page and kind, with how many datasets they touched (latest successful run).';
COMMENT ON COLUMN {schema}.page_rdf_repairs.file IS 'The page (file or URL).';
COMMENT ON COLUMN {schema}.page_rdf_repairs.code IS 'Kind of repair: resource_with_text, relative_iri, iso639_2_language or csw_envelope.';
COMMENT ON COLUMN {schema}.page_rdf_repairs.occurrences IS 'How many times the page needed it.';
COMMENT ON COLUMN {schema}.page_rdf_repairs.datasets_touched IS 'Datasets of the page this kind of repair touched (0 for csw_envelope, which concerns the page).';
COMMENT ON COLUMN {schema}.page_rdf_repairs.line IS 'Line of the first occurrence.';
COMMENT ON COLUMN {schema}.page_rdf_repairs.col IS 'Column of the first occurrence.';
COMMENT ON COLUMN {schema}.page_rdf_repairs.message IS 'What the first occurrence says and how it was read.';
