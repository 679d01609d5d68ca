"""`python -m stack up|down|status|restart|topic|reconcile|audit`: run the Wallet natively, as `make up` does."""

import argparse
import json
import os
import subprocess
import sys
import time

from stack import connect, inspect_pipeline, jaeger, processes, prometheus, proxy, rolling_restart, services, system
from stack.config import SERVICES, StackConfig
from stack.processes import ProgramStatus, StackError


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m stack")
    parser.add_argument("command", choices=["up", "down", "status", "restart", "topic", "reconcile", "audit"])
    restartable = [*SERVICES, proxy.NAME]
    parser.add_argument("service", nargs="?", choices=restartable, help="restart: this service only (default: all)")
    if sys.argv[1:2] in (["reconcile"], ["audit"]):  # the Bank's commands (own arguments), with the stack's settings
        argv = [sys.executable, "-m", f"bank.commands.{sys.argv[1]}", *sys.argv[2:]]
        return subprocess.run(argv, env={**os.environ, **services.service_env(StackConfig())}, check=False).returncode
    arguments = parser.parse_args()
    command = arguments.command
    cfg = StackConfig()
    started = time.monotonic()
    try:
        if command == "up":
            system.up(cfg)
            print(f"Wallet is up in {time.monotonic() - started:.1f}s (state and logs in {cfg.state_dir})")
            print(f"  REST API      {proxy.url(cfg)}  (docs: /docs; nginx over gateways on {_ports(cfg, 'gateway')})")
            print(f"  Bank          gRPC on {cfg.host}:{_ports(cfg, 'bank')}")
            print(f"  Card Adapter  gRPC on {cfg.host}:{_ports(cfg, 'card_adapter')}")
            print(f"  Analytics     gRPC on {cfg.host}:{_ports(cfg, 'analytics')}")
            print(f"  PostgreSQL    postgresql://{cfg.pg_user}@{cfg.host}:{cfg.pg_port}/{cfg.pg_database}")
            print(f"  Kafka         {cfg.kafka_bootstrap}  (topic {cfg.topic})")
            print(f"  Connect REST  http://{cfg.host}:{cfg.connect_port}/connectors/wallet-outbox/status")
            print(f"  ClickHouse    http://{cfg.host}:{cfg.clickhouse_http_port}  (database wallet)")
            print(f"  Prometheus    {prometheus.url(cfg)}/targets  (alerts: /alerts)")
            print(f"  Connect JMX   {connect.metrics_url(cfg)}  (Debezium's and Connect's metrics)")
            print(f"  Jaeger UI     {jaeger.ui_url(cfg)}  (OTLP gRPC on {cfg.host}:{cfg.otlp_port})")
        elif command == "down":
            system.down(cfg)
            print("Wallet is down")
        elif command == "restart":
            if arguments.service == proxy.NAME:
                proxy.reload(cfg)
                print("proxy reloaded (its old workers finished their requests)")
            elif arguments.service:
                rolling_restart.restart(cfg, arguments.service, print)
            else:
                rolling_restart.restart_everything(cfg, print)
        elif command == "topic":
            for message in inspect_pipeline.topic_tail(cfg):
                print(json.dumps(message))
        else:
            programs = processes.status(cfg)
            print(status_table(programs) if programs else f"Wallet is not running (no supervisord in {cfg.state_dir})")
            if any(p.name == "connect" and p.pid for p in programs):
                print(json.dumps(inspect_pipeline.pipeline_status(cfg), indent=2))
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def status_table(programs: list[ProgramStatus]) -> str:
    """`make status`: each supervised process, its state, pid, uptime and the restarts after crashes."""
    lines = [f"{'process':16} {'state':9} {'pid':>8} {'uptime':>9} {'restarts':>8}"]
    for p in programs:
        lines.append(f"{p.name:16} {p.state:9} {p.pid or '-':>8} {_duration(p.uptime_s):>9} {p.restarts:>8}")
    return "\n".join(lines)


def _ports(cfg: StackConfig, service: str) -> str:
    return ", ".join(str(port) for port in cfg.replica_ports(service))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02}:{secs:02}"


if __name__ == "__main__":
    sys.exit(main())
