-- requires: kafka_handle_error_mode
-- Malformed messages (kept with their error) instead of a stalled consumer, on servers that can.
CREATE TABLE IF NOT EXISTS ${database}.operations_dead_letters
(
    topic String,
    partition UInt64,
    offset UInt64,
    raw_message String,
    error String,
    received_at DateTime
)
ENGINE = MergeTree
ORDER BY (received_at, topic, partition, offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.operations_dead_letters_mv TO ${database}.operations_dead_letters AS
SELECT _topic AS topic, _partition AS partition, _offset AS offset, _raw_message AS raw_message,
       _error AS error, now() AS received_at
FROM ${database}.operations_queue_v2
WHERE length(_error) > 0;
