"""The store's narrow readers on both backends: elevator scope questions, checkpoints and meta, all read by name."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from ledger.core.errors import ConflictError, IntegrityError
from ledger.store import CheckpointRow, RelationRecord
from ledger.store.tables import SCHEMA_VERSION
from tests.harness import CODE, Ledger

OTHER = "311031001201800002"  # manufactured only: no registration, no contract


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    harness = Ledger(store_url)
    harness.in_service()
    harness.must_accept(harness.manufactured(OTHER))
    yield harness
    harness.close()


def test_which_elevators_exist_and_in_code_order(ledger: Ledger) -> None:
    elevators = ledger.store.elevators
    assert elevators.elevator_exists(CODE) and elevators.elevator_exists(OTHER)
    assert not elevators.elevator_exists("311031001201899999")
    assert not elevators.elevator_exists(ledger.maintainer.org)  # an organization stream is no elevator
    assert elevators.elevator_codes("", 10) == [CODE, OTHER]
    assert elevators.elevator_codes(CODE, 10) == [OTHER]
    assert elevators.elevator_codes("", 1) == [CODE]


def test_elevators_an_organization_signed_for(ledger: Ledger) -> None:
    elevators = ledger.store.elevators
    assert elevators.elevators_recorded_by(ledger.maker.org, {"Manufactured"}, "", 10) == [CODE, OTHER]
    assert elevators.elevators_recorded_by(ledger.maker.org, {"Manufactured"}, CODE, 10) == [OTHER]
    assert elevators.elevators_recorded_by(ledger.maintainer.org, {"MaintenanceContractSigned"}, "", 10) == [CODE]
    assert elevators.elevators_recorded_by(ledger.maintainer.org, {"Manufactured"}, "", 10) == []
    assert elevators.elevators_recorded_by(ledger.maker.org, set(), "", 10) == []


def test_relation_records_carry_type_signer_and_the_stored_bytes(ledger: Ledger) -> None:
    found = ledger.store.elevators.relation_records(CODE, {"MaintenanceContractSigned", "Registered"})
    stored = {row.type: record for row, record in ledger.store.index.stream_rows(CODE)}
    assert sorted(found) == sorted([
        RelationRecord("MaintenanceContractSigned", ledger.maintainer.org, stored["MaintenanceContractSigned"]),
        RelationRecord("Registered", ledger.world.regulator.org, stored["Registered"]),
    ])
    assert ledger.store.elevators.relation_records(OTHER, {"Registered"}) == []
    assert ledger.store.elevators.relation_records(CODE, ()) == []


def test_records_of_types_come_in_code_order_after_a_code(ledger: Ledger) -> None:
    found = ledger.store.elevators.records_of_types({"Registered", "Manufactured"}, "")
    assert [r.stream_key for r in found] == [CODE, CODE, OTHER]  # within one elevator, the database's order
    assert {(r.stream_key, r.type) for r in found} == {(CODE, "Manufactured"), (CODE, "Registered"),
                                                      (OTHER, "Manufactured")}
    registered = next(r for r in found if r.type == "Registered")
    assert orjson.loads(registered.record)["payload"]["user_unit"] == ledger.user.org
    assert [r.stream_key for r in ledger.store.elevators.records_of_types({"Manufactured"}, CODE)] == [OTHER]


def test_checkpoints_and_meta_are_kept_and_read_by_name(ledger: Ledger) -> None:
    book = ledger.store.checkpoints
    versions = {"schema_version": str(SCHEMA_VERSION), "log_format": "2"}  # stamped when the store was created
    assert book.checkpoints() == [] and book.meta() == versions
    assert book.add_checkpoint(5, 100, "note-a\n") == 1
    assert book.add_checkpoint(9, 200, "note-b\n") == 2
    book.replace_checkpoint_note(1, "note-a\n\n— cosigned\n")
    assert book.checkpoints() == [
        CheckpointRow(1, 5, 100, "note-a\n\n— cosigned\n"), CheckpointRow(2, 9, 200, "note-b\n"),
    ]
    assert [row.checkpoint_id for row in book.checkpoints(tree_size=9)] == [2]
    assert book.checkpoints(newest_only=True)[0].note == "note-b\n"
    book.set_meta({"origin": "example.org/log"})
    book.set_meta({"origin": "example.org/log", "operator_vkey": "vkey"})  # the same value again: kept
    with pytest.raises(ConflictError) as raised:
        book.set_meta({"origin": "elsewhere.org/log"})
    assert raised.value.code == "conflict.meta"
    assert book.meta() == {"origin": "example.org/log", "operator_vkey": "vkey", **versions}


def test_merkle_reads_name_leaves_and_refuse_missing_nodes(ledger: Ledger) -> None:
    tree = ledger.store.tree
    size = tree.tree_size()
    leaves = tree.leaf_scan(-1, size)
    assert [leaf.leaf for leaf in leaves] == list(range(size))
    last = tree.row_at_leaf(size - 1)
    assert last is not None and last.hash == leaves[-1].hash
    assert tree.leaf_of(last.event_id) == last
    assert tree.row_at_leaf(size) is None and tree.leaf_of("01900000-0000-7000-8000-0000000000ff") is None
    with pytest.raises(IntegrityError) as raised:
        tree.get_nodes([(0, size)])
    assert raised.value.code == "proof.store"
