"""Every fraud signal of docs/DOMAIN.md (f): where it fires with its evidence, and where it must not."""

from __future__ import annotations

from typing import Any

from ledger.core.identifiers import format_instant
from ledger.core.maintenance_items import items_for_tier
from tests.harness import CODE
from tests.projections.conftest import City, t

CODE2 = "311031001201800002"


def ids(signal: dict[str, Any]) -> list[str]:
    return [e["event_id"] for e in signal["evidence"]]


def job(city: City, when: str, minutes: int = 45, *, code: str = CODE, persons: list[dict[str, str]] | None = None,
        where: tuple[int, int] | None = None, evidence: list[str] = (), **results: str) -> dict[str, Any]:  # type: ignore[assignment]
    start = t(when) - minutes * 60
    payload: dict[str, Any] = {
        "contract_no": "WB-1" if code == CODE else f"WB-{code[-5:]}", "tier": "half_month",
        "started_at": format_instant(start), "ended_at": when,
        "results": {**dict.fromkeys(items_for_tier("half_month"), "pass"), **results}}
    if where:
        payload["checkin"] = {"lat_e6": where[0], "lon_e6": where[1]}
    return city.on(city.maintainer, "MaintenancePerformed", payload, when, code=code,
                   persons=persons or city.maintainer.persons("worker", 2),
                   evidence=[{"sha256": d, "kind": "photo"} for d in evidence])


def replaced(city: City, kind: str, serial: str, old: str, when: str, **extra: Any) -> dict[str, Any]:
    payload = {"kind": kind, "serial": serial, "old_serial": old, "maker": "某厂", "funding": "owner", **extra}
    return city.on(city.maintainer, "ComponentReplaced", payload, when, persons=city.maintainer.persons("worker"))


def test_false_maintenance_within_one_record(city: City) -> None:
    city.in_service()
    short, fine = job(city, "2024-01-10T02:00:00Z", minutes=12), job(city, "2024-01-24T02:00:00Z")
    worker = city.maintainer.persons("worker")[0]
    twice = job(city, "2024-02-07T02:00:00Z", persons=[worker, worker])
    city.must_accept(short, fine, twice)
    (s,) = city.signals("FV.short_duration")
    assert s["key"] == short["event_id"] and s["detail"]["minutes"] == 12 and ids(s) == [short["event_id"]]
    (p,) = city.signals("FV.same_person_twice")
    assert p["key"] == twice["event_id"] and s["pattern"] == p["pattern"] == "虚假维保"


def test_no_iot_evidence_of_inspection_mode(city: City) -> None:
    city.in_service()
    city.must_accept(city.stats("2024-03-01T00:00:00Z"))  # the terminal streams its status
    covered = job(city, "2024-03-02T03:00:00Z")
    city.must_accept(city.mode("2024-03-02T02:20:00Z"), covered)
    bare = job(city, "2024-03-05T03:00:00Z")
    late_evidence = job(city, "2024-03-08T03:00:00Z")
    city.must_accept(bare, late_evidence, city.mode("2024-03-08T03:10:00Z"), city.stats("2024-03-09T00:00:00Z"))
    (signal,) = city.signals("FV.no_iot_evidence")
    assert signal["key"] == bare["event_id"] and ids(signal) == [bare["event_id"]]
    closed = [s for s in city.project().fraud(include_closed=True) if s["key"] == late_evidence["event_id"]]
    assert closed and closed[0]["closed_at"] == "2024-03-08T03:10:00Z"  # the 检修 record came after all
    # Without a terminal streaming status, absence of evidence says nothing.
    city.elevator(CODE2)
    city.must_accept(job(city, "2024-03-05T03:00:00Z", code=CODE2))
    assert all(s["equipment_codes"] != [CODE2] for s in city.signals("FV.no_iot_evidence"))


def test_a_monthly_report_is_enough_to_count_the_terminal_as_fitted(city: City) -> None:
    city.in_service()
    report = city.stats("2024-03-01T00:00:00Z")
    bare = job(city, "2024-03-25T03:00:00Z")  # 24 days after the run statistics: the terminal is still there
    city.must_accept(report, bare)
    (signal,) = city.signals("FV.no_iot_evidence")
    assert signal["key"] == bare["event_id"] and signal["detail"]["terminal_last_report"] == t("2024-03-01T00:00:00Z")
    city.must_accept(job(city, "2024-05-01T03:00:00Z"))  # two months on: absence of evidence says nothing
    assert len(city.signals("FV.no_iot_evidence")) == 1


def test_a_check_in_far_from_where_the_elevator_s_visits_check_in(city: City) -> None:
    city.in_service()
    site = (31_230_000, 121_470_000)
    visits = [job(city, f"2024-04-{d:02d}T02:00:00Z", where=(site[0] + 100 * d, site[1] - 50 * d))  # ~10-100 m
              for d in (1, 8, 15, 22, 29)]
    early_off = job(city, "2024-03-20T02:00:00Z", where=(31_300_000, 121_470_000))  # before there is a site
    off = job(city, "2024-05-06T02:00:00Z", where=(31_280_000, 121_470_000))  # ≈ 5.5 km north
    near = job(city, "2024-05-13T02:00:00Z", where=(site[0] + 8_000, site[1]))  # ≈ 700 m: the same site
    city.must_accept(early_off, *visits, off, near)
    (signal,) = city.signals("FV.off_site_checkin")
    assert signal["key"] == off["event_id"] and 5 < signal["detail"]["distance_km"] < 6


def test_one_worker_in_two_places(city: City) -> None:
    city.in_service()
    city.elevator(CODE2)
    worker = city.maintainer.persons("worker", 1)
    here, there = (31_230_000, 121_470_000), (31_230_000, 121_680_000)  # ≈ 20 km apart
    a = job(city, "2024-04-01T02:00:00Z", persons=worker, where=here)
    b = job(city, "2024-04-01T02:50:00Z", code=CODE2, persons=worker, where=there)  # 5 minutes later
    c = job(city, "2024-04-01T05:00:00Z", persons=worker, where=here)  # 85 minutes later: fine
    d = job(city, "2024-04-01T05:20:00Z", code=CODE2, persons=worker, where=there)  # overlaps c
    city.must_accept(a, b, c, d)
    (travel,) = city.signals("FV.impossible_travel")
    assert ids(travel) == [a["event_id"], b["event_id"]] and travel["detail"]["distance_km"] > 15
    assert travel["equipment_codes"] == sorted([CODE, CODE2])
    (overlap,) = city.signals("FV.overlapping_jobs")
    assert ids(overlap) == [c["event_id"], d["event_id"]]


def test_duplicate_evidence_digest(city: City) -> None:
    city.in_service()
    photo, other = "ab" * 32, "cd" * 32
    a, b = job(city, "2024-01-10T02:00:00Z", evidence=[photo]), job(city, "2024-01-24T02:00:00Z", evidence=[photo])
    city.must_accept(a, b, job(city, "2024-02-07T02:00:00Z", evidence=[other]))
    (dup,) = city.signals("FV.duplicate_evidence")
    assert dup["key"] == photo and ids(dup) == [a["event_id"], b["event_id"]]


def test_repair_without_a_preceding_fault(city: City) -> None:
    city.in_service()
    fault = city.fault("2024-02-01T02:00:00Z", code=3)
    answered = city.on(city.maintainer, "Repaired", {"subsystem": "door", "description": "门锁",
                                                     "fault_refs": [fault["event_id"]]}, "2024-02-01T06:00:00Z",
                       persons=city.maintainer.persons("worker"))
    unprompted = city.on(city.maintainer, "Repaired", {"subsystem": "brake", "description": "更换制动器",
                                                       "fund_request_ref": "ZXJJ-1", "amount_fen": 2_000_000},
                         "2024-03-01T06:00:00Z", persons=city.maintainer.persons("worker"))
    city.must_accept(fault, answered, unprompted)
    (signal,) = city.signals("FR.no_preceding_fault")
    assert signal["key"] == unprompted["event_id"] and signal["detail"]["repair_fund_claimed"] is True
    assert signal["detail"]["subsystems"] == ["brake"]


def test_repairs_answering_an_equipment_entrapment_or_a_safety_circuit_fault(city: City) -> None:
    city.in_service()
    rescue = city.rescue("2024-02-01T02:00:00Z", 20, cause="equipment")  # which part failed: the repair says
    after_rescue = city.on(city.maintainer, "Repaired", {"subsystem": "control", "description": "主板复位",
                                                         "fault_refs": [rescue["event_id"]]},
                           "2024-02-01T08:00:00Z", persons=city.maintainer.persons("worker"))
    alarm = city.fault("2024-07-01T02:00:00Z", code=1)  # 安全回路断路: a door lock contact
    lock = replaced(city, "door_lock", "L-2", "L-1", "2024-07-01T06:00:00Z", maker_org=city.maker.org,
                    fault_refs=[alarm["event_id"]])
    city.must_accept(rescue, after_rescue, alarm, lock)
    assert city.signals("FR.no_preceding_fault") == []


def test_replacements_repeated_unknown_and_substituted(city: City) -> None:
    city.in_service()
    city.must_accept(city.on(city.maker, "ComponentAssociated", {
        "kind": "governor", "serial": "G-1", "maker": "迅达", "maker_org": city.maker.org, "type_test_cert": "TX"},
        "2018-03-02T00:00:00Z", role="manufacturer"))
    oem = replaced(city, "governor", "G-2", "G-1", "2024-01-10T00:00:00Z", maker_org=city.maker.org,
                   type_test_cert="TX-2")
    unknown = replaced(city, "governor", "G-3", "G-9", "2024-02-10T00:00:00Z", maker_org=city.maker.org,
                       type_test_cert="TX-3")
    third = replaced(city, "governor", "G-4", "G-3", "2024-03-10T00:00:00Z", maker_org=city.rival.org)
    city.must_accept(oem, unknown, third)
    (repeat,) = city.signals("FR.repeat_replacement")
    assert ids(repeat) == [oem["event_id"], unknown["event_id"], third["event_id"]]
    (serial,) = city.signals("FR.unknown_old_serial")
    assert serial["key"] == unknown["event_id"] and serial["detail"]["dossier_serial"] == "G-2"
    (non_oem,) = city.signals("FS.non_oem_part")
    assert non_oem["key"] == third["event_id"] and non_oem["detail"]["maker_org"] == city.rival.org
    (uncertified,) = city.signals("FS.no_type_test")
    assert uncertified["key"] == third["event_id"]


def test_post_replacement_fault_rate_above_fleet(city: City) -> None:
    city.in_service()
    city.elevator(CODE2)
    swap = replaced(city, "door_operator", "D-2", "D-1", "2025-01-01T00:00:00Z", maker_org=city.rival.org)
    swap2 = city.on(city.maintainer, "ComponentReplaced", {  # the same part on a unit that stays healthy
        "kind": "door_operator", "serial": "D-2", "old_serial": "D-1", "maker": "迅达", "maker_org": city.maker.org,
        "funding": "owner"}, "2025-01-01T00:00:00Z", code=CODE2, persons=city.maintainer.persons("worker"))
    faults = [city.fault(f"2025-{m:02d}-15T02:00:00Z", code=2) for m in (1, 2, 3, 4)]
    city.must_accept(swap, swap2, *faults)
    (signal,) = city.signals("FS.post_replacement")
    assert signal["key"] == swap["event_id"] and signal["detail"]["faults_after"] == 4
    assert signal["detail"]["faults_before"] == 0
    assert ids(signal) == [swap["event_id"], *(f["event_id"] for f in faults)]


def test_post_replacement_needs_more_faults_than_before_and_more_than_chance(city: City) -> None:
    city.in_service()
    city.elevator(CODE2)
    swap = replaced(city, "door_operator", "D-2", "D-1", "2025-01-01T00:00:00Z", maker_org=city.rival.org)
    months = (1, 2, 4, 5, 7, 8, 10, 11)  # far above the fleet's rate after the swap — and as high before it
    before = [city.fault(f"2024-{m:02d}-15T02:00:00Z", code=2) for m in months]
    after = [city.fault(f"2025-{m:02d}-15T02:00:00Z", code=2) for m in months]
    city.must_accept(swap, *before, *after)
    assert city.signals("FS.post_replacement") == []  # the elevator, not the part
    few = city.on(city.maintainer, "ComponentReplaced", {
        "kind": "door_operator", "serial": "D-3", "old_serial": "D-9", "maker": "迅达", "maker_org": city.maker.org,
        "funding": "owner"}, "2025-06-01T00:00:00Z", code=CODE2, persons=city.maintainer.persons("worker"))
    city.must_accept(few, *(city.fault(f"2025-{m:02d}-15T02:00:00Z", code=2, elevator=CODE2) for m in (7, 9)))
    assert city.signals("FS.post_replacement") == []  # two faults in seven months: within chance for this fleet


def test_bypassed_safety_circuit(city: City) -> None:
    city.in_service()
    city.elevator(CODE2)
    before = city.fault("2024-04-24T02:00:00Z", code=1)  # safety circuit alarm
    visit = job(city, "2024-05-01T02:00:00Z")  # A-1-09 bypass device: "pass"
    moved = city.fault("2024-05-05T02:00:00Z", code=107)  # 开门走梯
    city.must_accept(before, visit, moved, city.fault("2024-06-20T02:00:00Z", code=2))
    movement = [s for s in city.signals("FB.door_open_movement") if s["key"] == moved["event_id"]]
    assert len(movement) == 1
    (normal,) = city.signals("FB.bypass_item_normal")
    assert normal["key"] == visit["event_id"]
    assert ids(normal) == [before["event_id"], visit["event_id"], moved["event_id"]]
    alarms = [city.fault(f"2024-07-{d:02d}T02:00:00Z", code=1) for d in (1, 8, 15)]
    repaired = [city.fault(f"2024-07-{d:02d}T02:00:00Z", code=1, elevator=CODE2) for d in (1, 8, 15)]
    fix = city.on(city.maintainer, "Repaired", {"subsystem": "safety_circuit", "description": "更换安全回路继电器"},
                  "2024-07-20T02:00:00Z", code=CODE2, persons=city.maintainer.persons("worker"))
    city.must_accept(*alarms, *repaired, fix)
    (cluster,) = city.signals("FB.repeated_safety_alarms")
    assert cluster["equipment_codes"] == [CODE] and ids(cluster) == [a["event_id"] for a in alarms]


def test_one_anomaly_near_a_visit_or_a_repair_between_is_no_bypass_signal(city: City) -> None:
    city.in_service()
    alone = [job(city, "2024-05-01T02:00:00Z"), city.fault("2024-05-05T02:00:00Z", code=107)]  # nothing before
    answered = [city.fault("2024-06-10T02:00:00Z", code=1), job(city, "2024-06-15T02:00:00Z"),
                city.on(city.maintainer, "Repaired", {"subsystem": "door", "description": "调整门锁触点"},
                        "2024-06-16T02:00:00Z", persons=city.maintainer.persons("worker")),
                city.fault("2024-06-20T02:00:00Z", code=1)]
    city.must_accept(*alone, *answered)
    assert city.signals("FB.bypass_item_normal") == []


def test_running_while_suspended(city: City) -> None:
    city.in_service()
    suspended = city.on(city.user, "Suspended", {"reason": "装修停用"}, "2024-08-01T00:00:00Z")
    run = city.stats("2024-08-10T00:00:00Z")
    city.must_accept(city.stats("2024-07-30T00:00:00Z"), suspended, run,
                     city.on(city.user, "Reactivated", {"self_check_done": True}, "2024-09-01T00:00:00Z"),
                     city.stats("2024-09-10T00:00:00Z"))
    (signal,) = city.signals("FB.running_while_suspended")
    assert ids(signal) == [suspended["event_id"], run["event_id"]] and signal["pattern"] == "短接安全回路"
