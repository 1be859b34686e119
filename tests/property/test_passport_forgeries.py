"""Hypothesis: verify-passport never accepts a passport the ledger itself would have refused.

Each example builds a small random history through the real LedgerService (SQLite): the elevator is made,
registered and contracted, then random actions follow — maintenance signed with the current or an old key, key
revocations and new keys, hazards found and rectified, suspensions and reactivations, a contract terminated —
some accepted, some refused. The accepted records, with the times the ledger recorded them, are the honest log;
its passport (made by tests/vectors/forge.py, checkpoint signed by the operator's key) must be VERIFIED.

Then one mutation, as a hostile operator could make it: of the bytes (a byte replaced), of the order (two records
swapped in the log), of the records (one dropped, one refused record added, one earlier record replayed), or of
the passport's streams (one dropped, one record dropped, streams reordered). If the verifier accepts the mutated
passport, the records it shows are appended, in leaf order and at their recorded times, to a fresh ledger: every
one must be accepted. A mutation the verifier accepts is therefore always a history the ledger would have made.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.core.canonical import record_bytes
from ledger.core.errors import LedgerError
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import SigningKey
from ledger.core.maintenance_items import items_for_tier
from ledger.core.submission import parse_line
from ledger.store import Store
from ledger.tlog.checkpoint import NoteVerifier
from ledger.tlog.passport import verify_passport
from ledger.tlog.trust import RegulatorRoot
from ledger.write.service import LedgerService
from producers.client import Producer
from tests.vectors import generate_passport_vectors as vectors
from tests.vectors.forge import ForgedLog, Logged

ACTIONS = ["maintain", "maintain", "maintain", "maintain_old_key", "revoke", "rekey", "hazard", "rectify",
           "suspend", "reactivate", "terminate", "manufacture_again", "countersign"]
MUTATIONS = ["byte", "swap_leaves", "drop_record", "add_refused", "replay", "drop_stream", "drop_stream_record",
             "reorder_streams"]
SETTINGS = settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class History:
    """The random history: what the ledger accepted (in log order) and what it refused."""

    accepted: list[Logged] = field(default_factory=list)
    refused: list[Logged] = field(default_factory=list)


def _append_all(store_dir: Path, records: list[Logged], name: str) -> History:
    """Append each record to a fresh ledger at its recorded time; sort them into accepted and refused."""
    history = History()
    with Store(f"sqlite:///{store_dir / name}.sqlite", mode="create") as store:
        clock = [0]
        service = LedgerService(store, clock=lambda: clock[0])
        for logged in records:
            clock[0] = logged.recorded_at
            outcome = service.append([parse_line(logged.record)])[0]
            if outcome.error is None and not outcome.duplicate:
                assert outcome.receipt is not None
                history.accepted.append(Logged(logged.record, outcome.receipt.recorded_at))
            else:
                history.refused.append(logged)
    return history


def _random_records(rng: random.Random, actions: list[str]) -> list[Logged]:
    """The vectors' world and elevator, then ``actions`` at increasing times (records, not yet decided)."""
    cast = vectors.Cast.make()
    records = cast.honest()[: len(cast.registry()) + 3]  # registry, Manufactured, Registered, the contract
    maintainer, user = cast.maintainer, cast.user
    when = instant_from_text("2018-07-01T00:00:00Z")
    keys = [maintainer.key]
    hazards: list[str] = []
    recorded = records[-1].recorded_at
    for n, action in enumerate(actions):
        when += rng.randint(1, 40) * 86400 + rng.randint(0, 3600)
        at = format_instant(when)
        envelope: dict[str, Any] | None = None
        if action in ("maintain", "maintain_old_key"):
            key = keys[-1] if action == "maintain" else keys[0]
            producer = Producer.seeded(maintainer.org, "maintainer", key, n)
            envelope = producer.event("MaintenancePerformed", {
                "contract_no": "WB-1", "tier": "half_month", "started_at": format_instant(when - 2700),
                "ended_at": at, "results": dict.fromkeys(items_for_tier("half_month"), "pass"),
            }, equipment_code=vectors.CODE, occurred_at=at, persons=maintainer.persons("worker", 2))
        elif action == "revoke":
            envelope = cast.world.regulator_producer.event("KeyRevoked", {
                "org": maintainer.org, "key_id": keys[-1].key_id, "revoked_at": at, "reason": "泄露"}, occurred_at=at)
        elif action == "rekey":
            key = SigningKey.from_seed(bytes([n + 1]) * 32)
            keys.append(key)
            envelope = cast.world.regulator_producer.event("KeyAdded", {
                "org": maintainer.org, "key_id": key.key_id, "public_key": key.public.base64, "valid_from": at},
                occurred_at=at)
        elif action == "hazard":
            hazards.append(f"YH-{n}")
            envelope = maintainer.as_("maintainer").event("HazardFound", {
                "hazard_no": hazards[-1], "source": "maintenance", "severity": rng.choice(["general", "serious"]),
                "subsystem": "brake", "description": "制动衬磨损", "deadline": at[:10]},
                equipment_code=vectors.CODE, occurred_at=at, persons=maintainer.persons("worker"))
        elif action == "rectify":
            envelope = maintainer.as_("maintainer").event("HazardRectified", {
                "hazard_no": rng.choice(hazards) if hazards else "YH-NONE", "description": "已更换"},
                equipment_code=vectors.CODE, occurred_at=at)
        elif action in ("suspend", "reactivate"):
            payload = {"reason": "装修"} if action == "suspend" else {"self_check_done": True}
            envelope = user.as_("user_unit").event("Suspended" if action == "suspend" else "Reactivated", payload,
                                                   equipment_code=vectors.CODE, occurred_at=at)
        elif action == "terminate":
            envelope = user.as_("user_unit").event("MaintenanceContractTerminated", {
                "contract_no": "WB-1", "effective_date": at[:10], "reason": "到期"},
                equipment_code=vectors.CODE, occurred_at=at)
        elif action == "manufacture_again":
            envelope = parse_line(cast.elevator()[0].record).raw  # a second Manufactured: refused
        elif action == "countersign":
            earlier = [parse_line(r.record) for r in records if b'"type":"MaintenancePerformed"' in r.record]
            ref = rng.choice(earlier).event_id if earlier else "01900000-0000-7000-8000-000000000001"
            envelope = user.as_("user_unit").event("MaintenanceCountersigned", {"maintenance_ref": ref},
                                                   equipment_code=vectors.CODE, occurred_at=at)
        assert envelope is not None
        recorded = max(recorded, when + rng.randint(0, 7200))
        records.append(Logged(record_bytes(envelope), recorded))
    return records


def _verify(doc: dict[str, Any] | bytes, root: RegulatorRoot) -> bool:
    operator = NoteVerifier.from_vkey(vectors.operator().vkey())
    try:
        verify_passport(doc if isinstance(doc, bytes) else orjson.dumps(doc), operator, regulator=root)
    except LedgerError:
        return False
    return True


def _shown(doc: dict[str, Any] | bytes) -> list[Logged]:
    """The records a passport shows, in leaf order, at their recorded times."""
    parsed = orjson.loads(doc) if isinstance(doc, bytes) else doc
    items = [item for stream in parsed["streams"] for item in stream["records"]]
    return [Logged(item["record"].encode(), item["recorded_at"])
            for item in sorted(items, key=lambda item: item["leaf_index"])]


def _mutate(rng: random.Random, mutation: str, history: History) -> dict[str, Any] | bytes:
    log = list(history.accepted)
    if mutation == "byte":
        text = bytearray(orjson.dumps(vectors.passport_of(log)))
        at = rng.randrange(len(text))
        text[at] = rng.choice(b'{}[]",:01289abcdefxyz tne\\')
        return bytes(text)
    if mutation == "swap_leaves":
        i, j = sorted(rng.sample(range(len(log)), 2))
        order = list(range(len(log)))
        order[i], order[j] = order[j], order[i]
        times = sorted(r.recorded_at for r in log)  # recorded times follow the leaves, as an operator would set them
        placed = [Logged(r.record, times[order[k]]) for k, r in enumerate(log)]
        return _passport(placed, order)
    if mutation == "drop_record":
        del log[rng.randrange(1, len(log))]
    elif mutation == "add_refused" and history.refused:
        extra = rng.choice(history.refused)
        at = rng.randrange(1, len(log) + 1)
        log.insert(at, Logged(extra.record, max(log[at - 1].recorded_at, extra.recorded_at)))
        log[at + 1:] = [Logged(r.record, max(r.recorded_at, log[at].recorded_at)) for r in log[at + 1:]]
    elif mutation == "replay":
        again = rng.choice(log)
        log.append(Logged(again.record, log[-1].recorded_at))
    doc = vectors.passport_of(log)
    streams = doc["streams"]
    if mutation == "drop_stream" and len(streams) > 1:
        del streams[rng.randrange(1, len(streams))]
    elif mutation == "drop_stream_record":
        stream = rng.choice(streams)
        del stream["records"][rng.randrange(len(stream["records"]))]
    elif mutation == "reorder_streams":
        rng.shuffle(streams)
    return doc


def _passport(records: list[Logged], order: list[int]) -> dict[str, Any]:
    log = ForgedLog(records, order)
    note = log.checkpoint(vectors.operator(), vectors.CHECKPOINT_TIME)
    return log.passport(vectors.CODE, note, vectors.ORIGIN)


@SETTINGS
@given(actions=st.lists(st.sampled_from(ACTIONS), min_size=2, max_size=10), mutation=st.sampled_from(MUTATIONS),
       seed=st.integers(0, 2**32 - 1))
def test_verify_passport_never_accepts_what_the_ledger_would_refuse(actions: list[str], mutation: str,
                                                                      seed: int) -> None:
    rng = random.Random(seed)
    root = RegulatorRoot.from_key(vectors.regulator_key(vectors.Cast.make()))
    with tempfile.TemporaryDirectory() as tmp:
        history = _append_all(Path(tmp), _random_records(rng, actions), "honest")
        assert _verify(vectors.passport_of(history.accepted), root), "the honest passport verifies"
        forged = _mutate(rng, mutation, history)
        if not _verify(forged, root):
            return
        shown = _shown(forged)
        replayed = _append_all(Path(tmp), shown, "oracle")
        assert replayed.refused == [], f"{mutation}: verified, but the ledger refuses {replayed.refused[:1]}"
