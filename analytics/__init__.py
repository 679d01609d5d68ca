"""Analytics service: operation history from ClickHouse, fed by the outbox events on Kafka."""
