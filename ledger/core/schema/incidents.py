"""Faults, terminal reports, entrapment rescues, hazards, accidents and complaints."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from ledger.core.gbt24476 import ALARM_CODES, EVENT_CODES, FAULT_CODES, SERVICE_MODES
from ledger.core.schema.lifecycle import Subsystem
from ledger.core.schema.types import USCC, Code, Count, Day, EventRef, ExactInt, Instant, Omittable, Payload, Text
from ledger.core.vocabulary import Cause, Severity

__all__ = [
    "AccidentReported",
    "ComplaintFiled",
    "ComplaintResolved",
    "EntrapmentRescue",
    "FaultReported",
    "HazardFound",
    "HazardRectified",
    "RunStatisticsReported",
    "TerminalEventReported",
]

Floor = Annotated[int, Field(ge=-20, le=300)]
ServiceMode = Annotated[int, Field(ge=0, le=max(SERVICE_MODES))]


if TYPE_CHECKING:  # the Literals are built from the code tables, which a type checker cannot evaluate
    FaultCodeValue = str
    TerminalCodeValue = str
else:
    FaultCodeValue = Literal.__getitem__(tuple(FAULT_CODES))
    TerminalCodeValue = Literal.__getitem__((*EVENT_CODES, *ALARM_CODES))


class FaultReported(Payload):
    source: Literal["iot", "96333", "phone", "maintainer", "inspection"]
    code: FaultCodeValue  # GB/T 24476 fault codes (ledger.core.gbt24476)
    floor: Omittable[Floor] = None
    door_zone: Omittable[bool] = None
    service_mode: Omittable[ServiceMode] = None
    passengers_present: Omittable[bool] = None


class TerminalEventReported(Payload):
    """A terminal's service-mode event (40–47) or alarm (90)."""

    code: TerminalCodeValue
    service_mode: Omittable[ServiceMode] = None
    floor: Omittable[Floor] = None


class RunStatisticsReported(Payload):
    period_start: Instant
    period_end: Instant
    run_count: Count
    run_seconds: Count
    door_cycles: Omittable[Count] = None

    @model_validator(mode="after")
    def _period(self) -> RunStatisticsReported:
        if self.period_end <= self.period_start:
            raise ValueError("period_end must be after period_start")
        return self


class EntrapmentRescue(Payload):
    """A 96333 rescue ticket's timeline; times that did not happen are omitted."""

    ticket_no: Code
    alarm_at: Instant
    dispatched_at: Omittable[Instant] = None
    acknowledged_at: Omittable[Instant] = None
    arrived_at: Omittable[Instant] = None
    freed_at: Omittable[Instant] = None
    closed_at: Instant
    persons_trapped: Annotated[int, Field(ge=0, le=100)]
    level: Annotated[Literal[1, 2, 3], ExactInt]
    cause: Cause
    self_rescued: bool = False
    false_alarm: bool = False
    responder_org: Omittable[USCC] = None
    fault_ref: Omittable[EventRef] = None

    @model_validator(mode="after")
    def _ordered(self) -> EntrapmentRescue:
        steps = [
            ("alarm_at", self.alarm_at),
            ("dispatched_at", self.dispatched_at),
            ("acknowledged_at", self.acknowledged_at),
            ("arrived_at", self.arrived_at),
            ("freed_at", self.freed_at),
            ("closed_at", self.closed_at),
        ]
        present = [(name, t) for name, t in steps if t is not None]
        for (earlier, t0), (later, t1) in pairwise(present):
            if t1 < t0:
                raise ValueError(f"{later} is before {earlier}")
        return self


class HazardFound(Payload):
    hazard_no: Code
    source: Literal["inspection", "maintenance", "regulator", "self_test", "complaint"]
    severity: Severity
    subsystem: Subsystem
    description: Text
    deadline: Day
    stop_ordered: bool = False
    inspection_ref: Omittable[EventRef] = None


class HazardRectified(Payload):
    hazard_no: Code
    description: Text


class AccidentReported(Payload):
    grade: Literal["general", "larger", "major", "especially_major"]  # 一般/较大/重大/特别重大
    deaths: Count
    injuries: Count
    description: Text
    fault_ref: Omittable[EventRef] = None


class ComplaintFiled(Payload):
    """A complaint or public report; no personal data, only what was reported."""

    complaint_no: Code
    channel: Literal["12345", "12315", "96333", "qr_code"]
    category: Literal["fault", "entrapment", "maintenance", "safety", "service", "other"]
    summary: Text


class ComplaintResolved(Payload):
    complaint_no: Code
    finding: Text
    substantiated: bool
    resolved_on: Omittable[Day] = None
