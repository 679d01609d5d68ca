"""The gateway's gRPC channels, clients and circuit breakers, opened at start-up and closed at shutdown."""

from dataclasses import dataclass

import grpc

from gateway.analytics_client import AnalyticsClient
from gateway.bank_client import BankClient
from gateway.card_adapter_client import CardAdapterClient
from gateway.circuit_breakers import CircuitBreakers
from gateway.config import Settings
from generated import analytics_pb2, bank_pb2, card_adapter_pb2
from kernel import grpc_channels

BANK_SERVICE = bank_pb2.DESCRIPTOR.services_by_name["BankService"].full_name
CARD_ADAPTER_SERVICE = card_adapter_pb2.DESCRIPTOR.services_by_name["CardAdapterService"].full_name
ANALYTICS_SERVICE = analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"].full_name

# What gRPC may send again after UNAVAILABLE (kernel.grpc_channels): reads, and writes that always carry an
# idempotency key (the clients mint one when the HTTP request has none). Registering a user or opening an account
# is not repeated: a second attempt would answer "taken" or open a second account.
BANK_REPEATABLE = ("TransferMoney", "GetBalance", "Authenticate", "GetUser")
CARD_ADAPTER_REPEATABLE = ("ProcessCardTopUp", "GetTopUp")
ANALYTICS_REPEATABLE = ("GetOperations",)


@dataclass
class Backends:
    channels: dict[str, grpc.aio.Channel]
    breakers: CircuitBreakers
    bank: BankClient
    card_adapter: CardAdapterClient
    analytics: AnalyticsClient

    @classmethod
    def open(cls, settings: Settings) -> "Backends":
        channel = grpc_channels.channel
        breakers = CircuitBreakers(settings.breaker_threshold, settings.breaker_open_s)
        channels = {
            "bank": channel(settings.bank_target, settings, BANK_SERVICE, BANK_REPEATABLE),
            "card_adapter": channel(
                settings.card_adapter_target, settings, CARD_ADAPTER_SERVICE, CARD_ADAPTER_REPEATABLE
            ),
            "analytics": channel(settings.analytics_target, settings, ANALYTICS_SERVICE, ANALYTICS_REPEATABLE),
        }
        return cls(
            channels=channels,
            breakers=breakers,
            bank=BankClient(channels["bank"], settings.grpc_timeout_s, breakers),
            card_adapter=CardAdapterClient(channels["card_adapter"], settings.grpc_timeout_s, breakers),
            analytics=AnalyticsClient(channels["analytics"], settings.grpc_timeout_s, breakers),
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
