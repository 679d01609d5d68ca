"""Traces as Jaeger's query API gives them, for tests: a trace's spans with their service and tags, waited for."""

from collections.abc import Sequence
from typing import Any

import httpx

from stack.config import StackConfig
from tests.polling import eventually

# Spans leave a service in batches, every 5 s (OTEL_BSP_SCHEDULE_DELAY); a loaded machine adds to it.
EXPORT_TIMEOUT = 60


class Trace:
    """A trace as Jaeger's query API returns it: its spans, each with its service's name and its tags."""

    def __init__(self, data: dict[str, Any]) -> None:
        processes = {key: process["serviceName"] for key, process in data["processes"].items()}
        self.spans = [
            {
                "service": processes[span["processID"]],
                "name": span["operationName"],
                "trace_id": span["traceID"],
                **{tag["key"]: tag["value"] for tag in span["tags"]},
            }
            for span in data["spans"]
        ]

    @property
    def services(self) -> set[str]:
        return {span["service"] for span in self.spans}

    def spans_of(self, service: str, **tags: object) -> list[dict[str, Any]]:
        return [s for s in self.spans if s["service"] == service and all(s.get(k) == v for k, v in tags.items())]


async def trace_in_jaeger(
    cfg: StackConfig, trace_id: str, services: set[str], spans: Sequence[tuple[str, dict[str, object]]] = ()
) -> Trace:
    """The trace once Jaeger holds spans of every one of `services`, and a span of each (service, tags) in `spans`:
    each process exports its spans as they end, in batches on its own schedule, so a server's span (which ends
    last) can come seconds after its client calls'."""
    found: list[Trace] = []

    async def holds_them() -> bool:
        async with httpx.AsyncClient(base_url=f"http://{cfg.host}:{cfg.jaeger_port}") as jaeger:
            reply = await jaeger.get(f"/api/traces/{trace_id}")
        if reply.status_code != 200:
            return False
        found[:] = [Trace(reply.json()["data"][0])]
        return services <= found[0].services and all(found[0].spans_of(name, **tags) for name, tags in spans)

    await eventually(holds_them, EXPORT_TIMEOUT, f"spans of {sorted(services)} in trace {trace_id}", every=0.5)
    return found[0]


def trace_id_of(reply: httpx.Response) -> str:
    trace_id = reply.headers["x-trace-id"]
    assert len(trace_id) == 32 and int(trace_id, 16), trace_id
    return trace_id
