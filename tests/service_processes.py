"""The services as the tests start them: the settings they run with under test, and starting them by hand (tests
that stop and start a service again do it with these)."""

from typing import TYPE_CHECKING, Any

from stack import services
from stack.config import StackConfig

if TYPE_CHECKING:
    import bank.config

# Limits no functional test reaches; tests/e2e/test_rate_limits.py runs gateways of its own with low ones.
UNLIMITED = {f"rate_limit_{name}": "100000/second" for name in ("money", "login", "failed_login", "signup")}


def start_bank(cfg: StackConfig) -> None:
    services.start_replicas(cfg, "bank")


# Short timeouts and budgets so that failure paths finish within a test; still above the gateway's needs.
CARD_ADAPTER_TEST_SETTINGS = {
    "respond_within_s": "1.5",
    "gateway_timeout_s": "0.5",
    "gateway_latency_ms": "10",
    "gateway_seed": "42",
    # Above a Bank restart on a loaded 2-core machine (5.5-7.7 s seen; over 12 s with container builds running
    # beside the suite), so "retried until the Bank returns" holds.
    "deposit_budget_s": "20",
    "retry_base_s": "0.1",
    "retry_cap_s": "0.5",
    "bank_timeout_s": "2",
}


def start_card_adapter(cfg: StackConfig) -> None:
    services.start_replicas(cfg, "card_adapter", **CARD_ADAPTER_TEST_SETTINGS)


def bank_settings(database_url: str, **settings: Any) -> "bank.config.Settings":
    """The Bank's settings for a Bank run inside a test process: its database, and its other secrets set (the
    reconciliation's ClickHouse, unused there: no test in-process runs its job)."""
    from bank.config import Settings

    return Settings(
        database_url=database_url, clickhouse_password="in-process-tests", reconcile_interval_s=0, **settings
    )
