"""The ledger's invariants checked over the whole database, in one snapshot (bank.domain.ledger): every account's
balance is the sum of its entries, every movement's entries and every currency's sum to zero, every transfer and
deposit has its entries, and every account's held amount is the sum of its open holds."""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kernel.postgres import snapshot

SAMPLE = 20  # findings listed per check; the counts are exact

CHECKS = {
    "balance differs from its entries": """
        SELECT a.id::text || ' (' || a.kind || '): balance ' || a.balance || ', entries ' || coalesce(e.total, 0)
        FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM entries GROUP BY account_id) e
             ON e.account_id = a.id
        WHERE a.balance <> coalesce(e.total, 0)
    """,
    "currency's entries do not sum to zero": """
        SELECT currency || ': ' || sum(amount) FROM entries GROUP BY currency HAVING sum(amount) <> 0
    """,
    "movement's entries do not sum to zero": """
        SELECT movement_type || ' ' || movement_id || ': ' || sum(amount) FROM entries
        GROUP BY movement_type, movement_id HAVING sum(amount) <> 0 OR count(DISTINCT currency) > 1
    """,
    "movement without its entries": """
        SELECT 'transfer ' || t.id FROM transfers t
        WHERE (SELECT count(*) FROM entries e WHERE e.movement_id = t.id) <> 2
        UNION ALL
        SELECT 'deposit ' || d.id FROM deposits d
        WHERE (SELECT count(*) FROM entries e WHERE e.movement_id = d.id) <> 2
    """,
    "held amount differs from its open holds": """
        SELECT a.id::text || ': held ' || a.held || ', open holds ' || coalesce(h.total, 0)
        FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM holds WHERE status = 'placed'
                                   GROUP BY account_id) h ON h.account_id = a.id
        WHERE a.held <> coalesce(h.total, 0)
    """,
    "customer's available balance below zero": """
        SELECT id::text || ': balance ' || balance || ', held ' || held FROM accounts
        WHERE kind = 'customer' AND balance - held < 0
    """,
}


@dataclass
class Finding:
    check: str
    count: int
    sample: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuditReport:
    accounts: int
    entries: int
    findings: list[Finding]

    @property
    def clean(self) -> bool:
        return not self.findings


async def audit(engine: AsyncEngine) -> AuditReport:
    """Every check in one REPEATABLE READ snapshot, so that movements committed meanwhile cannot look half-done."""
    async with snapshot(engine) as connection:
        return await audit_on(connection)


async def audit_on(connection: AsyncConnection) -> AuditReport:
    """The checks on `connection`, in whatever transaction it is in (a test's, to see its own writes)."""
    findings = []
    for check, query in CHECKS.items():
        rows = [row[0] for row in await connection.execute(text(query))]
        if rows:
            findings.append(Finding(check, len(rows), rows[:SAMPLE]))
    accounts, entries = (
        await connection.execute(text("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM entries)"))
    ).one()
    return AuditReport(accounts, entries, findings)
