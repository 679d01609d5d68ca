"""The session's Jaeger: built once, started on the session's own ports, its query API and trace viewer answering."""

import httpx

from stack import jaeger, processes
from stack.config import StackConfig


def test_jaeger_answers_its_query_api_on_the_sessions_port(trace_backend: StackConfig) -> None:
    cfg = trace_backend
    resp = httpx.get(f"http://{cfg.host}:{cfg.jaeger_port}/api/services", timeout=5)
    assert resp.status_code == 200 and isinstance(resp.json()["data"], list | None)
    # the OTLP receiver the services export to, and Jaeger's own metrics for Prometheus
    assert processes.port_open(cfg.host, cfg.otlp_port)
    metrics = httpx.get(f"http://{cfg.host}:{cfg.jaeger_metrics_port}/metrics", timeout=5)
    assert metrics.status_code == 200 and "otelcol_" in metrics.text
    assert cfg.jaeger_port != StackConfig().jaeger_port  # never make up's
    assert processes.running_pid(cfg, jaeger.NAME)


def test_jaeger_serves_the_trace_viewer_at_every_ui_path(trace_backend: StackConfig) -> None:
    for path in ("/search?service=gateway", "/trace/0af7651916cd43dd8448eb211c80319c", "/"):
        page = httpx.get(f"{jaeger.url(trace_backend)}{path}", timeout=5)
        assert page.status_code == 200 and "<title>Wallet traces (Jaeger)</title>" in page.text, path
