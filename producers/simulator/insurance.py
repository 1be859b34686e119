"""Insurance: yearly 电梯安全责任险 policies priced by the Nanjing formula, 养老综合险 for some old units,
premium adjustments when the maintainer changes, and claims with their settlement.

Premium (docs/DOMAIN.md (g) [S13]) = ¥93 × use class (住宅 1.0 / 商用 1.1 / 公众 1.3) × age (≤ 15 y 1.0, > 15 y 1.2)
× maintainer grade (A 0.9, B 1.0, C 1.1, D 1.3 [E]) × claims experience (none 0.95, one 1.0, more 1.2 [E]).
Limits ¥800,000 per person, ¥5,000,000 aggregate. 养老综合险 ¥9,420 a year (Hangzhou), ×1.2 past 15 years.
"""

from __future__ import annotations

from typing import Any

from producers.simulator.context import Sim, archival
from producers.simulator.timeline import DAY, day_of, day_text, local_instant
from producers.simulator.unit import Policy, Unit

__all__ = ["file_claim", "maintainer_changed", "start"]

_USE_CLASS = {"residential": "1.0", "commercial": "1.1", "public": "1.3"}
_GRADE = {"A": "0.9", "B": "1.0", "C": "1.1", "D": "1.3"}


def start(sim: Sim, unit: Unit) -> None:
    """The policies in force: for a unit already in service, periods that began up to a year before the window."""
    rng = unit.rng
    first_day = day_of(max(sim.now, sim.window_start - rng.randint(0, 364) * DAY))
    if sim.chance(unit, sim.rates.liability_insured):
        sim.schedule(local_instant(first_day, 10), unit, _issue, "liability", first_day)
    if unit.age_years(sim.window_start) >= 10 and sim.chance(unit, sim.rates.elderly_insured_old):
        sim.schedule(local_instant(first_day, 11), unit, _issue, "elderly_comprehensive", first_day)


def _coefficients(sim: Sim, unit: Unit, claims: int) -> dict[str, Any]:
    contract = unit.contract
    grade = contract.crew.grade if contract is not None else "B"
    return {"base_fen": 9300, "use_class": _USE_CLASS[unit.site_category],
            "age": "1.2" if unit.age_years(sim.now) > 15 else "1.0", "maintainer": _GRADE[grade],
            "claims": "0.95" if claims == 0 else "1.0" if claims == 1 else "1.2"}


def _premium(coefficients: dict[str, Any]) -> int:
    premium = float(coefficients["base_fen"])
    for name in ("use_class", "age", "maintainer", "claims"):
        premium *= float(coefficients[name])
    return round(premium)


def _issue(sim: Sim, unit: Unit, product: str, start_day: int, claims: int = 0) -> None:
    insurer = unit.insurer
    end_day = start_day + 364
    payload: dict[str, Any] = {"policy_no": unit.number("BD"), "product": product, "insured": unit.user_unit.org,
                               "period_start": day_text(start_day), "period_end": day_text(end_day)}
    if product == "liability":
        coefficients = _coefficients(sim, unit, claims)
        payload |= {"premium_fen": _premium(coefficients), "limit_per_person_fen": 80_000_000,
                    "limit_aggregate_fen": 500_000_000, "coefficients": coefficients}
    else:
        payload |= {"premium_fen": 942_000 if unit.age_years(sim.now) <= 15 else 1_130_400,
                    "limit_per_person_fen": 0, "limit_aggregate_fen": 20_000_000}
    sim.emit(unit, insurer.as_("insurer"), "PolicyIssued", payload)
    policy = Policy(payload["policy_no"], product, insurer, start_day, end_day)
    unit.policies[product] = policy
    sim.schedule(local_instant(end_day + 1 - unit.rng.randint(3, 15), 10), unit, _renew, policy)


def _renew(sim: Sim, unit: Unit, policy: Policy) -> None:
    if unit.policies.get(policy.product) is policy:
        _issue(sim, unit, policy.product, policy.end_day + 1, policy.claims)


def maintainer_changed(sim: Sim, unit: Unit) -> None:
    """The maintainer coefficient follows the new maintainer's grade."""
    policy = unit.policies.get("liability")
    if policy is None or not policy.start_day <= day_of(sim.now) <= policy.end_day:
        return
    coefficients = _coefficients(sim, unit, policy.claims)
    sim.emit(unit, policy.insurer.as_("insurer"), "PremiumAdjusted", {
        "policy_no": policy.policy_no, "premium_fen": _premium(coefficients), "coefficients": coefficients,
        "reason": "维保单位变更, 调整维保单位系数"})


@archival
def file_claim(sim: Sim, unit: Unit, product: str, incidents: list[str], loss_type: str,
               reserve_yuan: tuple[int, int]) -> None:
    policy = unit.policies.get(product)
    if policy is None:
        return
    claim_no = unit.number("LP")
    reserve = unit.rng.randint(*reserve_yuan) * 100
    sim.emit(unit, policy.insurer.as_("insurer"), "ClaimFiled", {
        "claim_no": claim_no, "policy_no": policy.policy_no, "incident_refs": incidents, "loss_type": loss_type,
        "reserve_fen": reserve})
    policy.claims += 1
    sim.schedule(sim.now + unit.rng.randint(7, 60) * DAY, unit, _settle, policy, claim_no, reserve)


@archival
def _settle(sim: Sim, unit: Unit, policy: Policy, claim_no: str, reserve: int) -> None:
    rng = unit.rng
    outcome = rng.choices(("paid", "partial", "denied"), (0.8, 0.12, 0.08))[0]
    paid = reserve if outcome == "paid" else reserve // 2 if outcome == "partial" else 0
    payload: dict[str, Any] = {"claim_no": claim_no, "outcome": outcome, "paid_fen": paid,
                               "liability_finding": "拒赔: 不属于保险责任" if outcome == "denied" else "属于保险责任"}
    contract = unit.contract
    if outcome != "denied" and contract is not None and policy.product == "liability":
        payload |= {"liable_parties": [contract.crew.org.org], "subrogation_target": contract.crew.org.org}
    sim.emit(unit, policy.insurer.as_("insurer"), "ClaimSettled", payload)
