"""The event catalogue: for each event type, its payload schema, who may record it, and where it lives.

This table is docs/DOMAIN.md (a) and (b) as data. ``roles`` maps each role allowed to record the type to the licence
kinds of which it must hold one valid at ``occurred_at`` (an empty tuple: no licence needed).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Literal

from ledger.core.schema import enforcement, incidents, inspection, insurance, lifecycle, maintenance, registry_events
from ledger.core.schema.types import Payload

__all__ = ["CATALOG", "EventSpec", "spec_for"]

Stream = Literal["elevator", "org", "either"]


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    payload: builtins.type[Payload]  # builtins: ``type`` in this class body is the field above
    roles: dict[str, tuple[str, ...]]
    stream: Stream = "elevator"
    # Allowed after decommissioning (claims, penalties and complaint outcomes about the past).
    archival: bool = False
    # Minimum number of actor.persons per person role.
    persons: dict[str, int] = field(default_factory=dict)


def _spec(payload: type[Payload], roles: dict[str, tuple[str, ...]], *, stream: Stream = "elevator",
          archival: bool = False, persons: dict[str, int] | None = None) -> EventSpec:
    return EventSpec(payload.__name__, payload, roles, stream, archival, persons or {})


_NONE: tuple[str, ...] = ()
_REG = {"regulator": _NONE}

_SPECS = [
    # registry (organization streams)
    _spec(registry_events.RegistryGenesis, _REG, stream="org"),
    _spec(registry_events.OrganizationRegistered, _REG, stream="org"),
    _spec(registry_events.LicenceGranted, _REG, stream="org"),
    _spec(registry_events.LicenceRevoked, _REG, stream="org"),
    _spec(registry_events.KeyAdded, _REG, stream="org"),
    _spec(registry_events.KeyRevoked, _REG, stream="org"),
    _spec(registry_events.WorkerCertified, _REG, stream="org"),
    _spec(registry_events.WorkerCertificateRevoked, _REG, stream="org"),
    _spec(registry_events.DeviceRegistered, _REG, stream="org"),
    _spec(registry_events.CreditRated, _REG, stream="org"),
    # manufacture and installation
    _spec(lifecycle.Manufactured, {"manufacturer": ("manufacture",)}),
    _spec(lifecycle.ComponentAssociated, {"manufacturer": ("manufacture",)}),
    _spec(lifecycle.WarrantyIssued, {"manufacturer": ("manufacture",)}),
    _spec(lifecycle.InstallationNotified, {"installer": ("installation",)}),
    _spec(lifecycle.Installed, {"installer": ("installation",)}),
    # registration and parties
    _spec(lifecycle.Registered, _REG),
    _spec(lifecycle.UserUnitChanged, _REG),
    _spec(maintenance.MaintenanceContractSigned, {"maintainer": ("maintenance",)}),
    _spec(maintenance.MaintenanceContractTerminated, {"maintainer": ("maintenance",), "user_unit": _NONE}),
    # maintenance
    _spec(maintenance.MaintenancePerformed, {"maintainer": ("maintenance",)}, persons={"worker": 1}),
    _spec(maintenance.MaintenanceCountersigned, {"user_unit": _NONE}),
    _spec(lifecycle.ComponentReplaced, {"maintainer": ("maintenance",), "installer": ("repair",)}),
    _spec(lifecycle.Repaired, {"maintainer": ("maintenance",), "installer": ("repair",)}),
    _spec(lifecycle.MajorRepair, {"installer": ("repair",), "maintainer": ("repair",)}),
    _spec(lifecycle.Modified, {"installer": ("modification",), "manufacturer": ("modification",)}),
    # faults, rescue, hazards
    _spec(
        incidents.FaultReported,
        {"iot_terminal": _NONE, "platform_96333": _NONE, "maintainer": ("maintenance",), "user_unit": _NONE,
         "inspection_body": ("inspection", "testing")},
    ),
    _spec(incidents.TerminalEventReported, {"iot_terminal": _NONE}),
    _spec(incidents.RunStatisticsReported, {"iot_terminal": _NONE}),
    _spec(incidents.EntrapmentRescue, {"platform_96333": _NONE, "maintainer": ("maintenance",)}),
    _spec(
        incidents.HazardFound,
        {"inspection_body": ("inspection", "testing"), "maintainer": ("maintenance",), "regulator": _NONE},
    ),
    _spec(
        incidents.HazardRectified,
        {"maintainer": ("maintenance",), "installer": ("repair",), "user_unit": _NONE},
    ),
    _spec(incidents.AccidentReported, _REG),
    _spec(incidents.ComplaintFiled, {"platform_96333": _NONE, "regulator": _NONE}),
    _spec(incidents.ComplaintResolved, _REG, archival=True),
    # inspection and assessment
    _spec(inspection.InspectionApplied, {"user_unit": _NONE}),
    _spec(inspection.SupervisoryInspected, {"inspection_body": ("inspection",)}, persons={"inspector": 1}),
    _spec(inspection.PeriodicInspected, {"inspection_body": ("inspection",)}, persons={"inspector": 1}),
    _spec(inspection.SelfTested, {"inspection_body": ("testing", "inspection")}, persons={"inspector": 1}),
    _spec(inspection.RiskAssessed, {"assessment_body": ("assessment",)}, persons={"assessor": 1}),
    # use status
    _spec(lifecycle.Suspended, {"user_unit": _NONE}),
    _spec(lifecycle.Reactivated, {"user_unit": _NONE}),
    _spec(lifecycle.Decommissioned, {"user_unit": _NONE, "regulator": _NONE}),
    # insurance
    _spec(insurance.PolicyIssued, {"insurer": _NONE}),
    _spec(insurance.PremiumAdjusted, {"insurer": _NONE}),
    _spec(insurance.ClaimFiled, {"insurer": _NONE}, archival=True),
    _spec(insurance.ClaimSettled, {"insurer": _NONE}, archival=True),
    # enforcement
    _spec(enforcement.PenaltyImposed, _REG, stream="either", archival=True),
]

CATALOG: dict[str, EventSpec] = {spec.type: spec for spec in _SPECS}


def spec_for(event_type: str) -> EventSpec | None:
    return CATALOG.get(event_type)
