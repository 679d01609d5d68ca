"""Where replicas listen, how clients and the proxy find them, and how a load run and the chaos table count."""

import pytest
from pydantic import ValidationError

from stack import chaos, proxy, services
from stack.config import SERVICES, StackConfig, ephemeral_config, replicas_each
from stack.transfer_load import LoadReport, Outcome


def test_make_up_ports_are_the_service_port_and_every_tenth_after_it() -> None:
    cfg = StackConfig()
    assert cfg.replica_ports("bank") == [50051, 50061]
    assert cfg.replica_ports("analytics") == [50052, 50062]
    assert cfg.replica_ports("card_adapter") == [50053, 50063]
    assert cfg.replica_ports("gateway") == [8001, 8002]  # behind the proxy on 8000


def test_replica_ports_may_be_given_one_per_replica() -> None:
    assert StackConfig(bank_replicas=1, bank_replica_ports=[6000]).replica_ports("bank") == [6000]
    with pytest.raises(ValidationError, match="2 replicas, but 1 replica ports"):
        StackConfig(bank_replica_ports=[6000])


def test_an_ephemeral_stack_gets_a_free_port_for_every_replica() -> None:
    cfg = ephemeral_config(**replicas_each(3))
    ports = [port for service in SERVICES for port in cfg.replica_ports(service)]
    assert len(ports) == 12 and len(set(ports)) == 12
    assert cfg.replica_ports("bank")[0] == cfg.bank_port  # what a client of one replica dials
    assert cfg.gateway_port not in cfg.replica_ports("gateway")  # the proxy's
    cfg.state_dir.rmdir()


def test_a_client_gets_every_replica_in_one_target() -> None:
    cfg = StackConfig()
    assert services.grpc_target(cfg, "bank") == "ipv4:127.0.0.1:50051,127.0.0.1:50061"
    assert services.grpc_target(StackConfig(bank_replicas=1), "bank") == "127.0.0.1:50051"
    env = services.replica(cfg, "bank", 2).env
    assert env["BANK_PORT"] == "50061" and env["CARD_ADAPTER_BANK_TARGET"] == services.grpc_target(cfg, "bank")


def test_the_proxy_balances_over_the_gateways_and_rests_those_asked(tmp_path) -> None:
    cfg = StackConfig(state_dir=tmp_path, gateway_replicas=3)
    text = proxy.render(cfg, resting={8002})
    assert "server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;" in text
    assert "server 127.0.0.1:8002 max_fails=1 fail_timeout=2s down;" in text
    assert "server 127.0.0.1:8003 max_fails=1 fail_timeout=2s;" in text
    assert "listen 127.0.0.1:8000;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text  # set at the edge, never appended to
    directives = [line.split("#", 1)[0] for line in text.splitlines()]
    assert "proxy_next_upstream error timeout;" in text and not any("non_idempotent" in d for d in directives)
    assert str(tmp_path) in text and "/var/" not in text


def test_a_load_run_counts_raw_failures_and_what_a_user_saw() -> None:
    report = LoadReport(
        outcomes=[
            Outcome("a", 201, "t1"),
            Outcome("b", 201, "t2", failed_attempts=2),  # failed twice, then its retry got through
            Outcome("c", 503, None, failed_attempts=3),  # gave up
        ],
        unavailable_at=[10.0, 12.5, 11.0],
    )
    assert (report.requests, report.raw_failures, report.errors) == (3, 6, 1)
    assert report.created == {"t1", "t2"} and report.unavailable_s == 2.5


def test_the_chaos_table_marks_a_scenario_with_a_problem() -> None:
    rows = [chaos.Row("kill -9 one Bank replica", 500, 1, 0, 0.0, 0.2, 3.1), chaos.Row("x", problems=["boom"])]
    lines = chaos.table(rows).splitlines()
    assert lines[0].startswith("| scenario | requests | raw failures | errors after retry |")
    assert lines[2] == "| kill -9 one Bank replica | 500 | 1 | 0 | 0.0 | 0.20 | 3.1 | yes |"
    assert lines[3].endswith("| NO |")
