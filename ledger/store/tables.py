"""What the ledger stores beside eventsourcing's events, written in the same transaction as them.

- ``ledger_index``: one row per event in global order — ``position`` (the notification id), a dense Merkle
  ``leaf`` number, the event id (unique: the idempotency key), stream, ``seq``, type, signer, ``occurred_at``, the
  chain ``hash`` and ``recorded_at``, the time the ledger recorded it (committed in its leaf, log format 2).
- ``merkle_nodes``: every complete subtree of the RFC 9162 tree over the event hashes, by (level, index).
- ``consumer_offsets``: for each Kafka consumer group, topic and partition, the next offset to consume, so that a
  redelivered record is recognized (the exactly-once effect of the ingest worker).
- ``checkpoints``: every checkpoint note the operator issued, with the witness cosignatures collected onto it.
- ``ledger_meta``: the log's origin and the operator's verifier key (each set once), and the store's
  ``schema_version`` and ``log_format`` (ledger/tlog/leaf.py).
- ``ledger_migrations``: the store's schema history — the version it was created at and every upgrade step
  ``liftledger migrate`` applied since (ledger/store/migrations.py), with when.
- ``dead_letters``: every record the ingest worker refused, with its reason and original bytes and headers — an
  outbox written atomically with the offsets, relayed to the dead-letter topic afterwards, so that records in =
  events appended + duplicates + dead letters holds across any crash.

Statements are written once with ``{index}``-style table names and ``?`` placeholders; :meth:`LedgerTables.sql`
adapts them to the dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from ledger.store.dialect import Dialect
from ledger.store.rows import IndexRow, row_maker
from ledger.tlog.leaf import LOG_FORMAT
from ledger.tlog.merkle import NodeId

__all__ = ["INDEX_COLUMNS", "SCHEMA_VERSION", "LedgerTables", "index_row", "nodes_query", "qualified"]

# The version of the tables these statements create. Whoever changes a ledger table (or eventsourcing's) bumps it
# and adds the step from the previous version to ledger/store/migrations.py — or a step that refuses, saying why.
SCHEMA_VERSION = 2
INDEX_COLUMNS = ", ".join(IndexRow._fields)  # the ledger_index columns, in IndexRow's order
_INDEX_NAME = "ledger_index"


@dataclass(frozen=True)
class LedgerTables:
    """The ledger tables of one database: their names in SQL, their DDL, and statement text for the dialect."""

    dialect: Dialect
    events_table: str  # eventsourcing's events table (its name depends on the backend and the application)

    @cached_property
    def names(self) -> dict[str, str]:
        """Every table (and the events' notification id column) as statements name it."""
        table = self.dialect.table
        return {
            "index": table(_INDEX_NAME), "nodes": table("merkle_nodes"), "offsets": table("consumer_offsets"),
            "dead_letters": table("dead_letters"), "checkpoints": table("checkpoints"), "meta": table("ledger_meta"),
            "migrations": table("ledger_migrations"),
            "events": table(self.events_table), "rowid": self.dialect.events_rowid,
        }

    def format(self, text: str) -> str:
        """``text`` with its ``{table}`` names filled in (placeholders stay ``?``: for :class:`Database`)."""
        return text.format_map(self.names)

    def sql(self, text: str) -> str:
        """``text`` with its ``{table}`` names filled in and its placeholders in the dialect's style (for cursors)."""
        return self.dialect.sql(self.format(text))

    def create_statements(self) -> list[str]:
        d = self.dialect
        blob = d.blob
        return [self.sql(text) for text in (
            f"CREATE TABLE IF NOT EXISTS {{index}} (position {d.position_key}, leaf BIGINT NOT NULL UNIQUE, "
            "event_id TEXT NOT NULL UNIQUE, stream_kind TEXT NOT NULL, stream_key TEXT NOT NULL, "
            "seq BIGINT NOT NULL, type TEXT NOT NULL, org TEXT NOT NULL, occurred_at BIGINT NOT NULL, "
            f"hash {blob} NOT NULL, recorded_at BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {_INDEX_NAME}_stream ON {{index}} (stream_key, seq)",
            # Registry scans need only the organization rows: a partial index keeps elevator rows out of it.
            f"CREATE INDEX IF NOT EXISTS {_INDEX_NAME}_org ON {{index}} (position) WHERE stream_kind = 'org'",
            "CREATE TABLE IF NOT EXISTS {nodes} (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
            f"hash {blob} NOT NULL, PRIMARY KEY (level, idx)){d.clustered}",
            "CREATE TABLE IF NOT EXISTS {offsets} (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
            "kafka_partition INTEGER NOT NULL, next_offset BIGINT NOT NULL, "
            "PRIMARY KEY (consumer_group, topic, kafka_partition))",
            "CREATE TABLE IF NOT EXISTS {dead_letters} (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
            "kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, code TEXT NOT NULL, "
            f"message TEXT NOT NULL, value {blob} NOT NULL, headers {blob} NOT NULL, "
            "published INTEGER NOT NULL DEFAULT 0, "
            "PRIMARY KEY (consumer_group, topic, kafka_partition, kafka_offset))",
            "CREATE TABLE IF NOT EXISTS {checkpoints} (checkpoint_id BIGINT PRIMARY KEY, tree_size BIGINT NOT NULL, "
            "issued_at BIGINT NOT NULL, note TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {meta} (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            MIGRATIONS_DDL,
        )]

    def stamp_statements(self) -> list[str]:
        """Record that the tables were just created at :data:`SCHEMA_VERSION`, writing the log format
        :data:`~ledger.tlog.leaf.LOG_FORMAT` (a no-op on a
        store that already says so): run with :meth:`create_statements`, in the same transaction."""
        now = self.dialect.unix_now
        return [self.sql(text) for text in (
            f"INSERT INTO {{meta}} (name, value) VALUES ('schema_version', '{SCHEMA_VERSION}'), "
            f"('log_format', '{LOG_FORMAT}') ON CONFLICT (name) DO NOTHING",
            f"INSERT INTO {{migrations}} (version, summary, applied_at) VALUES ({SCHEMA_VERSION}, 'created', {now}) "
            "ON CONFLICT (version) DO NOTHING",
        )]


# The schema history; version 0 has no row (a store made before versions were recorded).
MIGRATIONS_DDL = ("CREATE TABLE IF NOT EXISTS {migrations} (version INTEGER PRIMARY KEY, summary TEXT NOT NULL, "
                  "applied_at BIGINT NOT NULL)")


# An IndexRow from the columns of INDEX_COLUMNS, in that order (both drivers return int, str and bytes).
index_row = row_maker(IndexRow)


def qualified(columns: str, alias: str) -> str:
    """``a, b`` → ``alias.a, alias.b``."""
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


def nodes_query(ids: Sequence[NodeId]) -> tuple[str, list[int]]:
    """SELECT level, idx, hash of the Merkle nodes ``ids`` (statement text for :meth:`LedgerTables.sql`)."""
    clause = " OR ".join("(level=? AND idx=?)" for _ in ids)
    return f"SELECT level, idx, hash FROM {{nodes}} WHERE {clause}", [value for node in ids for value in node]
