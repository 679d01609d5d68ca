"""The gateway's gRPC channels and clients, opened at start-up and closed at shutdown."""

from dataclasses import dataclass

import grpc

from gateway.analytics_client import AnalyticsClient
from gateway.bank_client import BankClient
from gateway.card_adapter_client import CardAdapterClient
from gateway.config import Settings
from kernel import tls

# Reconnect quickly after a backend restarts instead of waiting out gRPC's default backoff.
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.keepalive_time_ms", 30000),
]


@dataclass
class Backends:
    channels: dict[str, grpc.aio.Channel]
    bank: BankClient
    card_adapter: CardAdapterClient
    analytics: AnalyticsClient

    @classmethod
    def open(cls, settings: Settings) -> "Backends":
        channels = {
            "bank": tls.aio_channel(settings.bank_target, settings, CHANNEL_OPTIONS),
            "card_adapter": tls.aio_channel(settings.card_adapter_target, settings, CHANNEL_OPTIONS),
            "analytics": tls.aio_channel(settings.analytics_target, settings, CHANNEL_OPTIONS),
        }
        return cls(
            channels=channels,
            bank=BankClient(channels["bank"], settings.grpc_timeout_s),
            card_adapter=CardAdapterClient(channels["card_adapter"], settings.grpc_timeout_s),
            analytics=AnalyticsClient(channels["analytics"], settings.grpc_timeout_s),
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
