"""Elevator passports: one self-contained file an insurer or regulator verifies offline (docs/FORMAT.md §II.8).

A passport holds an elevator's records, an RFC 9162 inclusion proof for each against one checkpoint (with its
witness cosignatures), and the registry records that establish every signing key — genesis, the keys, their
revocations and their organizations — each with its own proof. Verifying it needs only the log operator's
verifier key (and, for a stronger policy, witnesses' keys): no store, no network.

What a passport proves: every record in it is in the log the checkpoint commits to, at the stated position,
unaltered, with a valid signature by a key the included registry records show active at the time. What it
cannot prove is absence: a passport built by a dishonest operator could leave out records (a later revocation,
a later fault). Witness cosignatures make such an operator's log public and consistent over time, so omissions
can be found by anyone holding the full log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from ledger.core.canonical import canonical
from ledger.core.chain import GENESIS_HASH, chain_hash
from ledger.core.errors import IntegrityError, LedgerError, ProofError
from ledger.core.registry import Registry
from ledger.core.schema.registry_events import OrganizationRegistered, RegistryGenesis
from ledger.core.submission import Submission, parse_line
from ledger.tlog.checkpoint import (
    TIME_EXTENSION,
    Checkpoint,
    NoteVerifier,
    SignedCheckpoint,
    WitnessVerifier,
    open_checkpoint,
)
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import verify_inclusion
from ledger.tlog.proofs import check_recorded_before

__all__ = ["KEY_EVENTS", "PASSPORT_FORMAT", "PASSPORT_FORMATS", "PassportSummary", "verify_passport"]

PASSPORT_FORMAT = "liftledger-passport/2"
"""What this LiftLedger exports: log format 2, every record with the time the ledger recorded it."""
PASSPORT_FORMATS = {"liftledger-passport/1": 1, PASSPORT_FORMAT: 2}  # passport format → the log format of its leaves
_TOP = {"format", "log_origin", "checkpoint", "equipment_code", "events", "registry"}
_EVENT = {"seq", "leaf_index", "record", "proof"}
_REGISTRY = {"leaf_index", "prev_hash", "record", "proof"}
_RECORDED = "recorded_at"  # in every event and registry item of a format-2 passport
KEY_EVENTS = frozenset({"RegistryGenesis", "KeyAdded", "KeyRevoked"})


# --- verifying -----------------------------------------------------------------------------------------


@dataclass
class PassportSummary:
    equipment_code: str
    events: int
    events_by_type: Counter[str]
    signers: dict[str, dict[str, Any]]  # org → {name, roles, key_ids, events}
    checkpoint: SignedCheckpoint
    checkpoint_time: str | None
    first_event: str
    last_event: str
    registry_records: int
    witnesses: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True, "equipment_code": self.equipment_code, "events": self.events,
            "events_by_type": dict(sorted(self.events_by_type.items())),
            "signers": self.signers, "registry_records": self.registry_records,
            "checkpoint": {"origin": self.checkpoint.checkpoint.origin, "size": self.checkpoint.checkpoint.size,
                           "root_hash": self.checkpoint.checkpoint.root_hash.hex(), "time": self.checkpoint_time},
            "witnesses": [{"name": name, "timestamp": ts} for name, ts in self.witnesses],
            "first_event": self.first_event, "last_event": self.last_event,
        }


def verify_passport(
    doc: Any, trust: NoteVerifier, *, witnesses: tuple[WitnessVerifier, ...] = (), min_witnesses: int = 0,
) -> PassportSummary:
    """Verify everything in a passport; raise the first failure as a typed LedgerError."""
    _shape(doc, _TOP, "passport")
    log_format = PASSPORT_FORMATS.get(doc["format"]) if isinstance(doc["format"], str) else None
    if log_format is None:
        raise _malformed(f"unknown passport format {doc['format']!r}")
    signed = open_checkpoint(doc["checkpoint"], trust, witnesses=witnesses, min_witnesses=min_witnesses,
                             origin=doc["log_origin"])
    checkpoint = signed.checkpoint
    tree = _Tree(checkpoint.size, checkpoint.root_hash, log_format)
    entries = _elevator_entries(doc, tree)
    entries += _registry_entries(doc, tree)
    leaves = [entry.leaf for entry in entries]
    if len(set(leaves)) != len(leaves):
        raise IntegrityError("two records claim the same leaf", code="passport.duplicate_leaf")
    in_order = sorted(entries, key=lambda entry: entry.leaf)
    if log_format >= 2:
        _check_recorded_times(in_order, checkpoint)
    replay = _check_signatures(in_order)
    return PassportSummary(
        equipment_code=doc["equipment_code"], events=sum(replay.types.values()), events_by_type=replay.types,
        signers=replay.signers, checkpoint=signed,
        checkpoint_time=next((line[len(TIME_EXTENSION):] for line in checkpoint.extensions
                              if line.startswith(TIME_EXTENSION)), None),
        first_event=replay.first, last_event=replay.last, registry_records=len(doc["registry"]),
        witnesses=[(c.name, c.timestamp) for c in signed.cosignatures],
    )


class _Entry(NamedTuple):
    leaf: int
    kind: str  # "event" (the elevator's) | "registry"
    sub: Submission
    recorded_at: int | None  # None in a format-1 passport


class _Tree(NamedTuple):
    """The checkpointed tree the records are proved against, and the log format of its leaves."""

    size: int
    root: bytes
    log_format: int


def _check_recorded_times(entries: list[_Entry], checkpoint: Checkpoint) -> None:
    """Recorded times never decrease in leaf order, and none is later than the checkpoint's time."""
    if checkpoint.time is None:
        raise IntegrityError("a format-2 passport's checkpoint has a time line to bound the recorded times",
                             code="passport.malformed")
    previous: _Entry | None = None
    for entry in entries:
        assert entry.recorded_at is not None
        if previous is not None and previous.recorded_at is not None and entry.recorded_at < previous.recorded_at:
            raise IntegrityError(f"leaf {entry.leaf} was recorded before leaf {previous.leaf}: recorded times never "
                                 "decrease in leaf order", code="integrity.recorded_at")
        check_recorded_before(entry.recorded_at, checkpoint, f"leaf {entry.leaf}")
        previous = entry


def _elevator_entries(doc: dict[str, Any], tree: _Tree) -> list[_Entry]:
    if not isinstance(doc["events"], list) or not doc["events"]:
        raise _malformed("events must be a non-empty list")
    entries = []
    previous = GENESIS_HASH
    fields = _EVENT | {_RECORDED} if tree.log_format >= 2 else _EVENT
    for n, item in enumerate(doc["events"], start=1):
        _shape(item, fields, f"events[{n - 1}]")
        if item["seq"] != n:
            raise IntegrityError(f"events[{n - 1}] has seq {item['seq']}, expected {n}: the chain has a gap",
                                 code="integrity.seq")
        sub, digest = _prove(item, previous, tree, f"events[{n - 1}]")
        if sub.equipment_code != doc["equipment_code"]:
            raise IntegrityError(f"events[{n - 1}] is not about elevator {doc['equipment_code']}",
                                 code="passport.foreign_record")
        entries.append(_Entry(item["leaf_index"], "event", sub, item.get(_RECORDED)))
        previous = digest
    return entries


def _registry_entries(doc: dict[str, Any], tree: _Tree) -> list[_Entry]:
    if not isinstance(doc["registry"], list):
        raise _malformed("registry must be a list")
    entries = []
    fields = _REGISTRY | {_RECORDED} if tree.log_format >= 2 else _REGISTRY
    for n, item in enumerate(doc["registry"]):
        _shape(item, fields, f"registry[{n}]")
        previous = _hex32(item["prev_hash"], f"registry[{n}].prev_hash")
        sub, _ = _prove(item, previous, tree, f"registry[{n}]")
        if sub.stream.kind != "org":
            raise _malformed(f"registry[{n}] is not a registry record")
        entries.append(_Entry(item["leaf_index"], "registry", sub, item.get(_RECORDED)))
    return entries


def _prove(item: dict[str, Any], previous: bytes, tree: _Tree, where: str) -> tuple[Submission, bytes]:
    """Parse a record, recompute its event hash and check its inclusion (with its recorded time, in format 2) in
    the checkpointed tree."""
    if not isinstance(item["record"], str) or type(item["leaf_index"]) is not int:
        raise _malformed(f"{where}: record must be a string and leaf_index an integer")
    recorded_at = item.get(_RECORDED)
    if tree.log_format >= 2 and (type(recorded_at) is not int or not 0 <= recorded_at < 2**53):
        raise _malformed(f"{where}: recorded_at must be an integer (Unix seconds)")
    record = item["record"].encode("utf-8")
    try:
        if canonical(orjson.loads(record)) != record:
            raise IntegrityError(f"{where}: record is not in canonical form", code="integrity.canonical")
        sub = parse_line(record)
    except (orjson.JSONDecodeError, LedgerError) as e:
        if isinstance(e, IntegrityError):
            raise
        raise IntegrityError(f"{where}: record does not parse: {e}", code="integrity.record") from None
    digest = chain_hash(previous, record)
    proof = [_hex32(h, f"{where}.proof") for h in _list(item["proof"], f"{where}.proof")]
    try:
        verify_inclusion(record_leaf_hash(digest, recorded_at), item["leaf_index"], tree.size, proof, tree.root)
    except ProofError as e:
        raise ProofError(f"{where} is not in the checkpointed log: {e.message}", code=e.code) from None
    return sub, digest


@dataclass
class _Replay:
    types: Counter[str] = field(default_factory=Counter)
    signers: dict[str, dict[str, Any]] = field(default_factory=dict)
    first: str = ""
    last: str = ""


def _check_signatures(entries: list[_Entry]) -> _Replay:
    """Replay the registry records and the elevator's records in log order, checking every key and signature."""
    registry = Registry()
    names: dict[str, str] = {}
    replay = _Replay()
    signers, types = replay.signers, replay.types
    for leaf, kind, sub, _ in entries:
        key = registry.key_for(sub)
        if not key.public.is_valid_signature(sub.signature, sub.signing):
            raise IntegrityError(f"record at leaf {leaf} ({sub.type}) has an invalid signature",
                                 code="signature.invalid")
        if kind == "registry":
            registry.apply(sub)
            if isinstance(sub.payload, RegistryGenesis | OrganizationRegistered):
                names[sub.payload.org] = sub.payload.name
            continue
        types[sub.type] += 1
        entry = signers.setdefault(sub.org, {"roles": set(), "key_ids": set(), "events": 0})
        entry["roles"].add(sub.role)
        entry["key_ids"].add(key.key_id)
        entry["events"] += 1
        replay.first = replay.first or sub.raw["occurred_at"]
        replay.last = sub.raw["occurred_at"]
    for org, entry in signers.items():
        entry["name"] = names.get(org, org)
        entry["roles"] = sorted(entry["roles"])
        entry["key_ids"] = sorted(entry["key_ids"])
    return replay


def _shape(value: Any, fields: set[str], where: str) -> None:
    if not isinstance(value, dict):
        raise _malformed(f"{where} must be an object")
    if set(value) != fields:
        missing, extra = sorted(fields - set(value)), sorted(set(value) - fields)
        raise _malformed(f"{where}: missing {missing}, unexpected {extra}")


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _malformed(f"{where} must be a list")
    return value


def _hex32(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise _malformed(f"{where}: expected 64 lowercase hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _malformed(f"{where}: expected 64 lowercase hex digits") from None


def _malformed(message: str) -> IntegrityError:
    return IntegrityError(message, code="passport.malformed")
