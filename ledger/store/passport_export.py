"""Passport export: an elevator's records, their proofs and the registry records behind its signers, from the store.

The format and its verification are in ledger/tlog/passport.py (pure); this module only reads.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ledger.core.chain import GENESIS_HASH
from ledger.core.errors import ConflictError, NotFoundError
from ledger.core.schema.registry_events import OrganizationRegistered, RegistryGenesis
from ledger.core.submission import Submission, parse_line
from ledger.store import IndexRow, MerkleLogReader, Store
from ledger.store.transparency import TransparencyLog
from ledger.tlog.merkle import inclusion_proof
from ledger.tlog.passport import KEY_EVENTS, PASSPORT_FORMAT

__all__ = ["build_passport"]


class _RegistryRecord(NamedTuple):
    row: IndexRow
    record: bytes
    submission: Submission
    prev_hash: bytes  # the organization stream's head before it


class _RegistryCatalogue(NamedTuple):
    by_key: dict[str, list[int]]  # key id → positions of the records that establish it
    by_org: dict[str, list[int]]  # organization → positions of the records that register it
    records: dict[int, _RegistryRecord]  # by position


def build_passport(store: Store, equipment_code: str) -> dict[str, Any]:
    """The passport of ``equipment_code`` against the latest checkpoint (which must cover all its records)."""
    log = TransparencyLog(store)
    issued = log.latest()
    stream = store.index.stream_rows(equipment_code)
    if not stream:
        raise NotFoundError(f"no records for elevator {equipment_code}")
    if stream[-1].row.leaf >= issued.size:
        raise ConflictError("the latest checkpoint does not cover this elevator's newest record: issue a checkpoint",
                            code="passport.stale_checkpoint")
    events = [_event_item(stored.row, stored.record, issued.size, store.tree) for stored in stream]
    registry = _registry_items(store, [parse_line(stored.record) for stored in stream], issued.size)
    return {
        "format": PASSPORT_FORMAT, "log_origin": log.origin, "checkpoint": issued.note,
        "equipment_code": equipment_code, "events": events, "registry": registry,
    }


def _event_item(row: IndexRow, record: bytes, size: int, tree: MerkleLogReader) -> dict[str, Any]:
    proof = inclusion_proof(row.leaf, size, tree)
    return {"seq": row.seq, "leaf_index": row.leaf, "recorded_at": row.recorded_at, "record": record.decode(),
            "proof": [h.hex() for h in proof]}


def _registry_items(store: Store, signed: list[Submission], size: int) -> list[dict[str, Any]]:
    """The registry records behind the signers' keys, transitively up to genesis, each with its proof."""
    catalogue = _registry_catalogue(store)
    wanted: set[int] = set()
    pending = [(sub.envelope.key_id, sub.org) for sub in signed]
    seen_keys: set[str] = set()
    while pending:
        key_id, org = pending.pop()
        if key_id in seen_keys:
            continue
        seen_keys.add(key_id)
        for position in (*catalogue.by_key.get(key_id, ()), *catalogue.by_org.get(org, ())):
            if position not in wanted:
                wanted.add(position)
                sub = catalogue.records[position].submission
                pending.append((sub.envelope.key_id, sub.org))
    items = []
    for position in sorted(wanted):
        found = catalogue.records[position]
        if found.row.leaf >= size:
            continue
        proof = inclusion_proof(found.row.leaf, size, store.tree)
        items.append({"leaf_index": found.row.leaf, "recorded_at": found.row.recorded_at,
                      "prev_hash": found.prev_hash.hex(), "record": found.record.decode(),
                      "proof": [h.hex() for h in proof]})
    return items


def _registry_catalogue(store: Store) -> _RegistryCatalogue:
    """Every organization-stream record, indexed by the key ids and organizations it establishes."""
    by_key: dict[str, list[int]] = {}
    by_org: dict[str, list[int]] = {}
    records: dict[int, _RegistryRecord] = {}
    heads: dict[str, bytes] = {}
    after = 0
    while batch := store.index.scan(after, 2000, stream_kind="org"):
        for row, record in batch:
            sub = parse_line(record)
            records[row.position] = _RegistryRecord(row, record, sub, heads.get(row.stream_key, GENESIS_HASH))
            heads[row.stream_key] = row.hash
            after = row.position
            if sub.type in KEY_EVENTS:
                key_id: str = sub.payload.key_id  # type: ignore[attr-defined]  # every KEY_EVENTS payload names one
                by_key.setdefault(key_id, []).append(row.position)
            if isinstance(sub.payload, RegistryGenesis | OrganizationRegistered):
                by_org.setdefault(sub.payload.org, []).append(row.position)
    return _RegistryCatalogue(by_key, by_org, records)
