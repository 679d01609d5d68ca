"""`make restart`: the replicas of a service one at a time, the next only once the last serves again and its clients
are back on it, so that the service keeps answering throughout."""

import time
from collections.abc import Callable

from stack import processes, proxy, services
from stack.config import SERVICES, StackConfig

# The gRPC clients of a restarted replica reconnect within their reconnect backoff, at most about 1 s
# (kernel.grpc_channels); this is the wait for all of them.
RECONNECT_TIMEOUT_S = 15.0


def restart(cfg: StackConfig, service: str, report: Callable[[str], None] = lambda line: None) -> None:
    """Every replica of `service` in turn (see restart_replica); `report` gets a line per replica."""
    for index in range(1, cfg.replicas(service) + 1):
        replica = services.replica(cfg, service, index)
        started = time.monotonic()
        restart_replica(cfg, replica)
        report(f"{replica.name} restarted and serving in {time.monotonic() - started:.1f}s")


def restart_everything(cfg: StackConfig, report: Callable[[str], None] = lambda line: None) -> None:
    for service in SERVICES:
        restart(cfg, service, report)


def restart_replica(cfg: StackConfig, replica: services.Service) -> None:
    """A gateway leaves the proxy's rotation first, and comes back into it once ready (reaching the Bank); a gRPC
    replica drains by itself (NOT_SERVING, so that clients move to the other replicas), and counts as back once it
    serves and every client that was connected to it is again. (A service of one replica cannot keep answering.)"""
    if processes.running_pid(cfg, replica.name) is None:
        raise processes.StackError(f"{replica.name} does not run (make up first)")
    rotated = replica.http and cfg.replicas("gateway") > 1
    if rotated:
        proxy.rest(cfg, {replica.port})
    clients = processes.established_connections(replica.port)
    try:
        processes.restart(cfg, replica.name)
        processes.wait_ready(
            cfg, replica.name, lambda: services.serving(cfg, replica, ready=True), services.START_TIMEOUT, replica.name
        )
    finally:
        if rotated:  # back in, even if it failed to come back: the proxy's passive health check covers that
            proxy.rest(cfg, ())
    if replica.http:
        return
    processes.wait_until(
        lambda: processes.established_connections(replica.port) >= clients,
        RECONNECT_TIMEOUT_S,
        f"{clients} clients to connect to {replica.name} again",
    )
