"""Compares PostgreSQL with ClickHouse per account and day once, prints what differs, and with --repair delivers the
missing events again; exits 1 when the stores differed. The Bank's server does the same every
BANK_RECONCILE_INTERVAL_S (bank/entrypoints/reconciliation_job.py)."""

import argparse
import asyncio
import sys

from bank.adapters.database import create_engine
from bank.bootstrap import reconciliation_sides
from bank.config import get_settings
from bank.entrypoints.reconciliation_job import ReconciliationJob
from kernel import logs


async def main(hours: int | None, settle_s: int | None, repair: bool) -> int:
    settings = get_settings()
    overrides = {"reconcile_lookback_hours": hours, "reconcile_settle_s": settle_s}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    engine = create_engine(settings)
    ledger, store = reconciliation_sides(settings, engine)
    try:
        report = await ReconciliationJob(settings, ledger, store).check(repair)
    finally:
        store.close()
        await engine.dispose()
    if report is None:
        print("reconciliation could not run (see the log)")
        return 2
    print(f"account-days compared: {report.checked}, differing: {len(report.mismatches)}")
    for m in report.mismatches:
        print(
            f"  {m.day} {m.account_id}: PostgreSQL {m.expected.count} / {m.expected.total}, "
            f"ClickHouse {m.stored.count} / {m.stored.total}"
        )
    for movement in report.missing:
        print(f"  missing: {movement.event_type} {movement.operation_id}")
    if report.redelivered:
        print(f"delivered again: {', '.join(map(str, report.redelivered))}")
    return 0 if report.consistent else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=int, help="how far back to compare (BANK_RECONCILE_LOOKBACK_HOURS)")
    parser.add_argument("--settle-s", type=int, help="leave out the last seconds (BANK_RECONCILE_SETTLE_S)")
    parser.add_argument("--repair", action="store_true", help="deliver the missing events again")
    arguments = parser.parse_args()
    logs.configure(get_settings().log_level, "bank")
    sys.exit(asyncio.run(main(arguments.hours, arguments.settle_s, arguments.repair)))
