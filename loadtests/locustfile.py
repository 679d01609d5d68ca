"""Realistic user journeys against a running Wallet (`make loadtest`, or `locust -f loadtests/locustfile.py`).

Each simulated user logs in as one of WALLET_LOADTEST_USERS ("name:password,..."; the demo users by default), then,
weighted like real traffic: checks its balance, reads its history and follows a cursor or two, transfers to another
user's account (with an Idempotency-Key, now and then retried with the same key), and tops up with test cards."""

import os
import random
import uuid

import gevent
from locust import HttpUser, between, events, task

USERS = [pair.split(":", 1) for pair in os.environ.get(
    "WALLET_LOADTEST_USERS", "alice:alice-password,bob:bob-password"
).split(",")]  # fmt: skip
CARDS = ["4242 4242 4242 4242"] * 8 + ["5555 5555 5555 4444", "4000 0000 0000 0002"]  # mostly approved
# Every account the simulated users own, so that each can pay another.
ACCOUNTS: set[str] = set()


class WalletUser(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        username, password = random.choice(USERS)
        with self.client.post(
            "/auth/token", data={"username": username, "password": password}, name="/auth/token", catch_response=True
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"login refused: {reply.status_code} {reply.text[:200]}")
                self.stop()
                return
        self.client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        me = self.client.get("/me", name="/me").json()
        self.accounts = [a["account_id"] for a in me["accounts"]]
        ACCOUNTS.update(self.accounts)

    @task(10)
    def check_balance(self) -> None:
        self.client.get(f"/accounts/{random.choice(self.accounts)}/balance", name="/accounts/[id]/balance")

    @task(5)
    def read_history(self) -> None:
        account = random.choice(self.accounts)
        params: dict[str, str | int] = {"limit": 20}
        for _ in range(random.randint(1, 3)):
            page = self.client.get(f"/accounts/{account}/operations", params=params, name="/accounts/[id]/operations")
            cursor = page.json().get("next_cursor") if page.status_code == 200 else None
            if not cursor:
                break
            params["cursor"] = cursor

    @task(4)
    def transfer(self) -> None:
        sender = random.choice(self.accounts)
        recipients = sorted(ACCOUNTS - {sender})
        if not recipients:
            return
        body = {"to_account_id": random.choice(recipients), "amount": f"{random.randint(1, 500) / 100:.2f}",
                "currency": "RUB", "description": "load test"}  # fmt: skip
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        for _ in range(2 if random.random() < 0.1 else 1):  # a client retrying after a lost answer
            with self.client.post(
                f"/accounts/{sender}/transfers", json=body, headers=headers,
                name="/accounts/[id]/transfers", catch_response=True,
            ) as reply:  # fmt: skip
                if reply.status_code == 400 and reply.json().get("code") == "insufficient_funds":
                    reply.success()  # a rule, not a failure of the system

    @task(1)
    def top_up(self) -> None:
        account = random.choice(self.accounts)
        card = {"number": random.choice(CARDS), "exp_month": 12, "exp_year": 2030, "cvc": "123",
                "holder_name": "LOAD TEST"}  # fmt: skip
        body = {"amount": f"{random.randint(100, 5000) / 100:.2f}", "currency": "RUB", "card": card}
        with self.client.post(
            f"/accounts/{account}/topup", json=body, headers={"Idempotency-Key": str(uuid.uuid4())},
            name="/accounts/[id]/topup", catch_response=True,
        ) as reply:  # fmt: skip
            if reply.status_code in (201, 202):
                reply.success()  # completed, declined (a test card's outcome) or still settling


@events.quitting.add_listener
def _percentiles(environment, **_: object) -> None:
    """Print p50/p95/p99 and failures per endpoint at the end of a headless run."""
    print(f"\n{'endpoint':44} {'requests':>9} {'fail':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
    for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name):
        print(
            f"{entry.method + ' ' + entry.name:44} {entry.num_requests:9} {entry.num_failures:6} "
            f"{entry.get_response_time_percentile(0.5):7.0f} {entry.get_response_time_percentile(0.95):7.0f} "
            f"{entry.get_response_time_percentile(0.99):7.0f}"
        )


@events.init.add_listener
def _fresh_loop_clock(**_: object) -> None:
    """gevent's timers count from its loop's cached clock, read before the imports (seconds of them on a loaded
    machine): without a fresh read, a `-t 8s` run ended after 1–2 s with no request made."""
    gevent.get_hub().loop.update_now()
