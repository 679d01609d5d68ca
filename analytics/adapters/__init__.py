"""Analytics adapters: the ClickHouse repository of operations, the Kafka consumer group's lag."""
