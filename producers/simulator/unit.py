"""One simulated elevator: its fixed profile and the state its simulated life changes.

The simulator keeps just enough state to stay within the ledger's rules (who holds the contract, which hazards are
open, whether the unit is in service) — the ledger itself is the judge, and the tests check it agrees.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from producers.iot import Terminal
from producers.simulator.city import Crew, District, Slot
from producers.world import Org

__all__ = ["Contract", "Hazard", "Policy", "Unit", "terminal_id"]


@dataclass
class Contract:
    contract_no: str
    crew: Crew
    start_day: int
    end_day: int  # last day bound
    user_unit: str
    mode: str = "regular"


@dataclass
class Hazard:
    hazard_no: str
    source: str
    severity: str
    subsystem: str
    event_id: str
    rectify_at: int  # when the simulation will rectify it

    @property
    def blocks_pass(self) -> bool:
        """The ledger's rule (ledger.core.elevator.Hazard.blocks_pass): inspection findings and serious hazards."""
        return self.source in ("inspection", "self_test") or self.severity == "serious"


@dataclass
class Policy:
    policy_no: str
    product: str
    insurer: Org
    start_day: int
    end_day: int
    claims: int = 0


@dataclass
class Unit:
    index: int
    code: str
    variety: str
    maker: Org
    made_at: int
    installed_at: int
    district: District
    site_category: str
    address: str
    lat_e6: int
    lon_e6: int
    user_unit: Org
    crew_index: int
    insurer: Org
    iot: bool
    on_demand: bool
    repair_fund: bool
    floors: int
    design_life: int
    fault_rate: float
    rng: random.Random  # the honest city's draws
    fraud_rng: random.Random  # fraud decisions, apart so that fraud rates do not reshuffle the honest city
    bad_rng: random.Random  # bad-submission injection, likewise
    terminal: Terminal | None = None
    contract: Contract | None = None
    next_contract: Contract | None = None
    slot: Slot | None = None
    visit_generation: int = 0
    last_tier_day: dict[str, int] = field(default_factory=dict)
    components: dict[str, tuple[str, int]] = field(default_factory=dict)  # kind → (serial, warranty end day)
    hazards: dict[str, Hazard] = field(default_factory=dict)  # open hazards
    policies: dict[str, Policy] = field(default_factory=dict)  # product → current policy
    recent_faults: list[tuple[int, str, str]] = field(default_factory=list)  # (instant, subsystem, event id)
    worn: list[str] = field(default_factory=list)  # component kinds worn out, for the next visit to find
    registered: bool = False
    suspended: bool = False
    change_pending: bool = False
    decommissioned: bool = False
    service_from: int | None = None  # in service (within the window) from
    terminal_from: int | None = None  # monitored (within the window) from
    retired_at: int | None = None
    bypass_case: dict[str, Any] | None = None
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def escalator(self) -> bool:
        return self.variety in ("3310", "3320")

    @property
    def in_service(self) -> bool:
        return self.registered and not (self.suspended or self.change_pending or self.decommissioned)

    def age_years(self, instant: int) -> float:
        return max(0.0, (instant - self.installed_at) / (365.25 * 86400))

    def number(self, prefix: str) -> str:
        """A document number unique in the city: ``prefix-<equipment code>-<n>``."""
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{prefix}-{self.code}-{n}"


def terminal_id(unit: Unit) -> str:
    """The id of the terminal fitted to ``unit`` (fixed in advance: a 按需维保 contract names it)."""
    return f"IOT-{unit.code[4:9]}-{unit.index + 1:06d}"
