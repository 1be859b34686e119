"""The eventsourcing application that holds every stream, and the store facade the service layer uses."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Mapper, ProcessRecorder
from eventsourcing.utils import get_topic

from ledger.core.errors import ConfigurationError, StoreIOError
from ledger.core.submission import StreamKey
from ledger.store.dialect import Database, Dialect
from ledger.store.faults import STORE_FAILURES, store_failure
from ledger.store.interfaces import (
    AuditReader,
    CheckpointStore,
    ConsumerState,
    ElevatorDirectory,
    EventReader,
    MerkleLogReader,
)
from ledger.store.migrations import OpenMode, Step, admit, run_steps, schema_history
from ledger.store.probe import StoreProbe, probe_store
from ledger.store.readers import AuditRanges, CheckpointTable, ConsumerTables, ElevatorIndex, EventIndex, MerkleTable
from ledger.store.recorders import LedgerPostgresRecorder, LedgerSQLiteRecorder
from ledger.store.rows import IndexRow, LedgerBatch
from ledger.store.stream import RecordMapper, Stream, project_stream
from ledger.store.url import StoreURL, parse_store_url

__all__ = ["LedgerApplication", "Store"]


class LedgerApplication(Application[UUID]):
    """One stream per elevator and per organization; the global notification log is the ledger's order."""

    name = "LiftLedger"

    def construct_mapper(self) -> Mapper[UUID]:
        return RecordMapper()

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()


class Store:
    """The ledger's storage: the eventsourcing application plus the ledger tables, behind one URL.

    Besides loading and saving streams it offers each kind of reader its own narrow interface
    (ledger/store/interfaces.py): ``index`` (events and streams), ``elevators`` (which elevators relate to whom),
    ``tree`` (the Merkle log), ``checkpoints``, ``consumers`` (Kafka offsets and the dead-letter outbox) and
    ``audit`` (the verifier's raw ranges). ``database`` runs other SQL in the same database (projection views,
    API tokens) through the same dialect shim.

    A store is created only on purpose. ``mode="open"`` (the default) opens what is at the URL and refuses —
    with a typed ``StoreStateError`` naming the URL — nothing, an empty file or schema, somebody else's tables,
    or a LiftLedger store of another schema version or log format (ledger/store/migrations.py). ``"create"``
    also creates the tables where there is nothing (``liftledger init``, the demo); ``"migrate"`` also opens an
    older store, for :meth:`migrate`. A failure to reach or read the store is a typed ``StoreIOError``.
    """

    def __init__(self, url: str | StoreURL | None = None, *, cache_size: int = 20_000,
                 mode: OpenMode = "open") -> None:
        self.url = url if isinstance(url, StoreURL) else parse_store_url(url)
        self.probe: StoreProbe = probe_store(self.url)
        create = admit(self.probe, mode)
        if create:
            self._prepare_location()
        try:
            self.app = self._application(create, cache_size)
        except STORE_FAILURES as e:
            if not create:
                raise _typed(e, self.url) from None
            # Another process may have created the store meanwhile (eventsourcing's SQLite DDL is not safe to run
            # twice at once): if a whole store is there now, open it as it is.
            self.probe = probe_store(self.url)
            if self.probe.kind != "ledger":
                raise _typed(e, self.url) from None
            admit(self.probe, "open")
            try:
                self.app = self._application(False, cache_size)
            except STORE_FAILURES as again:
                raise _typed(again, self.url) from None
        found = self.app.recorder
        if not isinstance(found, LedgerSQLiteRecorder | LedgerPostgresRecorder):
            raise ConfigurationError(f"the store's recorder is a {type(found).__name__}, not a ledger recorder")
        tables = found.tables
        self._tables = tables
        self.events_table = tables.names["events"]  # eventsourcing's events table, as SQL names it
        self.database = Database(found.datastore, tables.dialect)
        self.index: EventReader = EventIndex(self.database, tables)
        self.elevators: ElevatorDirectory = ElevatorIndex(self.database, tables)
        self.tree: MerkleLogReader = MerkleTable(self.database, tables)
        self.checkpoints: CheckpointStore = CheckpointTable(self.database, tables)
        self.consumers: ConsumerState = ConsumerTables(self.database, tables)
        self.audit: AuditReader = AuditRanges(self.database, tables)

    def _application(self, create: bool, cache_size: int) -> LedgerApplication:
        recorder = LedgerSQLiteRecorder if self.url.kind == "sqlite" else LedgerPostgresRecorder
        return LedgerApplication(env={
            **self.url.eventsourcing_env(),
            "CREATE_TABLE": "y" if create else "n",  # the tables of an existing store are never re-created
            "PROCESS_RECORDER_TOPIC": get_topic(recorder),
            "AGGREGATE_CACHE_MAXSIZE": str(cache_size),
            # Decisions run on the cached aggregate itself; a failed save evicts it (see evict()).
            "AGGREGATE_CACHE_FASTFORWARD": "n",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
            "IS_SNAPSHOTTING_ENABLED": "n",
        })

    @property
    def dialect(self) -> Dialect:
        return self.database.dialect

    def _prepare_location(self) -> None:
        """Make sure the tables can be created where the URL points: the SQLite file's directory must exist (it is
        never made: a mistyped path should fail, not grow directories); a PostgreSQL schema is created."""
        if self.url.kind == "sqlite":
            directory = Path(self.url.path).parent
            if not directory.is_dir():
                raise StoreIOError(f"cannot create a store at {self.url.display()}: directory {directory} does not "
                                   "exist", code="store.io", url=self.url.display())
            return

        url = self.url
        try:
            with psycopg.connect(host=url.host, port=url.port, user=url.user or None, password=url.password or None,
                                 dbname=url.dbname, connect_timeout=10, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{url.schema}"')
        except psycopg.Error as e:
            raise _typed(e, url) from None

    # --- schema ----------------------------------------------------------------------------------------------

    def migrate(self) -> list[Step]:
        """Upgrade the store to this LiftLedger's schema version (open it with ``mode="migrate"``); returns the
        steps applied, none when it was current."""
        return run_steps(self.database, self._tables, self.url.display(), now=int(time.time()))

    def schema_history(self) -> list[tuple[int, str, int]]:
        """(version, summary, applied_at) of the store's creation and every upgrade since, oldest first."""
        return schema_history(self.database, self._tables)

    def is_empty(self) -> bool:
        """True while the store holds no event (created, but nothing appended yet)."""
        return self.audit.max_event_position() == 0

    # --- streams ---------------------------------------------------------------------------------------------

    def load(self, key: StreamKey) -> Stream | None:
        """The stream's aggregate (from the cache when warm), or None if it has no events."""
        try:
            stream: Stream = self.app.repository.get(key.id, projector_func=project_stream)
        except AggregateNotFoundError:
            return None
        return stream

    def save(self, events: Sequence[Stream.Event], streams: Sequence[Stream], batch: LedgerBatch) -> None:
        """Append ``events`` in the order given (the order they were decided) with the batch's ledger rows.

        ``Application.save(*aggregates)`` would group events by aggregate; the ledger's global order is the order
        of decision, so the events go straight to the event store (which also skips ``save``'s runtime-Protocol
        ``isinstance`` check, ~15 µs per event). Afterwards the aggregates' pending lists are cleared and the
        aggregates cached, as ``Application.save`` would have done.
        """
        self.app.events.put(events, ledger_batch=batch)
        cache = self.app.repository.cache
        for stream in streams:
            stream.collect_events()
            if cache is not None:
                cache.put(stream.id, stream)

    def evict(self, stream_ids: Sequence[UUID]) -> None:
        """Drop cached aggregates whose in-memory state got ahead of the store (a failed save)."""
        cache = self.app.repository.cache
        if cache is None:
            return
        for stream_id in stream_ids:
            with contextlib.suppress(KeyError):
                cache.get(stream_id, evict=True)

    # --- reads -----------------------------------------------------------------------------------------------

    def lookup_events(self, event_ids: Sequence[str]) -> dict[str, IndexRow]:
        return self.index.lookup_events(event_ids)

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _typed(error: BaseException, url: StoreURL) -> BaseException:
    """The typed store error for a driver's failure (the failure itself if it is not one)."""
    return store_failure(error, url) or error
