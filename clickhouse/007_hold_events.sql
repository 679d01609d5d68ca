-- Holds (issue 13): one row per event of a hold (HoldPlaced, then HoldCaptured, HoldVoided or HoldExpired),
-- for the hold's account. The money a capture moves is in `operations` (its TransferCompleted, kind capture);
-- here is the reservation's life. A redelivered event yields an identical row, collapsed on merge (FINAL or
-- LIMIT 1 BY event_id until then). Times are microseconds since the epoch, like operations'.
CREATE TABLE IF NOT EXISTS ${database}.hold_events
(
    account_id UUID,
    hold_id UUID,
    occurred_at_us UInt64,
    event_id UUID,
    event_type String,
    to_account_id UUID,
    amount Decimal(18, 2),
    currency FixedString(3),
    expires_at_us UInt64,
    captured_amount Decimal(18, 2),
    transfer_id String,
    description String,
    ingested_at DateTime
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(occurred_at_us, 1000000)))
ORDER BY (account_id, hold_id, occurred_at_us, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.hold_events_mv TO ${database}.hold_events AS
SELECT
    toUUID(account_id) AS account_id,
    toUUID(assumeNotNull(hold_id)) AS hold_id,
    toUInt64(toUnixTimestamp(parseDateTimeBestEffort(occurred_at))) * 1000000 + toUInt64(substring(occurred_at, 21, 6)) AS occurred_at_us,
    toUUID(event_id) AS event_id,
    event_type,
    toUUID(to_account_id) AS to_account_id,
    toDecimal64(amount, 2) AS amount,
    toFixedString(currency, 3) AS currency,
    toUInt64(toUnixTimestamp(parseDateTimeBestEffort(expires_at))) * 1000000 + toUInt64(substring(expires_at, 21, 6)) AS expires_at_us,
    toDecimal64(if(captured_amount = '', '0', captured_amount), 2) AS captured_amount,
    transfer_id,
    ifNull(description, '') AS description,
    now() AS ingested_at
FROM ${database}.operations_queue_v2
WHERE event_type IN ('HoldPlaced', 'HoldCaptured', 'HoldVoided', 'HoldExpired');
