"""Output helpers shared by the CLI commands: JSON lines for machines, rich tables and bars for people.

rich is imported only when a command prints for people: JSON output, errors and ``--help`` go without it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from ledger.core.errors import LedgerError

__all__ = ["console", "describe_error", "emit", "error_json", "key_values", "print_error", "print_json",
           "print_json_lines", "progress_bar"]


@cache
def console() -> Console:
    """The console on stdout for tables and summaries."""
    from rich.console import Console

    # Wide enough for the tables when the output goes to a file or a CI log rather than a terminal.
    return Console(highlight=False, width=None if Console().is_terminal else 140)


def describe_error(error: LedgerError) -> str:
    """``code: message (at path)``: a schema error names the JSON path of the field it is about."""
    path = getattr(error, "path", "") or error.details.get("path", "")
    return f"{error.code}: {error.message}" + (f" (at {path})" if path else "")


def print_error(text: str) -> None:
    """One line on stderr, as is (no markup: a message may well contain brackets)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def emit(args: Any, data: Any, text: Any = None) -> None:
    """One answer, by the --json convention (docs/CLI.md): ``data`` as one JSON document with ``--json``; else
    ``text`` for people (a string or a rich renderable), or ``data`` as aligned ``name  value`` lines."""
    if getattr(args, "json", False):
        print_json(data)
    elif text is None:
        sys.stdout.write(key_values(data))
        sys.stdout.flush()
    elif isinstance(text, str):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    else:
        console().print(text)


def key_values(data: Any) -> str:
    """A JSON object as ``name  value`` lines, nested values in compact JSON (plain text: no rich needed)."""
    if not isinstance(data, dict):
        return orjson.dumps(data).decode() + "\n"
    width = max((len(str(k)) for k in data), default=0)
    lines = []
    for name, value in data.items():
        shown = value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
        lines.append(f"{str(name).replace('_', ' '):<{width}}  {shown}")
    return "\n".join(lines) + "\n"


def error_json(error: LedgerError) -> str:
    """The error as the HTTP API's body: ``{"error": {"code", "message", "details"?}}``."""
    return orjson.dumps({"error": error.to_dict()}).decode()


def print_json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")
    sys.stdout.buffer.flush()


def print_json_lines(values: Iterable[Any]) -> None:
    out = sys.stdout.buffer
    for value in values:
        out.write(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS) + b"\n")
    out.flush()


@contextmanager
def progress_bar(description: str, total: int | None, *, enabled: bool = True) -> Iterator[Any]:
    """A progress bar on stderr; ``advance(n)`` / ``update(completed=n)`` on the yielded handle."""
    if not enabled:
        yield _NullProgress()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True, highlight=False), transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield _TaskHandle(progress, task)


class _TaskHandle:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task = progress, task

    def advance(self, amount: int) -> None:
        self.progress.advance(self.task, amount)

    def update(self, *, completed: int, total: int | None = None) -> None:
        self.progress.update(self.task, completed=completed, total=total)


class _NullProgress:
    def advance(self, amount: int) -> None:
        return None

    def update(self, *, completed: int, total: int | None = None) -> None:
        return None
