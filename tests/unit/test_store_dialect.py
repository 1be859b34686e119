"""The dialect shim and the ledger-table DDL: one text per backend, unchanged (stored tables must not drift)."""

from __future__ import annotations

from ledger.store.dialect import postgres_dialect, sqlite_dialect
from ledger.store.rows import IndexRow
from ledger.store.tables import INDEX_COLUMNS, LedgerTables, index_row, nodes_query

SQLITE = LedgerTables(sqlite_dialect(), "stored_events")
POSTGRES = LedgerTables(postgres_dialect("s1"), "liftledger_events")


def test_statements_are_written_once_and_adapted_per_backend() -> None:
    text = "SELECT state FROM {events} WHERE {rowid} = ? AND x IN (?, ?)"
    assert SQLITE.sql(text) == "SELECT state FROM stored_events WHERE rowid = ? AND x IN (?, ?)"
    assert POSTGRES.sql(text) == (
        'SELECT state FROM "s1".liftledger_events WHERE notification_id = %s AND x IN (%s, %s)'
    )
    assert POSTGRES.format(text).endswith("= ? AND x IN (?, ?)")  # Database.read adapts the placeholders itself
    assert postgres_dialect("s1").table("api_tokens") == '"s1".api_tokens'
    assert sqlite_dialect().table("api_tokens") == "api_tokens"
    assert (sqlite_dialect().integer, postgres_dialect("s").integer) == ("INTEGER", "BIGINT")


def test_the_sqlite_ddl_is_the_stored_one() -> None:
    assert SQLITE.create_statements() == [
        "CREATE TABLE IF NOT EXISTS ledger_index (position INTEGER PRIMARY KEY, leaf BIGINT NOT NULL UNIQUE, "
        "event_id TEXT NOT NULL UNIQUE, stream_kind TEXT NOT NULL, stream_key TEXT NOT NULL, seq BIGINT NOT NULL, "
        "type TEXT NOT NULL, org TEXT NOT NULL, occurred_at BIGINT NOT NULL, hash BLOB NOT NULL, "
        "recorded_at BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ledger_index_stream ON ledger_index (stream_key, seq)",
        "CREATE INDEX IF NOT EXISTS ledger_index_org ON ledger_index (position) WHERE stream_kind = 'org'",
        "CREATE TABLE IF NOT EXISTS merkle_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BLOB NOT NULL, "
        "PRIMARY KEY (level, idx)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS consumer_offsets (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
        "kafka_partition INTEGER NOT NULL, next_offset BIGINT NOT NULL, "
        "PRIMARY KEY (consumer_group, topic, kafka_partition))",
        "CREATE TABLE IF NOT EXISTS dead_letters (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
        "kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, "
        "value BLOB NOT NULL, headers BLOB NOT NULL, published INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (consumer_group, topic, kafka_partition, kafka_offset))",
        "CREATE TABLE IF NOT EXISTS checkpoints (checkpoint_id BIGINT PRIMARY KEY, tree_size BIGINT NOT NULL, "
        "issued_at BIGINT NOT NULL, note TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_migrations (version INTEGER PRIMARY KEY, summary TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)",
    ]


def test_a_created_store_is_stamped_with_its_schema_version_and_log_format() -> None:
    assert SQLITE.stamp_statements() == [
        "INSERT INTO ledger_meta (name, value) VALUES ('schema_version', '2'), ('log_format', '2') "
        "ON CONFLICT (name) DO NOTHING",
        "INSERT INTO ledger_migrations (version, summary, applied_at) VALUES (2, 'created', "
        "CAST(strftime('%s', 'now') AS INTEGER)) ON CONFLICT (version) DO NOTHING",
    ]
    assert POSTGRES.stamp_statements()[1] == (
        'INSERT INTO "s1".ledger_migrations (version, summary, applied_at) VALUES (2, \'created\', '
        "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)) ON CONFLICT (version) DO NOTHING"
    )


def test_the_postgresql_ddl_differs_only_in_types_schema_and_clustering() -> None:
    expected = [
        statement.replace("position INTEGER PRIMARY KEY", "position BIGINT PRIMARY KEY").replace("BLOB", "BYTEA")
        .replace(" WITHOUT ROWID", "").replace(" ON ledger_index ", ' ON "s1".ledger_index ')
        for statement in SQLITE.create_statements()
    ]
    for table in ("ledger_index (", "merkle_nodes", "consumer_offsets", "dead_letters", "checkpoints", "ledger_meta",
                  "ledger_migrations"):
        expected = [s.replace(f"EXISTS {table}", f'EXISTS "s1".{table}') for s in expected]
    assert POSTGRES.create_statements() == expected


def test_index_rows_are_read_by_the_column_names() -> None:
    assert INDEX_COLUMNS == ("position, leaf, event_id, stream_kind, stream_key, seq, type, org, occurred_at, hash, "
                             "recorded_at")
    row = index_row((7, 3, "e1", "elevator", "311031001201800001", 2, "Repaired", "org1", 1_700_000_000, b"h" * 32,
                     1_700_000_100))
    assert row == IndexRow(position=7, leaf=3, event_id="e1", stream_kind="elevator", stream_key="311031001201800001",
                           seq=2, type="Repaired", org="org1", occurred_at=1_700_000_000, hash=b"h" * 32,
                           recorded_at=1_700_000_100)
    assert nodes_query([(0, 4), (2, 1)]) == (
        "SELECT level, idx, hash FROM {nodes} WHERE (level=? AND idx=?) OR (level=? AND idx=?)", [0, 4, 2, 1]
    )
