"""Card Adapter adapters: its PostgreSQL tables, the Bank's gRPC client, the mock payment gateway."""
