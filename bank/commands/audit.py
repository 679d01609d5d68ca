"""Checks the ledger's invariants over the whole Bank database (bank/adapters/ledger_audit.py), prints what it
found, and exits 1 when any invariant is broken: `make audit`."""

import asyncio
import sys

from bank.adapters.database import create_engine
from bank.adapters.ledger_audit import audit
from bank.config import get_settings


async def main() -> int:
    engine = create_engine(get_settings())
    try:
        report = await audit(engine)
    finally:
        await engine.dispose()
    print(f"accounts: {report.accounts}, entries: {report.entries}")
    for finding in report.findings:
        print(f"{finding.check}: {finding.count}")
        for line in finding.sample:
            print(f"  {line}")
    print("ledger balanced" if report.clean else "ledger NOT balanced")
    return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
