"""Passport export: an elevator's stream and the whole stream of every organization it involves, from the store.

The format and its verification are in ledger/tlog/passport.py (pure); this module only reads. The organizations
a passport must show are those the rules consult when its records are replayed: every signer, every organization
a record names (a user unit, a maintainer, a penalized party…), and — since their own streams are replayed too —
the signers and named organizations of those streams' records, up to the genesis regulator. Each stream is shown
whole, from ``seq`` 1 to its last record below the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledger.core.errors import ConflictError, NotFoundError
from ledger.core.schema.registry_events import RegistryGenesis
from ledger.core.submission import parse_line
from ledger.store import Store, StoredRecord
from ledger.store.transparency import TransparencyLog
from ledger.tlog.merkle import inclusion_proof
from ledger.tlog.passport import PASSPORT_FORMAT, involved_organizations
from ledger.tlog.trust import RegulatorRoot

__all__ = ["build_passport", "regulator_trust"]


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
    streams = [(f"elevator:{equipment_code}", stream)]
    genesis = store.index.first_of_type("RegistryGenesis")
    first = [genesis.stream_key] if genesis is not None else []
    for org, rows in _organization_streams(store, stream, first, issued.size):
        streams.append((f"org:{org}", rows))
    return {
        "format": PASSPORT_FORMAT, "log_origin": log.origin, "checkpoint": issued.note,
        "equipment_code": equipment_code,
        "streams": [{"stream": name, "records": [_record_item(stored, issued.size, store) for stored in rows]}
                    for name, rows in streams],
    }


def _record_item(stored: StoredRecord, size: int, store: Store) -> dict[str, Any]:
    row = stored.row
    proof = inclusion_proof(row.leaf, size, store.tree)
    return {"seq": row.seq, "leaf_index": row.leaf, "recorded_at": row.recorded_at, "record": stored.record.decode(),
            "proof": [h.hex() for h in proof]}


def _organization_streams(store: Store, stream: list[StoredRecord], first: list[str],
                          size: int) -> Iterator[tuple[str, list[StoredRecord]]]:
    """The involved organizations' streams (below ``size``), in the order they were found."""
    pending = [*first, *involved_organizations(parse_line(stored.record) for stored in stream)]
    shown: set[str] = set()
    while pending:
        org = pending.pop(0)
        if org in shown:
            continue
        shown.add(org)
        rows = [stored for stored in store.index.stream_rows(org) if stored.row.stream_kind == "org"
                and stored.row.leaf < size]
        if not rows:
            continue
        yield org, rows
        pending.extend(involved_organizations(parse_line(stored.record) for stored in rows))


def regulator_trust(store: Store) -> dict[str, Any]:
    """The regulator trust file (docs/FORMAT.md §II.9) that pins this ledger's genesis key: what the regulator
    publishes for verifiers (from its own copy of the ledger — a verifier must not take it from the operator)."""
    row = store.index.first_of_type("RegistryGenesis")
    record = store.index.record_at(row.position) if row is not None else None
    if record is None:
        raise NotFoundError("this store has no RegistryGenesis")
    return RegulatorRoot.trust_file(parse_line(record).payload_as(RegistryGenesis))
