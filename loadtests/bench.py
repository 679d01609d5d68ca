"""`make bench`: starts a private stack on free ports, measures, prints numbers, stops the stack."""

import argparse
import asyncio
import os
import shutil

from loadtests import history, pipeline_lag, transfers
from stack import system
from stack.config import ephemeral_config


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.bench")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    cfg = ephemeral_config()
    # One user sends every benchmark transfer: its per-user limit must not be what is measured.
    os.environ["GATEWAY_RATE_LIMIT_MONEY"] = "1000000/second"
    try:
        system.up(cfg)
        print(f"stack up in {cfg.state_dir}; concurrency {args.concurrency}, {args.seconds:.0f}s per run, 2 cores\n")
        # Lag first, while the pipeline has no backlog from the throughput run.
        print(asyncio.run(pipeline_lag.transfer_to_history_lag(cfg)).line() + "\n")
        app = asyncio.run(transfers.gateway_transfers(cfg, args.concurrency, args.seconds))
        baseline = transfers.pgbench(cfg, args.concurrency, args.seconds)
        print(transfers.summary(app, baseline))
        print("\n" + history.summary(asyncio.run(history.get_operations_latency(cfg))))
    finally:
        system.down(cfg)
        shutil.rmtree(cfg.state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
