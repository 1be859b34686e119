"""Store verification against a hostile operator: the rule set replayed over every stored record, the trust
anchors pinned, a checkpoint the auditor holds, and an audit of only what was appended since it — on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.core.keys import SigningKey
from ledger.core.registry import KeyRecord
from ledger.store import Store
from ledger.store.audit_since import verify_since
from ledger.store.transparency import TransparencyLog
from ledger.store.verify import VerifyReport, verify_store
from ledger.tlog.trust import RegulatorRoot, TrustAnchors
from ledger.write.service import LedgerService
from tests.harness import CODE, Ledger

OPERATOR = SigningKey.from_seed(b"\x05" * 32)


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    ledger = Ledger(store_url)
    ledger.in_service()
    for day in range(1, 21):
        ledger.must_accept(ledger.maintenance(f"2024-03-{day:02d}T02:00:00Z"))
    yield ledger
    ledger.close()


def _anchors(ledger: Ledger, *, root: bool = True) -> TrustAnchors:
    log = TransparencyLog(ledger.store)
    regulator = RegulatorRoot.from_key(ledger.world.regulator.key.public.base64) if root else None
    return TrustAnchors(log.operator, regulator)


def _verify(ledger: Ledger, **kw: Any) -> VerifyReport:
    return verify_store(ledger.store.url, store=ledger.store, **kw)


def _forge(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, envelope: dict[str, Any]) -> int:
    """Append ``envelope`` as an operator running a ledger without its rules would: any registered key signs."""
    def no_rules(sub: Any, facts: Any, check_signature: Any = None) -> KeyRecord:
        key: KeyRecord = facts.registry.keys[sub.envelope.key_id]
        return key

    monkeypatch.setattr("ledger.write.service.decide", no_rules)
    outcome = ledger.append(envelope)[0]
    monkeypatch.undo()
    assert outcome.receipt is not None, outcome.error
    return outcome.receipt.position


def test_the_honest_store_verifies_against_its_roots(ledger: Ledger) -> None:
    TransparencyLog(ledger.store).issue(OPERATOR)
    report = _verify(ledger, anchors=_anchors(ledger))
    assert report.ok, report.failure
    assert report.signatures == report.events and report.checkpoints == 1
    other = TrustAnchors(_anchors(ledger).operator, RegulatorRoot.from_key(SigningKey.generate().public.base64))
    refused = _verify(ledger, anchors=other)
    assert refused.failure is not None and refused.failure.code == "trust.regulator_root"


def test_a_key_added_by_a_manufacturer_fails_verify_with_the_ledgers_code(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    minted = SigningKey.from_seed(b"\x31" * 32)
    forged = ledger.on(ledger.maker, "KeyAdded", {
        "org": ledger.maintainer.org, "key_id": minted.key_id, "public_key": minted.public.base64,
        "valid_from": "2010-01-01T00:00:00Z"}, "2024-04-01T00:00:00Z", role="manufacturer", code=None)
    position = _forge(ledger, monkeypatch, forged)
    report = _verify(ledger)
    assert report.failure is not None and report.failure.code == "role.forbidden", report.failure
    assert report.failure.position == position and report.failure.stream == f"org:{ledger.maintainer.org}"


def test_a_record_signed_after_its_keys_revocation_fails_verify(ledger: Ledger,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.must_accept(ledger.on(ledger.world.regulator_producer, "KeyRevoked", {
        "org": ledger.maintainer.org, "key_id": ledger.maintainer.key.key_id, "revoked_at": "2024-03-25T00:00:00Z",
        "reason": "泄露"}, "2024-03-25T00:00:00Z", code=None))
    position = _forge(ledger, monkeypatch, ledger.maintenance("2024-03-28T02:00:00Z"))
    report = _verify(ledger, workers=1)
    assert report.failure is not None and report.failure.code == "key.revoked"
    assert (report.failure.position, report.failure.stream) == (position, f"elevator:{CODE}")


def _cut_back(ledger: Ledger, keep: int) -> None:
    """What an operator hiding its last records does: delete them, their index rows, their nodes and every
    checkpoint, so that what remains is a consistent, smaller log."""
    db, names = ledger.store.database, ledger.store._tables.names
    last = ledger.store.tree.row_at_leaf(keep - 1)
    assert last is not None
    db.execute(f"DELETE FROM {names['events']} WHERE {names['rowid']} > ?", (last.position,))
    db.execute(f"DELETE FROM {names['index']} WHERE position > ?", (last.position,))
    db.execute(f"DELETE FROM {names['nodes']} WHERE (idx + 1) * (1 << level) > ?", (keep,))
    db.execute(f"DELETE FROM {names['checkpoints']}")


def test_a_store_cut_back_passes_alone_and_fails_against_the_checkpoint_held(ledger: Ledger) -> None:
    held = TransparencyLog(ledger.store).issue(OPERATOR).note
    size = ledger.store.tree.tree_size()
    anchors = _anchors(ledger)
    _cut_back(ledger, size - 50)
    alone = _verify(ledger, anchors=anchors)
    assert alone.ok and any("--checkpoint" in fact for fact in alone.operator_word)
    report = _verify(ledger, anchors=anchors, checkpoint=held)
    assert report.failure is not None and report.failure.code == "store.truncated"
    assert f"leaves {size - 50}–{size - 1} (50 records) are missing" in report.failure.message
    since = verify_since(ledger.store.url, held, anchors, store=ledger.store)
    assert since.failure is not None and since.failure.code == "store.truncated"


def test_a_store_rolled_back_and_rewritten_fails_as_forked(ledger: Ledger) -> None:
    held = TransparencyLog(ledger.store).issue(OPERATOR).note
    size = ledger.store.tree.tree_size()
    anchors = _anchors(ledger)
    _cut_back(ledger, size - 5)
    url, clock = ledger.store.url, ledger.service.clock
    ledger.store.close()  # the operator's ledger restarts on the cut-back store, and appends again
    ledger.store = Store(url)
    ledger.service = LedgerService(ledger.store, clock=clock)
    for day in range(21, 29):
        ledger.must_accept(ledger.maintenance(f"2024-03-{day:02d}T02:00:00Z"))
    assert ledger.store.tree.tree_size() > size
    report = _verify(ledger, anchors=anchors, checkpoint=held)
    assert report.failure is not None and report.failure.code == "store.forked"
    since = verify_since(ledger.store.url, held, anchors, store=ledger.store)
    assert since.failure is not None and since.failure.code == "store.forked"


def test_since_a_trusted_checkpoint_only_the_new_records_are_verified(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    log = TransparencyLog(ledger.store)
    held = log.issue(OPERATOR)
    anchors = _anchors(ledger)
    ledger.must_accept(*(ledger.maintenance(f"2024-04-{day:02d}T02:00:00Z") for day in range(1, 8)))
    ledger.must_accept(ledger.hazard("YH-9", "2024-04-08T00:00:00Z", source="maintenance"))
    log.issue(OPERATOR)
    report = verify_since(ledger.store.url, held.note, anchors, store=ledger.store)
    assert report.ok, report.failure
    assert (report.events, report.since_size, report.checkpoints) == (8, held.size, 1)
    assert report.tree_size == held.size + 8 and report.signatures == 8
    # A new record the ledger would refuse: signed with a revoked key.
    ledger.must_accept(ledger.on(ledger.world.regulator_producer, "KeyRevoked", {
        "org": ledger.maintainer.org, "key_id": ledger.maintainer.key.key_id, "revoked_at": "2024-04-10T00:00:00Z",
        "reason": "泄露"}, "2024-04-10T00:00:00Z", code=None))
    position = _forge(ledger, monkeypatch, ledger.maintenance("2024-04-12T02:00:00Z"))
    refused = verify_since(ledger.store.url, held.note, anchors, store=ledger.store)
    assert refused.failure is not None and refused.failure.code == "key.revoked"
    assert refused.failure.position == position


def test_since_proves_the_state_it_builds_on(ledger: Ledger) -> None:
    """A record before the checkpoint that the new ones are decided against (the registration naming the user
    unit) altered in the store: the audit of the new records finds it is not the checkpointed log's."""
    held = TransparencyLog(ledger.store).issue(OPERATOR)
    anchors = _anchors(ledger)
    ledger.must_accept(ledger.maintenance("2024-04-02T02:00:00Z"))
    registered = ledger.store.index.first_of_type("Registered")
    assert registered is not None
    db, names = ledger.store.database, ledger.store._tables.names
    record = ledger.store.index.record_at(registered.position)
    assert record is not None
    db.execute(f"UPDATE {names['events']} SET state = ? WHERE {names['rowid']} = ?",
               (record.replace(b"residential", b"commercial"), registered.position))
    report = verify_since(ledger.store.url, held.note, anchors, store=ledger.store)
    assert report.failure is not None and report.failure.code == "integrity.chain"
