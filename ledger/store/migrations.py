"""Which stores this LiftLedger may open, and the recorded steps that upgrade an older one.

A store is created only on purpose (``liftledger init``, the demo): every other command opens what is at the URL
as it is, and refuses — with a typed :class:`~ledger.core.errors.StoreStateError` naming the URL — anything that is
not a LiftLedger store of this :data:`~ledger.store.tables.SCHEMA_VERSION` whose log is in the format this
LiftLedger writes (:data:`~ledger.tlog.leaf.LOG_FORMAT`). :func:`admit` makes that decision from a probe
(ledger/store/probe.py).

``liftledger migrate`` upgrades an older store one :class:`Step` at a time. Each step runs in one transaction
under the schema lock: its statements, the new ``schema_version`` in ``ledger_meta`` and a row in
``ledger_migrations`` — so a store is always at exactly one version, and its history says when it got there.

**Adding a step.** Change the tables in ledger/store/tables.py, bump ``SCHEMA_VERSION`` there, and append a
``Step(version=<new>, summary=…, statements=…)`` to :data:`STEPS` whose statements turn a store of the previous
version into one the new definitions describe (``ALTER TABLE … ADD COLUMN``, a backfill ``UPDATE``; the text uses
the ``{table}`` names of :class:`~ledger.store.tables.LedgerTables`). Where no upgrade in place is possible,
append a step with a ``refusal`` instead: ``migrate`` then stops there with ``store.outdated`` and the refusal's
text, and changes nothing.

**The log format** is checked before any step: a store whose log is in another format than
:data:`~ledger.tlog.leaf.LOG_FORMAT` is refused (``store.log_format``) by every command, ``migrate`` included —
a new leaf format changes every leaf hash, node and signed checkpoint, so no step can convert it in place (its
passports and proofs stay verifiable as history). A store that records no log format was written before formats
were recorded, by a format-1 LiftLedger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ledger.core.errors import StoreStateError
from ledger.store.dialect import Database, row_values
from ledger.store.probe import StoreProbe
from ledger.store.tables import MIGRATIONS_DDL, SCHEMA_VERSION, LedgerTables
from ledger.tlog.leaf import LOG_FORMAT

__all__ = ["STEPS", "OpenMode", "Step", "admit", "pending_steps", "run_steps", "schema_history", "stored_version"]

OpenMode = Literal["open", "create", "migrate"]


@dataclass(frozen=True)
class Step:
    """The upgrade of a store to schema ``version`` from the version before it."""

    version: int
    summary: str
    statements: Callable[[LedgerTables], Sequence[str]] = lambda _tables: ()  # ``{table}`` text, no parameters
    refusal: str = ""  # set: this upgrade cannot be made in place; says what to do instead


def _record_versions(_tables: LedgerTables) -> Sequence[str]:
    # A store that records no log format was written in format 1 (before formats were recorded).
    return (MIGRATIONS_DDL,
            "INSERT INTO {meta} (name, value) VALUES ('log_format', '1') ON CONFLICT (name) DO NOTHING")


STEPS: tuple[Step, ...] = (
    Step(1, "record the schema version and log format; keep the schema history (ledger_migrations)",
         _record_versions),
    # Log format 2 added ledger_index.recorded_at; a store that reaches this step is in format 2 already (one in
    # format 1 is refused before any step), so its tables have the column.
    Step(2, "recorded times in the log (log format 2: ledger_index.recorded_at, committed in each leaf)"),
)


def _where(probe: StoreProbe) -> str:
    return probe.url.display()


def admit(probe: StoreProbe, mode: OpenMode) -> bool:
    """Whether the store's tables must be created (``mode="create"`` on nothing); raises if it may not be opened.

    ``open`` wants a current store; ``create`` also accepts nothing (a missing file or schema, an empty one);
    ``migrate`` also accepts an older version of a LiftLedger store.
    """
    where = _where(probe)
    if probe.kind in ("missing", "empty"):
        if mode == "create":
            return True
        what = "nothing" if probe.kind == "missing" else "no tables"
        raise StoreStateError(
            f"no LiftLedger store at {where} (it holds {what}); create one with liftledger init --store URL",
            code=f"store.{probe.kind}", url=where)
    if probe.kind == "foreign":
        shown = ", ".join(probe.tables[:5]) + (", …" if len(probe.tables) > 5 else "")
        raise StoreStateError(
            f"{where} is not a LiftLedger store: it holds {len(probe.tables)} other table(s) ({shown}); "
            "nothing was changed — give a new file or an empty schema (?schema=NAME)",
            code="store.foreign", url=where)
    if probe.log_format != LOG_FORMAT:
        raise StoreStateError(
            f"{where} holds a log in format {probe.meta.get('log_format', '1')}; this LiftLedger writes log format "
            f"{LOG_FORMAT} and cannot append to it or upgrade it in place (its passports and proofs still verify)",
            code="store.log_format", url=where, log_format=probe.meta.get("log_format", "1"))
    version = probe.schema_version
    if version < 0 or version > SCHEMA_VERSION:
        raise StoreStateError(
            f"{where} has schema version {probe.meta.get('schema_version')!r}; this LiftLedger knows versions up to "
            f"{SCHEMA_VERSION}: use a newer LiftLedger", code="store.newer", url=where)
    if mode == "migrate":
        return False
    if version < SCHEMA_VERSION:
        raise StoreStateError(
            f"{where} has schema version {version}; this LiftLedger uses {SCHEMA_VERSION}: upgrade it with "
            "liftledger migrate --store URL", code="store.outdated", url=where)
    return False


def pending_steps(version: int) -> list[Step]:
    """The steps that take a store at ``version`` to :data:`SCHEMA_VERSION`, in order."""
    return [step for step in STEPS if step.version > version]


def stored_version(db: Database, tables: LedgerTables) -> int:
    rows = db.read(tables.format("SELECT value FROM {meta} WHERE name = 'schema_version'"))
    return int(rows[0][0]) if rows else 0


def run_steps(db: Database, tables: LedgerTables, where: str, *, now: int) -> list[Step]:
    """Apply every pending step, one transaction each; returns those applied (none when already current).

    The version is read again inside each step's transaction, under the schema lock, so two ``migrate`` runs at
    once apply each step once. A step with a refusal stops the run with ``store.outdated``; the steps before it
    stay applied (each left the store at a consistent version).
    """
    applied: list[Step] = []
    for step in pending_steps(stored_version(db, tables)):
        if step.refusal:
            raise StoreStateError(
                f"{where} cannot be upgraded to schema version {step.version} in place: {step.refusal}",
                code="store.outdated", url=where)
        with db.schema_transaction() as cursor:
            cursor.execute(tables.sql("SELECT value FROM {meta} WHERE name = 'schema_version'"))
            row = cursor.fetchone()
            current = int(row_values(row)[0]) if row is not None else 0
            if current >= step.version:
                continue
            for statement in step.statements(tables):
                cursor.execute(tables.sql(statement))
            cursor.execute(tables.sql(
                "INSERT INTO {meta} (name, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value"), (str(step.version),))
            cursor.execute(tables.sql("INSERT INTO {migrations} (version, summary, applied_at) VALUES (?, ?, ?)"),
                           (step.version, step.summary, now))
        applied.append(step)
    return applied


def schema_history(db: Database, tables: LedgerTables) -> list[tuple[int, str, int]]:
    """(version, summary, applied_at) of every recorded step, oldest first."""
    rows = db.read(tables.format("SELECT version, summary, applied_at FROM {migrations} ORDER BY version"))
    return [(int(v), str(s), int(at)) for v, s, at in rows]

