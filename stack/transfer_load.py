"""A steady load of transfers through the proxy, sent as a careful client sends them: each with its Idempotency-Key,
retried with the same key after a failure until it succeeds or its budget runs out. What failed, and when, is kept."""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from bank.seed import SeedUser, load_accounts, load_users
from stack import proxy
from stack.config import StackConfig

# The load's own user: it owns the accounts of every run.
USER = SeedUser("steady-load", "steady-load-password-1")
OPENING_BALANCE = Decimal("1000.00")
# Answers after which a client sends the same request again: a key still in flight, a limit, the service down or slow.
RETRYABLE = {409, 429, 500, 502, 503, 504}
# The gateway's deadline for a request (GATEWAY_GRPC_TIMEOUT_S); an answer later than this plus a margin has hung.
DEADLINE_S = 5.0
HUNG_AFTER_S = DEADLINE_S + 2.0
# How long a client keeps retrying one transfer before it reports a failure.
RETRY_BUDGET_S = 20.0


@dataclass
class Outcome:
    """One transfer as the client saw it: its final answer (None: none came) and the failed attempts before it."""

    key: str
    status: int | None = None
    transfer_id: str | None = None
    failed_attempts: int = 0


@dataclass
class LoadReport:
    outcomes: list[Outcome] = field(default_factory=list)
    unavailable_at: list[float] = field(default_factory=list)  # monotonic times of the 503 answers

    @property
    def requests(self) -> int:
        return len(self.outcomes)

    @property
    def raw_failures(self) -> int:
        """Attempts that failed, including those the client then retried successfully."""
        return sum(o.failed_attempts + (o.status != 201) for o in self.outcomes)

    @property
    def errors(self) -> int:
        """Transfers that failed even after the client's retries: the errors a user would see."""
        return sum(o.status != 201 for o in self.outcomes)

    @property
    def created(self) -> set[str]:
        return {o.transfer_id for o in self.outcomes if o.transfer_id}

    @property
    def unavailable_s(self) -> float:
        """From the first 503 to the last."""
        return max(self.unavailable_at) - min(self.unavailable_at) if self.unavailable_at else 0.0


async def prepare(cfg: StackConfig, accounts: int = 20) -> tuple[list[uuid.UUID], dict[str, str]]:
    """Fresh accounts of the load's user, OPENING_BALANCE each, and its Authorization header (logged in through the
    proxy)."""
    ids = [uuid.uuid4() for _ in range(accounts)]
    await load_users(cfg.database_url, [USER])
    await load_accounts(cfg.database_url, [(i, OPENING_BALANCE, "RUB") for i in ids], owner_id=USER.id)
    form = {"username": USER.username, "password": USER.password}
    async with httpx.AsyncClient(base_url=proxy.url(cfg), timeout=30) as client:
        reply = await client.post("/auth/token", data=form)
    reply.raise_for_status()
    return ids, {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def run(
    cfg: StackConfig, accounts: list[uuid.UUID], headers: dict[str, str], stop: asyncio.Event, rate: float = 50
) -> LoadReport:
    """Start a transfer every 1/`rate` s between two random `accounts` until `stop` is set; returns once every one
    started has its final answer."""
    report = LoadReport()
    rng = random.Random()
    # No limit: a request must never wait for a free connection in the client, which would look like a slow answer.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=50)
    timeout = httpx.Timeout(HUNG_AFTER_S + 3)
    async with httpx.AsyncClient(base_url=proxy.url(cfg), headers=headers, timeout=timeout, limits=limits) as client:
        sent: list[asyncio.Task[None]] = []
        next_at = time.monotonic()
        while not stop.is_set():
            sender, recipient = rng.sample(accounts, 2)
            body = {"to_account_id": str(recipient), "amount": f"{rng.randint(1, 500) / 100:.2f}", "currency": "RUB"}
            outcome = Outcome(key=str(uuid.uuid4()))
            report.outcomes.append(outcome)
            sent.append(asyncio.create_task(_transfer(client, f"/accounts/{sender}/transfers", body, outcome, report)))
            next_at += 1 / rate
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        await asyncio.gather(*sent)
    return report


async def _transfer(
    client: httpx.AsyncClient, path: str, body: dict[str, str], outcome: Outcome, report: LoadReport
) -> None:
    """Send until a final answer, with the same key every time, backing off between attempts (or as Retry-After
    says); gives up after RETRY_BUDGET_S."""
    give_up_at = time.monotonic() + RETRY_BUDGET_S
    for attempt in range(1000):
        status, wait = await _attempt(client, path, body, outcome)
        if status == 503:
            report.unavailable_at.append(time.monotonic())
        outcome.status = status
        if status not in RETRYABLE and status is not None:
            return
        backoff = wait if wait is not None else min(2.0, 0.1 * 2**attempt) * random.uniform(0.5, 1)
        if time.monotonic() + backoff > give_up_at:
            return
        outcome.failed_attempts += 1
        await asyncio.sleep(backoff)


async def _attempt(
    client: httpx.AsyncClient, path: str, body: dict[str, str], outcome: Outcome
) -> tuple[int | None, float | None]:
    """(status or None when no answer came, the wait the answer asked for)."""
    try:
        reply = await client.post(path, json=body, headers={"Idempotency-Key": outcome.key})
    except httpx.TransportError:  # refused, reset, timed out
        return None, None
    if reply.status_code == 201:
        outcome.transfer_id = reply.json()["transfer_id"]
    retry_after = reply.headers.get("Retry-After")
    return reply.status_code, min(float(retry_after), 2.0) if retry_after else None
