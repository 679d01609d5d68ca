-- When events reach ClickHouse, for the pipeline lag the Analytics service reports (wallet_pipeline_lag_seconds):
-- per second of ingestion, the oldest occurred_at among the events ingested in it. 18.16 has no DateTime64, so the
-- second is the finest ingestion time there is. AggregatingMergeTree merges to one row per second whatever the
-- traffic (~1 MB a day at most), and the order by time makes "the last half minute" a read of the last granule,
-- where the same question to `operations` (ordered by account) would read a month of it.
-- A view on the Kafka table like the others: it sees each event once per delivery, from its creation on.
CREATE TABLE IF NOT EXISTS ${database}.ingestion_lag
(
    ingested_at DateTime,
    oldest_occurred_at_us AggregateFunction(min, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(ingested_at)
ORDER BY ingested_at;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.ingestion_lag_mv TO ${database}.ingestion_lag AS
SELECT
    now() AS ingested_at,
    minState(toUInt64(toUnixTimestamp(parseDateTimeBestEffort(occurred_at))) * 1000000 + toUInt64(substring(occurred_at, 21, 6))) AS oldest_occurred_at_us
FROM ${database}.operations_queue_v2
WHERE event_type IN ('TransferCompleted', 'TopUpCompleted')
GROUP BY ingested_at;
