"""The whole Wallet system in start order: infrastructure and Jaeger, migrations, demo data, services, the proxy,
Prometheus."""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from stack import (
    clickhouse,
    connect,
    jaeger,
    kafka,
    outbox_connector,
    postgres,
    processes,
    prometheus,
    proxy,
    redis,
    services,
)
from stack.config import SERVICES, StackConfig


def up(cfg: StackConfig, seed: bool = True, gateway_settings: Mapping[str, str] | None = None) -> None:
    """`gateway_settings` override GATEWAY_* variables of every gateway replica, e.g. rate_limit_money."""
    postgres.start(cfg)  # and the stack's supervisord, before anything else asks it to run a program
    with ThreadPoolExecutor() as pool:
        # Kafka and Connect (JVMs, seconds each to start) come up while the databases are migrated. Jaeger first (under
        # a second, once built on the first `make up`), before any service, so that their first spans are kept; in the
        # same thread, as spawns from two threads could race on supervisord's config.
        brokers = pool.submit(_start_brokers, cfg)
        card_adapter_database = pool.submit(services.migrate_card_adapter, cfg)
        services.migrate_bank(cfg)
        if seed:
            services.seed_bank(cfg)
        card_adapter_database.result()
        brokers.result()
    # Debezium's slot keeps every outbox row from now on: registered before any service can write one.
    outbox_connector.register(cfg)
    start_analytics_store(cfg)
    redis.start(cfg)
    # Each service copes with another not up yet (its clients reconnect), so all start at once.
    services.start_services(cfg, {service: {} for service in SERVICES} | {"gateway": gateway_settings or {}})
    proxy.start(cfg)
    # Last: its first scrape finds every target up.
    prometheus.start(cfg)


def start_analytics_store(cfg: StackConfig) -> None:
    """ClickHouse with the analytics schema (its Kafka table consumes the topic)."""
    clickhouse.start(cfg)
    services.migrate_analytics(cfg)


def down(cfg: StackConfig) -> None:
    prometheus.stop(cfg)
    proxy.stop(cfg)
    for service in ("gateway", "analytics", "card_adapter", "bank"):
        services.stop_replicas(cfg, service)
    jaeger.stop(cfg)  # after the services, which send their last spans as they stop
    redis.stop(cfg)
    stop_pipeline(cfg)
    postgres.stop(cfg)
    processes.shutdown(cfg)  # supervisord, and whatever else it still runs for this stack


def stop_pipeline(cfg: StackConfig) -> None:
    # ClickHouse first so its consumer leaves the group cleanly, and Connect before Kafka.
    clickhouse.stop(cfg)
    connect.stop(cfg)
    kafka.stop(cfg)


def _start_brokers(cfg: StackConfig) -> None:
    jaeger.start(cfg)
    kafka.start(cfg)
    connect.start(cfg)
