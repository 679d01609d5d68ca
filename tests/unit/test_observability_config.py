"""The observability back ends' configs, generated from the StackConfig: ports, Prometheus's targets, Jaeger's
listeners, the services' telemetry variables, the JMX exporter's rules."""

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from stack import connect, jaeger, prometheus, proxy, services
from stack.config import GRPC_SERVICES, PORT_FIELDS, SERVICES, StackConfig, ephemeral_config, replicas_each


def test_make_up_ports_of_the_back_ends_and_of_each_replicas_metrics() -> None:
    cfg = StackConfig()
    ports = (cfg.prometheus_port, cfg.jaeger_port, cfg.otlp_port, cfg.connect_metrics_port)
    assert ports == (9090, 16686, 4317, 9404)
    assert cfg.metrics_ports("bank") == [50151, 50161]
    assert cfg.metrics_ports("analytics") == [50152, 50162]
    assert cfg.metrics_ports("card_adapter") == [50153, 50163]
    assert cfg.metrics_ports("gateway") == [8001, 8002]  # a gateway serves /metrics on its own port
    assert cfg.trace_sample_ratio == 1.0


def test_metrics_ports_and_the_sample_ratio_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert StackConfig(bank_replicas=1, bank_metrics_ports=[7000]).metrics_ports("bank") == [7000]
    with pytest.raises(ValidationError, match="2 replicas, but 1 metrics ports"):
        StackConfig(bank_metrics_ports=[7000])
    with pytest.raises(ValidationError):
        StackConfig(trace_sample_ratio=1.5)
    monkeypatch.setenv("WALLET_TRACE_SAMPLE_RATIO", "0")
    assert StackConfig().trace_sample_ratio == 0.0


def test_an_ephemeral_stack_gets_a_free_port_for_every_listener() -> None:
    cfg = ephemeral_config(**replicas_each(2))
    metrics = [port for service in GRPC_SERVICES for port in cfg.metrics_ports(service)]
    replicas = [port for service in SERVICES for port in cfg.replica_ports(service)]
    fixed = [getattr(cfg, name) for name in PORT_FIELDS]
    assert {"jaeger_port", "jaeger_grpc_port", "jaeger_metrics_port", "otlp_port", "prometheus_port"} <= set(
        PORT_FIELDS
    )
    assert len(metrics) == 6 and len(set(metrics)) == 6
    # all different, but for each gRPC service's first replica, which listens on the service's port
    assert len(set(fixed + replicas)) == len(fixed) + len(replicas) - len(GRPC_SERVICES)
    assert not set(metrics) & set(replicas + fixed)  # free ports, not a replica's port + 100, which may be taken
    cfg.state_dir.rmdir()


def test_prometheus_scrapes_every_replica_with_its_replica_label(tmp_path: Path) -> None:
    cfg = StackConfig(state_dir=tmp_path, gateway_replicas=3)
    document = prometheus.config(cfg)
    assert document["global"]["scrape_interval"] == "5s"
    jobs = {job["job_name"]: _targets(job) for job in document["scrape_configs"]}
    assert jobs == {
        "gateway": {"gateway-1": "127.0.0.1:8001", "gateway-2": "127.0.0.1:8002", "gateway-3": "127.0.0.1:8003"},
        "bank": {"bank-1": "127.0.0.1:50151", "bank-2": "127.0.0.1:50161"},
        "card_adapter": {"card_adapter-1": "127.0.0.1:50153", "card_adapter-2": "127.0.0.1:50163"},
        "analytics": {"analytics-1": "127.0.0.1:50152", "analytics-2": "127.0.0.1:50162"},
        "connect": {"connect": "127.0.0.1:9404"},
        "jaeger": {"jaeger": "127.0.0.1:8888"},
        "prometheus": {"prometheus": "127.0.0.1:9090"},
    }


def _targets(job: dict[str, Any]) -> dict[str, str]:
    targets = {}
    for static in job["static_configs"]:
        [address] = static["targets"]
        targets[static["labels"]["replica"]] = address
    return targets


def test_prometheus_loads_the_alert_rules_only_when_they_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = StackConfig(state_dir=tmp_path)
    rules = tmp_path / "alerts.yml"
    monkeypatch.setattr(prometheus, "RULES", rules)
    assert "rule_files" not in prometheus.config(cfg)
    rules.write_text("groups: []\n")
    assert prometheus.config(cfg)["rule_files"] == [str(rules)]


def test_promtool_accepts_the_generated_prometheus_yml() -> None:
    cfg = ephemeral_config()
    prometheus.write_config(cfg)
    checked = subprocess.run(
        [str(prometheus.promtool_path()), "check", "config", "--syntax-only", str(prometheus.config_file(cfg))],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"--web.listen-address=127.0.0.1:{cfg.prometheus_port}" in prometheus.argv(cfg)


def test_jaeger_listens_only_on_the_ports_of_its_stack() -> None:
    cfg = ephemeral_config()
    document = jaeger.config(cfg)
    endpoints = set(re.findall(r"endpoint: (\S+)", yaml.safe_dump(document)))
    query = document["extensions"]["jaeger_query"]
    assert endpoints == {f"127.0.0.1:{port}" for port in (cfg.jaeger_port, cfg.jaeger_grpc_port, cfg.otlp_port)}
    [reader] = document["service"]["telemetry"]["metrics"]["readers"]
    assert reader["pull"]["exporter"]["prometheus"] == {"host": "127.0.0.1", "port": cfg.jaeger_metrics_port}
    assert query["enable_tracing"] is False  # it would export its own spans to localhost:4317, make up's Jaeger
    assert list(document["receivers"]["otlp"]["protocols"]) == ["grpc"]
    assert jaeger.binary(cfg) == cfg.jars_dir.parent / "jaeger-v1.76.0" / "jaeger"
    cfg.state_dir.rmdir()


def test_each_replica_gets_its_metrics_port_and_the_telemetry_variables() -> None:
    cfg = StackConfig(trace_sample_ratio=0.25)
    bank = services.replica(cfg, "bank", 2).env
    assert bank["BANK_METRICS_PORT"] == "50161"
    assert bank["OTEL_SERVICE_NAME"] == "bank" and bank["WALLET_REPLICA"] == "bank-2"
    assert bank["OTEL_RESOURCE_ATTRIBUTES"] == "service.instance.id=bank-2"
    assert bank["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4317"
    assert (bank["OTEL_TRACES_SAMPLER"], bank["OTEL_TRACES_SAMPLER_ARG"]) == ("parentbased_traceidratio", "0.25")
    assert services.replica(cfg, "card_adapter", 1).env["CARD_ADAPTER_METRICS_PORT"] == "50153"
    gateway = services.replica(cfg, "gateway", 1).env
    assert "GATEWAY_METRICS_PORT" not in gateway  # /metrics on its own port
    assert gateway["OTEL_SERVICE_NAME"] == "gateway" and gateway["WALLET_REPLICA"] == "gateway-1"


def test_the_public_address_hides_the_gateways_metrics(tmp_path: Path) -> None:
    text = proxy.render(StackConfig(state_dir=tmp_path))
    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", text)


def test_connect_runs_the_jmx_exporter_agent_with_the_repos_rules() -> None:
    rules = yaml.safe_load(connect.JMX_EXPORTER_RULES.read_text())
    for rule in rules["rules"]:
        re.compile(rule["pattern"])  # Java's syntax, as far as these patterns go
    names = {rule["name"] for rule in rules["rules"]}
    for attribute in ("milliseconds_behind_source", "connected", "total_number_of_events_seen"):
        assert f"debezium_$2_{attribute}" in names  # $2: the context, streaming
    assert "debezium_$2_queue_remaining_capacity" in names
    bean = "debezium.postgres<type=connector-metrics, context=streaming, server=wallet><>MilliSecondsBehindSource: 5"
    matching = [rule["name"] for rule in rules["rules"] if re.match(rule["pattern"], bean)]
    assert matching == ["debezium_$2_milliseconds_behind_source"]  # not its P99, which starts alike
    agent = connect.metrics_agent(StackConfig(connect_metrics_port=9999))
    jar = r"-javaagent:\S+/jmx_prometheus_javaagent-[\d.]+\.jar"
    assert re.fullmatch(rf"{jar}=127\.0\.0\.1:9999:{re.escape(str(connect.JMX_EXPORTER_RULES))}", agent)
