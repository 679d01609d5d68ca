"""The whole Wallet system in start order: infrastructure, migrations, demo data, services, the proxy."""

from collections.abc import Mapping

from stack import clickhouse, connect, kafka, outbox_connector, postgres, processes, proxy, redis, services
from stack.config import StackConfig


def up(cfg: StackConfig, seed: bool = True, gateway_settings: Mapping[str, str] | None = None) -> None:
    """`gateway_settings` override GATEWAY_* variables of every gateway replica, e.g. rate_limit_money."""
    postgres.start(cfg)
    services.migrate_bank(cfg)
    services.migrate_card_adapter(cfg)
    if seed:
        services.seed_bank(cfg)
    start_pipeline(cfg)
    services.start_replicas(cfg, "bank")
    services.start_replicas(cfg, "card_adapter")
    services.start_replicas(cfg, "analytics")
    redis.start(cfg)
    services.start_replicas(cfg, "gateway", **(gateway_settings or {}))
    proxy.start(cfg)


def start_pipeline(cfg: StackConfig) -> None:
    """Kafka, then Debezium on Kafka Connect (its slot keeps every outbox row from now on), then ClickHouse."""
    kafka.start(cfg)
    connect.start(cfg)
    outbox_connector.register(cfg)
    clickhouse.start(cfg)
    services.migrate_analytics(cfg)


def down(cfg: StackConfig) -> None:
    proxy.stop(cfg)
    for service in ("gateway", "analytics", "card_adapter", "bank"):
        services.stop_replicas(cfg, service)
    redis.stop(cfg)
    stop_pipeline(cfg)
    postgres.stop(cfg)
    processes.shutdown(cfg)  # supervisord, and whatever else it still runs for this stack


def stop_pipeline(cfg: StackConfig) -> None:
    # ClickHouse first so its consumer leaves the group cleanly, and Connect before Kafka.
    clickhouse.stop(cfg)
    connect.stop(cfg)
    kafka.stop(cfg)
