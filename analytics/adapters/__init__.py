"""Analytics adapters: the ClickHouse repository of operations."""
