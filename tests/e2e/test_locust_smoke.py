"""A short headless locust run of loadtests/locustfile.py against the session's gateway: every journey works."""

import os
import subprocess
import sys

from sqlalchemy.ext.asyncio import AsyncEngine

from stack.config import REPO_ROOT
from tests.accounts import create_accounts
from tests.users import MALLORY, TESTER


async def test_the_load_test_journeys_run_without_failures(
    gateway_url: str, engine: AsyncEngine, card_adapter_ready: None, analytics_service: object
) -> None:
    for owner in (TESTER, MALLORY):
        await create_accounts(engine, "1000.00", owner=owner.id)
    users = ",".join(f"{u.username}:{u.password}" for u in (TESTER, MALLORY))
    argv = [sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--headless", "-u", "4", "-r", "4"]
    argv += ["-t", "8s", "--host", gateway_url, "--only-summary", "--exit-code-on-error", "1"]
    env = {**os.environ, "WALLET_LOADTEST_USERS": users}
    done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = done.stdout + done.stderr
    for endpoint in ("/auth/token", "/accounts/[id]/balance", "/accounts/[id]/transfers", "/accounts/[id]/operations"):
        assert endpoint in summary, summary[-3000:]
