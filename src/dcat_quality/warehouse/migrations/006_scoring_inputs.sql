-- dcat-quality warehouse, version 6: every run names what its scores were computed with.
--
-- Besides the methodology and the score variant (version 2), a score depends on the
-- licence lists that count as "known" and on the DCAT-AP version the compliance is
-- checked against (issue 13); the scoring digest hashes every such input
-- (quality.profile.scoring_identity), so two runs' scores are comparable, and a stored
-- score reusable, exactly when their digests are equal.

ALTER TABLE {schema}.runs
    ADD COLUMN licence_list text,
    ADD COLUMN dcat_ap_version text,
    ADD COLUMN scoring_digest text;
COMMENT ON COLUMN {schema}.runs.licence_list IS 'The licence lists the known-licence check used, with their versions (default: the EU licence authority table alone).';
COMMENT ON COLUMN {schema}.runs.dcat_ap_version IS 'The DCAT-AP version whose official SHACL shapes decided compliance (2.1.1, as data.europa.eu, or 3.0.1); empty when not checked.';
COMMENT ON COLUMN {schema}.runs.scoring_digest IS 'A hash of every input the scores depend on besides the records (methodology, vocabularies and their versions, licence lists, DCAT-AP shapes, variant): equal digests, comparable scores.';
