"""The whole Wallet system in start order: infrastructure, migrations, demo data, services."""

from stack import clickhouse, connect, kafka, outbox_connector, postgres, processes, redis, services
from stack.config import StackConfig


def up(cfg: StackConfig, seed: bool = True) -> None:
    postgres.start(cfg)
    services.migrate_bank(cfg)
    services.migrate_card_adapter(cfg)
    if seed:
        services.seed_bank(cfg)
    start_pipeline(cfg)
    services.start(cfg, services.bank(cfg), lambda: services.grpc_serving(cfg, cfg.bank_port))
    services.start(cfg, services.card_adapter(cfg), lambda: services.grpc_serving(cfg, cfg.card_adapter_port))
    services.start_analytics(cfg)
    redis.start(cfg)
    services.start_gateway(cfg)


def start_pipeline(cfg: StackConfig) -> None:
    """Kafka, then Debezium on Kafka Connect (its slot keeps every outbox row from now on), then ClickHouse."""
    kafka.start(cfg)
    connect.start(cfg)
    outbox_connector.register(cfg)
    clickhouse.start(cfg)
    services.migrate_analytics(cfg)


def down(cfg: StackConfig) -> None:
    for name in ("gateway", "analytics", "card_adapter", "bank"):
        processes.stop(cfg, name)
    redis.stop(cfg)
    stop_pipeline(cfg)
    postgres.stop(cfg)
    processes.shutdown(cfg)  # supervisord, and whatever else it still runs for this stack


def stop_pipeline(cfg: StackConfig) -> None:
    # ClickHouse first so its consumer leaves the group cleanly, and Connect before Kafka.
    clickhouse.stop(cfg)
    connect.stop(cfg)
    kafka.stop(cfg)
