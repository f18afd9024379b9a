-- dcat-quality warehouse, version 4: runs loaded by several processes (Indexed Jobs).
--
-- A sharded run is found by its key (the Kubernetes Job name); each shard loads the
-- pages of its index into the run's partitions and records itself here; the shard that
-- finishes last publishes the run.

ALTER TABLE {schema}.runs
    ADD COLUMN run_key text UNIQUE,
    ADD COLUMN shard_count integer;
COMMENT ON COLUMN {schema}.runs.run_key IS 'For a run loaded by several processes (shards): the key they share, e.g. the Kubernetes Job name; empty for a single-process run.';
COMMENT ON COLUMN {schema}.runs.shard_count IS 'Number of shards of a sharded run; empty for a single-process run.';

CREATE TABLE {schema}.run_shards (
    run_id            bigint NOT NULL REFERENCES {schema}.runs (run_id),
    shard_index       integer NOT NULL,
    status            text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    pages_read        integer,
    pages_rejected    integer,
    datasets_read     integer,
    datasets_loaded   integer,
    datasets_rejected integer,
    error             text,
    PRIMARY KEY (run_id, shard_index)
);
COMMENT ON TABLE {schema}.run_shards IS 'The shards of sharded runs: each loads the pages of its index; the run is published when all have succeeded.';
COMMENT ON COLUMN {schema}.run_shards.run_id IS 'The run (see runs).';
COMMENT ON COLUMN {schema}.run_shards.shard_index IS 'Index of the shard (JOB_COMPLETION_INDEX), from 0.';
COMMENT ON COLUMN {schema}.run_shards.status IS 'running, succeeded or failed (a failed shard may be retried).';
COMMENT ON COLUMN {schema}.run_shards.started_at IS 'When the shard (its last attempt) started.';
COMMENT ON COLUMN {schema}.run_shards.finished_at IS 'When it finished.';
COMMENT ON COLUMN {schema}.run_shards.pages_read IS 'Pages of the shard read.';
COMMENT ON COLUMN {schema}.run_shards.pages_rejected IS 'Pages of the shard rejected.';
COMMENT ON COLUMN {schema}.run_shards.datasets_read IS 'Datasets read by the shard.';
COMMENT ON COLUMN {schema}.run_shards.datasets_loaded IS 'Datasets it loaded.';
COMMENT ON COLUMN {schema}.run_shards.datasets_rejected IS 'Datasets it rejected (duplicates within its pages).';
COMMENT ON COLUMN {schema}.run_shards.error IS 'Why the shard failed.';
