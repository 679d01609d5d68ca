-- The Kafka consumer of the ${topic} topic. Columns are the union of the event payloads
-- (contracts/schemas/*.json); a field an event does not carry is read as ''.
-- On servers that have it, kafka_handle_error_mode = 'stream' is added below (a malformed message
-- goes to the dead-letter view); 18.16 has no such mode and stops at a malformed message.
-- kafka_max_block_size: 18.16 checks stream_flush_interval_ms only between blocks, so with the
-- default (65536 rows) a steady trickle of events is flushed only when the topic goes quiet.
-- A Kafka table's columns never change: a new shape is a new table (_v2: the ledger's fields), and
-- analytics.commands.schema drops the one it replaces, with its views, before this file runs. The
-- consumer group keeps its offsets in Kafka, so the new table goes on where the old one stopped.
CREATE TABLE IF NOT EXISTS ${database}.operations_queue_v2
(
    event_id String,
    event_type String,
    occurred_at String,
    transfer_id String,
    from_account_id String,
    to_account_id String,
    deposit_id String,
    topup_id String,
    payment_id String,
    account_id String,
    amount String,
    currency String,
    description Nullable(String),
    card_last4 String,
    card_brand String,
    kind String,
    reverses_transfer_id Nullable(String),
    hold_id Nullable(String),
    expires_at String,
    captured_amount String
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '${kafka_brokers}',
         kafka_topic_list = '${topic}',
         kafka_group_name = '${consumer_group}',
         kafka_format = 'JSONEachRow',
         kafka_num_consumers = 1,
         kafka_max_block_size = ${kafka_max_block_size}${error_mode};
