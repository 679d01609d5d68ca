-- Events -> rows of ${database}.operations, one view per row kind. Each view selects every target
-- column (18.16 does not fill defaults in views) and uses no subquery (18.16 fails to push Kafka
-- blocks through a view with one). occurred_at is the Bank's fixed format
-- "YYYY-MM-DDTHH:MM:SS.ffffff+00:00"; its microseconds are characters 21-26.
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.transfer_debits_mv TO ${database}.operations AS
SELECT
    toUUID(from_account_id) AS account_id,
    toUInt64(toUnixTimestamp(parseDateTimeBestEffort(occurred_at))) * 1000000 + toUInt64(substring(occurred_at, 21, 6)) AS occurred_at_us,
    toUUID(event_id) AS event_id,
    event_type,
    CAST('transfer' AS Enum8('transfer' = 1, 'topup' = 2)) AS operation_type,
    transfer_id AS operation_id,
    CAST('debit' AS Enum8('debit' = -1, 'credit' = 1)) AS direction,
    toDecimal64(amount, 2) AS amount,
    toFixedString(currency, 3) AS currency,
    to_account_id AS counterparty_id,
    ifNull(description, '') AS description,
    now() AS ingested_at,
    if(kind = '', 'transfer', kind) AS kind,
    ifNull(reverses_transfer_id, '') AS reverses_operation_id,
    ifNull(hold_id, '') AS hold_id
FROM ${database}.operations_queue_v2
WHERE event_type = 'TransferCompleted';

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.transfer_credits_mv TO ${database}.operations AS
SELECT
    toUUID(to_account_id) AS account_id,
    toUInt64(toUnixTimestamp(parseDateTimeBestEffort(occurred_at))) * 1000000 + toUInt64(substring(occurred_at, 21, 6)) AS occurred_at_us,
    toUUID(event_id) AS event_id,
    event_type,
    CAST('transfer' AS Enum8('transfer' = 1, 'topup' = 2)) AS operation_type,
    transfer_id AS operation_id,
    CAST('credit' AS Enum8('debit' = -1, 'credit' = 1)) AS direction,
    toDecimal64(amount, 2) AS amount,
    toFixedString(currency, 3) AS currency,
    from_account_id AS counterparty_id,
    ifNull(description, '') AS description,
    now() AS ingested_at,
    if(kind = '', 'transfer', kind) AS kind,
    ifNull(reverses_transfer_id, '') AS reverses_operation_id,
    ifNull(hold_id, '') AS hold_id
FROM ${database}.operations_queue_v2
WHERE event_type = 'TransferCompleted';

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.topup_credits_mv TO ${database}.operations AS
SELECT
    toUUID(account_id) AS account_id,
    toUInt64(toUnixTimestamp(parseDateTimeBestEffort(occurred_at))) * 1000000 + toUInt64(substring(occurred_at, 21, 6)) AS occurred_at_us,
    toUUID(event_id) AS event_id,
    event_type,
    CAST('topup' AS Enum8('transfer' = 1, 'topup' = 2)) AS operation_type,
    topup_id AS operation_id,
    CAST('credit' AS Enum8('debit' = -1, 'credit' = 1)) AS direction,
    toDecimal64(amount, 2) AS amount,
    toFixedString(currency, 3) AS currency,
    '' AS counterparty_id,
    concat('Card top-up, ', card_brand, ' ending ', card_last4) AS description,
    now() AS ingested_at,
    'topup' AS kind,
    '' AS reverses_operation_id,
    '' AS hold_id
FROM ${database}.operations_queue_v2
WHERE event_type = 'TopUpCompleted';
