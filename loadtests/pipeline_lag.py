"""End-to-end lag, from the REST 201 of a transfer to the transfer visible in GET /operations, split by stage: when
its event reaches the Kafka topic (Debezium's share), when its row is in ClickHouse's table (the Kafka engine's
share), and when GET /operations shows it (the Analytics service and the gateway)."""

import asyncio
import threading
import time
import uuid
from decimal import Decimal

import httpx
from confluent_kafka import OFFSET_END, Consumer, TopicPartition

from bank.seed import load_accounts
from loadtests.transfers import BENCH_USER, RICH, Run, bench_user_headers
from stack import clickhouse
from stack.config import StackConfig
from stack.kafka import event_of

SENDER = "00000000-0000-4000-9000-000000000001"
RECIPIENT = "00000000-0000-4000-9000-000000000002"
POLL_S = 0.05
STAGES = ("Kafka topic", "ClickHouse table", "GET /operations")

Seen = dict[str, float]  # transfer id -> perf_counter() when first seen


class Watcher(threading.Thread):
    """Notes when each transfer first appears at one stage; a thread, so that a blocking client cannot stall the
    sender's schedule."""

    def __init__(self, poll) -> None:
        super().__init__(daemon=True)
        self.seen: Seen = {}
        self.stopping = threading.Event()
        self._poll = poll

    def run(self) -> None:
        while not self.stopping.is_set():
            found = self._poll()
            now = time.perf_counter()
            for transfer_id in found:
                self.seen.setdefault(transfer_id, now)


def kafka_watcher(cfg: StackConfig) -> Watcher:
    """Every new message of the topic (assigned at its end before the first transfer is sent)."""
    consumer = Consumer({"bootstrap.servers": cfg.kafka_bootstrap, "group.id": f"lag-{uuid.uuid4()}"})
    partitions = consumer.list_topics(cfg.topic, timeout=10).topics[cfg.topic].partitions
    consumer.assign([TopicPartition(cfg.topic, p, OFFSET_END) for p in partitions])

    def poll() -> list[str]:
        messages = consumer.consume(500, timeout=0.01)
        values = [event_of(m) for m in messages if not m.error()]
        return [v["transfer_id"] for v in values if v.get("to_account_id") == RECIPIENT]

    return Watcher(poll)


def clickhouse_watcher(cfg: StackConfig, since_us: int) -> Watcher:
    """The recipient's rows in ClickHouse's table, straight from its HTTP interface."""
    sql = (
        "SELECT DISTINCT operation_id FROM wallet.operations "
        f"WHERE account_id = toUUID('{RECIPIENT}') AND occurred_at_us >= {since_us}"
    )

    def poll() -> list[str]:
        time.sleep(0.01)
        return clickhouse.query(cfg, sql).split()

    return Watcher(poll)


async def transfer_to_history_lag(cfg: StackConfig, rate_per_s: float = 20, seconds: float = 20) -> list[Run]:
    """Transfers at a steady rate; watchers note when each is in the topic, in ClickHouse and in GET /operations
    (polled every 50 ms). One run per stage, each measured from the 201."""
    headers = await bench_user_headers(cfg)
    accounts = [(uuid.UUID(SENDER), RICH, "RUB"), (uuid.UUID(RECIPIENT), Decimal(0), "RUB")]
    await load_accounts(cfg.database_url, accounts, owner_id=BENCH_USER.id)
    created: Seen = {}
    seen: Seen = {}
    done = asyncio.Event()
    watchers = [kafka_watcher(cfg), clickhouse_watcher(cfg, int(time.time() * 1_000_000))]
    for watcher in watchers:
        watcher.start()
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

        watching = asyncio.create_task(watch())
        await send()
        done.set()
        await asyncio.wait_for(watching, timeout=120)
    for w in watchers:
        w.stopping.set()
        w.join(timeout=10)
    runs = []
    for stage, stage_seen in zip(STAGES, [*(w.seen for w in watchers), seen], strict=True):
        # A stage can see a transfer before its 201 reaches the client: that lag counts as 0.
        lags = [max(0.0, stage_seen[t] - created[t]) * 1000 for t in created if t in stage_seen]
        missed = sum(1 for t in created if t not in stage_seen)
        runs.append(Run(f"201 -> {stage} ({rate_per_s:.0f}/s)", len(lags), seconds, lags, errors=missed))
    return runs
