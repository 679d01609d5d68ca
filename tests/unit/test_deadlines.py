"""kernel.deadlines: the request's deadline bounds every wait below it; kernel.grpc_status.answer sets it from the
caller's gRPC deadline; kernel.grpc_channels' service config."""

import asyncio
import json
import logging

from kernel import deadlines, grpc_channels, grpc_status


def test_without_a_deadline_a_wait_takes_its_own_default() -> None:
    assert deadlines.remaining(5.0) == 5.0
    with deadlines.within(None):
        assert deadlines.remaining(5.0) == 5.0


def test_a_deadline_shortens_longer_waits_only() -> None:
    with deadlines.within(1.0):
        assert 0.9 < deadlines.remaining(5.0) <= 1.0
        assert deadlines.remaining(0.2) == 0.2
    assert deadlines.remaining(5.0) == 5.0  # restored after the block


def test_a_passed_deadline_leaves_nothing() -> None:
    with deadlines.within(-1):
        assert deadlines.remaining(5.0) == 0.0


class FakeContext:
    def __init__(self, remaining: float | None) -> None:
        self._remaining = remaining

    def time_remaining(self) -> float | None:
        return self._remaining


async def test_a_servicer_serves_within_its_callers_deadline() -> None:
    async def work() -> float:
        return deadlines.remaining(60.0)

    seen = await grpc_status.answer(FakeContext(2.0), work, ValueError, lambda e: None, logging.getLogger())  # type: ignore[arg-type, return-value]
    assert 1.9 < seen <= 2.0
    unbounded = await grpc_status.answer(FakeContext(None), work, ValueError, lambda e: None, logging.getLogger())  # type: ignore[arg-type, return-value]
    assert unbounded == 60.0


def test_deadlines_are_per_task() -> None:
    async def main() -> list[float]:
        async def one(seconds: float) -> float:
            with deadlines.within(seconds):
                await asyncio.sleep(0)
                return deadlines.remaining(60.0)

        return list(await asyncio.gather(one(1.0), one(10.0)))

    short, long = asyncio.run(main())
    assert short <= 1.0 < 9.0 < long


def test_service_config_retries_only_the_repeatable_methods() -> None:
    config = grpc_channels.service_config("wallet.bank.v1.BankService", ["GetBalance"])
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["healthCheckConfig"] == {"serviceName": "wallet.bank.v1.BankService"}
    (method_config,) = config["methodConfig"]
    assert method_config["name"] == [{"service": "wallet.bank.v1.BankService", "method": "GetBalance"}]
    assert method_config["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert "methodConfig" not in grpc_channels.service_config("x.Y", [])
    options = dict(grpc_channels.options("x.Y"))
    assert json.loads(options["grpc.service_config"])["retryThrottling"]["tokenRatio"] == 0.1


def test_a_target_of_several_replicas_names_the_first_host_as_its_authority() -> None:
    def authority(target: str) -> str | None:
        return dict(grpc_channels.options("x.Y", [], target)).get("grpc.default_authority")

    assert authority("ipv4:127.0.0.1:50051,127.0.0.1:50061") == "127.0.0.1"
    assert authority("ipv6:[::1]:50051,[::1]:50061") == "::1"
    assert authority("ipv4:127.0.0.1:50051") is None  # gRPC's own default is right for one address
    assert authority("127.0.0.1:50051") is None
