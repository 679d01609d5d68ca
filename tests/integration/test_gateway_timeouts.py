"""A Bank that answers too slowly: the gateway keeps its deadline and answers 504."""

import asyncio

from generated import bank_pb2_grpc
from tests.integration.in_process import bank_server, gateway, plaintext


class StalledBank(bank_pb2_grpc.BankServiceServicer):
    async def GetBalance(self, request, context):
        await asyncio.sleep(5)


async def test_slow_bank_gives_504() -> None:
    async with bank_server(StalledBank()) as target, gateway(plaintext(bank_target=target, grpc_timeout_s=0.3)) as api:  # type: ignore[abstract]  # serves only the methods the test calls
        reply = await api.get("/accounts/123e4567-e89b-12d3-a456-426614174000/balance")
    assert reply.status_code == 504
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "bank_timeout"
