"""Passport export: an elevator's records, their proofs and the registry records behind its signers, from the store.

The format and its verification are in ledger/tlog/passport.py (pure); this module only reads.
"""

from __future__ import annotations

from typing import Any

from ledger.core.chain import GENESIS_HASH
from ledger.core.errors import ConflictError, NotFoundError
from ledger.core.submission import Submission, parse_line
from ledger.store import IndexRow, Store
from ledger.store.transparency import TransparencyLog
from ledger.tlog.merkle import inclusion_proof
from ledger.tlog.passport import KEY_EVENTS, PASSPORT_FORMAT

__all__ = ["build_passport"]


# -------------------------------------------------------------------------------


def build_passport(store: Store, equipment_code: str) -> dict[str, Any]:
    """The passport of ``equipment_code`` against the latest checkpoint (which must cover all its records)."""
    log = TransparencyLog(store)
    issued = log.latest()
    rows = store.index.stream_rows(equipment_code)
    if not rows:
        raise NotFoundError(f"no records for elevator {equipment_code}")
    if rows[-1][0].leaf >= issued.size:
        raise ConflictError("the latest checkpoint does not cover this elevator's newest record: issue a checkpoint",
                            code="passport.stale_checkpoint")
    events = [_event_item(row, record, issued.size, store) for row, record in rows]
    registry = _registry_items(store, [parse_line(record) for _, record in rows], issued.size)
    return {
        "format": PASSPORT_FORMAT, "log_origin": log.origin, "checkpoint": issued.note,
        "equipment_code": equipment_code, "events": events, "registry": registry,
    }


def _event_item(row: IndexRow, record: bytes, size: int, store: Store) -> dict[str, Any]:
    proof = inclusion_proof(row.leaf, size, store.index)
    return {"seq": row.seq, "leaf_index": row.leaf, "record": record.decode(), "proof": [h.hex() for h in proof]}


def _registry_items(store: Store, signed: list[Submission], size: int) -> list[dict[str, Any]]:
    """The registry records behind the signers' keys, transitively up to genesis, each with its proof."""
    by_key, by_org, rows = _registry_catalogue(store)
    wanted: set[int] = set()
    pending = [(sub.envelope.key_id, sub.org) for sub in signed]
    seen_keys: set[str] = set()
    while pending:
        key_id, org = pending.pop()
        if key_id in seen_keys:
            continue
        seen_keys.add(key_id)
        for position in (*by_key.get(key_id, ()), *by_org.get(org, ())):
            if position not in wanted:
                wanted.add(position)
                sub = rows[position][2]
                pending.append((sub.envelope.key_id, sub.org))
    items = []
    for position in sorted(wanted):
        row, record, _, previous = rows[position]
        if row.leaf >= size:
            continue
        proof = inclusion_proof(row.leaf, size, store.index)
        items.append({"leaf_index": row.leaf, "prev_hash": previous.hex(), "record": record.decode(),
                      "proof": [h.hex() for h in proof]})
    return items


def _registry_catalogue(
    store: Store,
) -> tuple[dict[str, list[int]], dict[str, list[int]], dict[int, tuple[IndexRow, bytes, Submission, bytes]]]:
    """Every organization-stream record, indexed by the key ids and organizations it establishes."""
    by_key: dict[str, list[int]] = {}
    by_org: dict[str, list[int]] = {}
    rows: dict[int, tuple[IndexRow, bytes, Submission, bytes]] = {}
    heads: dict[str, bytes] = {}
    after = 0
    while batch := store.index.scan(after, 2000, stream_kind="org"):
        for row, record in batch:
            sub = parse_line(record)
            rows[row.position] = (row, record, sub, heads.get(row.stream_key, GENESIS_HASH))
            heads[row.stream_key] = row.hash
            after = row.position
            if sub.type in KEY_EVENTS:
                by_key.setdefault(sub.payload.key_id, []).append(row.position)  # type: ignore[attr-defined]
            if sub.type in ("RegistryGenesis", "OrganizationRegistered"):
                by_org.setdefault(sub.payload.org, []).append(row.position)  # type: ignore[attr-defined]
    return by_key, by_org, rows
