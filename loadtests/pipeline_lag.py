"""End-to-end lag: from the REST 201 of a transfer to the transfer visible in GET /operations."""

import asyncio
import time
import uuid
from decimal import Decimal

import httpx

from bank.seed import load_accounts
from loadtests.transfers import BENCH_USER, RICH, Run, bench_user_headers
from stack.config import StackConfig

SENDER = "00000000-0000-4000-9000-000000000001"
RECIPIENT = "00000000-0000-4000-9000-000000000002"
POLL_S = 0.05


async def transfer_to_history_lag(cfg: StackConfig, rate_per_s: float = 20, seconds: float = 20) -> Run:
    """Transfers at a steady rate; a watcher polls the recipient's history every 50 ms."""
    headers = await bench_user_headers(cfg)
    accounts = [(uuid.UUID(SENDER), RICH, "RUB"), (uuid.UUID(RECIPIENT), Decimal(0), "RUB")]
    await load_accounts(cfg.database_url, accounts, owner_id=BENCH_USER.id)
    created: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = asyncio.Event()
    url = f"http://{cfg.host}:{cfg.gateway_port}"
    async with httpx.AsyncClient(base_url=url, timeout=10, headers=headers) as client:

        async def send() -> None:
            body = {"to_account_id": RECIPIENT, "amount": "1.00", "currency": "RUB"}
            start = time.perf_counter()
            for i in range(int(rate_per_s * seconds)):
                await asyncio.sleep(max(0.0, start + i / rate_per_s - time.perf_counter()))
                reply = await client.post(f"/accounts/{SENDER}/transfers", json=body)
                if reply.status_code == 201:
                    created[reply.json()["transfer_id"]] = time.perf_counter()

        async def newest_unseen() -> None:
            """Walk the history newest first until a page holds an operation already seen."""
            params: dict[str, str | int] = {"limit": 50}
            while True:
                reply = await client.get(f"/accounts/{RECIPIENT}/operations", params=params)
                now = time.perf_counter()
                if reply.status_code != 200:
                    return
                page = reply.json()
                ids = [item["operation_id"] for item in page["items"]]
                fresh = [i for i in ids if i not in seen]
                for operation_id in fresh:
                    seen[operation_id] = now
                if len(fresh) < len(ids) or not page["next_cursor"]:
                    return
                params["cursor"] = page["next_cursor"]

        async def watch() -> None:
            while not (done.is_set() and seen.keys() >= created.keys()):
                await newest_unseen()
                await asyncio.sleep(POLL_S)

        watcher = asyncio.create_task(watch())
        await send()
        done.set()
        await asyncio.wait_for(watcher, timeout=120)
    lags = [(seen[t] - created[t]) * 1000 for t in created]
    return Run(f"REST 201 -> GET /operations ({rate_per_s:.0f}/s)", len(lags), seconds, lags)
