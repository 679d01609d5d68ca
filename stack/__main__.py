"""`python -m stack up|down|status`: run the Wallet natively, as `make up` / `make down` do."""

import argparse
import sys
import time

from stack import system
from stack.config import StackConfig
from stack.processes import StackError


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m stack")
    parser.add_argument("command", choices=["up", "down", "status"])
    command = parser.parse_args().command
    cfg = StackConfig()
    started = time.monotonic()
    try:
        if command == "up":
            system.up(cfg)
            print(f"Wallet is up in {time.monotonic() - started:.1f}s (state and logs in {cfg.state_dir})")
            print(f"  REST API      http://{cfg.host}:{cfg.gateway_port}  (docs: /docs)")
            print(f"  Bank gRPC     {cfg.host}:{cfg.bank_port}")
            print(f"  PostgreSQL    postgresql://{cfg.pg_user}@{cfg.host}:{cfg.pg_port}/{cfg.pg_database}")
        elif command == "down":
            system.down(cfg)
            print("Wallet is down")
        else:
            for name, pid in system.status(cfg).items():
                print(f"{name:14} {'running, pid ' + str(pid) if pid else 'stopped'}")
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
