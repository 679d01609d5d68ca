"""SQL stays parameterized: no statement in service code is built from strings, found by reading the syntax tree."""

import ast
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from clickhouse_connect.driver.binding import bind_query

from analytics.adapters.clickhouse_operations import history_sql
from analytics.adapters.history_windows import Newest, Since
from analytics.domain.history import HistoryFilter, OperationType, Position

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bank", "card_adapter", "analytics", "kernel", "gateway", "stack")
# Calls whose first argument is SQL text: SQLAlchemy text()/execute()/exec_driver_sql(), alembic op.execute(),
# asyncpg, clickhouse-connect query()/command().
SQL_CALLS = {
    "text",
    "execute",
    "executemany",
    "exec_driver_sql",
    "fetch",
    "fetchrow",
    "fetchval",
    "query",
    "command",
    "query_df",
    "query_np",
    "query_arrow",
    "raw_query",
}
SQL_KEYWORDS = {"sql", "query", "statement", "cmd"}
FORMATTING_METHODS = {"format", "format_map", "substitute", "safe_substitute", "join"}
# A string built anywhere whose text starts like a statement is SQL too, wherever it is executed.
SQL_START = re.compile(
    r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|SET|WITH|DO|COPY|DETACH|ATTACH"
    r"|OPTIMIZE|RENAME|SYSTEM|EXPLAIN|SHOW)\s"
)

# (file, function) -> why SQL may be built there. Only identifiers and constants, never a value from a request.
ALLOWED = {
    # CREATE ROLE / CREATE DATABASE take no bind parameters; the names and password are the stack's settings.
    ("stack/postgres.py", "_create_app_role"): "role and database DDL from settings",
    # DETACH/ATTACH TABLE name a table, and identifiers cannot be bound; the database name is a setting.
    ("analytics/commands/skip_malformed.py", "skip_malformed"): "table identifier from settings",
    # DROP TABLE names a retired Kafka table and its views: constants, in the database the settings name.
    ("analytics/commands/schema.py", "retire_queues"): "table identifiers from constants and settings",
    # Joins constant condition fragments; every value goes through clickhouse-connect's parameters=
    # (test_history_values_are_bound_client_side below).
    ("analytics/adapters/clickhouse_operations.py", "history_sql"): "constant fragments, values bound",
    # The period's expression and the column list are constants chosen by an enum; values go through parameters=.
    ("analytics/adapters/account_analytics_sql.py", "summary_sql"): "constant fragments, values bound",
    ("analytics/adapters/account_analytics_sql.py", "counterparties_sql"): "constant fragments, values bound",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    what: str = field(compare=False)  # one finding a line, however many rules it breaks

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.function}): {self.what}"


def _kind(node: ast.expr) -> str | None:
    """How a str expression is assembled at run time, or None when it is not."""
    if isinstance(node, ast.JoinedStr):
        return "an f-string" if any(isinstance(v, ast.FormattedValue) for v in node.values) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _stringy(node.left):
        return "% formatting"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and (_stringy(node.left) or _stringy(node.right)):
        return "concatenation"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FORMATTING_METHODS:
        return f".{node.func.attr}()"
    return None


def _stringy(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _head(node: ast.expr) -> str:
    """The literal text a built string starts with."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _head(node.values[0])
    if isinstance(node, ast.BinOp):
        return _head(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _head(node.func.value)
    return ""


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _sql_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in SQL_KEYWORDS), None)


class Scanner(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.scopes: list[ast.AST] = []
        self.names: list[str] = []
        self.findings: set[Finding] = set()

    def scan(self, tree: ast.Module) -> set[Finding]:
        self.scopes, self.names = [tree], ["<module>"]
        self.visit(tree)
        return self.findings

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(node)
        self.names.append(node.name)
        self.generic_visit(node)
        self.scopes.pop()
        self.names.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        argument = _sql_argument(node) if _call_name(node) in SQL_CALLS else None
        if argument is not None:
            kind = _kind(argument)
            if kind:
                self._report(argument, f"SQL built with {kind} passed to {_call_name(node)}()")
            elif isinstance(argument, ast.Name):
                self._trace(argument.id, _call_name(node))
        self._check_literal(node)
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._check_literal(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._check_literal(node)
        self.generic_visit(node)

    def _check_literal(self, node: ast.expr) -> None:
        kind = _kind(node)
        if kind and SQL_START.match(_head(node)):
            self._report(node, f"SQL statement built with {kind}")

    def _trace(self, name: str, call: str | None) -> None:
        """A variable handed to an SQL call: was it assembled in the same function?"""
        for node in ast.walk(self.scopes[-1]):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                value: ast.expr | None = node.value
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
                value = node.value if node.target.id == name else None
                if isinstance(node, ast.AugAssign) and value is not None:
                    value = ast.BinOp(left=ast.Constant(""), op=node.op, right=value)
            else:
                continue
            if value is not None and (kind := _kind(value)):
                self._report(node, f"SQL built with {kind} into `{name}`, passed to {call}()")

    def _report(self, node: ast.AST, what: str) -> None:
        self.findings.add(Finding(self.path, getattr(node, "lineno", 0), self.names[-1], what))


def scan_source(source: str, path: str = "<source>") -> set[Finding]:
    return Scanner(path).scan(ast.parse(source))


def service_sources() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "generated" not in path.relative_to(ROOT).parts
    )


def test_no_sql_is_built_from_strings_in_service_code() -> None:
    findings = set()
    for path in service_sources():
        findings |= scan_source(path.read_text(), path.relative_to(ROOT).as_posix())
    unexpected = sorted((f for f in findings if (f.path, f.function) not in ALLOWED), key=str)
    assert not unexpected, "SQL built from strings; bind values as parameters:\n" + "\n".join(map(str, unexpected))
    stale = set(ALLOWED) - {(f.path, f.function) for f in findings}
    assert not stale, f"allow-list entries that no longer match anything, remove them: {sorted(stale)}"


def test_the_scanner_finds_each_way_of_building_sql() -> None:
    source = """
conn.execute(text(f"SET LOCAL lock_timeout = {ms}"))
client.query("SELECT * FROM t WHERE id = '%s'" % ident)
client.command("DROP TABLE {}".format(name))
cursor.execute("DELETE FROM t WHERE id = " + ident)
statement = f"UPDATE t SET a = {value}"
def traced(ident):
    sql = "SELECT * FROM t WHERE id = " + ident
    sql += " AND b = " + ident
    return client.query(sql)
op.execute(sql=Template("GRANT $what").substitute(what=ident))
"""
    lines = {f.line for f in scan_source(source)}
    assert lines == {2, 3, 4, 5, 6, 8, 9, 11}


def test_the_scanner_lets_bound_parameters_and_other_strings_through() -> None:
    source = """
conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": str(ms)})
client.query("SELECT * FROM t WHERE id = %(id)s", parameters={"id": ident})
conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{scope}:{key}", 0))))
log.info(f"selected {count} rows for {account}")
raise InvalidRequest(f"description is longer than {MAX} characters")
message = "Set " + name
"""
    assert scan_source(source) == set()


def test_history_values_are_bound_client_side() -> None:
    """ClickHouse 18.16 has no server-side parameters: clickhouse-connect must bind %(name)s itself, escaped."""
    account, event = uuid.uuid4(), uuid.uuid4()
    history = HistoryFilter(account, frozenset([OperationType.TOPUP]), 1_700_000_000_000_001, 1_800_000_000_000_002)
    for window in (None, Since(1_750_000_000_000_003, 1_000_000), Newest(102)):
        sql, parameters = history_sql(history, Position(1_750_000_000_000_003, event), 51, window)
        for value in (str(account), str(event), "1700000000000001", "1800000000000002", "1750000000000003", "topup"):
            assert value not in sql
        bound, server_parameters = bind_query(sql, parameters)
        assert server_parameters == {}
        assert f"toUUID('{account}')" in str(bound) and "IN ('topup')" in str(bound)
