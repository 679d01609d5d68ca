"""Client channels to the Wallet's gRPC services, configured in one place. A target may name several replicas
(`ipv4:127.0.0.1:50051,127.0.0.1:50061`): calls go round robin over the replicas whose health service says SERVING,
so a replica that drains or dies gets no new calls. A call that fails UNAVAILABLE (no replica reachable, a connection
lost) is retried with exponential backoff and jitter within its deadline, by gRPC itself, but only for the methods
named safe to repeat: reads, and writes that carry an idempotency key."""

import json
from collections.abc import Iterable
from typing import Any

import grpc

from kernel import metrics, tls
from kernel.settings import ServiceSettings

# Reconnect quickly after a backend restarts instead of waiting out gRPC's default backoff.
BASE_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.keepalive_time_ms", 30000),
    ("grpc.enable_retries", 1),
]
# gRPC waits a random time between 0 and the current backoff before each new attempt (gRFC A6), and stops retrying
# once failures outnumber successes by the throttling ratio, so retries cannot pile onto a struggling service.
RETRY_POLICY = {
    "maxAttempts": 4,
    "initialBackoff": "0.1s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}
RETRY_THROTTLING = {"maxTokens": 10, "tokenRatio": 0.1}


def service_config(service: str, repeatable: Iterable[str]) -> dict[str, Any]:
    """Round robin with health checking over `service`'s replicas; retries for the `repeatable` methods."""
    config: dict[str, Any] = {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": service},
        "retryThrottling": RETRY_THROTTLING,
    }
    methods = [{"service": service, "method": method} for method in repeatable]
    if methods:
        config["methodConfig"] = [{"name": methods, "retryPolicy": RETRY_POLICY}]
    return config


def options(service: str, repeatable: Iterable[str] = (), target: str = "") -> list[tuple[str, Any]]:
    config = ("grpc.service_config", json.dumps(service_config(service, repeatable)))
    return [*BASE_OPTIONS, config, *_authority(target)]


def _authority(target: str) -> list[tuple[str, Any]]:
    """For a target listing several replicas, the host of the first as the authority the servers' certificates must
    name: gRPC's own default is the whole list (`127.0.0.1:50051,127.0.0.1:50061`), which no certificate names, so
    TLS would refuse every replica ("Hostname Verification Check failed")."""
    scheme, _, addresses = target.partition(":")
    if scheme not in ("ipv4", "ipv6") or "," not in addresses:
        return []
    host = addresses.split(",", 1)[0].rsplit(":", 1)[0]  # each address is host:port ([host]:port for IPv6)
    return [("grpc.default_authority", host.strip("[]"))]


def channel(target: str, settings: ServiceSettings, service: str, repeatable: Iterable[str] = ()) -> grpc.aio.Channel:
    """A channel to `service` at `target` (mutual TLS unless `settings` allow plaintext), its calls counted."""
    return tls.aio_channel(target, settings, options(service, repeatable, target), [metrics.ClientMetrics()])
