-- Where ingestion of each input file got to, for resume. One logical row per
-- (sensor, file_id); newer rows replace older ones on merge (highest updated_at;
-- on a tie the row inserted last wins). Readers must not rely on merges having
-- happened: use FINAL or argMax(..., updated_at).
CREATE TABLE IF NOT EXISTS {db}.ingest_progress
(
    sensor String,
    file_id String,
    path String,
    size UInt64,
    head_hash String,
    byte_offset UInt64,
    record_index UInt64,
    batches UInt64,
    complete UInt8,
    -- The widest --max-in-flight any run used on this file: how far past its
    -- progress a crashed run may have stored batches (see src/ingest/pipeline.ts).
    max_in_flight UInt8,
    updated_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (sensor, file_id);
