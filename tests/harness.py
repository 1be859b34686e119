"""A small registered world on a real store, for rule-by-rule tests."""

from __future__ import annotations

from typing import Any

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.maintenance_items import items_for_tier
from ledger.core.submission import parse_submission
from ledger.store import Store
from ledger.write.service import LedgerService, Outcome
from producers.client import Producer
from producers.world import Org, World

NOW = instant_from_text("2026-01-01T00:00:00Z")
CODE = "311031001201800001"


class Ledger:
    """World + store + service, with helpers to append and assert outcomes."""

    def __init__(self, url: str, *, seed: int = 3) -> None:
        self.world = World(seed, start="2010-01-01T00:00:00Z")
        w = self.world
        self.maker = w.organization("迅达电梯", ("manufacturer", "installer"), maker_code="31001")
        self.maintainer = w.organization("安心维保", ("maintainer",), district="浦东新区")
        self.rival = w.organization("另一维保", ("maintainer",), district="浦东新区")
        self.user = w.organization("阳光物业", ("user_unit",), district="浦东新区")
        self.new_user = w.organization("新物业", ("user_unit",), district="浦东新区")
        self.inspector = w.organization("特检院", ("inspection_body",))
        self.insurer = w.organization("平安财险", ("insurer",))
        self.other_insurer = w.organization("人保财险", ("insurer",))
        self.platform = w.organization("96333", ("platform_96333",))
        self.unlicensed = w.organization("无证维保", ("maintainer",), licence_years=1)
        self.store = Store(url, mode="create")
        self.service = LedgerService(self.store, clock=lambda: NOW)
        self.must_accept(*w.events)

    # --- appending -------------------------------------------------------------------------------------------

    def append(self, *envelopes: dict[str, Any]) -> list[Outcome]:
        return self.service.append([parse_submission(e) for e in envelopes])

    def must_accept(self, *envelopes: dict[str, Any]) -> list[Outcome]:
        outcomes = self.append(*envelopes)
        for envelope, outcome in zip(envelopes, outcomes, strict=True):
            assert outcome.error is None, f"{envelope['type']}: {outcome.error!r}"
        return outcomes

    def must_refuse(self, code: str, envelope: dict[str, Any]) -> Outcome:
        outcome = self.append(envelope)[0]
        assert outcome.error is not None, f"{envelope['type']} was accepted; expected {code}"
        assert outcome.error.code == code, f"{envelope['type']}: {outcome.error!r}, expected {code}"
        return outcome

    # --- event builders --------------------------------------------------------------------------------------

    def on(self, who: Org | Producer, event_type: str, payload: dict[str, Any], when: str, *,
           role: str | None = None, code: str | None = CODE, **kw: Any) -> dict[str, Any]:
        producer = who if isinstance(who, Producer) else who.as_(role or who.roles[0])
        return producer.event(event_type, payload, equipment_code=code, occurred_at=when, **kw)

    def manufactured(self, code: str = CODE, when: str = "2018-03-01T00:00:00Z") -> dict[str, Any]:
        return self.on(self.maker, "Manufactured", {
            "model": "3300", "factory_serial": f"F-{code[-5:]}", "certificate_no": "HG-1", "rated_load_kg": 1000,
            "rated_speed_mm_s": 1750, "floors": 10, "stops": 10, "doors": 10, "design_life_years": 20,
        }, when, role="manufacturer", code=code)

    def registered(self, code: str = CODE, when: str = "2018-06-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
        return self.on(self.world.regulator_producer, "Registered", {
            "registration_no": f"梯31沪A{code[-5:]}(18)", "user_unit": self.user.org, "site_category": "residential",
            "district": "浦东新区", "address": "世纪大道1号", **extra,
        }, when, code=code)

    def contract(self, maintainer: Org | None = None, number: str = "WB-1", start: str = "2018-06-01",
                 end: str = "2030-12-31", code: str = CODE, signed: str | None = None,
                 **extra: Any) -> dict[str, Any]:
        m = maintainer or self.maintainer
        return self.on(m, "MaintenanceContractSigned", {
            "contract_no": number, "maintainer": m.org, "user_unit": self.user.org, "mode": "regular",
            "start_date": start, "end_date": end, **extra,
        }, signed or f"{start}T00:00:00Z", code=code)

    def maintenance(self, when: str = "2024-01-10T02:00:00Z", maintainer: Org | None = None,
                    number: str = "WB-1", persons: list[dict[str, str]] | None = None, code: str = CODE,
                    tier: str = "half_month") -> dict[str, Any]:
        m = maintainer or self.maintainer
        start = instant_from_text(when) - 2700
        return self.on(m, "MaintenancePerformed", {
            "contract_no": number, "tier": tier, "started_at": format_instant(start), "ended_at": when,
            "results": dict.fromkeys(items_for_tier(tier), "pass"),
        }, when, code=code, persons=m.persons("worker", 2) if persons is None else persons)

    def inspection(self, conclusion: str, when: str, kind: str = "PeriodicInspected", **extra: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"report_no": f"R-{when[:10]}-{conclusion}", "conclusion": conclusion, **extra}
        if conclusion == "pass":
            payload.setdefault("next_due_date", "2030-01-01")
        else:
            payload.setdefault("items_failed", ["8.6"])
        return self.on(self.inspector, kind, payload, when, persons=self.inspector.persons("inspector"))

    def hazard(self, number: str = "YH-1", when: str = "2024-02-01T00:00:00Z", source: str = "inspection",
               severity: str = "general") -> dict[str, Any]:
        who = self.inspector if source == "inspection" else self.maintainer
        persons = self.inspector.persons("inspector") if source == "inspection" else self.maintainer.persons("worker")
        return self.on(who, "HazardFound", {
            "hazard_no": number, "source": source, "severity": severity, "subsystem": "brake",
            "description": "制动衬磨损", "deadline": "2024-03-01",
        }, when, persons=persons)

    def in_service(self, code: str = CODE) -> None:
        """Manufactured, registered to the user unit, under contract with the maintainer."""
        self.must_accept(self.manufactured(code), self.registered(code), self.contract(code=code))

    def close(self) -> None:
        self.store.close()
