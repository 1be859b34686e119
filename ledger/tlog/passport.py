"""Elevator passports: one self-contained file an insurer or regulator verifies offline (docs/FORMAT.md §II.8).

A passport (``liftledger-passport/3``) holds whole streams, each from ``seq`` 1 with its records' inclusion proofs
against one checkpoint: the elevator's own, and the organization stream of every organization its records
involve — each signer, each organization a record names (a user unit, a maintainer, a penalized party), and the
regulators who registered them, up to the genesis. Verifying it needs only the trust anchors
(ledger/tlog/trust.py): no store, no network.

Verification replays every record, in leaf order, through the ledger's own rule set (ledger/core/replay.py): the
registry records must be what the ledger would have accepted (a ``KeyAdded`` signed by a manufacturer is
``role.forbidden``; a replayed one, ``log.replayed_record``), and so must the elevator's records — keys active and
not revoked, roles and licences at ``occurred_at``, the lifecycle rules — each at the time it was recorded.
Everything else that cannot be shown by a rule has its own code: a stream's continuity (``integrity.seq``,
``integrity.chain``), its order in the log (``log.order``), a record outside its stream
(``passport.foreign_record``), two records on one leaf (``passport.duplicate_leaf``), recorded times
(``integrity.recorded_at``), the genesis first (``log.genesis_position``), and a genesis that is not the pinned
regulator root (``trust.regulator_root``).

What a passport proves: every record in it is in the log the checkpoint commits to, at the stated leaf and
recorded time, unaltered, signed, and accepted by the rules against what the passport shows before it. What it
cannot prove is absence: records after the last one shown of a stream (a later revocation, a later fault) may
exist. Witness cosignatures make the operator's log public and consistent over time, so an omission can be
found by anyone holding the full log.

Passports of formats 1 and 2 (before whole streams) are still read, as history: their inclusion proofs,
signatures and keys are checked, but they do not carry what the rules need, so they are never VERIFIED.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from ledger.core.chain import GENESIS_HASH, chain_hash
from ledger.core.errors import IntegrityError, LedgerError, ProofError, SchemaError
from ledger.core.identifiers import check_uscc, format_instant
from ledger.core.registry import Registry
from ledger.core.replay import Replay
from ledger.core.schema.registry_events import OrganizationRegistered, RegistryGenesis
from ledger.core.strictjson import check_strict_value, parse_strict
from ledger.core.submission import StreamKey, Submission, parse_line
from ledger.tlog.checkpoint import Checkpoint, NoteVerifier, SignedCheckpoint, WitnessVerifier
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import verify_inclusion
from ledger.tlog.proofs import check_recorded_before
from ledger.tlog.trust import RegulatorRoot, TrustAnchors

__all__ = [
    "KEY_EVENTS",
    "MAX_PASSPORT_BYTES",
    "PASSPORT_FORMAT",
    "PASSPORT_FORMATS",
    "PassportSummary",
    "involved_organizations",
    "parse_passport",
    "verify_passport",
]

PASSPORT_FORMAT = "liftledger-passport/3"
"""What this LiftLedger exports: whole streams, log format 2 (every record with the time the ledger recorded it)."""
PASSPORT_FORMATS = {"liftledger-passport/1": 1, "liftledger-passport/2": 2, PASSPORT_FORMAT: 2}
"""Passport format → the log format of its leaves."""
MAX_PASSPORT_BYTES = 256 * 1024 * 1024
KEY_EVENTS = frozenset({"RegistryGenesis", "KeyAdded", "KeyRevoked"})

_TOP = {"format", "log_origin", "checkpoint", "equipment_code", "streams"}
_STREAM = {"stream", "records"}
_RECORD = {"seq", "leaf_index", "recorded_at", "record", "proof"}
# Formats 1 and 2: the elevator's events, and registry records each with the hash before it in its stream.
_LEGACY_TOP = {"format", "log_origin", "checkpoint", "equipment_code", "events", "registry"}
_LEGACY_EVENT = {"seq", "leaf_index", "record", "proof"}
_LEGACY_REGISTRY = {"leaf_index", "prev_hash", "record", "proof"}
_RECORDED = "recorded_at"


# --- the summary -------------------------------------------------------------------------------------------------


@dataclass
class StreamShown:
    """How much of one stream the passport shows: everything up to ``last_seq``, and nothing about later records."""

    stream: str
    name: str
    records: int
    last_leaf: int
    last_recorded_at: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"stream": self.stream, "name": self.name, "records": self.records, "last_seq": self.records,
                "last_leaf": self.last_leaf,
                "last_recorded_at": None if self.last_recorded_at is None else format_instant(self.last_recorded_at)}


@dataclass
class PassportSummary:
    equipment_code: str
    format: str
    events: int
    events_by_type: Counter[str]
    signers: dict[str, dict[str, Any]]  # org → {name, roles, key_ids, events}
    checkpoint: SignedCheckpoint
    anchors: TrustAnchors
    first_event: str
    last_event: str
    registry_records: int
    streams: list[StreamShown] = field(default_factory=list)
    rules_checked: bool = True  # False for formats 1 and 2: they do not carry what the rules need

    @property
    def verified(self) -> bool:
        """VERIFIED: every check passed, the rules were replayed, and the registry traces back to a pinned root."""
        return self.rules_checked and self.anchors.regulator is not None

    @property
    def status(self) -> str:
        if not self.rules_checked:
            return "legacy"
        return "verified" if self.verified else "operator_only"

    @property
    def witnesses(self) -> list[tuple[str, int]]:
        return [(c.name, c.timestamp) for c in self.checkpoint.cosignatures]

    def operator_word(self) -> list[str]:
        """What this verification takes on the operator's word, said plainly."""
        said = self.anchors.operator_word()
        if not self.rules_checked:
            said.append(f"that the records were recorded by organizations entitled to record them: a {self.format} "
                        "passport carries only the records behind its signers' keys, so roles, licences and the "
                        "lifecycle rules were not replayed (export a liftledger-passport/3)")
        return said

    def not_provable(self) -> list[str]:
        """What no passport can show."""
        return ["records after the last one shown of each stream (a later revocation, fault or penalty): a passport "
                "shows what is in the log, never what is not; anyone holding the witnessed log can look"]

    def to_dict(self) -> dict[str, Any]:
        checkpoint = self.checkpoint.checkpoint
        time = checkpoint.time
        return {
            "ok": True, "verified": self.verified, "status": self.status, "format": self.format,
            "equipment_code": self.equipment_code, "events": self.events,
            "events_by_type": dict(sorted(self.events_by_type.items())),
            "signers": self.signers, "registry_records": self.registry_records,
            "checkpoint": {"origin": checkpoint.origin, "size": checkpoint.size,
                           "root_hash": checkpoint.root_hash.hex(),
                           "time": None if time is None else format_instant(time)},
            "witnesses": [{"name": name, "timestamp": ts} for name, ts in self.witnesses],
            "anchors": self.anchors.to_dict(),
            "operator_word": self.operator_word(), "not_provable": self.not_provable(),
            "streams": [shown.to_dict() for shown in self.streams],
            "first_event": self.first_event, "last_event": self.last_event,
        }


# --- what a passport shows ---------------------------------------------------------------------------------------


def involved_organizations(subs: Iterable[Submission]) -> list[str]:
    """Every organization the records were signed by or name in their payloads, in first-seen order: the
    organization streams a passport shows for them (and, in turn, for those streams' records)."""
    found: dict[str, None] = {}
    for sub in subs:
        found[sub.org] = None
        for text in _strings(sub.raw["payload"]):
            if len(text) == 18 and check_uscc(text) is None:
                found[text] = None
    return list(found)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- verifying ---------------------------------------------------------------------------------------------------


def parse_passport(data: bytes | str) -> Any:
    """A passport file's JSON, read strictly (docs/FORMAT.md §I.1.1); errors are ``passport.malformed``."""
    try:
        return parse_strict(data, max_bytes=MAX_PASSPORT_BYTES, what="passport")
    except SchemaError as e:
        raise _malformed(e.message, e.path) from None


def verify_passport(
    doc: Any, trust: NoteVerifier, *, witnesses: tuple[WitnessVerifier, ...] = (), min_witnesses: int = 0,
    regulator: RegulatorRoot | None = None,
) -> PassportSummary:
    """Verify everything in a passport (its file bytes, or the parsed document) against the trust anchors; raise
    the first failure as a typed LedgerError."""
    anchors = TrustAnchors(trust, regulator, witnesses, min_witnesses)
    if isinstance(doc, bytes | str):
        doc = parse_passport(doc)
    else:
        try:
            check_strict_value(doc)
        except SchemaError as e:
            raise _malformed(e.message, e.path) from None
    if not isinstance(doc, dict) or type(doc.get("format")) is not str or doc["format"] not in PASSPORT_FORMATS:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise _malformed(f"unknown passport format {found!r}; expected {PASSPORT_FORMAT!r}", "format")
    legacy = doc["format"] != PASSPORT_FORMAT
    _shape(doc, _LEGACY_TOP if legacy else _TOP, "")
    for name in ("log_origin", "checkpoint", "equipment_code"):
        _string(doc[name], name)
    signed = anchors.open(doc["checkpoint"])
    if signed.checkpoint.origin != doc["log_origin"]:
        raise _malformed(f"log_origin {doc['log_origin']!r} is not the checkpoint's origin "
                         f"{signed.checkpoint.origin!r}", "log_origin")
    tree = _Tree(signed.checkpoint, PASSPORT_FORMATS[doc["format"]])
    if legacy:
        return _verify_legacy(doc, tree, signed, anchors)
    streams = _streams(doc, tree)
    entries = sorted((entry for stream in streams for entry in stream.entries), key=lambda entry: entry.leaf)
    _check_leaves(entries, tree.checkpoint)
    replayed = _replay(entries, doc["equipment_code"])
    if anchors.regulator is not None:
        anchors.regulator.check_genesis(replayed.genesis)
    return PassportSummary(
        equipment_code=doc["equipment_code"], format=doc["format"], events=sum(replayed.types.values()),
        events_by_type=replayed.types, signers=replayed.signers, checkpoint=signed, anchors=anchors,
        first_event=replayed.first, last_event=replayed.last,
        registry_records=sum(len(s.entries) for s in streams if s.key.kind == "org"),
        streams=[StreamShown(str(s.key), replayed.names.get(s.key.key, s.key.key), len(s.entries),
                             s.entries[-1].leaf, s.entries[-1].recorded_at) for s in streams],
    )


class _Tree(NamedTuple):
    """The checkpointed tree the records are proved against, and the log format of its leaves."""

    checkpoint: Checkpoint
    log_format: int


class _Entry(NamedTuple):
    leaf: int
    sub: Submission
    recorded_at: int | None  # None in a format-1 passport
    where: str


class _Stream(NamedTuple):
    key: StreamKey
    entries: list[_Entry]  # in seq order


def _streams(doc: dict[str, Any], tree: _Tree) -> list[_Stream]:
    """Every stream, whole from seq 1: chained, proved, in the log in seq order; the elevator's first."""
    listed = doc["streams"]
    if not isinstance(listed, list) or not listed:
        raise _malformed("streams must be a non-empty list", "streams")
    elevator = f"elevator:{doc['equipment_code']}"
    streams, seen = [], set()
    for n, item in enumerate(listed):
        where = f"streams[{n}]"
        _shape(item, _STREAM, where)
        name = _string(item["stream"], f"{where}.stream")
        if (n == 0) != (name == elevator):
            raise _malformed(f"the first stream is the elevator's own, {elevator!r}, and only the first",
                             f"{where}.stream")
        if n > 0 and not name.startswith("org:"):
            raise IntegrityError(f"{where} is {name!r}: a passport shows one elevator and organizations",
                                 code="passport.foreign_record")
        if name in seen:
            raise _malformed(f"stream {name!r} is listed twice", f"{where}.stream")
        seen.add(name)
        streams.append(_Stream(StreamKey(*name.split(":", 1)), _stream_entries(item["records"], name, tree, where)))
    return streams


def _stream_entries(records: Any, name: str, tree: _Tree, where: str) -> list[_Entry]:
    if not isinstance(records, list) or not records:
        raise _malformed("records must be a non-empty list", f"{where}.records")
    entries: list[_Entry] = []
    previous = GENESIS_HASH
    for n, item in enumerate(records):
        at = f"{where}.records[{n}]"
        _shape(item, _RECORD, at)
        seq = item["seq"]
        if type(seq) is not int:
            raise _malformed("seq must be an integer", f"{at}.seq")
        if seq != n + 1:
            raise IntegrityError(f"{at} has seq {seq}, expected {n + 1}: a stream is shown whole, from seq 1",
                                 code="integrity.seq")
        entry, previous = _proved(item, previous, tree, f"{name} seq {seq} ({at})")
        if str(entry.sub.stream) != name:
            raise IntegrityError(f"{at} is a record of {entry.sub.stream}, not of {name}",
                                 code="passport.foreign_record")
        if entries and entry.leaf <= entries[-1].leaf:
            raise IntegrityError(f"{name} seq {seq} is at leaf {entry.leaf}, not after seq {seq - 1} at leaf "
                                 f"{entries[-1].leaf}: a stream's records enter the log in seq order",
                                 code="log.order")
        entries.append(entry)
    return entries


def _proved(item: dict[str, Any], previous: bytes, tree: _Tree, where: str) -> tuple[_Entry, bytes]:
    """Parse a record, recompute its event hash and check its inclusion (with its recorded time, in log format 2)
    in the checkpointed tree; returns the entry and its event hash."""
    leaf = item["leaf_index"]
    if type(leaf) is not int or leaf < 0:
        raise _malformed(f"{where}: leaf_index must be a non-negative integer")
    recorded_at = item.get(_RECORDED)
    if tree.log_format >= 2 and (type(recorded_at) is not int or recorded_at < 0):
        raise _malformed(f"{where}: recorded_at must be a non-negative integer (Unix seconds)")
    text = item["record"]
    if type(text) is not str:
        raise _malformed(f"{where}: record must be a string")
    record = text.encode("utf-8")
    try:
        sub = parse_line(record)
    except LedgerError as e:
        raise IntegrityError(f"{where}: record does not parse: {e.message} ({getattr(e, 'path', '')})",
                             code="integrity.record") from None
    if sub.record != record:
        raise IntegrityError(f"{where}: record is not in canonical form", code="integrity.canonical")
    digest = chain_hash(previous, record)
    proof = [_hex32(h, f"{where}: proof") for h in _list(item["proof"], f"{where}: proof")]
    checkpoint = tree.checkpoint
    try:
        verify_inclusion(record_leaf_hash(digest, recorded_at), leaf, checkpoint.size, proof, checkpoint.root_hash)
    except ProofError as e:
        raise ProofError(f"{where} is not in the checkpointed log: {e.message}", code=e.code) from None
    return _Entry(leaf, sub, recorded_at, where), digest


def _check_leaves(entries: list[_Entry], checkpoint: Checkpoint) -> None:
    """No two records on one leaf; recorded times never decrease in leaf order and are bounded by the checkpoint's
    time (log format 2)."""
    for before, after in pairwise(entries):
        if before.leaf == after.leaf:
            raise IntegrityError(f"{before.where} and {after.where} both claim leaf {after.leaf}",
                                 code="passport.duplicate_leaf")
    formatted = [entry for entry in entries if entry.recorded_at is not None]
    if not formatted:
        return
    if checkpoint.time is None:
        raise _malformed("the checkpoint has no time line to bound the recorded times", "checkpoint")
    for before, after in pairwise(formatted):
        assert before.recorded_at is not None and after.recorded_at is not None
        if after.recorded_at < before.recorded_at:
            raise IntegrityError(f"leaf {after.leaf} was recorded before leaf {before.leaf}: recorded times never "
                                 "decrease in leaf order", code="integrity.recorded_at")
    for entry in formatted:
        check_recorded_before(entry.recorded_at, checkpoint, f"leaf {entry.leaf}")


@dataclass
class _Replayed:
    types: Counter[str] = field(default_factory=Counter)
    signers: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # organization → its registered name
    first: str = ""
    last: str = ""
    genesis: Submission | None = None

    def saw(self, sub: Submission, key_id: str, code: str) -> None:
        if isinstance(sub.payload, RegistryGenesis | OrganizationRegistered):
            self.names[sub.payload.org] = sub.payload.name
        if sub.equipment_code != code:
            return
        self.types[sub.type] += 1
        entry = self.signers.setdefault(sub.org, {"roles": set(), "key_ids": set(), "events": 0})
        entry["roles"].add(sub.role)
        entry["key_ids"].add(key_id)
        entry["events"] += 1
        self.first = self.first or sub.raw["occurred_at"]
        self.last = sub.raw["occurred_at"]

    def finish(self) -> _Replayed:
        for org, entry in self.signers.items():
            entry["name"] = self.names.get(org, org)
            entry["roles"] = sorted(entry["roles"])
            entry["key_ids"] = sorted(entry["key_ids"])
        return self


def _replay(entries: list[_Entry], code: str) -> _Replayed:
    """Every record in leaf order through the ledger's rule set, each decided at the time it was recorded."""
    replay, seen = Replay(), _Replayed()
    for entry in entries:
        assert entry.recorded_at is not None
        key = replay.record(entry.sub, leaf=entry.leaf, now=entry.recorded_at, where=entry.where)
        seen.saw(entry.sub, key.key_id, code)
    seen.genesis = replay.genesis
    return seen.finish()


# --- formats 1 and 2, as history ---------------------------------------------------------------------------------


def _verify_legacy(doc: dict[str, Any], tree: _Tree, signed: SignedCheckpoint,
                   anchors: TrustAnchors) -> PassportSummary:
    """Inclusion, chains, signatures and keys of a format-1 or format-2 passport; its rules cannot be replayed."""
    extra = {_RECORDED} if tree.log_format >= 2 else set()
    entries = list(_legacy_entries(doc, tree, extra))
    entries.sort(key=lambda entry: entry.leaf)
    _check_leaves(entries, tree.checkpoint)
    registry, seen = Registry(), _Replayed()
    for entry in entries:
        sub = entry.sub
        try:
            key = registry.key_for(sub)
            key.public.verify(sub.signature, sub.signing)
        except LedgerError as e:
            raise IntegrityError(f"{entry.where}: {e.message}", code=e.code) from None
        if sub.stream.kind == "org":
            registry.apply(sub)
            seen.genesis = seen.genesis or (sub if isinstance(sub.payload, RegistryGenesis) else None)
        seen.saw(sub, key.key_id, doc["equipment_code"])
    if anchors.regulator is not None:
        anchors.regulator.check_genesis(seen.genesis)
    seen.finish()
    return PassportSummary(
        equipment_code=doc["equipment_code"], format=doc["format"], events=sum(seen.types.values()),
        events_by_type=seen.types, signers=seen.signers, checkpoint=signed, anchors=anchors,
        first_event=seen.first, last_event=seen.last, registry_records=len(doc["registry"]), rules_checked=False,
    )


def _legacy_entries(doc: dict[str, Any], tree: _Tree, extra: set[str]) -> Iterator[_Entry]:
    events, registry = _list(doc["events"], "events"), _list(doc["registry"], "registry")
    if not events:
        raise _malformed("events must be a non-empty list", "events")
    previous = GENESIS_HASH
    for n, item in enumerate(events):
        _shape(item, _LEGACY_EVENT | extra, f"events[{n}]")
        if type(item["seq"]) is not int or item["seq"] != n + 1:
            raise IntegrityError(f"events[{n}] has seq {item['seq']!r}, expected {n + 1}: the chain has a gap",
                                 code="integrity.seq")
        entry, previous = _proved(item, previous, tree, f"events[{n}]")
        if entry.sub.equipment_code != doc["equipment_code"]:
            raise IntegrityError(f"events[{n}] is not about elevator {doc['equipment_code']}",
                                 code="passport.foreign_record")
        yield entry
    for n, item in enumerate(registry):
        _shape(item, _LEGACY_REGISTRY | extra, f"registry[{n}]")
        entry, _ = _proved(item, _hex32(item["prev_hash"], f"registry[{n}].prev_hash"), tree, f"registry[{n}]")
        if entry.sub.stream.kind != "org":
            raise _malformed(f"registry[{n}] is not a registry record")
        yield entry


# --- shapes ------------------------------------------------------------------------------------------------------


def _shape(value: Any, fields: set[str], where: str) -> None:
    if not isinstance(value, dict):
        raise _malformed("must be an object", where)
    if set(value) != fields:
        missing, extra = sorted(fields - set(value)), sorted(set(value) - fields)
        raise _malformed(f"missing {missing}, unexpected {extra}", where)


def _string(value: Any, where: str) -> str:
    if type(value) is not str:
        raise _malformed("must be a string", where)
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _malformed("must be a list", where)
    return value


def _hex32(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise _malformed(f"{where}: expected 64 lowercase hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _malformed(f"{where}: expected 64 lowercase hex digits") from None


def _malformed(message: str, path: str = "") -> IntegrityError:
    where = f"{path}: " if path else ""
    return IntegrityError(f"{where}{message}", code="passport.malformed", path=path)
