-- Sensors and the darknet address space each observes (for packets per
-- darknet IP). One logical row per sensor; the newest row wins (read with
-- argMax(..., updated_at)).
CREATE TABLE IF NOT EXISTS {db}.sensors
(
    sensor String,
    darknets Array(String),
    darknet_size UInt64,
    updated_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY sensor;
