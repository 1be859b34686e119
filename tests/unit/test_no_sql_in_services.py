"""The HTTP services ask the store and the projections through their interfaces: no SQL of their own.

import-linter (pyproject [tool.importlinter]) cannot see SQL inside strings, so this reads the services' syntax
trees: no string that is an SQL statement, no ``execute`` call, no import of a database driver or the SQL shim.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).parents[2] / "api" / "http" / "services"

# Statements, in capitals as the code base writes SQL; prose in lower case ("select an elevator") is not caught.
STATEMENT = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE\s+FROM\b|\bJOIN\b[\s\S]*\bON\b"
    r"|\b(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|SCHEMA)\b|\bWHERE\s+\S+\s*(?:=|IN\b|>|<|LIKE\b|IS\b)"
)
EXECUTING = {"execute", "executemany", "executescript"}
DRIVERS = ("sqlite3", "psycopg", "psycopg_pool", "eventsourcing", "api.http.sql")


def sql_in(source: str, name: str) -> list[str]:
    """Where ``source`` holds SQL: ``name:line: what``."""
    tree = ast.parse(source, name)
    in_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, joined
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if STATEMENT.search(text):
                found.append(f"{name}:{node.lineno}: SQL text {text[:60]!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstrings:
            if STATEMENT.search(node.value):
                found.append(f"{name}:{node.lineno}: SQL text {node.value[:60]!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTING:
            found.append(f"{name}:{node.lineno}: .{node.func.attr}(…)")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{name}:{node.lineno}: imports {m}" for m in modules if m.startswith(DRIVERS)]
    return found


@pytest.mark.parametrize("source", [
    'rows = db.query(f"SELECT i.type FROM {table} i WHERE i.stream_key = ?", (code,))',
    'q = ("SELECT stream_key "\n     "FROM ledger_index")',
    'cursor.execute(statement)',
    'db.run("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?")',
    'DDL = "CREATE TABLE t (a INTEGER)"',
    'from api.http.sql import StoreSQL',
    'import sqlite3',
])
def test_the_scan_finds_sql(source: str) -> None:
    assert sql_in(source, "example.py")


@pytest.mark.parametrize("source", [
    '"""Select the elevators a principal may see, where the relation says so."""',
    'rows = store.index.stream_rows(code)',
    'message = f"no events for {code}"',
    'from ledger.store import Store',
])
def test_the_scan_lets_interfaces_and_prose_pass(source: str) -> None:
    assert sql_in(source, "example.py") == []


def test_services_contain_no_sql() -> None:
    files = sorted(SERVICES.rglob("*.py"))
    assert files, f"no services under {SERVICES}"
    root = SERVICES.parents[2]
    found = [hit for path in files for hit in sql_in(path.read_text(encoding="utf-8"), str(path.relative_to(root)))]
    assert found == []
