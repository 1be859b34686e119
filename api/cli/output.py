"""Output helpers shared by the CLI commands: JSON lines for machines, rich tables and bars for people."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

__all__ = ["console", "err_console", "print_json", "print_json_lines", "progress_bar"]

# Wide enough for the tables when the output goes to a file or a CI log rather than a terminal.
console = Console(highlight=False, width=None if Console().is_terminal else 140)
err_console = Console(stderr=True, highlight=False)


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
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield _TaskHandle(progress, task)


class _TaskHandle:
    def __init__(self, progress: Progress, task: Any) -> None:
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
