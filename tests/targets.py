"""Where a test session's stack runs (WALLET_TEST_* settings): native processes started by the fixtures (the default,
`make test`), or the compose stack already running (`make compose-test` sets WALLET_TEST_TARGET=compose), its
endpoints from the WALLET_* settings of StackConfig; and whether the fixtures run PostgreSQL, Kafka and ClickHouse as
processes or as containers of the project's images (WALLET_TEST_INFRA=containers, testcontainers)."""

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class StackTarget(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALLET_TEST_")

    target: Literal["native", "compose"] = "native"
    infra: Literal["processes", "containers"] = "processes"

    @property
    def compose(self) -> bool:
        return self.target == "compose"

    @property
    def containers(self) -> bool:
        return self.infra == "containers"


TARGET = StackTarget()
