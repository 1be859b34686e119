"""Orchestration of the demo: a work directory, a store, timed sections, a summary."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ledger.store import Store, StoreURL

__all__ = ["DemoRun", "Section", "copy_sqlite", "run_demo"]


def copy_sqlite(source: str | Path, target: Path) -> Path:
    """A consistent copy of a live SQLite store (its WAL included), via SQLite's online backup."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@dataclass
class DemoRun:
    """What the sections share: where files go, the store, the console, and whether everything went right."""

    workdir: Path
    url: StoreURL
    store: Store
    console: Console
    ok: bool = True
    notes: dict[str, str] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def section(self, title: str) -> Iterator[None]:
        self.console.rule(f"[bold]{title}")
        started = time.perf_counter()
        yield
        self.timings.append((title, time.perf_counter() - started))

    def check(self, condition: bool, success: str, failure: str) -> None:
        """Print how a check came out; a failed check makes the demo exit 1."""
        self.ok &= condition
        self.console.print(f"[green]✓[/green] {success}" if condition else f"[red]✗ {failure}[/red]")


Section = Callable[[DemoRun], None]


def run_demo(workdir: Path, url: StoreURL, sections: list[Section], console: Console) -> bool:
    with Store(url, mode="create") as store:
        if store.index.max_position() > 0:
            console.print(f"[red]the demo needs an empty store; {url.display()} holds a ledger[/red]")
            return False
        demo = DemoRun(workdir, url, store, console)
        console.print(f"LiftLedger demo — store {url.display()}, files in {workdir}")
        for section in sections:
            section(demo)
        _print_timings(demo)
        return demo.ok


def _print_timings(demo: DemoRun) -> None:
    table = Table(title="How long each stage took", show_edge=False)
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for title, seconds in demo.timings:
        table.add_row(title, f"{seconds:.2f}")
    table.add_row("total", f"{sum(s for _, s in demo.timings):.2f}")
    demo.console.print(table)
