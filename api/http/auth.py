"""Who is asking, and what they may see: principals and the scope rules by audience. Pure — no I/O.

A request authenticates with a per-organization API token (see :mod:`api.http.tokens`); the token names an
organization and a role, and the role is the audience it reads as:

- ``regulator`` — everything;
- ``insurer`` — the elevators it insures (it recorded a ``PolicyIssued`` on them);
- ``maintainer`` — the elevators it maintains or maintained (it signed a ``MaintenanceContractSigned``);
- ``manufacturer`` — the elevators it made (it recorded their ``Manufactured``);
- ``user_unit`` — the elevators registered to it (``Registered.user_unit`` or ``UserUnitChanged.new_user_unit``);
- the other recording roles (installer, inspection body, 96333 platform, assessment body, IoT terminal) — the
  elevators on which they recorded one of their own event types;
- the public — no token: only the public summary (扫一扫) and the transparency log.

The relation is read from the elevator's own signed records, so scopes follow the ledger with no separate ACL to
keep in sync. A former maintainer or insurer keeps access to the elevators it served (its own history there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from ledger.core.vocabulary import ROLE_LABELS

if TYPE_CHECKING:
    from ledger.store import RelationRecord

__all__ = ["NAMED_RELATIONS", "ROLES", "SIGNED_RELATIONS", "Principal", "payload_field", "relates", "relation_types"]

ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

# Role → event types whose signer thereby relates to the elevator.
SIGNED_RELATIONS: dict[str, frozenset[str]] = {
    "insurer": frozenset({"PolicyIssued"}),
    "maintainer": frozenset({"MaintenanceContractSigned"}),
    "manufacturer": frozenset({"Manufactured"}),
    "installer": frozenset({"InstallationNotified", "Installed", "Modified", "MajorRepair", "Repaired",
                            "ComponentReplaced"}),
    "inspection_body": frozenset({"SupervisoryInspected", "PeriodicInspected", "SelfTested", "HazardFound"}),
    "assessment_body": frozenset({"RiskAssessed"}),
    "platform_96333": frozenset({"EntrapmentRescue", "FaultReported", "ComplaintFiled"}),
    "iot_terminal": frozenset({"FaultReported", "TerminalEventReported", "RunStatisticsReported"}),
}
# Role → {event type: payload field naming the organization}.
NAMED_RELATIONS: dict[str, dict[str, str]] = {
    "user_unit": {"Registered": "user_unit", "UserUnitChanged": "new_user_unit"},
}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the token's organization and role."""

    token_id: str
    org: str
    role: str
    name: str | None = None

    @property
    def is_regulator(self) -> bool:
        return self.role == "regulator"


def relates(principal: Principal, records: Iterable[RelationRecord]) -> bool:
    """Whether ``principal`` may see the elevator with these records."""
    if principal.is_regulator:
        return True
    signed = SIGNED_RELATIONS.get(principal.role, frozenset())
    named = NAMED_RELATIONS.get(principal.role, {})
    for found in records:
        if found.org == principal.org and found.type in signed:
            return True
        field = named.get(found.type)
        if field is not None and payload_field(found.record, field) == principal.org:
            return True
    return False


def relation_types(role: str) -> frozenset[str]:
    """The event types that can relate an organization in ``role`` to an elevator."""
    return SIGNED_RELATIONS.get(role, frozenset()) | frozenset(NAMED_RELATIONS.get(role, {}))


def payload_field(record: bytes, name: str) -> object:
    """A top-level field of the record's payload (None when absent)."""
    payload = orjson.loads(record).get("payload", {})
    return payload.get(name) if isinstance(payload, dict) else None
