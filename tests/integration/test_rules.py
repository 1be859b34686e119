"""Every rejection the ledger makes, each with a case where it fires and one where it must not (SQLite + PostgreSQL).

The codes are the stable contract of docs/ARCHITECTURE.md §7: schema, signature, key, role, licence, relationship,
certificate, invariant.<name>, elevator.unknown, elevator.decommissioned — and duplicates, which are not errors.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.core.keys import SigningKey
from producers.client import Producer
from producers.world import make_uscc
from tests.harness import CODE, Ledger


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    harness = Ledger(store_url)
    yield harness
    harness.close()


# --- signatures and keys --------------------------------------------------------------------------------------


def test_signature_invalid_when_payload_changed_after_signing(ledger: Ledger) -> None:
    event = ledger.manufactured()
    event["payload"]["floors"] = 11
    ledger.must_refuse("signature.invalid", event)
    ledger.must_accept(ledger.manufactured())


def test_key_unknown_and_key_of_another_org(ledger: Ledger) -> None:
    stranger = Producer(ledger.maker.org, "manufacturer", SigningKey.from_seed(b"\x01" * 32))
    payload = ledger.manufactured()["payload"]
    ledger.must_refuse("key.unknown", ledger.on(stranger, "Manufactured", payload, "2018-03-01T00:00:00Z"))
    # the maker's key, claimed by another
    impostor = Producer(ledger.maintainer.org, "manufacturer", ledger.maker.key)
    ledger.must_refuse("key.unknown", ledger.on(impostor, "Manufactured", payload, "2018-03-01T00:00:00Z"))
    ledger.must_accept(ledger.manufactured())


def test_key_revoked_expired_and_not_yet_valid(ledger: Ledger) -> None:
    reg = ledger.world.regulator_producer
    ledger.in_service()
    rotated = SigningKey.from_seed(b"\x02" * 32)
    ledger.must_accept(
        reg.event("KeyAdded", {"org": ledger.maintainer.org, "key_id": rotated.key_id,
                               "public_key": rotated.public.base64, "valid_from": "2024-01-01T00:00:00Z",
                               "valid_until": "2025-01-01T00:00:00Z"}, occurred_at="2023-12-01T00:00:00Z"),
        reg.event("KeyRevoked", {"org": ledger.maintainer.org, "key_id": ledger.maintainer.key.key_id,
                                 "revoked_at": "2024-06-01T00:00:00Z", "reason": "rotation"},
                  occurred_at="2024-06-01T00:00:00Z"),
    )
    new_key = Producer(ledger.maintainer.org, "maintainer", rotated)
    persons = ledger.maintainer.persons("worker", 2)

    def visit(producer: Producer, when: str) -> dict:  # type: ignore[type-arg]
        payload = ledger.maintenance(when)["payload"]
        return producer.event("MaintenancePerformed", payload, equipment_code=CODE, occurred_at=when, persons=persons)

    ledger.must_accept(ledger.maintenance("2024-05-01T02:00:00Z"))  # old key, before revocation
    ledger.must_refuse("key.revoked", ledger.maintenance("2024-07-01T02:00:00Z"))
    ledger.must_refuse("key.not_yet_valid", visit(new_key, "2023-12-20T02:00:00Z"))
    ledger.must_accept(visit(new_key, "2024-07-01T02:00:00Z"))
    ledger.must_refuse("key.expired", visit(new_key, "2025-02-01T02:00:00Z"))


# --- roles, licences, certificates, relationships -----------------------------------------------------------------


def test_role_forbidden(ledger: Ledger) -> None:
    ledger.in_service()
    insurer_inspects = ledger.on(ledger.insurer, "PeriodicInspected",
                                 {"report_no": "X", "conclusion": "pass", "next_due_date": "2030-01-01"},
                                 "2024-01-01T00:00:00Z")
    ledger.must_refuse("role.forbidden", insurer_inspects)
    acting_out_of_role = Producer(ledger.user.org, "maintainer", ledger.user.key)
    ledger.must_refuse("role.forbidden", ledger.on(acting_out_of_role, "Repaired",
                                                  {"subsystem": "door", "description": "x"}, "2024-01-01T00:00:00Z"))


def test_licence_invalid_after_expiry(ledger: Ledger) -> None:
    """The unlicensed maintainer's only licence ran from 2010-01-01 for one year."""
    ledger.must_accept(ledger.manufactured(when="2010-03-01T00:00:00Z"))
    ledger.must_accept(ledger.registered(when="2010-04-01T00:00:00Z"))
    signed_in_time = ledger.contract(ledger.unlicensed, "WB-U", start="2010-06-01", end="2011-05-31")
    ledger.must_accept(signed_in_time)
    too_late = ledger.contract(ledger.unlicensed, "WB-U2", start="2011-06-01", end="2012-05-31")
    ledger.must_refuse("licence.invalid", too_late)


def test_relationship_missing_without_contract(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_refuse("relationship.missing", ledger.maintenance(maintainer=ledger.rival, number="WB-1"))
    ledger.must_accept(ledger.maintenance())


def test_relationship_missing_after_contract_terminated(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.on(ledger.maintainer, "MaintenanceContractTerminated",
                                 {"contract_no": "WB-1", "effective_date": "2024-01-01", "reason": "解约"},
                                 "2023-12-15T00:00:00Z"))
    ledger.must_accept(ledger.maintenance("2023-12-20T02:00:00Z"))
    ledger.must_refuse("relationship.missing", ledger.maintenance("2024-01-05T02:00:00Z"))


def test_certificate_invalid_and_persons_missing(ledger: Ledger) -> None:
    ledger.in_service()
    foreign = ledger.rival.persons("worker", 1)
    ledger.must_refuse("certificate.invalid", ledger.maintenance(persons=foreign))
    ledger.must_refuse("certificate.invalid", ledger.maintenance(persons=[{"cert_no": "T-NOBODY", "role": "worker"}]))
    ledger.must_refuse("persons.missing", ledger.maintenance(persons=[]))
    ledger.must_accept(ledger.maintenance(persons=ledger.maintainer.persons("worker", 1)))


def test_insurer_claims_only_on_its_own_policy(ledger: Ledger) -> None:
    ledger.in_service()
    fault = ledger.on(ledger.platform, "FaultReported", {"source": "96333", "code": 2}, "2024-03-01T00:00:00Z")
    policy = ledger.on(ledger.insurer, "PolicyIssued", {
        "policy_no": "P-1", "product": "liability", "insured": ledger.user.org, "period_start": "2024-01-01",
        "period_end": "2024-12-31", "premium_fen": 9300, "limit_per_person_fen": 1, "limit_aggregate_fen": 1,
    }, "2023-12-01T00:00:00Z")
    ledger.must_accept(fault, policy)
    claim = {"claim_no": "C-1", "policy_no": "P-1", "incident_refs": [fault["event_id"]], "loss_type": "property",
             "reserve_fen": 10}
    ledger.must_refuse("relationship.missing", ledger.on(ledger.other_insurer, "ClaimFiled", claim,
                                                         "2024-03-02T00:00:00Z"))
    ledger.must_accept(ledger.on(ledger.insurer, "ClaimFiled", claim, "2024-03-02T00:00:00Z"))


def test_user_unit_events_need_the_current_user_unit(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_refuse("relationship.missing",
                       ledger.on(ledger.new_user, "Suspended", {"reason": "装修"}, "2024-01-01T00:00:00Z"))
    ledger.must_accept(ledger.on(ledger.world.regulator_producer, "UserUnitChanged", {
        "old_user_unit": ledger.user.org, "new_user_unit": ledger.new_user.org, "change_registration_no": "BG-1",
    }, "2023-06-01T00:00:00Z"))
    ledger.must_accept(ledger.on(ledger.new_user, "Suspended", {"reason": "装修"}, "2024-01-01T00:00:00Z"))


def test_iot_terminal_only_for_its_elevator(ledger: Ledger) -> None:
    terminal = ledger.world.terminal(ledger.maintainer, "IOT-9", CODE)
    ledger.must_accept(*ledger.world.events[-2:])
    ledger.in_service()
    ledger.must_accept(ledger.manufactured("311031001201800002"))
    ledger.must_refuse("relationship.missing", ledger.on(terminal, "FaultReported", {"source": "iot", "code": 1},
                                                         "2024-01-01T00:00:00Z", code="311031001201800002"))
    ledger.must_accept(ledger.on(terminal, "FaultReported", {"source": "iot", "code": 1}, "2024-01-01T00:00:00Z"))


def test_maker_code_must_match_equipment_code(ledger: Ledger) -> None:
    ledger.must_refuse("relationship.missing", ledger.manufactured("311031002201800001"))


# --- lifecycle invariants ---------------------------------------------------------------------------------------


def test_unknown_elevator_and_duplicate_manufacture(ledger: Ledger) -> None:
    ledger.must_refuse("elevator.unknown", ledger.registered())
    ledger.must_accept(ledger.manufactured())
    ledger.must_refuse("invariant.duplicate_elevator", ledger.manufactured())


def test_no_pass_while_hazards_open(ledger: Ledger) -> None:
    """隐患整改未完成的，不得出具合格检验检测报告 (seed 002)."""
    ledger.in_service()
    ledger.must_accept(ledger.inspection("fail", "2024-02-01T00:00:00Z"), ledger.hazard())
    for kind in ("PeriodicInspected", "SelfTested"):
        ledger.must_refuse("invariant.hazards_open", ledger.inspection("pass", "2024-02-10T00:00:00Z", kind=kind))
    ledger.must_accept(ledger.inspection("fail", "2024-02-11T00:00:00Z"))  # a 不合格 report is always possible
    ledger.must_accept(ledger.on(ledger.maintainer, "HazardRectified", {"hazard_no": "YH-1", "description": "换"},
                                 "2024-02-20T00:00:00Z", persons=ledger.maintainer.persons("worker")))
    ledger.must_accept(ledger.inspection("pass", "2024-02-25T00:00:00Z", is_reinspection=True))


def test_minor_maintainer_hazard_does_not_block_pass_but_serious_does(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.hazard("YH-M", source="maintenance", severity="general"))
    ledger.must_accept(ledger.inspection("pass", "2024-02-10T00:00:00Z"))
    ledger.must_accept(ledger.hazard("YH-S", when="2024-03-01T00:00:00Z", source="maintenance", severity="serious"))
    ledger.must_refuse("invariant.hazards_open", ledger.inspection("pass", "2024-03-10T00:00:00Z"))


def test_no_events_after_decommissioning_except_archival(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.on(ledger.user, "Decommissioned", {
        "reason": "报废", "scrap_certificate_no": "BF-1", "certificate_surrendered": True}, "2024-06-01T00:00:00Z"))
    ledger.must_refuse("elevator.decommissioned", ledger.maintenance("2024-06-10T02:00:00Z"))
    ledger.must_accept(ledger.maintenance("2024-05-20T02:00:00Z"))  # a late record of an earlier visit
    ledger.must_accept(ledger.on(ledger.world.regulator_producer, "PenaltyImposed", {
        "decision_no": "罚-1", "party": ledger.user.org, "law_article": "83", "category": "other",
        "violation": "未按规定报废", "amount_fen": 1_000_000}, "2024-07-01T00:00:00Z"))


def test_overlapping_contracts_of_two_maintainers(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_refuse("invariant.contract_overlap", ledger.contract(ledger.rival, "WB-2", start="2024-01-01"))
    ledger.must_accept(ledger.contract(ledger.maintainer, "WB-1b", start="2024-01-01"))  # same maintainer renews
    ledger.must_accept(ledger.contract(ledger.rival, "WB-3", start="2031-01-01", end="2033-12-31",
                                       signed="2025-06-01T00:00:00Z"))


def test_modification_needs_supervisory_inspection_and_change_registration(ledger: Ledger) -> None:
    ledger.in_service()
    licence = ledger.world.licence_no(ledger.maker, "modification")
    ledger.must_accept(ledger.on(ledger.maker, "Modified", {"licence_no": licence, "scope": "更换控制系统"},
                                 "2024-03-01T00:00:00Z", role="installer"))
    reactivate = ledger.on(ledger.user, "Reactivated", {"self_check_done": True}, "2024-03-10T00:00:00Z")
    ledger.must_refuse("invariant.supervisory_inspection_required", reactivate)
    ledger.must_refuse("invariant.supervisory_inspection_required", ledger.inspection("pass", "2024-03-05T00:00:00Z"))
    ledger.must_accept(ledger.inspection("pass", "2024-03-08T00:00:00Z", kind="SupervisoryInspected",
                                         trigger="modification"))
    ledger.must_refuse("invariant.supervisory_inspection_required",
                       ledger.on(ledger.user, "Reactivated", {"self_check_done": True}, "2024-03-09T00:00:00Z"))
    ledger.must_accept(ledger.registered(when="2024-03-09T00:00:00Z", change=True))
    ledger.must_accept(reactivate)


def test_reactivation_after_a_year_needs_a_passed_periodic_inspection(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.on(ledger.user, "Suspended", {"reason": "装修"}, "2022-01-01T00:00:00Z"))
    ledger.must_refuse("invariant.already_suspended",
                       ledger.on(ledger.user, "Suspended", {"reason": "再停"}, "2022-02-01T00:00:00Z"))
    ledger.must_refuse("invariant.reactivation_inspection_required",
                       ledger.on(ledger.user, "Reactivated", {"self_check_done": True}, "2023-06-01T00:00:00Z"))
    ledger.must_accept(ledger.inspection("pass", "2023-05-20T00:00:00Z"))
    ledger.must_accept(ledger.on(ledger.user, "Reactivated", {"self_check_done": True}, "2023-06-01T00:00:00Z"))
    ledger.must_refuse("invariant.not_suspended",
                       ledger.on(ledger.user, "Reactivated", {"self_check_done": True}, "2023-06-02T00:00:00Z"))


def test_short_suspension_reactivates_without_inspection(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.on(ledger.user, "Suspended", {"reason": "装修"}, "2024-01-01T00:00:00Z"),
                       ledger.on(ledger.user, "Reactivated", {"self_check_done": True}, "2024-03-01T00:00:00Z"))


def test_references_must_exist(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_refuse("invariant.unknown_reference", ledger.on(ledger.maintainer, "HazardRectified",
                                                                {"hazard_no": "NOPE", "description": "x"},
                                                                "2024-01-01T00:00:00Z"))
    ledger.must_refuse("invariant.unknown_reference", ledger.on(ledger.user, "MaintenanceCountersigned", {
        "maintenance_ref": "01900000-0000-7000-8000-000000000009"}, "2024-01-01T00:00:00Z"))
    visit = ledger.maintenance()
    ledger.must_accept(visit, ledger.on(ledger.user, "MaintenanceCountersigned",
                                        {"maintenance_ref": visit["event_id"]}, "2024-01-11T00:00:00Z"))
    other = "311031001201800002"
    ledger.must_accept(ledger.manufactured(other), ledger.registered(other),
                       ledger.contract(code=other, number="WB-2"))
    elsewhere = ledger.maintenance(code=other, number="WB-2")
    ledger.must_accept(elsewhere)
    ledger.must_refuse("invariant.unknown_reference", ledger.on(ledger.user, "MaintenanceCountersigned", {
        "maintenance_ref": elsewhere["event_id"]}, "2024-01-12T00:00:00Z"))  # another elevator's record
    not_a_visit = ledger.store.index.stream_rows(CODE)[0].row.event_id
    ledger.must_refuse("invariant.unknown_reference", ledger.on(ledger.user, "MaintenanceCountersigned", {
        "maintenance_ref": not_a_visit}, "2024-01-12T00:00:00Z"))  # not a maintenance record


def test_numbers_are_unique_per_elevator(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.hazard("YH-1"))
    ledger.must_refuse("invariant.duplicate_number", ledger.hazard("YH-1", when="2024-02-02T00:00:00Z"))


def test_registered_twice_needs_a_change_registration(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_refuse("invariant.already_registered", ledger.registered(when="2019-01-01T00:00:00Z"))
    ledger.must_accept(ledger.registered(when="2019-01-01T00:00:00Z", change=True))


def test_chronology_and_future(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_refuse("invariant.chronology", ledger.maintenance("2017-01-01T02:00:00Z"))
    ledger.must_refuse("invariant.future", ledger.maintenance("2026-01-02T02:00:00Z"))


# --- identity: duplicates and corrections ---------------------------------------------------------------------


def test_duplicate_returns_the_original_receipt(ledger: Ledger) -> None:
    made = ledger.manufactured()
    first = ledger.must_accept(made)[0]
    again = ledger.append(made, made)
    assert all(o.duplicate and o.receipt == first.receipt for o in again)
    assert ledger.store.index.max_position() == first.receipt.position  # nothing written twice


def test_event_id_reused_for_other_content(ledger: Ledger) -> None:
    made = ledger.manufactured()
    ledger.must_accept(made)
    other = ledger.on(ledger.maker, "Manufactured", made["payload"] | {"floors": 12}, "2018-03-01T00:00:00Z",
                      role="manufacturer", event_id=made["event_id"])
    ledger.must_refuse("invariant.event_id_reused", other)


def test_corrections_reference_same_type_stream_and_signer(ledger: Ledger) -> None:
    ledger.in_service()
    visit = ledger.maintenance()
    ledger.must_accept(visit)
    fixed = ledger.on(ledger.maintainer, "MaintenancePerformed", visit["payload"] | {"tier": "quarterly"},
                      visit["occurred_at"], corrects=visit["event_id"], persons=ledger.maintainer.persons("worker"))
    ledger.must_accept(fixed)
    wrong_type = ledger.on(ledger.maintainer, "Repaired", {"subsystem": "door", "description": "x"},
                           "2024-01-11T00:00:00Z", corrects=visit["event_id"])
    ledger.must_refuse("invariant.correction_mismatch", wrong_type)
    nowhere = ledger.on(ledger.maintainer, "Repaired", {"subsystem": "door", "description": "x"},
                        "2024-01-11T00:00:00Z", corrects="01900000-0000-7000-8000-00000000000a")
    ledger.must_refuse("invariant.unknown_reference", nowhere)


# --- registry events --------------------------------------------------------------------------------------------


def test_registry_consistency(ledger: Ledger) -> None:
    reg = ledger.world.regulator_producer
    assert ledger.append(ledger.world.events[0])[0].duplicate
    ledger.must_refuse("invariant.duplicate_org", reg.event("OrganizationRegistered", {
        "org": ledger.maker.org, "name": "again", "roles": ["installer"]}, occurred_at="2020-01-01T00:00:00Z"))
    ledger.must_refuse("invariant.duplicate_key", reg.event("KeyAdded", {
        "org": ledger.maker.org, "key_id": ledger.maker.key.key_id, "public_key": ledger.maker.key.public.base64,
        "valid_from": "2020-01-01T00:00:00Z"}, occurred_at="2020-01-01T00:00:00Z"))
    unregistered = make_uscc("310000", 999)
    ledger.must_refuse("relationship.missing", reg.event("LicenceGranted", {
        "org": unregistered, "licence_no": "L", "kind": "maintenance", "valid_from": "2020-01-01",
        "valid_until": "2021-01-01"}, occurred_at="2020-01-01T00:00:00Z"))
    ledger.must_refuse("schema.invalid", reg.event("KeyAdded", {
        "org": ledger.maker.org, "key_id": "0" * 32, "public_key": ledger.maker.key.public.base64,
        "valid_from": "2020-01-01T00:00:00Z"}, occurred_at="2020-01-01T00:00:00Z"))
    ledger.must_refuse("role.forbidden", ledger.maker.as_("manufacturer").event("LicenceGranted", {
        "org": ledger.maker.org, "licence_no": "SELF", "kind": "inspection", "valid_from": "2020-01-01",
        "valid_until": "2030-01-01"}, occurred_at="2020-01-01T00:00:00Z"))
    new_genesis = SigningKey.from_seed(b"\x03" * 32)
    regulator = Producer(ledger.world.regulator.org, "regulator", ledger.world.regulator.key)
    ledger.must_refuse("invariant.genesis_exists", regulator.event(
        "RegistryGenesis", {"org": ledger.world.regulator.org, "name": "x", "key_id": new_genesis.key_id,
                            "public_key": new_genesis.public.base64, "valid_from": "2020-01-01T00:00:00Z"},
        occurred_at="2020-01-01T00:00:00Z"))
