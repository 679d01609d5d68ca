"""OpenTelemetry traces for every service process, configured by the standard OTEL_* variables (the stack sets them):

- OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (service.instance.id = the replica) name the process;
- OTEL_EXPORTER_OTLP_ENDPOINT is the trace backend (Jaeger, over OTLP/gRPC); unset, spans are made but not exported
  (the trace ids still reach responses and log lines);
- OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG: parentbased_traceidratio with a ratio, so the gateway decides for a
  whole request and every service downstream follows it.

W3C `traceparent` travels gateway → gRPC services (metadata) → PostgreSQL (spans of asyncpg) and ClickHouse (spans
of urllib3), and through the outbox: each event row keeps the traceparent of the request that made it, and Debezium
puts it on the Kafka message as a header (connectors/debezium.json)."""

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

__all__ = ["Context", "configure", "current", "resumed", "span_linking", "trace_id", "traceparent"]
_configured = False
_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("wallet")  # a proxy: it follows the provider that configure() sets


def configure(service: str) -> None:
    """The process's tracer provider and the instrumentations of the libraries it uses; once per process, before any
    gRPC server or channel is made (the gRPC instrumentation patches their constructors)."""
    global _configured
    if _configured:
        return
    _configured = True
    os.environ.setdefault("OTEL_SERVICE_NAME", service)
    # The sampler comes from OTEL_TRACES_SAMPLER; at exit the provider exports what it still buffers.
    provider = TracerProvider(resource=Resource.create())
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _instrument_libraries()


def _instrument_libraries() -> None:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, GrpcAioInstrumentorServer, filters
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor

    not_health = filters.negate(filters.health_check())  # load balancers' health checks are no one's request
    # These three instrumentors' constructors carry no annotations.
    GrpcAioInstrumentorServer(filter_=not_health).instrument()  # type: ignore[no-untyped-call]
    GrpcAioInstrumentorClient(filter_=not_health).instrument()  # type: ignore[no-untyped-call]
    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    HTTPXClientInstrumentor().instrument()
    URLLib3Instrumentor().instrument()
    RedisInstrumentor().instrument()


def trace_id() -> str | None:
    """The current trace's id (32 hex digits), sampled or not; None outside any span."""
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


def traceparent() -> str | None:
    """The current span as a W3C traceparent (00-<trace id>-<span id>-<flags>), to store beside an event so that
    whoever reads the event joins the trace that made it; None outside any span."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def current() -> Context:
    """The current trace context, for work done later on the caller's behalf in another task (see resumed)."""
    return context.get_current()


@contextmanager
def resumed(ctx: Context) -> Iterator[None]:
    """The block runs in `ctx`, the trace context of the request it works for (see current)."""
    token = context.attach(ctx)
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def span_linking(name: str, contexts: Sequence[Context], attributes: Mapping[str, AttributeValue]) -> Iterator[None]:
    """A span of work done for several requests at once: a child of the first one's span, linked to the others'."""
    parent, *others = contexts
    links = [Link(trace.get_current_span(each).get_span_context()) for each in others]
    with _tracer.start_as_current_span(name, context=parent, links=links, attributes=attributes):
        yield
