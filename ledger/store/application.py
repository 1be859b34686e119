"""The eventsourcing application that holds every stream, and the store facade the service layer uses."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError as StoreIntegrityError
from eventsourcing.persistence import Mapper, ProcessRecorder
from eventsourcing.utils import get_topic

from ledger.core.errors import ConfigurationError, ConflictError
from ledger.core.submission import StreamKey
from ledger.store.dialect import Database, Dialect
from ledger.store.interfaces import (
    AuditReader,
    CheckpointStore,
    ConsumerState,
    ElevatorDirectory,
    EventReader,
    MerkleLogReader,
)
from ledger.store.readers import AuditRanges, CheckpointTable, ConsumerTables, ElevatorIndex, EventIndex, MerkleTable
from ledger.store.recorders import LedgerPostgresRecorder, LedgerSQLiteRecorder
from ledger.store.rows import IndexRow, LedgerBatch
from ledger.store.stream import RecordMapper, Stream, project_stream
from ledger.store.url import StoreURL, parse_store_url
from ledger.tlog.leaf import LOG_FORMAT

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
    """

    def __init__(self, url: str | StoreURL | None = None, *, cache_size: int = 20_000) -> None:
        self.url = url if isinstance(url, StoreURL) else parse_store_url(url)
        recorder = LedgerSQLiteRecorder if self.url.kind == "sqlite" else LedgerPostgresRecorder
        env = {
            **self.url.eventsourcing_env(),
            "PROCESS_RECORDER_TOPIC": get_topic(recorder),
            "AGGREGATE_CACHE_MAXSIZE": str(cache_size),
            # Decisions run on the cached aggregate itself; a failed save evicts it (see evict()).
            "AGGREGATE_CACHE_FASTFORWARD": "n",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
            "IS_SNAPSHOTTING_ENABLED": "n",
        }
        self.app = LedgerApplication(env=env)
        found = self.app.recorder
        if not isinstance(found, LedgerSQLiteRecorder | LedgerPostgresRecorder):
            raise ConfigurationError(f"the store's recorder is a {type(found).__name__}, not a ledger recorder")
        tables = found.tables
        self.events_table = tables.names["events"]  # eventsourcing's events table, as SQL names it
        self.database = Database(found.datastore, tables.dialect)
        self.index: EventReader = EventIndex(self.database, tables)
        self.elevators: ElevatorDirectory = ElevatorIndex(self.database, tables)
        self.tree: MerkleLogReader = MerkleTable(self.database, tables)
        self.checkpoints: CheckpointStore = CheckpointTable(self.database, tables)
        self.consumers: ConsumerState = ConsumerTables(self.database, tables)
        self.audit: AuditReader = AuditRanges(self.database, tables)
        self._check_log_format()

    def _check_log_format(self) -> None:
        """Refuse a store whose log is not in the format this LiftLedger writes; record it in a new store.

        A format-1 store (its leaves commit to the event hash alone, docs/FORMAT.md §II.1.1) cannot be upgraded in
        place: every leaf, node and checkpoint would change. Its passports and proofs stay verifiable as history.
        """
        found = self.checkpoints.meta().get("log_format")
        if found is None:
            if self.tree.tree_size() or not self._has_recorded_times():
                found = "1"  # written before the log format was recorded: by a format-1 LiftLedger
            else:
                with contextlib.suppress(ConflictError, StoreIntegrityError):  # another process recorded it first
                    self.checkpoints.set_meta({"log_format": str(LOG_FORMAT)})
                found = self.checkpoints.meta().get("log_format")
        if found != str(LOG_FORMAT):
            raise ConfigurationError(
                f"the store at {self.url.display()} holds a log in format {found}; this LiftLedger writes log "
                f"format {LOG_FORMAT} and cannot append to it (its passports and proofs still verify)",
                code="store.log_format", log_format=found,
            )

    def _has_recorded_times(self) -> bool:
        try:
            self.database.read(f"SELECT recorded_at FROM {self.database.table('ledger_index')} WHERE 1 = 0")
        except (sqlite3.Error, psycopg.Error):  # "no such column": a table made before recorded times
            return False
        return True

    @property
    def dialect(self) -> Dialect:
        return self.database.dialect

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
