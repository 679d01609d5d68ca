"""Wires the Analytics service: settings -> ClickHouse repository and page-token signer."""

from dataclasses import dataclass

from analytics.adapters.clickhouse_operations import ClickHouseOperations
from analytics.config import Settings
from analytics.domain.page_token import PageTokens


@dataclass
class Analytics:
    operations: ClickHouseOperations
    tokens: PageTokens

    def close(self) -> None:
        self.operations.close()


def bootstrap(settings: Settings) -> Analytics:
    return Analytics(
        operations=ClickHouseOperations(settings),
        tokens=PageTokens(settings.page_token_secret.get_secret_value().encode()),
    )
